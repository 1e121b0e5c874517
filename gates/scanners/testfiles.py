"""Which changed files are the project's own tests (``sast.tests``), for the SAST stage.

A test's ``verify=False`` against a local server, or its pickle round trip, is what the test is
for; blocking it taught people to bypass the gate. Tests still run in CI with secrets, so their
findings are never dropped: the policy says whether they ask for a person, block, or are notes.

What is never a test, whatever its path: a file pytest loads as a plugin. ``conftest.py`` (the
default's ``exclude``) and any file that defines pytest hooks run in every test session that
reaches them, before and around every test, and can change what all tests see; their findings
are judged like production code. So is a module the change names as a plugin (``pytest_plugins``,
``-p`` in pytest's configuration) or as an entry point (``pytest11``, a console script: installed,
it runs outside any test), wherever it sits, and a package's ``__init__.py``. A file that does
not parse as Python is not a test either: nothing about it can be vouched for.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import re
import tomllib
from pathlib import Path

from gates.globs import GlobSet
from gates.model import Finding
from gates.policy.model import SastTests

ASKS = "in a test file (sast.tests): asks for a person instead of blocking"
NOTED = "in a test file (sast.tests): a note, as the policy says"
# What pytest reads from a test module itself; every other pytest_* name is a plugin's hook.
_MODULE_NAMES = frozenset({"pytest_generate_tests", "pytest_plugins"})
# Calls that bind names the parser cannot see, by their last name (``builtins.setattr`` too).
_BINDERS = frozenset({"globals", "vars", "locals", "exec"})
# Files that name plugins (``-p``) or entry points, read as text: a module named there is no test.
_CONFIGS = frozenset({"pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml",
                      "setup.py"})
_OPTION_P = re.compile(
    r"(?:^|[\s'\"\[,])-p(?:['\"]?\s*,\s*|\s*=?\s*)['\"]?((?:no:)?[A-Za-z_][\w.]*)")
_ENTRY = re.compile(r"^\s*['\"]?[\w.-]+['\"]?\s*=\s*['\"]?([A-Za-z_][\w.]*)\s*(?::|['\"]|$)")


class Suite:
    """The policy's test globs, with each file's plugin check done once per run."""

    def __init__(self, settings: SastTests, root: Path) -> None:
        self.paths = GlobSet(settings.paths)
        self.exclude = GlobSet(settings.exclude)
        self.root = root
        self.action = settings.findings
        self.block = {rule.lower() for rule in settings.block}
        self._known: dict[str, bool] = {}
        self._named: frozenset[tuple[str, ...]] | None = None

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
                not self.exclude.matches(path) and not _runs_as_package(path) and \
                not plugin(self.root / path) and not self._loaded(path)
        return self._known[path]

    def _loaded(self, path: str) -> bool:
        """Whether a file of the change names ``path``'s module as a plugin or entry point."""
        if self._named is None:
            self._named = frozenset(tuple(name.split(".")) for name in named_modules(self.root))
        parts = tuple(path.removesuffix(".py").split("/"))
        if parts[-1] == "__init__":
            parts = parts[:-1]
        return any(parts[-len(name):] == name for name in self._named if len(name) <= len(parts))


def _runs_as_package(path: str) -> bool:
    """A package's ``__init__.py`` (it runs for every module of the package, production's
    imports too), or a file below a folder named like a module: ``python tools/tests.py`` runs
    ``tools/tests.py/__main__.py``, and no policy's test file name means a folder."""
    *folders, name = path.lower().split("/")
    return name == "__init__.py" or any(folder.endswith(".py") for folder in folders)


def named_modules(root: Path) -> set[str]:
    """Modules the judged files (the change's own) load as pytest plugins or entry points.

    ``pytest_plugins`` in Python, ``-p NAME`` anywhere in pytest's configuration files, and
    every entry point (``pytest11``, console scripts: a module run by name is no test). Read
    without running anything; a loader the change does not touch is not seen here.
    """
    names: set[str] = set()
    for file in root.rglob("*"):
        if not (file.suffix == ".py" or file.name.lower() in _CONFIGS) or not file.is_file():
            continue
        try:
            data = file.read_bytes()
        except OSError:
            continue
        if file.suffix == ".py" and b"pytest_plugins" in data:
            names.update(_pytest_plugins(data))
        if file.name.lower() in _CONFIGS:
            text = data.decode("utf-8", "replace")
            names.update(_OPTION_P.findall(text))
            names.update(_entry_points(file.name.lower(), text))
    return {n for n in names if n and not n.startswith("no:")}


