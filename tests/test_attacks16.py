"""Red team of the decision record (issue 16): the log, the JSON-lines records, `gate log`,
`gate stats` and its page, attacked from three sides.

1. A drafted change whose names (files, rules the model titles) end up in what renders the
   record: terminal escapes, Markdown and HTML injection, GitHub workflow commands, a second
   JSON line.
2. A hostile repository of an organisation whose uploaded JSON-lines artifact another team
   folds with `gate stats --from`: it must not crash the tool (exit 2 and one line, never 4),
   hang it, blow up its memory or output, make the page run or load anything, hide the other
   repositories' records, or make the numbers wrong.
3. A log file someone else controls (a FIFO, a directory, a newer schema, another database,
   rows written by someone else): no decision may change, and no reader may hang or crash.

The pass found 19 bugs, each first written here as a strict xfail; all are fixed, and every test
is now a regression test (those of the fixed bugs fail on the code before the fix).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from gates.audit import jsonl, views
from gates.audit.log import append
from gates.audit.stats import checked, select, summarise

from .conftest import Repo
from .test_audit_stats import make
from .test_report_github import html_of
from .test_stats_cli import UNSAFE

# -- helpers ----------------------------------------------------------------------------------


def line(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode() + b"\n"


def with_(change: dict[str, Any]) -> bytes:
    """A valid record's line with fields of its nested parts replaced (part -> fields)."""
    record = make()
    for part, fields in change.items():
        record[part] = {**record[part], **fields}
    return line(record)


