"""Red team of issue 14's relaxations: what a draft did to get past them, each held now.

``sast.tests`` eases a blocking finding in a test file to pending: production code dressed as a
test (a plugin loaded by name, hooks bound at run time, a package initializer, a file name used
as a folder) must still block. The dependency audit keeps a library's declared ranges quiet: a
dependency its users newly install must still be said. The terminal folds notes: what a person is
asked to accept must never fold away. Real repositories, real scanners, the engine in-process.
"""

from __future__ import annotations

import io

import pytest

from gates.engine import Request, check
from gates.model import Decision, SourceKind, StageResult, StageStatus
from gates.report.terminal import render
from gates.scanners.testfiles import ASKS

from .conftest import Repo

SHELL = "import subprocess\n\n\n{pre}def run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
AUTOUSE = "import pytest\n" + SHELL.format(pre="@pytest.fixture(autouse=True)\n")
LIB = ("[build-system]\nrequires = ['setuptools']\nbuild-backend = 'setuptools.build_meta'\n"
       "[project]\nname = 'x'\nversion = '1'\n")


def judged(repo: Repo) -> Decision:
    return check(Request(SourceKind.STAGED, cwd=repo.root, use_cache=False))


def stage(decision: Decision, name: str) -> StageResult:
    return next(r for r in decision.results if r.stage == name)


@pytest.mark.parametrize("files", [
    {"tests/test_a.py": "pytest_plugins = ['tests.helper']\n\n\ndef test_x():\n    pass\n",
     "tests/helper.py": AUTOUSE},
    {"pytest.ini": "[pytest]\naddopts = -p tests.helper\n", "tests/helper.py": AUTOUSE},
    {"pyproject.toml": "[tool.pytest.ini_options]\naddopts = ['-ptests.helper']\n",
     "tests/helper.py": AUTOUSE},
    {"tox.ini": "[pytest]\naddopts = -v -p no:cacheprovider -p tests.helper\n",
     "tests/helper.py": AUTOUSE},
    {"pyproject.toml": "[tool.pytest.ini_options]\naddopts = ['-p', 'tests.helper']\n",
     "tests/helper.py": AUTOUSE},
    {"pyproject.toml": LIB + "[project.entry-points.pytest11]\nx = 'tests.helper'\n",
     "tests/helper.py": AUTOUSE},
    {"pyproject.toml": LIB + "[project.scripts]\ntool = 'tests.helper:run'\n",
     "tests/helper.py": SHELL.format(pre="")},
    {"setup.cfg": "[options.entry_points]\npytest11 =\n    x = tests.helper\n",
     "tests/helper.py": AUTOUSE},
    {"setup.py": "from setuptools import setup\nsetup(entry_points={'pytest11': "
                 "['x = tests.helper']})\n", "tests/helper.py": AUTOUSE},
], ids=["pytest_plugins", "ini-p", "pyproject-p", "tox-p", "pyproject-list-p", "pytest11",
        "console-script", "setup.cfg", "setup.py"])
def test_a_module_the_change_loads_as_a_plugin_or_entry_point_blocks(
        seeded: Repo, files: dict[str, str]) -> None:
    for path, content in files.items():
        seeded.write(path, content)
    decision = judged(seeded)
    result = stage(decision, "sast")
    assert result.status is StageStatus.FAILED, result.message
    assert any(f.blocking and f.path.startswith("tests/helper") for f in result.findings)


@pytest.mark.parametrize("hook", [
    "import types\n\nP = types.SimpleNamespace(pytest_runtest_setup=lambda item: None)\n",
    "P = type('P', (), {'pytest_runtest_setup': staticmethod(lambda item: None)})\n",
    "vars()['pytest_' + 'configure'] = run\n",
    "import sys\n\nsys.modules[__name__].__dict__.update({'pytest_' + 'configure': run})\n",
    "import sys\n\nsys.modules[__name__].__dict__['pytest_' + 'configure'] = run\n",
    "import builtins\nimport sys\n\nbuiltins.setattr(sys.modules[__name__], 'pytest_' + "
    "'configure', run)\n",
    "def test_x(request):\n    request.config.pluginmanager.register(object())\n",
], ids=["namespace-keyword", "dict-key", "vars", "dict-update", "dict-store",
        "builtins-setattr", "pluginmanager"])
def test_hooks_bound_at_run_time_make_a_plugin(seeded: Repo, hook: str) -> None:
    seeded.write("tests/test_a.py", SHELL.format(pre="") + "\n\n" + hook)
    assert stage(judged(seeded), "sast").status is StageStatus.FAILED


