"""Markdown report: the sticky pull-request comment and the job's step summary.

The comment is the one place a reviewer reads the gate's answer: the outcome and the head it
judged, what is still required (who may apply which label), why each file got its tier, the
stages, the findings and the model's review. It is compact and capped at GitHub's 65,536
characters (counted here as UTF-8 bytes, which no GitHub count exceeds) with a note when cut.

Every string that came from the change or the model goes through ``untrusted.code``: one redacted,
cleaned inline code span, where GitHub renders nothing and links no one. Only fixed words,
numbers and enum values are written as Markdown. ``comment`` adds the hidden marker the sticky
comment is found by; the step summary gets the same Markdown without it.
"""

from __future__ import annotations

from typing import TextIO

from gates.model import (
    Decision,
    FileClass,
    Finding,
    Match,
    Outcome,
    Side,
    StageResult,
    StageStatus,
)
from gates.report.untrusted import code, ranked

MARKER = "<!-- draftgate:sticky-comment -->"
LIMIT = 65_536
REVIEW = "review"
FILES_SHOWN = 30
MATCHES_SHOWN = 3
MATCHES_EXPLAINED = 20
FINDINGS_SHOWN = 20
NOTES_SHOWN = 10
TEXT = 200  # characters of one quoted string (a path, a matched line)
MESSAGE = 500  # characters of one message (a finding, a stage, a required action)

_OUTCOME = {
    Outcome.PASS: "✅ PASS",
    Outcome.BLOCK: "⛔ BLOCK",
    Outcome.PENDING: "⏳ PENDING",
    Outcome.ERROR: "⚠️ ERROR",
    Outcome.TOOL_FAILURE: "🛠️ TOOL FAILURE",
}
_STATUS = {
    StageStatus.PASSED: "✅",
    StageStatus.FAILED: "❌",
    StageStatus.ERROR: "⚠️",
    StageStatus.SKIPPED: "⏭️",
    StageStatus.PENDING: "⏳",
}


def render(decision: Decision, out: TextIO, *, explain: bool = False) -> None:
    """Write the Markdown (no marker): what ``$GITHUB_STEP_SUMMARY`` gets."""
    out.write(markdown(decision, explain=explain))


def comment(decision: Decision) -> str:
    """The sticky comment's body: the hidden marker on the first line, then the Markdown.

    The marker appears exactly once, at the start: quoted text cannot contain it
    (``untrusted.code``), so the comment found by it is always the gate's own.
    """
    return f"{MARKER}\n" + markdown(decision, limit=LIMIT - len(MARKER) - 1)


def failure(message: str, exit_code: int, head: str | None) -> str:
    """The sticky comment when the gate could not judge (exit 2 or 4): an earlier verdict on the
    pull request must not stand beside a head nobody judged."""
    what = "could not run a check" if exit_code == 4 else "could not judge this pull request"
    judged = f" at head {code(head[:12])}" if head else ""
    return (f"{MARKER}\n### draftgate: {what} (exit {exit_code})\n\n"
            f"No verdict{judged}: {code(message, MESSAGE)}\n\n"
            "The pull request stays blocked until the gate runs cleanly; see the workflow run.\n")


def markdown(decision: Decision, *, explain: bool = False, limit: int = LIMIT) -> str:
    """The report as Markdown of at most ``limit`` UTF-8 bytes."""
    return _fit(_lines(decision, explain=explain), limit)


def _lines(decision: Decision, *, explain: bool) -> list[str]:
    lines = _headline(decision)
    if not decision.change.files:
        return [*lines, "", "Nothing to check: the change is empty."]
    # Most needed first: when the limit cuts, it cuts the per-file reasons and the notes.
    for section in (_required(decision), _stages(decision), _findings(decision),
                    _review(decision), _files(decision, explain=explain), _notes(decision)):
        if section:
            lines += ["", *section]
    return lines


