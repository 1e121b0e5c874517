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

# Events whose jobs run with the base repository's secrets and a write token: code from the
# change under review must never run there.
PRIVILEGED = frozenset({"pull_request_target", "workflow_run", "issue_comment"})


def run_command(stage: CommandStage, ctx: StageContext) -> StageResult:
    """Run one command stage (never under ``pull_request_target``: see ``PRIVILEGED``)."""
    if ctx.event_name in PRIVILEGED:
        return StageResult(stage.name, StageStatus.SKIPPED,
                           f"not run under {ctx.event_name}: that job holds secrets and a write "
                           "token, so it runs no code from the change; the unprivileged "
                           "pull_request job runs it (gate check --pr --only-commands)")
    cwd = (ctx.root / stage.cwd).resolve()
    if not cwd.is_dir():
        return StageResult(stage.name, StageStatus.ERROR,
                           f"working directory {stage.cwd} is missing")
    done = proc.run(stage.run, timeout=stage.timeout, cwd=cwd, own=False)
    if done.returncode == 0:
        return StageResult(stage.name, StageStatus.PASSED, f"{stage.run[0]} exited 0",
                           duration=done.duration)
    return StageResult(stage.name, StageStatus.FAILED,
                       f"{stage.run[0]} exited {done.returncode}: {done.last_line()}",
                       duration=done.duration)
