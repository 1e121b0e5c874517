"""Does a package name exist on the index pip would use, and how long has it been there?

A hallucinated name has no advisory and no CVE: the package index is the only witness that it is
not a package anyone published, or that it was published last week by whoever registered the
name a model keeps inventing. The index asked is the one ``pip install`` would ask (its
configuration files and ``PIP_*`` variables, read by pip's own loader), over the simple API: PEP
691 JSON, which carries PEP 700 upload times, else PEP 503 HTML, which carries none. Every way the
question can go unanswered (an error status, a timeout, a TLS failure, a body too large or not
the shape the PEPs promise) is "could not be checked", never "exists" and never "missing"; only a
404 says a name is not there. Answers are cached per (index, name) for a day; unanswered
questions are not. Credentials in an index URL are used for the request and never shown.
"""

from __future__ import annotations

import json
import os
import re
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from packaging.utils import canonicalize_name

from gates.cache import Cache, key

if TYPE_CHECKING:
    import httpx

DEFAULT_INDEX = "https://pypi.org/simple/"
ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
TTL = 24 * 3600
MAX_BYTES = 8 * 1024 * 1024  # a popular project's page is MBs; past this it is not read at all
MAX_REDIRECTS = 3
WORKERS = 8
BUDGET = 30.0  # seconds for the whole lookup, however many names and indexes
_JSON_TYPES = frozenset({"application/vnd.pypi.simple.v1+json"})
_HTML_TYPES = frozenset({"text/html", "application/vnd.pypi.simple.v1+html"})
# PEP 508 names; anything else is never put into a URL (it could climb out of the index path).
_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_UNPRINTABLE = re.compile(r"[^\x21-\x7e]")
# pip's option names (and aliases) for what decides where it fetches from.
_PIP_KEYS = {"index-url": "index", "pypi-url": "index", "extra-index-url": "extra",
             "no-index": "no_index", "proxy": "proxy", "cert": "cert"}


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """What the configured indexes say about one name.

    ``exists`` is None when no index could answer; ``releases`` and ``first_upload`` are None
    when they could not be read (an HTML index gives no dates); ``problem`` says why. ``index``
    names (without credentials) the indexes that have it, or those asked when none has it.
    ``status`` is the PEP 792 project status when the index gives one ("quarantined").
    """

    name: str
    index: str
    exists: bool | None
    releases: int | None
    first_upload: datetime | None
    problem: str = ""
    status: str = ""


class PipConfigError(ValueError):
    """pip's configuration cannot be read: pip itself would refuse to install."""


@dataclass(frozen=True, slots=True)
class _PipOptions:
    indexes: tuple[str, ...]
    proxy: str | None = None
    cert: str | None = None


@dataclass(frozen=True, slots=True)
class _Answer:
    """One index's answer for one name: found, missing (``found`` False) or unanswered (None)."""

    found: bool | None
    releases: int | None = None
    first_upload: datetime | None = None
    note: str = ""
    status: str = ""


