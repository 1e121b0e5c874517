"""``gates.history`` in-process: which commits a span selects and what each one changed.

``gate replay`` and ``gate learn`` read history through these functions; the CLI tests
(tests/test_replay.py) cover the command, these cover the reader on real repositories.
"""

from __future__ import annotations

import itertools
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gates import history
from gates.errors import GitError, UsageError
from gates.gitrepo import GitRepo
from gates.model import FileStatus, SourceKind

from .conftest import Repo

KEYS = "".join(f"key_{i} = {i}\n" for i in range(30))
ODD_SUBJECT = b"caf\xe9 %H%x00 \\0draftgate-0000\\0 :100644 100644 x"
ODD_MESSAGE = ODD_SUBJECT + (
    b"\n\ndiff --git a/app/main.py b/app/main.py\n"
    b":100644 100644 1111111111111111111111111111111111111111 "
    b"2222222222222222222222222222222222222222 M\n"
    b"\nCo-authored-by: Claude <noreply@anthropic.com>\n")


def commit_at(repo: Repo, when: str, monkeypatch: pytest.MonkeyPatch, message: str = "change",
              raw: bytes | None = None) -> str:
    monkeypatch.setenv("GIT_COMMITTER_DATE", when)
    monkeypatch.setenv("GIT_AUTHOR_DATE", when)
    sha = repo.commit(message)
    if raw is None:
        return sha
    # git commit would re-encode a message that is not UTF-8 (as Latin-1): write the object.
    header = subprocess.run(["git", "cat-file", "commit", sha], cwd=repo.root, check=True,
                            capture_output=True).stdout.partition(b"\n\n")[0]
    done = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], check=True,
                          cwd=repo.root, input=header + b"\n\n" + raw, capture_output=True)
    forged = done.stdout.decode().strip()
    repo.git("update-ref", "HEAD", forged)
    return forged


