"""``gate stats`` as text: the terminal's summary and a Markdown one for a wiki or an issue.

Both read only the document :func:`gates.audit.stats.summarise` made. Rule names, tier names,
logins and repository names were chosen by changes, policies and other repositories: the terminal
shows them cleaned of control characters (``shown``), Markdown inside code spans that nothing in
them can end, with the table's ``|`` escaped.
"""

from __future__ import annotations

from typing import Any

from gates.report.untrusted import code, shown

NAME = 80  # characters of one name (a rule, a login, a repository)


def terminal(doc: dict[str, Any]) -> str:
    """A screenful: counts, shares, top rules, stage times, model cost, approvals."""
    total = doc["decisions"]
    period = doc["period"]
    lines = [f"{total} decision{'s' if total != 1 else ''}"
             + (f", {period['first'][:10]} to {period['last'][:10]}" if total else "")
             + f" (from {', '.join(shown(s, 200) for s in doc['sources'])})"]
    if doc["repeats_dropped"]:
        lines.append(f"  {doc['repeats_dropped']} repeated record(s) counted once")
    if not total:
        return "\n".join(lines) + "\n"
    lines.append("outcomes   " + " · ".join(f"{k} {v}" for k, v in doc["outcomes"].items())
                 + f"   block rate {_pct(doc['block_rate'])}")
    lines.append("tiers      " + " · ".join(f"{shown(t['tier'], NAME)} {t['decisions']} "
                                            f"({_pct(t['share'])})" for t in doc["tiers"]))
    lines.append("lanes      " + " · ".join(f"{shown(x['lane'], NAME)} {x['decisions']} "
                                            f"({_pct(x['share'])})" for x in doc["lanes"]))
    lines += _table("blocking rules", ("decisions", "findings"),
                    [(shown(r["rule"], NAME), r["decisions"], r["findings"])
                     for r in doc["top_blocking_rules"]])
    lines += _table("rules that raised the tier", ("tier", "decisions"),
                    [(shown(r["rule"], NAME), shown(r["tier"], NAME), r["decisions"])
                     for r in doc["top_tier_rules"]])
    lines += _table("stage times, seconds", ("runs", "median", "p90"),
                    [(shown(s["stage"], NAME), s["runs"], _sec(s["median_seconds"]),
                      _sec(s["p90_seconds"])) for s in doc["stages"]])
    model = doc["model"]
    lines.append(f"model      {model['reviews']} review(s), {model['calls']} call(s), tokens in "
                 f"{model['tokens_in']:,} / out {model['tokens_out']:,}, estimated cost "
                 f"${model['cost']:.4f}"
                 + (f" ({model['unpriced_reviews']} without a price)"
                    if model["unpriced_reviews"] else ""))
    approvals = doc["approvals"]
    who = ", ".join(f"{shown(a['actor'], NAME)} {a['approvals']}" for a in approvals["by"])
    lines.append(f"approvals  {approvals['asked']} asked, {approvals['given']} given"
                 + (f" ({who})" if who else "") + f", {approvals['waiting']} waiting")
    lines.append("drafted    " + " · ".join(
        f"{p['drafted']} {p['decisions']} (blocked {p['blocked']})"
        for p in doc["provenance"] if p["decisions"]))
    repos = doc["repositories"]
    if len(repos) > 1:
        lines += _table("repositories", ("decisions", "blocked"),
                        [(shown(r["repository"], NAME), r["decisions"], r["blocked"])
                         for r in repos])
    return "\n".join(lines) + "\n"


def _table(title: str, heads: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    """A titled block of rows: the name left, the numbers right-aligned under their heads."""
    if not rows:
        return [f"{title}: none"]
    width = max(len(str(r[0])) for r in rows)
    cols = [max(len(h), *(len(str(r[i + 1])) for r in rows)) for i, h in enumerate(heads)]
    out = [f"{title}:", "  " + " " * width + "".join(f"  {h:>{w}}" for h, w in zip(heads, cols,
                                                                                 strict=True))]
    out += ["  " + f"{r[0]!s:<{width}}" + "".join(f"  {v!s:>{w}}" for v, w in zip(r[1:], cols,
                                                                                   strict=True))
            for r in rows]
    return out


def markdown(doc: dict[str, Any]) -> str:
    """The same summary as Markdown tables (GitHub-flavoured)."""
    total = doc["decisions"]
    period = doc["period"]
    out = ["## draftgate: decisions", ""]
    if not total:
        return "\n".join([*out, "No decisions in this period.", ""])
    out += [f"**{total}** decisions from {period['first'][:10]} to {period['last'][:10]}; "
            f"block rate **{_pct(doc['block_rate'])}**.", ""]
    out += _md_table(("outcome", "decisions"), list(doc["outcomes"].items()), names=False)
    out += _md_table(("tier", "decisions", "share", "blocked"),
                     [(t["tier"], t["decisions"], _pct(t["share"]), t["blocked"])
                      for t in doc["tiers"]])
    out += _md_table(("lane", "decisions", "share"),
                     [(x["lane"], x["decisions"], _pct(x["share"])) for x in doc["lanes"]])
    out += _md_table(("blocking rule", "decisions", "findings"),
                     [(r["rule"], r["decisions"], r["findings"])
                      for r in doc["top_blocking_rules"]])
    out += _md_table(("rule that raised the tier", "tier", "decisions"),
                     [(r["rule"], r["tier"], r["decisions"]) for r in doc["top_tier_rules"]],
                     names=2)
    out += _md_table(("stage", "runs", "median s", "p90 s"),
                     [(s["stage"], s["runs"], _sec(s["median_seconds"]), _sec(s["p90_seconds"]))
                      for s in doc["stages"]])
    model = doc["model"]
    out += [f"Model: {model['reviews']} review(s), {model['calls']} call(s), tokens in "
            f"{model['tokens_in']:,} / out {model['tokens_out']:,}, estimated cost "
            f"${model['cost']:.4f}.", ""]
    out += _md_table(("approved by", "approvals"),
                     [(a["actor"], a["approvals"]) for a in doc["approvals"]["by"]])
    out += _md_table(("drafted", "decisions", "share", "blocked"),
                     [(p["drafted"], p["decisions"], _pct(p["share"]), p["blocked"])
                      for p in doc["provenance"]], names=False)
    if len(doc["repositories"]) > 1:
        out += _md_table(("repository", "decisions", "blocked"),
                         [(r["repository"], r["decisions"], r["blocked"])
                          for r in doc["repositories"]])
    return "\n".join(out)


def _md_table(heads: tuple[str, ...], rows: list[tuple[Any, ...]],
              names: bool | int = True) -> list[str]:
    """A table whose first column (``names=2``: first two) holds untrusted names in code spans;
    a ``|`` is escaped even there (GitHub splits cells before it reads code spans)."""
    if not rows:
        return []
    quoted = 0 if names is False else 2 if names == 2 else 1

    def cell(i: int, value: Any) -> str:
        text = code(str(value), NAME, secret=False) if i < quoted else str(value)
        return text.replace("|", "\\|")

    out = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    out += ["| " + " | ".join(cell(i, v) for i, v in enumerate(row)) + " |" for row in rows]
    return [*out, ""]


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f} %"


def _sec(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f}"


__all__ = ["markdown", "terminal"]
