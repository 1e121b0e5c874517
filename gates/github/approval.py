"""The live approval check: does the pull request carry a label that an allowed person applied to
the code being judged?

Everything is read from the REST API at the moment of the decision, never from the event payload
(a re-run replays the payload frozen, labels included). The label counts only when:

- it is on the pull request now, and its latest ``labeled`` event has no later ``unlabeled``;
- that event's actor is a human (``type: User``, no GitHub App acting for them) or a bot the
  policy names, is not the pull request's author nor the author or committer of any of its commits
  nor the account that pushed them (GitHub accounts, never name strings: an agent must not approve
  its own draft, and an agent whose commit email no account claims is still its pusher);
- the actor is one of ``approval.users`` or an active member of one of ``approval.teams`` (or
  anyone, when neither is set), with at least ``approval.min_role`` on the repository;
- it was applied after the latest push, dated by GitHub's own records: the head branch's latest
  push in the repository's activity (which must have left the branch at the head judged), the
  first check suite created for the head commit, the last force-push event, the push this run was
  triggered by; and a change of base branch, which redraws the diff without a push. Commit dates
  are written by whoever made the commit and prove nothing.

The repository's activity is the one record of a fast-forward push: a head commit pushed to
another branch before the review has check suites older than the label, and a branch reset to the
reviewed commit and fast-forwarded back after the label leaves only an older force-push event. The
run for that push can be cancelled by any later event (a second label), so the run that judges may
be a ``labeled`` one. Without that record nothing binds the label to the head: pending.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gates.changes import PullRequestEvent
from gates.github.client import DEFAULT_API, Client, GitHubError
from gates.model import StageStatus
from gates.policy import ROLES, ApprovalSettings

# Issue events that change what the pull request would merge without a push to its head branch:
# an approval given before them approved other code. A retargeted pull request keeps its head but
# brings every commit the old base had and the new one lacks.
_REDRAWN = {"head_ref_force_pushed": "force-push",
            "base_ref_changed": "the base branch changed",
            "automatic_base_change_succeeded": "the base branch changed (automatically)"}

# The collaborator-permission endpoint's legacy ``permission`` field folds triage into read and
# maintain into write; ``role_name`` keeps them apart (and may name a custom role).
_LEGACY = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read",
           "read": "read"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the check concluded: passed (a valid approval), pending (say why), or error."""

    status: StageStatus
    message: str


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
            return (f"cannot tell from GitHub when {_short(head)} was pushed (no push to "
                    f"{self.where} in the repository's activity)")
        last = self.entries[-1]
        after = _text(last, "after")
        if after != head:
            # The branch has moved on since (or was deleted): it no longer holds this head.
            return (f"{self.where} was last updated to {_short(after)} "
                    f"({_text(last, 'activity_type') or 'push'}), not to the head this run "
                    "judged")
        return ""


@dataclass(frozen=True, slots=True)
class Target:
    """The pull request being judged."""

    owner: str
    repo: str
    number: int
    head: str  # the head commit this run judged


def target(event: PullRequestEvent, environ: Mapping[str, str]) -> Target:
    """Which pull request, from the event (``GITHUB_REPOSITORY`` when the payload lacks it)."""
    slug = event.repository or environ.get("GITHUB_REPOSITORY", "")
    owner, _, repo = slug.partition("/")
    if not owner or not repo or event.number is None:
        raise GitHubError("the event names no repository or pull request number: the approval "
                          "cannot be checked")
    return Target(owner, repo, event.number, event.head)


def clients(settings: ApprovalSettings,
            environ: Mapping[str, str] = os.environ) -> tuple[Client, Client | None]:
    """The API client (``GITHUB_TOKEN``) and, with teams configured, the one that reads them."""
    base = environ.get("GITHUB_API_URL") or DEFAULT_API
    main = Client(environ.get("GITHUB_TOKEN", ""), base)
    if not settings.teams:
        return main, None
    if not settings.token_env or not environ.get(settings.token_env):
        where = f"${settings.token_env} is empty" if settings.token_env \
            else "approval.token_env is not set"
        raise GitHubError(f"approval.teams needs a token that can read team membership "
                          f"(organisation Members: read; a GitHub App installation token or a "
                          f"fine-grained token): {where}, and GITHUB_TOKEN cannot read teams")
    return main, Client(environ[settings.token_env], base)


