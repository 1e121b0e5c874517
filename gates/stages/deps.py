"""The dependency audit: runs only when a dependency manifest (or package-source file) changed.

Each changed manifest is read as it stands after the change (and before it, to tell what the change
introduces), the way its installer reads it: requirements files as pip does (``gates.reqfile``),
following ``-r``/``-c`` includes the change also touches, and any other changed file with a list's
name that reads as a requirements file (an untouched manifest may include it). Pins are audited
online with pip-audit or, when the policy names one, against an offline OSV database, which is
also the fallback when pip-audit cannot reach its service. Package sources the change adds
(another index, a direct URL, a VCS or local path, a pip or uv configuration) need a person unless
the trusted policy vouches for them; what cannot be audited is never a quiet pass
(``deps.sources``, ``deps.unaudited``).

A range (``>=2``, a bare name) cannot be audited: in an application's manifest (requirements
files, Pipfile, a pyproject.toml that is not a package) it is reported as ``unpinned`` on the lines
the change touched. A library declares ranges by design (``gates.manifests.is_library``): its
users' installers pin them, so its declared ranges are not reported, except a dependency the
change adds (``new-dependency``). Lines the change did not touch are counted in the stage's
message, not listed. A policy that makes ``deps.unpinned`` block asks for every requirement
pinned, everywhere: then every range blocks, as it always did (docs/checks.md).

Every package a manifest did not name before is also checked for trust (``gates.trust.judge``,
``deps.trust``): it exists on the index pip would use, is established, and is not a look-alike of
a popular name. An advisory database cannot know a hallucinated or typosquatted package.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gates.cache import Cache
from gates.errors import ToolFailure
from gates.manifests import (
    Manifest,
    Problem,
    Requirement,
    Source,
    has_script_metadata,
    is_manifest,
    normalize,
    read,
    read_script,
)
from gates.model import ChangedFile, FileStatus, Finding, StageResult, StageStatus
from gates.policy import DepsSettings
from gates.scanners import at_least, fingerprint
from gates.stages import StageContext
from gates.trust.judge import Place, Verdict

if TYPE_CHECKING:
    from gates.vulns import AuditResult, Pin
# gates.reqfile, gates.sources and the audit clients are imported where they are used: most
# commits change no manifest, and the hook should not pay for pip's option parser on those.

SOURCE_RULE, UNAUDITED_RULE = "package-source", "not-audited"
UNPINNED_RULE, NEW_DEPENDENCY_RULE, CHANGED_RANGE_RULE = (
    "unpinned", "new-dependency", "changed-range")
_NOT_AUDITED = (UNPINNED_RULE, NEW_DEPENDENCY_RULE, CHANGED_RANGE_RULE, UNAUDITED_RULE)
_PLACES_SHOWN = 10  # places named in the pending message; the findings list every one
# pip reads "-r deps/base.cfg" whatever the file is called, and the stage sees only the changed
# files: it cannot tell that an untouched requirements.txt includes one. So a changed file of any
# name that reads as a requirements file (pins, a source or an include; gates.reqfile
# .reads_as_requirements) is audited as one even when no manifest in the change includes it.
# Formats that are never such a list are not opened; the rest pass a cheap look at their first
# line before the requirements parser is imported (the hook path stays fast).
_NOT_LISTS = frozenset({".py", ".pyi", ".pyx", ".ipynb", ".md", ".rst", ".json", ".yaml", ".yml",
                        ".toml", ".js", ".ts", ".jsx", ".tsx", ".html", ".css", ".c", ".h", ".cpp",
                        ".go", ".rs", ".java", ".rb", ".sh", ".sql", ".xml", ".svg", ".csv",
                        ".png", ".jpg", ".gif", ".pdf", ".zip", ".gz", ".whl"})
_FIRST_LINE = re.compile(rb"^\s*(?:-|[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[|[=<>!~@;(]|$)|"
                         rb"[A-Za-z][A-Za-z0-9+.-]*://|[.~/\\])")
_SNIFF_LIMIT = 1 << 20
_SEVERITY = {"block": "high", "pending": "medium", "report": "low"}


@dataclass
class _Audit:
    """What the stage gathers while it reads the manifests, before the pins are looked up."""

    settings: DepsSettings
    findings: list[Finding] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # what a person must accept, for the message
    entries: list[tuple[str, Requirement, bool]] = field(default_factory=list)
    declared: int = 0  # ranges a library declares: by design, not reported
    untouched: int = 0  # unpinned lines the change did not touch: counted, not listed
    added: dict[str, Place] = field(default_factory=dict)  # names new to their manifest
    # The index options of the requirements file that adds each name: pip asks those indexes.
    indexes: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def judged(self, rule: str, path: str, line: int | None, message: str, *, subject: str,
               note: str = "") -> None:
        """A source or an unaudited requirement: pending, blocking or reported, as configured."""
        action = self.settings.action(self.settings.sources if rule == SOURCE_RULE
                                      else self.settings.unaudited)
        self.findings.append(Finding(
            tool="deps", rule=rule, severity=_SEVERITY[action], path=path, line=line,
            message=message, fingerprint=fingerprint("deps", rule, path, subject),
            blocking=action == "block", note=note))
        if action == "pending":
            self.pending.append(f"{path}:{line}" if line else path)

    def trusted(self, verdict: Verdict) -> None:
        """A trust check's verdict on an added package (gates.trust.judge)."""
        action = self.settings.action(self.settings.unaudited) \
            if verdict.action == "unaudited" else verdict.action
        place = verdict.place
        self.findings.append(Finding(
            tool="deps", rule=verdict.rule, severity=_SEVERITY[action], path=place.path,
            line=place.line, message=verdict.message,
            fingerprint=fingerprint("deps", verdict.rule, place.path, verdict.name),
            blocking=action == "block"))
        if action == "pending":
            self.pending.append(f"{place.path}:{place.line}" if place.line else place.path)


