"""``gates.report.json`` rendering a real Decision: the schema of docs/json.md, and hostile text.

File names, matched lines and commit subjects come from the change under review: they must reach
the consumer as data (escaped, valid JSON, valid UTF-8), never as terminal control sequences.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from gates import __version__
from gates.engine import Request, check
from gates.errors import GitError, PolicyError, ToolFailure, UsageError
from gates.model import Decision, SourceKind
from gates.report import json as report

from .conftest import Repo
from .test_engine import BANDIT_ONLY, UNSAFE_YAML

DOC = (Path(__file__).parent.parent / "docs" / "json.md").read_text("utf-8")
ESC_NAME = "app/\x1b[31mred\x1b[0m.py"  # yaml.load: a bandit finding whose path is hostile
NEWLINE_NAME = "app/evil\nname.py"
RAW_NAME = b"app/bad\xff.py"
BIDI_NAME = "app/\u202eyp.txt"
SUBJECT = "\x1b]0;owned\x07 subject \x1b[2J\u2028next \x9b31m C1 CSI"
MATCHED = "digest = hashlib.md5(b'\x1b[31m')\n"


def documented_keys(table: str) -> set[str]:
    return {m.removesuffix("[]") for m in re.findall(r"^\| `([a-z_\[\]]+)` \|", table, re.M)}


def documented_finding_keys() -> set[str]:
    listed = re.search(r"findings are `\{([^}]*)\}`", DOC)
    assert listed is not None
    return {k.strip() for k in listed[1].split(",")}


FILE_KEYS = {"path", "old_path", "status", "tier", "old_mode", "new_mode", "binary", "read_as",
             "lands_at", "symlink", "submodule", "link_targets", "added", "removed", "matches",
             "more_matches"}
MATCH_KEYS = {"rule", "category", "kind", "tier", "pattern", "side", "line", "text"}


@pytest.fixture
def decision(seeded: Repo) -> Decision:
    """A range with a blocking bandit finding, hostile names, lines and a hostile subject."""
    seeded.write(".gate.yaml", BANDIT_ONLY)
    base = seeded.commit("policy")
    seeded.write(ESC_NAME, UNSAFE_YAML)
    seeded.write(NEWLINE_NAME, MATCHED)
    seeded.write(BIDI_NAME, "text\n")
    (seeded.root / os.fsdecode(RAW_NAME)).write_text("x = 1\n")
    seeded.git("add", "-A")
    seeded.commit(SUBJECT)
    return check(Request(SourceKind.RANGE, cwd=seeded.root, base=base))


def rendered(decision: Decision, *, explain: bool = False) -> str:
    out = io.StringIO()
    report.render(decision, out, explain=explain)
    return out.getvalue()


def assert_inert(text: str) -> None:
    """Valid UTF-8, one document, and no raw control character but the layout's newlines."""
    text.encode("utf-8")  # no lone surrogate survives
    assert not re.search(r"[\x00-\x09\x0b-\x1f]", text), "control characters are escaped"
    assert text.endswith("}\n") and text.count("\n}\n") == 1


def test_the_document_has_the_documented_keys_and_types(decision: Decision) -> None:
    text = rendered(decision)
    data = json.loads(text)
    assert set(data) == documented_keys(DOC)
    assert data["schema_version"] == report.SCHEMA_VERSION == 1
    assert data["tool"] == {"name": "draftgate", "version": __version__}
    assert data["outcome"] == decision.outcome.value == "block"
    assert data["exit_code"] == decision.exit_code == 1
    assert data["tier"] == decision.classification.tier
    assert data["lane"] == list(decision.lane) == ["sast"]
    source = decision.change.source
    assert data["source"] == {"kind": "range", "base": source.base, "head": source.head,
                              "merge_base": source.merge_base, "branch": "main",
                              "pr_number": None}
    assert set(data["policy"]) == {"origin", "digest"}
    assert re.fullmatch(r"[0-9a-f]{64}", data["policy"]["digest"])
    assert data["summary"]["files"] == len(data["files"]) == 4
    assert data["summary"]["added"] == sum(f["added"] for f in data["files"]) == 8
    assert sum(data["summary"]["by_tier"].values()) == 4
    assert isinstance(data["provenance"]["ai_drafted"], bool)
    assert [c["sha"] for c in data["commits"]] == [source.head]
    for key in ("escalations", "required_actions", "notes"):
        assert isinstance(data[key], list)
    assert rendered(decision, explain=True) == text  # JSON always has it all


