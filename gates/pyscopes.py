"""Where each ``def`` and ``class`` of a Python source begins and ends, read with ``ast``.

Parsing is most of what classifying Python costs: ``gate replay`` over a project whose test files
run to 200 KB parses the same big file at every commit that touches it, and ``gate check`` parses
both sides of every changed file. Most of such a file is the same on both sides, so one side's
scopes are *derived* from the other's: only the module-level statements the change touches are
parsed again, and the rest is shifted.

That is exact, not an approximation. The source is cut only at lines where the tokenizer is at rest
(a module-level statement begins in column 0, after the previous one ended on an earlier line): no
bracket, string or backslash continuation is open, and no statement can continue past the cut,
because a line that begins a statement cannot continue the one before it (``else``, ``except`` and
their kin never begin one). So a stretch between two cuts that is byte for byte the same on both
sides parses the same on both sides; the changed stretch between two such unchanged stretches is
parsed on its own, and if it does not parse on its own, the whole side is parsed instead. Every
unchanged stretch is compared byte for byte, so a hunk header that does not describe the two texts
costs a full parse, never a wrong scope. Sources that Python would read differently in pieces are
always parsed whole: an encoding cookie (it decodes the whole file), a bare carriage return (Python
and git then number lines differently), ``barry_as_FLUFL`` (it changes the grammar).
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gates.patterns import compile_regex

# RE2: runs over untrusted sources. A name may follow its keyword after a backslash continuation or
# a form feed (``def \<newline> verify(...)`` is a def), so both count as the space between them.
_GAP = rb"(?:[ \t\f]|\\\n)"
PY_DECL = compile_regex(
    rb"(?m)^[ \t\f]*(?:async" + _GAP + rb"+)?(?:def|class)" + _GAP + rb"+([A-Za-z_]\w*)")
_PY_BREAK = re.compile(rb"\r\n|\r|\n")  # Python's universal newlines
_HUNK = re.compile(rb"(?m)^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_COOKIE = re.compile(rb"coding[:=][ \t]*([-\w.]*)")
_UTF8_NAMES = (b"utf-8", b"utf8")
_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
_ODD_INDENT = re.compile(rb"(?m)^ *[\t\f]")  # a tab or form feed in a line's indentation
_BLOCK = b"if True:\n"  # a class body's stretch is parsed as the body of this line

Span = tuple[int, int, int, int]  # one hunk: start and count on the side read, then on the other


@dataclass(frozen=True, slots=True)
class Scope:
    """One ``def`` or ``class``: the lines it spans, decorators included, numbered as git does."""

    start: int
    end: int
    name: str
    function: bool = False
    body: int = 0  # the first line of the body (decorators and the signature come before it)


@dataclass(frozen=True, slots=True)
class Parsed:
    """The kept scopes of one source and where it may be cut (empty: it may not be)."""

    scopes: tuple[Scope, ...]
    cuts: tuple[int, ...] = ()
    levels: tuple[int, ...] = ()  # per cut: 0 at module level, else the class body's indentation
    lines: int = 0


def python_scopes(source: bytes) -> list[Scope]:
    """Every ``def`` and ``class`` with the lines it spans (decorators included), numbered as git
    numbers lines.

    Python also breaks lines at a bare ``\\r``, git only at ``\\n``: when the two differ, each
    scope's lines are mapped back to git's, so a scope reaches exactly the changed lines it holds.
    """
    return list(parse(source, lambda _: True).scopes)


def parse(source: bytes, keep: Callable[[str], bool]) -> Parsed:
    """The scopes of ``source`` whose names ``keep`` accepts, with its cuts when it has them."""
    tree: ast.Module | None
    try:
        tree = ast.parse(source)
        scopes = _tree_scopes(tree.body, 0, keep)
    except _PARSE_ERRORS:
        # A draft that does not parse, or one nested too deep for the parser: indentation still
        # tells where each def and class ends.
        tree = None
        flat = source.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        scopes = [s for s in _indent_scopes(flat) if keep(s.name)]
    if _bare_cr(source):
        to_git = _git_lines(source)
        return Parsed(tuple(Scope(to_git(s.start), to_git(s.end), s.name, s.function,
                                  to_git(s.body)) for s in scopes))
    if tree is None or not decoded_as_is(source):
        return Parsed(tuple(scopes))
    lines = source.split(b"\n")
    cuts = _tree_cuts(tree.body, lines, 0, 0, nested=not _odd_indent(source))
    return Parsed(tuple(scopes), tuple(c for c, _ in cuts), tuple(k for _, k in cuts), len(lines))


def derive(known: Parsed, source: bytes, target: bytes, spans: Sequence[Span],
           keep: Callable[[str], bool]) -> Parsed | None:
    """``target``'s scopes from ``source``'s (``known``) and the hunks between them, parsing only
    the changed stretches; None when that cannot be done exactly (the caller parses ``target``).

    Stretches are cut at module level and inside module-level classes (a test file is often one
    class of a thousand lines). A changed stretch inside a class is parsed as the body of an
    ``if True:`` line when it lies between two unchanged statements of that class and leaves it in
    the class; any other change re-parses whole module-level statements.
    """
    if not known.cuts or not decoded_as_is(target) or _bare_cr(target):
        return None
    old, new = source.split(b"\n"), target.split(b"\n")
    if len(old) != known.lines:
        return None
    cuts, levels = known.cuts, known.levels
    if any(levels) and _odd_indent(target):  # the class bodies' indentation may differ
        cuts = tuple(c for c, k in zip(cuts, levels, strict=True) if not k)
        levels = (0,) * len(cuts)
    ordered = sorted(spans)
    touched = _widen(_touched(cuts, ordered), levels)
    starts = [s.start for s in known.scopes]
    scopes: list[Scope] = []
    out: list[tuple[int, int]] = []
    # A class cut inside ends in a later stretch than it starts: (its index in scopes, old end).
    pending: list[tuple[int, int]] = []
    shift, at, done = 0, 0, 1  # hunk offset so far, next hunk, first target line not yet covered
    level: int | None = None  # the level of the changed stretch under way, if one is
    run = 1  # the old line where that stretch begins

    def settle(low: int, high: int, *, end: int | None = None, delta: int = 0) -> None:
        """Give the classes whose old end lies in old lines low..high their new end: ``end``, or
        the old one moved by ``delta``."""
        for k, (index, old_end) in enumerate(pending):
            if low <= old_end <= high:
                s = scopes[index]
                new_end = old_end + delta if end is None else end
                scopes[index] = Scope(s.start, new_end, s.name, s.function, s.body)
                pending[k] = (index, 0)

    for i, cut in enumerate(cuts):
        if touched[i]:
            level, run = (levels[i], cut) if level is None else (level, run)
            continue
        last = cuts[i + 1] - 1 if i + 1 < len(cuts) else len(old)
        while at < len(ordered) and _span_end(ordered[at]) < cut:
            shift += ordered[at][3] - ordered[at][1]
            at += 1
        first = cut + shift
        if first < done or new[first - 1:last + shift] != old[cut - 1:last] \
                or _continued(new, first):
            return None
        end = _stretch(new, done, first - 1, level, keep=keep, scopes=scopes, cuts=out)
        if end is None:
            return None
        if level is not None:
            settle(run, cut - 1, end=end)
        settle(cut, last, delta=shift)
        out.append((first, levels[i]))
        for s in known.scopes[bisect_left(starts, cut):bisect_right(starts, last)]:
            if s.end > last:
                pending.append((len(scopes), s.end))
            scopes.append(Scope(s.start + shift, s.end + shift, s.name, s.function,
                                s.body + shift))
        done, level = last + shift + 1, None
    end = _stretch(new, done, len(new), level, keep=keep, scopes=scopes, cuts=out)
    if end is None:
        return None
    if level is not None:
        settle(run, len(old), end=end)
    # A class still unsettled, or one whose last statements were deleted with nothing in their
    # place (its end is then in text not parsed again): parse the whole side instead.
    if any(old_end for _, old_end in pending) or any(s.end <= 0 for s in scopes):
        return None
    return Parsed(tuple(scopes), tuple(c for c, _ in out), tuple(k for _, k in out), len(new))


def spans(patch: bytes, *, reverse: bool = False) -> list[Span]:
    """Each hunk of a unified ``patch`` as (start, count) on the old side, then on the new side,
    without its leading and trailing context lines; ``reverse`` swaps the sides (to go from the
    new text to the old). A pure insertion starts at the line it follows, as in git's header."""
    found = []
    heads = list(_HUNK.finditer(patch))
    for n, m in enumerate(heads):
        a, b, c, d = (int(g) if g is not None else 1 for g in m.groups())
        end = heads[n + 1].start() if n + 1 < len(heads) else len(patch)
        body = [line for line in patch[m.end():end].split(b"\n")[1:] if line[:1] != b"\\"]
        while body and not body[-1]:
            body.pop()  # the newline that ends the hunk, not a line of it
        lead = next((i for i, line in enumerate(body) if line[:1] in (b"+", b"-")), 0)
        trail = next((i for i, line in enumerate(reversed(body)) if line[:1] in (b"+", b"-")), 0)
        inner_b, inner_d = b - lead - trail, d - lead - trail
        if (lead or trail) and min(inner_b, inner_d) >= 0 and (inner_b or inner_d):
            a, c = a + lead - (not inner_b), c + lead - (not inner_d)
            b, d = inner_b, inner_d
        found.append((c, d, a, b) if reverse else (a, b, c, d))
    return found