def configured_indexes(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The index URLs ``pip install`` would use, main index first (real URLs, with credentials).

    Empty when pip is configured with ``no-index``. ``env`` stands for ``os.environ`` as far as
    ``PIP_*`` variables go; the locations of the user and global files come from the process.
    Raises ``PipConfigError`` when pip's configuration does not load.
    """
    return _pip_options(os.environ if env is None else env).indexes


def redact(url: str) -> str:
    """``url`` fit to print or to key a cache: no userinfo, query or fragment, printable only."""
    try:
        parts = urlsplit(url)
        shown = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    except ValueError:
        return "(an index URL that does not parse)"
    return _UNPRINTABLE.sub("?", shown)


def lookup(names: Iterable[str], *, cache: Cache, timeout: float = 10.0,
           env: Mapping[str, str] | None = None, budget: float = BUDGET
           ) -> dict[str, PackageInfo]:
    """What the configured indexes say about each of ``names`` (keyed by the names as given).

    Each index is asked concurrently, within ``timeout`` per request and ``budget`` in all. A
    name is found when any index has it; its releases and first upload are combined over the
    indexes that have it, as pip pools their files.
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    try:
        options = _pip_options(os.environ if env is None else env)
    except PipConfigError as exc:
        return {n: _unchecked(n, "", f"pip's configuration does not load: {exc}") for n in wanted}
    indexes = options.indexes
    if not indexes:
        return {n: _unchecked(n, "", "pip is configured with no-index") for n in wanted}
    normal = {n: str(canonicalize_name(n)) for n in wanted if _VALID_NAME.match(n)}
    answers: dict[tuple[str, str], _Answer] = {}
    todo = []
    for index in indexes:
        for name in dict.fromkeys(normal.values()):
            cached = _from_cache(cache, index, name)
            if cached is None:
                todo.append((index, name))
            else:
                answers[index, name] = cached
    if todo:
        fetched = _fetch_all(todo, options, timeout=timeout, deadline=time.monotonic() + budget)
        for (index, name), answer in fetched.items():
            answers[index, name] = answer
            if answer.found is not None:
                _to_cache(cache, index, name, answer)
    shown = ", ".join(redact(i) for i in indexes)
    out = {}
    for given in wanted:
        if given in normal:
            out[given] = _combine(normal[given], [(i, answers[i, normal[given]]) for i in indexes])
        else:
            out[given] = _unchecked(given, shown, "not a valid package name (PEP 508)")
    return out


def _unchecked(name: str, index: str, problem: str) -> PackageInfo:
    return PackageInfo(name, index, None, None, None, problem)


def _combine(name: str, answers: list[tuple[str, _Answer]]) -> PackageInfo:
    found = [(redact(i), a) for i, a in answers if a.found]
    unanswered = [f"{redact(i)}: {a.note}" for i, a in answers if a.found is None]
    if not found:
        asked = ", ".join(redact(i) for i, _ in answers)
        if unanswered:
            return _unchecked(name, asked, "; ".join(unanswered))
        return PackageInfo(name, asked, False, None, None)
    counts = [a.releases for _, a in found]
    releases = None if None in counts else max(c for c in counts if c is not None)
    # Files an undated index holds can only be older: the earliest known date is an upper
    # bound on the first upload, so "old enough" stays true and "too young" errs on the safe side.
    dates = [a.first_upload for _, a in found if a.first_upload is not None]
    first = min(dates) if dates else None
    notes = [f"{i}: {a.note}" for i, a in found if a.note] if first is None else []
    return PackageInfo(name, ", ".join(i for i, _ in found), True, releases, first,
                       "; ".join(notes + unanswered),
                       next((a.status for _, a in found if a.status), ""))


# -- pip's configuration ----------------------------------------------------------------------

def _pip_options(env: Mapping[str, str]) -> _PipOptions:
    """Read the settings the way pip's option parser does: [global], then [install], then the
    ``PIP_*`` variables, each overriding the one before; within a section later files win."""
    # Imported here: pip's configuration loader costs ~60 ms and only this check needs it.
    try:
        from pip._internal.exceptions import ConfigurationError

        loader = _scoped_configuration(env)
    except (ImportError, AttributeError) as exc:
        raise PipConfigError(f"pip's configuration loader is not available ({exc})") from None
    try:
        loader.load()
    except ConfigurationError as exc:
        raise PipConfigError(str(exc)) from None
    sections: dict[str, dict[str, str]] = {"global": {}, "install": {}, ":env:": {}}
    for _, values in loader.items():
        for section_key, value in values.items():
            section, _, option = str(section_key).partition(".")
            if section in sections and value:
                sections[section][option] = str(value)
    chosen: dict[str, str] = {}
    for values_in_section in sections.values():
        for option, value in values_in_section.items():
            if option in _PIP_KEYS:
                chosen[_PIP_KEYS[option]] = value
    if chosen.get("no_index") and _truth(chosen["no_index"]):
        return _PipOptions(())
    extras = chosen.get("extra", "").split()
    return _PipOptions(tuple(dict.fromkeys([chosen.get("index", DEFAULT_INDEX), *extras])),
                       chosen.get("proxy"), chosen.get("cert"))


def _truth(value: str) -> bool:
    from pip._internal.utils.misc import strtobool

    try:
        return bool(strtobool(value))
    except ValueError:
        raise PipConfigError(f"no-index = {value!r} is not a boolean") from None


def _scoped_configuration(env: Mapping[str, str]) -> Any:
    """pip's own loader, reading ``env`` where pip reads ``os.environ``.

    Swapping ``os.environ`` instead would race with the stages that run beside this one; the two
    methods overridden are the only places the loader consults the environment for what to load.
    """
    from pip._internal.configuration import (
        ENV_NAMES_IGNORED,
        Configuration,
        Kind,
        get_configuration_files,
    )

    class Scoped(Configuration):
        def iter_config_files(self) -> Iterator[tuple[Kind, list[str]]]:
            env_file = env.get("PIP_CONFIG_FILE")
            files = get_configuration_files()
            yield Kind.GLOBAL, files[Kind.GLOBAL]
            # As pip: a PIP_CONFIG_FILE that exists replaces the user's own files.
            if not self.isolated and not (env_file and os.path.exists(env_file)):
                yield Kind.USER, files[Kind.USER]
            yield Kind.SITE, files[Kind.SITE]
            yield Kind.ENV, [] if env_file is None else [env_file]

        def get_environ_vars(self) -> Iterator[tuple[str, str]]:
            for name, value in env.items():
                if name.startswith("PIP_") and name[4:].lower() not in ENV_NAMES_IGNORED:
                    yield name[4:].lower(), value

    return Scoped(isolated=False)


# -- the cache --------------------------------------------------------------------------------

def _cache_key(index: str, name: str) -> str:
    return key("trust-index", "v1", redact(index), name)


def _from_cache(cache: Cache, index: str, name: str) -> _Answer | None:
    value: Any = cache.get(_cache_key(index, name))
    try:
        age = time.time() - float(value["at"])
        releases = value["releases"]
        if not 0 <= age < TTL or not isinstance(value["found"], bool) or \
                not (releases is None or type(releases) is int):
            return None
        first = value["first"]
        return _Answer(value["found"], releases,
                       datetime.fromisoformat(first) if first else None,
                       str(value["note"]), str(value["status"]))
    except (TypeError, KeyError, ValueError):
        return None


def _to_cache(cache: Cache, index: str, name: str, answer: _Answer) -> None:
    first = answer.first_upload.isoformat() if answer.first_upload else None
    cache.put(_cache_key(index, name), {"at": time.time(), "found": answer.found,
                                        "releases": answer.releases, "first": first,
                                        "note": answer.note, "status": answer.status})


# -- asking the index -------------------------------------------------------------------------

class _Unanswered(Exception):
    """The index gave no usable answer; the message says why (without credentials)."""


def _fetch_all(todo: list[tuple[str, str]], options: _PipOptions, *, timeout: float,
               deadline: float) -> dict[tuple[str, str], _Answer]:
    # Imported here: httpx and ssl cost ~100 ms, and only a change that adds names needs them.
    import ssl
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    try:
        context = ssl.create_default_context(cafile=options.cert)
        if options.cert is None:
            import certifi  # the system store as pip's truststore uses it, plus httpx's own

            context.load_verify_locations(certifi.where())
    except (OSError, ssl.SSLError) as exc:
        note = f"pip's cert setting cannot be loaded ({type(exc).__name__})"
        return {item: _Answer(None, note=note) for item in todo}
    with httpx.Client(verify=context, proxy=options.proxy, follow_redirects=False,
                      headers={"Accept": ACCEPT, "Accept-Encoding": "gzip, identity",
                               "User-Agent": "draftgate-trust"}) as client, \
            ThreadPoolExecutor(max_workers=min(WORKERS, len(todo))) as pool:
        futures = {item: pool.submit(_fetch, client, *item, timeout=timeout, deadline=deadline)
                   for item in todo}
        return {item: future.result() for item, future in futures.items()}


def _fetch(client: httpx.Client, index: str, name: str, *, timeout: float,
           deadline: float) -> _Answer:
    import ssl

    import httpx

    secrets = _secrets(index)
    try:
        return _ask(client, index, name, timeout=timeout, deadline=deadline)
    except _Unanswered as exc:
        return _Answer(None, note=_scrub(str(exc), secrets))
    except httpx.TimeoutException:
        return _Answer(None, note=f"timed out after {timeout:g} s")
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, ssl.SSLError, OSError) as exc:
        detail = _scrub(str(exc), secrets)[:200]
        return _Answer(None, note=f"cannot connect ({type(exc).__name__}: {detail})")