def test_files_matches_and_findings(decision: Decision) -> None:
    data = json.loads(rendered(decision))
    for entry in data["files"]:
        assert set(entry) == FILE_KEYS
        assert entry["status"] == "added" and entry["old_mode"] == "000000"
        assert entry["new_mode"] == "100644" and entry["binary"] is False
        for match in entry["matches"]:
            assert set(match) == MATCH_KEYS
    (stage,) = data["stages"]
    assert set(stage) == {"name", "status", "message", "duration", "usage", "actor", "findings"}
    assert (stage["name"], stage["status"]) == ("sast", "failed")
    assert isinstance(stage["duration"], float)
    found = {(f["tool"], f["rule"], f["path"], f["line"], f["blocking"])
             for f in stage["findings"]}
    assert found == {("bandit", "B506", ESC_NAME, 5, True),  # yaml.load
                     ("bandit", "B324", NEWLINE_NAME, 1, True)}  # md5
    for finding in stage["findings"]:
        assert set(finding) == documented_finding_keys()
        assert finding["severity"] in ("low", "medium", "high", "critical")
        assert finding["confidence"] in ("low", "medium", "high")
        assert isinstance(finding["fingerprint"], str) and finding["fingerprint"]
        assert finding["suppressed"] is False and finding["introduced"] is True
        assert isinstance(finding["message"], str) and finding["end_line"] in (None, 1, 5)
    assert len({f["fingerprint"] for f in stage["findings"]}) == 2


def test_untrusted_text_stays_data(decision: Decision) -> None:
    text = rendered(decision)
    assert_inert(text)
    data = json.loads(text)
    paths = {f["path"] for f in data["files"]}
    # Kept exactly, as escaped data: the consumer decides how to show them.
    assert paths == {ESC_NAME, NEWLINE_NAME, BIDI_NAME, "app/bad\ufffd.py"}
    assert "\\u001b[31mred\\u001b[0m.py" in text and "evil\\nname.py" in text
    assert data["commits"][0]["summary"] == SUBJECT
    matched = next(f for f in data["files"] if f["path"] == NEWLINE_NAME)
    texts = [m["text"] for m in matched["matches"] if m["side"] == "added"]
    assert texts and all("hashlib.md5" in t for t in texts)
    assert any("\x1b" in t for t in texts), "the matched line is quoted, escaped, not cleaned"


@pytest.mark.parametrize(("error", "outcome", "code"), [
    (GitError("unknown revision 'x'"), "error", 2),
    (UsageError("--base is required for a range"), "error", 2),
    (PolicyError("unknown stage", path=".gate.yaml", line=3, key="lanes.low"), "error", 2),
    (ToolFailure("bandit did not finish within 60 s"), "tool-failure", 4),
    (RuntimeError("an internal bug"), "tool-failure", 4),
])
def test_an_error_document_has_the_documented_shape(error: Exception, outcome: str,
                                                    code: int) -> None:
    text = report.error_document(error)
    assert_inert(text)
    data: dict[str, Any] = json.loads(text)
    assert data == {"schema_version": 1, "tool": {"name": "draftgate", "version": __version__},
                    "outcome": outcome, "exit_code": code, "error": str(error)}


def test_an_error_message_from_the_change_stays_data() -> None:
    hostile = "unknown revision 'x\x1b[2J\udcff\n\u202e'"
    text = report.error_document(GitError(hostile))
    assert_inert(text)
    assert json.loads(text)["error"] == "unknown revision 'x\x1b[2J\ufffd\n\u202e'"


def test_c1_controls_from_the_change_are_escaped_too(decision: Decision) -> None:
    assert "\x9b" in decision.change.commits[0].summary
    for text in (rendered(decision), report.error_document(GitError("bad \x9b31m \x7f"))):
        assert not re.search(r"[\x7f-\x9f]", text)
