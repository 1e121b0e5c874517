"""Secrets whose value is not on the line of their name.

The detectors read one line at a time, but formatters and config formats move a value away from
its name: black wraps ``password = (`` / ``"…"`` / ``)``, YAML folds ``password: >-`` onto the
next line, Kubernetes and ECS write ``name: DB_PASSWORD`` and ``value: …`` as sibling keys, and a
dict, list or call holds the value beside a name (``{"password": …}``, ``["--password", …]``,
``login("admin", …)``). Two users:

- classification (:func:`joined`): a candidate line that names a secret without a value is joined
  with the next line of the patch, so the keyword detector sees ``name: value`` as if written on
  one line (it still judges the value: length, entropy, placeholders);
- redaction for the model (:func:`mask_nearby`): errs on the side of masking. Every literal after a
  secret-like name on its line, and every literal of the lines that carry its value, is masked.
  An over-masked review is a worse review; an under-masked one is a leak.

Plain ``re`` and no detect-secrets: classification reaches :func:`joined` only for a prefilter
candidate, and redaction runs in the slow lane.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from gates.secrets.prefilter import NAME_ANCHORS, Candidate

# Classification: detect-secrets' names and ours (the prefilter's, which tests keep in step).
_NAMES = re.compile(NAME_ANCHORS[0].replace("(?i:", "(?:"), re.IGNORECASE)
# A line that names a secret and leaves its value to the next line: an assignment, key or keyword
# argument with nothing after the separator but an opener, a YAML block indicator, anchor or tag.
_PENDING = re.compile(
    r"""^(?P<head>\s*(?:-\s+)?["']?(?P<name>[\w.-]+)["']?\s*"""
    r"""(?::\s*[A-Za-z_][\w.\[\], |]*?\s*)?(?:=|:(?!:)))"""
    r"""\s*(?:[(\[\\]|[>|][-+]?\d*|&\S+|!\S+|\s)*\s*(?:#.*)?$""")
# ``name: DB_PASSWORD`` (k8s env, ECS environment, CloudFormation parameters): the value is a
# sibling key.
_PAIR_NAME = re.compile(
    r"""^\s*(?:-\s+)?\{?\s*(?P<q>["']?)(?:name|key|Name|Key|ParameterKey|variable)(?P=q)\s*[:=]"""
    r"""\s*(?P<vq>["']?)(?P<name>[\w.-]+)(?P=vq)\s*,?\s*$""")
_PAIR_VALUE = re.compile(
    r"""^\s*(?:-\s+)?(?P<q>["']?)(?:value|Value|ParameterValue|default)(?P=q)\s*[:=]\s*(?P<v>.+)$""")
_CLOSERS = re.compile(r"^[\s)\]},;]*$")


def _secret_name(name: str) -> bool:
    return bool(_NAMES.search(name))


def next_line(patch: bytes, candidate: Candidate) -> str | None:
    """The line after a prefilter candidate in the patch, on the same side (same diff marker)."""
    stop = candidate.offset + (1 if candidate.marker else 0) + len(candidate.text)
    if stop >= len(patch):
        return None
    end = patch.find(b"\n", stop + 1)
    line = patch[stop + 1:len(patch) if end < 0 else end]
    if candidate.marker and line[:1] != bytes([candidate.marker]):
        return None
    return line[1 if candidate.marker else 0:].decode("utf-8", "replace")


def joined(line: str, ahead: str | None) -> str | None:
    """One line holding ``line``'s secret-like name and the value that ``ahead`` (the next line,
    without its diff marker) carries, or None when ``line`` announces no value to come."""
    if ahead is None:
        return None
    value = ahead.strip().rstrip(",")
    if not value or _CLOSERS.match(value):
        return None
    pair = _PAIR_NAME.match(line)
    if pair and _secret_name(pair.group("name")):
        found = _PAIR_VALUE.match(ahead)
        if not found:
            return None
        q = pair.group("vq") or pair.group("q")
        return f"{q}{pair.group('name')}{q}: {found.group('v').strip().rstrip(',')}"
    pending = _PENDING.match(line)
    if pending and _secret_name(pending.group("name")):
        if value.startswith("- "):
            value = value[2:]
        return f"{pending.group('head').strip()} {value.rstrip(')')}"
    return None


# --- redaction -----------------------------------------------------------------------------------

MASK = "[REDACTED:secret-context]"
BLOCK, NEXT, TEXT = "block", "next", "text"
MAX_FOLLOW = 50  # lines of one value block (a dict of passwords, a YAML block) that are masked
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_.-]+[A-Za-z0-9]+)*")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_STEMS = frozenset({
    "password", "passwords", "passwd", "pwd", "pw", "pwds", "passphrase", "secret", "secrets",
    "token", "tokens", "credential", "credentials", "creds", "cred", "apikey", "contrasena",
    "contraseña", "privatekey", "accesskey", "secretkey", "authkey", "passcode", "pin"})
