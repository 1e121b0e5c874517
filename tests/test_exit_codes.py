"""Every command's exit codes are the README's: read the table, run each command, compare.

A wrapper script (CI step, hook, editor integration) branches on these codes, so a command that
returns a code the table does not list, or gives the same situation two different codes, breaks it.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import Repo

pytestmark = pytest.mark.cli  # the console script's contract: real processes

README = Path(__file__).resolve().parent.parent / "README.md"

COMMANDS = (
    ("check",), ("review",), ("explain", "app"), ("replay", "--since", "HEAD"), ("learn",),
    ("log",), ("stats",),
    ("hook", "pre-commit"), ("hook", "pre-push"), ("install-hooks",), ("uninstall-hooks",),
    ("init",), ("policy", "validate"), ("policy", "show"),
)


def documented() -> dict[int, str]:
    """The README's exit-code table: code -> outcome."""
    text = README.read_text()
    table = text.split("| exit | outcome | when |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\d+) \| ([a-z ]+) \|", table, flags=re.MULTILINE)
    assert rows, "the README has no exit-code table"
    return {int(code): outcome for code, outcome in rows}


def test_the_table_lists_each_outcome_once() -> None:
    table = documented()
    assert table == {0: "pass", 1: "block", 2: "error", 3: "pending", 4: "tool failure"}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_says_error_outside_a_repository(tmp_path: Path,
                                                       command: tuple[str, ...]) -> None:
    repo = Repo(tmp_path, in_process=False)  # not a repository: no `git init`
    done = repo.gate(*command)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert documented()[done.returncode] == "error"
    assert done.stderr.startswith("gate: error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_says_error_on_an_unknown_option(seeded: Repo,
                                                       command: tuple[str, ...]) -> None:
    done = seeded.gate(*command, "--no-such-option")
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "no such option" in done.stderr.lower()


def test_an_empty_change_passes_for_every_command_that_judges_one(seeded: Repo) -> None:
    codes = {" ".join(c): seeded.gate(*c).returncode
             for c in (("check",), ("check", "--staged"), ("review",), ("hook", "pre-commit"),
                       ("check", "--base", "HEAD"), ("review", "--base", "HEAD"))}
    assert set(codes.values()) == {0}, codes


def test_outcomes_map_to_the_documented_codes(seeded: Repo, tmp_path: Path) -> None:
    table = documented()
    seen: dict[str, int] = {}

    seeded.write("app/main.py", "def main():\n    return 2\n")
    seen["pass"] = seeded.gate("check").returncode
    assert seeded.gate("review").returncode == seen["pass"]  # no high-tier file: nothing to review
    seeded.write("app/run.py", "import subprocess, sys\n\n"
                 "def run():\n    subprocess.call(sys.argv[1], shell=True)\n")
    seen["block"] = seeded.gate("check").returncode
    assert seeded.gate("hook", "pre-commit").returncode == seen["block"]
    seeded.git("rm", "-q", "--cached", "app/run.py")
    seeded.write("auth/login.py", "def login():\n    return True\n")
    seen["pending"] = seeded.gate("check").returncode
    assert seeded.gate("review").returncode == seen["pending"]  # no provider: a person must look
    seen["error"] = seeded.gate("check", "--base", "no-such-revision").returncode
    seeded.write("bad.yaml", "extends: no-such-policy\n", stage=False)
    assert seeded.gate("policy", "validate", "bad.yaml").returncode == seen["error"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    found = shutil.which("git")
    assert found, "git is needed"
    git = Path(found).resolve()
    if git.parent == Path(sys.executable).parent:
        pytest.skip("git is installed beside this venv's scanners: no PATH holds one without "
                    "the other")
    seen["tool failure"] = seeded.gate(
        "check", env={"PATH": f"{bin_dir}:{git.parent}"}).returncode  # no bandit, no semgrep

    assert {table[code] for code in seen.values()} == set(table.values()), seen
    assert all(table[code] == outcome for outcome, code in seen.items()), seen