def run(ctx: StageContext) -> StageResult:
    """Audit the changed manifests."""
    settings = ctx.policy.deps
    changed = {f.path: f for f in ctx.change.files if f.status is not FileStatus.DELETED}
    workspace = ctx.workspace
    queue: list[tuple[str, bool]] = [(p, False) for p in changed if is_manifest(p)]
    if workspace is not None:
        queue += [(p, True) for p in changed if _reads_as_list(workspace.root, changed[p])]
        queue += [(p, False) for p in changed if _has_script_metadata(workspace.root, p)]
    if not queue:
        return StageResult("deps", StageStatus.SKIPPED, "no dependency manifest changed")
    if workspace is None:
        return StageResult("deps", StageStatus.ERROR, "no workspace with the judged content")
    audit = _Audit(settings)
    done: set[tuple[str, bool]] = set()
    while queue:
        path, as_requirements = queue.pop(0)
        if (path, as_requirements) in done:
            continue
        done.add((path, as_requirements))
        file = changed[path]
        judged = workspace.root / path
        if file.symlink or not judged.is_file():
            kind = "a symlink" if file.symlink else "not readable as a file of the change"
            audit.judged(UNAUDITED_RULE, path, None, f"{path} is {kind}: its requirements cannot "
                         "be read or audited", subject=path)
            continue
        try:
            after = _read(judged, path, as_requirements)
        except ToolFailure as exc:
            # The change's own content: judged (a person must accept it), not a stage error
            # that an `optional:` entry would turn into "skipped" while the other manifests of
            # the same change went unjudged.
            audit.judged(UNAUDITED_RULE, path, None, f"{exc}: its requirements cannot be "
                         "audited", subject=path)
            continue
        before = _before(workspace.before, file, as_requirements)
        # A change cannot make an application's manifest a library's to quiet its notes: the
        # manifest must have been one before too (or be new in the change).
        library = after.library and before is not None and (before.library or _new(file))
        queue.extend(_manifest(audit, path, after, before, changed, library=library))
    if settings.trust.enabled and audit.added:
        for verdict in _trust(audit, ctx.cache):
            audit.trusted(verdict)
    if not audit.entries:
        return _conclude(audit, note="no pinned requirement to audit")
    pins = list(dict.fromkeys((req.name, req.version or "") for _, req, _ in audit.entries))
    result, note = _audit(pins, settings, ctx.trusted or ctx.root)
    _advisories(audit, result)
    return _conclude(audit, note=note)


