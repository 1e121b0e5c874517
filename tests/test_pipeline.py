"""The pipeline's outcome rules, driven in-process through the engine on real repositories."""

from __future__ import annotations

from gates.engine import Request, check
from gates.model import Outcome, SourceKind, StageResult, StageStatus
from gates.pipeline import asks_for_person, fold
from tests.conftest import Repo

LOW_LANE_REVIEW = """\
extends: default
lanes:
  low: [review]
"""


def test_a_pending_stage_brings_the_approval_stage_into_any_lane(seeded: Repo) -> None:
    seeded.write(".gate.yaml", LOW_LANE_REVIEW)
    seeded.commit("policy")
    seeded.write("app/main.py", "def main():\n    return 2\n")
    decision = check(Request(SourceKind.STAGED, cwd=seeded.root))
    assert decision.classification.tier == "low"
    assert decision.lane == ("review", "approval")
    statuses = {r.stage: r.status for r in decision.results}
    assert statuses == {"review": StageStatus.PENDING, "approval": StageStatus.PENDING}
    assert decision.outcome is Outcome.PENDING and decision.exit_code == 3
    assert any("approval stage joined the lane: review ended pending" in n
               for n in decision.notes)


def test_no_approval_is_added_when_nothing_is_pending(seeded: Repo) -> None:
    seeded.write("app/main.py", "def main():\n    return 2\n")
    decision = check(Request(SourceKind.STAGED, cwd=seeded.root))
    assert decision.lane == ("sast", "deps")
    assert not any("joined the lane" in n for n in decision.notes)


def test_an_approval_clears_pending_stages_never_failures() -> None:
    results = (StageResult("sast", StageStatus.FAILED), StageResult("deps", StageStatus.PENDING),
               StageResult("approval", StageStatus.PASSED))
    assert fold(results) is Outcome.BLOCK
    assert asks_for_person(results) == ("deps",)
    approved = (StageResult("deps", StageStatus.PENDING),
                StageResult("review", StageStatus.PENDING),
                StageResult("approval", StageStatus.PASSED))
    assert fold(approved) is Outcome.PASS
    assert fold(approved[:2]) is Outcome.PENDING
    errored = (StageResult("sast", StageStatus.ERROR), StageResult("approval", StageStatus.PASSED))
    assert fold(errored) is Outcome.TOOL_FAILURE


def test_reports_never_carry_a_secret_a_scanner_quotes(seeded: Repo) -> None:
    import io

    from gates.report import render

    secret = "Zq8#vR2!mK9@xL4$"
    seeded.write("app/settings.py", f"DB_PASSWORD = '{secret}'\n")
    decision = check(Request(SourceKind.STAGED, cwd=seeded.root))
    sast = next(r for r in decision.results if r.stage == "sast")
    assert any(f.rule == "B105" for f in sast.findings)  # bandit quotes what it found...
    for fmt in ("json", "terminal"):
        out = io.StringIO()
        render(fmt, decision, out, explain=True)
        assert secret not in out.getvalue(), fmt  # ...and no report carries it
