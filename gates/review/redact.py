"""Mask secrets before anything leaves the machine.

Private keys, tokens with well-known prefixes (AWS, GitHub, GitLab, Slack, OpenAI, Anthropic,
Google), credentials in connection strings, and high-entropy values assigned to names such as
password/secret/token are replaced by ``[REDACTED:<kind>]``. Files of the policy's ``secrets`` and
``credentials`` categories are never sent at all, only named (see ``gates.review.prompt``).
"""

from __future__ import annotations

import math
import re
from collections import Counter

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private-key", re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?"
        r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)", re.DOTALL)),
    ("aws-key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("openai-key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}")),
    ("google-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("url-credentials", re.compile(r"(?<=://)[^\s:/@\"']+:[^\s@/\"']+(?=@)")),
)
_ASSIGNMENT = re.compile(
    r"(?i)(\b[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|client[_-]?secret|credential)s?\b[\"']?\s*[:=]\s*[\"']?)([^\s\"',;]{8,})")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def redact(text: str) -> tuple[str, int]:
    """``text`` with secrets masked, and how many were masked."""
    total = 0
    for kind, pattern in _PATTERNS:
        text, count = pattern.subn(f"[REDACTED:{kind}]", text)
        total += count

    def assignment(m: re.Match[str]) -> str:
        nonlocal total
        value = m.group(2)
        if value.startswith("[REDACTED") or entropy(value) < 3.0:
            return m.group(0)
        total += 1
        return f"{m.group(1)}[REDACTED:assigned-secret]"

    return _ASSIGNMENT.sub(assignment, text), total
