"""SAST scanners behind one small interface; one module per implementation.

Every scanner runs offline (semgrep with --metrics=off). A scanner reads the judged files from the
workspace and returns every finding on them, each with the severity mapped to the policy's scale
and with suppression comments already recognised. What blocks, what is cut to changed lines and
what is cached is decided by ``gates.stages.sast``.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gates.model import Finding
from gates.policy import SEVERITIES


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What one scanner run produced: findings, and files it could not scan (never "clean")."""

    findings: tuple[Finding, ...] = ()
    errors: tuple[tuple[str, str], ...] = ()  # (path or "", reason)
    # Files the tool gave up on by design (a rule's time or memory limit on a huge file): not
    # a broken tool, not clean either; the stage reports them as not scanned.
    skipped: tuple[tuple[str, str], ...] = ()


class Scanner(Protocol):
    """A SAST tool."""

    name: str

    @property
    def cacheable(self) -> bool:
        """Whether results depend only on the tool, its configuration and the content."""
        ...

    def fingerprint(self) -> str:
        """What identifies this tool's results: version, configuration, rules digest."""
        ...

    def scan(self, root: Path, files: Sequence[str], timeout: float) -> ScanOutcome:
        """Scan ``files`` (relative to ``root``)."""
        ...


def comments(root: Path, path: str) -> dict[int, str]:
    """The comments of a Python file by line (suppressions count only inside real comments).

    ``"echo '# nosec'"`` in a string must not silence anything; the tokenizer knows strings from
    comments. For other languages (and files that do not tokenize) every line counts as text.
    """
    try:
        source = (root / path).read_bytes()
    except OSError:
        return {}
    found: dict[int, str] = {}
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return {}
    return found


def line_text(root: Path, path: str, line: int | None) -> str:
    """The text of one line of a workspace file (scanners' own copies can be redacted)."""
    if line is None or line < 1:
        return ""
    try:
        with open(root / path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if number == line:
                    return raw.decode("utf-8", "replace").rstrip("\r\n")
    except OSError:
        return ""
    return ""


def fingerprint(tool: str, rule: str, path: str, text: str) -> str:
    """A stable identity for a finding: the same code flagged again has the same fingerprint."""
    data = "\0".join((tool, rule, path, " ".join(text.split())))
    return hashlib.sha256(data.encode("utf-8", "surrogateescape")).hexdigest()[:32]


_SUPPRESS = {
    "bandit": re.compile(r"#\s*nosec\b(?::?\s*([A-Za-z0-9_, -]+))?"),
    "semgrep": re.compile(r"(?:#|//)\s*nosemgrep\b(?::?\s*([\w.,: /-]+))?"),
}


def suppressed(tool: str, rule: str, text: str) -> bool:
    """Whether ``text`` (a finding's line) carries a suppression comment covering ``rule``.

    ``# nosec`` and ``# nosemgrep`` alone cover every rule; with a list they cover the rules
    named, either by the full id or, for semgrep, by the last part of the id semgrep derives from
    a local rule file's path (``policies.semgrep.python.sql-format`` or ``sql-format``).
    """
    pattern = _SUPPRESS.get(tool)
    m = pattern.search(text) if pattern else None
    if m is None:
        return False
    named = [n.strip() for n in re.split(r"[,\s]+", m.group(1) or "") if n.strip()]
    if not named:
        return True
    short = rule.rsplit(".", 1)[-1]
    return any(n in (rule, short) or n.endswith(f".{rule}") for n in named)


def comment_only(text: str) -> bool:
    """Whether a line holds only a comment (where semgrep reads a previous-line nosemgrep)."""
    return text.lstrip().startswith(("#", "//"))


def at_least(severity: str, threshold: str) -> bool:
    """Whether ``severity`` is at or above ``threshold`` on the policy's scale."""
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)


def tool_identity(executable: str, distribution: str) -> str:
    """A cheap identity for a tool, with no process start: its executable's path, size and mtime.

    Asking ``bandit --version`` costs more than a cached run may take, and even reading the
    installed distribution's metadata costs ~8 ms; installing, upgrading or replacing the tool
    rewrites its executable (pip rewrites console scripts), which changes this identity.
    """
    try:
        stat = Path(executable).stat()
    except OSError:
        return f"{distribution}|missing"
    return f"{distribution}|{executable}|{stat.st_size}|{stat.st_mtime_ns}"