def _ask(client: httpx.Client, index: str, name: str, *, timeout: float,
         deadline: float) -> _Answer:
    base, auth = _credentials(index)
    url = base.rstrip("/") + "/" + name + "/"
    origin = _origin(url)
    for _ in range(MAX_REDIRECTS + 1):
        stop = min(time.monotonic() + timeout, deadline)
        if stop <= time.monotonic():
            raise _Unanswered("the lookup's time budget was spent before this name's turn")
        request = client.build_request("GET", url, timeout=stop - time.monotonic())
        response = client.send(request, stream=True,
                               auth=auth if _origin(url) == origin else None)
        try:
            if response.is_redirect:
                url = _redirect(url, str(response.url.join(response.headers["location"])))
                continue
            if response.status_code == 404:
                return _Answer(False)
            if response.status_code != 200:
                raise _Unanswered(f"HTTP {response.status_code}")
            kind = response.headers.get("content-type", "").partition(";")[0].strip().lower()
            body = _read(response, stop)
        finally:
            response.close()
        if kind in _JSON_TYPES:
            return _parse_json(body, name)
        if kind in _HTML_TYPES:
            return _parse_html(body, name)
        raise _Unanswered(f"answered with content type {_UNPRINTABLE.sub('?', kind)[:60]!r}")
    raise _Unanswered(f"more than {MAX_REDIRECTS} redirects")


def _redirect(current: str, target: str) -> str:
    """Follow to ``target`` only over http(s), and never from https down to http."""
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https") or (scheme == "http" and
                                             urlsplit(current).scheme.lower() == "https"):
        raise _Unanswered(f"redirected to a {scheme or 'relative'} URL")
    return target


