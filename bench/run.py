"""Every benchmark behind one command, as a table of each figure next to its target.

    python bench/run.py

Runs bench/classify.py, bench/latency.py, bench/hook.py and bench/precommit.py, each in its own
process (each measures its figure as a ratio or a median within one run), and prints one table;
exits 1 when a figure misses its target. The classification figure is defined on the full
10,000-file change (on a 2,000-file change fixed costs weigh more: 4.4x was seen). Replay speed
joins the table with the replay issue.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine

HERE = Path(__file__).resolve().parent
# (figure, what it is, target, unit): every target is an upper bound
TARGETS = [
    ("classify_ratio", "collect + classify vs git diff (10,000 files)", 4.0, "x"),
    ("latency", "gate check --staged, 5 files, warm", 0.25, "s"),
    ("hook_cold_ratio", "hook cold vs bandit + semgrep in sequence", 0.5, "x"),
    ("hook_warm", "hook warm (results cached)", 0.3, "s"),
    ("precommit_added", "added over an empty pre-commit hook", 0.3, "s"),
]


def run(script: str, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True,
                          text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            figures: dict[str, float] = json.loads(line.removeprefix("RESULT "))
            return figures
    print(f"{script} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}", file=sys.stderr)
    return {}


def main() -> int:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    figures: dict[str, float] = {}
    figures |= run("classify.py")
    figures |= run("latency.py")
    figures |= run("hook.py")
    figures |= run("precommit.py")
    print(f"machine: {machine()}")
    print(f"| {'figure':<48} | {'measured':>9} | {'target':>8} | ok  |")
    print(f"|{'-' * 50}|{'-' * 11}|{'-' * 10}|-----|")
    failed = 0
    for key, label, target, unit in TARGETS:
        value = figures.get(key)
        shown = f"{value:.3f}{unit}" if value is not None else "n/a"
        ok = value is not None and value <= target
        failed += not ok
        print(f"| {label:<48} | {shown:>9} | {'<= ' + f'{target:g}{unit}':>8} | "
              f"{'yes' if ok else 'NO ':<3} |")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
