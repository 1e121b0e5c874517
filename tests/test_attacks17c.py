"""Attacks on the early scanner start (gates/early.py, commit 70e59bd): a cold ``gate check
--staged`` (the early run started and, where it matches, taken) against the same check made with
``DRAFTGATE_NO_REUSE=1`` (no early run), through the real CLI with the real scanners.

``# FINDING n`` marks a test that failed on the commit it attacked (all fixed since); the others
are attacks that held. Each comparison deletes ``.git/draftgate`` first (the scan cache too: both
runs are cold) and points TMPDIR at a folder of the test, so a left-behind ``draftgate-early-*``
is seen.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import Repo

SAFE = "def add(a, b):\n    return a + b\n"
SHELL = "import subprocess\n\n\ndef go(cmd):\n    return subprocess.call(cmd, shell=True)\n"
RISKY = "import aiohttp\n\n\ndef connect():\n    return aiohttp.TCPConnector(ssl=False)\n"
_VOLATILE = {"seconds", "duration", "timings", "id", "time"}


def _real(tool: str) -> str:
    return shutil.which(tool) or str(Path(sys.executable).with_name(tool))


def _bin(tmp_path: Path, scripts: dict[str, str]) -> dict[str, str]:
    """Scripts standing in for the scanners (``{real}``: the real tool): the PATH to use."""
    folder = tmp_path / f"bin{len(list(tmp_path.glob('bin*')))}"
    folder.mkdir()
    for tool, body in scripts.items():
        script = folder / tool
        script.write_text("#!/bin/sh\n" + body.replace("{real}", _real(tool)))
        script.chmod(0o755)
    return {"PATH": f"{folder}:{os.environ['PATH']}"}


def _logged(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """Wrappers logging each start with its arguments, then running the real tool."""
    log = tmp_path / "starts.log"
    body = ('{ printf "%s" "TOOL"; printf " %s" "$@"; echo; } >> "' + str(log) + '"\n'
            'exec "{real}" "$@"\n')
    return _bin(tmp_path, {t: body.replace("TOOL", t) for t in ("semgrep", "bandit")}), log


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _run(repo: Repo, temp: Path, env: dict[str, str], cwd: Path | None = None) -> dict[str, Any]:
    shutil.rmtree(repo.root / ".git" / "draftgate", ignore_errors=True)
    done = repo.gate("check", "--staged", "--format", "json", cwd=cwd,
                     env={"TMPDIR": str(temp), **env})
    try:
        data: dict[str, Any] = _strip(json.loads(done.stdout))
    except ValueError:
        data = {"stdout": done.stdout, "stderr": done.stderr[-500:]}
    data["exit"] = done.returncode
    return data


def _starts(log: Path) -> dict[str, int]:
    lines = log.read_text("utf-8", "replace").splitlines() if log.exists() else []
    return {t: sum(line.startswith(f"{t} ") for line in lines) for t in ("semgrep", "bandit")}


def _both(repo: Repo, tmp_path: Path, cwd: Path | None = None, **env: str,
          ) -> tuple[dict[str, Any], dict[str, Any], dict[str, int]]:
    """The cold check and the one without reuse; the cold run's scanner starts. Nothing may be
    left in TMPDIR by either."""
    temp = tmp_path / "temp"
    temp.mkdir(exist_ok=True)
    path, log = _logged(tmp_path) if "PATH" not in env else ({}, tmp_path / "none.log")
    log.unlink(missing_ok=True)
    cold = _run(repo, temp, {**path, **env}, cwd)
    starts = _starts(log)
    without = _run(repo, temp, {**path, **env, "DRAFTGATE_NO_REUSE": "1"}, cwd)
    assert not list(temp.iterdir()), "left behind in TMPDIR"
    return cold, without, starts


def _names(report: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return sorted((f["path"], f["rule"], f.get("line")) for s in report.get("stages", [])
                  for f in s.get("findings", []))


def _base(repo: Repo, policy: str | None = None) -> None:
    repo.write("README.md", "# app\n")
    if policy is not None:
        repo.write(".gate.yaml", policy)
    repo.commit("initial")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --------------------------------------------------------------------------------- findings


@pytest.mark.cli
def test_a_file_the_policy_excludes_is_never_scanned_early(repo: Repo, tmp_path: Path) -> None:
    # FINDING 1: the early run scans every staged file, sast.exclude or not; the stage takes it
    # (cut to app/util.py) and waits for it, so a slow excluded file (here deeply nested
    # generated data: ~10 s of semgrep) runs the stage out of time: tool failure (exit 4) where
    # the same check without the early run passes in 0.4 s.
    _base(repo, "extends: default\nsast:\n  exclude: ['vendor/**']\n  timeout: 3\n")
    repo.write("app/util.py", SAFE)
    repo.write("vendor/gen.py", "x = " + "[" * 200_000 + "]" * 200_000 + "\n")
    cold, without, _ = _both(repo, tmp_path)
    scanned_excluded = "vendor/gen.py" in (tmp_path / "starts.log").read_text("utf-8", "replace")
    assert without["exit"] == 0
    assert (cold["exit"], cold.get("stages")) == (without["exit"], without["stages"])
    assert not scanned_excluded


@pytest.mark.cli
def test_files_answered_by_the_scan_cache_are_not_scanned_again(repo: Repo,
                                                                 tmp_path: Path) -> None:
    # FINDING 2 (fixed): after one check, editing one staged file and checking again (the hook's
    # common case: the decision cache misses, the scan cache holds the rest) starts the early run on
    # every staged file; the stage needs one, takes the early run and waits for all of them.
    # With the stdlib's tarfile.py and argparse.py staged beside app/util.py: 12.7 s against
    # 0.55 s with DRAFTGATE_NO_REUSE=1 (and past sast.timeout, a tool failure).
    _base(repo)
    repo.write("app/util.py", SAFE)
    repo.write("lib/big.py", SHELL)
    temp = tmp_path / "temp"
    temp.mkdir()
    path, log = _logged(tmp_path)

    def check(content: str, **env: str) -> int:
        repo.write("app/util.py", content)
        log.unlink(missing_ok=True)
        return repo.gate("check", "--staged", "--format", "json",
                         env={"TMPDIR": str(temp), **path, **env}).returncode

    shutil.rmtree(repo.root / ".git" / "draftgate", ignore_errors=True)
    assert check(SAFE) == 1  # fills the scan cache
    assert check(SAFE + "\n# one\n", DRAFTGATE_NO_REUSE="1") == 1
    assert "lib/big.py" not in log.read_text("utf-8", "replace")  # its result: from the cache
    assert check(SAFE + "\n# two\n") == 1
    # Fixed by taking an early run only for exactly the files it scanned: the early run over
    # both files is stopped, not waited for, and the stage scans app/util.py on its own.
    lines = log.read_text("utf-8", "replace").splitlines()
    for tool in ("semgrep", "bandit"):
        assert any(line.startswith(f"{tool} ") and line.endswith("-- app/util.py")
                   for line in lines), lines


@pytest.mark.cli
def test_a_stop_signal_right_after_the_early_start_leaves_nothing(repo: Repo,
                                                                  tmp_path: Path) -> None:
    # FINDING 3: the early scanners start in sessions of their own before gates.cli installs its
    # stop-signal handlers (about 30 ms of imports later). A SIGTERM (a CI job cancelled, a
    # `timeout`) or SIGHUP in that window ends the gate by the default action: semgrep and
    # bandit keep running and draftgate-early-* (copies of the staged files) stays in TMPDIR.
    # Without the early run the same signal at semgrep's start is handled: nothing is left.
    _base(repo)
    repo.write("app/x.py", SHELL)
    pids = tmp_path / "pids"
    path = _bin(tmp_path, {"semgrep": f'echo $$ >> "{pids}"\nkill -TERM $PPID\nexec sleep 30\n'})
    temp = tmp_path / "temp"
    temp.mkdir()
    try:
        done = repo.gate("check", "--staged", "--format", "json",
                         env={"TMPDIR": str(temp), **path})
        time.sleep(0.2)
        started = [int(p) for p in pids.read_text().split()]
        left = [p.name for p in temp.iterdir()]
        assert started and done.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
        assert (left, [p for p in started if _alive(p)]) == ([], [])
    finally:
        for pid in (int(p) for p in pids.read_text().split()) if pids.exists() else ():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


_PAYLOAD = ("import os\nopen({marker!r}, 'a').write(os.getcwd() + '\\n')\n"
            "raise ImportError('drafted argparse')\n")


@pytest.mark.cli
def test_scanners_the_policy_turned_off_do_not_run_early(repo: Repo, tmp_path: Path) -> None:
    # FINDING 4: with an empty entry in PYTHONPATH (`export PYTHONPATH=$PYTHONPATH:/opt/x` with
    # PYTHONPATH unset: Python reads it as the working directory), bandit and semgrep (Python
    # programs) import modules from their working directory first. The early run's is the folder
    # of staged files, so a drafted argparse.py runs, even when the committed policy turns both
    # scanners off and the check without the early run executes nothing.
    _base(repo, "extends: default\nsast:\n  bandit:\n    enabled: false\n"
                "  semgrep:\n    enabled: false\n")
    marker = tmp_path / "ran"
    repo.write("argparse.py", _PAYLOAD.format(marker=str(marker)))
    repo.write("app/x.py", SAFE)
    cold, without, _ = _both(repo, tmp_path, PYTHONPATH=":/nonexistent")
    assert cold["exit"] == without["exit"] == 0
    assert not marker.exists(), marker.read_text()


@pytest.mark.cli
def test_scanners_never_import_drafted_modules_from_the_workspace(repo: Repo,
                                                                  tmp_path: Path) -> None:
    # FINDING 5 (before 70e59bd too): the same PYTHONPATH makes the stage's own bandit/semgrep,
    # started in the workspace of staged files, import the drafted argparse.py: code from the
    # change runs on the developer's machine (here: exit 4, both scanners crash).
    _base(repo)
    _assert_not_imported(repo, tmp_path, "argparse.py", staged=True)



@pytest.mark.cli
def test_the_gate_never_imports_a_drafted_module_from_the_work_tree(repo: Repo,
                                                                    tmp_path: Path) -> None:
    # FINDING 6 (before 70e59bd too): gates/__main__.py drops the working directory python -m
    # puts first on sys.path, but the empty PYTHONPATH entry puts it back a second time: a
    # drafted click.py at the top of the work tree (not even staged) runs inside the gate.
    _base(repo)
    _assert_not_imported(repo, tmp_path, "click.py", staged=False)


def _assert_not_imported(repo: Repo, tmp_path: Path, name: str, *, staged: bool) -> None:
    """A drafted module ``name`` at the top of the work tree (staged, or only on disk) is not
    imported by the gate or its scanners, with the working directory put on the import path
    by an empty ``PYTHONPATH`` entry."""
    marker = tmp_path / "ran"
    repo.write(name, _PAYLOAD.format(marker=str(marker)), stage=staged)
    repo.write("app/x.py", SAFE)
    temp = tmp_path / "temp"
    temp.mkdir()
    _run(repo, temp, {"PYTHONPATH": ":/nonexistent", "DRAFTGATE_NO_REUSE": "1"})
    assert not marker.exists(), marker.read_text()

# ------------------------------------------------------------------------------ attacks held


@pytest.mark.cli
def test_odd_names_are_taken_and_answer_the_same(repo: Repo, tmp_path: Path) -> None:
    _base(repo)
    for name in ("app/-dash.py", "app/new\nline.py", "app/ünï.py", "app/sp ace.py", "app/A.py",
                 "app/--", "-", "app/-", "/".join(["d"] * 60) + "/deep.py"):
        repo.write(name, SHELL)
    repo.write("app/a.py", RISKY)
    target = repo.root / os.fsdecode(b"app/n\xffame.py")
    target.write_text(SHELL)
    repo.git("add", "-A")
    cold, without, starts = _both(repo, tmp_path)
    assert starts == {"semgrep": 1, "bandit": 1}  # taken
    assert cold == without and cold["exit"] == 1
    assert ("app/a.py", "python-aiohttp-ssl-verification-disabled", 5) in _names(cold)


@pytest.mark.cli
def test_rewritten_and_sidecar_files_answer_the_same(repo: Repo, tmp_path: Path) -> None:
    """UTF-16, a declared coding, a notebook, .pyw, a #! script, Cython, .pyi, .PY: the stage
    rewrites them or hands semgrep a sidecar, so the early run is not (or only partly) used."""
    _base(repo)
    notebook = {"cells": [{"cell_type": "code", "source": SHELL, "metadata": {}, "outputs": [],
                           "execution_count": None}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    files: dict[str, str | bytes] = {
        "u16.py": ("\ufeff" + SHELL).encode("utf-16-le"),
        "cod.py": ("# -*- coding: latin-1 -*-\n" + SHELL + "x = 'é'\n").encode("latin-1"),
        "nb.ipynb": json.dumps(notebook), "w.pyw": SHELL, "c.pyx": SHELL, "s.pyi": SHELL,
        "script": "#!/usr/bin/env python3\n" + SHELL, "x.PY": SHELL, "broken.ipynb": "{",
        "plain.py": RISKY}
    for name, content in files.items():
        repo.write(name, content)
    cold, without, _ = _both(repo, tmp_path)
    assert cold == without and cold["exit"] == 1


@pytest.mark.cli
def test_bytes_config_files_and_modes_answer_the_same(repo: Repo, tmp_path: Path) -> None:
    """A BOM, CRLF and CR endings, a 2 MB file, a NUL past git's 8000-byte sniff, the executable
    bit, and bandit/semgrep configuration among the staged files (bandit reads none of them for
    named files; semgrep ignores .semgrepignore for named files, and the stage refuses it)."""
    _base(repo)
    repo.write("bom.py", "\ufeff" + SHELL)
    repo.write("crlf.py", SHELL.replace("\n", "\r\n"))
    repo.write("cr.py", SHELL.replace("\n", "\r"))
    repo.write("big.py", SHELL + "# " + "x" * (2 << 20) + "\n")
    repo.write("late_nul.py", SHELL + "x = 1\n" * 2000 + "# \0\n")
    (repo.write("run.py", SHELL)).chmod(0o755)
    repo.write(".bandit", "[bandit]\nskips: B602,B404\n")
    repo.write("setup.cfg", "[bandit]\nskips = B602\n")
    repo.write("pyproject.toml", "[tool.bandit]\nskips = ['B602', 'B404']\n")
    repo.write("sub/.semgrepignore", "*.py\n")
    repo.write("sub/x.py", RISKY)
    repo.git("add", "-A")
    cold, without, starts = _both(repo, tmp_path)
    assert starts == {"semgrep": 2, "bandit": 1}  # bandit's taken, semgrep's refused
    assert cold == without and cold["exit"] in (1, 4)
    assert ("sub/x.py", "python-aiohttp-ssl-verification-disabled", 5) in _names(cold)
    assert any(rule == "B602" for _, rule, _ in _names(cold))


@pytest.mark.cli
@pytest.mark.parametrize("staged_risky", [True, False])
def test_the_staged_version_is_judged_not_the_work_tree(repo: Repo, tmp_path: Path,
                                                         staged_risky: bool) -> None:
    _base(repo)
    repo.write("app/x.py", SHELL if staged_risky else SAFE)
    (repo.root / "app/x.py").write_text(SAFE if staged_risky else SHELL)
    cold, without, starts = _both(repo, tmp_path)
    assert starts == {"semgrep": 1, "bandit": 1}
    assert cold == without and cold["exit"] == (1 if staged_risky else 0)


@pytest.mark.cli
def test_an_index_changed_after_the_early_start_is_what_gets_judged(repo: Repo,
                                                                    tmp_path: Path) -> None:
    """The early run scans the safe version; the first scanner start stages a risky one: the
    stage's bytes differ, so it scans again and finds it."""
    _base(repo)
    repo.write("app/x.py", SAFE)
    once, risky = tmp_path / "once", tmp_path / "risky.py"
    risky.write_text(SHELL)
    once.touch()
    mutate = (f'if [ -e "{once}" ]; then rm -f "{once}"; (cd "{repo.root}" && cp "{risky}" '
              f'app/x.py && git add app/x.py); fi\nexec "{{real}}" "$@"\n')
    path = _bin(tmp_path, {"semgrep": mutate})
    cold, without, _ = _both(repo, tmp_path, **path)
    assert not once.exists()
    assert cold == without and cold["exit"] == 1
    assert any(p == "app/x.py" for p, _, _ in _names(cold))


