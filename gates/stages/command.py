"""Command stages: the policy's own checks (say, the project's unit tests for high-tier changes).

The command is an argv list run without a shell, in ``cwd`` relative to the repository root, with a
timeout. Exit 0 passes; any other exit blocks; a command that cannot start or runs out of time is
an error (tool failure). The command runs the repository's code: it comes from the trusted policy,
and a team should only name commands it would run on the change anyway.
"""

from __future__ import annotations

from gates import proc
from gates.model import StageResult, StageStatus
from gates.policy import CommandStage
from gates.stages import StageContext


def run_command(stage: CommandStage, ctx: StageContext) -> StageResult:
    """Run one command stage."""
    cwd = (ctx.root / stage.cwd).resolve()
    if not cwd.is_dir():
        return StageResult(stage.name, StageStatus.ERROR,
                           f"working directory {stage.cwd} is missing")
    done = proc.run(stage.run, timeout=stage.timeout, cwd=cwd)
    if done.returncode == 0:
        return StageResult(stage.name, StageStatus.PASSED, f"{stage.run[0]} exited 0",
                           duration=done.duration)
    return StageResult(stage.name, StageStatus.FAILED,
                       f"{stage.run[0]} exited {done.returncode}: {done.last_line()}",
                       duration=done.duration)
