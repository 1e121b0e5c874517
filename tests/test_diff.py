"""``gates.diff`` on real ``git diff --raw -p -z`` and ``git log`` output, parsed in-process.

Every case below puts a plain file *after* the awkward one in git's order: the parser pairs raw
records with patch chunks by position, so a chunk taken by the wrong record shows up as the next
file's lines going missing or moving.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from gates.diff import DIFF_ARGS, DIFF_CONFIG, LOG_ARGS, parse, parse_log_entry, parse_records
from gates.errors import ToolFailure
from gates.gitrepo import EMPTY_TREE_SHA1, GitRepo
from gates.model import ChangedFile, FileStatus

from .conftest import Repo

EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
TAIL = "zz_tail.py"  # sorts after every other path here: its patch checks the pairing


def git_diff(repo: Repo, *revs: str) -> bytes:
    """What ``gates.changes`` asks git for, through the gate's own git runner."""
    return GitRepo(repo.root).run(*DIFF_CONFIG, "diff", *DIFF_ARGS, *revs, "--")


def by_path(files: tuple[ChangedFile, ...]) -> dict[str, ChangedFile]:
    found = {f.path: f for f in files}
    assert len(found) == len(files), "one entry per path"
    return found


def staged(repo: Repo) -> dict[str, ChangedFile]:
    head = repo.git("rev-parse", "--verify", "--quiet", "HEAD", check=False).strip()
    return by_path(parse(git_diff(repo, "--cached", head or EMPTY_TREE_SHA1)))


def with_tail(repo: Repo, name: str = TAIL) -> None:
    repo.write(name, f"tail = {name!r}\n")  # distinct: an equal file would be a copy


def assert_tail(files: dict[str, ChangedFile], name: str = TAIL) -> None:
    tail = files[name]
    assert tail.status is FileStatus.ADDED and tail.added == 1 and tail.removed == 0
    assert tail.patch == f"@@ -0,0 +1 @@\n+tail = {name!r}\n".encode()


AWKWARD_NAMES = ["with space/a b.py", "new\nline.py", "tab\tname.py", 'quote"d.py',
                 "back\\slash.py", "-leading-dash.py", "naïve/café.py", " lead and trail .py ",
                 # names that would be patch syntax at the start of a line, were they verbatim
                 "n\ndiff --git a b", "n\n* Unmerged path z", "n\nBinary files a and b differ",
                 "n\n@@ -1 +1 @@", "n\nGIT binary patch"]


def test_awkward_names_are_verbatim_and_each_keeps_its_own_lines(seeded: Repo) -> None:
    for i, name in enumerate(AWKWARD_NAMES):
        seeded.write(name, f"value_{i} = {i}\n")
    with_tail(seeded)
    files = staged(seeded)
    assert set(files) == {*AWKWARD_NAMES, TAIL}
    for i, name in enumerate(AWKWARD_NAMES):
        changed = files[name]
        assert changed.status is FileStatus.ADDED and changed.old_path is None
        assert changed.patch == f"@@ -0,0 +1 @@\n+value_{i} = {i}\n".encode()
        assert changed.new_blob is not None and changed.old_blob is None
    assert_tail(files)


def test_non_utf8_name_round_trips_to_the_file_system(seeded: Repo) -> None:
    raw = b"latin1-\xe9\xff.py"
    (seeded.root / os.fsdecode(raw)).write_bytes(b"x = '\xe9'\n")
    seeded.git("add", "-A")
    (changed,) = staged(seeded).values()
    assert changed.path == "latin1-\udce9\udcff.py"
    assert changed.path.encode("utf-8", "surrogateescape") == raw
    assert (seeded.root / changed.path).read_bytes() == b"x = '\xe9'\n"
    assert changed.patch == b"@@ -0,0 +1 @@\n+x = '\xe9'\n"  # content stays bytes


