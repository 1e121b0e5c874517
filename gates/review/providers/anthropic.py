"""Anthropic's Messages API (default ``https://api.anthropic.com``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from gates.errors import ToolFailure
from gates.policy import ReviewSettings
from gates.review.providers import SYSTEM, Reply, api_key
from gates.review.providers.http import post_json

DEFAULT_BASE_URL = "https://api.anthropic.com"
VERSION = "2023-06-01"


@dataclass(frozen=True, slots=True)
class Messages:
    """POST {base_url}/v1/messages."""

    base_url: str
    model: str
    key: str
    timeout: float
    max_tokens: int

    def ask(self, prompt: str, schema: dict[str, Any]) -> Reply:
        """One message."""
        del schema  # the prompt carries it; the reply is validated
        body = {"model": self.model, "max_tokens": self.max_tokens,
                "system": SYSTEM,
                "messages": [{"role": "user", "content": prompt}]}
        headers = {"x-api-key": self.key, "anthropic-version": VERSION}
        data = post_json(f"{self.base_url.rstrip('/')}/v1/messages", headers, body,
                         deadline=time.monotonic() + self.timeout)
        try:
            text = "".join(block["text"] for block in data["content"]
                           if block.get("type") == "text")
        except (KeyError, TypeError):
            raise ToolFailure("the messages reply has no text content") from None
        usage = data.get("usage") or {}
        return Reply(text, int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0)))


def make(settings: ReviewSettings) -> Messages:
    """The provider for ``settings``."""
    return Messages(settings.base_url or DEFAULT_BASE_URL, settings.model, api_key(settings),
                    settings.timeout, settings.max_output_tokens)
