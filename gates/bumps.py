"""Is a change only a version bump?

A workflow or ``.pre-commit-config.yaml`` edit that moves ``uses: owner/repo@v4`` to ``@v5`` (or
to a commit) or a hook's ``rev:`` and touches nothing else is a dependency update, not new pipeline
logic: the policy can route it like a dependency manifest (``version_only:`` on a category). The
test is strict, because a lower tier is what a hostile draft wants:

- every changed line pairs with one on the other side, in order, that differs only in the version
  (and in a trailing ``# v1.2.3`` comment beside a pinned commit);
- a ``rev:`` counts only when its ``- repo: URL`` line is visible in the hunk, unchanged, and opens
  the same list item (a ``rev:`` ahead of its ``repo:`` in the item is not attributed);
- nothing that names draftgate moves, and no action moves in the gate's own workflow (a path that
  names draftgate, or hunks that show it or a ``gate check`` step): a downgrade of the gate, or
  another action in the job that runs it, is a change to the gate. Only the hunks are read: a
  workflow named otherwise whose gate step is out of the diff's context is not recognised.

A release's version string counts too: ``__version__ = "1.4.2"`` to ``"1.4.3"`` (also
``VERSION``, ``version``, Sphinx's ``release``, ``__version_info__ = (1, 4, 3)``, as ``=`` or
as a ``version:`` / ``"version":`` key), where both values look like versions (digits first).
A release commit that touches ``auth/__init__.py`` only for that is not auth logic.

The line must mean, in its file's own syntax, what it looks like: ``uses:``/``rev:`` only in YAML;
version strings only in Python, YAML, JSON, TOML, INI and Makefiles (a ``.pth`` line, a build
script or a shell file reads them as paths or commands). In Python both sides are parsed: the line
must be a whole module-level assignment of a literal (a class's ``version = 1.0`` or a keyword of
some call is a protocol's value, not a release), and the plain names (``VERSION``, ``release``...)
count only in the files releases keep them in (``__init__.py``, ``_version.py``, Sphinx's
``conf.py``...; ``__version__`` anywhere); a ``version=`` keyword only as ``setup()``'s. In a
Makefile a recipe line (a tab) or a line continuing the one above is not a variable. A file read
through another encoding (a coding declaration) is never a bump.

Anything else (a new step, a changed ``with:``, a renamed action, a flow-style mapping, a version
given by a call or a name) is not a bump, and the category keeps its tier.
"""

from __future__ import annotations

import ast
import posixpath
import re

from gates.decode import is_python
from gates.literals import RELEASE_FILES, is_setup, setuptools_setup
from gates.model import ChangedFile, FileStatus

_USES = re.compile(r"^(?P<head>\s*(?:-\s+)?uses:\s*)(?P<q>['\"]?)(?P<what>[\w.-]+/[\w./-]+)@"
                   r"(?P<ref>[\w./+-]+)(?P=q)(?P<tail>\s*(?:#.*)?)$")
_REV = re.compile(r"^(?P<head>\s+rev:\s*)(?P<q>['\"]?)(?P<ref>[\w./+-]+)(?P=q)"
                  r"(?P<tail>\s*(?:#.*)?)$")
# A version literal: "1.4.2", 'v2.0.0rc1', (1, 4, 3) or (1, 4, "dev"); never a name or a call.
_VERSION_VALUE = (r"(?P<q>['\"]?)(?P<ref>v?\d[\w.+-]*)(?P=q)"
                  r"|(?P<ref2>\(\s*\d+(?:\s*,\s*(?:\d+|['\"][\w.+-]*['\"]))*\s*,?\s*\))")
_VERSION_NAMES = r"__version__|VERSION|version|__version_info__|VERSION_INFO|version_info|release"
_VERSION_STRING = re.compile(
    r"^(?P<head>\s*(?:(?P<name>" + _VERSION_NAMES + r")"
    r"\s*(?P<annotation>:\s*[\w.\[\], ]+)?\s*=|(?P<key>['\"]?version['\"]?\s*:))\s*)(?:"
    + _VERSION_VALUE + r")(?P<tail>\s*,?\s*(?:#.*)?)$")
_ITEM = re.compile(r"^\s*-\s")
_REPO = re.compile(r"^\s*-\s+repo:\s*(?P<url>\S+)\s*(?:#.*)?$")
_VERSION_NOTE = re.compile(r"^\s*(?:#\s*v?\d[\w.+-]*)?$")  # "# v4.1.0" beside a pinned commit
GATE = "draftgate"
_GATE_RUN = re.compile(r"(?i)draftgate|\bgate\s+(?:check|hook)\b")

