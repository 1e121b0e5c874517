"""GitHub's REST API through githubkit, with bounded retries and every failure a tool failure.

githubkit supplies the typed endpoints, pagination (``Link`` headers) and the rate-limit reading
(``Retry-After``, ``x-ratelimit-remaining: 0`` with its reset). Two of its defaults do not suit a
gate: its rate-limit retry sleeps until the reset however far away that is (an hour, for an
exhausted primary limit), and its server-error retry waits 1, 4 and 9 seconds. ``BoundedRetry``
replaces both: a wait longer than ``max_wait`` is not waited for but reported, and the whole run
has a budget. githubkit also follows a page's ``Link: rel="next"`` wherever it points, with the
token: a next page on another origin is refused, and the pages of one list are counted as well as
its items, so that a chain of empty pages ends too. The gate reads raw JSON (``Response.json()``),
never githubkit's parsed models: it needs a handful of fields, and an Enterprise Server that omits
one the schema calls required must not turn into a validation crash.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from gates.errors import ToolFailure

if TYPE_CHECKING:
    from githubkit import GitHub
    from githubkit.exception import GitHubException
    from githubkit.typing import RetryOption

DEFAULT_API = "https://api.github.com"
# Lists longer than this are refused rather than read on (a pull request's events past 3,000
# items is not a pull request anyone reviews; an endless Link chain must not hang the gate).
MAX_ITEMS = 3000
# Pages, counted apart from items: a chain of empty pages adds no item and must end too.
MAX_PAGES = MAX_ITEMS // 100 + 10


class GitHubError(ToolFailure):
    """The API could not be read or written: the stage that needed it could not run (exit 4)."""


@dataclass(slots=True)
class BoundedRetry:
    """githubkit's retry decision, bounded: retry 5xx and rate limits a few times, never long.

    ``sleep`` is the time githubkit will wait; the budget counts those waits so that a run which
    keeps meeting limits gives up instead of creeping on.
    """

    attempts: int = 3
    max_wait: float = 60.0
    budget: float = 120.0
    base_delay: float = 1.0
    spent: float = field(default=0.0)
    last: str = ""

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        from githubkit.exception import RateLimitExceeded, RequestFailed, RequestTimeout
        from githubkit.typing import RetryOption

        if retry_count >= self.attempts:
            return RetryOption(False)
        if isinstance(exc, RateLimitExceeded):
            wait = exc.retry_after.total_seconds()
            self.last = f"rate limited (retry after {wait:.0f} s)"
        elif isinstance(exc, RequestFailed) and _retryable(exc):
            wait = self.base_delay * 2 ** retry_count
            self.last = f"HTTP {exc.response.status_code}"
        elif isinstance(exc, RequestTimeout):
            wait = self.base_delay * 2 ** retry_count
            self.last = "timed out"
        else:
            return RetryOption(False)
        if wait > self.max_wait or self.spent + wait > self.budget:
            self.last += f"; not waiting {wait:.0f} s (limit {self.max_wait:.0f} s)"
            return RetryOption(False)
        self.spent += wait
        # githubkit treats a zero wait as "no wait given" and sleeps 60 s: never return zero.
        return RetryOption(True, timedelta(seconds=max(wait, 0.01)))


def _retryable(exc: Any) -> bool:
    """5xx, and a secondary rate limit GitHub signalled only by its message (no headers)."""
    status: int = exc.response.status_code
    if status >= 500:
        return True
    if status in (403, 429):
        try:
            message = str(exc.response.json().get("message", ""))
        except Exception:  # a non-JSON body is simply not that message
            return False
        return "secondary rate limit" in message.lower()
    return False


class Client:
    """The calls the gate makes, each returning plain JSON or raising ``GitHubError``."""

    def __init__(self, token: str, base_url: str = DEFAULT_API, *, timeout: float = 30.0,
                 retry: BoundedRetry | None = None) -> None:
        from githubkit import GitHub

        if not token:
            raise GitHubError("no GitHub token: pass GITHUB_TOKEN to the step "
                              "(env: GITHUB_TOKEN: ${{ github.token }})")
        self.retry = retry or BoundedRetry()
        self.base_url = base_url.rstrip("/") or DEFAULT_API
        self._gh: GitHub[Any] = GitHub(token, base_url=self.base_url, timeout=timeout,
                                       auto_retry=self.retry, http_cache=False,
                                       user_agent="draftgate")
        # Outside its context manager githubkit builds a new HTTP client (TLS context, pool) for
        # every request: about 20 ms each, most of a run's API time. One client, kept open for
        # this object's life (githubkit keeps it in a context variable: use it from this thread).
        self._gh.__enter__()  # type: ignore[no-untyped-call]
        weakref.finalize(self, self._gh.__exit__, None, None, None)

    @property
    def rest(self) -> Any:
        """githubkit's REST namespace (typed endpoint methods)."""
        return self._gh.rest

    def call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One request's JSON; ``what`` names it in the error."""
        return self._guard(what, lambda: method(*args, **kwargs).json())

    def maybe(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Like ``call``, but a 404 is ``None`` (not a member, no such user)."""
        from githubkit.exception import RequestFailed

        try:
            return method(*args, **kwargs).json()
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise self._error(what, exc) from None
        except Exception as exc:  # every failure of the API is a tool failure
            raise self._error(what, exc) from None

    def pages(self, what: str, method: Callable[..., Any], *args: Any,
              key: str | None = None, **kwargs: Any) -> list[Any]:
        """Every item of a paginated list (100 per page), or of ``response[key]``."""
        def items() -> list[Any]:
            out: list[Any] = []
            for item in self._iterate(what, method, key, *args, **kwargs):
                out.append(item)
                if len(out) > MAX_ITEMS:
                    raise GitHubError(f"{what}: more than {MAX_ITEMS} items; refusing to read on")
            return out
        return self._guard(what, items)  # type: ignore[no-any-return]

    def maybe_pages(self, what: str, method: Callable[..., Any], *args: Any,
                    **kwargs: Any) -> list[Any] | None:
        """Like ``pages``, but ``None`` when the list is not there (404)."""
        from githubkit.exception import RequestFailed

        try:
            return list(self._iterate(what, method, None, *args, **kwargs))
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise self._error(what, exc) from None
        except GitHubError:
            raise
        except Exception as exc:  # every failure of the API is a tool failure
            raise self._error(what, exc) from None

    def login(self) -> str:
        """The account this client's token acts as (``github-actions[bot]`` for the workflow's).

        GraphQL's ``viewer`` answers for installation tokens too, where ``GET /user`` is refused.
        """
        def viewer() -> str:
            data = self._gh.graphql.request("query { viewer { login } }")
            login = (data.get("viewer") or {}).get("login") if isinstance(data, dict) else None
            if not isinstance(login, str) or not login:
                raise GitHubError("GitHub API: the token's account has no login")
            return login
        return self._guard("reading who the token is", viewer)  # type: ignore[no-any-return]

    def _iterate(self, what: str, method: Callable[..., Any], key: str | None, *args: Any,
                 **kwargs: Any) -> Iterator[Any]:
        read = 0

        def page(response: Any) -> list[Any]:
            nonlocal read
            read += 1
            if read > MAX_PAGES:
                raise GitHubError(f"{what}: more than {MAX_PAGES} pages; refusing to read on")
            self._same_origin(what, response)
            body = response.json()
            found = body.get(key) if key and isinstance(body, dict) else body
            if not isinstance(found, list):
                raise GitHubError(f"expected a list from {response.raw_request.url}")
            return found
        rest: Any = self._gh.rest  # paginate's overloads cannot see through Callable[..., Any]
        yield from rest.paginate(method, page, *args, per_page=100, **kwargs)

    def _same_origin(self, what: str, response: Any) -> None:
        """Refuse a next page on another host (or scheme, or port): githubkit would follow it
        with the token in its ``Authorization`` header."""
        import httpx

        found = re.search(r'<([^<>]+)>;\s*rel="next"', response.headers.get("link", ""))
        if found is None:
            return
        here, there = httpx.URL(self.base_url), response.raw_request.url.join(found.group(1))
        if (there.scheme, there.host, there.port) != (here.scheme, here.host, here.port):
            raise GitHubError(f"{what}: the next page is on another host ({there.scheme}://"
                              f"{there.host}); the token is not sent there")

    def _guard(self, what: str, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except GitHubError:
            raise
        except Exception as exc:  # every failure of the API is a tool failure
            raise self._error(what, exc) from None

    def _error(self, what: str, exc: Exception) -> GitHubError:
        from githubkit.exception import RequestFailed

        if isinstance(exc, RequestFailed):
            status = exc.response.status_code
            try:
                message = str(exc.response.json().get("message", ""))
            except Exception:
                message = ""
            detail = f"HTTP {status}" + (f" ({message[:120]})" if message else "")
        else:
            detail = f"{type(exc).__name__}: {str(exc)[:160]}"
        retried = f"; after retries: {self.retry.last}" if self.retry.last else ""
        return GitHubError(f"GitHub API: {what} failed: {detail}{retried}")
