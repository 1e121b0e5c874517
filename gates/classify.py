"""ChangeSet + policy -> a tier for each file and for the change, with every reason.

Pure and fast: no I/O. Path globs are tested against one combined expression first; content patterns
run as one RE2 pass over each file's raw hunks (gates.patterns); symbol scopes are computed only for
files whose declared names match (gates.symbols). Line numbers are worked out only for hits.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import chain, combinations
from typing import Any

from gates.decode import NOTEBOOK_VIEW
from gates.decode import is_python as python_source
from gates.globs import GlobSet
from gates.hunks import ADDED, changed_lines, line_number
from gates.literals import RELEASE_FILES
from gates.model import (
    ChangedFile,
    ChangeSet,
    Classification,
    Escalation,
    Evidence,
    FileClass,
    FileStatus,
    Match,
    MatchKind,
    Provenance,
    Side,
)
from gates.patterns import ContentMatcher, compile_regex, utf8
from gates.policy import POLICY_NAMES, Hotspot, Policy
from gates.secrets import ASSIGNMENTS, SECRET_LINES
from gates.secrets.prefilter import Prefilter
from gates.symbols import SymbolMatcher, is_python, symbol_hits

_INSIDE = "\x00"  # a name no real file has: stands for "anything inside this directory"
EVIDENCE_PER_RULE = 5  # lines kept per (category, pattern) in a file; the rest are counted.
SNIPPET_WIDTH = 120


class Rules:
    """A policy's matchers, compiled once per run."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.categories = policy.categories
        self.paths = tuple(GlobSet(c.paths) for c in self.categories)
        self.excludes = tuple(GlobSet(c.exclude) for c in self.categories)
        self.files = tuple(GlobSet(c.files) if c.files else None for c in self.categories)
        self.any_path = GlobSet(p for c in self.categories for p in c.paths)
        self.any_exclude = GlobSet(p for c in self.categories for p in c.exclude)
        self.order = {c.name: i for i, c in enumerate(self.categories)}
        self._text_categories: dict[str, frozenset[int]] = {}
        self._dotted = all(e.startswith(".") and "/" not in e
                           for c in self.categories for e in c.extensions)
        self._by_tail: dict[str, tuple[int, ...]] = {}
        # category -> the tier a version-bump-only change of its files gets (gates/bumps.py)
        self.version_only = {c.name: c.version_only for c in self.categories if c.version_only}
        self.content_owner = [i for i, c in enumerate(self.categories) for _ in c.content]
        self.content = ContentMatcher([p for c in self.categories for p in c.content])
        self.symbol_owner = [i for i, c in enumerate(self.categories) for _ in c.symbols]
        self.symbols = SymbolMatcher([p for c in self.categories for p in c.symbols])
        self.detect_owner = tuple(i for i, c in enumerate(self.categories) if c.detect)
        # One prefilter per set of detectors a file can get: a test file that only the key
        # detector reads is not a candidate for the word "password" (and pays no import for it).
        used = sorted({d for c in self.categories for d in c.detect})
        self.secrets = {frozenset(s): Prefilter(s) for n in range(1, len(used) + 1)
                        for s in combinations(used, n)}
        self.reads = policy.reads()
        self.build_system = any("build-system" in c.kinds for c in self.categories)
        self.trailers = tuple((t.key.lower(), compile_regex(t.pattern))
                              for t in policy.provenance.trailers)
        self.branches = tuple((b, compile_regex(b)) for b in policy.provenance.branches)
        self.hotspots: dict[str, list[Hotspot]] = {}
        self.rebind_any: Any = None  # one pattern for every rebinding below (a fast reject)
        self.rebinds: list[tuple[Hotspot, Any]] = []
        self.use_hotspots(policy.hotspots)

    def use_hotspots(self, spots: Iterable[Hotspot]) -> None:
        """Judge with these hotspots (``hotspots:``, gate learn) instead: the routing benchmark
        learns a new set for every commit it judges, and compiling the rest again each time
        would cost more than the classification."""
        self.hotspots = {}
        for spot in spots:
            self.hotspots.setdefault(spot.path, []).append(spot)
        self.rebind_any, self.rebinds = _rebinding(self.hotspots)

    def wants_text(self, path: str) -> bool:
        """Whether classifying ``path`` needs both sides' full text (Python symbol scopes, a
        ``pyproject.toml``'s build system)."""
        if self.build_system and posixpath.basename(path) == PYPROJECT:
            return True
        if path in self.hotspots:
            return True
        if self.version_only and posixpath.basename(path) in RELEASE_FILES:
            # whether a version line is a release's (gates.bumps), or a setup.py change only
            # package metadata (gates.literals): both read the parsed file
            return True
        return is_python(path) and any(
            self.categories[i].symbols for i in self.text_categories(path))

    def excluded(self, path: str) -> frozenset[int]:
        """The categories whose ``exclude:`` globs select ``path``."""
        if not self.any_exclude.matches(path):
            return frozenset()
        return frozenset(i for i, g in enumerate(self.excludes) if g.matches(path))

    def text_categories(self, path: str) -> frozenset[int]:
        """The categories whose content and symbol rules apply to ``path`` (asked two or three
        times a file: once whether to read its text, then to classify it)."""
        found = self._text_categories.get(path)
        if found is None:
            # The suffix filters depend only on the lowercased name from its first dot when every
            # extension is a dotted suffix (".py", ".tar.gz"): 10,000 files share a few such
            # tails, so they are decided once per tail. Otherwise the tail is the whole path.
            base = posixpath.basename(path).lower()
            dot = base.find(".")
            tail = (base[dot:] if dot >= 0 else "") if self._dotted else path
            by_suffix = self._by_tail.get(tail)
            if by_suffix is None:
                by_suffix = self._by_tail[tail] = tuple(
                    i for i, c in enumerate(self.categories)
                    if (c.content or c.symbols) and c.applies_to_text(tail))
            excluded = self.excluded(path)
            found = frozenset(i for i in by_suffix if i not in excluded
                              and ((files := self.files[i]) is None or files.matches(path)))
            if len(self._text_categories) >= 100_000:  # a replay's paths: bounded memory
                self._text_categories.clear()
                self._by_tail.clear()
            self._text_categories[path] = found
        return found

    def text_filter(self, index: int, path: str) -> bool:
        """Whether category ``index``'s ``extensions:`` and ``files:`` both let its text rules
        read ``path``."""
        files = self.files[index]
        return self.categories[index].applies_to_text(path) and (
            files is None or files.matches(path))


