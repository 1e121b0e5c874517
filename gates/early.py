"""The scanners started at the top of a fresh staged check, before the gate has decided it
needs them.

A cold ``gate check --staged`` spends about 0.2 s importing, collecting and classifying before the
SAST stage starts bandit and semgrep (about 0.1 s and 0.25 s on five files). That is why it was
slower than running the two by hand. So ``gate`` (gates.launch), having found no stored decision,
writes the staged version of every changed file to a private folder and starts both there with the
default policy's command lines, then carries on. The SAST stage later *takes* such a run instead of
starting its own only when nothing can tell the two apart:

- the same command line (executable, engine, rules, skipped or disabled rules) and the same
  environment;
- every file it asks for was scanned by the early run, with byte-for-byte the same content (what
  it reads from its workspace is compared with what the early run was given);
- no semgrep configuration file (``.semgrepignore`` and the like) among the files, where either
  run would read it from its own folder.

- exactly the files it scanned: fewer (the others came from the scan cache, or the policy
  excludes them) would mean waiting for work nobody asked for.

Anything else, and the early run is stopped at once and the stage runs the scanner as it always
did (the same when the stage needs no scan at all). An early run starts only under the default
policy (no ``.gate.yaml`` or ``.gate.yml`` at HEAD): a repository's own policy may exclude files,
skip tests or change the rules. Until the CLI takes over the stop signals, a SIGTERM or SIGHUP
stops the early runs and removes their folder first. Nothing here can turn a finding into a pass;
at worst it spends CPU.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_REGULAR = (b"100644", b"100755")
_MOST_FILES = 200  # a larger change is not the hook's common case: no early start
_MOST_BYTES = 8 << 20
_ONE_JOB = 20  # semgrep gets one worker for this many target files or fewer
KNOWN = "scanned"  # beside the scan cache: which files' results it holds (remember)
_KNOWN_BYTES = 1 << 20
BANDIT_CHUNK = 40  # files below which a second bandit process costs more (its start) than it saves


def shipped_rules() -> Path:
    """The folder of rules that ship with draftgate."""
    return Path(str(resources.files("gates.policies").joinpath("semgrep")))


def semgrep_command(executable: str, engine: str, configs: Sequence[str],
                    disable: Sequence[str], targets: int) -> list[str]:
    """semgrep's command line for ``targets`` files, without them (gates.scanners.semgrep uses it
    too, so the early run and the stage's can only differ by what the policy says)."""
    argv = [executable]
    if engine in ("auto", "native"):
        argv.append("--experimental")
    if targets <= _ONE_JOB:
        # A few files: one worker. Its own parallelism only adds a thread that competes with the
        # gate and bandit for the same cores (0.30 s instead of 0.20 s on 5 files, 2 busy cores).
        argv += ["--jobs", "1"]
    # --max-target-bytes 0: semgrep silently skips files over 1 MB by default.
    argv += ["--json", "--metrics=off", "--disable-version-check", "--disable-nosem",
             "--no-git-ignore", "--quiet", "--max-target-bytes", "0"]
    for config in configs:
        argv += ["--config", config]
    for rule in disable:
        argv += ["--exclude-rule", rule]
    return argv


def bandit_command(executable: str, skip: Sequence[str]) -> list[str]:
    """bandit's command line without its targets (gates.scanners.bandit uses it too)."""
    # -x '': bandit's default excludes (.git, CVS, .tox, __pycache__...) match substrings even
    # of files named on the command line, so tools/CVS_import.py would go unscanned.
    argv = [executable, "-f", "json", "-q", "--ignore-nosec", "-x", ""]
    if skip:
        argv += ["-s", ",".join(skip)]
    return argv


@dataclass(slots=True)
class _Early:
    process: subprocess.Popen[bytes]
    folder: Path  # files/ (the targets, the working directory), and the tool's out and err
    head: list[str]
    env: dict[str, str]
    files: dict[str, bytes]
    started: float


_running: dict[str, _Early] = {}  # by tool name
_signal = {"starting": 0, "pending": 0}  # a scanner being started; a stop signal that waits
_folder: list[Path] = []  # the one folder every early run of this process works in


