"""The hotspots fragment: files and functions that past security fixes changed.

``gate learn`` writes it (default ``.gate/hotspots.yaml``); a team reviews and commits it and names
it with the policy key ``hotspots:``. It is read like ``extends:``, from the same trusted revision
as the policy, and it is gate-critical (``Policy.reads``): a change that edits it changes what is
sent to review. The format (docs/learn.md)::

    version: 1
    learned: {until: 0123abcd..., commits: 10234, fixes: 12}   # informational
    hotspots:
      - path: src/pkg/auth.py
        symbol: Session.check        # optional: without it, the whole file
        fix: CVE-2023-1234           # optional: the advisory ids
        commit: 0123abcd...          # optional: the fixing commit
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from gates.policy.model import Hotspot
from gates.policy.values import Values
from gates.policy.yamldoc import load

FRAGMENT_VERSION = 1
_COMMIT = re.compile(r"[0-9a-f]{4,64}")
_SYMBOL = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_ENTRY = ("path", "symbol", "fix", "commit")


def parse(text: str, origin: str) -> tuple[Hotspot, ...]:
    """The fragment's entries, validated; a bad fragment is a policy error at its line."""
    data, locations = load(text, origin)
    check = Values(data if isinstance(data, dict) else {}, locations, origin)
    check.keys((), data, ("version", "learned", "hotspots"))
    version = data.get("version", FRAGMENT_VERSION)
    if type(version) is not int or version != FRAGMENT_VERSION:  # true == 1 to Python
        raise check.fail(("version",), f"unsupported hotspots version {version!r} "
                                       f"(this draftgate reads version {FRAGMENT_VERSION})")
    if not isinstance(data.get("learned", {}), dict):
        raise check.fail(("learned",), "must be a mapping")
    entries = data.get("hotspots") or []
    if not isinstance(entries, list):
        raise check.fail(("hotspots",), "must be a list of {path, symbol, fix, commit}")
    return tuple(_entry(check, ("hotspots", i), raw) for i, raw in enumerate(entries))


def _entry(check: Values, key: tuple[str | int, ...], raw: Any) -> Hotspot:
    entry = check.keys(key, raw, _ENTRY)
    path = check.string((*key, "path"), entry.get("path"))
    normal = posixpath.normpath(path)
    # Not printable: a path gate learn drops (a git path with a line break or an escape), which
    # a report would print as it is.
    if path.startswith("/") or normal == ".." or normal.startswith("../") or normal != path \
            or normal == "." or not path.isprintable():
        raise check.fail((*key, "path"), f"{path!r} is not a normalised path inside the "
                                         "repository (relative to its root)")
    # Absent or null is "not given"; false, 0 or [] is a mistake, not the whole file.
    symbol = _optional(entry, "symbol")
    if not isinstance(symbol, str) or (symbol and not _SYMBOL.fullmatch(symbol)):
        raise check.fail((*key, "symbol"), f"{symbol!r} is not a function or class name "
                                           "(dotted for a method: Class.method)")
    fix = _optional(entry, "fix")
    if not isinstance(fix, str) or len(fix) > 200 or not fix.isprintable():
        raise check.fail((*key, "fix"), "must be a short line of text (the advisory ids)")
    commit = _optional(entry, "commit")
    if isinstance(commit, int) and not isinstance(commit, bool):
        commit = str(commit)  # an all-digit id YAML reads as a number
    if not isinstance(commit, str) or (commit and not _COMMIT.fullmatch(commit)):
        raise check.fail((*key, "commit"), f"{commit!r} is not a commit id")
    return Hotspot(path, symbol, fix, commit)


def _optional(entry: dict[str, Any], key: str) -> Any:
    value = entry.get(key)
    return "" if value is None else value
