"""detect-secrets plugins for what detect-secrets 1.5 lacks (imported only by the detector).

Each is a ``RegexBasedDetector`` like the maintained ones, so it runs and is filtered the same way;
each one's literal anchor is listed in ``gates.secrets.prefilter``.
"""

# ruff: noqa: S105  (``secret_type`` names a kind of secret; bandit's name heuristic misreads it)
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Generator

from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.keyword import (
    CONFIG_DENYLIST_REGEX_TO_GROUP,
    DENYLIST_REGEX,
    DENYLIST_REGEX_WITH_PREFIX,
    QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    REGEX_BY_FILETYPE,
)

_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Za-z]")


class FineGrainedGitHubTokenDetector(RegexBasedDetector):
    """GitHub fine-grained personal access tokens (detect-secrets knows only ghp_/gho_/...)."""

    secret_type = "GitHub Fine-Grained Token"
    denylist = (re.compile(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),
                re.compile(r"github_pat_[A-Za-z0-9_]{30,}"))


class AnthropicKeyDetector(RegexBasedDetector):
    """Anthropic API and admin keys."""

    secret_type = "Anthropic API Key"
    denylist = (re.compile(r"sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{20,}"),
                re.compile(r"sk-ant-[A-Za-z0-9_-]{20,}"))


class OpenAIProjectKeyDetector(RegexBasedDetector):
    """OpenAI project, service-account and legacy keys without the ``T3BlbkFJ`` marker."""

    secret_type = "OpenAI Key"
    denylist = (re.compile(r"(?<![\w-])sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}"),
                re.compile(r"(?<![\w-])sk-[A-Za-z0-9]{32,}(?![\w-])"))

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        # A bare sk-<letters> run is also a CSS class or a slug: a key has digits and letters.
        for found in super().analyze_string(string):
            if found.startswith("sk-ant-"):
                continue
            body = found.split("-", 2)[-1]
            if _HAS_DIGIT.search(body) and _HAS_LETTER.search(body):
                yield found


class HuggingFaceTokenDetector(RegexBasedDetector):
    """Hugging Face user access tokens (``hf_`` and 34 or more letters and digits)."""

    secret_type = "Hugging Face Token"
    denylist = (re.compile(r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}(?![A-Za-z0-9_])"),)

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        # hf_ starts snake_case names too; real tokens mix upper and lower case.
        for found in super().analyze_string(string):
            body = found[3:]
            if body != body.lower() and body != body.upper():
                yield found


class GoogleApiKeyDetector(RegexBasedDetector):
    """Google Cloud / Firebase API keys."""

    secret_type = "Google API Key"
    denylist = (re.compile(r"AIza[0-9A-Za-z_-]{35}"),)


class PemPrivateKeyDetector(RegexBasedDetector):
    """Any PEM private key header, encrypted PKCS#8 included (detect-secrets lists a few)."""

    secret_type = "Private Key"
    denylist = (re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),)


class PuttyKeyDetector(RegexBasedDetector):
    """PuTTY ``.ppk`` files of any version (detect-secrets knows only version 2's header)."""

    secret_type = "PuTTY Private Key"
    denylist = (re.compile(r"PuTTY-User-Key-File-\d+:.*"),)


class KubeconfigKeyDetector(RegexBasedDetector):
    """A kubeconfig's ``client-key-data``: a base64 private key under a plain name."""

    secret_type = "Kubeconfig Client Key"
    denylist = (re.compile(r"client-key-data[\"']?\s*:\s*[\"']?([A-Za-z0-9+/=]{16,})"),)


