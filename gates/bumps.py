"""Is a change only a version bump?

A workflow or ``.pre-commit-config.yaml`` edit that moves ``uses: owner/repo@v4`` to ``@v5`` (or
to a commit) or a hook's ``rev:`` and touches nothing else is a dependency update, not new pipeline
logic: the policy can route it like a dependency manifest (``version_only:`` on a category). The
test is strict, because a lower tier is what a hostile draft wants:

- every changed line pairs with one on the other side, in order, that differs only in the version
  (and in a trailing ``# v1.2.3`` comment beside a pinned commit);
- a ``rev:`` counts only when its ``- repo: URL`` line is visible in the hunk, unchanged, and opens
  the same list item (a ``rev:`` ahead of its ``repo:`` in the item is not attributed);
- nothing that names draftgate moves, and no action moves in the gate's own workflow (a path that
  names draftgate, or hunks that show it or a ``gate check`` step): a downgrade of the gate, or
  another action in the job that runs it, is a change to the gate. Only the hunks are read: a
  workflow named otherwise whose gate step is out of the diff's context is not recognised.

A release's version string counts too: ``__version__ = "1.4.2"`` to ``"1.4.3"`` (also
``VERSION``, ``version``, Sphinx's ``release``, ``__version_info__ = (1, 4, 3)``, as ``=`` or
as a ``version:`` / ``"version":`` key), where both values look like versions (digits first).
A release commit that touches ``auth/__init__.py`` only for that is not auth logic.

Anything else (a new step, a changed ``with:``, a renamed action, a flow-style mapping, a version
given by a call or a name) is not a bump, and the category keeps its tier.
"""

from __future__ import annotations

import re

from gates.model import ChangedFile, FileStatus

_USES = re.compile(r"^(?P<head>\s*(?:-\s+)?uses:\s*)(?P<q>['\"]?)(?P<what>[\w.-]+/[\w./-]+)@"
                   r"(?P<ref>[\w./+-]+)(?P=q)(?P<tail>\s*(?:#.*)?)$")
_REV = re.compile(r"^(?P<head>\s+rev:\s*)(?P<q>['\"]?)(?P<ref>[\w./+-]+)(?P=q)"
                  r"(?P<tail>\s*(?:#.*)?)$")
# A version literal: "1.4.2", 'v2.0.0rc1', (1, 4, 3) or (1, 4, "dev"); never a name or a call.
_VERSION_VALUE = (r"(?P<q>['\"]?)(?P<ref>v?\d[\w.+-]*)(?P=q)"
                  r"|(?P<ref2>\(\s*\d+(?:\s*,\s*(?:\d+|['\"][\w.+-]*['\"]))*\s*,?\s*\))")
_VERSION_STRING = re.compile(
    r"^(?P<head>\s*(?:(?:__version__|VERSION|version|__version_info__|VERSION_INFO|version_info|release)"
    r"\s*(?::\s*[\w.\[\], ]+)?\s*=|['\"]?version['\"]?\s*:)\s*)(?:" + _VERSION_VALUE +
    r")(?P<tail>\s*,?\s*(?:#.*)?)$")
_ITEM = re.compile(r"^\s*-\s")
_REPO = re.compile(r"^\s*-\s+repo:\s*(?P<url>\S+)\s*(?:#.*)?$")
_VERSION_NOTE = re.compile(r"^\s*(?:#\s*v?\d[\w.+-]*)?$")  # "# v4.1.0" beside a pinned commit
GATE = "draftgate"
_GATE_RUN = re.compile(r"(?i)draftgate|\bgate\s+(?:check|hook)\b")