def start(head_sha: str, git_dir: str) -> None:
    """Start semgrep and bandit on the staged version of the files that differ from
    ``head_sha`` (called from the current directory, inside the repository), leaving out, per
    scanner, the files whose results the scan cache of ``git_dir`` holds (:func:`remember`).
    Never raises: any surprise means no early run."""
    if _folder:
        return
    from gates import proc

    try:
        staged = _staged(head_sha)
        if not staged:
            return
        known = _known(Path(git_dir) / "draftgate" / KNOWN)
        digests = {path: hashlib.sha256(content).hexdigest() for path, content in staged.items()}
        wanted = {tool: {p: c for p, c in staged.items()
                         if f"{tool} {digests[p]} {p}" not in known}
                  for tool in ("semgrep", "bandit")}
        wanted["bandit"] = {p: c for p, c in wanted["bandit"].items() if p.endswith(".py")}
        files = {**wanted["semgrep"], **wanted["bandit"]}
        if not files:
            return
        folder = Path(tempfile.mkdtemp(prefix="draftgate-early-"))
        _folder.append(folder)
        atexit.register(discard)
        for number, default in ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGHUP, signal.SIG_DFL),
                                (signal.SIGINT, signal.default_int_handler)):
            if signal.getsignal(number) is default:
                signal.signal(number, _stopped)
        for path, content in files.items():
            _write(folder / "files", path, content)
        semgrep, bandit = shutil.which("semgrep"), shutil.which("bandit")
        if semgrep is not None and wanted["semgrep"]:
            _launch("semgrep", semgrep_command(semgrep, "auto", [str(shipped_rules())], [],
                                               len(wanted["semgrep"])),
                    wanted["semgrep"], proc.tool_environment(ENV))
        if bandit is not None and 0 < len(wanted["bandit"]) < 2 * BANDIT_CHUNK:
            _launch("bandit", bandit_command(bandit, ()), wanted["bandit"],
                    proc.tool_environment())
    except (OSError, ValueError, subprocess.SubprocessError):
        discard()


def _stopped(number: int, _frame: object) -> None:
    """A stop signal before the CLI handles them: no early run or copy of the change outlives
    the gate; then the signal does what it would have done. While a scanner is being started its
    process is not known yet (the signal may come from it, at once): the signal waits for it."""
    if _signal["starting"]:
        _signal["pending"] = number
        return
    discard()
    if number == signal.SIGINT:
        signal.signal(number, signal.default_int_handler)
        raise KeyboardInterrupt
    signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)


def _launch(tool: str, head: list[str], files: dict[str, bytes], env: dict[str, str]) -> None:
    folder = _folder[0]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    out = os.open(folder / f"{tool}.out", flags, 0o600)
    err = os.open(folder / f"{tool}.err", flags, 0o600)
    from gates import proc

    _signal["starting"] = 1
    try:
        process = subprocess.Popen([*head, "--", *files], cwd=folder / "files", env=env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   start_new_session=True)
        proc.adopt(process.pid)  # stopped with the gate's other tools on Ctrl-C
        _running[tool] = _Early(process, folder, head, env, files, time.perf_counter())
    finally:
        os.close(out)
        os.close(err)
        _signal["starting"] = 0
        pending, _signal["pending"] = _signal["pending"], 0
        if pending:
            _stopped(pending, None)


def take(tool: str, head: Sequence[str], files: Sequence[str], root: Path, *,
         env: Mapping[str, str], timeout: float) -> Any:
    """The early ``tool`` run's result (a ``proc.Completed``) for ``head`` over ``files`` read
    from ``root``; None when it cannot stand for that run (see the module's docstring), and the
    early run is then stopped: the stage asks once, for the files it judges."""
    early = _running.get(tool)
    if early is None:
        return None
    if not _same(early, head, files, root, env):
        _stop(tool)
        return None
    from gates import proc

    try:
        early.process.wait(timeout=max(0.0, timeout - (time.perf_counter() - early.started)))
    except subprocess.TimeoutExpired:
        _stop(tool)
        raise proc.ToolTimeout(f"{tool} did not finish within {timeout:g} s") from None
    _stop(tool)
    if proc.STOPPING.is_set():  # killed with the other tools: its output is not a report
        raise proc.Interrupted(f"{tool} was stopped: the gate is stopping")
    return proc.Completed(tuple([*head, "--", *files]), early.process.returncode,
                          (early.folder / f"{tool}.out").read_bytes(),
                          (early.folder / f"{tool}.err").read_bytes(),
                          time.perf_counter() - early.started)


