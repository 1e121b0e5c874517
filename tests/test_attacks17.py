"""Red team of the decision reused whole (issue 17: gates.launch, gates.quick).

The claim under attack: a stored decision answers a run only when a fresh run would give the same
report and exit code. The attacker is a fast model drafting code that wants its commit through
``gate hook pre-commit`` / ``gate check --staged``; above all a reused pass (or pending) where a
fresh run blocks is a hole. Each case stores a decision under one state, changes something, and
compares the reused answer with a fresh run's (``repo.gate``: the CLI itself, no reuse at all).

The pass found 12 holes, each first a strict xfail here; all are fixed, and every test is now a
regression test (those of the holes failed on the code before the fix).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gates import quick
from gates.audit.log import read
from gates.launch import main as launch

from .conftest import Repo, run_in_process

UNSAFE = "import yaml\n\ndef load(f):\n    return yaml.load(f, Loader=yaml.Loader)\n"
SAFE = "def main():\n    return 2\n"
# A Go edit twenty lines into func VerifySignature: only git's hunk header (the golang diff
# driver's funcname) names the function, so only the header makes the change high tier.
GO = ("package x\n\nfunc VerifySignature(a int) int {\n"
      + "".join(f"\tb{i} := {i}\n" for i in range(20)) + "\treturn a\n}\n")
HIDE_HEADER = '[diff "golang"]\n\txfuncname = "^ZZZ$"\n'  # a driver whose funcname never matches


def gate(repo: Repo, *args: str, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The console script's entry (reuse on), in-process."""
    return run_in_process(list(args) or ["check"], cwd or repo.root, env or {}, main=launch)


def reused(git_dir: Path) -> list[bool]:
    """Oldest first: was each logged decision reused?"""
    return [bool(r.get("reused")) for r in reversed(read(git_dir / "draftgate" / "audit.db"))]


def go_change(repo: Repo) -> None:
    """A staged change that is high tier (pending, exit 3) only through the hunk header."""
    repo.write("pkg/x.go", GO)
    repo.commit("go code")
    repo.write("pkg/x.go", GO.replace("b18 := 18", "b18 := 99"))


def stored_then_shown(repo: Repo, hide: object, show: object, *,
                      env: dict[str, str] | None = None, cwd: Path | None = None
                      ) -> tuple[int, int]:
    """Store a decision while ``hide`` is in effect, undo it with ``show``; then the exit codes
    of a reused run and of a fresh one."""
    hide()  # type: ignore[operator]
    gate(repo, "check", env=env, cwd=cwd)
    show()  # type: ignore[operator]
    again = gate(repo, "check", env=env, cwd=cwd)
    return again.returncode, repo.gate("check", env=env, cwd=cwd).returncode


# --- What git reads that the name misses ---------------------------------------------------------

def test_an_untracked_gitattributes_does_not_lower_a_fresh_verdict(repo: Repo) -> None:
    go_change(repo)
    assert repo.gate("check").returncode == 3
    repo.write("pkg/.gitattributes", "*.go diff=python\n", stage=False)
    assert repo.gate("check").returncode == 3


def test_a_nested_gitattributes_removed_after_storing(repo: Repo) -> None:
    go_change(repo)
    attributes = repo.root / "pkg" / ".gitattributes"
    codes = stored_then_shown(
        repo, lambda: attributes.write_text("*.go diff=python\n"), attributes.unlink)
    assert codes[0] == codes[1]


def test_a_same_size_gitattributes_edit_with_its_mtime_put_back(repo: Repo) -> None:
    go_change(repo)
    attributes = repo.root / ".gitattributes"

    def put_back() -> None:
        before = attributes.stat()
        attributes.write_text("*.go diff=golang\n")
        os.utime(attributes, ns=(before.st_atime_ns, before.st_mtime_ns))

    codes = stored_then_shown(
        repo, lambda: attributes.write_text("*.go diff=python\n"), put_back)
    assert codes[0] == codes[1]


