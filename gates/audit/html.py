"""``gate stats --html``: one self-contained page with the period's charts and tables.

No script, no font, no request: charts are inline SVG drawn here, styles are inline, and the
page's Content-Security-Policy forbids loading anything, so the page opens the same from a mail
attachment, an artifact or an air-gapped share. Every number on it is read from the
:func:`gates.audit.stats.summarise` document and carries that document's key and raw value
(``data-stat``, ``data-value``): a test compares them with ``gate stats --format json``. Names
(rules, tiers, logins, repositories) come from changes and other repositories: each is cleaned
of control characters, cut, and HTML-escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from gates.report.untrusted import shown

NAME = 80
Key = tuple[str | int, ...]  # a path into the summary document
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Lowest tier first: calm to alarming; tiers beyond these take the last colours again.
TIER_COLOURS = ("#3f9c5a", "#e0a526", "#d0453b", "#7d3c98", "#2e6fb5", "#777777")
BAR = "#4a6fa5"
BLOCK = "#d0453b"

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;
background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 12px}
.sub{color:#5b6470;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;
margin-bottom:16px}
.card,section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 16px}
section{margin-bottom:16px}
.card .n{font-size:26px;font-weight:600}.card .l{color:#5b6470}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
table{border-collapse:collapse;width:100%;margin-top:8px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff2;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
svg text{font:11px system-ui,sans-serif;fill:#5b6470}
.empty{color:#5b6470}
"""


def page(doc: dict[str, Any]) -> str:
    """The whole page as one string."""
    period = doc["period"]
    span = (f"{period['first'][:10]} to {period['last'][:10]}" if doc["decisions"]
            else "no decisions")
    title = f"draftgate decisions, {span}"
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="sub">From {_e(", ".join(shown(s, 200) for s in doc["sources"]))}'
            + (f"; {_num(('repeats_dropped',), doc['repeats_dropped'])} repeated record(s) "
               "counted once" if doc["repeats_dropped"] else "") + "</p>",
            _cards(doc)]
    if doc["decisions"]:
        body += [_over_time(doc), '<div class="grid">', _outcomes(doc), _tiers(doc), "</div>",
                 '<div class="grid">', _blocking(doc), _raising(doc), "</div>",
                 _stages(doc), _model(doc), '<div class="grid">', _approvals(doc),
                 _provenance(doc), "</div>", _repositories(doc)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
            f'<body><main data-stats-version="{doc["stats_version"]}">'
            + "\n".join(body) + "</main></body></html>\n")


# -- numbers ----------------------------------------------------------------------------------

def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _name(text: str) -> str:
    return f"<code>{_e(shown(text, NAME))}</code>"


def _key(key: Key) -> str:
    return _e(json.dumps(list(key)))


def _value(value: Any) -> str:
    return "null" if value is None else str(value)


def _num(key: Key, value: Any, *, tag: str = "span", cls: str = "", shown_as: str = "") -> str:
    """A number with the summary key it came from (a JSON array: the path into the
    ``--format json`` document, so no name can be mistaken for a separator) and its raw value."""
    text = shown_as or ("-" if value is None else f"{value:,}" if isinstance(value, int)
                        else str(value))
    css = f' class="{cls}"' if cls else ""
    return (f'<{tag}{css} data-stat="{_key(key)}" data-value="{_e(_value(value))}">'
            f"{_e(text)}</{tag}>")


def _pct(key: Key, share: float | None, **kw: Any) -> str:
    return _num(key, share, shown_as="-" if share is None else f"{share * 100:.1f} %", **kw)


def _usd(key: Key, cost: float, **kw: Any) -> str:
    return _num(key, cost, shown_as=f"${cost:.4f}", **kw)


def _sec(key: Key, seconds: float | None, **kw: Any) -> str:
    return _num(key, seconds, shown_as="-" if seconds is None else f"{seconds:.3f}", **kw)


