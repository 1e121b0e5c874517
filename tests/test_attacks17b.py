"""Red team of Python scopes derived from the other side of a change (issue 17, commit 098dc72:
gates/pyscopes.py, SymbolMatcher._parsed / may_declare in gates/symbols.py).

The claim under attack: ``derive(known, source, target, spans, keep)`` returns exactly what
``parse(target, keep)`` returns (scopes and line count) or None, and the def/class prefilter
(``may_declare``) is False only for a source in which Python can declare no matching name. A wrong
scope sends a change inside ``verify_signature`` to the fast lane.

Tests marked FINDING failed on the code of 098dc72 (each was a hole, fixed in the next commit);
the others are attacks that held, kept as regression tests. The differential fuzzers are seeded:
the same cases run every time.
"""

from __future__ import annotations

import ast
import difflib
import random
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from gates import changes
from gates.classify import Rules, classify
from gates.gitrepo import GitRepo
from gates.model import MatchKind, Side
from gates.policy import source
from gates.pyscopes import Parsed, derive, parse, spans
from gates.symbols import SymbolMatcher, symbol_hits

from .conftest import Repo

Keep = Callable[[str], bool]
# ast.parse of generated sources warns about their odd escapes and literals.
pytestmark = [pytest.mark.filterwarnings("ignore::SyntaxWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _everything(_: str) -> bool:
    return True


_LINE = re.compile(rb"[^\n]*\n|[^\n]+\Z")


def _patch(old: bytes, new: bytes, context: int = 3) -> bytes:
    """A unified patch as git writes it: headers, a function context, "\\ No newline"."""
    a, b = _LINE.findall(old), _LINE.findall(new)
    out: list[bytes] = []

    def span(start: int, length: int) -> bytes:
        if length == 1:
            return b"%d" % (start + 1)
        return b"%d,0" % start if not length else b"%d,%d" % (start + 1, length)

    def emit(prefix: bytes, line: bytes) -> None:
        out.append(prefix + (line[:-1] if line.endswith(b"\n") else line))
        if not line.endswith(b"\n"):
            out.append(b"\\ No newline at end of file")

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        out.append(b"@@ -" + span(first[1], last[2] - first[1]) + b" +"
                   + span(first[3], last[4] - first[3]) + b" @@ def context():")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    emit(b" ", line)
                continue
            for line in a[i1:i2]:
                emit(b"-", line)
            for line in b[j1:j2]:
                emit(b"+", line)
    return b"\n".join(out) + b"\n" if out else b""


def _mismatch(text: bytes, target: bytes, patch: bytes, *, reverse: bool = False,
              known: Parsed | None = None, keep: Keep = _everything) -> str | None:
    """None when derive declines or agrees with a full parse of ``target``; else the difference."""
    known = parse(text, keep) if known is None else known
    got = derive(known, text, target, spans(patch, reverse=reverse), keep)
    if got is None:
        return None
    want = parse(target, keep)
    if (got.scopes, got.lines) == (want.scopes, want.lines):
        return None
    return f"derived {got.scopes} ({got.lines} lines), parsed {want.scopes} ({want.lines} lines)"


# --- FINDING 1: a coding cookie opening a re-parsed stretch -------------------------------------
# A module-level stretch is parsed on its own, so a "# coding: ..." comment on its first line (or
# second, after a comment) is read as the stretch's encoding declaration; in the whole file it is
# line 3 or later and Python ignores it. With unicode_escape, "\x22" becomes a quote and a triple
# quoted string swallows the def in the stretch: derive drops verify_signature.

COOKIE_OLD = (b"import hmac\n\nx = 1\ndef verify_signature(p, s):\n"
              b"    return hmac.compare_digest(p, s)\n")
COOKIE_NEW = (b'import hmac\n\n# coding: unicode_escape\nA = "\\x22"\ndef verify_signature(p, s):\n'
              b'    return True\n    return hmac.compare_digest(p, s)\nB = "\\x22"\n')


def test_finding1_a_cookie_opening_a_reparsed_stretch_hides_a_def() -> None:
    # FINDING 1: fails on 098dc72 (derive returns no verify_signature; Python defines it).
    assert [s.name for s in parse(COOKIE_NEW, _everything).scopes] == ["verify_signature"]
    assert _mismatch(COOKIE_OLD, COOKIE_NEW, _patch(COOKIE_OLD, COOKIE_NEW)) is None


@pytest.mark.parametrize("cookie", [b"# vim: fileencoding=utf-7", b"#\n# coding: unicode_escape"])
def test_finding1_any_codec_cookie_in_a_stretch_declines_or_agrees(cookie: bytes) -> None:
    # FINDING 1 (variants): the second line of a stretch counts too, after a comment line.
    new = COOKIE_NEW.replace(b"# coding: unicode_escape", cookie).replace(
        b'"\\x22"', b'"+ACI-"' if b"utf-7" in cookie else b'"\\x22"')
    assert _mismatch(COOKIE_OLD, new, _patch(COOKIE_OLD, new)) is None


def _tier_and_hits(repo: Repo) -> tuple[str, set[tuple[Side, int | None]]]:
    rules = Rules(source.default())
    (fc,) = classify(rules, changes.staged(GitRepo(repo.root), rules.wants_text)).files
    return fc.tier, {(m.evidence.side, m.evidence.line) for m in fc.matches
                     if m.kind is MatchKind.SYMBOL}


def test_finding1_through_the_pipeline_a_sensitive_edit_goes_to_the_fast_lane(
        seeded: Repo) -> None:
    # FINDING 1: fails on 098dc72 (tier "low", no symbol hit; `gate check --staged` exits 0).
    seeded.write("lib/sig.py", COOKIE_OLD)
    seeded.commit("sig")
    seeded.write("lib/sig.py", COOKIE_NEW)
    tier, hits = _tier_and_hits(seeded)
    added = COOKIE_NEW.split(b"\n").index(b"    return True") + 1
    assert (Side.ADDED, added) in hits
    assert tier == "high"


# --- FINDING 2: a byte order mark opening a re-parsed stretch -----------------------------------
# U+FEFF is a BOM only at the start of a file: mid-file it is a syntax error, so the whole target
# does not parse (parse falls back to indentation scopes), but the stretch alone does.

def test_finding2_a_bom_opening_a_reparsed_stretch_is_accepted() -> None:
    # FINDING 2: fails on 098dc72 (derive gives () while parse gives verify_signature 5..6).
    old = b"x = 1\n\n\ny = 2\n"
    new = b'x = 1\n\n\n\xef\xbb\xbfDOC = """\ndef verify_signature(p):\n    return p\n"""\n'
    assert [s.name for s in parse(new, _everything).scopes] == ["verify_signature"]
    assert _mismatch(old, new, _patch(old, new)) is None


def test_finding2_a_bom_moves_a_decorated_def() -> None:
    # FINDING 2: fails on 098dc72 (derived start 4 = the decorator, parsed start 5).
    old = b"x = 1\n\n\ny = 2\n\n\nz = 3\n"
    new = b"x = 1\n\n\n\xef\xbb\xbf@dec\ndef verify_signature():\n    pass\n\n\nz = 3\n"
    assert _mismatch(old, new, _patch(old, new)) is None


# --- FINDING 3: a line holding only a backslash before a cut ------------------------------------
# "x = 2\n\\\n" ends a stretch with a continuation: the next cut is not at rest. At the end of the
# file that is a syntax error (3.11) that derive never sees; and "    \\" carries its indentation
# into the next line, so a class body statement can start in column 0 and be taken for a
# module-level cut.

def test_finding3_a_target_ending_in_a_lone_backslash_is_not_derived() -> None:
    # FINDING 3: fails on 098dc72 (derived K at 2..7 from the decorator; parse gives 6..7).
    old = b"@a\n\n@b(\n  1)\nclass K:\n    pass\nx = 2\n\\\ndef tail():\n    pass\n"
    new = b"@a\n\n@b(\n  1)\nclass K:\n    pass\nx = 2\n\\\n"
    with pytest.raises(SyntaxError):
        ast.parse(new)
    assert _mismatch(old, new, _patch(old, new)) is None


def test_finding3_an_indented_backslash_makes_a_class_statement_a_module_cut() -> None:
    # FINDING 3: fails on 098dc72 (derived class A ends at 7, Python's at 5).
    old = b"class A:\n    \\\nx = 1\n    \\\ny = 2\n"
    new = b"class A:\n    \\\nx = 1\n    \\\ny = 3\ndef verify_signature(p):\n    return p\n"
    assert _mismatch(old, new, _patch(old, new)) is None


def test_finding3_an_indented_backslash_carried_into_an_unchanged_stretch() -> None:
    # FINDING 3: fails on 098dc72 (the target does not parse: "unexpected indent" at line 6).
    old = b"class A:\n    \\\nx = 1\n    \\\ny = 2\n    \\\nz = 3\n"
    new = b"class A:\n    \\\nx = 5\ny = 2\n    \\\nz = 3\n"
    assert _mismatch(old, new, _patch(old, new)) is None


# --- FINDING 4 and 5: def/class spellings the prefilter misses ----------------------------------

BOM_MODULE = (b"\xef\xbb\xbfdef verify_signature(payload, sig):\n    x = 1\n"
              b"    return payload == sig\n")


def test_finding4_a_def_right_after_the_bom_is_seen(seeded: Repo) -> None:
    # FINDING 4: fails on 098dc72 (and before it): "^[ \t\f]*def" does not match after the BOM,
    # may_declare is False, nothing is parsed, the edit is low tier.
    seeded.write("lib/bom.py", BOM_MODULE)
    seeded.commit("bom")
    seeded.write("lib/bom.py", BOM_MODULE.replace(b"x = 1", b"x = 2"))
    tier, hits = _tier_and_hits(seeded)
    assert hits == {(Side.REMOVED, 2), (Side.ADDED, 2)}
    assert tier == "high"


@pytest.mark.parametrize("text", [
    BOM_MODULE,
    b"\xef\xbb\xbfclass TokenValidator:\n    pass\n",
    b"\xef\xbb\xbfasync def verify_token(t):\n    pass\n",
    # FINDING 5: a def that exists only in the declared coding (mitigated: the SAST stage reports
    # unicode-coding on such a file, but the symbol rule still misses it).
    b"# coding: unicode_escape\n\\x64ef verify_signature(p):\n    return p\n",
    b"# coding: utf-7\n+AGQ-ef verify_signature(p):\n    return p\n",
])
def test_finding4_5_the_prefilter_sees_every_def_python_reads(text: bytes) -> None:
    # FINDING 4/5: fail on 098dc72 (may_declare False; SymbolMatcher.scopes is empty).
    matcher = Rules(source.default()).symbols
    want = parse(text, lambda n: bool(matcher.match(n))).scopes
    assert want
    assert matcher.may_declare(text)
    assert tuple(matcher.scopes(text)) == want


# --- attacks that held --------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", [
    b"def \\\r\n    verify_signature(p):\r\n    return p\r\n",
    b"async\\\r\ndef verify_token(t):\r\n    return t\r\n",
    b"class\\\n\\\n  TokenValidator:\n    pass\n",
    b"x = 1\rdef verify_token(t):\r    return t\r",
    b"if 1:\n\t\x0c def verify_token(t): return t\n",
    b"def \xef\xbd\x96erify_token(t):\n    return t\n",
    b"def verify_\xef\xbd\x94oken(t):\n    return t\n",
    b"\\\n  def verify_token(t): return t\n",
    b"\x0cclass\x0cSigner:\n    pass\n",
])
def test_held_prefilter_spellings(spelling: bytes) -> None:
    matcher = Rules(source.default()).symbols
    want = parse(spelling, lambda n: bool(matcher.match(n))).scopes
    assert want and matcher.may_declare(spelling)
    assert tuple(matcher.scopes(spelling)) == want