@pytest.mark.parametrize("variable", ["GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"])
def test_a_config_file_named_by_a_variable(repo: Repo, tmp_path: Path, variable: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    go_change(repo)
    config = tmp_path / "config"
    codes = stored_then_shown(repo, lambda: config.write_text(HIDE_HEADER),
                              lambda: config.write_text(""), env={variable: str(config)})
    assert codes[0] == codes[1]


def test_the_xdg_config_file(repo: Repo, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")
    go_change(repo)
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    home.mkdir()
    (xdg / "git").mkdir(parents=True)
    config = xdg / "git" / "config"
    codes = stored_then_shown(repo, lambda: config.write_text(HIDE_HEADER),
                              lambda: config.write_text(""),
                              env={"HOME": str(home), "XDG_CONFIG_HOME": str(xdg)})
    assert codes[0] == codes[1]


def test_a_file_the_config_includes(repo: Repo, tmp_path: Path) -> None:
    go_change(repo)
    included = tmp_path / "included.config"
    repo.git("config", "include.path", str(included))
    codes = stored_then_shown(repo, lambda: included.write_text(HIDE_HEADER),
                              lambda: included.write_text(""))
    assert codes[0] == codes[1]


def linked_worktree(repo: Repo, tmp_path: Path) -> Path:
    repo.write("pkg/x.go", GO)
    repo.commit("go code")
    tree = tmp_path / "linked"
    repo.git("worktree", "add", "-q", "-b", "side", str(tree))
    (tree / "pkg" / "x.go").write_text(GO.replace("b18 := 18", "b18 := 99"))
    subprocess.run(["git", "add", "pkg/x.go"], cwd=tree, check=True)
    return tree


@pytest.mark.parametrize("where", ["config", "info/attributes"])
def test_the_common_dir_of_a_linked_worktree(repo: Repo, tmp_path: Path, where: str) -> None:
    tree = linked_worktree(repo, tmp_path)
    common = repo.root / ".git" / where
    common.parent.mkdir(exist_ok=True)
    text = HIDE_HEADER if where == "config" else "*.go diff=python\n"
    original = common.read_text() if common.exists() else ""
    codes = stored_then_shown(repo, lambda: common.write_text(original + text),
                              lambda: common.write_text(original), cwd=tree)
    assert codes[0] == codes[1]


def replace_head(repo: Repo) -> str:
    """`git replace` HEAD by a commit whose tree is the staged tree (HEAD's id is unchanged)."""
    head = repo.git("rev-parse", "HEAD").strip()
    twin = repo.git("commit-tree", repo.git("write-tree").strip(), "-m", "twin").strip()
    repo.git("replace", head, twin)
    return head


def test_a_replaced_head_does_not_empty_a_fresh_change(seeded: Repo) -> None:
    seeded.write("app/main.py", UNSAFE)
    replace_head(seeded)
    assert seeded.gate("check").returncode == 1


def test_a_replacement_removed_after_storing(seeded: Repo) -> None:
    seeded.write("app/main.py", UNSAFE)
    head = replace_head(seeded)
    codes = stored_then_shown(seeded, lambda: None,
                              lambda: seeded.git("replace", "-d", head))
    assert codes[0] == codes[1]


# --- What the run read that the entry misses -----------------------------------------------------

def installed_later(tmp_path: Path, name: str, body: str
                    ) -> tuple[dict[str, str], Callable[[], None]]:
    """A PATH whose first directory is empty for now, and what puts ``name`` there later."""
    folder = tmp_path / "early-bin"
    folder.mkdir()

    def install() -> None:
        (folder / name).write_text(f"#!/bin/sh\n{body}\n")
        (folder / name).chmod(0o755)

    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}, install


def test_an_optional_stage_that_could_not_run_is_not_stored(seeded: Repo,
                                                             tmp_path: Path) -> None:
    seeded.write(".gate.yaml", "extends: default\nstages:\n  lint:\n    run: [attack-lint]\n"
                 "    tiers: [low]\noptional:\n  low: [lint]\n")
    seeded.commit("an optional lint")
    seeded.write("app/main.py", SAFE)
    env, install = installed_later(tmp_path, "attack-lint", "echo lint says no; exit 1")
    codes = stored_then_shown(seeded, lambda: None, install, env=env)
    assert codes[0] == codes[1]


def test_rules_outside_the_repository(seeded: Repo, tmp_path: Path) -> None:
    rules = tmp_path / "team-rules.yml"
    rule = ("rules:\n  - id: no-frobnicate\n    pattern: frobnicate(...)\n"
            "    message: frobnicate is forbidden\n    languages: [python]\n    severity: ERROR\n")
    rules.write_text(rule.replace("frobnicate(...)", "unused_name(...)"))
    seeded.write(".gate.yaml", "extends: default\nsast:\n  semgrep:\n"
                 f"    rules: [default, {str(rules)!r}]\n")
    seeded.commit("team rules")
    seeded.write("app/main.py", "def main():\n    return frobnicate(2)\n")
    codes = stored_then_shown(seeded, lambda: None, lambda: rules.write_text(rule))
    assert codes[0] == codes[1]


def test_a_scanner_shadowed_on_path_after_storing(seeded: Repo, tmp_path: Path) -> None:
    seeded.write("app/main.py", "import subprocess\n\ndef run(c):\n"
                 "    return subprocess.call(c, shell=True)\n")
    env, shadow = installed_later(tmp_path, "bandit", "echo newer bandit failed >&2; exit 2")
    codes = stored_then_shown(seeded, lambda: None, shadow, env=env)
    assert codes[0] == codes[1]


# --- The store and the replay --------------------------------------------------------------------

def test_an_entry_that_is_a_fifo_does_not_hang_the_hook(seeded: Repo) -> None:
    seeded.write("app/main.py", UNSAFE)
    gate(seeded)
    (entry,) = (seeded.root / ".git" / "draftgate" / "decisions").glob("*.json")
    entry.unlink()
    os.mkfifo(entry)
    answers: list[object] = []
    worker = threading.Thread(
        target=lambda: answers.append(quick.lookup(str(seeded.root / ".git"), entry.stem)),
        daemon=True)
    worker.start()
    worker.join(3)
    hung = worker.is_alive()
    if hung:  # let the reader go: a writer that opens and closes gives it end-of-file
        descriptor = os.open(entry, os.O_WRONLY | os.O_NONBLOCK)
        os.close(descriptor)
        worker.join(10)
    assert not hung and answers == [None]


@pytest.mark.cli
def test_a_reused_pass_into_a_closed_pipe_keeps_its_exit_code(seeded: Repo) -> None:
    seeded.write("app/main.py", SAFE)
    command = [sys.executable, "-m", "gates", "check"]
    first = subprocess.run(command, cwd=seeded.root, capture_output=True, text=True, check=False,
                           env=dict(os.environ))
    assert first.returncode == 0
    codes, errors = [], []
    for extra in ({"DRAFTGATE_NO_REUSE": "1"}, {}):
        reader, writer = os.pipe()
        os.close(reader)
        try:
            done = subprocess.run(command, cwd=seeded.root, stdout=writer,
                                  stderr=subprocess.PIPE, text=True, check=False,
                                  env={**os.environ, **extra})
        finally:
            os.close(writer)
        codes.append(done.returncode)
        errors.append(done.stderr)
    assert codes == [0, 0] and "Traceback" not in errors[1]
    assert reused(seeded.root / ".git") == [False, False, True]


def test_a_reused_record_does_not_bill_the_model_again(seeded: Repo, tmp_path: Path) -> None:
    script = tmp_path / "reviewer.py"
    script.write_text("import json, sys\nsys.stdin.read()\nprint(json.dumps({'verdict': "
                      "'approve', 'summary': 'fine', 'findings': []}))\n")
    seeded.write(".gate.yaml", "extends: default\nreview:\n  provider: command\n"
                 f"  command: [{sys.executable!r}, {str(script)!r}]\n"
                 "  prices: {input: 3, output: 15}\n")
    seeded.commit("a reviewer")
    seeded.write("auth/login.py", "def login():\n    return 1\n")
    gate(seeded)
    gate(seeded)
    assert seeded.gate("check").returncode == 3
    records = read(seeded.root / ".git" / "draftgate" / "audit.db")  # newest first
    fresh, again, first = (r["model"] for r in records)
    assert [r.get("reused", False) for r in records] == [False, True, False]
    assert (first["calls"], fresh["calls"], fresh["cached"]) == (1, 0, 1)
    assert (again["calls"], again["cached"]) == (fresh["calls"], fresh["cached"])


# --- Defences that held --------------------------------------------------------------------------

def intent_to_add(repo: Repo) -> None:
    repo.write("new.py", UNSAFE, stage=False)
    repo.git("add", "-N", "new.py")  # not committed by `git commit`: invisible to both


def assume_unchanged(repo: Repo) -> None:
    repo.write("app/main.py", UNSAFE)
    repo.git("update-index", "--assume-unchanged", "app/main.py")
    repo.write("app/main.py", SAFE, stage=False)


def skip_worktree(repo: Repo) -> None:
    repo.write("app/main.py", UNSAFE)
    repo.git("update-index", "--skip-worktree", "app/main.py")
    (repo.root / "app" / "main.py").unlink()


def split_index(repo: Repo) -> None:
    repo.git("update-index", "--split-index")
    repo.write("app/main.py", UNSAFE)


@pytest.mark.parametrize("state", [intent_to_add, assume_unchanged, skip_worktree, split_index])
def test_an_index_state_is_reused_as_a_fresh_run_judges_it(seeded: Repo, state: object) -> None:
    state(seeded)  # type: ignore[operator]
    first, again = gate(seeded), gate(seeded)
    fresh = seeded.gate("check")
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    assert again.returncode == fresh.returncode
    assert reused(seeded.root / ".git") == [False, True, False]


def test_another_index_file_is_another_name(seeded: Repo) -> None:
    """git commit -a / git commit PATHS run the hook with GIT_INDEX_FILE at a temporary index:
    its content, not the variable, names the decision."""
    seeded.write("app/main.py", SAFE)
    assert gate(seeded).returncode == 0
    other = seeded.root / ".git" / "next-index"
    env = {"GIT_INDEX_FILE": str(other)}
    seeded.write("app/main.py", UNSAFE, stage=False)
    for command in (["read-tree", "HEAD"], ["add", "app/main.py"]):
        subprocess.run(["git", *command], cwd=seeded.root, env={**os.environ, **env}, check=True)
    assert gate(seeded, env=env).returncode == seeded.gate("check", env=env).returncode == 1
    assert reused(seeded.root / ".git")[:2] == [False, False]


def git_config(repo: Repo, home: Path) -> None:
    repo.git("config", "diff.golang.xfuncname", "^ZZZ$")


def user_config(repo: Repo, home: Path) -> None:
    (home / ".gitconfig").write_text(HIDE_HEADER)


def branch_renamed(repo: Repo, home: Path) -> None:
    repo.git("branch", "-m", "ai/renamed")


def detached(repo: Repo, home: Path) -> None:
    repo.git("checkout", "-q", "--detach")


@pytest.mark.parametrize("change", [git_config, user_config, branch_renamed, detached])
def test_what_the_name_covers_is_judged_afresh(repo: Repo, tmp_path: Path, change: object,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    go_change(repo)
    assert gate(repo, env=env).returncode == 3
    change(repo, home)  # type: ignore[operator]
    after = gate(repo, env=env)
    assert after.returncode == repo.gate("check", env=env).returncode
    assert reused(repo.root / ".git") == [False, False, False]


def test_an_unstaged_top_gitattributes_changes_no_verdict_fresh_or_reused(repo: Repo) -> None:
    # The staged diff takes attributes from the index: an unstaged file changes neither answer.
    go_change(repo)
    assert gate(repo).returncode == 3
    repo.write(".gitattributes", "*.go diff=python\n", stage=False)
    assert gate(repo).returncode == repo.gate("check").returncode == 3


def test_an_index_edited_while_the_gate_runs_is_not_stored(seeded: Repo, tmp_path: Path) -> None:
    """The review command runs after the change was read; it stages a blocking file. The name
    taken again after the run differs, so the pending judged on the old index is not stored."""
    script = tmp_path / "reviewer.py"
    script.write_text(
        "import json, pathlib, subprocess, sys\nsys.stdin.read()\n"
        f"pathlib.Path('extra.py').write_text({UNSAFE!r})\n"
        "subprocess.run(['git', 'add', 'extra.py'], check=True)\n"
        "print(json.dumps({'verdict': 'approve', 'summary': 'fine', 'findings': []}))\n")
    seeded.write(".gate.yaml", "extends: default\nreview:\n  provider: command\n"
                 f"  command: [{sys.executable!r}, {str(script)!r}]\n")
    seeded.commit("a reviewer that stages a file")
    seeded.write("auth/login.py", "def login():\n    return 1\n")
    assert gate(seeded).returncode == 3
    assert "extra.py" in seeded.git("diff", "--cached", "--name-only")
    assert not list((seeded.root / ".git" / "draftgate" / "decisions").glob("*.json"))
    assert gate(seeded).returncode == seeded.gate("check").returncode == 1
    assert reused(seeded.root / ".git") == [False, False, False]


def test_a_damaged_store_is_a_miss(seeded: Repo) -> None:
    seeded.write("app/main.py", UNSAFE)
    gate(seeded)
    (entry,) = (seeded.root / ".git" / "draftgate" / "decisions").glob("*.json")
    stored = json.loads(entry.read_text())
    entry.write_text(json.dumps(stored | {"created": time.time() + 3600, "code": 0}))
    assert gate(seeded).returncode == 1  # from the future: a miss
    entry.unlink()
    entry.mkdir()  # a directory where the entry goes: a miss, and storing fails quietly
    assert gate(seeded).returncode == gate(seeded).returncode == 1
    assert reused(seeded.root / ".git") == [False, False, False, False]


def test_a_run_against_another_git_dir_is_not_stored(repo: Repo, tmp_path: Path) -> None:
    """GIT_DIR naming another repository than the working directory's: the key and the CLI
    judge different repositories, so nothing is stored in either."""
    repo.write("README.md", "# one\n")
    repo.commit("one")
    other = Repo(tmp_path / "other")
    other.root.mkdir()
    other.git("init", "-q", "-b", "main")
    other.write("README.md", "# two\n")
    other.commit("two")
    other.write("app/main.py", UNSAFE)
    env = {"GIT_DIR": str(other.root / ".git")}
    assert gate(repo, env=env).returncode == gate(repo, env=env).returncode
    for place in (repo, other):
        assert not list((place.root / ".git" / "draftgate").glob("decisions/*.json"))


@pytest.mark.parametrize("argv", [["hook", "pre-commit", "-v"], ["check", "--format=json"],
                                  ["check", "--staged", "--no-cache"]])
def test_other_command_lines_are_never_answered_from_the_store(seeded: Repo,
                                                               argv: list[str]) -> None:
    seeded.write("app/main.py", UNSAFE)
    first, again = gate(seeded, *argv), gate(seeded, *argv)
    assert first.returncode == again.returncode == (2 if "-v" in argv else 1)
    assert not list((seeded.root / ".git" / "draftgate").glob("decisions/*.json"))
    log = seeded.root / ".git" / "draftgate" / "audit.db"
    assert not log.exists() or not any(reused(seeded.root / ".git"))


@pytest.mark.cli
def test_a_non_utf8_name_without_home_is_reused_byte_for_byte(seeded: Repo) -> None:
    name = os.fsdecode(b"app/caf\xe9.py")
    (seeded.root / name).write_text(UNSAFE)
    seeded.git("add", "-A")
    env = {k: v for k, v in os.environ.items() if k != "HOME"}
    runs = [subprocess.run([sys.executable, "-m", "gates", "check"], cwd=seeded.root,
                           capture_output=True, env={**env, **extra}, check=False)
            for extra in ({}, {}, {"DRAFTGATE_NO_REUSE": "1"})]
    assert [r.returncode for r in runs] == [1, 1, 1]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout and b"caf\\xe9" in runs[1].stdout
    assert runs[1].stderr == b""
    assert reused(seeded.root / ".git") == [False, True, False]
