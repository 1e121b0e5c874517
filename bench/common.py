"""Helpers shared by the benchmarks: scratch repositories, timing, the installed ``gate``."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# PYTHONDONTWRITEBYTECODE (set in some sandboxes and CI images) makes every fresh process compile
# draftgate's sources again, ~45 ms that no installed copy pays (pip writes the bytecode at
# install): the benchmarks measure what a user's hook costs, with the bytecode cache in place.
GIT_ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> bytes:
    """Run git in ``repo`` with a fixed identity and no user configuration."""
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True,
                          capture_output=True).stdout


def init(repo: Path) -> None:
    """A fresh repository on branch main."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")


def gate_command() -> list[str]:
    """The ``gate`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("gate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gates"]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def median(values: list[float]) -> float:
    """The median, for reporting."""
    return statistics.median(values)


def report_figures(**figures: float) -> None:
    """One machine-readable line for bench/run.py: ``RESULT {"name": value, ...}``."""
    print("RESULT " + json.dumps(figures))


def machine() -> str:
    """One line describing where the numbers came from."""
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
    return (f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {git_version}, "
            f"{shutil.disk_usage('/').free // 2**30} GiB free disk")
