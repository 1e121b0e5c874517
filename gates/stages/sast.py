"""The SAST stage: bandit, semgrep and the built-in checks, on the changed files.

Scanners run concurrently on the judged content (the workspace), each file's results cached by
content. What counts is what the change introduces (``sast.report: introduced``, the default):
each changed file is scanned as it was before the change too (usually a cache hit: it was scanned
when it was committed), and a finding counts when it is new after the change, wherever its line is;
one that was already there is kept as a note (``gates.scanners.baseline``). ``changed-lines`` keeps
only findings on lines the change wrote; ``whole-file`` counts everything.

Suppressions the change adds are not honoured (``gates.scanners.suppressions``): the finding is
shown, and where it would have blocked, the stage ends *pending*: a person must accept it. Files
the scanners cannot read as Python (Cython syntax, a notebook that is not notebook JSON, Python
that git calls binary) are reported as not scanned, and the stage pends too: never "clean".
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gates.errors import GateError
from gates.globs import GlobSet
from gates.hunks import changed_lines
from gates.model import ChangedFile, FileStatus, Finding, Side, StageResult, StageStatus
from gates.policy import SastSettings
from gates.scanners import (
    Scanner,
    at_least,
    baseline,
    comments,
    fingerprint,
    line_text,
    runner,
    suppressions,
    targets,
    testfiles,
)
from gates.scanners.bandit import Bandit
from gates.scanners.baseline import Lines, from_patch, from_texts, introduced
from gates.scanners.runner import Job, Sides
from gates.scanners.semgrep import Semgrep
from gates.scanners.targets import Plan, Target
from gates.scanners.unicode import scan_file as unicode_scan
from gates.stages import StageContext
from gates.workspace import Workspace

if TYPE_CHECKING:
    from gates.notebooks import NotebookCode

# semgrep always runs offline (--metrics=off, --disable-version-check): gates/scanners/semgrep.py.
ALREADY_PRESENT = "already present before this change"
NOT_HONOURED = ("suppressed by this change ({comment}): not honoured, a person must accept "
                "the suppression")
NOT_ACCEPTED = ("an existing suppression ({comment}) hides a finding this change introduces: "
                "not honoured, a person must accept the suppression")
NOT_COVERED = ("an existing suppression ({comment}) now covers code this change wrote: not "
               "honoured, a person must accept the suppression")


def run(ctx: StageContext) -> StageResult:
    """Scan both sides, keep what the change introduces, apply thresholds, and conclude."""
    settings = ctx.policy.sast
    workspace = ctx.workspace
    if workspace is None:
        return StageResult("sast", StageStatus.ERROR, "no workspace with the judged content")
    excluded = GlobSet(settings.exclude)
    files = {f.path: f for f in ctx.change.files}
    scratch = Path(tempfile.mkdtemp(prefix="sast-", dir=workspace.root.parent))
    after = targets.plan(workspace.root, [p for p in workspace.files if not excluded.matches(p)],
                         scratch / "after")
    before_paths = _before_paths(after, files, workspace, excluded) \
        if settings.report != "whole-file" else {}
    before = targets.plan(workspace.before, list(before_paths.values()), scratch / "before")
    sides = Sides(after, before, before_paths, workspace.root, workspace.before)
    jobs = runner.scan(_scanners(ctx), sides, settings.timeout, ctx.cache)
    return _judge(ctx, sides, jobs, excluded)


def _before_paths(after: Plan, files: dict[str, ChangedFile], workspace: Workspace,
                  excluded: GlobSet) -> dict[str, str]:
    """After path -> before path, for files whose previous version is in the workspace.

    A copy has no before side: its source keeps its own findings, and every finding in the copy
    is one more (an exact copy of vulnerable code into a handler is a change to judge). Nor has a
    file renamed out of an excluded folder: its findings were never judged, so none of them can
    be "already present".
    """
    kept = set(workspace.previous)
    out = {}
    for target in after.targets:
        file = files.get(target.path)
        if file is None or file.status in (FileStatus.ADDED, FileStatus.COPIED):
            continue
        old = file.old_path or file.path
        if old in kept and not excluded.matches(old):
            out[target.path] = old
    return out


def _scanners(ctx: StageContext) -> list[tuple[Scanner, runner.Select]]:
    settings = ctx.policy.sast
    scanners: list[tuple[Scanner, runner.Select]] = []
    if settings.bandit.enabled:
        scanners.append((Bandit(settings.bandit), lambda t: t.bandit))
    if settings.semgrep.enabled:
        scanners.append((Semgrep(settings.semgrep, ctx.trusted or ctx.root), lambda t: t.semgrep))
    return scanners


def _judge(ctx: StageContext, sides: Sides, jobs: list[Job], excluded: GlobSet) -> StageResult:
    """Sort every finding into blocking, pending, note or dropped, and conclude."""
    settings, after, before_paths = ctx.policy.sast, sides.after, sides.before_paths
    files = {f.path: f for f in ctx.change.files}
    by_path = after.by_path()
    old = sides.before.by_path()
    problems: list[str] = []
    materialized = ctx.workspace.files if ctx.workspace is not None else ()
    unscanned = list(after.unscanned) + targets.hidden_as_binary(
        (f for f in files.values() if not excluded.matches(f.path)), materialized)
    lines: dict[str, Lines] = {}

    def lines_of(path: str) -> Lines:
        if path not in lines:
            previous = old.get(before_paths.get(path, ""))
            lines[path] = _lines(files.get(path), by_path.get(path), previous,
                                 sides.root)
        return lines[path]

    raw: list[tuple[Finding, bool]] = []  # (finding, introduced)
    for job in jobs:
        if isinstance(job.after, GateError):
            problems.append(f"{job.scanner.name}: {job.after}")
            continue
        unscanned.extend((path, f"{job.scanner.name} gave up on it: {why}")
                         for path, why in job.after.skipped)
        for path, why in job.after.errors:
            if _translated(by_path.get(path)):
                unscanned.append((path, f"{job.scanner.name} could not parse it: {why}"))
            else:
                problems.append(f"{job.scanner.name} could not scan {path or 'the change'}: "
                                f"{_scan_error(by_path.get(path), why)}")
        grouped: dict[str, list[Finding]] = defaultdict(list)
        for finding in job.after.findings:
            grouped[finding.path].append(finding)
        for path, found in grouped.items():
            previous = job.previous(before_paths.get(path))
            flags = introduced(found, previous, lines_of(path)) \
                if settings.report == "introduced" else [True] * len(found)
            if not all(flags):
                judged, flags = _rebinds(found, flags, files.get(path), by_path.get(path))
                raw.extend(zip(judged, flags, strict=True))
            else:
                raw.extend(zip(found, flags, strict=True))
    if not settings.bandit.enabled:
        # semgrep does not report a Python file it cannot parse; bandit does. Without bandit,
        # the gate checks that each Python file parses, so a broken file is never "clean".
        for path, why in _unparsable(after.targets):
            if _translated(by_path[path]):
                unscanned.append((path, f"it does not parse as Python: {why}"))
            else:
                problems.append(f"cannot parse {path}: {why}")
    judged, asks = _decide(raw, settings, by_path, lines_of,
                           testfiles.Suite(settings.tests, sides.root))
    for target in after.targets:
        if target.notebook is not None:
            from gates.scanners import shell  # only for notebooks
            written = None if settings.report == "whole-file" else lines_of(target.path).added
            for finding in shell.judge(target.path, target.notebook, written):
                judged.append(finding)
                if shell.asks_for_person(finding):
                    asks.append(f"{target.path}: a notebook shell line installs or downloads")
    if settings.unicode:
        for path in after.by_path():
            if path in files:
                judged.extend(unicode_scan(files[path]))
    for file in files.values():
        if not excluded.matches(file.path):
            judged.extend(_added_suppressions(file))
    findings = _finish(judged, by_path)
    pending = [f"{path} not scanned: {why}" for path, why in unscanned] + asks
    return _conclude(findings, problems, pending)


def _translated(target: Target | None) -> bool:
    """Targets whose scanned text is the gate's translation (notebooks) or not Python (Cython)."""
    return target is not None and (target.notebook is not None or
                                   target.path.lower().endswith(targets.CYTHON))


