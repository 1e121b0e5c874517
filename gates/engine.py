"""The library entry point: from a request (what to check, with which policy) to a Decision.

The CLI only builds a ``Request`` and renders what comes back; tests drive the same function.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from gates import changes, pipeline
from gates.cache import Cache
from gates.classify import Rules, classify
from gates.errors import GitError, UsageError
from gates.gitrepo import GitRepo
from gates.manifests import is_manifest
from gates.model import ChangeSet, Decision, SourceKind
from gates.policy import Policy, guard, source
from gates.stages import StageContext
from gates.workspace import materialize


@dataclass(frozen=True, slots=True)
class Request:
    """What to check: a change source and, optionally, an explicit policy file."""

    kind: SourceKind
    cwd: Path = field(default_factory=Path.cwd)
    base: str | None = None
    head: str = "HEAD"
    paths: tuple[str, ...] = ()
    policy_file: str | None = None
    event_path: str | None = None
    event_name: str = ""  # GITHUB_EVENT_NAME: pull_request_target runs no code from the change
    use_cache: bool = True
    only_commands: bool = False  # run only the policy's command stages of the lane


def check(request: Request) -> Decision:
    """Collect the change, classify it, run its lane and decide."""
    return judge(request)[0]


def review(request: Request) -> Decision:
    """Run only the model review on the change (``gate review``)."""
    return judge(request, only=("review",))[0]


def judge(request: Request, only: tuple[str, ...] | None = None) -> tuple[Decision, Policy]:
    """Like :func:`check`, also returning the policy that judged (hooks read its settings).

    ``only`` runs those stages instead of the tier's lane (``gate review``).
    """
    repo = _open(request)
    event = _event(request)
    revision = _trusted_revision(repo, request, event)  # once: it runs git
    rules, change, notes = _collect(request, repo, revision, event)
    classification = classify(rules, change)
    lane = pipeline.lane_for(rules.policy, classification, change) if only is None \
        else only if change.files else ()  # an empty change is nothing to check, for any command
    if request.only_commands:
        lane = tuple(name for name in lane if name in rules.policy.commands)
    root = repo.root if repo is not None else request.cwd
    cache = Cache.in_git_dir(repo.git_dir) if repo is not None and request.use_cache \
        else Cache.disabled()
    with tempfile.TemporaryDirectory(prefix="draftgate-") as scratch:
        # The before side: manifests (new pins) and, unless SAST counts every finding, what
        # SAST compares with (the findings a change introduces, gates/scanners/baseline.py).
        sast_before = "sast" in lane and rules.policy.sast.report != "whole-file"
        workspace = materialize(repo, change, Path(scratch),
                                want_before=lambda p: sast_before or is_manifest(p)) \
            if lane else None
        trusted = _trusted_files(repo, revision, rules, Path(scratch) / "trusted") if lane \
            else None
        ctx = StageContext(rules.policy, change, classification, root=root, workspace=workspace,
                           cache=cache, trusted=trusted, event=event,
                           event_name=request.event_name)
        decision = pipeline.run(rules.policy, change, classification, ctx, lane=lane,
                                ask_person=not request.only_commands)
    return replace(decision, notes=(*notes, *decision.notes),
                   git_dir=str(repo.git_dir) if repo is not None else None), rules.policy


def explain(request: Request) -> Decision:
    """Collect and classify only: the Decision lists the lane but runs none of it."""
    rules, change, notes = collect(request)
    classification = classify(rules, change)
    lane = pipeline.lane_for(rules.policy, classification, change)
    return replace(pipeline.decide(rules.policy, change, classification, lane, ()), notes=notes)


def policy_for(request: Request) -> Policy:
    """The policy that would judge ``request``'s change."""
    repo = _open(request)
    root = repo.root if repo is not None else request.cwd
    revision = _trusted_revision(repo, request, _event(request))
    return _choose(request, repo, root, revision)[0]