def classify(rules: Rules, change: ChangeSet) -> Classification:
    """Classify every file, then apply the change-level size and provenance rules."""
    policy = rules.policy
    files = tuple(classify_file(rules, f) for f in change.files)
    tier = policy.max_tier(*(f.tier for f in files))
    escalations = []
    for escalation in _size(policy, change):
        if policy.rank(escalation.to_tier) > policy.rank(tier):
            escalations.append(Escalation(escalation.rule, tier, escalation.to_tier,
                                          escalation.reason))
            tier = escalation.to_tier
    provenance = detect_provenance(rules, change)
    if provenance.ai_drafted:
        for source, target in policy.provenance.escalate:
            if tier == source and target != source:
                escalations.append(Escalation("provenance.escalate", tier, target,
                                              "the change looks AI-drafted"))
                tier = target
                break
    return Classification(tier, files, provenance, tuple(escalations))


def _size(policy: Policy, change: ChangeSet) -> Iterator[Escalation]:
    size = policy.size
    count = len(change.files)
    lines = change.added + change.removed
    if size.max_files is not None and count > size.max_files:
        yield Escalation("size.max_files", "", size.tier,
                         f"{count} files changed (more than {size.max_files})")
    if size.max_lines is not None and lines > size.max_lines:
        yield Escalation("size.max_lines", "", size.tier,
                         f"{lines} lines changed (more than {size.max_lines})")


def detect_provenance(rules: Rules, change: ChangeSet) -> Provenance:
    """Trailers and branch names that mark the change as AI-drafted."""
    evidence = []
    for commit in change.commits:
        for key, value in commit.trailers:
            for wanted, pattern in rules.trailers:
                if key.lower() == wanted and pattern.search(value):
                    evidence.append(f"commit {commit.sha[:12]}: {key}: {value}")
                    break
    branch = change.source.branch
    if branch:
        for text, pattern in rules.branches:
            if pattern.search(branch):
                evidence.append(f"branch {branch!r} matches {text!r}")
                break
    return Provenance(bool(evidence), tuple(evidence))


