"""`gate stats` as a user runs it: from this repository's log or from collected JSON lines, in each
format, and one line with exit 2 for anything it cannot read (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.audit import jsonl

from .conftest import Repo
from .test_audit_stats import PERIOD, make

UNSAFE = "import yaml\n\ndef load(f):\n    return yaml.load(f, Loader=yaml.Loader)\n"


def test_stats_summarise_this_repositorys_own_decisions(seeded: Repo) -> None:
    seeded.write("app/main.py", "def main():\n    return 2\n")
    assert seeded.gate("check").returncode == 0
    seeded.write("app/run.py", UNSAFE)
    assert seeded.gate("check").returncode == 1
    doc = json.loads(seeded.gate("stats", "--format", "json").stdout)
    assert doc["decisions"] == 2 and doc["outcomes"]["block"] == 1
    assert doc["top_blocking_rules"][0]["rule"] == "B506"
    assert {s["stage"] for s in doc["stages"]} >= {"(run)", "sast"}
    text = seeded.gate("stats").stdout
    assert text.startswith("2 decisions,") and "block rate 50.0 %" in text
    md = seeded.gate("stats", "--format", "markdown").stdout
    assert md.startswith("## draftgate: decisions") and "| ` B506 ` | 1 | 1 |" in md
    later = seeded.gate("stats", "--since", "2999-01-01", "--format", "json").stdout
    assert json.loads(later)["decisions"] == 0


def test_stats_from_files_and_directories(repo: Repo, tmp_path: Path) -> None:
    for i, record in enumerate(PERIOD):
        jsonl.write(tmp_path / f"r{i % 2}.jsonl", record)
    done = repo.gate("stats", "--format", "json", "--from", str(tmp_path / "r0.jsonl"),
                     str(tmp_path / "r1.jsonl"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decisions"] == 5
    by_dir = repo.gate("stats", "--format", "json", "--from", str(tmp_path))
    assert json.loads(by_dir.stdout)["decisions"] == 5
    page = tmp_path / "out" / "report.html"
    page.parent.mkdir()
    done = repo.gate("stats", "--from", str(tmp_path), "--html", str(page))
    assert done.returncode == 0 and page.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("args", "message"), [
    (("stats", "loose.jsonl"), "files are read with --from FILE"),
    (("stats", "--since", "last week"), "--since 'last week': expected a date"),
    (("stats", "--from", "missing.jsonl"), "missing.jsonl: no such file"),
    (("stats", "--from", "bad.jsonl"), "bad.jsonl:2: not a JSON record"),
    (("stats", "--from", "future.jsonl"), "schema version 99 is newer than this gate knows"),
    (("stats", "--from", "a.jsonl", "--audit-log", "x.db"), "choose one source"),
    (("stats", "--audit-log", "garbage.db"), "garbage.db"),
])
def test_what_stats_cannot_read_is_one_line_and_exit_2(repo: Repo, args: tuple[str, ...],
                                                      message: str) -> None:
    jsonl.write(repo.root / "bad.jsonl", make())
    with (repo.root / "bad.jsonl").open("a") as handle:
        handle.write("{not json\n")
    jsonl.write(repo.root / "future.jsonl", make() | {"schema_version": 99})
    jsonl.write(repo.root / "a.jsonl", make())
    (repo.root / "garbage.db").write_bytes(b"not a database" * 200)
    done = repo.gate(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    as_json = repo.gate(*args, "--format", "json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["error"]


def test_html_is_not_written_through_a_symbolic_link(repo: Repo, tmp_path: Path) -> None:
    jsonl.write(tmp_path / "r.jsonl", make())
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "page.html").symlink_to(victim)
    done = repo.gate("stats", "--from", str(tmp_path / "r.jsonl"), "--html",
                     str(tmp_path / "page.html"))
    assert done.returncode == 2 and "symbolic link" in done.stderr
    assert victim.read_text() == "keep"


@pytest.mark.cli
def test_stats_through_the_console_script(tmp_path: Path) -> None:
    import subprocess
    import sys

    jsonl.write(tmp_path / "r.jsonl", make(outcome="block", blocking={"B506": 1}))
    done = subprocess.run([sys.executable, "-m", "gates", "stats", "--from",
                           str(tmp_path / "r.jsonl")], capture_output=True, text=True,
                          check=False, cwd=tmp_path)
    assert done.returncode == 0 and "block rate 100.0 %" in done.stdout, done.stderr