BASE = (b"import os\n\n\nclass Client(Base):\n    a = 1\n\n"
        b"    def test_x(self):\n        return 1\n\n"
        b"    def verify_token(self, t):\n        return t\n\n    b = 2\n\n\ndef helper():\n"
        b"    return 2\n\n\nz = 3\n")


@pytest.mark.parametrize("target", [
    BASE.replace(b"import os\n", b"#!/usr/bin/env python\n# coding: latin-1\n"),  # line 2 cookie
    BASE.replace(b"z = 3", b"z = '\x00'"),  # NUL in a re-parsed stretch
    BASE.replace(b"z = 3", b"z = " + b"-" * 4000 + b"1"),  # RecursionError in a stretch
    BASE.replace(b"z = 3", b"z = " + b"(" * 300 + b")" * 300),  # too many parentheses
    BASE.replace(b"    b = 2\n", b"    b = 2\nelse:\n    pass\n"),
    BASE.replace(b"    b = 2\n", b""),  # the class's last statement deleted
    BASE.replace(b"    a = 1\n", b""),  # its first
    BASE.replace(b"    b = 2\n", b"    b = 2\n\tc = 3\n"),  # a tab in a class stretch
    BASE.replace(b"    b = 2\n", b"    b = 2\n    \x0cc = 3\n"),  # a form feed resets the column
    BASE.replace(b"    b = 2\n", b"    b = 2\n  c = 3\n"),
    BASE.replace(b"    b = 2\n", b"    b = 2\ndef verify_signature():\n    pass\n"),
    BASE.replace(b"    b = 2\n", b"    b = 2\n    @skip\n"),
    BASE.replace(b"    b = 2\n", b"    b = (\n"),
    BASE.replace(b"    b = 2\n", b"    b = 2 \\\n"),
    BASE.replace(b"    b = 2\n", b'    b = """\n'),
    BASE.replace(b"z = 3", b"z = 3\rdef verify_signature():\r    pass"),  # a bare CR added
    BASE.replace(b"z = 3\n", b"z = 3"),  # no newline at the end of the file
    BASE.replace(b"z = 3", b"from __future__ import barry_as_FLUFL\nz = 1 <> 2"),
    BASE.replace(b"z = 3", b"from __future__ import \xef\xbd\x82arry_as_FLUFL\nz = 1 != 2"),
    BASE.replace(b"z = 3", b"match z:\n    case [y]: x\ncase [y]: x"),
    BASE.replace(b"    b = 2\n", b"    case [y]: x\n    match = 1\n"),
    BASE.replace(b"class Client(Base):\n", b"class Client(Base): pass\nclass C2:\n"),
    BASE.replace(b"\n", b"\r\n"),
    # a cookie Python does not honour in a stretch either: after a code line, or in a class body
    BASE.replace(b"z = 3", b'z = 3\n# coding: unicode_escape\nA = "\\x22"\n'
                 b'def verify_signature():\n    pass\nB = "\\x22"'),
    BASE.replace(b"    b = 2\n", b'    # coding: unicode_escape\n    b = "\\x22"\n'
                 b'    def verify_signature(self):\n        pass\n    c = "\\x22"\n'),
    BASE.replace(b"        return t\n", b"        return t\n    class Inner:\n"
                 b"        def sign(s):\n            pass\n"),
])
def test_held_hostile_targets_decline_or_agree(target: bytes) -> None:
    for old, new, reverse in ((BASE, target, False), (target, BASE, True)):
        for context in (0, 3):
            patch = _patch(BASE, target, context)
            assert _mismatch(old, new, patch, reverse=reverse) is None


