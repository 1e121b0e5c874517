"""The warm hook's short way: a staged decision reused whole when nothing it rests on changed.

A developer runs the hook again and again on the same staged change (a commit that failed, a
message retyped, ``git commit --amend``). Rebuilding the same decision costs the interpreter's
start plus ~0.1 s of imports (GitPython, click, the policy, the pipeline) and ten git processes.
Here, before any of that is imported, three git processes and some ``stat`` calls name everything
the decision depends on; when a stored decision has that name, its report is printed again, its
record is logged again (marked ``reused``), and the process exits with its code.

What names a decision (:func:`key`): the command line; the repository (git dir, work tree); HEAD
(so the committed policy, ``.gitattributes`` and the base of every diff); the branch (AI
provenance reads it); the staged tree (``git write-tree``: every staged byte, mode and path); the
environment but for a few variables that change from shell to shell and cannot change a verdict;
whether the output is a terminal, and its width; the Python and draftgate that run (every file of
the package and its rules, by size and mtime, and the directories on ``sys.path``, whose mtime
changes when a package is installed or removed); git itself; the configuration git applies
(``git config --list``: every file, includes and ``GIT_CONFIG_*`` alike) and ``info/attributes``
of the git dir and the common dir, by content. (The staged diff takes ``.gitattributes`` from the
index, which the staged tree names: gates.gitrepo.GitRepo.attributes_from_index.)
The run that stores a decision adds the executables it resolved (bandit, semgrep, a command's
tool: the name must still resolve to the same path, of the same size and mtime) and the files it
read from outside the repository (semgrep rules, review instructions: by content). A stored
decision is reused for a day at most.

What is never stored: anything but pass, block or pending; a decision in which the dependency
audit ran (advisories and package indexes change by the hour) or a command stage ran (a command
reads the working tree), or an optional stage could not run; semgrep rules from a registry or a
URL; a run inside GitHub Actions; a decision whose repository the key did not name. When in
doubt the gate runs: every failure here is a miss, never an answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

TTL = 24 * 3600  # seconds a stored decision may be reused
SCHEMA = 1
# Arguments a stored decision may answer: the staged check and the pre-commit hook, plainly.
_CHECK_FLAGS = {"--staged", "--explain", "--verbose", "-v"}
_FORMATS = {"terminal", "json"}
# Variables that differ between two shells (or two `git commit`s) and cannot change a verdict.
# GIT_INDEX_FILE's *content* is in the key through `git write-tree`.
_VOLATILE = {"_", "PWD", "OLDPWD", "SHLVL", "GIT_INDEX_FILE", "GIT_EDITOR", "GIT_PREFIX",
             "GIT_REFLOG_ACTION", "TERM_SESSION_ID", "WINDOWID", "SSH_AUTH_SOCK",
             "SSH_AGENT_PID", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "STY", "TMUX_PANE",
             "KITTY_WINDOW_ID", "ITERM_SESSION_ID", "VSCODE_GIT_IPC_HANDLE",
             "VSCODE_GIT_ASKPASS_MAIN", "VSCODE_GIT_ASKPASS_NODE", "VSCODE_GIT_ASKPASS_EXTRA_ARGS",
             "GIT_ASKPASS", "DRAFTGATE_AUDIT_LOG"}

_HEAD = ("rev-parse", "--absolute-git-dir", "--git-common-dir", "--show-toplevel", "HEAD",
         "--symbolic-full-name", "HEAD")
# The state each key() named, by git dir: unchanged() compares with it after the run.
_last: dict[str, tuple[str, str]] = {}
# Set by the CLI (gates.cli._record) when the decision it just made may be stored.
offered: dict[str, Any] | None = None
# What this run rested on beyond the key, noted where it happens: executables as resolved on
# PATH (name -> path), files read from outside the repository (semgrep rules, review
# instructions: checked by content), and reasons the decision must not be stored at all.
resolved: dict[str, str] = {}
read_files: set[str] = set()
unsure: list[str] = []
MAX_ENTRY = 4 << 20  # bytes; a stored report is a few kilobytes


def depends_on(path: str | os.PathLike[str]) -> None:
    """Note a file outside the key that the decision read (checked by content on reuse)."""
    read_files.add(os.path.abspath(path))


def not_reusable(reason: str) -> None:
    """Note that this run's decision rests on something no key can name."""
    unsure.append(reason)


