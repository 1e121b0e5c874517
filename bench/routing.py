"""Routing quality: does the policy send real security fixes to the slow lane, and routine work
not?

    python bench/routing.py [--mirrors /work/.mirror] [--split report|tune|all]
                            [--policy FILE ...] [--limit N] [--json] [--rules N]
                            [--dump FILE] [--no-learn] [--advisory-db DIR]

Classifies (no scanners, no models) every commit of the labelled corpus in ``bench/corpus/``
against its first parent, as ``gate check --base PARENT --head COMMIT`` would, with each policy:
the shipped default, a paths-only variant of it (what a CODEOWNERS-style list of sensitive folders
would catch: the default's path globs without its content, symbol, kind and detector rules), and
any ``--policy`` files. Prints, per policy: security recall (fixes sent to the high tier) overall
and per category, recall on the named-sensitivity categories, migration recall, and the share of
routine commits sent to the high tier and to medium, and per rule its hits on security, routine
and migration commits (its precision); then the default again with the hotspots ``gate learn``
would have learned from each commit's own history up to its parent, counting advisories published
by the commit's date (``default+learned``). Report on the ``report`` half; tune on ``tune``
(bench/corpus/README.md). The corpus and the mirrors are built by bench/build_corpus.py.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gates import changes
from gates.classify import Rules, classify
from gates.errors import GateError
from gates.gitrepo import GitRepo
from gates.model import Classification
from gates.policy import Policy
from gates.policy.load import default_text, load_policy
from gates.policy.source import from_file
from gates.policy.yamldoc import load as load_yaml

CORPUS = Path(__file__).resolve().parent / "corpus" / "commits.csv"
NAMED = ("auth", "crypto", "session/token", "injection", "path traversal", "deserialization")
TARGETS = {"recall": 0.60, "named": 0.90, "migration": 1.00, "routine_high": 0.20}


def paths_only() -> Policy:
    """The default policy's path rules alone: a sensitive-folder list, the baseline to beat."""
    data, _ = load_yaml(default_text(), "<default policy>")
    data = copy.deepcopy(data)
    for body in data.get("categories", {}).values():
        for key in ("content", "symbols", "kinds", "detect", "version_only"):
            body.pop(key, None)
    data["provenance"] = {"trailers": [], "branches": [], "escalate": {}}
    import yaml

    return load_policy(yaml.safe_dump(data), "<default policy, paths only>")


def rows(split: str, limit: int | None) -> list[dict[str, str]]:
    with CORPUS.open(newline="", encoding="utf-8") as handle:
        found = [r for r in csv.DictReader(handle) if split == "all" or r["split"] == split]
    if limit:
        per: Counter[str] = Counter()
        kept = []
        for r in found:
            per[r["label"]] += 1
            if per[r["label"]] <= limit:
                kept.append(r)
        found = kept
    return found


def mirror_of(mirrors: Path, repository: str) -> Path | None:
    owner, _, name = repository.partition("/")
    for candidate in (mirrors / f"{owner}+{name}" / "repo",):
        if candidate.is_dir():
            return candidate
    lowered = f"{owner}+{name}".lower()
    for child in mirrors.iterdir():
        if child.name.lower() == lowered and (child / "repo").is_dir():
            return child / "repo"
    return None


Judged = list[tuple[dict[str, str], Classification]]


LEARNED = "default+learned"


class Learning:
    """Hotspots learned the honest way for each judged commit: ``gate learn --until PARENT``,
    counting an advisory only if it was published by the judged commit's date (the commit
    itself is never its own parent's ancestor, so a fix never teaches itself)."""

    def __init__(self, db: Path | None) -> None:
        from gates.learn.advisories import AdvisoryDB

        self.db = AdvisoryDB(db) if db is not None else None
        self.miners: dict[str, Any] = {}
        self.spots: list[int] = []
        self.seconds = 0.0

    def until(self, repository: str, repo: GitRepo, row: dict[str, str]) -> tuple[Any, ...]:
        from datetime import datetime

        from gates.learn.miner import Miner

        started = time.perf_counter()
        if repository not in self.miners:
            self.miners[repository] = Miner(repo, self.db)
        stamp = repo.text("log", "-1", "--format=%cI", row["commit"]).strip()
        spots = self.miners[repository].until(row["parent"], datetime.fromisoformat(stamp))
        self.spots.append(len(spots))
        self.seconds += time.perf_counter() - started
        return spots


