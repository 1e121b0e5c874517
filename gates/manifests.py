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

# Requirements files by name; rye's requirements.lock and requirements-dev.lock are pip's format.
_REQUIREMENTS = re.compile(r"(?:^|/)[^/]*(?:requirements|constraints)[^/]*\.(?:txt|in|lock)$|"
                           r"(?:^|/)requirements/[^/]+\.(?:txt|in|lock)$", re.IGNORECASE)
_NAMED = frozenset({"pyproject.toml", "poetry.lock", "uv.lock", "pdm.lock", "pylock.toml",
                    "pipfile", "pipfile.lock", "setup.cfg", "setup.py"})
# PEP 751 names a lock file pylock.toml or pylock.<name>.toml.
_PYLOCK = re.compile(r"pylock\.[^/]+\.toml", re.IGNORECASE)
# Files that only say where packages come from: pip's configuration (read from a virtualenv, from
# PIP_CONFIG_FILE, from ~/.pip when HOME is the checkout) and uv's.
CONFIG_FILES = frozenset({"pip.conf", "pip.ini", "uv.toml", ".gitmodules"})
# A submodule's URL says where vendored code comes from: swapping it for a fork is a new source.
_SUBMODULE_URL = re.compile(r"^\s*url\s*=\s*(\S.*?)\s*$", re.IGNORECASE)


def is_manifest(path: str) -> bool:
    """Whether ``path`` is a dependency manifest (or package-source configuration) to audit."""
    base = posixpath.basename(path).lower()
    return base in _NAMED or base in CONFIG_FILES or bool(_REQUIREMENTS.search(path)) or \
        bool(_PYLOCK.fullmatch(base))


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement from a manifest that names a package: a pin (``version``) or not."""

    name: str
    version: str | None
    text: str
    line: int | None
    # A range a package declares for the projects that install it (``[project] dependencies``,
    # extras, build requirements, setup.cfg's install_requires), set only in a library's manifest:
    # a library declares ranges by design, and its users' installers or lock files pin them.
    declared: bool = False

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
    # The manifest describes a package others install (``is_library``), not what an
    # application runs: its declared ranges are not "unpinned" (gates.stages.deps).
    library: bool = False


def normalize(name: str) -> str:
    """PEP 503 name normalisation (``Foo_Bar`` and ``foo.bar`` are ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read(path: str, content: bytes, *, requirements_format: bool = False) -> Manifest:
    """What a manifest declares; ``requirements_format`` reads any file as pip's ``-r`` would.

    Raises ``ValueError`` when a TOML, JSON or INI manifest does not parse.
    """
    base = posixpath.basename(path).lower()
    if _PYLOCK.fullmatch(base):
        base = "pylock.toml"
    if not requirements_format and base.endswith(".py") and base != "setup.py":
        return read_script(content)
    if requirements_format or not (base in _NAMED or base in CONFIG_FILES):
        # Imported here: it loads pip-requirements-parser, which only the deps stage needs.
        from gates import reqfile

        return with_artifact_pins(reqfile.read(content))
    return with_artifact_pins(_read_named(base, content))


# PEP 723 inline script metadata: "# /// script" ... "# ///", each line a TOML line behind "#".
SCRIPT_BLOCK = re.compile(
    r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)[ \t]*\r?$\n"
    r"(?P<content>(?:^#(?:| .*)\r?$\n)*?)^# ///[ \t]*\r?$")


def has_script_metadata(content: bytes) -> bool:
    """Whether a Python file carries a PEP 723 ``script`` block (uv and pipx install from it)."""
    return b"# /// script" in content and any(
        m.group("type") == "script"
        for m in SCRIPT_BLOCK.finditer(content.decode("utf-8", "replace")))


def read_script(content: bytes) -> Manifest:
    """What a script's PEP 723 block declares, whatever the script is called."""
    return with_artifact_pins(_script_metadata(content))


def _script_metadata(content: bytes) -> Manifest:
    """A PEP 723 block read as the pyproject.toml it stands for: its dependencies and ``[tool.uv]``
    (indexes, sources) are what ``uv run``/``pipx run`` install from."""
    text = content.decode("utf-8-sig", "replace")
    blocks = [m for m in SCRIPT_BLOCK.finditer(text) if m.group("type") == "script"]
    if not blocks:
        return Manifest()
    body = "".join(line[2:] if line.startswith("# ") else line[1:]
                   for line in blocks[0].group("content").splitlines(keepends=True))
    data = tomllib.loads(body)
    project = {"project": {"dependencies": data.get("dependencies", [])},
               "tool": data.get("tool", {})}
    from gates.sources import toml_sources

    found = _pyproject(project, body)
    return replace(found, sources=found.sources + toml_sources("pyproject.toml", project, body))


