"""The dependency audit: runs only when a dependency manifest changed.

Each changed manifest is read as it stands after the change (and before it, to tell what the change
introduces: a new package or a changed version). Pins are audited online with pip-audit or, when the
policy names one, against an offline OSV database, which is also the fallback when pip-audit cannot
reach its service. An unpinned requirement cannot be audited and is reported as such.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from pathlib import Path

from gates.errors import ToolFailure
from gates.manifests import INCLUDE_OPTIONS, Requirement, is_manifest, parse
from gates.model import FileStatus, Finding, StageResult, StageStatus
from gates.policy import DepsSettings
from gates.scanners import at_least, fingerprint
from gates.stages import StageContext
from gates.vulns import AuditResult, Pin, ServiceUnavailable
from gates.vulns.osv import OfflineDatabase
from gates.vulns.pip_audit import PipAudit


def run(ctx: StageContext) -> StageResult:
    """Audit the changed manifests."""
    settings = ctx.policy.deps
    manifests = [f for f in ctx.change.files
                 if is_manifest(f.path) and f.status is not FileStatus.DELETED]
    if not manifests:
        return StageResult("deps", StageStatus.SKIPPED, "no dependency manifest changed")
    workspace = ctx.workspace
    if workspace is None:
        return StageResult("deps", StageStatus.ERROR, "no workspace with the judged content")
    changed = {f.path for f in manifests}
    findings: list[Finding] = []
    entries: list[tuple[str, Requirement, bool]] = []  # (manifest, pinned requirement, introduced)
    for file in manifests:
        judged = workspace.root / file.path
        if not file.has_text or not judged.is_file():
            kind = "a symlink" if file.symlink else "not text (binary or another encoding)"
            findings.append(_unaudited(file.path, None, f"{file.path} is {kind}: its "
                                       "requirements cannot be read or audited", settings))
            continue
        after = _read(judged, file.path)
        before_path = workspace.before / (file.old_path or file.path)
        before = _read(before_path, file.path) if before_path.is_file() else []
        previous = {(r.name, r.version, r.option) for r in before}
        for req in after:
            introduced = (req.name, req.version, req.option) not in previous
            if req.option:
                finding = _option(file.path, req, introduced, changed, settings)
                if finding is not None:
                    findings.append(finding)
            elif req.version is None:
                findings.append(_unpinned(file.path, req, settings))
            else:
                entries.append((file.path, req, introduced))
    if not entries:
        return _conclude(findings, settings, note="no pinned requirement to audit")
    pins = list(dict.fromkeys((req.name, req.version or "") for _, req, _ in entries))
    result, note = _audit(pins, settings, ctx.root)
    for path, req, introduced in entries:
        pin = (req.name, req.version or "")
        if pin not in result.audited:
            why = result.problems.get(pin, "not audited")
            findings.append(_unaudited(path, req, f"{req.name}=={req.version} could not be "
                                       f"audited: {why}", settings))
            continue
        for advisory in result.advisories.get(pin, ()):
            severity = settings.introduced if introduced else settings.existing
            aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
            fix = f"; fixed in {advisory.fixed}" if advisory.fixed else "; no fixed version"
            findings.append(Finding(
                tool="deps", rule=advisory.id, severity=severity, path=path, line=req.line,
                message=f"{req.name}=={req.version}: {advisory.id}{aliases}{fix}"
                        f"{': ' + advisory.summary if advisory.summary else ''}",
                fingerprint=fingerprint("deps", advisory.id, path, f"{req.name}=={req.version}"),
                note="introduced by this change" if introduced
                else "already present before this change"))
    return _conclude(findings, settings, note=note)


def _option(path: str, req: Requirement, introduced: bool, changed: set[str],
            settings: DepsSettings) -> Finding | None:
    """Option lines: an include is audited only if it is part of the change; a new index is risk."""
    if req.option == "code":
        return _unaudited(path, req, "setup.py is code: its requirements cannot be read without "
                          "running it (declare them in pyproject.toml)", settings)
    if req.option in INCLUDE_OPTIONS:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), req.name))
        if target in changed:
            return None
        return _unaudited(path, req, f"{req.text!r} includes {target}, which this change does not "
                          "touch: it is not audited here", settings)
    if introduced:
        return Finding(
            tool="deps", rule="package-index", severity=settings.introduced, path=path,
            line=req.line, message=f"the change points pip at another package source: {req.text} "
            "(dependency confusion and typosquatting risk)",
            fingerprint=fingerprint("deps", "package-index", path, req.text),
            note="introduced by this change")
    return None


def _unaudited(path: str, req: Requirement | None, message: str,
               settings: DepsSettings) -> Finding:
    return Finding(tool="deps", rule="not-audited", severity=settings.unaudited, path=path,
                   line=req.line if req else None, message=message,
                   fingerprint=fingerprint("deps", "not-audited", path,
                                           req.text if req else path))


def _read(path: Path, name: str) -> list[Requirement]:
    try:
        return parse(name, path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ToolFailure(f"cannot read the manifest {name}: {exc}") from None


def _unpinned(path: str, req: Requirement, settings: DepsSettings) -> Finding:
    return Finding(
        tool="deps", rule="unpinned", severity=settings.unpinned, path=path, line=req.line,
        message=f"cannot audit an unpinned requirement: {req.text} (pin an exact version, "
                "or audit the lock file)",
        fingerprint=fingerprint("deps", "unpinned", path, req.text))


def _audit(pins: list[Pin], settings: DepsSettings, root: Path) -> tuple[AuditResult, str]:
    offline = OfflineDatabase((root / settings.offline_db).resolve()) \
        if settings.offline_db else None
    try:
        result = PipAudit(settings.service, settings.timeout).audit(pins)
    except ServiceUnavailable as exc:
        if offline is None:
            raise ToolFailure(f"{exc} (configure deps.offline_db for air-gapped runs)") from None
        return offline.audit(pins), f"pip-audit could not reach its service ({exc}); " \
                                    f"audited against the offline database {settings.offline_db}"
    note = f"audited with pip-audit ({settings.service})"
    unresolved = [pin for pin in pins if pin not in result.audited]
    if unresolved and offline is not None:
        # What pip-audit could not look up, the offline database may know.
        extra = offline.audit(unresolved)
        result = AuditResult(
            result.source, {**result.advisories, **extra.advisories},
            result.audited | extra.audited,
            {pin: why for pin, why in {**result.problems, **extra.problems}.items()
             if pin not in extra.audited})
        note += f"; {len(extra.audited)} pin(s) pip-audit could not look up were checked " \
                f"against the offline database {settings.offline_db}"
    return result, note


def _conclude(findings: list[Finding], settings: DepsSettings, note: str) -> StageResult:
    judged = [replace(f, blocking=at_least(f.severity, settings.block_on)) for f in findings]
    blocking = [f for f in judged if f.blocking]
    unaudited = sum(1 for f in judged if f.rule in ("unpinned", "not-audited"))
    counts = f"{len(blocking)} blocking, {len(judged) - len(blocking)} reported"
    if unaudited:
        counts += f" ({unaudited} requirement{'s' if unaudited != 1 else ''} not audited)"
    status = StageStatus.FAILED if blocking else StageStatus.PASSED
    return StageResult("deps", status, f"{counts}; {note}", tuple(judged))
