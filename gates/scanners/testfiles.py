"""Which changed files are the project's own tests (``sast.tests``), for the SAST stage.

A test's ``verify=False`` against a local server, or its pickle round trip, is what the test is
for; blocking it taught people to bypass the gate. Tests still run in CI with secrets, so their
findings are never dropped: the policy says whether they ask for a person, block, or are notes.

What is never a test, whatever its path: a file pytest loads as a plugin. ``conftest.py`` (the
default's ``exclude``) and any file that defines pytest hooks run in every test session that
reaches them, before and around every test, and can change what all tests see; their findings
are judged like production code. A file that does not parse as Python is not a test either:
nothing about it can be vouched for.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from gates.globs import GlobSet
from gates.model import Finding
from gates.policy.model import SastTests

ASKS = "in a test file (sast.tests): asks for a person instead of blocking"
NOTED = "in a test file (sast.tests): a note, as the policy says"
# What pytest reads from a test module itself; every other pytest_* name is a plugin's hook.
_MODULE_NAMES = frozenset({"pytest_generate_tests", "pytest_plugins"})


class Suite:
    """The policy's test globs, with each file's plugin check done once per run."""

    def __init__(self, settings: SastTests, root: Path) -> None:
        self.paths = GlobSet(settings.paths)
        self.exclude = GlobSet(settings.exclude)
        self.root = root
        self.action = settings.findings
        self.block = {rule.lower() for rule in settings.block}
        self._known: dict[str, bool] = {}

    def relaxes(self, path: str, rule: str) -> bool:
        """Whether a blocking finding of ``rule`` in ``path`` is eased as a test's: in a test
        file, of a rule ``block`` does not name (full or short semgrep id), under a policy whose
        ``findings`` is not ``block``."""
        named = rule.lower() in self.block or rule.rsplit(".", 1)[-1].lower() in self.block
        return self.action != "block" and not named and self.holds(path)

    def holds(self, path: str) -> bool:
        """Whether ``path`` (in the change; its judged content under ``root``) is a test file."""
        if path not in self._known:
            self._known[path] = bool(self.paths) and self.paths.matches(path) and \
                not self.exclude.matches(path) and not plugin(self.root / path)
        return self._known[path]


def eased(finding: Finding, action: str) -> Finding:
    """A finding in a test file keeps its severity and says why it does not block."""
    said = ASKS if action == "pending" else NOTED
    return dataclasses.replace(finding, blocking=False,
                               note="; ".join(n for n in (finding.note, said) if n))


def ask(found: list[Finding]) -> str:
    """What the stage says a person must look at: how many findings, and (some of) where."""
    where = sorted({f"{f.path}:{f.line}" if f.line else f.path for f in found})
    more = f" (and {len(where) - 3} more)" if len(where) > 3 else ""
    many = len(found) != 1
    return (f"{len(found)} finding{'s' if many else ''} in test files ask{'' if many else 's'} "
            f"for a person instead of blocking (sast.tests): {', '.join(where[:3])}{more}")


def plugin(path: Path) -> bool:
    """Whether the file defines pytest hooks (or cannot be read as Python: then it may).

    A hook is any name ``pytest_*`` the file binds (a function, a method of a plugin class, an
    assignment to a name or an attribute, an import) other than what a test module may hold, or a
    ``hookimpl`` decorator. Names bound at run time (``globals()[...]``, ``setattr`` with a name
    that is not a plain literal, ``exec``) could be hooks too, so they count as plugins: the cost
    of a wrong guess is only that the file's findings block, as any production file's do.
    """
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return any(_hook(name) for name in _bound(tree)) or any(
        _hookimpl(d) for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for d in node.decorator_list) or any(_dynamic(node) for node in ast.walk(tree))


def _bound(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.append(node.attr)
        elif isinstance(node, ast.ImportFrom):  # ``import pytest_x`` binds a module, no hook
            names.extend(a.asname or a.name for a in node.names)
    return names


def _dynamic(node: ast.AST) -> bool:
    """A call that binds names the parser cannot see."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return False
    if node.func.id in ("globals", "exec"):
        return True
    if node.func.id == "setattr" and len(node.args) >= 2:
        name = node.args[1]
        return not (isinstance(name, ast.Constant) and isinstance(name.value, str)) or \
            _hook(name.value)
    return False


def _hook(name: str) -> bool:
    return name.startswith("pytest_") and name not in _MODULE_NAMES


def _hookimpl(decorator: ast.expr) -> bool:
    """``@pytest.hookimpl``, ``@hookimpl(tryfirst=True)``, a pluggy ``HookimplMarker``'s name."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else \
        target.id if isinstance(target, ast.Name) else ""
    return name.lower().endswith("hookimpl")
