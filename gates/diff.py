"""Parse ``git diff --raw -p -z`` output into ``ChangedFile`` values.

The raw section (NUL-separated) gives modes, blob ids, status and *verbatim* paths: spaces, newlines
and non-UTF-8 bytes survive, which the quoted ``diff --git`` header lines cannot promise. The patch
section follows in the same order, one ``diff --git`` chunk per record, with two exceptions git
makes: a type change (file <-> symlink) prints a deletion and a creation, and an unmerged path
prints a one-line ``* Unmerged path`` note.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from gates.errors import ToolFailure
from gates.model import MODE_SYMLINK, ChangedFile, FileStatus

# --find-copies-harder: a copy of an unchanged auth/views.py is still a copy (git finds exact copies
# cheaply and skips inexact ones past its rename limit). --ignore-submodules=none: a repository's
# .gitmodules or config must not hide a submodule bump (nor diff.submodule=log replace its patch
# with a commit list: DIFF_CONFIG pins it to "short").
_COMMON = ("-z", "-M", "-C", "--find-copies-harder", "--no-abbrev", "--no-relative",
           "--ita-invisible-in-index", "--ignore-submodules=none")
RAW_ARGS = ("--raw", *_COMMON)
DIFF_ARGS = ("--raw", "-p", *_COMMON, "--full-index", "--no-color", "--no-ext-diff",
             "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/")
# ``git log`` over history: the same patch format, one commit after another. --find-copies-harder
# is left out: it compares every added file with every file of the parent and doubles git's time
# on a long history (a copy of an unchanged file then shows as an addition: all its lines judged).
# (--ita-invisible-in-index is about the index, which history does not have.)
LOG_ARGS = tuple(a for a in DIFF_ARGS
                 if a not in ("--find-copies-harder", "--ita-invisible-in-index"))
# Copy detection (-C) past git's default rename limit costs seconds on a 10,000-file change; like
# `git diff -M -C`, the gate lets git fall back to rename-only detection on very large changes.
DIFF_CONFIG = ("-c", "diff.suppressBlankEmpty=false", "-c", "diff.noprefix=false",
               "-c", "diff.mnemonicPrefix=false", "-c", "core.bigFileThreshold=512m",
               "-c", "diff.ignoreSubmodules=none", "-c", "diff.submodule=short")

_STATUS = {
    ord("A"): FileStatus.ADDED, ord("M"): FileStatus.MODIFIED, ord("D"): FileStatus.DELETED,
    ord("R"): FileStatus.RENAMED, ord("C"): FileStatus.COPIED, ord("T"): FileStatus.TYPE_CHANGED,
    ord("U"): FileStatus.UNMERGED, ord("X"): FileStatus.MODIFIED,
}
_NULL_SHA = frozenset({"0" * 40, "0" * 64})
_UNMERGED = b"* Unmerged path "


@dataclass(frozen=True, slots=True)
class Record:
    """One ``--raw`` record: modes, blob ids, status and verbatim paths."""

    old_mode: str
    new_mode: str
    old_blob: str | None
    new_blob: str | None
    status: FileStatus
    path: str
    old_path: str | None

    @property
    def text_kind(self) -> bool:
        """True when at least one side is a regular file."""
        return bool({self.old_mode, self.new_mode} & {"100644", "100755"})


def decode_path(raw: bytes) -> str:
    """Paths stay round-trippable to the file system: undecodable bytes become surrogates."""
    return raw.decode("utf-8", "surrogateescape")


def parse_records(output: bytes) -> list[Record]:
    """The raw records alone (of ``git diff --raw -z``)."""
    return _records(output)[0]


def parse(output: bytes) -> tuple[ChangedFile, ...]:
    """Turn the combined raw + patch output of one ``git diff`` into changed files."""
    records, pos = _records(output)
    return _assemble(records, output[pos:])


def parse_log_entry(output: bytes) -> tuple[ChangedFile, ...]:
    """Like :func:`parse`, for one commit's part of ``git log -z`` output, which ends in NULs."""
    records, pos = _records(output)
    return _assemble(records, output[pos:].rstrip(b"\0"))