def version_only(file: ChangedFile) -> str:
    """A short description of the bumps when the file's change is nothing else; empty otherwise."""
    if file.status is not FileStatus.MODIFIED or file.binary or not file.patch \
            or file.mode_changed or file.symlink or file.submodule or file.view:
        return ""
    text = file.patch.decode("utf-8", "surrogateescape")
    if any(GATE in (p or "").lower() for p in (file.path, file.old_path)):
        return ""  # the gate's own workflow: every change to it is a change to the gate
    hunks = _hunks(text)
    if hunks is None:
        return ""
    bumps: list[tuple[str, str]] = []  # (what moved: "uses" or "rev", how)
    for hunk in hunks:
        found = _hunk_bumps(hunk)
        if found is None:
            return ""
        bumps.extend(found)
    if not bumps:
        return ""
    if any(kind == "uses" for kind, _ in bumps) and _GATE_RUN.search(text):
        return ""  # an action moved in a job the hunks show running the gate
    shown = ", ".join(how for _, how in bumps[:3])
    if len(bumps) > 3:
        shown += f" and {len(bumps) - 3} more"
    return f"version bump only: {shown}"


def _hunks(patch: str) -> list[list[str]] | None:
    """The hunks' lines; None when a line is not a diff line (the patch is not what it seems)."""
    hunks: list[list[str]] = []
    for line in patch.split("\n"):
        if line.startswith("@@"):
            hunks.append([])
        elif hunks and line and line[0] in " +-":
            hunks[-1].append(line)
        elif line.startswith("\\") or not line:
            continue  # "\ No newline at end of file", the final newline
        else:
            return None
    return hunks


def _hunk_bumps(lines: list[str]) -> list[tuple[str, str]] | None:
    """The bumps of one hunk, or None when it changes anything else."""
    bumps: list[tuple[str, str]] = []
    seen: list[tuple[str, str]] = []  # (sign, text) of the new side so far: context and added
    i = 0
    while i < len(lines):
        if lines[i][0] == " ":
            seen.append((" ", lines[i][1:]))
            i += 1
            continue
        removed, added = [], []
        while i < len(lines) and lines[i][0] == "-":
            removed.append(lines[i][1:])
            i += 1
        while i < len(lines) and lines[i][0] == "+":
            added.append(lines[i][1:])
            i += 1
        if len(removed) != len(added) or not removed:
            return None  # lines added or removed outright, or not a diff line
        for old, new in zip(removed, added, strict=True):
            bump = _pair(old, new, seen)
            if bump is None:
                return None
            bumps.append(bump)
            seen.append(("+", new))
    return bumps


# Line breaks to YAML or Python that git does not split on: behind one, "# v5" is not a comment
# but a new line of the workflow or the module (PyYAML breaks at \x85, \u2028 and \u2029 too).
_HIDDEN_BREAK = re.compile("[\r\x85\u2028\u2029]")


def _pair(old: str, new: str, seen: list[tuple[str, str]]) -> tuple[str, str] | None:
    old, new = old.removesuffix("\r"), new.removesuffix("\r")  # CRLF files
    if _HIDDEN_BREAK.search(old) or _HIDDEN_BREAK.search(new):
        return None
    a, b = _VERSION_STRING.match(old), _VERSION_STRING.match(new)
    if a is not None and b is not None:
        before, after = a["ref"] or a["ref2"], b["ref"] or b["ref2"]
        if a["head"] != b["head"] or a["tail"] != b["tail"] or before == after:
            return None
        return "version", f"{a['head'].strip().rstrip('=:').strip()} {before} -> {after}"
    for pattern in (_USES, _REV):
        a, b = pattern.match(old), pattern.match(new)
        if a is None or b is None:
            continue
        if a["head"] != b["head"] or a["ref"] == b["ref"]:
            return None
        if a["tail"] != b["tail"] and not (_VERSION_NOTE.match(a["tail"])
                                           and _VERSION_NOTE.match(b["tail"])):
            return None
        if pattern is _USES:
            what = a["what"]
            if what != b["what"] or GATE in what.lower():
                return None
            return "uses", f"{what}@{a['ref']} -> @{b['ref']}"
        repo = _repo_of(seen)
        if repo is None or GATE in repo.lower():
            return None
        return "rev", f"{repo} {a['ref']} -> {b['ref']}"
    return None


def _repo_of(seen: list[tuple[str, str]]) -> str | None:
    """The ``- repo:`` that opens the list item holding the next line, if unchanged and visible."""
    for sign, text in reversed(seen):
        if _ITEM.match(text):
            found = _REPO.match(text)
            return found["url"] if found and sign == " " else None
    return None
