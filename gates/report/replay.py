"""Reports of a replay: a terminal summary, a JSON document, or CSV rows for a spreadsheet.

Commit subjects and paths come from the history under review: the terminal report escapes control
characters (``safe.clean``), and CSV cells that a spreadsheet would run as a formula are quoted.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Callable, Iterator
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gates.replay import Replay, Row, Tally
from gates.report.safe import clean
from gates.report.terminal import console_for, tier_style

SCHEMA_VERSION = 1
TOP_RULES = 10
ROWS_SHOWN = 20
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(name: str, result: Replay, out: TextIO, *, since: str, until: str) -> None:
    """Write ``result`` in format ``name`` (terminal, json or csv)."""
    if name == "json":
        out.write(json.dumps(document(result, since=since, until=until), indent=2) + "\n")
    elif name == "csv":
        write_csv(result, out)
    else:
        terminal(result, out, since=since, until=until)


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _policy_summary(result: Replay, index: int) -> dict[str, object]:
    policy, tally = result.policies[index], result.tallies[index]
    total = len(result.rows)
    return {
        "origin": policy.origin,
        "digest": policy.digest,
        "tiers": {t: tally.tiers.get(t, 0) for t in policy.tiers},
        "lanes": [{"lane": list(lane), "commits": n} for lane, n in tally.lanes.most_common()],
        "slow_lane": {"commits": tally.slow, "percent": _share(tally.slow, total)},
        "top_rules": [{"rule": rule, "commits": n}
                      for rule, n in tally.rules.most_common(TOP_RULES)],
    }


def _row_document(row: Row) -> dict[str, object]:
    return {
        "sha": row.sha, "parent": row.parent, "date": row.date, "summary": row.summary,
        "files": row.files, "added": row.added, "removed": row.removed,
        "ai_drafted": row.ai_drafted,
        "verdicts": [{"tier": v.tier, "lane": list(v.lane), "slow": v.slow,
                      "reasons": list(v.reasons)} for v in row.verdicts],
    }


def document(result: Replay, *, since: str, until: str) -> dict[str, object]:
    """The JSON report: totals per policy, then one entry per commit (newest first)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "range": {"since": since, "until": until, "commits": len(result.rows)},
        "seconds": round(result.seconds, 3),
        "commits_per_second": round(result.rate, 1),
        "policies": [_policy_summary(result, i) for i in range(len(result.policies))],
        "changed": [r.sha for r in result.changed] if len(result.policies) > 1 else [],
        "shallow_boundary": list(result.boundary),
        "notes": list(result.notes),
        "commits": [_row_document(r) for r in result.rows],
    }


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``=``, ``+``, ``-`` or ``@`` would make
    Excel or LibreOffice run the cell (a commit subject is attacker-controlled)."""
    text = str(value)
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


def write_csv(result: Replay, out: TextIO) -> None:
    """One row per commit; with ``--compare``, each policy's columns side by side."""
    writer = csv.writer(out, lineterminator="\n")
    suffixes = [""] if len(result.policies) == 1 else \
        [f"_{chr(ord('a') + i)}" for i in range(len(result.policies))]
    header = ["sha", "parent", "date", "files", "added", "removed", "ai_drafted"]
    for suffix in suffixes:
        header += [f"tier{suffix}", f"lane{suffix}", f"slow{suffix}", f"reasons{suffix}"]
    writer.writerow([*header, "summary"])
    for row in result.rows:
        cells: list[object] = [row.sha, row.parent or "", row.date, row.files, row.added,
                               row.removed, str(row.ai_drafted).lower()]
        for verdict in row.verdicts:
            cells += [verdict.tier, "+".join(verdict.lane), str(verdict.slow).lower(),
                      "; ".join(verdict.reasons)]
        writer.writerow([_cell(c) for c in [*cells, row.summary]])


def terminal(result: Replay, out: TextIO, *, since: str, until: str) -> None:
    """The summary a person reads: tiers, lanes, slow-lane share, top rules, notable commits."""
    console = console_for(out)
    total = len(result.rows)
    header = Text("draftgate replay ", style="bold")
    header.append(f"· {total} commit{'s' if total != 1 else ''} ({clean(since)}..{clean(until)})"
                  f" · {result.seconds:.1f} s, {result.rate:.0f} commits/s", style="dim")
    if len(result.policies) == 1:
        header.append(f" · policy {clean(result.policies[0].origin)}", style="dim")
    console.print(header)
    for note in result.notes:
        console.print(Text(f"note: {clean(note)}", style="yellow"))
    if result.boundary:
        console.print(Text(f"note: {len(result.boundary)} commit(s) at the edge of this shallow "
                           "clone left out (their parent is not here; fetch more history to "
                           "judge them)", style="yellow"))
    if not total:
        console.print("no non-merge commits in that range")
        return
    names = ["commits"]
    if len(result.policies) > 1:  # long paths make poor column titles: letters, then a legend
        names = [chr(ord("A") + i) for i in range(len(result.policies))]
        for name, policy in zip(names, result.policies, strict=True):
            console.print(Text(f"{name}: policy {clean(policy.origin)}"))
    _tier_table(console, result, names)
    _lane_table(console, result, names)
    for name, tally in zip(names, result.tallies, strict=True):
        _top_rules(console, name if len(names) > 1 else "", tally)
    if len(result.policies) > 1:
        _changed(console, result)
    else:
        _raised(console, result)


