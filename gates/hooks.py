"""Git hook behaviour: what to check on commit and on push, and what the developer sees.

A hook must be quiet when all is well and say exactly what to fix when it is not. A high-tier change
is allowed locally by default (``precommit.high_tier: warn``): the slow-model review and the human
approval happen on the pull request, and the hook says so; ``block`` stops the commit instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from gates.gitrepo import GitRepo
from gates.model import Decision, Outcome, SourceKind
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
    """Print the compact block a hook shows; nothing on a clean pass unless ``verbose``.

    A pending change that ``precommit.high_tier: warn`` lets through does not end in
    ``PENDING (exit 3)`` above a commit that then succeeds: that line says what happened
    (committed, or pushed) and what the pull request will still need.
    """
    if decision.outcome is Outcome.PASS and not verbose:
        return
    from rich.text import Text

    from gates.report.terminal import console_for, render

    if exit_code(decision, policy) != 0 or decision.outcome is not Outcome.PENDING:
        render(decision, out)
        return

    buffer = _Like(out)
    render(decision, buffer)
    text = buffer.getvalue()
    verdict = _verdict_start(text)
    # The actions under the verdict (what the review and the approval wait for) stay; only the
    # headline changes. Should the renderer's verdict ever look different, nothing is dropped.
    body, actions = (text[:verdict], text[verdict:].partition("\n")[2]) if verdict >= 0 \
        else (text, "")
    out.write(body)
    action = "committed" if decision.change.source.kind is SourceKind.STAGED else "pushed"
    needs = ("the slow-model review and a human approval label" if "review" in decision.lane
             else "a human approval label")
    console_for(out).print(Text(
        f"{action}; the pull request will need {needs} ({decision.classification.tier} tier; "
        "policy precommit.high_tier: warn lets it through locally)", style="bold yellow"))
    out.write(actions)


class _Like(io.StringIO):
    """A buffer that looks like ``out`` to rich (a terminal, or not), so colours match."""

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self._out = out

    def isatty(self) -> bool:
        return self._out.isatty()


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _verdict_start(text: str) -> int:
    """Where the renderer's ``PENDING (exit 3)`` line starts (-1 if it has none)."""
    start = -1
    offset = 0
    for line in text.splitlines(keepends=True):
        if _ANSI.sub("", line).startswith("PENDING (exit "):
            start = offset
        offset += len(line)
    return start
