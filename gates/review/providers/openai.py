"""OpenAI's API (default ``https://api.openai.com/v1``): the Responses API or chat completions.

Structured output (a JSON schema) makes the model answer in the verdict's shape; the reply is still
validated. ``review.api: responses`` (the default) or ``chat``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from gates.errors import ToolFailure
from gates.policy import ReviewSettings
from gates.review.providers import SYSTEM, Reply, api_key
from gates.review.providers.compatible import ChatCompletions
from gates.review.providers.http import post_json
from gates.review.verdict import ReviewVerdict

DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True, slots=True)
class Responses:
    """POST {base_url}/responses."""

    base_url: str
    model: str
    key: str
    timeout: float
    max_tokens: int

    def ask(self, prompt: str, schema: dict[str, Any]) -> Reply:
        """One response."""
        body = {"model": self.model, "instructions": SYSTEM, "input": prompt,
                "max_output_tokens": self.max_tokens,
                "text": {"format": {"type": "json_schema", "name": "review_verdict",
                                    "strict": False, "schema": schema}}}
        data = post_json(f"{self.base_url.rstrip('/')}/responses",
                         {"Authorization": f"Bearer {self.key}"}, body,
                         deadline=time.monotonic() + self.timeout)
        try:
            text = "".join(part["text"] for item in data["output"] if item.get("type") == "message"
                           for part in item["content"] if part.get("type") == "output_text")
        except (KeyError, TypeError):
            raise ToolFailure("the Responses API reply has no output text") from None
        usage = data.get("usage") or {}
        return Reply(text, int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0)))


def make(settings: ReviewSettings) -> ChatCompletions | Responses:
    """The provider for ``settings``."""
    base = settings.base_url or DEFAULT_BASE_URL
    if settings.api == "responses":
        return Responses(base, settings.model, api_key(settings), settings.timeout,
                         settings.max_output_tokens)
    schema = {"type": "json_schema",
              "json_schema": {"name": "review_verdict", "strict": False,
                              "schema": ReviewVerdict.model_json_schema()}}
    return ChatCompletions(base, settings.model, api_key(settings), settings.timeout, schema)
