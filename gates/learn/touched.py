"""What one security fix changed: the functions (else the files) of code it touched, and where
those files are at a later revision.

The diff is the gate's own (its arguments, parser and binary re-check, as ``gate replay`` reads
history), against the fix's first parent, so a GitHub "Merge pull request from GHSA-..." brings
what the pull request changed; "touched" is ``gates.symbols.touched_names``, the same definition
the hotspot rule applies to later changes.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from gates.changes import consumer_views, recheck_binary
from gates.diff import DIFF_CONFIG, LOG_ARGS, decode_path, parse
from gates.errors import GitError
from gates.gitrepo import GitRepo
from gates.learn.paths import has_functions, is_code
from gates.model import MODE_EXECUTABLE, FileStatus
from gates.symbols import is_python, touched_names

_REGULAR = frozenset({"100644", MODE_EXECUTABLE})
# The fragment's grammar for a symbol (gates.policy.hotspots): a name outside it (a Python
# identifier with a middle dot, a hunk context's odd token) is left out rather than written into a
# fragment the policy would refuse.
_SYMBOL = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
# A "fix" that changed more code files than this is a sweep (vendoring, reformatting, a release
# merge), not a targeted fix: marking all of it hot would send every later change to review. The
# largest real fix in ~95 project histories changed 29.
MAX_FILES = 40


class TooBroad(Exception):
    """The commit changed more than ``MAX_FILES`` code files."""


@dataclass(frozen=True, slots=True)
class Touch:
    """One code file a fix changed, with the innermost functions and classes it touched there
    (empty: only module-level code changed, so the whole file is the hotspot)."""

    path: str
    symbols: tuple[str, ...] = ()


def touches(repo: GitRepo, sha: str, parent: str) -> tuple[Touch, ...]:
    """The code files ``sha`` changed against ``parent`` (its first parent), by path.

    Only the code paths are diffed (a name-only listing first, which reads no file): a fix that
    also replaced a large test image is still read in a clone that left such blobs out, and
    git does not spend time on files that are not learned from.
    """
    listing = repo.run("diff-tree", "-r", "-z", "--name-only", "--no-renames", "--no-commit-id",
                       parent, sha, "--")
    code = sorted({p for p in (decode_path(r) for r in listing.split(b"\0") if r) if is_code(p)})
    if not code:
        return ()
    if len(code) > MAX_FILES:
        raise TooBroad(f"{len(code)} code files")
    revs = [parent, sha]
    specs = [f":(literal){p}" for p in code]
    files = recheck_binary(repo, revs, parse(repo.run(*DIFF_CONFIG, "diff", *LOG_ARGS, *revs,
                                                      "--", *specs)))
    texts = repo.blobs(b for f in files if is_python(f.path)
                       for b in (f.old_blob, f.new_blob) if b)
    files = consumer_views(repo.blobs, repo.sizes, tuple(
        replace(f, old_text=texts.get(f.old_blob or ""), new_text=texts.get(f.new_blob or ""))
        if is_python(f.path) else f for f in files))
    found = []
    for file in files:
        if file.status is FileStatus.DELETED or file.binary or file.new_mode not in _REGULAR \
                or not file.patch or not is_code(file.path):
            continue
        names = touched_names(file, file.old_text, file.new_text) \
            if has_functions(file.path) else {}
        found.append(Touch(file.path, innermost(names)))
    return tuple(sorted(found, key=lambda t: t.path))


def innermost(names: Iterable[str]) -> tuple[str, ...]:
    """The names no other name is inside of: ``S.check`` stands for ``S``, so a later edit
    elsewhere in class ``S`` is not a hit."""
    found = {n for n in names if _SYMBOL.fullmatch(n)}
    return tuple(sorted(n for n in found if not any(m.startswith(n + ".") for m in found)))


class Placer:
    """Where the paths of earlier commits are at one revision (files move: ``PIL/`` became
    ``src/PIL/``).

    A path still there is kept. A missing one is looked for, in order: as the one path at the
    revision that ends with it or that it ends with (a folder moved in or out: years of edits
    since leave too little of the file for content matching to pair them), then through git's
    rename detection between the fix and the revision (one diff per fix); else it is gone.
    """

    def __init__(self, repo: GitRepo, until: str,
                 memo: dict[tuple[str, str], str] | None = None) -> None:
        """``memo`` carries renames found at other revisions (a ``Miner`` asks at many): a path
        found there that exists here too is taken without another diff."""
        self.repo = repo
        self.until = until
        self._memo = {} if memo is None else memo
        self._paths: frozenset[str] | None = None
        self._by_name: dict[str, list[str]] | None = None
        self._moves: dict[str, dict[str, str]] = {}

    @property
    def paths(self) -> frozenset[str]:
        """Every file path at the revision."""
        if self._paths is None:
            listing = self.repo.run("ls-tree", "-r", "-z", "--name-only", "--full-tree",
                                    self.until)
            self._paths = frozenset(decode_path(p) for p in listing.split(b"\0") if p)
        return self._paths

    def place(self, sha: str, path: str) -> str | None:
        """``path`` (as of commit ``sha``) at the revision, or None when it is gone."""
        if path in self.paths:
            return path
        moved = self._moved_folder(path)
        if moved is not None:
            return moved
        known = self._memo.get((sha, path))
        if known is not None and known in self.paths:
            return known
        if sha not in self._moves:
            self._moves[sha] = self._renames(sha)
        found = self._moves[sha].get(path)
        if found is not None:
            self._memo[(sha, path)] = found
        return found

    def _moved_folder(self, path: str) -> str | None:
        if self._by_name is None:
            self._by_name = {}
            for known in sorted(self.paths):
                self._by_name.setdefault(posixpath.basename(known), []).append(known)
        candidates = [p for p in self._by_name.get(posixpath.basename(path), ())
                      if p.endswith("/" + path) or path.endswith("/" + p)]
        return candidates[0] if len(candidates) == 1 else None

    def _renames(self, sha: str) -> dict[str, str]:
        try:
            out = self.repo.run(*DIFF_CONFIG, "diff", "-M", "--diff-filter=R", "--name-status",
                                "-z", "--no-abbrev", sha, self.until, "--")
        except GitError:  # objects missing from a partial clone: the paths count as gone
            return {}
        fields = [decode_path(f) for f in out.split(b"\0")]
        moved = {}
        i = 0
        while i + 2 < len(fields):
            if fields[i].startswith("R"):
                moved[fields[i + 1]] = fields[i + 2]
            i += 3
        return moved
