"""Package sources outside requirements files, and which sources a team has accepted.

A source is anywhere an installer may fetch a package from other than a name on the default index:
another index, a find-links page, a host whose TLS is not checked, a direct URL, a VCS checkout, a
local path, or a configuration file that sets any of these for everyone running in its directory.
Requirements files are read by ``gates.reqfile``; this module reads uv, Poetry, PDM and Pipenv
tables, pip's configuration files, and decides whether a source is one the policy vouches for.
"""

from __future__ import annotations

import configparser
import fnmatch
import posixpath
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from gates.manifests import Source

# Keys whose values name a source, per tool table. Everything else in those tables is ignored.
_UV_KEYS = frozenset({"url", "index-url", "extra-index-url", "find-links", "allow-insecure-host",
                      "git", "path", "index", "workspace"})
_POETRY_KEYS = frozenset({"url", "git", "path", "file", "source"})
_PDM_KEYS = frozenset({"url", "git", "path", "file"})
_PIPENV_KEYS = frozenset({"url", "git", "path", "file", "index"})
_LOCK_SOURCE_KEYS = frozenset({"registry", "git", "url", "path", "directory", "editable",
                               "virtual", "file", "reference"})
_SKIP = frozenset({"cache-keys", "scripts", "build-backend"})  # "file"/"path" that are not sources

# The default index, which every installer uses unless told otherwise.
_DEFAULT_INDEXES = ("https://pypi.org/simple", "https://pypi.python.org/simple",
                    "https://files.pythonhosted.org")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def toml_sources(base: str, data: dict[str, Any], text: str) -> tuple[Source, ...]:
    """The sources a TOML manifest (``base`` is its lower-cased file name) declares."""
    lines = text.splitlines()
    out: list[Source] = []
    if base == "uv.toml":
        _walk("uv", data, "", _UV_KEYS, lines=lines, out=out)
    elif base == "pyproject.toml":
        tool = data.get("tool", {})
        _walk("uv", tool.get("uv", {}), "tool.uv", _UV_KEYS, lines=lines, out=out)
        _walk("poetry", tool.get("poetry", {}), "tool.poetry", _POETRY_KEYS, lines=lines, out=out)
        _walk("pdm", tool.get("pdm", {}).get("source", []), "tool.pdm.source", _PDM_KEYS,
              lines=lines, out=out)
    elif base == "pipfile":
        for section in ("source", "packages", "dev-packages"):
            _walk("pipenv", data.get(section, {}), section, _PIPENV_KEYS, lines=lines, out=out)
    elif base in ("uv.lock", "poetry.lock"):
        tool = base.split(".", maxsplit=1)[0]
        for package in data.get("package", []):
            if not isinstance(package, dict):
                continue
            _walk(base, package.get("source", {}), "package.source", _LOCK_SOURCE_KEYS,
                  lines=lines, out=out)
            # Where uv downloads each file: a changed host is a new source, a new file is not.
            artifacts = [package.get("sdist", {}), *package.get("wheels", [])]
            for artifact in artifacts:
                url = artifact.get("url") if isinstance(artifact, dict) else None
                if isinstance(url, str) and (origin := _origin(url)):
                    out.append(Source(f"{tool} download host", origin, url, _line_of(lines, url)))
    return tuple(_unique(out))


def json_sources(data: dict[str, Any], lines: list[str]) -> tuple[Source, ...]:
    """Pipfile.lock: its indexes and the packages it pins to git, paths, files or an index."""
    out: list[Source] = []
    meta = data.get("_meta", {})
    _walk("pipenv", meta.get("sources", []) if isinstance(meta, dict) else [], "_meta.sources",
          _PIPENV_KEYS, lines=lines, out=out)
    for section in ("default", "develop"):
        _walk("pipenv", data.get(section, {}), section, _PIPENV_KEYS, lines=lines, out=out)
    return tuple(_unique(out))


def pip_config(text: str) -> tuple[Source, ...]:
    """Every setting of a ``pip.conf``/``pip.ini``: indexes, hosts, proxies and certificates alike.

    pip reads such a file from a virtualenv, from ``PIP_CONFIG_FILE`` or from ``~/.pip``: whoever
    runs pip there gets its index, its proxy and its trust settings, so every entry counts.
    """
    parser = configparser.RawConfigParser(strict=False)
    lines = text.splitlines()
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        return (Source("pip-config", f"(does not parse: {first})", "pip configuration",
                       None),)
    out = []
    for section in parser.sections():
        for key, value in parser.items(section, raw=True):
            for item in (value or "").split() or [""]:
                shown = f"[{section}] {key} = {item}"
                out.append(Source(f"pip-config {section}.{key}", item, shown,
                                  _line_for(lines, key, item) if item else _line_of(lines, key)))
    return tuple(_unique(out))


