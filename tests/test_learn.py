"""``gate learn``: security fixes found in history and in an advisory database, turned into the
hotspots fragment the policy reads (gates/learn/)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gates.errors import UsageError
from gates.gitrepo import GitRepo
from gates.learn import ADVISORY, MESSAGE, AdvisoryDB, Miner, find_fixes, hotspots_of, learn
from gates.learn.fragment import render
from gates.learn.messages import advisory_ids, security_fix
from gates.learn.miner import fix_label
from gates.learn.package import package_names
from gates.learn.paths import is_code
from gates.learn.touched import MAX_FILES
from gates.policy import Hotspot
from gates.policy.hotspots import parse

from .conftest import Repo, file_entry
from .test_hotspots import MODULE as SESSION  # Session.check, parse_header, LIMIT


def commit_at(repo: Repo, message: str, day: int) -> str:
    """Commit with a fixed date (day ``day`` of 2023), so histories and their fragments repeat."""
    when = f"2023-01-{day:02d}T12:00:00+00:00"
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message], cwd=repo.root,
                   check=True, env={**os.environ, "GIT_AUTHOR_DATE": when,
                                    "GIT_COMMITTER_DATE": when})
    return repo.git("rev-parse", "HEAD").strip()


def edit(repo: Repo, path: str, old: str, new: str) -> None:
    """Replace ``old`` with ``new`` in the file as it is now, and stage it."""
    text = (repo.root / path).read_text()
    assert old in text
    repo.write(path, text.replace(old, new))


def history(repo: Repo) -> dict[str, str]:
    """A small project: an initial commit, a routine edit, a fix of ``Session.check`` named by
    its message, and a module-level fix named only by an advisory."""
    repo.write("pyproject.toml", '[project]\nname = "My_Pkg"\n')
    repo.write("src/mypkg/session.py", SESSION)
    repo.write("src/mypkg/limits.py", "LIMIT = 10\n")
    shas = {"initial": commit_at(repo, "initial", 1)}
    repo.write("src/mypkg/session.py", SESSION.replace("LIMIT = 10", "LIMIT = 12"))
    shas["routine"] = commit_at(repo, "Raise the session limit", 2)
    repo.write("src/mypkg/session.py", SESSION.replace("LIMIT = 10", "LIMIT = 12").replace(
        "if not token:", "if not token or not self.secret:"))
    repo.write("tests/test_session.py",
               "def test_empty_secret():\n    assert not Session('').check('')\n")
    repo.write("CHANGES.rst", "Fixed CVE-2023-1111\n")
    shas["message"] = commit_at(repo, "Fix CVE-2023-1111: empty secrets matched empty tokens", 3)
    repo.write("src/mypkg/limits.py", "LIMIT = 5\n")
    shas["advisory"] = commit_at(repo, "Lower the limit", 4)
    return shas


def advisory_db(root: Path, *entries: tuple[str, str, str, str]) -> Path:
    """An OSV database in the PyPA layout: (package, id, published, commit URL) per advisory."""
    for package, ident, published, url in entries:
        folder = root / "vulns" / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{ident}.yaml").write_text(textwrap.dedent(f'''\
            id: {ident}
            published: "{published}"
            aliases: [CVE-2023-{ident[-6:]}]
            affected:
            - package: {{ecosystem: PyPI, name: {package}}}
            references:
            - type: FIX
              url: {url}
            '''))
    return root


# Messages: what counts as a security fix, and the noise a real history holds.

@pytest.mark.parametrize(("subject", "body", "ids"), [
    ("Fix CVE-2021-28678 in BLP", "", ("CVE-2021-28678",)),
    ("Fix header parsing", "Fixes cve-2020-1234 and GHSA-CFGH-2345-6789.",
     ("CVE-2020-1234", "GHSA-cfgh-2345-6789")),
    ("Merge pull request from GHSA-mp92-3jfm-3575", "", ("GHSA-mp92-3jfm-3575",)),
    ("fix(security): restrict the self-update endpoint", "", ()),
    ("Security fix: cookie_decode() was vulnerable to timing attacks", "", ()),
    ("Fix a XSS vulnerability in the gravatar template tag.", "", ()),
    ("Set an upper limit on ReDoS-vulnerable regexps", "", ()),
    ('Revert "Revert "Mitigate CVE-2016-1000111""', "", ("CVE-2016-1000111",)),
    ("PYSEC-2021-19: refuse absolute paths", "", ("PYSEC-2021-19",)),
])
def test_messages_that_announce_a_fix(subject: str, body: str, ids: tuple[str, ...]) -> None:
    assert security_fix(subject, body, "Dev <dev@example.org>") == ids


@pytest.mark.parametrize(("subject", "body", "author", "merge"), [
    ("Update docs/handbook/security.rst", "", "", False),
    ("Update security policy", "", "", False),
    ("Add a Content-Security-Policy header option", "", "", False),
    ("Fix typo in `fastapi/security/oauth2.py`", "", "", False),
    ("Add stubs for Security, multi-files", "", "", False),
    ("Qt 6.9: Upgrade security patch version", "", "", False),
    ("Make known-vulnerable-actions audit configurable", "", "", False),
    ("Allow user-defined secure cookies", "", "", False),
    ("Bump cryptography from 41.0.1 to 41.0.3", "Fixes CVE-2023-38325", "", False),
    ("fix: bump pinned dependencies to address vulnerabilities", "", "", False),
    ("Update lxml", "Release notes: CVE-2022-2309", "dependabot[bot] <x@github.com>", False),
    ('Revert "Fix CVE-2023-1111"', "", "", False),
    ("Merge tag 'v1.47.1'", "Security release: CVE-2021-41281", "", True),
    ("Merge pull request #5176 from radarhere/security", "", "", True),
    ("Add the security team to CODEOWNERS", "This is not a vulnerability fix.", "", False),
])
def test_noise_that_is_not_a_fix(subject: str, body: str, author: str, merge: bool) -> None:
    assert security_fix(subject, body, author, merge=merge) is None


def test_advisory_ids_are_normalised_and_ordered() -> None:
    assert advisory_ids("pysec-2020-9, ghsa-CFGH-2345-6789 and cve-2020-0001") == (
        "CVE-2020-0001", "GHSA-cfgh-2345-6789", "PYSEC-2020-9")
    assert advisory_ids("CVE-XXXX-XXXX, GHSA-1111-1111-1111 (not a GHSA alphabet)") == ()


# Paths: code, not its tests, docs, changelog or translations.

@pytest.mark.parametrize(("path", "code"), [
    ("src/mypkg/auth.py", True), ("src/libImaging/TiffDecode.c", True),
    ("app/templates/login.html", True), ("tests/test_auth.py", False),
    ("Tests/test_image.py", False), ("src/pkg/auth_test.py", False),
    ("docs/conf.py", False), ("CHANGES.rst", False), ("changelog.d/123.bugfix", False),
    ("locale/de/LC_MESSAGES/django.po", False), ("poetry.lock", False), ("setup.py", False),
    ("static/app.min.js", False), (".github/workflows/ci.yml", False),
    ("pkg/docs/render.py", True),
])
def test_which_files_are_code(path: str, code: bool) -> None:
    assert is_code(path) is code


# Finding fixes: messages and advisories.

def test_fixes_by_message_and_by_advisory_sha(repo: Repo, tmp_path: Path) -> None:
    shas = history(repo)
    db = AdvisoryDB(advisory_db(tmp_path / "db", (
        "other-name", "PYSEC-2023-222222", "2023-02-01T00:00:00Z",
        f"https://github.com/someone/mypkg/commit/{shas['advisory']}")))
    fixes = {f.sha: f for f in find_fixes(GitRepo(repo.root), "HEAD", db)}
    assert set(fixes) == {shas["message"], shas["advisory"]}
    assert fixes[shas["message"]].why == MESSAGE
    assert fixes[shas["message"]].ids == ("CVE-2023-1111",)
    advised = fixes[shas["advisory"]]
    assert (advised.why, advised.ids) == (ADVISORY, ("CVE-2023-222222",))
    assert advised.published == datetime(2023, 2, 1, tzinfo=UTC)


def test_a_short_sha_counts_only_for_this_package(repo: Repo, tmp_path: Path) -> None:
    shas = history(repo)
    short = shas["advisory"][:8]
    root = advisory_db(tmp_path / "db", (
        "unrelated", "PYSEC-2023-333333", "2023-02-01T00:00:00Z",
        f"https://github.com/a/b/pull/12/commits/{short}"))
    git = GitRepo(repo.root)
    assert find_fixes(git, "HEAD", AdvisoryDB(root), ["my-pkg"]) == [
        f for f in find_fixes(git, "HEAD", None) if f.sha == shas["message"]]
    advisory_db(root, ("my.pkg", "PYSEC-2023-444444", "2023-02-01T00:00:00Z",
                       f"https://gitlab.com/a/b/-/commit/{short}"))
    found = find_fixes(git, "HEAD", AdvisoryDB(root), package_names(git, "HEAD"))
    assert [f.ids for f in found if f.sha == shas["advisory"]] == [("CVE-2023-444444",)]


def test_a_broken_or_withdrawn_advisory_is_counted_and_skipped(repo: Repo,
                                                               tmp_path: Path) -> None:
    shas = history(repo)
    url = f"https://github.com/a/b/commit/{shas['advisory']}"
    root = advisory_db(tmp_path / "db", ("mypkg", "PYSEC-2023-555555", "2023-02-01T00:00:00Z",
                                         url))
    (root / "vulns" / "mypkg" / "PYSEC-2023-9.yaml").write_text(f"id: [unclosed\n{url}\n")
    (root / "vulns" / "mypkg" / "PYSEC-2023-8.yaml").write_text(f"- a list\n- {url}\n")
    (root / "vulns" / "mypkg" / "PYSEC-2023-7.yaml").write_text(
        f"id: PYSEC-2023-7\nwithdrawn: '2023-03-01'\nreferences:\n- {{type: FIX, url: {url}}}\n")
    (root / "vulns" / "mypkg" / "PYSEC-2023-6.yaml").write_bytes(b"\xff\xfe" + url.encode())
    (root / "vulns" / "mypkg" / "PYSEC-2023-5.json").write_text(json.dumps(
        {"id": "CVE-2023-5\nhotspots:", "references": [{"type": "FIX", "url": url}]}))
    db = AdvisoryDB(root)
    found = find_fixes(GitRepo(repo.root), "HEAD", db)
    assert [f.ids for f in found if f.sha == shas["advisory"]] == [("CVE-2023-555555",)]
    assert sorted(Path(p).name for p, _ in db.skipped) == [
        "PYSEC-2023-5.json", "PYSEC-2023-6.yaml", "PYSEC-2023-8.yaml", "PYSEC-2023-9.yaml"]


def test_package_names_are_read_as_text_never_run(repo: Repo) -> None:
    repo.write("setup.py", "import pathlib\npathlib.Path('RAN').write_text('x')\n"
                           "setup(name='Flask_Thing', version='1')\n")
    repo.write("setup.cfg", "[metadata]\nname = flask.thing\n")
    repo.commit("metadata")
    assert package_names(GitRepo(repo.root), "HEAD") == ("flask-thing",)
    assert not (repo.root / "RAN").exists()


# What a fix touched: functions beat files.

def test_functions_beat_files_and_tests_docs_are_left_out(repo: Repo) -> None:
    shas = history(repo)
    learned = learn(GitRepo(repo.root))
    assert learned.hotspots == (
        Hotspot("src/mypkg/session.py", "Session.check", "CVE-2023-1111", shas["message"]),)
    assert (learned.count(MESSAGE), learned.count(ADVISORY), learned.packages) == (
        1, 0, ("my-pkg",))


def test_merged_fixes_keep_every_id_and_the_newest_commit(repo: Repo) -> None:
    shas = history(repo)
    edit(repo, "src/mypkg/session.py", "return token ==", "return len(token) < LIMIT and token ==")
    later = commit_at(repo, "Security fix: bound the token (GHSA-cfgh-2345-6789)", 5)
    repo.write("src/mypkg/other.py", "def f():\n    return 1\n")
    repo.commit("unrelated module")
    spots = learn(GitRepo(repo.root)).hotspots
    assert [h for h in spots if h.symbol == "Session.check"] == [
        Hotspot("src/mypkg/session.py", "Session.check", "CVE-2023-1111; GHSA-cfgh-2345-6789",
                later)]
    assert shas["message"] != later


def test_a_module_level_fix_is_the_whole_file_and_renames_are_followed(repo: Repo) -> None:
    history(repo)
    repo.write("src/mypkg/limits.py", "LIMIT = 3\n")
    fix = commit_at(repo, "Fix CVE-2023-2222: a smaller limit", 5)
    repo.git("mv", "src/mypkg/limits.py", "src/mypkg/bounds.py")
    repo.git("mv", "src/mypkg/session.py", "mypkg_session.py")
    moved = commit_at(repo, "Rename modules", 6)
    spots = learn(GitRepo(repo.root)).hotspots
    assert Hotspot("src/mypkg/bounds.py", "", "CVE-2023-2222", fix) in spots
    assert {h.path for h in spots} == {"src/mypkg/bounds.py", "mypkg_session.py"}
    at_fix = hotspots_of(GitRepo(repo.root), next(
        f for f in find_fixes(GitRepo(repo.root)) if f.sha == fix), fix)
    assert at_fix == [Hotspot("src/mypkg/limits.py", "", "CVE-2023-2222", fix)]
    assert moved


def test_a_file_moved_into_a_new_folder_is_followed_even_when_rewritten(repo: Repo) -> None:
    history(repo)
    repo.git("mv", "src/mypkg", "mypkg")
    repo.write("mypkg/session.py", "\n".join(f"def f{i}():\n    return {i}\n" for i in range(60))
               + (repo.root / "mypkg/session.py").read_text())
    commit_at(repo, "Flatten the layout and grow the module", 5)
    learned = learn(GitRepo(repo.root))
    assert [h.path for h in learned.hotspots] == ["mypkg/session.py"]
    assert learned.gone == 0


def test_a_deleted_file_is_counted_as_gone(repo: Repo) -> None:
    history(repo)
    repo.git("rm", "-q", "src/mypkg/session.py")
    commit_at(repo, "Drop sessions", 5)
    learned = learn(GitRepo(repo.root))
    assert learned.hotspots == () and learned.gone == 1


def test_a_ghsa_merge_brings_what_the_pull_request_changed(repo: Repo) -> None:
    history(repo)
    repo.git("checkout", "-q", "-b", "advisory-fix")
    edit(repo, "src/mypkg/session.py", "name.strip()", "name.strip().lower()")
    commit_at(repo, "tighten", 5)
    repo.git("checkout", "-q", "main")
    repo.write("README.md", "hello\n")
    commit_at(repo, "readme", 6)
    repo.git("merge", "-q", "--no-ff", "advisory-fix", "-m",
             "Merge pull request from GHSA-mp92-3jfm-3575")
    merge = repo.git("rev-parse", "HEAD").strip()
    spots = learn(GitRepo(repo.root)).hotspots
    assert Hotspot("src/mypkg/session.py", "parse_header", "GHSA-mp92-3jfm-3575", merge) in spots


def test_until_leaves_out_later_fixes_and_as_of_unpublished_advisories(repo: Repo,
                                                                       tmp_path: Path) -> None:
    shas = history(repo)
    db = AdvisoryDB(advisory_db(tmp_path / "db", (
        "my-pkg", "PYSEC-2023-666666", "2023-03-01T00:00:00Z",
        f"https://github.com/a/b/commit/{shas['advisory']}")))
    git = GitRepo(repo.root)
    assert [f.sha for f in find_fixes(git, shas["routine"], db)] == []
    assert learn(git, shas["message"], db).hotspots == (
        Hotspot("src/mypkg/session.py", "Session.check", "CVE-2023-1111", shas["message"]),)
    miner = Miner(git, db)
    assert {h.commit for h in miner.until("HEAD")} == {shas["message"], shas["advisory"]}
    before = miner.until("HEAD", as_of=datetime(2023, 2, 1, tzinfo=UTC))
    assert {h.commit for h in before} == {shas["message"]}
    assert miner.until(shas["routine"]) == ()
    with pytest.raises(UsageError, match="unknown revision"):
        miner.until("no-such-rev")


def test_a_sweeping_fix_teaches_nothing(repo: Repo) -> None:
    history(repo)
    for i in range(MAX_FILES + 1):
        repo.write(f"src/mypkg/gen/m{i}.py", f"def f():\n    return {i}\n")
    commit_at(repo, "Security fix: regenerate every module", 5)
    learned = learn(GitRepo(repo.root))
    assert learned.broad == 1 and learned.count(MESSAGE) == 2
    assert {h.path for h in learned.hotspots} == {"src/mypkg/session.py"}


def test_names_outside_the_fragment_grammar_fall_back_to_the_file(repo: Repo) -> None:
    history(repo)
    repo.write("src/mypkg/odd.py", "def a\u00b7b():\n    return 1\n")
    commit_at(repo, "odd", 5)
    repo.write("src/mypkg/odd.py", "def a\u00b7b():\n    return 2\n")
    fix = commit_at(repo, "Fix CVE-2023-4444", 6)
    learned = learn(GitRepo(repo.root))
    assert Hotspot("src/mypkg/odd.py", "", "CVE-2023-4444", fix) in learned.hotspots
    assert parse(render(learned), "fragment") == learned.hotspots


def test_long_id_lists_are_shortened_to_one_line() -> None:
    ids = [f"CVE-2020-{n:05d}" for n in range(40)]
    label = fix_label(ids)
    assert len(label) <= 200 and label.endswith("more") and label.startswith("CVE-2020-00000")


# The fragment: parseable, stable, and safe from hostile messages.

def test_the_fragment_round_trips_and_is_stable(repo: Repo) -> None:
    history(repo)
    learned = learn(GitRepo(repo.root))
    text = render(learned)
    assert parse(text, "fragment") == learned.hotspots
    assert text.startswith("# Security hotspots learned by `gate learn`")
    assert "hotspots: .gate/hotspots.yaml" in text
    assert render(learn(GitRepo(repo.root))) == text
    as_json = render(learned, "json")
    assert parse(as_json, "fragment.json") == learned.hotspots
    assert json.loads(as_json)["learned"]["fix_commits"][0]["why"] == MESSAGE


HOSTILE = ("Fix CVE-2023-3333 \x1b[2J\x1b[32mPASS\x1b[0m\r\u202e\u2028\U000e0041"
           "\nhotspots:\n- path: /etc/passwd\n# draftgate-0000\x00")


def test_hostile_messages_cannot_forge_output_or_entries(repo: Repo) -> None:
    history(repo)
    edit(repo, "src/mypkg/session.py", "return token", "return  token")
    fix = commit_at(repo, HOSTILE.replace("\x00", ""), 5)
    learned = learn(GitRepo(repo.root))
    text = render(learned)
    for fmt in ("yaml", "json"):
        text = render(learned, fmt)
        assert not {"\x1b", "\u202e", "\u2028", "\U000e0041", "\r"} & set(text)
        subject = json.loads(text)["learned"]["fix_commits"][0]["subject"] if fmt == "json" \
            else ""
        assert not subject or subject.startswith("Fix CVE-2023-3333 \\x1b[2J")
    text = render(learned)
    assert {h.path for h in parse(text, "fragment")} == {"src/mypkg/session.py"}
    assert [h.fix for h in learned.hotspots if h.commit == fix] == ["CVE-2023-1111; CVE-2023-3333"]
    done = repo.gate("learn")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    saved = (repo.root / ".gate" / "hotspots.yaml").read_text()
    assert {h.path for h in parse(saved, "saved")} == {"src/mypkg/session.py"}


def test_hostile_paths_are_quoted_or_dropped(repo: Repo) -> None:
    history(repo)
    names = ["src/mypkg/caf\u00e9.py", "src/mypkg/a: b.py", "src/mypkg/new\nline.py",
             "src/mypkg/-x.py", "src/mypkg/\U0001f600 \"q\".py"]
    for name in names:
        repo.write(name, "X = 1\n")
    commit_at(repo, "add", 5)
    for name in names:
        repo.write(name, "X = 2\n")
    commit_at(repo, "Fix CVE-2023-5555 everywhere", 6)
    learned = learn(GitRepo(repo.root))
    assert learned.gone == 1
    assert parse(render(learned), "fragment") == learned.hotspots
    assert parse(render(learned, "json"), "fragment.json") == learned.hotspots
    assert {h.path for h in learned.hotspots} == {"src/mypkg/session.py", *names} - {names[2]}


# The command line contract.

def test_cli_writes_the_fragment_at_the_root_and_says_what_it_found(repo: Repo,
                                                                   tmp_path: Path) -> None:
    shas = history(repo)
    db = advisory_db(tmp_path / "db", ("my-pkg", "PYSEC-2023-777777", "2023-02-01T00:00:00Z",
                                       f"https://github.com/a/b/commit/{shas['advisory']}"))
    (db / "vulns" / "my-pkg" / "broken.yaml").write_text("id: [\n")
    (repo.root / "src" / "mypkg").mkdir(parents=True, exist_ok=True)
    done = repo.gate("learn", "--offline-db", str(db), cwd=repo.root / "src" / "mypkg")
    assert done.returncode == 0, done.stderr
    assert "2 security fixes" in done.stdout and "1 by message, 1 by advisory" in done.stdout
    assert "1 advisory files skipped" in done.stderr and "broken.yaml" in done.stderr
    assert "with 'hotspots: .gate/hotspots.yaml'" in done.stdout
    written = repo.root / ".gate" / "hotspots.yaml"
    spots = parse(written.read_text(), str(written))
    assert Hotspot("src/mypkg/limits.py", "", "CVE-2023-777777", shas["advisory"]) in spots
    first = written.read_bytes()
    assert repo.gate("learn", "--offline-db", str(db)).returncode == 0
    assert written.read_bytes() == first


def test_cli_names_the_file_it_wrote_for_the_policy_key(repo: Repo) -> None:
    """The summary says what to write in .gate.yaml: the file actually written, from the root."""
    history(repo)
    done = repo.gate("learn", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "with 'hotspots: .gate/hotspots.json'" in done.stdout
    assert (repo.root / ".gate" / "hotspots.json").is_file()
    done = repo.gate("learn", "--output", "security/hot.yaml")
    assert "with 'hotspots: security/hot.yaml'" in done.stdout


def test_cli_output_to_stdout_as_json_with_until(repo: Repo) -> None:
    shas = history(repo)
    done = repo.gate("learn", "--until", shas["message"], "--output", "-", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert parse(done.stdout, "stdout") == (
        Hotspot("src/mypkg/session.py", "Session.check", "CVE-2023-1111", shas["message"]),)
    assert "1 security fixes" in done.stderr
    assert not (repo.root / ".gate").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--until", "nope"), "--until: unknown revision 'nope'"),
    (("--until", "--output=/tmp/x"), "--until: unknown revision"),
    (("--offline-db", "missing-folder"), "--offline-db missing-folder: no such folder"),
    (("--package", "bad name!"), "is not a package name"),
])
def test_cli_usage_errors_are_one_line_with_exit_2(repo: Repo, args: tuple[str, ...],
                                                   message: str) -> None:
    history(repo)
    done = repo.gate("learn", *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not (repo.root / ".gate").exists()


def test_cli_refuses_a_default_output_folder_that_links_outside(repo: Repo,
                                                              tmp_path: Path) -> None:
    history(repo)
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.root / ".gate").symlink_to(outside)
    done = repo.gate("learn")
    assert done.returncode == 2 and "leads outside the repository" in done.stderr
    assert list(outside.iterdir()) == []


def test_cli_reads_a_bare_repository_with_git_dir(repo: Repo, tmp_path: Path) -> None:
    shas = history(repo)
    bare = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.root), str(bare)], check=True)
    out = tmp_path / "learned.yaml"
    done = repo.gate("learn", "--git-dir", str(bare), "--output", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [h.commit for h in parse(out.read_text(), "out")] == [shas["message"]]


# End to end: learn, commit the fragment, and a later change to the hot function is high.

def test_learned_hotspots_send_a_later_change_to_high(repo: Repo) -> None:
    shas = history(repo)
    assert repo.gate("learn").returncode == 0
    repo.write(".gate.yaml", "extends: default\nhotspots: .gate/hotspots.yaml\n")
    repo.git("add", ".gate/hotspots.yaml")
    base = repo.commit("Adopt the learned hotspots")
    edit(repo, "src/mypkg/session.py", "return token == self.secret", "return True")
    head = repo.commit("Simplify the check")
    data = repo.gate_json("--base", base, "--head", head)
    assert data["tier"] == "high"
    reasons = [m["text"] for m in file_entry(data, "src/mypkg/session.py")["matches"]]
    assert f"touched by the fix of CVE-2023-1111 (commit {shas['message'][:7]})" in reasons
