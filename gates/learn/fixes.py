"""The security fixes in a history: commits whose message says so, and commits an advisory names.

History is read with two ``git`` calls whatever its length: ``rev-list`` for every commit (an
advisory's commit id is looked up there) and ``log --grep`` for the messages worth reading. A
random marker separates the commits in git's output, so a message cannot forge a commit boundary.
"""

from __future__ import annotations

import bisect
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from gates.errors import UsageError
from gates.gitrepo import GitRepo
from gates.learn.advisories import Advisory, AdvisoryDB
from gates.learn.messages import GIT_GREP, ordered, security_fix

MESSAGE = "message"
ADVISORY = "advisory"


@dataclass(frozen=True, slots=True)
class AdvisoryRef:
    """An advisory that names a commit as its fix, and when it became public."""

    id: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Fix:
    """A commit that fixed a security problem."""

    sha: str
    parent: str | None  # its first parent: what it is diffed against (None: a root commit)
    date: datetime  # committer date (when it landed)
    subject: str  # untrusted text from the history: escape before printing
    why: str  # MESSAGE: its message says so (known when committed); ADVISORY: only a database does
    message_ids: tuple[str, ...] = ()  # the ids its message names (mapped to advisories' ids)
    advisories: tuple[AdvisoryRef, ...] = ()  # the advisories that name it

    @property
    def ids(self) -> tuple[str, ...]:
        """Every advisory id known for this fix, CVE first."""
        return ordered((*self.message_ids, *(a.id for a in self.advisories)))

    @property
    def published(self) -> datetime | None:
        """When the first advisory naming it became public (None: no dated advisory)."""
        dates = [a.published for a in self.advisories if a.published is not None]
        return min(dates) if dates else None

    def as_of(self, moment: datetime | None) -> Fix | None:
        """The fix as it was known at ``moment``: a fix its message announced is known from the
        commit on; one only an advisory names, from the advisory's publication. Advisories not
        yet public are left out; None when nothing made it a known fix yet."""
        if moment is None:
            return self
        public = tuple(a for a in self.advisories
                       if a.published is not None and a.published <= moment)
        if self.why != MESSAGE and not public:
            return None
        return replace(self, advisories=public)


class History:
    """The commits reachable from one revision, for lookups by full or abbreviated id; with
    ``parents``, also each commit's parents (oldest first), for ancestry questions."""

    def __init__(self, repo: GitRepo, until: str, *, parents: bool = False) -> None:
        self.until = until
        self.parents: dict[str, tuple[str, ...]] = {}
        if parents:
            out = repo.run("rev-list", "--parents", "--topo-order", "--reverse", until, "--")
            for line in out.decode("ascii").splitlines():
                sha, *rest = line.split() or [""]
                if sha:
                    self.parents[sha] = tuple(rest)
            self.shas = sorted(self.parents)
        else:
            self.shas = sorted(repo.run("rev-list", until, "--").decode("ascii").split())
        self._set = frozenset(self.shas)

    def __len__(self) -> int:
        return len(self.shas)

    def __contains__(self, sha: object) -> bool:
        return sha in self._set

    def find(self, prefix: str) -> str | None:
        """The one commit whose id starts with ``prefix`` (None: no such commit, or several)."""
        if prefix in self._set:
            return prefix
        i = bisect.bisect_left(self.shas, prefix)
        if i < len(self.shas) and self.shas[i].startswith(prefix):
            if i + 1 < len(self.shas) and self.shas[i + 1].startswith(prefix):
                return None
            return self.shas[i]
        return None

    def reaching(self, targets: Sequence[str]) -> dict[str, int]:
        """For every commit, which of ``targets`` are its ancestors (itself included), as a bit
        mask (bit i: ``targets[i]``): one pass in topological order, parents first."""
        bit = {sha: 1 << i for i, sha in enumerate(targets)}
        masks: dict[str, int] = {}
        for sha, parents in self.parents.items():
            mask = bit.get(sha, 0)
            for parent in parents:
                mask |= masks.get(parent, 0)
            masks[sha] = mask
        return masks


def resolve(repo: GitRepo, until: str) -> str:
    """The commit ``until`` names; a clear usage error when it names none."""
    sha = repo.resolve(until)
    if sha is None:
        raise UsageError(f"--until: unknown revision {until!r}")
    return sha


def find_fixes(repo: GitRepo, until: str = "HEAD", db: AdvisoryDB | None = None,
               packages: Sequence[str] = (), *, history: History | None = None) -> list[Fix]:
    """Every security fix reachable from ``until``, newest first."""
    history = history or History(repo, resolve(repo, until))
    found: dict[str, Fix] = {}
    for meta in _log(repo, ["--extended-regexp", "--regexp-ignore-case", f"--grep={GIT_GREP}",
                            history.until]):
        ids = security_fix(meta.subject, meta.body, meta.author, merge=meta.merge)
        if ids is not None:
            found[meta.sha] = Fix(meta.sha, meta.parent, meta.date, meta.subject, MESSAGE, ids)
    if db is not None:
        named: dict[str, list[Advisory]] = {}
        for advisory, sha in db.fixes(history.find, packages):
            named.setdefault(sha, []).append(advisory)
        missing = sorted(set(named) - set(found))
        for meta in _log(repo, ["--no-walk=unsorted", *missing]) if missing else ():
            found[meta.sha] = Fix(meta.sha, meta.parent, meta.date, meta.subject, ADVISORY)
        aliases = db.by_id(i for fix in found.values() for i in fix.message_ids)
        for sha, fix in found.items():
            refs = {a.id: AdvisoryRef(a.id, a.published) for a in named.get(sha, ())}
            found[sha] = replace(fix, advisories=tuple(sorted(refs.values(), key=lambda r: r.id)),
                                 message_ids=ordered([aliases[i].id if i in aliases else i
                                                      for i in fix.message_ids]))
    return sorted(found.values(), key=lambda f: (f.date, f.sha), reverse=True)


@dataclass(frozen=True, slots=True)
class _Meta:
    sha: str
    parent: str | None
    merge: bool
    date: datetime
    author: str
    subject: str
    body: str


def _log(repo: GitRepo, args: Iterable[str]) -> list[_Meta]:
    marker = "\x00draftgate-" + secrets.token_hex(8) + "\x00"
    fmt = marker.replace("\x00", "%x00") + "%H%x00%P%x00%cI%x00%an <%ae>%x00%s%x00%b"
    out = repo.run("log", "--no-show-signature", f"--format={fmt}", *args, "--")
    found = []
    for entry in out.decode("utf-8", "replace").split(marker)[1:]:
        parts = entry.split("\x00", 5)
        if len(parts) != 6:
            continue
        sha, parents, date, author, subject, body = parts
        first = parents.split()[:1]
        found.append(_Meta(sha, first[0] if first else None, len(parents.split()) > 1,
                           _moment(date), author, subject, body.strip()))
    return found


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