def _headline(decision: Decision) -> list[str]:
    change, source = decision.change, decision.change.source
    lines = [f"### draftgate: {_OUTCOME[decision.outcome]} (exit {decision.exit_code})", ""]
    where = [f"tier {code(decision.classification.tier.upper(), secret=False)}"]
    if decision.lane:
        where.append("lane " + " → ".join(code(s, 60, secret=False) for s in decision.lane))
    count = len(change.files)
    where.append(f"{count} file{'s' if count != 1 else ''} (+{change.added} -{change.removed})")
    lines.append(" · ".join(where))
    judged = []
    if source.head:
        judged.append(f"head {code(source.head, 64, secret=False)}")
    if source.base:
        judged.append(f"base {code(source.base, 64, secret=False)}")
    if source.merge_base and source.merge_base != source.base:
        judged.append(f"merge base {code(source.merge_base, 64, secret=False)}")
    judged.append(f"policy {code(decision.policy.origin, 120)} "
                  f"{code(decision.policy.digest[:12], secret=False)}")
    lines += ["", "Judged: " + " · ".join(judged)]
    provenance = decision.classification.provenance
    if provenance.ai_drafted:
        lines += ["", "AI-drafted: " + ", ".join(code(e, TEXT) for e in provenance.evidence[:5])]
    return lines


def _required(decision: Decision) -> list[str]:
    if not decision.required_actions:
        return []
    return ["**Still required**", *(f"- {code(a, MESSAGE)}" for a in decision.required_actions)]


def _files(decision: Decision, *, explain: bool) -> list[str]:
    classification = decision.classification
    by_tier: dict[str, int] = {}
    for fc in classification.files:
        by_tier[fc.tier] = by_tier.get(fc.tier, 0) + 1
    counts = ", ".join(f"{n} {code(tier, 40, secret=False)}" for tier, n in by_tier.items())
    lines = [f"**Files** ({counts})"]
    listed = [fc for fc in classification.files if fc.matches or explain]
    for fc in listed[:FILES_SHOWN]:
        lines += _file(fc, explain=explain)
    if len(listed) > FILES_SHOWN:
        lines.append(f"- … {len(listed) - FILES_SHOWN} more files with reasons "
                     "(`gate explain` lists them all)")
    quiet = len(classification.files) - len(listed)
    if quiet:
        tier = next(fc.tier for fc in classification.files if not fc.matches)
        lines.append(f"- {quiet} file{'s' if quiet != 1 else ''} matched no rule "
                     f"(tier {code(tier, 40, secret=False)})")
    for e in classification.escalations:
        lines.append(f"- raised {code(e.from_tier, 40, secret=False)} → "
                     f"{code(e.to_tier, 40, secret=False)} by {code(e.rule, 80, secret=False)}: "
                     f"{code(e.reason, MESSAGE)}")
    return lines


def _file(fc: FileClass, *, explain: bool) -> list[str]:
    f = fc.file
    details = [f.status.value]
    if f.old_path:
        details.append(f"from {code(f.old_path, TEXT)}")
    if f.binary:
        details.append("opaque" if f.view else "binary")
    elif f.view:
        details.append(f"read as {code(f.view, 80)}")
    if f.added or f.removed:
        details.append(f"+{f.added} -{f.removed}")
    lines = [f"- {code(fc.tier.upper(), 40, secret=False)} {code(f.path, TEXT)} "
             f"({', '.join(details)})"]
    cap = MATCHES_EXPLAINED if explain else MATCHES_SHOWN
    lines += [f"  - {_match(m, f.path)}" for m in fc.matches[:cap]]
    more = max(len(fc.matches) - cap, 0) + fc.truncated
    if more:
        lines.append(f"  - … {more} more match{'es' if more != 1 else ''}")
    return lines


