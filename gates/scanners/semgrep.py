"""semgrep, offline, with the rules draftgate ships (``policies/semgrep/``) and the policy's own.

Always ``--metrics=off --disable-version-check`` with ``SEMGREP_ENABLE_VERSION_CHECK=0``: offline,
the version check hangs for about 95 seconds. semgrep exits 0 with findings and reports its own
``errors``; logged out, its JSON replaces matched lines and fingerprints with "requires login", so
line text comes from the file itself and fingerprints are the gate's own. It runs with
``--disable-nosem`` so suppressed findings are counted; the gate applies ``# nosemgrep`` itself.

The native front end (``--experimental``) starts in ~0.1 s instead of ~1.4 s; ``engine: auto`` uses
it because tests/test_semgrep_rules.py shows it returns the same findings as the classic CLI on the
shipped rules and their test files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from gates import early, proc
from gates.early import ENV, shipped_rules
from gates.errors import ToolFailure
from gates.model import Finding
from gates.policy import SemgrepSettings
from gates.scanners import (
    ScanOutcome,
    comment_only,
    comments,
    fingerprint,
    line_text,
    suppressed,
    tool_identity,
)

_LIMITS = re.compile(r"(?i)timeout|out of memory|outofmemory|stack ?overflow|too (?:big|large)")
_LEVEL = {"INFO": "low", "LOW": "low", "WARNING": "medium", "MEDIUM": "medium", "ERROR": "high",
          "HIGH": "high", "CRITICAL": "critical"}


class Semgrep:
    """The semgrep scanner."""

    name = "semgrep"

    def __init__(self, settings: SemgrepSettings, repo_root: Path,
                 executable: str = "semgrep") -> None:
        self.settings = settings
        self.executable = proc.which(executable)
        self.configs = [str(shipped_rules()) if rule == "default" else _config(rule, repo_root)
                        for rule in settings.rules]
        self._ids: list[str] | None = None  # read from the rule files only when results come

    @property
    def cacheable(self) -> bool:
        """Registry configs change on the server: results that used them are never cached."""
        return all(Path(config).exists() for config in self.configs)

    def fingerprint(self) -> str:
        """semgrep's identity, the engine, the rules' content and the disabled rules."""
        from gates import quick

        digest = hashlib.sha256()
        for config in self.configs:
            if not Path(config).exists():  # a registry or URL config: its rules change remotely
                quick.not_reusable(f"semgrep config {config} is not a local file")
            for file in _rule_files(config):
                quick.depends_on(file)
                digest.update(file.name.encode() + b"\0" + file.read_bytes())
            digest.update(config.encode())
        return "|".join((tool_identity(self.executable, "semgrep"), self.settings.engine,
                         digest.hexdigest(), ",".join(sorted(self.settings.disable))))

    def head(self, targets: int) -> list[str]:
        """The command line for that many target files, without them."""
        return early.semgrep_command(self.executable, self.settings.engine, self.configs,
                                     self.settings.disable, targets)

    def argv(self, files: Sequence[str]) -> list[str]:
        """The command line for ``files``."""
        return [*self.head(len(files)), "--", *files]

    def scan(self, root: Path, files: Sequence[str], timeout: float) -> ScanOutcome:
        """Run semgrep over ``files`` and parse its JSON (or take the run gates.early started,
        when it was this very run)."""
        done = early.take("semgrep", self.head(len(files)), files, root,
                          env=proc.tool_environment(ENV), timeout=timeout) \
            or proc.run(self.argv(files), timeout=timeout, cwd=root, env=ENV)
        try:
            report = json.loads(done.stdout.decode("utf-8", "surrogateescape"))
            results, errors = report["results"], report.get("errors", [])
        except (ValueError, KeyError, TypeError):
            raise ToolFailure(f"semgrep gave no JSON report (exit {done.returncode}): "
                              f"{done.last_line()}") from None
        findings = []
        notes = {path: comments(root, path) for path in files if path.lower().endswith(".py")}
        for item in results:
            path = str(item["path"]).removeprefix("./")
            line = item.get("start", {}).get("line")
            rule = self.rule_id(str(item["check_id"]))
            text = line_text(root, path, line)
            extra = item.get("extra", {})
            end = item.get("end", {}).get("line", line)
            # semgrep honours "nosemgrep" on the first line of a match, or alone on the line
            # before it (a comment trailing code there covers that code, not the next line).
            remarks = notes.get(path)
            candidates = [n for n in (line, (line or 1) - 1) if n and (
                n == line or comment_only(line_text(root, path, n)))]
            lines = [remarks.get(n, "") if remarks is not None else line_text(root, path, n)
                     for n in candidates]
            findings.append(Finding(
                tool="semgrep", rule=rule,
                severity=_LEVEL.get(str(extra.get("severity", "WARNING")).upper(), "medium"),
                confidence=str(extra.get("metadata", {}).get("confidence", "")).lower(),
                path=path, line=line, message=str(extra.get("message", "")).strip(),
                fingerprint=fingerprint("semgrep", rule, path, text), end_line=end,
                suppressed=any(suppressed("semgrep", str(item["check_id"]), t) or
                               suppressed("semgrep", rule, t) for t in lines),
            ))
        problems: tuple[tuple[str, str], ...] = ()
        skipped: tuple[tuple[str, str], ...] = ()
        for e in errors:
            if not isinstance(e, dict):
                continue
            entry = (str(e.get("path", "")).removeprefix("./"),
                     str(e.get("message") or e.get("type") or "error").strip().splitlines()[0])
            # A rule that hits semgrep's per-file time or memory limit (a huge module) leaves
            # the file partly unscanned: reported, never mistaken for clean or a broken tool.
            if entry[0] and _LIMITS.search(str(e.get("type", ""))):
                skipped += (entry,)
            else:
                problems += (entry,)
        if done.returncode not in (0, 1) and not problems:
            problems = (("", f"semgrep exited {done.returncode}: {done.last_line()}"),)
        scanned = {str(p).removeprefix("./") for p in report.get("paths", {}).get("scanned", [])}
        missed = tuple((p, "semgrep did not scan it") for p in files
                       if "default" in self.settings.rules and p.endswith((".py", ".pyi"))
                       and p not in scanned)
        return ScanOutcome(tuple(findings), problems + missed, skipped)

    def rule_id(self, check_id: str) -> str:
        """The id a rule file declares, without the prefix semgrep derives from its path."""
        if self._ids is None:
            self._ids = _declared_ids(self.configs)
        for declared in self._ids:
            if check_id == declared or check_id.endswith(f".{declared}"):
                return declared
        return check_id


def _config(rule: str, repo_root: Path) -> str:
    if rule.startswith(("p/", "r/", "s/", "http://", "https://")):
        return rule  # a registry config: needs the network, the policy asked for it
    return str((repo_root / rule).resolve())


def _rule_files(config: str) -> list[Path]:
    path = Path(config)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
    return [path] if path.is_file() else []


def _declared_ids(configs: Sequence[str]) -> list[str]:
    """Rule ids declared in local rule files, longest first (for prefix stripping)."""
    ids = set()
    for config in configs:
        for file in _rule_files(config):
            try:
                data = yaml.safe_load(file.read_text("utf-8"))
            except (OSError, ValueError, yaml.YAMLError):
                continue
            for rule in (data or {}).get("rules", []) if isinstance(data, dict) else []:
                if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                    ids.add(rule["id"])
    return sorted(ids, key=len, reverse=True)
