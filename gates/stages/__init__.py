"""Stages: the checks a lane runs. One module per stage, each exposing ``run(ctx) -> StageResult``.

Stages are looked up by name and imported only when a lane needs them, so the hook's hot path never
pays for a stage it does not run.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from gates.model import ChangeSet, Classification, StageResult, StageStatus
from gates.policy import Policy


@dataclass(frozen=True, slots=True)
class StageContext:
    """Everything a stage may look at: it never reaches back into git or the policy file."""

    policy: Policy
    change: ChangeSet
    classification: Classification


class StageRunner(Protocol):
    """The one function a stage module provides."""

    def __call__(self, ctx: StageContext) -> StageResult: ...


# Stage name -> module under gates.stages. A stage that is named in the policy but has no module yet
# is reported as skipped with the reason, never as passed.
MODULES = {
    "approval": "gates.stages.approval",
}


def run_stage(name: str, ctx: StageContext) -> StageResult:
    """Run one stage by name."""
    module = MODULES.get(name)
    if module is None:
        return StageResult(name, StageStatus.SKIPPED,
                           f"not run: the {name!r} stage is not available in this version")
    runner: StageRunner = importlib.import_module(module).run
    return runner(ctx)
