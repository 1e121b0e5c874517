"""Scopes derived from the other side of a change are exactly the scopes of a full parse.

The derivation (gates/pyscopes.py) re-parses only the module-level stretches a change touches.
The property test edits generated modules at random, with fragments chosen to break a naive
splitter (an opened triple quote, a trailing backslash, ``else:``, an indented line, a decorator),
and requires every derivation either to give what ``ast`` on the whole text gives, or to decline.
"""

from __future__ import annotations

import ast
import difflib
import random
import textwrap

import pytest

from gates import changes
from gates.classify import Rules, classify
from gates.gitrepo import GitRepo
from gates.model import MatchKind, Side
from gates.policy import source
from gates.pyscopes import derive, parse, spans

from .conftest import Repo

BLOCKS = [
    "import os\n",
    "x = 1\n",
    "a = 1; b = 2\n",
    "def verify_token(t):\n    return t == 1\n",
    "@decorate\ndef check_password(p):\n    if p:\n        return 1\n    else:\n        return 2\n",
    "class Session:\n    def login(self):\n        pass\n\n    def other(self):\n"
    "        return [\n1,\n2]\n",
    'TEXT = """\ndef not_a_def():\n    pass\n"""\n',
    "total = 1 + \\\n    2\n",
    "if x:\n    def inner_auth():\n        pass\nelse:\n    y = 2\n",
    "try:\n    import json\nexcept ImportError:\n    json = None\n",
    "# a comment\n\n",
    "\n",
    "async def fetch_key():\n    await thing()\n",
    "match x:\n    case 1:\n        def in_case_auth():\n            pass\n",
    "call(\n    1,\n)\n",
    "y = 1 \\\n\n",
    "class ClientTest(Base):\n    \"\"\"Doc.\"\"\"\n\n    def setUp(self):\n        self.x = 1\n\n"
    "    @skip\n    def test_auth_ok(self):\n        assert self.x\n\n    # between\n"
    "    def test_other(self):\n        s = \"\"\"\nfree text\n\"\"\"\n        return s\n\n"
    "    class Inner:\n        def check_sig(self):\n            pass\n\n"
    "    def test_last(self):\n        pass\n",
    "class Tabbed:\n\tdef verify_it(self):\n\t\tpass\n\n\tdef more(self):\n\t\tpass\n",
]
FRAGMENTS = [
    '"""', "'''", "else:", "    x = 1", "x = (", ")", "\\", "@dec", "def sign_key():",
    "    return 0", "except E:", "# note", "", "class Auth:", "z = 3", "elif y:", "    pass",
    "finally:", "def f(", "]", "case 2:", "    def test_new(self):", "        return 2",
    "    x = 1", "  y = 2", "\tdef tabbed(self):", "    @skip", "    class Nested:",
    "        def verify_token(self):", '    """', "            pass",
]


def _module(rng: random.Random) -> str:
    return "".join(rng.choice(BLOCKS) for _ in range(rng.randint(1, 14)))


def _edit(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(lines))
        cut = rng.randint(0, 2)
        added: list[str] = []
        for _ in range(rng.randint(0, 3)):
            added.extend(rng.choice((rng.choice(FRAGMENTS), *rng.choice(BLOCKS).split("\n"))
                                    ).split("\n"))
        lines[at:at + cut] = added
    return "\n".join(lines)


def _patch(old: bytes, new: bytes) -> bytes:
    """A unified patch between the two texts, with git's hunk header conventions."""
    diff = difflib.unified_diff(old.decode().split("\n"), new.decode().split("\n"),
                                lineterm="", n=3)
    return "\n".join(list(diff)[2:]).encode()


def _everything(_: str) -> bool:
    return True


def test_derived_scopes_are_the_full_parse_both_ways() -> None:
    rng = random.Random(1717)
    derived = 0
    for _ in range(3000):
        old = _module(rng).encode()
        new = _edit(rng, old.decode()).encode()
        patch = _patch(old, new)
        for text, target, reverse in ((old, new, False), (new, old, True)):
            known = parse(text, _everything)
            got = derive(known, text, target, spans(patch, reverse=reverse), _everything)
            if got is None:
                continue
            derived += 1
            want = parse(target, _everything)
            assert (got.scopes, got.lines) == (want.scopes, want.lines), (text, target)
            # Every statement start is a cut; a derived cut that is not one (the start of a
            # re-parsed stretch) must still be a line where the text splits into parts that
            # parse on their own.
            assert set(want.cuts) <= set(got.cuts)
            lines = target.split(b"\n")
            levels = dict(zip(got.cuts, got.levels, strict=True))
            for cut in set(got.cuts) - set(want.cuts):
                level = levels[cut]
                if level:  # inside a class: a line of exactly that class's indentation
                    assert not lines[cut - 1][:level].strip(b" ")
                    assert lines[cut - 1][level:level + 1] != b" "
                    continue
                ast.parse(b"\n".join(lines[:cut - 1]) + b"\n")
                ast.parse(b"\n".join(lines[cut - 1:]))
    # Most random edits leave a parseable module: the comparison above must have happened often.
    assert derived > 800


