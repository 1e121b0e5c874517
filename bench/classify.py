"""Classification throughput: collect + classify a 10,000-file change against ``git diff`` itself.

    python bench/classify.py [--files 10000] [--runs 3] [--keep DIR]

Builds a scratch repository with ``--files`` Python modules, commits them, then stages a change
that rewrites ~55 lines per file (about 550,000 changed lines and 26 MB of patch at the default
size), with renames, deletions, new files and a sprinkling of sensitive paths and lines. It times
``git diff --cached -p -M`` (output read into memory) and the gate's collect + classify with the
default policy, in the same run, and prints the ratio. Target (issue 17): gate <= 2x git diff.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import git, init, machine, median, report_figures, timed

WORDS = [
    "value", "result", "items", "config", "request", "response", "handler", "record", "buffer",
    "index", "payload", "session", "cache", "queue", "worker", "client", "server", "parser",
    "loader", "metric",
]


def module(rng: random.Random, n: int, version: int, sensitive: bool) -> str:
    """A plausible Python module of ~``n`` lines; ``version`` changes about half of its lines."""
    lines = ["import os", "import json", ""]
    for f in range(n // 8):
        name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{f}"
        if sensitive and f == 1:
            name = "verify_token"
        lines.append(f"def {name}(self, {rng.choice(WORDS)}):")
        for k in range(6):
            a, b = rng.choice(WORDS), rng.choice(WORDS)
            tag = f"v{version}" if (k + f) % 3 != 0 else "v0"
            lines.append(f"    {a}{k} = {b}.get('{tag}', {k})")
        lines.append(f"    return {rng.choice(WORDS)}0")
    if sensitive and version:
        lines.append('API_PASSWORD = "correct-horse-battery"')
        lines.append("digest = hashlib.md5(data).hexdigest()")
    return "\n".join(lines) + "\n"


def commit_modules(root: Path, paths: list[Path] | list[str]) -> None:
    """The base commit: one plausible module at each path (module ``i`` seeded with ``i``, so a
    later ``module(random.Random(i), 56, 1, ...)`` rewrites about half of its lines)."""
    for i, rel in enumerate(paths):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(module(random.Random(i), 56, 0, i % 53 == 0))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")


def build(root: Path, files: int) -> None:
    """The base commit and the staged change."""
    init(root)
    rng = random.Random(7)
    paths = []
    for i in range(files):
        folder = "auth" if i % 97 == 0 else f"pkg{i % 50}"
        paths.append(Path(folder) / f"mod_{i}.py")
    commit_modules(root, paths)
    for i, rel in enumerate(paths):
        target = root / rel
        if i % 50 == 1:
            target.unlink()
            continue
        target.write_text(module(random.Random(i), 56, 1, i % 53 == 0))
        if i % 40 == 2:
            target.rename(target.with_name(f"renamed_{i}.py"))
    for i in range(files // 50):
        (root / "new").mkdir(exist_ok=True)
        (root / "new" / f"fresh_{i}.py").write_text(module(rng, 48, 1, False))
    git(root, "add", "-A")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args()

    from gates import changes
    from gates.classify import Rules, classify
    from gates.gitrepo import GitRepo
    from gates.policy import source

    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch) / "repo"
        if not (root / ".git").exists():
            build(root, args.files)
        patch = git(root, "diff", "--cached", "-p", "-M")
        changed = sum(1 for line in patch.split(b"\n")
                      if line[:1] in (b"+", b"-") and line[:3] not in (b"+++", b"---"))
        git_times = timed(lambda: git(root, "diff", "--cached", "-p", "-M"), args.runs)

        policy = source.default()

        def gate_run() -> None:
            repo = GitRepo(root)
            rules = Rules(policy)
            change = changes.staged(repo, rules.wants_text)
            classify(rules, change)

        gate_times = timed(gate_run, args.runs)
        rules = Rules(policy)
        result = classify(rules, changes.staged(GitRepo(root), rules.wants_text))
    tiers: dict[str, int] = {}
    for f in result.files:
        tiers[f.tier] = tiers.get(f.tier, 0) + 1
    g, d = median(git_times), median(gate_times)
    print(f"machine: {machine()}")
    print(f"change: {len(result.files)} files, {changed} changed lines, "
          f"{len(patch) / 1e6:.1f} MB of patch; file tiers {tiers}")
    print(f"git diff --cached -p -M : median {g:.3f} s over {args.runs} runs")
    print(f"gate collect + classify : median {d:.3f} s over {args.runs} runs")
    print(f"ratio gate / git diff   : {d / g:.2f}x (target <= 2x)")
    report_figures(classify_ratio=d / g)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
