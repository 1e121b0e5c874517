"""Hook latency with the scanners: ``gate check --staged`` cold and warm vs bandit + semgrep.

    python bench/hook.py [--runs 7]

A scratch repository gets a staged change to 5 Python files (low tier: the SAST lane runs, the
dependency audit is skipped). Measured in one run, each a fresh process as a hook would start it:
- cold: ``gate check --staged`` with an empty result cache (the cache file is deleted first);
- warm: the same command again, every file's results cached;
- baseline: ``bandit`` then ``semgrep`` (the classic CLI, the same shipped rules) run one after the
  other on the same five files, as a team would wire them without draftgate.
Targets: cold <= 0.5 x the sequential pair; warm <= 0.3 s (medians).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GIT_ENV, gate_command, git, init, machine, median, report_figures, timed

MODULE = '''\
import json
import os


def load(path):
    with open(path) as handle:
        return json.load(handle)


def handler_{n}(request, store):
    items = [x for x in store.values() if x.get("owner") == request.user]
    total = sum(item["size"] for item in items)
    return {{"count": len(items), "total": total, "env": os.environ.get("MODE", "dev")}}
'''


def build(root: Path) -> list[str]:
    """A repository with 50 modules committed and 5 of them changed and staged."""
    init(root)
    (root / "app").mkdir()
    for n in range(50):
        (root / "app" / f"mod{n}.py").write_text(MODULE.format(n=n))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    changed = []
    for n in range(5):
        path = root / "app" / f"mod{n}.py"
        path.write_text(path.read_text().replace('"dev"', '"prod"') + "\n\nLIMIT = 10\n")
        changed.append(f"app/mod{n}.py")
    git(root, "add", "-A")
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from gates.scanners.semgrep import ENV, shipped_rules

    env = {**GIT_ENV, **ENV}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        files = build(root)
        gate = [*gate_command(), "check", "--staged", "--format", "json"]
        cache = root / ".git" / "draftgate"

        def cold() -> None:
            shutil.rmtree(cache, ignore_errors=True)
            subprocess.run(gate, cwd=root, env=env, capture_output=True, check=False)

        def warm() -> None:
            subprocess.run(gate, cwd=root, env=env, capture_output=True, check=False)

        def sequential() -> None:
            subprocess.run(["bandit", "-f", "json", "-q", *files], cwd=root, env=env,
                           capture_output=True, check=False)
            subprocess.run(["semgrep", "--json", "--metrics=off", "--disable-version-check",
                            "--config", str(shipped_rules()), *files], cwd=root, env=env,
                           capture_output=True, check=False)

        warm()  # file-system caches, as on a developer's machine after the first commit
        outcome = subprocess.run(gate, cwd=root, env=env, capture_output=True, text=True,
                                 check=False)
        cold_times = timed(cold, args.runs)
        warm()
        warm_times = timed(warm, args.runs)
        pair_times = timed(sequential, args.runs)
    c, w, p = median(cold_times), median(warm_times), median(pair_times)
    print(f"machine: {machine()}; {os.cpu_count()} cores")
    print(f"gate exit code on the change: {outcome.returncode}")
    print(f"bandit then semgrep (classic) : median {p:.3f} s over {args.runs} runs")
    print(f"gate check --staged, cold     : median {c:.3f} s  ->  {c / p:.2f}x the pair "
          "(target <= 0.5x)")
    print(f"gate check --staged, warm     : median {w:.3f} s  (target <= 0.300 s)")
    report_figures(hook_cold_ratio=c / p, hook_warm=w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
