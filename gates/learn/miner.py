"""Learning hotspots from history, once for ``gate learn`` or many times for a benchmark.

The expensive parts are the same whatever revision the learning stops at: the fixes in the
history (found once, up to the newest head) and what each fix changed (diffed once per fix). A
``Miner`` keeps both, so "the hotspots learned from history up to this commit's parent", asked
for a thousand commits of one repository, costs a bit-mask lookup per commit (which fixes are its
ancestors, from one ``rev-list --parents`` of the head) plus a tree listing for the paths.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gates.errors import GitError
from gates.gitrepo import GitRepo
from gates.learn.advisories import AdvisoryDB
from gates.learn.fixes import ADVISORY, MESSAGE, Fix, History, find_fixes, resolve
from gates.learn.messages import ordered
from gates.learn.package import package_names
from gates.learn.touched import Placer, TooBroad, Touch, touches
from gates.policy.model import Hotspot

FIX_LIMIT = 200  # the fragment's ``fix`` field is one short line (gates.policy.hotspots)


@dataclass(frozen=True, slots=True)
class Learned:
    """What one learning run found, for the fragment and the summary."""

    until: str
    commits: int
    packages: tuple[str, ...]
    fixes: tuple[Fix, ...]
    hotspots: tuple[Hotspot, ...]
    gone: int  # files fixes changed that are no longer at ``until`` (deleted, or moved unfollowed)
    advisories: int  # advisory files read (0: no database)
    skipped_advisories: tuple[tuple[str, str], ...]  # (file, why) counted out
    seconds: float
    unread: int = 0  # fixes git could not diff (objects missing from a partial clone)
    sources: frozenset[str] = frozenset()  # the fixes that left at least one hotspot
    broad: int = 0  # "fixes" left out for changing more than MAX_FILES code files

    def count(self, why: str) -> int:
        """How many fixes were found for ``why`` (``MESSAGE`` or ``ADVISORY``)."""
        return sum(f.why == why for f in self.fixes)

    @property
    def files(self) -> int:
        """Distinct files with at least one hotspot."""
        return len({h.path for h in self.hotspots})

    @property
    def functions(self) -> int:
        """Hotspots narrowed to a function or class."""
        return sum(bool(h.symbol) for h in self.hotspots)


class Miner:
    """The security fixes of one repository, mined once, asked about at many revisions."""

    def __init__(self, repo: GitRepo, db: AdvisoryDB | None = None,
                 packages: Sequence[str] = (), *, head: str = "HEAD") -> None:
        self.repo = repo
        self.db = db
        self.head = resolve(repo, head)
        self.packages = tuple(packages) or package_names(repo, self.head)
        self._history: History | None = None
        self._fixes: list[Fix] | None = None
        self._touches: dict[str, tuple[Touch, ...]] = {}
        self._masks: dict[str, int] | None = None
        self._renamed: dict[tuple[str, str], str] = {}  # (fix, path) -> where it moved
        self.unread: set[str] = set()  # fixes whose diff git could not produce
        self.broad: set[str] = set()  # "fixes" that changed too many code files to learn from

    @property
    def history(self) -> History:
        """Every commit reachable from the head."""
        if self._history is None:
            self._history = History(self.repo, self.head, parents=True)
        return self._history

    @property
    def fixes(self) -> list[Fix]:
        """Every fix reachable from the head, newest first (found on first use)."""
        if self._fixes is None:
            self._fixes = find_fixes(self.repo, self.head, self.db, self.packages,
                                     history=self.history)
        return self._fixes

    def fixes_until(self, rev: str, as_of: datetime | None = None) -> list[Fix]:
        """The fixes reachable from ``rev``, as known at ``as_of`` (None: as known today)."""
        sha = resolve(self.repo, rev)
        if self._masks is None:
            self._masks = self.history.reaching([f.sha for f in self.fixes])
        mask = self._masks.get(sha)
        if mask is None:  # not in the head's history (another branch): ask git
            ancestors = History(self.repo, sha)
            reached = [fix for fix in self.fixes if fix.sha in ancestors]
        else:
            reached = [fix for i, fix in enumerate(self.fixes) if mask >> i & 1]
        return [known for fix in reached for known in (fix.as_of(as_of),) if known is not None]

    def touches(self, fix: Fix) -> tuple[Touch, ...]:
        """What ``fix`` changed (diffed once per fix, then remembered). A fix git cannot diff
        (objects missing from a partial clone) changed nothing learnable, and is counted in
        ``unread``; one that changed more than ``MAX_FILES`` code files, in ``broad``."""
        if fix.sha not in self._touches:
            try:
                self._touches[fix.sha] = touches(self.repo, fix.sha, fix.parent) \
                    if fix.parent else ()
            except GitError:
                self.unread.add(fix.sha)
                self._touches[fix.sha] = ()
            except TooBroad:
                self.broad.add(fix.sha)
                self._touches[fix.sha] = ()
        return self._touches[fix.sha]

    def place(self, fixes: Iterable[Fix], until: str) -> tuple[tuple[Hotspot, ...], int]:
        """The hotspots ``fixes`` leave at ``until``, merged, and how many files were gone."""
        return place(self.repo, ((fix, self.touches(fix)) for fix in fixes), until, self._renamed)

    def until(self, rev: str, as_of: datetime | None = None) -> tuple[Hotspot, ...]:
        """The hotspots learned from the history up to ``rev`` (``rev`` included), counting only
        what was known at ``as_of``: pass the judged commit's date for an honest evaluation."""
        sha = resolve(self.repo, rev)
        return self.place(self.fixes_until(sha, as_of), sha)[0]