def _span_end(span: Span) -> int:
    """The last line of ``span`` on the side read (an insertion's: the line it follows)."""
    return span[0] + span[1] - 1 if span[1] else span[0]


def _touched(cuts: Sequence[int], spans: Iterable[Span]) -> list[bool]:
    """Per stretch between cuts: does a hunk change it (an insertion belongs to the stretch
    holding the line it follows)?"""
    touched = [False] * len(cuts)
    for span in spans:
        low, high = max(span[0], 1), max(_span_end(span), 1)
        for i in range(bisect_right(cuts, low) - 1, bisect_right(cuts, high)):
            touched[i] = True
    return touched


def _widen(touched: list[bool], levels: Sequence[int]) -> list[bool]:
    """Grow the changed stretches until each is either whole module-level statements, or lies
    inside one class after an unchanged statement of it. A changed class line (its decorators,
    its bases) takes the whole class; so does a change that reaches its first statement or runs
    out of the class into the module."""
    n, changed = len(touched), True

    def whole_class(i: int) -> None:
        nonlocal changed
        head = i
        while head > 0 and levels[head]:
            head -= 1
        tail = head + 1
        while tail < n and levels[tail]:
            tail += 1
        for j in range(head, tail):
            changed = changed or not touched[j]
            touched[j] = True

    while changed:
        changed = False
        i = 0
        while i < n:
            if not touched[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and touched[j + 1]:
                j += 1
            if levels[i] and (not levels[i - 1] or not all(levels[i:j + 1])):
                whole_class(i)
            for x in range(i, j + 1):
                if not levels[x] and x + 1 < n and levels[x + 1]:
                    whole_class(x + 1)
            i = j + 1
    return touched


def _stretch(lines: list[bytes], first: int, last: int, level: int | None, *,
             keep: Callable[[str], bool], scopes: list[Scope], cuts: list[tuple[int, int]]
             ) -> int | None:
    """Parse target lines ``first``..``last`` on their own (at module level, or as statements of
    a class body indented ``level``), adding their scopes and cuts. Returns the line where the
    last statement ends (0 for none); None when they do not parse alone, or would not stay where
    they are. An empty stretch (a deleted one) adds nothing."""
    if last < first:
        return 0
    if level is None:
        return None  # lines no hunk accounts for: the header does not describe the two texts
    text = b"\n".join(lines[first - 1:last])
    if last < len(lines):
        text += b"\n"
    parsed = _BLOCK + text if level else text
    # Python reads a piece's first two lines for a coding declaration, and drops a byte order
    # mark that opens it: mid-file, neither does anything (or the mark is an error).
    if not decoded_as_is(parsed) or (first > 1 and text.startswith(b"\xef\xbb\xbf")):
        return None
    try:
        tree = ast.parse(parsed)
    except _PARSE_ERRORS:
        return None
    body, offset = tree.body, first - 1
    if level:
        block = body[0] if len(body) == 1 else None
        if not isinstance(block, ast.If) or block.orelse or block.body[0].col_offset != level:
            return None  # a line left the class, or the stretch is indented otherwise
        body, offset = block.body, first - 2
    scopes.extend(_tree_scopes(body, offset, keep))
    found = _tree_cuts(body, lines, offset, level, nested=True)
    cuts.append((first, level))
    cuts.extend(found[1:] if found and found[0][0] == first else found)
    return max((n.end_lineno or n.lineno for n in body), default=-offset) + offset


def _tree_scopes(body: list[ast.stmt], offset: int, keep: Callable[[str], bool]) -> list[Scope]:
    """The kept def/class scopes of parsed statements, in source order, moved down ``offset``."""
    found = []
    # Only statements can hold a def or class: walking bodies skips every expression node.
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and keep(node.name):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found.append(Scope(start + offset, (node.end_lineno or node.lineno) + offset,
                               node.name, not isinstance(node, ast.ClassDef),
                               (node.body[0].lineno if node.body else node.lineno) + offset))
        for name in ("cases", "handlers", "finalbody", "orelse", "body"):
            stack.extend(reversed(getattr(node, name, ())))
    found.sort(key=lambda s: s.start)
    return found


def _tree_cuts(body: list[ast.stmt], lines: list[bytes], offset: int, level: int, *,
               nested: bool) -> list[tuple[int, int]]:
    """Where ``body`` (statements indented ``level``, moved down ``offset``) may be cut: each
    line where one of its statements begins after the previous one ended, in column ``level``;
    and, at module level, the same inside each class (``nested``: no tab or form feed indents a
    line, so a column is a column), as (line, indentation)."""
    cuts: list[tuple[int, int]] = []
    end = 0
    for node in body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        line = lines[start + offset - 1]
        if start > end and len(line) > level and not line[:level].strip(b" ") \
                and line[level:level + 1] != b" " and not _continued(lines, start + offset):
            cuts.append((start + offset, level))
            if not level and nested and isinstance(node, ast.ClassDef) and node.body:
                inner = node.body[0].col_offset
                cuts.extend(c for c in _tree_cuts(node.body, lines, offset, inner, nested=False)
                            if c[0] > start + offset)
        end = max(end, node.end_lineno or node.lineno)
    if not level and (not cuts or cuts[0][0] != offset + 1):
        cuts.insert(0, (offset + 1, 0))
    return cuts


def _odd_indent(source: bytes) -> bool:
    """Whether a tab or form feed indents a line (the byte test first: most sources have none)."""
    return (b"\t" in source or b"\f" in source) and _ODD_INDENT.search(source) is not None


def _continued(lines: list[bytes], line: int) -> bool:
    """Whether the line before ``line`` ends in a backslash, joining ``line`` to it (a line of
    only a backslash carries its indentation onto the next). Also true for a backslash that ends
    a comment or a string, which joins nothing: such a line is simply not a cut."""
    return line > 1 and lines[line - 2].rstrip(b"\r").endswith(b"\\")


def decoded_as_is(source: bytes) -> bool:
    """Whether Python reads ``source`` as UTF-8 with its usual grammar: no other coding declared
    in its first two lines, no ``barry_as_FLUFL``. Only then may it be cut into pieces (see the
    module's docstring), and only then is a byte-level search over it a search of what Python
    parses.

    An encoding cookie that names UTF-8 (``# -*- coding: utf-8 -*-``, common in older projects)
    changes nothing: a piece without it is read as UTF-8 too."""
    head = source.split(b"\n", 2)[:2]
    for line in head:
        for name in _COOKIE.findall(line):
            if name.lower().replace(b"_", b"-") not in _UTF8_NAMES:
                return False
    return b"barry_as_FLUFL" not in source


def _bare_cr(source: bytes) -> bool:
    return b"\r" in source and b"\r" in source.replace(b"\r\n", b"")


def _git_lines(source: bytes) -> Callable[[int], int]:
    """Python's line number -> git's, for a source with bare carriage returns."""
    starts = [0, *(m.end() for m in _PY_BREAK.finditer(source))]
    git = [source.count(b"\n", 0, start) + 1 for start in starts]
    return lambda line: git[min(max(line, 1), len(git)) - 1]


def _indent_scopes(source: bytes) -> list[Scope]:
    """Scopes by indentation, for a file that does not parse."""
    lines = source.split(b"\n")
    open_scopes: list[tuple[int, int, str, bool]] = []
    found: list[Scope] = []
    last = 0
    for number, raw in enumerate(lines, 1):
        stripped = raw.lstrip()
        if not stripped or stripped.startswith(b"#"):
            continue
        indent = len(raw) - len(stripped)
        while open_scopes and indent <= open_scopes[-1][1]:
            start, _, name, function = open_scopes.pop()
            found.append(Scope(start, last, name, function, start + 1))
        m = PY_DECL.match(raw)
        if m:
            open_scopes.append((number, indent, m.group(1).decode("ascii"),
                                not stripped.startswith(b"class")))
        last = number
    found.extend(Scope(start, last, name, function, start + 1)
                 for start, _, name, function in open_scopes)
    return found