def _tier_table(console: Console, result: Replay, names: list[str]) -> None:
    total = len(result.rows)
    table = Table(title=None, box=None, pad_edge=False, show_edge=False)
    table.add_column("tier")
    for name in names:
        table.add_column(name, justify="right")
    tiers = list(dict.fromkeys(t for p in result.policies for t in reversed(p.tiers)))
    for tier in tiers:
        table.add_row(Text(tier, style=tier_style(tier)),
                      *(f"{t.tiers.get(tier, 0)} ({_share(t.tiers.get(tier, 0), total)}%)"
                        for t in result.tallies))
    table.add_row(Text("slow lane", style="bold"),
                  *(f"{t.slow} ({_share(t.slow, total)}%)" for t in result.tallies))
    console.print(table)


def _lane_table(console: Console, result: Replay, names: list[str]) -> None:
    lanes = list(dict.fromkeys(lane for t in result.tallies for lane, _ in t.lanes.most_common()))
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("lane")
    for name in names:
        table.add_column(name, justify="right")
    for lane in lanes:
        table.add_row(" → ".join(lane) or "(none)", *(str(t.lanes.get(lane, 0))
                                                       for t in result.tallies))
    console.print(table)


def _top_rules(console: Console, name: str, tally: Tally) -> None:
    if not tally.rules:
        return
    title = "rules that raised the tier (commits)" + (f" · {name}" if name else "")
    console.print(Text(title, style="bold"))
    for rule, n in tally.rules.most_common(TOP_RULES):
        console.print(Text(f"  {n:>6}  {clean(rule)}"))


def _commit_line(row: Row, tiers: str, reasons: tuple[str, ...]) -> Text:
    line = Text(f"  {row.sha[:12]} ")
    line.append(tiers)
    line.append(f"  {clean(row.summary)[:72]}")
    if reasons:
        line.append(f"  [{clean('; '.join(reasons[:2]))}{' …' if len(reasons) > 2 else ''}]",
                    style="dim")
    return line


def _raised(console: Console, result: Replay) -> None:
    policy = result.policies[0]
    raised = [r for r in result.rows if r.verdicts[0].tier != policy.default_tier]
    if not raised:
        return
    console.print(Text(f"commits above {policy.default_tier} (newest first)", style="bold"))
    for row in raised[:ROWS_SHOWN]:
        console.print(_commit_line(row, f"{row.verdicts[0].tier:<7}", row.verdicts[0].reasons))
    _more(console, len(raised))


def _changed(console: Console, result: Replay) -> None:
    changed = result.changed
    console.print(Text(f"commits whose tier changed: {len(changed)}", style="bold"))
    for row in changed[:ROWS_SHOWN]:
        tiers = " → ".join(v.tier for v in row.verdicts)
        console.print(_commit_line(row, tiers, _why_moved(result, row)))
    _more(console, len(changed))


def _more(console: Console, listed: int) -> None:
    if listed > ROWS_SHOWN:
        console.print(Text(f"  … {listed - ROWS_SHOWN} more (--format csv or json lists every "
                           "commit)", style="dim"))


def _why_moved(result: Replay, row: Row) -> tuple[str, ...]:
    """The reasons of whichever policy put the commit higher: that is what the change is about."""
    first = row.verdicts[0]
    moved = next(v for v in row.verdicts[1:] if v.tier != first.tier)
    tiers = result.policies[0].tiers
    lowered = moved.tier in tiers and tiers.index(moved.tier) < tiers.index(first.tier)
    return first.reasons if lowered or not moved.reasons else moved.reasons


@contextlib.contextmanager
def progress(stream: TextIO, total: Callable[[], int]) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on ``stream`` when it is a terminal (None otherwise: logs stay clean)."""
    if not stream.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("replaying", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(file=stream), transient=True)
    with bar:
        task = bar.add_task("replay", total=total())
        yield lambda n: bar.advance(task, n)
