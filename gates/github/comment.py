"""The one sticky pull-request comment: found again by its hidden marker and edited in place.

Anyone can post a comment that starts with the marker, so a candidate counts only when the account
that wrote it is the one the gate's token acts as (the workflow's ``github-actions[bot]``, the App
whose token the gate uses, or the owner of a personal token), asked of GitHub each time. A token
with write access may edit anyone's comment: were the gate to adopt a marked comment of another
account (a coding agent is often a GitHub App too), that account, its author, could rewrite the
gate's words between runs. Nor can a planted comment make the gate skip its own.
"""

from __future__ import annotations

from typing import Any

from gates.github.approval import Target
from gates.github.client import Client, GitHubError


def upsert(api: Client, pr: Target, body: str, marker: str, *, me: str = "") -> str:
    """Update the gate's comment on ``pr`` (or create it); returns what was done.

    ``me`` is the login the token acts as; empty, GitHub is asked.
    """
    rest = api.rest
    me = me or api.login()
    comments = api.pages("listing the pull request's comments", rest.issues.list_comments,
                         pr.owner, pr.repo, pr.number)
    ours = [c for c in comments if isinstance(c, dict) and _ours(c, marker, me)]
    for found in ours:
        try:
            api.call("updating the gate's comment", rest.issues.update_comment, pr.owner,
                     pr.repo, found["id"], body=body)
        except GitHubError:
            continue  # not ours to edit after all (another app's): write our own
        return f"updated comment {found.get('html_url') or found['id']}"
    made = api.call("commenting on the pull request", rest.issues.create_comment, pr.owner,
                    pr.repo, pr.number, body=body)
    return f"created comment {made.get('html_url') or made.get('id')}"


def _ours(comment: dict[str, Any], marker: str, me: str) -> bool:
    body = comment.get("body")
    user = comment.get("user") or {}
    if not isinstance(body, str) or not body.startswith(marker) or not isinstance(user, dict):
        return False
    if not isinstance(comment.get("id"), int):
        return False
    return str(user.get("login", "")).casefold() == me.casefold()
