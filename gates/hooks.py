"""Git hook behaviour: what to check on commit and on push, and what the developer sees.

A hook must be quiet when all is well and say exactly what to fix when it is not. A high-tier change
is allowed locally by default (``precommit.high_tier: warn``): the slow-model review and the human
approval happen on the pull request, and the hook says so; ``block`` stops the commit instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from gates.gitrepo import GitRepo
from gates.model import Decision, Outcome
from gates.policy import Policy

_ZERO = re.compile(r"^0+$")


@dataclass(frozen=True, slots=True)
class PushRange:
    """One ref being pushed: check what ``head`` adds on top of ``base``."""

    base: str
    head: str
    ref: str


def push_ranges(repo: GitRepo, env: Mapping[str, str], stdin: str) -> list[PushRange]:
    """The ranges a push sends, from pre-commit's variables or git's pre-push input.

    pre-commit passes ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF``. Plain git writes one line per
    ref to the hook's stdin: ``<local ref> <local sha> <remote ref> <remote sha>``; a new branch has
    an all-zero remote sha, and then the range starts below the first commit no remote has yet.
    """
    base, head = env.get("PRE_COMMIT_FROM_REF"), env.get("PRE_COMMIT_TO_REF")
    if base and head:
        return [PushRange(base, head, env.get("PRE_COMMIT_REMOTE_BRANCH", head))]
    ranges = []
    for line in stdin.splitlines():
        parts = line.split()
        if len(parts) != 4 or _ZERO.match(parts[1]):
            continue  # malformed, or a branch deletion: nothing to check
        local_ref, local_sha, remote_ref, remote_sha = parts
        if not _ZERO.match(remote_sha) and repo.resolve(remote_sha):
            ranges.append(PushRange(remote_sha, local_sha, remote_ref))
            continue
        fresh = repo.text("rev-list", "--topo-order", "--reverse", local_sha, "--not",
                          "--remotes").splitlines()
        if fresh and repo.resolve(f"{fresh[0]}^"):
            ranges.append(PushRange(f"{fresh[0]}^", local_sha, remote_ref))
        elif fresh:
            ranges.append(PushRange(repo.empty_tree(), local_sha, remote_ref))
        del local_ref
    return ranges


def exit_code(decision: Decision, policy: Policy) -> int:
    """The hook's exit code: the decision's, except a pending approval under ``warn``."""
    if decision.outcome is Outcome.PENDING and policy.precommit.high_tier == "warn":
        return 0
    return decision.exit_code


def report(decision: Decision, policy: Policy, out: TextIO, *, verbose: bool) -> None:
    """Print the compact block a hook shows; nothing on a clean pass unless ``verbose``."""
    if decision.outcome is Outcome.PASS and not verbose:
        return
    from gates.report.terminal import render

    render(decision, out)
    if decision.outcome is Outcome.PENDING and policy.precommit.high_tier == "warn":
        out.write("note: allowed locally; the pull request will need the slow-model review and a "
                  "human approval label (policy precommit.high_tier: warn)\n")