class Check:
    """One approval check against one pull request (every list read whole, paginated)."""

    def __init__(self, api: Client, teams_api: Client | None, pr: Target,
                 settings: ApprovalSettings, event: PullRequestEvent) -> None:
        self.api = api
        self.teams_api = teams_api
        self.pr = pr
        self.settings = settings
        self.event = event
        self.label = settings.label

    def run(self) -> Verdict:
        """Read the pull request as it is now and judge its label."""
        rest, pr = self.api.rest, self.pr
        live = self.api.call("reading the pull request", rest.pulls.get, pr.owner, pr.repo,
                             pr.number)
        now_head = _get(live, "head", "sha")
        if now_head != pr.head:
            return Verdict(StageStatus.PENDING,
                           f"the pull request's head is now {_short(now_head)}, not the "
                           f"{_short(pr.head)} this run judged: the run for the new head decides")
        author = _login(live.get("user"))
        labels = self.api.pages("listing the pull request's labels",
                                rest.issues.list_labels_on_issue, pr.owner, pr.repo, pr.number)
        events = self.api.pages("listing the pull request's events", rest.issues.list_events,
                                pr.owner, pr.repo, pr.number)
        pushes = self._pushes(live)
        excluded = self._excluded(author, live, pushes)
        if not any(_same(_text(label, "name"), self.label) for label in labels):
            return self._pending(f"no `{self.label}` label on this pull request", excluded)
        applied = self._latest_label_event(events)
        if applied is None:
            return self._pending(f"the `{self.label}` label has no `labeled` event whose "
                                 "latest state is applied", excluded)
        actor = applied.get("actor") or {}
        who = _login(actor)
        at = _time(applied.get("created_at"))
        if not who or at is None:
            return self._pending("the label's event names no actor or time", excluded)
        unbound = pushes.unbound(pr.head)
        if unbound:
            return self._pending(f"{unbound}, so no label can be shown to postdate the latest "
                                 "push", excluded)
        pushed, how = self._latest_push(events, pushes)
        if pushed is None:
            return self._pending(f"cannot tell from GitHub when {_short(pr.head)} was pushed "
                                 "(no check suite or push event for it), so no label can be "
                                 "shown to postdate it", excluded)
        if at <= pushed:
            return self._stale(who, at, pushed, how, excluded)
        problem = self._disqualified(actor, applied, excluded)
        if problem:
            return self._pending(f"the label was applied by `{who}`, who {problem}", excluded)
        return Verdict(StageStatus.PASSED,
                       f"approved by `{who}` with `{self.label}` at {_stamp(at)}, after the "
                       f"latest push ({how}, {_stamp(pushed)}; head {_short(pr.head)})")

    # -- facts ------------------------------------------------------------------------------

    def _latest_label_event(self, events: list[Any]) -> dict[str, Any] | None:
        mine = [e for e in events if isinstance(e, dict)
                and e.get("event") in ("labeled", "unlabeled")
                and _same(_get(e, "label", "name"), self.label)]
        mine.sort(key=_order)
        return mine[-1] if mine and mine[-1].get("event") == "labeled" else None

    def _pushes(self, live: Mapping[str, Any]) -> Pushes:
        """The head branch's pushes, from the repository activity of the head's repository."""
        repo, ref = _get(live, "head", "repo", "full_name"), _get(live, "head", "ref")
        owner, _, name = repo.partition("/")
        if not owner or not name or not ref:
            return Pushes(ref, problem="cannot read the pushes to the pull request's head branch "
                                       "(its repository is gone or not readable)")
        where = f"{repo}:{ref}"
        found = self.api.maybe_pages(f"listing the pushes to {where}",
                                     self.api.rest.repos.list_activities, owner, name,
                                     ref=f"refs/heads/{ref}")
        if found is None:
            return Pushes(where, problem=f"cannot read the pushes to {where} (the repository's "
                                         "activity: HTTP 404)")
        mine = [a for a in found if isinstance(a, dict)
                and _text(a, "ref") in (f"refs/heads/{ref}", ref)
                and _time(a.get("timestamp")) is not None]
        mine.sort(key=lambda a: _order(a, "timestamp"))
        return Pushes(where, tuple(mine))

    def _latest_push(self, events: list[Any], pushes: Pushes) -> tuple[datetime | None, str]:
        """The latest time GitHub saw the head pushed, and which record says so."""
        pr, rest = self.pr, self.api.rest
        seen: list[tuple[datetime, str]] = []
        suites = self.api.pages("listing the head commit's check suites",
                                rest.checks.list_suites_for_ref, pr.owner, pr.repo, pr.head,
                                key="check_suites")
        created = [t for t in (_time(s.get("created_at")) for s in suites
                               if isinstance(s, dict) and s.get("head_sha") in (None, pr.head))
                   if t is not None]
        if created:
            seen.append((min(created), "first check suite for the head"))
        for e in events:
            how = _REDRAWN.get(_text(e, "event"))
            stamp = _time(e.get("created_at")) if how else None
            if how and stamp is not None:
                seen.append((stamp, how))
        if self.event.action == "synchronize" and self.event.head == pr.head:
            stamp = _time(self.event.updated_at)
            if stamp is not None:
                seen.append((stamp, "the push that triggered this run"))
        stamp = _time(pushes.entries[-1].get("timestamp")) if pushes.entries else None
        if stamp is not None:
            # Not the branch's name: it is the pull request's to choose (`@team`, `<img/…>`),
            # and this text reaches the raw comment that says why a stale label was removed.
            seen.append((stamp, "the head branch's latest push"))
        if not seen:
            return None, ""
        latest = max(seen, key=lambda s: s[0])
        return latest[0], latest[1]

    def _excluded(self, author: str, live: Mapping[str, Any], pushes: Pushes) -> dict[str, str]:
        """Accounts that may not approve (lower-cased login -> why)."""
        if not self.settings.forbid_author:
            return {}
        out: dict[str, str] = {}
        if author:
            out[author.lower()] = "opened this pull request"
        commits = self.api.pages("listing the pull request's commits", self.api.rest.pulls.
                                 list_commits, self.pr.owner, self.pr.repo, self.pr.number)
        total = live.get("commits")
        if isinstance(total, int) and total > len(commits):
            # GitHub lists at most 250 commits of a pull request: the rest have authors too.
            raise GitHubError(f"the pull request has {total} commits and GitHub lists only "
                              f"{len(commits)}: their authors cannot all be checked")
        for commit in commits:
            for role in ("author", "committer"):
                login = _login(commit.get(role) if isinstance(commit, dict) else None)
                if login and login.lower() not in out:
                    out[login.lower()] = f"is the {role} of commit " \
                                         f"{_short(str(commit.get('sha', '')))}"
        # Whoever pushed the pull request's commits wrote them, whatever email they carry.
        shas = {_text(c, "sha") for c in commits} | {self.pr.head}
        for push in pushes.entries:
            login = _login(push.get("actor"))
            if login and _text(push, "after") in shas and login.lower() not in out:
                out[login.lower()] = f"pushed {_short(_text(push, 'after'))} to {pushes.where}"
        return out

    def _disqualified(self, actor: Mapping[str, Any], applied: Mapping[str, Any],
                      excluded: Mapping[str, str]) -> str:
        """Why the label's actor may not approve (empty when they may)."""
        who = _login(actor)
        allowed_bot = any(_same(who, bot) for bot in self.settings.bots)
        app = applied.get("performed_via_github_app")
        if not allowed_bot:
            if actor.get("type") != "User" or who.lower().endswith("[bot]"):
                return f"is not a person (type {actor.get('type')!r}) nor in approval.bots"
            if app:
                return (f"applied it through the GitHub App {_text(app, 'slug') or '?'}, not "
                        "by hand (list it in approval.bots to allow that)")
        if who.lower() in excluded:
            return excluded[who.lower()]
        if (self.settings.users or self.settings.teams) and not self._listed(who):
            return "is not in approval.users nor an active member of approval.teams"
        role = self._role(who)
        if role not in ROLES or ROLES.index(role) < ROLES.index(self.settings.min_role):
            return f"has the {role} role here; approval.min_role is {self.settings.min_role}"
        return ""

    def _listed(self, who: str) -> bool:
        if any(_same(who, user) for user in self.settings.users):
            return True
        return any(self._active_member(team, who) for team in self.settings.teams)

    def _active_member(self, team: str, who: str) -> bool:
        api = self.teams_api
        if api is None:  # clients() refuses teams without their token; never assume membership
            raise GitHubError("approval.teams needs approval.token_env")
        org, _, slug = team.partition("/")
        if api.maybe(f"reading team {team}", api.rest.teams.get_by_name, org, slug) is None:
            raise GitHubError(f"cannot see team {team} with ${self.settings.token_env}: the token "
                              "needs organisation Members: read (or the team does not exist)")
        found = api.maybe(f"reading {who}'s membership of {team}",
                          api.rest.teams.get_membership_for_user_in_org, org, slug, who)
        return isinstance(found, dict) and found.get("state") == "active"

    def _role(self, who: str) -> str:
        found = self.api.maybe(f"reading {who}'s permission", self.api.rest.repos.
                               get_collaborator_permission_level, self.pr.owner, self.pr.repo, who)
        if not isinstance(found, dict):
            return "none"
        role = _text(found, "role_name").lower()
        if role in ROLES:
            return role
        return _LEGACY.get(_text(found, "permission").lower(), "none")

    # -- verdicts ---------------------------------------------------------------------------

    def _stale(self, who: str, at: datetime, pushed: datetime, how: str,
               excluded: Mapping[str, str]) -> Verdict:
        stale = (f"the `{self.label}` label (applied by `{who}` at {_stamp(at)}) predates the "
                 f"latest push ({how}, {_stamp(pushed)}; head {_short(self.pr.head)})")
        if not self.settings.dismiss_on_push:
            return self._pending(stale, excluded)
        removed = self._dismiss(stale)
        return self._pending(f"{stale}: {removed}", excluded)

    def _dismiss(self, stale: str) -> str:
        """Remove the stale label and say why on the pull request (needs pull-requests: write)."""
        pr, rest = self.pr, self.api.rest
        try:
            self.api.call("removing the stale label", rest.issues.remove_label, pr.owner,
                          pr.repo, pr.number, self.label)
        except GitHubError as exc:
            return (f"the gate could not remove it ({exc}; the token needs pull-requests: "
                    "write), so it stays stale")
        body = (f"draftgate removed the `{self.label}` label: {stale}. An approval counts only "
                "for the code it was given on; review the new commits and apply it again.")
        try:
            self.api.call("commenting on the removal", rest.issues.create_comment, pr.owner,
                          pr.repo, pr.number, body=body)
        except GitHubError as exc:
            return f"the gate removed it (the comment saying why failed: {exc})"
        return "the gate removed it and said why in a comment"

    def _pending(self, reason: str, excluded: Mapping[str, str]) -> Verdict:
        return Verdict(StageStatus.PENDING, f"{reason}. {self._who(excluded)}")

    def _who(self, excluded: Mapping[str, str]) -> str:
        """Who may approve, and how: the message a pending pull request shows."""
        s = self.settings
        parts = []
        if s.users:
            parts.append(", ".join(f"`{u}`" for u in s.users))
        if s.teams:
            parts.append("active members of " + ", ".join(f"`{t}`" for t in s.teams))
        whom = " or ".join(parts) if parts else "anyone"
        text = (f"To approve, {whom} with at least the {s.min_role} role applies the "
                f"`{s.label}` label after the latest push")
        if excluded:
            names = ", ".join(f"`{login}`" for login in sorted(excluded))
            text += (f", but not {names} (authors of this pull request, or authors, committers "
                     "or pushers of its commits)")
        if s.users and not s.teams and all(u.lower() in excluded for u in s.users):
            text += (". Every user in approval.users is excluded here: add another approver "
                     "to approval.users or approval.teams")
        return text + "."


def _order(event: Mapping[str, Any], key: str = "created_at") -> tuple[float, int]:
    """Chronological: GitHub's time, then its event id (ids grow) for events in one second."""
    stamp = _time(event.get(key))
    ident = event.get("id")
    return (stamp.timestamp() if stamp else 0.0, ident if isinstance(ident, int) else 0)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _get(mapping: object, *keys: str) -> str:
    for key in keys:
        mapping = mapping.get(key) if isinstance(mapping, dict) else None
    return mapping if isinstance(mapping, str) else ""


def _text(mapping: object, key: str) -> str:
    return _get(mapping, key)


def _login(user: object) -> str:
    return _get(user, "login")


def _same(a: str, b: str) -> bool:
    """GitHub logins and label names are case-insensitive."""
    return bool(a) and a.casefold() == b.casefold()


def _short(sha: str) -> str:
    return sha[:12] if sha else "(unknown)"