def classify_file(rules: Rules, file: ChangedFile) -> FileClass:
    """One file's tier and every match, in category order."""
    matches: list[Match] = []
    matches.extend(_path_matches(rules, file))
    matches.extend(_kind_matches(rules, file))
    matches.extend(_policy_matches(rules, file))
    matches.extend(_hotspot_matches(rules, file))
    matches.extend(_rebound_elsewhere(rules, file))
    truncated = 0
    if file.has_text and file.patch:
        categories = rules.text_categories(file.path)
        if _python_inside(file):
            # A script whose #! line names python, a notebook's code cells: Python, whatever
            # the name says (rules limited to .py files apply too).
            categories |= rules.text_categories(f"{file.path}.py")
        found, dropped = _content_matches(rules, file, categories)
        matches.extend(found)
        truncated += dropped
        found, dropped = _symbol_matches(rules, file, categories)
        matches.extend(found)
        truncated += dropped
        matches, truncated = _detector_matches(rules, file, matches, truncated)
    matches = _version_only(rules, file, matches)
    matches.sort(key=lambda m: (rules.order.get(m.category, -1), m.kind.value))
    tier = rules.policy.max_tier(*(m.tier for m in matches)) if matches \
        else rules.policy.default_tier
    return FileClass(file, tier, tuple(matches), truncated)


def _version_only(rules: Rules, file: ChangedFile, matches: list[Match]) -> list[Match]:
    """A category's matches take its ``version_only`` tier when the change only bumps versions.

    Only that category's own matches move (a secret on the same line keeps its tier), and never
    for a file the gate itself reads (``gate-policy.dependency``: its instructions, its rules):
    what judges must not be judged lower. The reason says so, with the bumps.
    """
    if not rules.version_only or any(m.rule == GATE_CRITICAL for m in matches):
        return matches
    lowered = {m.category for m in matches if m.category in rules.version_only}
    if not lowered:
        return matches
    from gates.bumps import version_only

    bumps = version_only(file)
    if not bumps and posixpath.basename(file.path) == SETUP_PY:
        from gates.literals import data_only

        bumps = data_only(file)
    if not bumps:
        return matches
    out = [m for m in matches if m.category not in lowered]
    for name in sorted(lowered, key=lambda n: rules.order.get(n, -1)):
        out.append(Match(f"{name}.version-only", name, MatchKind.CONTENT,
                         rules.version_only[name], "versions or metadata changed, nothing else",
                         Evidence(Side.ADDED, None, bumps)))
    return out


HOTSPOT = "hotspots"  # the category name a hotspot match carries (policy key ``hotspots:``)


def _hotspot_matches(rules: Rules, file: ChangedFile) -> Iterator[Match]:
    """A change to a function or class (or a whole file) that a past security fix changed.

    Names are compared as :func:`gates.symbols.hot_hits` does: inside the body (the definition
    ``gate learn`` used to record them), or rebinding the name or changing its class from outside
    (``Session.check = ...``, a class decorator). A change elsewhere in the file is not a hit. One
    match per hotspot.
    """
    if not rules.hotspots:
        return
    spots = rules.hotspots.get(file.path, [])
    if file.old_path and file.old_path != file.path:
        spots = spots + rules.hotspots.get(file.old_path, [])
    if not spots:
        return
    top = rules.policy.tiers[-1]
    hits: dict[str, tuple[Side, int]] = {}
    if any(spot.symbol for spot in spots):
        from gates.symbols import hot_hits

        hits = hot_hits(file, file.old_text, file.new_text, {s.symbol for s in spots})
    for spot in spots:
        where: tuple[Side, int | None] | None = (Side.PATH, None)
        if spot.symbol:
            where = hits.get(spot.symbol)
        elif not (file.patch or file.binary or file.status in (FileStatus.ADDED,
                                                                FileStatus.DELETED)):
            where = None  # a rename or mode change alone touches no code
        if where is None:
            continue
        shown = f"{spot.path}::{spot.symbol}" if spot.symbol else spot.path
        yield Match(f"{HOTSPOT}.learned", HOTSPOT, MatchKind.SYMBOL if spot.symbol
                    else MatchKind.PATH, top, shown,
                    Evidence(where[0], where[1], spot.reason()))


