"""Build the review prompt: the high-tier files' diffs, redacted and fenced, in token-sized batches.

Untrusted content (diffs, file names, commit messages) sits between a per-request random
boundary, and the model is told it is data. The template is one versioned file
(``prompt-v1.txt``); its version belongs in any verdict cache key.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from importlib import resources

from gates.model import FileClass, Finding, Match, StageResult
from gates.review.redact import redact
from gates.review.verdict import ReviewVerdict
from gates.stages import StageContext

TEMPLATE_VERSION = "v1"
# A file these categories matched holds a credential: it is named to the model, never sent (the
# redaction of everything else is a second line of defence, not the first).
WITHHELD_CATEGORIES = frozenset({"secrets", "credentials"})
CHARS_PER_TOKEN = 4  # a conservative estimate for code; budgets are checked on this


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """One batch: the prompt and what it covers."""

    prompt: str
    files: tuple[str, ...]
    redactions: int
    digest: str  # of the prompt without its random boundary: the verdict cache key


@dataclass(frozen=True, slots=True)
class ReviewPlan:
    """All batches, plus the files that could not be sent and why."""

    batches: tuple[ReviewRequest, ...]
    withheld: tuple[str, ...]  # files of WITHHELD_CATEGORIES: named, never sent
    too_large: tuple[str, ...]


def template() -> str:
    """The prompt template text."""
    return resources.files("gates.review").joinpath(f"prompt-{TEMPLATE_VERSION}.txt").read_text()


def plan(ctx: StageContext, *, instructions: str, max_input_tokens: int,
         prior: tuple[StageResult, ...] = ()) -> ReviewPlan:
    """Split the high-tier files into prompts that fit the token budget."""
    top = ctx.policy.tiers[-1]
    high = [fc for fc in ctx.classification.files if fc.tier == top]
    withheld = tuple(fc.file.path for fc in high if any(_holds_secret(m) for m in fc.matches))
    sendable = [fc for fc in high if fc.file.path not in withheld]
    commits = "\n".join(f"- {c.sha[:12]} {c.summary}" + (f"\n  {c.body[:2000]}" if c.body else "")
                        for c in ctx.change.commits) or "(none)"
    sast = "\n".join(_finding(f, withheld) for r in prior for f in r.findings
                     if r.stage == "sast") or "(none)"
    base_chars = len(template()) + len(commits) + len(sast) + len(instructions) + 4000
    budget = max(0, max_input_tokens * CHARS_PER_TOKEN - base_chars)
    batches: list[list[FileClass]] = []
    current: list[FileClass] = []
    too_large: list[str] = []
    size = 0
    diffs = {fc.file.path: _diff(fc) for fc in sendable}
    for fc in sendable:
        text = diffs[fc.file.path][0]
        if len(text) > budget:
            too_large.append(fc.file.path)
            continue
        if current and size + len(text) > budget:
            batches.append(current)
            current, size = [], 0
        current.append(fc)
        size += len(text)
    if current:
        batches.append(current)
    # Everything below reaches the model: every string passes through the redaction.
    context = {"commits": commits, "sast": sast, "instructions": instructions}
    requests = tuple(_request(group, diffs, context, withheld) for group in batches)
    return ReviewPlan(requests, withheld, tuple(too_large))


def _holds_secret(match: Match) -> bool:
    """A match that says the file holds a credential: by category, or by any secret detector
    (a policy may put ``detect:`` on a category of its own name)."""
    return match.category in WITHHELD_CATEGORIES or match.rule.endswith(".detector")


def _finding(finding: Finding, withheld: tuple[str, ...]) -> str:
    """One SAST finding for the prompt; in a withheld file, its rule and line only.

    Scanner messages quote the code they flag (bandit B105 quotes the password it found).
    """
    where = f"- {finding.tool} {finding.rule} {finding.path}:{finding.line}"
    if finding.path in withheld:
        return f"{where} (in a file not shown: message withheld)"
    lines = finding.message.splitlines()
    return f"{where}: {lines[0] if lines else ''}"


def _diff(fc: FileClass) -> tuple[str, int]:
    f = fc.file
    origin = f", from {f.old_path}" if f.old_path else ""
    header, named = redact(f"### {f.path} ({f.status.value}{origin})")
    body, count = redact(f.patch.decode("utf-8", "replace"), f.path)
    return f"{header}\n{body}", named + count


def _request(group: list[FileClass], diffs: dict[str, tuple[str, int]], context: dict[str, str],
             withheld: tuple[str, ...]) -> ReviewRequest:
    reasons = "\n".join(f"- {fc.file.path}: " + ", ".join(sorted({m.rule for m in fc.matches}))
                        for fc in group)
    text = "\n\n".join(diffs[fc.file.path][0] for fc in group)
    # File names, rule ids, scanner messages and instructions are masked like the diffs: a name
    # or a message can carry a key as well as a line can.
    names, n_names = redact(", ".join(withheld))
    if withheld:
        text += "\n\nFiles not shown (they hold secrets): " + names
    cleaned = {key: redact(value) for key, value in
               (*context.items(), ("reasons", reasons))}
    boundary = _boundary(text + "".join(value for value, _ in cleaned.values()))
    prompt = template().format(
        boundary=boundary, reasons=cleaned["reasons"][0], sast=cleaned["sast"][0],
        instructions=cleaned["instructions"][0].strip() or "(none)",
        commits=cleaned["commits"][0], diffs=text,
        schema=json.dumps(ReviewVerdict.model_json_schema()))
    redactions = sum(diffs[fc.file.path][1] for fc in group) + n_names \
        + sum(count for _, count in cleaned.values())
    digest = hashlib.sha256(prompt.replace(boundary, "BOUNDARY").encode()).hexdigest()
    return ReviewRequest(prompt, tuple(fc.file.path for fc in group), redactions, digest)


def _boundary(data: str) -> str:
    while True:
        boundary = f"UNTRUSTED-DATA-{secrets.token_hex(8)}"
        if boundary not in data:
            return boundary