def _match(match: Match, path: str) -> str:
    evidence = match.evidence
    rule = f"{code(match.rule, 80, secret=False)} ({code(match.category, 60, secret=False)})"
    if evidence.line is not None:
        sign = "+" if evidence.side is Side.ADDED else "-"
        return f"{rule} {sign}{evidence.line}: {code(evidence.text or '', TEXT, path=path)}"
    if evidence.side is Side.PATH:
        return f"{rule} path matches {code(match.pattern, TEXT)}"
    return f"{rule} {evidence.side.value}: {code(evidence.text or '', TEXT, path=path)}"


def _stages(decision: Decision) -> list[str]:
    if not decision.results:
        return []
    return ["**Stages**", *(_stage(r, decision.required_actions) for r in decision.results)]


def _stage(result: StageResult, required: tuple[str, ...]) -> str:
    line = (f"- {_STATUS[result.status]} {code(result.stage, 60, secret=False)} "
            f"{result.status.value} ({result.duration:.1f} s)")
    # Said once: under "Still required", or (the review's) under "Model review".
    if not result.message or result.stage == REVIEW \
            or f"{result.stage}: {result.message}" in required:
        return line
    return f"{line}: {code(result.message, MESSAGE)}"


def _findings(decision: Decision) -> list[str]:
    found = ranked(f for r in decision.results if r.stage != REVIEW for f in r.findings)
    if not found:
        return []
    blocking = sum(1 for f in found if f.blocking)
    lines = [f"**Findings** ({blocking} blocking, {len(found) - blocking} not blocking)"]
    return lines + _finding_list(found)


def _review(decision: Decision) -> list[str]:
    result = next((r for r in decision.results if r.stage == REVIEW), None)
    if result is None:
        return []
    lines = [f"**Model review** {_STATUS[result.status]} {result.status.value}"]
    if result.message:
        lines.append(f"- {code(result.message, MESSAGE * 2)}")
    return lines + _finding_list(ranked(result.findings))


def _finding_list(found: list[Finding]) -> list[str]:
    lines = [_finding(f) for f in found[:FINDINGS_SHOWN]]
    if len(found) > FINDINGS_SHOWN:
        lines.append(f"- … {len(found) - FINDINGS_SHOWN} more (in the SARIF upload and in "
                     "`gate check --format json`)")
    return lines


def _finding(finding: Finding) -> str:
    label = "⛔ block" if finding.blocking else ("suppressed" if finding.suppressed else (
        "note" if finding.introduced else "already present"))
    where = f"{finding.path}:{finding.line}" if finding.line else finding.path
    level = finding.severity + (f"/{finding.confidence}" if finding.confidence else "")
    line = (f"- {label} {code(where, TEXT)} {code(finding.tool, 40, secret=False)} "
            f"{code(finding.rule, 80)} ({code(level, 40, secret=False)}): "
            f"{code(finding.message, MESSAGE)}")
    return f"{line} {code(finding.note, TEXT)}" if finding.note else line


def _notes(decision: Decision) -> list[str]:
    if not decision.notes:
        return []
    lines = ["**Notes**", *(f"- {code(n, MESSAGE)}" for n in decision.notes[:NOTES_SHOWN])]
    if len(decision.notes) > NOTES_SHOWN:
        lines.append(f"- … {len(decision.notes) - NOTES_SHOWN} more notes")
    return lines


def _fit(lines: list[str], limit: int) -> str:
    """Whole lines while they fit, then a note that says how many were cut.

    Every line is complete Markdown on its own (a heading, a list item, a paragraph of code
    spans), so cutting between two lines never leaves a span or a list open.
    """
    size = 0
    for i, line in enumerate(lines):
        size += len(line.encode("utf-8")) + 1
        if size > limit - _RESERVE:
            note = (f"\n> ✂️ Cut to fit GitHub's limit of {LIMIT:,} characters: {len(lines) - i} "
                    "more lines are in the job log (`gate check --format json`) and the SARIF "
                    "upload.\n")
            return "\n".join(lines[:i]) + "\n" + note
    return "\n".join(lines) + "\n"


_RESERVE = 300  # bytes kept free for the truncation note