def judge(corpus: list[dict[str, str]], mirrors: Path, policies: list[tuple[str, Policy]],
          learning: Learning | None = None) -> tuple[dict[str, Judged], list[str]]:
    """Each policy's classification of each corpus commit it could read."""
    rules = [(name, Rules(policy)) for name, policy in policies]
    learned = Rules(policies[0][1]) if learning is not None else None
    wanted = [r for _, r in rules] + ([learned] if learned is not None else [])

    def want_text(path: str) -> bool:
        return any(r.wants_text(path) for r in wanted)

    out: dict[str, Judged] = defaultdict(list)
    skipped: list[str] = []
    repos: dict[str, GitRepo | None] = {}
    for row in corpus:
        repository = row["repository"]
        if repository not in repos:
            path = mirror_of(mirrors, repository)
            repos[repository] = GitRepo(path, git_dir=True) if path else None
        repo = repos[repository]
        if repo is None:
            skipped.append(f"{repository}: no mirror")
            continue
        try:
            if learned is not None and learning is not None:
                learned.use_hotspots(learning.until(repository, repo, row))
            change = changes.commit_range(repo, row["parent"], row["commit"],
                                          want_text=want_text)
        except GateError as exc:
            skipped.append(f"{repository} {row['commit'][:12]}: {exc}")
            continue
        for name, r in rules:
            out[name].append((row, classify(r, change)))
        if learned is not None:
            out[LEARNED].append((row, classify(learned, change)))
    return out, skipped


def fired(result: Classification, policy: Policy) -> set[str]:
    """The rules that put a file of the change at the top tier, and the change-level ones that
    raised it there: what sent the commit to the slow lane."""
    top = policy.tiers[-1]
    found = {f"{m.rule} {m.pattern}" for f in result.files for m in f.matches if m.tier == top}
    found.update(e.rule for e in result.escalations if e.to_tier == top)
    return found