def _trust(audit: _Audit, cache: Cache) -> list[Verdict]:
    """The trust checks' verdicts, asked of the configured indexes and of a file's own.

    A requirements file's ``--index-url`` replaces pip's main index and ``--extra-index-url``
    adds one: a name the company mirror has may be anyone's on the index the file sends pip to.
    Both are asked and every verdict kept (the configured index's first): an attacker's index
    named in the file cannot vouch for its own package.
    """
    from gates.trust.judge import judge

    groups: dict[tuple[tuple[str, str], ...], dict[str, Place]] = {}
    for name, place in audit.added.items():
        groups.setdefault(audit.indexes.get(name, ()), {})[name] = place
    verdicts = judge(audit.added, audit.settings.trust, cache)
    for options, added in groups.items():
        env = _index_env(options) if options else None
        if env is not None:
            verdicts += judge(added, audit.settings.trust, cache, env=env)
    kept: dict[tuple[str, str], Verdict] = {}
    for verdict in verdicts:
        kept.setdefault((verdict.rule, verdict.name), verdict)
    return list(kept.values())


def _index_env(options: tuple[tuple[str, str], ...]) -> dict[str, str] | None:
    """The environment under which pip's configuration names the indexes a file sends it to."""
    import os

    from gates.trust.index import PipConfigError, configured_indexes

    try:
        configured = configured_indexes()
    except PipConfigError:
        return None  # the configured lookup already says so
    if not configured:
        return None  # no-index: a file's index options do not turn it back on
    main = [target for kind, target in options if kind == "index-url"]
    extra = [*configured[1:], *(target for kind, target in options if kind == "extra-index-url")]
    env = {**os.environ, "PIP_INDEX_URL": main[-1] if main else configured[0]}
    if extra:
        env["PIP_EXTRA_INDEX_URL"] = " ".join(extra)
    return env


_SCRIPT_SUFFIXES = (".py", ".pyw")


def _has_script_metadata(root: Path, path: str) -> bool:
    """A Python script with PEP 723 metadata: ``uv run`` installs what its block names.

    An executable script often has no suffix (``#!/usr/bin/env -S uv run --script``): a file
    of any name that starts with a ``#!`` line is looked at too.
    """
    suffix = Path(path).suffix.lower()
    if is_manifest(path) or (suffix not in _SCRIPT_SUFFIXES and suffix in _NOT_LISTS):
        return False
    try:
        with (root / path).open("rb") as handle:
            if suffix not in _SCRIPT_SUFFIXES and handle.read(2) != b"#!":
                return False
            handle.seek(0)
            data = handle.read(_SNIFF_LIMIT + 1)
    except OSError:
        return False
    return len(data) <= _SNIFF_LIMIT and b"# /// script" in data and has_script_metadata(data)


def _reads_as_list(root: Path, file: ChangedFile) -> bool:
    """A changed file that is not a manifest by name but reads as one to pip's ``-r``."""
    if is_manifest(file.path) or file.symlink or Path(file.path).suffix.lower() in _NOT_LISTS:
        return False
    judged = root / file.path
    try:
        if not judged.is_file() or judged.stat().st_size > _SNIFF_LIMIT:
            return False
        data = judged.read_bytes()
    except OSError:
        return False
    if not _looks_like_a_list(data):
        return False
    from gates.reqfile import reads_as_requirements

    return reads_as_requirements(data)


