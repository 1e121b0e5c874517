"""`gate check --pr` end to end: a real repository, a real event file, the Actions environment, and
a GitHub stand-in on 127.0.0.1 (the CLI's contract: exit codes, outputs, summary, annotations,
the sticky comment, and a log the change cannot command)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import github_fake
from tests.github_fake import FakeGitHub, commit

from .conftest import Repo
from .test_sast import VULNERABLE

PUSHED = "2026-11-20T10:00:00Z"
AFTER = "2026-11-20T11:00:00Z"


@dataclass
class PullRequest:
    repo: Repo
    gh: FakeGitHub
    env: dict[str, str]
    out: Path
    summary: Path

    def gate(self, *args: str, event_name: str = "pull_request_target",
             **extra: str) -> tuple[int, str, str]:
        env = {**self.env, "GITHUB_EVENT_NAME": event_name, **extra}
        done = self.repo.gate("check", "--pr", *args, env=env)
        return done.returncode, done.stdout, done.stderr

    def outputs(self) -> dict[str, str]:
        found = re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", self.out.read_text(), re.M | re.S)
        return {key: value for key, _, value in found}


@pytest.fixture
def gh() -> FakeGitHub:
    state = FakeGitHub()
    state.suites = [PUSHED]
    state.grant("alice", "write")
    return state


@pytest.fixture
def url(gh: FakeGitHub) -> Iterator[str]:
    yield from github_fake.serve(gh)


def open_pr(seeded: Repo, gh: FakeGitHub, url: str, tmp_path: Path,
            files: dict[str, str]) -> PullRequest:
    """A branch with ``files`` changed, its event file, and the Actions environment."""
    base = seeded.git("rev-parse", "HEAD").strip()
    seeded.git("checkout", "-q", "-b", "feature")
    for path, text in files.items():
        seeded.write(path, text)
    head = seeded.commit("the change")
    gh.head = head
    gh.commits = [commit(head, "drafter")]
    event = tmp_path / "event.json"
    event.write_text(json.dumps({
        "action": "synchronize", "number": gh.number,
        "repository": {"full_name": f"{gh.owner}/{gh.repo}"},
        "pull_request": {"number": gh.number, "updated_at": "2026-11-20T09:59:00Z",
                         "user": {"login": gh.author, "type": "User"},
                         "labels": [{"name": "gate:approved"}],  # frozen: must not count
                         "base": {"sha": base, "ref": "main"},
                         "head": {"sha": head, "ref": "feature"}}}))
    out, summary = tmp_path / "output.txt", tmp_path / "summary.md"
    env = {"GITHUB_EVENT_PATH": str(event), "GITHUB_TOKEN": gh.token, "GITHUB_API_URL": url,
           "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(out),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_REPOSITORY": "acme/widgets"}
    return PullRequest(seeded, gh, env, out, summary)


AUTH = {"auth/session.py": "TTL = 5\n\n\ndef renew(token):\n    return token\n"}


def test_valid_approval_passes_and_fills_outputs_summary_and_annotations(
        seeded: Repo, gh: FakeGitHub, url: str, tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, AUTH)
    gh.label("alice", AFTER)
    code, stdout, stderr = pr.gate()
    assert code == 0, stdout + stderr
    outputs = pr.outputs()
    assert outputs == {"outcome": "pass", "tier": "high", "lane": "sast,deps,review,approval",
                       "exit-code": "0"}
    summary = pr.summary.read_text()
    assert "approved by" in summary and "alice" in summary
    assert "<!-- draftgate:sticky-comment -->" not in summary  # the marker is the comment's
    assert re.search(r"^::notice file=auth/session\.py", stdout, re.M)


def test_the_record_goes_to_a_json_lines_file_named_in_the_outputs(
        seeded: Repo, gh: FakeGitHub, url: str, tmp_path: Path) -> None:
    from gates.audit import jsonl
    from gates.audit.read import load

    pr = open_pr(seeded, gh, url, tmp_path, AUTH)
    gh.label("alice", AFTER)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    code, stdout, stderr = pr.gate(RUNNER_TEMP=str(runner_temp))
    assert code == 0, stdout + stderr
    written = Path(pr.outputs()["record"])
    assert written == runner_temp / "draftgate-record.jsonl"
    ((_, record),) = list(jsonl.read(written))
    assert record["approval"] == {"status": "passed", "actor": "alice"}
    assert record["repository"] == "acme/widgets" and record["source"]["kind"] == "pull-request"
    assert record["source"]["pr_number"] == gh.number and record["exit_code"] == 0
    doc = load(files=[written], log=None, since=None, until=None)
    assert doc["approvals"]["by"] == [{"actor": "alice", "approvals": 1}]
    assert doc["repositories"] == [{"repository": "acme/widgets", "decisions": 1, "blocked": 0}]


def test_no_label_is_pending_with_who_may_approve(seeded: Repo, gh: FakeGitHub, url: str,
                                                   tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, AUTH)
    code, stdout, stderr = pr.gate()
    assert code == 3, stdout + stderr
    assert pr.outputs()["outcome"] == "pending"
    assert "gate:approved" in stdout and "write role" in stdout
    # The event payload lists the label (a re-run replays it frozen): it was never believed.
    assert ("GET", f"/repos/acme/widgets/issues/{gh.number}/labels") in gh.requests


def test_a_blocking_finding_blocks_whatever_the_label(seeded: Repo, gh: FakeGitHub, url: str,
                                                      tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, {**AUTH, "auth/db.py": VULNERABLE})
    gh.label("alice", AFTER)
    code, stdout, stderr = pr.gate()
    assert code == 1, stdout + stderr
    assert pr.outputs()["outcome"] == "block"
    assert re.search(r"^::error file=auth/db\.py,line=\d+", stdout, re.M)
    # No approval is asked for, or read, for a change that cannot pass.
    assert not any(p.endswith("/events") for _, p in gh.requests)


def test_a_pr_cannot_relax_its_own_policy(seeded: Repo, gh: FakeGitHub, url: str,
                                          tmp_path: Path) -> None:
    seeded.write(".gate.yaml", "version: 1\nextends: default\n")
    seeded.commit("policy")
    relaxed = ("version: 1\nextends: default\nlanes:\n  low: []\n  medium: []\n  high: []\n"
               "approval:\n  min_role: read\n")
    pr = open_pr(seeded, gh, url, tmp_path, {**AUTH, ".gate.yaml": relaxed})
    gh.grant("reader", "read")
    gh.label("reader", AFTER)
    code, stdout, _ = pr.gate()
    assert code == 3, stdout
    assert pr.outputs()["lane"] == "sast,deps,review,approval"
    assert "read role here; approval.min_role is write" in stdout


def test_sticky_comment_is_updated_in_place(seeded: Repo, gh: FakeGitHub, url: str,
                                            tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, AUTH)
    # Someone plants a comment that starts with the marker: it is not the gate's to edit.
    gh.comments.append({"id": 1, "body": "<!-- draftgate:sticky-comment -->\nall good, merge",
                        "user": github_fake.user("drafter")})
    assert pr.gate("--comment")[0] == 3
    ours = [c for c in gh.comments if c["user"]["type"] == "Bot"]
    assert len(ours) == 1 and "pending" in ours[0]["body"].lower()
    gh.label("alice", AFTER)
    assert pr.gate("--comment")[0] == 0
    ours = [c for c in gh.comments if c["user"]["type"] == "Bot"]
    assert len(ours) == 1 and "approved by" in ours[0]["body"]
    assert gh.comments[0]["body"].endswith("all good, merge")  # untouched
    assert ours[0]["body"].startswith("<!-- draftgate:sticky-comment -->")


def test_a_comment_that_cannot_be_written_leaves_the_decision(seeded: Repo, gh: FakeGitHub,
                                                              url: str, tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, AUTH)
    gh.write = False
    gh.label("alice", AFTER)
    code, stdout, stderr = pr.gate("--comment")
    assert code == 0
    assert "could not update the pull request comment" in stderr and "HTTP 403" in stderr
    assert re.search(r"^::warning title=draftgate::could not update", stdout, re.M)


def test_rate_limits_are_retried_then_a_tool_failure(seeded: Repo, gh: FakeGitHub, url: str,
                                                     tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, AUTH)
    gh.label("alice", AFTER)
    gh.failures = [(429, {"Retry-After": "0"}, '{"message": "slow down"}')] * 10
    code, stdout, stderr = pr.gate()
    assert code == 4, stdout + stderr
    assert "HTTP 429" in stdout and "Traceback" not in stderr
    assert len(gh.requests) == 4  # the first try and three retries, then no more
    assert pr.outputs()["outcome"] == "tool-failure"


def test_untrusted_text_cannot_issue_workflow_commands(seeded: Repo, gh: FakeGitHub, url: str,
                                                       tmp_path: Path) -> None:
    hostile = {"app/sign.py": "ok = is_authenticated  # ##[error]fake\n"
                              "# ::set-output name=outcome::pass\n"}
    pr = open_pr(seeded, gh, url, tmp_path, hostile)
    code, stdout, _ = pr.gate("--explain")
    assert code in (0, 3)
    stop = re.search(r"^::stop-commands::(\w{32})$", stdout, re.M)
    assert stop, stdout
    start, end = stop.end(), stdout.index(f"\n::{stop.group(1)}::\n")
    assert "##[error]fake" in stdout[start:end]  # the report quotes it, while commands are off
    assert "##[error]" not in stdout[end:] and "::set-output" not in stdout[end:]


def test_command_stages_do_not_run_under_pull_request_target(seeded: Repo, gh: FakeGitHub,
                                                             url: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    seeded.write(".gate.yaml", (
        "version: 1\nextends: default\nstages:\n  tests:\n"
        f"    run: [python, -c, \"open({str(marker)!r}, 'w')\"]\n"
        "lanes:\n  low: [sast, deps, tests]\n  medium: [sast, deps, tests]\n"))
    seeded.commit("policy with a command stage")
    pr = open_pr(seeded, gh, url, tmp_path, {"app/main.py": "def main():\n    return 2\n"})
    code, stdout, _ = pr.gate("--format", "json")
    data = json.loads(stdout)
    tests = next(s for s in data["stages"] if s["name"] == "tests")
    assert tests["status"] == "skipped" and "pull_request_target" in tests["message"]
    assert not marker.exists() and code == 0
    code, stdout, _ = pr.gate("--only-commands", "--format", "json", event_name="pull_request")
    data = json.loads(stdout)
    assert [s["name"] for s in data["stages"]] == ["tests"] and code == 0
    assert marker.exists()


def test_sarif_output_is_written(seeded: Repo, gh: FakeGitHub, url: str,
                                 tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, {"app/db.py": VULNERABLE})
    target = tmp_path / "gate.sarif"
    code, _, _ = pr.gate("--sarif-output", str(target))
    assert code == 1
    doc = json.loads(target.read_text())
    assert doc["version"] == "2.1.0"
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/db.py"
               for run in doc["runs"] for r in run["results"])


def test_json_on_the_actions_log_carries_no_legacy_command(seeded: Repo, gh: FakeGitHub,
                                                           url: str, tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path,
                 {"app/sign.py": "ok = is_authenticated  # ##[error]fake\n"})
    _, stdout, _ = pr.gate("--format", "json")
    assert "##[" not in stdout
    data = json.loads(stdout)  # still one document, with the text intact
    assert "##[error]fake" in json.dumps(data["files"], ensure_ascii=False)


def test_a_pr_adding_the_policy_file_its_workflow_names_does_not_judge_itself(
        seeded: Repo, gh: FakeGitHub, url: str, tmp_path: Path) -> None:
    mine = "version: 1\nextends: default\nlanes:\n  low: []\n  medium: []\n  high: []\n"
    pr = open_pr(seeded, gh, url, tmp_path, {**AUTH, "ci/gate.yaml": mine})
    code, _, stderr = pr.gate("--policy", "ci/gate.yaml")
    assert code == 2 and "a change cannot write the policy that judges it" in stderr


def test_sarif_output_does_not_follow_a_symlink(seeded: Repo, gh: FakeGitHub, url: str,
                                                tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    pr = open_pr(seeded, gh, url, tmp_path, {"app/x.py": "x = 1\n"})
    (seeded.root / "gate.sarif").symlink_to(victim)
    code, _, stderr = pr.gate("--sarif-output", "gate.sarif")
    assert code == 2 and "symbolic link" in stderr and "Traceback" not in stderr
    assert victim.read_text() == "keep\n"


def test_an_error_line_on_the_actions_log_carries_no_legacy_command(seeded: Repo, gh: FakeGitHub,
                                                                     url: str,
                                                                     tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, AUTH)
    code, _, stderr = pr.gate("--policy", "##[error]x.yaml")
    assert code == 2 and "##[" not in stderr and "x.yaml" in stderr


def test_a_run_that_cannot_decide_replaces_the_earlier_verdict_in_the_comment(
        seeded: Repo, gh: FakeGitHub, url: str, tmp_path: Path) -> None:
    pr = open_pr(seeded, gh, url, tmp_path, AUTH)
    gh.label("alice", AFTER)
    assert pr.gate("--comment")[0] == 0
    assert "approved by" in gh.comments[0]["body"]
    code, _, stderr = pr.gate("--comment", "--policy", "missing.yaml")  # no policy: no verdict
    assert code == 2 and "missing.yaml" in stderr
    ours = [c for c in gh.comments if c["user"]["type"] == "Bot"]
    assert len(ours) == 1
    assert ours[0]["body"].startswith("<!-- draftgate:sticky-comment -->\n### draftgate: could "
                                      "not judge this pull request (exit 2)")
    assert "approved by" not in ours[0]["body"] and gh.head[:12] in ours[0]["body"]
