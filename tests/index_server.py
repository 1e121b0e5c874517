"""A package index on 127.0.0.1 for the whole suite: the gate's trust checks ask it, never PyPI.

Every name exists as an established package (ten releases, the first in 2020) unless a test
registers otherwise with ``Index.publish`` (a new or one-release package) or ``Index.withdraw``
(a name that does not exist). It answers in the PEP 691 JSON form with PEP 700 upload times.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ESTABLISHED = [(f"1.{i}", datetime(2020, 1, 1 + i, tzinfo=UTC)) for i in range(10)]


class Index:
    """The names that differ from "established", and the requests the server saw."""

    def __init__(self) -> None:
        self.packages: dict[str, list[tuple[str, datetime]] | None] = {}
        self.requests: list[str] = []
        self.url = ""

    def publish(self, name: str, releases: list[tuple[str, datetime]]) -> None:
        self.packages[name] = releases

    def withdraw(self, name: str) -> None:
        self.packages[name] = None

    def page(self, name: str) -> dict[str, Any] | None:
        releases = self.packages.get(name, ESTABLISHED)
        if releases is None:
            return None
        files = [{"filename": f"{name.replace('-', '_')}-{version}-py3-none-any.whl",
                  "url": f"{self.url}files/{name}-{version}.whl", "hashes": {},
                  "upload-time": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
                 for version, when in releases]
        return {"meta": {"api-version": "1.1"}, "name": name, "files": files,
                "versions": [version for version, _ in releases]}


@contextmanager
def serve(index: Index) -> Iterator[Index]:
    """Run the index until the block ends; ``index.url`` is its simple API root."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            index.requests.append(self.path)
            parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
            page = index.page(parts[-1]) if len(parts) == 2 and parts[0] == "simple" else None
            if page is None:
                self.send_response(404)
                self.end_headers()
                return
            body = json.dumps(page).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    index.url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()
