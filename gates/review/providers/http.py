"""One POST with the reliability a slow model needs: timeouts, retries, a bounded total time.

Retries on 429, 5xx and connection errors with exponential backoff and full jitter, honouring
``Retry-After`` (seconds or an HTTP date); never past the overall deadline. Anything else, or
running out of time, is a ``ToolFailure`` (the review stage fails closed).
"""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any

import httpx

from gates.errors import ToolFailure

RETRIES = 4
BASE_DELAY = 0.5
RETRYABLE = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


def post_json(url: str, headers: dict[str, str], body: dict[str, Any], *,
              deadline: float) -> dict[str, Any]:
    """POST ``body`` and return the JSON reply, retrying what can be retried until ``deadline``."""
    last = "no attempt"
    with httpx.Client(follow_redirects=False) as client:
        for attempt in range(RETRIES + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                response = client.post(url, json=body, headers=headers, timeout=remaining)
            except httpx.TimeoutException:
                last = "timed out"
                break
            except httpx.TransportError as exc:
                last = f"cannot connect ({type(exc).__name__})"
                wait = _backoff(attempt)
            else:
                if response.status_code < 300:
                    try:
                        data: dict[str, Any] = response.json()
                    except ValueError:
                        raise ToolFailure(f"{url} answered with something that is not JSON") \
                            from None
                    return data
                last = f"HTTP {response.status_code}"
                if response.status_code not in RETRYABLE:
                    raise ToolFailure(f"the review model refused the request: {last}")
                wait = _retry_after(response) or _backoff(attempt)
            if time.monotonic() + wait >= deadline or attempt == RETRIES:
                break
            time.sleep(wait)
    raise ToolFailure(f"the review model could not be reached: {last}")


def _backoff(attempt: int) -> float:
    return random.uniform(0, BASE_DELAY * 2 ** attempt)  # noqa: S311 - jitter, not a secret


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None