def _rebinding(hotspots: dict[str, list[Hotspot]]) -> tuple[Any, list[tuple[Hotspot, Any]]]:
    """For each function or method hotspot, a pattern for rebinding it from another file:
    ``Session.check = ...`` or ``setattr(Session, "check", ...)`` for a method, and
    ``session.parse_header = ...`` (the module by its file name) for a function; and all of them
    as one pattern, which rejects a patch that rebinds nothing hot (nearly all) in one pass."""
    found: list[tuple[Hotspot, str]] = []
    for path, spots in hotspots.items():
        module = posixpath.splitext(posixpath.basename(path))[0]
        for spot in spots:
            if not spot.symbol:
                continue
            parts = spot.symbol.split(".")
            owner, name = (parts[-2], parts[-1]) if len(parts) > 1 else (module, parts[0])
            owner, name = re.escape(owner), re.escape(name)
            found.append((spot, (
                rf"\b{owner}\s*\.\s*{name}\s*=[^=]|\b{owner}\s*\.\s*{name}\s*=$"
                rf"|setattr\(\s*{owner}\s*,\s*['\"]{name}['\"]"
                rf"|\b{owner}\s*\.\s*__dict__\s*\[\s*['\"]{name}['\"]\s*\]\s*=")))
    if not found:
        return None, []
    combined = compile_regex("(?m)" + "|".join(f"(?:{p})" for _, p in found))
    return combined, [(spot, compile_regex(p)) for spot, p in found]


def _rebound_elsewhere(rules: Rules, file: ChangedFile) -> Iterator[Match]:
    """A hot function or method rebound from another file (``session.Session.check = lambda
    self, t: True`` in a plugin module): the hot code is untouched and no longer runs."""
    if rules.rebind_any is None or not file.has_text or not file.patch \
            or rules.rebind_any.search(file.patch.decode("utf-8", "replace")) is None:
        return
    top = rules.policy.tiers[-1]
    for spot, pattern in rules.rebinds:
        if spot.path in (file.path, file.old_path):
            continue  # the hot file itself: _hotspot_matches reads it whole
        for side, line, raw in changed_lines(file.patch):
            text = raw.decode("utf-8", "replace")
            if pattern.search(text):
                yield Match(f"{HOTSPOT}.learned", HOTSPOT, MatchKind.CONTENT, top,
                            f"{spot.path}::{spot.symbol} (rebound from {file.path})",
                            Evidence(side, line, f"{spot.reason()}; rebinds {spot.symbol}: "
                                     f"{snippet(raw, None)}"))
                break


def _judged_paths(file: ChangedFile) -> Iterator[tuple[Side, str, str]]:
    """(side, path to match, path to show) for every path a file's change touches."""
    yield Side.PATH, file.path, file.path
    if file.old_path and file.old_path != file.path:
        yield Side.OLD_PATH, file.old_path, file.old_path
    for landing in file.lands_at:
        yield Side.PATH, landing, f"{landing} (where the base has moved {file.path})"
    for target in file.link_targets:
        yield Side.LINK_TARGET, target, target
        # A link to a directory exposes what is inside it: judge it as a file in that directory.
        yield Side.LINK_TARGET, f"{target}/{_INSIDE}", target


def _path_matches(rules: Rules, file: ChangedFile) -> Iterator[Match]:
    seen: set[tuple[int, str, Side]] = set()
    for side, path, shown in _judged_paths(file):
        if not rules.any_path.matches(path):
            continue
        for i, category in enumerate(rules.categories):
            if not rules.paths[i].matches(path) or rules.excludes[i].matches(path):
                continue
            for glob in rules.paths[i].which(path):
                if (i, glob, side) not in seen:
                    seen.add((i, glob, side))
                    yield Match(f"{category.name}.path", category.name, MatchKind.PATH,
                                category.tier, glob, Evidence(side, text=shown))


def _python_inside(file: ChangedFile) -> bool:
    if is_python(file.path):
        return False  # already judged as Python by its name
    return file.view == NOTEBOOK_VIEW or (
        file.new_text is not None and python_source(file.path, file.new_text))


POLICY_CATEGORY = "gate-policy"
GATE_CRITICAL = f"{POLICY_CATEGORY}.dependency"  # a file the loaded policy reads


