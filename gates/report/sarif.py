"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

One run per tool (bandit, semgrep, the dependency audit, the model review, draftgate's own
checks), each with its own ``automationDetails.id`` category: code scanning keeps one analysis per
tool and category, and the upload action refuses a file with two runs of the same tool and
category. A tool whose stage passed gets its run even with no results, so the alerts it raised
before close. Any other stage gets runs only for the tools that produced findings: a stage that
failed may have stopped early (an optional stage that errored is reported as failed), a pending
one may have left files unread (a file withheld from the model, a file a scanner gave up on),
and an empty run would close alerts nobody checked. A stage that could not run (error, skipped)
marks its runs ``executionSuccessful: false``.

Results carry the rule (with ``security-severity`` from the policy's severity scale), the level
the gate gave them (blocking is ``error``, introduced but not blocking ``warning``, the rest
``note``), a repository-relative location, the gate's own fingerprint under
``partialFingerprints["draftgate/v1"]`` (the upload action adds ``primaryLocationLineHash`` from
the checked-out file), ``baselineState`` (``new`` or ``unchanged`` before the change) and an
``inSource`` suppression for ``# nosec`` / ``# nosemgrep``. Messages are redacted and cleaned
like every other report (``untrusted``), and a ``](`` cannot form one of SARIF's embedded links.
"""

from __future__ import annotations

import re
from typing import Any, TextIO
from urllib.parse import quote

from gates import __version__
from gates.model import Decision, Finding, StageResult, StageStatus
from gates.report.untrusted import (
    clean,
    line_number,
    ranked,
    repo_path,
    severity_rank,
    shown,
)

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
VERSION = "2.1.0"
FINGERPRINT = "draftgate/v1"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000  # per run: code scanning rejects a run with more
MESSAGE = 4000
DESCRIPTION = 1000  # code scanning shows at most 1,024 characters of a rule's description
RULE_ID = 255

# tool -> (what it is, where to read about it)
TOOLS: dict[str, tuple[str, str | None]] = {
    "bandit": ("bandit, the Python security linter, run by draftgate",
               "https://bandit.readthedocs.io/"),
    "semgrep": ("semgrep with the policy's rules, run by draftgate", "https://semgrep.dev/"),
    "deps": ("draftgate's dependency audit (pip-audit, or the offline OSV database)",
             "https://github.com/pypa/pip-audit"),
    "review": ("draftgate's model review of the high-tier files", None),
    "draftgate": ("draftgate's own checks: hidden Unicode, added suppressions, shell", None),
}
# The tools each built-in stage runs: an empty run is written for them when the stage passed.
STAGE_TOOLS = {"sast": ("bandit", "semgrep", "draftgate"), "deps": ("deps",),
               "review": ("review",)}
_RAN = (StageStatus.PASSED, StageStatus.FAILED, StageStatus.PENDING)
# The policy's scale as code scanning's score: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_PRECISION = ("low", "medium", "high")
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def render(decision: Decision, out: TextIO, *, explain: bool = False) -> None:
    """Write the SARIF log (``explain`` changes nothing)."""
    from gates.report.json import dumps

    out.write(dumps(to_dict(decision)))


def to_dict(decision: Decision) -> dict[str, Any]:
    """The SARIF log as plain data."""
    stages: dict[str, StageResult] = {}
    found: dict[str, list[Finding]] = {}
    for result in decision.results:
        if result.status is StageStatus.PASSED:
            for tool in STAGE_TOOLS.get(result.stage, ()):
                stages[tool] = result
                found.setdefault(tool, [])
        for finding in result.findings:
            stages.setdefault(finding.tool, result)
            found.setdefault(finding.tool, []).append(finding)
    fallback = _fallback(decision)
    return {
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [_run(tool, findings, stages[tool], fallback) for tool, findings in found.items()],
    }


def _fallback(decision: Decision) -> str | None:
    """Where a finding that names no repository file is shown: the first file that set the
    tier (the ones the model reviewed), else the first changed file."""
    files = decision.classification.files
    tier = decision.classification.tier
    for fc in sorted(files, key=lambda fc: not (fc.matches and fc.tier == tier)):
        path = repo_path(fc.file.path)
        if path is not None:
            return path
    return None


def _run(tool: str, findings: list[Finding], stage: StageResult,
         fallback: str | None) -> dict[str, Any]:
    name = _NAME.sub("-", tool).strip("-") or "unknown"
    about, home = TOOLS.get(tool, (f"{tool}, run by draftgate", None))
    ordered = ranked(findings)
    left = max(len(ordered) - MAX_RESULTS, 0)
    ids = [_rule_id(f) for f in ordered[:MAX_RESULTS]]
    grouped: dict[str, list[Finding]] = {}
    for rule, finding in zip(ids, ordered, strict=False):
        grouped.setdefault(rule, []).append(finding)
    index = {rule: i for i, rule in enumerate(grouped)}
    results = []
    for rule, finding, occurrence in zip(ids, ordered, _occurrences(ordered), strict=False):
        location = _location(finding, fallback)
        if location is not None:
            results.append(_result(finding, rule, index[rule], location, occurrence))
    rules = [_rule(tool, rule, group) for rule, group in grouped.items()]
    driver: dict[str, Any] = {"name": "draftgate" if name == "draftgate" else f"draftgate-{name}",
                              "fullName": about, "version": __version__, "rules": rules}
    if home:
        driver["informationUri"] = home
    invocation: dict[str, Any] = {"executionSuccessful": stage.status in _RAN}
    notes = []
    if stage.status is not StageStatus.PASSED and stage.message:
        level = "note" if stage.status in _RAN else "error"
        notes.append({"level": level, "message": {
            "text": _text(f"{stage.stage} {stage.status.value}: {stage.message}")}})
    if left:
        notes.append({"level": "warning", "message": {
            "text": f"{left} less severe results left out (code scanning takes at most "
                    f"{MAX_RESULTS:,} per run)"}})
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"draftgate/{name}/"},
        "originalUriBaseIds": {SRCROOT: {"description": {
            "text": "The root of the repository the change was checked in."}}},
        "invocations": [invocation],
        "properties": {"stage": clean(stage.stage), "stageStatus": stage.status.value},
        "results": results,
    }


def _occurrences(ordered: list[Finding]) -> list[int]:
    """For each finding, which copy of its fingerprint it is (1, 2, …) in file order.

    The gate's fingerprint is (tool, rule, path, line text): two identical lines in one file
    share it, and code scanning would fold them into one alert.
    """
    seen: dict[str, int] = {}
    numbers = [0] * len(ordered)
    for i in sorted(range(len(ordered)), key=lambda i: (ordered[i].path, ordered[i].line or 0)):
        seen[ordered[i].fingerprint] = seen.get(ordered[i].fingerprint, 0) + 1
        numbers[i] = seen[ordered[i].fingerprint]
    return numbers


def _rule_id(finding: Finding) -> str:
    return shown(finding.rule, RULE_ID) or "unknown"


def _rule(tool: str, rule: str, listed: list[Finding]) -> dict[str, Any]:
    worst = max((f.severity for f in listed), key=severity_rank)
    first = listed[0].message.strip().splitlines()[0] if listed[0].message.strip() else rule
    properties: dict[str, Any] = {"tags": ["security", _NAME.sub("-", tool)]}
    if worst in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[worst]
    confidence = listed[0].confidence
    if confidence in _PRECISION:
        properties["precision"] = confidence
    return {
        "id": rule,
        "name": rule,
        "shortDescription": {"text": shown(f"{tool} {rule}", DESCRIPTION)},
        "fullDescription": {"text": _text(first, DESCRIPTION)},
        "help": {"text": _text(f"Reported by {tool} through draftgate: {first}", DESCRIPTION)},
        "defaultConfiguration": {"level": _LEVEL.get(worst, "warning")},
        "properties": properties,
    }


def _result(finding: Finding, rule: str, index: int, location: dict[str, Any],
            occurrence: int) -> dict[str, Any]:
    message = finding.message or finding.rule
    if finding.note:
        message = f"{message} ({finding.note})"
    if repo_path(finding.path) is None:
        message = f"(reported for {finding.path!r}, which is not a file of the repository) " \
            + message
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": index,
        "level": _level(finding),
        "message": {"text": _text(message, MESSAGE) or rule},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: f"{clean(finding.fingerprint)}:{occurrence}"},
        "baselineState": "new" if finding.introduced else "unchanged",
        "properties": {"severity": clean(finding.severity), "blocking": finding.blocking},
    }
    if finding.confidence:
        result["properties"]["confidence"] = clean(finding.confidence)
    if finding.suppressed:
        result["suppressions"] = [{"kind": "inSource"}]
    return result


def _level(finding: Finding) -> str:
    if finding.blocking:
        return "error"
    return "warning" if finding.introduced and not finding.suppressed else "note"


def _location(finding: Finding, fallback: str | None) -> dict[str, Any] | None:
    path = repo_path(finding.path)
    line = line_number(finding.line) if path is not None else None
    path = path or fallback
    if path is None:
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(path), "uriBaseId": SRCROOT}}
    if line is not None:
        region = {"startLine": line}
        end = line_number(finding.end_line)
        if end is not None and end > line:
            region["endLine"] = end
        physical["region"] = region
    return {"physicalLocation": physical}


def uri(path: str) -> str:
    """A repository path as a relative URI reference: every byte but unreserved ones and ``/``
    percent-encoded (so ``:`` in a first segment cannot read as a scheme, ``#`` and ``?`` stay
    part of the name, and undecodable bytes keep their value)."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _text(text: str, limit: int = MESSAGE) -> str:
    # SARIF plain-text messages read "[text](target)" as an embedded link (SARIF §3.11.6).
    return shown(text, limit, newlines=True).replace("](", "] (")
