"""Run detect-secrets' plugins (and ours) over one line, and judge what they find.

Imported only for a prefilter candidate (see ``gates.secrets``). Plugins are called directly through
``analyze_string``, never through detect-secrets' global settings or ``analyze_line``: settings are
process-wide state (unsafe beside the pipeline's threads) and ``analyze_line`` may *verify* a hit by
sending it to the vendor's API, which would leak the very secret we are guarding.

Of detect-secrets' filters, only those that judge the value are applied, and only to keyword hits:
the line- and file-level ones are a hostile author's switches. ``# pragma: allowlist secret``,
a file named ``swagger*``, ``.lock`` or ``.css``, a ``user_id = 1;`` earlier on the line, or a
function call later on it (``is_indirect_reference`` looks at the whole line) would each hide a
real key. An indirect reference counts only when the *value* is one (``get_password()``).
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from detect_secrets.filters.heuristic import (
    is_not_alphanumeric_string,
    is_potential_uuid,
    is_prefixed_with_dollar_sign,
    is_sequential_string,
    is_templated_secret,
)
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import (
    CONFIG_DENYLIST_REGEX_TO_GROUP,
    QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    REGEX_BY_FILETYPE,
    KeywordDetector,
)
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.util.filetype import FileType, determine_file_type

from gates.secrets import ASSIGNMENTS, KEYS
from gates.secrets.plugins import (
    EXTRA_BY_TABLE,
    AnthropicKeyDetector,
    Base64PrivateKeyDetector,
    FineGrainedGitHubTokenDetector,
    GitLabTokensDetector,
    GoogleApiKeyDetector,
    HuggingFaceTokenDetector,
    KubeconfigKeyDetector,
    NpmAccessTokenDetector,
    OpenAIProjectKeyDetector,
    PemPrivateKeyDetector,
    PuttyKeyDetector,
    SlackAppTokenDetector,
    StripeSecretDetector,
    UrlPasswordDetector,
    XmlSecretDetector,
)
from gates.secrets.prefilter import NAME_ANCHORS

KEY_PLUGINS: tuple[BasePlugin, ...] = (
    AWSKeyDetector(), GitHubTokenDetector(), GitLabTokenDetector(), SlackDetector(),
    StripeDetector(), NpmDetector(), PypiTokenDetector(), JwtTokenDetector(),
    PrivateKeyDetector(), OpenAIDetector(), SendGridDetector(), SquareOAuthDetector(),
    AzureStorageKeyDetector(),
    FineGrainedGitHubTokenDetector(), AnthropicKeyDetector(), OpenAIProjectKeyDetector(),
    HuggingFaceTokenDetector(), GoogleApiKeyDetector(), PemPrivateKeyDetector(),
    PuttyKeyDetector(), KubeconfigKeyDetector(), Base64PrivateKeyDetector(),
    NpmAccessTokenDetector(), SlackAppTokenDetector(), StripeSecretDetector(),
    GitLabTokensDetector(),
)
URL_PLUGINS: tuple[BasePlugin, ...] = (BasicAuthDetector(), UrlPasswordDetector(),
                                       XmlSecretDetector())
KEYWORD = KeywordDetector()

MAX_ASSIGNMENTS = 32  # per window
TOO_MANY = "TooManyAssignments"
MAX_LINE = 32_768  # longer lines are not read for assignments
WINDOW = 2048  # long lines are scanned in overlapping windows: keyword regexes backtrack
OVERLAP = 512
MIN_LENGTH = 8  # a classified assignment: at least this long...
MIN_ENTROPY = 2.5  # ...not prose, and this many bits per character or three character classes
# Config-like files assign unquoted values (``DB_PASSWORD=x``, ``password: x``): detect-secrets
# maps only some extensions; .env files, shell, Dockerfiles and text without a path (commit
# messages, scanner messages) are config-like too. Prose and JSON keep the quotes-required shapes.
QUOTED = frozenset({".md", ".rst", ".txt", ".html", ".htm", ".json", ".ipynb", ".xml", ".csv"})
_NAMES = re.compile(NAME_ANCHORS[0].replace("(?i:", "(?:"), re.IGNORECASE)
_LEAD = re.compile(r"[+\- ]?\s*")  # a diff marker and indentation survive a whole-line mask
_NAME_END = re.compile(r"[\w.-]+$")
# Names that hold a *reference to* or a *property of* a secret, not the secret.
_NOT_A_VALUE_NAME = re.compile(
    r"(?i)(?:^|[_.-])(?:ids?|names?|files?|paths?|dirs?|urls?|uris?|env|var|fields?|length|len"
    r"|hash|hashed|hasher|sha\d*|digest|checksum|fingerprint|policy|type|prompt|label|hint|reset"
    r"|min|max|regex|pattern|template|header|param|question|ref|format|validator|required|mode"
    r"|backend|manager|arn|prefix|suffix|(?:next|prev|previous|page|continuation|pagination|sync"
    r"|resume|start|last|cursor)[_.-]?(?:page[_.-]?)?token)$")
RUN = 64  # word characters kept of a longer run when looking for names
_LONG_RUN = re.compile(rf"\w{{{RUN + 1},}}")
_SPACE = re.compile(r"\s")
_ARMOUR = re.compile(r"-{4,5} ?BEGIN|PuTTY-User-Key-File-\d+:")
# A label: lower-case words that name a kind of secret (``userauth-gssapi-token``,
# ``session_token``). Words without such a name (``correct-horse-battery``) may be a passphrase.
_LABEL = re.compile(r"^(?=.*(?:pass|pwd|secret|token|key|cred|auth))[a-z]+(?:[-_.][a-z]+)+$")
_REFERENCE = re.compile(r"^[\w.-]+[\[(]")
_PLACEHOLDER = re.compile(
    r"(?i)^(?:none|null|nil|true|false|undefined|empty|changeme|change_me|password|passwd|secret|"
    r"example|dummy|fake|test|testing|sample|placeholder|redacted|hidden|masked|todo|tbd|xxx+|"
    r"\*+|\.+|-+|your[-_ ].*|<.*|.*\[redacted.*)$")
# Values published as examples by their vendor (AWS's documentation key pair), skipped in
# documentation only: elsewhere a test may plant one to stand for a real key.
DOCS = re.compile(r"(?:^|/)(?:docs?|examples?)/|\.(?:md|rst|txt|adoc)$", re.IGNORECASE)
DOCUMENTED = frozenset({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"})
# An ARN names a resource (a Secrets Manager secret's ARN is where the secret is, not the secret);
# a literal that is only a prefix (``sk_live_``, ``ghp_``) is how code recognises keys.
_NOT_A_SECRET_VALUE = re.compile(r"^arn:aws[\w-]*:[\w-]+:|^[A-Za-z]+(?:[_-][A-Za-z]+)*[_-]$")
# Where the value is on the line in another shape than ``name = value``: a typed field
# (``db_password: str = "x"``), an environment lookup's default (``os.getenv("DB_PASSWORD",
# "x")``, ``process.env.DB_PASSWORD || "x"``), a name/value pair (``{"name": "DB_PASSWORD",
# "value": "x"}``). Each is rewritten as the assignment it means; the value stays verbatim.
_RESHAPE = (
    (re.compile(r"^(\s*[A-Za-z_]\w*)\s*:\s*[A-Za-z_][\w.\[\], |]*?\s*=(?!=)"), r"\1 ="),
    (re.compile(r"""(?:getenv|environ\.get|env\.get|environ\.setdefault|env)\(\s*(["'])"""
                r"""([\w.-]+)\1\s*,\s*(?:default\s*=\s*)?"""), r"\2 = "),
    (re.compile(r"""\benv\.(\w+)\s*(?:\|\||\?\?|\bor\b)\s*"""), r"\1 = "),
    # YAML anchors and tags before a value (``password: &pw x``, ``password: !!str x``)
    (re.compile(r"""^(\s*(?:-\s+)?[\w.-]+:)\s+(?:[&!][^\s'"]*\s+)+"""), r"\1 "),
    (re.compile(r"""(?i)(["']?)(?:name|key)\1\s*[:=]\s*(["']?)([\w.-]+)\2\s*,\s*(["']?)"""
                r"""value\4\s*[:=]\s*"""), r"\2\3\2: "),
)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|U([0-9a-fA-F]{8})|([\"'\\/bfnrt]))")
_SIMPLE = {"b": "", "f": "", "n": " ", "r": " ", "t": " "}
_PREFIX = re.compile(r"(?<![\w\\])[rRbBuUfF]{1,2}(?=[\"'])")
_PAREN = re.compile(r"\(\s*([\"'])")
_TRIPLE = re.compile(r"([\"'])\1\1")
_JOIN = re.compile(r"([\"'])\s*\+?\s*\1")
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_+/=.-]*")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