@pytest.mark.cli
def test_a_partial_commit_through_the_hook_judges_the_temporary_index(repo: Repo,
                                                                      tmp_path: Path) -> None:
    """`git commit app/safe.py` runs the hook on a temporary index (GIT_INDEX_FILE) without the
    risky file staged in the real index: the commit goes through with and without the early
    run; the whole index then blocks."""
    temp = tmp_path / "temp"
    temp.mkdir()
    results = []
    for reuse in ({}, {"DRAFTGATE_NO_REUSE": "1"}):
        shutil.rmtree(repo.root / ".git", ignore_errors=True)
        for name in ("app", "README.md"):
            shutil.rmtree(repo.root / name, ignore_errors=True)
            (repo.root / name).unlink(missing_ok=True)
        repo.git("init", "-q", "-b", "main")
        repo.write("app/safe.py", SAFE)
        repo.commit("initial")
        hook = repo.root / ".git" / "hooks" / "pre-commit"
        hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m gates hook pre-commit\n")
        hook.chmod(0o755)
        repo.write("app/risky.py", SHELL)
        (repo.root / "app/safe.py").write_text(SAFE + "\n# edited\n")
        env = {**os.environ, "TMPDIR": str(temp), **reuse}
        partial = subprocess.run(["git", "commit", "-qm", "part", "app/safe.py"], cwd=repo.root,
                                 env=env, capture_output=True, check=False)
        whole = subprocess.run(["git", "commit", "-qm", "all"], cwd=repo.root, env=env,
                               capture_output=True, check=False)
        results.append((partial.returncode, whole.returncode))
    assert results == [(0, 1), (0, 1)]
    assert not list(temp.iterdir())


