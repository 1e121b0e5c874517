"""``gate stats``: a period of decisions summarised, from the log or from collected JSON lines.

Every number a view shows (terminal, Markdown, the HTML page) is read from the one document
:func:`summarise` returns, which is also what ``--format json`` prints: the views cannot
disagree with each other or with the JSON. Records are checked field by field before they are
counted (:func:`checked`): records collected from other repositories are input from other hands,
and a record this code cannot read is an error naming where it is, never a quietly smaller total.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gates.audit.log import SCHEMA_VERSION, AuditLogError, one_line

STATS_VERSION = 1
OUTCOMES = ("pass", "block", "pending", "error", "tool-failure")
TOP = 10
LOCAL = "(local)"  # records written outside CI carry no repository
LIMIT = 10**12  # no duration, count or cost is larger: sums of real records stay finite
EARLIEST = datetime(2024, 1, 1, tzinfo=UTC)  # no draftgate decision is older


@dataclass(frozen=True, slots=True)
class Record:
    """The fields of one record that the summary reads, checked and typed."""

    key: str  # the record's id and a digest of all of it: what makes two reads one record
    time: datetime
    repository: str
    tier: str
    tier_rank: int | None
    tier_rules: tuple[str, ...]
    lane: tuple[str, ...]
    stages: tuple[tuple[str, str, float], ...]  # (name, status, seconds)
    blocking_by_rule: Mapping[str, int]
    review_status: str | None
    provider: str | None
    model: str | None
    calls: int
    tokens_in: int
    tokens_out: int
    cost: float | None
    approval_status: str | None
    actor: str | None
    ai_drafted: bool | None
    outcome: str
    duration: float
    reused: bool = False  # a stored decision answered: its stages did not run again


class _Fields:
    """Typed reads of one raw record; each failure names the record and the field."""

    def __init__(self, raw: Mapping[str, Any], where: str) -> None:
        self.raw, self.where = raw, where

    def fail(self, why: str) -> AuditLogError:
        return AuditLogError(one_line(
            f"{self.where}: not a decision record this gate can read: {why}"))

    def get(self, obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...],
            *, optional: bool = False, label: str = "") -> Any:
        value = obj.get(key)
        if value is None and optional:
            return None
        # bool is an int in Python; a count or a time that is `true` is not a record of ours.
        if (isinstance(value, bool) and bool not in _as_tuple(kind)) or not isinstance(value, kind):
            raise self.fail(f"{label or key} is {type(value).__name__}, not {_names(kind)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"{label or key} is not a finite number")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.get(self.raw, key, list)
        if not all(isinstance(x, str) for x in items):
            raise self.fail(f"{key} holds something other than strings")
        return tuple(items)

    def part(self, key: str) -> Mapping[str, Any]:
        return self.get(self.raw, key, dict)  # type: ignore[no-any-return]

    def version(self) -> int:
        version: int = self.get(self.raw, "schema_version", int)
        if version > SCHEMA_VERSION:
            raise AuditLogError(one_line(
                f"{self.where}: record schema version {version} is newer than this gate knows "
                f"({SCHEMA_VERSION}); upgrade draftgate to read it"))
        if version < 1:
            raise self.fail(f"schema_version {version}")
        return version

    def moment(self, now: datetime | None) -> datetime:
        try:
            moment = datetime.fromisoformat(self.get(self.raw, "time", str))
            if moment.tzinfo is None:
                raise self.fail("time has no UTC offset")
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise self.fail("time is not an ISO 8601 time") from None
        # A record from before draftgate or from tomorrow is not a decision: one such date
        # would stretch everyone's timeline over centuries.
        if not EARLIEST <= moment <= (now or datetime.now(UTC)) + timedelta(days=1):
            raise self.fail(f"time {moment.date()} is before {EARLIEST.date()} or in the future")
        return moment

    def stages(self) -> list[tuple[str, str, float]]:
        out = []
        for stage in self.get(self.raw, "stages", list):
            if not isinstance(stage, dict):
                raise self.fail("a stage is not an object")
            seconds = self.get(stage, "duration", (int, float), label="a stage's duration")
            out.append((self.get(stage, "name", str, label="a stage's name"),
                        self.get(stage, "status", str, label="a stage's status"),
                        float(seconds)))
        return out

    def digest(self) -> str:
        try:
            canonical = json.dumps(self.raw, sort_keys=True, ensure_ascii=True, allow_nan=False)
        except (ValueError, TypeError, RecursionError):
            raise self.fail("it holds a value JSON does not allow") from None
        return hashlib.sha256(canonical.encode()).hexdigest()


def checked(raw: Mapping[str, Any], where: str, now: datetime | None = None) -> Record:
    """``raw`` as a :class:`Record`, or an :class:`AuditLogError` saying which field is wrong."""
    f = _Fields(raw, where)
    get, fail = f.get, f.fail
    f.version()
    moment = f.moment(now)
    outcome = get(raw, "outcome", str)
    if outcome not in OUTCOMES:
        raise fail(f"outcome {outcome[:40]!r} is not one of {', '.join(OUTCOMES)}")
    stages = f.stages()
    blocking = get(f.part("findings"), "blocking_by_rule", dict)
    if not all(isinstance(k, str) and type(v) is int and 0 <= v <= LIMIT
               for k, v in blocking.items()):
        raise fail("findings.blocking_by_rule is not a count per rule")
    model, approval, provenance = f.part("model"), f.part("approval"), f.part("provenance")
    rank = get(raw, "tier_rank", int, optional=True)
    if rank is not None and not 0 <= rank <= 1000:
        raise fail(f"tier_rank {rank} is not a place in a policy's tiers")
    cost = get(model, "cost", (int, float), optional=True, label="model.cost")
    counts = [get(model, key, int, optional=True, label=f"model.{key}") or 0
              for key in ("calls", "tokens_in", "tokens_out")]
    get(raw, "exit_code", int)
    duration = float(get(raw, "duration", (int, float)))
    amounts = [duration, *counts, *(s for _, _, s in stages), cost or 0]
    if min(amounts) < 0:
        raise fail("a duration, count or cost is negative")
    if max(amounts) > LIMIT:
        raise fail(f"a duration, count or cost is above {LIMIT:.0e}")
    return Record(
        key=f"{get(raw, 'id', str, optional=True)}:{f.digest()}",
        time=moment,
        repository=get(raw, "repository", str, optional=True) or LOCAL,
        tier=get(raw, "tier", str), tier_rank=rank, tier_rules=f.strings("tier_rules"),
        lane=f.strings("lane"), stages=tuple(stages), blocking_by_rule=blocking,
        review_status=get(model, "status", str, optional=True, label="model.status"),
        provider=get(model, "provider", str, optional=True, label="model.provider"),
        model=get(model, "model", str, optional=True, label="model.model"),
        calls=counts[0], tokens_in=counts[1], tokens_out=counts[2],
        cost=None if cost is None else float(cost),
        approval_status=get(approval, "status", str, optional=True, label="approval.status"),
        actor=get(approval, "actor", str, optional=True, label="approval.actor"),
        ai_drafted=get(provenance, "ai_drafted", bool, optional=True,
                       label="provenance.ai_drafted"),
        outcome=outcome, duration=duration,
        reused=get(raw, "reused", bool, optional=True) or False)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _as_tuple(kind))


def select(records: Iterable[Record], *, since: datetime | None,
           until: datetime | None) -> tuple[list[Record], int]:
    """Records in ``[since, until)``, oldest first, each once; and how many repeats were dropped.

    A repeat is the same record read twice (an artifact downloaded twice): the same id *and*
    the same content, so a forged record that borrows another's id cannot remove it.
    """
    seen: set[str] = set()
    kept, repeats = [], 0
    for record in records:
        early = since is not None and record.time < since
        if early or (until is not None and record.time >= until):
            continue
        if record.key in seen:
            repeats += 1
            continue
        seen.add(record.key)
        kept.append(record)
    kept.sort(key=lambda r: r.time)
    return kept, repeats


def summarise(records: list[Record], *, since: datetime | None = None,
              until: datetime | None = None, sources: Iterable[str] = (),
              repeats: int = 0) -> dict[str, Any]:
    """The whole summary as plain data: ``gate stats --format json`` prints exactly this."""
    total = len(records)
    outcomes = Counter(r.outcome for r in records)
    return {
        "stats_version": STATS_VERSION,
        "sources": list(sources),
        "repeats_dropped": repeats,
        "period": {"since": _day(since), "until": _day(until),
                   "first": _stamp(records[0].time) if records else None,
                   "last": _stamp(records[-1].time) if records else None},
        "decisions": total,
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
        "block_rate": _share(outcomes.get("block", 0), total),
        "tiers": _tiers(records),
        "lanes": _shares(Counter("+".join(r.lane) or "(none)" for r in records), total, "lane"),
        "top_blocking_rules": _blocking_rules(records),
        "top_tier_rules": _tier_rules(records),
        "stages": _stages(records),
        "model": _model(records),
        "approvals": _approvals(records),
        "provenance": _provenance(records),
        "repositories": _repositories(records),
        "timeline": timeline(records),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _shares(counts: Counter[str], total: int, key: str) -> list[dict[str, Any]]:
    return [{key: name, "decisions": n, "share": _share(n, total)}
            for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _tiers(records: list[Record]) -> list[dict[str, Any]]:
    """Per tier, lowest first (by the rank the policy gave it; unranked tiers last, by name)."""
    rank: dict[str, int] = {}
    for r in records:
        if r.tier_rank is not None:
            rank[r.tier] = max(rank.get(r.tier, r.tier_rank), r.tier_rank)
    counts = Counter(r.tier for r in records)
    blocked = Counter(r.tier for r in records if r.outcome == "block")
    order = sorted(counts, key=lambda t: (t not in rank, rank.get(t, 0), t))
    return [{"tier": t, "rank": rank.get(t), "decisions": counts[t],
             "share": _share(counts[t], len(records)), "blocked": blocked.get(t, 0)}
            for t in order]


def _raised(record: Record) -> bool:
    """Above the policy's lowest tier (a record without a rank: any tier but ``low``)."""
    return record.tier_rank > 0 if record.tier_rank is not None else record.tier != "low"


