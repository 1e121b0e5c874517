"""Hotspots (policy key ``hotspots:``): what past security fixes changed is high when touched
again, read from the trusted revision like every file the policy reads."""

from __future__ import annotations

import textwrap

import pytest

from gates import changes
from gates.classify import Rules, classify
from gates.errors import PolicyError
from gates.gitrepo import GitRepo
from gates.model import Classification, MatchKind, Side
from gates.policy import Hotspot, Policy, source
from gates.policy.hotspots import parse

from .conftest import Repo, file_entry

MODULE = textwrap.dedent('''\
    import os


    class Session:
        def check(self, token):
            if not token:
                return False
            return token == self.secret

        def describe(self):
            return "session"


    def parse_header(value):
        name, _, rest = value.partition(":")
        return name.strip(), rest.strip()


    LIMIT = 10
    ''')

FRAGMENT = textwrap.dedent('''\
    version: 1
    learned: {until: 0123abcd, commits: 40, fixes: 2}
    hotspots:
      - path: lib/session.py
        symbol: Session.check
        fix: CVE-2023-1111
        commit: 0123456789abcdef0123456789abcdef01234567
      - path: lib/legacy.cfg
        fix: GHSA-aaaa-bbbb-cccc
        commit: fedcba9876543210fedcba9876543210fedcba98
    ''')


def learned_repo(repo: Repo, fragment: str = FRAGMENT) -> Repo:
    repo.write("lib/session.py", MODULE)
    repo.write("lib/legacy.cfg", "mode = strict\n")
    repo.write(".gate/hotspots.yaml", fragment)
    repo.write(".gate.yaml", "extends: default\nhotspots: .gate/hotspots.yaml\n")
    repo.commit("policy with hotspots")
    return repo


def judged(repo: Repo) -> Classification:
    """The staged change, judged by the policy committed at HEAD (what ``gate check`` does)."""
    git = GitRepo(repo.root)
    policy, _ = source.choose(git, repo.root, "HEAD", None)
    rules = Rules(policy)
    return classify(rules, changes.staged(git, rules.wants_text))


def hotspot_matches(result: Classification) -> list[str]:
    return [m.evidence.text or "" for f in result.files for m in f.matches
            if m.category == "hotspots"]


def test_the_fragment_is_read_from_the_trusted_revision(repo: Repo) -> None:
    learned_repo(repo)
    policy, _ = source.choose(GitRepo(repo.root), repo.root, "HEAD", None)
    assert policy.hotspots_file == ".gate/hotspots.yaml"
    assert policy.hotspots[0] == Hotspot("lib/session.py", "Session.check", "CVE-2023-1111",
                                         "0123456789abcdef0123456789abcdef01234567")
    assert any(d.key == "hotspots" and d.covers(".gate/hotspots.yaml") for d in policy.reads())


def test_a_change_inside_the_hot_method_is_high_with_the_fix_named(repo: Repo) -> None:
    learned_repo(repo)
    repo.write("lib/session.py", MODULE.replace("return token == self.secret",
                                                "return token in self.secret"))
    result = judged(repo)
    assert result.tier == "high"
    (fc,) = result.files
    (match,) = [m for m in fc.matches if m.category == "hotspots"]
    assert match.kind is MatchKind.SYMBOL and match.pattern == "lib/session.py::Session.check"
    assert match.evidence.text == "touched by the fix of CVE-2023-1111 (commit 0123456)"
    assert (match.evidence.side, match.evidence.line) in {(Side.ADDED, 8), (Side.REMOVED, 8)}


def test_a_change_elsewhere_in_the_hot_file_is_not_a_hotspot(repo: Repo) -> None:
    learned_repo(repo)
    repo.write("lib/session.py", MODULE.replace('return "session"', 'return "a session"')
               .replace("LIMIT = 10", "LIMIT = 11"))
    result = judged(repo)
    assert hotspot_matches(result) == []
    assert result.tier != "high"


def test_a_function_nested_in_the_hotspot_counts_and_a_new_def_in_it_too(repo: Repo) -> None:
    learned_repo(repo)
    repo.write("lib/session.py", MODULE.replace(
        "        if not token:\n",
        "        def strip(t):\n            return t.strip()\n\n        if not token:\n"))
    assert hotspot_matches(judged(repo)) == ["touched by the fix of CVE-2023-1111 (commit 0123456)"]


def test_deleting_the_hot_file_or_a_whole_file_hotspot_is_high(repo: Repo) -> None:
    learned_repo(repo)
    repo.git("rm", "-q", "lib/session.py")
    repo.write("lib/legacy.cfg", "mode = lax\n")
    reasons = hotspot_matches(judged(repo))
    assert sorted(reasons) == ["touched by the fix of CVE-2023-1111 (commit 0123456)",
                               "touched by the fix of GHSA-aaaa-bbbb-cccc (commit fedcba9)"]


def test_renaming_the_hot_file_and_editing_the_method_still_hits(repo: Repo) -> None:
    learned_repo(repo)
    repo.git("mv", "lib/session.py", "lib/sessions.py")
    repo.write("lib/sessions.py", MODULE.replace("if not token:", "if token is None:"))
    assert hotspot_matches(judged(repo)) == ["touched by the fix of CVE-2023-1111 (commit 0123456)"]


def test_a_pure_rename_of_a_whole_file_hotspot_touches_no_code(repo: Repo) -> None:
    learned_repo(repo)
    repo.git("mv", "lib/legacy.cfg", "lib/old.cfg")
    assert hotspot_matches(judged(repo)) == []