@pytest.mark.cli
def test_findings_and_errors_in_files_not_asked_for_are_cut(repo: Repo, tmp_path: Path) -> None:
    """sast.exclude'd files with findings and a syntax error (and a file outside with both):
    the early run is taken and cut to the files asked for."""
    _base(repo, "extends: default\nsast:\n  exclude: ['vendor/**']\n")
    repo.write("app/a.py", SHELL)
    repo.write("app/b.py", RISKY)
    repo.write("vendor/v.py", SHELL + RISKY)
    repo.write("vendor/bad.py", "def (:\n")
    repo.write("zz.py", RISKY + "\ndef g(:\n")
    cold, without, starts = _both(repo, tmp_path)
    assert starts == {"semgrep": 1, "bandit": 1}
    assert cold == without and cold["exit"] == 4  # zz.py does not parse: bandit cannot scan it
    assert not any(p.startswith("vendor/") for p, _, _ in _names(cold))


@pytest.mark.cli
def test_ctrl_c_while_the_stage_waits_on_the_early_run(repo: Repo, tmp_path: Path) -> None:
    _base(repo)
    repo.write("app/x.py", SHELL)
    pids, temp = tmp_path / "pids", tmp_path / "temp"
    temp.mkdir()
    path = _bin(tmp_path, {"semgrep": f'echo $$ >> "{pids}"\nexec sleep 30\n'})
    gate = subprocess.Popen([sys.executable, "-m", "gates", "check", "--staged", "--format",
                             "json"], cwd=repo.root, env={**os.environ, "TMPDIR": str(temp),
                                                          **path},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not [p for p in temp.glob("draftgate-*") if "early" not in p.name]:
            assert time.monotonic() < deadline, "the stage never started"
            time.sleep(0.02)
        time.sleep(0.5)
        gate.send_signal(signal.SIGINT)
        gate.communicate(timeout=20)
    finally:
        if gate.poll() is None:
            gate.kill()
            gate.communicate()
    time.sleep(0.1)
    started = [int(p) for p in pids.read_text().split()]
    assert gate.returncode == 130 and len(started) == 1
    assert not list(temp.iterdir()) and not _alive(started[0])


@pytest.mark.cli
def test_a_crashing_early_semgrep_answers_as_the_stage_run_would(repo: Repo,
                                                                 tmp_path: Path) -> None:
    _base(repo)
    repo.write("app/x.py", SHELL)
    path = _bin(tmp_path, {"semgrep": 'echo "{"\necho "semgrep: boom" >&2\nexit 3\n'})
    cold, without, _ = _both(repo, tmp_path, **path)
    assert cold == without and cold["exit"] == 4
    assert "boom" in json.dumps(cold)


@pytest.mark.cli
@pytest.mark.parametrize("head", ["detached, from a subfolder", "unborn branch"])
def test_unusual_heads_answer_the_same(repo: Repo, tmp_path: Path, head: str) -> None:
    cwd = None
    if head.startswith("detached"):
        _base(repo)
        repo.git("checkout", "-q", "--detach")
        (repo.root / "app").mkdir()
        cwd = repo.root / "app"
    repo.write("app/x.py", SHELL)
    cold, without, _ = _both(repo, tmp_path, cwd=cwd)
    assert cold == without and cold["exit"] == 1
