"""The one way the gate runs an external tool (scanners, audits, the policy's own commands).

argv lists only (never a shell), a timeout that kills the whole process group (semgrep and pip-audit
start children of their own), captured output, and an environment built explicitly (callers add
what each tool needs offline, e.g. semgrep's --metrics=off and SEMGREP_ENABLE_VERSION_CHECK=0).
A tool that is missing or runs out of time raises a ``ToolFailure``: the caller turns it into an
error result, never a pass.

Each tool runs in a session of its own, so a Ctrl-C in the terminal or a SIGTERM from a CI runner
cancelling the job does not reach it: ``stop_all`` (called by the CLI's signal handler) kills every
live group and refuses new starts, so an interrupted gate leaves no semgrep-core behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.errors import ToolFailure


class ToolMissing(ToolFailure):
    """The executable is not on PATH (or not executable)."""


class ToolTimeout(ToolFailure):
    """The tool ran past its time limit and was killed."""


class Interrupted(ToolFailure):
    """The gate is being stopped: no new tool may start."""


_LIVE: set[int] = set()  # process-group ids of running tools
_LIVE_LOCK = threading.RLock()  # re-entrant: the signal handler may run in a thread holding it
STOPPING = threading.Event()  # set by stop_all; the CLI clears it when main() returns


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


def cores() -> int:
    """The cores this process may run on (its affinity mask where the system has one: a CI
    container limited to 2 of 64 cores must not start 64 workers)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


def tool_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the gate's own tools run in: this one, plus ``extra``, with the working
    directory kept off Python's import path. An empty or relative ``PYTHONPATH`` entry (``export
    PYTHONPATH=$PYTHONPATH:/x`` with it unset) puts the working directory there, and the
    scanners are Python run inside a folder of the change's files: a staged ``argparse.py``
    would run inside bandit. ``PYTHONSAFEPATH`` keeps the script's own folder off it too."""
    environment = {**os.environ, **(extra or {})}
    entries = [p for p in environment.get("PYTHONPATH", "").split(os.pathsep)
               if p and os.path.isabs(p)]
    if entries:
        environment["PYTHONPATH"] = os.pathsep.join(entries)
    else:
        environment.pop("PYTHONPATH", None)
    environment["PYTHONSAFEPATH"] = "1"
    return environment


def which(name: str) -> str:
    """The executable PATH gives for ``name``, or the bare name (which then fails to start).

    The scanners are installed with draftgate, so an activated environment, or pre-commit's own,
    has them on PATH.
    """
    found = shutil.which(name) or name
    from gates import quick

    quick.resolved[name] = found  # a reused decision rests on this tool too
    return found


def run(argv: Sequence[str], *, timeout: float, cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None, stdin: bytes | None = None,
        own: bool = True) -> Completed:
    """Run ``argv`` to completion (or kill it at ``timeout`` seconds). ``own``: one of the
    gate's tools, run in :func:`tool_environment`; a policy's command gets the environment as
    it is."""
    environment = tool_environment(env) if own else {**os.environ, **(env or {})}
    started = time.perf_counter()
    with _LIVE_LOCK:  # held across the start, so stop_all cannot miss a group being born
        if STOPPING.is_set():
            raise Interrupted(f"{Path(argv[0]).name} not started: the gate is stopping")
        try:
            process = subprocess.Popen(
                list(argv), cwd=cwd, env=environment, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise ToolMissing(f"{argv[0]} is not installed (not found on PATH)") from None
        except PermissionError:
            raise ToolMissing(f"{argv[0]} cannot be executed (permission denied)") from None
        _LIVE.add(process.pid)
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        process.communicate()
        raise ToolTimeout(f"{Path(argv[0]).name} did not finish within {timeout:g} s") from None
    except BaseException:
        _kill_group(process.pid)  # interrupted in this thread: never leave the tool running
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(process.pid)
    if STOPPING.is_set():
        raise Interrupted(f"{Path(argv[0]).name} was stopped: the gate is stopping")
    return Completed(tuple(argv), process.returncode, out, err, time.perf_counter() - started)


def adopt(group: int) -> None:
    """Count a process group started elsewhere (gates.early) among the running tools."""
    with _LIVE_LOCK:
        _LIVE.add(group)


def release(group: int) -> None:
    """Forget a process group :func:`adopt` counted (it has ended)."""
    with _LIVE_LOCK:
        _LIVE.discard(group)


def kill(group: int) -> None:
    """Kill a running tool's whole process group."""
    _kill_group(group)


def stop_all() -> None:
    """Kill every running tool's process group and refuse new starts (the gate is exiting)."""
    with _LIVE_LOCK:
        STOPPING.set()
        groups = tuple(_LIVE)
    for group in groups:
        _kill_group(group)


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
