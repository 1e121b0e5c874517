"""The policy: load, merge (``extends:``) and validate the YAML into typed, immutable values.

Every error names the file, the line and the key. The policy schema is documented in README.md
("Policy reference"); this module is its single implementation.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from gates.errors import PolicyError
from gates.globs import GlobError, glob_to_regex
from gates.patterns import PatternError, branches, compile_regex
from gates.yamldoc import Key, Locations, dotted, load

SCHEMA_VERSION = 1
BUILTIN_STAGES = ("sast", "deps", "review", "approval")
FILE_KINDS = ("binary", "symlink", "submodule", "executable", "mode-change")
DEFAULT_NAME = "default"
DEFAULT_ORIGIN = "<default policy>"


@dataclass(frozen=True, slots=True)
class Category:
    """A kind of sensitive change, and the rules that recognise it."""

    name: str
    tier: str
    description: str = ""
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    content: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def applies_to_text(self, path: str) -> bool:
        """True when content and symbol rules apply to ``path`` (the extension filter)."""
        return not self.extensions or path.lower().endswith(self.extensions)


@dataclass(frozen=True, slots=True)
class SizeRule:
    """A change over either limit is raised to ``tier``; ``None`` disables a limit."""

    max_files: int | None
    max_lines: int | None
    tier: str


@dataclass(frozen=True, slots=True)
class TrailerRule:
    """A commit trailer (``Key: value``) whose value, matching ``pattern``, marks an AI draft."""

    key: str
    pattern: str


@dataclass(frozen=True, slots=True)
class ProvenanceRules:
    """How to recognise an AI-drafted change and how far to raise its tier."""

    trailers: tuple[TrailerRule, ...] = ()
    branches: tuple[str, ...] = ()
    escalate: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    """The effective policy after ``extends:`` merging."""

    tiers: tuple[str, ...]
    default_tier: str
    lanes: Mapping[str, tuple[str, ...]]
    categories: tuple[Category, ...]
    size: SizeRule
    provenance: ProvenanceRules
    origin: str = ""
    digest: str = ""
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def rank(self, tier: str) -> int:
        """The tier's position, low to high."""
        return self.tiers.index(tier)

    def max_tier(self, *tiers: str) -> str:
        """The highest of ``tiers`` (the default tier when none are given)."""
        return max(tiers, key=self.rank, default=self.default_tier)


# A policy document, and how to read the documents it extends.
# (path named by extends:, origin of the file that names it) -> (text, origin of that text)
Reader = Callable[[str, str], tuple[str, str]]


def default_text() -> str:
    """The text of the shipped default policy."""
    return resources.files("gates.policies").joinpath("default.yaml").read_text("utf-8")


def load_policy(text: str, origin: str, reader: Reader | None = None) -> Policy:
    """Parse, merge and validate a policy.

    ``reader`` resolves an ``extends:`` path (relative to ``origin``) to ``(text, origin)``; it is
    how a policy read from a git revision extends files from the same revision.
    """
    data, locations, texts = _resolve(text, origin, reader, seen=())
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()
    return _Validator(data, locations, origin).policy(digest)