def _lines(file: ChangedFile | None, target: Target | None, previous: Target | None,
           root: Path) -> Lines:
    """Which lines of the scanned text the change wrote (``Lines(None)``: all of them)."""
    if file is None or target is None:
        return Lines(None)
    if target.notebook is not None:
        if previous is None or previous.notebook is None:
            return Lines(None)
        return from_texts(previous.notebook.text, target.notebook.text)
    # A file the change collection decoded (``view``: UTF-16, a declared coding) has hunks of
    # the decoded text, not of the bytes the scanners read; one git calls binary has none.
    if file.binary or _judge_whole(file, root) or getattr(file, "view", None):
        return Lines(None)
    return from_patch(file)


def _decide(raw: list[tuple[Finding, bool]], settings: SastSettings, by_path: dict[str, Target],
            lines_of: Callable[[str], Lines],
            suite: testfiles.Suite) -> tuple[list[Finding], list[str]]:
    """Apply suppressions, the report mode, the thresholds and ``sast.tests``; list what asks
    for a person."""
    out: list[Finding] = []
    asks: list[str] = []
    in_tests: list[Finding] = []
    readers: dict[str, tuple[Callable[[int], str], Callable[[int], str]]] = {}
    levels = dict(settings.bandit.levels)
    for scanned, new in raw:
        finding = _relevel(scanned, levels)
        lines = lines_of(finding.path)
        touched = lines.touches(finding.line, finding.end_line)
        if settings.report == "changed-lines" and not touched:
            continue
        note, unsuppressed = finding.note, False
        if finding.suppressed and settings.suppressions == "ask":
            if finding.path not in readers:
                readers[finding.path] = _readers(by_path.get(finding.path))
            comment, text = readers[finding.path]
            # A suppression was accepted for a finding as it was: one the change introduces (a
            # flipped constant under an old blanket "# nosemgrep", a .txt renamed to .py, a new
            # #! line) was never accepted by anyone, wherever the comment sits.
            accepted = suppressions.honoured(finding, lines, comment, text)
            # (only sast.report: introduced scans the before side and knows what is new)
            if (new and settings.report == "introduced") or not accepted:
                unsuppressed = True
                wording = NOT_HONOURED if suppressions.added(finding, lines, comment, text) \
                    else NOT_ACCEPTED if accepted else NOT_COVERED
                note = wording.format(comment=_suppression_text(finding, comment, text))
        current = dataclasses.replace(finding, suppressed=finding.suppressed and not unsuppressed,
                                      note=note, introduced=new)
        if not new:
            out.append(dataclasses.replace(current, blocking=False, note="; ".join(
                n for n in (ALREADY_PRESENT, note) if n)))
            continue
        blocks = _blocks(current, settings)
        if unsuppressed and blocks:
            asks.append(f"{finding.path}:{finding.line}: {finding.tool} {finding.rule} is "
                        "hidden by a suppression nobody accepted for it (added, moved under new "
                        "code, or older than the finding)")
            blocks = False
        if blocks and suite.relaxes(finding.path, finding.rule):
            # Only bandit and semgrep findings reach here: the Unicode check (it hides code from
            # the very person asked to look) and the secrets category are never relaxed.
            current, blocks = testfiles.eased(current, settings.tests.findings), False
            in_tests.append(current)
        out.append(dataclasses.replace(current, blocking=blocks))
    if in_tests and settings.tests.findings == "pending":
        asks.append(testfiles.ask(in_tests))
    return out, asks