@dataclass(frozen=True, slots=True)
class Secret:
    """One detected secret: which detector family and plugin found it, and the value."""

    family: str
    plugin: str
    value: str


def scan_line(line: str, path: str, families: Collection[str], *,
              strict: bool = True) -> list[Secret]:
    """The secrets on one line of ``path``, found by the named detector families.

    ``strict`` (classification) keeps an assigned value only when it looks like a secret (length,
    entropy, no placeholder); redaction passes ``strict=False`` and masks every literal value.
    The answer depends on nothing else, and ``gate replay`` asks about the same line of the same
    file again and again (four lines in ten on paramiko's history): answers for lines of common
    length are remembered (a bounded cache of bounded entries).
    """
    scan = _scan_line if len(line) <= _REMEMBERED_LINE else _scan_line.__wrapped__
    return list(scan(line, path, frozenset(families), strict))


_REMEMBERED_LINE = 2000  # characters: 4,096 remembered lines stay under about 10 MB


@functools.lru_cache(maxsize=4096)
def _scan_line(line: str, path: str, families: frozenset[str], strict: bool) -> tuple[Secret, ...]:
    out: dict[str, Secret] = {}
    documented = strict and bool(DOCS.search(path))
    for variant in _variants(line):
        # Assignments are found by backtracking regexes, one window at a time: a line this long
        # that holds a secret-like name is not read for them (fail closed: it counts as one).
        too_long = ASSIGNMENTS in families and len(variant) > MAX_LINE
        if too_long and _NAMES.search(variant):
            out.setdefault(variant, Secret(ASSIGNMENTS, "LineTooLongToScan", variant))
        for window in _windows(variant):
            if KEYS in families:
                for plugin in KEY_PLUGINS:
                    for value in _whole_matches(plugin, window):
                        if value and not is_sequential_string(value) \
                                and _armoured(plugin, window) \
                                and not (documented and value in DOCUMENTED):
                            out.setdefault(value, Secret(KEYS, type(plugin).__name__, value))
            if ASSIGNMENTS in families and not too_long:
                for name, value in _assignments(window, path):
                    if documented and value.strip() in DOCUMENTED:
                        continue
                    if name == TOO_MANY or _kept(value, window, strict=strict):
                        out.setdefault(value, Secret(ASSIGNMENTS, name, value))
    found = sorted(out.values(), key=lambda s: -len(s.value))
    # One secret, one hit: drop a value found inside a longer one of the same detector (a PEM
    # header seen by two plugins).
    return tuple(s for i, s in enumerate(found)
                 if not any(s.family == t.family and s.value in t.value for t in found[:i]))


