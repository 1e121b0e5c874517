"""Look-alike names: an added dependency that is one slip away from a much more popular one.

Typosquatters and slopsquatters register the near-misses of popular names and wait for a draft
to add them; an advisory database cannot help, the package is simply not the one anyone meant.
This check needs no network: it compares the name with the download ranking shipped in
``popular.txt`` (rebuilt by ``bench/popular.py``). Nothing on the hook path imports this module;
the list is read on the first question, so only a change that adds a dependency pays for it.

Two lengths matter and both were chosen by measuring false alarms on real, less popular names
(``python bench/popular.py --measure``; numbers in docs/trust.md):

* every name in the shipped list is legitimate by popularity and is never flagged;
* only the first ``TARGETS`` names are worth imitating: a name resembling a package ranked
  lower than that is not flagged, since near-misses among mid-ranked names are mostly honest
  siblings (``flask-cors``/``flask-cores``-style pairs are common in the long tail).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from gates.manifests import normalize

__all__ = ["KINDS", "NON_ASCII", "Checker", "Resemblance", "is_popular", "load", "normalize",
           "resembles"]

#: How a name resembles a popular one, in the order they are tried (the clearest first).
SEPARATORS = "separators"
AFFIX = "prefix/suffix"
DIGITS = "digit suffix"
ONE_EDIT = "one edit"
KINDS = (SEPARATORS, AFFIX, DIGITS, ONE_EDIT)
#: A name outside printable ASCII that folds onto a popular one; always checked.
NON_ASCII = "non-ASCII characters"

#: Only the most downloaded names are imitated (see the module docstring and docs/trust.md).
TARGETS = 1000
#: Below this length almost every short name is one edit from another (``six``/``sip``).
MIN_EDIT_LENGTH = 5
#: A core shorter than this after removing ``py``/``python`` says nothing (``py-io``/``pyio``).
MIN_CORE_LENGTH = 3

# Longest first, so ``python-jwt`` loses ``python`` rather than ``py``.
_AFFIXES = ("python", "py")


@dataclass(frozen=True, slots=True)
class Resemblance:
    """An added name that is not popular itself but looks like ``popular``, and how."""

    name: str  # the added name, normalised (outside printable ASCII: escaped, as given)
    popular: str  # the popular package it resembles
    kind: str  # one of KINDS


def _plain(name: str) -> bool:
    return name.isascii() and name.isprintable()


def _squash(name: str) -> str:
    return name.replace("-", "")


def _cores(squashed: str) -> set[str]:
    """The name with a leading and/or trailing ``py``/``python`` removed (never the name itself)."""
    heads = {squashed}
    for affix in _AFFIXES:
        if squashed.startswith(affix):
            heads.add(squashed[len(affix):])
            break
    cores = set(heads)
    for head in heads:
        for affix in _AFFIXES:
            if head.endswith(affix):
                cores.add(head[: -len(affix)])
                break
    cores.discard(squashed)
    return {core for core in cores if len(core) >= MIN_CORE_LENGTH}


def _deletions(name: str) -> set[str]:
    return {name[:i] + name[i + 1:] for i in range(len(name))}


def one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein (optimal string alignment) distance exactly 1."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) < len(b):
        a, b = b, a
    i = 0
    while i < len(b) and a[i] == b[i]:
        i += 1
    if len(a) != len(b):
        return a[i + 1:] == b[i:]
    if a[i + 1:] == b[i + 1:]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]


class Checker:
    """The look-alike rules over one ranking; ``bench/popular.py`` builds variants to measure them.

    ``names`` are PEP 503 names, most downloaded first. The symmetric-delete index (each target
    and its one-character deletions) answers "one edit away?" with a handful of dictionary
    lookups per added name instead of a scan of the list.
    """

    def __init__(self, names: Sequence[str], *, targets: int = TARGETS,
                 kinds: Iterable[str] = KINDS, min_edit_length: int = MIN_EDIT_LENGTH) -> None:
        self.kinds = frozenset(kinds)
        self.min_edit_length = min_edit_length
        self._known = frozenset(names)
        self.known = len(self._known)
        self._squashed: dict[str, str] = {}
        self._cores: dict[str, str] = {}
        self._digitless: dict[str, str] = {}
        self._deletes: dict[str, list[str]] = {}
        self._rank = {name: rank for rank, name in enumerate(names[:targets])}
        # A name longer than every target by two is no edit away from one; the bound also keeps
        # a hostile 100,000-character name from costing its length squared in deletions.
        self._longest = max(map(len, self._rank), default=0)
        # Most popular first, and setdefault: a key shared by two targets names the bigger one.
        deletes = self._deletes
        for name in names[:targets]:
            squashed = _squash(name)
            self._squashed.setdefault(squashed, name)
            self._cores.setdefault(squashed, name)
            for core in _cores(squashed):
                self._cores.setdefault(core, name)
            self._digitless.setdefault(squashed.rstrip("0123456789"), name)
            if len(name) >= min_edit_length:
                # Loading is on the path of every change that adds a dependency: this loop is
                # most of its cost, hence no sets (i == len(name) keys the name itself).
                for i in range(len(name) + 1):
                    key = name[:i] + name[i + 1:]
                    bucket = deletes.get(key)
                    if bucket is None:
                        deletes[key] = [name]
                    elif bucket[-1] != name:
                        bucket.append(name)

    def is_popular(self, name: str) -> bool:
        """Whether the name is in the ranking (popular names are never look-alikes)."""
        return _plain(name) and normalize(name) in self._known

    def resembles(self, name: str) -> Resemblance | None:
        """The popular package the name imitates, or None (also for popular names)."""
        normal = normalize(name)
        if _plain(name):
            return None if normal in self._known else self._found(normal, self._match(normal))
        # Python lowercases some letters outside ASCII onto ASCII ones (the Kelvin sign onto
        # k): such a name must not pass as the popular name it folds to. It is shown escaped,
        # as given, since findings reach terminals.
        found = (normal, NON_ASCII) if normal in self._known else self._match(normal)
        return self._found(ascii(name)[1:-1], found)

    @staticmethod
    def _found(shown: str, found: tuple[str, str] | None) -> Resemblance | None:
        return Resemblance(shown, *found) if found else None

    def _match(self, name: str) -> tuple[str, str] | None:
        if not name:
            return None
        squashed = _squash(name)
        if SEPARATORS in self.kinds and (hit := self._squashed.get(squashed)):
            return hit, SEPARATORS
        if AFFIX in self.kinds:
            hits = {self._cores[core] for core in _cores(squashed) | {squashed}
                    if core in self._cores and _squash(self._cores[core]) != squashed}
            if hits:
                return min(hits, key=self._rank.__getitem__), AFFIX
        if DIGITS in self.kinds:
            # beautifulsoup/beautifulsoup4 both ways: digits added to or dropped from a name.
            found = (self._squashed.get(squashed.rstrip("0123456789")),
                     self._digitless.get(squashed))
            hits = {hit for hit in found if hit is not None and _squash(hit) != squashed}
            if hits:
                return min(hits, key=self._rank.__getitem__), DIGITS
        if ONE_EDIT in self.kinds and self.min_edit_length <= len(name) <= self._longest + 1:
            edits = {hit for key in _deletions(name) | {name}
                     for hit in self._deletes.get(key, ()) if one_edit(name, hit)}
            if edits:
                return min(edits, key=self._rank.__getitem__), ONE_EDIT
        return None


def read(text: str) -> list[str]:
    """The names of a ``popular.txt`` (comment lines start with ``#``), in rank order."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


@functools.cache
def load() -> Checker:
    """The checker over the shipped ranking, read once per process on the first question."""
    text = resources.files("gates.trust").joinpath("popular.txt").read_text(encoding="utf-8")
    return Checker(read(text))


def resembles(name: str) -> Resemblance | None:
    """The popular package an added name imitates and how, or None when it does not."""
    return load().resembles(name)


def is_popular(name: str) -> bool:
    """Whether the name is among the shipped most-downloaded packages."""
    return load().is_popular(name)
