"""What the draftgate hook adds to a commit through the real pre-commit framework.

    python bench/precommit.py [--runs 7]

A scratch repository whose .pre-commit-config.yaml has two hooks: draftgate from this checkout
(``repo:`` pointing at it, at HEAD) and an empty ``language: system`` hook (``true``). With a 5-file
change staged, it times ``pre-commit run --hook-stage pre-commit <id>`` for each hook alone, warm
(environment installed, results cached). The difference of the medians is what draftgate adds over
pre-commit's own overhead. Target (issue 17): <= 0.10 s.
pre-commit installs draftgate's environment with pip on the first run (needs the package registry).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GIT_ENV, git, init, machine, median, report_figures, timed

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        init(root)
        (root / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: draftgate\n"
            "  - repo: local\n    hooks:\n      - id: empty\n        name: empty\n"
            "        entry: 'true'\n        language: system\n        pass_filenames: false\n"
            "        always_run: true\n")
        (root / "app").mkdir()
        for n in range(20):
            (root / "app" / f"m{n}.py").write_text(f"def f{n}(x):\n    return x + {n}\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "base")
        for n in range(5):
            (root / "app" / f"m{n}.py").write_text(f"def f{n}(x):\n    return x * {n}\n")
        git(root, "add", "-A")
        env = {**GIT_ENV, "PRE_COMMIT_HOME": str(Path(scratch) / "home")}
        env = {k: v for k, v in env.items() if "proxy" not in k.lower()} | {
            "PATH": os.environ["PATH"]}
        precommit = [sys.executable, "-m", "pre_commit", "run", "--hook-stage", "pre-commit"]

        def hook(hook_id: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*precommit, hook_id], cwd=root, env=env, capture_output=True,
                                  text=True, check=False)

        first = hook("draftgate")  # installs the environment, fills the cache
        if first.returncode != 0:
            print(first.stdout + first.stderr)
            return 1
        hook("empty")
        gate_times = timed(lambda: hook("draftgate"), args.runs)
        empty_times = timed(lambda: hook("empty"), args.runs)
    g, e = median(gate_times), median(empty_times)
    print(f"machine: {machine()}")
    print(f"pre-commit run draftgate (5 files, warm) : median {g:.3f} s over {args.runs} runs")
    print(f"pre-commit run empty system hook         : median {e:.3f} s over {args.runs} runs")
    print(f"draftgate adds                           : {g - e:.3f} s (target <= 0.100 s)")
    report_figures(precommit_added=g - e)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