def remember(cache: Path | None, tool: str, known: Sequence[tuple[str, str]]) -> None:
    """Note beside the scan cache (a file in the folder of ``cache``) that ``tool``'s results
    for these (path, content digest) pairs are cached, so the next early start leaves them out
    and scans exactly what the stage will ask for. A line per pair; past 1 MB the older half is
    dropped. Only a speed hint: a wrong line makes the early run not taken, never a result."""
    if cache is None or not known:
        return
    record = cache.parent / KNOWN
    lines = "".join(f"{tool} {digest} {path}\n" for path, digest in known
                    if "\n" not in path and "\r" not in path)
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
        descriptor = os.open(record, flags, 0o600)
        with os.fdopen(descriptor, "ab") as handle:
            handle.write(lines.encode("utf-8", "surrogateescape"))
            size = handle.tell()
        if size > _KNOWN_BYTES:
            kept = _read(record)[-_KNOWN_BYTES // 2:]
            descriptor = os.open(record, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(kept[kept.find(b"\n") + 1:])
    except OSError:
        return


def _known(record: Path) -> frozenset[str]:
    return frozenset(_read(record).decode("utf-8", "surrogateescape").splitlines())


def _read(record: Path) -> bytes:
    """The record's bytes: a regular file, not through a link, at most 2 MB (a hint is never a
    reason to hang on a FIFO or read a device)."""
    try:
        descriptor = os.open(record, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return b""
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return b""
        return handle.read(2 * _KNOWN_BYTES)


def skip(tool: str) -> None:
    """The stage needs no ``tool`` run (every file's results were cached): stop the early one."""
    _stop(tool)


def _same(early: _Early, head: Sequence[str], files: Sequence[str], root: Path,
          env: Mapping[str, str]) -> bool:
    if list(head) != early.head or dict(env) != early.env or set(files) != set(early.files):
        return False
    if any(Path(p).name.startswith(".semgrep") for p in files):
        return False
    try:
        return all((root / path).read_bytes() == early.files[path] for path in files)
    except OSError:
        return False


def discard() -> None:
    """Stop every early run still going and remove their folder."""
    for tool in list(_running):
        _stop(tool)
    while _folder:
        shutil.rmtree(_folder.pop(), ignore_errors=True)


def _stop(tool: str) -> None:
    early = _running.pop(tool, None)
    if early is None:
        return
    from gates import proc

    if early.process.poll() is None:
        proc.kill(early.process.pid)
        early.process.wait()
    proc.release(early.process.pid)


def _staged(head_sha: str) -> dict[str, bytes]:
    """Path -> staged content of each added or modified regular text file (empty when the
    change is unusual: a path git should never give, a very large change; or when HEAD holds a
    policy of its own)."""
    env = {**os.environ, "GIT_NO_REPLACE_OBJECTS": "1"}
    listing = subprocess.run(
        ["git", "diff-index", "--cached", "-z", "--no-renames", "--diff-filter=d",
         "--ignore-submodules=none", head_sha or _EMPTY_TREE, "--"],
        capture_output=True, env=env, check=True, timeout=10).stdout
    fields = listing.split(b"\0")
    wanted: dict[str, str] = {}
    for meta, raw in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) != 5 or parts[1] not in _REGULAR:
            continue
        path = raw.decode("utf-8", "surrogateescape")
        if path.startswith("/") or any(p in ("", ".", "..") for p in path.split("/")):
            return {}
        wanted[path] = parts[3].decode()
    if not wanted or len(wanted) > _MOST_FILES:
        return {}
    # Sizes first (and whether HEAD holds a policy of its own): a staged 400 MB file is not
    # read at all.
    policies = [f"{head_sha}:{name}" for name in (".gate.yaml", ".gate.yml")] if head_sha else []
    checked = subprocess.run(["git", "cat-file", "--batch-check"], capture_output=True, env=env,
                             input="".join(f"{n}\n" for n in (*policies, *wanted.values()))
                             .encode(), check=True, timeout=10).stdout.splitlines()
    if len(checked) != len(policies) + len(wanted) \
            or any(not line.endswith(b" missing") for line in checked[:len(policies)]):
        return {}
    sizes = [line.split() for line in checked[len(policies):]]
    if any(len(f) != 3 or f[1] != b"blob" for f in sizes) \
            or sum(int(f[2]) for f in sizes) > _MOST_BYTES:
        return {}
    out = subprocess.run(["git", "cat-file", "--batch"], capture_output=True, env=env,
                         input="".join(f"{sha}\n" for sha in wanted.values()).encode(),
                         check=True, timeout=10).stdout
    files: dict[str, bytes] = {}
    at = 0
    for path in wanted:
        eol = out.index(b"\n", at)
        header = out[at:eol].split()
        if len(header) != 3 or header[1] != b"blob":
            return {}
        size = int(header[2])
        content = out[eol + 1:eol + 1 + size]
        at = eol + 2 + size
        if b"\0" not in content[:8000]:  # git's own test for binary content
            files[path] = content
    return files


def _write(folder: Path, path: str, content: bytes) -> None:
    target = folder / path
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


__all__ = ["BANDIT_CHUNK", "ENV", "bandit_command", "discard", "semgrep_command", "shipped_rules",
           "start", "take"]
