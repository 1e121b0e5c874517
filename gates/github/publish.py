"""After a decision, in GitHub: outputs, summary and annotations for the run, the sticky comment for
reviewers.

These are reports of a decision already made: a comment that cannot be written is said on stderr
(and as a warning annotation), and the decision and its exit code stand.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

from gates.errors import GateError
from gates.model import Decision


def after_check(decision: Decision, environ: Mapping[str, str], out: TextIO, *,
                comment: bool, annotate: bool) -> None:
    """Publish ``decision`` where the workflow and the pull request's reviewers look."""
    from gates.github import actions

    if annotate:
        actions.publish(decision, environ, out)
    if comment:
        done = _comment(decision, environ)
        if done.startswith("could not"):
            print(f"draftgate: {done}", file=sys.stderr)
            if annotate:
                from gates.report.annotations import command

                out.write(command("warning", done, title="draftgate") + "\n")
                out.flush()


def after_error(error: GateError, environ: Mapping[str, str]) -> None:
    """The gate could not decide (exit 2 or 4): the sticky comment says so, so that an earlier
    verdict on the pull request does not stand beside a head nobody judged."""
    from gates.changes import read_event
    from gates.report.markdown import failure

    try:
        head: str | None = read_event(environ.get("GITHUB_EVENT_PATH")).head
    except GateError:
        head = None
    done = _comment(failure(str(error), error.exit_code, head), environ)
    if done.startswith("could not"):
        print(f"draftgate: {done}", file=sys.stderr)


def _comment(body: Decision | str, environ: Mapping[str, str]) -> str:
    from gates.changes import read_event
    from gates.github.approval import target
    from gates.github.client import DEFAULT_API, Client
    from gates.github.comment import upsert
    from gates.report.markdown import MARKER, comment

    try:
        pr = target(read_event(environ.get("GITHUB_EVENT_PATH")), environ)
        api = Client(environ.get("GITHUB_TOKEN", ""), environ.get("GITHUB_API_URL") or DEFAULT_API)
        text = body if isinstance(body, str) else comment(body)
        return upsert(api, pr, text, MARKER)
    except GateError as exc:
        return f"could not update the pull request comment: {exc}"