def _assemble(records: list[Record], patch: bytes) -> tuple[ChangedFile, ...]:
    starts = _chunk_starts(patch)
    files = []
    index = 0
    for record in records:
        if record.status is FileStatus.UNMERGED:
            if index < len(starts) and patch.startswith(_UNMERGED, starts[index]):
                # git prints this name verbatim (a newline and "diff --git " in it would read as
                # a chunk start): skip the note by the record's own name, not by the next start.
                end = starts[index] + len(_UNMERGED) + len(record.path.encode(
                    "utf-8", "surrogateescape")) + 1
                index += 1
                while index < len(starts) and starts[index] < end:
                    index += 1
            files.append(ChangedFile(path=record.path, status=record.status,
                                     old_mode=record.old_mode, new_mode=record.new_mode))
            continue
        count = 2 if record.status is FileStatus.TYPE_CHANGED else 1
        if index + count > len(starts):
            raise ToolFailure("could not read git's diff output: fewer patches than files")
        chunks = [patch[starts[i]:starts[i + 1] if i + 1 < len(starts) else len(patch)]
                  for i in range(index, index + count)]
        index += count
        files.append(_file(record, chunks))
    if index != len(starts):
        raise ToolFailure("could not read git's diff output: more patches than files")
    return tuple(files)


def _records(output: bytes) -> tuple[list[Record], int]:
    try:
        return _read_records(output)
    except (ValueError, IndexError) as exc:  # truncated or garbled: never a partial change
        raise ToolFailure(f"could not read git's diff output: {exc}") from None


def _read_records(output: bytes) -> tuple[list[Record], int]:
    records = []
    pos = 0
    while output.startswith(b":", pos):
        meta_end = output.index(b"\0", pos)
        old_mode, new_mode, old_sha, new_sha, status = output[pos + 1:meta_end].decode().split(" ")
        pos = meta_end + 1
        first_end = output.index(b"\0", pos)
        first = decode_path(output[pos:first_end])
        pos = first_end + 1
        second = None
        if status[0] in "RC":
            second_end = output.index(b"\0", pos)
            second = decode_path(output[pos:second_end])
            pos = second_end + 1
        kind = _STATUS.get(ord(status[0]), FileStatus.MODIFIED)
        records.append(Record(
            old_mode=old_mode, new_mode=new_mode,
            old_blob=None if old_sha in _NULL_SHA else old_sha,
            new_blob=None if new_sha in _NULL_SHA else new_sha,
            status=kind,
            path=second if second is not None else first,
            old_path=first if second is not None else None,
        ))
    if output.startswith(b"\0", pos):
        pos += 1
    return records, pos


def _chunk_starts(patch: bytes) -> list[int]:
    starts = []
    for marker in (b"diff --git ", _UNMERGED):
        if patch.startswith(marker):
            starts.append(0)
        needle = b"\n" + marker
        at = patch.find(needle)
        while at >= 0:
            starts.append(at + 1)
            at = patch.find(needle, at + 1)
    starts.sort()
    return starts


def _file(record: Record, chunks: list[bytes]) -> ChangedFile:
    binary = False
    bodies = []
    for chunk in chunks:
        at = chunk.find(b"\n@@ ")
        header = chunk if at < 0 else chunk[:at + 1]
        if b"\nBinary files " in header or b"\nGIT binary patch" in header:
            binary = True
        if at >= 0:
            bodies.append(chunk[at + 1:])
    body = b"".join(bodies)
    if body and not body.endswith(b"\n"):
        body += b"\n"
    return ChangedFile(
        path=record.path,
        status=record.status,
        old_path=record.old_path,
        old_mode=record.old_mode,
        new_mode=record.new_mode,
        old_blob=record.old_blob,
        new_blob=record.new_blob,
        binary=binary,
        patch=b"" if binary else body,
        added=body.count(b"\n+") if not binary else 0,
        removed=body.count(b"\n-") if not binary else 0,
        link_targets=_link_targets(record, body),
    )


def _link_targets(record: Record, body: bytes) -> tuple[str, ...]:
    """Where a symlink points, before and after, as repository paths when they are relative."""
    targets = []
    old_link = record.old_path or record.path
    for mode, marker, link in ((record.old_mode, b"\n-", old_link),
                               (record.new_mode, b"\n+", record.path)):
        if mode != MODE_SYMLINK:
            continue
        at = body.find(marker)
        if at < 0:
            continue
        end = body.find(b"\n", at + 1)
        raw = decode_path(body[at + 2:end if end >= 0 else len(body)])
        targets.append(resolve_link(link, raw))
    return tuple(dict.fromkeys(targets))


def resolve_link(link: str, target: str) -> str:
    """A link target as a normalised repository path (an absolute target stays absolute)."""
    if target.startswith("/"):
        return posixpath.normpath(target)
    return posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
