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
from urllib.parse import unquote, urlsplit

from gates.manifests import Source

# Keys whose values name a source, per tool table. Everything else in those tables is ignored.
_UV_KEYS = frozenset({"url", "index-url", "extra-index-url", "find-links", "allow-insecure-host",
                      "git", "path", "index", "workspace"})
_POETRY_KEYS = frozenset({"url", "git", "path", "file", "source"})
_PDM_KEYS = frozenset({"url", "git", "path", "file"})
_PIPENV_KEYS = frozenset({"url", "git", "path", "file", "index"})
_LOCK_SOURCE_KEYS = frozenset({"registry", "git", "url", "path", "directory", "editable",
                               "virtual", "file", "reference"})
_PIXI_KEYS = frozenset({"index-url", "extra-index-urls", "find-links", "url", "git", "path"})
_PDM_LOCK_KEYS = frozenset({"git", "url", "path"})
_SKIP = frozenset({"cache-keys", "scripts", "build-backend"})  # "file"/"path" that are not sources
# Tables whose "url" is an index (or a find-links page); a "url" anywhere else is one artifact.
_INDEX_TABLES = frozenset({"tool.uv.index", "index", "tool.poetry.source", "tool.pdm.source",
                           "source", "_meta.sources", "tool.pixi.pypi-options.find-links"})
# Environment variables that choose where installers fetch from or whom they trust, set in a tool
# table (hatch env-vars, tox set_env, pixi activation, PDM scripts): pip, uv, PDM and Poetry read
# them whenever that tool runs an install.
_ENV_SETTING = re.compile(r"(?:PIP|UV|PDM|POETRY|PIPENV)_\w*(?:INDEX|FIND_LINKS|TRUSTED|INSECURE|"
                          r"CONFIG_FILE|CERT|PROXY|REPOSITOR|PYPI|SOURCE|NO_VERIFY|MIRROR)\w*",
                          re.IGNORECASE)

# The default index, which every installer uses unless told otherwise, and the host its files are
# served from (only as the download host of a lock file: a direct URL there is still a direct URL).
_DEFAULT_INDEXES = ("https://pypi.org/simple", "https://pypi.python.org/simple")
_DEFAULT_DOWNLOADS = ("https://files.pythonhosted.org",)
# Kinds (lower case, "_" as "-") that name an index or a find-links page rather than one artifact.
_INDEX_KINDS = ("index-url", "extra-index-url", "extra-index-urls", "find-links", "registry",
                "uv url", "poetry url", "pdm url", "pipenv url", "pixi url")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# RFC 3986 in ASCII, host a plain DNS name (no trailing dot, no IDNA, no percent-encoding), port
# digits only, userinfo of userinfo characters (and pip's ${VAR}). Only a URL every parser on the
# way reads alike may be vouched for: urlsplit ends the authority at the first "/" and takes the
# host after the last "@", pip's urllib3 and uv's WHATWG parser end it at a backslash, so
# "https://evil.io\@pypi.org/simple" is pypi.org to one and evil.io to the others.
_CHARS = r"-A-Za-z0-9._~!$&'()*+,;=:@"  # "-" first: a literal, never a range
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_STRICT_URL = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    r"(?:(?:[A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-Fa-f]{2}|\$\{[A-Za-z0-9_]+\})*@)?"
    rf"(?P<host>{_LABEL}(?:\.{_LABEL})*)"
    r"(?::(?P<port>[0-9]{1,5}))?"
    rf"(?P<path>/(?:[{_CHARS}/]|%[0-9A-Fa-f]{{2}})*)?"
    rf"(?:\?(?:[{_CHARS}/?]|%[0-9A-Fa-f]{{2}})*)?"
    rf"(?:#(?:[{_CHARS}/?]|%[0-9A-Fa-f]{{2}})*)?")
# Percent-encoded ".", "/" and "\" in a path: a server or proxy that decodes them climbs out.
_ENCODED_PATH = re.compile(r"%(?:2e|2f|5c)", re.IGNORECASE)


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
        _walk("pixi", tool.get("pixi", {}), "tool.pixi", _PIXI_KEYS, lines=lines, out=out)
        _env_settings(tool, "tool", lines, out)
    elif base == "pdm.lock":
        for package in data.get("package", []):
            _walk(base, package, "package", _PDM_LOCK_KEYS, lines=lines, out=out)
    elif base == "pylock.toml":
        for package in data.get("packages", []):
            if not isinstance(package, dict):
                continue
            for artifact in [package.get("sdist"), *(package.get("wheels") or [])]:
                url = artifact.get("url") if isinstance(artifact, dict) else None
                if isinstance(url, str) and (origin := _origin(url)):
                    out.append(Source("pylock download host", origin, url, _line_of(lines, url)))
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
        # A "url" outside an index table installs one artifact: never "the default index".
        kind = f"{tool} direct-url" if key == "url" and where not in _INDEX_TABLES \
            else f"{tool} {key}"
        if key in keys and isinstance(value, (str, bool, int)):
            target = str(value).lower() if isinstance(value, bool) else str(value)
            out.append(Source(kind, target, f"{here} = {value!r}",
                              _line_for(lines, key, str(value))))
        elif key in keys and isinstance(value, list) and all(isinstance(v, str) for v in value):
            out.extend(Source(kind, v, f"{here} = {v!r}", _line_for(lines, key, v))
                       for v in value)
        else:
            _walk(tool, value, here, keys, lines=lines, out=out)


