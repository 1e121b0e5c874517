"""The human approval stage.

A high-tier change needs an authorised person's approval on the pull request. A local run (a hook,
a range checked by hand) can never supply that, so it reports the requirement as pending rather
than pretending it is met. In a pull-request run the label is checked live against GitHub
(gates/github/approval.py), right before the decision: this stage runs last, after the review.
"""

from __future__ import annotations

import os

from gates.model import SourceKind, StageResult, StageStatus
from gates.stages import StageContext


def run(ctx: StageContext) -> StageResult:
    """Check the approval on the pull request, or report the one the change still needs."""
    label = ctx.policy.approval.label
    if ctx.change.source.kind is not SourceKind.PULL_REQUEST or ctx.event is None:
        return StageResult("approval", StageStatus.PENDING,
                           f"needs the `{label}` label on the pull request, applied by an "
                           "authorised reviewer after the last push")
    blocked = [r.stage for r in ctx.prior if r.status in (StageStatus.FAILED, StageStatus.ERROR)]
    if blocked:
        # No label can pass a change that failed or could not be checked: do not ask for one.
        return StageResult("approval", StageStatus.PENDING,
                           f"not checked: {', '.join(blocked)} must pass first, whatever the "
                           f"`{label}` label says")
    from gates.github import approval

    api, teams_api = approval.clients(ctx.policy.approval, os.environ)
    check = approval.Check(api, teams_api, approval.target(ctx.event, os.environ),
                           ctx.policy.approval, ctx.event)
    verdict = check.run()
    return StageResult("approval", verdict.status, verdict.message, actor=verdict.actor)
