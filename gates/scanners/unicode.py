"""Invisible and direction-changing Unicode in added lines (no external tool).

Bidirectional controls reorder what a reviewer sees (Trojan Source, CVE-2021-42574); zero-width
and other format characters hide text, and carry instructions to models that people never see;
identifiers that mix scripts (a Cyrillic U+0430 for the "a" of "admin") look like names they
are not. All of it is blocking by default: legitimate code almost never needs it, and it defeats
every other review.
"""

from __future__ import annotations

import io
import re
import tokenize
import unicodedata
from collections.abc import Iterator

from gates.decode import is_python
from gates.hunks import changed_lines
from gates.manifests import is_manifest
from gates.model import ChangedFile, Finding, Side
from gates.patterns import utf8
from gates.scanners import fingerprint

# Letters that render as nothing but are valid in identifiers (Python accepts "def run(ㅤ=None)").
FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Characters str.splitlines() (and so pip, and editors) break lines at, that git does not; form
# feed is left out: it is an old, harmless page break in Python sources.
SEPARATORS = frozenset("\x0b\x1c\x1d\x1e\x85\u2028\u2029")
_ASCII_SEPARATORS = re.compile(rb"[\x0b\x1c-\x1e]")
_FORMFEED_INDENT = re.compile(rb"^[ \t]*[ \t]\x0c|^[ \t]*\x0c[ \t]*\x0c")
_SPLITS_AT_CR = (".pth", ".yaml", ".yml", ".cfg", ".ini", ".txt", ".in", ".ipynb")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_COMMON_SCRIPTS = frozenset({"COMMON", "DIGIT", "LOW", "MODIFIER"})


def scan_file(file: ChangedFile) -> Iterator[Finding]:
    """Findings on the added lines of one file."""
    if not file.has_text or not file.patch:
        return
    if file.hidden_coding:
        yield _finding("unicode-coding", file.path, 1, file.hidden_coding,
                       f"coding declaration {file.hidden_coding!r}: Python decodes this file so "
                       "that plain ASCII can turn into code (utf-7's '+AAo-' is a line break): "
                       "line separators or encoding that hide code from reviewers")
    breaks_at_cr = splits_at_cr(file.path, file.new_text or b"")
    python = is_python(file.path, file.new_text or b"")
    if file.patch.isascii() and (not breaks_at_cr or b"\r" not in file.patch) \
            and not _ASCII_SEPARATORS.search(file.patch) \
            and not (python and b"\x0c" in file.patch):
        return
    folded = _folded_names(file.new_text) if python and not file.patch.isascii() else {}
    for side, number, raw in changed_lines(utf8(file.patch)):
        if side is not Side.ADDED:
            continue
        if breaks_at_cr and b"\r" in raw.removesuffix(b"\r"):
            yield _finding("unicode-line-separator", file.path, number,
                           raw.decode("utf-8", "replace"),
                           "a bare carriage return: Python (and pip, YAML) start a new line there, "
                           "git and diff views do not, so code after it hides in plain sight: "
                           "line separators or encoding that hide code from reviewers")
        if python and _FORMFEED_INDENT.match(raw):
            yield _finding("unicode-formfeed-indent", file.path, number,
                           raw.decode("utf-8", "replace"),
                           "a form feed inside the indentation: Python restarts its column count "
                           "there, so the line's block is not the one it appears to be in: line "
                           "separators or encoding that hide code from reviewers")
        if raw.isascii() and not _ASCII_SEPARATORS.search(raw):
            continue
        text = raw.decode("utf-8", "replace")
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]  # a byte-order mark opening the file is not hiding anything
        yield from _line(file.path, number, text)
        if python and number in folded:
            name, reads_as = folded[number]
            yield _finding("unicode-normalised-identifier", file.path, number, text,
                           f"identifier {name!r} is {reads_as!r} to Python (NFKC): a name that "
                           "reads as something else to rules, scanners and reviewers")


def _folded_names(source: bytes | None) -> dict[int, tuple[str, str]]:
    """Names Python reads NFKC-normalised, by line: a full-width "open" calls open(), but no
    pattern, scanner rule or reviewer searching for "open" finds it. Only real names count (the
    tokenizer tells them from the full-width letters of a Japanese comment or string)."""
    if not source:
        return {}
    found: dict[int, tuple[str, str]] = {}
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type == tokenize.NAME and not token.string.isascii():
                reads_as = unicodedata.normalize("NFKC", token.string)
                if reads_as != token.string:
                    found.setdefault(token.start[0], (token.string, reads_as))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return found
    return found


def splits_at_cr(path: str, content: bytes = b"") -> bool:
    """Whether the file's consumer starts a new line at a bare ``\r``: Python sources and
    ``.pth`` files (universal newlines), requirement files (pip's ``splitlines``), YAML, INI."""
    return is_python(path, content) or is_manifest(path) or \
        path.lower().endswith(_SPLITS_AT_CR)


def _line(path: str, number: int, text: str) -> Iterator[Finding]:
    separators = sorted({f"U+{ord(c):04X}" for c in text if c in SEPARATORS})
    if separators:
        yield _finding("unicode-line-separator", path, number, text,
                       f"line separator character(s) {', '.join(separators)}: editors, pip and "
                       "some parsers break the line there, git does not: line separators or "
                       "encoding that hide code from reviewers")
    bidi = sorted({f"U+{ord(c):04X}" for c in text if c in BIDI})
    if bidi:
        yield _finding("unicode-bidi", path, number, text,
                       f"bidirectional control character(s) {', '.join(bidi)} can make code read "
                       "differently from how it runs (Trojan Source, CVE-2021-42574)")
    hidden = sorted({f"U+{ord(c):04X}" for c in text
                     if c not in BIDI and (c in FILLERS or unicodedata.category(c) == "Cf")})
    if hidden:
        yield _finding("unicode-invisible", path, number, text,
                       f"invisible format character(s) {', '.join(hidden)} hide text from "
                       "reviewers (and can carry instructions to models)")
    for m in _IDENTIFIER.finditer(text):
        word = m.group()
        if word.isascii():
            continue

        scripts = {_script(c) for c in word} - _COMMON_SCRIPTS
        if len(scripts) > 1:
            yield _finding("unicode-mixed-script", path, number, text,
                           f"identifier {word!r} mixes scripts ({', '.join(sorted(scripts))}): "
                           "a look-alike of another name")


def _script(char: str) -> str:
    if char.isdigit() or char == "_":
        return "DIGIT"
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "COMMON"


def _finding(rule: str, path: str, line: int, text: str, message: str) -> Finding:
    return Finding(tool="draftgate", rule=rule, severity="high", confidence="high", path=path,
                   line=line, message=message,
                   fingerprint=fingerprint("draftgate", rule, path, text))