def one_error_line(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 2, nothing on stdout, one short line on stderr saying each of ``expected``."""
    assert done.returncode == 2, (done.returncode, done.stderr[:500])
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("gate: error: "), \
        done.stderr[:500]
    assert len(done.stderr) < 1000, f"a {len(done.stderr)}-character error line"
    for text in expected:
        assert text in done.stderr, done.stderr


# The runner's commands (actions/runner ActionCommandManager): `::name ...::` at the start of a
# line after leading whitespace is trimmed (ActionCommand.TryParseV2), the legacy `##[name ...]`
# anywhere in a line (TryParse); `::stop-commands::TOKEN` stops both until `::TOKEN::`.
RUNNER_COMMANDS = {"add-mask", "add-matcher", "add-path", "debug", "echo", "endgroup", "error",
                   "group", "notice", "remove-matcher", "save-state", "set-env", "set-output",
                   "stop-commands", "warning"}


def runner_commands(log: str) -> list[str]:
    """The lines of ``log`` the GitHub Actions runner would run as workflow commands."""
    found, stopped = [], None
    for text in log.splitlines():
        trimmed = text.lstrip()
        if stopped is not None:
            if trimmed == f"::{stopped}::":
                stopped = None
            continue
        if trimmed.startswith("::stop-commands::"):
            stopped = trimmed[len("::stop-commands::"):]
            continue
        if trimmed.startswith("::") and "::" in trimmed[2:]:
            name = trimmed[2:].split("::", 1)[0].split(" ", 1)[0]
            if name in RUNNER_COMMANDS:
                found.append(text)
                continue
        at = text.find("##[")
        if at >= 0 and "]" in text[at:]:
            name = text[at + 3:].split("]", 1)[0].split(" ", 1)[0]
            if name in RUNNER_COMMANDS:
                found.append(text)
    return found


def limited(limit: str, amount: int, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``gate ARGV`` in a process whose resource ``limit`` (RLIMIT_AS, RLIMIT_FSIZE) is
    ``amount`` bytes; past a file size limit, write() is short instead of a signal."""
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            f"resource.setrlimit(resource.{limit}, ({amount}, {amount})); "
            "from gates.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


# -- 2. a crafted JSON-lines artifact: exit 2 and one line, whatever the line holds ----------

# Valid records are about 1 kB; a count with 4,299 digits is the most Python parses.
BIG = int("9" * 4299)
DUPLICATE = line(make(outcome="pass"))[:-2] + b', "outcome": "block"}\n'


@pytest.mark.parametrize(("text", "expected"), [
    # Held: the reader and `checked` refuse these with the file and line named.
    pytest.param(b"\xef\xbb\xbf" + line(make()), "not a JSON record", id="utf-8-bom"),
    pytest.param(b'{"schema_version": 1, "duration": Infinity}\n', "not a JSON record",
                 id="infinity-literal"),
    pytest.param(b'{"schema_version": 1, "duration": -Infinity}\n', "not a JSON record",
                 id="minus-infinity-literal"),
    pytest.param(b"[1, 2]\n", "not a JSON object", id="top-level-array"),
    pytest.param(b'"record"\n', "not a JSON object", id="top-level-string"),
    pytest.param(b'{"tier": "\xff"}\n', "not a JSON record", id="invalid-utf-8"),
    pytest.param(line(make())[:-1] + b"\x00\n", "not a JSON record", id="nul-after-the-object"),
    pytest.param(line(make())[:40] + b"\n", "not a JSON record", id="truncated-line"),
    pytest.param(line(make() | {"exit_code": 1.0}), "exit_code is float", id="exit-code-float"),
    pytest.param(line(make() | {"tier_rank": True}), "tier_rank is bool", id="rank-true"),
    pytest.param(line(make() | {"schema_version": "1"}), "schema_version is str",
                 id="version-string"),
    pytest.param(line(make() | {"schema_version": True}), "schema_version is bool",
                 id="version-true"),
    pytest.param(line(make() | {"repository": 7}), "repository is int", id="repository-int"),
    pytest.param(line(make() | {"time": "2026-11-02T09:30:00"}), "no UTC offset",
                 id="time-without-offset"),
    pytest.param(with_({"provenance": {"ai_drafted": 1}}), "provenance.ai_drafted is int",
                 id="ai-drafted-1"),
    pytest.param(with_({"model": {"cost": 1e300}}), "above", id="cost-1e300"),
    pytest.param(with_({"findings": {"blocking_by_rule": {"B506": True}}}), "blocking_by_rule",
                 id="count-true"),
    pytest.param(with_({"findings": {"blocking_by_rule": {"B506": 1.0}}}), "blocking_by_rule",
                 id="count-float"),
    pytest.param(line(make() | {"stages": [{"name": "sast", "status": "passed",
                                            "duration": "0.2"}]}),
                 "a stage's duration is str", id="stage-duration-string"),
    # Held since the fixes (each was a crash, a hang or a silent misreading before).
    pytest.param(b"[" * 100_000 + b"]" * 100_000 + b"\n", "not a JSON record",
                 id="nested-100000-deep"),
    pytest.param(line(make())[:-2] + b', "gate_version": 1e400}\n', "",
                 id="1e400-in-an-unchecked-field"),
    pytest.param(line(make() | {"time": "0001-01-01T00:00:00+14:00"}), "time",
                 id="time-before-year-1-in-utc"),
    pytest.param(line(make() | {"time": "9999-12-31T23:59:59-14:00"}), "time",
                 id="time-after-9999-in-utc"),
    pytest.param(b"".join(line(make(record_id=f"big{i}", blocking={"B506": BIG}))
                          for i in range(11)), "",
                 id="count-with-4299-digits-11-times"),
    pytest.param(line(make() | {"tier_rank": -7}), "tier_rank",
                 id="negative-tier-rank"),
    pytest.param(DUPLICATE, "",
                 id="duplicate-key"),
    pytest.param(line(make() | {"outcome": "x" * 1_000_000}), "outcome",
                 id="outcome-of-a-million-characters"),
])
def test_a_line_stats_cannot_read_is_exit_2_and_one_line(repo: Repo, tmp_path: Path,
                                                         text: bytes, expected: str) -> None:
    records = tmp_path / "r.jsonl"
    records.write_bytes(text)
    done = repo.gate("stats", "--from", str(records), "--html", str(tmp_path / "page.html"))
    one_error_line(done, f"{records}:1: ", expected)
    assert not (tmp_path / "page.html").exists()


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_a_file_that_fails_while_read_is_exit_2(repo: Repo, tmp_path: Path) -> None:
    records = tmp_path / "artifact.jsonl"
    records.symlink_to("/proc/self/mem")  # a regular file to stat, EIO to read at offset 0
    one_error_line(repo.gate("stats", "--from", str(records)), str(records))


@pytest.mark.cli
def test_a_line_too_long_for_memory_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "draftgate-record.jsonl"
    with bomb.open("wb") as handle:
        handle.truncate(512 << 20)  # sparse: no disk used
    done = limited("RLIMIT_AS", 256 << 20, "stats", "--from", str(bomb), cwd=tmp_path)
    one_error_line(done, f"{bomb}:1")


@pytest.mark.cli
def test_a_lone_surrogate_in_a_name_is_not_a_crash(tmp_path: Path) -> None:
    records = tmp_path / "r.jsonl"
    records.write_bytes(line(make(tier="\ud800high") | {"lane": ["sast\ud800"]}))
    done = subprocess.run([sys.executable, "-m", "gates", "stats", "--from", str(records),
                           "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=60,
                          check=False)
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 0:
        assert json.loads(done.stdout)["decisions"] == 1
    else:
        assert done.stderr.count("\n") == 1


def test_the_summary_grows_with_records_not_records_times_buckets() -> None:
    # 30 records, each its own tier, one a month: a bucket lists only the tiers it holds (every
    # bucket listing every tier made 85 MB of JSON from 400 records over a long period).
    records = []
    for i in range(30):
        raw = make(tier=f"t{i}", record_id=f"r{i}")
        raw["time"] = f"{2024 + i // 12}-{1 + i % 12:02d}-15T00:00:00.000000+00:00"
        records.append(checked(raw, f"r{i}"))
    kept, repeats = select(records, since=None, until=None)
    line = summarise(kept, repeats=repeats)["timeline"]
    assert line["unit"] == "month"
    assert all(sum(b["tiers"].values()) == b["decisions"] and 0 not in b["tiers"].values()
               for b in line["buckets"])
    assert sum(len(b["tiers"]) for b in line["buckets"]) == 30


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00.000000+00:00",
                                  "9999-12-31T00:00:00.000000+00:00"])
