"""The terminal report: what a person reads after ``gate check``.

Built from ``rich.text.Text`` pieces, never from markup strings, so a path or diff line can never be
read as styling; every untrusted string (paths, matched lines, stage messages, the model's summary
and findings) also goes through ``untrusted.clean`` and is cut to a bound. rich honours
``NO_COLOR``, ``FORCE_COLOR`` and plain (non-TTY) output by itself.

By default the report shows what blocks and what a person must read; findings that block nothing
and ask no one (a scanner's notes below the blocking threshold, findings already present before
the change, accepted suppressions) are counted on one line, and ``--explain`` lists them all
(docs/reports.md).
"""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.text import Text

from gates.model import Decision, FileClass, Finding, Match, Outcome, StageResult, StageStatus
from gates.report.untrusted import clean, cut, ranked
from gates.scanners.testfiles import ASKS

MATCHES_SHOWN = 3  # per file without --explain
NOTES_SHOWN = 40  # findings that block nothing but need a look, without --explain
MESSAGE_SHOWN = 400  # characters of one message without --explain (a model may write 4,000)
ACTION_SHOWN = 1000  # characters of one required action: what a person must do, cut only late
RULES_NAMED = 3  # rules named on the line that counts the folded notes
# Scanners whose non-blocking findings are notes below the policy's threshold: folded by default.
# Everything else that blocks nothing (a dependency not audited, a new package source, the model's
# remarks, the gate's own checks) is few and is about what a person must look at: shown.
_QUIET_TOOLS = frozenset({"bandit", "semgrep"})
# The note gates.stages.sast gives a finding that a suppression nobody accepted holds for a person.
_HELD = "a person must accept the suppression"

_TIER_STYLE = {"high": "bold red", "medium": "yellow", "low": "green"}
_OUTCOME_STYLE = {
    Outcome.PASS: "bold green",
    Outcome.BLOCK: "bold red",
    Outcome.PENDING: "bold yellow",
    Outcome.ERROR: "bold red",
    Outcome.TOOL_FAILURE: "bold magenta",
}
# Stages whose message is printed under the outcome as a required action.
_ASKED = (StageStatus.PENDING, StageStatus.FAILED, StageStatus.ERROR)
_STATUS_STYLE = {
    StageStatus.PASSED: "green",
    StageStatus.FAILED: "red",
    StageStatus.ERROR: "magenta",
    StageStatus.SKIPPED: "dim",
    StageStatus.PENDING: "yellow",
}


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich exits with status 1 here; the CLI must still exit with the decision's code.
        self.quiet = True
        raise BrokenPipeError


def console_for(out: TextIO) -> Console:
    """A console on ``out`` that wraps nothing (logs and CI keep whole lines)."""
    return _Console(file=out, highlight=False, soft_wrap=True, emoji=False)


def render(decision: Decision, out: TextIO, *, explain: bool = False) -> None:
    """Print the decision: tier and lane, reasons per file, stages, outcome."""
    console = console_for(out)
    if not decision.change.files:
        console.print(Text("draftgate: nothing to check (the change is empty)", style="bold"))
        return
    _summary(console, decision, explain=explain)
    _stages(console, decision, explain=explain)


def render_explain(decision: Decision, out: TextIO) -> None:
    """``gate explain``: every file and every rule, no stages run."""
    console = console_for(out)
    if not decision.change.files:
        console.print(Text("draftgate: no files to explain", style="bold"))
        return
    _summary(console, decision, explain=True)
    console.print(Text("(gate explain runs no stages: use gate check)", style="dim"))


def _summary(console: Console, decision: Decision, *, explain: bool) -> None:
    change, classification = decision.change, decision.classification
    for note in decision.notes:
        console.print(Text(f"note: {clean(note)}", style="yellow"))
    header = Text("draftgate ", style="bold")
    header.append(f"· {change.source.kind.value} · {len(change.files)} file"
                  f"{'s' if len(change.files) != 1 else ''} (+{change.added} -{change.removed})"
                  f" · policy {clean(decision.policy.origin)}", style="dim")
    console.print(header)
    line = Text("tier ")
    line.append(classification.tier.upper(), style=tier_style(classification.tier))
    line.append("  lane: " + (" → ".join(decision.lane) or "(none)"))
    console.print(line)
    if classification.provenance.ai_drafted:
        for evidence in classification.provenance.evidence:
            console.print(Text(f"  AI-drafted: {clean(evidence)}", style="cyan"))
    for escalation in classification.escalations:
        console.print(Text(f"  raised {escalation.from_tier} → {escalation.to_tier} by "
                           f"{escalation.rule}: {clean(escalation.reason)}", style="cyan"))
    print_files(console, classification.files, explain=explain)


