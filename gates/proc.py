"""The one way the gate runs an external tool (scanners, audits, the policy's own commands).

argv lists only (never a shell), a timeout that kills the whole process group (semgrep and pip-audit
start children of their own), captured output, and an environment built explicitly (callers add
what each tool needs offline, e.g. semgrep's --metrics=off and SEMGREP_ENABLE_VERSION_CHECK=0).
A tool that is missing or runs out of time raises a ``ToolFailure``: the caller turns it into an
error result, never a pass.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.errors import ToolFailure


class ToolMissing(ToolFailure):
    """The executable is not on PATH (or not executable)."""


class ToolTimeout(ToolFailure):
    """The tool ran past its time limit and was killed."""


@dataclass(frozen=True, slots=True)
class Completed:
    """A finished run: exit code, raw output and how long it took."""

    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    duration: float

    def last_line(self) -> str:
        """The last non-empty line of stderr (else stdout), for one-line messages."""
        for stream in (self.stderr, self.stdout):
            lines = [ln for ln in stream.decode("utf-8", "replace").splitlines() if ln.strip()]
            if lines:
                return lines[-1].strip()[:300]
        return f"exit status {self.returncode}"


def which(name: str) -> str:
    """The executable PATH gives for ``name``, or the bare name (which then fails to start).

    The scanners are installed with draftgate, so an activated environment, or pre-commit's own,
    has them on PATH.
    """
    return shutil.which(name) or name


def run(argv: Sequence[str], *, timeout: float, cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None, stdin: bytes | None = None) -> Completed:
    """Run ``argv`` to completion (or kill it at ``timeout`` seconds)."""
    environment = {**os.environ, **(env or {})}
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            list(argv), cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ToolMissing(f"{argv[0]} is not installed (not found on PATH)") from None
    except PermissionError:
        raise ToolMissing(f"{argv[0]} cannot be executed (permission denied)") from None
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise ToolTimeout(f"{Path(argv[0]).name} did not finish within {timeout:g} s") from None
    return Completed(tuple(argv), process.returncode, out, err, time.perf_counter() - started)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
