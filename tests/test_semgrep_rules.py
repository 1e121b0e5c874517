"""The semgrep rules draftgate ships: their own tests pass, and both semgrep engines agree.

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


def test_semgrep_test_passes_on_the_shipped_rules() -> None:
    done = semgrep("--test", str(RULES))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.parametrize("engine", [[], ["--experimental"]])
def test_every_ruleid_annotation_is_found(engine: list[str]) -> None:
    # Independent of `semgrep --test`: run the rules as the gate does and compare with the
    # `# ruleid:` annotations of the test files.
    done = semgrep(*engine, "--json", "--disable-nosem", "--config", str(RULES), str(RULES))
    report = json.loads(done.stdout)
    found = {(Path(r["path"]).name, r["start"]["line"], r["check_id"].rsplit(".", 1)[-1])
             for r in report["results"]}
    expected = set()
    for test_file in RULES.glob("*.py"):
        lines = test_file.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            marker = line.strip()
            if marker.startswith("# ruleid:"):
                for rule in marker.split(":", 1)[1].split(","):
                    expected.add((test_file.name, number + 1, rule.strip()))
    assert expected and expected <= found, sorted(expected - found)[:10]


def test_native_engine_matches_the_classic_cli() -> None:
    def findings(*engine: str) -> set[tuple[str, int, int, str]]:
        done = semgrep(*engine, "--json", "--disable-nosem", "--config", str(RULES), str(RULES))
        report = json.loads(done.stdout)
        assert report["errors"] == [], report["errors"][:3]
        return {(Path(r["path"]).name, r["start"]["line"], r["end"]["line"],
                 r["check_id"].rsplit(".", 1)[-1]) for r in report["results"]}

    classic = findings()
    native = findings("--experimental")
    assert classic, "the rules find something in their own test files"
    assert native == classic, {"only classic": sorted(classic - native)[:10],
                               "only native": sorted(native - classic)[:10]}
