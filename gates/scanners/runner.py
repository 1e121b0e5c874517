"""Running the scanners on both sides of a change, with results cached by content.

Each scanner runs on the after side; then, on the before side of the files it flagged (nothing
else needs comparing), usually a cache hit: results are stored under the file's path in the
change and a digest of the scanned content, so a file's committed version, checked by the hook
when it was the after side, answers for the before side of the next change. Findings on a sidecar
(``gates.scanners.targets``) are moved to the file in the change here, before they are cached.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gates import __version__, early
from gates import cache as caching
from gates.errors import GateError
from gates.model import Finding
from gates.scanners import Scanner, ScanOutcome, fingerprint, line_text
from gates.scanners.targets import Plan, Target

CACHE_SCHEMA = "sast-3"  # bump when what a cached finding means changes
Select = Callable[[Target], str | None]  # what a scanner is given for a target (None: nothing)


@dataclass(frozen=True, slots=True)
class Side:
    """One scanner's results on the before side of the change."""

    findings: tuple[Finding, ...] = ()
    failed: frozenset[str] = frozenset()  # paths this side could not scan


@dataclass(frozen=True, slots=True)
class Sides:
    """Both sides of the change as the scanners see them."""

    after: Plan
    before: Plan
    before_paths: dict[str, str]  # after path -> before path, where there is a before side
    root: Path  # the after side's files
    before_root: Path


@dataclass(frozen=True, slots=True)
class Job:
    """What one scanner found: the after side (or why it could not run) and the before side."""

    scanner: Scanner
    after: ScanOutcome | GateError
    before: Side | None  # None: no before side was scanned (not asked, or the scan failed)

    def previous(self, old_path: str | None) -> list[Finding] | None:
        """The before side's findings in ``old_path``; None when there is nothing to trust."""
        if self.before is None or old_path is None or old_path in self.before.failed:
            return None
        return [f for f in self.before.findings if f.path == old_path]


def scan(scanners: Sequence[tuple[Scanner, Select]], sides: Sides, timeout: float,
         cache: caching.Cache) -> list[Job]:
    """Each scanner (concurrently) on the after side, then on the before side it flagged."""
    old = sides.before.by_path()
    before_paths = sides.before_paths

    def one(scanner: Scanner, select: Select) -> Job:
        items = [(t.path, s) for t in sides.after.targets if (s := select(t)) is not None]
        if not items:
            return Job(scanner, ScanOutcome(), None)
        try:
            outcome = cached_scan(scanner, sides.root, items, timeout, cache)
        except GateError as exc:
            return Job(scanner, exc, None)
        flagged = {f.path for f in outcome.findings}
        wanted = [(old[before_paths[p]].path, s) for p in sorted(flagged & before_paths.keys())
                  if before_paths[p] in old and (s := select(old[before_paths[p]])) is not None]
        if not wanted:
            return Job(scanner, outcome, Side())
        try:
            previous = cached_scan(scanner, sides.before_root, wanted, timeout, cache)
        except GateError:
            return Job(scanner, outcome, None)  # every finding then counts as new
        return Job(scanner, outcome,
                   Side(previous.findings, frozenset(p for p, _ in previous.errors)))

    with ThreadPoolExecutor(max_workers=max(1, len(scanners))) as pool:
        return list(pool.map(lambda pair: one(*pair), scanners))


def cached_scan(scanner: Scanner, root: Path, items: Sequence[tuple[str, str]],
                 timeout: float, cache: caching.Cache) -> ScanOutcome:
    """Scan ``items`` ((path in the change, file the scanner reads)) whose results are not cached.

    Results are stored under the path in the change and the scanned content, so the before side
    of a file hits what was stored when that version was the after side.
    """
    if not scanner.cacheable:
        cache = caching.Cache.disabled()
    identity = scanner.fingerprint()
    digests = {path: _digest(root / scanned) for path, scanned in items}
    keys = {path: caching.key(CACHE_SCHEMA, __version__, scanner.name, identity, path,
                              digests[path]) for path, _ in items}
    findings: list[Finding] = []
    missing = []
    for path, scanned in items:
        stored = cache.get(keys[path])
        if isinstance(stored, list):
            findings.extend(Finding(**item) for item in stored)
        else:
            missing.append((path, scanned))
    known = [(path, digests[path]) for path, _ in items]
    if not missing:
        early.skip(scanner.name)  # an early run of it would only compete for the cores
        early.remember(cache.path, scanner.name, known)
        return ScanOutcome(tuple(findings))
    logical = {scanned: path for path, scanned in missing}
    outcome = scanner.scan(root, [scanned for _, scanned in missing], timeout)
    fresh = [_relocate(f, logical.get(f.path, f.path), root, f.path) for f in outcome.findings]
    errors = tuple((logical.get(p, p), why) for p, why in outcome.errors)
    skipped = tuple((logical.get(p, p), why) for p, why in outcome.skipped)
    failed = {path for path, _ in (*errors, *skipped)}
    if "" not in failed:
        for path, _ in missing:
            if path not in failed:
                cache.put(keys[path], [dataclasses.asdict(f) for f in fresh if f.path == path])
        early.remember(cache.path, scanner.name, [k for k in known if k[0] not in failed])
    return ScanOutcome((*findings, *fresh), errors, skipped)


def _relocate(finding: Finding, path: str, root: Path, scanned: str) -> Finding:
    """A finding on a sidecar, moved to the file in the change (with that path's fingerprint)."""
    if path == finding.path:
        return finding
    text = line_text(root, scanned, finding.line)
    return dataclasses.replace(finding, path=path,
                               fingerprint=fingerprint(finding.tool, finding.rule, path, text))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