def _relevel(finding: Finding, levels: dict[str, str]) -> Finding:
    """The policy's severity for a bandit test (sast.bandit.levels), said beside the finding."""
    level = levels.get(finding.rule) if finding.tool == "bandit" else None
    if level is None or level == finding.severity:
        return finding
    note = f"bandit rates it {finding.severity}; sast.bandit.levels makes it {level}"
    return dataclasses.replace(finding, severity=level,
                               note="; ".join(n for n in (finding.note, note) if n))


def _rebinds(found: list[Finding], flags: list[bool], file: ChangedFile | None,
             target: Target | None) -> tuple[list[Finding], list[bool]]:
    """A finding already present whose line uses a name the change rebinds counts as introduced:
    its meaning may have changed even though its text did not."""
    names = baseline.rebound(file)
    if not names:
        return found, flags
    text = _readers(target)[1]
    out_found, out_flags = [], []
    for finding, flag in zip(found, flags, strict=True):
        name = None if flag or finding.line is None else baseline.uses(
            " ".join(text(n) for n in range(finding.line, (finding.end_line or finding.line) + 1)),
            names)
        out_found.append(finding if name is None else dataclasses.replace(finding, note="; ".join(
            n for n in (finding.note, f"its line uses {name}, which this change rebinds") if n)))
        out_flags.append(flag or name is not None)
    return out_found, out_flags


def _readers(target: Target | None) -> tuple[Callable[[int], str], Callable[[int], str]]:
    """The scanned text's comments by line (outside Python: the line's text), and its lines."""
    if target is None:
        return (lambda _: ""), (lambda _: "")
    root, name = target.text.parent, target.text.name

    def text(n: int) -> str:
        return line_text(root, name, n)

    found = comments(root, name) if target.python else None
    if found:
        return (lambda n: found.get(n, "")), text
    return text, text


def _suppression_text(finding: Finding, comment: Callable[[int], str],
                      text: Callable[[int], str]) -> str:
    for n in suppressions.covering_lines(finding, text):
        m = re.search(r"#\s*no(?:sec|semgrep)\b[^#]*", comment(n))
        if m:
            return m.group().strip()[:80]
    return "a suppression comment"