# --- differential fuzzers -----------------------------------------------------------------------

BLOCKS = [
    b"import os\n", b"x = 1\n", b"a = 1; b = 2\n", b"\n", b"# c\n", b"  # indented comment\n",
    b"def verify_token(t):\n    return t == 1\n",
    b"@decorate\ndef check_password(p):\n    if p:\n        return 1\n    else:\n"
    b"        return 2\n",
    b"@a\n\n@b(\n  1)\nclass K:\n    pass\n",
    b"class Session:\n    def login(self):\n        pass\n\n    def other(self):\n"
    b"        return [\n1,\n2]\n",
    b'TEXT = """\ndef not_a_def():\n    pass\n"""\n',
    b"total = 1 + \\\n    2\n", b"y = 1 \\\n\n",
    b"if x:\n    def inner_auth():\n        pass\nelse:\n    y = 2\n",
    b"try:\n    import json\nexcept ImportError:\n    json = None\nfinally:\n    pass\n",
    b"async def fetch_key():\n    await thing()\n",
    b"match x:\n    case 1:\n        def in_case_auth():\n            pass\n"
    b"    case _:\n        pass\n",
    b"match = 1\ncase = 2\n", b"case [y]: x\n", b"call(\n    1,\n)\n",
    b"class T(Base):\n    \"\"\"Doc.\"\"\"\n\n    def setUp(self):\n        self.x = 1\n\n"
    b"    @skip\n    def test_auth_ok(self):\n        assert self.x\n\n    # between\n"
    b"    def test_other(self):\n        s = \"\"\"\nfree text\n\"\"\"\n        return s\n\n"
    b"    class Inner:\n        def check_sig(self):\n            pass\n\n"
    b"    x = 1; y = 2\n    def test_last(self):\n        pass\n",
    b"class Tabbed:\n\tdef verify_it(self):\n\t\tpass\n\n\tdef more(self):\n\t\tpass\n",
    b"class W:\n        def deep(self):\n            pass\n        z = 3\n",
    b"class One: pass\n", b"class Two: x = 1; y = 2\n",
    b"class M(\n    Base,\n):\n    a = 1\n    b = (\n2)\n    def sign(self): return 1\n",
    b"def one_line_auth(): return 1\n",
    b"\x0cdef ff_auth():\n    pass\n", b"def\x0cff2():\n    pass\n",
    b"def \\\n  cont_auth():\n    pass\n", b"f = f'{x!r:>{w}}'\n", b"s = '''a\n''' ; t = 1\n",
    b"class CR:\r\n    def crlf_auth(self):\r\n        pass\r\n", b"z = 1\r\n",
    b"def v\xc3\xa9rify():\n    pass\n", b"with a as b, c as d:\n    def w_auth(): pass\n",
    b"while x:\n    class Loop:\n        pass\nelse:\n    pass\n", b"lambda: (yield)\n",
    b"class E:\n    # only comment\n    pass\n    # trailing comment\n",
    b"class D:\n    @property\n    def p(self):\n        return 1\n    @p.setter\n"
    b"    def p(self, v):\n        pass\n",
]
CLASS_LINES = [b"    def test_new(self):", b"        return 2", b"    x = 1", b"    @skip",
               b"    class Nested:", b"        def verify_token(self):", b"            pass",
               b"    pass", b"    # c", b"", b"  y = 2", b"\tdef tabbed(self):", b'    """',
               b"    s = (", b"    )", b"    else:", b"    if x:", b"        pass",
               b"    \x0cdef ffi(self): pass", b"    \x0c    q = 1", b"\x0c    r = 1",
               b"    case = 1", b"    match x:", b"        case 1: pass"]