def _table(heads: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    """Rows of cell HTML; columns from ``numeric_from`` on are numbers, aligned right."""
    if not rows:
        return '<p class="empty">None in this period.</p>'

    def cls(i: int) -> str:
        return ' class="num"' if i >= numeric_from else ""

    head = "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(heads))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{cell}</td>" for i, cell in enumerate(row))
                   + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# -- sections ---------------------------------------------------------------------------------

def _cards(doc: dict[str, Any]) -> str:
    tiers = doc["tiers"]
    top = len(tiers) - 1
    cards = [(_num(("decisions",), doc["decisions"], cls="n"), "decisions"),
             (_pct(("block_rate",), doc["block_rate"], cls="n"), "blocked")]
    if top >= 0:
        cards.append((_pct(("tiers", top, "share"), tiers[top]["share"], cls="n"),
                      f"{shown(tiers[top]['tier'], NAME)} tier"))
    cards += [(_usd(("model", "cost"), doc["model"]["cost"], cls="n"), "estimated model cost"),
              (_num(("approvals", "given"), doc["approvals"]["given"], cls="n"), "approvals given")]
    return ('<div class="cards">' + "".join(
        f'<div class="card">{n}<div class="l">{_e(label)}</div></div>' for n, label in cards)
        + "</div>")


Bar = tuple[Key, float, str, str]  # (summary key, value, colour, tooltip)


def _columns(label: str, buckets: list[dict[str, Any]], stacks: list[list[Bar]], *, peak: float,
             top: str, height: int = 200) -> str:
    """One column a bucket, its bars stacked; the axis runs from 0 to ``peak`` (shown ``top``).
    Every bar carries its key and value, like every number in the tables."""
    width, pad = 1040, 44
    step = (width - pad) / max(len(buckets), 1)
    bar = min(max(step * 0.7, 1.0), 60.0)
    peak = peak or 1
    parts = [f'<svg role="img" aria-label="{_e(label)}" viewBox="0 0 {width} {height + 24}" '
             f'width="100%"><text x="0" y="12">{_e(top)}</text>'
             f'<text x="0" y="{height}">0</text>'
             f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#ccd2d8"/>']
    every = max(len(buckets) // 8, 1) if len(buckets) > 16 else 1
    for i, (bucket, stack) in enumerate(zip(buckets, stacks, strict=True)):
        x, y = pad + i * step, float(height)
        for key, value, colour, title in stack:
            if not value:
                continue
            h = value / peak * (height - 16)
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colour}" data-stat="{_key(key)}" data-value="{value}">'
                         f"<title>{_e(bucket['start'])}: {_e(title)}</title></rect>")
        if i % every == 0:
            parts.append(f'<text x="{x:.1f}" y="{height + 16}">{_e(bucket["start"][5:])}</text>')
    return "".join(parts) + "</svg>"


def _over_time(doc: dict[str, Any]) -> str:
    line = doc["timeline"]
    unit, buckets = line["unit"], line["buckets"]
    tiers = [(t["tier"], _tier_colour(t["rank"])) for t in doc["tiers"]]
    legend = '<p class="legend">' + "".join(
        f'<span><i style="background:{colour}"></i>{_e(shown(t, NAME))}</span>'
        for t, colour in tiers) + "</p>"
    mix = _columns(f"decisions per {unit} by tier", buckets,
                   [[(("timeline", "buckets", i, "tiers", t), b["tiers"].get(t, 0), colour,
                      f"{b['tiers'].get(t, 0)} {shown(t, NAME)}") for t, colour in tiers]
                    for i, b in enumerate(buckets)],
                   peak=max((b["decisions"] for b in buckets), default=0),
                   top=str(max((b["decisions"] for b in buckets), default=0)))
    rate = _columns(f"block rate per {unit}", buckets,
                    [[(("timeline", "buckets", i, "block_rate"), b["block_rate"] or 0, BLOCK,
                       f"{(b['block_rate'] or 0) * 100:.1f} % blocked")]
                     for i, b in enumerate(buckets)], peak=1.0, top="100 %", height=100)
    rows = [[_e(b["start"]),
             _num(("timeline", "buckets", i, "decisions"), b["decisions"]),
             _num(("timeline", "buckets", i, "blocked"), b["blocked"]),
             _pct(("timeline", "buckets", i, "block_rate"), b["block_rate"])]
            for i, b in enumerate(buckets) if b["decisions"]]
    return (f"<section><h2>Decisions per {_e(unit)}, by tier</h2>{legend}{mix}"
            f"<h2>Block rate per {_e(unit)}</h2>{rate}"
            f"<details><summary>per {_e(unit)}</summary>"
            + _table([unit, "decisions", "blocked", "block rate"], rows) + "</details>"
            + "</section>")


