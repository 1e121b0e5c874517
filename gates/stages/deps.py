"""The dependency audit: runs only when a dependency manifest changed.

Each changed manifest is read as it stands after the change (and before it, to tell what the change
introduces: a new package or a changed version). Pins are audited online with pip-audit or, when the
policy names one, against an offline OSV database, which is also the fallback when pip-audit cannot
reach its service. An unpinned requirement cannot be audited and is reported as such.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gates.errors import ToolFailure
from gates.manifests import Requirement, is_manifest, parse
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
                 if is_manifest(f.path) and f.status is not FileStatus.DELETED and f.has_text]
    if not manifests:
        return StageResult("deps", StageStatus.SKIPPED, "no dependency manifest changed")
    workspace = ctx.workspace
    if workspace is None:
        return StageResult("deps", StageStatus.ERROR, "no workspace with the judged content")
    findings: list[Finding] = []
    pins: dict[Pin, tuple[str, Requirement, bool]] = {}
    for file in manifests:
        after = _read(workspace.root / file.path, file.path)
        before_path = workspace.before / (file.old_path or file.path)
        before = _read(before_path, file.path) if before_path.is_file() else []
        previous = {(r.name, r.version) for r in before if r.pinned}
        for req in after:
            if req.version is None:
                findings.append(_unpinned(file.path, req, settings))
                continue
            pin = (req.name, req.version)
            pins.setdefault(pin, (file.path, req, pin not in previous))
    if not pins:
        return _conclude(findings, settings, note="no pinned requirement to audit")
    result, note = _audit(list(pins), settings, ctx.root)
    for pin, (path, req, introduced) in pins.items():
        if pin not in result.audited:
            why = result.problems.get(pin, "not audited")
            findings.append(Finding(
                tool="deps", rule="not-audited", severity=settings.unaudited, path=path,
                line=req.line, message=f"{req.name}=={req.version} could not be audited: {why}",
                fingerprint=fingerprint("deps", "not-audited", path, req.text)))
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
