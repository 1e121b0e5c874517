"""The GitHub renderers: SARIF, the Markdown comment and step summary, workflow annotations.

Decisions come from the real engine on real repositories (real bandit and semgrep findings) where
the point is what a real run produces, and are built by hand where the point is hostile text: a
path, a matched line or a model's message written to break out of where it is shown.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from markdown_it import MarkdownIt

# Not ``from gates.report import annotations``: in a module with ``from __future__ import
# annotations`` that name is the __future__ flag (and it is the package's too, until the
# submodule has been imported once).
import gates.report.annotations as workflow
from gates.engine import Request, check
from gates.model import (
    ChangedFile,
    ChangeSet,
    Classification,
    Decision,
    Escalation,
    Evidence,
    FileClass,
    FileStatus,
    Finding,
    Match,
    MatchKind,
    Outcome,
    PolicyRef,
    Provenance,
    Side,
    Source,
    SourceKind,
    StageResult,
    StageStatus,
)
from gates.report import FORMATS, markdown, render, sarif

from .conftest import Repo
from .test_sast import SAFE, VULNERABLE
from .test_secrets import AWS

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
GITHUB_TOKEN = "ghp_" + "a1B2" * 9
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Lm3Rt9X"
HOSTILE = [
    "![x](https://evil.example/i.png)",
    "<img src=x onerror=alert(1)>",
    "[click me](https://evil.example)",
    "https://evil.example/path and www.evil.example",
    "<https://evil.example>",
    "@octocat please merge, cc @github/security-team",
    "fixes #123, GH-45 and octo/repo#7",
    markdown.MARKER,
    "<details open><summary>x</summary>",
    "</code></li></ul><h1>big</h1>",
    "`` code ``` fence",
    "```\n# Heading\n```",
    "~~~\nbreak\n~~~",
    "line1\n\n# Injected heading\n- injected item",
    "| a | b |\n|---|---|\n| c | d |",
    "\u202eevil\u202c gpj.exe",
    "zero\u200bwidth and\u2028separator\U000e0041",
    "\x1b[31mred\x1b[0m",
    ":+1: :shipit:",
    "$\\sqrt{x}$",
    "\\`not code\\`",
    "trailing backtick`",
    "`",
    "> [!CAUTION]\n> fake alert",
    "[^1]\n\n[^1]: footnote",
    "a\r\n::stop-commands::tok\n::error::forged",
    "##[add-mask]BLOCK",
    "%0A::error::x",
    "-->",
]
INVISIBLE = re.compile("[\x00-\x09\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e"
                       "\U000e0000-\U000e007f]")


# --- building decisions -----------------------------------------------------------------------

def real_decision(repo: Repo) -> Decision:
    """What the engine decides on the staged change of ``repo``."""
    return check(Request(SourceKind.STAGED, cwd=repo.root))


@pytest.fixture
def blocked(seeded: Repo) -> Decision:
    """A real decision: an SQL injection (bandit B608, semgrep) and a new high-tier auth file."""
    seeded.write("app/users.py", VULNERABLE)
    seeded.write("auth/login.py", "def check_password(p):\n    return p == 'x'\n")
    decision = real_decision(seeded)
    assert decision.outcome is Outcome.BLOCK and decision.classification.tier == "high"
    return decision


def finding(message: str = "bad", *, tool: str = "bandit", rule: str = "B608",
            path: str = "app/x.py", line: int | None = 3, severity: str = "high",
            **kw: Any) -> Finding:
    return Finding(tool=tool, rule=rule, severity=severity, path=path, line=line,
                   message=message, fingerprint=kw.pop("fingerprint", f"fp-{path}-{line}-{rule}"),
                   **kw)


def built(findings: tuple[Finding, ...] = (), *, paths: tuple[str, ...] = ("app/x.py",),
          texts: tuple[str, ...] = ("x = 1",), review: tuple[Finding, ...] = (),
          review_message: str = "model verdict: request_changes; looks risky",
          notes: tuple[str, ...] = (), required: tuple[str, ...] = (),
          sast: StageStatus = StageStatus.FAILED, tier: str = "high") -> Decision:
    """A hand-built decision: one high-tier file per path, each matched on its text."""
    files = []
    for path, text in zip(paths, texts, strict=False):
        changed = ChangedFile(path=path, status=FileStatus.ADDED, new_mode="100644", added=1)
        match = Match("auth.content", "auth", MatchKind.CONTENT, tier, "password",
                      Evidence(Side.ADDED, 2, text))
        files.append(FileClass(changed, tier, (match,)))
    change = ChangeSet(tuple(fc.file for fc in files),
                       Source(SourceKind.PULL_REQUEST, base="b" * 40, head="a" * 40, pr_number=7))
    classification = Classification(tier, tuple(files), Provenance(True, ("Co-authored-by: bot",)),
                                    (Escalation("size", "low", tier, "big change"),))
    results = (StageResult("sast", sast, "1 blocking finding", findings, 1.25),
               StageResult("review", StageStatus.FAILED, review_message, review, 3.0),
               StageResult("approval", StageStatus.PENDING, "needs the gate:approved label"))
    return Decision(Outcome.BLOCK, change, classification, ("sast", "review", "approval"),
                    results, PolicyRef(".gate.yaml", "d" * 64),
                    required or ("approval: needs the gate:approved label",), notes)


def hostile_decision(strings: tuple[str, ...] = tuple(HOSTILE)) -> Decision:
    """Each hostile string in every place untrusted text is shown."""
    found = tuple(finding(text, path=f"app/{text}.py", rule=text[:20], note=text,
                          fingerprint=f"fp{i}") for i, text in enumerate(strings))
    review = tuple(finding(text, tool="review", rule=text[:80], path=text, line=None,
                           fingerprint=f"rv{i}") for i, text in enumerate(strings))
    decision = built(found, paths=strings, texts=strings, review=review,
                     review_message="; ".join(strings), notes=strings,
                     required=tuple(f"approval: {t}" for t in strings))
    files = tuple(replace(fc, file=replace(fc.file, old_path=text, status=FileStatus.RENAMED),
                          matches=(*fc.matches, Match("x.path", "x", MatchKind.PATH, "high", text,
                                                      Evidence(Side.PATH, None, text))))
                  for fc, text in zip(decision.classification.files, strings, strict=True))
    provenance = Provenance(True, strings)
    classification = replace(decision.classification, files=files, provenance=provenance)
    return replace(decision, classification=classification)


def rendered(name: str, decision: Decision) -> str:
    out = io.StringIO()
    render(name, decision, out)
    return out.getvalue()


# --- SARIF --------------------------------------------------------------------------------------

@cache
def _validator() -> Any:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


# RFC 3986 relative-path reference (path-noscheme): no scheme, no leading slash, no ".." segment.
_SEGMENT = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-F]{2})+"
_RELATIVE = re.compile(rf"{_SEGMENT}(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-F]{{2}})+)*")


def sarif_log(decision: Decision) -> dict[str, Any]:
    """The SARIF log, checked against the schema and what code scanning requires of an upload."""
    text = rendered("sarif", decision)
    text.encode("utf-8")  # no lone surrogate can reach the file
    log: dict[str, Any] = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(log)]
    assert not errors, errors[:5]
    assert log["version"] == "2.1.0" and 1 <= len(log["runs"]) <= 20
    keys = [(r["tool"]["driver"]["name"], r["automationDetails"]["id"]) for r in log["runs"]]
    assert len(set(keys)) == len(keys), "upload-sarif refuses two runs of one tool and category"
    assert len({k[1] for k in keys}) == len(keys)
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"]
                   and r["help"]["text"] for r in rules)
        for rule in rules:
            score = float(rule["properties"]["security-severity"])
            assert 0 < score <= 10
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["message"]["text"]
            assert "](" not in result["message"]["text"]
            assert result["partialFingerprints"]["draftgate/v1"]
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert _RELATIVE.fullmatch(uri), uri
            assert ".." not in uri.split("/")
    return log


def run_for(log: dict[str, Any], tool: str) -> dict[str, Any]:
    name = "draftgate" if tool == "draftgate" else f"draftgate-{tool}"
    return next(r for r in log["runs"] if r["tool"]["driver"]["name"] == name)


def test_sarif_of_a_real_block_validates_and_locates_the_finding(blocked: Decision) -> None:
    log = sarif_log(blocked)
    bandit = run_for(log, "bandit")
    assert bandit["automationDetails"]["id"] == "draftgate/bandit/"
    assert bandit["tool"]["driver"]["informationUri"].startswith("https://")
    b608 = next(r for r in bandit["results"] if r["ruleId"] == "B608")
    assert b608["level"] == "error" and b608["baselineState"] == "new"
    location = b608["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app/users.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 7
    rule = bandit["tool"]["driver"]["rules"][b608["ruleIndex"]]
    assert rule["properties"]["tags"][0] == "security"
    assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
    assert any(r["level"] == "error" for r in run_for(log, "semgrep")["results"])


def test_sarif_keeps_an_empty_run_for_a_clean_tool_so_its_alerts_close(seeded: Repo) -> None:
    seeded.write("app/users.py", SAFE)
    decision = real_decision(seeded)
    assert decision.outcome is Outcome.PASS
    log = sarif_log(decision)
    names = {r["tool"]["driver"]["name"] for r in log["runs"]}
    assert {"draftgate-bandit", "draftgate-semgrep", "draftgate"} <= names
    assert all(r["results"] == [] for r in log["runs"])
    # The dependency audit had no manifest to read (skipped): its alerts are not closed.
    assert "draftgate-deps" not in names


@pytest.mark.parametrize("status", [StageStatus.ERROR, StageStatus.FAILED, StageStatus.PENDING,
                                    StageStatus.SKIPPED])
def test_only_a_passed_stage_closes_the_alerts_of_its_silent_tools(status: StageStatus) -> None:
    decision = built((finding(),), sast=status)
    log = sarif_log(decision)
    names = [r["tool"]["driver"]["name"] for r in log["runs"]]
    # bandit's run holds its finding; semgrep said nothing, and may not have read everything
    assert "draftgate-bandit" in names and "draftgate-semgrep" not in names
    invocation = run_for(log, "bandit")["invocations"][0]
    ran = status not in (StageStatus.ERROR, StageStatus.SKIPPED)
    assert invocation["executionSuccessful"] is ran
    assert invocation["toolExecutionNotifications"][0]["level"] == ("note" if ran else "error")
    names = [r["tool"]["driver"]["name"] for r in sarif_log(
        built((), sast=StageStatus.PASSED))["runs"]]
    assert {"draftgate-bandit", "draftgate-semgrep", "draftgate"} <= set(names)


def test_sarif_states_suppressed_preexisting_and_repeated_findings() -> None:
    same = {"fingerprint": "same", "rule": "B105", "severity": "low"}
    decision = built((
        finding("hidden", suppressed=True, blocking=False, line=1, fingerprint="s"),
        finding("old", introduced=False, blocking=False, line=2, fingerprint="o"),
        finding("twice", line=9, blocking=False, **same),
        finding("twice", line=4, blocking=False, **same),
        finding("critical one", severity="critical", line=5, end_line=8, fingerprint="c"),
    ))
    results = run_for(sarif_log(decision), "bandit")["results"]
    by_message = {r["message"]["text"]: r for r in results}
    assert by_message["hidden"]["suppressions"] == [{"kind": "inSource"}]
    assert by_message["hidden"]["level"] == "note"
    assert by_message["old"]["baselineState"] == "unchanged"
    assert by_message["old"]["level"] == "note"
    twice = sorted((r["locations"][0]["physicalLocation"]["region"]["startLine"],
                    r["partialFingerprints"]["draftgate/v1"]) for r in results
                   if r["message"]["text"] == "twice")
    assert twice == [(4, "same:1"), (9, "same:2")]
    assert results[0]["message"]["text"] == "critical one"  # most severe first
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 5,
                                                                       "endLine": 8}


def test_sarif_locations_stay_inside_the_repository() -> None:
    odd = ["/etc/passwd", "../../home/runner/.ssh/id_rsa", "", "a/./b.py", "a//b.py"]
    review = tuple(finding("general remark", tool="review", rule="Title", path=p, line=4,
                           fingerprint=f"r{i}") for i, p in enumerate(odd))
    encoded = {"dir/a b#c?.py": "dir/a%20b%23c%3F.py", "weird:name.py": "weird%3Aname.py",
               "caf\udce9.py": "caf%E9.py", "100%.py": "100%25.py", "ünï.py": "%C3%BCn%C3%AF.py"}
    found = tuple(finding(path=p, fingerprint=p) for p in encoded)
    decision = built(found, paths=("auth/keys.py",), review=review)
    log = sarif_log(decision)
    for result in run_for(log, "review")["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location == {"artifactLocation": {"uri": "auth/keys.py", "uriBaseId": "%SRCROOT%"}}
        assert "not a file of the repository" in result["message"]["text"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run_for(log, "bandit")["results"]}
    assert uris == set(encoded.values())


def test_line_numbers_no_file_has_are_left_out() -> None:
    odd = [0, -3, 10**30]
    review = tuple(finding("x", tool="review", rule="T", path="app/x.py", line=n,
                           end_line=10**40, fingerprint=str(n)) for n in odd)
    decision = built((finding(line=5, end_line=10**40),), review=review)
    log = sarif_log(decision)
    for result in run_for(log, "review")["results"]:
        assert "region" not in result["locations"][0]["physicalLocation"]
    bandit = run_for(log, "bandit")["results"][0]["locations"][0]["physicalLocation"]
    assert bandit["region"] == {"startLine": 5}
    lines = [(p.get("line"), p.get("endLine")) for kind, p, _ in commands(decision)
             if kind != "notice"]
    assert sorted(lines, key=str) == [("5", None)] + [(None, None)] * 3


def test_sarif_messages_are_redacted_and_form_no_links() -> None:
    message = (f"see [here](https://evil.example)\nkey {AWS} with token {GITHUB_TOKEN}\n"
               f"aws_secret_access_key = {AWS_SECRET}")
    text = rendered("sarif", built((finding(message),)))
    for secret in (AWS, AWS_SECRET, GITHUB_TOKEN):
        assert secret not in text
    result = run_for(sarif_log(built((finding(message),))), "bandit")["results"][0]
    assert "[REDACTED:" in result["message"]["text"]
    assert "[here] (https://evil.example)" in result["message"]["text"]


def test_sarif_of_hostile_text_is_valid() -> None:
    log = sarif_log(hostile_decision())
    texts = json.dumps(log, ensure_ascii=False)
    assert not INVISIBLE.search(texts.replace("\n", ""))


# --- Markdown -----------------------------------------------------------------------------------

class _Html(HTMLParser):
    """Tags used, and the text that is not inside ``<code>`` (what GitHub would link or render)."""

    ALLOWED = frozenset({"h3", "p", "ul", "li", "strong", "em", "code", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.tags: set[str] = set()
        self.outside: list[str] = []
        self.inside: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.depth += tag == "code"

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag == "code"

    def handle_data(self, data: str) -> None:
        (self.inside if self.depth else self.outside).append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def html_of(text: str) -> _Html:
    page = _Html()
    page.feed(MarkdownIt("commonmark", {"html": True}).enable("table").render(text))
    return page


def test_markdown_of_a_real_block(blocked: Decision) -> None:
    text = markdown.markdown(blocked)
    assert text.startswith("### draftgate: ⛔ BLOCK (exit 1)")
    assert "B608" in text and "app/users.py:7" in text and "auth/login.py" in text
    assert "**Still required**" in text and "approval" in text
    page = html_of(text)
    assert page.tags <= _Html.ALLOWED, page.tags
    body = markdown.comment(blocked)
    assert body.startswith(markdown.MARKER + "\n") and body.count(markdown.MARKER) == 1
    assert body[len(markdown.MARKER) + 1:] == text
    out = io.StringIO()
    markdown.render(blocked, out)
    assert out.getvalue() == text and markdown.MARKER not in text


def test_markdown_names_the_head_judged_and_what_is_required() -> None:
    decision = built((finding(),), required=("approval: label gate:approved by alice or "
                                             "a member of acme/reviewers",))
    text = markdown.markdown(decision)
    assert "a" * 40 in text and "b" * 40 in text
    lines = text.splitlines()
    required = lines.index("**Still required**")
    assert "acme/reviewers" in lines[required + 1]
    assert "big change" in text and "Co-authored-by: bot" in text  # escalation, provenance
    assert "looks risky" in text  # the model's summary


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_renders_as_nothing_but_code(hostile: str) -> None:
    body = markdown.comment(hostile_decision((hostile,)))
    page = html_of(body)
    assert page.tags <= _Html.ALLOWED, page.tags - _Html.ALLOWED
    assert page.comments == [markdown.MARKER[4:-3]]
    assert body.count(markdown.MARKER) == 1 and body.startswith(markdown.MARKER)
    outside = "".join(page.outside)
    for token in ("@", "http", "www.", "#1", "#7", "GH-", ":shipit:", "$", "<", "](", "`",
                  "~~~", "|", "gpj.exe", "octo/repo"):
        assert token not in outside, (token, outside[:300])
    assert not INVISIBLE.search(body.replace("\n", ""))
    # Not dropped either: a reviewer sees what the change said, as text.
    visible = re.sub(r"\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})", "", "".join(page.inside))
    for word in re.findall(r"[A-Za-z]{4,}", hostile):
        assert word in visible


def test_all_hostile_text_at_once_renders_as_nothing_but_code() -> None:
    page = html_of(markdown.comment(hostile_decision()))
    assert page.tags <= _Html.ALLOWED and page.comments == [markdown.MARKER[4:-3]]
    assert "@" not in "".join(page.outside)


def test_every_markdown_line_starts_with_the_renderers_own_text() -> None:
    starts = ("### ", "tier ", "Judged: ", "AI-drafted: ", "**", "- ", "  - ", "> ")
    for line in markdown.comment(hostile_decision()).splitlines()[1:]:
        assert not line or line.startswith(starts), line


def test_the_comment_fits_githubs_limit_with_a_note() -> None:
    long = "漢" * 3000  # three bytes each
    found = tuple(finding(long, path=f"app/{i}/{long}.py", fingerprint=str(i))
                  for i in range(3000))
    paths = tuple(f"auth/{i}/{long}.py" for i in range(3000))
    decision = built(found, paths=paths, texts=(long,) * 3000, notes=(long,) * 50)
    body = markdown.comment(decision)
    assert len(body.encode("utf-8")) <= markdown.LIMIT
    assert "Cut to fit GitHub's limit" in body.splitlines()[-1]
    assert body.count(markdown.MARKER) == 1
    assert html_of(body).tags <= _Html.ALLOWED
    assert "… 2980 more" in body  # findings beyond the cap are counted, not listed


def test_an_empty_change_says_so() -> None:
    decision = built(paths=())
    assert "Nothing to check" in markdown.markdown(decision)


# --- redaction across formats --------------------------------------------------------------------

def test_a_secret_in_a_matched_line_never_reaches_github() -> None:
    line = f"AWS_ACCESS_KEY_ID = '{AWS}'; aws_secret_access_key = '{AWS_SECRET}'"
    decision = built((finding(f"token {GITHUB_TOKEN} in code"),), paths=("deploy/settings.py",),
                     texts=(line,), notes=(f"saw {GITHUB_TOKEN}",),
                     required=(f"sast: {GITHUB_TOKEN}",))
    for name in ("markdown", "annotations", "sarif"):
        text = rendered(name, decision)
        for secret in (AWS, AWS_SECRET, GITHUB_TOKEN):
            assert secret not in text, (name, secret)
        assert "REDACTED" in text
    assert "REDACTED" in markdown.comment(decision)


# --- annotations ---------------------------------------------------------------------------------

def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """The runner's own reading of a line (actions/runner ActionCommand.TryParseV2)."""
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, props = info.partition(" ")
    properties = {}
    for item in (p for p in props.strip().split(",") if p):
        key, sep, value = item.partition("=")
        if sep and key and value:
            for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                               ("%25", "%")):
                value = value.replace(code, char)
            properties[key] = value
    data = message[end + 2:]
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        data = data.replace(code, char)
    return name, properties, data