FRAGMENTS = [b'"""', b"'''", b"else:", b"x = (", b")", b"@dec", b"def sign_key():",
             b"    return 0", b"except E:", b"# note", b"", b"class Auth:", b"z = 3", b"elif y:",
             b"finally:", b"def f(", b"]", b"case 2:", b"\t", b"\x0c", b"x = 1\r", b"y = 2 \\",
             b"from __future__ import annotations", b"async \\", b"def \\"]
MEMBERS = [
    b"    def test_a(self):\n        return 1\n", b"    x = 1\n", b"    a = 1; b = 2\n", b"\n",
    b"    # c\n", b"# col0 comment\n",
    b"    @skip\n    def test_auth(self):\n        assert self.token\n",
    b"    class Inner:\n        def verify_token(self):\n            pass\n",
    b'    """Doc."""\n', b'    s = """\nfree\n"""\n', b"    t = (\n1,\n)\n",
    b"    u = 1 + \\\n        2\n", b"    if x:\n        y = 1\n    else:\n        y = 2\n",
    b"    def one(self): return 1\n", b"    async def check_session(self):\n        await x\n",
    b"    match = 1\n", b"    try:\n        pass\n    except E:\n        pass\n",
    b"    @property\n\n    # gap\n    def sign_it(self):\n        pass\n", b"    pass\n",
]
HEADERS = [b"class Big(Base):\n", b"@dataclass\nclass Dec:\n", b"class Auth:\n",
           b"class Multi(\n    A,\n    B,\n):\n"]