# The syntaxes whose version lines mean what they look like, by file name.
PYTHON, YAML, JSON, TOML, INI, MAKE = "python", "yaml", "json", "toml", "ini", "make"
_BY_SUFFIX = {".yml": YAML, ".yaml": YAML, ".json": JSON, ".toml": TOML, ".ini": INI,
              ".cfg": INI, ".mk": MAKE}
_BY_NAME = {"makefile": MAKE, "gnumakefile": MAKE, "pylintrc": INI, ".pylintrc": INI,
            ".flake8": INI, ".coveragerc": INI}

_DUNDERS = frozenset({"__version__", "__version_info__"})
SETUP = "setup.py"


def version_only(file: ChangedFile) -> str:
    """A short description of the bumps when the file's change is nothing else; empty otherwise."""
    if file.status is not FileStatus.MODIFIED or file.binary or not file.patch \
            or file.mode_changed or file.symlink or file.submodule or file.view \
            or file.hidden_coding:
        return ""
    text = file.patch.decode("utf-8", "surrogateescape")
    if any(GATE in (p or "").lower() for p in (file.path, file.old_path)):
        return ""  # the gate's own workflow: every change to it is a change to the gate
    hunks = _hunks(text)
    if hunks is None:
        return ""
    syntax = _syntax(file)
    bumps: list[tuple[str, str]] = []  # (what moved: "uses", "rev" or "version", how)
    lines: tuple[set[int], set[int]] = (set(), set())  # old and new line numbers of versions
    for hunk in hunks:
        found = _hunk_bumps(hunk, syntax, lines)
        if found is None:
            return ""
        bumps.extend(found)
    if not bumps:
        return ""
    if any(kind == "uses" for kind, _ in bumps) and _GATE_RUN.search(text):
        return ""  # an action moved in a job the hunks show running the gate
    if syntax == PYTHON and not all(
            _python_versions(source, numbers, file.path)
            for source, numbers in ((file.old_text, lines[0]), (file.new_text, lines[1]))):
        return ""
    shown = ", ".join(how for _, how in bumps[:3])
    if len(bumps) > 3:
        shown += f" and {len(bumps) - 3} more"
    return f"version bump only: {shown}"


def _syntax(file: ChangedFile) -> str:
    """How the file is read: Python, YAML, JSON, TOML, INI, a Makefile; empty for anything else."""
    name = posixpath.basename(file.path).lower()
    if is_python(file.path, file.new_text or file.old_text or b""):
        return PYTHON
    return _BY_NAME.get(name) or _BY_SUFFIX.get(posixpath.splitext(name)[1], "")


Hunk = tuple[int, int, list[str]]  # old start, new start, lines
_HEADER = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def _hunks(patch: str) -> list[Hunk] | None:
    """The hunks' lines; None when a line is not a diff line (the patch is not what it seems)."""
    hunks: list[Hunk] = []
    for line in patch.split("\n"):
        if line.startswith("@@"):
            header = _HEADER.match(line)
            if header is None:
                return None
            hunks.append((int(header[1]), int(header[2]), []))
        elif hunks and line and line[0] in " +-":
            hunks[-1][2].append(line)
        elif line.startswith("\\") or not line:
            continue  # "\ No newline at end of file", the final newline
        else:
            return None
    return hunks


def _hunk_bumps(hunk: Hunk, syntax: str,
                numbers: tuple[set[int], set[int]]) -> list[tuple[str, str]] | None:
    """The bumps of one hunk, or None when it changes anything else. The line numbers of the
    version strings go to ``numbers`` (old side, new side)."""
    old_line, new_line, lines = hunk
    bumps: list[tuple[str, str]] = []
    seen: list[tuple[str, str]] = []  # (sign, text) of the new side so far: context and added
    i = 0
    while i < len(lines):
        if lines[i][0] == " ":
            seen.append((" ", lines[i][1:]))
            old_line, new_line, i = old_line + 1, new_line + 1, i + 1
            continue
        removed, added = [], []
        while i < len(lines) and lines[i][0] == "-":
            removed.append(lines[i][1:])
            i += 1
        while i < len(lines) and lines[i][0] == "+":
            added.append(lines[i][1:])
            i += 1
        if len(removed) != len(added) or not removed:
            return None  # lines added or removed outright, or not a diff line
        for old, new in zip(removed, added, strict=True):
            bump = _pair(old, new, seen, syntax)
            if bump is None:
                return None
            if bump[0] == "version":
                numbers[0].add(old_line)
                numbers[1].add(new_line)
            bumps.append(bump)
            seen.append(("+", new))
            old_line, new_line = old_line + 1, new_line + 1
    return bumps