def _whole_matches(plugin: BasePlugin, text: str) -> Iterator[str]:
    """What a plugin matched, whole: ``analyze_string`` yields ``findall`` results, which for a
    pattern with a group is the group (GitHub's ``(ghp|gho|…)_…`` gives "ghp", GitLab's optional
    ``glcbt-(XY_)?`` gives "XY_"), and a pattern may stop short of the token's end (JWT's lazy
    signature, Stripe's 24 characters of a longer key). Masking that would leave the rest of the
    token in plain sight, so the match runs to the end of the token.

    The plugin's own ``analyze_string`` still judges each match: its filters (a JWT must decode,
    an ``hf_`` name must mix cases) are part of the detector.
    """
    if not isinstance(plugin, RegexBasedDetector):
        yield from plugin.analyze_string(text)
        return
    for regex in plugin.denylist:
        for m in regex.finditer(text):
            if next(plugin.analyze_string(m.group(0)), None) is None:
                continue
            # A group that ends the match is the secret after its label (basic auth's password
            # before "@", a kubeconfig's key after "client-key-data:"); any other is a piece.
            tail = m.lastindex is not None and m.start(1) > m.start(0) and m.end(1) == m.end(0)
            end = _TOKEN_TAIL.match(text, m.end(0))
            yield text[m.start(1) if tail else m.start(0):end.end() if end else m.end(0)]


def _armoured(plugin: BasePlugin, line: str) -> bool:
    """detect-secrets' private-key plugin matches prose (``BEGIN RSA PRIVATE KEY`` in a changelog):
    a key's header has its dashes."""
    return not isinstance(plugin, PrivateKeyDetector) or bool(_ARMOUR.search(line))


def mask(line: str, secrets: list[Secret]) -> str:
    """``line`` with every secret replaced by ``[REDACTED:<plugin>]``.

    A secret found only in a decoded variant of the line (escapes, joined literals) does not appear
    in it verbatim: then the whole line is masked.
    """
    original = line
    for secret in secrets:  # longest first, so a value inside another is not left half-masked
        if secret.value in line:
            line = line.replace(secret.value, f"[REDACTED:{secret.plugin}]")
        elif secret.value not in original:
            lead = _LEAD.match(line)
            return f"{lead.group(0) if lead else ''}[REDACTED:{secret.plugin}]"
    return line


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _variants(line: str) -> Iterator[str]:
    """The line as written, and as Python/JSON/JavaScript would read its literals."""
    yield line
    seen = {line}
    decoded = _INVISIBLE.sub("", _ESCAPE.sub(_unescape, line) if "\\" in line else line)
    # b"x", r'x', f"x", ("x") and """x""" are the literal x to Python (and to a reader)
    plain = _TRIPLE.sub(r"\1", _PAREN.sub(r"\1", _PREFIX.sub("", decoded)))
    reshaped = decoded
    for pattern, replacement in _RESHAPE:
        reshaped = pattern.sub(replacement, reshaped)
    reshaped = _TRIPLE.sub(r"\1", _PAREN.sub(r"\1", _PREFIX.sub("", reshaped)))
    for variant in (decoded, _JOIN.sub("", decoded), plain, reshaped):
        if variant not in seen:
            seen.add(variant)
            yield variant


