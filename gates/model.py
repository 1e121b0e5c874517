"""Core immutable types that flow left to right through the gate.

source -> ChangeSet -> Classification -> lane -> StageResults -> Decision. Each step is a plain
function over these values, so every step can be tested alone and a report can be rendered from a
Decision only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
MODE_EXECUTABLE = "100755"
_REGULAR = frozenset({"100644", MODE_EXECUTABLE})


class FileStatus(enum.Enum):
    """What happened to a path, in git's vocabulary."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"
    TYPE_CHANGED = "type-changed"
    UNMERGED = "unmerged"


class SourceKind(enum.Enum):
    """Where the change came from."""

    STAGED = "staged"
    RANGE = "range"
    PULL_REQUEST = "pull-request"
    PATHS = "paths"


class Side(enum.Enum):
    """Which part of a file a piece of evidence was found in."""

    PATH = "path"
    OLD_PATH = "old-path"
    LINK_TARGET = "link-target"
    ADDED = "added"
    REMOVED = "removed"
    FILE = "file"


class MatchKind(enum.Enum):
    """The kind of rule that produced a match."""

    PATH = "path"
    CONTENT = "content"
    SYMBOL = "symbol"
    KIND = "kind"
    SIZE = "size"
    PROVENANCE = "provenance"


class StageStatus(enum.Enum):
    """Explicit states: "could not run", "skipped" and "clean" are never the same value."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    PENDING = "pending"


class Outcome(enum.Enum):
    """The gate's answer, each with its exit code (DESIGN.md)."""

    PASS = "pass"
    BLOCK = "block"
    ERROR = "error"
    PENDING = "pending"
    TOOL_FAILURE = "tool-failure"

    @property
    def exit_code(self) -> int:
        """The process exit code for this outcome."""
        return _EXIT_CODES[self]


_EXIT_CODES = {
    Outcome.PASS: 0,
    Outcome.BLOCK: 1,
    Outcome.ERROR: 2,
    Outcome.PENDING: 3,
    Outcome.TOOL_FAILURE: 4,
}


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """One changed path.

    ``patch`` holds the file's hunks exactly as git printed them (from the first ``@@`` on), as
    bytes: content may be any encoding and is only decoded for display. Keeping the raw hunks
    instead of a list of line objects is what lets classification run one automaton over them at C
    speed.
    """

    path: str
    status: FileStatus
    old_path: str | None = None
    old_mode: str = ""
    new_mode: str = ""
    old_blob: str | None = None
    new_blob: str | None = None
    binary: bool = False
    patch: bytes = b""
    added: int = 0
    removed: int = 0
    link_targets: tuple[str, ...] = ()
    # Full text of each side, present only where the policy needs it (Python symbol scopes).
    old_text: bytes | None = field(default=None, compare=False, repr=False)
    new_text: bytes | None = field(default=None, compare=False, repr=False)
    # How the gate read the file when git's bytes are not what its consumer reads ("utf-16 (byte-
    # order mark)", "declared coding shift_jis", "notebook code cells"): ``patch`` then holds the
    # decoded text's hunks; for an opaque file (``binary``), why it could not be read.
    view: str = ""
    # A coding declaration Python honours that does not keep ASCII as ASCII (utf-7...): the code
    # that runs is not the code anyone reads.
    hidden_coding: str = ""
    # Where the change lands in a base that renamed the path since the branch was cut (git's
    # merge follows the rename): judged as paths of the change too.
    lands_at: tuple[str, ...] = ()

    @property
    def symlink(self) -> bool:
        """True when either side of the change is a symbolic link."""
        return MODE_SYMLINK in (self.old_mode, self.new_mode)

    @property
    def submodule(self) -> bool:
        """True when either side is a submodule (gitlink) pointer."""
        return MODE_SUBMODULE in (self.old_mode, self.new_mode)

    @property
    def mode_changed(self) -> bool:
        """True when the file mode changed while the file stayed the same kind."""
        return bool(self.old_mode and self.new_mode and self.old_mode != self.new_mode
                    and "000000" not in (self.old_mode, self.new_mode))

    @property
    def executable(self) -> bool:
        """True when the new side is an executable file."""
        return self.new_mode == MODE_EXECUTABLE

    @property
    def has_text(self) -> bool:
        """True when content rules apply: not binary, and a regular file on at least one side.

        A symlink that becomes a file (or a file that becomes a submodule) still has a file side
        whose lines must be judged.
        """
        return not self.binary and bool({self.old_mode, self.new_mode} & _REGULAR)


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit in the change, with the trailers git parsed from its message."""

    sha: str
    summary: str
    trailers: tuple[tuple[str, str], ...] = ()
    body: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    """How the change was collected, for reports and for reproducing the decision."""

    kind: SourceKind
    base: str | None = None
    head: str | None = None
    merge_base: str | None = None
    branch: str | None = None
    pr_number: int | None = None


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Everything the gate judges: the files, where they came from, and the commits."""

    files: tuple[ChangedFile, ...]
    source: Source
    commits: tuple[Commit, ...] = ()

    @property
    def added(self) -> int:
        """Added lines over all files."""
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        """Removed lines over all files."""
        return sum(f.removed for f in self.files)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a rule matched: the line (1-based, on its side) and its text, cut for display."""

    side: Side
    line: int | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """One rule that matched, with the evidence a person needs to check it."""

    rule: str
    category: str
    kind: MatchKind
    tier: str
    pattern: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class FileClass:
    """A file's tier and every match that put it there (empty for the default tier)."""

    file: ChangedFile
    tier: str
    matches: tuple[Match, ...] = ()
    truncated: int = 0