def _resolve(text: str, origin: str, reader: Reader | None,
             seen: tuple[str, ...]) -> tuple[dict[str, Any], Locations, list[str]]:
    data, locations = load(text, origin)
    if not isinstance(data, dict):
        raise PolicyError("a policy must be a mapping of keys", path=origin, line=1)
    parent = data.pop("extends", None)
    if parent is None:
        return data, locations, [text]
    where = locations.get(("extends",), (origin, 1))[1]
    if not isinstance(parent, str) or not parent:
        raise PolicyError("must be 'default' or a path", path=origin, line=where, key="extends")
    if parent == DEFAULT_NAME:
        parent_text, parent_origin = default_text(), DEFAULT_ORIGIN
    elif reader is None:
        raise PolicyError(f"cannot read {parent!r} from here", path=origin, line=where,
                          key="extends")
    else:
        try:
            parent_text, parent_origin = reader(parent, origin)
        except OSError as exc:
            raise PolicyError(f"cannot read {parent!r}: {exc.strerror or exc}", path=origin,
                              line=where, key="extends") from None
    if parent_origin in seen or parent_origin == origin:
        raise PolicyError(f"extends itself through {parent!r}", path=origin, line=where,
                          key="extends")
    base, base_locations, texts = _resolve(parent_text, parent_origin, reader, (*seen, origin))
    merged = _merge(base, data)
    base_locations.update(locations)
    return merged, base_locations, [*texts, text]


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key (recursively); lists and scalars from ``override`` replace."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class _Validator:
    """Walks the merged data once, building typed values and failing on the first problem."""

    TOP = ("version", "tiers", "default_tier", "lanes", "categories", "size", "provenance")
    CATEGORY = ("tier", "description", "paths", "exclude", "content", "symbols", "extensions",
                "kinds", "enabled")

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

    def policy(self, digest: str) -> Policy:
        self.keys((), self.data, self.TOP)
        version = self.data.get("version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise self.fail(("version",), f"unsupported policy version {version!r} "
                                          f"(this draftgate reads version {SCHEMA_VERSION})")
        tiers = self.names(("tiers",), self.data.get("tiers", ["low", "medium", "high"]))
        if not tiers:
            raise self.fail(("tiers",), "at least one tier is needed")
        if len(set(tiers)) != len(tiers):
            raise self.fail(("tiers",), "tiers must be unique")
        self.tiers = tiers
        default_tier = self.tier(("default_tier",), self.data.get("default_tier", tiers[0]))
        return Policy(
            tiers=tiers,
            default_tier=default_tier,
            lanes=self.lanes(),
            categories=self.categories(),
            size=self.size(),
            provenance=self.provenance(),
            origin=self.origin,
            digest=digest,
            data=self.data,
        )

    # -- building blocks ------------------------------------------------------------------------

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
        return patterns

    # -- sections -------------------------------------------------------------------------------

    def lanes(self) -> dict[str, tuple[str, ...]]:
        raw = self.keys(("lanes",), self.data.get("lanes", {}), self.tiers)
        lanes: dict[str, tuple[str, ...]] = {}
        for tier in self.tiers:
            if tier not in raw:
                raise self.fail(("lanes",), f"no lane for tier {tier!r}")
            stages = self.names(("lanes", tier), raw[tier])
            for i, stage in enumerate(stages):
                if stage not in BUILTIN_STAGES:
                    raise self.fail(("lanes", tier, i), f"unknown stage {stage!r} "
                                                        f"(known: {', '.join(BUILTIN_STAGES)})")
            lanes[tier] = stages
        return lanes

    def categories(self) -> tuple[Category, ...]:
        raw = self.data.get("categories", {})
        if not isinstance(raw, dict):
            raise self.fail(("categories",), "must be a mapping of category names")
        out = []
        for name, raw_body in raw.items():
            key: Key = ("categories", name)
            self.names(key, [name])
            body = self.keys(key, raw_body, self.CATEGORY)
            enabled = body.get("enabled", True)
            if not isinstance(enabled, bool):
                raise self.fail((*key, "enabled"), "must be true or false")
            if not enabled:
                continue
            if "tier" not in body:
                raise self.fail(key, "a category needs a tier")
            description = body.get("description", "")
            if not isinstance(description, str):
                raise self.fail((*key, "description"), "must be a string")
            kinds = self.strings((*key, "kinds"), body.get("kinds"))
            for i, kind in enumerate(kinds):
                if kind not in FILE_KINDS:
                    raise self.fail((*key, "kinds", i),
                                    f"unknown file kind {kind!r} (known: {', '.join(FILE_KINDS)})")
            extensions = tuple(e.lower() if e.startswith(".") else f".{e.lower()}"
                               for e in self.strings((*key, "extensions"), body.get("extensions")))
            out.append(Category(
                name=name,
                tier=self.tier((*key, "tier"), body["tier"]),
                description=description,
                paths=self.globs((*key, "paths"), body.get("paths")),
                exclude=self.globs((*key, "exclude"), body.get("exclude")),
                content=self.regexes((*key, "content"), body.get("content"), content=True),
                symbols=self.regexes((*key, "symbols"), body.get("symbols")),
                extensions=extensions,
                kinds=kinds,
            ))
        return tuple(out)

    def size(self) -> SizeRule:
        raw = self.keys(("size",), self.data.get("size", {}), ("max_files", "max_lines", "tier"))
        return SizeRule(
            max_files=self.limit(("size", "max_files"), raw.get("max_files")),
            max_lines=self.limit(("size", "max_lines"), raw.get("max_lines")),
            tier=self.tier(("size", "tier"), raw.get("tier", self.tiers[-1])),
        )

    def provenance(self) -> ProvenanceRules:
        key: Key = ("provenance",)
        raw = self.keys(key, self.data.get("provenance", {}), ("trailers", "branches", "escalate"))
        trailers = []
        items = raw.get("trailers") or []
        if not isinstance(items, list):
            raise self.fail((*key, "trailers"), "must be a list of {key, pattern}")
        for i, raw_item in enumerate(items):
            item_key: Key = (*key, "trailers", i)
            item = self.keys(item_key, raw_item, ("key", "pattern"))
            trailer = self.string((*item_key, "key"), item.get("key"))
            pattern = self.regexes((*item_key, "pattern"), [item.get("pattern", ".+")])[0]
            trailers.append(TrailerRule(trailer, pattern))
        escalate = self.keys((*key, "escalate"), raw.get("escalate") or {}, self.tiers)
        steps = []
        for source, raw_target in escalate.items():
            target = self.tier((*key, "escalate", source), raw_target)
            if self.tiers.index(target) < self.tiers.index(source):
                raise self.fail((*key, "escalate", source), "escalation cannot lower a tier")
            steps.append((source, target))
        return ProvenanceRules(
            trailers=tuple(trailers),
            branches=self.regexes((*key, "branches"), raw.get("branches")),
            escalate=tuple(steps),
        )
