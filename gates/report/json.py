"""JSON report, schema version 1 (documented in docs/json.md).

Later versions only add keys; a consumer should check ``schema_version`` and ignore keys it does not
know.
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

from gates import __version__
from gates.model import Decision, FileClass, ModelUsage

SCHEMA_VERSION = 1
# JSON escapes C0 controls itself; DEL, C1 controls (U+009B is a terminal's CSI) and the
# bidirectional overrides are legal raw in a string, yet act on a terminal showing the document.
_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def dumps(data: Any) -> str:
    """JSON as UTF-8 text, with every character a terminal could act on escaped (``\\u009b``)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def render(decision: Decision, out: TextIO, *, explain: bool = False) -> None:
    """Write the decision as one JSON document (``explain`` changes nothing: JSON has it all)."""
    out.write(dumps(to_dict(decision)))


def _text(value: str | None) -> str | None:
    # Paths may carry undecodable bytes as surrogates; JSON gets U+FFFD in their place.
    return None if value is None else \
        value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def to_dict(decision: Decision) -> dict[str, Any]:
    """The JSON document as plain data."""
    change, classification = decision.change, decision.classification
    by_tier: dict[str, int] = {}
    for f in classification.files:
        by_tier[f.tier] = by_tier.get(f.tier, 0) + 1
    source = change.source
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "draftgate", "version": __version__},
        "outcome": decision.outcome.value,
        "exit_code": decision.exit_code,
        "tier": classification.tier,
        "lane": list(decision.lane),
        "source": {
            "kind": source.kind.value,
            "base": source.base,
            "head": source.head,
            "merge_base": source.merge_base,
            "branch": _text(source.branch),
            "pr_number": source.pr_number,
        },
        "policy": {"origin": decision.policy.origin, "digest": decision.policy.digest},
        "summary": {
            "files": len(change.files),
            "added": change.added,
            "removed": change.removed,
            "by_tier": by_tier,
        },
        "provenance": {
            "ai_drafted": classification.provenance.ai_drafted,
            "evidence": [_text(e) for e in classification.provenance.evidence],
        },
        "commits": [{"sha": c.sha, "summary": _text(c.summary)} for c in change.commits],
        "escalations": [
            {"rule": e.rule, "from": e.from_tier, "to": e.to_tier, "reason": e.reason}
            for e in classification.escalations
        ],
        "files": [_file(f) for f in classification.files],
        "stages": [
            {
                "name": r.stage,
                "status": r.status.value,
                "message": _text(r.message),
                "duration": round(r.duration, 4),
                "usage": _usage(r.usage),
                "actor": r.actor,
                "findings": [
                    {"tool": x.tool, "rule": x.rule, "severity": x.severity,
                     "confidence": x.confidence or None, "path": _text(x.path), "line": x.line,
                     "end_line": x.end_line,
                     "message": _text(x.message), "fingerprint": x.fingerprint,
                     "blocking": x.blocking, "suppressed": x.suppressed,
                     "introduced": x.introduced,
                     "note": _text(x.note or None)}
                    for x in r.findings
                ],
            }
            for r in decision.results
        ],
        "required_actions": [_text(a) for a in decision.required_actions],
        "notes": [_text(n) for n in decision.notes],
    }


def _usage(usage: ModelUsage | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {"provider": usage.provider, "model": _text(usage.model), "calls": usage.calls,
            "tokens_in": usage.tokens_in, "tokens_out": usage.tokens_out,
            "cost": None if usage.cost is None else round(usage.cost, 6),
            "cached": usage.cached}


def _file(fc: FileClass) -> dict[str, Any]:
    f = fc.file
    return {
        "path": _text(f.path),
        "old_path": _text(f.old_path),
        "status": f.status.value,
        "tier": fc.tier,
        "old_mode": f.old_mode or None,
        "new_mode": f.new_mode or None,
        "binary": f.binary,
        "read_as": f.view or None,
        "lands_at": [_text(p) for p in f.lands_at],
        "symlink": f.symlink,
        "submodule": f.submodule,
        "link_targets": [_text(t) for t in f.link_targets],
        "added": f.added,
        "removed": f.removed,
        "matches": [
            {
                "rule": m.rule,
                "category": m.category,
                "kind": m.kind.value,
                "tier": m.tier,
                "pattern": m.pattern,
                "side": m.evidence.side.value,
                "line": m.evidence.line,
                "text": _text(m.evidence.text),
            }
            for m in fc.matches
        ],
        "more_matches": fc.truncated,
    }


def error_document(error: Exception) -> str:
    """The document ``--format json`` prints when no decision could be made."""
    exit_code = getattr(error, "exit_code", 4)
    outcome = "tool-failure" if exit_code == 4 else "error"
    return dumps({"schema_version": SCHEMA_VERSION,
                  "tool": {"name": "draftgate", "version": __version__},
                  "outcome": outcome, "exit_code": exit_code, "error": _text(str(error))})
