"""Names of the functions and classes that enclose each changed line.

A change inside ``def verify_signature`` is sensitive wherever the file lives. For Python the gate
reads the whole file (both sides) and uses ``ast`` scopes, so a method edit is attributed to its
class too, however far the ``class`` line is from the hunk; a file that does not parse (a
half-finished draft) falls back to indentation. Other languages use git's hunk-header function
context (the nearest declaration above the hunk, found with git's built-in diff drivers) plus
declarations inside the hunk.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from gates.decode import PYTHON_SUFFIXES
from gates.hunks import ADDED, CONTEXT, NO_NEWLINE, REMOVED, changed_lines, hunks
from gates.model import ChangedFile, Side
from gates.patterns import compile_latin1, compile_regex, replace_anchors
from gates.pyscopes import (
    PY_DECL,
    Parsed,
    Scope,
    decoded_as_is,
    derive,
    parse,
    python_scopes,
    spans,
)

# RE2, not re: these run over untrusted patches and must stay linear on hostile input.
_KEYWORD_DECL_TEXT = (
    r"(?:^|[\s(])(?:async\s+)?(?:def|class|func|function|fn|sub|interface|struct|trait|enum|module"
    r"|impl|procedure|record|object)\s+(?:\([^)]*\)\s*)?\*?\s*([A-Za-z_$][\w$]*)"
)
_KEYWORD_DECL = compile_regex(_KEYWORD_DECL_TEXT)
_KEYWORD_DECL_BYTES = compile_regex(_KEYWORD_DECL_TEXT.encode())
_WORD_BOUNDARY = r"\b"
_GAP = r"(?:[ \t\f]|\\\n)"  # between a keyword and its name (gates.pyscopes.PY_DECL)
_SCOPES_KEPT = 1024  # parsed blobs remembered by a SymbolMatcher (a few KB to some 50 KB each)
_NOTHING_KEPT = 100_000  # blob ids known to declare no matching name
# A name bound on a line without a def: at module or class level ("name = ..."), on another
# object at any depth ("views.check_password = ..."), through setattr, or as an import alias. A
# function's local variable (indented deeper) and a keyword argument on its own line (ending in a
# comma) are not rebindings; neither is a plain import (routine: "from celery import signature").
_REBIND = re.compile(
    rb"^(?:[ \t]{0,4})([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)(?![^\n]*,[ \t]*\r?$)"
    rb"|^[ \t]*((?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*)[ \t]*=(?!=)(?![^\n]*,[ \t]*\r?$)"
    rb"|\bsetattr\([^,]+,[ \t]*[\"']([A-Za-z_]\w*)[\"']"
    rb"|\bimport[ \t]+[^\n]*?\bas[ \t]+([A-Za-z_]\w*)")
# A def/class whose name has a non-ASCII byte (Python may normalise it to an ASCII one).
# RE2 in Latin-1 (one byte, one character): Python's re would retry at every line of a big file.
_NON_ASCII_DECL = compile_latin1(
    rb"(?m)^[ \t\f]*(?:async(?:[ \t\f]|\\\n)+)?(?:def|class)(?:[ \t\f]|\\\n)+\w*[\x80-\xff]")
_NOTHING = Parsed(())
_CALL_LIKE = compile_regex(r"([A-Za-z_$][\w$]*)\s*\(")


@dataclass(frozen=True, slots=True)
class SymbolHit:
    """A changed line enclosed by (or declaring) a name that a symbol pattern matched."""

    side: Side
    line: int
    name: str
    pattern: int
    text: bytes


class SymbolMatcher:
    """The policy's symbol patterns, matched against declared names."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._each = tuple(compile_regex(p) for p in self.patterns)
        self._cache: dict[str, tuple[int, ...]] = {}
        self._kept: dict[str, Parsed] = {}
        self._nothing: set[str] = set()  # blobs that can declare no matching name
        # One pass over a whole Python file finds whether any def/class name *could* match: each
        # pattern is embedded after "def " with its anchors widened to word boundaries (a superset).
        embedded = "|".join(f"(?:{replace_anchors(p, _WORD_BOUNDARY)})" for p in self.patterns)
        self._python_decl = compile_regex(
            rf"(?m)^[ \t\f]*(?:async{_GAP}+)?(?:def|class){_GAP}+\w*?(?:{embedded})".encode()
        ) if self.patterns else None
        # The same superset for a name bound without a def on a changed line (an assignment, a
        # setattr, an import): one pass over the patch decides whether to look line by line.
        self.rebinding = compile_regex(
            rf"(?m)^[+-][^\n]*?\w*?(?:{embedded})\w*[\"']?\s*(?:[=,]|\bas\b|$)".encode()
        ) if self.patterns else None

    def may_declare(self, source: bytes) -> bool:
        """False only when no def/class name in the Python ``source`` can match a pattern.

        A name with a non-ASCII letter always may: Python reads identifiers in NFKC, so
        ``def \uff56erify_signature`` (a fullwidth v) defines ``verify_signature``.
        """
        if self._python_decl is None:
            return False
        # Python reads a bare \r as a line break: a "def" behind one is a def.
        flat = source.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in source \
            else source
        # Python drops a byte order mark before the first line ("\ufeffdef verify(...)").
        flat = flat.removeprefix(b"\xef\xbb\xbf")
        if not flat.isascii() and _NON_ASCII_DECL.search(flat):
            return True
        if not decoded_as_is(flat):
            return True  # the bytes are not what Python parses (another coding): parse
        return self._python_decl.search(flat) is not None and self.any(
            n.decode("ascii") for n in set(PY_DECL.findall(flat)))

    def scopes(self, text: bytes | None, blob: str | None = None, *,
               other: tuple[bytes | None, str | None] = (None, None),
               patch: bytes = b"", reverse: bool = False) -> list[Scope]:
        """The ``def``/``class`` scopes of a Python ``text`` whose names match a pattern.

        Parsing is the expensive step. ``gate replay`` meets most blobs twice (as the new side of
        one commit and the old side of the next), so results are kept per blob id; and when the
        ``other`` side of the change (its text and blob) is known, only the stretches ``patch``
        changes are parsed (:func:`gates.pyscopes.derive`; ``reverse``: ``text`` is the old side).
        """
        return list(self._parsed(text, blob, other, patch, reverse).scopes)

    def _parsed(self, text: bytes | None, blob: str | None,
                other: tuple[bytes | None, str | None], patch: bytes, reverse: bool) -> Parsed:
        if not text or blob in self._nothing:
            return _NOTHING
        found = self._kept.get(blob) if blob is not None else None
        if found is not None:
            return found
        known = self._kept.get(other[1]) if other[1] is not None else None
        if known is not None and known.cuts and other[0] is not None:
            # Exact scopes of the whole text, so the prefilter (a superset) has nothing to add.
            found = derive(known, other[0], text, spans(patch, reverse=reverse), self._keep)
        if found is None:
            found = parse(text, self._keep) if self.may_declare(text) else _NOTHING
        if blob is None:
            return found
        if found is _NOTHING:  # most blobs: a set entry, so they do not push parsed ones out
            if len(self._nothing) >= _NOTHING_KEPT:
                self._nothing.clear()
            self._nothing.add(blob)
        else:
            if len(self._kept) >= _SCOPES_KEPT:
                del self._kept[next(iter(self._kept))]  # the oldest entry
            self._kept[blob] = found
        return found

    def _keep(self, name: str) -> bool:
        return bool(self.match(name))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def match(self, name: str) -> tuple[int, ...]:
        """Indices of the patterns that match ``name`` (memoised: names repeat a lot)."""
        found = self._cache.get(name)
        if found is None:
            found = tuple(i for i, rx in enumerate(self._each) if rx.search(name))
            self._cache[name] = found
        return found

    def any(self, names: Iterable[str]) -> bool:
        """True when at least one of ``names`` matches a pattern."""
        return any(self.match(n) for n in names)


