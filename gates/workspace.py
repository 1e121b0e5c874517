"""The content being judged, written out as files so that scanners can read it.

Scanners read files, and the gate must judge what will be committed or merged, not the working tree:
for ``--staged`` that is the index, for a range the head commit. So the changed files' blobs are
written into a temporary tree with the same relative paths (and, for the files that need it, their
previous version into a second tree). Nothing from the change is executed. Text the scanners
would misread (Shift-JIS, UTF-16) is written as the UTF-8 its consumer decodes (gates.decode).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gates.decode import for_scanners
from gates.gitrepo import GitRepo
from gates.model import ChangedFile, ChangeSet, FileStatus

_REGULAR = ("100644", "100755")


@dataclass(frozen=True, slots=True)
class Workspace:
    """``root`` holds the judged version of ``files``; ``before`` the previous version of some."""

    root: Path
    before: Path
    files: tuple[str, ...]
    previous: tuple[str, ...]

    def path(self, relative: str) -> Path:
        """Where the judged version of ``relative`` was written."""
        return self.root / relative


def materialize(repo: GitRepo | None, change: ChangeSet, into: Path,
                want_before: Callable[[str], bool] = lambda _: False) -> Workspace:
    """Write the judged content (and, where ``want_before`` asks, the previous) under ``into``."""
    root, before = into / "after", into / "before"
    root.mkdir(parents=True, exist_ok=True)
    before.mkdir(parents=True, exist_ok=True)
    current = [f for f in change.files if _judged(f)]
    previous = [f for f in change.files if f.old_blob and f.old_mode in _REGULAR
                and not f.binary and want_before(f.old_path or f.path)]
    blobs: dict[str, bytes] = {}
    if repo is not None:
        blobs = repo.blobs([*(f.new_blob for f in current if f.new_blob and f.new_text is None),
                            *(f.old_blob for f in previous if f.old_blob)])
    written = []
    for f in current:
        content = f.new_text if f.new_text is not None else blobs.get(f.new_blob or "")
        if content is not None and _write(root, f.path, for_scanners(f.path, content)):
            written.append(f.path)
    kept = []
    for f in previous:
        name = f.old_path or f.path
        content = f.old_text if f.old_text is not None else blobs.get(f.old_blob or "")
        if content is not None and _write(before, name, for_scanners(name, content)):
            kept.append(name)
    return Workspace(root, before, tuple(written), tuple(kept))


# Python that git calls binary (a ``binary`` or ``-diff`` attribute on a file over the change
# collection's 1 MB re-check) is still Python to the interpreter: it is written out and scanned
# whole, never skipped.
_PYTHON = (".py", ".pyi", ".pyw", ".pyx", ".pxd", ".pxi", ".ipynb")


def _judged(file: ChangedFile) -> bool:
    return (file.status is not FileStatus.DELETED and file.new_mode in _REGULAR
            and (not file.binary or file.path.lower().endswith(_PYTHON)))


def _write(root: Path, relative: str, content: bytes) -> bool:
    target = (root / relative).resolve()
    # git never records "..", but a path from outside git (or a crafted tree) must not escape.
    if not target.is_relative_to(root.resolve()):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(os.fsencode(target), "wb") as handle:
        handle.write(content)
    return True
