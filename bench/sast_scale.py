"""SAST at scale: the gate's SAST stage on a 1,000-file change against the scanners' own CPU time.

    python bench/sast_scale.py [--files 1000] [--runs 3]

Builds the same kind of change as bench/classify.py (plausible modules, about half of their lines
rewritten, a few sensitive ones), then, in interleaved rounds:
- ``gate check --staged --no-cache``: the SAST stage's own time (from the JSON report);
- ``bandit`` alone and ``semgrep scan --experimental`` alone on the same files and rules: their
  CPU time (user + system of the process and its children).
Target (issue 17): the SAST stage <= 1.2 x (bandit CPU + semgrep CPU) / cores, that is, the work
spread over every core with little left idle.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classify import commit_modules, module
from common import GIT_ENV, gate_command, git, init, machine, median, report_figures


def build(root: Path, files: int) -> list[str]:
    """``files`` modules committed, every one rewritten and staged; the staged paths."""
    import random

    init(root)
    paths = [f"{'auth' if i % 97 == 0 else f'pkg{i % 20}'}/mod_{i}.py" for i in range(files)]
    commit_modules(root, paths)
    for i, rel in enumerate(paths):
        (root / rel).write_text(module(random.Random(i), 56, 1, i % 53 == 0))
    git(root, "add", "-A")
    return paths


def cpu(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """CPU seconds (user + system) of ``argv`` and everything it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from gates.scanners.semgrep import ENV, shipped_rules

    env = {**GIT_ENV, **ENV}
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        paths = build(root, args.files)
        gate = [*gate_command(), "check", "--staged", "--no-cache", "--format", "json"]
        bandit = ["bandit", "-f", "json", "-q", "--ignore-nosec", "-x", "", "--", *paths]
        semgrep = ["semgrep", "scan", "--experimental", "--json", "--metrics=off",
                   "--disable-version-check", "--config", str(shipped_rules()), *paths]
        stage, bandit_cpu, semgrep_cpu = [], [], []
        for _ in range(args.runs):
            done = subprocess.run(gate, cwd=root, env=env, capture_output=True, text=True,
                                  check=False)
            data = json.loads(done.stdout)
            stage.append(next(s["duration"] for s in data["stages"] if s["name"] == "sast"))
            bandit_cpu.append(cpu(bandit, root, env))
            semgrep_cpu.append(cpu(semgrep, root, env))
    s, b, g = median(stage), median(bandit_cpu), median(semgrep_cpu)
    bound = 1.2 * (b + g) / cores
    print(f"machine: {machine()}; {cores} cores; {args.files} changed files; medians of "
          f"{args.runs} interleaved rounds")
    print(f"bandit alone, CPU          : {b:.2f} s")
    print(f"semgrep native alone, CPU  : {g:.2f} s")
    print(f"gate SAST stage, wall      : {s:.2f} s  ->  {s / ((b + g) / cores):.2f}x the CPU "
          f"per core (target <= 1.2x, {bound:.2f} s)")
    report_figures(sast_scale_ratio=s / ((b + g) / cores), sast_scale_seconds=s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
