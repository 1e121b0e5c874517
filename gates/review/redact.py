"""Mask secrets before anything leaves the machine.

The same detector as classification (``gates.secrets``: detect-secrets and our plugins) finds keys,
tokens and values assigned to secret-like names on every line, context lines included; here every
literal assigned value is masked, whatever its entropy (a weak password is still a password).
Around it, what a line-by-line detector cannot see: whole private-key blocks (the body lines, not
only the header), PuTTY key files, both halves of ``user:password@`` in URLs, and base64 lines that
look like the body of a key whose header is outside the hunk. Each is replaced by
``[REDACTED:<kind>]``. Then ``gates.secrets.nearby`` masks what sits near a secret-like name
rather than on its line (wrapped, folded, typed, paired and call-argument values): over-masking
is the price. Files of the policy's ``secrets`` and ``credentials`` categories are never sent at
all, only named (see ``gates.review.prompt``): this is the second line of defence.
"""

from __future__ import annotations

import re
from functools import cache

from gates.secrets import DETECTORS
from gates.secrets.detector import entropy, mask, scan_line
from gates.secrets.nearby import mask_nearby
from gates.secrets.prefilter import Prefilter

_BLOCKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private-key", re.compile(
        r"-{4,5} ?BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?(?: [A-Z]+)* ?-{4,5}.*?"
        r"(?:-{4,5} ?END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?(?: [A-Z]+)* ?-{4,5}|\Z)",
        re.DOTALL)),
    ("putty-key", re.compile(r"PuTTY-User-Key-File-\d+:.*?(?:Private-MAC:[^\n]*|\Z)", re.DOTALL)),
    ("url-credentials", re.compile(r"(?<=://)[^\s:/@\"'`]*:[^\s@/\"'`]+(?=@)")),
)
# A line that is only a long base64 run (a key body whose BEGIN line is outside the hunk); hex
# digests and git SHAs stay below the entropy bar (at most 4 bits per character).
_BODY = re.compile(r"(?m)^([+\- ]?\s*[\"']?)([A-Za-z0-9+/]{40,}={0,2})([\"']?,?\s*)$")
BODY_ENTROPY = 4.5


@cache
def _prefilter() -> Prefilter:
    return Prefilter(DETECTORS, changed_only=False)


def redact(text: str, path: str = "") -> tuple[str, int]:
    """``text`` with secrets masked, and how many were masked.

    ``path`` is the file the text comes from (it decides how the keyword detector reads
    assignments); text without one (commit messages, scanner messages) is read like a config file,
    where values need no quotes.
    """
    total = 0
    for kind, pattern in _BLOCKS:
        text, count = pattern.subn(f"[REDACTED:{kind}]", text)
        total += count
    data = text.encode("utf-8", "replace")
    pieces: list[str] = []
    last = 0
    for candidate in _prefilter().lines(data):
        line = candidate.text.decode("utf-8", "replace")
        secrets = scan_line(line, path, DETECTORS, strict=False)
        if not secrets:
            continue
        pieces.append(data[last:candidate.offset].decode("utf-8", "replace"))
        pieces.append(mask(line, secrets))
        last = candidate.offset + len(candidate.text)
        total += len(secrets)
    pieces.append(data[last:].decode("utf-8", "replace"))
    # What a line-by-line detector cannot see: values on the lines after their name, and the
    # literals beside a name in dicts, lists and calls. Over-masking is the price.
    text, count = mask_nearby("".join(pieces), path)
    total += count

    def body(m: re.Match[str]) -> str:
        nonlocal total
        run = m.group(2)
        if entropy(run) < BODY_ENTROPY or run.isupper() or run.islower():
            return m.group(0)
        total += 1
        return f"{m.group(1)}[REDACTED:key-material]{m.group(3)}"

    return _BODY.sub(body, text), total