def _read_named(base: str, content: bytes) -> Manifest:
    text = content.decode("utf-8-sig", "replace")  # pip and tomllib callers drop the mark too
    if base == "setup.py":
        return Manifest(problems=(Problem("setup.py", None, "setup.py is code: its requirements "
                                          "cannot be read without running it (declare them in "
                                          "pyproject.toml)"),))
    if base == ".gitmodules":
        return Manifest(sources=tuple(
            Source("submodule-url", m.group(1), line.strip(), number)
            for number, line in enumerate(text.splitlines(), 1)
            if (m := _SUBMODULE_URL.match(line))))
    if base in ("pip.conf", "pip.ini"):
        from gates.sources import pip_config

        return Manifest(sources=pip_config(text))
    from gates.sources import toml_sources

    if base == "uv.toml":
        data = tomllib.loads(text)
        found = _split([_pep508(s, _line_of(text.splitlines(), s)) for s in _uv_pins(data)])
        return replace(found, sources=found.sources + toml_sources(base, data, text))
    if base == "pipfile.lock":
        return _pipfile_lock(text)  # its _meta.sources are read there
    if base == "setup.cfg":
        return _setup_cfg(text)
    data = tomllib.loads(text)
    try:
        found = {"pipfile": _pipfile, "pyproject.toml": _pyproject,
                 "pylock.toml": _pylock}.get(base, _lock_toml)(data, text)
    except (AttributeError, TypeError) as exc:
        # Valid TOML of the wrong shape (``project = "x"``, ``build-system = 1``): no installer
        # reads it either; unreadable, so not audited (a person looks), never an internal error.
        raise ValueError(f"{base} does not have the tables its installer expects: {exc}") from None
    return replace(found, sources=found.sources + toml_sources(base, data, text))


def parse(path: str, content: bytes) -> list[Requirement]:
    """The package requirements a manifest declares (``ValueError`` when it does not parse)."""
    return list(read(path, content).requirements)