def _tier_colour(rank: int | None) -> str:
    """By the policy's rank, so `high` is red whichever tiers the period happens to hold."""
    if rank is None:
        return TIER_COLOURS[-1]
    return TIER_COLOURS[min(rank, len(TIER_COLOURS) - 2)]


def _outcomes(doc: dict[str, Any]) -> str:
    rows = [[_e(k), _num(("outcomes", k), v)] for k, v in doc["outcomes"].items()]
    return "<section><h2>Outcomes</h2>" + _table(["outcome", "decisions"], rows) + "</section>"


def _tiers(doc: dict[str, Any]) -> str:
    rows = [[_name(t["tier"]), _num(("tiers", i, "decisions"), t["decisions"]),
             _pct(("tiers", i, "share"), t["share"]),
             _num(("tiers", i, "blocked"), t["blocked"])] for i, t in enumerate(doc["tiers"])]
    lanes = [[_name(x["lane"]), _num(("lanes", i, "decisions"), x["decisions"]),
              _pct(("lanes", i, "share"), x["share"])] for i, x in enumerate(doc["lanes"])]
    return ("<section><h2>Tiers and lanes</h2>"
            + _table(["tier", "decisions", "share", "blocked"], rows)
            + _table(["lane", "decisions", "share"], lanes) + "</section>")


def _hbars(items: Sequence[tuple[str, Key, int | float]], colour: str) -> str:
    """Horizontal bars: (label, data-stat key, value), longest first as given."""
    if not items:
        return ""
    peak = max(v for _, _, v in items) or 1
    row, width, label_w = 22, 480, 180
    parts = [f'<svg role="img" viewBox="0 0 {width} {row * len(items)}" width="100%" '
             f'style="max-width:{width}px">']
    for i, (label, key, value) in enumerate(items):
        w = value / peak * (width - label_w - 60)
        parts.append(f'<text x="0" y="{i * row + 15}">{_e(shown(label, 32))}</text>'
                     f'<rect x="{label_w}" y="{i * row + 4}" width="{w:.1f}" height="14" '
                     f'fill="{colour}" data-stat="{_key(key)}" data-value="{value}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{i * row + 15}">'
                     f'{value if isinstance(value, int) else f"{value:.3f}"}</text>')
    return "".join(parts) + "</svg>"


def _blocking(doc: dict[str, Any]) -> str:
    top = doc["top_blocking_rules"]
    bars = _hbars([(r["rule"], ("top_blocking_rules", i, "decisions"), r["decisions"])
                   for i, r in enumerate(top)], BLOCK)
    rows = [[_name(r["rule"]),
             _num(("top_blocking_rules", i, "decisions"), r["decisions"]),
             _num(("top_blocking_rules", i, "findings"), r["findings"])]
            for i, r in enumerate(top)]
    return ("<section><h2>Top blocking rules</h2>" + bars
            + _table(["rule", "decisions", "findings"], rows) + "</section>")


def _raising(doc: dict[str, Any]) -> str:
    top = doc["top_tier_rules"]
    bars = _hbars([(r["rule"], ("top_tier_rules", i, "decisions"), r["decisions"])
                   for i, r in enumerate(top)], BAR)
    rows = [[_name(r["rule"]), _name(r["tier"]),
             _num(("top_tier_rules", i, "decisions"), r["decisions"])]
            for i, r in enumerate(top)]
    return ("<section><h2>Rules that raised the tier</h2>" + bars
            + _table(["rule", "tier", "decisions"], rows, numeric_from=2) + "</section>")