def eligible(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> bool:
    """Whether a stored decision may answer this command line at all."""
    if environ.get("GITHUB_ACTIONS") == "true" or environ.get("DRAFTGATE_NO_REUSE"):
        return False
    if argv[:2] == ["hook", "pre-commit"]:
        return all(a in ("--verbose", "-v") for a in argv[2:])
    if argv[:1] != ["check"]:
        return False
    rest = argv[1:]
    while rest:
        if rest[0] == "--format" and len(rest) > 1 and rest[1] in _FORMATS:
            rest = rest[2:]
        elif rest[0] in _CHECK_FLAGS:
            rest = rest[1:]
        else:
            return False
    return True


def key(argv: list[str], environ: dict[str, str] | os._Environ[str],
        out: TextIO, err: TextIO) -> tuple[str, str] | None:
    """``(git_dir, name)`` of the decision this run would make, or None when it cannot tell."""
    # The three at once. write-tree fails (a miss) during a merge conflict, as git commit would;
    # the configuration is the one git applies (every file, includes and GIT_CONFIG_* too), by
    # content: a diff driver's funcname there changes what a hunk header names.
    head, tree, config = _git(_HEAD, ("write-tree",), ("config", "--list", "-z"))
    if head is None or tree is None or config is None:
        return None
    lines = head.splitlines()
    if len(lines) != 5 or len(tree.split()) != 1:
        return None
    _last[lines[0]] = (head, tree)
    git_dir, common = lines[0], os.path.join(os.getcwd(), lines[1])
    parts: list[Any] = [SCHEMA, argv, lines, tree.strip(), sys.version, sys.executable,
                        sorted((k, v) for k, v in environ.items() if k not in _VOLATILE),
                        [_tty(out), _tty(err)], _code(), os.getcwd(),
                        _stat(Path(shutil.which("git") or "git")),
                        # A package installed or removed beside the scanners (a bandit plugin,
                        # a dependency) changes its site directory's mtime.
                        [_stat(Path(p)) for p in sys.path if p]]
    parts.append(hashlib.sha256(config.encode("utf-8", "surrogateescape")).hexdigest())
    parts.append([_digest(Path(folder) / "info" / "attributes") for folder in (git_dir, common)])
    digest = hashlib.sha256(json.dumps(parts, default=str).encode("utf-8",
                                                                 "surrogateescape")).hexdigest()
    return git_dir, digest


def head_of(git_dir: str) -> str | None:
    """The HEAD commit :func:`key` read for ``git_dir``."""
    lines = _last[git_dir][0].splitlines() if git_dir in _last else []
    return lines[3] if len(lines) == 5 else None


def unchanged(git_dir: str) -> bool:
    """Whether HEAD, the branch and the staged tree are still what :func:`key` named for
    ``git_dir``: asked after a run, so a decision made while the index changed is not stored
    under the name of the state before."""
    head, tree = _git(_HEAD, ("write-tree",))
    return head is not None and tree is not None and _last.get(git_dir) == (head, tree)


def lookup(git_dir: str, name: str, now: float | None = None) -> dict[str, Any] | None:
    """The stored decision named ``name``, if it is fresh and every file it rests on is as it
    was; anything unreadable is a miss."""
    path = _store(git_dir) / f"{name}.json"
    try:
        entry = json.loads(_read_entry(path))
        now = time.time() if now is None else now
        created = float(entry["created"])
        if not 0 <= now - created <= TTL or entry["schema"] != SCHEMA:
            return None
        if any(_stat(Path(p)) != list(seen) for p, *seen in entry["executables"]):
            return None
        # A tool that another PATH entry now shadows is another tool.
        if any((shutil.which(n) or n) != found for n, found in entry["resolved"]):
            return None
        if any(_digest(Path(p)) != seen for p, seen in entry["files"]):
            return None
        if not isinstance(entry["stdout"], str) or not isinstance(entry["stderr"], str) \
                or type(entry["code"]) is not int or not isinstance(entry["record"], dict):
            return None
        return entry  # type: ignore[no-any-return]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(git_dir: str, name: str, *, stdout: str, stderr: str, code: int,
          record: dict[str, Any], executables: dict[str, str], files: list[str]) -> None:
    """Keep this decision for later runs (atomically; a failure to store is silent)."""
    folder = _store(git_dir)
    entry = {"schema": SCHEMA, "created": time.time(), "stdout": stdout, "stderr": stderr,
             "code": code, "record": record,
             "executables": [[p, *_stat(Path(p))] for p in sorted(set(executables.values()))],
             "resolved": sorted([n, p] for n, p in executables.items()),
             "files": [[p, _digest(Path(p))] for p in sorted(set(files))]}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _prune(folder)
        partial = folder / f".{name}.{os.getpid()}.tmp"
        partial.write_text(json.dumps(entry), "utf-8")
        partial.replace(folder / f"{name}.json")
    except (OSError, ValueError, TypeError):
        return


