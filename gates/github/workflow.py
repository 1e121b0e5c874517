"""``gate init --github``: the workflows that put the gate on a repository's pull requests.

Two files, because they must differ in privilege: ``draftgate.yml`` (``pull_request_target``:
the workflow and the policy come from the base branch, the head is read as data) and
``draftgate-commands.yml`` (``pull_request``: the policy's command stages, which run the pull
request's code, with a read-only token and no secrets). They are named after the tool rather than
``gate.yml`` so that they sit beside a repository's own workflows without colliding. Both pin
the draftgate that wrote them. See docs/github.md.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from gates import __version__
from gates.errors import UsageError

WORKFLOWS = Path(".github") / "workflows"
# Template (package data) -> the file it becomes in the repository.
FILES = {"gate.yml": "draftgate.yml", "gate-commands.yml": "draftgate-commands.yml"}
PLACEHOLDER = "@VERSION@"


def template(name: str) -> str:
    """The template ``name`` as shipped, with the running draftgate's version pinned."""
    text = resources.files("gates.github").joinpath("templates", name).read_text("utf-8")
    return text.replace(PLACEHOLDER, __version__)


def write_workflow(root: Path, *, force: bool) -> list[str]:
    """Write the workflows into the repository at ``root``; returns the lines to print.

    Nothing is written when any target exists and ``force`` is not given (one file replaced and
    its twin kept would pair workflows of two different designs).
    """
    folder = root / WORKFLOWS
    if not folder.resolve().is_relative_to(root.resolve()):
        raise UsageError(f"{WORKFLOWS} leads outside the repository (a symlink?): not writing")
    targets = {folder / target: template(source) for source, target in FILES.items()}
    if not force:
        existing = [path for path in targets if path.exists() or path.is_symlink()]
        if existing:
            names = " and ".join(str(path.relative_to(root)) for path in existing)
            verb = "exists" if len(existing) == 1 else "exist"
            raise UsageError(f"{names} already {verb}: use --force to replace")
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for path, text in targets.items():
        # A symlink is replaced, never followed: the workflow lands where GitHub reads it.
        if path.is_symlink():
            path.unlink()
        path.write_text(text, encoding="utf-8")
        done.append(f"wrote {path.relative_to(root)}")
    done += [
        f"pinned draftgate=={__version__}: change DRAFTGATE_REQUIREMENT in both files if you "
        "install draftgate from elsewhere",
        "next: require the status \"draftgate/<branch>\" (draftgate/main) on protected branches, "
        "create the approval label, and put the model key in the \"draftgate\" environment's "
        "secrets (see docs/github.md in draftgate)",
    ]
    return done
