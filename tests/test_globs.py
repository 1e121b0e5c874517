"""Path globs follow gitignore's rules (and ignore case)."""

from __future__ import annotations

import pytest

from gates.globs import GlobError, GlobSet, glob_to_regex


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("*.pem", "key.pem", True),
        ("*.pem", "deep/dir/key.pem", True),
        ("*.pem", "key.pem.txt", False),
        ("auth", "src/auth/views.py", True),
        ("auth", "src/authors.py", False),
        ("auth/", "src/auth/views.py", True),
        ("auth/", "auth", False),  # a trailing slash selects directories only
        ("/setup.py", "setup.py", True),
        ("/setup.py", "lib/setup.py", False),
        ("config/settings.py", "config/settings.py", True),
        ("config/settings.py", "x/config/settings.py", False),  # a middle slash anchors
        ("**/migrations/**", "migrations/0001.py", True),
        ("**/migrations/**", "app/migrations/0001.py", True),
        ("**/migrations/**", "app/migrations.py", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        (".github/workflows/", ".github/workflows/ci.yml", True),
        ("*.y?ml", "ci.yaml", True),
        ("*.y?ml", "ci.yml", False),
        ("[!a]bc", "xbc", True),
        ("[!a]bc", "abc", False),
        ("[a-c]x", "bx", True),
        ("[a-c]x", "dx", False),
        ("*", "a/b", True),
        ("a*", "a/b", True),  # a directory that matches takes everything below it
        ("x\\*y", "x*y", True),
        ("x\\*y", "xzy", False),
        ("Auth/", "src/auth/x.py", True),  # case is ignored
        ("*.PEM", "key.pem", True),
    ],
)
def test_gitignore_semantics(glob: str, path: str, expected: bool) -> None:
    assert GlobSet([glob]).matches(path) is expected


def test_star_never_crosses_a_slash() -> None:
    assert not GlobSet(["src/*.py"]).matches("src/pkg/mod.py")
    assert GlobSet(["src/**/*.py"]).matches("src/pkg/mod.py")


def test_which_names_every_matching_glob_in_order() -> None:
    globs = GlobSet(["*.py", "src/", "docs/"])
    assert globs.which("src/a.py") == ["*.py", "src/"]
    assert globs.which("other.txt") == []


def test_empty_set_matches_nothing() -> None:
    assert not GlobSet([]).matches("anything")


@pytest.mark.parametrize("bad", ["[abc", "/"])
def test_untranslatable_globs_are_errors(bad: str) -> None:
    with pytest.raises(GlobError):
        glob_to_regex(bad)


def test_non_utf8_and_non_ascii_paths_match() -> None:
    latin1 = b"auth/latin1-\xe9.py".decode("utf-8", "surrogateescape")
    assert GlobSet(["*.py"]).matches(latin1)
    assert GlobSet(["auth/"]).which(latin1) == ["auth/"]
    assert GlobSet(["café/*.py"]).matches("café/x.py")
