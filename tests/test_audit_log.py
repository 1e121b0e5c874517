"""``gates.audit.log``: records from real decisions, the SQLite log's guarantees and its failures.

Records come from the engine on real repositories; a few are copies with one field forced (a time,
an outcome) where a filter needs a spread the engine would take minutes to produce. Concurrency
runs real processes; a lock is a real second connection holding a write transaction.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gates.audit.log import (
    ENV_VAR,
    SCHEMA_VERSION,
    AuditLogError,
    append,
    default_path,
    read,
    record_of,
)
from gates.engine import Request, check, explain
from gates.model import Decision, Outcome, SourceKind

from .conftest import Repo
from .test_engine import BANDIT_ONLY, UNSAFE_YAML  # bandit alone; B506 blocks

ROOT = os.geteuid() == 0


def staged(repo: Repo) -> Request:
    return Request(SourceKind.STAGED, cwd=repo.root)


def blocked(repo: Repo) -> Decision:
    repo.write(".gate.yaml", BANDIT_ONLY)
    repo.commit("policy")
    repo.write("app/load.py", UNSAFE_YAML)
    repo.write("app/known.py", UNSAFE_YAML.replace("(text)\n", "(text)  # nosec\n"))
    repo.write("app/auth/login.py", "def login(user):\n    return user\n")
    decision = check(staged(repo))
    assert decision.outcome is Outcome.BLOCK
    return decision


def high(repo: Repo) -> dict[str, Any]:
    """A record of an explained (nothing run) high-tier change."""
    repo.write("app/auth/session.py", "def open_session():\n    return 1\n")
    decision = explain(staged(repo))
    return record_of(decision, argv_source="check", duration=0.05, exit_code=decision.exit_code)


def rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT time, outcome, tier, source, exit_code, record "
                          "FROM decisions ORDER BY id").fetchall()


def test_a_blocked_decision_s_record_round_trips(seeded: Repo, tmp_path: Path) -> None:
    decision = blocked(seeded)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    record = record_of(decision, argv_source="hook pre-commit", duration=0.31234567,
                       exit_code=1, now=now)
    assert json.loads(json.dumps(record)) == record
    assert record["time"] == "2026-03-01T12:00:00.000000+00:00"
    assert record["source"]["kind"] == "staged" and record["command"] == "hook pre-commit"
    assert record["paths"] == ["app/auth/login.py", "app/known.py", "app/load.py"]
    assert record["policy"] == {"origin": decision.policy.origin,
                                "digest": decision.policy.digest}
    assert record["tier"] == "high" and "auth.path" in record["tier_rules"]
    assert record["lane"] == ["sast"]
    assert [(s["name"], s["status"]) for s in record["stages"]] == [("sast", "failed")]
    assert record["findings"]["blocking_by_rule"] == {"B506": 1}
    assert record["findings"]["blocking_by_severity"] == {"medium": 1}
    # The finding under an added ``# nosec`` and the note that a suppression was added count,
    # not as blocking.
    assert record["findings"]["by_rule"] == {"B506": 2, "suppression-added": 1}
    assert (record["findings"]["total"], record["findings"]["blocking"]) == (3, 1)
    assert record["findings"]["suppressed"] == sum(
        f.suppressed for r in decision.results for f in r.findings)
    assert record["outcome"] == "block" and record["exit_code"] == 1
    assert record["duration"] == 0.3123
    # Not structured in the stage results yet: recorded as unknown, never guessed.
    assert record["model"]["tokens_in"] is None and record["approval"]["actor"] is None
    log = tmp_path / "deep" / "er" / "audit.db"
    append(log, record)
    assert read(log) == [record]
    ((when, outcome, tier, source, code, text),) = rows(log)
    assert (when, outcome, tier, source, code) == (record["time"], "block", "high", "staged", 1)
    assert json.loads(text) == record
    with sqlite3.connect(log) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_tier_s_rules_and_escalations_are_recorded(seeded: Repo) -> None:
    seeded.write("app/auth/session.py", "def open_session():\n    return 1\n")
    seeded.write("docs/notes.md", "notes\n")
    record = record_of(explain(staged(seeded)), argv_source="check", duration=0, exit_code=0)
    # Only the rules that matched at the change's tier: the low file's reasons are not why.
    assert (record["tier"], record["tier_rules"]) == ("high", ["auth.path"])
    seeded.git("reset", "-q")
    seeded.write(".gate.yaml", "extends: default\nprovenance:\n  escalate:\n    low: medium\n")
    seeded.commit("policy")
    seeded.git("checkout", "-q", "-b", "claude/notes")  # an AI agent's branch
    seeded.write("docs/notes.md", "notes\n")
    record = record_of(explain(staged(seeded)), argv_source="check", duration=0, exit_code=0)
    assert record["tier"] == "medium" and record["provenance"]["ai_drafted"]
    assert [e["to"] for e in record["escalations"]] == ["medium"]
    assert record["tier_rules"] == [record["escalations"][0]["rule"]]


def test_filters_and_newest_first(seeded: Repo, tmp_path: Path) -> None:
    base = high(seeded)
    log = tmp_path / "audit.db"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    shapes = [("pass", "low", ["README.md"], []), ("block", "high", ["app/auth/a.py"], ["B506"]),
              ("pending", "high", ["app/auth/b.py"], []), ("pass", "low", ["docs/x.md"], [])]
    written = []
    for day, (outcome, tier, paths, rules) in enumerate(shapes):
        record = {**base, "time": record_of(explain(staged(seeded)), argv_source="check",
                                            duration=0, exit_code=0,
                                            now=start + timedelta(days=day))["time"],
                  "outcome": outcome, "tier": tier, "paths": paths,
                  "findings": {**base["findings"], "by_rule": dict.fromkeys(rules, 1)}}
        if tier == "low":
            record["tier_rules"] = []
        append(log, record)
        written.append(record)
    assert read(log) == written[::-1]
    assert read(log, limit=2) == written[:1:-1]
    assert read(log, outcome="pass") == [written[3], written[0]]
    assert read(log, tier="high") == [written[2], written[1]]
    assert read(log, since=start + timedelta(days=2)) == [written[3], written[2]]
    assert read(log, since=datetime(2026, 1, 2)) == written[:0:-1]  # naive: UTC
    assert read(log, path_glob="AUTH/") == [written[2], written[1]]  # the policy's globs
    assert read(log, path_glob="*.md") == [written[3], written[0]]
    assert read(log, rule="B506") == [written[1]]
    assert read(log, rule="auth.path") == [written[2], written[1]]
    assert read(log, outcome="pass", tier="high") == []
    assert read(tmp_path / "missing.db") == []
    assert not (tmp_path / "missing.db").exists()  # reading never creates a log


WRITER = """\
import json, sys
from pathlib import Path
from gates.audit.log import append
path, me, record = Path(sys.argv[1]), sys.argv[2], json.loads(Path(sys.argv[3]).read_text())
sys.stdin.read(1)  # start together
for n in range(50):
    append(path, {**record, "command": f"{me}:{n}"})