def hotspots_of(repo: GitRepo, fix: Fix, until: str) -> list[Hotspot]:
    """The hotspots one fix leaves at ``until``: one per function, or per file (none for a
    sweep of more than ``MAX_FILES`` code files)."""
    try:
        changed = touches(repo, fix.sha, fix.parent) if fix.parent else ()
    except TooBroad:
        return []
    return list(place(repo, [(fix, changed)], resolve(repo, until))[0])


def place(repo: GitRepo, changes: Iterable[tuple[Fix, tuple[Touch, ...]]], until: str,
          memo: dict[tuple[str, str], str] | None = None) -> tuple[tuple[Hotspot, ...], int]:
    """The hotspots of fixes and what they touched, at ``until`` (paths followed through
    renames), merged; and how many changed files are no longer there."""
    found, gone = _placed(repo, changes, until, memo)
    return merge(found), gone


def _placed(repo: GitRepo, changes: Iterable[tuple[Fix, tuple[Touch, ...]]], until: str,
            memo: dict[tuple[str, str], str] | None = None
            ) -> tuple[list[tuple[Fix, Hotspot]], int]:
    placer = Placer(repo, until, memo)
    found: list[tuple[Fix, Hotspot]] = []
    gone = 0
    for fix, changed in changes:
        label = fix_label(fix.ids)
        for touch in changed:
            path = placer.place(fix.sha, touch.path)
            if path is None or not path.isprintable():
                gone += 1
                continue
            found.extend((fix, Hotspot(path, symbol, label, fix.sha))
                         for symbol in touch.symbols or ("",))
    return found, gone


def learn(repo: GitRepo, until: str = "HEAD", db: AdvisoryDB | None = None,
          packages: Sequence[str] = ()) -> Learned:
    """Mine the history up to ``until`` and the database for fixes, and what they touched."""
    started = time.monotonic()
    miner = Miner(repo, db, packages, head=until)
    fixes = miner.fixes
    found, gone = _placed(repo, ((fix, miner.touches(fix)) for fix in fixes), miner.head)
    return Learned(miner.head, len(miner.history), miner.packages, tuple(fixes), merge(found),
                   gone, len(db) if db is not None else 0, db.skipped if db is not None else (),
                   time.monotonic() - started, len(miner.unread),
                   frozenset(fix.sha for fix, _ in found), len(miner.broad))


def merge(found: Iterable[tuple[Fix, Hotspot]]) -> tuple[Hotspot, ...]:
    """One hotspot per (path, symbol): every fix's ids joined, the newest fixing commit kept;
    sorted, so the same history always gives the same fragment."""
    groups: dict[tuple[str, str], list[tuple[Fix, Hotspot]]] = {}
    for fix, hotspot in found:
        groups.setdefault((hotspot.path, hotspot.symbol), []).append((fix, hotspot))
    merged = []
    for (path, symbol), members in sorted(groups.items()):
        newest = max(members, key=lambda m: (m[0].date, m[0].sha))[0]
        ids = ordered([i for fix, _ in members for i in fix.ids])
        merged.append(Hotspot(path, symbol, fix_label(ids), newest.sha))
    return tuple(merged)


def fix_label(ids: Iterable[str]) -> str:
    """The ids as the fragment's one-line ``fix`` (``CVE-2020-1; CVE-2021-2``), shortened to fit
    with a count of the rest."""
    unique = list(dict.fromkeys(ids))
    for keep in range(len(unique), 0, -1):
        rest = len(unique) - keep
        label = "; ".join(unique[:keep]) + (f"; +{rest} more" if rest else "")
        if len(label) <= FIX_LIMIT:
            return label
    return f"{len(unique)} advisories" if unique else ""


__all__ = ["ADVISORY", "MESSAGE", "Learned", "Miner", "hotspots_of", "learn", "merge", "place"]