def _policy_matches(rules: Rules, file: ChangedFile) -> Iterator[Match]:
    """A file the trusted policy reads is the gate's own code: the highest tier, whatever the
    policy's categories say (a policy that forgot to protect its own files is still protected)."""
    top = rules.policy.tiers[-1]
    for side, path, shown in _judged_paths(file):
        if path in POLICY_NAMES:
            # Whichever of them exists judges every later change (and a new .gate.yaml takes
            # over from .gate.yml or from a --policy outside the repository).
            yield Match(GATE_CRITICAL, POLICY_CATEGORY, MatchKind.PATH, top,
                        f"policy: {path}", Evidence(side, text=f"{shown} is the repository's "
                                                    "policy file: it judges every later change"))
            continue
        for dep in rules.reads:
            if dep.covers(path):
                yield Match(GATE_CRITICAL, POLICY_CATEGORY, MatchKind.PATH, top,
                            f"{dep.key}: {dep.path}",
                            Evidence(side, text=f"{shown} is read by the policy ({dep.key})"))
                break


def file_kinds(file: ChangedFile) -> list[str]:
    """The file-kind labels a category's ``kinds:`` can select."""
    kinds = []
    if file.binary:
        kinds.append("binary")
    if file.symlink:
        kinds.append("symlink")
    if file.submodule:
        kinds.append("submodule")
    if file.executable and (file.status is FileStatus.ADDED or file.mode_changed):
        kinds.append("executable")
    if file.mode_changed:
        kinds.append("mode-change")
    if any(t.startswith("/") or t == ".." or t.startswith("../") for t in file.link_targets):
        kinds.append("symlink-outside")  # /proc/self/environ, ../../.ssh: not the repository's
    if posixpath.basename(file.path) == PYPROJECT and _build_system_changed(file):
        kinds.append("build-system")
    return kinds


PYPROJECT = "pyproject.toml"
SETUP_PY = "setup.py"


def _build_system_changed(file: ChangedFile) -> bool:
    """Whether ``[build-system]`` differs between the two sides (pip runs it at every install).

    A side that does not parse counts as changed: what pip would make of it is not known.
    """
    if file.old_text is None and file.new_text is None:
        return bool(file.patch) and b"build-system" in file.patch
    import tomllib

    tables = []
    for text in (file.old_text, file.new_text):
        try:
            data = tomllib.loads(text.decode("utf-8")) if text is not None else {}
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            return True
        tables.append(data.get("build-system"))
    return tables[0] != tables[1]


def _kind_matches(rules: Rules, file: ChangedFile) -> Iterator[Match]:
    kinds = file_kinds(file)
    if not kinds:
        return
    excluded = rules.excluded(file.path)
    for i, category in enumerate(rules.categories):
        if i in excluded:
            continue
        for kind in kinds:
            if kind in category.kinds:
                yield Match(f"{category.name}.kind", category.name, MatchKind.KIND, category.tier,
                            kind, Evidence(Side.PATH, text=file.path))


def _content_matches(rules: Rules, file: ChangedFile,
                     categories: frozenset[int]) -> tuple[list[Match], int]:
    if not any(rules.categories[i].content for i in categories):
        return [], 0
    seen: Counter[int] = Counter()
    out: list[Match] = []
    dropped = 0
    patch = utf8(file.patch)
    for hit in rules.content.scan(patch):
        for index in hit.patterns:
            owner = rules.content_owner[index]
            if owner not in categories:
                continue
            seen[index] += 1
            if seen[index] > EVIDENCE_PER_RULE:
                dropped += 1
                continue
            category = rules.categories[owner]
            side = Side.ADDED if hit.marker == ADDED else Side.REMOVED
            text = snippet(hit.text, rules.content.span(index, hit.text))
            out.append(Match(f"{category.name}.content", category.name, MatchKind.CONTENT,
                             category.tier, rules.content.patterns[index],
                             Evidence(side, line_number(patch, hit.offset), text)))
    return out, dropped


