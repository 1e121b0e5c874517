"""Replay speed: commits classified per second by ``gate replay`` over a real history.

    python bench/replay.py --repo /path/to/big-project.git [--max 2000] [--runs 3]
    DRAFTGATE_BENCH_REPO=/path/to/big-project.git python bench/replay.py

Point it at a clone (bare or not) of a large Python project: the figure that counts is measured on
real history (docs/performance.md names the repository and range). Without one it builds a
synthetic 2,000-commit history of a 300-module project with ``git fast-import`` and says so: a
smoke figure, not the target's. Each run is a fresh ``gate replay`` process over the newest
``--max`` non-merge commits with the default policy (start-up included); the baseline is
``git log -p`` printing the same commits' patches, so the ratio says what replay adds to git's own
diffing. Target: at least 200 commits per second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GIT_ENV, gate_command, git, init, machine, median, report_figures, timed

MODULES = 300


def _module(i: int, version: int) -> bytes:
    body = "".join(f"def f{k}(x):\n    return x + {k * (version if k == version % 40 else 1)}\n\n"
                   for k in range(40))
    head = "import hashlib\n" if i % 50 == 0 else "import os\n"
    return f"{head}\n\n{body}".encode()


def synthesize(root: Path, commits: int) -> None:
    """A linear history: each commit edits 1-6 modules (some under auth/), now and then a
    requirements bump or a workflow edit, as a busy Python project's history looks."""
    init(root)
    rng = random.Random(7)
    versions = [0] * MODULES
    paths = [("auth" if i % 40 == 0 else f"pkg{i % 12}") + f"/m{i}.py" for i in range(MODULES)]
    stream = bytearray()

    def blob(path: str, data: bytes) -> None:
        stream.extend(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    for n in range(commits):
        message = f"change {n}".encode()
        stream.extend(b"commit refs/heads/main\n")
        stream.extend(f"committer bench <bench@example.invalid> {1_600_000_000 + n * 600} +0000\n"
                      .encode())
        stream.extend(f"data {len(message)}\n".encode() + message + b"\n")
        touched = range(MODULES) if n == 0 else rng.sample(range(MODULES), rng.randint(1, 6))
        for i in touched:
            versions[i] += 1
            blob(paths[i], _module(i, versions[i]))
        if n % 25 == 0:
            blob("requirements.txt", f"requests=={2 + n // 1000}.{n % 1000}.0\n".encode())
        if n % 97 == 0:
            blob(".github/workflows/ci.yml", f"on: push\n# revision {n}\n".encode())
        stream.extend(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, env=GIT_ENV,
                   input=bytes(stream), check=True)
    git(root, "checkout", "-q", "main")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", default=os.environ.get("DRAFTGATE_BENCH_REPO"),
                        help="git directory of a large real project (default: synthetic)")
    parser.add_argument("--max", type=int, default=2000, help="commits to replay (newest)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.repo:
            repo, label = Path(args.repo), args.repo
        else:
            repo, label = Path(scratch) / "synthetic", "synthetic history (no --repo given)"
            synthesize(repo, args.max)
        command = [*gate_command(), "replay", "--git-dir", str(repo), "--since", "1970-01-02",
                   "--max", str(args.max), "--format", "json"]
        baseline = ["git", "--git-dir", str(git_dir(repo)), "log", "--no-merges", "-p", "--raw",
                    "-M", "-C", f"--max-count={args.max}", "HEAD"]

        def replay() -> None:
            subprocess.run(command, env=GIT_ENV, capture_output=True, check=True)

        def git_log() -> None:
            subprocess.run(baseline, env=GIT_ENV, stdout=subprocess.DEVNULL, check=True)

        replay()  # warm the OS file cache
        replay_times = timed(replay, args.runs)
        log_times = timed(git_log, args.runs)
        done = subprocess.run(command, env=GIT_ENV, capture_output=True, text=True, check=True)
        commits = json.loads(done.stdout)["range"]["commits"]
    rate = commits / median(replay_times)
    print(f"machine: {machine()}")
    print(f"repository: {label}; newest {commits} non-merge commits, default policy")
    print(f"gate replay: median {median(replay_times):.2f} s over {args.runs} runs "
          f"({', '.join(f'{t:.2f}' for t in replay_times)}) -> {rate:.0f} commits/s")
    print(f"git log -p (same commits): median {median(log_times):.2f} s -> replay takes "
          f"{median(replay_times) / median(log_times):.2f}x git's own diffing")
    report_figures(replay_rate=rate, replay_vs_gitlog=median(replay_times) / median(log_times))
    return 0


def git_dir(repo: Path) -> Path:
    """``repo`` itself for a bare repository, else its ``.git``."""
    return repo / ".git" if (repo / ".git").exists() else repo


if __name__ == "__main__":
    raise SystemExit(main())
