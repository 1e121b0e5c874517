"""Stages: the checks a lane runs. One module per stage, each exposing ``run(ctx) -> StageResult``.

Stages are looked up by name and imported only when a lane needs them, so the hook's hot path never
pays for a stage it does not run. A name defined under the policy's ``stages:`` runs as a command.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gates.cache import Cache
from gates.model import ChangeSet, Classification, StageResult
from gates.policy import Policy
from gates.workspace import Workspace

if TYPE_CHECKING:
    from gates.changes import PullRequestEvent


@dataclass(frozen=True, slots=True)
class StageContext:
    """Everything a stage may look at: it never reaches back into git or the policy file."""

    policy: Policy
    change: ChangeSet
    classification: Classification
    root: Path = field(default_factory=Path.cwd)
    workspace: Workspace | None = None
    cache: Cache = field(default_factory=Cache.disabled)
    # Where files the policy names (semgrep rules; semgrep itself runs with --metrics=off) are
    # read: the trusted revision's copy.
    trusted: Path | None = None
    # Results of the stages that ran before (the review reads the SAST findings).
    prior: tuple[StageResult, ...] = ()
    # In a pull-request run: the event (which pull request, which head) and its name
    # (pull_request_target runs no code from the change: command stages are not run there).
    event: PullRequestEvent | None = None
    event_name: str = ""


class StageRunner(Protocol):
    """The one function a stage module provides."""

    def __call__(self, ctx: StageContext) -> StageResult: ...


# Stage name -> module under gates.stages.
MODULES = {
    "sast": "gates.stages.sast",
    "deps": "gates.stages.deps",
    "review": "gates.stages.review",
    "approval": "gates.stages.approval",
}
# Stages that read other stages' results run after the rest, in this order.
LATE = ("review", "approval")


def run_stage(name: str, ctx: StageContext) -> StageResult:
    """Run one stage by name (a built-in module, or a command the policy defines)."""
    if name in ctx.policy.commands:
        from gates.stages.command import run_command

        return run_command(ctx.policy.commands[name], ctx)
    module = MODULES.get(name)
    if module is None:
        from gates.model import StageStatus

        return StageResult(name, StageStatus.SKIPPED,
                           f"not run: the {name!r} stage is not available in this version")
    runner: StageRunner = importlib.import_module(module).run
    return runner(ctx)
