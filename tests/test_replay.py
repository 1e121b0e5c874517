"""``gate replay``: a policy over real commits of a real repository, without scanners or models."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gates import engine, history
from gates.gitrepo import GitRepo
from gates.model import SourceKind

from .conftest import Repo

KEYS = "import os\n\n\ndef encrypt(data, key):\n" + "".join(
    f"    step{i} = {i}\n" for i in range(40)) + "    return data\n"


def commit_at(repo: Repo, message: str, when: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GIT_COMMITTER_DATE", when)
    monkeypatch.setenv("GIT_AUTHOR_DATE", when)
    return repo.commit(message)


@pytest.fixture
def story(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A small history: one commit per kind of verdict, a side branch merged in, two eras."""
    shas = {}
    repo.write("app/main.py", "print('hi')\n")
    repo.write("lib/keys.py", KEYS)
    shas["root"] = commit_at(repo, "initial", "2020-01-01T00:00:00Z", monkeypatch)
    repo.write("auth/login.py", "def authenticate(user):\n    return True\n")
    shas["auth"] = commit_at(repo, "add login", "2020-02-01T00:00:00Z", monkeypatch)
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("docs/guide.md", "# guide\n")
    shas["side"] = commit_at(repo, "write a guide", "2020-03-01T00:00:00Z", monkeypatch)
    repo.git("checkout", "-q", "main")
    repo.write("requirements.txt", "requests==2.31.0\n")
    shas["deps"] = commit_at(repo, "pin requests", "2024-01-01T00:00:00Z", monkeypatch)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-02-01T00:00:00Z")
    repo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    shas["merge"] = repo.git("rev-parse", "HEAD").strip()
    # A change deep inside `def encrypt`, far from its def line: only symbol scopes see it.
    repo.write("lib/keys.py", KEYS.replace("step30 = 30", "step30 = 31"))
    shas["symbol"] = commit_at(repo, "tune step 30", "2024-03-01T00:00:00Z", monkeypatch)
    repo.write("requirements.txt", "requests==2.32.0\n")
    shas["ai"] = commit_at(
        repo, "bump requests\n\nCo-authored-by: Claude <noreply@anthropic.com>",
        "2024-04-01T00:00:00Z", monkeypatch)
    repo.write("app/main.py", "print('hello')\n")
    shas["formula"] = commit_at(repo, '=HYPERLINK("http://evil.invalid","x")',
                                "2024-05-01T00:00:00Z", monkeypatch)
    return shas


