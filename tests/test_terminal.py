"""The terminal report on real decisions: what a person sees by default, and what the model's text
cannot do to it. Decisions come from the engine on real repositories (real scanners, a real
reviewer program); the renderer is called in-process."""

from __future__ import annotations

import io
import json
from pathlib import Path

from gates.engine import Request, check
from gates.model import Decision, SourceKind, StageStatus
from gates.report.terminal import NOTES_SHOWN, render
from tests.conftest import Repo
from tests.test_review import reviewer, use


def judged(repo: Repo) -> Decision:
    return check(Request(SourceKind.STAGED, cwd=repo.root, use_cache=False))


def shown(decision: Decision, *, explain: bool = False) -> str:
    out = io.StringIO()
    render(decision, out, explain=explain)
    return out.getvalue()


def verdict(summary: str, *findings: dict[str, object], say: str = "approve") -> dict[str, object]:
    return {"verdict": say, "summary": summary, "findings": list(findings)}


REMARK = {"path": "auth/login.py", "line": 2, "severity": "low", "title": "always true",
          "explanation": "login returns True for every password"}


def test_a_passed_review_shows_its_verdict_summary_and_findings(seeded: Repo,
                                                               tmp_path: Path) -> None:
    use(seeded, reviewer(tmp_path, verdict("The shortcut is test-only scaffolding.", REMARK)))
    seeded.write("auth/login.py", "def login(user, password):\n    return True\n")
    decision = judged(seeded)
    assert {r.stage: r.status for r in decision.results}["review"] is StageStatus.PASSED
    lines = shown(decision).splitlines()
    assert any(line.startswith("  review: model verdict: approve; The shortcut is test-only "
                               "scaffolding.") for line in lines), lines
    assert any(line.startswith("  note  auth/login.py:2  review always true (low): always "
                               "true: login returns True") for line in lines), lines


def test_a_summary_of_several_lines_is_shown_whole(seeded: Repo, tmp_path: Path) -> None:
    use(seeded, reviewer(tmp_path, verdict("The check compares in constant time.\n\n"
                                           "The token store is read once per request.")))
    seeded.write("auth/login.py", "def login(user, password):\n    return True\n")
    text = shown(judged(seeded))
    assert ("review: model verdict: approve; The check compares in constant time. The token "
            "store is read once per request.;") in text, text


def test_the_model_summary_cannot_drive_the_terminal(seeded: Repo, tmp_path: Path) -> None:
    hostile = ("ok \x1b[2J\x1b]0;owned\x07 \u202eesrever\u202c \U000e0041\U000e0042 \u2066x"
               + "A" * 3900)
    title = "t\x1b[31mred"
    use(seeded, reviewer(tmp_path, verdict(hostile, {**REMARK, "title": title,
                                                     "explanation": "B" * 3900})))
    seeded.write("auth/login.py", "def login(user, password):\n    return True\n")
    text = shown(judged(seeded))
    for raw in ("\x1b", "\x07", "\u202e", "\u202c", "\U000e0041", "\u2066"):
        assert raw not in text, repr(raw)
    assert "\\x1b[2J" in text and "\\u202e" in text and "\\U000e0041" in text
    # Bounded: a 4,000-character summary and remark (the schema's most) stay a few hundred.
    assert max(len(line) for line in text.splitlines()) < 600
    assert "A" * 300 in text and "A" * 1000 not in text


def test_a_summary_under_the_outcome_is_cleaned_too(seeded: Repo, tmp_path: Path) -> None:
    # needs_human: the review is pending and its message is a required action.
    use(seeded, reviewer(tmp_path, verdict("look \x1b[2J here \u202e", say="needs_human")))
    seeded.write("auth/login.py", "def login(user, password):\n    return True\n")
    decision = judged(seeded)
    assert any(a.startswith("review: model verdict: needs_human")
               for a in decision.required_actions)
    text = shown(decision)
    assert "\x1b" not in text and "\u202e" not in text
    assert "look \\x1b[2J here \\u202e" in text


