"""gates/trust/index.py against a real simple index on 127.0.0.1 (JSON and HTML forms).

pip's own configuration is shut out of every test (``PIP_CONFIG_FILE=/dev/null`` in the ``env``
handed to the library, so no inherited ``PIP_*`` variable counts either).
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gates.cache import Cache
from gates.trust.index import (
    DEFAULT_INDEX,
    MAX_BYTES,
    PackageInfo,
    configured_indexes,
    lookup,
    redact,
)

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
OLD = datetime(2015, 3, 1, 12, 0, tzinfo=UTC)
Page = tuple[int, str, bytes] | Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    server: IndexServer

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        self.server.auth.append(self.headers.get("Authorization"))
        self.server.accept.append(self.headers.get("Accept"))
        page = self.server.pages.get(self.path, (404, "text/html", b"not found"))
        try:
            if callable(page):
                page(self)
            else:
                status, kind, body = page
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        except OSError:
            pass  # the client hung up on purpose (size cap, timeout)

    def log_message(self, *args: object) -> None:
        pass


class IndexServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.pages: dict[str, Page] = {}
        self.hits: list[str] = []
        self.auth: list[str | None] = []
        self.accept: list[str | None] = []

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/simple/"

    def json(self, name: str, uploads: list[tuple[str, datetime]], *, prefix: str = "/simple/",
             versions: bool = True, **extra: object) -> None:
        files = [{"filename": f"{name.replace('-', '_')}-{v}-py3-none-any.whl",
                  "url": f"/files/{name}-{v}.whl", "hashes": {},
                  "upload-time": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")} for v, t in uploads]
        data: dict[str, object] = {"meta": {"api-version": "1.1"}, "name": name, "files": files}
        if versions:
            data["versions"] = sorted({v for v, _ in uploads})
        data.update(extra)
        self.pages[f"{prefix}{name}/"] = (200, JSON_TYPE, json.dumps(data).encode())

    def html(self, name: str, versions: list[str]) -> None:
        anchors = "".join(f'<a href="/files/{name}-{v}.tar.gz#sha256=00">{name}-{v}.tar.gz</a>'
                          f"<br/>" for v in versions)
        self.pages[f"/simple/{name}/"] = (200, "text/html; charset=utf-8",
                                          f"<html><body>{anchors}</body></html>".encode())


@pytest.fixture
def index() -> Iterator[IndexServer]:
    server = IndexServer()
    server.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache.sqlite3")


def pip_env(index_url: str | None = None, **more: str) -> dict[str, str]:
    env = {"PIP_CONFIG_FILE": os.devnull, **more}
    if index_url is not None:
        env["PIP_INDEX_URL"] = index_url
    return env


def ask(index: IndexServer, cache: Cache, *names: str, timeout: float = 5.0,
        **env: str) -> dict[str, PackageInfo]:
    return lookup(names, cache=cache, timeout=timeout, env=pip_env(index.url, **env))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redirect(location: str) -> Page:
    def send(handler: Handler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.end_headers()

    return send


def unchecked_by(index: IndexServer, cache: Cache, page: Page, *, timeout: float = 5.0) -> str:
    """Why a lookup of a name the index serves with ``page`` could not be checked."""
    index.pages["/simple/requests/"] = page
    found = ask(index, cache, "requests", timeout=timeout)["requests"]
    assert found.exists is None and found.problem, found
    return found.problem


def releases(count: int, start: datetime = OLD) -> list[tuple[str, datetime]]:
    return [(f"1.{n}", start + timedelta(days=30 * n)) for n in range(count)]


# -- which index -------------------------------------------------------------------------------

def test_default_index_when_pip_is_configured_with_nothing() -> None:
    assert configured_indexes(pip_env()) == (DEFAULT_INDEX,)


def test_env_argument_is_read_instead_of_the_process_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://process.example/simple/")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert configured_indexes(pip_env()) == (DEFAULT_INDEX,)
    assert configured_indexes() == ("https://process.example/simple/",)


def test_pip_config_file_sections_and_variables_in_pips_order(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://global.example/simple/\n"
                    "extra-index-url = https://g-extra.example/simple/\n"
                    "[install]\nextra-index-url =\n  https://a.example/simple/\n"
                    "  https://b.example/simple/\n"
                    "[download]\nindex-url = https://download.example/simple/\n")
    env = {"PIP_CONFIG_FILE": str(conf)}
    # [install] replaces [global]'s extra list (pip does not merge them); [download] is ignored.
    assert configured_indexes(env) == ("https://global.example/simple/",
                                       "https://a.example/simple/", "https://b.example/simple/")
    env["PIP_INDEX_URL"] = "https://env.example/simple/"
    assert configured_indexes(env)[0] == "https://env.example/simple/"
    # pip's alias for index-url counts too.
    conf.write_text("[global]\npypi-url = https://alias.example/simple/\n")
    assert configured_indexes({"PIP_CONFIG_FILE": str(conf)}) == (
        "https://alias.example/simple/",)


def test_config_file_shut_out_by_dev_null_even_with_a_site_file(tmp_path: Path) -> None:
    env = {"PIP_CONFIG_FILE": os.devnull, "PIP_EXTRA_INDEX_URL": "https://x.example/s/ "
           "https://y.example/s/"}
    assert configured_indexes(env) == (DEFAULT_INDEX, "https://x.example/s/",
                                       "https://y.example/s/")


def test_no_index_means_nothing_can_be_checked(index: IndexServer, cache: Cache) -> None:
    assert configured_indexes(pip_env(PIP_NO_INDEX="yes")) == ()
    found = ask(index, cache, "requests", PIP_NO_INDEX="true")["requests"]
    assert found.exists is None and "no-index" in found.problem
    assert index.hits == []


def test_unreadable_pip_config_is_could_not_be_checked(tmp_path: Path, cache: Cache) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("this is not [an ini file\n")
    found = lookup(["requests"], cache=cache, env={"PIP_CONFIG_FILE": str(conf)})["requests"]
    assert found.exists is None and "pip's configuration does not load" in found.problem
    bad_bool = lookup(["requests"], cache=cache, env=pip_env(PIP_NO_INDEX="maybe"))["requests"]
    assert bad_bool.exists is None and "boolean" in bad_bool.problem


# -- exists and established --------------------------------------------------------------------

def test_existing_established_package(index: IndexServer, cache: Cache) -> None:
    index.json("requests", releases(3))
    found = ask(index, cache, "requests")["requests"]
    assert found == PackageInfo("requests", index.url, True, 3, OLD, "")
    assert index.accept == ["application/vnd.pypi.simple.v1+json, text/html;q=0.1"]


def test_missing_name_is_a_404(index: IndexServer, cache: Cache) -> None:
    found = ask(index, cache, "reqeusts")["reqeusts"]
    assert (found.exists, found.releases, found.problem, found.index) == (
        False, None, "", index.url)


def test_two_week_old_package(index: IndexServer, cache: Cache) -> None:
    recent = datetime.now(UTC) - timedelta(days=14)
    index.json("fresh-pkg", [("0.1", recent), ("0.2", recent + timedelta(days=1))])
    found = ask(index, cache, "fresh-pkg")["fresh-pkg"]
    assert found.exists is True and found.first_upload == recent.replace(microsecond=
                                                                          recent.microsecond)
    assert found.releases == 2


def test_one_release_package_counted_from_files_without_versions_key(
        index: IndexServer, cache: Cache) -> None:
    index.json("lonely", [("1.0", OLD), ("1.0", OLD + timedelta(hours=1))], versions=False)
    found = ask(index, cache, "lonely")["lonely"]
    assert (found.exists, found.releases, found.first_upload) == (True, 1, OLD)


def test_html_only_index_has_no_dates(index: IndexServer, cache: Cache) -> None:
    index.html("oldlib", ["1.0", "1.1", "2.0"])
    found = ask(index, cache, "oldlib")["oldlib"]
    assert (found.exists, found.releases, found.first_upload) == (True, 3, None)
    assert "age could not be checked" in found.problem


def test_html_page_with_other_projects_files_counts_none(index: IndexServer,
                                                         cache: Cache) -> None:
    # A mirror that answers a typo with another project's page: no file of this name is listed.
    index.html("requests", ["2.31.0", "2.32.0"])
    index.pages["/simple/reqeusts/"] = index.pages["/simple/requests/"]
    found = ask(index, cache, "reqeusts")["reqeusts"]
    assert (found.exists, found.releases) == (True, 0)
    assert "lists no files" in found.problem


def test_json_page_for_another_project_is_not_an_answer(index: IndexServer,
                                                        cache: Cache) -> None:
    index.json("requests", releases(3))
    index.pages["/simple/reqeusts/"] = index.pages["/simple/requests/"]
    found = ask(index, cache, "reqeusts")["reqeusts"]
    assert found.exists is None and "another project" in found.problem


def test_quarantined_project_status_is_reported(index: IndexServer, cache: Cache) -> None:
    index.json("evil", [], **{"project-status": {"status": "quarantined"}})
    found = ask(index, cache, "evil")["evil"]
    assert (found.exists, found.releases, found.status) == (True, 0, "quarantined")


def test_names_are_normalised_and_asked_once(index: IndexServer, cache: Cache) -> None:
    index.json("zope-interface", releases(2))
    found = ask(index, cache, "Zope.Interface", "zope_interface", "zope-interface")
    assert {f.exists for f in found.values()} == {True}
    assert set(found) == {"Zope.Interface", "zope_interface", "zope-interface"}
    assert index.hits == ["/simple/zope-interface/"]


@pytest.mark.parametrize("name", ["../admin", "a/b", "x?y=1", "", "-lead", "a b", "é"])
def test_invalid_names_are_never_put_in_a_url(index: IndexServer, cache: Cache,
                                              name: str) -> None:
    found = ask(index, cache, name)[name]
    assert found.exists is None and "not a valid package name" in found.problem
    assert index.hits == []


# -- could not be checked ----------------------------------------------------------------------

def test_closed_port_is_could_not_be_checked(cache: Cache) -> None:
    url = f"http://127.0.0.1:{closed_port()}/simple/"
    found = lookup(["requests"], cache=cache, env=pip_env(url))["requests"]
    assert found.exists is None and "cannot connect" in found.problem


def test_server_error_is_could_not_be_checked(index: IndexServer, cache: Cache) -> None:
    assert "HTTP 500" in unchecked_by(index, cache, (500, "text/html", b"oops"))


def test_slow_server_times_out(index: IndexServer, cache: Cache) -> None:
    def slow(handler: Handler) -> None:
        time.sleep(2)
        handler.send_response(200)
        handler.end_headers()

    started = time.monotonic()
    assert "timed out" in unchecked_by(index, cache, slow, timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_dripping_server_is_cut_off_at_the_timeout(index: IndexServer, cache: Cache) -> None:
    def drip(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", JSON_TYPE)
        handler.end_headers()
        for _ in range(40):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.05)

    assert "longer than the timeout" in unchecked_by(index, cache, drip, timeout=0.5)


def test_total_budget_bounds_many_slow_names(index: IndexServer, cache: Cache) -> None:
    def slow(handler: Handler) -> None:
        time.sleep(1)

    names = [f"pkg{n}" for n in range(24)]
    for name in names:
        index.pages[f"/simple/{name}/"] = slow
    started = time.monotonic()
    found = lookup(names, cache=cache, timeout=0.4, budget=0.6, env=pip_env(index.url))
    assert time.monotonic() - started < 2.5
    assert {f.exists for f in found.values()} == {None}
    assert any("time budget" in f.problem for f in found.values())


def test_oversized_body_is_not_read(index: IndexServer, cache: Cache) -> None:
    def huge(handler: Handler) -> None:  # no Content-Length: the size shows only as it streams
        handler.send_response(200)
        handler.send_header("Content-Type", JSON_TYPE)
        handler.end_headers()
        chunk = b" " * 65536
        for _ in range(MAX_BYTES // len(chunk) + 2):
            handler.wfile.write(chunk)

    index.pages["/simple/big/"] = huge
    index.pages["/simple/declared/"] = (200, JSON_TYPE, b" " * (MAX_BYTES + 1))
    found = ask(index, cache, "big", "declared")
    for info in found.values():
        assert info.exists is None and "larger than 8 MB" in info.problem


def test_gzip_bomb_stops_at_the_cap(index: IndexServer, cache: Cache) -> None:
    bomb = gzip.compress(b" " * (MAX_BYTES * 4))

    def send(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", JSON_TYPE)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        handler.wfile.write(bomb)

    index.pages["/simple/bomb/"] = send
    ask(index, cache, "warm-up-imports")
    tracemalloc.start()
    try:
        found = ask(index, cache, "bomb")["bomb"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.exists is None and "larger than 8 MB" in found.problem
    assert peak < 3 * MAX_BYTES  # never the whole 32 MB in memory at once


def test_gzip_page_is_read(index: IndexServer, cache: Cache) -> None:
    index.json("requests", releases(4))
    _, kind, body = index.pages["/simple/requests/"]  # type: ignore[misc]
    packed = gzip.compress(body)

    def send(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Encoding", "gzip")
        handler.end_headers()
        handler.wfile.write(packed)

    index.pages["/simple/requests/"] = send
    assert ask(index, cache, "requests")["requests"].releases == 4


@pytest.mark.parametrize("body", [
    b"{not json", b"[]", b'{"meta": {"api-version": "1.0"}, "name": "requests"}',
    b'{"meta": {"api-version": "1.0"}, "name": "requests", "files": {}}',
    b'{"meta": {"api-version": "2.0"}, "name": "requests", "files": []}',
    b'{"meta": {"api-version": "1.0"}, "name": "requests", "files": '
    b'[{"filename": "requests-1.0.tar.gz", "upload-time": "yesterday"}]}',
    b"[" * 100000,
])
def test_malformed_json_is_could_not_be_checked(index: IndexServer, cache: Cache,
                                                body: bytes) -> None:
    unchecked_by(index, cache, (200, JSON_TYPE, body))


def test_unknown_content_type_is_could_not_be_checked(index: IndexServer, cache: Cache) -> None:
    page = (200, "application/octet-stream", b"<a>x</a>")
    assert "content type" in unchecked_by(index, cache, page)


def test_redirect_loop_gives_up(index: IndexServer, cache: Cache) -> None:
    assert "redirects" in unchecked_by(index, cache, redirect("/simple/requests/"))
    assert len(index.hits) == 4


def test_one_redirect_is_followed(index: IndexServer, cache: Cache) -> None:
    index.json("requests", releases(2), prefix="/moved/")
    index.pages["/simple/requests/"] = redirect("/moved/requests/")
    assert ask(index, cache, "requests")["requests"].releases == 2


def test_redirect_to_another_scheme_is_refused(index: IndexServer, cache: Cache) -> None:
    away = redirect("file:///etc/passwd")
    assert "redirected to a file URL" in unchecked_by(index, cache, away)


# -- credentials -------------------------------------------------------------------------------

def test_credentials_are_sent_but_never_shown(index: IndexServer, cache: Cache,
                                              tmp_path: Path) -> None:
    secret = "s3cr%40tpw"  # percent-encoded "@", as pip.conf would spell it
    url = index.url.replace("http://", f"http://alice:{secret}@")
    index.json("requests", releases(3))
    index.pages["/simple/broken/"] = (500, "text/html", b"s3cr@tpw")
    found = lookup(["requests", "broken", "missing"], cache=cache, env=pip_env(url))
    assert "Basic YWxpY2U6czNjckB0cHc=" in index.auth  # alice:s3cr@tpw
    assert found["requests"].index == index.url and found["requests"].exists
    for info in found.values():
        assert "s3cr" not in repr(info) and "alice" not in repr(info)
    assert b"s3cr" not in (tmp_path / "cache.sqlite3").read_bytes()
    # The same URL without the password shares the cache entry: the key has no credentials.
    index.hits.clear()
    assert lookup(["requests"], cache=cache, env=pip_env(index.url))["requests"].exists
    assert index.hits == []
    down = f"http://alice:{secret}@127.0.0.1:{closed_port()}/simple/"
    info = lookup(["requests"], cache=cache, env=pip_env(down))["requests"]
    assert info.exists is None and "s3cr" not in repr(info) and "alice" not in repr(info)


def test_credentials_are_not_sent_to_another_origin(index: IndexServer, cache: Cache) -> None:
    other = IndexServer()
    other.start()
    try:
        other.json("requests", releases(2))
        index.pages["/simple/requests/"] = redirect(f"{other.url}requests/")
        url = index.url.replace("http://", "http://bob:hunter22@")
        assert lookup(["requests"], cache=cache, env=pip_env(url))["requests"].exists
        assert index.auth[0] is not None and other.auth == [None]
    finally:
        other.shutdown()
        other.server_close()


@pytest.mark.parametrize("url", [
    "https://u:p4ss@host.example/simple/?token=abc#frag",
    "https://p4ss@host.example/simple/",
    "https://u:p4ss\\@host.example/simple/",
])
def test_redact_drops_userinfo_query_and_fragment(url: str) -> None:
    shown = redact(url)
    assert "p4ss" not in shown and "abc" not in shown and shown.startswith("https://")


# -- cache and extra indexes -------------------------------------------------------------------

def test_cache_hit_avoids_a_request(index: IndexServer, cache: Cache) -> None:
    index.json("requests", releases(3))
    first = ask(index, cache, "requests", "reqeusts")
    assert len(index.hits) == 2
    again = ask(index, cache, "requests", "reqeusts")
    assert again == first and len(index.hits) == 2


def test_unreachable_result_is_not_cached(index: IndexServer, cache: Cache) -> None:
    index.pages["/simple/requests/"] = (503, "text/html", b"busy")
    assert ask(index, cache, "requests")["requests"].exists is None
    index.json("requests", releases(3))
    assert ask(index, cache, "requests")["requests"].exists is True
    assert len(index.hits) == 2


def test_extra_index_answers_when_the_main_says_404(index: IndexServer, cache: Cache) -> None:
    extra = index.url.replace("/simple/", "/extra/")
    index.json("internal-tool", releases(5), prefix="/extra/")
    found = ask(index, cache, "internal-tool", "nowhere", PIP_EXTRA_INDEX_URL=extra)
    assert (found["internal-tool"].exists, found["internal-tool"].index) == (True, extra)
    assert found["nowhere"].exists is False
    assert found["nowhere"].index == f"{index.url}, {extra}"


def test_found_on_both_indexes_pools_releases_and_dates(index: IndexServer,
                                                        cache: Cache) -> None:
    extra = index.url.replace("/simple/", "/extra/")
    index.json("shared", releases(2, OLD + timedelta(days=400)))
    index.json("shared", releases(4), prefix="/extra/")
    found = ask(index, cache, "shared", PIP_EXTRA_INDEX_URL=extra)["shared"]
    assert (found.releases, found.first_upload, found.index) == (4, OLD, f"{index.url}, {extra}")


def test_an_unanswering_extra_index_keeps_a_missing_name_unchecked(index: IndexServer,
                                                                   cache: Cache) -> None:
    down = f"http://127.0.0.1:{closed_port()}/simple/"
    found = ask(index, cache, "reqeusts", PIP_EXTRA_INDEX_URL=down)["reqeusts"]
    assert found.exists is None and "cannot connect" in found.problem


def test_twenty_names_cold_and_warm(index: IndexServer, cache: Cache,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    names = [f"package-{n}" for n in range(20)]
    for name in names:
        index.json(name, releases(30))
    started = time.perf_counter()
    cold = ask(index, cache, *names)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = ask(index, cache, *names)
    warm_s = time.perf_counter() - started
    assert cold == warm and {i.releases for i in cold.values()} == {30}
    assert len(index.hits) == 20
    with capsys.disabled():
        print(f"\n20 names: cold {cold_s:.3f} s, warm {warm_s:.3f} s")