_KEY_QUALIFIERS = frozenset({"api", "private", "priv", "access", "secret", "auth", "signing",
                             "encryption", "master", "service", "account", "client", "db",
                             "database", "session", "app", "license", "webhook"})
# Names that are a secret's only as a key or an assignment (``pass: x``, ``auth = ("u", "p")``,
# ``"Authorization": "Bearer x"``); elsewhere they are a statement or a module.
_KEYED_NAMES = frozenset({"pass", "auth", "authorization", "proxy-authorization", "bearer"})
# Command lines that carry a password in a flag: ``mysql -pPASSWORD``, ``curl -u user:PASSWORD``.
_FLAGS = re.compile(r"\b(?:mysql\w*|mariadb\w*)\b.*?\s-p(?P<a>[^\s'\"]+)"
                    r"|\b(?:curl|wget|http)\b.*?\s(?:-u|--user|--http-password=?)\s*[^\s:'\"]*:?"
                    r"(?P<b>[^\s'\"]+)"
                    # docker/podman/helm login -p X, sshpass -p X, psql/redis-cli -a X and the like
                    r"|\b(?:docker|podman|buildah|skopeo|helm|oras|nerdctl)\b.*?\blogin\b.*?"
                    r"\s(?:-p|--password)(?:=|\s+)(?P<c>[^\s'\"]+)"
                    r"|\bsshpass\b.*?\s-p\s*(?P<d>[^\s'\"]+)"
                    r"|\b(?:redis-cli|keydb-cli)\b.*?\s-a\s+(?P<e>[^\s'\"]+)")
# Calls whose arguments are credentials whatever the parameters are called.
_CALL = re.compile(r"(?i)\b(?:\w*log_?[io]n|authenticate|\w*auth|simple_bind(?:_s)?|bind_s"
                   r"|set_?password|HTTPBasicAuth|HTTPDigestAuth)\s*\(")
_LITERAL = re.compile(r"""(?P<q>"|'|`)(?P<body>(?:\\.|(?!(?P=q)).)*)(?P=q)""")
# After a name in prose or config: ``is``, ``:``, ``=`` introduce the value.
_CONNECTOR = re.compile(r"(?i)^(?:[\"'`]?\s*(?:=>|->|[:=])|\s+(?:is|was|are|to|now|of)\b)")
_TOKEN = re.compile(r"[^\s,;)\]}\"'`]+")
_SKIP_TOKEN = re.compile(r"^(?:[&*!][\w.-]*|[>|][-+]?\d*|\[REDACTED[^\]]*\]?|[(\[{\\#]|//)$")
_CREDENTIAL_LIKE = re.compile(r"^(?=.{6,})(?=.*[0-9])(?=.*[A-Za-z])\S+$|^(?=.{8,})(?=.*[a-z])"
                              r"(?=.*[A-Z])(?=.*[^\w\s])\S+$")
_NAME_LITERAL = re.compile(r"^-{0,2}[A-Za-z][A-Za-z]*(?:[_.-][A-Za-z]+)+$|^-{1,2}[A-Za-z]+$"
                           r"|^[A-Z]+(?:_[A-Z]+)+$")
_MASKED = re.compile(r"\[REDACTED:[^\]]*\]")
_KEY_AFTER = re.compile(r"^\s*[:=]")
_COMMENT = re.compile(r"(?:^|\s)(?:#|//|--|/\*|\*)\s")
_OPENER = re.compile(r"""["'`]?\s*(?::\s*[A-Za-z_][\w.\[\], |]*?\s*)?(?:=|:|,|\(|=>)"""
                     r"""\s*(?:[(\[{\\]|[>|][-+]?\d*|&\S+|!\S+|\s)*\s*(?:(?:#|//).*)?$""")
CODE = frozenset({".py", ".pyi", ".pyx", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go",
                  ".java", ".kt", ".kts", ".scala", ".rb", ".rs", ".c", ".h", ".cc", ".cpp",
                  ".hpp", ".cs", ".php", ".swift", ".m", ".lua", ".pl", ".r"})