def test_monkeypatch_setattr_keeps_a_test_a_test(seeded: Repo) -> None:
    seeded.write("tests/test_a.py", SHELL.format(pre="") + "\n\ndef test_x(monkeypatch):\n"
                 "    monkeypatch.setattr('subprocess.call', len)\n")
    assert stage(judged(seeded), "sast").status is StageStatus.PENDING


@pytest.mark.parametrize("path", ["tests/__init__.py", "src/pkg/tests/__init__.py",
                                  "tools/tests.py/__main__.py", "test_app.py/server.py"])
def test_an_initializer_or_a_test_name_used_as_a_folder_is_production(
        seeded: Repo, path: str) -> None:
    seeded.write(path, SHELL.format(pre="") + "\nrun('id')\n")
    assert stage(judged(seeded), "sast").status is StageStatus.FAILED


def test_a_test_finding_stays_in_view_when_other_reasons_come_first(seeded: Repo) -> None:
    # Files that cannot be scanned come first in the stage's message, which names three
    # reasons: the finding the person is asked to accept was folded away and unnamed.
    seeded.write("tests/test_a.py", SHELL.format(pre=""))
    for n in range(3):
        seeded.write(f"docs/n{n}.ipynb", "not json")
    decision = judged(seeded)
    assert stage(decision, "sast").status is StageStatus.PENDING
    out = io.StringIO()
    render(decision, out)
    lines = out.getvalue().splitlines()
    asked = [line for line in lines if line.startswith("  note  tests/test_a.py:5  ")]
    assert len(asked) == 2 and all(ASKS in line for line in asked), lines
    assert any("bandit B602 (high/high)" in line for line in asked)


def test_a_held_suppression_pushed_out_of_the_action_is_listed(seeded: Repo) -> None:
    # An existing blanket "# nosec" now covers code the change wrote: no suppression-added note,
    # and the action names three unscannable files first. The held finding was counted as
    # "below the blocking threshold".
    seeded.write("app/run.py", "import os\n\n\ndef run(cmd):\n    os.system(  # nosec\n"
                 "        'ls')\n")
    seeded.commit("accepted")
    seeded.write("app/run.py", "import os\n\n\ndef run(cmd):\n    os.system(  # nosec\n"
                 "        cmd)\n")
    for n in range(3):
        seeded.write(f"docs/n{n}.ipynb", "not json")
    decision = judged(seeded)
    assert "app/run.py:5" not in stage(decision, "sast").message
    out = io.StringIO()
    render(decision, out)
    assert any(line.startswith("  note  app/run.py:5  bandit B605") and "not honoured" in line
               for line in out.getvalue().splitlines()), out.getvalue()


@pytest.mark.parametrize(("before", "after"), [
    ("dependencies = ['requests>=2']\n[dependency-groups]\ndev = ['evilpkg>=1']\n",
     "dependencies = ['requests>=2', 'evilpkg>=1']\n[dependency-groups]\ndev = ['evilpkg>=1']\n"),
    ("dependencies = ['requests>=2']\n[dependency-groups]\ndev = ['evilpkg>=1']\n",
     "dependencies = ['requests>=2', 'evilpkg>=1']\n[dependency-groups]\ndev = []\n"),
    ("dependencies = []\n[tool.uv]\nconstraint-dependencies = ['evilpkg>=1']\n",
     "dependencies = ['evilpkg>=1']\n[tool.uv]\nconstraint-dependencies = ['evilpkg>=1']\n"),
    ("dependencies = ['requests>=2']\n", "dependencies = ['requests[socks]>=2']\n"),
], ids=["dev-copied", "dev-moved", "uv-constraint", "extra"])
def test_a_library_s_users_installing_something_new_is_said(
        seeded: Repo, before: str, after: str) -> None:
    seeded.write("pyproject.toml", LIB + before)
    seeded.commit("library")
    seeded.write("pyproject.toml", LIB + after)
    result = stage(judged(seeded), "deps")
    assert [f.rule for f in result.findings] == ["new-dependency"], result.message


def test_an_application_s_dev_line_copied_into_its_dependencies_is_touched(seeded: Repo) -> None:
    app = "[project]\nname = 'x'\nversion = '1'\n"
    seeded.write("pyproject.toml", app + "dependencies = []\n[dependency-groups]\n"
                 "dev = ['evilpkg>=1']\n")
    seeded.write("requirements.txt", "evilpkg>=1\n")
    seeded.commit("application")
    seeded.write("pyproject.toml", app + "dependencies = ['evilpkg>=1']\n[dependency-groups]\n"
                 "dev = ['evilpkg>=1']\n")
    seeded.write("requirements.txt", "evilpkg>=1\nevilpkg>=1\n")
    result = stage(judged(seeded), "deps")
    assert sorted((f.rule, f.path) for f in result.findings) == [
        ("unpinned", "pyproject.toml"), ("unpinned", "requirements.txt")], result.message
