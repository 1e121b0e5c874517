"""Which suppression comments the gate honours: the ones a person already accepted.

bandit runs with ``--ignore-nosec`` and semgrep with ``--disable-nosem``, so every suppressed
finding comes back and the gate decides. A suppression already present on lines the change left
alone keeps working. One the change adds (or one that now covers code the change wrote: an old
``# nosec`` on the first line of a statement whose argument changed, an old ``# nosemgrep`` line
above a newly inserted call) is a decision a person makes: the finding is reported, not hidden.

The gate honours only the spellings in ``gates.scanners.suppressed`` (``# nosec``, ``# nosemgrep``
with or without rule ids). The tools accept more (bandit: ``#nosec`` anywhere in a comment, even
``# nosecurity``, which its parser reads as a blanket nosec; semgrep: `` nosem`` in any case,
anywhere on the line, even as the start of a word (`` nosemantics``), or alone on the line
before); :data:`ANY` matches all of those and ruff's
``noqa`` for its bandit rules (``S1xx``-``S7xx``), so an added one is always seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gates.model import Finding
from gates.scanners import comment_only, suppressed
from gates.scanners.baseline import Lines

ANY = re.compile(
    rb"(?i:#\s*nosec)|(?i:nosem)|(?i:#\s*noqa\b[^\n#]*\bS\d{3})"
    rb"|(?i:#\s*(?:ruff|flake8)\s*:\s*noqa)")


def covering_lines(finding: Finding, text: Callable[[int], str]) -> list[int]:
    """The lines whose comment can suppress ``finding`` in the gate's reading of the tools.

    ``text(n)`` is the text of line ``n``: semgrep reads the line before a match only when it
    holds nothing but a comment.
    """
    start = finding.line or 0
    if start < 1:
        return []
    if finding.tool == "semgrep":
        return [start, start - 1] if start > 1 and comment_only(text(start - 1)) else [start]
    return list(range(start, max(start, finding.end_line or start) + 1))


def honoured(finding: Finding, lines: Lines, comment: Callable[[int], str],
             text: Callable[[int], str]) -> bool:
    """Whether a suppressed finding stays suppressed after this change.

    ``comment(n)`` is the comment (or, outside Python, the text) of after-side line ``n``. The
    suppression must sit on a line the change did not write, and the finding's own lines must be
    untouched: an accepted suppression covered the code as it was.
    """
    if not finding.suppressed or lines.added is None or \
            lines.touches(finding.line, finding.end_line):
        return False
    return any(n not in lines.added and suppressed(finding.tool, finding.rule, comment(n))
               for n in covering_lines(finding, text))


def added(finding: Finding, lines: Lines, comment: Callable[[int], str],
          text: Callable[[int], str]) -> bool:
    """Whether a comment suppressing ``finding`` sits on a line the change wrote."""
    return any((lines.added is None or n in lines.added)
               and suppressed(finding.tool, finding.rule, comment(n))
               for n in covering_lines(finding, text))