@pytest.fixture
def story(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """root, a rename with an odd message, a side branch merged in, two later commits."""
    shas = {}
    repo.write("app/main.py", "print('hi')\n")
    repo.write("lib/keys.py", KEYS)
    shas["root"] = commit_at(repo, "2020-01-01T00:00:00Z", monkeypatch, "initial")
    repo.git("mv", "lib/keys.py", "lib/crypto.py")
    repo.write("lib/crypto.py", KEYS.replace("key_29 = 29", "key_29 = 30"))
    shas["rename"] = commit_at(repo, "2020-02-01T00:00:00Z", monkeypatch, raw=ODD_MESSAGE)
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("docs/guide.md", "# guide\n")
    shas["side"] = commit_at(repo, "2020-03-01T00:00:00Z", monkeypatch, "guide")
    repo.git("checkout", "-q", "main")
    repo.write("requirements.txt", "requests==2.31.0\n")
    shas["deps"] = commit_at(repo, "2024-01-01T00:00:00Z", monkeypatch, "pin")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-02-01T00:00:00Z")
    repo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    shas["merge"] = repo.git("rev-parse", "HEAD").strip()
    repo.write("app/main.py", "print('hello')\n")
    shas["last"] = commit_at(repo, "2024-03-01T00:00:00Z", monkeypatch, "greet")
    return shas


def read(repo: Repo, since: str, **kwargs: object) -> list[history.HistoryCommit]:
    git = GitRepo(repo.root)
    selected = history.span(git, since, **kwargs)  # type: ignore[arg-type]
    found = list(history.commits(git, selected))
    assert history.count(git, selected) == len(found)
    return found


def test_every_non_merge_commit_newest_first_against_its_first_parent(
        repo: Repo, story: dict[str, str]) -> None:
    found = read(repo, "2000-01-01")
    assert [c.commit.sha for c in found] == [
        story[k] for k in ("last", "deps", "side", "rename", "root")]
    by_name = {k: c for c in found for k, sha in story.items() if c.commit.sha == sha}
    assert by_name["last"].parent == story["merge"]  # the merge is a parent, never a commit here
    assert by_name["side"].parent == story["rename"]
    assert by_name["deps"].date == "2024-01-01T00:00:00+00:00"
    last = by_name["last"]
    assert last.change.source.kind is SourceKind.RANGE
    assert (last.change.source.base, last.change.source.head) == (story["merge"], story["last"])
    (main,) = last.change.files
    assert main.path == "app/main.py" and main.patch.endswith(b"-print('hi')\n+print('hello')\n")
    assert last.change.commits[0].summary == "greet"


def test_the_root_commit_is_judged_against_the_empty_tree(repo: Repo,
                                                           story: dict[str, str]) -> None:
    root = read(repo, "2000-01-01")[-1]
    assert root.commit.sha == story["root"] and root.parent is None
    assert root.change.source.base is None
    assert {(f.path, f.status, f.added) for f in root.change.files} == {
        ("app/main.py", FileStatus.ADDED, 1), ("lib/keys.py", FileStatus.ADDED, 30)}


def test_a_rename_keeps_its_old_path_and_an_odd_message_is_read_safely(
        repo: Repo, story: dict[str, str]) -> None:
    (rename,) = [c for c in read(repo, "2000-01-01") if c.commit.sha == story["rename"]]
    (moved,) = rename.change.files  # the message's lookalike lines add no files
    assert moved.status is FileStatus.RENAMED
    assert (moved.old_path, moved.path) == ("lib/keys.py", "lib/crypto.py")
    assert (moved.added, moved.removed) == (1, 1)
    assert rename.commit.summary == ODD_SUBJECT.decode("utf-8", "replace")
    assert "\ufffd" in rename.commit.summary
    assert rename.commit.trailers == (("Co-authored-by", "Claude <noreply@anthropic.com>"),)


def test_since_a_revision_a_date_and_max_count(repo: Repo, story: dict[str, str]) -> None:
    def shas(since: str, **kwargs: object) -> list[str]:
        return [c.commit.sha for c in read(repo, since, **kwargs)]

    assert shas(story["rename"]) == [story["last"], story["deps"], story["side"]]
    assert shas("main~1") == [story["last"]]  # main~1 is the merge: the side branch is in it
    assert shas("2023-06-01") == [story["last"], story["deps"]]
    assert shas("2020-02-15T00:00:00+00:00") == [story["last"], story["deps"], story["side"]]
    now = datetime(2024, 12, 1, tzinfo=UTC)
    assert shas("1 year ago", now=now) == [story["last"], story["deps"]]
    assert shas("2000-01-01", max_count=2) == [story["last"], story["deps"]]
    assert shas("2000-01-01", until=story["rename"]) == [story["rename"], story["root"]]
    assert shas(story["last"]) == []


@pytest.mark.parametrize(("since", "kwargs", "message"), [
    ("garbage", {}, "neither a revision nor a date"),
    ("2000-01-01", {"until": "no-such-branch"}, "--until: unknown revision"),
    ("2000-01-01", {"max_count": 0}, "--max must be at least 1"),
    ("3000 years ago", {}, "neither a revision nor a date"),
])
def test_what_cannot_be_read_is_a_usage_error(repo: Repo, story: dict[str, str], since: str,
                                              kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        history.span(GitRepo(repo.root), since, **kwargs)  # type: ignore[arg-type]


def test_full_texts_only_where_asked(repo: Repo, story: dict[str, str]) -> None:
    git = GitRepo(repo.root)
    found = {c.commit.sha: c for c in history.commits(
        git, history.span(git, "2000-01-01"), want_text=lambda p: p.endswith(".py"))}
    (moved,) = found[story["rename"]].change.files
    assert moved.old_text == KEYS.encode()
    assert moved.new_text == KEYS.replace("key_29 = 29", "key_29 = 30").encode()
    (deps,) = found[story["deps"]].change.files
    assert (deps.old_text, deps.new_text) == (None, None)


def test_a_shallow_clone_leaves_its_edge_out(repo: Repo, story: dict[str, str],
                                             tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo.root}", str(shallow)],
                   check=True)
    git = GitRepo(shallow)
    selected = history.span(git, "2000-01-01")
    edge = set((shallow / ".git" / "shallow").read_text().split())
    assert set(selected.boundary) == edge and edge
    found = [c.commit.sha for c in history.commits(git, selected)]
    assert found and not edge & set(found)
    assert all(c.parent is not None for c in history.commits(git, selected))


def test_a_git_failure_is_an_error_that_names_git_log(repo: Repo, story: dict[str, str]) -> None:
    blob = repo.git("rev-parse", f"{story['rename']}:lib/crypto.py").strip()
    (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    git = GitRepo(repo.root)
    with pytest.raises(GitError, match="git log failed"):
        list(history.commits(git, history.span(git, "2000-01-01")))


def fast_import(repo: Repo, commits: int, lines: int) -> None:
    """A long history in one ``git fast-import`` (a commit per process start would take minutes)."""
    stream = bytearray()
    for n in range(commits):
        body = "".join(f"commit {n} line {i}\n" for i in range(lines)).encode()
        stream += (f"commit refs/heads/main\ncommitter T <t@example.invalid> {1_600_000_000 + n} "
                   f"+0000\ndata 9\ncommit {n:02d}\n").encode()
        stream += f"M 100644 inline file{n}.txt\ndata {len(body)}\n".encode() + body + b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo.root, input=bytes(stream),
                   check=True)
    repo.git("reset", "-q", "--hard", "main")


def test_a_history_larger_than_git_s_chunks_is_cut_at_every_commit(repo: Repo) -> None:
    # About 4 MB of git log output, read in 1 MiB blocks: commits straddle block boundaries.
    fast_import(repo, commits=40, lines=4000)
    found = read(repo, "1970-01-02")
    assert [c.commit.summary for c in found] == [f"commit {n:02d}" for n in reversed(range(40))]
    for c in found:
        (added,) = c.change.files
        n = int(c.commit.summary.split()[1])
        assert (added.path, added.added, added.status) == (f"file{n}.txt", 4000, FileStatus.ADDED)
        assert added.patch.endswith(f"+commit {n} line 3999\n".encode())
    assert found[-1].parent is None and all(c.parent for c in found[:-1])


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "draftgate-git-log" and t.is_alive()]