def secret_like(word: str) -> bool:
    """Whether an identifier, key or flag names a secret, for redaction: any part of it
    (``DB_PASSWORD``, ``dbPassword``, ``PW``, ``api-key``, ``bind_pass``) is a secret's name."""
    parts = [p.lower() for chunk in re.split(r"[_.\-]+", word) for p in _CAMEL.findall(chunk)]
    if "pass" in parts and (len(parts) > 1 or word.isupper()):
        return True  # ``db_pass``, ``PASS``; a lone ``pass`` is Python's statement
    if any(p in _STEMS for p in parts):
        return True
    return any(a in _KEY_QUALIFIERS and b == "key" for a, b in pairwise(parts))


def mask_nearby(text: str, path: str = "") -> tuple[str, int]:
    """``text`` with the literals near secret-like names masked, and how many were masked.

    ``path`` names the file of a patch (then each line starts with a diff marker); in source code
    only quoted literals and comments are values, elsewhere (config, prose, commit messages) an
    unquoted word after a name is one too.
    """
    suffix = path[path.rfind("."):].lower() if "." in path.rsplit("/", 1)[-1] else ""
    code = suffix in CODE
    marked = bool(path)
    out: list[str] = []
    total = 0
    follow = 0  # lines of a value block still to mask
    block_indent = -1  # after its first line, a block goes on while indented deeper than this
    first = False  # the next non-blank line carries the value whatever its indentation
    text_mode = False  # the lines are inside an open string
    pair = 0  # lines left in which a name/value pair's value key is masked
    pair_indent = -1
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        end = raw[len(line):]
        lead = line[:1] if marked and line[:1] in "+- " else ""
        body = line[len(lead):]
        indent = len(body) - len(body.lstrip(" \t"))
        content = body.strip()
        count = 0
        if follow and content:
            if not first and indent <= block_indent:
                follow = 0  # a new key or statement (or the block's closing bracket)
            else:
                body, count, ended = _mask_following(body, code=code, text_mode=text_mode)
                follow = 0 if ended else follow - 1
                first = False
        if pair and content:
            item = content.startswith("- ") and indent <= pair_indent
            found = None if item else _PAIR_VALUE.match(body)
            if found:
                start = found.start("v")
                new, n = _mask_value_line(body[start:], code=False, unquoted=True)
                body, count, pair = body[:start] + new, count + n, 0
            else:
                pair = 0 if item else pair - 1
        body, n = _apply(body, [(m.start(g), m.end(g)) for m in _FLAGS.finditer(body)
                                for g in "abcde" if m.group(g)])
        count += n
        names = _names(body)
        if names:
            body, n, opener = _mask_after_names(body, names, code=code)
            count += n
            if opener is not None:
                follow, first, text_mode = (1 if opener == NEXT else MAX_FOLLOW), True, \
                    opener == TEXT
                block_indent = -1 if opener == TEXT else indent
            pair_match = _PAIR_NAME.match(body)
            if pair_match and secret_like(pair_match.group("name")):
                pair, pair_indent = 3, indent
        total += count
        out.append(lead + body + end)
    return "".join(out), total


def _mask_following(body: str, *, code: bool, text_mode: bool) -> tuple[str, int, bool]:
    """Mask a line that carries a value announced above; say whether it ends an open string."""
    if not text_mode:
        return (*_mask_value_line(body, code=code), False)
    close = min((at for q in ('"""', "'''", "`") if (at := body.find(q)) >= 0), default=-1)
    if close < 0:
        return (*_mask_value_line(body, code=False, unquoted=True), False)
    head = body[:close]  # the string ends here: mask what comes before its quotes
    if not head.strip():
        return body, 0, True
    return head[:len(head) - len(head.lstrip())] + MASK + body[close:], 1, True


def _names(body: str) -> list[re.Match[str]]:
    masks = [(m.start(), m.end()) for m in _MASKED.finditer(body)]
    found = [m for m in _WORD.finditer(body)
             if (secret_like(m.group(0)) or (m.group(0).lower() in _KEYED_NAMES
                                             and _KEY_AFTER.match(body[m.end():].lstrip("\"'"))))
             and not any(s <= m.start() < e for s, e in masks)]
    found += list(_CALL.finditer(body))
    return sorted(found, key=lambda m: m.start())


def _spans(body: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _LITERAL.finditer(body)]