def _stages(console: Console, decision: Decision, *, explain: bool) -> None:
    stages = Text("stages: ")
    for i, result in enumerate(decision.results):
        if i:
            stages.append(" · ")
        stages.append(f"{result.stage} ")
        stages.append(result.status.value, style=_STATUS_STYLE[result.status])
    if decision.results:
        console.print(stages)
    for result in decision.results:
        # What a failed, pending or erroring stage says is printed under the outcome (the
        # required actions); a passed stage's message is where the model's verdict and summary
        # and the count of dependencies not audited are said.
        if result.message and result.status in (StageStatus.PASSED, StageStatus.SKIPPED):
            console.print(stage_line(result, explain=explain))
    findings = [f for r in decision.results for f in r.findings]
    said = {r.stage: _bounded(f"{r.stage}: {r.message}", explain=explain, limit=ACTION_SHOWN)
            for r in decision.results if r.status in _ASKED}
    listed = [f for r in decision.results for f in r.findings
              if explain or needs_attention(f) or _unsaid(f, said.get(r.stage))]
    folded = [] if explain else [(f, r.status is StageStatus.PENDING) for r in decision.results
                                 for f in r.findings
                                 if not (needs_attention(f) or _unsaid(f, said.get(r.stage)))]
    room, more = NOTES_SHOWN, 0
    # Most severe first: a flood of remarks (a model may write hundreds) never hides a block;
    # and what a person is asked to accept comes before remarks, never counted away.
    for finding in sorted(ranked(listed), key=lambda f: not (f.blocking or asks(f))):
        if not explain and not finding.blocking and not asks(finding):
            if not room:
                more += 1
                continue
            room -= 1
        console.print(finding_line(finding, explain=explain))
    if more:
        console.print(Text(f"  … {more} more note{'s' if more != 1 else ''} to look at; "
                           "--explain shows them", style="yellow"))
    if folded:
        console.print(folded_line(folded))
    # (semgrep itself ran offline, --metrics=off; here only its findings are printed)
    if any(f.blocking and f.tool in ("bandit", "semgrep") for f in findings):
        console.print(Text("  a false positive can be marked on its line with "
                           "'# nosec BXXX' (bandit) or '# nosemgrep: RULE' (semgrep): a "
                           "suppression the change adds is shown and needs a person's approval",
                           style="dim"))
    verdict = Text(f"{decision.outcome.value.upper()}", style=_OUTCOME_STYLE[decision.outcome])
    verdict.append(f" (exit {decision.exit_code})")
    for action in decision.required_actions:
        # A stage's message quotes the change and the model (a summary may carry escapes).
        verdict.append(f"\n  {_bounded(action, explain=explain, limit=ACTION_SHOWN)}")
    console.print(verdict)


def needs_attention(finding: Finding) -> bool:
    """Whether the default report lists ``finding`` on a line of its own.

    Listed: what blocks, and what a person should read (a dependency the audit could not settle
    or a new package source, the model's remarks, the gate's own checks such as a suppression the
    change adds). Counted on one line: a scanner's finding that blocks nothing (below the
    threshold, already present before the change, behind an accepted suppression). A scanner's
    finding held for a person by a suppression nobody accepted is counted too when its stage's
    required action names its place (``_unsaid``); one in a test file (``sast.tests``) is listed:
    a person is asked to accept it, and the action names only a few places.
    """
    if finding.blocking or ASKS in finding.note:
        return True
    return not (finding.suppressed or not finding.introduced or finding.tool in _QUIET_TOOLS)


def asks(finding: Finding) -> bool:
    """Whether ``finding`` blocks nothing only because a person must accept it: one in a test
    file (``sast.tests``) or one a suppression nobody accepted holds. The person approving the
    change approves these, so the default report never counts them away."""
    return not finding.blocking and (ASKS in finding.note or _HELD in finding.note)


def _unsaid(finding: Finding, action: str | None) -> bool:
    """A held finding whose place its stage's required action, as printed, does not name.

    The action names at most a few places and is cut at ``ACTION_SHOWN``: a change that puts
    other reasons first (files that cannot be scanned, long paths) would push the rest out of
    it, and the finding, folded, out of sight.
    """
    if action is None or not asks(finding):
        return False
    where = f"{finding.path}:{finding.line}" if finding.line else finding.path
    return clean(where) not in action


def folded_line(folded: list[tuple[Finding, bool]]) -> Text:
    """``+ 84 notes that block nothing: 80 below the blocking threshold, … (60 B101, …)``.

    Each finding comes with whether its stage waits for a person: there a new finding that blocks
    nothing may be below the threshold or held by a suppression nobody accepted, and the line
    must not call it harmless.
    """
    suppressed = sum(1 for f, _ in folded if f.suppressed)
    present = sum(1 for f, _ in folded if not f.suppressed and not f.introduced)
    held = sum(1 for f, waits in folded if waits and f.introduced and not f.suppressed)
    below = len(folded) - suppressed - present - held
    kinds = [f"{n} {what}" for n, what in (
        (below, "below the blocking threshold"),
        (held, "from a stage that waits for a person (why: under the outcome)"),
        (present, "already present before the change"), (suppressed, "suppressed")) if n]
    rules = Counter(clean(cut(f.rule, 60)) for f, _ in folded).most_common()
    named = ", ".join(f"{n} {rule}" for rule, n in rules[:RULES_NAMED])
    if len(rules) > RULES_NAMED:
        named += ", …"
    return Text(f"  + {len(folded)} note{'s' if len(folded) != 1 else ''} that block nothing: "
                f"{', '.join(kinds)} ({named}); --explain shows them", style="dim")


