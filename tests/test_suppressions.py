"""Suppressions a change adds are a decision a person makes (issue 10, class 5)."""

from __future__ import annotations

import pytest

from gates.engine import Request, check
from gates.model import Decision, Outcome, SourceKind, StageResult, StageStatus

from .conftest import Repo

SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True){tail}\n"
BOTH = "  # nosec B602  # nosemgrep"


def judged(repo: Repo) -> tuple[Decision, StageResult]:
    decision = check(Request(SourceKind.STAGED, cwd=repo.root))
    return decision, next(r for r in decision.results if r.stage == "sast")


def on_line(result: StageResult, line: int, tool: str) -> list[tuple[str, bool, bool, str]]:
    return [(f.rule, f.blocking, f.suppressed, f.note) for f in result.findings
            if f.line == line and f.tool == tool]


def test_an_added_nosec_is_reported_and_the_change_goes_high(seeded: Repo) -> None:
    seeded.write("app/run.py", SHELL.format(tail=BOTH))
    decision, result = judged(seeded)
    assert decision.classification.tier == "high"
    assert any(m.category == "suppressions" for c in decision.classification.files
               for m in c.matches)
    [(rule, blocking, suppressed, note)] = on_line(result, 5, "bandit")
    assert (rule, blocking, suppressed) == ("B602", False, False)
    assert note.startswith("suppressed by this change (# nosec B602")
    assert on_line(result, 5, "semgrep")[0][2] is False
    assert result.status is StageStatus.PENDING
    assert "hidden by a suppression nobody accepted for it" in result.message
    assert decision.outcome is Outcome.PENDING


def test_an_added_nosec_the_cli_reports_pending(seeded: Repo) -> None:
    seeded.write("app/run.py", SHELL.format(tail=BOTH))
    data = seeded.gate_json()
    assert data["tier"] == "high" and data["outcome"] == "pending" and data["exit_code"] == 3
    sast = next(s for s in data["stages"] if s["name"] == "sast")
    assert sast["status"] == "pending"
    assert {f["rule"] for f in sast["findings"] if (f["note"] or "").startswith(
        "suppressed by this change")} == {"B602", "python-subprocess-shell-true-nonliteral"}


def test_a_nosec_that_leaves_semgrep_s_finding_still_blocks(seeded: Repo) -> None:
    seeded.write("app/run.py", SHELL.format(tail="  # nosec"))
    decision, result = judged(seeded)
    assert result.status is StageStatus.FAILED and decision.outcome is Outcome.BLOCK
    assert on_line(result, 5, "bandit")[0][1:3] == (False, False)


def test_a_suppression_already_present_keeps_working(seeded: Repo) -> None:
    seeded.write("app/run.py", SHELL.format(tail=BOTH))
    seeded.commit("accepted by a reviewer")
    seeded.write("app/run.py", SHELL.format(tail=BOTH) + "\n\ndef other():\n    return 2\n")
    decision, result = judged(seeded)
    assert result.status is StageStatus.PASSED
    assert on_line(result, 5, "bandit")[0][1:3] == (False, True)
    assert decision.classification.tier == "low"


