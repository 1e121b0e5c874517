"""Which findings a change introduces: the after side compared with the before side.

A changed line can make an unchanged one dangerous (``VERIFY_TLS = False`` at the top, the
untouched ``requests.get(url, verify=VERIFY_TLS)`` below). Like semgrep's ``--baseline-commit``,
the gate scans each changed file before and after the change and counts what is new, wherever it
is. A finding is *already present* only when the before side had the same finding (tool, rule) at
the same place: every line of its span unchanged, at the line the diff maps it to, with the same
span length, so the flagged text is identical on both sides. Everything else is introduced: a
finding on a line the change wrote (even if the same text stood elsewhere before: moving a
dangerous call from dead code into a handler is a change), and a finding whose unchanged lines
were not flagged before. Two identical findings after where there was one before therefore count
once, the one that was not there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from gates.hunks import changed_lines
from gates.model import ChangedFile, Finding, Side


@dataclass(frozen=True, slots=True)
class Lines:
    """The lines a change wrote (after side) and removed (before side), 1-based.

    ``added is None`` means the change's lines cannot be told apart (a copy, a file whose line
    breaks git and Python count differently): every line counts as written by the change.
    """

    added: frozenset[int] | None
    removed: frozenset[int] = frozenset()

    def touches(self, start: int | None, end: int | None) -> bool:
        """Whether any line of the span ``start..end`` was written by the change."""
        if self.added is None:
            return True
        first = start or 0
        return any(n in self.added for n in range(first, max(first, end or first) + 1))

    def before_line(self, line: int) -> int | None:
        """Where an unchanged after-side line stood before the change (None: it is new)."""
        return self.before_lines([line]).get(line)

    def before_lines(self, lines: Iterable[int]) -> dict[int, int]:
        """:meth:`before_line` for many lines in one walk."""
        if self.added is None:
            return {}
        wanted = sorted(set(lines))
        added = sorted(n for n in self.added if n <= (wanted[-1] if wanted else 0))
        removed = sorted(self.removed)
        out: dict[int, int] = {}
        new = old = 1
        i = j = 0
        for target in wanted:
            while new <= target:
                if i < len(added) and added[i] == new:
                    i += 1
                    new += 1
                    continue
                if j < len(removed) and removed[j] == old:
                    j += 1
                    old += 1
                    continue
                if new == target:
                    out[target] = old
                new += 1
                old += 1
        return out


def from_patch(file: ChangedFile) -> Lines:
    """The written and removed lines of a file, from git's hunks."""
    added: set[int] = set()
    removed: set[int] = set()
    for side, number, _ in changed_lines(file.patch):
        (added if side is Side.ADDED else removed).add(number)
    return Lines(frozenset(added), frozenset(removed))


def from_texts(before: str, after: str) -> Lines:
    """The written and removed lines between two texts (a notebook's code before and after)."""
    import difflib  # only notebooks need it: kept off the hook's import path

    a, b = before.split("\n"), after.split("\n")
    added: set[int] = set()
    removed: set[int] = set()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed.update(range(i1 + 1, i2 + 1))
            added.update(range(j1 + 1, j2 + 1))
    return Lines(frozenset(added), frozenset(removed))


def introduced(after: Iterable[Finding], before: Iterable[Finding] | None,
               lines: Lines) -> list[bool]:
    """For each after-side finding, whether the change introduced it.

    ``before is None`` (no before side: a new or copied file, or the before scan failed) makes
    every finding introduced.
    """
    found = list(after)
    if before is None or lines.added is None:
        return [True] * len(found)
    present = {(f.tool, f.rule, f.line, _length(f)) for f in before
               if f.line is not None and not _touches_removed(f, lines)}
    moved = lines.before_lines(f.line for f in found if f.line is not None)
    out = []
    for finding in found:
        if finding.line is None or lines.touches(finding.line, finding.end_line):
            out.append(True)
            continue
        old = moved.get(finding.line)
        out.append(old is None or
                   (finding.tool, finding.rule, old, _length(finding)) not in present)
    return out


def _length(finding: Finding) -> int:
    start = finding.line or 0
    return max(start, finding.end_line or start) - start


def _touches_removed(finding: Finding, lines: Lines) -> bool:
    start = finding.line or 0
    return any(n in lines.removed for n in range(start, max(start, finding.end_line or start) + 1))


# What an added line can rebind: an assignment (annotated, augmented, to an attribute), a def or
# class, an import alias.
_BINDS = re.compile(
    r"^\s*(?:(?:async\s+)?def\s+(\w+)|class\s+(\w+)"
    r"|(?:from\s+\S+\s+)?import\s+.*?\bas\s+(\w+)\s*$"
    r"|([A-Za-z_][\w.]*)\s*(?::[^=\n]*)?(?:[-+*/|&^%]|//|\*\*|<<|>>)?=(?!=)\s*(.*))")
# A value that can switch a check on or off, or stand for another callable: a flag, a test, an
# alias. A number or a string (TIMEOUT = 10) is left out: it rarely turns a finding's meaning.
_SWITCH = re.compile(r"^(?:True|False|None|not\b|lambda\b|[A-Za-z_][\w.]*\s*(?:#.*)?$)"
                     r"|==|!=|\bis\b|\bin\b|\band\b|\bor\b")
_IMPORTED = re.compile(r"^\s*from\s+\S+\s+import\s+\(?([\w\s,]+)\)?\s*$")


def rebound(file: ChangedFile | None) -> frozenset[str]:
    """The names the change's added lines (re)bind in ``file``: a finding already present on a
    line that uses one of them may mean something else now (``USE_SHELL = True`` above an
    unchanged ``subprocess.call(cmd, shell=USE_SHELL)`` that bandit flagged at low before)."""
    if file is None or not file.patch:
        return frozenset()
    names: set[str] = set()
    for side, _, raw in changed_lines(file.patch):
        if side is not Side.ADDED:
            continue
        text = raw.decode("utf-8", "replace")
        m = _BINDS.match(text)
        if m and (m.group(4) is None or _SWITCH.search(m.group(5).strip())):
            name = next(g for g in m.groups()[:4] if g)
            names.add(name.rsplit(".", 1)[-1])
        imported = _IMPORTED.match(text)
        if imported:
            names.update(n.strip() for n in imported.group(1).split(",") if n.strip())
    return frozenset(n for n in names if len(n) > 1 and n not in _COMMON)


_COMMON = frozenset({"self", "cls", "i", "j", "k", "x", "y", "_"})


def uses(text: str, names: frozenset[str]) -> str | None:
    """The first of ``names`` that ``text`` (a flagged line) uses as a whole word."""
    return next((n for n in sorted(names) if re.search(rf"(?<![\w.]){re.escape(n)}\b", text)
                 or re.search(rf"\.{re.escape(n)}\b", text)), None)
