"""The policy as typed, immutable values (loading and validation: ``gates.policy.load``).

The policy schema is documented in docs/policy.md.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1
SEVERITIES = ("low", "medium", "high", "critical")  # one scale for every stage's findings
BUILTIN_STAGES = ("sast", "deps", "review", "approval")
FILE_KINDS = ("binary", "symlink", "submodule", "executable", "mode-change", "build-system",
              "symlink-outside")
DEFAULT_NAME = "default"
# The repository's own policy, at its root; the first that exists judges (gates.policy.source).
POLICY_NAMES = (".gate.yaml", ".gate.yml")
DEFAULT_ORIGIN = "<default policy>"


@dataclass(frozen=True, slots=True)
class Dependency:
    """A file (or folder) of the repository that the policy reads, and the key that names it."""

    path: str
    key: str
    folder: bool = False

    def covers(self, path: str) -> bool:
        """Whether ``path`` is this file, or inside this folder."""
        mine = self.path.strip("/")
        if self.folder and mine in ("", "."):
            return True  # the whole repository is read (rules: ["."])
        return path == mine or (self.folder and path.startswith(f"{mine}/"))


def _local(reference: str) -> bool:
    """A path inside the repository: not a registry config, a URL or an absolute path."""
    if reference.startswith(("/", "p/", "r/", "s/", "http://", "https://", "~")):
        return False
    normal = posixpath.normpath(reference)
    return normal != ".." and not normal.startswith("../")


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
    # Globs (like paths:) that also limit content and symbols: release notes have no one suffix
    # (CHANGES, NEWS.rst, docs/changelog.md) but are one kind of file.
    files: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    # Built-in secret detectors (gates.secrets.DETECTORS) that run on the changed lines.
    detect: tuple[str, ...] = ()
    # The tier for a file of this category whose change only bumps versions (``uses: x@v4`` to
    # ``@v5``, a hook's ``rev:``; gates/bumps.py): a dependency update, not new logic. Empty: none.
    version_only: str = ""

    def applies_to_text(self, path: str) -> bool:
        """True when content and symbol rules may apply to ``path`` by its suffix (the ``files:``
        globs are compiled once per run: gates.classify.Rules.text_filter)."""
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
class BanditSettings:
    """bandit: which findings block (both thresholds must be met) and which tests are off."""

    enabled: bool = True
    severity: str = "medium"
    confidence: str = "medium"
    skip: tuple[str, ...] = ()
    # test id -> the severity the gate gives its findings instead of bandit's: the default lowers
    # bandit's call-name tests that the shipped semgrep rules cover with data flow (policies/).
    levels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SemgrepSettings:
    """semgrep (always offline, --metrics=off): rule sources, blocking threshold, engine."""

    enabled: bool = True
    severity: str = "medium"
    rules: tuple[str, ...] = ("default",)
    disable: tuple[str, ...] = ()
    engine: str = "auto"


TESTS_ACTIONS = ("pending", "block", "note")  # what a SAST finding in a test file does


@dataclass(frozen=True, slots=True)
class SastTests:
    """Which files are the project's own tests, and what a SAST finding in one does.

    Tests run in CI, often with secrets, so a finding there is never dropped: ``pending`` (a person
    accepts it; the approval stage joins the lane), ``block`` (like any file) or ``note`` (shown,
    the stage passes). Without ``paths`` no file is a test: a policy that does not extend the
    default judges tests like any other code. ``exclude`` wins over ``paths`` (conftest.py);
    ``block`` names rules (semgrep ids, bandit test ids) that block in test files too: a private
    key in a test is still a leaked key, and the local hook lets a pending change through.
    """

    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    findings: str = "pending"
    block: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SastSettings:
    """The SAST stage: scanners, what is reported, and what is never scanned."""

    # introduced: findings new after the change, wherever they are (before/after scan);
    # changed-lines: only findings on lines the change wrote; whole-file: every finding.
    report: str = "introduced"
    exclude: tuple[str, ...] = ()
    timeout: float = 120.0
    bandit: BanditSettings = BanditSettings()
    semgrep: SemgrepSettings = SemgrepSettings()
    unicode: bool = True
    # ask: a suppression the change adds hides nothing and a person must accept it; honour: the
    # tools' behaviour (only ever from the trusted policy, like every key).
    suppressions: str = "ask"
    tests: SastTests = SastTests()


DEPS_ACTIONS = ("pending", "block", "report")  # what a new package source or an unaudited pin does


@dataclass(frozen=True, slots=True)
class TrustSettings:
    """Trust in the packages a change adds: they exist, are established, and are not look-alikes.

    Coding models invent names, and attackers register them (and near-misses of popular names):
    such a package has no advisory, so only these checks see it (docs/trust.md).
    """

    enabled: bool = True
    min_age_days: int = 30
    min_releases: int = 2
    allow: tuple[str, ...] = ()  # names a team vouches for (PEP 503-normalised)
    timeout: float = 10.0  # per index request


@dataclass(frozen=True, slots=True)
class DepsSettings:
    """The dependency audit: advisories, pins it cannot audit, package sources, what blocks.

    ``sources`` and ``unaudited`` are actions, not severities: ``pending`` (a person accepts it),
    ``block``, or ``report`` (shown, the stage passes). A severity given for ``unaudited`` (the
    older form) keeps its old meaning: it blocks at or above ``block_on``, else it is reported.
    """

    offline_db: str | None = None
    unpinned: str = "medium"
    unaudited: str = "pending"
    existing: str = "medium"
    introduced: str = "high"
    block_on: str = "high"
    service: str = "pypi"
    timeout: float = 120.0
    sources: str = "pending"
    allowed_sources: tuple[str, ...] = ()
    trust: TrustSettings = TrustSettings()

    def action(self, setting: str) -> str:
        """``pending``, ``block`` or ``report`` for the value of ``sources`` or ``unaudited``."""
        if setting in DEPS_ACTIONS:
            return setting
        return "block" if SEVERITIES.index(setting) >= SEVERITIES.index(self.block_on) \
            else "report"


@dataclass(frozen=True, slots=True)
class CommandStage:
    """A stage the policy defines: a command (argv, never a shell) that must exit 0."""

    name: str
    run: tuple[str, ...]
    timeout: float = 600.0
    cwd: str = "."
    tiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """The slow-model review: which provider, what it is told, what blocks, within what budget."""

    provider: str = "none"
    api: str = "responses"  # for provider openai: "responses" or "chat" (chat completions)
    command: tuple[str, ...] = ()
    model: str = ""
    base_url: str = ""
    api_key_env: str = ""
    max_output_tokens: int = 4096
    price_in: float | None = None  # USD per million tokens, for the cost estimate
    price_out: float | None = None
    instructions: str = ""
    instructions_file: str = ""  # relative to the repository root, read from the trusted revision
    block_on: str = "high"
    max_input_tokens: int = 60_000
    timeout: float = 300.0


ROLES = ("read", "triage", "write", "maintain", "admin")


@dataclass(frozen=True, slots=True)
class ApprovalSettings:
    """Who may approve a high-tier pull request, and with which label (checked live on GitHub).

    The defaults are the strict reading: a person with write access who is neither the pull
    request's author nor an author or committer of its commits, after the latest push.
    """

    label: str = "gate:approved"
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()  # "org/slug"
    min_role: str = "write"
    forbid_author: bool = True
    dismiss_on_push: bool = True
    bots: tuple[str, ...] = ()
    # The environment variable holding a token that can read organisation team membership (the
    # workflow's GITHUB_TOKEN cannot); needed only when ``teams`` is set.
    token_env: str = ""


@dataclass(frozen=True, slots=True)
class PrecommitSettings:
    """Local hooks: whether a high-tier change may be committed (it still needs review later)."""

    high_tier: str = "warn"


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A file, or a function or class in it, that a past security fix changed (``gate learn``).

    A later change that touches it again is high tier: code that needed one security fix is
    where the next one (or the next regression) is most likely.
    """

    path: str
    symbol: str = ""  # a qualified name (``Session.check``); empty: the whole file
    fix: str = ""  # the advisory ids (``CVE-2023-1234``), or empty when the message said so
    commit: str = ""  # the fixing commit

    def reason(self) -> str:
        """"touched by the fix of CVE-… (commit abc1234)", the line a report shows."""
        what = f"the fix of {self.fix}" if self.fix else "a security fix"
        return f"touched by {what} (commit {self.commit[:7]})" if self.commit \
            else f"touched by {what}"


