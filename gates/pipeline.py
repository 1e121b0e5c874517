"""Pick the lane for the change's tier, run its stages, fold the results into one Decision."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from gates.errors import GateError
from gates.masking import mask_result
from gates.model import (
    ChangeSet,
    Classification,
    Decision,
    Outcome,
    PolicyRef,
    StageResult,
    StageStatus,
)
from gates.policy import Policy
from gates.stages import LATE, StageContext, run_stage

APPROVAL = "approval"


def lane_for(policy: Policy, classification: Classification, change: ChangeSet) -> tuple[str, ...]:
    """The stages the change must pass: none for an empty change."""
    return policy.lanes[classification.tier] if change.files else ()


def run(policy: Policy, change: ChangeSet, classification: Classification,
        ctx: StageContext | None = None, lane: tuple[str, ...] | None = None,
        *, ask_person: bool = True) -> Decision:
    """Run the lane and decide.

    Independent stages (SAST, the dependency audit, the policy's commands) run concurrently; the
    ones that read other results (review, approval) run after them. A stage that raises is an
    error result, never a pass; an error in a stage the policy marks optional for this tier is
    reported as skipped. ``ask_person=False`` (a partial run, such as the command stages alone)
    does not bring in the approval: the run that judges the whole lane does.
    """
    lane = lane_for(policy, classification, change) if lane is None else lane
    ctx = ctx or StageContext(policy, change, classification)
    early = [name for name in lane if name not in LATE]
    late = [name for name in LATE if name in lane]
    results: dict[str, StageResult] = {}
    if len(early) > 1:
        with ThreadPoolExecutor(max_workers=len(early)) as pool:
            for name, result in zip(early, pool.map(lambda n: _guarded(n, ctx), early),
                                    strict=True):
                results[name] = result
    else:
        results.update((name, _guarded(name, ctx)) for name in early)
    late_results: dict[str, StageResult] = {}
    for name in late:
        late_results[name] = _guarded(name, replace(ctx, prior=tuple(results.values())))
        results[name] = late_results[name]
    ordered = [_optional(policy, classification.tier, results[name]) for name in lane]
    joined = asks_for_person(ordered) if ask_person else ()
    notes: tuple[str, ...] = ()
    if joined and APPROVAL not in lane:
        ordered.append(_guarded(APPROVAL, replace(ctx, prior=tuple(ordered))))
        lane = (*lane, APPROVAL)
        notes = (f"the {APPROVAL} stage joined the lane: {', '.join(joined)} ended pending, "
                 "and only a person can accept what the gate could not settle",)
    return replace(decide(policy, change, classification, lane, tuple(ordered)), notes=notes)


def asks_for_person(results: list[StageResult] | tuple[StageResult, ...]) -> tuple[str, ...]:
    """The stages (other than the approval itself) that ended pending.

    A pending stage means the gate could not settle something (a new package source, a file it
    could not scan, a model that asks for a human): whatever the tier, a person must accept it, so
    the change needs the approval stage. An approval clears pending stages, never failed or errored
    ones (``fold`` ranks those above pending).
    """
    return tuple(r.stage for r in results
                 if r.status is StageStatus.PENDING and r.stage != APPROVAL)


def _guarded(name: str, ctx: StageContext) -> StageResult:
    started = time.perf_counter()
    try:
        result = run_stage(name, ctx)
    except GateError as exc:
        result = StageResult(name, StageStatus.ERROR, str(exc))
    except Exception as exc:  # a bug in a stage must fail closed, not crash or pass
        result = StageResult(name, StageStatus.ERROR,
                             f"internal error: {type(exc).__name__}: {exc}")
    # What a stage says may quote a secret (bandit B105): masked once, before any report.
    return replace(mask_result(result),
                   duration=result.duration or time.perf_counter() - started)


def _optional(policy: Policy, tier: str, result: StageResult) -> StageResult:
    if result.status is StageStatus.ERROR and policy.is_optional(result.stage, tier):
        if any(f.blocking for f in result.findings):
            # What did run found something: an optional stage may be incomplete, not ignored.
            return replace(result, status=StageStatus.FAILED,
                           message=f"incomplete (optional for tier {tier}): {result.message}")
        from gates import quick

        quick.not_reusable(f"the optional stage {result.stage} could not run")
        return replace(result, status=StageStatus.SKIPPED,
                       message=f"could not run (optional for tier {tier}): {result.message}")
    return result


def decide(policy: Policy, change: ChangeSet, classification: Classification,
           lane: tuple[str, ...], results: tuple[StageResult, ...]) -> Decision:
    """Fold stage results into an outcome; the worst state wins, and nothing fails open."""
    outcome = fold(results)
    actions = tuple(f"{r.stage}: {r.message}" for r in results
                    if r.status in (StageStatus.PENDING, StageStatus.FAILED, StageStatus.ERROR))
    return Decision(outcome, change, classification, lane, results,
                    PolicyRef(policy.origin, policy.digest, policy.tiers), actions)


def fold(results: tuple[StageResult, ...]) -> Outcome:
    """Tool failure beats block beats pending beats pass.

    A person's valid approval (the approval stage passed) accepts what other stages left pending;
    it never clears a failure or an error.
    """
    statuses = {r.status for r in results}
    if StageStatus.ERROR in statuses:
        return Outcome.TOOL_FAILURE
    if StageStatus.FAILED in statuses:
        return Outcome.BLOCK
    approved = any(r.stage == APPROVAL and r.status is StageStatus.PASSED for r in results)
    if StageStatus.PENDING in statuses and not approved:
        return Outcome.PENDING
    return Outcome.PASS