def test_editing_the_fragment_is_gate_critical_and_does_not_judge_itself(repo: Repo) -> None:
    learned_repo(repo)
    repo.write(".gate/hotspots.yaml", "version: 1\nhotspots: []\n")
    repo.write("lib/session.py", MODULE.replace("if not token:", "if token is None:"))
    result = judged(repo)
    assert result.tier == "high"
    rules = {m.rule for f in result.files for m in f.matches}
    assert "gate-policy.dependency" in rules and "hotspots.learned" in rules


def test_the_digest_covers_the_fragment(repo: Repo) -> None:
    learned_repo(repo)
    git = GitRepo(repo.root)
    before, _ = source.choose(git, repo.root, "HEAD", None)
    repo.write(".gate/hotspots.yaml", FRAGMENT.replace("CVE-2023-1111", "CVE-2023-2222"))
    repo.commit("relearn")
    after, _ = source.choose(git, repo.root, "HEAD", None)
    assert before.digest != after.digest


def test_the_cli_says_why_on_a_real_range(repo: Repo) -> None:
    learned_repo(repo)
    base = repo.git("rev-parse", "HEAD").strip()
    repo.write("lib/session.py", MODULE.replace("return False", "return None"))
    head = repo.commit("tweak")
    data = repo.gate_json("--base", base, "--head", head)
    assert data["tier"] == "high"
    reasons = [m["text"] for m in file_entry(data, "lib/session.py")["matches"]]
    assert "touched by the fix of CVE-2023-1111 (commit 0123456)" in reasons


def test_a_missing_fragment_fails_closed_with_a_policy_error(repo: Repo) -> None:
    repo.write(".gate.yaml", "extends: default\nhotspots: .gate/hotspots.yaml\n")
    base = repo.commit("policy naming a fragment it does not have")
    repo.write("app.py", "x = 1\n")
    head = repo.commit("app")
    done = repo.gate("check", "--base", base, "--head", head)
    assert done.returncode == 2, done.stderr
    assert "hotspots" in done.stderr and "cannot read '.gate/hotspots.yaml'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("fragment", "message"), [
    ("version: 2\nhotspots: []\n", "unsupported hotspots version 2"),
    ("hotspots: {path: a.py}\n", "must be a list"),
    ("hotspots:\n  - {path: ../outside.py}\n", "not a normalised path inside the repository"),
    ("hotspots:\n  - {path: /etc/passwd}\n", "not a normalised path inside the repository"),
    ("hotspots:\n  - {path: a/./b.py}\n", "not a normalised path inside the repository"),
    ("hotspots:\n  - {path: a.py, symbol: 'x; y'}\n", "is not a function or class name"),
    ("hotspots:\n  - {path: a.py, commit: 'HEAD~1'}\n", "is not a commit id"),
    ("hotspots:\n  - {path: a.py, fix: \"a\\x1b[2Jb\"}\n", "must be a short line of text"),
    ("hotspots:\n  - {path: a.py, owner: me}\n", "unknown key"),
    ("hotspots:\n  - {symbol: f}\n", "must be a non-empty string"),
])
def test_a_bad_fragment_names_its_line(fragment: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse(fragment, "x:.gate/hotspots.yaml")
    assert message in str(caught.value)
    assert caught.value.path == "x:.gate/hotspots.yaml"


def test_the_shipped_default_names_no_fragment_and_cannot() -> None:
    from gates.policy.load import load_policy

    assert source.default().hotspots == ()
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy("extends: default\nhotspots: x.yaml\n", "<text>")


def policy_with(spots: tuple[Hotspot, ...]) -> Policy:
    from dataclasses import replace

    return replace(source.default(), hotspots=spots)


def test_non_python_files_use_the_hunk_context(seeded: Repo) -> None:
    # far enough apart for git to give each function its own hunk: without a parser, every
    # declaration a hunk shows may own its later lines (a fake one must not take them away)
    filler = "".join(f"var v{i} = {i};\n" for i in range(12))
    code = ("function checkToken(t) {\n  return t !== null;\n}\n\n" + filler +
            "function other() {\n  return 1;\n}\n")
    seeded.write("src/tok.js", code)
    seeded.commit("c")
    seeded.write("src/tok.js", code.replace("t !== null", "t != null"))
    rules = Rules(policy_with((Hotspot("src/tok.js", "checkToken", "CVE-1", "abcd1234"),)))
    result = classify(rules, changes.staged(GitRepo(seeded.root), rules.wants_text))
    assert result.tier == "high"
    seeded.git("commit", "-qam", "x")
    seeded.write("src/tok.js", code.replace("t !== null", "t != null").replace("return 1",
                                                                              "return 2"))
    result = classify(rules, changes.staged(GitRepo(seeded.root), rules.wants_text))
    assert [m for f in result.files for m in f.matches if m.category == "hotspots"] == []


@pytest.mark.parametrize(("line", "hit"), [
    ("session.Session.check = lambda self, token: True\n", True),
    ("setattr(Session, 'check', lambda self, token: True)\n", True),
    ("vars(session)['x'] = 1\nSession.__dict__['check'] = None\n", True),
    ("session.parse_header = str.partition\n", False),  # not a hotspot
    ("if Session.check == other:\n    pass\n", False),
    ("ok = Session().check('t')\n", False),
])
def test_a_hot_method_rebound_from_another_file_is_a_hit(repo: Repo, line: str,
                                                         hit: bool) -> None:
    learned_repo(repo)
    repo.write("lib/plugin.py", "from lib import session\nfrom lib.session import Session\n"
               + line)
    reasons = hotspot_matches(judged(repo))
    assert bool(reasons) is hit, reasons
    if hit:
        assert reasons[0].startswith(
            "touched by the fix of CVE-2023-1111 (commit 0123456); rebinds Session.check: ")
