"""Speed of ``gate learn`` over a real history: seconds, fixes, files and functions found.

    python bench/learn.py --repo /work/.mirror/ansible+ansible/repo \
        [--offline-db /work/shared/advisory-db] [--commits 10000] [--runs 3]

Each run is a fresh ``gate learn`` process (start-up, loading the advisory database and writing
the fragment included) over the history up to ``--until``; with ``--commits N`` the newest
first-parent commit whose history holds at most N commits is chosen, so the figure is for a
history of that size. Target (issue 12): at most 30 s for 10,000 commits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GIT_ENV, gate_command, machine, median, report_figures, timed

TARGET_SECONDS = 30.0
TARGET_COMMITS = 10_000


def until_for(repo: Path, commits: int) -> str:
    """The newest first-parent commit whose history has at most ``commits`` commits."""
    def run(*args: str) -> str:
        return subprocess.run(["git", "--git-dir", str(repo), *args], env=GIT_ENV, check=True,
                              capture_output=True, text=True).stdout.strip()

    spine = run("rev-list", "--first-parent", "HEAD").split()
    low, high = 0, len(spine) - 1  # spine[0] is the newest; histories shrink going back
    while low < high:
        middle = (low + high) // 2
        if int(run("rev-list", "--count", spine[middle])) <= commits:
            high = middle
        else:
            low = middle + 1
    return spine[low]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", default=os.environ.get("DRAFTGATE_BENCH_REPO"), required=False,
                        help="git directory of a large real project")
    parser.add_argument("--offline-db", help="OSV advisory database folder (PyPA layout)")
    parser.add_argument("--commits", type=int, help="learn from a history of about N commits")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.repo:
        print("give --repo (or DRAFTGATE_BENCH_REPO): a clone of a large project", file=sys.stderr)
        return 2
    until = until_for(Path(args.repo), args.commits) if args.commits else "HEAD"
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "hotspots.json"
        command = [*gate_command(), "learn", "--git-dir", args.repo, "--until", until,
                   "--output", str(output), "--format", "json"]
        if args.offline_db:
            command += ["--offline-db", args.offline_db]

        def learn() -> None:
            subprocess.run(command, env=GIT_ENV, capture_output=True, check=True)

        learn()  # warm the OS file cache
        times = timed(learn, args.runs)
        document = json.loads(output.read_text())
    info, spots = document["learned"], document["hotspots"]
    seconds = median(times)
    print(f"machine: {machine()}")
    print(f"repository: {args.repo} up to {info['until'][:12]} ({info['commits']:,} commits); "
          f"advisory db: {args.offline_db or 'none'}")
    print(f"gate learn: median {seconds:.2f} s over {args.runs} runs "
          f"({', '.join(f'{t:.2f}' for t in times)}); target <= {TARGET_SECONDS:.0f} s for "
          f"{TARGET_COMMITS:,} commits")
    print(f"fixes: {info['fixes']} ({info['by_message']} by message, {info['by_advisory']} by "
          f"advisory), {len(info['fix_commits'])} left hotspots")
    print(f"hotspots: {len(spots)} in {len({s['path'] for s in spots})} files, "
          f"{sum('symbol' in s for s in spots)} functions or classes, "
          f"{sum('symbol' not in s for s in spots)} whole files")
    report_figures(learn_seconds=seconds, learn_commits=info["commits"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