"""


def test_eight_processes_append_400_intact_rows(seeded: Repo, tmp_path: Path) -> None:
    record = high(seeded)
    source = tmp_path / "record.json"
    source.write_text(json.dumps(record))
    log = tmp_path / "shared" / "audit.db"  # none of them finds a log: they race to create it
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(log), str(i), str(source)],
                              stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(8)]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go")
        p.stdin.close()
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
    found = rows(log)
    assert len(found) == 400
    commands = sorted(json.loads(text)["command"] for *_, text in found)
    assert commands == sorted(f"{i}:{n}" for i in range(8) for n in range(50))
    assert all(json.loads(text) == {**record, "command": json.loads(text)["command"]}
               for *_, text in found)
    with sqlite3.connect(log) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _newer(path: Path, *, wal: bool) -> None:
    """A log written by a future gate: schema 99, with a table this code has never seen."""
    db = sqlite3.connect(path, isolation_level=None)
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    db.execute("CREATE TABLE decisions_v99 (anything)")
    db.close()


@pytest.mark.parametrize("wal", [False, True])
def test_a_newer_log_is_an_error_naming_both_versions(seeded: Repo, tmp_path: Path,
                                                      wal: bool) -> None:
    log = tmp_path / "audit.db"
    _newer(log, wal=wal)
    before = log.read_bytes()
    with pytest.raises(AuditLogError, match=r"schema version 99 is newer .*\(1\)") as caught:
        append(log, high(seeded))
    assert "\n" not in str(caught.value)
    assert log.read_bytes() == before  # not even the journal mode changed
    with pytest.raises(AuditLogError, match="99"):
        read(log)
    assert log.read_bytes() == before


def test_a_corrupt_file_is_an_error_and_left_alone(seeded: Repo, tmp_path: Path) -> None:
    log = tmp_path / "audit.db"
    log.write_bytes(random.Random(16).randbytes(8192))
    before = log.read_bytes()
    with pytest.raises(AuditLogError, match="not a database"):
        append(log, high(seeded))
    assert log.read_bytes() == before
    with pytest.raises(AuditLogError):
        read(log)


def test_someone_else_s_database_is_not_adopted(seeded: Repo, tmp_path: Path) -> None:
    log = tmp_path / "app.db"  # $DRAFTGATE_AUDIT_LOG pointed at the application's database
    with sqlite3.connect(log) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    db.close()
    before = log.read_bytes()
    with pytest.raises(AuditLogError, match=r"not a draftgate decision log.*users"):
        append(log, high(seeded))
    assert log.read_bytes() == before


def test_a_read_only_place_is_an_error(seeded: Repo, tmp_path: Path) -> None:
    record = high(seeded)
    with pytest.raises(AuditLogError, match="not a regular file"):
        append(tmp_path, record)  # a directory where the file should be
    if ROOT:  # root writes through permission bits; /proc refuses everyone
        with pytest.raises(AuditLogError, match="audit log /proc/"):
            append(Path("/proc/self/draftgate/audit.db"), record)
        return
    shut = tmp_path / "shut"
    shut.mkdir()
    shut.chmod(0o500)
    try:
        with pytest.raises(AuditLogError):
            append(shut / "draftgate" / "audit.db", record)
        with pytest.raises(AuditLogError):
            append(shut / "audit.db", record)
    finally:
        shut.chmod(0o700)


@pytest.mark.skipif(ROOT, reason="root writes a file whatever its permission bits say")
def test_a_read_only_log_file_is_an_error(seeded: Repo, tmp_path: Path) -> None:
    record = high(seeded)
    log = tmp_path / "audit.db"
    append(log, record)
    log.chmod(0o400)
    try:
        with pytest.raises(AuditLogError, match="readonly"):
            append(log, record)
    finally:
        log.chmod(0o600)
    assert len(rows(log)) == 1


def test_a_lock_held_past_the_busy_timeout_is_an_error(seeded: Repo, tmp_path: Path) -> None:
    record = high(seeded)
    log = tmp_path / "audit.db"
    append(log, record)
    holder = sqlite3.connect(log, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(AuditLogError, match="locked"):
            append(log, record, busy_timeout_ms=200)
        assert 0.15 < time.monotonic() - started < 5
    finally:
        holder.execute("COMMIT")
        holder.close()
    append(log, record, busy_timeout_ms=200)  # released: the next run lands
    assert len(rows(log)) == 2


def test_an_empty_file_is_version_0_and_an_existing_log_is_appended_to(
        seeded: Repo, tmp_path: Path) -> None:
    record = high(seeded)
    log = tmp_path / "audit.db"
    log.touch()
    append(log, record)
    append(log, record)
    with sqlite3.connect(log) as db:
        assert db.execute("SELECT value FROM meta").fetchall() == [(str(SCHEMA_VERSION),)]
    db.close()
    assert len(read(log)) == 2


def test_rows_cannot_be_changed_or_removed(seeded: Repo, tmp_path: Path) -> None:
    log = tmp_path / "audit.db"
    append(log, high(seeded))
    db = sqlite3.connect(log, isolation_level=None)
    try:
        for statement in ("UPDATE decisions SET outcome = 'pass'", "DELETE FROM decisions"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
    finally:
        db.close()
    assert len(rows(log)) == 1


def test_a_record_that_is_not_json_writes_nothing(seeded: Repo, tmp_path: Path) -> None:
    log = tmp_path / "new" / "audit.db"
    for bad in ({**high(seeded), "duration": float("nan")}, {**high(seeded), "paths": {1}},
                {"time": "x"}):
        with pytest.raises(AuditLogError, match="not a decision record"):
            append(log, bad)
    assert not log.parent.exists()


def test_hostile_names_stay_data(seeded: Repo, tmp_path: Path) -> None:
    # An undecodable name, a newline and a quote in a name: stored and read back as text.
    odd = os.fsdecode(b"app/auth/caf\xe9.py")
    seeded.write(odd, "x = 1\n")
    seeded.write("app/auth/a\n'); DROP TABLE decisions; --.py", "y = 2\n")
    decision = explain(staged(seeded))
    record = record_of(decision, argv_source="check", duration=0, exit_code=0)
    assert "app/auth/caf\ufffd.py" in record["paths"]
    log = tmp_path / "a dir?mode=rw#x" / "audit.db"  # URI characters in the log's own path
    append(log, record)
    assert read(log) == [record]
    assert read(log, path_glob="*--.py")[0]["paths"] == record["paths"]
    # A newline in the log's own name cannot forge a second line of the error.
    with pytest.raises(AuditLogError) as caught:
        append(Path("/proc/self/x\nERROR: forged/audit.db"), record)
    assert "\n" not in str(caught.value) and "\\x0a" in str(caught.value)


def test_default_path(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    assert default_path(git_dir, {}) == git_dir / "draftgate" / "audit.db"
    assert default_path(git_dir, {ENV_VAR: ""}) == git_dir / "draftgate" / "audit.db"
    assert default_path(git_dir, {ENV_VAR: "/var/log/gate.db"}) == Path("/var/log/gate.db")
