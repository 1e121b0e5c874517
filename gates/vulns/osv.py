"""An offline database of OSV advisories, for air-gapped runs.

Reads the layout of the PyPA advisory database (``vulns/<package>/<ID>.yaml``) or OSV JSON exports
(``*.json`` anywhere below the folder). Matching follows the OSV schema for the PyPI ecosystem:
``ECOSYSTEM`` ranges of ``introduced`` / ``fixed`` / ``last_affected`` events compared in PEP 440
order, plus explicit ``versions`` lists; package names are compared after PEP 503 normalisation.
Withdrawn advisories are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from gates.errors import ToolFailure
from gates.manifests import normalize
from gates.vulns import Advisory, AuditResult, Pin

_ZERO = Version("0")


class OfflineDatabase:
    """Advisories from a folder, loaded per package on demand."""

    name = "offline OSV database"

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise ToolFailure(f"offline advisory database {root} is not a folder")
        self.root = root
        self._by_package: dict[str, list[Path]] | None = None

    def audit(self, pins: Sequence[Pin]) -> AuditResult:
        """Match every pin against the advisories of its package."""
        found: dict[Pin, tuple[Advisory, ...]] = {}
        audited = set()
        problems: dict[Pin, str] = {}
        for name, version in pins:
            try:
                parsed = Version(version)
            except InvalidVersion:
                problems[(name, version)] = f"{version!r} is not a PEP 440 version"
                continue
            hits = [a for a in self._advisories(name) if _affects(a, name, parsed)]
            found[(name, version)] = tuple(_advisory(a, name, parsed) for a in hits)
            audited.add((name, version))
        return AuditResult(self.name, found, frozenset(audited), problems)

    def _advisories(self, name: str) -> Iterator[dict[str, Any]]:
        for path in self._files(normalize(name)):
            data = _load(path)
            if isinstance(data, dict) and not data.get("withdrawn"):
                yield data

    def _files(self, name: str) -> list[Path]:
        if self._by_package is None:
            self._by_package = self._index()
        return self._by_package.get(name, [])

    def _index(self) -> dict[str, list[Path]]:
        index: dict[str, list[Path]] = {}
        vulns = self.root / "vulns" if (self.root / "vulns").is_dir() else self.root
        for folder in (p for p in vulns.iterdir() if p.is_dir()):
            files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
            index.setdefault(normalize(folder.name), []).extend(files)
        # OSV JSON exports (one file per advisory, in any folder structure): index them by the
        # packages they name, whatever the folder is called.
        seen = {p for files in index.values() for p in files}
        for path in sorted(vulns.rglob("*.json")):
            if path in seen:
                continue
            data = _load(path)
            for affected in data.get("affected", []) if isinstance(data, dict) else []:
                package = affected.get("package", {})
                if package.get("ecosystem") == "PyPI" and isinstance(package.get("name"), str):
                    index.setdefault(normalize(package["name"]), []).append(path)
        return index


def _load(path: Path) -> Any:
    try:
        text = path.read_text("utf-8")
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ToolFailure(f"cannot read advisory {path}: {exc}") from None


def _entries(advisory: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    for affected in advisory.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") == "PyPI" and \
                normalize(str(package.get("name", ""))) == name:
            yield affected


def _affects(advisory: dict[str, Any], name: str, version: Version) -> bool:
    for affected in _entries(advisory, normalize(name)):
        if any(_same(v, version) for v in affected.get("versions", []) or []):
            return True
        for rng in affected.get("ranges", []) or []:
            if rng.get("type") == "ECOSYSTEM" and _in_range(version, rng.get("events", [])):
                return True
    return False


def _same(text: Any, version: Version) -> bool:
    try:
        return Version(str(text)) == version
    except InvalidVersion:
        return str(text) == str(version)


def _in_range(version: Version, events: list[dict[str, Any]]) -> bool:
    """OSV's evaluation: walk the events in version order, toggling "affected"."""
    ordered = []
    for event in events:
        for kind in ("introduced", "fixed", "last_affected"):
            if kind in event:
                bound = _ZERO if str(event[kind]) == "0" else _version(event[kind])
                if bound is not None:
                    ordered.append((bound, kind))
    affected = False
    for bound, kind in sorted(ordered, key=lambda e: e[0]):
        if kind == "introduced" and version >= bound:
            affected = True
        elif (kind == "fixed" and version >= bound) or \
                (kind == "last_affected" and version > bound):
            affected = False
    return affected


def _version(text: Any) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _advisory(data: dict[str, Any], name: str, version: Version) -> Advisory:
    fixes = []
    for affected in _entries(data, normalize(name)):
        for rng in affected.get("ranges", []) or []:
            for event in rng.get("events", []):
                fixed = _version(event.get("fixed")) if "fixed" in event else None
                if fixed is not None and fixed > version:
                    fixes.append(fixed)
    summary = str(data.get("summary") or data.get("details") or "").strip().split("\n")[0]
    return Advisory(str(data.get("id")), tuple(str(a) for a in data.get("aliases", []) or []),
                    str(min(fixes)) if fixes else None, summary[:200])