def test_one_far_dated_record_cannot_flatten_everyones_timeline(repo: Repo, tmp_path: Path,
                                                               when: str) -> None:
    ours, theirs = tmp_path / "ours.jsonl", tmp_path / "theirs.jsonl"
    for day in range(20):
        jsonl.write(ours, make(day, outcome="block" if day % 4 == 0 else "pass"))
    jsonl.write(theirs, make(record_id="far") | {"time": when})
    done = repo.gate("stats", "--from", str(ours), str(theirs), "--format", "json")
    if done.returncode == 2:
        assert str(theirs) in done.stderr
        return
    doc = json.loads(done.stdout)
    assert doc["timeline"]["unit"] == "day", (doc["period"], doc["timeline"]["unit"])


# -- 1 and 2: names that reach a GitHub Actions log ------------------------------------------


def test_stats_in_actions_runs_no_workflow_command(repo: Repo, tmp_path: Path) -> None:
    records = tmp_path / "org.jsonl"
    jsonl.write(records, make(outcome="block",
                              blocking={"::error title=all clear::every repository passed": 1}))
    jsonl.write(records, make(1, tier="high", approval=("passed", "##[warning]forged"),
                              repository="::add-mask::acme"))
    jsonl.write(records, make(2, repository="acme/web"))
    found = {}
    for fmt in ("terminal", "markdown", "json"):
        done = repo.gate("stats", "--from", str(records), "--format", fmt,
                         env={"GITHUB_ACTIONS": "true"})
        assert done.returncode == 0, done.stderr
        found[fmt] = runner_commands(done.stdout)
    assert found == {"terminal": [], "markdown": [], "json": []}


