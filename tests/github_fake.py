"""A GitHub REST API stand-in on 127.0.0.1: the endpoints the gate calls, with GitHub's payload
shapes, Link-header pagination, tokens that matter, and injectable failures.

The state is plain data a test edits (labels, events, commits, permissions, team memberships,
check suites, the head branch's pushes, comments); the server reads it on every request, as GitHub
would. Hostile knobs (a Link to another host, an endless chain of empty pages, a slow answer, a
body that is not JSON) let the attack tests play a server that misbehaves.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_ids = itertools.count(1000)


def user(login: str, kind: str = "User") -> dict[str, Any]:
    """A GitHub simple-user object."""
    ident = next(_ids)
    return {"login": login, "id": ident, "node_id": f"U_{ident}", "type": kind,
            "site_admin": False, "avatar_url": f"https://avatars.example/{ident}",
            "url": f"https://api.github.com/users/{login}",
            "html_url": f"https://github.com/{login}"}


def event(kind: str, actor: str, at: str, *, label: str | None = None,
          actor_type: str = "User", app: str | None = None) -> dict[str, Any]:
    """An issue event (labeled, unlabeled, head_ref_force_pushed...)."""
    ident = next(_ids)
    body: dict[str, Any] = {
        "id": ident, "node_id": f"E_{ident}", "url": f"https://api.github.com/events/{ident}",
        "actor": user(actor, actor_type), "event": kind, "commit_id": None, "commit_url": None,
        "created_at": at,
        "performed_via_github_app": {"id": 7, "slug": app, "name": app} if app else None}
    if label is not None:
        body["label"] = {"name": label, "color": "0e8a16"}
    return body


def activity(kind: str, actor: str | None, at: str, after: str, *, ref: str = "feature",
             before: str = "0" * 40) -> dict[str, Any]:
    """A repository activity entry (``GET /repos/{o}/{r}/activity``): a push GitHub recorded."""
    ident = next(_ids)
    return {"id": ident, "node_id": f"RA_{ident}", "before": before, "after": after,
            "ref": f"refs/heads/{ref}", "timestamp": at, "activity_type": kind,
            "actor": user(actor) if actor else None}


def commit(sha: str, author: str | None, committer: str | None = None) -> dict[str, Any]:
    """A pull-request commit: git's name strings, and the GitHub accounts GitHub linked."""
    return {"sha": sha, "node_id": f"C_{sha[:8]}",
            "commit": {"author": {"name": "Someone", "email": "x@example.com",
                                  "date": "2020-01-01T00:00:00Z"},
                       "committer": {"name": "Someone", "email": "x@example.com",
                                     "date": "2020-01-01T00:00:00Z"},
                       "message": "change"},
            "author": user(author) if author else None,
            "committer": user(committer or author) if (committer or author) else None,
            "parents": []}


