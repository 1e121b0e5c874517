"""Which policy judges a change, and from which revision it is read.

The policy that judges a change is read from the side the change cannot edit: the base commit of a
range or pull request, and HEAD for staged changes. A pull request that weakens ``.gate.yaml`` is
judged by the policy it is trying to replace (and the edit itself is high tier by default).
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from gates.errors import PolicyError, UsageError
from gates.gitrepo import GitRepo
from gates.policy import DEFAULT_ORIGIN, Policy
from gates.policyload import Reader, default_text, load_policy

POLICY_NAMES = (".gate.yaml", ".gate.yml")


def from_file(path: str | Path) -> Policy:
    """Load a policy file from disk; ``extends:`` paths are relative to it."""
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read policy {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", path=str(path)) from None
    return load_policy(text, str(path), _read_disk)


def _read_disk(relative: str, referrer: str) -> tuple[str, str]:
    """``extends:`` paths are relative to the file that names them."""
    target = Path(referrer).parent / relative
    return target.read_text("utf-8"), str(target)


def default() -> Policy:
    """The policy shipped with draftgate."""
    return load_policy(default_text(), DEFAULT_ORIGIN)


def discover(repo: GitRepo | None, root: Path, revision: str | None) -> Policy | None:
    """``.gate.yaml`` at the repository root, read from ``revision`` if given; None if absent."""
    if revision is not None and repo is not None:
        for name in POLICY_NAMES:
            blob = repo.show(revision, name)
            if blob is not None:
                origin = f"{revision[:12]}:{name}"
                try:
                    text = blob.decode("utf-8")
                except UnicodeDecodeError:
                    raise PolicyError("not UTF-8 text", path=origin) from None
                return load_policy(text, origin, _revision_reader(repo, revision))
        return None
    for name in POLICY_NAMES:
        if (root / name).is_file():
            return from_file(root / name)
    return None


def choose(repo: GitRepo | None, root: Path, revision: str | None,
           explicit: str | None) -> tuple[Policy, tuple[str, ...]]:
    """The policy that judges a change, and a note when ``--policy`` was overruled.

    The repository's own ``.gate.yaml`` comes first, then ``--policy``, then the default: in a pull
    request the command line lives in a workflow file the pull request itself can edit, while
    ``.gate.yaml`` is read from the base commit.
    """
    found = discover(repo, root, revision)
    if found is not None:
        notes = () if explicit is None else (
            f"--policy {explicit} ignored: the repository's {found.origin} judges this change",)
        return found, notes
    if explicit is not None:
        return from_file(explicit), ()
    return default(), ()


def _revision_reader(repo: GitRepo, revision: str) -> Reader:
    def read(relative: str, referrer: str) -> tuple[str, str]:
        folder = posixpath.dirname(referrer.partition(":")[2])
        path = posixpath.normpath(posixpath.join(folder, relative))
        blob = repo.show(revision, path)
        if blob is None:
            raise FileNotFoundError(2, f"not in {revision[:12]}")
        return blob.decode("utf-8", "replace"), f"{revision[:12]}:{path}"
    return read
