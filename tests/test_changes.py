"""Collecting the change from real git repositories: sources and the hard cases."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gates import changes
from gates.errors import GitError, UsageError
from gates.gitrepo import GitRepo
from gates.model import FileStatus, Side, SourceKind

from .conftest import Repo, file_entry


def add_submodule(repo: Repo, tmp_path: Path) -> tuple[str, str]:
    """Add a two-commit library as submodule ``vendored`` (checked out at its second commit)."""
    lib = Repo(tmp_path / "lib")
    lib.root.mkdir()
    lib.git("init", "-q", "-b", "main")
    lib.write("lib.py", "x = 1\n")
    first = lib.commit("one")
    lib.write("lib.py", "x = 2\n")
    second = lib.commit("two")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib.root),
             "vendored")
    return first, second


def conflict(repo: Repo, extra: dict[str, str] | None = None) -> None:
    """Branches main and other both change app/main.py; merging other leaves a conflict."""
    repo.git("checkout", "-q", "-b", "other")
    for path, text in (extra or {}).items():
        repo.write(path, text)
    repo.write("app/main.py", "def main():\n    return 'other'\n")
    repo.commit("other")
    repo.git("checkout", "-q", "main")
    repo.write("app/main.py", "def main():\n    return 'main'\n")
    repo.commit("main")
    repo.git("merge", "-q", "other", check=False)


def by_path(change: changes.ChangeSet) -> dict[str, changes.ChangedFile]:
    return {f.path: f for f in change.files}


def test_first_commit_is_judged_against_the_empty_tree(repo: Repo) -> None:
    repo.write("auth/login.py", "def login():\n    pass\n")
    change = changes.staged(GitRepo(repo.root))
    (only,) = change.files
    assert (only.path, only.status, only.added, only.removed) == \
        ("auth/login.py", FileStatus.ADDED, 2, 0)
    assert change.source.kind is SourceKind.STAGED and change.source.base is None


def test_staged_content_comes_from_the_index_not_the_worktree(seeded: Repo) -> None:
    seeded.write("app/main.py", "def main():\n    return 2\n")
    # Unstaged edit adds a secret: the gate must judge only what is staged.
    (seeded.root / "app/main.py").write_text(
        "def main():\n    return 2\npassword = 'hunter2hunter2'\n")
    data = seeded.gate_json()
    entry = file_entry(data, "app/main.py")
    assert entry["tier"] == "low" and entry["added"] == 1
    seeded.git("add", "app/main.py")
    data = seeded.gate_json()
    assert file_entry(data, "app/main.py")["tier"] == "high"


def test_partially_staged_symbol_scope_uses_the_index_blob(seeded: Repo) -> None:
    seeded.write("app/svc.py", "def helper():\n    return 1\n")
    seeded.commit("svc")
    # Staged: a change inside helper. Worktree only: helper renamed to verify_signature.
    seeded.write("app/svc.py", "def helper():\n    return 2\n")
    (seeded.root / "app/svc.py").write_text("def verify_signature():\n    return 2\n")
    assert file_entry(seeded.gate_json(), "app/svc.py")["tier"] == "low"


def test_range_uses_the_merge_base(seeded: Repo) -> None:
    seeded.git("checkout", "-q", "-b", "feature")
    seeded.write("app/feature.py", "x = 1\n")
    seeded.commit("feature work")
    seeded.git("checkout", "-q", "main")
    seeded.write("auth/on_main.py", "y = 1\n")  # only on main: not part of the feature's change
    seeded.commit("main moves on")
    change = changes.commit_range(GitRepo(seeded.root), "main", "feature")
    assert list(by_path(change)) == ["app/feature.py"]
    assert change.source.branch == "feature"
    assert [c.summary for c in change.commits] == ["feature work"]


def test_unknown_revision_is_a_usage_error(seeded: Repo) -> None:
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        changes.commit_range(GitRepo(seeded.root), "nope")
    done = seeded.gate("check", "--base", "nope")
    assert done.returncode == 2
    assert done.stderr.startswith("gate: error: unknown revision 'nope'")
    assert "Traceback" not in done.stderr


def test_shallow_clone_without_merge_base_says_fetch_more_history(seeded: Repo,
                                                                  tmp_path: Path) -> None:
    for i in range(3):
        seeded.write(f"app/m{i}.py", f"x = {i}\n")
        seeded.commit(f"main {i}")
    seeded.git("checkout", "-q", "-b", "feature", "HEAD~2")
    seeded.write("app/f.py", "f = 1\n")
    seeded.commit("feature")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-single-branch",
                    f"file://{seeded.root}", str(clone)], check=True)
    shallow = Repo(clone)
    done = shallow.gate("check", "--base", "origin/main", "--head", "origin/feature")
    assert done.returncode == 2
    assert "fetch-depth: 0" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_pull_request_event(seeded: Repo, tmp_path: Path) -> None:
    base = seeded.git("rev-parse", "HEAD").strip()
    seeded.git("checkout", "-q", "-b", "copilot/fix-login")
    seeded.write("auth/session.py", "TTL = 5\n")
    head = seeded.commit("shorten session\n\nCo-authored-by: Copilot <copilot@github.com>")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": 7, "pull_request": {
        "number": 7, "base": {"sha": base, "ref": "main"},
        "head": {"sha": head, "ref": "copilot/fix-login"}}}))
    data = seeded.gate_json("--pr", env={"GITHUB_EVENT_PATH": str(event)})
    assert data["source"]["kind"] == "pull-request"
    assert data["source"]["pr_number"] == 7
    assert data["source"]["merge_base"] == base
    assert data["tier"] == "high"
    assert data["provenance"]["ai_drafted"] is True
    assert any("Co-authored-by: Copilot" in e for e in data["provenance"]["evidence"])


def test_pull_request_needs_a_pull_request_event(seeded: Repo, tmp_path: Path) -> None:
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/main", "after": "abc"}))
    done = seeded.gate("check", "--pr", env={"GITHUB_EVENT_PATH": str(event)})
    assert done.returncode == 2
    assert "not a pull_request" in done.stderr
    done = seeded.gate("check", "--pr")
    assert done.returncode == 2 and "GITHUB_EVENT_PATH" in done.stderr


def test_explicit_paths_read_whole_files(seeded: Repo) -> None:
    seeded.write("auth/tokens.py", "a = 1\nb = 2\nc = 3\n", stage=False)
    change = changes.paths(seeded.root, [str(seeded.root / "auth/tokens.py"),
                                         str(seeded.root / "app")],
                           GitRepo(seeded.root))
    files = by_path(change)
    assert files["auth/tokens.py"].added == 3
    assert "app/main.py" in files
    with pytest.raises(UsageError, match="no such file"):
        changes.paths(seeded.root, [str(seeded.root / "missing.py")], GitRepo(seeded.root))


def test_paths_outside_a_repository(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    (folder / "auth").mkdir(parents=True)
    (folder / "auth" / "views.py").write_text("x = 1\n")
    done = subprocess.run(["python", "-m", "gates", "check", "auth/views.py", "--format", "json"],
                          cwd=folder, capture_output=True, text=True, check=False,
                          env={**os.environ})
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout)["tier"] == "high"


def test_rename_keeps_the_old_path_judged(seeded: Repo) -> None:
    seeded.write("auth/views.py", "def view():\n    return 1\n")
    seeded.commit("auth view")
    (seeded.root / "misc").mkdir()
    seeded.git("mv", "auth/views.py", "misc/x.py")
    (renamed,) = changes.staged(GitRepo(seeded.root)).files
    assert (renamed.status, renamed.path, renamed.old_path) == \
        (FileStatus.RENAMED, "misc/x.py", "auth/views.py")
    entry = file_entry(seeded.gate_json(), "misc/x.py")
    assert entry["tier"] == "high"
    assert entry["matches"][0]["side"] == Side.OLD_PATH.value


def test_copy_of_an_unchanged_file_is_detected(seeded: Repo) -> None:
    seeded.write("auth/views.py", "".join(f"line_{i} = {i}\n" for i in range(40)))
    seeded.commit("views")
    (seeded.root / "misc").mkdir()
    (seeded.root / "misc/x.py").write_bytes((seeded.root / "auth/views.py").read_bytes())
    seeded.git("add", "misc/x.py")
    entry = file_entry(seeded.gate_json(), "misc/x.py")
    assert (entry["status"], entry["old_path"], entry["tier"]) == \
        ("copied", "auth/views.py", "high")


def test_copy_is_detected_and_both_paths_judged(seeded: Repo) -> None:
    body = "".join(f"line_{i} = {i}\n" for i in range(40))
    seeded.write("auth/rules.py", body)
    seeded.commit("rules")
    seeded.write("auth/rules.py", body + "extra = 1\n")
    seeded.write("lib/rules_copy.py", body)
    files = by_path(changes.staged(GitRepo(seeded.root)))
    copy = files["lib/rules_copy.py"]
    assert copy.status is FileStatus.COPIED and copy.old_path == "auth/rules.py"
    assert file_entry(seeded.gate_json(), "lib/rules_copy.py")["tier"] == "high"


def test_deleted_auth_check_is_sensitive(seeded: Repo) -> None:
    seeded.write("app/views.py", "@login_required\ndef page():\n    return 1\n")
    seeded.commit("page")
    seeded.write("app/views.py", "def page():\n    return 1\n")
    entry = file_entry(seeded.gate_json(), "app/views.py")
    assert entry["tier"] == "high"
    found = {(m["side"], m["line"], m["text"]) for m in entry["matches"] if m["kind"] == "content"}
    assert found == {("removed", 1, "@login_required")}


def test_deleted_file(seeded: Repo) -> None:
    seeded.write("deploy/Dockerfile", "FROM python:3.12\n")
    seeded.commit("docker")
    seeded.git("rm", "-q", "deploy/Dockerfile")
    (gone,) = changes.staged(GitRepo(seeded.root)).files
    assert (gone.status, gone.removed) == (FileStatus.DELETED, 1)
    assert file_entry(seeded.gate_json(), "deploy/Dockerfile")["tier"] == "medium"


def test_binary_files_are_opaque_unless_they_decode_as_text(seeded: Repo) -> None:
    seeded.write("certs/server.pem", b"\x00\x01\xff-----BEGIN PRIVATE KEY-----\x00")
    # git calls it binary (a NUL); an editor and a template engine read it as UTF-8 text
    seeded.write("app/blob.tmpl", b"{# \x00 #}\npassword = 'hunter2hunter2'\n")
    seeded.write("app/data.bin", b"\x00\xff\xfe\x80 not text in any encoding \x9c\x00")
    seeded.write("static/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\x00")
    files = by_path(changes.staged(GitRepo(seeded.root)))
    assert files["app/data.bin"].binary and files["app/data.bin"].patch == b""
    assert not files["app/blob.tmpl"].binary and files["app/blob.tmpl"].added == 2
    data = seeded.gate_json()
    assert file_entry(data, "certs/server.pem")["tier"] == "high"
    assert file_entry(data, "app/blob.tmpl")["tier"] == "high"
    assert file_entry(data, "app/data.bin")["tier"] == "medium"
    assert file_entry(data, "static/logo.png")["tier"] == "low"


def test_symlink_is_judged_by_its_target(seeded: Repo) -> None:
    seeded.write("secrets/prod.env", "X=1\n")
    seeded.commit("secrets")
    os.symlink("../secrets/prod.env", seeded.root / "app/config.env")
    seeded.git("add", "app/config.env")
    (link,) = changes.staged(GitRepo(seeded.root)).files
    assert link.symlink and link.link_targets == ("secrets/prod.env",)
    entry = file_entry(seeded.gate_json(), "app/config.env")
    assert entry["tier"] == "high"
    assert any(m["side"] == "link-target" for m in entry["matches"])


def test_file_replaced_by_symlink(seeded: Repo) -> None:
    seeded.git("rm", "-q", "app/main.py")
    (seeded.root / "app").mkdir(exist_ok=True)
    os.symlink("../auth/real.py", seeded.root / "app/main.py")
    seeded.git("add", "app/main.py")
    (changed,) = changes.staged(GitRepo(seeded.root)).files
    assert changed.status is FileStatus.TYPE_CHANGED
    assert changed.removed == 2 and changed.link_targets == ("auth/real.py",)


def test_submodule_pointer_change(seeded: Repo, tmp_path: Path) -> None:
    first, second = add_submodule(seeded, tmp_path)
    seeded.git("-C", "vendored", "checkout", "-q", first)
    seeded.git("add", "vendored")
    seeded.commit("add submodule")
    seeded.git("-C", "vendored", "checkout", "-q", second)
    seeded.git("add", "vendored")
    (pointer,) = changes.staged(GitRepo(seeded.root)).files
    assert pointer.submodule and pointer.path == "vendored"
    entry = file_entry(seeded.gate_json(), "vendored")
    assert entry["tier"] == "medium"
    assert entry["matches"][0]["rule"] == "dependencies.kind"


def test_mode_only_change(seeded: Repo) -> None:
    seeded.git("update-index", "--chmod=+x", "app/main.py")
    (changed,) = changes.staged(GitRepo(seeded.root)).files
    assert changed.mode_changed and (changed.added, changed.removed) == (0, 0)
    assert (changed.old_mode, changed.new_mode) == ("100644", "100755")


@pytest.mark.parametrize("name", ["with space/a b.py", "naïve/café.py", "new\nline.py",
                                  "tab\tname.py", "quote\"d.py"])
def test_awkward_file_names(seeded: Repo, name: str) -> None:
    seeded.write(name, "x = 1\n")
    (changed,) = changes.staged(GitRepo(seeded.root)).files
    assert changed.path == name
    assert changed.added == 1


def test_non_utf8_name_and_content(seeded: Repo) -> None:
    raw_name = b"latin1-\xe9.py"
    (seeded.root / os.fsdecode(raw_name)).write_bytes(
        b"pass\xe9word = 'hunter2hunter2'\nx = '\xff'\n")
    seeded.git("add", "-A")
    (changed,) = changes.staged(GitRepo(seeded.root)).files
    assert os.fsencode(changed.path) == raw_name
    assert changed.added == 2
    data = seeded.gate_json()
    assert data["files"][0]["path"] == "latin1-\ufffd.py"


def test_very_long_line_is_cut_around_the_match(seeded: Repo) -> None:
    line = "x = '" + "a" * 50_000 + "'; y = hashlib.md5(data); z = '" + "b" * 50_000 + "'\n"
    seeded.write("app/min.py", line)
    entry = file_entry(seeded.gate_json(), "app/min.py")
    (match,) = [m for m in entry["matches"] if m["rule"] == "crypto.content"]
    assert "hashlib.md5" in match["text"]
    assert len(match["text"]) <= 122


def test_empty_change_says_nothing_to_check(seeded: Repo) -> None:
    done = seeded.gate("check")
    assert done.returncode == 0
    assert "nothing to check" in done.stdout


def test_unmerged_paths_fail_closed(seeded: Repo) -> None:
    conflict(seeded)
    with pytest.raises(GitError, match="unmerged paths"):
        changes.staged(GitRepo(seeded.root))
    done = seeded.gate("check")
    assert done.returncode == 2 and "resolve the conflict" in done.stderr


def test_merge_commit_after_conflict_is_judged(seeded: Repo) -> None:
    conflict(seeded, extra={"auth/keys.py": "KEY = 1\n"})
    seeded.write("app/main.py", "def main():\n    return 'both'\n")
    data = seeded.gate_json()  # what `git commit` of the resolved merge would record
    assert {f["path"] for f in data["files"]} == {"app/main.py", "auth/keys.py"}
    assert data["tier"] == "high"


def test_type_changes_keep_the_file_side_judged(seeded: Repo) -> None:
    os.symlink("main.py", seeded.root / "app/link.py")
    seeded.git("add", "app/link.py")
    seeded.commit("link")
    (seeded.root / "app/link.py").unlink()
    seeded.write("app/link.py", 'AWS = "AKIAABCDEFGHIJKLMNOP"\n')
    entry = file_entry(seeded.gate_json(), "app/link.py")
    assert entry["status"] == "type-changed"
    assert entry["tier"] == "high"
    seeded.commit("now a file")
    seeded.write("app/views.py", "@login_required\ndef view():\n    pass\n")
    seeded.commit("view")
    seeded.git("rm", "-q", "app/views.py")
    os.symlink("main.py", seeded.root / "app/views.py")
    seeded.git("add", "app/views.py")
    entry = file_entry(seeded.gate_json(), "app/views.py")
    assert entry["tier"] == "high"
    assert any(m["side"] == "removed" and m["line"] == 1 for m in entry["matches"])


@pytest.mark.parametrize(
    "blind",
    [
        ["config", "diff.python.binary", "true"],
        ["config", "core.bigFileThreshold", "10"],
        ["config", "diff.ignoreSubmodules", "all"],
    ],
)
def test_repository_config_cannot_blind_the_gate(seeded: Repo, blind: list[str]) -> None:
    seeded.git(*blind)
    seeded.write("app/views.py", 'AWS = "AKIAABCDEFGHIJKLMNOP"\n')
    entry = file_entry(seeded.gate_json(), "app/views.py")
    assert entry["binary"] is False and entry["tier"] == "high"


@pytest.mark.parametrize("where", [".gitattributes", ".git/info/attributes"])
def test_attributes_cannot_hide_text_as_binary(seeded: Repo, where: str) -> None:
    (seeded.root / where).write_text("* -diff\n")
    seeded.write("app/views.py", 'password = "hunter2hunter2"\n')
    entry = file_entry(seeded.gate_json(), "app/views.py")
    assert entry["binary"] is False and entry["tier"] == "high"
    assert entry["matches"][0]["line"] == 1


def test_real_binaries_stay_binary_under_attributes(seeded: Repo) -> None:
    (seeded.root / ".gitattributes").write_text("* -diff\n")
    seeded.write("app/blob.bin", b"\x00\xff\x80password = 'hunter2hunter2'\n")
    entry = file_entry(seeded.gate_json(), "app/blob.bin")
    assert entry["binary"] is True and entry["tier"] == "medium"  # opaque, in a source folder


def test_symlink_to_a_sensitive_directory(seeded: Repo) -> None:
    seeded.write(".github/workflows/ci.yml", "on: push\n")
    seeded.write("src/auth/x.py", "x = 1\n")
    seeded.commit("dirs")
    (seeded.root / "misc").mkdir()
    os.symlink("../src/auth", seeded.root / "misc/a")
    os.symlink("../.github/workflows", seeded.root / "misc/wf")
    seeded.git("add", "misc")
    data = seeded.gate_json()
    for path, target in (("misc/a", "src/auth"), ("misc/wf", ".github/workflows")):
        entry = file_entry(data, path)
        assert entry["tier"] == "high", entry
        assert {(m["side"], m["text"]) for m in entry["matches"]} == {("link-target", target)}


def test_submodule_ignore_setting_cannot_hide_a_bump(seeded: Repo, tmp_path: Path) -> None:
    first, second = add_submodule(seeded, tmp_path)
    seeded.git("-C", "vendored", "checkout", "-q", first)
    seeded.git("config", "-f", ".gitmodules", "submodule.vendored.ignore", "all")
    seeded.git("add", "vendored", ".gitmodules")
    seeded.commit("add submodule")
    seeded.git("-C", "vendored", "checkout", "-q", second)
    seeded.git("add", "vendored")
    assert [f["path"] for f in seeded.gate_json()["files"]] == ["vendored"]


def test_worktree_and_path_with_spaces(seeded: Repo, tmp_path: Path) -> None:
    tree = tmp_path / "a folder with spaces"
    seeded.git("worktree", "add", "-q", "-b", "wt", str(tree))
    wt = Repo(tree)
    wt.write("auth/x.py", "x = 1\n")
    data = wt.gate_json()
    assert data["tier"] == "high" and data["source"]["branch"] == "wt"


def test_paths_mode_skips_deleted_files_and_judges_submodules(seeded: Repo, tmp_path: Path) -> None:
    add_submodule(seeded, tmp_path)
    seeded.write("auth/views.py", "x = 1\n")
    seeded.commit("sub")
    (seeded.root / "auth/views.py").unlink()  # deleted on disk, still in the index
    data = seeded.gate_json(".")
    paths = {f["path"]: f for f in data["files"]}
    assert "auth/views.py" not in paths
    assert paths["vendored"]["submodule"] is True
    assert paths["vendored"]["tier"] == "medium"


def test_a_path_the_base_renamed_since_the_branch_was_cut_is_judged_where_it_lands(
        seeded: Repo) -> None:
    seeded.write("legacy/session.py", "def current(request):\n    return request.user\n")
    seeded.commit("legacy helper")
    seeded.git("checkout", "-q", "-b", "draft")
    seeded.write("legacy/session.py", "def current(request):\n    return request.user or 1\n")
    seeded.commit("draft edit")
    seeded.git("checkout", "-q", "main")
    seeded.git("mv", "legacy", "auth")
    seeded.commit("move into auth")
    data = seeded.gate_json("--base", "main", "--head", "draft")
    entry = file_entry(data, "legacy/session.py")
    assert entry["tier"] == "high"
    assert any("auth/session.py" in (m["text"] or "") for m in entry["matches"])