class Base64PrivateKeyDetector(RegexBasedDetector):
    """A PEM private key armoured again in base64 (Kubernetes secrets, CI variables)."""

    secret_type = "Base64 Private Key"
    denylist = (re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{8,}={0,2}"),)

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for found in super().analyze_string(string):
            head = found[:120]
            try:
                text = base64.b64decode(head[:len(head) // 4 * 4]).decode("ascii", "replace")
            except (binascii.Error, ValueError):
                continue
            if "PRIVATE KEY" in text or len(head) < 40:  # too short to tell: assume the worst
                yield found


class NpmAccessTokenDetector(RegexBasedDetector):
    """npm access tokens (``npm_`` and 36 letters and digits, the last six a checksum):
    detect-secrets knows them only after ``_authToken=`` in an .npmrc."""

    secret_type = "NPM tokens"
    denylist = (re.compile(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])"),)

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        # npm_ also starts snake_case names: a token has digits and letters.
        for found in super().analyze_string(string):
            if _HAS_DIGIT.search(found[4:]) and _HAS_LETTER.search(found[4:]):
                yield found


class SlackAppTokenDetector(RegexBasedDetector):
    """Slack app-level (``xapp-``) and configuration/refresh (``xoxe-``, ``xoxe.xoxp-``) tokens,
    which detect-secrets' Slack plugin does not list."""

    secret_type = "Slack Token"
    denylist = (re.compile(r"xapp-\d-[A-Z0-9]+-\d+-[A-Za-z0-9]+"),
                re.compile(r"xoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{40,}"))


class StripeSecretDetector(RegexBasedDetector):
    """Stripe webhook signing secrets (``whsec_``) and live keys of today's lengths (detect-secrets
    matches 24 characters of ``sk_live_``/``rk_live_``; newer keys are up to 247 long)."""

    secret_type = "Stripe Access Key"
    denylist = (re.compile(r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/]{24,}={0,2}"),
                re.compile(r"(?<![A-Za-z0-9_])[rs]k_live_[0-9a-zA-Z]{24,247}"))


class GitLabTokensDetector(RegexBasedDetector):
    """Every GitLab token prefix in GitLab's token overview, of any length from 20: detect-secrets
    fixes exact lengths for some (``glimt-`` 25, ``glptt-`` 40, ``gloas-`` 64) and lacks
    ``glffct-`` (feature-flag client) and ``glrtr-`` (runner registration)."""

    secret_type = "GitLab Token"
    denylist = (re.compile(r"(?<![\w-])(?:glpat|gldt|glft|glsoat|glrt|glrtr|glcbt|glimt|glptt"
                           r"|glagent|gloas|glffct)-[0-9A-Za-z_.-]{20,}"),
                re.compile(r"(?<![\w-])GR1348941[0-9A-Za-z_-]{20,}"))


class UrlPasswordDetector(RegexBasedDetector):
    """``scheme://user:password@host`` with RFC 3986 sub-delimiters (``$!&*``) in the password.

    detect-secrets' BasicAuthDetector leaves those out, but URL parsers (pip, requests) accept
    them in userinfo, so ``https://u:pa$$w0rd@host`` is a working credential it would miss. The
    user may be empty: ``redis://:password@host`` is how Redis URLs carry a password.
    """

    secret_type = "Basic Auth Credentials"
    denylist = (re.compile(r"://[^\s/?#@:\"'`]*:([^\s/?#@\"'`]+)@"),)


class XmlSecretDetector(RegexBasedDetector):
    """Secret-like names in XML (Maven settings, .NET config), which the keyword plugin's shapes
    do not cover: ``<password>x</password>`` and ``<add key="DbPassword" value="x"/>``."""

    secret_type = "Secret Keyword"
    _NAME = r"[\w.:-]*(?:password|passwd|pwd|secret|token|api_?key|access_?key|credential)[\w.:-]*"
    denylist = (re.compile(rf"(?i)<({_NAME})(?:\s[^>]*)?>([^<\s][^<]*)</\1>"),
                re.compile(rf"(?i)(?:key|name)\s*=\s*[\"']{_NAME}[\"']\s+value\s*=\s*[\"']([^\"']+)"))

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for regex in self.denylist:
            for m in regex.finditer(string):
                yield m.group(m.lastindex or 0)


# The keyword detector's regex shapes (maintained upstream), with names it does not list: tokens,
# access keys, credentials and passphrases, with any separator. The name must end there
# (``auth_token``, ``GITHUB_TOKEN``), so ``tokenizer`` and ``token_url`` are not secrets.
EXTRA_NAMES = (r"((?:token|(?:api|auth|access|secret|private|client|service|account)[-._]?key"
               r"|credentials?|pass[-._]?phrase|(?:db|database)[-._]pass(?:word)?)s?)"
               r"(?![A-Za-z0-9])")


def _retarget(table: dict[re.Pattern[str], int]) -> dict[re.Pattern[str], int]:
    out = {}
    for regex, group in table.items():
        text = regex.pattern.replace(DENYLIST_REGEX_WITH_PREFIX, r"\w*" + EXTRA_NAMES)
        text = text.replace(DENYLIST_REGEX, EXTRA_NAMES)
        out[re.compile(text, regex.flags | re.IGNORECASE)] = group
    return out


EXTRA_QUOTES_REQUIRED = _retarget(QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
EXTRA_CONFIG = _retarget(CONFIG_DENYLIST_REGEX_TO_GROUP)
EXTRA_BY_TABLE = {id(QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP): EXTRA_QUOTES_REQUIRED,
                  id(CONFIG_DENYLIST_REGEX_TO_GROUP): EXTRA_CONFIG}
for _table in REGEX_BY_FILETYPE.values():
    EXTRA_BY_TABLE.setdefault(id(_table), _retarget(_table))