def _blocking_rules(records: list[Record]) -> list[dict[str, Any]]:
    decisions: Counter[str] = Counter()
    findings: Counter[str] = Counter()
    for r in records:
        for rule, n in r.blocking_by_rule.items():
            decisions[rule] += 1
            findings[rule] += n
    ranked = sorted(decisions, key=lambda k: (-decisions[k], -findings[k], k))[:TOP]
    return [{"rule": k, "decisions": decisions[k], "findings": findings[k]} for k in ranked]


def _tier_rules(records: list[Record]) -> list[dict[str, Any]]:
    raised: Counter[tuple[str, str]] = Counter()
    for r in records:
        if _raised(r):
            for rule in r.tier_rules:
                raised[(rule, r.tier)] += 1
    ranked = sorted(raised, key=lambda k: (-raised[k], k))[:TOP]
    return [{"rule": rule, "tier": tier, "decisions": raised[(rule, tier)]}
            for rule, tier in ranked]


def _stages(records: list[Record]) -> list[dict[str, Any]]:
    """Per stage that ran (skipped ones took no time), and the whole run as ``(run)``."""
    times: dict[str, list[float]] = {"(run)": [r.duration for r in records]}
    statuses: dict[str, Counter[str]] = {"(run)": Counter(r.outcome for r in records)}
    for r in records:
        if r.reused:  # the stored run's stages, repeated: counted once, with that run
            continue
        for name, status, seconds in r.stages:
            statuses.setdefault(name, Counter())[status] += 1
            if status != "skipped":
                times.setdefault(name, []).append(seconds)
    out = []
    for name in sorted(statuses, key=lambda n: (n != "(run)", n)):
        values = sorted(times.get(name, []))
        out.append({"stage": name, "runs": len(values),
                    "median_seconds": round(statistics.median(values), 4) if values else None,
                    "p90_seconds": round(values[math.ceil(0.9 * len(values)) - 1], 4)
                    if values else None,
                    "statuses": dict(sorted(statuses[name].items()))})
    return out if records else []


