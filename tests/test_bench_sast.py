"""bench/sast.py: the OWASP Benchmark score is only as good as its counting and its guards."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_sast", ROOT / "bench" / "sast.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_sast"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


sast = _load()


def case(number: int, category: str, vulnerable: bool) -> object:
    return sast.Case(f"BenchmarkTest{number:05d}", category, vulnerable, "78")


def test_tally_and_summary_on_a_hand_made_table() -> None:
    cases = [case(1, "cmdi", True), case(2, "cmdi", True), case(3, "cmdi", False),
             case(4, "cmdi", False), case(5, "cmdi", False), case(6, "sqli", True),
             case(7, "xss", True), case(8, "xss", False)]
    flagged = {"BenchmarkTest00001", "BenchmarkTest00003", "BenchmarkTest00006",
               "BenchmarkTest00008"}
    tallies = sast.tally(cases, flagged, ["hash"])
    assert tallies["cmdi"] == sast.Tally(tp=1, fn=1, fp=1, tn=2)
    assert tallies["cmdi"].tpr == 0.5
    assert tallies["cmdi"].fpr == pytest.approx(1 / 3)
    assert tallies["cmdi"].youden == pytest.approx(1 / 6)
    assert tallies["xss"].youden == -1.0
    summary = sast.summarize(tallies)
    # sqli has no safe case and hash no case at all: named, not averaged in as 0
    assert summary.undefined == ("hash", "sqli")
    assert summary.average_youden == pytest.approx((1 / 6 - 1.0) / 2)
    assert summary.worst == ("xss", -1.0)
    assert summary.overall == sast.Tally(tp=2, fn=2, fp=2, tn=2)
    assert summary.overall.fpr == 0.5


def test_halves_split_by_case_number() -> None:
    odd, even = case(1241, "xss", True), case(1242, "xss", True)
    assert [sast.in_half(c, "odd") for c in (odd, even)] == [True, False]
    assert [sast.in_half(c, "even") for c in (odd, even)] == [False, True]
    assert [sast.in_half(c, "all") for c in (odd, even)] == [True, True]


def test_findings_map_to_cases_by_file_name() -> None:
    names = {"BenchmarkTest00001", "BenchmarkTest00002"}
    findings = [
        # reported from an enclosing repository's root: still case 1
        {"tool": "bandit", "rule": "B602", "path": "vendor/testcode/BenchmarkTest00001.py",
         "blocking": True},
        {"tool": "bandit", "rule": "B404", "path": "testcode/BenchmarkTest00001.py",
         "blocking": False},
        {"tool": "bandit", "rule": "B602", "path": "testcode/BenchmarkTest00002.py",
         "blocking": True, "suppressed": True},
        # a truthy non-boolean is not the JSON contract's `true`
        {"tool": "semgrep", "rule": "x", "path": "testcode/BenchmarkTest00002.py",
         "blocking": "false"},
        {"tool": "bandit", "rule": "B602", "path": "testcode/BenchmarkTest00009.py",
         "blocking": True},
        {"tool": "bandit", "rule": "B602", "path": "helpers/utils.py", "blocking": True},
        {"tool": "bandit", "rule": "B602", "path": "testcode/BenchmarkTest00001.py.bak",
         "blocking": True},
        {"tool": "draftgate", "rule": "unicode", "path": None, "blocking": True},
    ]
    blocking, every, stray = sast.hits_by_case(findings, names)
    assert blocking == {"BenchmarkTest00001": {"bandit:B602"}}
    assert every == {"BenchmarkTest00001": {"bandit:B602", "bandit:B404"},
                     "BenchmarkTest00002": {"semgrep:x"}}
    assert stray == 4


def test_rule_hits_count_cases_on_each_side() -> None:
    cases = [case(1, "cmdi", True), case(2, "cmdi", False), case(3, "xss", False)]
    every = {"BenchmarkTest00001": {"a", "b"}, "BenchmarkTest00002": {"b"},
             "BenchmarkTest00003": {"b"}}
    blocking = {"BenchmarkTest00002": {"b"}}
    ranked = sast.rule_hits(cases, every, blocking)
    assert list(ranked) == ["b", "a"]
    assert (ranked["b"].vulnerable, ranked["b"].safe, ranked["b"].blocked) == (1, 2, 1)
    assert ranked["b"].by_category == {"cmdi": [1, 1], "xss": [0, 1]}
    assert (ranked["a"].vulnerable, ranked["a"].safe, ranked["a"].blocked) == (1, 0, 0)


@pytest.mark.parametrize("row", [
    "../../etc/passwd,cmdi,true,78",      # a name that is not a case's
    "BenchmarkTest00001,cmdi,True,78",    # a label that is neither true nor false
    "BenchmarkTest00001,cmdi,yes,78",
])
def test_expected_results_reject_what_they_cannot_score(tmp_path: Path, row: str) -> None:
    path = tmp_path / "expected.csv"
    path.write_text(f"# test name, category, real vulnerability, cwe\n{row}\n")
    with pytest.raises(ValueError, match="unexpected row"):
        sast.read_cases(path)


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "sast.py"), *args],
                          capture_output=True, text=True, check=False, timeout=300)


def test_without_the_benchmark_it_says_how_to_get_it(tmp_path: Path) -> None:
    done = run_bench("--benchmark", str(tmp_path / "absent"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "git clone https://github.com/OWASP-Benchmark/BenchmarkPython" in done.stderr


VULNERABLE = '''\
import subprocess
from flask import request


def handler():
    return subprocess.run("ls " + request.args.get("dir", ""), shell=True, check=False)
'''
SAFE = '''\
import subprocess


def handler():
    return subprocess.run(["ls", "-l"], check=False)
'''
NEWER_PYTHON = 'def handler():\n    return f"{"nested quotes need Python 3.12"}"\n' \
    if sys.version_info < (3, 12) else "def handler(:\n    pass\n"


def tiny_benchmark(root: Path, files: dict[int, tuple[str, str]]) -> None:
    (root / "testcode").mkdir(parents=True)
    rows = ["# test name, category, real vulnerability, cwe, Benchmark version: 0.1"]
    for number, (label, text) in files.items():
        rows.append(f"BenchmarkTest{number:05d},cmdi,{label},78")
        (root / "testcode" / f"BenchmarkTest{number:05d}.py").write_text(text)
    (root / "expectedresults-0.1.csv").write_text("\n".join(rows) + "\n")


def test_the_real_gate_scores_a_tiny_benchmark(tmp_path: Path) -> None:
    bench = tmp_path / "BenchmarkPython"
    tiny_benchmark(bench, {1: ("true", VULNERABLE), 3: ("false", SAFE),
                           5: ("false", NEWER_PYTHON), 2: ("true", SAFE)})
    dump = tmp_path / "cases.jsonl"
    done = run_bench("--benchmark", str(bench), "--half", "odd", "--dump", str(dump))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1].removeprefix("RESULT "))
    assert result["sast_unparsed"] == 1
    assert result["sast_youden"] == 1.0
    assert result["sast_fpr"] == 0.0
    rows = {row["case"]: row for row in map(json.loads, dump.read_text().splitlines())}
    assert set(rows) == {"BenchmarkTest00001", "BenchmarkTest00003", "BenchmarkTest00005"}
    assert rows["BenchmarkTest00001"]["blocking"] != []
    assert rows["BenchmarkTest00003"]["blocking"] == []
    assert rows["BenchmarkTest00005"]["unparsed"].startswith("SyntaxError")
    assert "1 do not parse" in done.stdout


def test_a_partial_checkout_is_no_score(tmp_path: Path) -> None:
    bench = tmp_path / "BenchmarkPython"
    tiny_benchmark(bench, {1: ("true", VULNERABLE), 3: ("false", SAFE)})
    (bench / "testcode" / "BenchmarkTest00003.py").unlink()
    done = run_bench("--benchmark", str(bench))
    assert done.returncode == 1
    assert "RESULT" not in done.stdout
    assert "missing" in done.stderr


def test_text_from_the_csv_and_the_scanners_cannot_drive_the_terminal() -> None:
    hostile = "xss\x1b]8;;https://evil.example\x07\x1b[2J\r"
    lines = sast.render("t", sast.tally([case(1, hostile, True)], {"BenchmarkTest00001"}), {})
    ranked = sast.rule_hits([case(1, hostile, True)], {"BenchmarkTest00001": {hostile}}, {})
    lines += sast.render_rules(ranked, 5)
    assert not any(c in line for line in lines for c in "\x1b\x07\r")


def test_a_gate_that_cannot_scan_is_no_score(tmp_path: Path) -> None:
    (tmp_path / "testcode").mkdir()
    with pytest.raises(sast.ScanFailed, match="exited 2"):
        sast.scan(tmp_path, ["testcode/BenchmarkTest00001.py"], 1)