def _symbol_matches(rules: Rules, file: ChangedFile,
                    categories: frozenset[int]) -> tuple[list[Match], int]:
    if not any(rules.categories[i].symbols for i in categories):
        return [], 0
    seen: Counter[int] = Counter()
    out: list[Match] = []
    dropped = 0
    for hit in symbol_hits(file, rules.symbols, file.old_text, file.new_text):
        owner = rules.symbol_owner[hit.pattern]
        if owner not in categories:
            continue
        seen[hit.pattern] += 1
        if seen[hit.pattern] > EVIDENCE_PER_RULE:
            dropped += 1
            continue
        category = rules.categories[owner]
        out.append(Match(f"{category.name}.symbol", category.name, MatchKind.SYMBOL, category.tier,
                         rules.symbols.patterns[hit.pattern],
                         Evidence(hit.side, hit.line, f"in {hit.name}: {snippet(hit.text, None)}")))
    return out, dropped


def _detector_matches(rules: Rules, file: ChangedFile, matches: list[Match],
                      truncated: int) -> tuple[list[Match], int]:
    """Add the secret detectors' hits (``detect:``), and mask secrets in other matches' evidence.

    The detector (detect-secrets, ~86 ms to import) runs only on lines the RE2 prefilter picks.
    Evidence never carries a secret: reports end up in PR comments and logs.
    """
    if not rules.detect_owner:
        return matches, truncated
    excluded = rules.excluded(file.path)
    owners = [i for i in rules.detect_owner
              if i not in excluded and rules.text_filter(i, file.path)]
    families = frozenset(d for i in owners for d in rules.categories[i].detect)
    patch = utf8(file.patch)
    candidates = rules.secrets[families].lines(patch) if owners else iter(())
    first = next(candidates, None)
    if first is None:
        return matches, truncated
    from gates.secrets.detector import mask, scan_line
    from gates.secrets.nearby import joined, next_line

    seen: Counter[tuple[int, str]] = Counter()
    found: list[Match] = []
    masked: dict[tuple[Side, int | None], str] = {}
    unread: dict[Side, int] = {}  # per side, the first line left unread (see below)
    for n, candidate in enumerate(chain([first], candidates)):
        side = Side.ADDED if candidate.marker == ADDED else Side.REMOVED
        if found and n >= SECRET_LINES:
            # The file is high already: thousands of keys (a fixture, a hostile file) are counted,
            # not each run through the detector. Evidence from lines not read is not shown.
            truncated += 1
            if side not in unread:
                unread[side] = line_number(patch, candidate.offset) or 0
            continue
        text = candidate.text.decode("utf-8", "replace")
        secrets = scan_line(text, file.path, families)
        if not secrets and ASSIGNMENTS in families:
            # A name whose value is on the next line (k8s ``name:``/``value:``, YAML ``>-``,
            # black's ``x = (``): judged as if written on one line.
            one_line = joined(text, next_line(patch, candidate))
            if one_line is not None:
                secrets = scan_line(one_line, file.path, families)
                text = one_line
        if not secrets:
            continue
        line = line_number(patch, candidate.offset)
        shown = snippet(mask(text, secrets).encode(), None)
        masked[side, line] = shown
        for secret in secrets:
            for i in owners:
                category = rules.categories[i]
                if secret.family not in category.detect:
                    continue
                seen[i, secret.plugin] += 1
                if seen[i, secret.plugin] > EVIDENCE_PER_RULE:
                    truncated += 1
                    continue
                found.append(Match(f"{category.name}.detector", category.name, MatchKind.CONTENT,
                                   category.tier, secret.plugin, Evidence(side, line, shown)))
    for m in matches:
        side, line = m.evidence.side, m.evidence.line
        if side in unread and line is not None and line >= unread[side]:
            masked.setdefault((side, line), "[not shown: not read for secrets]")
    kept = [replace(m, evidence=replace(m.evidence, text=masked[key]))
            if (key := (m.evidence.side, m.evidence.line)) in masked else m for m in matches]
    return kept + found, truncated


def snippet(raw: bytes, span: tuple[int, int] | None, width: int = SNIPPET_WIDTH) -> str:
    """A changed line for display: decoded, trimmed, and cut around the match when it is long."""
    text = raw.decode("utf-8", "replace").expandtabs(4)
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    if len(text) <= width:
        return text
    start = 0
    if span is not None:
        middle = (span[0] + span[1]) // 2 - lead
        start = max(0, min(len(text) - width, middle - width // 2))
    cut = text[start:start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")
