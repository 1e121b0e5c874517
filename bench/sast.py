"""SAST quality on the OWASP Benchmark for Python: does ``gate check`` find the labelled
vulnerabilities and leave the safe variants alone?

    python bench/sast.py [--benchmark DIR] [--half odd|even|all] [--jobs N] [--rules N]
                         [--dump FILE]

The benchmark (``git clone https://github.com/OWASP-Benchmark/BenchmarkPython``) is fetched, never
committed; DIR defaults to $DRAFTGATE_OWASP_BENCHMARK, else ``../BenchmarkPython`` beside this
repository. Each labelled test case (``expectedresults-0.1.csv``: name, category, real
vulnerability, CWE) is one file, ``testcode/BenchmarkTestNNNNN.py``. The files that parse under
this Python go to the real ``gate check PATHS --no-cache --format json`` (one process, or N
chunks with --jobs: the speed of the whole run is part of what is measured); the others are
counted and reported, never scanned (bandit would make them a tool failure, which is right).

A case counts as flagged when the gate reports a finding in its file, whatever the rule: the
gate stops a file, not a CWE. Per category (the CSV's names): TP, FN, FP, TN, TPR, FPR and the
Youden index (TPR - FPR); then the average Youden over the categories and the pooled FPR, once
for the findings the decision counts as blocking and once for all unsuppressed findings. Tune on
the even-numbered cases, report on the odd ones (the default). ``--rules N`` lists the N rules
with the most hits, on vulnerable vs safe cases (a rule author's precision). ``--dump`` writes
one JSON line per case. Exits 2 without the benchmark, 1 when the gate could not scan (a tool
failure is no score).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GIT_ENV, gate_command

CLONE = "git clone https://github.com/OWASP-Benchmark/BenchmarkPython"
EXPECTED = "expectedresults-0.1.csv"
# Only names of this shape are test cases: anything else in testcode/ is not labelled, and a
# name that could read as an option never reaches the gate's argv.
CASE_FILE = re.compile(r"(BenchmarkTest(\d{5}))\.py")
HALVES = {"odd": "odd (report) half", "even": "even (tuning) half", "all": "both halves"}
TIMEOUT = 900  # seconds per gate process; the target for the whole run is 60


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled test case of the benchmark."""

    name: str
    category: str
    vulnerable: bool
    cwe: str

    @property
    def number(self) -> int:
        """The case's number: odd ones are the report half, even ones the tuning half."""
        return int(self.name.removeprefix("BenchmarkTest"))


@dataclass(frozen=True, slots=True)
class Tally:
    """Confusion counts of one category; rates are None when a side has no cases to rate."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    @property
    def tpr(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def fpr(self) -> float | None:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else None

    @property
    def youden(self) -> float | None:
        tpr, fpr = self.tpr, self.fpr
        return None if tpr is None or fpr is None else tpr - fpr

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp,
                     self.tn + other.tn)


@dataclass(frozen=True, slots=True)
class Summary:
    """The headline of one table: what the issue's targets are stated in."""

    average_youden: float | None  # over the categories whose Youden is defined
    worst: tuple[str, float] | None  # the category with the lowest Youden
    overall: Tally  # pooled over categories: the overall TPR and FPR
    undefined: tuple[str, ...]  # categories without both vulnerable and safe cases scanned


class ScanFailed(Exception):
    """The gate did not produce a complete scan: there is no score to give."""


def default_benchmark() -> Path:
    """Where the benchmark is looked for when --benchmark is not given."""
    env = os.environ.get("DRAFTGATE_OWASP_BENCHMARK")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "BenchmarkPython"


def is_benchmark(root: Path) -> bool:
    """A benchmark checkout has its expected results and its test code."""
    return (root / EXPECTED).is_file() and (root / "testcode").is_dir()


def read_cases(path: Path) -> list[Case]:
    """The labelled cases of ``expectedresults-0.1.csv`` (``#`` lines are its header)."""
    cases = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(line for line in handle if not line.startswith("#")):
            if not row:
                continue
            name, category, real, cwe = (cell.strip() for cell in row[:4])
            if not re.fullmatch(r"BenchmarkTest\d{5}", name) or real not in ("true", "false"):
                raise ValueError(f"{path}: unexpected row {row[:4]!r}")
            cases.append(Case(name, category, real == "true", cwe))
    return cases


