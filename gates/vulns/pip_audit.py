"""pip-audit, online, in the one mode that cannot run code from the change.

The gate writes its own requirements file of exact pins and runs ``pip-audit --no-deps
--disable-pip``: with ``--no-deps`` alone pip-audit still resolves through pip, which can build an
sdist and so execute code from the change under review. pip-audit's exit code is not trusted (1
means vulnerabilities *or* its own failure, and without ``--strict`` it says "No known
vulnerabilities found" when it audited nothing): the JSON report is read, and a pin missing from it
or skipped is not audited.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version

from gates import proc
from gates.manifests import normalize
from gates.vulns import Advisory, AuditResult, Pin, ServiceUnavailable


class PipAudit:
    """pip-audit against PyPI's (or OSV's) vulnerability service."""

    name = "pip-audit"

    def __init__(self, service: str = "pypi", timeout: float = 120.0,
                 executable: str = "pip-audit") -> None:
        self.service = service
        self.timeout = timeout
        self.executable = proc.which(executable)

    def audit(self, pins: Sequence[Pin]) -> AuditResult:
        """Audit ``pins``; raise ``ServiceUnavailable`` when no report comes back."""
        with tempfile.TemporaryDirectory(prefix="draftgate-audit-") as scratch:
            requirements = Path(scratch) / "requirements.txt"
            requirements.write_text("".join(f"{n}=={v}\n" for n, v in pins))
            done = proc.run([self.executable, "-r", str(requirements), "--no-deps", "--disable-pip",
                             "-f", "json", "--progress-spinner", "off", "-s", self.service],
                            timeout=self.timeout, cwd=scratch)
        try:
            report = json.loads(done.stdout)
            dependencies = report["dependencies"]
        except (ValueError, KeyError, TypeError):
            raise ServiceUnavailable(f"pip-audit produced no report (exit {done.returncode}): "
                                     f"{done.last_line()}") from None
        found: dict[Pin, tuple[Advisory, ...]] = {}
        problems: dict[Pin, str] = {}
        skipped: dict[str, str] = {}
        for item in dependencies:
            name = normalize(str(item.get("name", "")))
            if "skip_reason" in item:  # skipped entries carry no version field
                skipped[name] = str(item["skip_reason"])
                continue
            pin = (name, str(item.get("version", "")))
            found[pin] = tuple(
                Advisory(str(v.get("id")), tuple(v.get("aliases") or ()),
                         lowest(v.get("fix_versions") or []),
                         str(v.get("description") or "").split("\n")[0][:200])
                for v in item.get("vulns", []))
        audited = frozenset(pin for pin in pins if pin in found)
        for pin in pins:
            if pin not in found:
                problems[pin] = skipped.get(pin[0], "not in pip-audit's report")
        return AuditResult(self.name, found, audited, problems)


def lowest(versions: list[str]) -> str | None:
    """The lowest of ``versions`` in PEP 440 order (unparseable ones last)."""
    def order(text: str) -> tuple[int, Version | str]:
        try:
            return (0, Version(text))
        except InvalidVersion:
            return (1, text)
    return min(versions, key=order) if versions else None
