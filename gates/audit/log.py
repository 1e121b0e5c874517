"""The decision log: one row a run, appended to SQLite in WAL mode, never updated or deleted.

Plain ``sqlite3`` only (the hook pays for nothing else). Each append opens the file, migrates the
schema and inserts its row inside one ``BEGIN IMMEDIATE`` transaction, so concurrent hooks and CI
jobs on one runner serialise on SQLite's write lock instead of tearing rows. Every failure to
write (a corrupt file, a lock held past the busy timeout, a read-only place, a log from a newer
gate) is an :class:`AuditLogError` with a one-line message: the caller prints it and keeps the
decision and its exit code.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gates.model import Decision

SCHEMA_VERSION = 1
ENV_VAR = "DRAFTGATE_AUDIT_LOG"
BUSY_TIMEOUT_MS = 5000

_COLUMNS = ("time", "outcome", "tier", "source", "exit_code")
_USAGE = ("provider", "model", "calls", "tokens_in", "tokens_out", "cost", "cached")


class AuditLogError(Exception):
    """The log could not be written or read; the message is one line naming the file and why."""


def _to_v1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("""CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL, outcome TEXT NOT NULL, tier TEXT NOT NULL, source TEXT NOT NULL,
        exit_code INTEGER NOT NULL, record TEXT NOT NULL)""")
    for column in _COLUMNS:
        db.execute(f"CREATE INDEX decisions_{column} ON decisions ({column})")
    # Append-only in the file itself, not only in this module's API: a row once written stays.
    for verb in ("UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER decisions_no_{verb.lower()} BEFORE {verb} ON decisions "
                   "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END")


# MIGRATIONS[n] takes a log at version n to n + 1 (version 0: a new, empty file). A new version
# appends a step and bumps SCHEMA_VERSION; steps already released never change.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_to_v1,)


def default_path(git_dir: Path, env: Mapping[str, str]) -> Path:
    """``$DRAFTGATE_AUDIT_LOG`` when set (policy-independent: a change cannot move its own
    record), else ``<git_dir>/draftgate/audit.db``."""
    chosen = env.get(ENV_VAR, "")
    return Path(chosen) if chosen else git_dir / "draftgate" / "audit.db"


def record_of(decision: Decision, *, argv_source: str, duration: float, exit_code: int,
              now: datetime | None = None, repository: str | None = None) -> dict[str, Any]:
    """The row's record, as JSON-serialisable plain data taken from the JSON report's document.

    ``argv_source`` names what the CLI ran ("check", "hook pre-commit", "review"); ``duration``
    is the run's wall time in seconds; ``exit_code`` is what the process exits with (a hook may
    exit 0 on a decision that is not a pass); ``repository`` is ``owner/name`` in a CI run, so
    records folded from many repositories keep theirs. ``id`` is random, so the same record read
    twice (an artifact downloaded twice) counts once.
    """
    from gates.report.json import to_dict

    doc = to_dict(decision)
    tier = doc["tier"]
    raised = sorted({m["rule"] for f in doc["files"] if f["tier"] == tier
                     for m in f["matches"] if m["tier"] == tier}
                    | {e["rule"] for e in doc["escalations"] if e["to"] == tier})
    stages = {s["name"]: s for s in doc["stages"]}
    review, approval = stages.get("review"), stages.get("approval")
    usage = (review or {}).get("usage") or {}
    tiers = decision.policy.tiers
    return {
        "schema_version": SCHEMA_VERSION,
        "id": os.urandom(12).hex(),
        "time": _iso(now or datetime.now(UTC)),
        "gate_version": doc["tool"]["version"],
        "repository": repository,
        "command": argv_source,
        "source": doc["source"],
        "paths": [f["path"] for f in doc["files"]],
        "old_paths": [f["old_path"] for f in doc["files"] if f["old_path"] is not None],
        "policy": doc["policy"],
        "tier": tier,
        "tier_rank": tiers.index(tier) if tier in tiers else None,
        "tier_rules": raised,
        "escalations": doc["escalations"],
        "lane": doc["lane"],
        "stages": [{"name": s["name"], "status": s["status"], "duration": s["duration"]}
                   for s in doc["stages"]],
        "findings": _count([x for s in doc["stages"] for x in s["findings"]]),
        "model": {"status": review["status"] if review else None,
                  **{key: usage.get(key) for key in _USAGE}},
        "approval": {"status": approval["status"] if approval else None,
                     "actor": approval["actor"] if approval else None},
        "provenance": doc["provenance"],
        "outcome": doc["outcome"],
        "exit_code": exit_code,
        "duration": round(duration, 4),
    }


def _count(findings: list[dict[str, Any]]) -> dict[str, Any]:
    def tally(items: list[dict[str, Any]], key: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in items:
            out[item[key]] = out.get(item[key], 0) + 1
        return out

    blocking = [x for x in findings if x["blocking"]]
    return {"total": len(findings), "blocking": len(blocking),
            "suppressed": sum(1 for x in findings if x["suppressed"]),
            "by_severity": tally(findings, "severity"), "by_rule": tally(findings, "rule"),
            "blocking_by_severity": tally(blocking, "severity"),
            "blocking_by_rule": tally(blocking, "rule")}


def _iso(moment: datetime) -> str:
    """UTC, one fixed width, so SQL compares times as text (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def append(path: Path, record: dict[str, Any], *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Add one record; raises :class:`AuditLogError` and writes nothing when it cannot."""
    # Serialise before touching the file: a record that is not JSON must not leave a half-made log.
    try:
        # ASCII escapes: a lone surrogate (an undecodable name) is stored, never an encode error.
        text = json.dumps(record, allow_nan=False)
        row = (str(record["time"]), str(record["outcome"]), str(record["tier"]),
               str(record["source"]["kind"]), int(record["exit_code"]), text)
    except (TypeError, ValueError, KeyError) as exc:
        raise AuditLogError(one_line(f"audit log {path}: not a decision record: {exc!r}")) from None
    _regular(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise AuditLogError(one_line(f"audit log {path}: {exc}")) from None
    try:
        # The version first, read-only: a newer gate's log is left exactly as it was, journal
        # mode included.
        _version(db, path)
        db.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL: a commit is not fsynced (the hook's cost stays in
        # microseconds); the log survives a crashed process, and a power cut loses at most the
        # last records, never the file.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("BEGIN IMMEDIATE")
        try:
            version = _version(db, path)  # again: another process may have migrated meanwhile
            for step in MIGRATIONS[version:]:
                step(db)
            if version < SCHEMA_VERSION:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                           (str(SCHEMA_VERSION),))
            db.execute("INSERT INTO decisions (time, outcome, tier, source, exit_code, record) "
                       "VALUES (?, ?, ?, ?, ?, ?)", row)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back itself (a full disk)
                db.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise AuditLogError(one_line(f"audit log {path}: {exc}")) from None
    finally:
        db.close()


def read(path: Path, *, since: datetime | None = None, outcome: str | None = None,
         tier: str | None = None, path_glob: str | None = None, rule: str | None = None,
         limit: int | None = None) -> list[dict[str, Any]]:
    """Records, newest first, that match every filter given; a missing log holds none.

    ``path_glob`` has the policy's gitignore semantics and matches a changed path or a renamed
    file's old path; ``rule`` matches a rule that raised the tier or any finding's rule.
    """
    if not path.exists():
        return []
    _regular(path)
    where, args = [], []
    for column, value in (("outcome", outcome), ("tier", tier)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if since is not None:
        where.append("time >= ?")
        args.append(_iso(since))
    # Only the fixed clauses above are joined into the text; every value is bound.
    query = ("SELECT id, record FROM decisions"  # noqa: S608
             + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id DESC")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise AuditLogError(one_line(f"audit log {path}: {exc}")) from None
    try:
        if _version(db, path) == 0:
            return []
        rows = db.execute(query, args)
        matches = _matcher(path_glob)
        out = []
        from gates.audit.jsonl import parse

        for row_id, text in rows:
            # Rows are checked as a collected file's lines are: anyone who can write the file
            # can insert one (the triggers forbid only changes).
            record = parse(text if isinstance(text, str) else "", f"{path}: row {row_id}")
            if matches and not any(matches(p) for p in record["paths"] + record["old_paths"]):
                continue
            if rule is not None and rule not in record["tier_rules"] \
                    and rule not in record["findings"]["by_rule"]:
                continue
            out.append(record)
            if limit is not None and len(out) >= limit:
                break
        return out
    except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
        raise AuditLogError(one_line(f"audit log {path}: {exc}")) from None
    finally:
        db.close()


def _regular(path: Path) -> None:
    """A log is a regular file: SQLite would wait in open() on a FIFO, for ever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise AuditLogError(one_line(f"audit log {path}: {exc.strerror or exc}")) from None
    if not stat.S_ISREG(mode):
        raise AuditLogError(one_line(f"audit log {path}: not a regular file"))


def _matcher(glob: str | None) -> Callable[[str], bool] | None:
    if glob is None:
        return None
    from gates.globs import glob_to_regex

    # As the policy matches: case-insensitive, and a name's newline is only a character.
    pattern = re.compile(glob_to_regex(glob), re.IGNORECASE | re.DOTALL)
    return lambda p: pattern.fullmatch(p) is not None


def _version(db: sqlite3.Connection, path: Path) -> int:
    """The log's schema version (0 for an empty file); a log this code cannot own is an error."""
    tables = {name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" not in tables:
        if tables - {"sqlite_sequence"}:
            raise AuditLogError(one_line(
                f"audit log {path}: not a draftgate decision log (it holds other tables: "
                f"{', '.join(sorted(tables))})"))
        return 0
    found = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        version = int(found[0]) if found else -1
    except ValueError:
        version = -1
    if version < 0:
        raise AuditLogError(one_line(f"audit log {path}: its meta table has no schema version"))
    if version > SCHEMA_VERSION:
        raise AuditLogError(one_line(
            f"audit log {path}: schema version {version} is newer than this gate knows "
            f"({SCHEMA_VERSION}); upgrade draftgate or point {ENV_VAR} elsewhere (nothing was "
            f"written)"))
    return version


def one_line(message: str) -> str:
    """One line whatever the path holds: a newline in a name must not forge a second message."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in message)


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "AuditLogError", "append", "default_path", "one_line",
           "read", "record_of"]
