"""Content patterns, compiled once into one RE2 automaton that runs over whole patches.

Why RE2 and not ``re``: classification must keep pace with ``git diff`` itself. A combined, partly
case-insensitive alternation of ~50 patterns runs at ~1 GB/s in RE2's DFA and at ~5 MB/s in Python's
backtracking engine (bench/classify.py), and RE2 can never backtrack catastrophically on hostile
input.

How: a *prefilter* finds, in one pass over a file's raw hunks, each added or removed line on which
any pattern matches (``^[+-]`` anchors it to changed lines, so context lines cost nothing). For each
such line an ``RE2::Set`` says which patterns matched it. Patterns therefore use RE2 syntax and are
searched within one line (without its ``+``/``-`` marker); ``^`` may start a pattern to anchor it at
the line start.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 logs parse errors to stderr; we report them ourselves.
LATIN1 = re2.Options()
LATIN1.encoding = re2.Options.Encoding.LATIN1  # one byte, one character: any bytes match
LATIN1.log_errors = False

_LEADING_FLAGS = re.compile(r"^((?:\(\?[imsU-]+\))*)")
_ANCHORS = frozenset({"^", "$", "\\A", "\\z"})
_FLAG_GROUP = re.compile(r"\(\?[imsU-]+\)")


class PatternError(ValueError):
    """A pattern RE2 cannot compile, or one that uses an anchor we cannot honour."""


@lru_cache(maxsize=4096)
def compile_regex(pattern: str | bytes) -> re2._Regexp:
    """Compile one RE2 pattern, turning RE2's error into a readable ``PatternError``.

    Memoised: validation compiles every pattern of the policy to report a bad one, and the
    matchers compile the same patterns again a moment later (half of a hook run's policy cost).
    A compiled RE2 object is immutable, so sharing it is safe; an error is not cached.
    """
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None


def compile_latin1(pattern: bytes) -> re2._Regexp:
    """Compile an RE2 pattern over bytes read one byte a character (``[\\x80-\\xff]`` matches
    any high byte, valid UTF-8 or not)."""
    return re2.compile(pattern, options=LATIN1)


def _reason(exc: Exception) -> str:
    arg = exc.args[0] if exc.args else exc
    return arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)


@lru_cache(maxsize=4096)
def branches(pattern: str) -> tuple[tuple[str, bool], ...]:
    """Split a content pattern into its top-level alternatives, each with "anchored at line start".

    ``^DEBUG = True|app\\.run\\(debug=True`` is two branches: the first anchored, the second
    searched anywhere in the line. Leading inline flags (``(?i)``) apply to every branch. A ``^``,
    ``\\A`` or ``\\z`` anywhere but at the start of a top-level branch is refused: the prefilter
    runs over many lines at once, where those anchors would silently mean something else.
    """
    flags = _LEADING_FLAGS.match(pattern)
    head = flags.group(1) if flags else ""
    rest = pattern[len(head):]
    parts = _top_level_split(rest)
    if parts is None:  # not safely splittable: one floating branch, and no anchors allowed
        _refuse_inner_anchors(rest)
        return ((pattern, False),)
    out = []
    for part in parts:
        anchored = part.startswith("^")
        body = part[1:] if anchored else part
        _refuse_inner_anchors(body)
        out.append((head + body, anchored))
    return tuple(out)


def _top_level_split(pattern: str) -> list[str] | None:
    """The pattern's top-level ``|`` alternatives, or None when splitting is unsafe.

    An inline flag group that is not at the start (``a(?i)b|c``) changes the branches after it, so
    such patterns are kept whole.
    """
    parts, depth, start = [], 0, 0
    for i, char in _syntax(pattern):
        if char == "(":
            if depth == 0 and _FLAG_GROUP.match(pattern, i):
                return None
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _syntax(pattern: str) -> Iterator[tuple[int, str]]:
    """The pattern's characters and escapes that stand outside character classes, with offsets.

    Escapes come as two-character tokens (``\\A``); a class (``[^]a-z]``) is skipped whole.
    """
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if not in_class:
                yield i, pattern[i:i + 2]
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 1 if pattern[i + 1:i + 2] == "^" else 0
            i += 1 if pattern[i + 1:i + 2] == "]" else 0
        else:
            yield i, c
        i += 1


def _refuse_inner_anchors(pattern: str) -> None:
    for anchor in _anchors(pattern):
        if anchor != "$":
            raise PatternError(f"{anchor!r} is only supported at the start of a content pattern")


def replace_anchors(pattern: str, replacement: str) -> str:
    """``pattern`` with every anchor (``^ $ \\A \\z`` outside classes) replaced.

    Used to embed a name pattern inside a larger expression, where the name's start and end are word
    boundaries: replacing anchors with ``\\b`` gives an expression that matches at least as much.
    """
    out, last = [], 0
    for start, anchor in _anchor_positions(pattern):
        out.append(pattern[last:start])
        out.append(replacement)
        last = start + len(anchor)
    out.append(pattern[last:])
    return "".join(out)


def _anchors(pattern: str) -> list[str]:
    return [anchor for _, anchor in _anchor_positions(pattern)]


def _anchor_positions(pattern: str) -> Iterator[tuple[int, str]]:
    """Where ``^``, ``$``, ``\\A`` and ``\\z`` stand as anchors (not escaped, not in a class)."""
    for i, token in _syntax(pattern):
        if token in _ANCHORS:
            yield i, token


@dataclass(frozen=True, slots=True)
class LineHit:
    """A changed line on which at least one pattern matched."""

    offset: int
    marker: int
    text: bytes
    patterns: tuple[int, ...]


class ContentMatcher:
    """All content patterns of a policy, compiled for one pass over a patch."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._each = tuple(compile_regex(p) for p in self.patterns)
        anchored: list[str] = []
        floating: list[str] = []
        for p in self.patterns:
            for body, is_anchored in branches(p):
                (anchored if is_anchored else floating).append(f"(?:{body})")
        alternatives = list(anchored)
        if floating:
            alternatives.append("[^\\n]*?(?:" + "|".join(floating) + ")")
        self._prefilter = (
            re2.compile(("(?m)^[+-](?:" + "|".join(alternatives) + ")").encode(), options=_OPTIONS)
            if alternatives else None
        )
        self._set = re2.Set.SearchSet(_OPTIONS)
        for p in self.patterns:
            self._set.Add(p.encode())
        self._set.Compile()

    def __bool__(self) -> bool:
        return self._prefilter is not None

    def scan(self, patch: bytes) -> Iterator[LineHit]:
        """Yield each added or removed line of ``patch`` that matches, with the matching indices.

        ``patch`` must be valid UTF-8 (see ``utf8``): RE2 cannot step over invalid bytes.
        """
        prefilter = self._prefilter
        if prefilter is None:
            return
        pos, end = 0, len(patch)
        while pos < end:
            m = prefilter.search(patch, pos)
            if m is None:
                return
            start = m.start()
            stop = patch.find(b"\n", start)
            stop = end if stop < 0 else stop
            text = patch[start + 1:stop]
            found = self._set.Match(text)
            if found:
                yield LineHit(start, patch[start], text, tuple(sorted(found)))
            pos = stop + 1

    def span(self, index: int, text: bytes) -> tuple[int, int] | None:
        """Where pattern ``index`` matches ``text`` (for cutting a long line around the match)."""
        m = self._each[index].search(text.decode("utf-8", "replace"))
        return (m.start(), m.end()) if m else None


def utf8(data: bytes) -> bytes:
    """``data`` as valid UTF-8: invalid bytes become U+FFFD, newlines stay where they were.

    In UTF-8 mode RE2 matches no character class against a stray Latin-1 byte, so one such byte
    before a secret on the same line would hide it from every content pattern.
    """
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").encode("utf-8")
    return data
