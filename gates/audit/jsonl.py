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

import errno
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gates.audit.log import AuditLogError, one_line

SUFFIXES = (".jsonl", ".ndjson")
MAX_LINE = 16 << 20  # bytes; a record is about 1.5 kB, and a line is read whole
_SURROGATES = re.compile("[\ud800-\udfff]")


def write(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one line. Only a regular file is written (a symbolic link, a FIFO or
    a device where the file goes is refused, and opening never waits for a reader); a write the
    disk cut short is undone, so no torn line is left for the next record to join."""
    line = (json.dumps(record, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
                     | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        why = "it is a symbolic link" if path.is_symlink() else exc.strerror or str(exc)
        raise AuditLogError(one_line(f"record file {path}: {why}")) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise AuditLogError(one_line(f"record file {path}: not a regular file"))
        written = 0
        try:
            while written < len(line):
                count = os.write(fd, line[written:])
                if count <= 0:
                    raise OSError(errno.ENOSPC, "no space left on device")
                written += count
        except OSError as exc:
            if written:
                os.ftruncate(fd, info.st_size)  # the part that was written goes again
            raise AuditLogError(one_line(f"record file {path}: {exc.strerror or exc}")) from None
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
        elif path.exists():
            raise AuditLogError(one_line(f"{path}: not a regular file"))
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
        number = 0
        while True:
            where = f"{path}:{number + 1}"
            try:
                raw = handle.readline(MAX_LINE + 1)
            except OSError as exc:
                raise AuditLogError(one_line(f"{where}: {exc.strerror or exc}")) from None
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE:
                raise AuditLogError(one_line(f"{where}: a line longer than {MAX_LINE:,} bytes "
                                             f"is not a record"))
            if raw.strip():
                yield where, parse(raw, where)


def parse(raw: bytes | str, where: str) -> dict[str, Any]:
    """One record's JSON, strictly: an object, every key once, every number finite, every
    string whole (no lone surrogate a later writer could not encode)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        record = json.loads(text, parse_constant=_no_constant, parse_float=_finite,
                            object_pairs_hook=_unique)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise AuditLogError(one_line(f"{where}: not a JSON record: {reason}")) from None
    if not isinstance(record, dict):
        raise AuditLogError(one_line(f"{where}: not a JSON object"))
    if _surrogate(record):
        raise AuditLogError(one_line(f"{where}: not a JSON record: a string holds a lone "
                                     f"surrogate"))
    return record


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is not a finite number")
    return value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key[:40]!r} is given twice")
        out[key] = value
    return out


def _surrogate(value: Any) -> bool:
    """Whether any string in ``value`` (keys included) holds a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATES.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


__all__ = ["MAX_LINE", "SUFFIXES", "files", "parse", "read", "write"]
