"""When the code under review last changed, from GitHub's own records, and who pushed it.

An approval counts only for the code it was given on, so the label must postdate the latest push.
Commit dates are written by whoever made the commit and prove nothing; these records are
GitHub's: the head branch's latest push in the repository's activity (which must have left the
branch at the head judged), the first check suite created for the head commit, the last
force-push event, the push that triggered this run, and a change of base branch (which redraws
the diff without a push). The latest of them counts.

The repository's activity is the one record of a fast-forward push. A head commit pushed to
another branch before the review has check suites older than the label; a branch reset to the
reviewed commit and fast-forwarded back after the label leaves only an older force-push event;
and the run for that push can be cancelled by any later event (a second label), so the run that
judges may be a ``labeled`` one. Without that record nothing binds the label to the head: the
approval stays pending. The activity also names who pushed the pull request's commits, whatever
email the commits carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gates.github.fields import chronological, field, instant, short

if TYPE_CHECKING:
    from gates.changes import PullRequestEvent
    from gates.github.approval import Target
    from gates.github.client import Client

# Issue events that change what the pull request would merge without a push to its head branch:
# an approval given before them approved other code. A retargeted pull request keeps its head but
# brings every commit the old base had and the new one lacks.
REDRAWN = {"head_ref_force_pushed": "force-push",
           "base_ref_changed": "the base branch changed",
           "automatic_base_change_succeeded": "the base branch changed (automatically)"}


@dataclass(frozen=True, slots=True)
class Pushes:
    """The head branch's pushes as GitHub recorded them (repository activity), oldest first, or
    why they could not be read."""

    where: str  # owner/repo:branch
    entries: tuple[dict[str, Any], ...] = ()
    problem: str = ""

    def unbound(self, head: str) -> str:
        """Why these records cannot date the push of ``head`` (empty when they can)."""
        if self.problem:
            return self.problem
        if not self.entries:
            return (f"cannot tell from GitHub when {short(head)} was pushed (no push to "
                    f"{self.where} in the repository's activity)")
        last = self.entries[-1]
        after = field(last, "after")
        if after != head:
            # The branch has moved on since (or was deleted): it no longer holds this head.
            return (f"{self.where} was last updated to {short(after)} "
                    f"({field(last, 'activity_type') or 'push'}), not to the head this run "
                    "judged")
        return ""

    def pushers(self, shas: set[str]) -> dict[str, str]:
        """Who pushed any of ``shas`` to the branch (lower-cased login -> what they pushed)."""
        out: dict[str, str] = {}
        for push in self.entries:
            login, after = field(push, "actor", "login"), field(push, "after")
            if login and after in shas:
                out.setdefault(login.lower(), f"pushed {short(after)} to {self.where}")
        return out


def read(api: Client, live: Mapping[str, Any]) -> Pushes:
    """The head branch's pushes, from the activity of the head's repository (a fork's own)."""
    repo, ref = field(live, "head", "repo", "full_name"), field(live, "head", "ref")
    owner, _, name = repo.partition("/")
    if not owner or not name or not ref:
        return Pushes(ref, problem="cannot read the pushes to the pull request's head branch "
                                   "(its repository is gone or not readable)")
    where = f"{repo}:{ref}"
    found = api.maybe_pages(f"listing the pushes to {where}", api.rest.repos.list_activities,
                            owner, name, ref=f"refs/heads/{ref}")
    if found is None:
        return Pushes(where, problem=f"cannot read the pushes to {where} (the repository's "
                                     "activity: HTTP 404)")
    mine = [a for a in found if isinstance(a, dict)
            and field(a, "ref") in (f"refs/heads/{ref}", ref)
            and instant(a.get("timestamp")) is not None]
    mine.sort(key=lambda a: chronological(a, "timestamp"))
    return Pushes(where, tuple(mine))


def latest(api: Client, pr: Target, event: PullRequestEvent, events: list[Any],
           pushes: Pushes) -> tuple[datetime | None, str]:
    """The latest time GitHub saw the code under review change, and which record says so."""
    seen: list[tuple[datetime, str]] = []
    suites = api.pages("listing the head commit's check suites",
                       api.rest.checks.list_suites_for_ref, pr.owner, pr.repo, pr.head,
                       key="check_suites")
    created = [t for t in (instant(s.get("created_at")) for s in suites
                           if isinstance(s, dict) and s.get("head_sha") in (None, pr.head))
               if t is not None]
    if created:
        seen.append((min(created), "first check suite for the head"))
    for record in events:
        how = REDRAWN.get(field(record, "event"))
        when = instant(record.get("created_at")) if how else None
        if how and when is not None:
            seen.append((when, how))
    if event.action == "synchronize" and event.head == pr.head:
        when = instant(event.updated_at)
        if when is not None:
            seen.append((when, "the push that triggered this run"))
    when = instant(pushes.entries[-1].get("timestamp")) if pushes.entries else None
    if when is not None:
        # Not the branch's name: it is the pull request's to choose (`@team`, `<img/…>`), and
        # this text reaches the raw comment that says why a stale label was removed.
        seen.append((when, "the head branch's latest push"))
    if not seen:
        return None, ""
    return max(seen, key=lambda s: s[0])