def commands(decision: Decision) -> Iterator[tuple[str, dict[str, str], str]]:
    text = rendered("annotations", decision)
    for line in text.splitlines():
        assert "##[" not in line  # the runner's legacy form, read anywhere in a line
        parsed = parse_command(line)
        if parsed is None:
            assert line.startswith("draftgate: "), line
            continue
        assert parsed[0] in ("error", "warning", "notice"), line
        yield parsed


def test_annotations_of_a_real_block(blocked: Decision) -> None:
    found = list(commands(blocked))
    errors = [(p.get("file"), p.get("line")) for kind, p, _ in found if kind == "error"]
    assert ("app/users.py", "7") in errors
    notices = [p for kind, p, _ in found if kind == "notice"]
    # both files are high: the SQL built inside execute() (injection) and the auth module
    assert [p["file"] for p in notices] == ["app/users.py", "auth/login.py"]
    assert all(p["title"] == "draftgate: tier high" for p in notices)
    assert notices[1]["line"] == "1"


def test_annotation_text_cannot_forge_a_command() -> None:
    message = "a\r\n::stop-commands::tok\n::error file=x::forged %0A 100% ##[add-mask]BLOCK"
    path = "dir,with::colon/x%2C.py"
    decision = built((finding(message, path=path, rule="r,1::x", end_line=9),))
    kind, props, data = next(commands(decision))
    assert kind == "error" and props["file"] == path and props["line"] == "3"
    assert props["endLine"] == "9" and props["title"] == "bandit r,1::x (high)"
    assert "::stop-commands::tok\n::error file=x::forged %0A 100%" in data
    assert "\r" not in data  # shown as \x0d, never a line break of its own


