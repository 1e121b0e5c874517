"""Any endpoint that speaks OpenAI's chat-completions protocol at ``review.base_url``.

Ollama, vLLM, llama.cpp's server, LM Studio, a company gateway. JSON output is requested with
``response_format: json_object`` (the form these servers support most widely); the schema is in the
prompt and every reply is validated anyway.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from gates.errors import ToolFailure
from gates.policy import ReviewSettings
from gates.review.providers import SYSTEM, Reply, api_key
from gates.review.providers.http import post_json


@dataclass(frozen=True, slots=True)
class ChatCompletions:
    """POST {base_url}/chat/completions."""

    base_url: str
    model: str
    key: str
    timeout: float
    response_format: dict[str, Any]

    def ask(self, prompt: str, schema: dict[str, Any]) -> Reply:
        """One completion."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": SYSTEM},
                         {"role": "user", "content": prompt}],
            "response_format": self.response_format,
        }
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        data = post_json(f"{self.base_url.rstrip('/')}/chat/completions", headers, body,
                         deadline=time.monotonic() + self.timeout)
        try:
            text = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ToolFailure("the chat-completions reply has no message content") from None
        usage = data.get("usage") or {}
        return Reply(str(text), int(usage.get("prompt_tokens", 0)),
                     int(usage.get("completion_tokens", 0)))


def make(settings: ReviewSettings) -> ChatCompletions:
    """The provider for ``settings`` (a key is optional: local servers often need none)."""
    if not settings.base_url:
        raise ToolFailure("review.base_url is required for the openai-compatible provider")
    key = api_key(settings) if settings.api_key_env and os.environ.get(settings.api_key_env) \
        else ""
    return ChatCompletions(settings.base_url, settings.model, key, settings.timeout,
                           {"type": "json_object"})