def test_a_wrong_hunk_header_costs_a_full_parse_not_a_wrong_scope() -> None:
    old = b"def verify_token(t):\n    return t\n\n\nx = 1\n\n\ndef sign_key():\n    pass\n"
    new = old.replace(b"x = 1", b"x = 2\ny = 3")
    known = parse(old, _everything)
    assert known.cuts == (1, 5, 8)
    # The true hunk is -5 +5,2; a header claiming a change elsewhere must not shift sign_key.
    assert derive(known, old, new, [(1, 1, 1, 1)], _everything) is None
    got = derive(known, old, new, spans(_patch(old, new)), _everything)
    assert got is not None and got.scopes == parse(new, _everything).scopes
    assert [s.start for s in got.scopes] == [1, 9]


@pytest.mark.parametrize("target", [
    b"# -*- coding: latin-1 -*-\ndef verify_token():\n    return '\xe9'\n",
    b"def verify_token():\r    return 1\rdef other():\r    pass\n",
    b"from __future__ import barry_as_FLUFL\ndef verify_token():\n    return 1 <> 2\n",
])
def test_sources_python_reads_differently_in_pieces_are_parsed_whole(target: bytes) -> None:
    source = b"def verify_token():\n    return 1\n\n\ndef other():\n    pass\n"
    assert derive(parse(source, _everything), source, target,
                  spans(b"@@ -1,6 +1,3 @@\n"), _everything) is None


def test_an_opened_string_that_swallows_the_rest_is_not_cut_around() -> None:
    old = b"x = 1\n\n\ndef verify_token():\n    return 1\n"
    new = b'x = """\n\n\ndef verify_token():\n    return 1\n"""\n'
    got = derive(parse(old, _everything), old, new, spans(_patch(old, new)), _everything)
    assert got is None or got.scopes == ()
    assert parse(new, _everything).scopes == ()


def _policy_run(repo: Repo) -> set[tuple[Side, int | None, str]]:
    rules = Rules(source.default())
    (fc,) = classify(rules, changes.staged(GitRepo(repo.root), rules.wants_text)).files
    return {(m.evidence.side, m.evidence.line, m.evidence.text or "")
            for m in fc.matches if m.kind is MatchKind.SYMBOL}


BIG = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(200))


def test_a_cached_side_gives_the_hits_a_fresh_run_gives(seeded: Repo) -> None:
    """One Rules object (one scope cache) over two changes, as ``gate replay`` uses it: the second
    change's old side is the first change's new side, and its new side is derived from it."""
    module = BIG + "def verify_signature(payload):\n    a = 1\n    return a\n" + BIG
    seeded.write("lib/sig.py", module)
    seeded.commit("big")
    first = module.replace("a = 1", "a = 2")
    second = first.replace("return x + 7\n", "return x + 77\n").replace("return a", "return a or 0")
    rules = Rules(source.default())
    seeded.write("lib/sig.py", first)
    first_run = classify(rules, changes.staged(GitRepo(seeded.root), rules.wants_text))
    assert first_run.files[0].tier == "high"
    seeded.commit("first")
    seeded.write("lib/sig.py", second)
    (cached,) = classify(rules, changes.staged(GitRepo(seeded.root), rules.wants_text)).files
    hits = {(m.evidence.side, m.evidence.line, m.evidence.text or "")
            for m in cached.matches if m.kind is MatchKind.SYMBOL}
    line = module.split("\n").index("    return a") + 1
    assert {(side, n) for side, n, _ in hits} == {(Side.REMOVED, line), (Side.ADDED, line)}
    assert hits == _policy_run(seeded)  # a fresh Rules, both sides parsed from nothing


@pytest.mark.parametrize("declaration", [
    "def \\\n        verify_signature(payload):",  # a backslash continuation before the name
    "def\fverify_signature(payload):",  # a form feed is whitespace to Python
    "def \uff56erify_signature(payload):",  # fullwidth v: Python reads identifiers in NFKC
])
def test_spellings_python_reads_as_a_sensitive_def_are_sensitive(seeded: Repo,
                                                                  declaration: str) -> None:
    module = textwrap.dedent("""\
        import hmac


        {decl}
            expected = payload
            return hmac.compare_digest(expected, payload)
        """).replace("{decl}", declaration)
    seeded.write("lib/lax.py", module)
    seeded.commit("lax")
    seeded.write("lib/lax.py", module.replace("expected = payload", "expected = None"))
    hits = _policy_run(seeded)
    assert hits, "a change inside verify_signature must be a symbol hit"
    assert {side for side, _, _ in hits} == {Side.REMOVED, Side.ADDED}


def test_a_utf8_cookie_is_cut_like_no_cookie_and_others_are_not() -> None:
    body = b"\n\ndef verify_token(t):\n    return t\n\n\ndef other():\n    return 1\n"
    for cookie, cut in ((b"# -*- coding: utf-8 -*-\n", True), (b"# coding=UTF_8\n", True),
                        (b"# -*- coding: latin-1 -*-\n", False)):
        old = cookie + body
        new = old.replace(b"return 1", b"return 2")
        got = derive(parse(old, _everything), old, new, spans(_patch(old, new)), _everything)
        assert (got is not None) is cut
        assert got is None or got.scopes == parse(new, _everything).scopes
