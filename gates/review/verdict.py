"""The model's verdict: a validated structure, never free text the gate has to interpret.

The JSON schema given to providers comes from these models, and every reply is validated against
them; a reply that does not validate is retried once with the validation error, then it is an error.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Severity = Literal["low", "medium", "high", "critical"]
Verdict = Literal["approve", "request_changes", "needs_human"]
ORDER = ("approve", "request_changes", "needs_human")


class ReviewFinding(BaseModel):
    """One problem the model found."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="file path as given in the diff")
    line: int | None = Field(default=None, description="line number in the new version, if any")
    severity: Severity
    title: str = Field(min_length=1, max_length=200)
    explanation: str = Field(min_length=1, max_length=4000)
    suggested_fix: str = Field(default="", max_length=4000)


class ReviewVerdict(BaseModel):
    """The model's answer for one batch of files."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    summary: str = Field(min_length=1, max_length=4000)
    findings: list[ReviewFinding] = Field(default_factory=list)


def parse(text: str) -> ReviewVerdict:
    """Validate a reply (a JSON object, possibly inside a ```json fence)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[-1].rsplit("```", 1)[0]
    return ReviewVerdict.model_validate_json(body)


def merge(verdicts: list[ReviewVerdict]) -> ReviewVerdict:
    """Worst verdict wins; findings and summaries are kept from every batch."""
    worst: Verdict = max((v.verdict for v in verdicts), key=ORDER.index, default="needs_human")
    return ReviewVerdict(verdict=worst, summary="\n".join(v.summary for v in verdicts) or "-",
                         findings=[f for v in verdicts for f in v.findings])


__all__ = ["ReviewFinding", "ReviewVerdict", "ValidationError", "merge", "parse"]