def replay(git_dir: str, entry: dict[str, Any], started: float, out: TextIO,
           err: TextIO) -> int:
    """Print the stored report, log the decision again, and return its exit code."""
    for stream, text in ((out, entry["stdout"]), (err, entry["stderr"])):
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):
            continue  # a reader that went away (| head): the decision stands, and is logged
    record = dict(entry["record"])
    model = record.get("model")
    if isinstance(model, dict) and model.get("provider") is not None:
        # Nothing was asked this time: the record must not bill the model again.
        # As a fresh run over the verdict cache would log it: every batch from the cache.
        asked, kept = (value if isinstance(value := model.get(k), int) else 0
                       for k in ("calls", "cached"))
        record["model"] = {**model, "calls": 0, "tokens_in": 0, "tokens_out": 0,
                           "cost": None if model.get("cost") is None else 0.0,
                           "cached": asked + kept}
    from datetime import UTC, datetime

    from gates.audit.log import AuditLogError, append, default_path

    record.update(id=os.urandom(12).hex(),
                  time=datetime.now(UTC).isoformat(timespec="microseconds"),
                  duration=round(time.perf_counter() - started, 4), reused=True)
    try:
        append(default_path(Path(git_dir), os.environ), record)
    except AuditLogError as exc:
        err.write(f"gate: audit log not written: {exc}\n")
    except Exception as exc:  # the decision stands whatever the log does
        err.write(f"gate: audit log not written: internal error: {type(exc).__name__}\n")
    return int(entry["code"])


def _git(*commands: tuple[str, ...]) -> list[str | None]:
    """Each git command's stdout (None when it failed), the commands run at once."""
    env = {**os.environ, "GIT_NO_REPLACE_OBJECTS": "1"}  # as the gate reads objects
    started: list[subprocess.Popen[bytes] | None] = []
    for args in commands:
        try:
            started.append(subprocess.Popen(["git", *args], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                            env=env))
        except OSError:
            started.append(None)
    out: list[str | None] = []
    for child in started:
        if child is None:
            out.append(None)
            continue
        try:
            data, _ = child.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            out.append(None)
            continue
        try:
            out.append(data.decode("utf-8") if child.returncode == 0 else None)
        except UnicodeDecodeError:
            out.append(None)
    return out


def _read_entry(path: Path) -> str:
    """A stored entry's text: a regular file, not followed through a link, of bounded size
    (a FIFO or a device in the store must not hang or flood the hook)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY:
            raise ValueError("not a stored decision")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(MAX_ENTRY + 1).decode("utf-8")
    finally:
        os.close(fd)


def _digest(path: Path) -> str | None:
    """A small file by content (a same-size edit with its mtime put back is still an edit)."""
    try:
        with path.open("rb") as handle:
            return hashlib.sha256(handle.read(MAX_ENTRY)).hexdigest()
    except OSError:
        return None


def _stat(path: Path) -> list[Any]:
    try:
        st = path.stat()
    except OSError:
        return [None, None]
    return [st.st_size, st.st_mtime_ns]


def _tty(stream: TextIO) -> list[Any]:
    try:
        if not stream.isatty():
            return [False]
        return [True, os.get_terminal_size(stream.fileno()).columns]
    except (OSError, ValueError, AttributeError):
        return [False]


_CODE: list[str] = []


def _code() -> str:
    """The running draftgate: every file of the package and of its rules, by size and mtime (an
    editable install changes code without changing its version)."""
    if not _CODE:
        import importlib.util

        roots = [Path(__file__).resolve().parent]
        spec = importlib.util.find_spec("gates.policies")
        if spec is not None and spec.submodule_search_locations:
            roots += [Path(p).resolve() for p in spec.submodule_search_locations]
        seen = []
        for root in roots:
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                for name in sorted(files):
                    path = Path(folder) / name
                    seen.append([str(path), *_stat(path)])
        _CODE.append(hashlib.sha256(json.dumps(seen).encode()).hexdigest())
    return _CODE[0]


def _store(git_dir: str) -> Path:
    return Path(git_dir) / "draftgate" / "decisions"


def _prune(folder: Path) -> None:
    """Drop entries older than the TTL, so the folder holds about a day of decisions."""
    cutoff = time.time() - TTL
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


__all__ = ["TTL", "depends_on", "eligible", "key", "lookup", "not_reusable", "offered",
           "read_files", "replay", "resolved", "store", "unsure"]
