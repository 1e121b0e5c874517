"""The policy's integrity: a change to the policy, or to a file it reads, is checked as proposed.

The trusted policy (base commit, or HEAD for staged changes) judges every change, so a broken or
weakened policy cannot let its own change through. But once merged it judges every change after
it: a ``.gate.yaml`` that does not parse would turn every later check into an error, and one that
switches the scanners off would wave everything through. So a change that edits the policy, a file
it extends, or a rule file it names is loaded *as the change leaves it*, refused (exit 2) when it is
invalid, and summarised (what it switches off, which tiers and lanes change) for the person who
must approve it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from gates.errors import GateError, PolicyError
from gates.gitrepo import GitRepo
from gates.model import ChangeSet, SourceKind
from gates.policy import source
from gates.policy.model import POLICY_NAMES, Dependency, Policy

PROBE = "probe.py"  # semgrep needs a target to load its rules; an empty file costs nothing
SHOWN = 3  # list items named per changed key; the rest are counted


def touched(policy: Policy, change: ChangeSet) -> list[tuple[str, Dependency]]:
    """(changed path, the dependency it is) for every changed file the policy reads."""
    deps = policy.reads()
    out = []
    for file in change.files:
        for path in dict.fromkeys(p for p in (file.path, file.old_path) if p):
            for dep in deps:
                if dep.covers(path):
                    out.append((path, dep))
                    break
    return out


def proposed_revision(change: ChangeSet) -> str | None:
    """Where the change's own version of the policy is read: the index, or the head commit."""
    if change.source.kind is SourceKind.STAGED:
        return source.INDEX
    if change.source.kind in (SourceKind.RANGE, SourceKind.PULL_REQUEST):
        return change.source.head
    return None


def review(repo: GitRepo | None, trusted: Policy, change: ChangeSet,
           explicit: str | None = None) -> tuple[str, ...]:
    """Validate the policy the change proposes and describe what it changes.

    Returns notes for the report (empty when the change leaves the policy alone); raises
    ``PolicyError`` (exit 2) when the proposed policy, or a semgrep rule file it names, is invalid.
    """
    revision = proposed_revision(change)
    if repo is None or revision is None or not _edits_policy(trusted, change):
        return ()
    try:
        new = source.proposed(repo, revision, explicit)
    except PolicyError as exc:
        raise PolicyError(f"{exc} (in the policy as this change leaves it: fix it before it "
                          "lands)") from None
    if new is not None:
        _check_rules(repo, revision, new, change)
    effective = new if new is not None else source.default()
    notes = [f"{path} is read by the policy ({dep.key}): this change edits the gate itself"
             for path, dep in touched(trusted, change)]
    if new is None:
        notes.append("the policy as this change leaves it is gone: the shipped default would "
                     "judge what comes after it")
    differences = list(describe(trusted, effective))
    if differences:
        notes.append("the policy as this change leaves it: " + "; ".join(differences))
    elif new is not None:
        notes.append("the policy as this change leaves it is valid and judges as before")
    return tuple(notes)


def _edits_policy(trusted: Policy, change: ChangeSet) -> bool:
    names = set(POLICY_NAMES)
    return bool(touched(trusted, change)) or any(
        path in names for f in change.files for path in (f.path, f.old_path) if path)


def _check_rules(repo: GitRepo, revision: str, new: Policy, change: ChangeSet) -> None:
    """semgrep must load every rule file the proposed policy names (from the proposed revision)."""
    rules = [d for d in new.reads() if d.key == "sast.semgrep.rules"]
    if not new.sast.semgrep.enabled or not rules:
        return
    changed = {p for f in change.files for p in (f.path, f.old_path) if p}
    if not any(d.covers(p) for d in new.reads() for p in changed):
        return
    from gates.scanners.semgrep import Semgrep

    with tempfile.TemporaryDirectory(prefix="draftgate-policy-") as scratch:
        tree, probe = Path(scratch) / "tree", Path(scratch) / "probe"
        tree.mkdir()
        probe.mkdir()
        (probe / PROBE).write_bytes(b"")
        repo.export("" if revision == source.INDEX else revision, [d.path for d in rules], tree)
        missing = [d.path for d in rules if not (tree / d.path).exists()]
        if missing:
            raise PolicyError(f"names {', '.join(missing)}, which the change does not contain",
                              path=new.origin, key="sast.semgrep.rules")
        try:
            outcome = Semgrep(new.sast.semgrep, tree).scan(probe, [PROBE], new.sast.timeout)
        except GateError as exc:
            raise PolicyError(f"semgrep cannot load the rules: {exc}", path=new.origin,
                              key="sast.semgrep.rules") from None
        problems = [why for _, why in outcome.errors]
        if problems:
            raise PolicyError(f"semgrep cannot load the rules: {problems[0]}",
                              path=new.origin, key="sast.semgrep.rules")


def describe(old: Policy, new: Policy) -> Iterator[str]:
    """What changes between two policies, the weakening kinds first."""
    for tier in old.tiers:
        if tier in new.lanes:
            dropped = [s for s in old.lanes.get(tier, ()) if s not in new.lanes[tier]]
            if dropped:
                yield f"lane {tier} no longer runs {', '.join(dropped)}"
    for scanner, before, after in (("bandit", old.sast.bandit.enabled, new.sast.bandit.enabled),
                                   ("semgrep", old.sast.semgrep.enabled,
                                    new.sast.semgrep.enabled),
                                   ("the unicode check", old.sast.unicode, new.sast.unicode)):
        if before and not after:
            yield f"{scanner} switched off"
    categories = {c.name: c for c in new.categories}
    for category in old.categories:
        other = categories.get(category.name)
        if other is None:
            yield f"category {category.name} removed"
        elif category.tier in new.tiers and new.rank(other.tier) < new.rank(category.tier):
            yield f"category {category.name} lowered from {category.tier} to {other.tier}"
    if old.tiers != new.tiers:
        yield f"tiers {', '.join(old.tiers)} → {', '.join(new.tiers)}"
    shown = {"lanes", "tiers"}
    yield from _data_changes(old.data, new.data, (), shown)


def _data_changes(old: Any, new: Any, key: tuple[str, ...],
                  skip: set[str]) -> Iterator[str]:
    """Every key whose value differs, by its dotted name (lists: what was added and removed)."""
    if key and key[0] in skip:
        return
    name = ".".join(key)
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for child in dict.fromkeys([*old, *new]):
            yield from _data_changes(old.get(child), new.get(child), (*key, str(child)), skip)
        return
    if old == new:
        return
    if isinstance(old, list) and isinstance(new, list):
        removed = [v for v in old if v not in new]
        added = [v for v in new if v not in old]
        parts = [f"{label} {_items(values)}" for label, values in (("removed", removed),
                                                                   ("added", added)) if values]
        yield f"{name}: {', '.join(parts) or 'reordered'}"
        return
    if old is None:
        yield f"{name} set to {_short(new)}"
    elif new is None:
        yield f"{name} removed (was {_short(old)})"
    else:
        yield f"{name}: {_short(old)} → {_short(new)}"


def _items(values: list[Any]) -> str:
    named = ", ".join(_short(v) for v in values[:SHOWN])
    return named + (f" and {len(values) - SHOWN} more" if len(values) > SHOWN else "")


def _short(value: Any, width: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, Mapping):
        text = "{…}"
    return text if len(text) <= width else text[:width - 1] + "…"

