"""Where ``gate stats`` reads its records: the decision log, or collected JSON-lines files."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from gates.audit import jsonl
from gates.audit.log import default_path, read
from gates.audit.stats import Record, checked, select, summarise


def load(*, files: list[Path], log: Path | None, since: datetime | None,
         until: datetime | None) -> dict[str, Any]:
    """The summary of ``files`` (when any are named), else of ``log`` (default: this
    repository's, or ``$DRAFTGATE_AUDIT_LOG``); raises ``AuditLogError`` on anything unreadable."""
    found: list[Record] = []
    if files:
        named = jsonl.files(files)
        for path in named:
            found += [checked(raw, where) for where, raw in jsonl.read(path)]
        sources = [str(p) for p in named]
    else:
        if log is None:
            from gates.gitrepo import GitRepo

            log = default_path(Path(GitRepo(Path.cwd()).git_dir), os.environ)
        # The log is filtered by date in SQL; the exact bounds are applied below as for files.
        found = [checked(raw, f"{log}: record {i}")
                 for i, raw in enumerate(read(log, since=since), 1)]
        sources = [str(log)]
    kept, repeats = select(found, since=since, until=until)
    return summarise(kept, since=since, until=until, sources=sources, repeats=repeats)


__all__ = ["load"]
