"""The offline advisory database (OSV), read for the commits it names as fixes.

The PyPA advisory database holds ~2,700 advisories; parsing them all takes about a second with
libyaml, once per run (a ``Miner`` over many repositories shares one ``AdvisoryDB``). A file that
cannot be read or parsed, or parses into something other than an advisory, is counted and
skipped: one bad file never hides the others, and never stops the run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from gates.errors import UsageError
from gates.learn.messages import ID_ORDER, ordered
from gates.manifests import normalize

try:  # libyaml is ~7x faster when present; behaviour is identical for safe loading.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

# A commit on GitHub (/commit/, /commits/, /pull/N/commits/), GitLab (/-/commit/) or Bitbucket.
_COMMIT_URL = re.compile(
    r"https?://[^\s/'\"]+/(?:[^\s'\"?#]*/)?(?:commit|commits)/([0-9a-fA-F]{7,64})(?![0-9a-zA-Z])")
# What an id may look like to be shown: reports and the fragment quote it (PYSEC-2021-1, CVE-...).
_ID = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}-[A-Za-z0-9._:-]{1,60}")
_SUFFIXES = (".yaml", ".yml", ".json")
# Below this many hex digits a commit id may name some other commit of a long history by chance
# (7 digits: about one in 5,000 per id in a 50,000-commit repository): such an id counts only
# when the advisory is about this repository's package.
STRONG_SHA = 12


@dataclass(frozen=True, slots=True)
class Advisory:
    """One advisory, reduced to what learning needs."""

    id: str  # the id shown: the CVE alias, else the GHSA, else its own (PYSEC-...)
    ids: tuple[str, ...]  # every id it goes by (its own and its aliases)
    published: datetime | None  # when it became public (else modified): what "known" means
    packages: frozenset[str]  # normalised PyPI names
    commits: tuple[str, ...]  # lower-case commit ids from its references
    path: str


class AdvisoryDB:
    """The advisories of one database folder; load once, share between repositories."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise UsageError(f"--offline-db: {root} is not a folder")
        self.root = root
        self.files = 0
        self.advisories: list[Advisory] = []
        self._skipped: list[tuple[str, str]] = []
        for path in sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES and p.is_file()):
            self.files += 1
            try:
                advisory = _parse(path, path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                self._skipped.append((str(path), _why(exc)))
                continue
            if advisory is not None:
                self.advisories.append(advisory)
        self._by_id = {i: a for a in self.advisories for i in a.ids}

    def __len__(self) -> int:
        return self.files

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """Files counted out, each with why: unreadable, not YAML/JSON, not an advisory."""
        return tuple(self._skipped)

    def fixes(self, find: Callable[[str], str | None], packages: Iterable[str]
              ) -> list[tuple[Advisory, str]]:
        """Each (advisory, commit) where an advisory names a commit that ``find`` locates in this
        history (a full id, or a prefix it resolves unambiguously).

        Any advisory counts when its id is long enough to be unmistakable; a short one only when
        the advisory is about one of ``packages``.
        """
        ours = {normalize(p) for p in packages}
        found = []
        for advisory in self.advisories:
            for sha in advisory.commits:
                commit = find(sha)
                if commit and (len(sha) >= STRONG_SHA or advisory.packages & ours):
                    found.append((advisory, commit))
        return found

    def by_id(self, ids: Iterable[str]) -> dict[str, Advisory]:
        """The advisories that go by any of ``ids`` (their own id or an alias), per id."""
        return {i: self._by_id[i] for i in ids if i in self._by_id}


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)


def _parse(path: Path, text: str) -> Advisory | None:
    """The advisory in ``text`` (None when withdrawn); ValueError when it is not one."""
    data = _load(path, text)
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise ValueError("not an OSV advisory (no id)")
    if data.get("withdrawn"):
        return None
    own = data["id"]
    if not _ID.fullmatch(own):
        raise ValueError("its id is not an advisory id")
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list):
        raise ValueError("aliases is not a list")
    ids = ordered([own, *(a for a in aliases if isinstance(a, str) and _ID.fullmatch(a))])
    preferred = next((i for prefix in ID_ORDER for i in ids if i.startswith(prefix)), own)
    return Advisory(preferred, ids, _date(data.get("published")) or _date(data.get("modified")),
                    frozenset(_packages(data.get("affected"))), _commits(data.get("references")),
                    str(path))


def _load(path: Path, text: str) -> Any:
    try:
        if path.suffix == ".json":
            return json.loads(text)
        loader = _Loader(text)  # a safe loader: plain data only, never objects
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"does not parse: {first}") from None


def _date(value: Any) -> datetime | None:
    """A timestamp (YAML may have parsed it already), in UTC when it names no zone."""
    moment = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _packages(affected: Any) -> Iterable[str]:
    for entry in affected if isinstance(affected, list) else ():
        package = entry.get("package") if isinstance(entry, dict) else None
        name = package.get("name") if isinstance(package, dict) else None
        if isinstance(name, str):
            yield normalize(name)


def _commits(references: Any) -> tuple[str, ...]:
    found: list[str] = []
    for ref in references if isinstance(references, list) else ():
        url = ref.get("url") if isinstance(ref, dict) else None
        if isinstance(url, str):
            found.extend(m.lower() for m in _COMMIT_URL.findall(url))
    return tuple(dict.fromkeys(found))
