"""The human approval stage.

A high-tier change needs an authorised person's approval on the pull request. A local run (a hook, a
range checked by hand) can never supply that, so it reports the requirement as pending rather than
pretending it is met; verifying the label on a pull request is GitHub's stage to add.
"""

from __future__ import annotations

from gates.model import SourceKind, StageResult, StageStatus
from gates.stages import StageContext


def run(ctx: StageContext) -> StageResult:
    """Report the approval that the change still needs."""
    where = "this pull request" if ctx.change.source.kind is SourceKind.PULL_REQUEST \
        else "the pull request"
    return StageResult("approval", StageStatus.PENDING,
                       f"needs a human approval label on {where}, applied by an authorised "
                       "reviewer after the last push")