def _looks_like_a_list(data: bytes) -> bool:
    """The first line that is not blank or a comment could start a requirements file.

    Anything pip decodes by a byte-order mark or a coding line goes to the full check.
    """
    if b"\x00" in data[:4096] or data.startswith(b"\xef\xbb\xbf") or b"coding" in data[:512]:
        return True
    for line in data[:65536].splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(b"#"):
            return bool(_FIRST_LINE.match(stripped))
    return False


def _manifest(audit: _Audit, path: str, after: Manifest, before: Manifest | None,
              changed: dict[str, ChangedFile], *, library: bool) -> list[tuple[str, bool]]:
    """Judge one manifest's contents; returns the changed files it includes, to read next."""
    from gates.reqfile import include_target
    from gates.sources import accepted

    settings = audit.settings
    old = before or Manifest()
    note = "" if before is not None else "no earlier version to compare with"
    previous = {(r.name, r.version) for r in old.requirements}
    # What the change touched: a requirement whose text was not there before, as often, in the
    # same role (none is known when the earlier version is not at hand: then every line counts,
    # the cautious reading). A dev group's line copied into what the package declares is new.
    written = Counter((_spelling(r), r.declared) for r in old.requirements) \
        if before is not None else Counter()
    # What the package gave its users before: a name its dev groups, build or uv's constraints
    # named is still new to them, and so is an extra (``requests[socks]`` installs PySocks).
    declared = {key for r in old.requirements if r.declared for key in _provides(r)} \
        if before is not None else set()
    # A name the manifest fetched from a URL (``evil @ https://…/evil-1.0.whl``, whose file name
    # gives a pin) was never asked of the index: taking it from the index is adding it there. A
    # URL's package is judged as a source, not asked of an index it does not come from.
    names_before = {r.name for r in old.requirements if not _from_url(r, old)} \
        if before is not None else set()
    # Only indexes the policy accepts are asked (the default index, ``allowed_sources``): the gate
    # never sends requests to a host the change names (an internal address from a CI runner);
    # any other index is a new package source, which asks a person anyway.
    indexes = tuple((s.kind, s.target) for s in after.sources
                    if s.kind in ("index-url", "extra-index-url")
                    and accepted(s, path, settings.allowed_sources) is not None)
    for req in after.requirements:
        if req.name not in names_before and req.name not in audit.added \
                and not _from_url(req, after):  # a name new to this manifest: trust checks
            audit.added[req.name] = Place(path, req.line, req.text)
            audit.indexes[req.name] = indexes
        introduced = (req.name, req.version) not in previous
        if req.version is None:
            key = (_spelling(req), req.declared and library)
            touched = written[key] <= 0
            written[key] -= 1
            _range(audit, path, req, library=library and req.declared, touched=touched,
                   new=not _provides(req) <= declared)
        else:
            audit.entries.append((path, req, introduced))
    known = {s.key for s in old.sources}
    for source in after.sources:
        if source.key in known:
            continue
        reason = accepted(source, path, settings.allowed_sources)
        if reason is None:
            audit.judged(SOURCE_RULE, path, source.line, _source_message(source),
                         subject=f"{source.kind} {source.target}",
                         note=note or "new in this change")
    for problem in after.problems:
        audit.judged(UNAUDITED_RULE, path, problem.line, _problem_message(path, problem),
                     subject=problem.text)
    follow: list[tuple[str, bool]] = []
    earlier = {(i.target, i.constraint) for i in old.includes}
    for include in after.includes:
        introduced = (include.target, include.constraint) not in earlier
        target = include_target(path, include.target)
        option = "-c" if include.constraint else "-r"
        if target is None:
            if introduced:
                source = Source("include", include.target, include.text, include.line)
                if accepted(source, path, settings.allowed_sources) is None:
                    audit.judged(SOURCE_RULE, path, include.line,
                                 f"{option} {include.target} reads requirements from outside the "
                                 "repository: the gate cannot see or audit them",
                                 subject=f"include {include.target}", note="new in this change")
        elif target in changed:
            follow.append((target, True))
        elif introduced:
            # The change newly pulls in a file it does not show: its pins were never read here.
            audit.judged(UNAUDITED_RULE, path, include.line,
                         f"{include.text!r} includes {target}, which this change does not touch: "
                         "its requirements are not audited here", subject=include.text)
    return follow