@dataclass(frozen=True, slots=True)
class Provenance:
    """Whether the change looks AI-drafted, and the trailers or branch name that say so."""

    ai_drafted: bool
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Escalation:
    """A change-level rule that raised the overall tier (size, provenance)."""

    rule: str
    from_tier: str
    to_tier: str
    reason: str


@dataclass(frozen=True, slots=True)
class Classification:
    """The tier of the whole change and of each file, with reasons."""

    tier: str
    files: tuple[FileClass, ...]
    provenance: Provenance
    escalations: tuple[Escalation, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem a stage found, normalised across tools.

    ``severity`` is on the policy's one scale (low, medium, high, critical). (Scanners run
    offline; semgrep with --metrics=off.) ``blocking`` says
    whether the policy's thresholds make it stop the change; a ``suppressed`` finding (``# nosec``,
    ``# nosemgrep``) never blocks but is still reported. ``fingerprint`` is the gate's own (tool,
    rule, path, line text), stable when code moves.
    """

    tool: str
    rule: str
    severity: str
    path: str
    line: int | None
    message: str
    fingerprint: str
    confidence: str = ""
    end_line: int | None = None
    blocking: bool = True
    suppressed: bool = False
    note: str = ""
    # False for a SAST finding that was already there before the change (a note, never blocking).
    introduced: bool = True


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """What the review model was asked and what it cost, as numbers (the decision log sums them;
    the stage's message holds the model's own words and is never parsed for them)."""

    provider: str
    model: str
    calls: int  # requests sent, retries included
    tokens_in: int
    tokens_out: int
    cost: float | None  # USD, from the policy's review.price; None when no price is set
    cached: int = 0  # batches answered from the verdict cache (no request, no tokens)


@dataclass(frozen=True, slots=True)
class StageResult:
    """What one stage of the lane concluded."""

    stage: str
    status: StageStatus
    message: str = ""
    findings: tuple[Finding, ...] = ()
    duration: float = 0.0
    usage: ModelUsage | None = None  # the review stage, when a model was configured
    actor: str | None = None  # the approval stage: the login whose label passed it


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """Which policy judged the change: where it was read from and a digest of its text."""

    origin: str
    digest: str
    tiers: tuple[str, ...] = ()  # the policy's tiers, lowest first (a record ranks its tier)


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's whole answer; every report renders one of these and decides nothing."""

    outcome: Outcome
    change: ChangeSet
    classification: Classification
    lane: tuple[str, ...]
    results: tuple[StageResult, ...]
    policy: PolicyRef
    required_actions: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    git_dir: str | None = None  # where the decision log lives (gates.audit), when in git

    @property
    def exit_code(self) -> int:
        """The process exit code for this decision."""
        return self.outcome.exit_code
