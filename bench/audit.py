"""What writing the decision record adds to a hook run: ``gates.audit.log`` on this disk.

    python bench/audit.py [--runs 20] [--rows 10000]

A scratch repository gets a staged change to five Python files (one under ``auth/``, so the
record carries the tier's rules) and the real ``gate`` engine judges it with the default policy;
its record is the real-sized one a hook would write. A log in the scratch directory is filled to
``--rows`` rows, then each run is a fresh process, as a hook starts: the record is loaded from a
file and the CLI and engine are imported (not timed: the hook has them by then), then ``import
gates.audit.log`` and one ``append`` are timed together (opening the file, WAL, the schema check,
the insert, the commit, the checkpoint on close). ``record_of`` (flattening the Decision) is timed
in this process, where the Decision is.
Target (issue 16): the record adds <= 5 ms to the warm hook (medians).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GIT_ENV, git, init, machine, median, report_figures, timed

from gates.audit.log import append, record_of
from gates.engine import Request, check
from gates.model import SourceKind

MODULE = '''\
import json
import os


def load(path):
    with open(path) as handle:
        return json.load(handle)


def name_{n}():
    return os.environ.get("NAME_{n}", "")
'''

# A hook writes its record after judging: the CLI and the engine (sqlite3 with them, for the
# result cache) are already imported, and are not part of what the record adds.
TIMED = """\
import json, sys, time
from pathlib import Path
import gates.cli, gates.engine
record = json.loads(Path(sys.argv[2]).read_text())
start = time.perf_counter()
from gates.audit.log import append
append(Path(sys.argv[1]), record)
print(time.perf_counter() - start)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        init(root)
        git(root, "commit", "-q", "--allow-empty", "-m", "initial")
        for n, where in enumerate(["app", "app", "lib", "lib", "app/auth"]):
            target = root / where / f"module_{n}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(MODULE.format(n=n))
        git(root, "add", ".")
        request = Request(SourceKind.STAGED, cwd=root)
        decision = check(request)
        flatten = timed(lambda: record_of(decision, argv_source="hook pre-commit", duration=0.2,
                                          exit_code=decision.exit_code), args.runs)
        record = record_of(decision, argv_source="hook pre-commit", duration=0.2,
                           exit_code=decision.exit_code)
        size = len(json.dumps(record))
        log = Path(scratch) / "git" / "draftgate" / "audit.db"
        append(log, record)
        with sqlite3.connect(log) as db:
            db.executemany(
                "INSERT INTO decisions (time, outcome, tier, source, exit_code, record) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(record["time"], record["outcome"], record["tier"], "staged",
                  record["exit_code"], json.dumps(record))] * (args.rows - 1))
        db.close()
        source = Path(scratch) / "record.json"
        source.write_text(json.dumps(record))
        env = {k: v for k, v in GIT_ENV.items() if not k.startswith("GIT_")}
        fresh = []
        for _ in range(args.runs):
            done = subprocess.run([sys.executable, "-c", TIMED, str(log), str(source)],
                                  capture_output=True, text=True, check=True, env=env)
            fresh.append(float(done.stdout))
        started = time.perf_counter()
        append(log, record)
        warm = time.perf_counter() - started
        with sqlite3.connect(log) as db:
            (count,) = db.execute("SELECT count(*) FROM decisions").fetchone()
        db.close()
    added = median(fresh) + median(flatten)
    print(f"machine: {machine()}")
    print(f"decision: {decision.outcome.value}, tier {record['tier']}, lane {record['lane']}; "
          f"record {size} bytes; log {count} rows after the runs")
    print(f"record_of (in process)           : median {median(flatten) * 1000:.2f} ms")
    print(f"import + append (fresh process)  : median {median(fresh) * 1000:.2f} ms over "
          f"{args.runs} runs (min {min(fresh) * 1000:.2f}, max {max(fresh) * 1000:.2f})")
    print(f"append, module already imported  : {warm * 1000:.2f} ms (one run)")
    print(f"added to the hook                : {added * 1000:.2f} ms  (target <= 5 ms)")
    report_figures(audit_append=round(median(fresh), 5), audit_record=round(median(flatten), 5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