def _from_url(req: Requirement, manifest: Manifest) -> bool:
    """The pin a direct URL's file name gives (``gates.manifests.with_artifact_pins``)."""
    return any(s.text == req.text and s.line == req.line for s in manifest.sources)


def _source_message(source: Source) -> str:
    what = {
        "index-url": "replaces the package index with",
        "extra-index-url": "adds a package index (dependency confusion risk):",
        "find-links": "adds a find-links location:",
        "trusted-host": "turns off TLS verification for",
        "url": "installs from a direct URL, not an index:",
        "vcs": "installs from a VCS checkout:",
        "path": "installs from a local path:",
    }.get(source.kind, f"sets a package source ({source.kind}):")
    return f"the change {what} {source.target or source.text} (from: {source.text})"


def _problem_message(path: str, problem: Problem) -> str:
    if problem.line is None:
        return f"{path} cannot be read the way its installer reads it: {problem.why}"
    return f"{problem.text!r} cannot be audited: {problem.why}"


def _parse(name: str, data: bytes, as_requirements: bool) -> Manifest:
    """A file queued as neither a manifest by name nor a list is a script (PEP 723)."""
    if not as_requirements and not is_manifest(name):
        return read_script(data)
    return read(name, data, requirements_format=as_requirements)


def _new(file: ChangedFile) -> bool:
    """A file the change adds, or copies: git reports an identical new file as a copy of its
    twin, and the copy is a new install of everything in it."""
    return file.status in (FileStatus.ADDED, FileStatus.COPIED) or not file.old_blob


def _read(path: Path, name: str, as_requirements: bool) -> Manifest:
    try:
        return _parse(name, path.read_bytes(), as_requirements)
    except (OSError, ValueError) as exc:
        raise ToolFailure(f"cannot read the manifest {name}: {exc}") from None


def _before(before_root: Path, file: ChangedFile, as_requirements: bool) -> Manifest | None:
    """The manifest before the change: empty for a new file, ``None`` when it is not at hand."""
    if _new(file):
        return Manifest()
    name = file.old_path or file.path
    earlier = before_root / name
    if not earlier.is_file():
        return None  # everything in it then counts as introduced: the cautious reading
    try:
        return _parse(name, earlier.read_bytes(), as_requirements)
    except (OSError, ValueError):
        return Manifest()  # it did not parse before: nothing in it was accepted then