def figures(judged: Iterable[tuple[dict[str, str], Classification]],
            policy: Policy) -> dict[str, Any]:
    high, medium = policy.tiers[-1], policy.tiers[-2] if len(policy.tiers) > 1 else ""
    by_label: dict[str, list[bool]] = defaultdict(list)
    by_category: dict[str, list[bool]] = defaultdict(list)
    to_medium: list[bool] = []
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for row, result in judged:
        hit = result.tier == high
        by_label[row["label"]].append(hit)
        if row["label"] == "routine":
            to_medium.append(result.tier == medium)
        if row["label"] == "security":
            by_category[row["category"] or "other"].append(hit)
        for rule in fired(result, policy):
            per_rule[rule][row["label"]] += 1

    def share(hits: list[bool]) -> float | None:
        return round(sum(hits) / len(hits), 3) if hits else None

    named = [h for c in NAMED for h in by_category.get(c, [])]
    return {
        "recall": share(by_label["security"]),
        "named": share(named),
        "migration": share(by_label["migration"]),
        "routine_high": share(by_label["routine"]),
        "routine_medium": share(to_medium),
        "per_rule": {rule: dict(c) for rule, c in sorted(
            per_rule.items(), key=lambda kv: (-kv[1]["routine"], -kv[1]["security"]))},
        "per_category": {c: (share(h), len(h)) for c, h in sorted(by_category.items())},
        "counts": {label: len(h) for label, h in by_label.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", default="/work/.mirror", type=Path)
    parser.add_argument("--split", default="report", choices=("report", "tune", "fresh", "all"))
    parser.add_argument("--policy", action="append", default=[], metavar="FILE")
    parser.add_argument("--no-learn", dest="learn", action="store_false",
                        help="skip the 'default+learned' row: hotspots learned from each "
                             "commit's own history (gate learn --until PARENT); about 90 s")
    parser.add_argument("--advisory-db", type=Path, default=Path("/work/shared/advisory-db"),
                        help="the offline OSV database gate learn reads (with --learn)")
    parser.add_argument("--limit", type=int, help="at most N commits per label (a quick look)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rules", type=int, default=15, metavar="N",
                        help="show the N rules with the most routine hits (0: none)")
    parser.add_argument("--dump", type=Path, metavar="FILE",
                        help="write one JSON line per commit and policy: tier and rules fired")
    args = parser.parse_args(argv)
    if not args.mirrors.is_dir():
        print(f"no mirrors at {args.mirrors}: see bench/corpus/README.md", file=sys.stderr)
        return 2
    default = load_policy(default_text(), "<default policy>")
    policies = [("default", default), ("paths-only", paths_only())]
    policies += [(name, from_file(name)) for name in args.policy]
    corpus = rows(args.split, args.limit)
    started = time.perf_counter()
    learning = None
    if args.learn:
        learning = Learning(args.advisory_db if args.advisory_db.is_dir() else None)
    judged, skipped = judge(corpus, args.mirrors, policies, learning)
    elapsed = time.perf_counter() - started
    if learning is not None:
        policies.append((LEARNED, default))
        spots = sorted(learning.spots) or [0]
        print(f"learning: {learning.seconds:.0f} s for {len(learning.spots)} commits; hotspots "
              f"per commit median {spots[len(spots) // 2]}, max {spots[-1]}", file=sys.stderr)
    result = {name: figures(judged[name], policy) for name, policy in policies}
    if args.dump:
        _dump(args.dump, judged, dict(policies))
    if args.json:
        print(json.dumps({"split": args.split, "seconds": round(elapsed, 1), "skipped":
                          len(skipped), "policies": result}, indent=2))
        return 0
    counts = next(iter(result.values()))["counts"] if result else {}
    print(f"routing quality on the {args.split} half: {counts.get('security', 0)} security "
          f"fixes, {counts.get('routine', 0)} routine, {counts.get('migration', 0)} migration "
          f"commits; {len(skipped)} skipped; {elapsed:.0f} s")
    print(f"{'policy':<14} {'recall':>7} {'named':>7} {'migr.':>7} {'routine→high':>13} "
          f"{'→medium':>8}")
    for name, r in result.items():
        print(f"{name:<14} {_pct(r['recall']):>7} {_pct(r['named']):>7} "
              f"{_pct(r['migration']):>7} {_pct(r['routine_high']):>13} "
              f"{_pct(r['routine_medium']):>8}")
    print(f"{'target':<14} {_pct(TARGETS['recall'], '≥'):>7} {_pct(TARGETS['named'], '≥'):>7} "
          f"{_pct(TARGETS['migration'], '≥'):>7} {_pct(TARGETS['routine_high'], '≤'):>13}")
    print("\nsecurity recall per category (default / paths-only, fixes):")
    for category, (share, n) in result["default"]["per_category"].items():
        base = result["paths-only"]["per_category"].get(category, (None, 0))[0]
        print(f"  {category:<16} {_pct(share):>6} / {_pct(base):>6}  ({n})")
    if args.rules:
        print(f"\nrules that sent commits to high (default; security / routine / migration "
              f"commits, precision = security share of security + routine), top {args.rules} "
              "by routine hits:")
        for rule, c in list(result["default"]["per_rule"].items())[:args.rules]:
            sec, rout = c.get("security", 0), c.get("routine", 0)
            print(f"  {sec:>4} / {rout:>4} / {c.get('migration', 0):>4}  "
                  f"{_pct(sec / (sec + rout) if sec + rout else None):>5}  {rule[:90]}")
    for line in skipped[:10]:
        print(f"skipped: {line}", file=sys.stderr)
    headline = {"routing_recall": result["default"]["recall"],
                "routing_named": result["default"]["named"],
                "routing_migration": result["default"]["migration"],
                "routing_routine_high": result["default"]["routine_high"]}
    if LEARNED in result:
        headline |= {"routing_learned_recall": result[LEARNED]["recall"],
                     "routing_learned_routine_high": result[LEARNED]["routine_high"]}
    print("RESULT " + json.dumps(headline))
    return 0


def _dump(path: Path, judged: dict[str, Judged], policies: dict[str, Policy]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for name, entries in judged.items():
            for row, result in entries:
                out.write(json.dumps({
                    "policy": name, "repository": row["repository"], "commit": row["commit"],
                    "label": row["label"], "category": row["category"], "tier": result.tier,
                    "fired": sorted(fired(result, policies[name])),
                    "files": [[f.file.path, f.tier] for f in result.files][:50]}) + "\n")


def _pct(value: float | None, mark: str = "") -> str:
    return "-" if value is None else f"{mark}{value * 100:.0f}%"


if __name__ == "__main__":
    raise SystemExit(main())