def _walk(tool: str, node: Any, where: str, keys: frozenset[str], *, lines: list[str],
          out: list[Source]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(tool, item, where, keys, lines=lines, out=out)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = f"{where}.{key}" if where else str(key)
        if key in _SKIP:
            continue
        if key in keys and isinstance(value, (str, bool, int)):
            target = str(value).lower() if isinstance(value, bool) else str(value)
            out.append(Source(f"{tool} {key}", target, f"{here} = {value!r}",
                              _line_for(lines, key, str(value))))
        elif key in keys and isinstance(value, list) and all(isinstance(v, str) for v in value):
            out.extend(Source(f"{tool} {key}", v, f"{here} = {v!r}", _line_for(lines, key, v))
                       for v in value)
        else:
            _walk(tool, value, here, keys, lines=lines, out=out)


def accepted(source: Source, manifest: str, allowed: Iterable[str]) -> str | None:
    """The reason ``source`` needs no person (``None`` when it does).

    Built in: the default index, and the manifest's own directory (the project itself, ``-e .``).
    ``allowed`` entries are URL prefixes (scheme, host and port exact, path on a segment
    boundary: ``https://pypi.example.com`` never matches ``https://pypi.example.com.evil.io``),
    host names (for trusted hosts and https URLs on that host), or globs of repository paths.
    """
    target = source.target
    if _URL.match(target) and any(_url_within(target, d) for d in _DEFAULT_INDEXES):
        return "the default index"
    if source.kind == "uv workspace":
        return "a member of the repository's own uv workspace"
    local = _local_path(source, manifest)
    if local is not None and local == (posixpath.dirname(manifest) or "."):
        return "the project itself"
    for entry in allowed:
        if _URL.match(entry):
            if _URL.match(target) and _url_within(target, entry):
                return f"deps.allowed_sources: {entry}"
        elif "/" not in entry and not entry.startswith(".") and "*" not in entry:
            if _host_matches(source, entry):
                return f"deps.allowed_sources: {entry}"
        elif local is not None and _path_matches(local, entry):
            return f"deps.allowed_sources: {entry}"
    return None


def _url_within(url: str, prefix: str) -> bool:
    try:
        got, want = urlsplit(url), urlsplit(prefix)
        ports = (got.port, want.port)
    except ValueError:
        return False
    if got.scheme.lower() != want.scheme.lower() or ports[0] != ports[1]:
        return False
    if (got.hostname or "") != (want.hostname or "") or not got.hostname:
        return False
    segments = got.path.lower().replace("%2e", ".").split("/")
    if "." in segments or ".." in segments:
        return False  # the server resolves dot segments: /simple/../x is not under /simple
    base = want.path.rstrip("/")
    return got.path == base or got.path.startswith(base + "/") or not base


def _host_matches(source: Source, entry: str) -> bool:
    entry = entry.lower()
    if source.kind.endswith(("trusted-host", "allow-insecure-host")):
        return source.target.lower() == entry
    if not _URL.match(source.target):
        return False
    try:
        parts = urlsplit(source.target)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("https", "git+https", "hg+https", "svn+https", "bzr+https"):
        return False  # a host vouched for over TLS, not in clear text
    host = (parts.hostname or "").lower()
    return host == entry or (port is not None and f"{host}:{port}" == entry)


def _local_path(source: Source, manifest: str) -> str | None:
    """The repository-relative path a path-like source points at (``None`` for remote ones)."""
    target = source.target
    if target.lower().startswith("file:"):
        target = urlsplit(target).path
    elif _URL.match(target) or source.kind.endswith(("trusted-host", "allow-insecure-host")):
        return None
    if not target or target.startswith("/") or re.match(r"^[A-Za-z]:", target):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(manifest), target))
    return None if joined == ".." or joined.startswith("../") else joined


def _path_matches(local: str, entry: str) -> bool:
    pattern = posixpath.normpath(entry.lstrip("/"))
    if fnmatch.fnmatchcase(local, pattern):
        return True
    # A plain directory vouches for what is under it; a glob only for what it matches.
    return not any(c in pattern for c in "*?[") and local.startswith(pattern + "/")


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}{port}" if parts.hostname \
        else None


def _unique(sources: list[Source]) -> list[Source]:
    seen: dict[tuple[str, str], Source] = {}
    for source in sources:
        seen.setdefault(source.key, source)
    return list(seen.values())


def _line_for(lines: list[str], key: str, value: str) -> int | None:
    """The line that sets ``key`` to ``value``; else the first that holds the value (a list)."""
    lowered_key, lowered = key.lower(), value.lower()
    both = next((n for n, line in enumerate(lines, 1)
                 if lowered_key in line.lower() and lowered in line.lower()), None)
    return both or _line_of(lines, value)


def _line_of(lines: list[str], needle: str) -> int | None:
    lowered = needle.lower()
    return next((n for n, line in enumerate(lines, 1) if lowered in line.lower()), None)