# Lines behind findings 1-3: lone backslashes (with and without indentation), BOMs, cookies.
HOSTILE_BLOCKS = [b"x = 2\n\\\n", b"\\\ndef after_backslash():\n    pass\n"]
HOSTILE_LINES = [b"\\", b"    \\", b"\xef\xbb\xbfx = 1", b"\xef\xbb\xbf", b"# coding: latin-1",
                 b"# -*- coding: unicode_escape -*-", b"x = '\x00'", b"\xe9 = 1",
                 b"from __future__ import barry_as_FLUFL", b"x = 1 <> 2"]


class _Gen:
    """Random modules and edits; ``hostile`` adds the lines behind findings 1-3."""

    def __init__(self, seed: int, *, hostile: bool) -> None:
        self.rng = random.Random(seed)
        self.blocks = BLOCKS + HOSTILE_BLOCKS * 3 if hostile else BLOCKS
        self.lines = FRAGMENTS + HOSTILE_LINES * 3 if hostile else FRAGMENTS
        self.members = [*MEMBERS, b"    \\\n    v = 1\n", b"\\\n    w = 1\n"] if hostile \
            else MEMBERS

    def module(self) -> bytes:
        rng, parts = self.rng, []
        classes = rng.random() < 0.5
        for _ in range(rng.randint(1, 10)):
            if classes and rng.random() < 0.6:
                body = b"".join(rng.choice(self.members) for _ in range(rng.randint(1, 8)))
                parts.append(rng.choice(HEADERS) + body + b"    pass\n")
            else:
                parts.append(rng.choice(self.blocks))
        return b"".join(parts)

    def edit(self, text: bytes) -> bytes:
        rng = self.rng
        lines = text.split(b"\n")
        if rng.random() < 0.4:  # whole statements in or out, at module level or in a class
            for _ in range(rng.randint(1, 3)):
                level = rng.random() < 0.5
                starts = [i for i, line in enumerate(lines)
                          if line[4:5].strip() and not line[:4].strip()] if level else \
                    [i for i, line in enumerate(lines) if line[:1].strip()]
                at = rng.choice(starts) if starts else len(lines)
                piece = rng.choice(self.members if level else self.blocks).split(b"\n")[:-1]
                if rng.random() < 0.3 and at < len(lines):
                    del lines[at]
                else:
                    lines[at:at] = piece
            return b"\n".join(lines)
        for _ in range(rng.randint(1, 3)):
            inside = [i for i, line in enumerate(lines) if line.startswith(b"    ")]
            at = rng.choice(inside) if inside and rng.random() < 0.5 else rng.randint(0, len(lines))
            if rng.random() < 0.15 and at < len(lines):  # one character typed into a line
                k = rng.randint(0, len(lines[at]))
                lines[at] = lines[at][:k] + rng.choice((b"1", b" ", b"(", b"#", b"\\", b"'")) \
                    + lines[at][k:]
                continue
            added: list[bytes] = []
            for _ in range(rng.randint(0, 3)):
                r = rng.random()
                source = self.members if r < 0.3 else self.blocks
                if r < 0.6:
                    added.extend(rng.choice(source).split(b"\n")[:-1])
                else:
                    added.append(rng.choice(CLASS_LINES if r < 0.8 else self.lines))
            lines[at:at + rng.choice((0, 0, 1, 1, 2, 3))] = added
        out = b"\n".join(lines)
        return out.rstrip(b"\n") if rng.random() < 0.1 else out


