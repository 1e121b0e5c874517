"""Attacks on the pull-request gate: an agent (or its operator) that wants a high-tier pull request
merged without a valid human approval, or the gate to tell reviewers something false.

Each test plays one trick against the GitHub stand-in on 127.0.0.1 (tests/github_fake.py) and
asserts the gate holds: the approval stays pending, the API's misbehaviour is a tool failure (never
a pass, a hang or a traceback), the sticky comment stays the gate's own, and text from the change
commands nothing.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gates.changes import PullRequestEvent
from gates.github.approval import Check, Target
from gates.github.client import BoundedRetry, Client, GitHubError
from gates.github.comment import upsert
from gates.model import StageStatus
from gates.policy import ApprovalSettings
from gates.report.markdown import MARKER
from tests import github_fake
from tests.github_fake import FakeGitHub, commit

from .conftest import Repo

PUSHED = "2026-11-20T10:00:00Z"
AFTER = "2026-11-20T11:00:00Z"
LATER = "2026-11-20T12:00:00Z"
OLD_HEAD = "e" * 40
PENDING, PASSED = StageStatus.PENDING, StageStatus.PASSED


@pytest.fixture
def gh() -> FakeGitHub:
    state = FakeGitHub()
    state.commits = [commit(state.head, "drafter")]
    state.suites = [PUSHED]
    state.grant("alice", "write")
    state.grant("drafter", "admin")
    return state


@pytest.fixture
def url(gh: FakeGitHub) -> Iterator[str]:
    yield from github_fake.serve(gh)


def api(gh: FakeGitHub, url: str, *, timeout: float = 30.0) -> Client:
    return Client(gh.token, url, timeout=timeout, retry=BoundedRetry(base_delay=0.01, max_wait=2))


def check(gh: FakeGitHub, url: str, settings: ApprovalSettings | None = None, *,
          action: str = "labeled", client: Client | None = None) -> tuple[StageStatus, str]:
    event = PullRequestEvent("b" * 40, gh.head, gh.branch, gh.number,
                             repository=f"{gh.owner}/{gh.repo}", action=action)
    verdict = Check(client or api(gh, url), None, Target(gh.owner, gh.repo, gh.number, gh.head),
                    settings or ApprovalSettings(), event).run()
    return verdict.status, verdict.message


# -- binding the label to the head: pushes GitHub saw ------------------------------------------

def _pushed_to_a_scratch_branch_first(gh: FakeGitHub) -> None:
    # The head's check suites date from a push to another branch, before the review.
    gh.suites = ["2026-11-20T09:00:00Z"]
    gh.push("drafter", PUSHED, after=OLD_HEAD)


def _pushed_then_reset_before_the_review(gh: FakeGitHub) -> None:
    # The head was on this branch once, then force-pushed away to the head the reviewer saw.
    gh.push("drafter", PUSHED)
    gh.push("drafter", "2026-11-20T10:30:00Z", after=OLD_HEAD, kind="force_push")
    gh.events.append(github_fake.event("head_ref_force_pushed", "drafter",
                                       "2026-11-20T10:30:00Z"))


@pytest.mark.parametrize("history", [_pushed_to_a_scratch_branch_first,
                                     _pushed_then_reset_before_the_review])
def test_a_fast_forward_to_an_older_commit_after_the_label_is_a_push(gh: FakeGitHub, url: str,
                                                                     history: object) -> None:
    # Then the reviewer approves the older head, the agent fast-forwards the branch to this
    # head (no force-push event, check suites older than the label) and applies another label
    # at once, so the run that judges is a `labeled` run, not the `synchronize` one it cancels.
    history(gh)  # type: ignore[operator]
    gh.label("alice", AFTER)
    gh.push("drafter", LATER)
    status, message = check(gh, url)
    assert status is PENDING, message
    assert "predates the latest push" in message
    assert "gate:approved" not in gh.labels  # dismissed, with the reason
    assert "removed the `gate:approved` label" in gh.comments[-1]["body"]


@pytest.mark.parametrize("kind", ["base_ref_changed", "automatic_base_change_succeeded"])
def test_a_new_base_after_the_label_is_a_new_change(gh: FakeGitHub, url: str, kind: str) -> None:
    # Opened against a branch that already holds the agent's other commits, the pull request
    # showed the reviewer one harmless commit; retargeted at main, the same head brings them all.
    gh.label("alice", AFTER)
    gh.events.append(github_fake.event(kind, "drafter", LATER))
    status, message = check(gh, url)
    assert status is PENDING and "base branch" in message, message


def test_the_branch_name_never_reaches_the_removal_comment(gh: FakeGitHub, url: str) -> None:
    # A branch name is the pull request's to choose, and git allows `@` and `<` in it.
    gh.branch = "x-@acme/admins-<img/src=//evil.example/p.png>"
    gh.push("drafter", "2026-11-20T10:10:00Z")  # later than the check suite: it dates the push
    gh.label("alice", "2026-11-20T10:05:00Z")
    status, message = check(gh, url)
    assert status is PENDING and "predates" in message, message
    body = gh.comments[-1]["body"]
    assert "removed the `gate:approved` label" in body
    assert "@" not in body and "<" not in body


def test_a_branch_that_moved_past_the_judged_head_is_not_approved(gh: FakeGitHub,
                                                                  url: str) -> None:
    # GitHub recorded a later push than the head the pull request still shows.
    gh.push("drafter", PUSHED)
    gh.label("alice", AFTER)
    gh.push("drafter", LATER, after="f" * 40)
    status, message = check(gh, url)
    assert status is PENDING and "ffffffffffff" in message, message


def test_pushes_that_cannot_be_read_bind_nothing(gh: FakeGitHub, url: str) -> None:
    gh.head_repo = None  # the head's repository was deleted (or cannot be read)
    gh.label("alice", AFTER)
    status, message = check(gh, url)
    assert status is PENDING and "cannot read the pushes" in message, message


@pytest.mark.parametrize(("labelled", "passes", "shown"), [
    # the push's own second: not shown to be after it
    ("2026-11-20T10:00:00Z", False, "10:00:00 UTC"),
    # 09:30 UTC, though the text sorts after the push (and reads 10:30)
    ("2026-11-20T10:30:00+01:00", False, "09:30:00 UTC"),
    # 10:30 UTC, though the text sorts before it
    ("2026-11-20T06:30:00-04:00", True, "10:30:00 UTC"),
    ("2026-11-20T10:00:00.500Z", True, "10:00:00 UTC"),
])
def test_times_compare_as_instants_not_text(gh: FakeGitHub, url: str, labelled: str,
                                           passes: bool, shown: str) -> None:
    gh.label("alice", labelled)
    status, message = check(gh, url, ApprovalSettings(dismiss_on_push=False))
    assert (status is PASSED) is passes, message
    assert f"at 2026-11-20 {shown}" in message  # the reviewer reads the instant, in UTC


def test_events_in_one_second_are_ordered_by_their_ids_not_the_listing(gh: FakeGitHub,
                                                                       url: str) -> None:
    # alice applies the label, the drafter removes and re-applies it, all in one second, and
    # the API lists them newest first: the drafter's application is the one that stands.
    gh.label("alice", AFTER)
    gh.unlabel("drafter", AFTER)
    gh.label("drafter", AFTER)
    gh.events.reverse()
    status, message = check(gh, url)
    assert status is PENDING and "`drafter`, who opened this pull request" in message, message


def test_a_label_renamed_to_the_approval_label_was_never_applied_as_one(gh: FakeGitHub,
                                                                        url: str) -> None:
    # alice applied "needs-work"; an agent with write access renamed that label to the approval
    # label. The events keep the name it had when it was applied.
    gh.label("alice", AFTER, name="needs-work")
    gh.labels = ["gate:approved"]
    status, message = check(gh, url)
    assert status is PENDING and "no `labeled` event" in message, message


# -- who applied it ----------------------------------------------------------------------------

def test_the_pusher_of_commits_github_links_to_no_one_cannot_approve(gh: FakeGitHub,
                                                                     url: str) -> None:
    # A person opened the pull request; the agent's machine account (type User, write access)
    # pushed commits whose email no account claims, so no commit names it. It pushed them all
    # the same, and applies the label.
    gh.author = "operator"
    gh.commits = [commit(gh.head, None)]
    gh.push("agent-machine", PUSHED)
    gh.grant("agent-machine", "write")
    gh.label("agent-machine", AFTER)
    status, message = check(gh, url)
    assert status is PENDING and "`agent-machine`, who pushed" in message, message


def test_a_committer_counts_when_the_author_is_linked_to_no_one(gh: FakeGitHub,
                                                                url: str) -> None:
    gh.commits = [commit(gh.head, None, "alice")]
    gh.label("alice", AFTER)
    status, message = check(gh, url)
    assert status is PENDING and "committer of commit" in message, message


@pytest.mark.parametrize("kind", ["Organization", "Mannequin"])
def test_accounts_that_are_not_people_cannot_approve(gh: FakeGitHub, url: str, kind: str) -> None:
    gh.grant("imported", "admin")
    gh.label("imported", AFTER, actor_type=kind)
    status, message = check(gh, url)
    assert status is PENDING and "not a person" in message, message


def test_a_deleted_actor_is_no_approver(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    gh.events[-1]["actor"] = None
    status, message = check(gh, url)
    assert status is PENDING and "names no actor" in message, message


# -- an API that misbehaves --------------------------------------------------------------------

def test_a_next_page_on_another_host_is_not_followed(gh: FakeGitHub, url: str) -> None:
    elsewhere = FakeGitHub()
    server = github_fake.serve(elsewhere)
    other = next(server)
    try:
        gh.link_host = other.removeprefix("http://")
        for i in range(120):
            gh.events.append(github_fake.event("labeled", "someone", PUSHED, label=f"x-{i}"))
        with pytest.raises(GitHubError, match="another host"):
            check(gh, url)
        assert elsewhere.requests == []  # the token never went there
    finally:
        server.close()


def test_an_endless_chain_of_empty_pages_ends_in_a_tool_failure(gh: FakeGitHub,
                                                                url: str) -> None:
    gh.endless = "/events"
    started = time.monotonic()
    with pytest.raises(GitHubError, match="pages"):
        check(gh, url)
    assert time.monotonic() - started < 10
    assert sum(1 for _, p in gh.requests if p.endswith("/events")) <= 100


def test_a_body_that_is_not_what_github_sends_is_never_a_pass(gh: FakeGitHub, url: str) -> None:
    gh.label("alice", AFTER)
    gh.failures = [(200, {}, "<html>upstream proxy</html>")]
    with pytest.raises(GitHubError, match="reading the pull request"):
        check(gh, url)
    gh.failures = [(200, {}, '{"message": "Server Error"}')]  # a 200 that is an error
    assert check(gh, url)[0] is PENDING


@pytest.mark.parametrize("after", ["Wed, 21 Oct 2026 07:28:00 GMT", "99999999999"])
def test_a_retry_after_that_is_a_date_or_huge_is_a_tool_failure_at_once(gh: FakeGitHub, url: str,
                                                                        after: str) -> None:
    gh.failures = [(403, {"Retry-After": after},
                    '{"message": "You have exceeded a secondary rate limit."}')]
    started = time.monotonic()
    with pytest.raises(GitHubError):
        check(gh, url)
    assert time.monotonic() - started < 5


def test_a_rate_limit_reset_in_the_past_is_retried_at_once(gh: FakeGitHub, url: str) -> None:
    # githubkit reads a zero wait as "no wait given" and would sleep a minute.
    gh.label("alice", AFTER)
    gh.failures = [(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000"},
                    '{"message": "API rate limit exceeded"}')]
    started = time.monotonic()
    status, message = check(gh, url)
    assert status is PASSED, message
    assert time.monotonic() - started < 5


def test_an_api_that_never_answers_is_a_tool_failure_in_bounded_time(gh: FakeGitHub,
                                                                     url: str) -> None:
    gh.delay = 1.0
    started = time.monotonic()
    with pytest.raises(GitHubError, match=r"timed out|Timeout"):
        check(gh, url, client=api(gh, url, timeout=0.2))
    assert time.monotonic() - started < 5


# -- the sticky comment ------------------------------------------------------------------------

def test_a_marked_comment_of_another_app_is_not_taken_over(gh: FakeGitHub, url: str) -> None:
    # The coding agent is a GitHub App too: its comment carries the marker and claims a pass.
    # Were the gate to edit it, the agent (its author) could rewrite the gate's words at will.
    forged = f"{MARKER}\n### draftgate: ✅ PASS"
    gh.comments.append({"id": 1, "body": forged,
                        "user": github_fake.user("coding-agent[bot]", "Bot")})
    pr = Target(gh.owner, gh.repo, gh.number, gh.head)
    upsert(api(gh, url), pr, f"{MARKER}\nfirst", MARKER)
    upsert(api(gh, url), pr, f"{MARKER}\nsecond", MARKER)
    assert gh.comments[0]["body"] == forged
    ours = [c for c in gh.comments if c["user"]["login"] == "github-actions[bot]"]
    assert [c["body"] for c in ours] == [f"{MARKER}\nsecond"]


# -- the whole run: text from the change reaches GitHub as text ---------------------------------

HOSTILE = ("ok = is_authenticated  # @acme/admins ![x](https://evil.example/p.png) "
           "<img src=x onerror=alert(1)> <!-- draftgate:sticky-comment --> ##[error]forged\n"
           'NOTE = """\n::set-output name=outcome::pass\n::error::forged\n"""\n')


def _outside_code(markdown: str) -> str:
    """The Markdown with every inline code span removed: what GitHub would render."""
    return re.sub(r"(`+) .*? \1", "", markdown)


def test_hostile_text_reaches_comment_summary_and_log_as_text(seeded: Repo, gh: FakeGitHub,
                                                              url: str, tmp_path: Path) -> None:
    base = seeded.git("rev-parse", "HEAD").strip()
    seeded.git("checkout", "-q", "-b", "feature")
    seeded.write("app/sign.py", HOSTILE)
    gh.head = seeded.commit("::warning::from a commit message @acme/admins")
    gh.commits = [commit(gh.head, "drafter")]
    event = tmp_path / "event.json"
    event.write_text(json.dumps({
        "action": "labeled", "number": gh.number,
        "repository": {"full_name": f"{gh.owner}/{gh.repo}"},
        "pull_request": {"number": gh.number, "base": {"sha": base, "ref": "main"},
                         "head": {"sha": gh.head, "ref": "feature"}}}))
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    done = seeded.gate("check", "--pr", "--comment", "--format", "json", env={
        "GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request_target",
        "GITHUB_TOKEN": gh.token, "GITHUB_API_URL": url, "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_REPOSITORY": f"{gh.owner}/{gh.repo}"})
    assert done.returncode in (0, 3), done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    (body,) = [c["body"] for c in gh.comments]
    assert body.startswith(MARKER + "\n") and body.count("<!--") == 1
    assert "is_authenticated" in body  # quoted, as code
    for rendered in (_outside_code(body.removeprefix(MARKER)), _outside_code(summary.read_text())):
        for token in ("@acme", "![", "<img", "<!--", "https://evil"):
            assert token not in rendered
    # The log: stdout is one JSON document, stderr the gate's own commands, one a line.
    json.loads(done.stdout)
    for stream in (done.stdout, done.stderr):
        assert "##[" not in stream
        assert not re.search(r"^::(?!error |warning |notice )", stream, re.M), stream
    outputs = re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", output.read_text(), re.M | re.S)
    assert [key for key, _, _ in outputs] == ["outcome", "tier", "lane", "exit-code"]
    assert len(output.read_text().splitlines()) == 3 * len(outputs)
