"""The early semgrep run (gates/early.py): taken only when it is the very run the SAST stage would
start, and never the cause of a different answer.

In-process tests start it in a real repository and hand the real semgrep scanner a workspace;
the CLI tests compare a cold ``gate check --staged`` (which starts it) with the same check made
with ``DRAFTGATE_NO_REUSE=1`` (which does not).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gates import early, proc
from gates.policy import source
from gates.scanners.semgrep import ENV, Semgrep

from .conftest import Repo, logged_scanners

RISKY = "import aiohttp\n\n\ndef connect():\n    return aiohttp.TCPConnector(ssl=False)\n"
SHELL = "import subprocess\n\n\ndef go(cmd):\n    return subprocess.call(cmd, shell=True)\n"
SAFE = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def staged(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository with a commit and two staged Python files, one with a semgrep finding;
    the current directory is the repository (as for the hook)."""
    repo.write("README.md", "# app\n")
    repo.commit("initial")
    repo.write("app/net.py", RISKY)
    repo.write("app/util.py", SAFE)
    repo.git("add", "-A")
    monkeypatch.chdir(repo.root)
    return repo


def _workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "workspace"
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _scan(repo: Repo, root: Path, files: list[str]) -> list[tuple[str, str, int | None]]:
    scanner = Semgrep(source.default().sast.semgrep, repo.root)
    outcome = scanner.scan(root, files, timeout=120)
    assert not outcome.errors
    return sorted((f.path, f.rule, f.line) for f in outcome.findings)


def _start(repo: Repo) -> None:
    early.start(repo.git("rev-parse", "HEAD").strip(), str(repo.root / ".git"))


def test_the_stage_takes_the_early_run_when_it_is_the_same_run(staged: Repo,
                                                                 tmp_path: Path) -> None:
    _start(staged)
    running = early._running.get("semgrep")
    assert running is not None and sorted(running.files) == ["app/net.py", "app/util.py"]
    root = _workspace(tmp_path, {"app/net.py": RISKY, "app/util.py": SAFE})
    found = _scan(staged, root, ["app/net.py", "app/util.py"])
    assert "semgrep" not in early._running  # taken
    early.discard()
    assert not running.folder.exists()
    assert found == _scan(staged, root, ["app/net.py", "app/util.py"])  # the stage's own run
    assert found == [("app/net.py", "python-aiohttp-ssl-verification-disabled", 5)]


def test_content_that_differs_from_what_was_staged_is_scanned_again(staged: Repo,
                                                                   tmp_path: Path) -> None:
    """The workspace is what the stage judges: if it is not what the early run read (the index
    changed in between, or the stage rewrote a file for the scanners), the early run is not
    used and the finding in the judged content is found."""
    _start(staged)
    running = early._running["semgrep"]
    root = _workspace(tmp_path, {"app/net.py": SAFE, "app/util.py": RISKY})
    try:
        found = _scan(staged, root, ["app/net.py", "app/util.py"])
        assert "semgrep" not in early._running  # not taken: stopped at once
        assert running.process.poll() is not None
    finally:
        early.discard()
    assert found == [("app/util.py", "python-aiohttp-ssl-verification-disabled", 5)]


def test_fewer_files_than_were_scanned_early_are_scanned_by_the_stage(staged: Repo,
                                                                      tmp_path: Path) -> None:
    """The others' results came from the scan cache (or the policy excludes them): the early run
    over more files is not waited for, and the stage's own run finds what is in its files."""
    _start(staged)
    running = early._running["semgrep"]
    root = _workspace(tmp_path, {"app/net.py": RISKY, "app/util.py": SAFE})
    try:
        assert _scan(staged, root, ["app/util.py"]) == []
        assert "semgrep" not in early._running and running.process.poll() is not None
    finally:
        early.discard()