def test_gate_log_in_actions_runs_no_workflow_command(seeded: Repo) -> None:
    seeded.write("app/##[error title=gate]all checks passed.py", "x = 1\n")
    assert seeded.gate("check").returncode == 0
    found = {}
    for fmt in ("terminal", "json"):
        done = seeded.gate("log", "--format", fmt, env={"GITHUB_ACTIONS": "true"})
        assert done.returncode == 0 and "all checks passed" in done.stdout
        found[fmt] = runner_commands(done.stdout)
    assert found == {"terminal": [], "json": []}


# -- 3. where the record goes: FIFOs, short writes, places someone else controls ------------


def test_the_record_is_never_written_into_a_fifo(seeded: Repo, tmp_path: Path) -> None:
    seeded.write("notes.txt", "x\n")
    fifo = tmp_path / "draftgate-record.jsonl"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so the test itself never blocks
    try:
        done = seeded.gate("check", "--record-jsonl", str(fifo))
        try:
            leaked = os.read(reader, 1 << 20)
        except BlockingIOError:
            leaked = b""
    finally:
        os.close(reader)
    assert done.returncode == 0, done.stderr
    assert leaked == b""
    assert "gate: record file not written: " in done.stderr


def run_all(argvs: list[list[str]], cwd: Path, deadline: float) -> list[int | None]:
    """Start each ``gate`` at once; their exit codes, None for one still running at the deadline
    (killed then)."""
    runs = [subprocess.Popen([sys.executable, "-m", "gates", *argv], cwd=cwd, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for argv in argvs]
    end = time.monotonic() + deadline
    try:
        while time.monotonic() < end and any(p.poll() is None for p in runs):
            time.sleep(0.05)
        return [p.poll() for p in runs]
    finally:
        for p in runs:
            if p.poll() is None:
                p.kill()  # SIGTERM is not enough: SQLite retries its open() on EINTR
            p.communicate()


@pytest.mark.cli
def test_reading_a_fifo_log_answers_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "audit.db"
    os.mkfifo(fifo)
    codes = run_all([["log", "--audit-log", str(fifo)], ["stats", "--audit-log", str(fifo)]],
                    tmp_path, deadline=4)
    assert codes == [2, 2]


@pytest.mark.cli
def test_a_fifo_audit_log_leaves_the_decision_alone(seeded: Repo, tmp_path: Path) -> None:
    seeded.write("app/run.py", UNSAFE)
    fifo = tmp_path / "audit.db"
    os.mkfifo(fifo)
    (code,) = run_all([["check", "--audit-log", str(fifo)]], seeded.root, deadline=60)
    assert code == 1  # the block stands, and the run ends


@pytest.mark.cli
def test_a_short_write_leaves_no_torn_record(seeded: Repo, tmp_path: Path) -> None:
    seeded.write("notes.txt", "x\n")
    records = tmp_path / "draftgate-record.jsonl"
    jsonl.write(records, make())
    before = records.read_bytes()
    done = limited("RLIMIT_FSIZE", len(before) + 200, "check", "--record-jsonl", str(records),
                   "--audit-log", str(tmp_path / "audit.db"), cwd=seeded.root)
    assert done.returncode == 0, done.stderr
    after = records.read_bytes()
    assert after.startswith(before) and after.endswith(b"\n"), after[len(before):][:80]
    assert (after == before and "gate: record file not written: " in done.stderr) or \
        len(list(jsonl.read(records))) == 2


def test_a_log_someone_else_controls_never_changes_the_decision(seeded: Repo,
                                                                tmp_path: Path) -> None:
    seeded.write("app/run.py", UNSAFE)
    baseline = seeded.gate("check", "--format", "json", "--audit-log", str(tmp_path / "ok.db"))
    assert baseline.returncode == 1 and baseline.stderr == ""

    newer = tmp_path / "newer.db"
    append(newer, make())
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    unversioned = tmp_path / "unversioned.db"
    append(unversioned, make())
    with sqlite3.connect(unversioned) as db:
        db.execute("UPDATE meta SET value = 'one' WHERE key = 'schema_version'")
    db.close()
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE users (name TEXT, password TEXT)")
        db.execute("INSERT INTO users VALUES ('root', 'hunter2')")
    db.close()
    text = tmp_path / "notes.txt"
    text.write_text("someone's notes\n" * 100)
    link = tmp_path / "link.db"
    link.symlink_to(text)
    places = {"newer schema": newer, "meta without a version": unversioned,
              "another database": foreign, "a link to a text file": link,
              "under /proc": Path("/proc/self/draftgate/audit.db")}
    before = {name: p.read_bytes() for name, p in places.items() if p.is_file()}

    def verdict(out: str) -> tuple[Any, ...]:
        data = json.loads(out)
        return data["outcome"], data["exit_code"], data["tier"]

    directory = tmp_path / "dir.db"
    directory.mkdir()
    runs = [(name, ("--audit-log", str(place)), {}) for name, place in places.items()]
    runs.append(("a directory", (), {"DRAFTGATE_AUDIT_LOG": str(directory)}))
    for name, args, env in runs:
        done = seeded.gate("check", "--format", "json", *args, env=env)
        assert done.returncode == 1, (name, done.stderr)
        assert verdict(done.stdout) == verdict(baseline.stdout), name
        assert done.stderr.count("\n") == 1, (name, done.stderr)
        assert done.stderr.startswith("gate: audit log not written: "), (name, done.stderr)
    assert {name: p.read_bytes() for name, p in places.items() if p.is_file()} == before
    assert text.read_text() == "someone's notes\n" * 100


@pytest.mark.parametrize("option", ["--audit-log", "--record-jsonl"])
def test_a_directory_where_a_named_log_goes_leaves_the_decision_alone(
        seeded: Repo, tmp_path: Path, option: str) -> None:
    seeded.write("notes.txt", "x\n")
    planted = tmp_path / "audit"
    planted.mkdir()
    done = seeded.gate("check", option, str(planted))
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1 and " not written: " in done.stderr


def foreign_log(tmp_path: Path, text: str) -> Path:
    """A real log with one row someone else inserted (the triggers forbid only changes)."""
    log = tmp_path / "audit.db"
    append(log, make())
    with sqlite3.connect(log, isolation_level=None) as db:
        db.execute("INSERT INTO decisions (time, outcome, tier, source, exit_code, record) "
                    "VALUES ('2026-11-03', 'pass', 'low', 'staged', 0, ?)", (text,))
    db.close()
    return log


ESCAPES = json.dumps(make() | {"tier": "\x1b[2J\x1b]0;owned\x07", "outcome": "\x1b[8mpass",
                               "time": "\x1b[31m2026-11-03", "command": "\x9b2J"})
NAN = json.dumps(make() | {"gate_version": float("nan")})


@pytest.mark.parametrize(("row", "argv"), [
    pytest.param("null", ("log",), id="null-row-log"),
    pytest.param("null", ("stats",), id="null-row-stats"),
    pytest.param('["a list"]', ("log",), id="list-row-log"),
    pytest.param(ESCAPES, ("log",), id="escapes-log"),
    pytest.param(json.dumps(make() | {"findings": {"blocking_by_rule": {"B1": "many"}}}),
                 ("log",), id="text-count-log"),
    pytest.param(NAN, ("stats",), id="nan-stats"),
    pytest.param(NAN, ("log", "--format", "json"), id="nan-log-json"),
])
def test_rows_someone_else_wrote_cannot_crash_or_command_the_readers(
        repo: Repo, tmp_path: Path, row: str, argv: tuple[str, ...]) -> None:
    log = foreign_log(tmp_path, row)
    done = repo.gate(*argv, "--audit-log", str(log))
    assert done.returncode in (0, 2), done.stderr
    assert done.stderr.count("\n") <= 1
    assert not {"\x1b", "\x07", "\x9b"} & set(done.stdout)
    if "--format" in argv and done.returncode == 0:
        json.loads(done.stdout, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))