# Line breaks to YAML or Python that git does not split on: behind one, "# v5" is not a comment
# but a new line of the workflow or the module (PyYAML breaks at \x85, \u2028 and \u2029 too).
_HIDDEN_BREAK = re.compile("[\r\x85\u2028\u2029]")


def _pair(old: str, new: str, seen: list[tuple[str, str]],
          syntax: str) -> tuple[str, str] | None:
    old, new = old.removesuffix("\r"), new.removesuffix("\r")  # CRLF files
    if _HIDDEN_BREAK.search(old) or _HIDDEN_BREAK.search(new):
        return None
    a, b = _VERSION_STRING.match(old), _VERSION_STRING.match(new)
    if a is not None and b is not None:
        before, after = a["ref"] or a["ref2"], b["ref"] or b["ref2"]
        if a["head"] != b["head"] or a["tail"] != b["tail"] or before == after \
                or not _means_a_version(a, syntax, seen):
            return None
        return "version", f"{a['head'].strip().rstrip('=:').strip()} {before} -> {after}"
    if syntax != YAML:
        return None  # uses: and rev: are GitHub's and pre-commit's YAML
    for pattern in (_USES, _REV):
        a, b = pattern.match(old), pattern.match(new)
        if a is None or b is None:
            continue
        if a["head"] != b["head"] or a["ref"] == b["ref"]:
            return None
        if a["tail"] != b["tail"] and not (_VERSION_NOTE.match(a["tail"])
                                           and _VERSION_NOTE.match(b["tail"])):
            return None
        if pattern is _USES:
            what = a["what"]
            if what != b["what"] or GATE in what.lower():
                return None
            return "uses", f"{what}@{a['ref']} -> @{b['ref']}"
        repo = _repo_of(seen)
        if repo is None or GATE in repo.lower():
            return None
        return "rev", f"{repo} {a['ref']} -> {b['ref']}"
    return None


def _means_a_version(line: re.Match[str], syntax: str, seen: list[tuple[str, str]]) -> bool:
    """Whether a line that looks like a version string is one in its file's syntax (Python is
    checked again on the parsed sources, :func:`_python_versions`)."""
    if syntax in (YAML, JSON):
        return line["key"] is not None  # NAME = 1.2 there is text: a block scalar's shell line
    if syntax == PYTHON:
        return line["key"] is None
    if syntax not in (TOML, INI, MAKE) or line["annotation"] or (
            line["key"] is not None and syntax != INI):
        return False
    if syntax == MAKE and seen and seen[-1][1].endswith("\\"):
        return False  # the line continues the one above: part of its value or its recipe
    # An indented line is an INI value's continuation, a Makefile's recipe (a tab), a TOML
    # table's key still but nothing a release writes.
    return not line["head"][:1].isspace()


def _python_versions(source: bytes | None, numbers: set[int], path: str) -> bool:
    """Whether each line in ``numbers`` is, in the parsed ``source``, a whole statement that binds
    a release's version name to a literal at module level, or ``setup()``'s ``version=``."""
    if not numbers:
        return True
    if source is None:
        return False  # not read: cannot tell a module's constant from a protocol's
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    name = posixpath.basename(path)
    names = _DUNDERS | ({"VERSION", "version", "VERSION_INFO", "version_info", "release"}
                        if name in RELEASE_FILES else set())
    starts: dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            starts[node.lineno] = starts.get(node.lineno, 0) + 1
    found: set[int] = set()
    for stmt in tree.body:
        target, value = _binding(stmt)
        if target in names and value is not None and _literal(value) \
                and stmt.lineno == stmt.end_lineno and starts[stmt.lineno] == 1:
            found.add(stmt.lineno)
    if name == SETUP and setuptools_setup(tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and is_setup(node.func):
                found.update(k.lineno for k in node.keywords if k.arg == "version"
                             and k.lineno == k.end_lineno and _literal(k.value))
    return numbers <= found


def _binding(stmt: ast.stmt) -> tuple[str, ast.expr | None]:
    """``NAME = value`` or ``NAME: type = value``: the name and the value."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.simple:
        return stmt.target.id, stmt.value
    return "", None


def _literal(node: ast.expr) -> bool:
    """A string or a number, or a tuple of them: nothing evaluated."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, int, float)) and not isinstance(node.value, bool)
    return isinstance(node, ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, (str, int)) for e in node.elts)


def _repo_of(seen: list[tuple[str, str]]) -> str | None:
    """The ``- repo:`` that opens the list item holding the next line, if unchanged and visible."""
    for sign, text in reversed(seen):
        if _ITEM.match(text):
            found = _REPO.match(text)
            return found["url"] if found and sign == " " else None
    return None