@dataclass(frozen=True, slots=True)
class Policy:
    """The effective policy after ``extends:`` merging."""

    tiers: tuple[str, ...]
    default_tier: str
    lanes: Mapping[str, tuple[str, ...]]
    categories: tuple[Category, ...]
    size: SizeRule
    provenance: ProvenanceRules
    sast: SastSettings = SastSettings()
    deps: DepsSettings = DepsSettings()
    commands: Mapping[str, CommandStage] = field(default_factory=dict)
    optional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    precommit: PrecommitSettings = PrecommitSettings()
    review: ReviewSettings = ReviewSettings()
    approval: ApprovalSettings = ApprovalSettings()
    origin: str = ""
    digest: str = ""
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # The policy files read to build this policy (the file itself, then what it extends), as
    # paths relative to the repository root; empty for the shipped default or a file outside it.
    files: tuple[str, ...] = ()
    # ``hotspots:``: the fragment ``gate learn`` wrote (relative to the root, read like
    # ``extends:`` from the same revision) and what it lists.
    hotspots_file: str = ""
    hotspots: tuple[Hotspot, ...] = ()

    def reads(self) -> tuple[Dependency, ...]:
        """Every file or folder in the repository this policy reads: the gate's own code.

        A change to any of them changes how the gate judges, so it is gate-critical; each is read
        from the trusted revision, never from the change. A new key that reads a file adds it here
        (one list, derived from the loaded policy: there is no second, hand-written one).
        """
        found = [Dependency(path, "policy" if i == 0 else "extends")
                 for i, path in enumerate(self.files)]
        found += [Dependency(posixpath.normpath(rule), "sast.semgrep.rules", folder=True)
                  for rule in self.sast.semgrep.rules if _local(rule) and rule != DEFAULT_NAME]
        if self.review.instructions_file and _local(self.review.instructions_file):
            found.append(Dependency(posixpath.normpath(self.review.instructions_file),
                                    "review.instructions_file"))
        if self.hotspots_file:
            found.append(Dependency(self.hotspots_file, "hotspots"))
        if self.deps.offline_db and _local(self.deps.offline_db):
            found.append(Dependency(posixpath.normpath(self.deps.offline_db), "deps.offline_db",
                                    folder=True))
        return tuple(found)

    def rank(self, tier: str) -> int:
        """The tier's position, low to high."""
        return self.tiers.index(tier)

    def max_tier(self, *tiers: str) -> str:
        """The highest of ``tiers`` (the default tier when none are given)."""
        return max(tiers, key=self.rank, default=self.default_tier)

    def is_optional(self, stage: str, tier: str) -> bool:
        """Whether a stage that cannot run may be passed over for this tier (``optional:``)."""
        return stage in self.optional.get(tier, ())