# -- defences that hold ------------------------------------------------------------------------

HOSTILE_HTML = ["</code><script>alert(1)</script>", '" onmouseover="alert(1)" x="',
                "<svg onload=alert(1)>", "<img src=https://evil.example/p.png>",
                "<style>@import url(https://evil.example/a.css)</style>",
                "--><script>x</script><!--", "]]><script>y</script>", "javascript:alert(1)",
                "&lt;b&gt;", "\u202eevil"]


def hostile_records(names: list[str]) -> list[dict[str, Any]]:
    """Records that put each name in every place a name is shown: tier, lane, stage, blocking
    and tier-raising rules, approver, repository, model."""
    out = []
    for i, name in enumerate(names):
        record = make(i, tier=name, rank=2, outcome="block", blocking={name: 1}, rules=(name,),
                      stages=((name, "failed", 0.5),), approval=("passed", name),
                      repository=name, model={"status": "failed", "provider": name,
                                              "model": name, "calls": 1, "tokens_in": 10,
                                              "tokens_out": 1, "cost": 0.01})
        out.append(record | {"lane": [name]})
    return out


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.stat_keys: list[list[Any]] = []
        self.head: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]
        if "body" not in self.tags:
            self.head.append((tag, dict(attrs)))
        stat = dict(attrs).get("data-stat")
        if stat is not None:
            self.stat_keys.append(json.loads(stat))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_page_keeps_every_hostile_name_inert(repo: Repo, tmp_path: Path) -> None:
    folder = tmp_path / "artifacts" / "<script>alert(2)</script>"
    folder.mkdir(parents=True)
    for record in hostile_records(HOSTILE_HTML):
        jsonl.write(folder / '"><img src=x onerror=alert(3)>.jsonl', record)
    page = tmp_path / "report.html"
    done = repo.gate("stats", "--from", str(tmp_path / "artifacts"), "--html", str(page))
    assert done.returncode == 0, done.stderr
    source = page.read_text()
    parsed = Page()
    parsed.feed(source)
    allowed = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "div",
               "span", "section", "table", "thead", "tbody", "tr", "th", "td", "code", "svg",
               "rect", "text", "line", "details", "summary", "i"}
    assert set(parsed.tags) <= allowed, set(parsed.tags) - allowed
    assert parsed.tags.count("style") == 1 and source.count("</style>") == 1
    assert not [a for a in parsed.attributes if a[0].startswith("on")]
    assert not [a for a in parsed.attributes if a[0] in ("src", "href", "xlink:href", "action")]
    assert not [a for a in parsed.attributes if a[0] != "data-stat"  # a key, quoted JSON
                and ("evil.example" in a[1] or "url(" in a[1])]
    # The policy comes first in the head, before anything a name could reach.
    assert [tag for tag, _ in parsed.head[:6]] == ["html", "head", "meta", "meta", "meta", "title"]
    assert parsed.head[3][1] == {"http-equiv": "Content-Security-Policy",
                                 "content": "default-src 'none'; style-src 'unsafe-inline'; "
                                            "img-src data:"}
    text = "".join(parsed.text)
    for name in HOSTILE_HTML[:-1]:
        assert name[:30] in text, name  # shown as itself, as text
    assert "\u202e" not in source and "\\u202eevil" in text
    # A hostile tier name is still the right key into the JSON document.
    assert {k[4] for k in parsed.stat_keys if k[:2] == ["timeline", "buckets"] and len(k) == 5} \
        == set(HOSTILE_HTML)