@pytest.mark.parametrize("change", ["command", "environment", "config file"])
def test_another_command_or_environment_or_semgrep_config_is_not_the_same_run(
        staged: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    files = {"app/net.py": RISKY, "app/util.py": SAFE}
    if change == "config file":
        # semgrep would read an ignore file from its own working folder: never take then.
        staged.write(".semgrepignore", "app/\n")
        staged.git("add", "-A")
        files[".semgrepignore"] = "app/\n"
    _start(staged)
    try:
        running = early._running["semgrep"]
        if change == "environment":
            monkeypatch.setenv("SEMGREP_RULES", "p/ci")
        head = [*running.head[:-1], "other-rules"] if change == "command" else running.head
        root = _workspace(tmp_path, files)
        env = proc.tool_environment(ENV)
        assert early.take("semgrep", head, ["app/net.py", "app/util.py"], root, env=env,
                          timeout=60) is None
        assert "semgrep" not in early._running  # stopped: the stage asks only once
    finally:
        early.discard()
    assert not running.folder.exists() and running.process.poll() is not None


def test_bandit_takes_its_early_run_too_and_cuts_it_to_the_files_asked(
        staged: Repo, tmp_path: Path) -> None:
    from gates.scanners.bandit import Bandit

    staged.write("app/run.py", SHELL)
    staged.git("add", "-A")
    files = {"app/net.py": RISKY, "app/util.py": SAFE, "app/run.py": SHELL}
    root = _workspace(tmp_path, files)
    scanner = Bandit(source.default().sast.bandit)

    def findings(paths: list[str]) -> list[tuple[str, str, int | None]]:
        outcome = scanner.scan(root, paths, timeout=120)
        assert not outcome.errors
        return sorted((f.path, f.rule, f.line) for f in outcome.findings)

    try:
        _start(staged)
        assert sorted(early._running["bandit"].files) == sorted(files)
        asked = ["app/run.py", "app/util.py"]
        taken = findings(asked)
        assert "bandit" not in early._running
    finally:
        early.discard()
    assert taken == findings(asked)  # bandit's own run over the same two files
    assert ("app/run.py", "B602", 5) in taken and all(p in asked for p, _, _ in taken)


def test_no_early_run_for_deleted_links_or_binary_files(repo: Repo,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("gone.py", SAFE)
    repo.commit("initial")
    repo.git("rm", "-q", "gone.py")
    (repo.root / "link.py").symlink_to("/etc/passwd")
    (repo.root / "blob.bin").write_bytes(b"\0\1\2" * 100)
    repo.git("add", "-A")
    monkeypatch.chdir(repo.root)
    _start(repo)
    assert early._running == {}
    early.discard()


def _starts(log: Path) -> dict[str, int]:
    """How many times each scanner started (the wrappers log one line a start)."""
    lines = log.read_text().splitlines()
    return {tool: sum(line.startswith(f"{tool} ") for line in lines)
            for tool in ("semgrep", "bandit")}


def _report(repo: Repo, **env: str) -> dict[str, object]:
    done = repo.gate("check", "--staged", "--format", "json", env=env)
    data: dict[str, object] = json.loads(done.stdout)
    data["exit"] = done.returncode
    for stage in data.get("stages", []):  # type: ignore[attr-defined]
        stage.pop("seconds", None)
        stage.pop("duration", None)
    for key in ("seconds", "duration", "timings"):
        data.pop(key, None)
    return data


@pytest.mark.cli
def test_a_cold_check_answers_as_one_without_the_early_run(staged: Repo, tmp_path: Path) -> None:
    """semgrep starts once either way (the wrappers log each start): the early run was taken."""
    temp = tmp_path / "temp"
    temp.mkdir()
    path, log = logged_scanners(tmp_path)
    with_early = _report(staged, TMPDIR=str(temp), **path)
    starts = _starts(log)
    shutil.rmtree(staged.root / ".git" / "draftgate")  # the scan cache: cold again
    without = _report(staged, TMPDIR=str(temp), DRAFTGATE_NO_REUSE="1", **path)
    assert starts == {"semgrep": 1, "bandit": 1} and _starts(log) == {"semgrep": 2, "bandit": 2}
    assert "--jobs 1" in log.read_text()  # five files or fewer: one semgrep worker
    assert with_early["exit"] == without["exit"] == 1
    assert with_early["stages"] == without["stages"]
    assert "python-aiohttp-ssl-verification-disabled" in json.dumps(with_early["stages"])
    assert not any(temp.glob("draftgate-early-*"))  # nothing left behind


@pytest.mark.cli
def test_a_repository_policy_means_no_early_run(repo: Repo, tmp_path: Path) -> None:
    """A committed policy may exclude files, skip tests or turn a scanner off: the early runs
    use the default's command lines, so they do not start."""
    repo.write(".gate.yaml", "extends: default\nsast:\n  semgrep:\n    enabled: false\n")
    repo.commit("policy")
    repo.write("app/net.py", RISKY)
    repo.git("add", "-A")
    temp = tmp_path / "temp"
    temp.mkdir()
    path, log = logged_scanners(tmp_path)
    report = _report(repo, TMPDIR=str(temp), **path)
    assert report["exit"] == 0
    assert "python-aiohttp-ssl-verification-disabled" not in json.dumps(report["stages"])
    assert _starts(log)["semgrep"] == 0  # a policy of its own at HEAD: no early run at all
    assert not any(temp.glob("draftgate-early-*"))


@pytest.mark.cli
def test_after_an_edit_only_the_files_the_cache_lacks_are_scanned_early(staged: Repo,
                                                                        tmp_path: Path) -> None:
    """The hook's common case: one file edited after a check. The scan cache notes what it holds
    (.git/draftgate/scanned), so the early runs scan only the edited file, and the stage, which
    asks for exactly that file, takes them: each scanner starts once, on that file."""
    path, log = logged_scanners(tmp_path)
    assert _report(staged, **path)["exit"] == 1
    staged.write("app/util.py", SAFE + "\n\ndef sub(a, b):\n    return a - b\n")
    staged.git("add", "-A")
    log.write_text("")
    again = _report(staged, **path)
    lines = log.read_text().splitlines()
    assert [line.rsplit(" -- ", 1)[1] for line in lines] == ["app/util.py", "app/util.py"]
    assert _starts(log) == {"semgrep": 1, "bandit": 1}
    assert again["exit"] == 1  # app/net.py's finding, from the cache
    assert "python-aiohttp-ssl-verification-disabled" in json.dumps(again["stages"])