def _read(response: httpx.Response, stop: float) -> bytes:
    """The decoded body, at most ``MAX_BYTES`` of it, decompressed here so a small gzip bomb
    cannot expand past the cap in one chunk."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BYTES:
        raise _Unanswered(f"the page is larger than {MAX_BYTES // 2**20} MB")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", ""):
        raise _Unanswered(f"answered with content encoding {_UNPRINTABLE.sub('?', encoding)[:40]}")
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    out = bytearray()
    try:
        for chunk in response.iter_raw():
            out += decoder.decompress(chunk, MAX_BYTES + 1 - len(out)) if decoder else chunk
            if len(out) > MAX_BYTES:
                raise _Unanswered(f"the page is larger than {MAX_BYTES // 2**20} MB")
            if time.monotonic() > stop:
                raise _Unanswered("the page took longer than the timeout to arrive")
    except zlib.error:
        raise _Unanswered("the page is not valid gzip") from None
    return bytes(out)


def _parse_json(body: bytes, name: str) -> _Answer:
    """PEP 691 project detail: its ``versions`` (PEP 700) or file names, and upload times."""
    try:
        data = json.loads(body)
        major = str(data["meta"]["api-version"]).split(".")[0]
        if major != "1":
            raise _Unanswered(f"speaks simple API version {major[:10]!r}, not 1")
        if canonicalize_name(str(data["name"])) != name:
            raise _Unanswered("answered for another project")
        files = data["files"]
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            raise TypeError("files")
        versions = data.get("versions")
        if isinstance(versions, list) and all(isinstance(v, str) for v in versions):
            releases = len({v.lower() for v in versions})
        else:
            releases = _count_versions([str(f["filename"]) for f in files], name)
        times = [_when(f["upload-time"]) for f in files if f.get("upload-time")]
        status = data.get("project-status")
        status = str(status.get("status", ""))[:40] if isinstance(status, dict) else ""
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise _Unanswered("the JSON page is not a PEP 691 project page") from None
    if not files:
        return _Answer(True, releases, None, "lists no files: age could not be checked",
                       _UNPRINTABLE.sub("?", status))
    note = "" if len(times) == len(files) else "gives no upload times: age could not be checked"
    return _Answer(True, releases, min(times) if not note else None, note,
                   _UNPRINTABLE.sub("?", status))


def _when(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[str] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            text = "".join(self._text).strip()
            self.files.append(text or unquote(self._href.split("#")[0].rsplit("/", 1)[-1]))
            self._href = None


def _parse_html(body: bytes, name: str) -> _Answer:
    """PEP 503 project page: one anchor per file, no dates."""
    parser = _Anchors()
    parser.feed(body.decode("utf-8", "replace"))
    parser.close()
    releases = _count_versions(parser.files, name)
    if not releases:
        return _Answer(True, releases, None, "lists no files of this project (HTML simple API)")
    return _Answer(True, releases, None,
                   "serves only the HTML simple API (no upload times): age could not be checked")


def _count_versions(filenames: list[str], name: str) -> int:
    """Distinct versions among files named for ``name`` (wheels, sdists, eggs alike); a file
    named for another project is not counted."""
    versions = set()
    for filename in filenames:
        parts = filename.split("-")
        for cut in range(1, len(parts)):
            if canonicalize_name("-".join(parts[:cut])) == name:
                versions.add(_strip_ext(parts[cut]).lower())
                break
    versions.discard("")
    return len(versions)


def _strip_ext(part: str) -> str:
    for ext in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar", ".egg", ".whl"):
        if part.endswith(ext):
            return part[:-len(ext)]
    return part


def _credentials(index: str) -> tuple[str, httpx.BasicAuth | None]:
    """The index URL without userinfo, and that userinfo as basic auth (as pip sends it)."""
    import httpx

    try:
        parts = urlsplit(index)
    except ValueError:
        raise _Unanswered("the index URL does not parse") from None
    userinfo, at, host = parts.netloc.rpartition("@")
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise _Unanswered("the index URL is not an http(s) URL")
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, ""))
    if not at:
        return bare, None
    user, _, password = userinfo.partition(":")
    return bare, httpx.BasicAuth(unquote(user), unquote(password))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.rpartition("@")[2].lower()


def _secrets(index: str) -> list[str]:
    """Pieces of the index's userinfo worth hiding (too short a piece would garble the text)."""
    try:
        userinfo = urlsplit(index).netloc.rpartition("@")[0]
    except ValueError:
        return []
    pieces = {userinfo, *userinfo.split(":", 1)}
    pieces |= {unquote(p) for p in pieces}
    return sorted((p for p in pieces if len(p) >= 3), key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