def test_rename_and_copy_carry_the_old_path(seeded: Repo) -> None:
    seeded.write("lib/big.py", "".join(f"line_{i} = {i}\n" for i in range(20)))
    seeded.commit("big")
    seeded.git("mv", "lib/big.py", "lib/moved\nname.py")
    seeded.write("lib/moved\nname.py", "".join(f"line_{i} = {i}\n" for i in range(19)) + "x=1\n")
    seeded.write("docs/README.md", "# app\n")  # an exact copy of an unchanged file
    with_tail(seeded)
    files = staged(seeded)
    moved = files["lib/moved\nname.py"]
    assert moved.status is FileStatus.RENAMED and moved.old_path == "lib/big.py"
    assert (moved.added, moved.removed) == (1, 1)
    assert b"-line_19 = 19\n+x=1\n" in moved.patch
    copy = files["docs/README.md"]
    assert copy.status is FileStatus.COPIED and copy.old_path == "README.md"
    assert (copy.added, copy.removed, copy.patch) == (0, 0, b"")
    assert copy.old_blob == copy.new_blob is not None
    assert_tail(files)


def test_mode_only_change_has_no_lines(seeded: Repo) -> None:
    seeded.git("update-index", "--chmod=+x", "app/main.py")
    with_tail(seeded)
    files = staged(seeded)
    mode = files["app/main.py"]
    assert mode.status is FileStatus.MODIFIED
    assert (mode.old_mode, mode.new_mode) == ("100644", "100755")
    assert mode.mode_changed and mode.executable and mode.patch == b""
    assert mode.old_blob == mode.new_blob
    assert_tail(files)


def test_file_to_symlink_reads_both_chunks(seeded: Repo) -> None:
    seeded.write("app/conf.py", "A = 1\nB = 2\n")
    seeded.commit("conf")
    (seeded.root / "app/conf.py").unlink()
    os.symlink("../secrets/real.py", seeded.root / "app/conf.py")
    seeded.git("add", "app/conf.py")
    with_tail(seeded)
    files = staged(seeded)
    changed = files["app/conf.py"]
    assert changed.status is FileStatus.TYPE_CHANGED and changed.symlink
    assert (changed.old_mode, changed.new_mode) == ("100644", "120000")
    # git prints a deletion of the file and a creation of the link: both are this one entry.
    assert (changed.added, changed.removed) == (1, 2)
    assert b"-A = 1\n-B = 2\n" in changed.patch and b"+../secrets/real.py" in changed.patch
    assert changed.link_targets == ("secrets/real.py",)
    assert changed.has_text  # the file side is still judged
    assert_tail(files)


def test_symlink_to_file_keeps_the_old_target(seeded: Repo) -> None:
    os.symlink("/etc/passwd", seeded.root / "app/data")
    seeded.git("add", "app/data")
    seeded.commit("link")
    (seeded.root / "app/data").unlink()
    seeded.write("app/data", "plain\ntext\n")
    with_tail(seeded)
    files = staged(seeded)
    changed = files["app/data"]
    assert changed.status is FileStatus.TYPE_CHANGED
    assert (changed.old_mode, changed.new_mode) == ("120000", "100644")
    assert (changed.added, changed.removed) == (2, 1)
    assert changed.link_targets == ("/etc/passwd",)
    assert_tail(files)


def test_binary_file_is_opaque_and_the_next_file_keeps_its_patch(seeded: Repo) -> None:
    seeded.write("assets/blob.bin", b"\x00\x01\x02binary\x00" * 10)
    with_tail(seeded)
    files = staged(seeded)
    binary = files["assets/blob.bin"]
    assert binary.binary and binary.patch == b"" and (binary.added, binary.removed) == (0, 0)
    assert binary.new_blob is not None
    assert not files[TAIL].binary
    assert_tail(files)


def test_submodule_pointer_bump_shows_both_commits(seeded: Repo) -> None:
    first = seeded.git("rev-parse", "HEAD").strip()
    seeded.git("update-index", "--add", "--cacheinfo", f"160000,{first},vendor/sub")
    second = seeded.commit("add submodule")
    seeded.git("update-index", "--cacheinfo", f"160000,{second},vendor/sub")
    with_tail(seeded)
    files = staged(seeded)
    sub = files["vendor/sub"]
    assert sub.submodule and sub.status is FileStatus.MODIFIED
    assert (sub.old_blob, sub.new_blob) == (first, second)
    assert f"-Subproject commit {first}\n+Subproject commit {second}\n".encode() in sub.patch
    assert not sub.has_text
    assert_tail(files)