def test_hostile_annotations_stay_one_command_a_line() -> None:
    found = list(commands(hostile_decision()))
    # 10 errors, 9 notices and the one that says how many more: nothing forged, nothing split
    assert len(found) == 10 + 9 + 1
    assert all(not INVISIBLE.search(data.replace("\n", "")) for _, _, data in found)
    files = [p["file"] for _, p, _ in found if "file" in p]
    assert files and all(not f.startswith(("/", "..")) for f in files)
    assert not any(INVISIBLE.search(f) for f in files)


def test_annotations_respect_githubs_ten_per_kind() -> None:
    severities = ["low", "critical", "medium", "high"]
    blocking = tuple(finding(f"b{i}", severity=severities[i % 4], line=i + 1, fingerprint=f"b{i}")
                     for i in range(25))
    other = tuple(finding(f"w{i}", blocking=False, line=i + 1, fingerprint=f"w{i}")
                  for i in range(13))
    old = tuple(finding(f"o{i}", blocking=False, introduced=False, fingerprint=f"o{i}")
                for i in range(3))
    paths = tuple(f"auth/f{i}.py" for i in range(12))
    decision = built(blocking + other + old, paths=paths, texts=("password = x",) * 12)
    found = list(commands(decision))
    kinds = [kind for kind, _, _ in found]
    assert kinds.count("error") == 10 and kinds.count("warning") == 10
    assert kinds.count("notice") == 10
    titles = [p["title"] for kind, p, _ in found if kind == "error"]
    assert all("critical" in t for t in titles[:6]) and "high" in titles[6]
    summary = found[-1][2]
    assert "15 more errors, 3 more warnings, 3 more notices" in summary
    assert "pull-request comment" in summary
    plain = rendered("annotations", decision).splitlines()[-1]
    assert plain.startswith("draftgate: 15 more errors")


