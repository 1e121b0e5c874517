"""The hotspots fragment ``gate learn`` writes, as YAML (with a note for the reviewer) or JSON.

Everything from the history (paths, commit subjects) is data to ``yaml.safe_dump`` / ``json``,
never text pasted into the document, and subjects are cleaned of control characters first: a
commit message cannot add keys, entries or comments. The document is parsed back with the
policy's own reader before it is written, so the gate can always read what ``gate learn`` wrote.
The same history gives the same bytes: nothing in it depends on the clock or the machine.
The document is read back before it is written and must give exactly the hotspots learned.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from gates.errors import PolicyError, ToolFailure, UsageError
from gates.learn.fixes import ADVISORY, MESSAGE
from gates.learn.miner import Learned
from gates.policy.hotspots import FRAGMENT_VERSION, parse
from gates.report.safe import clean

DEFAULT_OUTPUT = ".gate/hotspots.yaml"
_SUBJECT = 120  # characters of a fix's subject kept for the reviewer
NOTE = ("Security hotspots learned by `gate learn` from this repository's history: files, and "
        "functions or classes in them, that past security fixes changed. A later change that "
        "touches one is high tier. Review it, commit it, and name it in .gate.yaml with "
        "`hotspots: <this file's path from the repository root>`; like the policy, it is read "
        "from the trusted revision and a change to it is gate-critical.")
_HEADER = """\
# Security hotspots learned by `gate learn` from this repository's history (docs/learn.md).
# Each entry is a file, or a function or class in it, that a past security fix changed; a later
# change that touches one is high tier ("touched by the fix of CVE-... (commit abc1234)").
# Review it before you commit it: drop what is noise, add what the history missed. Then name it
# in .gate.yaml:
#     hotspots: .gate/hotspots.yaml
# Like the policy it is read from the trusted revision, and a change to it is gate-critical.
# Re-run `gate learn` to refresh it; `learned.fix_commits` lists the fixes
# that left a hotspot.
"""


def document(learned: Learned) -> dict[str, Any]:
    """The fragment as plain data (what both formats write)."""
    fixes = [{"commit": f.sha, "date": f.date.isoformat(), "why": f.why,
              **({"ids": list(f.ids)} if f.ids else {}),
              "subject": _short(_printable(f.subject))}
             for f in learned.fixes if f.sha in learned.sources]
    info: dict[str, Any] = {"until": learned.until, "commits": learned.commits,
                            "fixes": len(learned.fixes), "by_message": learned.count(MESSAGE),
                            "by_advisory": learned.count(ADVISORY)}
    if learned.packages:
        info["packages"] = list(learned.packages)
    entries = [{k: v for k, v in (("path", h.path), ("symbol", h.symbol), ("fix", h.fix),
                                  ("commit", h.commit)) if v} for h in learned.hotspots]
    return {"version": FRAGMENT_VERSION,
            "learned": {**info, "fix_commits": fixes},
            "hotspots": entries}


def render(learned: Learned, fmt: str = "yaml") -> str:
    """The fragment's text; checked with the policy's own reader before it is returned."""
    data = document(learned)
    if fmt == "json":
        data["learned"] = {"note": NOTE, **data["learned"]}
        # Not ASCII-escaped: JSON escapes a character past U+FFFF as a surrogate pair, which a
        # YAML reader (the policy's) refuses.
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "yaml":
        text = _HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=100)
    else:
        raise UsageError(f"unknown fragment format {fmt!r} (yaml or json)")
    try:
        read = parse(text, "gate learn output")
    except PolicyError as exc:  # a bug here, not in the history: fail closed, write nothing
        raise ToolFailure(f"gate learn produced a fragment the policy cannot read: {exc}") \
            from None
    if read != learned.hotspots:
        raise ToolFailure("gate learn produced a fragment the policy reads differently")
    return text


def write(text: str, target: Path, inside: Path | None = None) -> None:
    """Replace ``target`` with ``text`` in one step (a reader never sees half a file, and a
    symbolic link planted at ``target`` is replaced, not followed). With ``inside``, the file must
    land inside that folder: a cloned repository's ``.gate`` may be a link to anywhere."""
    if inside is not None and not _within(target.parent, inside):
        raise UsageError(f"{target.parent} leads outside the repository (a symbolic link?): "
                         "name the file with --output")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".hotspots-", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


def _within(folder: Path, root: Path) -> bool:
    """True when ``folder`` (existing or not yet) resolves to a place under ``root``."""
    return folder.resolve().is_relative_to(root.resolve())


def _printable(text: str) -> str:
    """``text`` with every character a reader could not see, or a YAML reader would take for a
    line break (U+2028 and the like), shown as a visible escape."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in clean(text))


def _short(text: str) -> str:
    return text if len(text) <= _SUBJECT else text[:_SUBJECT - 1] + "…"