def test_honour_opts_out(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nsast:\n  suppressions: honour\n")
    seeded.commit("honour suppressions")
    seeded.write("app/run.py", SHELL.format(tail=BOTH))
    decision, result = judged(seeded)
    assert result.status is StageStatus.PASSED
    assert all(f.suppressed for f in result.findings if f.line == 5 and f.tool != "draftgate")
    # The classification still shows the reviewer that a suppression came in.
    assert decision.classification.tier == "high"


def test_the_policy_key_is_validated(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nsast:\n  suppressions: ignore\n")
    seeded.commit("bad policy")
    seeded.write("app/run.py", "x = 1\n")
    done = seeded.gate("check")
    assert done.returncode == 2 and "suppressions" in done.stderr


def test_an_old_nosec_does_not_cover_a_statement_the_change_rewrote(seeded: Repo) -> None:
    before = ("import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(  # nosec\n"
              "        'ls',\n        shell=True,\n    )\n")
    seeded.write("app/run.py", before)
    seeded.commit("constant command, accepted")
    seeded.write("app/run.py", before.replace("'ls'", "cmd"))
    result = judged(seeded)[1]
    bandit = [f for f in result.findings if f.tool == "bandit" and f.rule == "B602"]
    assert bandit and not bandit[0].suppressed and "now covers code" in bandit[0].note
    assert result.status in (StageStatus.PENDING, StageStatus.FAILED)


def test_an_old_nosemgrep_line_does_not_cover_a_call_inserted_below_it(seeded: Repo) -> None:
    before = ("import subprocess\n\n\ndef run(cmd):\n    # nosemgrep\n"
              "    return subprocess.call('ls', shell=True)  # nosec\n")
    seeded.write("app/run.py", before)
    seeded.commit("accepted")
    seeded.write("app/run.py", before.replace(
        "    # nosemgrep\n", "    # nosemgrep\n    subprocess.call(cmd, shell=True)\n"))
    result = judged(seeded)[1]
    new = [f for f in result.findings if f.tool == "semgrep" and f.line == 6]
    assert new and not new[0].suppressed and not new[0].blocking
    assert new[0].note.startswith("an existing suppression (# nosemgrep) now covers code")
    assert result.status is StageStatus.FAILED  # bandit's B602 on the new line has no nosec
    assert "-" not in result.message.split(",")[1]


@pytest.mark.parametrize("comment", [
    "#nosec", "# NOSEC", "# nosecurity", "# noqa  # nosec: B602", "# nosem", "# NOSEMGREP",
    "# nosemgrep:python-subprocess-shell-true-nonliteral", "# noqa: S602", "# noqa:S602,E501",
])
def test_every_spelling_a_tool_accepts_is_seen_and_hides_nothing(seeded: Repo,
                                                                 comment: str) -> None:
    seeded.write("app/run.py", SHELL.format(tail=f"  {comment}"))
    decision, result = judged(seeded)
    assert decision.classification.tier == "high"
    assert any(f.rule == "suppression-added" and f.line == 5 for f in result.findings)
    assert decision.outcome in (Outcome.BLOCK, Outcome.PENDING)
    assert not any(f.suppressed for f in result.findings)


def test_a_file_level_noqa_is_seen(seeded: Repo) -> None:
    seeded.write("app/run.py", "# ruff: noqa\n" + SHELL.format(tail=""))
    decision = judged(seeded)[0]
    assert decision.classification.tier == "high"


def test_removing_a_suppression_is_harmless(seeded: Repo) -> None:
    seeded.write("app/run.py", "import os\n\nPATH = os.getcwd()  # nosec\n")
    seeded.commit("suppression")
    seeded.write("app/run.py", "import os\n\nPATH = os.getcwd()\n")
    decision, result = judged(seeded)
    assert result.status is StageStatus.PASSED
    assert decision.outcome in (Outcome.PASS, Outcome.PENDING)  # high tier: a person looks


def test_a_nosemgrep_trailing_code_does_not_cover_the_next_line(seeded: Repo) -> None:
    # semgrep reads a previous-line nosemgrep only when that line is nothing but the comment.
    before = ("import requests\n\nVERIFY = True\n\n\ndef fetch(url):\n"
              "    print(url)  # nosemgrep\n"
              "    return requests.get(url, verify=VERIFY, timeout=5)\n")
    seeded.write("app/client.py", before)
    seeded.commit("client")
    seeded.write("app/client.py", before.replace("VERIFY = True", "VERIFY = False"))
    result = judged(seeded)[1]
    flagged = [f for f in result.findings if f.rule == "python-http-client-verify-false"]
    assert flagged and flagged[0].blocking and not flagged[0].suppressed
    assert result.status is StageStatus.FAILED


def test_an_old_suppression_does_not_hide_a_finding_the_change_introduces(seeded: Repo) -> None:
    # The blanket "# nosemgrep" sat above a call nobody flagged; flipping the constant makes the
    # unchanged call dangerous. Nobody accepted that finding: it is shown, and a person decides.
    before = ("import requests\n\nVERIFY = True\n\n\ndef fetch(url):\n"
              "    # nosemgrep\n    return requests.get(url, verify=VERIFY, timeout=5)\n")
    seeded.write("app/client.py", before)
    seeded.commit("client, accepted")
    seeded.write("app/client.py", before.replace("VERIFY = True", "VERIFY = False"))
    result = judged(seeded)[1]
    flagged = [f for f in result.findings if f.rule == "python-http-client-verify-false"]
    assert flagged and not flagged[0].suppressed and flagged[0].introduced
    assert "hides a finding this change introduces" in flagged[0].note
    assert result.status is StageStatus.PENDING


def test_an_old_suppression_keeps_covering_the_finding_it_was_written_for(seeded: Repo) -> None:
    before = ("import requests\n\nVERIFY = False\n\n\ndef fetch(url):\n"
              "    # nosemgrep\n    return requests.get(url, verify=VERIFY, timeout=5)\n")
    seeded.write("app/client.py", before)
    seeded.commit("client, accepted")
    seeded.write("app/client.py", before + "\n\ndef other():\n    return 1\n")
    result = judged(seeded)[1]
    flagged = [f for f in result.findings if f.rule == "python-http-client-verify-false"]
    assert flagged and flagged[0].suppressed and not flagged[0].introduced
    assert result.status is StageStatus.PASSED
