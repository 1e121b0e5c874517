"""Decision records as JSON lines: what a pull-request run leaves for ``actions/upload-artifact``,
and what ``gate stats --from`` folds together from many repositories without a server.

One record a line, exactly the decision log's record (docs/record.md: ``schema_version`` says
which). Written with ``ensure_ascii``, so no character of a path (U+2028 included) can end a line
early; appended with one ``write`` on an ``O_APPEND`` descriptor, so two runs sharing a file never
interleave within a line. Reading is strict: a file an organisation collected from many
repositories is input from many hands, and a line that is not a record it can read is an error
that names the file and line, never a silently smaller total.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gates.audit.log import AuditLogError, one_line

SUFFIXES = (".jsonl", ".ndjson")


def write(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one line; a symbolic link where the file goes is refused."""
    line = (json.dumps(record, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        why = "it is a symbolic link" if path.is_symlink() else exc.strerror or str(exc)
        raise AuditLogError(one_line(f"record file {path}: {why}")) from None
    try:
        os.write(fd, line)
    except OSError as exc:
        raise AuditLogError(one_line(f"record file {path}: {exc.strerror or exc}")) from None
    finally:
        os.close(fd)


def files(paths: list[Path]) -> list[Path]:
    """The record files ``paths`` name: a file as given, a directory's ``*.jsonl``/``*.ndjson``
    at any depth (``actions/download-artifact`` makes one directory per artifact), sorted."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                raise AuditLogError(one_line(f"{path}: no *.jsonl record files in this directory"))
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise AuditLogError(one_line(f"{path}: no such file"))
    return out


def read(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, record)`` for each non-blank line: ``where`` is ``file:line`` for messages."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise AuditLogError(one_line(f"{path}: {exc.strerror or exc}")) from None
    with handle:
        for number, raw in enumerate(handle, 1):
            where = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
            except (UnicodeDecodeError, ValueError) as exc:
                raise AuditLogError(one_line(f"{where}: not a JSON record: {exc}")) from None
            if not isinstance(record, dict):
                raise AuditLogError(one_line(f"{where}: not a JSON object"))
            yield where, record


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


__all__ = ["SUFFIXES", "files", "read", "write"]
