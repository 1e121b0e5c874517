"""Pick the lane for the change's tier, run its stages, fold the results into one Decision."""

from __future__ import annotations

import time

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
from gates.stages import StageContext, run_stage


def lane_for(policy: Policy, classification: Classification, change: ChangeSet) -> tuple[str, ...]:
    """The stages the change must pass: none for an empty change."""
    return policy.lanes[classification.tier] if change.files else ()


def run(policy: Policy, change: ChangeSet, classification: Classification) -> Decision:
    """Run the lane and decide."""
    lane = lane_for(policy, classification, change)
    ctx = StageContext(policy, change, classification)
    results = []
    for name in lane:
        started = time.perf_counter()
        result = run_stage(name, ctx)
        results.append(StageResult(result.stage, result.status, result.message, result.findings,
                                   result.duration or time.perf_counter() - started))
    return decide(policy, change, classification, lane, tuple(results))


def decide(policy: Policy, change: ChangeSet, classification: Classification,
           lane: tuple[str, ...], results: tuple[StageResult, ...]) -> Decision:
    """Fold stage results into an outcome; the worst state wins, and nothing fails open."""
    outcome = fold(results)
    actions = tuple(f"{r.stage}: {r.message}" for r in results
                    if r.status in (StageStatus.PENDING, StageStatus.FAILED, StageStatus.ERROR))
    return Decision(outcome, change, classification, lane, results,
                    PolicyRef(policy.origin, policy.digest), actions)


def fold(results: tuple[StageResult, ...]) -> Outcome:
    """Tool failure beats block beats pending beats pass."""
    statuses = {r.status for r in results}
    if StageStatus.ERROR in statuses:
        return Outcome.TOOL_FAILURE
    if StageStatus.FAILED in statuses:
        return Outcome.BLOCK
    if StageStatus.PENDING in statuses:
        return Outcome.PENDING
    return Outcome.PASS