def _model(records: list[Record]) -> dict[str, Any]:
    """Reviews are runs whose review stage had a model configured (a stage that only said "a
    person must review" used none); ``statuses`` counts every review stage that was not skipped."""
    asked = [r for r in records if r.review_status not in (None, "skipped")]
    reviewed = [r for r in asked if r.provider is not None]
    priced = [r for r in reviewed if r.cost is not None]
    by_model: dict[str, list[Record]] = {}
    for r in reviewed:
        by_model.setdefault(f"{r.provider}/{r.model or '?'}", []).append(r)
    return {
        "reviews": len(reviewed),
        "calls": sum(r.calls for r in reviewed),
        "tokens_in": sum(r.tokens_in for r in reviewed),
        "tokens_out": sum(r.tokens_out for r in reviewed),
        "cost": round(sum(r.cost or 0.0 for r in priced), 6),
        "unpriced_reviews": sum(1 for r in reviewed if r.cost is None and r.calls),
        "statuses": dict(sorted(Counter(str(r.review_status) for r in asked).items())),
        "models": [{"model": name, "reviews": len(rs), "calls": sum(r.calls for r in rs),
                    "tokens_in": sum(r.tokens_in for r in rs),
                    "tokens_out": sum(r.tokens_out for r in rs),
                    "cost": round(sum(r.cost or 0.0 for r in rs), 6)}
                   for name, rs in sorted(by_model.items())],
    }


