"""Text that came from the change or the model, made fit for GitHub: redacted, cleaned, contained.

A pull request's author (often a fast model that wants its draft merged) writes the paths, matched
lines, finding messages, commit text and, through the reviewing model, summaries that the gate
quotes back in a PR comment, the step summary, workflow annotations and SARIF. There a string must
not carry a secret, hide or reorder characters, notify people (``@user``, ``@org/team``), link
(URLs, ``#123``, ``owner/repo#1``), render (images, HTML, a fake copy of the sticky comment's
marker) or break out of its place (lists, tables, code fences, workflow commands).

Each renderer escapes for its own format; what they share lives here: the order of redaction and
cleaning, the Markdown code span every untrusted string is shown in, and the order findings are
listed in. Nothing here decides anything about the change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gates.model import Finding
from gates.policy import SEVERITIES
from gates.report.safe import clean as _visible

_SURROGATE = re.compile("[\ud800-\udfff]")
# What gates.report.safe leaves alone but a reader still cannot see or would misread: line and
# paragraph separators, Mongolian variation selectors, interlinear annotations, object
# replacement, invisible tag characters and the supplementary variation selectors.
_INVISIBLE = re.compile("[\u2028\u2029\u180b-\u180d\ufff0-\ufff8\ufffc"
                        "\U000e0000-\U000e007f\U000e0100-\U000e01ef]")
_BACKTICKS = re.compile("`+")
ELLIPSIS = "…"


def redact(text: str, path: str = "") -> str:
    """``text`` with every secret the model's prompt would lose masked (``[REDACTED:kind]``).

    The same function as the prompt (``gates.review.redact``), so a matched line is never shown
    to GitHub when it would not be shown to the model. Undecodable bytes (carried as surrogates)
    become visible escapes first: the redaction would turn them into ``?``.
    """
    if not text:
        return text
    from gates.review.redact import redact as mask

    return mask(_SURROGATE.sub(lambda m: _visible(m.group()), text), path)[0]


def clean(text: str, *, newlines: bool = False) -> str:
    """``text`` with control, format and bidi characters shown as escapes (``\\x0a``, ``\\u202e``).

    With ``newlines`` a ``\\n`` (or ``\\r\\n``) is kept as a line break for formats that escape
    it themselves; a lone ``\\r`` is never kept.
    """
    if newlines:
        return "\n".join(clean(line) for line in text.replace("\r\n", "\n").split("\n"))
    return _INVISIBLE.sub(_escape, _visible(text))


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, the last one an ellipsis when something was cut."""
    return text if len(text) <= limit else text[:max(limit - 1, 0)] + ELLIPSIS


def shown(text: str, limit: int, *, path: str = "", newlines: bool = False) -> str:
    """Redacted, then cleaned, then cut: the order that never cuts a secret in half unmasked."""
    return cut(clean(redact(text, path), newlines=newlines), limit)


def code(text: str, limit: int = 200, *, path: str = "", secret: bool = True) -> str:
    """``text`` as one inline Markdown code span that nothing inside can end or escape.

    Inside a code span GitHub renders no HTML, image, link, autolink, @mention, issue reference or
    emoji, and a line break cannot start a new block because there is none left (``clean``). The
    fence is one backtick longer than the longest run in the text, and the text is padded with a
    space on each side (CommonMark strips exactly one), so a leading or trailing backtick cannot
    merge with the fence. ``<!--`` is shown as ``\\x3c!--``: a copy of the sticky comment's hidden
    marker in a file name must not be found by whoever looks for the marker. ``secret=False`` skips
    the redaction for text that cannot hold one (a rule id, a tier name).
    """
    text = cut(clean(redact(text, path) if secret else text), limit).replace("<!--", "\\x3c!--")
    if not text:
        return "*(empty)*"
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def severity_rank(severity: str) -> int:
    """Position on the policy's scale (``critical`` highest); an unknown name ranks lowest."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def ranked(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first: blocking, then severity and confidence, then new before pre-existing.

    Suppressed findings come last: they never block and a person already looked at them. Ties
    keep a stable order by place, so the same decision always lists the same findings first.
    """
    return sorted(findings, key=lambda f: (
        not f.blocking, f.suppressed, not f.introduced, -severity_rank(f.severity),
        -severity_rank(f.confidence), f.path, f.line or 0, f.tool, f.rule))


MAX_LINE = 2**31 - 1


def line_number(line: int | None) -> int | None:
    """``line`` when it can be a line of a file; the model may answer ``0``, ``-3`` or ``10**30``,
    and one number code scanning cannot store would make it refuse the whole upload."""
    return line if line is not None and 1 <= line <= MAX_LINE else None


def repo_path(path: str) -> str | None:
    """``path`` when it names a file inside the repository (relative, no ``..``), else None.

    Scanners report repository paths; the model may name anything (``/etc/passwd``,
    ``../../x``, nothing at all), and a workflow annotation or a SARIF location with such a path
    would point GitHub (or the upload action, which reads the file to fingerprint it) outside
    the checkout.
    """
    if not path or path.startswith("/") or "\0" in path:
        return None
    if any(part in ("", ".", "..") for part in path.split("/")):
        return None
    return path
