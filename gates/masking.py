"""Secrets never leave the machine: what stages say is masked before any report carries it.

Reports go to PR comments, CI logs and SARIF uploads. A scanner's message can quote the secret it
found (bandit B105: "Possible hardcoded password: 'hunter2…'"), and a dependency finding can quote a
requirement line with ``user:password@`` in its index URL. The light RE2 prefilter decides whether a
message could hold one; only then is the detector (and its ~86 ms import) loaded.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from gates.model import StageResult
from gates.secrets import DETECTORS
from gates.secrets.prefilter import Prefilter


@cache
def _prefilter() -> Prefilter:
    return Prefilter(DETECTORS, changed_only=False)


def mask_text(text: str) -> str:
    """``text`` with every secret the redaction finds replaced by ``[REDACTED:…]``."""
    if not text or next(_prefilter().lines(text.encode("utf-8", "replace")), None) is None:
        return text
    from gates.review.redact import redact

    return redact(text)[0]


def mask_result(result: StageResult) -> StageResult:
    """A stage result whose message and findings' messages hold no secret."""
    findings = tuple(f if (masked := mask_text(f.message)) == f.message
                     else replace(f, message=masked) for f in result.findings)
    return replace(result, message=mask_text(result.message), findings=findings)