def _finish(findings: list[Finding], by_path: dict[str, Target]) -> list[Finding]:
    """Drop duplicates, point notebook findings at their cell, and sort."""
    out = []
    seen = set()
    for finding in findings:
        if (finding.fingerprint, finding.line) in seen:
            continue
        seen.add((finding.fingerprint, finding.line))
        target = by_path.get(finding.path)
        # Scanner and shell findings count lines of the notebook's code text; the patch-based
        # ones (Unicode, added suppressions) count lines of the patch git or the change gave.
        if target is not None and target.notebook is not None and (
                finding.tool in ("bandit", "semgrep") or finding.rule.startswith("notebook-")):
            out.append(_in_cell(finding, target.notebook))
        else:
            out.append(finding)
    return sorted(out, key=lambda f: (f.path, f.line or 0, f.tool, f.rule))


def _in_cell(finding: Finding, notebook: NotebookCode) -> Finding:
    """A notebook finding says which cell and which line of the cell it is on."""
    cell, line = notebook.where(finding.line)
    end_cell, end = notebook.where(finding.end_line)
    where = f"cell {cell}, line {line}" if cell else "outside the code cells"
    if end_cell == cell and end and end != line:
        where += f"-{end}"
    return dataclasses.replace(finding, line=None, end_line=None,
                               message=f"[{where}] {finding.message}")


def _unparsable(found: Sequence[Target]) -> list[tuple[str, str]]:
    out = []
    for target in found:
        if target.python:
            error = _parse_error(target)
            if error is not None:
                out.append((target.path, error))
    return out


def _parse_error(target: Target) -> str | None:
    """Why the running Python's parser refuses the file (never run, only parsed), or None."""
    try:
        ast.parse(target.text.read_bytes())
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}" if exc.lineno else exc.msg
    except (ValueError, RecursionError, MemoryError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def _scan_error(target: Target | None, why: str) -> str:
    """A scanner's parse failure, said so that a person can act on it.

    The usual cause is syntax newer than the gate's Python (3.12's nested f-string quotes under
    3.11): bandit parses with the interpreter it runs in, so the fix is to run the gate there.
    """
    error = _parse_error(target) if target is not None and target.python else None
    if error is None:
        return why
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return (f"it does not parse as Python {version}, the Python the gate runs under ({error}); "
            f"if the project needs a newer Python, run the gate under it (install draftgate in "
            f"that Python's environment; under pre-commit, set the hook's language_version)")


_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _judge_whole(file: ChangedFile, root: Path) -> bool:
    """A copy, and a file whose line breaks git and Python count differently (bare CR line ends,
    a non-UTF-8 coding cookie): its changed lines cannot be trusted."""
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


def _added_suppressions(file: ChangedFile) -> list[Finding]:
    """Every suppression comment the change adds, in any spelling a tool accepts (a note)."""
    if not file.patch or suppressions.ANY.search(file.patch) is None:
        return []
    out = []
    for side, number, raw in changed_lines(file.patch):
        if side is Side.ADDED and suppressions.ANY.search(raw):
            text = raw.decode("utf-8", "replace").strip()
            out.append(Finding(
                tool="draftgate", rule="suppression-added", severity="medium", path=file.path,
                line=number, message="a scanner suppression was added: a person must agree that "
                "the finding it hides is a false positive (the gate does not honour it)",
                fingerprint=fingerprint("draftgate", "suppression-added", file.path, text),
                blocking=False))
    return out


def _blocks(finding: Finding, settings: SastSettings) -> bool:
    if finding.suppressed or not finding.blocking:
        return False
    if finding.tool == "bandit":
        return at_least(finding.severity, settings.bandit.severity) and \
            at_least(finding.confidence or "low", settings.bandit.confidence)
    if finding.tool == "semgrep":
        return at_least(finding.severity, settings.semgrep.severity)
    return True


def _conclude(findings: list[Finding], problems: list[str], pending: list[str]) -> StageResult:
    blocking = [f for f in findings if f.blocking]
    present = sum(1 for f in findings if not f.introduced)
    suppressed = sum(1 for f in findings if f.suppressed and f.introduced)
    parts = []
    if blocking:
        parts.append(f"{len(blocking)} blocking finding{'s' if len(blocking) != 1 else ''}")
    other = len(findings) - len(blocking) - suppressed - present
    if other:
        parts.append(f"{other} not blocking")
    if present:
        parts.append(f"{present} already present before the change")
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    summary = ", ".join(parts) or "no findings introduced by the change"
    if problems:
        return StageResult("sast", StageStatus.ERROR, _some(problems) + f"; {summary}",
                           tuple(findings))
    if blocking:
        also = f"; {_some(pending)}" if pending else ""
        return StageResult("sast", StageStatus.FAILED, summary + also, tuple(findings))
    if pending:
        return StageResult("sast", StageStatus.PENDING, _some(pending) + f"; {summary}",
                           tuple(findings))
    return StageResult("sast", StageStatus.PASSED, summary, tuple(findings))


def _some(items: list[str]) -> str:
    return "; ".join(items[:3]) + (f" (and {len(items) - 3} more)" if len(items) > 3 else "")
