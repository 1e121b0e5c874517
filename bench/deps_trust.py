"""What the trust checks cost: `gate check --staged` on a change adding 20 packages.

    python bench/deps_trust.py [--runs 5]

A scratch repository gets a requirements.txt adding 20 pinned packages; pins are audited against an
empty offline database, so the time is the gate's own plus the trust checks against a package index
on 127.0.0.1 (tests/index_server.py, the suite's). Cold: a fresh repository each run (nothing
cached). Warm: the same change again (the index answers come from the cache, for a day).
Targets (issue 15): warm <= 2 s, cold <= 5 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from common import GIT_ENV, gate_command, git, init, machine, median, report_figures, timed

from tests.index_server import Index, serve

NAMES = ["attrs", "idna", "certifi", "charset-normalizer", "urllib3", "click", "itsdangerous",
         "markupsafe", "jinja2", "werkzeug", "blinker", "pyyaml", "six", "packaging",
         "pyparsing", "python-dateutil", "pytz", "tzdata", "wrapt", "decorator"]


def build(root: Path) -> None:
    init(root)
    (root / "advisories" / "vulns").mkdir(parents=True)
    (root / "advisories" / "vulns" / "README").write_text("no advisories\n")
    (root / ".gate.yaml").write_text("extends: default\ndeps:\n  offline_db: advisories\n")
    (root / "app.py").write_text("def main():\n    return 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "requirements.txt").write_text("".join(f"{n}==1.0\n" for n in NAMES))
    git(root, "add", "-A")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with serve(Index()) as index, tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in GIT_ENV.items() if not k.startswith("PIP_")}
        env.update(PIP_CONFIG_FILE="/dev/null", PIP_INDEX_URL=index.url,
                   NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
        command = [*gate_command(), "check", "--staged", "--format", "json"]
        counter = iter(range(10_000))

        def cold() -> None:
            root = Path(scratch) / f"cold{next(counter)}"
            build(root)
            subprocess.run(command, cwd=root, env=env, capture_output=True, check=False)

        warm_root = Path(scratch) / "warm"
        build(warm_root)

        def warm() -> None:
            subprocess.run(command, cwd=warm_root, env=env, capture_output=True, check=False)

        warm()  # fills the cache
        asked = len(index.requests)
        warm_times = timed(warm, args.runs)
        warm_asked = len(index.requests) - asked
        cold_times = timed(cold, args.runs)
        done = subprocess.run(command, cwd=warm_root, env=env, capture_output=True, text=True,
                              check=False)
    print(f"machine: {machine()}")
    print(f"exit code on the change: {done.returncode}")
    print(f"cold, 20 added packages : median {median(cold_times):.3f} s over {args.runs} runs "
          "(target <= 5 s; includes building the scratch repository)")
    print(f"warm, 20 added packages : median {median(warm_times):.3f} s over {args.runs} runs, "
          f"{warm_asked} index requests (target <= 2 s)")
    report_figures(trust_cold=median(cold_times), trust_warm=median(warm_times))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