def in_half(case: Case, half: str) -> bool:
    """``odd`` is the report half, ``even`` the tuning half, ``all`` both."""
    return half == "all" or (case.number % 2 == 1) == (half == "odd")


def parse_failure(path: Path) -> str | None:
    """Why the running Python cannot parse ``path`` (None: it parses), as bandit would see it."""
    try:
        ast.parse(path.read_bytes(), str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def scan(root: Path, files: list[str], jobs: int) -> tuple[list[dict[str, Any]], str, float]:
    """Findings of ``gate check PATHS --no-cache`` over ``files``, the policy that judged, seconds.

    Raises ScanFailed when a process fails, a stage could not run, or no SAST stage ran: a
    partial scan would score as if the missed files were clean.
    """
    chunks = [files[i::jobs] for i in range(jobs) if files[i::jobs]]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, len(chunks))) as pool:
        documents = list(pool.map(lambda chunk: _gate(root, chunk), chunks))
    seconds = time.perf_counter() - started
    findings = [finding for doc in documents for stage in doc["stages"]
                for finding in stage["findings"]]
    origins = sorted({f"{doc['policy']['origin']} ({doc['policy']['digest'][:12]})"
                      for doc in documents})
    return findings, ", ".join(origins), seconds


def _gate(root: Path, files: list[str]) -> dict[str, Any]:
    # No GitHub context: the run must neither annotate nor comment, wherever it is started.
    env = {k: v for k, v in GIT_ENV.items() if not k.startswith("GITHUB_")}
    try:
        done = subprocess.run([*gate_command(), "check", "--no-cache", "--format", "json", "--",
                               *files], cwd=root, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise ScanFailed(f"gate check did not finish within {TIMEOUT} s") from None
    try:
        doc: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise ScanFailed(f"gate check exited {done.returncode} without a JSON report: "
                         f"{_safe(done.stderr.strip()[-500:])}") from None
    stages = {stage["name"]: stage for stage in doc.get("stages", [])}
    broken = [f"{name}: {_safe(stage['message'])}" for name, stage in stages.items()
              if stage["status"] == "error"]
    if done.returncode not in (0, 1, 3) or broken:
        raise ScanFailed(f"gate check exited {done.returncode} ({doc.get('outcome')}): "
                         + ("; ".join(broken) or _safe(done.stderr.strip()[-500:])))
    if stages.get("sast", {}).get("status") not in ("passed", "failed"):
        raise ScanFailed(f"no SAST ran: the lane was {doc.get('lane')}")
    seen = {Path(str(entry.get("path"))).name for entry in doc.get("files", [])}
    if seen != {Path(name).name for name in files}:
        raise ScanFailed(f"gate check judged {len(seen)} files, not the {len(files)} it was given")
    return doc


def hits_by_case(findings: Iterable[Mapping[str, Any]], names: set[str]
                 ) -> tuple[dict[str, set[str]], dict[str, set[str]], int]:
    """Rules that fired per case: (blocking, all unsuppressed, findings in no scanned case).

    A finding belongs to the case whose file it is in, by file name: the gate reports paths from
    the repository root, which is not the benchmark's when the clone sits inside another repo.
    """
    blocking: dict[str, set[str]] = defaultdict(set)
    every: dict[str, set[str]] = defaultdict(set)
    stray = 0
    for finding in findings:
        match = CASE_FILE.fullmatch(Path(str(finding.get("path") or "")).name)
        if match is None or match[1] not in names:
            stray += 1
            continue
        if finding.get("suppressed"):
            continue
        rule = f"{finding.get('tool')}:{finding.get('rule')}"
        every[match[1]].add(rule)
        if finding.get("blocking") is True:
            blocking[match[1]].add(rule)
    return dict(blocking), dict(every), stray


def tally(cases: Iterable[Case], flagged: Iterable[str], categories: Iterable[str] = ()
          ) -> dict[str, Tally]:
    """Per category, the confusion counts of ``flagged`` (case names) against the labels.

    ``categories`` get a row even with no case scanned, so a category the scan never reached
    shows as one without a Youden instead of vanishing from the average.
    """
    hit = set(flagged)
    out: dict[str, Tally] = dict.fromkeys(categories, Tally())
    for case in cases:
        found = case.name in hit
        one = Tally(tp=int(case.vulnerable and found), fn=int(case.vulnerable and not found),
                    fp=int(not case.vulnerable and found),
                    tn=int(not case.vulnerable and not found))
        out[case.category] = out.get(case.category, Tally()) + one
    return dict(sorted(out.items()))


def summarize(tallies: Mapping[str, Tally]) -> Summary:
    """The average Youden over categories (each counts once, whatever its size) and pooled rates.

    A category with no vulnerable or no safe case scanned has no Youden; it is left out of the
    average and named, rather than counted as 0.
    """
    defined = {name: t.youden for name, t in tallies.items() if t.youden is not None}
    overall = sum(tallies.values(), Tally())
    worst = min(defined.items(), key=lambda item: item[1]) if defined else None
    return Summary(sum(defined.values()) / len(defined) if defined else None,
                   (worst[0], worst[1]) if worst is not None else None, overall,
                   tuple(name for name in tallies if name not in defined))


@dataclass(slots=True)
class RuleHits:
    """Cases one rule fired on: by label, where it blocked, and per category (vulnerable, safe).

    A rule fires on any case whose file holds its pattern, whatever the case's category: the
    per-category split tells a rule author whether its safe-side hits are its own class's safe
    variants (precision to win) or another class's files (a real finding the labels ignore).
    """

    vulnerable: int = 0
    safe: int = 0
    blocked: int = 0
    by_category: dict[str, list[int]] = field(default_factory=dict)


def rule_hits(cases: Iterable[Case], every: Mapping[str, set[str]],
              blocking: Mapping[str, set[str]]) -> dict[str, RuleHits]:
    """Per rule, the cases it fired on; most cases first."""
    counts: dict[str, RuleHits] = defaultdict(RuleHits)
    for case in cases:
        for rule in every.get(case.name, ()):
            hits = counts[rule]
            side = 0 if case.vulnerable else 1
            hits.vulnerable += side == 0
            hits.safe += side == 1
            hits.blocked += rule in blocking.get(case.name, set())
            hits.by_category.setdefault(case.category, [0, 0])[side] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1].vulnerable - item[1].safe,
                                                         item[0])))


