"""Which files a security fix changed that are worth watching: the code.

A fix commit also touches its tests, the changelog or a news fragment, docs, translations, lock
files and pins; marking those hot would send every release-notes edit to review. What is left is
code that runs: source files by suffix (Python, C, JavaScript and the like, and templates, where
escaping bugs live), outside test folders, the top-level documentation and example folders, and
the packaging scripts (``setup.py``: a fix there is a dependency pin, which the policy's
dependency rules already judge).
"""

from __future__ import annotations

import posixpath

CODE_SUFFIXES = frozenset({
    ".py", ".pyi", ".pyx", ".pxd", ".pxi",
    ".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".m", ".mm",
    ".rs", ".go", ".java", ".kt", ".scala", ".rb", ".php", ".pl", ".pm", ".lua", ".swift",
    ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".vue", ".svelte",
    ".sh", ".bash", ".zsh", ".ps1", ".sql",
    ".html", ".htm", ".jinja", ".jinja2", ".j2", ".tmpl", ".mako", ".pt", ".zpt", ".xsl", ".xslt",
})
# Languages whose functions git's hunk context can name; templates are watched as whole files.
FUNCTION_SUFFIXES = CODE_SUFFIXES - {".html", ".htm", ".jinja", ".jinja2", ".j2", ".tmpl",
                                     ".mako", ".pt", ".zpt", ".xsl", ".xslt", ".sql"}
_TEST_FOLDERS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "testsuite",
                           "unittests"})
_TOP_FOLDERS = frozenset({"doc", "docs", "documentation", "man", "example", "examples", "demo",
                          "demos", "sample", "samples", "bench", "benchmark", "benchmarks"})
_TRANSLATION_FOLDERS = frozenset({"locale", "locales", "translations", "i18n", "l10n"})
_PACKAGING = frozenset({"setup.py", "noxfile.py", "fabfile.py", "conftest.py"})
_GENERATED = (".min.js", ".min.css", ".bundle.js", ".map", "_pb2.py", "_pb2_grpc.py")


def is_code(path: str) -> bool:
    """True for a file whose later changes deserve a look when a security fix changed it."""
    folders = [f.lower() for f in path.split("/")[:-1]]
    name = posixpath.basename(path)
    lower = name.lower()
    suffix = posixpath.splitext(lower)[1]
    if suffix not in CODE_SUFFIXES or lower.endswith(_GENERATED) or lower in _PACKAGING:
        return False
    if folders and folders[0] in _TOP_FOLDERS:
        return False
    if any(f.startswith(".") for f in folders):  # .github/, .circleci/: CI, judged as CI
        return False
    if any(f in _TEST_FOLDERS or f in _TRANSLATION_FOLDERS for f in folders):
        return False
    stem = posixpath.splitext(lower)[0]
    return not (stem.startswith("test_") or stem.endswith(("_test", "_tests", ".test", ".spec",
                                                            "_spec")) or stem == "tests")


def has_functions(path: str) -> bool:
    """True when a hotspot in ``path`` can be narrowed to functions."""
    return posixpath.splitext(path.lower())[1] in FUNCTION_SUFFIXES
