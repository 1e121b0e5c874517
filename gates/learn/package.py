"""Which PyPI package this repository is, read from its metadata at a revision.

The metadata is read as text and never run: ``pyproject.toml`` with ``tomllib``, ``setup.cfg`` with
``configparser``, and ``setup.py`` with ``ast`` (a literal ``name=`` in a ``setup(...)`` call; a
name computed at run time is not found, and that is fine: ``--package`` names it).
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from collections.abc import Iterator
from typing import Any

from gates.gitrepo import GitRepo
from gates.manifests import normalize

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?")  # PEP 508 project names
_LIMIT = 1 << 20  # a metadata file larger than this is not read


def package_names(repo: GitRepo, rev: str) -> tuple[str, ...]:
    """The normalised package names the repository's top-level metadata declares at ``rev``."""
    found: list[str] = []
    for path, read in (("pyproject.toml", _pyproject), ("setup.cfg", _setup_cfg),
                       ("setup.py", _setup_py)):
        data = repo.show(rev, path)
        if data is None or len(data) > _LIMIT:
            continue
        text = data.decode("utf-8", "replace")
        found.extend(normalize(n) for n in read(text) if isinstance(n, str) and _NAME.fullmatch(n))
    return tuple(dict.fromkeys(found))


def _pyproject(text: str) -> Iterator[Any]:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return
    yield _get(data, "project", "name")
    yield _get(data, "tool", "poetry", "name")


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _setup_cfg(text: str) -> Iterator[Any]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    yield parser.get("metadata", "name", fallback=None)


def _setup_py(text: str) -> Iterator[Any]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node.func) == "setup":
            for keyword in node.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    yield keyword.value.value


def _called(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def valid_name(name: str) -> bool:
    """True for a PEP 508 project name."""
    return _NAME.fullmatch(name) is not None