def _safe(text: str) -> str:
    """Scanner and CSV text is not ours: no control codes reach the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _rate(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.2f}" if signed else f"{value * 100:.0f}%"


def render(title: str, tallies: Mapping[str, Tally], unparsed: Mapping[str, int]) -> list[str]:
    """One table: a row per category, then the average Youden and the pooled rates."""
    lines = [title, f"  {'category':<16} {'cases':>5} {'unparsed':>8} {'TP':>4} {'FN':>4} "
                    f"{'FP':>4} {'TN':>4} {'TPR':>5} {'FPR':>5} {'Youden':>7}"]
    for name, t in tallies.items():
        lines.append(f"  {_safe(name):<16} {t.tp + t.fn + t.fp + t.tn:>5} "
                     f"{unparsed.get(name, 0):>8} {t.tp:>4} {t.fn:>4} {t.fp:>4} {t.tn:>4} "
                     f"{_rate(t.tpr):>5} {_rate(t.fpr):>5} {_rate(t.youden, True):>7}")
    s = summarize(tallies)
    worst = f"; worst {_safe(s.worst[0])} {s.worst[1]:+.2f}" if s.worst else ""
    lines.append(f"  average Youden over {len(tallies) - len(s.undefined)} categories: "
                 f"{_rate(s.average_youden, True)}{worst}; overall TPR {_rate(s.overall.tpr)}, "
                 f"FPR {_rate(s.overall.fpr)}")
    if s.undefined:
        lines.append(f"  no Youden (a side has no scanned case): "
                     f"{', '.join(_safe(n) for n in s.undefined)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", type=Path, default=None, metavar="DIR",
                        help="the BenchmarkPython checkout (default: $DRAFTGATE_OWASP_BENCHMARK "
                             "or ../BenchmarkPython beside this repository)")
    parser.add_argument("--half", default="odd", choices=("odd", "even", "all"),
                        help="odd: the report half (default); even: the tuning half")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="split the files over N concurrent gate processes")
    parser.add_argument("--rules", type=int, default=15, metavar="N",
                        help="show the N rules with the most hits (0: none)")
    parser.add_argument("--dump", type=Path, metavar="FILE",
                        help="write one JSON line per case: label, parsed, rules that fired")
    args = parser.parse_args(argv)
    root: Path = args.benchmark or default_benchmark()
    if not is_benchmark(root):
        print(f"no OWASP Benchmark for Python at {_safe(str(root))}: {CLONE} (or pass "
              "--benchmark DIR)",
              file=sys.stderr)
        return 2
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    started = time.perf_counter()
    cases = [c for c in read_cases(root / EXPECTED) if in_half(c, args.half)]
    missing = [c.name for c in cases if not (root / "testcode" / f"{c.name}.py").is_file()]
    if missing:  # a partial checkout would score its missing cases as if nothing were found
        print(f"no score: {len(missing)} labelled test files are missing from {_safe(str(root))}"
              f"/testcode (first: {missing[0]}.py)", file=sys.stderr)
        return 1
    failures = {c.name: parse_failure(root / "testcode" / f"{c.name}.py") for c in cases}
    scanned = [c for c in cases if failures[c.name] is None]
    unparsed: dict[str, int] = defaultdict(int)
    for case in cases:
        unparsed[case.category] += failures[case.name] is not None
    if not scanned:
        print(f"no score: none of the {len(cases)} test files parses under Python "
              f"{sys.version.split()[0]}", file=sys.stderr)
        return 1
    try:
        findings, policy, seconds = scan(root, [f"testcode/{c.name}.py" for c in scanned],
                                         args.jobs)
    except ScanFailed as exc:
        print(f"no score: {exc}", file=sys.stderr)
        return 1
    blocking, every, stray = hits_by_case(findings, {c.name for c in scanned})
    total = time.perf_counter() - started
    python = sys.version.split()[0]
    print(f"OWASP Benchmark for Python at {_safe(str(root))}, {HALVES[args.half]}: {len(cases)} "
          f"cases; {len(scanned)} scanned, {len(cases) - len(scanned)} do not parse under "
          f"Python {python} (not scanned)")
    print(f"gate check: {seconds:.1f} s for {len(scanned)} files in {min(args.jobs, len(scanned))} "
          f"process(es), {total:.1f} s in all; policy {_safe(policy)}")
    if stray:
        print(f"{stray} findings in no scanned case's file (not scored)")
    print()
    for line in render("blocking findings (what the decision blocks on)",
                       tally(scanned, blocking, unparsed), unparsed):
        print(line)
    print()
    for line in render("all findings (blocking or not; suppressed ones left out)",
                       tally(scanned, every, unparsed), unparsed):
        print(line)
    if args.rules:
        for line in render_rules(rule_hits(scanned, every, blocking), args.rules):
            print(line)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for case in cases:
                out.write(json.dumps({
                    "case": case.name, "category": case.category, "vulnerable": case.vulnerable,
                    "cwe": case.cwe, "unparsed": failures[case.name],
                    "blocking": sorted(blocking.get(case.name, ())),
                    "all": sorted(every.get(case.name, ()))}) + "\n")
    headline = {"sast_seconds": round(seconds, 2), "sast_unparsed": len(cases) - len(scanned)}
    print("RESULT " + json.dumps(headline | targets(scanned, blocking, unparsed)))
    return 0


def render_rules(ranked: Mapping[str, RuleHits], top: int) -> list[str]:
    """The rules with the most cases hit, with their precision: where a rule author looks."""
    lines = [f"\nrules by cases hit, top {top} of {len(ranked)}: vulnerable / safe, precision, "
             "cases where it blocked, rule, its three categories with most hits (vulnerable/safe)"]
    for rule, h in list(ranked.items())[:top]:
        where = sorted(h.by_category.items(), key=lambda item: (-sum(item[1]), item[0]))
        shown = ", ".join(f"{_safe(name)} {v}/{s}" for name, (v, s) in where[:3])
        more = f", +{len(where) - 3}" if len(where) > 3 else ""
        lines.append(f"  {h.vulnerable:>4} / {h.safe:>4}  "
                     f"{_rate(h.vulnerable / (h.vulnerable + h.safe)):>5}  {h.blocked:>4}  "
                     f"{_safe(rule)[:60]}  ({shown}{more})")
    return lines


def targets(scanned: Iterable[Case], blocking: Mapping[str, set[str]],
            categories: Iterable[str]) -> dict[str, float]:
    """The issue's targets, always on the odd (report) half's blocking findings; none without it."""
    report = [c for c in scanned if in_half(c, "odd")]
    s = summarize(tally(report, blocking, categories))
    if s.average_youden is None or s.worst is None or s.overall.fpr is None:
        return {}
    return {"sast_youden": round(s.average_youden, 4), "sast_worst_category": round(s.worst[1], 4),
            "sast_fpr": round(s.overall.fpr, 4)}

if __name__ == "__main__":
    raise SystemExit(main())