def _stages(doc: dict[str, Any]) -> str:
    stages = doc["stages"]
    bars = _hbars([(s["stage"], ("stages", i, "median_seconds"), s["median_seconds"])
                   for i, s in enumerate(stages) if s["median_seconds"] is not None], BAR)
    rows = [[_name(s["stage"]), _num(("stages", i, "runs"), s["runs"]),
             _sec(("stages", i, "median_seconds"), s["median_seconds"]),
             _sec(("stages", i, "p90_seconds"), s["p90_seconds"])]
            for i, s in enumerate(stages)]
    return ("<section><h2>Time per stage (seconds; (run) is the whole run)</h2>" + bars
            + _table(["stage", "runs", "median", "p90"], rows) + "</section>")


def _model(doc: dict[str, Any]) -> str:
    model = doc["model"]
    buckets = doc["timeline"]["buckets"]
    peak = max((b["cost"] for b in buckets), default=0.0)
    costs = _columns(f"estimated model cost per {doc['timeline']['unit']}", buckets,
                     [[(("timeline", "buckets", i, "cost"), b["cost"], BAR, f"${b['cost']:.4f}")]
                      for i, b in enumerate(buckets)], peak=peak, top=f"${peak:.2f}",
                     height=100) if peak else ""
    totals = [[_e(label), _num(("model", key), model[key]) if key != "cost"
                                   else _usd(("model", "cost"), model["cost"])]
              for label, key in (("reviews", "reviews"), ("calls", "calls"),
                                 ("tokens in", "tokens_in"), ("tokens out", "tokens_out"),
                                 ("estimated cost (USD)", "cost"),
                                 ("reviews without a price", "unpriced_reviews"))]
    per_model = [[_name(m["model"]),
                  _num(("model", "models", i, "reviews"), m["reviews"]),
                  _num(("model", "models", i, "tokens_in"), m["tokens_in"]),
                  _num(("model", "models", i, "tokens_out"), m["tokens_out"]),
                  _usd(("model", "models", i, "cost"), m["cost"])]
                 for i, m in enumerate(model["models"])]
    return ("<section><h2>Model review: use and estimated cost</h2>"
            + costs + _table(["", "total"], totals)
            + (_table(["model", "reviews", "tokens in", "tokens out", "cost"], per_model)
               if per_model else "") + "</section>")


def _approvals(doc: dict[str, Any]) -> str:
    approvals = doc["approvals"]
    rows = [[_name(a["actor"]), _num(("approvals", "by", i, "approvals"), a["approvals"])]
            for i, a in enumerate(approvals["by"])]
    return ("<section><h2>Approvals</h2><p>"
            + _num(("approvals", "asked"), approvals["asked"]) + " asked, "
            + _num(("approvals", "given"), approvals["given"]) + " given, "
            + _num(("approvals", "waiting"), approvals["waiting"]) + " waiting</p>"
            + _table(["approved by", "approvals"], rows) + "</section>")


def _provenance(doc: dict[str, Any]) -> str:
    rows = [[_e(p["drafted"]), _num(("provenance", i, "decisions"), p["decisions"]),
             _pct(("provenance", i, "share"), p["share"]),
             _num(("provenance", i, "blocked"), p["blocked"]),
             _pct(("provenance", i, "block_rate"), p["block_rate"])]
            for i, p in enumerate(doc["provenance"])]
    return ("<section><h2>AI-drafted or not</h2>"
            + _table(["drafted", "decisions", "share", "blocked", "block rate"], rows)
            + "</section>")


def _repositories(doc: dict[str, Any]) -> str:
    repos = doc["repositories"]
    if len(repos) < 2:
        return ""
    rows = [[_name(r["repository"]),
             _num(("repositories", i, "decisions"), r["decisions"]),
             _num(("repositories", i, "blocked"), r["blocked"])]
            for i, r in enumerate(repos)]
    return ("<section><h2>Repositories</h2>"
            + _table(["repository", "decisions", "blocked"], rows) + "</section>")


__all__ = ["page"]
