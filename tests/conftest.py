"""Shared fixtures: real git repositories in tmp dirs, and the real ``gate`` command."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .index_server import Index, serve

# Commits made by tests need an identity, and the developer's own git config must not leak in.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


# pip's own settings as the suite found them: tests that let pip install from the package
# registry (the pre-commit framework building draftgate's hook environment) restore them.
REGISTRY_PIP_ENV = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}


def registry_env() -> dict[str, str]:
    """os.environ with pip pointed back at the real registry (for pip installs), no proxies."""
    env = {k: v for k, v in os.environ.items()
           if "proxy" not in k.lower() and not k.startswith("PIP_")}
    return {**env, **REGISTRY_PIP_ENV}


@pytest.fixture(scope="session")
def _package_index() -> Iterator[Index]:
    with serve(Index()) as index:
        yield index


@pytest.fixture
def package_index(_package_index: Index) -> Index:
    """The suite's package index (tests.index_server): every name established unless a test
    publishes or withdraws it."""
    return _package_index


@pytest.fixture(autouse=True)
def _isolated_pip(monkeypatch: pytest.MonkeyPatch, _package_index: Index) -> Iterator[None]:
    # The gate's trust checks ask the index pip would use: here, the suite's own on 127.0.0.1,
    # with the machine's pip configuration shut out.
    for name in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", _package_index.url)
    _package_index.packages.clear()
    _package_index.requests.clear()
    yield
    _package_index.packages.clear()


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    # The suite itself runs in GitHub Actions (ci.yml): a test must not inherit the runner's
    # event, token, output files or its "GITHUB_ACTIONS=true".
    for name in ("GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "GITHUB_ACTIONS", "GITHUB_TOKEN",
                 "GITHUB_API_URL", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_REPOSITORY",
                 "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    # No network in tests: anything that tries (pip-audit's service) meets a closed local port.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    # ...except servers the tests run themselves on the loopback address.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("SEMGREP_ENABLE_VERSION_CHECK", "0")


# The PyPA advisory database, for the optional tests that read a real snapshot.
SHARED_ADVISORY_DB = Path(os.environ.get("DRAFTGATE_ADVISORY_DB")
                          or Path(__file__).resolve().parents[2] / "shared" / "advisory-db")
NO_SHARED_ADVISORY_DB = (
    f"optional: no PyPA advisory-database snapshot at {SHARED_ADVISORY_DB} (a clone of "
    "https://github.com/pypa/advisory-database; point DRAFTGATE_ADVISORY_DB at it to run this "
    "test)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cli: run `gate` as a subprocess (the console script's contract: exit codes, "
        "streams, signals), not in-process")


@dataclass
class Repo:
    """A scratch git repository with small helpers for building histories.

    ``gate()`` runs the CLI in this process (``gates.cli.main`` with its own argv, environment,
    working directory and streams): the whole program but for the interpreter's start, which
    would cost a fresh import of draftgate for each of the suite's hundreds of runs. Tests of the
    console script's own contract are marked ``cli`` and get a real subprocess.
    """

    root: Path
    in_process: bool = True

    def git(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, capture_output=True, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"git {args} failed: {done.stderr.decode()}")
        return done.stdout.decode("utf-8", "replace")

    def write(self, path: str, content: str | bytes, *, stage: bool = True) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content)
        else:
            target.write_bytes(content)
        if stage:
            self.git("add", "--", path)
        return target

    def commit(self, message: str = "change") -> str:
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def gate(self, *args: str, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run the real ``gate`` CLI in this repository (in-process unless marked ``cli``)."""
        if not self.in_process:
            return subprocess.run([sys.executable, "-m", "gates", *args], cwd=cwd or self.root,
                                  capture_output=True, text=True,
                                  env={**os.environ, **(env or {})}, check=False)
        return run_in_process(list(args), cwd or self.root, env or {})

    def gate_json(self, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        done = self.gate("check", "--format", "json", *args, env=env)
        assert done.stdout, done.stderr
        data: dict[str, Any] = json.loads(done.stdout)
        assert data["exit_code"] == done.returncode
        return data


def run_in_process(argv: list[str], cwd: Path, env: dict[str, str],
                   main: Callable[[list[str]], int] | None = None,
                   ) -> subprocess.CompletedProcess[str]:
    """``gate ARGV`` through ``gates.cli.main`` (or ``main``: the console script's
    ``gates.launch.main``), as a subprocess would see it: its own environment, working directory,
    empty stdin and captured stdout/stderr."""
    if main is None:
        from gates.cli import main

    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    out, err = io.StringIO(), io.StringIO()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdin = io.StringIO("")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["gate", *argv], code, out.getvalue(), err.getvalue())


@pytest.fixture
def repo(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Repo]:
    """An empty repository on branch ``main`` (no commits yet)."""
    root = tmp_path / "repo"
    root.mkdir()
    r = Repo(root, in_process=request.node.get_closest_marker("cli") is None)
    r.git("init", "-q", "-b", "main")
    yield r


@pytest.fixture
def seeded(repo: Repo) -> Repo:
    """A repository with one commit holding a small application."""
    repo.write("app/main.py", "def main():\n    return 1\n")
    repo.write("README.md", "# app\n")
    repo.commit("initial")
    return repo


def logged_scanners(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """Wrappers that log every bandit and semgrep start, then run the real tool: the PATH to use,
    and the log (one line a start)."""
    import shutil

    log = tmp_path / "runs.log"
    wrappers = tmp_path / "bin"
    wrappers.mkdir()
    for tool in ("bandit", "semgrep"):
        real = shutil.which(tool) or str(Path(sys.executable).with_name(tool))
        script = wrappers / tool
        script.write_text(f'#!/bin/sh\necho {tool} "$@" >> "{log}"\nexec "{real}" "$@"\n')
        script.chmod(0o755)
    return {"PATH": f"{wrappers}:{os.environ['PATH']}"}, log


def file_entry(data: dict[str, Any], path: str) -> dict[str, Any]:
    """The JSON report's entry for ``path``."""
    for entry in data["files"]:
        if entry["path"] == path:
            return entry
    raise AssertionError(f"{path} not in report: {[f['path'] for f in data['files']]}")
