"""The semgrep rules draftgate ships: their own tests pass, and both semgrep engines agree.

Each engine runs once over every rule and test file (a module fixture); the annotation check is
`semgrep --test`'s, made on those runs rather than in two more semgrep processes.

The second test is what allows ``engine: auto`` to use semgrep's native front end
(``--experimental``, ~0.1 s to start instead of ~1.4 s): it must return exactly the findings of the
classic CLI on every shipped rule and its test file.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gates.scanners.semgrep import ENV, shipped_rules

RULES = shipped_rules() / "python"


def semgrep(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["semgrep", *args, "--metrics=off", "--disable-version-check"],
                          capture_output=True, text=True, check=False, cwd=cwd,
                          env={**os.environ, **ENV}, timeout=300)


def test_at_least_25_rules_each_with_a_test_file() -> None:
    rules = sorted(RULES.glob("*.yaml"))
    assert len(rules) >= 25
    missing = [r.name for r in rules if not r.with_suffix(".py").exists()]
    assert missing == []


Findings = set[tuple[str, int, int, str]]  # (test file, start line, end line, rule id)


@pytest.fixture(scope="module")
def runs() -> dict[str, Findings]:
    """Every shipped rule on every test file, once per engine (each run costs seconds)."""
    def findings(*engine: str) -> Findings:
        done = semgrep(*engine, "--json", "--disable-nosem", "--config", str(RULES), str(RULES))
        report = json.loads(done.stdout)
        assert report["errors"] == [], report["errors"][:3]
        return {(Path(r["path"]).name, r["start"]["line"], r["end"]["line"],
                 r["check_id"].rsplit(".", 1)[-1]) for r in report["results"]}

    return {"classic": findings(), "native": findings("--experimental")}


def annotated(kinds: tuple[str, ...]) -> set[tuple[str, int, str]]:
    """(test file, line, rule) for the lines under ``# ruleid:``-style annotations of ``kinds``."""
    marked = set()
    for test_file in RULES.glob("*.py"):
        for number, line in enumerate(test_file.read_text().splitlines(), 1):
            kind, _, rules = line.strip().partition(":")
            if kind.lstrip("# ") in kinds and line.strip().startswith("#"):
                marked.update((test_file.name, number + 1, rule.strip())
                              for rule in rules.split(","))
    return marked


@pytest.mark.parametrize("engine", ["classic", "native"])
def test_each_rule_flags_exactly_its_annotated_lines(runs: dict[str, Findings],
                                                     engine: str) -> None:
    # What `semgrep --test` checks, from the same run the gate's engines make: on its own test
    # file, a rule flags every `# ruleid:` (and known-false-positive `# todook:`) line and no
    # other line; `# ok:` and not-yet-caught `# todoruleid:` lines stay clean.
    expected = annotated(("ruleid", "todook"))
    found = {(name, line, rule) for name, line, _, rule in runs[engine]
             if name == f"{rule}.py"}
    assert expected, "the test files carry annotations"
    assert found == expected, {"missed": sorted(expected - found)[:10],
                               "unexpected": sorted(found - expected)[:10]}
    assert not annotated(("ok", "todoruleid")) & found


def test_native_engine_matches_the_classic_cli(runs: dict[str, Findings]) -> None:
    classic, native = runs["classic"], runs["native"]
    assert classic, "the rules find something in their own test files"
    assert native == classic, {"only classic": sorted(classic - native)[:10],
                               "only native": sorted(native - classic)[:10]}