def _choose(request: Request, repo: GitRepo | None, root: Path,
            revision: str | None) -> tuple[Policy, tuple[str, ...]]:
    """One choice of policy for judging and for saying which policy judges (``policy_for``)."""
    return source.choose(repo, root, revision, request.policy_file,
                         untrusted_tree=_untrusted_tree(repo, request, revision),
                         checkout_is_change=request.kind in (SourceKind.RANGE,
                                                             SourceKind.PULL_REQUEST))


def collect(request: Request) -> tuple[Rules, ChangeSet, tuple[str, ...]]:
    """The policy that judges the change (compiled), the change, and notes for the report."""
    repo = _open(request)
    event = _event(request)
    return _collect(request, repo, _trusted_revision(repo, request, event), event)


def _collect(request: Request, repo: GitRepo | None, revision: str | None,
             event: changes.PullRequestEvent | None) -> tuple[Rules, ChangeSet, tuple[str, ...]]:
    root = repo.root if repo is not None else request.cwd
    policy, notes = _choose(request, repo, root, revision)
    rules = Rules(policy)
    change = _change(request, repo, root, rules, event)
    # A change to the policy or to a file it reads is validated as proposed (exit 2 if invalid).
    return rules, change, (*notes, *guard.review(repo, policy, change, request.policy_file))


def _untrusted_tree(repo: GitRepo | None, request: Request, revision: str | None) -> bool:
    """In git, with no revision the change cannot edit: every file is part of the change."""
    return repo is not None and request.kind is not SourceKind.PATHS and revision is None


def _change(request: Request, repo: GitRepo | None, root: Path, rules: Rules,
            event: changes.PullRequestEvent | None) -> ChangeSet:
    want_text = rules.wants_text
    if request.kind is SourceKind.PATHS:
        return changes.paths(root, request.paths, repo)
    if repo is None:
        raise UsageError("not a git repository (only explicit paths can be checked outside one)")
    if request.kind is SourceKind.STAGED:
        return changes.staged(repo, want_text)
    if event is not None:
        return changes.pull_request(repo, event, want_text)
    if request.base is None:
        raise UsageError("--base is required for a range")
    return changes.commit_range(repo, request.base, request.head, want_text=want_text)


def _trusted_files(repo: GitRepo | None, revision: str | None, rules: Rules,
                   into: Path) -> Path | None:
    """Files the policy reads (semgrep rules, review instructions, an advisory database inside
    the repository), as at the trusted revision.

    A pull request that empties the team's semgrep rules, rewrites the reviewer's instructions or
    edits the advisories that would flag its own pin must still be judged by the originals, just
    as it is judged by the base branch's policy. (semgrep itself runs offline, --metrics=off.)
    """
    local = [dep.path for dep in rules.policy.reads() if dep.key not in ("policy", "extends")]
    if repo is None or revision is None or not local:
        return None
    into.mkdir(parents=True, exist_ok=True)
    repo.export(revision, local, into)
    return into


def _open(request: Request) -> GitRepo | None:
    try:
        return GitRepo(request.cwd)
    except GitError:
        if request.kind is SourceKind.PATHS:
            return None
        raise


def _event(request: Request) -> changes.PullRequestEvent | None:
    """The pull request's event (read once per run: revision, change and approval share it)."""
    return changes.read_event(request.event_path) \
        if request.kind is SourceKind.PULL_REQUEST else None


def _trusted_revision(repo: GitRepo | None, request: Request,
                      event: changes.PullRequestEvent | None) -> str | None:
    """The revision the change cannot edit, from which ``.gate.yaml`` is read."""
    if repo is None or request.kind is SourceKind.PATHS:
        return None
    if request.kind is SourceKind.STAGED:
        return repo.resolve("HEAD")
    if event is not None:
        return repo.commit(event.base)
    if not request.base or request.base == repo.empty_tree():
        return None  # brand-new history has no base to read a policy from
    return repo.commit(request.base)