def exact_version(specifier: str) -> str | None:
    """The one version a PEP 440 specifier set pins with ``==``/``===``, else ``None``.

    ``==1.26.4,<2`` installs 1.26.4 exactly as ``==1.26.4`` does: the other clauses only agree.
    A wildcard (``==1.26.*``), a range, or clauses that exclude the pinned version are no pin.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specs = list(SpecifierSet(specifier))
    except InvalidSpecifier:
        return None
    pins = [s for s in specs if s.operator in ("==", "===") and "*" not in s.version]
    if not pins:
        return None
    version = pins[0].version
    try:
        agree = all(s is pins[0] or s.contains(version, prereleases=True) for s in specs)
    except ValueError:  # an "===" string that is no PEP 440 version
        return None
    return version if agree else None


# Archive suffixes pip installs from a direct URL or path (the wheel's own form aside).
_SDIST = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")


def artifact_pin(target: str) -> tuple[str, str] | None:
    """(name, version) a wheel or sdist file name in a URL or path gives, else ``None``."""
    from urllib.parse import unquote, urlsplit

    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        path = urlsplit(target).path if re.match(r"^[A-Za-z][\w+.-]*:", target) else target
    except ValueError:
        return None
    last = unquote(path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1])
    if last.lower().endswith(".whl"):
        try:
            name, version, _, _ = parse_wheel_filename(last)
        except InvalidWheelFilename:
            return None
        return normalize(name), str(version)
    suffix = next((s for s in _SDIST if last.lower().endswith(s)), None)
    if suffix is None:
        return None
    project, _, release = last[:-len(suffix)].rpartition("-")
    if not project or not re.fullmatch(r"\d[\w.+!-]*", release):
        return None
    return normalize(project), release


def with_artifact_pins(manifest: Manifest) -> Manifest:
    """Add the pin a direct URL or path names in its file name (``urllib3-1.26.4-….whl``).

    The source is judged as a source; the version it installs is audited like any pin, so a
    vulnerable wheel is blocked even when its host is one the policy vouches for.
    """
    have = {(r.name, r.version, r.line) for r in manifest.requirements}
    extra = []
    for source in manifest.sources:
        kind = source.kind.lower().replace("_", "-")
        if kind.endswith(("download host", "index-url", "index-urls", "find-links", "registry",
                          "include", "trusted-host", "vcs", "git")):
            continue
        pin = artifact_pin(source.target)
        if pin is not None and (pin[0], pin[1], source.line) not in have:
            have.add((pin[0], pin[1], source.line))
            extra.append(Requirement(pin[0], pin[1], source.text, source.line))
    if not extra:
        return manifest
    return replace(manifest, requirements=tuple(sorted(
        (*manifest.requirements, *extra), key=lambda r: r.line or 0)))


def _pep508(spec: str, number: int | None, *, declared: bool = False) -> Requirement | Source:
    # Imported here: only the dependency stage parses manifests, the hook path never does.
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement

    try:
        req = PackagingRequirement(spec)
    except InvalidRequirement:
        return Requirement(spec.split(";", maxsplit=1)[0].strip() or spec, None, spec, number,
                           declared)
    if req.url:
        from gates.reqfile import link_kind

        return Source(link_kind(req.url, "+" in req.url.split(":", 1)[0]), req.url, spec, number)
    return Requirement(normalize(req.name), exact_version(str(req.specifier)), spec, number,
                       declared)


def _split(found: list[Requirement | Source]) -> Manifest:
    return Manifest(tuple(r for r in found if isinstance(r, Requirement)),
                    tuple(s for s in found if isinstance(s, Source)))


def is_library(data: dict[str, Any]) -> bool:
    """A pyproject.toml that describes a package others install, not an application.

    It has package metadata (``[project]``, or ``[tool.poetry]`` in package mode) and a
    ``[build-system]`` (the backend it names, or setuptools' legacy default when it names none),
    and does not say it is never built (``tool.uv.package = false``, Poetry's
    ``package-mode = false``). Without a build system uv and pip treat the project as an
    application's environment, whose ranges are what gets installed.
    """
    tool = data.get("tool")
    tool = tool if isinstance(tool, dict) else {}
    poetry, uv = tool.get("poetry"), tool.get("uv")
    poetry = poetry if isinstance(poetry, dict) else {}
    uv = uv if isinstance(uv, dict) else {}
    metadata = isinstance(data.get("project"), dict) or bool(poetry)
    return (metadata and isinstance(data.get("build-system"), dict)
            and poetry.get("package-mode") is not False and uv.get("package") is not False)


def _pyproject(data: dict[str, Any], text: str) -> Manifest:
    lines = text.splitlines()
    out: list[Requirement | Source] = []
    library = is_library(data)
    project = data.get("project", {})
    # (spec, declared): what the package declares for its users, or what its own
    # environments install (dependency groups, uv/pdm dev dependencies, hatch environments).
    specs: list[tuple[object, bool]] = [(s, library) for s in project.get("dependencies", [])]
    for group in project.get("optional-dependencies", {}).values():
        specs.extend((s, library) for s in group)
    for group in data.get("dependency-groups", {}).values():
        specs.extend((s, False) for s in group if isinstance(s, str))
    specs.extend((s, library) for s in data.get("build-system", {}).get("requires", []))
    tool = data.get("tool", {})
    specs.extend((s, False) for s in _uv_pins(tool.get("uv", {})))
    for group in tool.get("pdm", {}).get("dev-dependencies", {}).values():
        specs.extend((s, False) for s in group)
    # hatch installs each environment's dependencies (and extra-dependencies) with pip or uv.
    for env in _tables(tool.get("hatch", {}).get("envs", {})):
        for key in ("dependencies", "extra-dependencies"):
            specs.extend((s, False) for s in _strings(env.get(key)))
    out.extend(_pep508(s, _line_of(lines, s), declared=declared)
               for s, declared in specs if isinstance(s, str))
    for name, value in _tables_of(tool.get("pixi", {}), "pypi-dependencies"):
        if isinstance(value, (str, dict)) and not _elsewhere(value):
            version = value if isinstance(value, str) else value.get("version", "")
            version = "" if not isinstance(version, str) or version.strip() == "*" else version
            key = rf"""\s*["']?{re.escape(name)}["']?\s*="""
            out.append(Requirement(normalize(name), exact_version(version),
                                   f"{name} = {version or '*'!r}", _line_matching(lines, key)))
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [(poetry.get("dependencies", {}), library),
              (poetry.get("dev-dependencies", {}), False)]
    tables += [(g.get("dependencies", {}), False) for g in poetry.get("group", {}).values()]
    for table, declared in tables:
        for name, value in table.items():
            if name.lower() == "python" or _elsewhere(value):
                continue  # a git, path or url dependency is a source (gates.sources)
            version = value.get("version") if isinstance(value, dict) else value
            exact = _poetry_exact(version)
            key = rf"""\s*["']?{re.escape(name)}["']?\s*="""
            out.append(Requirement(normalize(name), exact, f"{name} = {version!r}",
                                   _line_matching(lines, key), declared))
    return replace(_split(out), library=library)


def _poetry_exact(version: object) -> str | None:
    """Poetry's bare ``1.2.3`` and ``=1.2.3`` are exact; other forms as PEP 440 reads them."""
    if not isinstance(version, str):
        return None
    if re.fullmatch(r"=?=?\s*\d[\w.+!-]*", version.strip()):
        return version.strip().lstrip("= ")
    return exact_version(version)


def _uv_pins(table: dict[str, Any]) -> list[str]:
    """Requirements a uv table adds or forces: dev, override, constraint and build constraints.

    An override replaces every other requirement on that package, a constraint narrows it: a
    vulnerable pin in either is installed as surely as a dependency.
    """
    out: list[str] = []
    for key in ("dev-dependencies", "override-dependencies", "constraint-dependencies",
                "build-constraint-dependencies"):
        out.extend(_strings(table.get(key)))
    return out


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _tables(value: object) -> list[dict[str, Any]]:
    return [v for v in value.values() if isinstance(v, dict)] if isinstance(value, dict) else []


def _tables_of(pixi: object, key: str) -> list[tuple[str, object]]:
    """(name, value) of ``key`` in pixi's root table, its features and its targets."""
    if not isinstance(pixi, dict):
        return []
    scopes = [pixi, *_tables(pixi.get("target"))]
    for feature in _tables(pixi.get("feature")):
        scopes += [feature, *_tables(feature.get("target"))]
    return [(str(n), v) for scope in scopes
            for n, v in (scope.get(key) or {}).items() if isinstance(scope.get(key), dict)]


def _pylock(data: dict[str, Any], text: str) -> Manifest:
    """PEP 751: each ``[[packages]]`` entry's name and version, and where it is fetched from."""
    lines = text.splitlines()
    out: list[Requirement | Source] = []
    for package in data.get("packages", []):
        if not isinstance(package, dict):
            continue
        name, version = package.get("name"), package.get("version")
        declared = rf'\s*name\s*=\s*"{re.escape(str(name))}"\s*$'
        line = _line_matching(lines, declared)
        if isinstance(name, str) and isinstance(version, str) and "directory" not in package:
            out.append(Requirement(normalize(name), version, f"{name}=={version}", line))
        index = package.get("index")
        if isinstance(index, str):
            out.append(Source("pylock index-url", index, f"index = {index!r}",
                              _line_of(lines, index)))
        for key, kind in (("vcs", "vcs"), ("directory", "path"), ("archive", "archive")):
            entry = package.get(key)
            for where in ("url", "path"):
                target = entry.get(where) if isinstance(entry, dict) else None
                if isinstance(target, str):
                    out.append(Source(f"pylock {kind if where == 'url' else 'path'}", target,
                                      f"{key}.{where} = {target!r}", _line_of(lines, target)))
        files = [package.get("sdist"), *(package.get("wheels") or [])]
        for artifact in (f for f in files if isinstance(f, dict)):
            if isinstance(artifact.get("path"), str):
                out.append(Source("pylock path", artifact["path"], f"path = {artifact['path']!r}",
                                  _line_of(lines, artifact["path"])))
    return _split(out)  # download hosts of sdist and wheel URLs: gates.sources


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
            pinned = exact_version(version) if isinstance(version, str) else None
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
    # setup.cfg is setuptools' metadata of a package: what it installs with the package, builds
    # it with or offers as extras is declared for its users; tests_require is its own.
    specs = [(spec, key != "tests_require")
             for key in ("install_requires", "setup_requires", "tests_require")
             for spec in _cfg_values(parser, "options", key)]
    for section in ("options.extras_require", "options.extras-require"):
        if parser.has_section(section):
            for _, raw in parser.items(section, raw=True):
                specs.extend((spec, True) for spec in _values(raw))
    found = [_pep508(spec, _line_of(lines, spec), declared=declared) for spec, declared in specs]
    # setuptools no longer follows dependency_links, older ones (and easy_install) did.
    found += [Source("dependency-links", link, link, _line_of(lines, link))
              for link in _cfg_values(parser, "options", "dependency_links")]
    # setuptools hands [easy_install] index_url, find_links and allow_hosts to pip when it
    # fetches setup_requires (fetch_build_eggs).
    if parser.has_section("easy_install"):
        for key, raw in parser.items("easy_install", raw=True):
            found += [Source(f"easy_install {key}", value, f"[easy_install] {key} = {value}",
                             _line_of(lines, value)) for value in raw.split()]
    return replace(_split(found), library=True)


def _cfg_values(parser: configparser.ConfigParser, section: str, key: str) -> list[str]:
    """Both spellings: setuptools still reads ``setup-requires`` as ``setup_requires``."""
    return [*_values(parser.get(section, key, fallback="")),
            *_values(parser.get(section, key.replace("_", "-"), fallback=""))]


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
