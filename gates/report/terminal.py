"""The terminal report: what a person reads after ``gate check``.

Built from ``rich.text.Text`` pieces, never from markup strings, so a path or diff line can never be
read as styling; every untrusted string also goes through ``safe.clean``. rich honours ``NO_COLOR``,
``FORCE_COLOR`` and plain (non-TTY) output by itself.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.text import Text

from gates.model import Decision, FileClass, Finding, Match, Outcome, StageStatus
from gates.report.safe import clean

MATCHES_SHOWN = 3  # per file without --explain

_TIER_STYLE = {"high": "bold red", "medium": "yellow", "low": "green"}
_OUTCOME_STYLE = {
    Outcome.PASS: "bold green",
    Outcome.BLOCK: "bold red",
    Outcome.PENDING: "bold yellow",
    Outcome.ERROR: "bold red",
    Outcome.TOOL_FAILURE: "bold magenta",
}
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
    _stages(console, decision)


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
                           f"{escalation.rule}: {escalation.reason}", style="cyan"))
    print_files(console, classification.files, explain=explain)


def _stages(console: Console, decision: Decision) -> None:
    stages = Text("stages: ")
    for i, result in enumerate(decision.results):
        if i:
            stages.append(" · ")
        stages.append(f"{result.stage} ")
        stages.append(result.status.value, style=_STATUS_STYLE[result.status])
    if decision.results:
        console.print(stages)
    for result in decision.results:
        if result.status is StageStatus.SKIPPED and result.message:
            console.print(Text(f"  {result.stage}: {result.message}", style="dim"))
        for finding in result.findings:
            console.print(finding_line(finding))
    # (semgrep itself ran offline, --metrics=off; here only its findings are printed)
    if any(f.blocking and f.tool in ("bandit", "semgrep") for r in decision.results
           for f in r.findings):
        console.print(Text("  a false positive can be marked on its line with "
                           "'# nosec BXXX' (bandit) or '# nosemgrep: RULE' (semgrep): a "
                           "suppression the change adds is shown and needs a person's approval",
                           style="dim"))
    verdict = Text(f"{decision.outcome.value.upper()}", style=_OUTCOME_STYLE[decision.outcome])
    verdict.append(f" (exit {decision.exit_code})")
    for action in decision.required_actions:
        verdict.append(f"\n  {action}")
    console.print(verdict)


def finding_line(finding: Finding) -> Text:
    """``  BLOCK  path:line  tool rule (severity): message``."""
    label, style = ("BLOCK", "bold red") if finding.blocking else (
        ("nosec", "dim") if finding.suppressed else ("note", "yellow"))
    text = Text(f"  {label:<6}", style=style)
    where = f"{finding.path}:{finding.line}" if finding.line else finding.path
    text.append(f"{clean(where)}  ", style="bold")
    level = finding.severity + (f"/{finding.confidence}" if finding.confidence else "")
    text.append(f"{finding.tool} {clean(finding.rule)} ({level}): ")
    text.append(clean(finding.message.splitlines()[0] if finding.message else ""))
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