def stage_line(result: StageResult, *, explain: bool = False) -> Text:
    """``  review: model verdict: approve; <summary>; tokens …``, cleaned and bounded."""
    style = "dim" if result.status is StageStatus.SKIPPED else ""
    return Text(f"  {result.stage}: {_bounded(result.message, explain=explain)}", style=style)


def _bounded(text: str, *, explain: bool, limit: int = MESSAGE_SHOWN) -> str:
    """One line of untrusted text: control, bidi and invisible characters shown as escapes,
    cut to ``limit`` characters unless ``--explain`` asks for everything."""
    text = clean(text)
    return text if explain else cut(text, limit)


def finding_line(finding: Finding, *, explain: bool = False) -> Text:
    """``  BLOCK  path:line  tool rule (severity): message``, the message's first line."""
    label, style = ("BLOCK", "bold red") if finding.blocking else (
        ("nosec", "dim") if finding.suppressed else ("note", "yellow"))
    text = Text(f"  {label:<6}", style=style)
    where = f"{finding.path}:{finding.line}" if finding.line else finding.path
    text.append(f"{clean(where)}  ", style="bold")
    level = finding.severity + (f"/{finding.confidence}" if finding.confidence else "")
    text.append(f"{finding.tool} {clean(finding.rule)} ({level}): ")
    text.append(_bounded(finding.message.splitlines()[0] if finding.message else "",
                         explain=explain))
    if finding.note:
        text.append(f" [{clean(finding.note)}]", style="dim")
    return text


def print_files(console: Console, files: tuple[FileClass, ...], *, explain: bool) -> None:
    """One block per file with its tier and reasons; unmatched files only with ``explain``."""
    hidden = 0
    for fc in files:
        if not fc.matches and not explain:
            hidden += 1
            continue
        console.print(file_line(fc))
        shown = fc.matches if explain else fc.matches[:MATCHES_SHOWN]
        for match in shown:
            console.print(match_line(match, explain=explain))
        more = len(fc.matches) - len(shown) + fc.truncated
        if more:
            console.print(Text(f"        … {more} more match{'es' if more != 1 else ''}"
                               f"{'' if explain else ' (--explain shows them)'}", style="dim"))
    if hidden:
        tier = next(f.tier for f in files if not f.matches)
        console.print(Text(f"{hidden} file{'s' if hidden != 1 else ''} matched no rule "
                           f"(tier {tier}); --explain lists every file", style="dim"))


def tier_style(tier: str) -> str:
    """Colour for a tier name (unknown custom tiers are bold)."""
    return _TIER_STYLE.get(tier, "bold")


def file_line(fc: FileClass) -> Text:
    """``HIGH    path  (status, +a -r)`` with renames and link targets."""
    f = fc.file
    text = Text(f"{fc.tier.upper():<7} ", style=tier_style(fc.tier))
    text.append(clean(f.path), style="bold")
    details = [f.status.value]
    if f.old_path:
        details.append(f"from {clean(f.old_path)}")
    if f.link_targets:
        details.append("→ " + ", ".join(clean(t) for t in f.link_targets))
    if f.binary:
        details.append(f"opaque: {clean(f.view)}" if f.view else "binary")
    elif f.view:
        details.append(f"read as {clean(f.view)}")
    if f.submodule:
        details.append("submodule")
    if f.added or f.removed:
        details.append(f"+{f.added} -{f.removed}")
    text.append(f"  ({', '.join(details)})", style="dim")
    return text


def match_line(match: Match, *, explain: bool) -> Text:
    """One reason: the rule, where it matched, and (with ``explain``) the pattern."""
    text = Text(f"        {match.rule:<22} ", style="bold")
    evidence = match.evidence
    if evidence.line is not None:
        sign = "+" if evidence.side.value == "added" else "-"
        text.append(f"{sign}{evidence.line}: ", style="cyan")
        text.append(clean(evidence.text or ""))
    elif evidence.side.value == "path":
        text.append(clean(match.pattern) if match.kind.value != "kind" else match.pattern)
    else:
        text.append(f"{evidence.side.value} {clean(evidence.text or '')}")
    if (explain and evidence.line is not None) or (explain and evidence.side.value != "path"):
        text.append(f"   ⟵ {clean(match.pattern)}", style="dim")
    return text
