"""The gate's only door to git: GitPython's repository discovery and command runner.

Every call passes an argv list (never a shell) and the configuration that makes git's output
machine-readable whatever the user's config says (colour, prefixes, external diff, blank lines).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import IO, cast

import git
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from gates.errors import GitError
from gates.model import Commit

# git's built-in diff drivers make hunk headers name the enclosing function (see the file).
_ATTRIBUTES = resources.files("gates").joinpath("diff-drivers.gitattributes")

_OBJECT_ID = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")
# Variables git may set (a hook's environment) with paths relative to where git runs.
_PATH_VARIABLES = ("GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
                   "GIT_COMMON_DIR")
EMPTY_TREE_SHA1 = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
EMPTY_TREE_SHA256 = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"


_BLOBS_PER_PROCESS = 4096


def _end(process: subprocess.Popen[bytes]) -> None:
    """Close a long-lived ``git cat-file --batch``: end of input, then it exits."""
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class GitRepo:
    """A repository, opened once per run."""

    def __init__(self, path: str | os.PathLike[str] = ".", *, git_dir: bool = False) -> None:
        """Open the repository at or above ``path``; with ``git_dir``, ``path`` is the git
        directory itself (``--git-dir``): bare or not, its work tree is never used."""
        try:
            self.repo = git.Repo(path, search_parent_directories=not git_dir)
        except (InvalidGitRepositoryError, NoSuchPathError):
            raise GitError(f"not a git repository: {os.path.abspath(path)}") from None
        if git_dir:
            # A submodule's git directory or a --separate-git-dir names its work tree relative to
            # itself (or not at all); history does not need one. Name the directory explicitly.
            folder = str(Path(self.repo.git_dir).resolve())
            self.repo.git = git.Git(folder)
            self.repo.git.update_environment(GIT_DIR=folder)
            self._bare = True
        if not self.bare and Path(self.repo.git_dir).name != ".git" \
                and not (Path(self.repo.git_dir) / "commondir").exists():
            self._bare_without_config()
        if self.bare:
            self.root = Path(self.repo.git_dir)
        else:
            self.root = Path(str(self.repo.working_tree_dir))
        # `git replace` (refs/replace/*) would let any object stand for another: a HEAD replaced
        # by a commit holding the staged tree makes a staged change look empty, while git commit
        # records the real one. The gate reads objects as they are.
        self.repo.git.update_environment(GIT_NO_REPLACE_OBJECTS="1")
        self._extra: dict[str, str] = {}
        self._cwd = self.root
        self._resolved: dict[str, str | None] = {}
        self._catfile: subprocess.Popen[bytes] | None = None  # read_blobs' process
        # How to open this repository again, in another process (``gate replay --jobs``).
        self.opened = (os.path.abspath(path), git_dir)

    @contextlib.contextmanager
    def attributes_from_index(self) -> Iterator[None]:
        """git commands in this block take ``.gitattributes`` from the index, not the work tree.

        ``git diff --cached`` reads the work tree's ``.gitattributes`` first: an untracked or
        unstaged one (``*.go diff=python``) would change how the staged change is read, though
        it is not part of what is committed. With an empty work tree git falls back to the
        index's (``--attr-source`` needs git 2.40).
        """
        with tempfile.TemporaryDirectory(prefix="draftgate-attrs-") as empty:
            saved, saved_cwd = dict(self._extra), self._cwd
            # git looks for attributes from where it runs too: run inside the empty tree. Paths
            # git gave relative to the real one (a hook's GIT_INDEX_FILE, ".git/index.lock")
            # are made absolute first, or git would read no index and see no change at all.
            here = os.getcwd()
            for name in _PATH_VARIABLES:
                value = os.environ.get(name)
                if value:
                    self._extra[name] = os.pathsep.join(
                        os.path.join(here, part) if part else part
                        for part in value.split(os.pathsep)) \
                        if name == "GIT_ALTERNATE_OBJECT_DIRECTORIES" \
                        else os.path.join(here, value)
            self._extra.update(GIT_DIR=str(Path(self.repo.git_dir).resolve()),
                               GIT_WORK_TREE=empty)
            self._cwd = Path(empty)
            try:
                yield
            finally:
                self._extra, self._cwd = saved, saved_cwd

    _config = ("-c", "core.quotePath=false", "-c", "color.ui=false",
               "-c", f"core.attributesFile={_ATTRIBUTES}")

    _bare = False

    def _bare_without_config(self) -> None:
        """A bare repository without ``core.bare`` (a mirror copied as a directory): GitPython
        takes its parent for a working tree, git itself knows better. Ask git, and name the
        repository explicitly in every command."""
        env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
        answer = subprocess.run(["git", "rev-parse", "--is-bare-repository"],
                                cwd=self.repo.git_dir, env=env, capture_output=True, check=False)
        if answer.stdout.strip() == b"true":
            self._bare = True
            self.repo.git.update_environment(GIT_DIR=str(self.repo.git_dir))

    @property
    def bare(self) -> bool:
        """True for a repository without a working tree (no index to check)."""
        return self._bare or self.repo.bare

    @property
    def git_dir(self) -> Path:
        """The repository's git directory (``.git`` or the worktree's own)."""
        return Path(self.repo.git_dir)

    def run(self, *args: str, ok_codes: Sequence[int] = (0,), stdin: bytes | None = None) -> bytes:
        """Run ``git args...`` and return its stdout as bytes, exactly as printed.

        In the environment GitPython gives its own commands (its GIT_DIR when one was named, and
        git's messages in English), but read directly: with stderr in a file, stdout (a 30 MB
        patch for a 10,000-file change) is read in one call instead of polled in small chunks.
        """
        command = ["git", *self._config, *args]
        env = {**os.environ, "LANGUAGE": "C", "LC_ALL": "C", **self.repo.git.environment(),
               **self._extra}
        with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as feed:
            if stdin is not None:  # from a file, not a pipe: stdout is then read in one call
                feed.write(stdin)
                feed.seek(0)
            try:
                done = subprocess.run(command, cwd=self._cwd, env=env,
                                      stdin=subprocess.DEVNULL if stdin is None else feed,
                                      stdout=subprocess.PIPE, stderr=errors, check=False)
            except OSError as exc:  # git itself could not be started
                raise GitError(f"git failed: {exc}") from None
            if done.returncode not in ok_codes:
                errors.seek(0)
                raise _failure(args, done.returncode, errors.read())
        return done.stdout

    def stream(self, *args: str, chunk: int = 1 << 20, stdin: bytes | None = None
               ) -> Iterator[bytes]:
        """Run ``git args...`` and yield its stdout in chunks while it runs (``git log -p`` over
        thousands of commits): the caller works while git diffs the next commits.

        stderr goes to a file, not a pipe, so per-commit warnings can never fill a pipe and stall
        git; a failure is raised after the last chunk. Closing the generator early stops git.
        ``stdin`` (a list of commits, too long for a command line) is given from a file too.
        """
        command = ["git", *self._config, *args]
        with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as feed:
            feed.write(stdin or b"")
            feed.seek(0)
            try:
                # GitPython's own environment (GIT_DIR, GIT_COMMON_DIR) names the repository.
                proc = subprocess.Popen(command, cwd=self._cwd,
                                        stdin=feed if stdin is not None else subprocess.DEVNULL,
                                        stdout=subprocess.PIPE,
                                        stderr=errors,
                                        env={**os.environ, **self.repo.git.environment(),
                                             **self._extra})
            except OSError as exc:
                raise GitError(f"git failed: {exc}") from None
            stdout = cast(IO[bytes], proc.stdout)  # stdout=PIPE above
            try:
                while block := stdout.read(chunk):
                    yield block
                status = proc.wait()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                stdout.close()
            if status != 0:
                errors.seek(0)
                raise _failure(args, status, errors.read())

    def text(self, *args: str, ok_codes: Sequence[int] = (0,)) -> str:
        """Like :meth:`run`, decoded and stripped: for short answers such as SHAs and names."""
        return self.run(*args, ok_codes=ok_codes).decode("utf-8", "surrogateescape").strip()

    def resolve(self, rev: str) -> str | None:
        """The commit SHA ``rev`` names, or None when it names no commit (asked once a run:
        the policy's source and the change read the same HEAD)."""
        if rev.startswith("-"):
            return None
        if rev not in self._resolved:
            sha = self.text("rev-parse", "--verify", "--quiet", "--end-of-options",
                            f"{rev}^{{commit}}", ok_codes=(0, 1, 128))
            self._resolved[rev] = sha or None
        return self._resolved[rev]

    def commit(self, rev: str) -> str:
        """The commit SHA ``rev`` names; an unknown revision is a usage error."""
        sha = self.resolve(rev)
        if sha is None:
            hint = " (is the history shallow? fetch more history)" if self.is_shallow() else ""
            raise GitError(f"unknown revision {rev!r}{hint}")
        return sha

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is in ``descendant``'s history (or is it)."""
        status = self.repo.git.execute(
            ["git", "merge-base", "--is-ancestor", ancestor, descendant],
            with_extended_output=True, with_exceptions=False)[0]
        return status == 0

    def is_shallow(self) -> bool:
        """True in a shallow clone, where history (and merge bases) may be missing."""
        return (self.git_dir / "shallow").exists() or (
            Path(self.repo.common_dir) / "shallow").exists()

    def shallow_commits(self) -> frozenset[str]:
        """The commits whose parents a shallow clone left out (empty when not shallow)."""
        found: set[str] = set()
        for folder in {self.git_dir, Path(self.repo.common_dir)}:
            try:
                found.update((folder / "shallow").read_text().split())
            except OSError:
                continue
        return frozenset(found)

    def empty_tree(self) -> str:
        """The id of the empty tree in this repository's hash format."""
        fmt = self.text("rev-parse", "--show-object-format", ok_codes=(0, 128)) or "sha1"
        return EMPTY_TREE_SHA256 if fmt == "sha256" else EMPTY_TREE_SHA1

    def branch(self) -> str | None:
        """The checked-out branch's short name (None on a detached HEAD)."""
        return self.text("symbolic-ref", "--quiet", "--short", "HEAD", ok_codes=(0, 1)) or None

    def show(self, rev: str, path: str) -> bytes | None:
        """The content of ``path`` at ``rev`` (None when it does not exist there)."""
        try:
            return self.run("cat-file", "blob", f"{rev}:{path}")
        except GitError:
            return None

    def show_first(self, rev: str, paths: Sequence[str]) -> tuple[str, bytes] | None:
        """The first of ``paths`` that is a file at ``rev``, with its content: one process for
        all of them (``.gate.yaml``, then ``.gate.yml``). A tree or a link there is not a file."""
        if any("\n" in path for path in paths):  # --batch reads a line each: ask one by one
            for path in paths:
                body = self.show(rev, path)
                if body is not None:
                    return path, body
            return None
        asked = [f"{rev}:{path}" for path in paths]
        out = self.run("cat-file", "--batch", stdin="".join(f"{a}\n" for a in asked).encode())
        pos = 0
        for path in paths:
            eol = out.index(b"\n", pos)
            header = out[pos:eol].split(b" ")
            pos = eol + 1
            # "<id> <type> <size>", then the content; anything else ("<asked> missing") has none.
            if len(header) != 3 or not _OBJECT_ID.fullmatch(header[0]) \
                    or not header[2].isdigit():
                continue
            size = int(header[2])
            body = out[pos:pos + size]
            pos += size + 1
            if header[1] == b"blob":
                return path, body
        return None

    def sizes(self, ids: Iterable[str]) -> dict[str, int]:
        """Object sizes with one ``git cat-file --batch-check`` process."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        out = self.run("cat-file", "--batch-check", stdin="\n".join(wanted).encode() + b"\n")
        sizes = {}
        for line in out.decode().splitlines():
            parts = line.split(" ")
            if len(parts) == 3:
                sizes[parts[0]] = int(parts[2])
        return sizes

    def blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        """Read many blobs with one ``git cat-file --batch`` process per 4,096 of them.

        Each blob is copied out of git's output, so a run holds its output twice for a moment:
        in pieces, a 10,000-file change (20,000 blobs, 36 MB) never holds all of it twice.
        """
        wanted = list(dict.fromkeys(ids))
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), _BLOBS_PER_PROCESS):
            found.update(self._blobs(wanted[start:start + _BLOBS_PER_PROCESS]))
        return found

    def _blobs(self, wanted: list[str]) -> dict[str, bytes]:
        out = self.run("cat-file", "--batch", stdin="\n".join(wanted).encode() + b"\n")
        found: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            eol = out.index(b"\n", pos)
            header = out[pos:eol].split(b" ")
            pos = eol + 1
            if len(header) != 3:  # "<sha> missing"
                continue
            size = int(header[2])
            found[sha] = out[pos:pos + size]
            pos += size + 1
        return found

    def read_blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        """Blobs through one long-lived ``git cat-file --batch``, a commit's worth at a time: for
        a long run (replay), where a process per call would dominate and one request per blob
        would wait on git once per blob. A blob git does not have is an error."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), 512):  # 21 KB of ids: never blocks on the pipe
            chunk = wanted[start:start + 512]
            batch = self._batch()
            stdin, stdout = cast(IO[bytes], batch.stdin), cast(IO[bytes], batch.stdout)
            try:
                stdin.write("".join(f"{sha}\n" for sha in chunk).encode())
                stdin.flush()
                for sha in chunk:
                    header = stdout.readline().split()
                    if len(header) != 3 or header[1] != b"blob":
                        raise GitError(f"git cat-file: {sha} is not a blob here ("
                                       f"{b' '.join(header[1:2]).decode(errors='replace')})")
                    found[sha] = stdout.read(int(header[2]))
                    stdout.read(1)
            except (OSError, ValueError, GitError) as exc:
                # The rest of this answer is still in the pipe: never read it as the next one.
                _end(batch)
                self._catfile = None
                raise exc if isinstance(exc, GitError) else \
                    GitError(f"git cat-file failed: {exc}") from None
        return found

    def _batch(self) -> subprocess.Popen[bytes]:
        if self._catfile is None or self._catfile.poll() is not None:
            try:
                self._catfile = subprocess.Popen(
                    ["git", *self._config, "cat-file", "--batch"], cwd=self._cwd,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                    env={**os.environ, **self.repo.git.environment(), **self._extra})
            except OSError as exc:
                raise GitError(f"git failed: {exc}") from None
            weakref.finalize(self, _end, self._catfile)
        return self._catfile

    def export(self, rev: str, paths: Iterable[str], into: Path) -> None:
        """Write the files under ``paths`` as they are at ``rev`` below ``into`` (no checkout).

        An empty ``rev`` exports the index's copies (what a staged change proposes).
        """
        if rev:
            listing = self.run("ls-tree", "-r", "-z", "--full-tree", rev, "--", *paths)
        else:
            listing = self.run("ls-files", "-s", "-z", "--full-name", "--", *paths)
        entries = []
        for record in listing.split(b"\0"):
            meta, _, name = record.partition(b"\t")
            fields = meta.split()
            # ls-tree: "<mode> blob <sha>"; ls-files -s: "<mode> <sha> <stage>"
            if len(fields) != 3 or fields[0] not in (b"100644", b"100755"):
                continue
            if rev and fields[1] == b"blob":
                entries.append((fields[2].decode(), name.decode("utf-8", "surrogateescape")))
            elif not rev and fields[2] == b"0":
                entries.append((fields[1].decode(), name.decode("utf-8", "surrogateescape")))
        blobs = self.blobs(sha for sha, _ in entries)
        for sha, relative in entries:
            target = (into / relative).resolve()
            if target.is_relative_to(into.resolve()) and sha in blobs:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(blobs[sha])

    def commits(self, base: str, head: str, *, whole: bool = False) -> tuple[Commit, ...]:
        """Commits in ``base..head`` (all of ``head``'s history if ``whole``), newest first."""
        fmt = "%H%x1f%s%x1f%(trailers:only=true,unfold=true)%x1f%b%x1e"
        out = self.run("log", f"--format={fmt}", head if whole else f"{base}..{head}", "--")
        commits = []
        for record in out.decode("utf-8", "replace").split("\x1e"):
            parts = record.strip("\n").split("\x1f")
            if len(parts) != 4:
                continue
            commits.append(Commit(parts[0], parts[1], parse_trailers(parts[2]), parts[3].strip()))
        return tuple(commits)


def parse_trailers(text: str) -> tuple[tuple[str, str], ...]:
    """``key: value`` pairs from ``%(trailers:only=true,unfold=true)`` output."""
    found = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            found.append((key.strip(), value.strip()))
    return tuple(found)


def _failure(args: Sequence[str], status: int, stderr: bytes) -> GitError:
    """git's first line of complaint, as one line a person can act on."""
    message = stderr.decode("utf-8", "replace").strip()
    first = message.splitlines()[0] if message else f"exit {status}"
    return GitError(f"git {_subcommand(args)} failed: {first.removeprefix('fatal: ')}")


def _subcommand(args: Sequence[str]) -> str:
    """The git sub-command in ``args``, past any leading ``-c key=value`` pairs."""
    i = 0
    while i < len(args) and args[i] == "-c":
        i += 2
    return args[i] if i < len(args) else "git"
