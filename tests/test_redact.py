"""Secrets are masked before a prompt leaves the machine."""

from __future__ import annotations

import pytest

from gates.review.redact import redact

SECRETS = [
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7x\nabc\n-----END RSA PRIVATE KEY-----",
     "private-key"),
    ("AKIAIOSFODNN7EXAMPLE", "aws-key"),
    ("ghp_" + "a1B2" * 9, "github-token"),
    ("github_pat_" + "x9" * 20, "github-token"),
    ("glpat-" + "Zz9" * 8, "gitlab-token"),
    ("xoxb-123456789012-abcdefghijkl", "slack-token"),
    ("sk-ant-api03-" + "Q" * 30, "anthropic-key"),
    ("sk-proj-" + "R7" * 15, "openai-key"),
    ("AIza" + "B" * 35, "google-key"),
]


@pytest.mark.parametrize(("secret", "kind"), SECRETS)
def test_known_token_shapes_are_masked(secret: str, kind: str) -> None:
    text, count = redact(f"+config = {{'value': '{secret}'}}\n")
    assert secret not in text and f"[REDACTED:{kind}]" in text
    assert count >= 1


def test_connection_strings_lose_their_credentials() -> None:
    text, _ = redact("DATABASE_URL = 'postgres://admin:s3cr3t-P4ss@db.internal:5432/app'")
    assert "s3cr3t-P4ss" not in text and "admin" not in text
    assert "db.internal:5432/app" in text


def test_high_entropy_assignments_are_masked_but_plain_words_stay() -> None:
    text, count = redact('api_key = "q8Zr2LmX0vT9kWp4"\npassword_hint = "rememberthis"\n')
    assert "q8Zr2LmX0vT9kWp4" not in text and count == 1
    assert "rememberthis" in text  # low entropy: an English word, not a secret


def test_ordinary_code_is_untouched() -> None:
    code = "def verify(token):\n    return hmac.compare_digest(token, expected)\n"
    assert redact(code) == (code, 0)