def is_python(path: str) -> bool:
    """True for the files whose scopes are read with ``ast``."""
    return path.endswith(PYTHON_SUFFIXES)


def declared_name(line: str) -> str | None:
    """The name a source line declares, for the languages git's diff drivers know."""
    m = _KEYWORD_DECL.search(line)
    return m.group(1) if m else None


def context_name(context: str) -> str | None:
    """The name in a hunk header's function context (``def f(x):``, ``int main(void) {``)."""
    name = declared_name(context)
    if name:
        return name
    m = _CALL_LIKE.search(context)
    return m.group(1) if m else None


def symbol_hits(file: ChangedFile, matcher: SymbolMatcher,
                old_text: bytes | None, new_text: bytes | None) -> list[SymbolHit]:
    """Every changed line of ``file`` inside, or declaring, a matching name."""
    if not matcher or not file.patch:
        return []
    if is_python(file.path) and (old_text is not None or new_text is not None):
        hits = _python_hits(file, matcher, old_text, new_text)
    else:
        hits = list(_hunk_hits(file.patch, matcher)) if _may_hit(file.patch, matcher) else []
    return hits + list(_rebinding_hits(file.patch, matcher, {(h.side, h.line) for h in hits}))


def _rebinding_hits(patch: bytes, matcher: SymbolMatcher,
                    seen: set[tuple[Side, int]]) -> Iterator[SymbolHit]:
    """Changed lines that rebind a matching name without a ``def``: ``authenticate = _trusting``,
    ``views.check_password = _always``, ``setattr(auth, "verify_token", ...)``,
    ``from .lax import trusting as authenticate``."""
    if matcher.rebinding is None or matcher.rebinding.search(patch) is None:
        return
    for side, number, raw in changed_lines(patch):
        if (side, number) in seen:
            continue
        for m in _REBIND.finditer(raw):
            name = next((g.decode("ascii", "replace") for g in m.groups() if g), "")
            for i in matcher.match(name.rsplit(".", 1)[-1]) if name else ():
                yield SymbolHit(side, number, name, i, raw)