def test_deletion_and_empty_file(seeded: Repo) -> None:
    seeded.git("rm", "-q", "app/main.py")
    seeded.write("empty.txt", "")
    with_tail(seeded)
    files = staged(seeded)
    gone = files["app/main.py"]
    assert gone.status is FileStatus.DELETED and gone.new_blob is None
    assert gone.old_blob is not None and gone.new_mode == "000000"
    assert gone.patch == b"@@ -1,2 +0,0 @@\n-def main():\n-    return 1\n"
    assert (gone.added, gone.removed) == (0, 2)
    empty = files["empty.txt"]
    assert empty.status is FileStatus.ADDED and empty.new_blob == EMPTY_BLOB
    assert (empty.patch, empty.added, empty.binary) == (b"", 0, False)
    assert_tail(files)


PATCH_LOOKALIKES = (
    "diff --git a/zz_tail.py b/zz_tail.py\n"
    "@@ -0,0 +1 @@\n"
    "+++ b/evil.py\n"
    "--- a/evil.py\n"
    "* Unmerged path zz_tail.py\n"
    "Binary files a/x and b/x differ\n"
    "GIT binary patch\n"
    "\\ No newline at end of file\n"
)


def test_content_that_looks_like_patch_syntax_stays_content(seeded: Repo) -> None:
    base = seeded.git("rev-parse", "HEAD").strip()
    seeded.write("docs/howto.txt", PATCH_LOOKALIKES)
    with_tail(seeded, "zz_1.py")
    added = seeded.commit("add")
    seeded.write("docs/howto.txt", PATCH_LOOKALIKES.replace("evil", "worse"))
    with_tail(seeded, "zz_2.py")
    edited = seeded.commit("edit")
    seeded.git("rm", "-q", "docs/howto.txt")
    with_tail(seeded, "zz_3.py")
    deleted = seeded.commit("delete")

    files = by_path(parse(git_diff(seeded, base, added)))
    new = files["docs/howto.txt"]
    assert not new.binary and (new.added, new.removed) == (8, 0)
    assert new.patch == b"@@ -0,0 +1,8 @@\n" + b"".join(
        b"+" + line + b"\n" for line in PATCH_LOOKALIKES.encode().splitlines())
    assert_tail(files, "zz_1.py")

    files = by_path(parse(git_diff(seeded, added, edited)))
    edit = files["docs/howto.txt"]
    assert not edit.binary and (edit.added, edit.removed) == (2, 2)
    assert b"\n-+++ b/evil.py\n---- a/evil.py\n++++ b/worse.py\n+--- a/worse.py\n" in edit.patch
    assert b"\n diff --git a/zz_tail.py b/zz_tail.py\n" in edit.patch  # a context line
    assert_tail(files, "zz_2.py")

    files = by_path(parse(git_diff(seeded, edited, deleted)))
    gone = files["docs/howto.txt"]
    assert gone.status is FileStatus.DELETED and (gone.added, gone.removed) == (0, 8)
    assert_tail(files, "zz_3.py")


def conflict(repo: Repo, path: str = "app/main.py") -> None:
    repo.git("checkout", "-q", "-b", "other")
    repo.write(path, "def main():\n    return 'other'\n")
    repo.commit("other")
    repo.git("checkout", "-q", "main")
    repo.write(path, "def main():\n    return 'main'\n")
    repo.commit("main")
    done = subprocess.run(["git", "merge", "-q", "other"], cwd=repo.root, capture_output=True,
                          check=False)
    assert done.returncode != 0, "the merge conflicts"


def test_unmerged_path_is_one_entry_and_the_rest_keep_their_patches(seeded: Repo) -> None:
    conflict(seeded)
    seeded.write("app/aaa.py", "first = 1\n")  # before the unmerged path in git's order
    with_tail(seeded)
    files = staged(seeded)
    unmerged = files["app/main.py"]
    assert unmerged.status is FileStatus.UNMERGED and unmerged.patch == b""
    assert files["app/aaa.py"].patch == b"@@ -0,0 +1 @@\n+first = 1\n"
    assert_tail(files)


def test_an_unmerged_name_cannot_forge_a_chunk_start(seeded: Repo) -> None:
    conflict(seeded, "x\ndiff --git a b")  # an add/add conflict
    with_tail(seeded)
    try:
        files = staged(seeded)
    except ToolFailure:
        return  # refusing to guess is a correct answer too
    assert_tail(files)


