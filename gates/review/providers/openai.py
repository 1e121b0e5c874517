"""OpenAI's API (default ``https://api.openai.com/v1``), chat completions with a JSON schema.

Structured output (``response_format: json_schema``) makes the model answer in the verdict's shape;
the reply is still validated.
"""

from __future__ import annotations

from gates.policy import ReviewSettings
from gates.review.providers import api_key
from gates.review.providers.compatible import ChatCompletions
from gates.review.verdict import ReviewVerdict

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def make(settings: ReviewSettings) -> ChatCompletions:
    """The provider for ``settings``."""
    schema = {"type": "json_schema",
              "json_schema": {"name": "review_verdict", "strict": False,
                              "schema": ReviewVerdict.model_json_schema()}}
    return ChatCompletions(settings.base_url or DEFAULT_BASE_URL, settings.model,
                           api_key(settings), settings.timeout, schema)
