"""Every commit of a stretch of history as a ``ChangeSet``, from one ``git log -p`` stream.

``gate replay`` judges thousands of commits; one process per commit (or per file) would spend more
time starting git than diffing. One ``git log --raw -p -z`` prints every commit against its first
parent, a reader thread drains it while the caller classifies the previous commits, and the few
full texts that Python symbol scopes need come from one long-lived ``git cat-file --batch``
(``GitRepo.blob``).
"""

from __future__ import annotations

import queue
import re
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from gates.changes import WantText, consumer_views, recheck_binary
from gates.diff import DIFF_CONFIG, LOG_ARGS, parse_log_entry
from gates.errors import UsageError
from gates.gitrepo import GitRepo, parse_trailers
from gates.model import ChangeSet, Commit, Source, SourceKind

_RELATIVE = re.compile(r"^\s*(\d+)\s*\.?\s*(second|minute|hour|day|week|month|year)s?"
                       r"(?:\s+ago)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
                 "month": 30 * 86400, "year": 365 * 86400}
_PREFETCH = 64  # chunks of git's output held ahead of the classifier (about 64 MB at most)


@dataclass(frozen=True, slots=True)
class Span:
    """Which commits to replay: ``since..until`` (a revision) or those committed after a date."""

    until: str
    since_rev: str | None = None
    since_time: int | None = None
    max_count: int | None = None
    # Commits at the edge of a shallow clone: git shows them as root commits (their parent is not
    # here), so the whole tree would look added. They are left out and reported.
    boundary: tuple[str, ...] = ()
    # Exactly these commits, in this order (one part of a replay split across processes); they
    # are given to git on its standard input (``stdin``), not as arguments.
    only: tuple[str, ...] = ()

    @property
    def stdin(self) -> bytes | None:
        """What git reads on its standard input for this selection, if anything."""
        return "".join(f"{sha}\n" for sha in self.only).encode() if self.only else None

    def rev_args(self) -> list[str]:
        """The ``git log`` / ``git rev-list`` arguments that select the commits."""
        if self.only:
            return ["--no-walk=unsorted", "--stdin"]
        args = ["--no-merges"]
        if self.max_count is not None:
            args.append(f"--max-count={self.max_count}")
        if self.since_time is not None:
            args.append(f"--max-age={self.since_time}")
        args.append(self.until if self.since_rev is None else f"{self.since_rev}..{self.until}")
        args.extend(f"^{sha}" for sha in self.boundary)
        return args


@dataclass(frozen=True, slots=True)
class HistoryCommit:
    """One commit and what it changed against its first parent."""

    commit: Commit
    parent: str | None
    date: str
    change: ChangeSet


def span(repo: GitRepo, since: str, until: str = "HEAD", max_count: int | None = None,
         now: datetime | None = None) -> Span:
    """Resolve ``--since`` (a revision first, else a date) and ``--until`` to commits."""
    if max_count is not None and max_count < 1:
        raise UsageError("--max must be at least 1")
    until_sha = repo.resolve(until)
    if until_sha is None:
        raise UsageError(f"--until: unknown revision {until!r}")
    since_sha = repo.resolve(since)
    if since_sha is not None:
        selected = Span(until_sha, since_rev=since_sha, max_count=max_count)
    else:
        moment = parse_date(since, now or datetime.now(UTC))
        if moment is None:
            raise UsageError(f"--since {since!r} is neither a revision nor a date (YYYY-MM-DD, "
                             "an ISO 8601 time, or 'N days|weeks|months|years ago')")
        # git reads --max-age as unsigned: a date before 1970 would select nothing, not all.
        since_time = int(moment.timestamp())
        selected = Span(until_sha, since_time=since_time if since_time > 0 else None,
                        max_count=max_count)
    shallow = repo.shallow_commits()
    if not shallow:
        return selected
    listed = repo.text("rev-list", *replace(selected, max_count=None).rev_args(), "--").split()
    return replace(selected, boundary=tuple(sha for sha in listed if sha in shallow))


def parse_date(text: str, now: datetime) -> datetime | None:
    """An ISO 8601 date or time (UTC when no zone is given), or 'N units ago'.

    git's own date parser accepts anything (``--since=garbage`` means "now" and silently selects
    nothing), so the gate reads dates itself and refuses what it cannot read.
    """
    try:
        relative = _RELATIVE.match(text)
        if relative:
            return now - timedelta(seconds=int(relative[1]) * _UNIT_SECONDS[relative[2].lower()])
        moment = datetime.fromisoformat(text.strip())
    except (ValueError, OverflowError):  # not a date, or "3000 years ago" (before year 1)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def count(repo: GitRepo, selected: Span) -> int:
    """How many commits ``selected`` names (for the progress bar): one ``git rev-list``."""
    return len(selected.only) if selected.only else \
        int(repo.text("rev-list", "--count", *selected.rev_args(), "--"))