def _fuzz(seed: int, rounds: int, *, hostile: bool) -> tuple[int, list[str]]:
    """Derive old->mid and mid->old from full parses, and mid->new from the derived mid (the
    scope cache of ``gate replay`` derives from derived results)."""
    gen, derived, bad = _Gen(seed, hostile=hostile), 0, []
    for _ in range(rounds):
        old = gen.module()
        mid = gen.edit(old)
        new = gen.edit(mid)
        context = gen.rng.choice((0, 1, 3, 3))
        first, second = _patch(old, mid, context), _patch(mid, new, context)
        chained = derive(parse(old, _everything), old, mid, spans(first), _everything)
        cases = [(old, mid, first, False, None), (mid, old, first, True, None)]
        if chained is not None and chained.cuts:
            cases.append((mid, new, second, False, chained))
        for text, target, patch, reverse, cached in cases:
            known = parse(text, _everything) if cached is None else cached
            got = derive(known, text, target, spans(patch, reverse=reverse), _everything)
            if got is None:
                continue
            derived += 1
            want = parse(target, _everything)
            if (got.scopes, got.lines) != (want.scopes, want.lines):
                bad.append(f"{text!r} -> {target!r}\n{patch!r}\n{got.scopes}\n{want.scopes}")
    return derived, bad


def test_held_fuzz_derive_is_a_full_parse_or_nothing() -> None:
    derived, bad = 0, []
    for seed in range(4):
        n, found = _fuzz(seed, 1500, hostile=False)
        derived, bad = derived + n, bad + found
    assert not bad, f"{len(bad)} mismatches, first:\n{bad[0]}"
    assert derived > 3000  # the comparison must really have happened, often


