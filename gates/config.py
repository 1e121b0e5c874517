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
from gates.policy import Policy, Reader, default_text, load_policy

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
    return load_policy(text, str(path), _disk_reader(file.parent))


def _disk_reader(folder: Path) -> Reader:
    def read(relative: str) -> tuple[str, str]:
        target = folder / relative
        return target.read_text("utf-8"), str(target)
    return read


def default() -> Policy:
    """The policy shipped with draftgate."""
    return load_policy(default_text(), "<default policy>")


def discover(repo: GitRepo | None, root: Path, revision: str | None) -> Policy:
    """``.gate.yaml`` at the repository root, read from ``revision`` if given; else the default."""
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
        return default()
    for name in POLICY_NAMES:
        if (root / name).is_file():
            return from_file(root / name)
    return default()


def _revision_reader(repo: GitRepo, revision: str) -> Reader:
    def read(relative: str) -> tuple[str, str]:
        path = posixpath.normpath(relative)
        blob = repo.show(revision, path)
        if blob is None:
            raise FileNotFoundError(2, f"not in {revision[:12]}")
        return blob.decode("utf-8", "replace"), f"{revision[:12]}:{path}"
    return read
