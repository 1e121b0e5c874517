"""Hooks as developers meet them: plain git hooks, the pre-commit framework, awkward commits."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gates import engine, hooks
from gates.model import Outcome, SourceKind

from .conftest import Repo, registry_env

ROOT = Path(__file__).resolve().parents[1]
VULNERABLE = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n"
CLEAN = "def ok():\n    return 1\n"


def gate_bin() -> str:
    return str(Path(sys.executable).with_name("gate"))


def commit(repo: Repo, message: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DRAFTGATE_GATE": gate_bin()}
    return subprocess.run(["git", "commit", "-q", "-m", message, *args], cwd=repo.root,
                          capture_output=True, text=True, env=env, check=False)


@pytest.fixture
def hooked(seeded: Repo) -> Repo:
    done = seeded.gate("install-hooks")
    assert done.returncode == 0, done.stderr
    return seeded


def test_install_hooks_blocks_a_vulnerable_commit_and_lets_a_clean_one_through(
        hooked: Repo) -> None:
    hooked.write("app/run.py", VULNERABLE)
    refused = commit(hooked, "vulnerable")
    assert refused.returncode == 1
    assert "BLOCK app/run.py:5" in refused.stdout + refused.stderr  # git shows hooks on stderr
    hooked.write("app/run.py", CLEAN)
    done = commit(hooked, "clean")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout + done.stderr == ""  # quiet on a pass


def test_high_tier_warns_by_default_and_blocks_when_asked(hooked: Repo) -> None:
    hooked.write("auth/login.py", CLEAN)
    done = commit(hooked, "auth change")
    assert done.returncode == 0
    # Not "PENDING (exit 3)" above a commit that succeeds: what happened, and what comes next.
    assert "committed; the pull request will need the slow-model review and a human approval " \
           "label (high tier; policy precommit.high_tier: warn" in done.stderr
    assert "PENDING" not in done.stderr
    assert "approval: needs the `gate:approved` label" in done.stderr  # the actions stay
    hooked.write(".gate.yaml", "extends: default\nprecommit:\n  high_tier: block\n")
    commit(hooked, "strict policy")
    hooked.write("auth/login.py", CLEAN + "\n# touched\n")
    refused = commit(hooked, "auth change again")
    assert refused.returncode != 0 and "PENDING (exit 3)" in refused.stderr


def test_foreign_hooks_are_kept(seeded: Repo) -> None:
    hook = seeded.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho theirs\n")
    hook.chmod(0o755)
    refused = seeded.gate("install-hooks")
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert hook.read_text() == "#!/bin/sh\necho theirs\n"
    assert seeded.gate("install-hooks", "--force").returncode == 0
    assert (hook.parent / "pre-commit.legacy").read_text() == "#!/bin/sh\necho theirs\n"
    assert "draftgate-hook" in hook.read_text()
    assert seeded.gate("uninstall-hooks").returncode == 0
    assert hook.read_text() == "#!/bin/sh\necho theirs\n"
    assert not (hook.parent / "pre-push").exists()


def test_core_hooks_path_is_honoured(seeded: Repo) -> None:
    seeded.git("config", "core.hooksPath", "githooks")
    assert seeded.gate("install-hooks").returncode == 0
    assert (seeded.root / "githooks" / "pre-commit").exists()
    seeded.write("app/run.py", VULNERABLE)
    assert commit(seeded, "vulnerable").returncode == 1


def test_pre_push_checks_the_pushed_range(hooked: Repo, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    hooked.git("remote", "add", "origin", str(remote))
    env = {**os.environ, "DRAFTGATE_GATE": gate_bin()}
    pushed = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=hooked.root, env=env,
                            capture_output=True, text=True, check=False)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    hooked.write("app/run.py", VULNERABLE)
    assert commit(hooked, "vulnerable", "--no-verify").returncode == 0  # skipped locally...
    refused = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=hooked.root, env=env,
                             capture_output=True, text=True, check=False)
    assert refused.returncode != 0  # ...caught on push
    assert "BLOCK app/run.py:5" in refused.stdout + refused.stderr
    hooked.git("checkout", "-q", "-b", "feature")
    hooked.git("reset", "-q", "--hard", "HEAD~1")
    hooked.write("app/ok.py", CLEAN)
    assert commit(hooked, "clean").returncode == 0
    new_branch = subprocess.run(["git", "push", "-q", "origin", "feature"], cwd=hooked.root,
                                env=env, capture_output=True, text=True, check=False)
    assert new_branch.returncode == 0, new_branch.stdout + new_branch.stderr
    hooked.write("auth/login.py", CLEAN)
    assert commit(hooked, "auth").returncode == 0
    high = subprocess.run(["git", "push", "-q", "origin", "feature"], cwd=hooked.root, env=env,
                          capture_output=True, text=True, check=False)
    assert high.returncode == 0, high.stdout + high.stderr
    shown = high.stdout + high.stderr  # git passes a pre-push hook's stdout through
    assert "pushed; the pull request will need the slow-model review" in shown
    assert "PENDING" not in shown


def test_awkward_commits(hooked: Repo, tmp_path: Path) -> None:
    # commit -a, --amend, partially staged files, a merge after a conflict.
    (hooked.root / "app/main.py").write_text("def main():\n    return 42\n")
    assert commit(hooked, "all", "-a").returncode == 0
    hooked.write("app/run.py", VULNERABLE)
    assert commit(hooked, "amend in a vulnerability", "--amend").returncode == 1
    hooked.write("app/run.py", CLEAN)
    (hooked.root / "app/run.py").write_text(VULNERABLE)  # unstaged: not what is committed
    assert commit(hooked, "partial").returncode == 0
    hooked.git("checkout", "-q", "app/run.py")
    hooked.git("checkout", "-q", "-b", "other")
    hooked.write("app/main.py", "def main():\n    return 'other'\n")
    assert commit(hooked, "other").returncode == 0
    hooked.git("checkout", "-q", "main")
    hooked.write("app/main.py", "def main():\n    return 'main'\n")
    assert commit(hooked, "main").returncode == 0
    hooked.git("merge", "-q", "other", check=False)
    hooked.write("app/main.py", "def main():\n    return 'both'\n")
    merged = commit(hooked, "merge")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert len(hooked.git("log", "-1", "--format=%P").split()) == 2


def test_worktree_with_spaces_in_its_path(hooked: Repo, tmp_path: Path) -> None:
    tree = tmp_path / "my work tree"
    hooked.git("worktree", "add", "-q", "-b", "wt", str(tree))
    wt = Repo(tree)
    wt.write("app/run.py", VULNERABLE)
    assert commit(wt, "vulnerable").returncode == 1
    wt.write("app/run.py", CLEAN)
    assert commit(wt, "clean").returncode == 0


def test_init_writes_starters_and_never_overwrites(seeded: Repo) -> None:
    done = seeded.gate("init")
    assert done.returncode == 0
    assert (seeded.root / ".gate.yaml").read_text().startswith("# draftgate policy")
    assert "gate hook pre-commit" in (seeded.root / ".pre-commit-config.yaml").read_text()
    (seeded.root / ".gate.yaml").write_text("extends: default\n")
    again = seeded.gate("init")
    assert "kept the existing .gate.yaml" in again.stdout
    assert (seeded.root / ".gate.yaml").read_text() == "extends: default\n"
    assert seeded.gate("policy", "validate").returncode == 0


@pytest.fixture(scope="session")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def test_real_pre_commit_framework(repo: Repo, precommit_home: Path) -> None:
    """The hook repository as users consume it: pre-commit clones this project and installs it.

    pre-commit builds the hook's environment with pip from the package registry (the only network
    this test uses); every other test runs without network.
    """
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    (repo.root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: draftgate\n")
    env = registry_env()  # pip installs draftgate from the registry
    env["PRE_COMMIT_HOME"] = str(precommit_home)
    precommit = [sys.executable, "-m", "pre_commit"]
    installed = subprocess.run([*precommit, "install"], cwd=repo.root, env=env,
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    repo.write("app/run.py", VULNERABLE)
    refused = subprocess.run(["git", "commit", "-q", "-m", "vulnerable"], cwd=repo.root, env=env,
                             capture_output=True, text=True, check=False, timeout=900)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    shown = refused.stdout + refused.stderr
    assert "draftgate" in shown and "BLOCK app/run.py:5" in shown
    repo.write("app/run.py", CLEAN)
    done = subprocess.run(["git", "commit", "-q", "-m", "clean"], cwd=repo.root, env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout + done.stderr
    # verbose: true costs a clean pass only pre-commit's own id and duration lines...
    assert "draftgate ·" not in done.stdout + done.stderr
    repo.write("auth/login.py", CLEAN)
    high = subprocess.run(["git", "commit", "-q", "-m", "auth"], cwd=repo.root, env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    # ...and shows what a high-tier change allowed locally still needs (hidden without it).
    assert high.returncode == 0, high.stdout + high.stderr
    assert "committed; the pull request will need the slow-model review" in high.stderr
    assert "PENDING" not in high.stdout + high.stderr


def test_real_pre_commit_pre_push_hook(repo: Repo, precommit_home: Path,
                                       tmp_path: Path) -> None:
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    (repo.root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n"
        "      - id: draftgate-pre-push\n")
    env = registry_env()  # pip installs draftgate from the registry
    env["PRE_COMMIT_HOME"] = str(precommit_home)
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install", "--hook-type",
                                "pre-push"], cwd=repo.root, env=env, capture_output=True,
                               text=True, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.write("app/ok.py", CLEAN)
    repo.git("add", ".pre-commit-config.yaml")
    repo.commit("start")
    first = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.root, env=env,
                           capture_output=True, text=True, check=False, timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr
    repo.write("app/run.py", VULNERABLE)
    repo.commit("vulnerable")
    refused = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.root, env=env,
                             capture_output=True, text=True, check=False, timeout=300)
    assert refused.returncode != 0
    assert "BLOCK app/run.py:5" in refused.stdout + refused.stderr


def test_first_commit_of_a_repository(repo: Repo) -> None:
    assert repo.gate("install-hooks").returncode == 0
    repo.write("app/run.py", VULNERABLE)
    assert commit(repo, "first, vulnerable").returncode == 1
    repo.write("app/run.py", CLEAN)
    done = commit(repo, "first, clean")
    assert done.returncode == 0, done.stdout + done.stderr
    assert repo.git("rev-list", "--count", "HEAD").strip() == "1"


def test_installed_hook_works_without_an_activated_environment(hooked: Repo) -> None:
    # A developer's shell need not have the venv on PATH: the hook pins the gate, and the gate's
    # folder holds the scanners installed with it.
    git = Path(subprocess.run(["which", "git"], capture_output=True, text=True,
                              check=True).stdout.strip()).parent
    env = {k: v for k, v in os.environ.items() if k != "DRAFTGATE_GATE"}
    env["PATH"] = f"{git}:/usr/bin:/bin"
    hooked.write("app/run.py", VULNERABLE)
    refused = subprocess.run(["git", "commit", "-q", "-m", "vulnerable"], cwd=hooked.root,
                             env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "BLOCK app/run.py:5" in refused.stderr, refused.stderr


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream", [io.StringIO, Tty])
def test_warn_report_replaces_the_pending_headline_in_colour_too(
        seeded: Repo, stream: type[io.StringIO], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")  # the terminal case: rich styles the headline it replaces
    monkeypatch.setenv("TERM", "xterm-256color")
    seeded.write("auth/login.py", CLEAN)
    decision, policy = engine.judge(engine.Request(kind=SourceKind.STAGED, cwd=seeded.root))
    assert decision.outcome is Outcome.PENDING and hooks.exit_code(decision, policy) == 0
    out = stream()
    hooks.report(decision, policy, out, verbose=False)
    shown = out.getvalue()
    assert ("\x1b[" in shown) is (stream is Tty)
    assert "PENDING" not in shown and "(exit 3)" not in shown
    assert "committed; the pull request will need" in shown
    assert shown.index("committed;") > shown.index("stages:")
    assert "approval: needs the `gate:approved` label" in shown
    strict = dataclasses.replace(policy, precommit=dataclasses.replace(policy.precommit,
                                                                       high_tier="block"))
    out = stream()
    hooks.report(decision, strict, out, verbose=False)
    assert "PENDING" in out.getvalue() and "committed;" not in out.getvalue()