def test_finding2_3_fuzz_with_hostile_lines() -> None:
    # FINDING 2/3: fails on 098dc72 (lone backslashes before a cut, a mid-file BOM).
    derived, bad = 0, []
    for seed in range(2):
        n, found = _fuzz(100 + seed, 1500, hostile=True)
        derived, bad = derived + n, bad + found
    assert not bad, f"{len(bad)} mismatches, first:\n{bad[0]}"
    assert derived > 1000


def test_held_fuzz_lying_hunk_headers() -> None:
    """Any spans at all (as a hostile patch could claim): a full parse or nothing."""
    gen, derived = _Gen(7, hostile=False), 0
    for _ in range(3000):
        old = gen.module()
        new = gen.edit(old)
        lines_old, lines_new = old.count(b"\n") + 1, new.count(b"\n") + 1
        lies = [(gen.rng.randint(0, lines_old), gen.rng.randint(0, 4),
                 gen.rng.randint(0, lines_new), gen.rng.randint(0, 4))
                for _ in range(gen.rng.randint(0, 3))]
        if gen.rng.random() < 0.5:  # a true header with one number off
            true = spans(_patch(old, new))
            if true:
                k = gen.rng.randrange(len(true))
                a, b, c, d = true[k]
                true[k] = (a, b, c, d + gen.rng.choice((-1, 1)))
                lies = true
        got = derive(parse(old, _everything), old, new, lies, _everything)
        if got is None:
            continue
        derived += 1
        want = parse(new, _everything)
        assert (got.scopes, got.lines) == (want.scopes, want.lines), (old, new, lies)
    assert derived > 100


def test_held_real_git_patches(tmp_path: Path) -> None:
    """spans() over what git itself writes (function context, "\\ No newline", its own hunk
    boundaries), not over this file's patch writer."""
    gen, derived = _Gen(11, hostile=False), 0
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    for _ in range(200):
        old = gen.module()
        new = gen.edit(old)
        a.write_bytes(old)
        b.write_bytes(new)
        out = subprocess.run(["git", "diff", "--no-index", "--no-color", "-U3", "--", str(a),
                              str(b)], capture_output=True, check=False).stdout
        patch = out[out.find(b"\n@@") + 1:] if b"\n@@" in out else b""
        for text, target, reverse in ((old, new, False), (new, old, True)):
            known = parse(text, _everything)
            derived += derive(known, text, target, spans(patch, reverse=reverse),
                              _everything) is not None
            assert _mismatch(text, target, patch, reverse=reverse, known=known) is None, patch
    assert derived > 60


def test_held_a_replayed_history_hits_what_fresh_parses_hit(seeded: Repo) -> None:
    """One matcher (one blob-keyed scope cache) over a chain of commits, as ``gate replay`` uses
    it; each change's hits must be those of a matcher that parses both sides from nothing."""
    gen = _Gen(23, hostile=False)
    rules = Rules(source.default())
    text = gen.module() + b"\n\nclass TokenValidator:\n    def verify_signature(self, p):\n" \
        b"        a = 1\n        return a\n\n    def other(self):\n        return 2\n"
    seeded.write("lib/chain.py", text)
    seeded.commit("chain")
    compared = 0
    for _ in range(25):
        lines = text.split(b"\n")
        at = gen.rng.randrange(len(lines))
        lines.insert(at, gen.rng.choice((b"        a = 2", b"    b = 3", b"x = 4", b"")))
        candidate = b"\n".join(lines)
        candidate = candidate if _parses(candidate) else gen.edit(text)
        if candidate == text:
            continue
        text = candidate
        seeded.write("lib/chain.py", text)
        (file,) = changes.staged(GitRepo(seeded.root), rules.wants_text).files
        cached = {(h.side, h.line, h.name)
                  for h in symbol_hits(file, rules.symbols, file.old_text, file.new_text)}
        fresh = SymbolMatcher(rules.symbols.patterns)
        alone = replace(file, old_blob=None, new_blob=None)
        want = {(h.side, h.line, h.name)
                for h in symbol_hits(alone, fresh, file.old_text, file.new_text)}
        assert cached == want, (file.patch, text)
        compared += bool(want)
        seeded.commit("step")
    assert compared > 5


def _parses(text: bytes) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True
