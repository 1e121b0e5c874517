"""``gate replay``: how a policy would have sorted the commits of a stretch of history.

A team adopting draftgate, or changing its policy, asks how much of its work would have gone to the
slow lane and why. Replay classifies every non-merge commit against its first parent exactly as
``gate check --base C^ --head C`` would (same parser, same rules, same size and provenance
escalations) but runs no scanner and no model, so thousands of commits take seconds.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gates import history
from gates.classify import Rules, classify
from gates.gitrepo import GitRepo
from gates.model import Classification
from gates.pipeline import lane_for
from gates.policy import Policy

SLOW_STAGE = "review"  # a lane with the model review in it is the slow lane
# A part smaller than this costs more to start (a Python process, imports, the policy compiled,
# cold caches: about 0.3 s) than it saves.
_SMALLEST_PART = 500


@dataclass(frozen=True, slots=True)
class Verdict:
    """One policy's view of one commit: its tier, its lane, and the rules that set the tier."""

    tier: str
    lane: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def slow(self) -> bool:
        """True when the lane sends the commit to the model review."""
        return SLOW_STAGE in self.lane


@dataclass(frozen=True, slots=True)
class Row:
    """One replayed commit (one verdict per policy, in the order the policies were given)."""

    sha: str
    parent: str | None
    date: str
    summary: str
    files: int
    added: int
    removed: int
    ai_drafted: bool
    verdicts: tuple[Verdict, ...]


@dataclass(slots=True)
class Tally:
    """One policy's totals over the replayed commits."""

    tiers: Counter[str] = field(default_factory=Counter)
    lanes: Counter[tuple[str, ...]] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    slow: int = 0

    def add(self, verdict: Verdict) -> None:
        """Count one commit's verdict."""
        self.tiers[verdict.tier] += 1
        self.lanes[verdict.lane] += 1
        self.rules.update(verdict.reasons)
        self.slow += verdict.slow


@dataclass(frozen=True, slots=True)
class Replay:
    """Everything a replay report shows."""

    policies: tuple[Policy, ...]
    rows: tuple[Row, ...]
    tallies: tuple[Tally, ...]
    seconds: float
    boundary: tuple[str, ...] = ()  # shallow-clone edge commits left out (no parent to diff)
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> tuple[Row, ...]:
        """Commits whose tier differs between the first policy and any other."""
        return tuple(r for r in self.rows
                     if any(v.tier != r.verdicts[0].tier for v in r.verdicts[1:]))

    @property
    def rate(self) -> float:
        """Commits classified per second (0 when nothing was replayed)."""
        return len(self.rows) / self.seconds if self.rows and self.seconds > 0 else 0.0


Progress = Callable[[int], None]


def replay(repo: GitRepo, selected: history.Span, policies: Sequence[Policy],
           progress: Progress | None = None, *, jobs: int = 1,
           smallest_part: int = _SMALLEST_PART) -> Replay:
    """Classify every selected commit under each policy.

    With ``jobs`` > 1 and enough commits, the range is cut into that many runs of consecutive
    commits: this process classifies the newest run while the others are classified in fresh
    processes (spawned: the progress bar's thread makes forking unsafe). Commits are independent,
    so the rows are the same; runs of consecutive commits keep each process's scope cache warm.
    A run has at least ``smallest_part`` commits.
    """
    started = time.perf_counter()
    parts = history.split(repo, selected, jobs, smallest_part)
    if len(parts) == 1:
        rows = _rows(repo, selected, policies, progress)
    else:
        import multiprocessing

        # A pool, not an executor: leaving its block on an error or a stop signal terminates
        # the other processes at once instead of waiting for their runs to end.
        with multiprocessing.get_context("spawn").Pool(len(parts) - 1) as pool:
            others = [pool.apply_async(_part, (repo.opened, part, tuple(policies)))
                      for part in parts[1:]]
            rows = _rows(repo, parts[0], policies, progress)
            for result in others:
                more = result.get()
                rows.extend(more)
                if progress is not None:
                    progress(len(more))
    tallies = tuple(Tally() for _ in policies)
    for row in rows:
        for verdict, tally in zip(row.verdicts, tallies, strict=True):
            tally.add(verdict)
    notes: tuple[str, ...] = ()
    if not rows and selected.since_rev is not None \
            and not repo.is_ancestor(selected.since_rev, selected.until):
        notes = ("--since is not an ancestor of --until: the range is empty (swapped?)",)
    return Replay(tuple(policies), tuple(rows), tallies, time.perf_counter() - started,
                  selected.boundary, notes)


def _part(opened: tuple[str, bool], selected: history.Span,
          policies: tuple[Policy, ...]) -> list[Row]:
    """One run of commits, in a process of its own (see :func:`replay`)."""
    return _rows(GitRepo(opened[0], git_dir=opened[1]), selected, policies, None)


def _rows(repo: GitRepo, selected: history.Span, policies: Sequence[Policy],
          progress: Progress | None) -> list[Row]:
    compiled = [Rules(p) for p in policies]

    def want_text(path: str) -> bool:
        return any(r.wants_text(path) for r in compiled)

    rows = []
    for item in history.commits(repo, selected, want_text):
        change = item.change
        verdicts = []
        ai_drafted = False
        for rules in compiled:
            classification = classify(rules, change)
            ai_drafted = ai_drafted or classification.provenance.ai_drafted
            verdicts.append(Verdict(classification.tier,
                                    lane_for(rules.policy, classification, change),
                                    reasons(rules.policy, classification)))
        rows.append(Row(item.commit.sha, item.parent, item.date, item.commit.summary,
                        len(change.files), change.added, change.removed, ai_drafted,
                        tuple(verdicts)))
        if progress is not None:
            progress(1)
    return rows


def reasons(policy: Policy, classification: Classification) -> tuple[str, ...]:
    """The rules that set the commit's tier, as ``rule pattern`` (empty at the default tier).

    When a change-level rule (size, provenance) raised the tier last, it alone set it; otherwise
    every file match at the commit's tier did.
    """
    tier = classification.tier
    if tier == policy.default_tier:
        return ()
    if classification.escalations:
        return (classification.escalations[-1].rule,)
    found = dict.fromkeys(f"{m.rule} {m.pattern}" for f in classification.files
                          for m in f.matches if m.tier == tier)
    return tuple(found)
