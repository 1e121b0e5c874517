"""Is a ``setup.py`` change only package metadata?

``setup.py`` is code: pip runs it to build the package, so a change to it is high by default. Most
of its history, though, is a release's data: classifiers, ``python_requires``, a description, a
requirement's bounds. This module says when a change is nothing but that, so the policy can route
it like a dependency manifest (a category's ``version_only:`` tier). The test is strict, because
a lower tier is what a hostile draft wants:

- both sides parse, and once the literal values of ``setup()``'s metadata keywords (below) are set
  aside, the two syntax trees are identical: no call, import, name, statement or other literal
  differs, and no keyword moves in or out of anything but ``setup()``;
- only metadata keywords count. Keywords that make setuptools install or run something
  (``entry_points``, ``scripts``, ``data_files``, ``cmdclass``, ``setup_requires``,
  ``ext_modules``, ``packages``, ``package_dir``, ``package_data``, ``dependency_links``...) are
  not metadata: a console script named ``ls`` shadows the system's, ``data_files`` writes outside
  the environment;
- a value is a literal only when it is one: strings, numbers, and lists, tuples, sets and dicts
  of them. An f-string, a name, a call or an operator is code;
- ``setup`` is setuptools' (or distutils'): imported from it and never rebound in the file (nor
  through ``globals()``, ``sys.modules``, a star import, an ``exec`` in the module's namespace),
  so the metadata goes to setuptools and not to a function of the repository's own; which
  ``setup()`` call holds a keyword is part of its value;
- a file the gate reads through another encoding (a coding declaration, a byte-order mark git does
  not show) is never data-only.

Requirements that move this way still reach the dependency stage, which cannot read ``setup.py``
without running it and so asks a person (``deps.unaudited``).
"""

from __future__ import annotations

import ast
import posixpath

from gates.model import ChangedFile, FileStatus

SETUP = "setup.py"
# Python files a release keeps its version in: there a plain VERSION or release is the release's
# (gates.bumps); elsewhere only the dunders are (a VERSION in jwt.py is the token format's).
# Classification reads these files' text when a category has a ``version_only:`` tier.
RELEASE_FILES = frozenset({"__init__.py", "__about__.py", "__version__.py", "_version.py",
                           "version.py", "conf.py", SETUP})
# setup() keywords that describe the package and change nothing that runs or is installed.
METADATA = frozenset({
    "name", "version", "description", "long_description", "long_description_content_type",
    "author", "author_email", "maintainer", "maintainer_email", "url", "download_url",
    "project_urls", "license", "classifiers", "keywords", "platforms",
    "python_requires", "install_requires", "extras_require", "tests_require", "zip_safe",
    "provides", "obsoletes", "requires",
})
# Not here although they read like metadata: ``license_files`` is globs of files setuptools copies
# into every wheel and sdist (``~/.ssh/*`` in a published artifact), ``include_package_data``
# installs what MANIFEST.in lists.


def data_only(file: ChangedFile) -> str:
    """A short description of what moved when a ``setup.py`` change is only metadata literals;
    empty otherwise."""
    if posixpath.basename(file.path) != SETUP or file.status is not FileStatus.MODIFIED \
            or file.binary or file.view or file.hidden_coding or file.mode_changed \
            or file.symlink or file.old_text is None or file.new_text is None:
        return ""
    old, new = _metadata(file.old_text), _metadata(file.new_text)
    if old is None or new is None or old[0] != new[0]:
        return ""
    moved = sorted(k for k in old[1].keys() | new[1].keys() if old[1].get(k) != new[1].get(k))
    if not moved:
        return ""
    return "package metadata only: " + ", ".join(moved[:6]) + (
        f" and {len(moved) - 6} more" if len(moved) > 6 else "")


def _metadata(source: bytes) -> tuple[str, dict[str, str]] | None:
    """The syntax tree with ``setup()``'s literal metadata keywords taken out, and those keywords'
    values; None when the source does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not setuptools_setup(tree):
        return None
    values: dict[str, str] = {}
    calls = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and is_setup(node.func):
            calls += 1
            kept = []
            for keyword in node.keywords:
                if keyword.arg in METADATA and _literal(keyword.value):
                    if keyword.arg in values:
                        return None  # two setup() calls naming the same key: not simple data
                    # Which call holds it is part of the value: a keyword moved from a call that
                    # never runs (``if False: setup(...)``) to the one that does is not a move.
                    values[keyword.arg] = f"{calls}:{ast.dump(keyword.value)}"
                else:
                    kept.append(keyword)
            node.keywords = kept
    try:
        return ast.dump(tree, include_attributes=False), values
    except RecursionError:
        return None


BUILDERS = frozenset({"setuptools", "distutils.core"})


def is_setup(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup"
        and isinstance(func.value, ast.Name) and func.value.id == "setuptools")


def setuptools_setup(tree: ast.Module) -> bool:
    """``setup`` comes from setuptools or distutils and nothing in the file rebinds it (a
    ``def setup`` of the repository's own could do anything with the metadata)."""
    imported = False
    for node in ast.walk(tree):
        if _rebinds_anything(node):
            return False
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                if alias.name == "*" and node.module not in BUILDERS:
                    return False  # the other module's setup, if it has one, wins
                if (alias.asname or alias.name) == "setup":
                    if node.module not in BUILDERS or alias.name != "setup":
                        return False
                    imported = True
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if (alias.asname or alias.name).split(".")[0] in ("setup", "setuptools") \
                        and alias.name != "setuptools":
                    return False
                imported = imported or (alias.name == "setuptools" and alias.asname is None)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in ("setup", "setuptools"):
                return False
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if node.id in ("setup", "setuptools"):
                return False
        elif isinstance(node, ast.arg) and node.arg in ("setup", "setuptools"):
            return False
    return imported


# What writes a module's namespace (or setuptools') without naming the name it binds.
_NAMESPACES = frozenset({"globals", "vars", "locals", "__builtins__", "builtins", "execfile"})
_NAMESPACE_ATTRS = frozenset({"modules", "__dict__", "__globals__", "__builtins__", "f_globals",
                              "f_locals"})
_EVALUATORS = frozenset({"exec", "eval", "compile"})


def _rebinds_anything(node: ast.AST) -> bool:
    """A statement or expression that can rebind ``setup`` without an assignment to that name:
    ``globals()["setup"] = ...``, ``sys.modules["setuptools"] = ...``, ``setuptools.setup = ...``,
    an ``exec`` in the module's own namespace, a capture pattern or an ``except ... as setup``.
    ``exec(code, about)`` with a namespace of its own (the common way to read a version file)
    is kept."""
    if isinstance(node, ast.Name):
        return node.id in _NAMESPACES
    if isinstance(node, ast.Attribute):
        stored = not isinstance(node.ctx, ast.Load)
        into_setuptools = isinstance(node.value, ast.Name) and node.value.id == "setuptools"
        return node.attr in _NAMESPACE_ATTRS or (stored and (node.attr == "setup"
                                                             or into_setuptools))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in _EVALUATORS:
        return len(node.args) + len(node.keywords) < 2
    names: list[str | None] = []
    if isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
        names.append(node.name)
    elif isinstance(node, ast.MatchMapping):
        names.append(node.rest)
    return any(n in ("setup", "setuptools") for n in names)


def _literal(node: ast.expr) -> bool:
    """Strings, numbers, booleans and containers of them: nothing that evaluates code."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _literal(k) for k in node.keys) and all(
            _literal(v) for v in node.values)
    return False