def _provides(req: Requirement) -> set[str]:
    """What a requirement brings in: the package, and each extra of it (``requests[socks]``)."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

    try:
        extras = Parsed(req.text).extras
    except InvalidRequirement:
        extras = set()
    return {req.name, *(f"{req.name}[{normalize(extra)}]" for extra in extras)}


def _spelling(req: Requirement) -> str:
    """A requirement as written, blanks aside: the same line moved or re-indented is untouched."""
    return "".join(req.text.split()).lower()


def _range(audit: _Audit, path: str, req: Requirement, *, library: bool, touched: bool,
           new: bool) -> None:
    """A requirement with no exact version: reported where it says something (module docstring).

    Only notes are narrowed: when the policy makes ``unpinned`` block, every range blocks.
    """
    settings = audit.settings
    if at_least(settings.unpinned, settings.block_on):
        audit.findings.append(_unpinned(path, req, settings, UNPINNED_RULE))
    elif library:
        if touched:  # a new dependency, or a range, marker or extra rewritten: said, as a note
            rule = NEW_DEPENDENCY_RULE if new else CHANGED_RANGE_RULE
            audit.findings.append(_unpinned(path, req, settings, rule))
        else:
            audit.declared += 1
    elif touched:
        audit.findings.append(_unpinned(path, req, settings, UNPINNED_RULE))
    else:
        audit.untouched += 1


def _unpinned(path: str, req: Requirement, settings: DepsSettings, rule: str) -> Finding:
    message = {
        UNPINNED_RULE: f"cannot audit an unpinned requirement: {req.text} (pin an exact version, "
                       "or audit the lock file)",
        NEW_DEPENDENCY_RULE: f"the change adds a dependency to the package: {req.text} (a "
                             "declared range: not audited here; the lock file or the installer "
                             "that resolves it is)",
        CHANGED_RANGE_RULE: f"the change rewrites a declared range: {req.text} (not audited "
                            "here: check that it admits no version with a known vulnerability)",
    }[rule]
    return Finding(
        tool="deps", rule=rule, severity=settings.unpinned, path=path, line=req.line,
        message=message, fingerprint=fingerprint("deps", rule, path, req.text),
        blocking=at_least(settings.unpinned, settings.block_on))


def _advisories(audit: _Audit, result: AuditResult) -> None:
    settings = audit.settings
    for path, req, introduced in audit.entries:
        pin = (req.name, req.version or "")
        if pin not in result.audited:
            why = result.problems.get(pin, "not audited")
            audit.judged(UNAUDITED_RULE, path, req.line,
                         f"{req.name}=={req.version} could not be audited: {why}",
                         subject=req.text)
            continue
        for advisory in result.advisories.get(pin, ()):
            severity = settings.introduced if introduced else settings.existing
            aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
            fix = f"; fixed in {advisory.fixed}" if advisory.fixed else "; no fixed version"
            audit.findings.append(Finding(
                tool="deps", rule=advisory.id, severity=severity, path=path, line=req.line,
                message=f"{req.name}=={req.version}: {advisory.id}{aliases}{fix}"
                        f"{': ' + advisory.summary if advisory.summary else ''}",
                fingerprint=fingerprint("deps", advisory.id, path, f"{req.name}=={req.version}"),
                blocking=at_least(severity, settings.block_on),
                note="introduced by this change" if introduced
                else "already present before this change"))


def _audit(pins: list[Pin], settings: DepsSettings, root: Path) -> tuple[AuditResult, str]:
    from gates.vulns import AuditResult, ServiceUnavailable
    from gates.vulns.osv import OfflineDatabase
    from gates.vulns.pip_audit import PipAudit

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


def _conclude(audit: _Audit, note: str) -> StageResult:
    findings = audit.findings
    blocking = [f for f in findings if f.blocking]
    unaudited = sum(1 for f in findings if f.rule in _NOT_AUDITED)
    sources = sum(1 for f in findings if f.rule == SOURCE_RULE)
    # What could not be audited leads: it is what a person reading one line must not miss.
    counts = f"{len(blocking)} blocking, {len(findings) - len(blocking)} reported"
    if unaudited:
        counts = f"{unaudited} requirement{'s' if unaudited != 1 else ''} not audited; {counts}"
    if sources:
        counts += f" ({sources} new package source{'s' if sources != 1 else ''})"
    quiet = [f"{n} {what}" for n, what in (
        (audit.declared, "version ranges a library declares"),
        (audit.untouched, "unpinned lines the change did not touch")) if n]
    if quiet:
        counts += f"; not reported: {', '.join(quiet)}"
    if blocking:
        return StageResult("deps", StageStatus.FAILED, f"{counts}; {note}", tuple(findings))
    if audit.pending:
        places = list(dict.fromkeys(audit.pending))
        where = ", ".join(places[:_PLACES_SHOWN])
        if len(places) > _PLACES_SHOWN:
            where += f" and {len(places) - _PLACES_SHOWN} more"
        return StageResult("deps", StageStatus.PENDING,
                           f"a person must accept what the audit could not settle ({where}): "
                           f"{counts}; {note}", tuple(findings))
    return StageResult("deps", StageStatus.PASSED, f"{counts}; {note}", tuple(findings))

