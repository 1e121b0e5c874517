"""Every `gate check`, `gate hook` and `gate review` run appends its decision to the log, and a log
that cannot be written never changes the decision (issue 16; the store: tests/test_audit_log.py)."""

from __future__ import annotations

import json
from pathlib import Path

from gates.audit.log import read

from .conftest import Repo


def log_of(repo: Repo) -> list[dict]:
    return read(repo.root / ".git" / "draftgate" / "audit.db")


def test_each_command_appends_one_record(seeded: Repo) -> None:
    seeded.write("app/main.py", "def main():\n    return 2\n")
    assert seeded.gate("check").returncode == 0
    assert seeded.gate("hook", "pre-commit").returncode == 0
    seeded.write("auth/login.py", "def login():\n    return True\n")
    assert seeded.gate("review").returncode == 3
    rows = log_of(seeded)
    assert [(r["command"], r["outcome"], r["exit_code"]) for r in rows] == [
        ("review", "pending", 3), ("hook pre-commit", "pass", 0), ("check", "pass", 0)]
    assert rows[0]["tier"] == "high" and "auth/login.py" in rows[0]["paths"]


def test_a_pending_change_the_hook_lets_through_is_logged_with_the_hooks_exit_code(
        seeded: Repo) -> None:
    seeded.write("auth/login.py", "def login():\n    return True\n")
    assert seeded.gate("hook", "pre-commit").returncode == 0  # precommit.high_tier: warn
    (row,) = log_of(seeded)
    assert (row["outcome"], row["exit_code"]) == ("pending", 0)


def test_the_log_can_be_moved(seeded: Repo, tmp_path: Path) -> None:
    seeded.write("app/main.py", "def main():\n    return 2\n")
    named, moved = tmp_path / "named.db", tmp_path / "env.db"
    seeded.gate("check", "--audit-log", str(named))
    seeded.gate("check", env={"DRAFTGATE_AUDIT_LOG": str(moved)})
    assert len(read(named)) == 1 and len(read(moved)) == 1 and log_of(seeded) == []


def test_a_log_that_cannot_be_written_leaves_the_decision_alone(seeded: Repo,
                                                               tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    seeded.write("app/run.py",
                 "import yaml\n\ndef load(f):\n    return yaml.load(f, Loader=yaml.Loader)\n")
    plain = seeded.gate("check", "--format", "json")
    done = seeded.gate("check", "--format", "json", "--audit-log", str(broken))
    assert done.returncode == plain.returncode == 1

    def verdict(out: str) -> tuple[object, ...]:
        data = json.loads(out)
        return data["outcome"], data["exit_code"], [
            (f["rule"], f["blocking"]) for s in data["stages"] for f in s["findings"]]

    assert verdict(done.stdout) == verdict(plain.stdout)
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("gate: audit log")]
    assert line.startswith("gate: audit log not written: ")
    assert broken.read_bytes() == b"not a database" * 100


def test_gate_log_lists_filters_and_escapes(seeded: Repo) -> None:
    seeded.write("app/main.py", "def main():\n    return 2\n")
    seeded.gate("check")
    seeded.write("app/\x1b[2Jrun.py",
                 "import yaml\n\ndef load(f):\n    return yaml.load(f, Loader=yaml.Loader)\n")
    assert seeded.gate("check").returncode == 1
    done = seeded.gate("log")
    assert done.returncode == 0
    newest, oldest = done.stdout.splitlines()
    assert " BLOCK " in newest and "exit 1" in newest and "blocks: B506 x1" in newest
    assert "\x1b" not in done.stdout and "\\x1b[2J" in newest
    assert " PASS " in oldest and "app/main.py" in oldest
    only = seeded.gate("log", "--outcome", "block", "--format", "json")
    rows = json.loads(only.stdout)
    assert [r["outcome"] for r in rows] == ["block"] and rows == log_of(seeded)[:1]
    assert seeded.gate("log", "--rule", "B506", "--format", "json").stdout == only.stdout
    assert seeded.gate("log", "--since", "2999-01-01").stdout.startswith("no decisions in ")


def test_gate_log_refuses_a_log_it_cannot_read(seeded: Repo, tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    done = seeded.gate("log", "--audit-log", str(broken))
    assert done.returncode == 2 and done.stderr.startswith("gate: error: ")
    assert done.stderr.count("\n") == 1