def _may_hit(patch: bytes, matcher: SymbolMatcher) -> bool:
    """Cheap test before walking hunks: does any name in headers or declarations match?"""
    names = [context_name(h.context) for h in hunks(patch)]
    names.extend(n.decode("utf-8", "replace") for n in _KEYWORD_DECL_BYTES.findall(patch))
    return matcher.any(n for n in names if n)


def _python_hits(file: ChangedFile, matcher: SymbolMatcher,
                 old_text: bytes | None, new_text: bytes | None) -> list[SymbolHit]:
    old, new = (old_text, file.old_blob), (new_text, file.new_blob)
    scopes: dict[Side, list[Scope]] = {}
    # The old side first: the new one is then derived from it (or the old from a cached new).
    for side, found in ((Side.REMOVED, matcher.scopes(*old, other=new, patch=file.patch,
                                                      reverse=True)),
                        (Side.ADDED, matcher.scopes(*new, other=old, patch=file.patch))):
        if found:
            scopes[side] = found
    if not scopes:
        return []
    lines: dict[Side, list[tuple[int, bytes]]] = {Side.ADDED: [], Side.REMOVED: []}
    for side, line, text in changed_lines(file.patch):
        if side in scopes:
            lines[side].append((line, text))
    hits: list[SymbolHit] = []
    for side, side_scopes in scopes.items():
        for line, text, chain in _enclosing(side_scopes, lines[side]):
            hits.extend(SymbolHit(side, line, scope.name, i, text)
                        for scope in chain for i in matcher.match(scope.name))
    return hits


def _enclosing(scopes: list[Scope], lines: list[tuple[int, bytes]]
               ) -> Iterator[tuple[int, bytes, list[Scope]]]:
    """For ascending ``lines``, the scopes enclosing each: one sweep, O(scopes + lines x depth).

    Scopes nest (they come from a syntax tree or from indentation), so the scopes still open at a
    line are exactly the ones that enclose it.
    """
    order = sorted(scopes, key=lambda s: (s.start, -s.end))
    open_scopes: list[Scope] = []
    i = 0
    for line, text in lines:
        while i < len(order) and order[i].start <= line:
            open_scopes.append(order[i])
            i += 1
        open_scopes = [s for s in open_scopes if s.end >= line]
        if open_scopes:
            yield line, text, open_scopes


def _hunk_hits(patch: bytes, matcher: SymbolMatcher) -> Iterator[SymbolHit]:
    for side, number, names, text in _hunk_scopes(patch):
        for i in matcher.match(names[-1]):
            yield SymbolHit(side, number, names[-1], i, text)


def _hunk_scopes(patch: bytes) -> Iterator[tuple[Side, int, tuple[str, ...], bytes]]:
    """Each changed line of a non-Python patch with the names it may belong to: git's hunk
    context and every declaration seen in the hunk so far, the latest last. Without a parser a
    declaration may be a comment or a string (``// function helper``); the latest is the best
    guess, the earlier ones are kept so a fake one cannot take the line away from them."""
    for hunk in hunks(patch):
        context = context_name(hunk.context)
        names: tuple[str, ...] = (context,) if context else ()
        old, new = hunk.old_start, hunk.new_start
        body = patch[hunk.body_start:hunk.end]
        for raw in body.split(b"\n")[: body.count(b"\n")]:
            marker = raw[0] if raw else CONTEXT
            text = raw[1:]
            if marker == NO_NEWLINE:
                continue
            name = declared_name(text.decode("utf-8", "replace"))
            if name:
                names = (*(n for n in names if n != name), name)
            if marker in (ADDED, REMOVED) and names:
                yield (Side.ADDED, new, names, text) if marker == ADDED \
                    else (Side.REMOVED, old, names, text)
            if marker != ADDED:
                old += 1
            if marker != REMOVED:
                new += 1


