"""End-to-end latency of ``gate check --staged`` on a 5-file staged change.

    python bench/latency.py [--runs 15]

A scratch repository with 300 committed Python modules gets a staged change to 5 of them (one
under auth/, so the symbol and content rules have work to do). Each run starts a fresh ``gate``
process, as a hook does, so interpreter start and imports are included. Reports the median and
spread, and a bare ``python -c pass`` start for reference; also the same run with the decision
made again (``DRAFTGATE_NO_REUSE=1``: every scan still cached). Targets (issue 17): median <=
0.12 s and <= 6x ``python -c pass``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GIT_ENV, gate_command, git, init, machine, median, report_figures, timed


def build(root: Path) -> None:
    """300 modules committed, 5 of them changed and staged."""
    init(root)
    for i in range(300):
        folder = root / ("auth" if i == 0 else f"pkg{i % 10}")
        folder.mkdir(parents=True, exist_ok=True)
        body = "".join(f"def f{k}(x):\n    return x + {k}\n\n" for k in range(40))
        (folder / f"m{i}.py").write_text(f"import os\n\n{body}")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    for i in (0, 1, 2, 3, 4):
        folder = root / ("auth" if i == 0 else f"pkg{i % 10}")
        path = folder / f"m{i}.py"
        path.write_text(path.read_text().replace("return x + 7", "return x + 700"))
    git(root, "add", "-A")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        build(root)
        command = [*gate_command(), "check", "--staged", "--format", "json"]

        def gate() -> None:
            subprocess.run(command, cwd=root, env=GIT_ENV, capture_output=True, check=False)

        def bare() -> None:
            subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)

        def rebuilt() -> None:  # every scan cached, the decision itself made again
            subprocess.run(command, cwd=root, env={**GIT_ENV, "DRAFTGATE_NO_REUSE": "1"},
                           capture_output=True, check=False)

        gate()  # warm the OS file cache, as a developer's second commit would be
        gate_times, rebuilt_times, bare_times = [], [], []
        for _ in range(args.runs):  # interleaved: load from elsewhere falls on all three
            gate_times += timed(gate, 1)
            rebuilt_times += timed(rebuilt, 1)
            bare_times += timed(bare, 1)
        result = subprocess.run(command, cwd=root, env=GIT_ENV, capture_output=True, text=True,
                                check=False)
    g, r, b = median(gate_times), median(rebuilt_times), median(bare_times)
    print(f"machine: {machine()}")
    print(f"gate check --staged (5 files)     : median {g:.3f} s, min {min(gate_times):.3f}, "
          f"max {max(gate_times):.3f} over {args.runs} runs (exit {result.returncode}) -> "
          f"{g / b:.1f}x python -c pass")
    print(f"... the decision made again       : median {r:.3f} s (DRAFTGATE_NO_REUSE=1; every "
          f"scan cached) -> {r / b:.1f}x")
    print(f"python -c pass                    : median {b:.3f} s")
    print("targets                           : median <= 0.120 s and <= 6x python -c pass")
    report_figures(latency=g, latency_python_ratio=g / b, latency_rebuilt=r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
