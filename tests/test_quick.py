"""A staged decision reused whole (gates.quick, issue 17): the same report and exit code as a fresh
run, and a fresh run whenever anything the decision rests on changed.

The console script's entry (``gates.launch.main``) runs in-process; ``reused`` in the decision
log tells a reused decision from a fresh one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gates import quick
from gates.audit.log import read
from gates.launch import main as launch

from .conftest import Repo, logged_scanners, run_in_process

UNSAFE = "import yaml\n\ndef load(f):\n    return yaml.load(f, Loader=yaml.Loader)\n"


def gate(repo: Repo, *args: str, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return run_in_process(list(args), repo.root, env or {}, main=launch)


def reused(repo: Repo) -> list[bool]:
    """Oldest first: was each logged decision reused?"""
    return [bool(r.get("reused")) for r in
            reversed(read(repo.root / ".git" / "draftgate" / "audit.db"))]


@pytest.mark.parametrize("content", [
    "def main():\n    return 2\n",  # pass
    UNSAFE,  # block
])
def test_a_reused_decision_says_what_a_fresh_one_says(seeded: Repo, content: str) -> None:
    seeded.write("app/main.py", content)
    first = gate(seeded, "check", "--staged", "--format", "json")
    again = gate(seeded, "check", "--staged", "--format", "json")
    assert (again.returncode, again.stdout, again.stderr) == (
        first.returncode, first.stdout, first.stderr)
    assert reused(seeded) == [False, True]
    fresh = seeded.gate("check", "--staged", "--format", "json")  # the CLI, no reuse at all
    assert fresh.returncode == first.returncode
    # The same decision (stage times aside: they are the run's own).
    assert {k: v for k, v in json.loads(fresh.stdout).items() if k != "stages"} == {
        k: v for k, v in json.loads(first.stdout).items() if k != "stages"}


def test_the_hook_reuses_its_pending_decision_with_its_own_exit_code(seeded: Repo) -> None:
    seeded.write("auth/login.py", "def login():\n    return True\n")
    first = gate(seeded, "hook", "pre-commit")
    again = gate(seeded, "hook", "pre-commit")
    assert first.returncode == again.returncode == 0  # precommit.high_tier: warn
    assert again.stdout == first.stdout and "pull request will need" in again.stdout
    records = read(seeded.root / ".git" / "draftgate" / "audit.db")
    assert [(r["outcome"], r["exit_code"], bool(r.get("reused"))) for r in records] == [
        ("pending", 0, True), ("pending", 0, False)]


def edit_staged(repo: Repo) -> None:
    repo.write("app/main.py", UNSAFE)


def commit_policy(repo: Repo) -> None:
    repo.write(".gate.yaml", "extends: default\nsast:\n  bandit:\n    skip: [B506]\n")
    repo.commit("a policy that skips B506")
    repo.write("app/main.py", UNSAFE + "\n")


def switch_branch(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "ai/drafted-by-model")


def staged_attributes(repo: Repo) -> None:
    repo.write(".gitattributes", "*.py -diff\n")  # the staged diff reads the index's attributes


@pytest.mark.parametrize("change", [edit_staged, commit_policy, switch_branch,
                                    staged_attributes])
def test_a_change_to_what_the_decision_rests_on_is_judged_afresh(seeded: Repo,
                                                                 change: object) -> None:
    seeded.write("app/main.py", UNSAFE)
    assert gate(seeded, "check").returncode == 1
    assert change is not None
    change(seeded)  # type: ignore[operator]
    after = gate(seeded, "check", "--format", "json")
    assert reused(seeded) == [False, False]
    assert after.returncode == seeded.gate("check", "--format", "json").returncode


def test_the_environment_and_the_tools_are_part_of_the_name(seeded: Repo,
                                                          tmp_path: Path) -> None:
    seeded.write("app/main.py", UNSAFE)
    env, runs = logged_scanners(tmp_path)
    gate(seeded, "check", env=env)
    gate(seeded, "check", env=env)
    assert reused(seeded) == [False, True]
    gate(seeded, "check", env={**env, "DRAFTGATE_SOMETHING": "1"})  # any variable not volatile
    assert reused(seeded)[-1] is False
    bandit = tmp_path / "bin" / "bandit"
    later = time.time() + 5
    os.utime(bandit, (later, later))  # bandit upgraded in place
    gate(seeded, "check", env=env)
    assert reused(seeded)[-1] is False
    gate(seeded, "check", env={**env, "PWD": "/elsewhere", "SHLVL": "7"})  # volatile only
    assert reused(seeded)[-1] is True
    assert runs.read_text().count("bandit") >= 1


def test_another_width_or_flag_is_another_report(seeded: Repo) -> None:
    seeded.write("app/main.py", UNSAFE)
    gate(seeded, "check")
    gate(seeded, "check", env={"COLUMNS": "61"})
    gate(seeded, "check", "--explain")
    assert reused(seeded) == [False, False, False]


def test_what_is_never_stored(seeded: Repo) -> None:
    seeded.write("requirements.txt", "requests==2.0.0\n")  # the dependency audit runs
    gate(seeded, "check")
    gate(seeded, "check")
    assert reused(seeded) == [False, False]
    seeded.git("reset", "-q")
    seeded.write("app/main.py", UNSAFE)
    gate(seeded, "check", env={"GITHUB_ACTIONS": "true"})
    gate(seeded, "check", env={"GITHUB_ACTIONS": "true"})
    gate(seeded, "check", "--base", "HEAD")  # a range: never reused
    gate(seeded, "check", "--base", "HEAD")
    assert reused(seeded)[2:] == [False, False, False, False]


def test_a_stale_or_damaged_entry_is_a_miss(seeded: Repo) -> None:
    seeded.write("app/main.py", UNSAFE)
    first = gate(seeded, "check")
    folder = seeded.root / ".git" / "draftgate" / "decisions"
    (entry,) = folder.glob("*.json")
    stored = json.loads(entry.read_text())
    entry.write_text(json.dumps(stored | {"created": time.time() - quick.TTL - 60}))
    gate(seeded, "check")
    assert reused(seeded) == [False, False]
    (entry,) = folder.glob("*.json")
    entry.write_text('{"schema": 1, "created": ')  # torn
    assert gate(seeded, "check").returncode == first.returncode
    entry.write_text(json.dumps(stored | {"created": time.time(), "code": "0"}))
    assert gate(seeded, "check").returncode == first.returncode == 1
    assert reused(seeded) == [False, False, False, False]


def test_an_unborn_head_or_a_conflict_runs_the_gate(repo: Repo) -> None:
    repo.write("app/main.py", UNSAFE)
    assert gate(repo, "check").returncode == gate(repo, "check").returncode == 1
    assert reused(repo) == [False, False]


@pytest.mark.cli
def test_the_console_script_reuses_a_decision(seeded: Repo) -> None:
    seeded.write("app/main.py", UNSAFE)
    runs = [subprocess.run([sys.executable, "-m", "gates", "check"], cwd=seeded.root,
                           capture_output=True, text=True, check=False) for _ in range(2)]
    assert [r.returncode for r in runs] == [1, 1] and runs[0].stdout == runs[1].stdout
    assert reused(seeded) == [False, True]


@pytest.mark.cli
def test_python_m_gates_in_a_repository_imports_nothing_from_it(repo: Repo) -> None:
    # python -m puts the current directory first on sys.path: a drafted module named like one
    # the gate imports must not run.
    for name in ("click", "yaml", "git", "json"):
        repo.write(f"{name}.py", f"raise SystemExit('drafted {name}.py ran')\n")
    done = subprocess.run([sys.executable, "-m", "gates", "check"], cwd=repo.root,
                          capture_output=True, text=True, check=False)
    assert "ran" not in done.stdout + done.stderr, done.stderr
    assert done.returncode in (0, 1, 3), done.stderr