def touched_names(file: ChangedFile, old_text: bytes | None,
                  new_text: bytes | None) -> dict[str, tuple[Side, int]]:
    """Every function or class whose body the change touches, by qualified name
    (``Session.check``, ``outer.inner``), with the first changed line inside it.

    The one definition of "this change touched that function", shared by ``gate learn`` (what a
    security fix changed) and the hotspot rule (does a later change touch it again), so the two
    can never disagree. A changed line counts for every scope that encloses it, outermost to
    innermost. Python is read with ``ast`` on both sides; other languages by git's hunk context
    and the declarations inside the hunk (unqualified).
    """
    found: dict[str, tuple[Side, int]] = {}
    if not file.patch:
        return found
    if is_python(file.path) and (old_text is not None or new_text is not None):
        lines: dict[Side, list[tuple[int, bytes]]] = {Side.ADDED: [], Side.REMOVED: []}
        for side, line, raw in changed_lines(file.patch):
            lines[side].append((line, raw))
        for side, source in ((Side.REMOVED, old_text), (Side.ADDED, new_text)):
            if not source or not lines[side]:
                continue
            for line, _, chain in _enclosing(python_scopes(source), lines[side]):
                names = [s.name for s in chain]
                for depth in range(1, len(names) + 1):
                    found.setdefault(".".join(names[:depth]), (side, line))
        return found
    for side, number, owners, _ in _hunk_scopes(file.patch):
        for name in owners:
            found.setdefault(name, (side, number))
    return found



_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
# Inside another function's body, the lines that rebind a name somewhere else: an attribute
# assigned or deleted (``Session.check = ...``), setattr/delattr with the name, a ``global``.
_BODY_REBIND = re.compile(
    rb"\.[ \t]*([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)"
    rb"|\b(?:set|del)attr\([^,]+,[ \t]*[\"']([A-Za-z_]\w*)[\"']"
    rb"|\bdel[ \t]+[\w. \t,]*?\b([A-Za-z_]\w*)[ \t]*(?:$|[,;#])"
    rb"|\b(?:global|nonlocal)[ \t]+([\w \t,]+)")
MODULE, CLASS, BODY = "module", "class", "body"  # where a changed line lies (_changed_places)
# Words of a line that can rebind any name, the hot one included, without spelling it
# (``globals()["parse_" "header"] = f``, ``exec(b64decode(...))``): outside function bodies all of
# them; inside a body only the ones that reach the module (``setattr(self, k, v)`` is routine).
_DYNAMIC = frozenset({"globals", "vars", "locals", "exec", "eval", "setattr", "delattr",
                      "__dict__", "__builtins__", "builtins", "modules"})
_DYNAMIC_IN_BODY = frozenset({"globals", "exec", "__builtins__", "builtins", "modules"})


def hot_hits(file: ChangedFile, old_text: bytes | None, new_text: bytes | None,
             symbols: Iterable[str]) -> dict[str, tuple[Side, int]]:
    """Which of ``symbols`` (qualified names of hot functions and classes) the change touches,
    with the first changed line that does.

    Touching is :func:`touched_names` (a changed line inside the function, or in something nested
    in it), and, for Python, changing what the name means without entering its body:

    - a changed line outside every function body, in the module or in a class enclosing the hot
      name, that names the hot name's last part as a word (``Session.check = lambda ...``,
      ``check = describe`` in the class, ``from x import y as parse_header``);
    - any change to the hot name's own class outside its methods' bodies (a class decorator, its
      bases, a class-body statement, a method added, removed or decorated: a new
      ``__getattribute__`` decides what ``check`` is), and the same in a class of this file it
      inherits from or takes as metaclass, or in such a class's ``check`` or dunder methods
      (``__init_subclass__`` can replace ``check`` on every subclass);
    - a module-level line that names the hot name's outermost class (``Session = LaxSession``);
    - a line in any other function's body that rebinds the last part or that class elsewhere
      (``Session.check = ...`` or ``global Session`` in an ``_install()`` the module calls).

    - a line that can rebind names without spelling them: ``globals()``, ``exec``, ``setattr``,
      ``__dict__``, ``sys.modules`` (outside function bodies; in a body the ones that reach the
      module).

    Another file patching the name (``session.Session.check = ...`` in a plugin) is that file's
    change and is not read here.
    """
    wanted = [s for s in symbols if s]
    if not wanted or not file.patch:
        return {}
    touched = touched_names(file, old_text, new_text)
    found: dict[str, tuple[Side, int]] = {}
    for symbol in wanted:
        prefix = f"{symbol}."
        at = next((where for name, where in touched.items()
                   if name == symbol or name.startswith(prefix)), None)
        if at is not None:
            found[symbol] = at
    if len(found) == len(wanted) or not is_python(file.path):
        return found
    for side, source in ((Side.REMOVED, old_text), (Side.ADDED, new_text)):
        if not source:
            continue
        ancestors = _ancestors(source, {s.split(".")[0] for s in wanted if "." in s})
        for place, classes, line, text in _changed_places(file.patch, source, side):
            words = {w.decode("ascii") for w in _WORD.findall(text)}
            bound = _body_bound(text) if place == BODY else set()
            for symbol in wanted:
                above = ancestors.get(symbol.split(".")[0], set())
                if symbol not in found and _hot_line(symbol, place, classes, words,
                                                     bound=bound, ancestors=above):
                    found[symbol] = (side, line)
    return found


