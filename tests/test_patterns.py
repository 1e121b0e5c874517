"""The one-pass content matcher finds exactly what a line-by-line search would."""

from __future__ import annotations

import random

import pytest
import re2

from gates.hunks import changed_lines, line_number, whole_file_patch
from gates.model import Side
from gates.patterns import ContentMatcher, PatternError, branches, replace_anchors, utf8

PATTERNS = [
    r"(?i)passw(?:or)?d",
    r"\bhashlib\.md5\b",
    r"^import\s+pickle",
    r"(?i)^\s*DEBUG\s*=\s*True",
    r"token$",
    r"[^a-z]secret",
]


def reference(patch: bytes, patterns: list[str]) -> list[tuple[int, tuple[int, ...]]]:
    """Line by line, pattern by pattern: the slow obvious answer."""
    compiled = [re2.compile(p.encode()) for p in patterns]
    out = []
    offset = 0
    in_hunks = False
    for line in patch.split(b"\n"):
        if line.startswith(b"@@ "):
            in_hunks = True
        elif in_hunks and line[:1] in (b"+", b"-"):
            found = tuple(i for i, rx in enumerate(compiled) if rx.search(line[1:]))
            if found:
                out.append((offset, found))
        offset += len(line) + 1
    return out


def random_patch(rng: random.Random) -> bytes:
    pieces = ["password = 1", "PASSWD", "x = hashlib.md5(y)", "import pickle", " import pickle",
              "DEBUG = True", "  debug = true", "get_token", "token x", "_secret", "secret",
              "plain code", "", "é ünïcode secret", "\t\tpasswd"]
    lines = []
    for _ in range(rng.randint(1, 40)):
        marker = rng.choice("+- ")
        lines.append(marker + rng.choice(pieces) + rng.choice(["", " tail", " token"]))
    return f"@@ -1,{len(lines)} +1,{len(lines)} @@ def f():\n".encode() + \
        "\n".join(lines).encode() + b"\n"


@pytest.mark.parametrize("seed", range(40))
def test_one_pass_equals_line_by_line(seed: int) -> None:
    patch = random_patch(random.Random(seed))
    matcher = ContentMatcher(PATTERNS)
    got = [(hit.offset, hit.patterns) for hit in matcher.scan(patch)]
    assert got == reference(patch, PATTERNS)


def test_context_lines_never_match() -> None:
    matcher = ContentMatcher([r"password"])
    patch = b"@@ -1,3 +1,3 @@\n password = 1\n+ok\n-fine\n"
    assert list(matcher.scan(patch)) == []


def test_anchored_pattern_matches_at_line_start_only() -> None:
    matcher = ContentMatcher([r"^import pickle"])
    patch = b"@@ -0,0 +1,2 @@\n+import pickle\n+x = 1; import pickle\n"
    hits = list(matcher.scan(patch))
    assert [h.text for h in hits] == [b"import pickle"]


@pytest.mark.parametrize("bad", [r"a^b", r"(?:x|^y)", r"\Afoo", r"foo\z", r"^a(?i)b|c"])
def test_inner_anchors_are_refused(bad: str) -> None:
    with pytest.raises(PatternError):
        branches(bad)


def test_anchors_in_classes_and_escapes_are_fine() -> None:
    assert branches(r"[^a]\^x$") == ((r"[^a]\^x$", False),)
    assert branches(r"(?i)^abc") == (("(?i)abc", True),)


def test_top_level_branches_are_anchored_separately() -> None:
    assert branches(r"(?i)^\s*DEBUG|app\.run\((?:a|b)\)|[|^]x") == (
        (r"(?i)\s*DEBUG", True), (r"(?i)app\.run\((?:a|b)\)", False), (r"(?i)[|^]x", False))
    matcher = ContentMatcher([r"^\s*DEBUG = True|app\.run\(debug=True\)"])
    patch = b"@@ -0,0 +1,3 @@\n+DEBUG = True\n+    app.run(debug=True)\n+x = 1; DEBUG = True\n"
    assert [h.text for h in matcher.scan(patch)] == [b"DEBUG = True", b"    app.run(debug=True)"]


def test_invalid_utf8_before_a_match_does_not_hide_it() -> None:
    matcher = ContentMatcher([r"AKIA[0-9A-Z]{16}", r"password = \"[^\"]{8,}\""])
    patch = b'@@ -0,0 +1,2 @@\n+k = "\xe9 AKIAABCDEFGHIJKLMNOP"\n+password = "h\xe9llo12345"\n'
    assert list(matcher.scan(patch)) == []  # raw: RE2 cannot step over the stray byte
    assert [h.patterns for h in matcher.scan(utf8(patch))] == [(0,), (1,)]
    assert utf8(b"plain") == b"plain" and utf8("é".encode()) == "é".encode()


def test_replace_anchors_widens_to_word_boundaries() -> None:
    assert replace_anchors(r"^_*(?:login|logout)(?:_|$)", r"\b") == r"\b_*(?:login|logout)(?:_|\b)"
    assert replace_anchors(r"[$^]\$", r"\b") == r"[$^]\$"


def test_line_numbers_count_each_side() -> None:
    patch = (b"@@ -10,5 +20,6 @@ def f():\n"
             b" ctx\n-old one\n+new one\n+new two\n ctx\n-old two\n\\ No newline at end of file\n"
             b"@@ -40,2 +51,2 @@\n-x\n+y\n")
    expected = {
        b"-old one": 11, b"+new one": 21, b"+new two": 22, b"-old two": 13, b"-x": 40, b"+y": 51,
    }
    for text, number in expected.items():
        assert line_number(patch, patch.index(b"\n" + text) + 1) == number
    walked = {(side, n) for side, n, _ in changed_lines(patch)}
    assert walked == {(Side.REMOVED, 11), (Side.ADDED, 21), (Side.ADDED, 22), (Side.REMOVED, 13),
                      (Side.REMOVED, 40), (Side.ADDED, 51)}


def test_whole_file_patch_numbers_every_line() -> None:
    patch = whole_file_patch(b"a\n\nb\n")
    assert [(n, t) for _, n, t in changed_lines(patch)] == [(1, b"a"), (2, b""), (3, b"b")]
    assert whole_file_patch(b"") == b""