HOSTILE_MARKDOWN = ["[the fix](https://evil.example/a)", "![x](https://evil.example/p.png)",
                    "<img src=https://evil.example/q.png>", "@evil-org/admins",
                    "#12 fixes acme/web#3", "x` | forged | cell | `y", "``` fenced", "a\\",
                    "row\n| forged | row |", "<!-- draftgate:sticky-comment -->",
                    "https://evil.example/bare", "**bold** _it_"]


def test_markdown_shows_hostile_names_only_as_code() -> None:
    kept, repeats = select([checked(r, "r") for r in hostile_records(HOSTILE_MARKDOWN)],
                           since=None, until=None)
    text = views.markdown(summarise(kept, repeats=repeats))
    page = html_of(text)
    assert not {"a", "img", "script", "em", "pre", "h1", "h3", "hr", "ul"} & page.tags
    assert page.comments == []
    outside = "".join(page.outside)
    for marker in ("evil", "forged", "sticky-comment", "@", "#12", "bold", "fenced"):
        assert marker not in outside, marker
    # Every row has as many cells as its table's head. GitHub's row splitter (cmark-gfm's
    # table_cell, longest match) keeps in the cell every "|" right after a backslash; a renderer
    # pads or drops cells, so the count is taken from the text.
    for table in (t for t in text.split("\n\n") if t.startswith("| ")):
        rows = table.splitlines()
        delimiters = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert delimiters == {rows[0].count("|")}, table


