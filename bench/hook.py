"""Hook latency with the scanners: ``gate check --staged`` cold and warm vs bandit + semgrep.

    python bench/hook.py [--runs 7]

A scratch repository gets a staged change to 5 Python files (low tier: the SAST lane runs, the
dependency audit is skipped). Measured in interleaved rounds (each round runs every command once,
so load from elsewhere falls on all of them alike), each a fresh process as a hook would start it:
- cold: ``gate check --staged`` with an empty result cache (the cache file is deleted first);
- warm: the same command again, every file's results cached;
- baseline: ``bandit`` then ``semgrep scan --experimental`` (semgrep's native engine, what a
  careful user runs), the same shipped rules, on the same five files, one after the other;
- classic: ``bandit`` then semgrep's classic CLI (its Python front end), the older baseline;
- ``python -c pass``: the interpreter's own start, the floor of any Python hook.
Targets (issue 17): cold <= 0.9 x the native pair; warm <= 0.12 s and <= 6 x ``python -c pass``.

The before side (``sast.report: introduced``): the same five changes in modules that each carry a
legacy finding, cold, with the default policy and with ``sast.report: changed-lines``. A file
with findings after the change is scanned before the change too (a cache hit when its committed
version was checked by the hook; here the cache is empty): the difference is what the
before-side scan costs on the hook's cold path (no target: context for the cold figure).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
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


LEGACY = '''

import subprocess


def run_{n}(command):
    return subprocess.call(command, shell=True)
'''


def build(root: Path, legacy: bool = False, report: str | None = None) -> list[str]:
    """A repository with 50 modules committed and 5 of them changed and staged.

    ``legacy``: every module also holds a finding (already there before the change);
    ``report``: a committed policy sets ``sast.report``.
    """
    init(root)
    (root / "app").mkdir()
    for n in range(50):
        (root / "app" / f"mod{n}.py").write_text(
            MODULE.format(n=n) + (LEGACY.format(n=n) if legacy else ""))
    if report:
        (root / ".gate.yaml").write_text(f"extends: default\nsast:\n  report: {report}\n")
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

        semgrep = ["semgrep", "scan", "--json", "--metrics=off", "--disable-version-check",
                   "--config", str(shipped_rules()), *files]

        def pair(*engine: str) -> Callable[[], None]:
            def run() -> None:
                subprocess.run(["bandit", "-f", "json", "-q", *files], cwd=root, env=env,
                               capture_output=True, check=False)
                subprocess.run([*semgrep[:2], *engine, *semgrep[2:]], cwd=root, env=env,
                               capture_output=True, check=False)
            return run

        def bare() -> None:
            subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)

        warm()  # file-system caches, as on a developer's machine after the first commit
        outcome = subprocess.run(gate, cwd=root, env=env, capture_output=True, text=True,
                                 check=False)
        times = interleaved({"cold": cold, "warm": warm, "native": pair("--experimental"),
                             "classic": pair(), "python": bare}, args.runs)
        before_side = {}
        for report in ("introduced", "changed-lines"):
            legacy = Path(scratch) / f"legacy-{report}"
            build(legacy, legacy=True, report=report)  # both with a committed policy
            legacy_cache = legacy / ".git" / "draftgate"

            def legacy_cold(where: Path = legacy, cached: Path = legacy_cache) -> None:
                shutil.rmtree(cached, ignore_errors=True)
                subprocess.run(gate, cwd=where, env=env, capture_output=True, check=False)

            legacy_cold()
            before_side[report] = median(timed(legacy_cold, args.runs))
    c, w = median(times["cold"]), median(times["warm"])
    n, k, py = median(times["native"]), median(times["classic"]), median(times["python"])
    intro, narrow = before_side["introduced"], before_side["changed-lines"]
    print(f"machine: {machine()}; {os.cpu_count()} cores")
    print(f"gate exit code on the change: {outcome.returncode}; medians of {args.runs} "
          "interleaved rounds")
    print(f"bandit then semgrep --experimental : {n:.3f} s  (the baseline)")
    print(f"bandit then semgrep classic        : {k:.3f} s")
    print(f"python -c pass                     : {py:.3f} s")
    print(f"gate check --staged, cold          : {c:.3f} s  ->  {c / n:.2f}x the native pair "
          f"(target <= 0.9x), {c / k:.2f}x the classic pair")
    print(f"gate check --staged, warm          : {w:.3f} s  ->  {w / py:.1f}x python -c pass "
          "(targets <= 0.120 s, <= 6x)")
    print(f"cold, 5 files with legacy findings: introduced {intro:.3f} s, changed-lines "
          f"{narrow:.3f} s  ->  the before-side scan costs {intro - narrow:+.3f} s")
    report_figures(hook_cold_ratio=c / n, hook_cold_classic_ratio=c / k, hook_warm=w,
                   hook_warm_python_ratio=w / py, hook_before_cost=intro - narrow)
    return 0


def interleaved(commands: dict[str, Callable[[], None]], runs: int) -> dict[str, list[float]]:
    """Wall-clock seconds of each command, one call of each per round."""
    out: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, fn in commands.items():
            out[name] += timed(fn, 1)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
