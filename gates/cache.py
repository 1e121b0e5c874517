"""Content-addressed cache of scanner results: (tool, fingerprint, rules, blob) -> findings.

Re-running the hook after fixing one file re-scans only that file. The cache is a SQLite file under
the repository's git directory (``.git/draftgate/cache.sqlite3``), in WAL mode so concurrent hooks
do not block each other. A cache that cannot be read is deleted and rebuilt, never trusted; if even
that fails, the run goes on uncached. Errors are never cached, only completed scans.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

SCHEMA = "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
FILENAME = "cache.sqlite3"


def key(*parts: str) -> str:
    """A cache key from its parts (NUL-separated, so parts cannot run into each other)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


class Cache:
    """Thread-safe get/put of JSON values; a disabled cache misses every time."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = self._open(path)

    @classmethod
    def disabled(cls) -> Cache:
        """A cache that stores nothing (``--no-cache``, or no git directory)."""
        return cls(None)

    @classmethod
    def in_git_dir(cls, git_dir: Path) -> Cache:
        """The repository's cache under ``.git/draftgate/``."""
        return cls(git_dir / "draftgate" / FILENAME)

    def _open(self, path: Path) -> sqlite3.Connection | None:
        for _ in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=5, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(SCHEMA)
                db.execute("SELECT count(*) FROM results").fetchone()
                return db
            except (sqlite3.DatabaseError, OSError):
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        Path(f"{path}{suffix}").unlink()
        return None

    def get(self, cache_key: str) -> Any | None:
        """The stored value, or None (a miss, or a row that does not parse)."""
        if self._db is None:
            return None
        with self._lock:
            try:
                row = self._db.execute("SELECT value FROM results WHERE key = ?",
                                       (cache_key,)).fetchone()
            except sqlite3.DatabaseError:
                return None
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def put(self, cache_key: str, value: Any) -> None:
        """Store ``value`` (JSON-serialisable); failures only cost the next run a re-scan."""
        if self._db is None:
            return
        with self._lock, contextlib.suppress(sqlite3.DatabaseError):
            self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?)",
                             (cache_key, json.dumps(value)))
            self._db.commit()