def replay_json(repo: Repo, *args: str, cwd: Path | None = None) -> dict[str, Any]:
    done = repo.gate("replay", "--format", "json", *args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def by_sha(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["sha"]: row for row in data["commits"]}


def test_every_non_merge_commit_gets_its_verdict_and_reasons(repo: Repo,
                                                             story: dict[str, str]) -> None:
    data = replay_json(repo, "--since", "2000-01-01")
    rows = by_sha(data)
    assert set(rows) == {sha for name, sha in story.items() if name != "merge"}
    assert data["range"]["commits"] == 7
    tiers = {name: rows[sha]["verdicts"][0]["tier"] for name, sha in story.items()
             if name != "merge"}
    assert tiers == {"root": "high", "auth": "high", "side": "low", "deps": "medium",
                     "symbol": "high", "ai": "high", "formula": "low"}
    assert rows[story["root"]]["parent"] is None  # the first commit, against the empty tree
    assert rows[story["auth"]]["parent"] == story["root"]
    assert "auth.path **/auth/**" in rows[story["auth"]]["verdicts"][0]["reasons"]
    assert any(r.startswith("crypto.symbol ")
               for r in rows[story["symbol"]]["verdicts"][0]["reasons"])
    ai = rows[story["ai"]]
    assert ai["ai_drafted"] is True
    assert ai["verdicts"][0]["reasons"] == ["provenance.escalate"]
    assert rows[story["deps"]]["verdicts"][0]["reasons"] == ["dependencies.path requirements*.txt"]
    assert rows[story["side"]]["verdicts"][0]["reasons"] == []
    (policy,) = data["policies"]
    assert policy["origin"] == "<default policy>"
    assert policy["tiers"] == {"low": 2, "medium": 1, "high": 4}
    assert policy["slow_lane"] == {"commits": 4, "percent": 57.1}
    assert {"lane": ["sast", "deps", "review", "approval"], "commits": 4} in policy["lanes"]
    top = {entry["rule"]: entry["commits"] for entry in policy["top_rules"]}
    assert top["provenance.escalate"] == 1
    assert top["auth.path **/auth/**"] == 1


def test_replay_agrees_with_gate_check_on_each_commit(repo: Repo, story: dict[str, str]) -> None:
    """Replay's fast path (one git log stream) must judge exactly as a range check does."""
    rows = by_sha(replay_json(repo, "--since", "2000-01-01"))
    git = GitRepo(repo.root)
    for sha, row in rows.items():
        base = row["parent"] or git.empty_tree()
        checked = engine.explain(engine.Request(SourceKind.RANGE, cwd=repo.root, base=base,
                                                head=sha))
        assert checked.classification.tier == row["verdicts"][0]["tier"], row["summary"]
        assert len(checked.change.files) == row["files"]
        assert (checked.change.added, checked.change.removed) == (row["added"], row["removed"])


def test_since_a_revision_a_date_until_and_max(repo: Repo, story: dict[str, str]) -> None:
    after_auth = by_sha(replay_json(repo, "--since", story["auth"]))
    assert set(after_auth) == {story[n] for n in ("side", "deps", "symbol", "ai", "formula")}
    recent = by_sha(replay_json(repo, "--since", "2023-06-01"))
    assert set(recent) == {story[n] for n in ("deps", "symbol", "ai", "formula")}
    upto = by_sha(replay_json(repo, "--since", "2023-06-01", "--until", story["symbol"]))
    assert set(upto) == {story["deps"], story["symbol"]}
    newest = replay_json(repo, "--since", "2000-01-01", "--max", "2")["commits"]
    assert [row["sha"] for row in newest] == [story["formula"], story["ai"]]


@pytest.mark.parametrize("since", ["garbage", "2024-13-45", "v9.9"])
def test_a_since_that_is_neither_revision_nor_date_is_refused(repo: Repo, story: dict[str, str],
                                                              since: str) -> None:
    done = repo.gate("replay", "--since", since)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "neither a revision nor a date" in done.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--until", "nope"], "--until: unknown revision"),
    (["--max", "0"], "--max must be at least 1"),
    (["--policy", "missing.yaml"], "cannot read policy missing.yaml"),
    (["--git-dir", "not-a-repo"], "not a git repository"),
])
def test_bad_input_is_one_line_and_exit_2(repo: Repo, story: dict[str, str], args: list[str],
                                          message: str) -> None:
    (repo.root / "not-a-repo").mkdir()
    done = repo.gate("replay", "--since", "2000-01-01", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_bare_repositories_and_mirrors_without_core_bare(repo: Repo, story: dict[str, str],
                                                         tmp_path: Path) -> None:
    expected = replay_json(repo, "--since", "2000-01-01")["commits"]
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.root), str(bare)], check=True)
    mirror = tmp_path / "copied"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.root), str(mirror)], check=True)
    # A mirror copied around as a directory often loses core.bare; git still knows it is bare.
    subprocess.run(["git", "config", "--unset", "core.bare"], cwd=mirror, check=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for git_dir in (bare, mirror):
        data = replay_json(repo, "--since", "2000-01-01", "--git-dir", str(git_dir), cwd=outside)
        assert data["commits"] == expected


def test_csv_rows_and_spreadsheet_formulas(repo: Repo, story: dict[str, str]) -> None:
    done = repo.gate("replay", "--since", "2000-01-01", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 7
    row = {r["sha"]: r for r in rows}
    assert row[story["auth"]]["tier"] == "high"
    assert row[story["auth"]]["lane"] == "sast+deps+review+approval"
    assert row[story["auth"]]["slow"] == "true"
    # A subject starting with "=" would run as a formula in a spreadsheet: shown as text instead.
    assert row[story["formula"]]["summary"] == "'=HYPERLINK(\"http://evil.invalid\",\"x\")"


def test_compare_lists_the_commits_whose_tier_changed(repo: Repo, story: dict[str, str],
                                                      tmp_path: Path) -> None:
    relaxed = tmp_path / "relaxed.yaml"
    relaxed.write_text("extends: default\ncategories:\n  auth:\n    tier: medium\n")
    data = replay_json(repo, "--since", "2000-01-01", "--compare", str(relaxed))
    assert [p["origin"] for p in data["policies"]] == ["<default policy>", str(relaxed)]
    assert data["changed"] == [story["auth"]]
    auth = by_sha(data)[story["auth"]]
    assert [v["tier"] for v in auth["verdicts"]] == ["high", "medium"]
    assert data["policies"][1]["slow_lane"]["commits"] == 3
    text = repo.gate("replay", "--since", "2000-01-01", "--compare", str(relaxed))
    assert text.returncode == 0, text.stderr
    assert "commits whose tier changed: 1" in text.stdout
    assert f"{story['auth'][:12]} high → medium" in text.stdout
    table = repo.gate("replay", "--since", "2000-01-01", "--compare", str(relaxed),
                      "--format", "csv")
    header = next(csv.reader(io.StringIO(table.stdout)))
    assert {"tier_a", "tier_b", "reasons_a", "reasons_b"} <= set(header)


def test_policy_file_and_the_repository_policy(repo: Repo, story: dict[str, str],
                                               tmp_path: Path) -> None:
    """Without --policy, the .gate.yaml committed at --until judges; --policy replaces it."""
    repo.write(".gate.yaml", "extends: default\ncategories:\n  dependencies:\n    tier: high\n")
    repo.commit("adopt a policy")
    data = replay_json(repo, "--since", story["formula"])
    assert data["policies"][0]["origin"].endswith(":.gate.yaml")
    before = replay_json(repo, "--since", "2000-01-01", "--until", story["formula"])
    assert by_sha(before)[story["deps"]]["verdicts"][0]["tier"] == "medium"  # no .gate.yaml yet
    now = replay_json(repo, "--since", "2000-01-01")
    assert by_sha(now)[story["deps"]]["verdicts"][0]["tier"] == "high"
    own = tmp_path / "own.yaml"
    own.write_text("extends: default\n")
    mine = replay_json(repo, "--since", "2000-01-01", "--policy", str(own))
    assert by_sha(mine)[story["deps"]]["verdicts"][0]["tier"] == "medium"


def test_terminal_summary(repo: Repo, story: dict[str, str]) -> None:
    done = repo.gate("replay", "--since", "2000-01-01")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "draftgate replay · 7 commits (2000-01-01..HEAD)" in out
    assert "slow lane" in out and "4 (57.1%)" in out
    assert "rules that raised the tier" in out
    assert "auth.path **/auth/**" in out  # globs and regexes print as written, not as markup
    assert f"{story['auth'][:12]} high" in out


def test_a_history_git_cannot_read_is_an_error_not_a_partial_report(
        repo: Repo, story: dict[str, str]) -> None:
    blob = repo.git("rev-parse", f"{story['auth']}:auth/login.py").strip()
    (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    done = repo.gate("replay", "--since", "2000-01-01", "--format", "json")
    assert done.returncode == 2
    error = json.loads(done.stdout)  # an error document, never a partial report
    assert error["outcome"] == "error" and "commits" not in error
    assert "git log failed" in done.stderr and blob in done.stderr


def test_progress_bar_on_a_terminal(repo: Repo, story: dict[str, str]) -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "gates", "replay", "--since", "2000-01-01",
                               "--format", "json"], cwd=repo.root, stdout=subprocess.PIPE,
                              stderr=follower, env={**os.environ, "TERM": "xterm"}, check=False,
                              timeout=60)
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert json.loads(done.stdout)["range"]["commits"] == 7  # stdout stays a clean document
    assert b"replaying" in drawn


def test_commit_boundaries_survive_any_chunking() -> None:
    marker = b"\0draftgate-0123456789abcdef\0"
    entries = [b"a" * 10, b"b" * 3000, b"", b"c\0d\n" * 7]
    stream = b"".join(marker + e for e in entries)
    for size in (1, 2, 7, len(marker), len(marker) + 1, 4096):
        chunks = [stream[i:i + size] for i in range(0, len(stream), size)]
        assert list(history._entries(chunks, marker)) == entries


@pytest.mark.parametrize(("text", "seconds_ago"), [
    ("3 days ago", 3 * 86400), ("1 week", 7 * 86400), ("2 months ago", 60 * 86400),
])
def test_relative_dates(text: str, seconds_ago: int) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    moment = history.parse_date(text, now)
    assert moment is not None and (now - moment).total_seconds() == seconds_ago
    assert history.parse_date("2025-06-01", now) == datetime(2025, 6, 1, tzinfo=UTC)
    assert history.parse_date("soon", now) is None


def test_shallow_clone_edges_are_left_out_and_named(repo: Repo, story: dict[str, str],
                                                    tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "3", f"file://{repo.root}", str(shallow)],
                   check=True)
    edge = (shallow / ".git" / "shallow").read_text().split()
    data = replay_json(repo, "--since", "2000-01-01", cwd=shallow)
    assert data["shallow_boundary"] == edge
    rows = by_sha(data)
    assert set(rows) == {story["formula"], story["ai"]}  # the edge commit is not judged
    full = by_sha(replay_json(repo, "--since", "2000-01-01"))
    assert all(rows[sha] == full[sha] for sha in rows)
    text = repo.gate("replay", "--since", "2000-01-01", cwd=shallow)
    assert "1 commit(s) at the edge of this shallow clone left out" in text.stdout


