"""Make untrusted text (paths, diff lines, commit trailers) safe to print on a terminal.

A file name or a diff line can carry escape sequences that rewrite what a reviewer sees, newlines
that forge report lines, or bidirectional controls that reorder them. Every such character is shown
as a visible escape instead.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\ud800-\udfff]"
)


def clean(text: str) -> str:
    """``text`` with control, format and bidi characters replaced by visible escapes."""
    return _UNSAFE.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte carried as a surrogate
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
