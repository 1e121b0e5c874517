"""The SAST stage: bandit, semgrep and the built-in Unicode check, on the changed files only.

Scanners run concurrently on the judged content (the workspace), each file's results cached by
content. By default only findings on added or modified lines are reported, so legacy code does not
block a small fix (``sast.report: whole-file`` reports everything). Thresholds in the policy decide
what blocks; suppressed findings never block but are counted and shown, and a suppression comment
added to a file of the highest tier is reported as a finding of its own.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gates import __version__
from gates import cache as caching
from gates.errors import GateError
from gates.globs import GlobSet
from gates.hunks import changed_lines
from gates.model import ChangedFile, FileStatus, Finding, Side, StageResult, StageStatus
from gates.policy import SastSettings
from gates.scanners import Scanner, ScanOutcome, at_least, fingerprint
from gates.scanners.bandit import Bandit
from gates.scanners.semgrep import Semgrep
from gates.scanners.unicode import scan_file as unicode_scan
from gates.stages import StageContext

# semgrep always runs offline (--metrics=off, --disable-version-check): gates/scanners/semgrep.py.
PYTHON = (".py", ".pyw", ".pyi")
CACHE_SCHEMA = "sast-1"  # bump when what a cached finding means changes
_SUPPRESSION = re.compile(rb"(?:#|//)\s*(?:nosec|nosemgrep)\b")


def run(ctx: StageContext) -> StageResult:
    """Scan, filter to changed lines, apply thresholds, and conclude."""
    settings = ctx.policy.sast
    workspace = ctx.workspace
    if workspace is None:
        return StageResult("sast", StageStatus.ERROR, "no workspace with the judged content")
    excluded = GlobSet(settings.exclude)
    targets = [p for p in workspace.files if not excluded.matches(p)]
    files = {f.path: f for f in ctx.change.files}
    jobs: list[tuple[Scanner, list[str]]] = []
    python = [p for p in targets if _is_python(workspace.root / p)]
    if settings.bandit.enabled:
        jobs.append((Bandit(settings.bandit), python))
    if settings.semgrep.enabled:
        jobs.append((Semgrep(settings.semgrep, ctx.trusted or ctx.root), list(targets)))
    jobs = [(scanner, paths) for scanner, paths in jobs if paths]

    def one(job: tuple[Scanner, list[str]]) -> ScanOutcome | GateError:
        try:
            return _cached_scan(job[0], workspace.root, job[1], settings.timeout, ctx.cache)
        except GateError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
        outcomes = list(pool.map(one, jobs))
    findings: list[Finding] = []
    problems: list[str] = []
    for (scanner, _), outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, GateError):
            problems.append(f"{scanner.name}: {outcome}")
            continue
        findings.extend(outcome.findings)
        problems.extend(f"{scanner.name} could not scan {path or 'the change'}: {why}"
                        for path, why in outcome.errors)
    if not settings.bandit.enabled:
        # semgrep does not report a Python file it cannot parse; bandit does. Without bandit,
        # the gate checks that each Python file parses, so a broken file is never "clean".
        problems.extend(f"cannot parse {path}: {why}"
                        for path, why in _unparsable(workspace.root, python))
    if settings.unicode:
        for path in targets:
            findings.extend(unicode_scan(files[path]))
    top = ctx.policy.tiers[-1]
    for fc in ctx.classification.files:
        if fc.tier == top and fc.file.path in files and not excluded.matches(fc.file.path):
            findings.extend(_added_suppressions(fc.file))
    judged = _judge(findings, files, settings, workspace.root)
    return _conclude(judged, problems)


def _cached_scan(scanner: Scanner, root: Path, paths: Sequence[str], timeout: float,
                 cache: caching.Cache) -> ScanOutcome:
    """Scan only the files whose (tool, rules, content) results are not cached."""
    if not getattr(scanner, "cacheable", True):
        cache = caching.Cache.disabled()
    identity = scanner.fingerprint()
    keys = {p: caching.key(CACHE_SCHEMA, __version__, scanner.name, identity, p,
                           _digest(root / p)) for p in paths}
    findings: list[Finding] = []
    missing = []
    for path, cache_key in keys.items():
        stored = cache.get(cache_key)
        if isinstance(stored, list):
            findings.extend(Finding(**item) for item in stored)
        else:
            missing.append(path)
    if not missing:
        return ScanOutcome(tuple(findings))
    outcome = scanner.scan(root, missing, timeout)
    failed = {path for path, _ in outcome.errors}
    if "" not in failed:
        for path in missing:
            if path not in failed:
                cache.put(keys[path], [dataclasses.asdict(f) for f in outcome.findings
                                       if f.path == path])
    return ScanOutcome((*findings, *outcome.findings), outcome.errors)


def _is_python(path: Path) -> bool:
    """A Python file by its suffix (any case) or its ``#!`` line."""
    if path.name.lower().endswith(PYTHON):
        return True
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def _unparsable(root: Path, paths: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for path in paths:
        try:
            ast.parse((root / path).read_bytes())
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            out.append((path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _judge_whole(file: ChangedFile, root: Path) -> bool:
    if file.status is FileStatus.COPIED:
        return True
    try:
        content = (root / file.path).read_bytes()
    except OSError:
        return True
    if b"\r" in content.replace(b"\r\n", b""):
        return True
    for line in content.split(b"\n", 2)[:2]:
        m = _CODING.match(line)
        if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            return True
    return False


def _added_lines(file: ChangedFile) -> frozenset[int]:
    return frozenset(n for side, n, _ in changed_lines(file.patch) if side is Side.ADDED)


def _added_suppressions(file: ChangedFile) -> list[Finding]:
    if not file.patch or _SUPPRESSION.search(file.patch) is None:
        return []
    out = []
    for side, number, raw in changed_lines(file.patch):
        if side is Side.ADDED and _SUPPRESSION.search(raw):
            text = raw.decode("utf-8", "replace").strip()
            out.append(Finding(
                tool="draftgate", rule="suppression-added", severity="medium", path=file.path,
                line=number, message="a scanner suppression was added to a file of the highest "
                "tier: the reviewer must agree that the finding it hides is a false positive",
                fingerprint=fingerprint("draftgate", "suppression-added", file.path, text),
                blocking=False))
    return out


def _judge(findings: list[Finding], files: dict[str, ChangedFile],
           settings: SastSettings, root: Path) -> list[Finding]:
    """Keep findings on changed lines (unless whole-file) and set ``blocking`` by threshold.

    A finding counts when any line of its span changed (a multi-line call is reported at its first
    line). A copied file, and a file whose line breaks git and Python count differently (bare CR
    line ends, a non-UTF-8 coding cookie), is judged whole: its changed lines cannot be trusted.
    """
    added: dict[str, frozenset[int] | None] = {}
    out = []
    seen = set()
    for finding in findings:
        file = files.get(finding.path)
        if settings.report == "changed-lines" and file is not None:
            if finding.path not in added:
                added[finding.path] = None if _judge_whole(file, root) else _added_lines(file)
            lines = added[finding.path]
            start = finding.line or 0
            span = range(start, max(start, finding.end_line or start) + 1)
            if lines is not None and not any(n in lines for n in span):
                continue
        if (finding.fingerprint, finding.line) in seen:
            continue
        seen.add((finding.fingerprint, finding.line))
        out.append(dataclasses.replace(finding, blocking=_blocks(finding, settings)))
    return sorted(out, key=lambda f: (f.path, f.line or 0, f.tool, f.rule))


def _blocks(finding: Finding, settings: SastSettings) -> bool:
    if finding.suppressed or not finding.blocking:
        return False
    if finding.tool == "bandit":
        return at_least(finding.severity, settings.bandit.severity) and \
            at_least(finding.confidence or "low", settings.bandit.confidence)
    if finding.tool == "semgrep":
        return at_least(finding.severity, settings.semgrep.severity)
    return True


def _conclude(findings: list[Finding], problems: list[str]) -> StageResult:
    blocking = [f for f in findings if f.blocking]
    suppressed = sum(1 for f in findings if f.suppressed)
    parts = []
    if blocking:
        parts.append(f"{len(blocking)} blocking finding{'s' if len(blocking) != 1 else ''}")
    other = len(findings) - len(blocking) - suppressed
    if other:
        parts.append(f"{other} below the blocking threshold")
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    summary = ", ".join(parts) or "no findings on the changed lines"
    if problems:
        return StageResult("sast", StageStatus.ERROR, "; ".join(problems[:3]) +
                           (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "") +
                           f"; {summary}", tuple(findings))
    status = StageStatus.FAILED if blocking else StageStatus.PASSED
    return StageResult("sast", status, summary, tuple(findings))