def _hot_line(symbol: str, place: str, classes: list[str], words: set[str], *, bound: set[str],
              ancestors: Iterable[str]) -> bool:
    """Does one changed line, outside the hot name's own body, change what the name means?"""
    parts = symbol.split(".")
    parent, last = parts[:-1], parts[-1]
    if place == BODY:
        if last in bound or (bool(parent) and parent[0] in bound) or words & _DYNAMIC_IN_BODY:
            return True
        method = classes[-1] if len(classes) > 1 else ""
        return classes[:1] != [] and classes[0] in ancestors and (
            method == last or (method.startswith("__") and method.endswith("__")))
    if classes == parent[:len(classes)] and (last in words or (bool(parent) and classes == parent)):
        return True
    if (place == MODULE and parent and parent[0] in words) or words & _DYNAMIC:
        return True
    return place == CLASS and classes[0] in ancestors


def _body_bound(text: bytes) -> set[str]:
    """The names a line in a function's body rebinds outside that function."""
    bound: set[str] = set()
    for m in _BODY_REBIND.finditer(text):
        for group in m.groups():
            if group:
                bound.update(w.decode("ascii") for w in _WORD.findall(group))
    return bound


def _ancestors(source: bytes, classes: set[str]) -> dict[str, set[str]]:
    """For each of ``classes``, the classes of this file it inherits from or takes as
    metaclass, transitively (names only: a base imported from elsewhere is not in the file)."""
    if not classes:
        return {}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    direct: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            refs = [*node.bases, *(k.value for k in node.keywords)]
            direct.setdefault(node.name, set()).update(
                n.id for r in refs for n in ast.walk(r) if isinstance(n, ast.Name))
    out: dict[str, set[str]] = {}
    for name in classes:
        seen: set[str] = set()
        todo = list(direct.get(name, ()))
        while todo:
            base = todo.pop()
            if base in direct and base not in seen and base != name:
                seen.add(base)
                todo.extend(direct[base])
        out[name] = seen
    return out


def _changed_places(patch: bytes, source: bytes, side: Side
                    ) -> Iterator[tuple[str, list[str], int, bytes]]:
    """Each changed line of one side with where it lies (module level, a class's own lines, or
    a function's body) and the classes enclosing it (outermost first; none at module level). A
    ``def`` line, its signature and its decorators are their class's own lines: adding,
    removing or decorating a method changes the class. A method's body line carries its
    classes and then the method's name; any other body line no classes."""
    lines = [(number, text) for s, number, text in changed_lines(patch) if s is side]
    if not lines:
        return
    scopes = python_scopes(source)
    inside: set[int] = set()
    for line, text, chain in _enclosing(scopes, lines):
        inside.add(line)
        body = next((i for i, s in enumerate(chain) if s.function and line >= s.body), None)
        if body is not None:
            owners = [s.name for s in chain[:body] if not s.function]
            if len(owners) == body:  # a method's body: the class and the method
                yield BODY, [*owners, chain[body].name], line, text
            else:
                yield BODY, [], line, text
            continue
        kind = CLASS if any(not s.function for s in chain) else MODULE
        yield kind, [s.name for s in chain if not s.function], line, text
    for line, text in lines:
        if line not in inside:
            yield MODULE, [], line, text
