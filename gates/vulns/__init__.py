"""Vulnerability sources behind one interface: pip-audit (online) and an offline OSV database.

A source answers, for pinned (name, version) pairs, which advisories affect each. A pair it could
not look up is absent from the answer's ``audited`` set: "not audited" never reads as "clean".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gates.errors import ToolFailure

Pin = tuple[str, str]  # (normalised name, version)


@dataclass(frozen=True, slots=True)
class Advisory:
    """One advisory affecting a pinned version."""

    id: str
    aliases: tuple[str, ...] = ()
    fixed: str | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Advisories per pin, which pins were actually audited, and by which source."""

    source: str
    advisories: dict[Pin, tuple[Advisory, ...]] = field(default_factory=dict)
    audited: frozenset[Pin] = frozenset()
    problems: dict[Pin, str] = field(default_factory=dict)


class ServiceUnavailable(ToolFailure):
    """The online service could not be reached (offline, proxy, outage)."""


class VulnSource(Protocol):
    """Something that knows which versions are vulnerable."""

    name: str

    def audit(self, pins: Sequence[Pin]) -> AuditResult:
        """Look up every pin."""
        ...