def test_a_flood_of_model_remarks_never_hides_a_block(seeded: Repo, tmp_path: Path) -> None:
    remarks = [{**REMARK, "title": f"remark {i}"} for i in range(NOTES_SHOWN + 25)]
    use(seeded, reviewer(tmp_path, verdict("many small things", *remarks)))
    seeded.write("auth/login.py", "import os\n\ndef login(user, password):\n"
                 "    os.system('check ' + user)\n    return True\n")
    decision = judged(seeded)
    lines = shown(decision).splitlines()
    findings = [line for line in lines if line.startswith(("  BLOCK ", "  note "))]
    assert findings[0].startswith("  BLOCK ")  # most severe first, whatever the stage order
    assert sum(line.startswith("  note ") and " review remark" in line
               for line in findings) == NOTES_SHOWN
    assert "  … 25 more notes to look at; --explain shows them" in lines
    everything = shown(decision, explain=True)
    assert "remark 64 (low)" in everything


def test_scanner_notes_fold_into_one_line_and_explain_lists_them(seeded: Repo) -> None:
    seeded.write("tests/test_app.py", "from app.main import main\n\n\ndef test_main():\n"
                 "    assert main() == 1\n    assert main() != 2\n")
    decision = judged(seeded)
    sast = next(r for r in decision.results if r.stage == "sast")
    assert sum(f.rule == "B101" and not f.blocking for f in sast.findings) == 2
    text = shown(decision)
    assert "B101" not in text.replace("(2 B101)", "")  # named once, on the folded line
    assert ("  + 2 notes that block nothing: 2 below the blocking threshold (2 B101); "
            "--explain shows them") in text.splitlines()
    everything = shown(decision, explain=True)
    assert everything.count("bandit B101 (low/high)") == 2 and "notes that block" not in everything


def test_a_held_stage_says_why_by_default(seeded: Repo) -> None:
    # Suppressions the change adds to its own blocking findings: a person must accept them. The
    # scanners' findings block nothing now and are counted as held; the reasons are the action.
    seeded.write("app/run.py", "import os\n\n\ndef run(cmd):\n"
                 "    os.system(cmd)  # nosec B605  # nosemgrep\n")
    decision = judged(seeded)
    sast = next(r for r in decision.results if r.stage == "sast")
    assert sast.status is StageStatus.PENDING
    lines = shown(decision).splitlines()
    assert lines[lines.index("PENDING (exit 3)") + 1].startswith(
        "  sast: app/run.py:5: bandit B605 is hidden by a suppression nobody accepted")
    assert any(line.startswith("  note  app/run.py:5  draftgate suppression-added")
               for line in lines)
    assert any(line.startswith("  + 2 notes that block nothing: 2 from a stage that waits for a "
                               "person") for line in lines), lines


def test_a_requirement_not_audited_is_said_on_the_deps_line(seeded: Repo) -> None:
    seeded.write("requirements.txt", "flask>=3\n")
    decision = judged(seeded)
    deps = next(r for r in decision.results if r.stage == "deps")
    assert deps.status is StageStatus.PASSED
    lines = shown(decision).splitlines()
    assert "  deps: 1 requirement not audited; 0 blocking, 1 reported; no pinned requirement " \
           "to audit" in lines
    assert any(line.startswith("  note  requirements.txt:1  deps unpinned") for line in lines)


def test_the_json_report_keeps_every_finding(seeded: Repo) -> None:
    # Folding is the terminal's alone: the JSON report (and SARIF) list every note.
    seeded.write("tests/test_app.py",  # an assert for bandit's B101 note
                 "from app.main import main\n\n\ndef test_main():\n    assert main() == 1\n")
    done = seeded.gate("check", "--format", "json")
    data = json.loads(done.stdout)
    sast = next(s for s in data["stages"] if s["name"] == "sast")
    assert [f["rule"] for f in sast["findings"]] == ["B101"]