def log_entry(repo: Repo, rev: str, *, root: bool = False) -> bytes:
    """One commit's part of ``git log -z`` with the gate's arguments, as gates.history cuts it."""
    out = GitRepo(repo.root).run(*DIFF_CONFIG, "log", "-1", *(["--root"] if root else []),
                                 *LOG_ARGS, "--format=%H%x00", rev, "--")
    sha, _, body = out.partition(b"\0")
    assert sha.decode() == repo.git("rev-parse", rev).strip()
    return body.lstrip(b"\0\n")


def test_parse_log_entry_reads_a_commit_and_the_root(seeded: Repo) -> None:
    seeded.git("mv", "app/main.py", "app/entry point.py")
    seeded.git("update-index", "--chmod=+x", "app/entry point.py")
    seeded.write("app/new.py", PATCH_LOOKALIKES)
    seeded.write("README.md", "# app\n\nmore\n")
    seeded.commit("second")
    files = {f.path: f for f in parse_log_entry(log_entry(seeded, "HEAD"))}
    assert set(files) == {"app/entry point.py", "app/new.py", "README.md"}
    moved = files["app/entry point.py"]
    assert moved.status is FileStatus.RENAMED and moved.old_path == "app/main.py"
    assert moved.new_mode == "100755" and moved.patch == b""
    assert files["app/new.py"].added == 8
    assert files["README.md"].patch == b"@@ -1 +1,3 @@\n # app\n+\n+more\n"
    root = parse_log_entry(log_entry(seeded, "HEAD~1", root=True))
    assert {(f.path, f.status, f.added) for f in root} == {
        ("app/main.py", FileStatus.ADDED, 2), ("README.md", FileStatus.ADDED, 1)}


def test_parse_log_entry_of_an_empty_commit_and_trailing_nuls(seeded: Repo) -> None:
    seeded.commit("nothing")
    assert parse_log_entry(log_entry(seeded, "HEAD")) == ()
    seeded.git("update-index", "--chmod=+x", "app/main.py")
    seeded.commit("mode")
    entry = log_entry(seeded, "HEAD")
    (changed,) = parse_log_entry(entry + b"\0\0")
    assert changed.mode_changed and changed.patch == b""


def test_the_raw_records_alone(seeded: Repo) -> None:
    (seeded.root / "docs").mkdir()
    seeded.git("mv", "README.md", "docs/read me.md")
    seeded.write("app/main.py", "def main():\n    return 2\n")
    raw = GitRepo(seeded.root).run(*DIFF_CONFIG, "diff", "--raw", "-z", "-M", "--no-abbrev",
                                   "--cached", "HEAD", "--")
    records = {r.path: r for r in parse_records(raw)}
    assert records["docs/read me.md"].status is FileStatus.RENAMED
    assert records["docs/read me.md"].old_path == "README.md"
    assert records["app/main.py"].status is FileStatus.MODIFIED
    assert records["app/main.py"].text_kind


SHA = "1" * 40


def record(status: str = "M", *paths: bytes) -> bytes:
    return f":100644 100644 {SHA} {SHA} {status}".encode() + b"\0" + b"".join(
        p + b"\0" for p in (paths or (b"a.py",)))


def test_a_record_without_its_patch_is_a_tool_failure() -> None:
    with pytest.raises(ToolFailure, match="fewer patches than files"):
        parse(record() + b"\0")
    chunk = b"diff --git a/a.py b/a.py\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(ToolFailure):
        parse(record() + record("M", b"b.py") + b"\0" + chunk)
    (one,) = parse(record() + b"\0" + chunk)
    assert (one.path, one.added, one.removed) == ("a.py", 1, 1)


@pytest.mark.parametrize("output", [
    record()[:20],  # cut inside the metadata
    record()[:-1],  # cut inside the path
    f":100644 100644 {SHA} R100".encode() + b"\0a.py\0",  # a rename without its new path
    b":100644 M\0a.py\0\0",  # too few fields
    b":\xff\xfe\0a.py\0\0",  # not ASCII
], ids=["meta", "path", "rename", "fields", "bytes"])
def test_malformed_raw_output_is_a_tool_failure(output: bytes) -> None:
    with pytest.raises(ToolFailure):
        parse(output)


def test_patches_without_records_are_a_tool_failure() -> None:
    with pytest.raises(ToolFailure):
        parse(b"diff --git a/a.py b/a.py\n@@ -0,0 +1 @@\n+import os\n")
