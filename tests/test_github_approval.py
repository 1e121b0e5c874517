"""The live approval check against a GitHub stand-in on 127.0.0.1 (gates/github/approval.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gates.changes import PullRequestEvent
from gates.github.approval import Check, Target, clients
from gates.github.client import BoundedRetry, Client, GitHubError
from gates.model import StageStatus
from gates.policy import ApprovalSettings
from tests import github_fake
from tests.github_fake import FakeGitHub, commit

PUSHED = "2026-11-20T10:00:00Z"
AFTER = "2026-11-20T11:00:00Z"
BEFORE = "2026-11-20T09:00:00Z"


@pytest.fixture
def gh() -> FakeGitHub:
    state = FakeGitHub()
    state.commits = [commit("c" * 40, "drafter"), commit("d" * 40, "agent-bot-account",
                                                        "ci-committer")]
    state.suites = [PUSHED, "2026-11-20T10:05:00Z"]
    state.grant("alice", "write")
    state.grant("drafter", "admin")
    return state


@pytest.fixture
def url(gh: FakeGitHub) -> Iterator[str]:
    yield from github_fake.serve(gh)


def check(gh: FakeGitHub, url: str, settings: ApprovalSettings | None = None, *,
          action: str = "labeled", updated_at: str | None = None,
          teams_token: str | None = None) -> tuple[StageStatus, str]:
    settings = settings or ApprovalSettings()
    retry = BoundedRetry(base_delay=0.01, max_wait=2)
    api = Client(FakeGitHub.token, url, retry=retry)
    teams = Client(teams_token, url, retry=retry) if teams_token else None
    event = PullRequestEvent("b" * 40, gh.head, "feature", gh.number,
                             repository=f"{gh.owner}/{gh.repo}", action=action,
                             updated_at=updated_at)
    verdict = Check(api, teams, Target(gh.owner, gh.repo, gh.number, gh.head), settings,
                    event).run()
    return verdict.status, verdict.message


def test_a_writer_labelling_after_the_push_approves(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    status, message = check(gh, url)
    assert status is StageStatus.PASSED, message
    assert "approved by `alice`" in message and "first check suite" in message


def test_no_label_is_pending_and_says_who_may_approve(gh: FakeGitHub, url: str) -> None:
    status, message = check(gh, url)
    assert status is StageStatus.PENDING
    assert "no `gate:approved` label" in message
    assert "write role" in message and "`drafter`" in message  # excluded: the author


@pytest.mark.parametrize(("actor", "why"), [
    ("drafter", "opened this pull request"),
    ("agent-bot-account", "author of commit"),
    ("ci-committer", "committer of commit"),
])
def test_authors_of_the_pr_or_its_commits_cannot_approve(gh: FakeGitHub, url: str, actor: str,
                                                         why: str) -> None:
    gh.grant(actor, "admin")
    gh.label(actor, AFTER)
    status, message = check(gh, url)
    assert status is StageStatus.PENDING
    assert why in message


def test_forbid_author_false_lets_the_author_approve(gh: FakeGitHub, url: str) -> None:
    gh.label("drafter", AFTER)
    status, message = check(gh, url, ApprovalSettings(forbid_author=False))
    assert status is StageStatus.PASSED, message


def test_a_bot_cannot_approve_unless_listed(gh: FakeGitHub, url: str) -> None:
    gh.grant("release-bot[bot]", "admin")
    gh.label("release-bot[bot]", AFTER, actor_type="Bot")
    assert check(gh, url)[0] is StageStatus.PENDING
    status, message = check(gh, url, ApprovalSettings(bots=("release-bot[bot]",)))
    assert status is StageStatus.PASSED, message


def test_a_person_acting_through_an_app_is_not_a_hand_applied_label(gh: FakeGitHub,
                                                                     url: str) -> None:
    gh.label("alice", AFTER, app="coding-agent")
    status, message = check(gh, url)
    assert status is StageStatus.PENDING and "coding-agent" in message


@pytest.mark.parametrize(("role", "ok"), [("triage", False), ("read", False), ("write", True),
                                          ("maintain", True), ("admin", True)])
def test_role_is_read_from_role_name(gh: FakeGitHub, url: str, role: str, ok: bool) -> None:
    gh.grant("bob", role)
    gh.label("bob", AFTER)
    status, message = check(gh, url)
    assert (status is StageStatus.PASSED) is ok, message


def test_min_role_maintain_refuses_a_writer(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    status, message = check(gh, url, ApprovalSettings(min_role="maintain"))
    assert status is StageStatus.PENDING and "min_role is maintain" in message


def test_custom_role_falls_back_to_the_legacy_permission(gh: FakeGitHub, url: str) -> None:
    gh.roles["carol"] = ("security-reviewer", "read")  # a custom role based on triage
    gh.label("carol", AFTER)
    assert check(gh, url)[0] is StageStatus.PENDING
    gh.roles["carol"] = ("security-reviewer", "write")
    assert check(gh, url)[0] is StageStatus.PASSED


def test_outsider_without_access_cannot_approve(gh: FakeGitHub, url: str) -> None:
    gh.label("stranger", AFTER)
    status, message = check(gh, url)
    assert status is StageStatus.PENDING and "none role" in message


def test_users_list_limits_who_may_approve(gh: FakeGitHub, url: str) -> None:
    gh.grant("bob", "admin")
    gh.label("bob", AFTER)
    status, message = check(gh, url, ApprovalSettings(users=("alice",)))
    assert status is StageStatus.PENDING and "not in approval.users" in message
    gh.label("ALICE", "2026-11-20T12:00:00Z")  # logins are case-insensitive
    status, message = check(gh, url, ApprovalSettings(users=("alice",)))
    assert status is StageStatus.PASSED, message


def test_every_listed_approver_excluded_is_said(gh: FakeGitHub, url: str) -> None:
    status, message = check(gh, url, ApprovalSettings(users=("drafter",)))
    assert status is StageStatus.PENDING
    assert "Every user in approval.users is excluded" in message


def test_team_membership_must_be_active(gh: FakeGitHub, url: str) -> None:
    gh.teams["acme/security"] = {"alice": "active", "bob": "pending"}
    gh.grant("bob", "write")
    settings = ApprovalSettings(teams=("acme/security",), token_env="TEAMS")
    gh.label("bob", AFTER)
    status, message = check(gh, url, settings, teams_token=gh.teams_token)
    assert status is StageStatus.PENDING and "active member" in message
    gh.label("alice", "2026-11-20T12:00:00Z")
    status, message = check(gh, url, settings, teams_token=gh.teams_token)
    assert status is StageStatus.PASSED, message


def test_teams_with_a_token_that_cannot_read_them_is_a_tool_failure(gh: FakeGitHub,
                                                                     url: str) -> None:
    gh.teams["acme/security"] = {"alice": "active"}
    gh.label("alice", AFTER)
    settings = ApprovalSettings(teams=("acme/security",), token_env="TEAMS")
    with pytest.raises(GitHubError, match=r"Members: read"):
        check(gh, url, settings, teams_token=gh.token)  # the workflow token sees no teams


def test_teams_without_token_env_is_a_tool_failure() -> None:
    settings = ApprovalSettings(teams=("acme/security",))
    with pytest.raises(GitHubError, match=r"approval\.token_env is not set"):
        clients(settings, {"GITHUB_TOKEN": "x"})
    with pytest.raises(GitHubError, match=r"\$TEAMS is empty"):
        clients(ApprovalSettings(teams=("acme/security",), token_env="TEAMS"),
                {"GITHUB_TOKEN": "x", "TEAMS": ""})


def test_label_before_the_push_is_stale_and_removed_with_a_comment(gh: FakeGitHub,
                                                                   url: str) -> None:
    gh.label("alice", BEFORE)
    status, message = check(gh, url)
    assert status is StageStatus.PENDING
    assert "predates the latest push" in message and "removed it" in message
    assert "gate:approved" not in gh.labels
    assert len(gh.comments) == 1 and "removed the `gate:approved` label" in gh.comments[0]["body"]


def test_stale_label_without_write_access_stays_and_says_so(gh: FakeGitHub, url: str) -> None:
    gh.write = False
    gh.label("alice", BEFORE)
    status, message = check(gh, url)
    assert status is StageStatus.PENDING and "could not remove it" in message
    assert "gate:approved" in gh.labels


def test_dismiss_on_push_false_leaves_the_stale_label(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", BEFORE)
    status, message = check(gh, url, ApprovalSettings(dismiss_on_push=False))
    assert status is StageStatus.PENDING and "predates" in message
    assert "gate:approved" in gh.labels and not gh.comments


def test_force_push_back_to_an_old_commit_is_a_push(gh: FakeGitHub, url: str) -> None:
    # The head's check suite is old (the commit was pushed before), the label came after it,
    # but the branch was force-pushed back to this commit after the label.
    gh.label("alice", AFTER)
    gh.events.append(github_fake.event("head_ref_force_pushed", "drafter",
                                       "2026-11-20T12:00:00Z"))
    status, message = check(gh, url)
    assert status is StageStatus.PENDING and "force-push" in message


def test_the_synchronize_that_triggered_the_run_counts_as_a_push(gh: FakeGitHub,
                                                                 url: str) -> None:
    gh.label("alice", AFTER)
    status, _ = check(gh, url, action="synchronize", updated_at="2026-11-20T11:30:00Z")
    assert status is StageStatus.PENDING


def test_no_record_of_the_push_means_no_approval(gh: FakeGitHub, url: str) -> None:
    gh.suites = []
    gh.label("alice", AFTER)
    status, message = check(gh, url)
    assert status is StageStatus.PENDING and "cannot tell from GitHub when" in message


def test_label_removed_is_pending(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    gh.unlabel("alice", "2026-11-20T11:10:00Z")
    status, message = check(gh, url)
    assert status is StageStatus.PENDING and "no `gate:approved` label" in message


def test_relabelled_by_someone_else_counts_the_latest_actor(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    gh.unlabel("drafter", "2026-11-20T11:10:00Z")
    gh.label("drafter", "2026-11-20T11:20:00Z")
    status, message = check(gh, url)
    assert status is StageStatus.PENDING and "`drafter`" in message


def test_a_head_that_moved_on_is_not_judged_by_this_run(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    judged = gh.head
    gh.head = "e" * 40
    gh.suites = [PUSHED]
    api = Client(gh.token, url, retry=BoundedRetry(base_delay=0.01))
    event = PullRequestEvent("b" * 40, judged, None, gh.number)
    verdict = Check(api, None, Target(gh.owner, gh.repo, gh.number, judged), ApprovalSettings(),
                    event).run()
    assert verdict.status is StageStatus.PENDING and "head is now eeeeeeeeeeee" in verdict.message


def test_pagination_reads_every_event(gh: FakeGitHub, url: str) -> None:
    # 450 unrelated events first: the label's event is on the fifth page of 100.
    for i in range(450):
        gh.events.append(github_fake.event("labeled", "someone", f"2026-11-19T00:00:{i % 60:02d}Z",
                                           label=f"area-{i}"))
    gh.label("alice", AFTER)
    status, message = check(gh, url)
    assert status is StageStatus.PASSED, message
    pages = [p for m, p in gh.requests if p.endswith("/events")]
    assert len(pages) == 5


def test_too_many_commits_to_list_is_a_tool_failure(gh: FakeGitHub, url: str) -> None:
    gh.commit_count = 300
    gh.label("alice", AFTER)
    with pytest.raises(GitHubError, match="300 commits"):
        check(gh, url)


def test_server_errors_are_retried_then_succeed(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    gh.failures = [(502, {}, '{"message": "Bad Gateway"}'), (503, {}, "")]
    status, message = check(gh, url)
    assert status is StageStatus.PASSED, message


def test_secondary_rate_limit_is_retried_after_its_wait(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    gh.failures = [(403, {"Retry-After": "1"},
                    '{"message": "You have exceeded a secondary rate limit."}'),
                   (429, {"Retry-After": "0"}, '{"message": "slow down"}')]
    assert check(gh, url)[0] is StageStatus.PASSED


def test_persistent_server_errors_are_a_tool_failure(gh: FakeGitHub, url: str) -> None:
    gh.failures = [(500, {}, '{"message": "boom"}')] * 10
    with pytest.raises(GitHubError, match="HTTP 500"):
        check(gh, url)


def test_a_primary_limit_far_away_is_not_waited_for(gh: FakeGitHub, url: str) -> None:
    gh.failures = [(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"},
                    '{"message": "API rate limit exceeded"}')]
    with pytest.raises(GitHubError, match="not waiting"):
        check(gh, url)


def test_bad_credentials_are_a_tool_failure(gh: FakeGitHub, url: str) -> None:
    gh.token = "something-else"
    with pytest.raises(GitHubError, match="HTTP 401"):
        check(gh, url)
