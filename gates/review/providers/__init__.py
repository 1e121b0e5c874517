"""Model providers behind one small interface: ``ask(prompt, schema) -> Reply``.

Each provider is one module; adding one touches one new file and one line in ``REGISTRY``. Keys come
only from the environment variable the (trusted) policy names; endpoints only from that policy.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any, Protocol

from gates.errors import ToolFailure
from gates.policy import ReviewSettings

# Every provider's system message: the role is fixed here, the instructions travel in the prompt.
SYSTEM = "You review code changes for security. Answer with one JSON object only."


@dataclass(frozen=True, slots=True)
class Reply:
    """The model's text and what it cost."""

    text: str
    tokens_in: int = 0
    tokens_out: int = 0


class Provider(Protocol):
    """A model that answers a prompt."""

    def ask(self, prompt: str, schema: dict[str, Any]) -> Reply: ...


REGISTRY = {
    "command": "gates.review.providers.command",
    "openai": "gates.review.providers.openai",
    "openai-compatible": "gates.review.providers.compatible",
    "anthropic": "gates.review.providers.anthropic",
}


def provider(settings: ReviewSettings) -> Provider:
    """The provider the policy names."""
    module = importlib.import_module(REGISTRY[settings.provider])
    made: Provider = module.make(settings)
    return made


def api_key(settings: ReviewSettings) -> str:
    """The key from the environment variable the policy names; never logged, never reported."""
    if not settings.api_key_env:
        raise ToolFailure(f"review.api_key_env is not set for provider {settings.provider}")
    key = os.environ.get(settings.api_key_env, "")
    if not key:
        raise ToolFailure(f"the environment variable {settings.api_key_env} (review.api_key_env) "
                          "is empty")
    return key
