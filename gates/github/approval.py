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
- it was applied after the latest push, as GitHub recorded it (gates/github/pushes.py: the
  branch's pushes in the repository activity, check suites, force-pushes, a new base branch);
  commit dates are written by whoever made the commit and prove nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gates.changes import PullRequestEvent
from gates.github import pushes as push_records
from gates.github.client import DEFAULT_API, Client, GitHubError
from gates.github.fields import chronological, field, instant, login_of, same, short, stamp
from gates.model import StageStatus
from gates.policy import ROLES, ApprovalSettings

# The collaborator-permission endpoint's legacy ``permission`` field folds triage into read and
# maintain into write; ``role_name`` keeps them apart (and may name a custom role).
_LEGACY = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read",
           "read": "read"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the check concluded: passed (a valid approval), pending (say why), or error."""

    status: StageStatus
    message: str
    actor: str | None = None  # the login whose label passed the check


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
        now_head = field(live, "head", "sha")
        if now_head != pr.head:
            return Verdict(StageStatus.PENDING,
                           f"the pull request's head is now {short(now_head)}, not the "
                           f"{short(pr.head)} this run judged: the run for the new head decides")
        author = login_of(live.get("user"))
        labels = self.api.pages("listing the pull request's labels",
                                rest.issues.list_labels_on_issue, pr.owner, pr.repo, pr.number)
        events = self.api.pages("listing the pull request's events", rest.issues.list_events,
                                pr.owner, pr.repo, pr.number)
        pushes = push_records.read(self.api, live)
        excluded = self._excluded(author, live, pushes)
        if not any(same(field(label, "name"), self.label) for label in labels):
            return self._pending(f"no `{self.label}` label on this pull request", excluded)
        applied = self._latest_label_event(events)
        if applied is None:
            return self._pending(f"the `{self.label}` label has no `labeled` event whose "
                                 "latest state is applied", excluded)
        actor = applied.get("actor") or {}
        who = login_of(actor)
        at = instant(applied.get("created_at"))
        if not who or at is None:
            return self._pending("the label's event names no actor or time", excluded)
        unbound = pushes.unbound(pr.head)
        if unbound:
            return self._pending(f"{unbound}, so no label can be shown to postdate the latest "
                                 "push", excluded)
        pushed, how = push_records.latest(self.api, pr, self.event, events, pushes)
        if pushed is None:
            return self._pending(f"cannot tell from GitHub when {short(pr.head)} was pushed "
                                 "(no check suite or push event for it), so no label can be "
                                 "shown to postdate it", excluded)
        if at <= pushed:
            return self._stale(who, at, pushed, how, excluded)
        problem = self._disqualified(actor, applied, excluded)
        if problem:
            return self._pending(f"the label was applied by `{who}`, who {problem}", excluded)
        return Verdict(StageStatus.PASSED,
                       f"approved by `{who}` with `{self.label}` at {stamp(at)}, after the "
                       f"latest push ({how}, {stamp(pushed)}; head {short(pr.head)})", who)

    # -- facts ------------------------------------------------------------------------------

    def _latest_label_event(self, events: list[Any]) -> dict[str, Any] | None:
        mine = [e for e in events if isinstance(e, dict)
                and e.get("event") in ("labeled", "unlabeled")
                and same(field(e, "label", "name"), self.label)]
        mine.sort(key=chronological)
        return mine[-1] if mine and mine[-1].get("event") == "labeled" else None

    def _excluded(self, author: str, live: Mapping[str, Any],
                  pushes: push_records.Pushes) -> dict[str, str]:
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
                login = login_of(commit.get(role) if isinstance(commit, dict) else None)
                if login and login.lower() not in out:
                    out[login.lower()] = f"is the {role} of commit " \
                                         f"{short(str(commit.get('sha', '')))}"
        # Whoever pushed the pull request's commits wrote them, whatever email they carry.
        shas = {field(c, "sha") for c in commits} | {self.pr.head}
        return {**pushes.pushers(shas), **out}

    def _disqualified(self, actor: Mapping[str, Any], applied: Mapping[str, Any],
                      excluded: Mapping[str, str]) -> str:
        """Why the label's actor may not approve (empty when they may)."""
        who = login_of(actor)
        allowed_bot = any(same(who, bot) for bot in self.settings.bots)
        app = applied.get("performed_via_github_app")
        if not allowed_bot:
            if actor.get("type") != "User" or who.lower().endswith("[bot]"):
                return f"is not a person (type {actor.get('type')!r}) nor in approval.bots"
            if app:
                return (f"applied it through the GitHub App {field(app, 'slug') or '?'}, not "
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
        if any(same(who, user) for user in self.settings.users):
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
        role = field(found, "role_name").lower()
        if role in ROLES:
            return role
        return _LEGACY.get(field(found, "permission").lower(), "none")

    # -- verdicts ---------------------------------------------------------------------------

    def _stale(self, who: str, at: datetime, pushed: datetime, how: str,
               excluded: Mapping[str, str]) -> Verdict:
        stale = (f"the `{self.label}` label (applied by `{who}` at {stamp(at)}) predates the "
                 f"latest push ({how}, {stamp(pushed)}; head {short(self.pr.head)})")
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
        line = (f"To approve, {whom} with at least the {s.min_role} role applies the "
                f"`{s.label}` label after the latest push")
        if excluded:
            names = ", ".join(f"`{login}`" for login in sorted(excluded))
            line += (f", but not {names} (authors of this pull request, or authors, committers "
                     "or pushers of its commits)")
        if s.users and not s.teams and all(u.lower() in excluded for u in s.users):
            line += (". Every user in approval.users is excluded here: add another approver "
                     "to approval.users or approval.teams")
        return line + "."

