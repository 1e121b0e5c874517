"""Which policy judges a change, and from which revision it is read.

The policy that judges a change is read from the side the change cannot edit: the base commit of a
range or pull request, and HEAD for staged changes. A pull request that weakens ``.gate.yaml`` is
judged by the policy it is trying to replace (and the edit itself is high tier by default).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from gates.errors import PolicyError, UsageError
from gates.gitrepo import GitRepo
from gates.policy.load import Reader, default_text, load_policy
from gates.policy.model import DEFAULT_ORIGIN, POLICY_NAMES, Policy

# Where a policy read from the staged index says it came from (``index:.gate.yaml``).
INDEX = "index"


def from_file(path: str | Path, root: Path | None = None) -> Policy:
    """Load a policy file from disk; ``extends:`` paths are relative to it.

    With ``root`` (the repository's work tree), the files it reads that lie inside the repository
    are recorded as the policy's own files (``Policy.files``), which makes them gate-critical.
    """
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read policy {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", path=str(path)) from None
    policy = load_policy(text, str(path), _read_disk)
    inside = [_relative(origin, root) for origin in policy.files]
    hotspots = _relative(policy.hotspots_file, root) if policy.hotspots_file else None
    return replace(policy, files=tuple(p for p in inside if p), hotspots_file=hotspots or "")


def _relative(origin: str, root: Path | None) -> str | None:
    """A file the policy read, relative to the repository's root; None when outside it."""
    if root is None:
        return None
    try:
        return Path(origin).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _read_disk(relative: str, referrer: str) -> tuple[str, str]:
    """``extends:`` paths are relative to the file that names them."""
    target = Path(referrer).parent / relative
    return target.read_text("utf-8"), str(target)


def default() -> Policy:
    """The policy shipped with draftgate."""
    return load_policy(default_text(), DEFAULT_ORIGIN)


def discover(repo: GitRepo | None, root: Path, revision: str | None) -> Policy | None:
    """``.gate.yaml`` at the repository root, read from ``revision`` if given; None if absent.

    ``revision`` may be :data:`INDEX`: the policy as staged (what a staged change proposes).
    """
    if revision is not None and repo is not None:
        return _at_revision(repo, revision)
    for name in POLICY_NAMES:
        if (root / name).is_file():
            return from_file(root / name, root)
    return None


def _at_revision(repo: GitRepo, revision: str,
                 names: Sequence[str] = POLICY_NAMES) -> Policy | None:
    """The policy file (the first of ``names``, relative to the root) as it is at ``revision``;
    None if absent."""
    label = INDEX if revision == INDEX else revision[:12]
    rev = "" if revision == INDEX else revision  # git's ":path" names the index's copy
    found = repo.show_first(rev, names)
    if found is None:
        return None
    name, blob = found
    origin = f"{label}:{name}"
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", path=origin) from None
    policy = load_policy(text, origin, _revision_reader(repo, rev, label))
    return replace(policy, files=tuple(o.partition(":")[2] for o in policy.files),
                   hotspots_file=policy.hotspots_file.partition(":")[2])


def choose(repo: GitRepo | None, root: Path, revision: str | None,
           explicit: str | None, *, untrusted_tree: bool = False,
           checkout_is_change: bool = False) -> tuple[Policy, tuple[str, ...]]:
    """The policy that judges a change, and a note when ``--policy`` was overruled.

    The repository's own ``.gate.yaml`` comes first, then ``--policy``, then the default: in a pull
    request the command line lives in a workflow file the pull request itself can edit, while
    ``.gate.yaml`` is read from the base commit. With ``untrusted_tree`` (a change with no trusted
    revision: before the first commit, or a push of brand-new history) every file of the work tree
    is part of the change, so the shipped default judges, and so does a ``--policy`` file inside
    the repository. With ``checkout_is_change`` (a range or a pull request, whose work tree is the
    head's checkout) a ``--policy`` file inside the repository that the trusted revision lacks is
    the change's own, and does not judge.
    """
    if untrusted_tree:
        if explicit is not None and not _inside(Path(explicit), root):
            return from_file(explicit), ()
        notes = () if explicit is None else (
            f"--policy {explicit} ignored: it is part of a change with no trusted revision "
            "(before the first commit, the shipped default policy judges)",)
        return default(), notes
    found = discover(repo, root, revision)
    if found is not None:
        notes = () if explicit is None else (
            f"--policy {explicit} ignored: the repository's {found.origin} judges this change",)
        return found, notes
    if explicit is not None:
        return _explicit(repo, root, revision, explicit, checkout_is_change)
    return default(), ()


def _explicit(repo: GitRepo | None, root: Path, revision: str | None,
              explicit: str, checkout_is_change: bool) -> tuple[Policy, tuple[str, ...]]:
    """``--policy FILE``: a file committed in the repository is read from the trusted revision,
    like ``.gate.yaml`` (a staged edit of it must not judge itself)."""
    if repo is None or revision is None or not _inside(Path(explicit), root):
        return from_file(explicit, root), ()
    relative = Path(explicit).resolve().relative_to(root.resolve()).as_posix()
    found = _at_revision(repo, revision, (relative,))
    if found is not None:
        return found, ()
    if not checkout_is_change:
        # Staged: not committed yet, the file on disk (gate-critical all the same, as one of
        # policy.files, and validated as proposed).
        return from_file(explicit, root), ()
    # A range's or pull request's checkout is the head: a pull request that adds the file its
    # workflow names would write the policy that judges it.
    if not Path(explicit).exists():
        return from_file(explicit, root), ()  # its own error: no such file
    raise UsageError(f"--policy {explicit} is not in the trusted revision {revision[:12]}: the "
                     "change adds it, and a change cannot write the policy that judges it "
                     "(commit it to the base branch first)")


def proposed(repo: GitRepo, revision: str, explicit: str | None = None) -> Policy | None:
    """The policy as the change would leave it (``revision``: a head commit, or :data:`INDEX`),
    chosen as :func:`choose` chooses; None when the shipped default would judge."""
    found = discover(repo, repo.root, revision)
    if found is not None or explicit is None:
        return found
    if not _inside(Path(explicit), repo.root):
        return from_file(explicit)  # outside the repository: the change cannot edit it
    relative = Path(explicit).resolve().relative_to(repo.root.resolve()).as_posix()
    return _at_revision(repo, revision, (relative,))


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _revision_reader(repo: GitRepo, revision: str, label: str) -> Reader:
    def read(relative: str, referrer: str) -> tuple[str, str]:
        folder = posixpath.dirname(referrer.partition(":")[2])
        path = posixpath.normpath(posixpath.join(folder, relative))
        if path == ".." or path.startswith("../"):
            raise FileNotFoundError(2, "outside the repository")
        blob = repo.show(revision, path)
        if blob is None:
            raise FileNotFoundError(2, f"not in {label}")
        return blob.decode("utf-8", "replace"), f"{label}:{path}"
    return read


def on_disk(cwd: Path) -> Path:
    """The repository's policy file as it is on disk (``gate policy validate`` with no FILE): the
    file being edited, where ``gate check`` reads the committed one."""
    from gates.errors import GateError

    try:
        root = GitRepo(cwd).root
    except GateError:
        root = cwd
    for name in POLICY_NAMES:
        if (root / name).is_file():
            return root / name
    raise UsageError(f"no .gate.yaml at {root}: name the policy file to validate")


def for_replay(repo: GitRepo, until: str, explicit: str | None,
               compare: str | None) -> tuple[Policy, ...]:
    """The policy to replay (``--policy``, else ``.gate.yaml`` as committed at ``until``, else the
    default), then the one to compare with.

    Unlike ``gate check``, an explicit file wins over the repository's: replay judges nothing, it
    answers "what would this policy have done", and the file named is the one being asked about.
    """
    chosen = from_file(explicit) if explicit is not None \
        else discover(repo, repo.root, until) or default()
    return (chosen,) if compare is None else (chosen, from_file(compare))