def test_a_quiet_decision_has_no_annotations(seeded: Repo) -> None:
    seeded.write("app/users.py", SAFE)
    assert rendered("annotations", real_decision(seeded)) == ""


# --- registry and import cost --------------------------------------------------------------

def test_the_formats_are_registered_and_import_no_heavy_library() -> None:
    assert {"sarif", "markdown", "annotations"} <= set(FORMATS)
    probe = ("import sys, io\n"
             "from tests.test_report_github import built, finding\n"
             "from gates.report import render\n"
             "for name in ('sarif', 'markdown', 'annotations'):\n"
             "    render(name, built((finding(),)), io.StringIO())\n"
             "heavy = sorted(m for m in ('rich', 'httpx', 'pydantic', 'githubkit') "
             "if m in sys.modules)\n"
             "print(heavy)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_explain_lists_more_matches() -> None:
    decision = built((finding(),))
    fc = decision.classification.files[0]
    many = tuple(Match(f"r{i}", "auth", MatchKind.CONTENT, "high", "p",
                       Evidence(Side.ADDED, i + 1, f"line {i}")) for i in range(8))
    decision = replace(decision, classification=replace(
        decision.classification, files=(replace(fc, matches=many),)))
    assert "5 more matches" in markdown.markdown(decision)
    assert "more matches" not in markdown.markdown(decision, explain=True)
    assert sarif.to_dict(decision) == sarif.to_dict(decision)  # nothing random
    error, notice = (parse_command(line) for line in workflow.lines(decision))
    assert error is not None and error[0] == "error"
    assert notice == ("notice", {"file": "app/x.py", "line": "1",
                                 "title": "draftgate: tier high"},
                      "r0 (auth) line 1: line 0 (and 7 more reasons)")
