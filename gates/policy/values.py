"""The typed building blocks of policy validation: a key's value checked and converted, or a
``PolicyError`` naming the file, the line and the dotted key.

``validate.Validator`` builds the policy's sections from these; keeping them apart keeps each
module to one job (and under 400 lines).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import re2

from gates.errors import PolicyError
from gates.globs import GlobError, GlobSet, glob_to_regex
from gates.patterns import PatternError, branches, compile_regex
from gates.policy.model import (
    DEFAULT_ORIGIN,
)
from gates.policy.yamldoc import Key, Locations, dotted

# GitHub's rules: a login is alphanumerics and single inner hyphens, at most 39 characters; a team
# slug is what GitHub derives from the team's name.
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


def default_of(cls: type, name: str) -> Any:
    """A dataclass field's default: the one place a default is written is the type."""
    return next(f.default for f in dataclasses.fields(cls) if f.name == name)


class Values:
    """The merged data and where each key came from; every check fails on the first problem."""

    def __init__(self, data: dict[str, Any], locations: Locations, origin: str) -> None:
        self.data = data
        self.locations = locations
        self.origin = origin
        self.tiers: tuple[str, ...] = ()

    def fail(self, key: Key, message: str) -> PolicyError:
        probe = key
        while probe and probe not in self.locations:
            probe = probe[:-1]
        path, line = self.locations.get(probe, (self.origin, None))
        if path == DEFAULT_ORIGIN and self.origin != DEFAULT_ORIGIN:
            # The bad value came from the shipped default, but what must change is the user's
            # file (say, new tiers without matching lanes): point there, and say where it came from.
            message = f"{message} (inherited from {DEFAULT_ORIGIN}, line {line})"
            own = [k for k in self.locations if self.locations[k][0] != DEFAULT_ORIGIN
                   and k == probe[:len(k)]]
            path, line = self.locations[max(own, key=len)] if own else (self.origin, None)
        return PolicyError(message, path=path, line=line, key=dotted(key))

    def keys(self, key: Key, value: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a mapping")
        for name in value:
            if name not in allowed:
                raise self.fail((*key, name),
                                f"unknown key (expected one of: {', '.join(allowed)})")
        return value

    def string(self, key: Key, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, "must be a non-empty string")
        return value

    def strings(self, key: Key, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(key, "must be a list of strings")
        return tuple(self.string((*key, i), v) for i, v in enumerate(value))

    def names(self, key: Key, value: Any) -> tuple[str, ...]:
        names = self.strings(key, value)
        for i, name in enumerate(names):
            if not name.replace("-", "").replace("_", "").isalnum():
                raise self.fail((*key, i),
                                f"{name!r} is not a valid name (letters, digits, - and _)")
        return names

    def tier(self, key: Key, value: Any) -> str:
        if value not in self.tiers:
            raise self.fail(key, f"unknown tier {value!r} (tiers are: {', '.join(self.tiers)})")
        return str(value)

    def limit(self, key: Key, value: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.fail(key, "must be a positive whole number, or null to disable")
        return value

    def count(self, key: Key, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(key, "must be a whole number, 0 or more")
        return value

    def regexes(self, key: Key, value: Any, *, content: bool = False) -> tuple[str, ...]:
        patterns = self.strings(key, value)
        for i, pattern in enumerate(patterns):
            try:
                compile_regex(pattern)
                if content:
                    branches(pattern)
            except PatternError as exc:
                raise self.fail((*key, i), f"bad regular expression {pattern!r}: {exc}") from None
        return patterns

    def globs(self, key: Key, value: Any) -> tuple[str, ...]:
        patterns = self.strings(key, value)
        for i, pattern in enumerate(patterns):
            if pattern.startswith("!"):
                raise self.fail((*key, i), "negated globs are not supported: use 'exclude:'")
            try:
                glob_to_regex(pattern)
            except GlobError as exc:
                raise self.fail((*key, i), f"bad glob {pattern!r}: {exc}") from None
        try:
            GlobSet(patterns)  # one compile for the list; one a glob at a time only to blame one
        except re2.error:
            for i, pattern in enumerate(patterns):
                try:
                    GlobSet([pattern])
                except re2.error as exc:
                    raise self.fail((*key, i), f"bad glob {pattern!r}: {exc}") from None
        return patterns

    def choice(self, key: Key, value: Any, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(key, f"must be one of: {', '.join(allowed)} (got {value!r})")
        return str(value)

    def flag(self, key: Key, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def seconds(self, key: Key, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(key, "must be a positive number of seconds")
        return float(value)

    def logins(self, key: Key, value: Any) -> tuple[str, ...]:
        """GitHub logins (bots keep their ``[bot]`` suffix); compared case-insensitively."""
        entries = self.strings(key, value)
        for i, login in enumerate(entries):
            if not LOGIN.fullmatch(login.removesuffix("[bot]")):
                raise self.fail((*key, i), f"{login!r} is not a GitHub login")
        return entries