@dataclass
class FakeGitHub:
    """The state one fake repository serves."""

    owner: str = "acme"
    repo: str = "widgets"
    number: int = 7
    head: str = "a" * 40
    author: str = "drafter"
    token: str = "ghs_workflowtoken"
    teams_token: str = "ghs_teamstoken"
    write: bool = True  # the workflow token may remove labels and comment
    labels: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    commit_count: int | None = None
    roles: dict[str, tuple[str, str]] = field(default_factory=dict)  # login -> (role, permission)
    teams: dict[str, dict[str, str]] = field(default_factory=dict)  # org/slug -> login -> state
    suites: list[str] = field(default_factory=list)  # created_at of the head's check suites
    # The head branch's recorded pushes, as repository activity. None: one push of the head by
    # the pull request's author at the first check suite's time (none without suites).
    pushes: list[dict[str, Any]] | None = None
    branch: str = "feature"
    head_repo: str | None = ""  # "owner/name" of the head's repository; "" this one; None gone
    viewer: str = "github-actions[bot]"  # who the workflow token is (GraphQL viewer)
    link_host: str | None = None  # serve Link headers pointing at this host instead
    endless: str = ""  # paths ending so serve empty pages, each linking to one more
    delay: float = 0.0  # seconds before each answer
    comments: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- helpers for tests ------------------------------------------------------------------

    def grant(self, login: str, role: str) -> None:
        """Give ``login`` a repository role (``permission`` as GitHub's legacy field maps it)."""
        legacy = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read",
                  "read": "read"}
        self.roles[login] = (role, legacy.get(role, "read"))

    def label(self, actor: str, at: str, *, name: str = "gate:approved", **kw: Any) -> None:
        """``actor`` applies the label at ``at``."""
        self.events.append(event("labeled", actor, at, label=name, **kw))
        if name not in self.labels:
            self.labels.append(name)

    def unlabel(self, actor: str, at: str, *, name: str = "gate:approved") -> None:
        self.events.append(event("unlabeled", actor, at, label=name))
        if name in self.labels:
            self.labels.remove(name)

    def push(self, actor: str | None, at: str, *, after: str | None = None,
             kind: str = "push") -> None:
        """``actor`` pushes ``after`` (the head by default) to the head branch at ``at``."""
        if self.pushes is None:
            self.pushes = []
        self.pushes.append(activity(kind, actor, at, after or self.head, ref=self.branch))

    def activities(self) -> list[dict[str, Any]]:
        """The head branch's pushes, newest first (as GitHub lists them)."""
        found = self.pushes
        if found is None:
            found = [activity("push", self.author, min(self.suites), self.head,
                              ref=self.branch)] if self.suites else []
        return sorted(found, key=lambda a: (a["timestamp"], a["id"]), reverse=True)

    def pull(self) -> dict[str, Any]:
        return {"url": f"https://api.github.com/repos/{self.owner}/{self.repo}/pulls/{self.number}",
                "id": 1, "number": self.number, "state": "open", "title": "a change",
                "user": user(self.author),
                "labels": [{"name": n} for n in self.labels],
                "head": {"sha": self.head, "ref": self.branch, "label": f"acme:{self.branch}",
                         "repo": None if self.head_repo is None else
                         {"full_name": self.head_repo or f"{self.owner}/{self.repo}"}},
                "base": {"sha": "b" * 40, "ref": "main",
                         "repo": {"full_name": f"{self.owner}/{self.repo}"}},
                "commits": self.commit_count if self.commit_count is not None
                else len(self.commits),
                "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as GitHub's API serves it

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and delayed
        # ACKs add 40 ms to every request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        gh = self.server.state
        url = urlsplit(self.path)
        with gh.lock:
            gh.requests.append((method, url.path))
            failure = gh.failures.pop(0) if gh.failures else None
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null") if length else None
        if gh.delay:
            time.sleep(gh.delay)
        if failure:
            self._send(failure[0], failure[2], failure[1], raw=True)
            return
        token = (self.headers.get("Authorization") or "").removeprefix("token ") \
            .removeprefix("Bearer ").strip()
        if token not in (gh.token, gh.teams_token):
            self._send(401, {"message": "Bad credentials"})
            return
        query = parse_qs(url.query)
        if gh.endless and method == "GET" and url.path.endswith(gh.endless):
            self._paginate([], query, url.path, endless=True)
            return
        status, payload = self.server.route(method, unquote(url.path), body, token, query)
        if isinstance(payload, list):
            self._paginate(payload, query, url.path)
            return
        if isinstance(payload, dict) and "__list__" in payload:
            key, items = payload["__list__"]
            self._paginate(items, query, url.path, key=key)
            return
        self._send(status, payload)

    def _paginate(self, items: list[Any], query: dict[str, list[str]], path: str,
                  key: str | None = None, *, endless: bool = False) -> None:
        per = int(query.get("per_page", ["30"])[0])
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per: page * per]
        headers = {}
        if page * per < len(items) or (endless and page < 300):
            base = f"http://{self.server.state.link_host or self.headers['Host']}{path}"
            headers["Link"] = (f'<{base}?per_page={per}&page={page + 1}>; rel="next", '
                               f'<{base}?per_page={per}&page={-(-len(items) // per)}>; rel="last"')
        payload: Any = {"total_count": len(items), key: chunk} if key else chunk
        self._send(200, payload, headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None, *,
              raw: bool = False) -> None:
        if raw:  # an injected failure: its body is sent exactly as given (JSON or not)
            data = payload.encode() if payload else b""
        else:
            data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test): nothing to answer