def _env_settings(node: Any, where: str, lines: list[str], out: list[Source]) -> None:
    """``PIP_INDEX_URL = …`` and its kin anywhere in the tool tables."""
    if isinstance(node, list):
        for item in node:
            _env_settings(item, where, lines, out)
    elif isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}"
            if isinstance(value, (str, bool, int)) and _ENV_SETTING.fullmatch(str(key)):
                shown = str(value).lower() if isinstance(value, bool) else str(value)
                for item in shown.split() or [""]:
                    out.append(Source(f"env {key}", item, f"{here} = {value!r}",
                                      _line_for(lines, str(key), item)))
            else:
                _env_settings(value, here, lines, out)


def accepted(source: Source, manifest: str, allowed: Iterable[str]) -> str | None:
    """The reason ``source`` needs no person (``None`` when it does).

    Built in: the default index (as an index, never a direct URL to one of its files), and the
    manifest's own directory (the project itself, ``-e .``). ``allowed`` entries are URL prefixes
    (scheme, host and port exact, path on a segment boundary: ``https://pypi.example.com`` never
    matches ``https://pypi.example.com.evil.io``), host names (for trusted hosts and https URLs on
    that host), or globs of repository paths. A URL that parsers may read differently (a
    backslash, whitespace, a control or non-ASCII character, an encoded dot or slash in the path)
    matches nothing.
    """
    target = source.target
    kind = source.kind.lower().replace("_", "-")
    if _URL.match(target):
        if kind.endswith(_INDEX_KINDS) and any(_url_within(target, d) for d in _DEFAULT_INDEXES):
            return "the default index"
        if kind.endswith("download host") and any(_url_within(target, d)
                                                   for d in _DEFAULT_DOWNLOADS):
            return "the default index's file host"
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


def plain_url(url: str) -> tuple[str, str, int | None, str] | None:
    """(scheme, host, port, path) of a URL every parser reads alike, lower-cased; else ``None``."""
    found = _STRICT_URL.fullmatch(url)
    if found is None:
        return None
    path = found.group("path") or ""
    if _ENCODED_PATH.search(path) or {".", ".."} & set(path.split("/")):
        return None  # the server resolves dot segments: /simple/../x is not under /simple
    port = int(found.group("port")) if found.group("port") else None
    return found.group("scheme").lower(), found.group("host").lower(), port, path


def _url_within(url: str, prefix: str) -> bool:
    got, want = plain_url(url), plain_url(prefix)
    if got is None or want is None or got[:3] != want[:3]:
        return False
    path, base = got[3], want[3].rstrip("/")
    return path == base or path.startswith(base + "/") or not base


def _host_matches(source: Source, entry: str) -> bool:
    entry = entry.lower()
    if source.kind.endswith(("trusted-host", "allow-insecure-host")):
        return source.target.lower() == entry
    parts = plain_url(source.target)
    if parts is None:
        return False
    scheme, host, port, _ = parts
    if scheme not in ("https", "git+https", "hg+https", "svn+https", "bzr+https"):
        return False  # a host vouched for over TLS, not in clear text
    return host == entry or (port is not None and f"{host}:{port}" == entry)


def _local_path(source: Source, manifest: str) -> str | None:
    """The repository-relative path a path-like source points at (``None`` for remote ones).

    pip unquotes a ``file:`` URL's path; a backslash (a separator on Windows), a control character
    or whitespace makes the path one the gate cannot place, so it matches nothing.
    """
    target = source.target
    if target.lower().startswith("file:"):
        parts = urlsplit(target)
        if parts.netloc not in ("", "localhost"):
            return None
        target = unquote(parts.path)
    elif _URL.match(target) or source.kind.endswith(("trusted-host", "allow-insecure-host")):
        return None
    if not target or target.startswith("/") or re.match(r"^[A-Za-z]:", target) or \
            re.search(r"[\\\s\x00-\x1f\x7f]", target):
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
    """Scheme, host and port of a download URL; the whole URL when parsers may disagree on them."""
    parts = plain_url(url)
    if parts is None:
        return url if url.strip() else None
    scheme, host, port, _ = parts
    return f"{scheme}://{host}{f':{port}' if port is not None else ''}"


def _unique(sources: list[Source]) -> list[Source]:
    seen: dict[tuple[str, str], Source] = {}
    for source in sources:
        seen.setdefault(source.key, source)
    return list(seen.values())


def _line_for(lines: list[str], key: str, value: str) -> int | None:
    """The line that sets ``key`` to ``value``; else the first that holds the value (a list)."""
    lowered_key, lowered = key.lower(), value.lower()
    escaped = lowered.replace("\\", "\\\\")
    both = next((n for n, line in enumerate(lines, 1) if lowered_key in line.lower()
                 and (lowered in line.lower() or escaped in line.lower())), None)
    return both or _line_of(lines, value)


def _line_of(lines: list[str], needle: str) -> int | None:
    # As parsed, or as a TOML or JSON string spells it ("\\" for a backslash).
    for lowered in dict.fromkeys((needle.lower(), needle.lower().replace("\\", "\\\\"))):
        found = next((n for n, line in enumerate(lines, 1) if lowered in line.lower()), None)
        if found is not None:
            return found
    return None
