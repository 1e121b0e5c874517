"""Python dependency manifests: which files they are, and the requirements they pin.

Parsing is done here, with no resolver and no build: a manifest is data from the change under
review, and nothing in it is ever installed or executed.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, replace
from typing import Any

_REQUIREMENTS = re.compile(r"(?:^|/)[^/]*(?:requirements|constraints)[^/]*\.(?:txt|in)$|"
                           r"(?:^|/)requirements/[^/]+\.(?:txt|in)$", re.IGNORECASE)
_NAMED = frozenset({"pyproject.toml", "poetry.lock", "uv.lock", "pipfile", "pipfile.lock",
                    "setup.cfg", "setup.py"})
# Files that only say where packages come from: pip's configuration (read from a virtualenv, from
# PIP_CONFIG_FILE, from ~/.pip when HOME is the checkout) and uv's.
CONFIG_FILES = frozenset({"pip.conf", "pip.ini", "uv.toml"})


def is_manifest(path: str) -> bool:
    """Whether ``path`` is a dependency manifest (or package-source configuration) to audit."""
    base = posixpath.basename(path).lower()
    return base in _NAMED or base in CONFIG_FILES or bool(_REQUIREMENTS.search(path))


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement from a manifest that names a package: a pin (``version``) or not."""

    name: str
    version: str | None
    text: str
    line: int | None

    @property
    def pinned(self) -> bool:
        """True when the requirement names exactly one version."""
        return self.version is not None