class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeGitHub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def route(self, method: str, path: str, body: Any, token: str,
              query: dict[str, list[str]]) -> tuple[int, Any]:
        gh = self.state
        repo = f"/repos/{gh.owner}/{gh.repo}"
        issue = f"{repo}/issues/{gh.number}"
        head_repo = gh.head_repo or f"{gh.owner}/{gh.repo}"
        if method == "POST" and path == "/graphql":
            query_text = str((body or {}).get("query", ""))
            if "viewer" not in query_text:
                return 200, {"errors": [{"message": "unsupported query"}]}
            return 200, {"data": {"viewer": {"login": gh.viewer}}}
        if method == "GET" and gh.head_repo is not None and path == f"/repos/{head_repo}/activity":
            ref = query.get("ref", [""])[0]
            return 200, [a for a in gh.activities()
                         if not ref or a["ref"] in (ref, f"refs/heads/{ref}")]
        if method == "GET" and path == f"{repo}/pulls/{gh.number}":
            return 200, gh.pull()
        if method == "GET" and path == f"{issue}/labels":
            return 200, [{"id": i, "name": n, "color": "ededed"} for i, n in enumerate(gh.labels)]
        if method == "GET" and path == f"{issue}/events":
            return 200, list(gh.events)
        if method == "GET" and path == f"{repo}/pulls/{gh.number}/commits":
            return 200, list(gh.commits)[:250]
        if method == "GET" and path == f"{repo}/commits/{gh.head}/check-suites":
            return 200, {"__list__": ("check_suites", [
                {"id": i, "head_sha": gh.head, "status": "completed", "created_at": at,
                 "app": {"slug": "github-actions"}} for i, at in enumerate(gh.suites)])}
        if m := re.fullmatch(rf"{repo}/collaborators/([^/]+)/permission", path):
            login = m.group(1)
            found = next((v for k, v in gh.roles.items() if k.lower() == login.lower()), None)
            if found is None:
                return 404, {"message": "Not Found"}
            return 200, {"permission": found[1], "role_name": found[0], "user": user(login)}
        if m := re.fullmatch(r"/orgs/([^/]+)/teams/([^/]+)(?:/memberships/([^/]+))?", path):
            team = f"{m.group(1)}/{m.group(2)}"
            if token != gh.teams_token or team not in gh.teams:
                return 404, {"message": "Not Found"}
            if m.group(3) is None:
                return 200, {"id": 1, "slug": m.group(2), "name": m.group(2)}
            state = gh.teams[team].get(m.group(3).lower())
            if state is None:
                return 404, {"message": "Not Found"}
            return 200, {"state": state, "role": "member", "url": "x"}
        if method == "DELETE" and path.startswith(f"{issue}/labels/"):
            if not gh.write:
                return 403, {"message": "Resource not accessible by integration"}
            name = path.rsplit("/", 1)[1]
            with gh.lock:
                gh.labels = [n for n in gh.labels if n != name]
                gh.events.append(event("unlabeled", "github-actions[bot]",
                                       "2099-01-01T00:00:00Z", label=name, actor_type="Bot"))
            return 200, [{"name": n} for n in gh.labels]
        if path == f"{issue}/comments":
            if method == "GET":
                return 200, list(gh.comments)
            if not gh.write:
                return 403, {"message": "Resource not accessible by integration"}
            made = {"id": next(_ids), "body": body["body"], "user": user("github-actions[bot]",
                                                                           "Bot"),
                    "html_url": f"https://github.com/{gh.owner}/{gh.repo}/pull/{gh.number}#c"}
            gh.comments.append(made)
            return 201, made
        if m := re.fullmatch(rf"{repo}/issues/comments/(\d+)", path):
            found = next((c for c in gh.comments if c["id"] == int(m.group(1))), None)
            if found is None:
                return 404, {"message": "Not Found"}
            # Write access edits anyone's comment, as on GitHub: choosing which one is the gate's.
            if not gh.write:
                return 403, {"message": "Resource not accessible by integration"}
            found["body"] = body["body"]
            return 200, found
        return 404, {"message": f"Not Found: {method} {path}"}


def serve(state: FakeGitHub) -> Iterator[str]:
    """Run the server for the duration of a fixture; yields its base URL."""
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
