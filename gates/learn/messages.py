"""Which commit messages announce a security fix, and the advisory ids they name.

A history holds far more commits that *mention* security than commits that fix it: a project's
``security.py``, its security policy and docs, dependency bots quoting release notes, merges of
release branches. The rules below were measured on ~95 real project histories (docs/learn.md):

- an advisory id (CVE, GHSA, PYSEC) anywhere in the message counts;
- a word counts only in the subject, and only the words that mean a flaw: "vulnerable",
  "vulnerability", and "security" followed by a flaw ("security fix", "security issue") or as
  the subject's topic ("security: ...", "fix(security): ..."); "security" alone is mostly a
  project's vocabulary (security managers, policies, docs, a ``security/`` package),
  "secure"/"insecure" mostly a feature (secure cookies, secure channels);
- dependency bots, dependency bumps and reverts never count (the revert of a revert does);
- a merge counts only when its subject names an advisory id (GitHub's "Merge pull request from
  GHSA-..."): other merges bring whole branches whose own commits are judged one by one.
"""

from __future__ import annotations

import re

_CVE = re.compile(r"\bCVE-(\d{4})-(\d{4,})\b", re.IGNORECASE)
_GHSA = re.compile(r"\bGHSA((?:-[23456789cfghjmpqrvwx]{4}){3})\b", re.IGNORECASE)
_PYSEC = re.compile(r"\bPYSEC-(\d{4})-(\d+)\b", re.IGNORECASE)
# What git's own --grep selects before Python reads a message: a superset of every rule here.
GIT_GREP = r"CVE-[0-9]|GHSA-|PYSEC-|securit|vulnerab"

# "-vulnerable-actions" is a name (an audit rule), "ReDoS-vulnerable regexps" a flaw.
_VULNERABLE = re.compile(r"\bvulnerab(?:le|ility|ilities)\b(?!-)", re.IGNORECASE)
_NOUNS = r"fix(?:es|ed)?|issues?|bugs?|problems?|holes?|flaws?|patch(?:es)?|vulnerabilit(?:y|ies)"
_SECURITY_FIX = re.compile(
    rf"\bsecurity[ -](?:{_NOUNS})\b"  # "security fix", "fixed a security issue with ..."
    r"|^\W*(?:\[security\]|security\s*[:(]|fix\(security\))",  # "security: ...", "fix(security)"
    re.IGNORECASE)
# "security" as a name rather than a flaw: files and folders, code in backticks, headers, the
# project's policy and docs, a browser engine's "security patch version".
_NOT_A_FLAW = re.compile(
    r"`[^`]*`|[\w.-]*/security\b[\w./-]*|\bsecurity/[\w./-]*|\bsecurity\.(?:py|md|rst|txt|html)\b"
    r"|\b(?:content|transport)[ -]security[ -]polic\w*"
    r"|\bsecurity[ -](?:polic\w*|docs?|documentation|page|section|contact|email|team|txt|md"
    r"|release notes?|advisory notes?|patch (?:version|level)s?)\b",
    re.IGNORECASE)
_BOT = re.compile(r"\[bot\]|^(?:dependabot|renovate|snyk[- ]bot|pre-commit-ci|pyup-bot)\b",
                  re.IGNORECASE)
_BUMP = re.compile(
    r"^\W*(?:\[snyk\]|(?:build|chore|deps|fix)\(deps(?:-dev)?\)|(?:\w+(?:\([^)]*\))?!?:\s*)?bump\b)"
    r"|\b(?:update|upgrade|bump|pin)\w*\s+(?:\w+\s+){0,2}(?:dependenc\w*|deps|requirements?)\b"
    r"|^\W*(?:update|upgrade|bump|pin)\s+[\w.\[\]-]+\s+(?:from\s+\S+\s+)?to\s+v?\d",
    re.IGNORECASE)
_REVERT = re.compile(r'^\s*Revert\s+"', re.IGNORECASE)
ID_ORDER = ("CVE-", "GHSA-", "PYSEC-")


def advisory_ids(text: str) -> tuple[str, ...]:
    """The CVE, GHSA and PYSEC ids in ``text``, normalised (``CVE-2021-1234``,
    ``GHSA-abcd-efgh-ijkl``), in order of preference and without repeats."""
    found = [f"CVE-{m[1]}-{m[2]}" for m in _CVE.finditer(text)]
    found += [f"GHSA{m[1].lower()}" for m in _GHSA.finditer(text)]
    found += [f"PYSEC-{m[1]}-{m[2]}" for m in _PYSEC.finditer(text)]
    return ordered(found)


def ordered(ids: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``ids`` without repeats, CVE first, then GHSA, then PYSEC, then anything else."""
    def rank(name: str) -> tuple[int, str]:
        return next((i for i, p in enumerate(ID_ORDER) if name.startswith(p)), len(ID_ORDER)), name
    return tuple(sorted(set(ids), key=rank))


def security_fix(subject: str, body: str, author: str = "", *,
                 merge: bool = False) -> tuple[str, ...] | None:
    """The ids a message names when it announces a security fix (possibly none: "fix a security
    issue in ..."), or None when it does not announce one."""
    if _BOT.search(author) or _BUMP.search(subject) or _reverts(subject):
        return None
    ids = advisory_ids(subject)
    if merge:
        return ids or None
    ids = ordered((*ids, *advisory_ids(body)))
    if ids:
        return ids
    words = _NOT_A_FLAW.sub(" ", subject)
    if _VULNERABLE.search(words) or _SECURITY_FIX.search(words):
        return ()
    return None


def _reverts(subject: str) -> bool:
    """True for a revert; the revert of a revert puts the fix back."""
    depth = 0
    rest = subject
    while (m := _REVERT.match(rest)) is not None:
        depth += 1
        rest = rest[m.end():]
    return depth % 2 == 1
