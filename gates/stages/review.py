"""The review stage: a slower, stronger model reviews the high-tier files (and, when the whole
change is high by its size or an AI draft, its riskiest other files: gates.review.prompt.plan).

It runs after SAST (the prompt carries its findings). The verdict can block (a finding at or above
``review.block_on``) or ask for a human; it can never pass a high-tier change on its own: the
approval stage still needs a person's label. A model that cannot be reached, or that answers twice
with something that is not a valid verdict, is an error (fail closed). The model code (pydantic,
httpx) is imported only when a provider is configured: a high-tier commit without one pays nothing.
"""

from __future__ import annotations

from gates.model import StageResult, StageStatus
from gates.stages import StageContext


def run(ctx: StageContext) -> StageResult:
    """Review the high-tier files, or say that a person must."""
    tier = ctx.classification.tier
    if "review" not in ctx.policy.lanes.get(tier, ()):  # `gate review` on a change that needs none
        return StageResult("review", StageStatus.SKIPPED,
                           f"the change is tier {tier}, whose lane has no model review")
    if ctx.policy.review.provider == "none":
        return StageResult("review", StageStatus.PENDING,
                           "no review provider is configured (review.provider in the policy): "
                           "a person must review the high-tier files")
    from gates.review.flow import review_change

    return review_change(ctx)