def _mask_after_names(body: str, names: list[re.Match[str]], *,
                      code: bool) -> tuple[str, int, str | None]:
    """Mask the literals after the first name; say whether the value is still to come (None: it
    is not; BLOCK: masked while indented deeper; NEXT: the next line; TEXT: lines of a string)."""
    first = names[0]
    spans = _spans(body)
    inside = next(((s, e) for s, e in spans if s < first.start() < e), None)
    pieces: list[tuple[int, int]] = []
    if inside is not None:
        # The name is inside a literal: prose (``"admin password is …"``) up to its end.
        pieces += _prose(body, first.end(), inside[1] - 1)
        after = inside[1]
    else:
        after = first.end()
    later = [(s, e) for s, e in spans if s >= after]
    for s, e in later:
        inner = body[s + 1:e - 1]
        if not inner or inner.startswith("[REDACTED") or len(inner) < 2:
            continue
        if _NAME_LITERAL.match(inner) and (secret_like(inner) or _KEY_AFTER.match(body[e:])):
            continue  # another name or a dict key (``"DB_PASSWORD"``, ``"value":``)
        if _KEY_AFTER.match(body[e:]) and not secret_like(inner):
            continue
        pieces.append((s + 1, e - 1))
    if not later and inside is None:
        # No quoted literal after the name: in prose and config the value is a bare word.
        comment = _COMMENT.search(body) if code else None
        if not code:
            pieces += _prose(body, after, len(body))
        elif comment:
            pieces += _prose(body, max(after, comment.end()), len(body))
    masked, n = _apply(body, pieces)
    last = names[-1]
    tail = body[last.end():]
    opener: str | None = None
    if later:
        # A value that goes on (``("Qm7X"`` / ``"r2Lp")``, a trailing backslash, ``"""``) is a
        # block.
        code_only = _LITERAL.sub("", body[first.end():]).split("#")[0]
        depth = sum(code_only.count(c) for c in "([{") - sum(code_only.count(c) for c in ")]}")
        if any(code_only.count(q) % 2 for q in "\"'`"):
            return masked, n, TEXT  # an open (triple) quote: the next lines are the string
        goes_on = depth > 0 or code_only.rstrip().endswith("\\")
        return masked, n, BLOCK if goes_on else None
    if _CALL.match(last.group(0)):
        # ``login(`` with its arguments on the next lines
        opener = BLOCK if _CLOSERS.match(tail) is None or not tail.strip() else None
    elif _OPENER.match(tail) is not None:
        # A bracket, a YAML block (``password:``, ``>-``) goes on while indented deeper;
        # ``password =`` or ``"--password",`` gives its value on the next line.
        opener = NEXT if tail.split("#")[0].rstrip().endswith(("=", ",", "=>")) else BLOCK
    return masked, n, opener


def _prose(body: str, start: int, stop: int) -> list[tuple[int, int]]:
    """Value-like words after a name: the first after a connector, and any credential-like."""
    out: list[tuple[int, int]] = []
    segment = body[start:stop]
    connector = _CONNECTOR.match(segment)
    first = True
    for m in _TOKEN.finditer(segment, connector.end() if connector else 0):
        word = m.group(0)
        if _SKIP_TOKEN.match(word):
            continue
        if (connector and first) or _CREDENTIAL_LIKE.match(word):
            out.append((start + m.start(), start + m.end()))
        first = False
    return out


def _mask_value_line(body: str, *, code: bool, unquoted: bool | None = None) -> tuple[str, int]:
    """Mask a line that carries a value: its quoted literals, or (outside code) its bare value."""
    spans = [(s + 1, e - 1) for s, e in _spans(body)
             if e - s > 2 and not body[s + 1:e - 1].startswith("[REDACTED")
             and not (_KEY_AFTER.match(body[e:]) and not secret_like(body[s + 1:e - 1]))]
    if spans or (code and not unquoted):
        return _apply(body, spans)
    value = re.match(r"^\s*(?:-\s+)?(?:[\w.-]+\s*[:=]\s+)?(.*?)\s*,?\s*$", body)
    if value is None or not value.group(1) or _CLOSERS.match(value.group(1)) \
            or value.group(1).startswith("[REDACTED") or _SKIP_TOKEN.match(value.group(1)):
        return body, 0
    return _apply(body, [(value.start(1), value.end(1))])


def _apply(body: str, pieces: Iterator[tuple[int, int]] | list[tuple[int, int]]
           ) -> tuple[str, int]:
    n = 0
    for s, e in sorted(set(pieces), reverse=True):
        if e > s and not body[s:e].startswith("[REDACTED"):
            body = body[:s] + MASK + body[e:]
            n += 1
    return body, n