def _pytest_plugins(data: bytes) -> list[str]:
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    out: list[str] = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        value = getattr(node, "value", None)
        if value is None or not any(isinstance(t, ast.Name) and t.id == "pytest_plugins"
                                    for t in targets):
            continue
        out.extend(c.value for c in ast.walk(value)
                   if isinstance(c, ast.Constant) and isinstance(c.value, str))
    return out


def _entry_points(name: str, text: str) -> list[str]:
    """Modules entry points name: pyproject's tables, setup.cfg's and setup.py's ``x = mod:f``."""
    if name == "pyproject.toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return [m.group(1) for line in text.splitlines() if (m := _ENTRY.match(line))]
        project, poetry = data.get("project"), data.get("tool", {}).get("poetry")
        tables: list[object] = []
        if isinstance(project, dict):
            groups = project.get("entry-points")
            tables += [project.get("scripts"), project.get("gui-scripts"),
                       *(groups.values() if isinstance(groups, dict) else ())]
        if isinstance(poetry, dict):
            plugins = poetry.get("plugins")
            tables += [poetry.get("scripts"),
                       *(plugins.values() if isinstance(plugins, dict) else ())]
        return [v.split(":")[0].strip() for t in tables if isinstance(t, dict)
                for v in t.values() if isinstance(v, str)]
    if name == "setup.cfg":
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            pass
        else:
            if parser.has_section("options.entry_points"):
                return [m.group(1) for _, raw in parser.items("options.entry_points", raw=True)
                        for line in raw.splitlines() if (m := _ENTRY.match(line))]
            return []
    # setup.py (code, never run) and anything that did not parse: every "name = module" string.
    return [m.group(1) for chunk in re.findall(r"['\"]([^'\"\n]*=[^'\"\n]*)['\"]", text)
            if (m := _ENTRY.match(chunk))]


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
        elif isinstance(node, ast.keyword) and node.arg:  # SimpleNamespace(pytest_x=f)
            names.append(node.arg)
        elif isinstance(node, ast.Dict):  # type("P", (), {"pytest_x": f}), vars().update({...})
            names.extend(k.value for k in node.keys
                         if isinstance(k, ast.Constant) and isinstance(k.value, str))
    return names


def _dynamic(node: ast.AST) -> bool:
    """A call that binds names the parser cannot see, a write to a ``__dict__``, or a plugin
    manager (a test that registers an object registers its hooks)."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
        return _namespace(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr == "pluginmanager"
    if isinstance(node, ast.Name):
        return node.id == "pluginmanager"
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault", "__setitem__"):
        return _namespace(func.value)
    # ``monkeypatch.setattr("mod.name", value)`` is a test's own: only the builtin counts.
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(
        func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in (
        "builtins", "__builtins__") else ""
    if name in _BINDERS:
        return True
    if name == "setattr" and len(node.args) >= 2:
        name_arg = node.args[1]
        return not (isinstance(name_arg, ast.Constant) and isinstance(name_arg.value, str)) or \
            _hook(name_arg.value)
    return False


def _namespace(node: ast.expr) -> bool:
    """``x.__dict__`` or ``vars(...)``: a namespace whose keys become names."""
    return (isinstance(node, ast.Attribute) and node.attr == "__dict__") or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in ("vars", "globals", "locals"))


def _hook(name: str) -> bool:
    return name.startswith("pytest_") and name not in _MODULE_NAMES


def _hookimpl(decorator: ast.expr) -> bool:
    """``@pytest.hookimpl``, ``@hookimpl(tryfirst=True)``, a pluggy ``HookimplMarker``'s name."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else \
        target.id if isinstance(target, ast.Name) else ""
    return name.lower().endswith("hookimpl")
