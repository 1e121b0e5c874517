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
    # A change high as a whole (size, provenance) sends its riskiest other files within one
    # prompt's budget; these did not fit.
    left_out: tuple[str, ...] = ()


def template() -> str:
    """The prompt template text."""
    return resources.files("gates.review").joinpath(f"prompt-{TEMPLATE_VERSION}.txt").read_text()


def plan(ctx: StageContext, *, instructions: str, max_input_tokens: int,
         prior: tuple[StageResult, ...] = ()) -> ReviewPlan:
    """Split the files to review into prompts that fit the token budget.

    The files that are high on their own always go (in as many prompts as they need). When a
    change-level rule made the whole change high (its size, an AI draft), the files below high
    are what the model would otherwise never see, while a person is asked to approve them: the
    riskiest of them (by their own tier, then by how much of them changed) go too, within one
    prompt's budget, and the rest are named as left out.
    """
    policy = ctx.policy
    top = policy.tiers[-1]
    files = ctx.classification.files
    withheld = tuple(fc.file.path for fc in files
                     if (fc.tier == top or _raised(ctx)) and any(_holds_secret(m)
                                                                 for m in fc.matches))
    high = [fc for fc in files if fc.tier == top and fc.file.path not in withheld]
    rest = sorted((fc for fc in files if fc.tier != top and fc.file.path not in withheld),
                  key=lambda fc: (-policy.rank(fc.tier), -(fc.file.added + fc.file.removed),
                                  fc.file.path)) if _raised(ctx) else []
    commits = "\n".join(f"- {c.sha[:12]} {c.summary}" + (f"\n  {c.body[:2000]}" if c.body else "")
                        for c in ctx.change.commits) or "(none)"
    sast = "\n".join(_finding(f, withheld) for r in prior for f in r.findings
                     if r.stage == "sast") or "(none)"
    base_chars = len(template()) + len(commits) + len(sast) + len(instructions) + 4000
    budget = max(0, max_input_tokens * CHARS_PER_TOKEN - base_chars)
    diffs = {fc.file.path: _diff(fc) for fc in (*high, *rest)}
    too_large = [fc.file.path for fc in high if len(diffs[fc.file.path][0]) > budget]
    chosen = [fc for fc in high if fc.file.path not in too_large]
    left_out: list[str] = []
    spare = budget
    for fc in rest:
        size = len(diffs[fc.file.path][0])
        if size <= spare:
            chosen.append(fc)
            spare -= size
        else:
            left_out.append(fc.file.path)
    batches: list[list[FileClass]] = []
    current: list[FileClass] = []
    size = 0
    for fc in chosen:
        text = diffs[fc.file.path][0]
        if current and size + len(text) > budget:
            batches.append(current)
            current, size = [], 0
        current.append(fc)
        size += len(text)
    if current:
        batches.append(current)
    # Everything below reaches the model: every string passes through the redaction.
    context = {"commits": commits, "sast": sast, "instructions": instructions,
               "change": _change_reasons(ctx)}
    requests = tuple(_request(group, diffs, context, withheld, top) for group in batches)
    return ReviewPlan(requests, withheld, tuple(too_large), tuple(left_out))


def _raised(ctx: StageContext) -> bool:
    """Whether a change-level rule (size, provenance) put the whole change at the top tier."""
    top = ctx.policy.tiers[-1]
    return any(e.to_tier == top for e in ctx.classification.escalations)


def _change_reasons(ctx: StageContext) -> str:
    """The change-level rules that made the change high, as lines for the reasons section."""
    return "\n".join(f"- the whole change: {e.rule}: {e.reason}"
                     for e in ctx.classification.escalations)


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
             withheld: tuple[str, ...], top: str) -> ReviewRequest:
    lines = [context["change"]] if context["change"] else []
    for fc in group:
        rules = ", ".join(sorted({m.rule for m in fc.matches}))
        lines.append(f"- {fc.file.path}: {rules}" if fc.tier == top else
                     f"- {fc.file.path}: {fc.tier} on its own ({rules or 'no rule'}); sent "
                     f"because the whole change is high")
    text = "\n\n".join(diffs[fc.file.path][0] for fc in group)
    # File names, rule ids, scanner messages and instructions are masked like the diffs: a name
    # or a message can carry a key as well as a line can.
    names, n_names = redact(", ".join(withheld))
    if withheld:
        text += "\n\nFiles not shown (they hold secrets): " + names
    cleaned = {key: redact(context[key]) for key in ("commits", "sast", "instructions")}
    cleaned["reasons"] = redact("\n".join(lines))
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
