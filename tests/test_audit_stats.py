"""`gate stats`'s summary, its readers and its text views, in-process (issue 16). The log itself:
tests/test_audit_log.py; the CLI's contract: tests/test_stats_cli.py; the page:
tests/test_stats_html.py.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gates.audit import jsonl, views
from gates.audit.log import SCHEMA_VERSION, AuditLogError, read
from gates.audit.read import load
from gates.audit.stats import checked, select, summarise, timeline

from .conftest import Repo

DAY = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def make(day: int = 0, *, tier: str = "low", rank: int | None = None, outcome: str = "pass",
         blocking: dict[str, int] | None = None, rules: tuple[str, ...] = (),
         stages: tuple[tuple[str, str, float], ...] = (("sast", "passed", 0.2),),
         duration: float = 0.25, model: dict[str, Any] | None = None,
         approval: tuple[str | None, str | None] = (None, None), ai: bool | None = False,
         repository: str | None = None, record_id: str | None = None,
         hour: int = 0) -> dict[str, Any]:
    """A record with the v1 layout (test_synthetic_records_have_the_real_layout checks it)."""
    ranks = {"low": 0, "medium": 1, "high": 2}
    return {
        "schema_version": 1, "id": record_id or f"id-{day}-{hour}-{tier}-{outcome}-{id(rules)}",
        "time": (DAY + timedelta(days=day, hours=hour)).isoformat(timespec="microseconds"),
        "gate_version": "0.1.0", "repository": repository, "command": "check",
        "source": {"kind": "staged", "base": None, "head": None, "merge_base": None,
                   "branch": "main", "pr_number": None},
        "paths": ["app/x.py"], "old_paths": [],
        "policy": {"origin": "<default policy>", "digest": "d" * 64},
        "tier": tier, "tier_rank": ranks.get(tier) if rank is None else rank,
        "tier_rules": list(rules), "escalations": [],
        "lane": ["sast", "deps", *(["review", "approval"] if tier == "high" else [])],
        "stages": [{"name": n, "status": s, "duration": d} for n, s, d in stages],
        "findings": {"total": sum((blocking or {}).values()),
                     "blocking": sum((blocking or {}).values()), "suppressed": 0,
                     "by_severity": {}, "by_rule": dict(blocking or {}),
                     "blocking_by_severity": {}, "blocking_by_rule": dict(blocking or {})},
        "model": {"status": None, "provider": None, "model": None, "calls": None,
                  "tokens_in": None, "tokens_out": None, "cost": None, "cached": None,
                  **(model or {})},
        "approval": {"status": approval[0], "actor": approval[1]},
        "provenance": {"ai_drafted": ai, "evidence": []},
        "outcome": outcome, "exit_code": {"pass": 0, "block": 1, "pending": 3}.get(outcome, 2),
        "duration": duration,
    }


def summary(records: list[dict[str, Any]], since: datetime | None = None,
            until: datetime | None = None) -> dict[str, Any]:
    kept, repeats = select([checked(r, f"r{i}") for i, r in enumerate(records)],
                           since=since, until=until)
    return summarise(kept, since=since, until=until, repeats=repeats)


REVIEWED = {"status": "failed", "provider": "openai", "model": "big", "calls": 2,
            "tokens_in": 1000, "tokens_out": 100, "cost": 0.0045, "cached": 0}
PERIOD = [
    make(0, rules=("docs",)),
    make(0, hour=1, tier="medium", rules=("deps.manifest",), stages=(
        ("sast", "passed", 0.3), ("deps", "passed", 1.5))),
    make(1, tier="high", outcome="block", rules=("auth.path", "auth.symbol"),
         blocking={"B506": 2, "python-sqli": 1}, duration=0.5,
         stages=(("sast", "failed", 0.4), ("review", "failed", 6.0)), model=REVIEWED,
         approval=("pending", None), ai=True),
    make(3, tier="high", outcome="pass", rules=("auth.path",), duration=0.75,
         stages=(("sast", "passed", 0.6), ("review", "passed", 4.0),
                 ("approval", "passed", 0.3)),
         model={**REVIEWED, "status": "passed", "cost": None, "calls": 1},
         approval=("passed", "alice"), ai=True, repository="acme/api"),
    make(3, hour=2, outcome="block", blocking={"B506": 1}, ai=None, duration=1.0),
]


def test_synthetic_records_have_the_real_layout(seeded: Repo) -> None:
    seeded.write("auth/login.py", "def login():\n    return True\n")
    seeded.gate("check")
    (real,) = read(seeded.root / ".git" / "draftgate" / "audit.db")

    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()
                    if k not in ("by_severity", "by_rule", "blocking_by_severity",
                                 "blocking_by_rule")}
        return type(value).__name__ if not isinstance(value, list) else "list"

    synthetic = make(tier="high", approval=("pending", None), model={"status": "pending"})
    synthetic["repository"] = real["repository"]  # None outside CI in both
    synthetic["source"] = real["source"]  # a staged change's base is HEAD's id
    assert shape(synthetic) == shape(real)
    checked(real, "the real record")  # a record the gate wrote is one stats can read


def test_the_summary_counts_shares_rules_and_times() -> None:
    doc = summary(PERIOD)
    assert doc["decisions"] == 5
    assert doc["outcomes"] == {"pass": 3, "block": 2, "pending": 0, "error": 0,
                               "tool-failure": 0}
    assert doc["block_rate"] == 0.4
    assert [(t["tier"], t["decisions"], t["share"], t["blocked"]) for t in doc["tiers"]] == [
        ("low", 2, 0.4, 1), ("medium", 1, 0.2, 0), ("high", 2, 0.4, 1)]
    assert doc["lanes"][0] == {"lane": "sast+deps", "decisions": 3, "share": 0.6}
    assert doc["top_blocking_rules"] == [
        {"rule": "B506", "decisions": 2, "findings": 3},
        {"rule": "python-sqli", "decisions": 1, "findings": 1}]
    # Rules of the lowest tier raised nothing ("docs" is absent).
    assert doc["top_tier_rules"] == [
        {"rule": "auth.path", "tier": "high", "decisions": 2},
        {"rule": "auth.symbol", "tier": "high", "decisions": 1},
        {"rule": "deps.manifest", "tier": "medium", "decisions": 1}]
    stages = {s["stage"]: s for s in doc["stages"]}
    assert stages["(run)"]["median_seconds"] == 0.5 and stages["(run)"]["runs"] == 5
    assert stages["sast"]["median_seconds"] == 0.3  # of 0.2, 0.2, 0.3, 0.4, 0.6
    assert stages["sast"]["p90_seconds"] == 0.6
    assert stages["review"] == {"stage": "review", "runs": 2, "median_seconds": 5.0,
                                "p90_seconds": 6.0, "statuses": {"failed": 1, "passed": 1}}


def test_a_reused_decision_counts_as_a_run_but_not_as_stage_runs() -> None:
    again = copy.deepcopy(PERIOD[2]) | {"id": "again", "reused": True, "duration": 0.05}
    stages = {s["stage"]: s for s in summary([*PERIOD, again])["stages"]}
    assert stages["(run)"]["runs"] == 6 and stages["review"]["runs"] == 2
    assert stages["sast"]["runs"] == 5


def test_model_approvals_provenance_and_repositories() -> None:
    doc = summary(PERIOD)
    model = doc["model"]
    assert (model["reviews"], model["calls"], model["tokens_in"], model["tokens_out"]) == (
        2, 3, 2000, 200)
    assert model["cost"] == 0.0045 and model["unpriced_reviews"] == 1
    assert model["models"] == [{"model": "openai/big", "reviews": 2, "calls": 3,
                                "tokens_in": 2000, "tokens_out": 200, "cost": 0.0045}]
    assert doc["approvals"] == {"asked": 2, "given": 1, "waiting": 1,
                                "by": [{"actor": "alice", "approvals": 1}]}
    drafted = {p["drafted"]: p for p in doc["provenance"]}
    assert (drafted["ai-drafted"]["decisions"], drafted["ai-drafted"]["blocked"],
            drafted["ai-drafted"]["raised"]) == (2, 1, 2)
    assert drafted["unknown"]["decisions"] == 1 and drafted["not ai-drafted"]["decisions"] == 2
    assert doc["repositories"] == [{"repository": "(local)", "decisions": 4, "blocked": 2},
                                   {"repository": "acme/api", "decisions": 1, "blocked": 0}]


def test_a_period_is_half_open_and_repeats_count_once() -> None:
    twice = [*PERIOD, copy.deepcopy(PERIOD[2])]
    doc = summary(twice, since=DAY + timedelta(days=1), until=DAY + timedelta(days=3))
    assert doc["decisions"] == 1 and doc["repeats_dropped"] == 1
    assert doc["period"] == {"since": "2026-11-03", "until": "2026-11-05",
                             "first": "2026-11-03T09:30:00+00:00",
                             "last": "2026-11-03T09:30:00+00:00"}
    assert summary([])["decisions"] == 0 and summary([])["block_rate"] is None


def test_a_record_that_borrows_anothers_id_does_not_remove_it() -> None:
    forged = copy.deepcopy(PERIOD[2]) | {"outcome": "pass", "exit_code": 0}
    doc = summary([PERIOD[2], forged])
    assert doc["decisions"] == 2 and doc["repeats_dropped"] == 0
    assert doc["outcomes"]["block"] == 1


def test_a_record_from_before_draftgate_or_from_the_future_is_refused() -> None:
    for moment in ("2023-12-31T23:00:00+00:00", "0001-01-01T00:00:00+14:00",
                   (datetime.now(UTC) + timedelta(days=3)).isoformat()):
        with pytest.raises(AuditLogError, match="time"):
            checked(make() | {"time": moment}, "r")


def test_a_long_period_is_counted_by_year() -> None:
    later = datetime(2041, 1, 1, tzinfo=UTC)  # "now", for the records of a long-lived gate
    line = timeline([checked(make() | {"time": moment}, "r", now=later)
                     for moment in ("2024-01-01T00:00:00+00:00", "2040-12-31T23:59:59+00:00")])
    assert line["unit"] == "year" and len(line["buckets"]) == 17
    assert line["buckets"][-1]["start"] == "2040-01-01"


def test_the_timeline_keeps_empty_buckets_and_widens_its_unit() -> None:
    line = summary(PERIOD)["timeline"]
    assert line["unit"] == "day"
    assert [b["start"] for b in line["buckets"]] == [
        "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]
    assert [b["decisions"] for b in line["buckets"]] == [2, 1, 0, 2]
    assert line["buckets"][1]["tiers"] == {"high": 1}  # only the tiers a bucket holds
    assert line["buckets"][0]["tiers"] == {"low": 1, "medium": 1}
    assert line["buckets"][3]["block_rate"] == 0.5 and line["buckets"][2]["block_rate"] is None
    assert sum(b["cost"] for b in line["buckets"]) == pytest.approx(0.0045)
    weeks = timeline([checked(make(d), "r") for d in (-98, 0)])
    assert weeks["unit"] == "week" and weeks["buckets"][0]["start"] == "2026-07-27"  # a Monday
    assert len(weeks["buckets"]) == 15
    months = timeline([checked(make(d), "r") for d in (-800, 0)])
    assert months["unit"] == "month" and months["buckets"][0]["start"] == "2024-08-01"
    assert months["buckets"][-1]["start"] == "2026-11-01" and len(months["buckets"]) == 28


@pytest.mark.parametrize(("change", "why"), [
    (lambda r: r.update(exit_code=True), None),
    (lambda r: r.update(time="yesterday"), "time is not an ISO 8601 time"),
    (lambda r: r.update(time="2026-11-02T09:30:00"), "no UTC offset"),
    (lambda r: r.update(outcome="approved"), "outcome 'approved'"),
    (lambda r: r.update(duration=-1), "negative"),
    (lambda r: r.update(duration=math.nan), "finite"),
    (lambda r: r["model"].update(tokens_in="1000"), "model.tokens_in is str"),
    (lambda r: r["model"].update(calls=True), "model.calls is bool"),
    (lambda r: r["findings"]["blocking_by_rule"].update(B506=-2), "blocking_by_rule"),
    (lambda r: r["stages"].append("sast"), "a stage is not an object"),
    (lambda r: r.update(tier_rules=[1]), "tier_rules"),
    (lambda r: r.pop("approval"), "approval is NoneType"),
    (lambda r: r.update(schema_version=0), "schema_version 0"),
    (lambda r: r["model"].update(tokens_in=10**20), "above 1e+12"),
    (lambda r: r["findings"]["blocking_by_rule"].update(B506=10**20), "blocking_by_rule"),
    (lambda r: r.update(tier_rank=-1), "tier_rank -1"),
    (lambda r: r.update(outcome="x" * 10_000), "outcome 'xxxx"),
])
def test_a_record_stats_cannot_read_is_an_error_naming_where(change: Any,
                                                             why: str | None) -> None:
    record = make()
    change(record)
    with pytest.raises(AuditLogError, match=r"^there:1: not a decision record") as caught:
        checked(record, "there:1")
    assert why is None or why in str(caught.value)


def test_a_newer_record_names_both_versions() -> None:
    with pytest.raises(AuditLogError, match=f"version {SCHEMA_VERSION + 1} is newer than this "
                                            f"gate knows \\({SCHEMA_VERSION}\\)"):
        checked(make() | {"schema_version": SCHEMA_VERSION + 1}, "f.jsonl:3")


def test_json_lines_round_trip_and_errors_name_file_and_line(tmp_path: Path) -> None:
    target = tmp_path / "in" / "records.jsonl"
    target.parent.mkdir()
    strange = make(record_id="odd") | {"paths": ["a\u2028b\nc.py"]}
    for record in (PERIOD[0], strange):
        jsonl.write(target, record)
    lines = target.read_bytes().split(b"\n")
    assert len(lines) == 3 and lines[2] == b""  # U+2028 and \n stay escaped within one line
    assert [r for _, r in jsonl.read(target)] == [PERIOD[0], strange]
    assert jsonl.files([tmp_path]) == [target]
    with target.open("a") as handle:
        handle.write("\n{\"schema_version\": 1, \"time\": NaN}\n")
    with pytest.raises(AuditLogError, match=r"records\.jsonl:4: not a JSON record"):
        list(jsonl.read(target))
    (tmp_path / "empty").mkdir()
    with pytest.raises(AuditLogError, match=r"no \*\.jsonl record files"):
        jsonl.files([tmp_path / "empty"])
    with pytest.raises(AuditLogError, match="no such file"):
        jsonl.files([tmp_path / "missing.jsonl"])
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "elsewhere.jsonl")
    with pytest.raises(AuditLogError, match="symbolic link"):
        jsonl.write(link, PERIOD[0])
    assert not (tmp_path / "elsewhere.jsonl").exists()


def test_load_folds_files_from_many_repositories(tmp_path: Path) -> None:
    for name, records in (("api", PERIOD[:3]), ("web", PERIOD[3:])):
        folder = tmp_path / "artifacts" / name
        folder.mkdir(parents=True)
        for record in records:
            jsonl.write(folder / "draftgate-record.jsonl", record)
    jsonl.write(tmp_path / "again.jsonl", PERIOD[2])  # the same record, downloaded twice
    doc = load(files=[tmp_path / "artifacts", tmp_path / "again.jsonl"], log=None,
               since=None, until=None)
    assert doc["decisions"] == 5 and doc["repeats_dropped"] == 1
    assert doc == summary(PERIOD) | {"sources": doc["sources"], "repeats_dropped": 1}
    assert len(doc["sources"]) == 3


def test_text_views_show_hostile_names_inert() -> None:
    hostile = "B506\n[ok] pass | `x` <img src=x onerror=alert(1)> \x1b[2J"
    doc = summary([make(outcome="block", blocking={hostile: 1}),
                   make(1, tier="high", approval=("passed", "eve|\u202e"), ai=True)])
    text = views.terminal(doc)
    assert "\x1b" not in text and "\u202e" not in text
    assert sum(1 for line in text.splitlines() if line.startswith("[ok]")) == 0
    md = views.markdown(doc)
    row = next(line for line in md.splitlines() if "B506" in line)
    # One table row of three cells: every "|" in the name is escaped.
    assert row.replace("\\|", "").count("|") == 4
    assert "\n[ok]" not in md and "\x1b" not in md


def test_terminal_and_markdown_say_the_summary_numbers() -> None:
    doc = summary(PERIOD)
    text = views.terminal(doc)
    assert text.startswith("5 decisions, 2026-11-02 to 2026-11-05")
    assert "block rate 40.0 %" in text and "high 2 (40.0 %)" in text
    assert "estimated cost $0.0045 (1 without a price)" in text and "alice 1" in text
    md = views.markdown(doc)
    assert "| ` B506 ` | 2 | 3 |" in md and "block rate **40.0 %**" in md
    assert json.loads(json.dumps(doc)) == doc  # plain data all the way down
