"""The review itself: plan the prompts, ask the model, judge the verdict (gates.stages.review)."""

from __future__ import annotations

from gates.cache import key as cache_key
from gates.errors import ToolFailure
from gates.hunks import changed_lines
from gates.model import Finding, ModelUsage, Side, StageResult, StageStatus
from gates.policy import ReviewSettings
from gates.review.prompt import TEMPLATE_VERSION, plan
from gates.review.providers import Provider, Reply, provider
from gates.review.verdict import ReviewVerdict, ValidationError, merge, parse
from gates.scanners import at_least, fingerprint
from gates.stages import StageContext


def review_change(ctx: StageContext) -> StageResult:
    """Ask the configured provider about every batch of files to review (gates.review.prompt)."""
    settings = ctx.policy.review
    review = plan(ctx, instructions=_instructions(ctx, settings),
                  max_input_tokens=settings.max_input_tokens, prior=ctx.prior)
    if not review.batches and not review.too_large:
        if review.left_out:
            return StageResult("review", StageStatus.PENDING,
                               f"the change is high as a whole, and none of its files fit within "
                               f"review.max_input_tokens: {_names(review.left_out)}; a person "
                               f"must review them")
        if review.withheld:
            return StageResult("review", StageStatus.PENDING,
                               f"not sent to the model (they hold secrets): "
                               f"{', '.join(review.withheld)}; a person must review them")
        return StageResult("review", StageStatus.SKIPPED, "no high-tier file to send")
    usage: list[Reply] = []
    verdicts = []
    cached = 0
    lazy: list[Provider] = []
    for batch in review.batches:
        # The same redacted prompt to the same model gets the same verdict: a re-run of the same
        # head (after a label is added, say) costs nothing.
        key = cache_key(TEMPLATE_VERSION, settings.provider, settings.model, batch.digest)
        stored = ctx.cache.get(key)
        if isinstance(stored, dict):
            verdicts.append(ReviewVerdict.model_validate(stored))
            cached += 1
            continue
        if not lazy:
            lazy.append(provider(settings))
        verdict_for_batch = _ask(lazy[0], batch.prompt, usage)
        ctx.cache.put(key, verdict_for_batch.model_dump())
        verdicts.append(verdict_for_batch)
    verdict = merge(verdicts) if verdicts else None
    findings = _findings(ctx, verdict, settings) if verdict else []
    notes = []
    if review.too_large:
        notes.append(f"too large to review within review.max_input_tokens: "
                     f"{', '.join(review.too_large)}")
    if review.withheld:
        notes.append(f"not sent (they hold secrets; a person must review them): "
                     f"{', '.join(review.withheld)}")
    if review.left_out:
        notes.append(f"the change is high as a whole; its riskiest files were sent, these did "
                     f"not fit within review.max_input_tokens (a person must review them): "
                     f"{_names(review.left_out)}")
    # The whole summary, on one line: the terminal bounds it, and a person reads it there.
    summary = " ".join(verdict.summary.split()) if verdict else "nothing could be sent"
    spent = _usage(settings, usage, cached)
    tokens = f"tokens in {spent.tokens_in}, out {spent.tokens_out}"
    if spent.cost is not None:
        tokens += f", estimated cost ${spent.cost:.4f}"
    if cached:
        tokens += f"; {cached} of {len(review.batches)} batch(es) from the verdict cache"
    message = "; ".join([f"model verdict: {verdict.verdict if verdict else 'needs_human'}",
                         summary, *notes, tokens])
    if any(f.blocking for f in findings):
        status = StageStatus.FAILED
    # A file withheld for its secrets was seen by no model: an approval covers only the rest, so
    # a person must still look (pending, never passed).
    elif (verdict is None or verdict.verdict != "approve" or review.too_large or review.withheld
            or review.left_out):
        status = StageStatus.PENDING
    else:
        status = StageStatus.PASSED
    return StageResult("review", status, message, tuple(findings), usage=spent)


def _usage(settings: ReviewSettings, replies: list[Reply], cached: int) -> ModelUsage:
    """The requests' token counts summed, priced when the policy gives prices."""
    tokens_in = sum(r.tokens_in for r in replies)
    tokens_out = sum(r.tokens_out for r in replies)
    cost = None
    if settings.price_in is not None and settings.price_out is not None:
        cost = (tokens_in * settings.price_in + tokens_out * settings.price_out) / 1_000_000
    return ModelUsage(settings.provider, settings.model, len(replies), tokens_in, tokens_out,
                      cost, cached)


def _names(paths: tuple[str, ...], shown: int = 10) -> str:
    """Paths for a one-line message: a change of 2,000 files must not make a 2,000-name line."""
    more = len(paths) - shown
    return ", ".join(paths[:shown]) + (f" and {more} more" if more > 0 else "")


def _instructions(ctx: StageContext, settings: ReviewSettings) -> str:
    """The inline instructions plus the file the policy names (from the trusted revision)."""
    text = settings.instructions
    if settings.instructions_file:
        source = (ctx.trusted or ctx.root) / settings.instructions_file
        from gates import quick

        quick.depends_on(source)
        try:
            text = f"{text}\n{source.read_text('utf-8')}".strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ToolFailure(f"cannot read review.instructions_file "
                              f"{settings.instructions_file}: {exc}") from None
    return text


def _ask(model: Provider, prompt: str, usage: list[Reply]) -> ReviewVerdict:
    """One verdict; an invalid reply is retried once with the validation error."""
    schema = ReviewVerdict.model_json_schema()
    reply = model.ask(prompt, schema)
    usage.append(reply)
    try:
        return parse(reply.text)
    except ValidationError as first:
        retry = (f"{prompt}\n\nYour previous answer was not valid: {first.errors()[:3]}\n"
                 "Answer again with only the JSON object.")
        again = model.ask(retry, schema)
        usage.append(again)
        try:
            return parse(again.text)
        except ValidationError as second:
            raise ToolFailure(f"the review model's answer is not a valid verdict twice: "
                              f"{second.errors()[0]['msg']}") from None


def _findings(ctx: StageContext, verdict: ReviewVerdict,
              settings: ReviewSettings) -> list[Finding]:
    files = {f.path: f for f in ctx.change.files}
    out = []
    for item in verdict.findings:
        file = files.get(item.path)
        added = {n for side, n, _ in changed_lines(file.patch) if side is Side.ADDED} \
            if file else set()
        anchored = file is not None and (item.line is None or item.line in added)
        out.append(Finding(
            tool="review", rule=item.title[:80], severity=item.severity, path=item.path,
            line=item.line, message=f"{item.title}: {item.explanation}"
            + (f" Suggested fix: {item.suggested_fix}" if item.suggested_fix else ""),
            fingerprint=fingerprint("review", item.title, item.path, str(item.line)),
            blocking=at_least(item.severity, settings.block_on),
            note="" if anchored else "general remark: outside the changed lines"))
    return out