def split(repo: GitRepo, selected: Span, parts: int, smallest: int) -> list[Span]:
    """``selected`` as up to ``parts`` runs of consecutive commits (newest first), each of at
    least ``smallest`` commits: one ``git rev-list``, then each part names its commits."""
    if parts < 2:
        return [selected]
    listed = repo.text("rev-list", *selected.rev_args(), "--").split()
    parts = min(parts, len(listed) // max(smallest, 1))
    if parts < 2:
        return [selected]
    size = -(-len(listed) // parts)
    return [replace(selected, only=tuple(listed[i:i + size]))
            for i in range(0, len(listed), size)]


def commits(repo: GitRepo, selected: Span,
            want_text: WantText | None = None) -> Iterator[HistoryCommit]:
    """The selected commits, newest first, each as the change it made to its first parent."""
    # A random marker per run: commit messages and file contents come from the history under
    # review and cannot forge a commit boundary they cannot guess.
    marker = b"\0draftgate-" + secrets.token_hex(8).encode() + b"\0"
    fmt = marker.decode().replace("\0", "%x00") + \
        "%H%x00%P%x00%cI%x00%s%x00%(trailers:only=true,unfold=true)%x00"
    stream = repo.stream(*DIFF_CONFIG, "log", "--no-show-signature", "--root", *LOG_ARGS,
                         f"--format={fmt}", *selected.rev_args(), "--", stdin=selected.stdin)
    empty_tree = repo.empty_tree()
    for entry in _entries(_prefetch(stream), marker):
        yield _commit(repo, entry, want_text, empty_tree)


def _entries(chunks: Iterable[bytes], marker: bytes) -> Iterator[bytes]:
    """Cut git's output at each commit's marker (the bytes between two markers are one commit).

    The output starts with a marker; one commit can span many chunks, so each search resumes
    where the previous one gave up instead of rescanning the commit from its start.
    """
    pending = bytearray()
    for block in chunks:
        search = max(len(marker), len(pending) - len(marker) + 1)
        pending += block
        while (end := pending.find(marker, search)) >= 0:
            yield bytes(pending[len(marker):end])
            del pending[:end]
            search = len(marker)
    if pending.startswith(marker):
        yield bytes(pending[len(marker):])


def _commit(repo: GitRepo, entry: bytes, want_text: WantText | None,
            empty_tree: str) -> HistoryCommit:
    sha, parents, date, subject, trailer_text, body = entry.split(b"\0", 5)
    parent = parents.split(b" ")[0].decode() or None
    files = parse_log_entry(body.lstrip(b"\0\n"))
    revs = [parent or empty_tree, sha.decode()]
    files = recheck_binary(repo, revs, files)
    if want_text is not None:
        texts = [f for f in files if f.has_text and want_text(f.path)]
        blobs = repo.read_blobs(b for f in texts for b in (f.old_blob, f.new_blob) if b)
        files = tuple(replace(f, old_text=blobs.get(f.old_blob or ""),
                              new_text=blobs.get(f.new_blob or ""))
                      if f.has_text and want_text(f.path) else f for f in files)
    files = consumer_views(repo.read_blobs, repo.sizes, files)
    commit = Commit(sha.decode(), subject.decode("utf-8", "replace"),
                    parse_trailers(trailer_text.decode("utf-8", "replace")))
    source = Source(SourceKind.RANGE, base=parent, head=commit.sha, merge_base=parent)
    return HistoryCommit(commit, parent, date.decode(), ChangeSet(files, source, (commit,)))


def _prefetch(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Drain ``chunks`` on a thread so git keeps diffing while the caller classifies."""
    ahead: queue.Queue[tuple[bytes | None, BaseException | None]] = queue.Queue(_PREFETCH)
    stop = threading.Event()

    def offer(item: tuple[bytes | None, BaseException | None]) -> bool:
        """Queue ``item`` unless the consumer has gone; False once it has."""
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def drain() -> None:
        try:
            for block in chunks:
                if not offer((block, None)):
                    break
            else:
                offer((None, None))
        except BaseException as exc:  # handed to the consumer, raised there
            offer((None, exc))
        finally:
            if stop.is_set():
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()

    reader = threading.Thread(target=drain, name="draftgate-git-log", daemon=True)
    reader.start()
    try:
        while True:
            block, error = ahead.get()
            if error is not None:
                raise error
            if block is None:
                return
            yield block
    finally:
        stop.set()
        reader.join(timeout=5)