def test_the_reader_thread_hands_over_blocks_while_git_is_still_writing() -> None:
    release = threading.Event()
    seen: list[bool] = []

    def git_log() -> Iterator[bytes]:
        yield b"first"
        seen.append(release.wait(10))  # only the consumer can set it, after its first block
        yield b"second"

    blocks = history._prefetch(git_log())
    assert next(blocks) == b"first"
    release.set()
    assert list(blocks) == [b"second"]
    assert seen == [True], "the first block arrived before the source finished"


def test_a_failure_after_some_output_reaches_the_consumer() -> None:
    def git_log() -> Iterator[bytes]:
        yield b"one"
        yield b"two"
        raise GitError("git log failed: bad object")

    got = []
    with pytest.raises(GitError, match="bad object"):
        for block in history._prefetch(git_log()):
            got.append(block)
    assert got == [b"one", b"two"]


def test_a_consumer_that_stops_early_stops_the_reader_and_the_source() -> None:
    closed = threading.Event()

    def endless_history() -> Iterator[bytes]:
        try:
            for n in itertools.count():
                yield str(n).encode()
        finally:
            closed.set()  # GeneratorExit: GitRepo.stream kills git here

    blocks = history._prefetch(endless_history())
    assert list(itertools.islice(blocks, 3)) == [b"0", b"1", b"2"]
    blocks.close()
    assert closed.wait(5), "the source was closed"
    assert not reader_threads()