def _approvals(records: list[Record]) -> dict[str, Any]:
    asked = [r for r in records if r.approval_status is not None]
    given = Counter(r.actor for r in asked if r.approval_status == "passed" and r.actor)
    return {"asked": len(asked),
            "given": sum(1 for r in asked if r.approval_status == "passed"),
            "waiting": sum(1 for r in asked if r.approval_status == "pending"),
            "by": [{"actor": who, "approvals": n}
                   for who, n in sorted(given.items(), key=lambda kv: (-kv[1], kv[0]))]}


def _provenance(records: list[Record]) -> list[dict[str, Any]]:
    out = []
    for label, flag in (("ai-drafted", True), ("not ai-drafted", False), ("unknown", None)):
        group = [r for r in records if r.ai_drafted is flag]
        blocked = sum(1 for r in group if r.outcome == "block")
        out.append({"drafted": label, "decisions": len(group),
                    "share": _share(len(group), len(records)), "blocked": blocked,
                    "block_rate": _share(blocked, len(group)),
                    "raised": sum(1 for r in group if _raised(r))})
    return out


def _repositories(records: list[Record]) -> list[dict[str, Any]]:
    counts = Counter(r.repository for r in records)
    blocked = Counter(r.repository for r in records if r.outcome == "block")
    return [{"repository": name, "decisions": n, "blocked": blocked.get(name, 0)}
            for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def timeline(records: list[Record]) -> dict[str, Any]:
    """Counts per day (a period up to 62 days), week (up to two years), month (up to ten years)
    or year, every bucket from the first record's to the last's, empty ones included: a chart's
    gaps are real. A year unit keeps any period (records are input) to at most 10,000 buckets."""
    if not records:
        return {"unit": "day", "buckets": []}
    first, last = records[0].time.date(), records[-1].time.date()
    span = (last - first).days
    unit = ("day" if span <= 62 else "week" if span <= 730 else "month" if span <= 3660
            else "year")
    starts = []
    at: date | None = _bucket(first, unit)
    while at is not None and at <= last:
        starts.append(at)
        at = _next(at, unit)
    tiers = [t["tier"] for t in _tiers(records)]
    rows: dict[date, list[Record]] = {s: [] for s in starts}
    for r in records:
        rows[_bucket(r.time.date(), unit)].append(r)
    buckets = []
    for start in starts:
        group = rows[start]
        blocked = sum(1 for r in group if r.outcome == "block")
        buckets.append({"start": start.isoformat(), "decisions": len(group),
                        # Only the tiers the bucket holds: the summary grows with records,
                        # not with buckets x tiers.
                        "tiers": {t: n for t in tiers
                                  if (n := sum(1 for r in group if r.tier == t))},
                        "blocked": blocked, "block_rate": _share(blocked, len(group)),
                        "cost": round(sum(r.cost or 0.0 for r in group), 6)})
    return {"unit": unit, "buckets": buckets}


def _bucket(day: date, unit: str) -> date:
    if unit == "week":
        # ISO weeks start on Monday (none before 0001-01-01, a Monday itself).
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day


def _next(start: date, unit: str) -> date | None:
    """The next bucket's start; None past the last date Python knows (9999-12-31)."""
    try:
        if unit == "day":
            return start + timedelta(days=1)
        if unit == "week":
            return start + timedelta(days=7)
        if unit == "month":
            return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return start.replace(year=start.year + 1)
    except (OverflowError, ValueError):
        return None


def _day(moment: datetime | None) -> str | None:
    return None if moment is None else moment.date().isoformat()


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


__all__ = ["OUTCOMES", "STATS_VERSION", "Record", "checked", "select", "summarise", "timeline"]