def test_dates_before_1970_select_everything_and_absurd_ones_are_refused(
        repo: Repo, story: dict[str, str]) -> None:
    assert replay_json(repo, "--since", "1960-01-01")["range"]["commits"] == 7
    done = repo.gate("replay", "--since", "3000 years ago")
    assert done.returncode == 2 and "neither a revision nor a date" in done.stderr


def test_json_errors_are_documents(repo: Repo, story: dict[str, str]) -> None:
    done = repo.gate("replay", "--since", "garbage", "--format", "json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["exit_code"] == 2


def test_git_dir_of_a_submodule_or_a_separate_git_dir(repo: Repo, story: dict[str, str],
                                                      tmp_path: Path) -> None:
    """Such git directories name their work tree relative to themselves, or not at all."""
    separate = tmp_path / "sep"
    subprocess.run(["git", "clone", "-q", "--separate-git-dir", str(tmp_path / "sepgit"),
                    str(repo.root), str(separate)], check=True)
    (tmp_path / "sepgit" / "config").write_text(
        (tmp_path / "sepgit" / "config").read_text() + "[core]\n\tworktree = ../sep\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    data = replay_json(repo, "--since", "2000-01-01", "--git-dir", str(tmp_path / "sepgit"),
                       cwd=outside)
    assert data["range"]["commits"] == 7


def test_a_repository_config_cannot_reshape_submodule_diffs(repo: Repo, story: dict[str, str],
                                                           tmp_path: Path) -> None:
    """diff.submodule=log prints commit lists instead of patches; the gate pins it."""
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{story['root']},vendor/lib")
    bump = repo.commit("add a submodule pointer")
    repo.git("update-index", "--cacheinfo", f"160000,{story['auth']},vendor/lib")
    repo.commit("bump it")
    repo.git("config", "diff.submodule", "log")
    rows = by_sha(replay_json(repo, "--since", bump + "~1"))
    assert len(rows) == 2
    assert all(r["verdicts"][0]["tier"] == "medium" for r in rows.values())  # dependencies.kind
    checked = repo.gate_json("--base", bump + "~1", "--head", bump)
    assert checked["tier"] == "medium"


def test_csv_formula_behind_spaces(repo: Repo, story: dict[str, str]) -> None:
    repo.write("app/main.py", "print('again')\n")
    repo.commit("  =1+2")
    done = repo.gate("replay", "--since", story["formula"], "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(done.stdout)))
    assert row["summary"] == "'  =1+2"


def test_a_swapped_range_says_so(repo: Repo, story: dict[str, str]) -> None:
    done = repo.gate("replay", "--since", "HEAD", "--until", story["auth"])
    assert done.returncode == 0
    assert "no non-merge commits in that range" in done.stdout
    assert "note: --since is not an ancestor of --until" in done.stdout
    assert replay_json(repo, "--since", "HEAD", "--until", story["auth"])["notes"]
    assert replay_json(repo, "--since", "HEAD")["notes"] == []  # empty, but not swapped


def test_a_replay_split_across_processes_gives_the_same_rows(repo: Repo,
                                                             story: dict[str, str]) -> None:
    """``--jobs``: the range cut into runs of consecutive commits, the older runs classified in
    spawned processes, gives row for row what one process gives (the merge still left out)."""
    from gates import replay
    from gates.policy import source

    git = GitRepo(repo.root)
    selected = history.span(git, "2000-01-01")
    policies = (source.default(),)
    one = replay.replay(git, selected, policies)
    ticks: list[int] = []
    split = replay.replay(git, selected, policies, ticks.append, jobs=3, smallest_part=2)
    assert len(history.split(git, selected, 3, 2)) == 3
    assert split.rows == one.rows and len(one.rows) == 7
    assert story["merge"] not in {row.sha for row in split.rows}
    assert [t.tiers for t in split.tallies] == [t.tiers for t in one.tallies]
    assert sum(ticks) == 7  # the progress bar reaches the end


def test_a_part_git_cannot_read_fails_the_whole_replay(repo: Repo, story: dict[str, str]) -> None:
    from gates import replay
    from gates.errors import GitError
    from gates.policy import source

    blob = repo.git("rev-parse", f"{story['auth']}:auth/login.py").strip()
    (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    git = GitRepo(repo.root)
    # The damaged commit is an old one: it falls in a part another process classifies.
    with pytest.raises(GitError, match="git log failed"):
        replay.replay(git, history.span(git, "2000-01-01"), (source.default(),), jobs=2,
                      smallest_part=2)


def test_jobs_must_be_a_positive_number(repo: Repo, story: dict[str, str]) -> None:
    done = repo.gate("replay", "--since", "2000-01-01", "--jobs", "0")
    assert done.returncode == 2 and "--jobs" in done.stderr and "Traceback" not in done.stderr


def test_replay_reads_blobs_through_one_process_and_a_missing_one_is_an_error(
        repo: Repo, story: dict[str, str]) -> None:
    from gates.errors import GitError

    git = GitRepo(repo.root)
    blob = repo.git("rev-parse", f"{story['auth']}:auth/login.py").strip()
    keys = repo.git("rev-parse", f"{story['root']}:lib/keys.py").strip()
    assert git.read_blobs([blob, keys, blob]) == {
        blob: b"def authenticate(user):\n    return True\n", keys: KEYS.encode()}
    with pytest.raises(GitError, match="not a blob"):
        git.read_blobs(["0" * 40])
    with pytest.raises(GitError, match="not a blob"):  # a tree is not a blob either
        git.read_blobs([repo.git("rev-parse", f"{story['root']}^{{tree}}").strip()])
    assert git.read_blobs([blob]) == {blob: b"def authenticate(user):\n    return True\n"}
