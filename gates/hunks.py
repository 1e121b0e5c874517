"""Reading positions out of a file's raw hunks (``@@ -a,b +c,d @@ context`` and its lines).

Line numbers are computed only where a rule matched, by counting markers between the hunk header and
the hit with ``bytes.count``: the hot path never walks the patch line by line in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from gates.model import Side

_HEADER = re.compile(rb"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@ ?([^\n]*)")
ADDED, REMOVED, CONTEXT, NO_NEWLINE = ord("+"), ord("-"), ord(" "), ord("\\")


@dataclass(frozen=True, slots=True)
class Hunk:
    """One hunk's header: where it starts on each side, git's function context, and its extent."""

    old_start: int
    new_start: int
    context: str
    body_start: int
    end: int


def hunks(patch: bytes) -> Iterator[Hunk]:
    """Yield the hunks of one file's patch in order."""
    starts = [m.start() + 1 for m in re.finditer(rb"\n@@ ", patch)]
    if patch.startswith(b"@@ "):
        starts.insert(0, 0)
    for i, start in enumerate(starts):
        m = _HEADER.match(patch, start)
        if m is None:
            continue
        body = patch.find(b"\n", start)
        body = len(patch) if body < 0 else body + 1
        end = starts[i + 1] if i + 1 < len(starts) else len(patch)
        yield Hunk(int(m.group(1)), int(m.group(2)),
                   m.group(3).decode("utf-8", "replace").strip(), body, end)


def line_number(patch: bytes, offset: int) -> int | None:
    """The 1-based line number, on its own side, of the changed line starting at ``offset``."""
    head = patch.rfind(b"\n@@ ", 0, offset)
    head = head + 1 if head >= 0 else (0 if patch.startswith(b"@@ ") else -1)
    if head < 0:
        return None
    m = _HEADER.match(patch, head)
    if m is None:
        return None
    body = patch.find(b"\n", head) + 1
    seg = patch[body:offset]
    lines = seg.count(b"\n")
    # Each line in seg begins at seg start or right after a newline (the last newline ends seg).
    inner = seg[:-1]
    added = inner.count(b"\n+") + seg.startswith(b"+")
    removed = inner.count(b"\n-") + seg.startswith(b"-")
    notes = inner.count(b"\n\\") + seg.startswith(b"\\")
    if patch[offset] == ADDED:
        return int(m.group(2)) + lines - removed - notes
    return int(m.group(1)) + lines - added - notes


def changed_lines(patch: bytes) -> Iterator[tuple[Side, int, bytes]]:
    """Every added and removed line with its side and number (a slow path: used only on hits)."""
    for hunk in hunks(patch):
        old, new = hunk.old_start, hunk.new_start
        body = patch[hunk.body_start:hunk.end]
        for raw in body[:-1].split(b"\n") if body.endswith(b"\n") else body.split(b"\n"):
            marker = raw[0] if raw else CONTEXT
            if marker == ADDED:
                yield Side.ADDED, new, raw[1:]
                new += 1
            elif marker == REMOVED:
                yield Side.REMOVED, old, raw[1:]
                old += 1
            elif marker != NO_NEWLINE:
                old += 1
                new += 1


def whole_file_patch(content: bytes) -> bytes:
    """A file's full content as one hunk of added lines, so it is judged like a change."""
    if not content:
        return b""
    lines = content.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return b"@@ -0,0 +1,%d @@\n+" % len(lines) + b"\n+".join(lines) + b"\n"