@dataclass(frozen=True, slots=True)
class Source:
    """Somewhere packages come from other than a name on the default index.

    ``kind`` says what the manifest sets (``index-url``, ``extra-index-url``, ``find-links``,
    ``trusted-host``, ``no-index``, ``url``, ``vcs``, ``path``, ``include``, or a configuration
    key such as ``tool.uv.index.url``); ``target`` is the URL, host or path as written.
    """

    kind: str
    target: str
    text: str
    line: int | None

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the source across both sides of a change (not its line)."""
        return (self.kind, self.target)


@dataclass(frozen=True, slots=True)
class Include:
    """``-r``/``-c``: another requirements file pip reads, relative to the including file."""

    target: str
    text: str
    line: int | None
    constraint: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """A line (or a whole manifest) the gate cannot read the way the installer reads it."""

    text: str
    line: int | None
    why: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """Everything a manifest declares that decides what gets installed, and from where."""

    requirements: tuple[Requirement, ...] = ()
    sources: tuple[Source, ...] = ()
    includes: tuple[Include, ...] = ()
    problems: tuple[Problem, ...] = ()


def normalize(name: str) -> str:
    """PEP 503 name normalisation (``Foo_Bar`` and ``foo.bar`` are ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read(path: str, content: bytes, *, requirements_format: bool = False) -> Manifest:
    """What a manifest declares; ``requirements_format`` reads any file as pip's ``-r`` would.

    Raises ``ValueError`` when a TOML, JSON or INI manifest does not parse.
    """
    base = posixpath.basename(path).lower()
    if requirements_format or not (base in _NAMED or base in CONFIG_FILES):
        # Imported here: it loads pip-requirements-parser, which only the deps stage needs.
        from gates import reqfile

        return reqfile.read(content)
    text = content.decode("utf-8-sig", "replace")  # pip and tomllib callers drop the mark too
    if base == "setup.py":
        return Manifest(problems=(Problem("setup.py", None, "setup.py is code: its requirements "
                                          "cannot be read without running it (declare them in "
                                          "pyproject.toml)"),))
    if base in ("pip.conf", "pip.ini"):
        from gates.sources import pip_config

        return Manifest(sources=pip_config(text))
    from gates.sources import toml_sources

    if base == "uv.toml":
        return Manifest(sources=toml_sources(base, tomllib.loads(text), text))
    if base == "pipfile.lock":
        return _pipfile_lock(text)  # its _meta.sources are read there
    if base == "setup.cfg":
        return _setup_cfg(text)
    data = tomllib.loads(text)
    found = {"pipfile": _pipfile, "pyproject.toml": _pyproject}.get(base, _lock_toml)(data, text)
    return replace(found, sources=found.sources + toml_sources(base, data, text))


def parse(path: str, content: bytes) -> list[Requirement]:
    """The package requirements a manifest declares (``ValueError`` when it does not parse)."""
    return list(read(path, content).requirements)


def _pep508(spec: str, number: int | None) -> Requirement | Source:
    # Imported here: only the dependency stage parses manifests, the hook path never does.
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement

    try:
        req = PackagingRequirement(spec)
    except InvalidRequirement:
        return Requirement(spec.split(";", maxsplit=1)[0].strip() or spec, None, spec, number)
    if req.url:
        from gates.reqfile import link_kind

        return Source(link_kind(req.url, "+" in req.url.split(":", 1)[0]), req.url, spec, number)
    pins = [s for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    version = pins[0].version if len(pins) == 1 and len(req.specifier) == 1 else None
    return Requirement(normalize(req.name), version, spec, number)


def _split(found: list[Requirement | Source]) -> Manifest:
    return Manifest(tuple(r for r in found if isinstance(r, Requirement)),
                    tuple(s for s in found if isinstance(s, Source)))


def _pyproject(data: dict[str, Any], text: str) -> Manifest:
    lines = text.splitlines()
    out: list[Requirement | Source] = []
    project = data.get("project", {})
    specs = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        specs.extend(group)
    for group in data.get("dependency-groups", {}).values():
        specs.extend(s for s in group if isinstance(s, str))
    specs.extend(data.get("build-system", {}).get("requires", []))
    tool = data.get("tool", {})
    specs.extend(tool.get("uv", {}).get("dev-dependencies", []))
    for group in tool.get("pdm", {}).get("dev-dependencies", {}).values():
        specs.extend(group)
    out.extend(_pep508(s, _line_of(lines, s)) for s in specs if isinstance(s, str))
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        for name, value in table.items():
            if name.lower() == "python" or _elsewhere(value):
                continue  # a git, path or url dependency is a source (gates.sources)
            version = value.get("version") if isinstance(value, dict) else value
            exact = version.lstrip("= ") if isinstance(version, str) and \
                re.fullmatch(r"=?=?\s*\d[\w.+!-]*", version) else None
            key = rf"""\s*["']?{re.escape(name)}["']?\s*="""
            out.append(Requirement(normalize(name), exact, f"{name} = {version!r}",
                                   _line_matching(lines, key)))
    return _split(out)


def _elsewhere(value: object) -> bool:
    """A Poetry or Pipfile dependency fetched from git, a path or a URL rather than an index."""
    return isinstance(value, dict) and bool({"git", "path", "url", "file"} & set(value))


def _pipfile(data: dict[str, Any], text: str) -> Manifest:
    lines = text.splitlines()
    out = []
    for section in ("packages", "dev-packages"):
        for name, value in data.get(section, {}).items():
            if _elsewhere(value):
                continue
            version = value.get("version", "*") if isinstance(value, dict) else value
            pinned = version[2:] if isinstance(version, str) and version.startswith("==") \
                and "*" not in version else None
            key = rf"""\s*["']?{re.escape(name)}["']?\s*="""
            out.append(Requirement(normalize(name), pinned, f"{name} = {version!r}",
                                   _line_matching(lines, key)))
    return Manifest(tuple(out))


def _lock_toml(data: dict[str, Any], text: str) -> Manifest:
    lines = text.splitlines()
    out = []
    for package in data.get("package", []):
        source = package.get("source", {})
        if isinstance(source, dict) and ({"editable", "virtual", "directory"} & set(source)):
            continue  # a local project (uv), not a dependency from an index: a source
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str):
            declared = rf'\s*name\s*=\s*"{re.escape(name)}"\s*$'
            out.append(Requirement(normalize(name), version, f"{name}=={version}",
                                   _line_matching(lines, declared)))
    return Manifest(tuple(out))


def _pipfile_lock(text: str) -> Manifest:
    data = json.loads(text)
    lines = text.splitlines()
    out = []
    for section in ("default", "develop"):
        for name, entry in data.get(section, {}).items():
            version = entry.get("version", "") if isinstance(entry, dict) else ""
            pinned = version[2:] if version.startswith("==") else None
            out.append(Requirement(normalize(name), pinned, f"{name}{version}",
                                   _line_of(lines, f'"{name}"')))
    from gates.sources import json_sources

    return Manifest(tuple(out), json_sources(data, lines))


def _setup_cfg(text: str) -> Manifest:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ValueError(f"setup.cfg does not parse: {exc}") from None
    lines = text.splitlines()
    found = [_pep508(spec, _line_of(lines, spec)) for spec in
             _values(parser.get("options", "install_requires", fallback=""))]
    # setuptools no longer follows dependency_links, older ones (and easy_install) did.
    found += [Source("dependency-links", link, link, _line_of(lines, link))
              for link in _values(parser.get("options", "dependency_links", fallback=""))]
    return _split(found)


def _values(raw: str) -> list[str]:
    return [s for s in (line.strip() for line in raw.splitlines()) if s and not s.startswith("#")]


def _line_matching(lines: list[str], pattern: str) -> int | None:
    """The first line that matches ``pattern`` (ignoring case) from its start."""
    rx = re.compile(pattern, re.IGNORECASE)
    return next((n for n, line in enumerate(lines, 1) if rx.match(line)), None)


def _line_of(lines: list[str], needle: str) -> int | None:
    lowered = needle.lower()
    for number, line in enumerate(lines, 1):
        if lowered in line.lower():
            return number
    return None