def _unescape(m: re.Match[str]) -> str:
    code = m.group(1) or m.group(2) or m.group(3)
    if code:
        value = int(code, 16)
        return chr(value) if value < 0x110000 else m.group(0)
    simple = m.group(4)
    return _SIMPLE.get(simple, simple)


def _windows(line: str) -> Iterator[str]:
    if len(line) <= WINDOW:
        yield line
        return
    for start in range(0, len(line) - OVERLAP, WINDOW - OVERLAP):
        yield line[start:start + WINDOW]


def _tables(path: str) -> tuple[dict[Any, int], ...]:
    """The keyword regex tables for ``path``'s kind of file, ours after detect-secrets'."""
    kind = determine_file_type(path)
    table = REGEX_BY_FILETYPE.get(kind)
    if table is None or kind is FileType.OTHER:
        suffix = os.path.splitext(path)[1].lower()
        table = QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP if suffix in QUOTED \
            else CONFIG_DENYLIST_REGEX_TO_GROUP
    return table, EXTRA_BY_TABLE[id(table)]


def _assignments(line: str, path: str) -> Iterator[tuple[str, str]]:
    # The keyword shapes start ``(password)\w*``: over a long run of word characters that repeats
    # the name, each start backtracks through the whole run (800 ms for 2 KB of "password"). No
    # name is that long, so runs are cut, with a mark that keeps a cut value from matching the
    # line verbatim (then the whole line is masked, never only a prefix of the secret).
    line = _LONG_RUN.sub(lambda m: m.group(0)[:RUN] + "\u2026", line)
    for table in _tables(path):
        # The keyword regexes report the first match on a line: look again after each one, or
        # ``password: x; db_password: <secret>`` (or a scanner message quoting two) hides the rest.
        rest = line
        for _ in range(MAX_ASSIGNMENTS):
            found = [(rest.find(v), v) for v in
                     KEYWORD.analyze_string(rest, denylist_regex_to_group=table) if v]
            found = [(at, v) for at, v in found if at >= 0]
            if not found:
                break
            for _, value in found:
                if not _NOT_A_VALUE_NAME.search(_name_before(rest, value)):
                    yield "KeywordDetector", value
            rest = rest[min(found)[0] + 1:]  # a value may itself hold the next name
        else:
            # More assignments in one window than any real code has: a hostile line built to
            # make the scan slow. It is not read further, so it counts as a secret (fail closed).
            yield TOO_MANY, line
    for plugin in URL_PLUGINS:
        for value in plugin.analyze_string(line):
            yield type(plugin).__name__, value


def _name_before(line: str, value: str) -> str:
    head = line[:max(0, line.find(value))].rstrip(" \t'\"`:=!>[](@)")
    m = _NAME_END.search(head)
    return m.group(0) if m else ""


def _kept(value: str, line: str, *, strict: bool) -> bool:
    """Whether an assigned value is a literal secret (detect-secrets' value filters, and ours)."""
    at = line.find(value)
    if strict and at > 0 and line[at - 1] not in "\"'`":
        # Unquoted (a config, .env or shell line): the value ends at the first blank, where a
        # comment or the rest of a command begins.
        value = next(iter(value.split()), "")
    value = value.strip()
    if strict and _NOT_A_SECRET_VALUE.match(value):
        return False
    if (not value or is_templated_secret(value) or is_prefixed_with_dollar_sign(value)
            or is_not_alphanumeric_string(value) or _REFERENCE.match(value)
            or value.startswith("%(") or value.startswith("[REDACTED")):
        return False
    if not strict:
        return len(value) >= 4
    if (_PLACEHOLDER.match(value) or is_sequential_string(value) or is_potential_uuid(value)
            or len(value) < MIN_LENGTH or _SPACE.search(value) or _LABEL.match(value)):
        return False
    classes = sum(bool(re.search(p, value)) for p in ("[a-z]", "[A-Z]", "[0-9]", r"[^\w\s]"))
    return entropy(value) >= MIN_ENTROPY or classes >= 3