def test_a_hostile_file_name_is_one_record_line_and_one_output(seeded: Repo,
                                                               tmp_path: Path) -> None:
    name = 'app/x\n{"schema_version": 1, "outcome": "pass"}\u2028::set-output name=record::y.py'
    seeded.write(name, "x = 1\n")
    records, outputs = tmp_path / "record.jsonl", tmp_path / "output.txt"
    outputs.touch()
    done = seeded.gate("check", "--record-jsonl", str(records),
                       env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(outputs)})
    assert done.returncode == 0, done.stderr
    assert records.read_bytes().count(b"\n") == 1 and records.read_bytes().isascii()
    ((_, record),) = list(jsonl.read(records))
    assert name in record["paths"]
    keys = [m.split("<<")[0] for m in outputs.read_text().splitlines() if "<<draftgate_" in m]
    assert sorted(keys) == ["exit-code", "lane", "outcome", "record", "tier"]
    # The report quotes the name while commands are stopped; the gate sets no output itself.
    assert not [c for c in runner_commands(done.stdout) if "set-output" in c]
    doc = json.loads(repo_stats(seeded, records))
    assert doc["decisions"] == 1 and doc["outcomes"]["pass"] == 1


def repo_stats(repo: Repo, *files: Path) -> str:
    done = repo.gate("stats", "--format", "json", "--from", *map(str, files))
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_record_read_twice_through_links_and_loops_counts_once(repo: Repo,
                                                                 tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    (artifacts / "api").mkdir(parents=True)
    (artifacts / "web").mkdir()
    jsonl.write(artifacts / "api" / "r.jsonl", make(record_id="api"))
    jsonl.write(artifacts / "web" / "r.jsonl", make(record_id="web"))
    (artifacts / "web" / "loop").symlink_to(artifacts)  # a directory loop is not followed
    (artifacts / "copy.jsonl").symlink_to(artifacts / "api" / "r.jsonl")
    with (artifacts / "web" / "r.jsonl").open("ab") as handle:  # CRLF and blank lines
        handle.write(b"\r\n" + line(make(1, record_id="crlf"))[:-1] + b"\r\n\r\n")
    doc = json.loads(repo_stats(repo, artifacts))
    assert doc["decisions"] == 3 and doc["repeats_dropped"] == 1
    assert len(doc["sources"]) == 3
