"""Package sources: requirements read the way pip reads them, sources in every manifest kind, the
policy's allow list, and hostile changes judged end to end through the library."""

from __future__ import annotations

import codecs
import optparse

import pytest

from gates.engine import Request, check
from gates.errors import PolicyError
from gates.manifests import Source, read
from gates.model import Decision, SourceKind, StageResult
from gates.policy import DepsSettings
from gates.policy.load import load_policy
from gates.reqfile import OPTIONS, decode, logical_lines, split_line
from gates.sources import accepted, pip_config, toml_sources

from .conftest import Repo

ADVISORY = """\
id: PYSEC-2099-1
summary: Request smuggling in demo-lib
aliases: [CVE-2099-0001]
affected:
- package: {name: demo-lib, ecosystem: PyPI}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: "1.4.2"}]
"""


def pip_parser() -> optparse.OptionParser:
    from pip._internal.req.req_file import build_parser

    return build_parser()


# --- the option table and line parsing match the installed pip ---------------------------------


def test_the_option_table_is_pips() -> None:
    """A pip upgrade that adds an option changes which prefixes are unambiguous: this fails."""
    theirs = {(tuple(o._short_opts + o._long_opts), o.dest, o.nargs == 1)
              for o in pip_parser().option_list}
    ours = {(flags, dest, value) for flags, dest, value in OPTIONS}
    assert {f for f, _, _ in ours} == {f for f, _, _ in theirs}
    assert {(f, v) for f, _, v in ours} == {(f, v) for f, _, v in theirs}


HOSTILE_LINES = [
    "--extra https://evil.example/simple",
    "--extra-index https://evil.example/simple",
    "--ex=https://evil.example/simple",
    "-ihttps://evil.example/simple",
    "-i\thttps://evil.example/simple",
    "--index https://evil.example/simple",
    "--in https://evil.example/simple",
    "--pypi https://evil.example/simple",
    "--find ./wheels",
    "--find-links\t./wheels",
    "-f./wheels",
    "--trusted evil.example",
    "--tr=evil.example",
    "--index-url=https://a.example --trusted-host a.example --extra b",
    "-rdeps.lst",
    "--requirem deps.lst",
    "-c\tpins.lst",
    "--cons pins.lst",
    "-e.",
    "--ed ./libs/x",
    "demo-lib==1.0 --index-url https://ignored.example",
    "demo-lib==1.0\t--index-url https://tab.example",
    "--co pins.lst",
    "--re deps.lst",
    "--no https://x.example",
    "--index-url 'https://quoted.example/simple'",
    '--index-url "https://unterminated',
    "-Z",
    "--install-option=--prefix=/tmp",
]


@pytest.mark.parametrize("line", HOSTILE_LINES)
def test_each_line_is_split_as_pip_splits_it(line: str) -> None:
    from pip._internal.req.req_file import OptionParsingError, get_line_parser

    try:
        args, theirs = get_line_parser(None)(line)
    except OptionParsingError:
        with pytest.raises(ValueError, match="pip"):
            split_line(line)
        return
    ours_args, ours = split_line(line)
    assert ours_args == args
    assert ours.index_url[-1:] == ([theirs.index_url] if theirs.index_url else [])
    for dest in ("extra_index_urls", "find_links", "trusted_hosts", "requirements",
                 "constraints", "editables"):
        assert getattr(ours, dest) == (getattr(theirs, dest) or []), dest


def test_abbreviated_attached_and_tabbed_options_are_sources() -> None:
    text = ("--extra https://evil.example/simple\n-ihttps://evil2.example/simple\n"
            "--find-links\t./wheels\n--trusted evil.example\n")
    manifest = read("requirements.txt", text.encode())
    assert [(s.kind, s.target, s.line) for s in manifest.sources] == [
        ("extra-index-url", "https://evil.example/simple", 1),
        ("index-url", "https://evil2.example/simple", 2),
        ("find-links", "./wheels", 3),
        ("trusted-host", "evil.example", 4),
    ]


def test_an_option_on_a_requirement_line_is_ignored_as_pip_ignores_it() -> None:
    manifest = read("requirements.txt", b"demo-lib==1.0 --index-url https://ignored.example\n")
    assert manifest.sources == () and [r.version for r in manifest.requirements] == ["1.0"]


def test_lines_pip_rejects_are_problems_not_silence() -> None:
    text = "--co pins.lst\nbad = 1.0\n-Z\ndemo-lib==${VERSION}\n"
    manifest = read("requirements.txt", text.encode())
    assert [p.line for p in manifest.problems] == [1, 2, 3, 4]
    assert "ambiguous option" in manifest.problems[0].why
    assert manifest.requirements == ()


def test_continuations_join_before_options_are_read() -> None:
    text = "demo-lib==1.0 \\\n  --hash=sha256:aa\n--index-url \\\n  https://split.example/simple\n"
    manifest = read("requirements.txt", text.encode())
    assert [(s.target, s.line) for s in manifest.sources] == [("https://split.example/simple", 3)]
    assert [(r.name, r.line) for r in manifest.requirements] == [("demo-lib", 1)]


@pytest.mark.parametrize(("text", "sniffed"), [
    ("demo==1.0\n--extra https://evil.example/simple\n", True),
    ("-r base.lst\n", True),
    ("https://evil.example/x.whl\n-f ./w\n", True),
    ("demo==1.0\nother>=2\n", True),  # pins only: an untouched manifest may include it
    ("demo @ https://evil.example/demo-1.0.tar.gz\n", True),
    ("demo==1.0\n--pre ignored words\n", True),  # pip ignores the words: the pin still counts
    ("demo==1.0\n.\n./libs/x\n", True),  # local paths pip installs do not hide the pin
    (".venv\n.env\n", False),
    ("demo\nother\n", False),  # words
    ("DEBUG=1\nNAME=app\n", False),  # a .env file
    ("alice@example.com\n", False),
    ("- a list item\n-removed in a diff\n", False),
    ("Install with:\n-e .\n", False),
])
def test_which_other_files_read_as_requirements_files(text: str, sniffed: bool) -> None:
    from gates.reqfile import reads_as_requirements

    assert reads_as_requirements(text.encode()) is sniffed


def test_logical_lines_match_pips_preprocess() -> None:
    from pip._internal.req.req_file import preprocess

    text = ("# head\nalpha==1 \\\n  --hash=sha256:a  # c\n\n  beta==2#not-a-comment\n"
            "gamma==3 # comment \\\ndelta==4\n# only \\\nepsilon==5\nlast \\")
    assert list(logical_lines(text)) == list(preprocess(text))


def test_pip_splits_lines_at_form_feeds_and_findings_keep_gits_numbers() -> None:
    text = "safe-lib==1.0\x0c--index-url https://ff.example/simple\nnext==2.0\u2028-f ./w\n"
    manifest = read("requirements.txt", text.encode())
    assert [(s.kind, s.line) for s in manifest.sources] == [("index-url", 1), ("find-links", 2)]
    assert [(r.name, r.line) for r in manifest.requirements] == [("safe-lib", 1), ("next", 2)]


# --- decoding ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                                      "utf-8-sig"])
def test_files_with_a_byte_order_mark_decode_as_pip_decodes_them(encoding: str) -> None:
    from pip._internal.req.req_file import _decode_req_file

    body = "demo-lib==1.4.1\n--extra-index-url https://evil.example/simple\n"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE}.get(encoding, b"")
    data = bom + body.encode(encoding)
    assert decode(data).text == _decode_req_file(data, "r.txt")
    manifest = read("requirements.txt", data)
    assert [r.version for r in manifest.requirements] == ["1.4.1"]
    assert [s.target for s in manifest.sources] == ["https://evil.example/simple"]


def test_a_coding_line_is_honoured() -> None:
    data = "# -*- coding: latin-1 -*-\ncafé-lib==1.0\n".encode("latin-1")
    assert decode(data).text.splitlines()[1] == "café-lib==1.0" and not decode(data).doubt


def test_undecidable_bytes_are_a_doubt_and_still_read() -> None:
    data = b"demo-lib==1.0\n--index-url https://evil.example/\xff\n"
    manifest = read("requirements.txt", data)
    assert manifest.problems[0].line is None and "locale" in manifest.problems[0].why
    assert manifest.sources[0].kind == "index-url"


def test_a_bogus_coding_line_is_a_doubt() -> None:
    manifest = read("requirements.txt", b"# coding: no-such-codec\ndemo-lib==1.0\n")
    assert "cannot decode" in manifest.problems[0].why


# --- sources in other manifests ------------------------------------------------------------------


def test_pyproject_uv_index_and_sources() -> None:
    text = ('[project]\nname = "app"\ndependencies = ["demo-lib==1.0", '
            '"tool @ https://evil.example/tool-1.0.tar.gz"]\n\n'
            '[[tool.uv.index]]\nname = "corp"\nurl = "https://corp.example/simple"\n\n'
            '[tool.uv.sources]\ndemo-lib = { index = "corp" }\nlocal = { path = "../outside" }\n'
            'other = { git = "https://github.com/x/other" }\n\n'
            '[tool.uv.workspace]\nmembers = ["packages/*"]\n')
    manifest = read("pyproject.toml", text.encode())
    found = {(s.kind, s.target, s.line) for s in manifest.sources}
    assert found == {
        ("url", "https://evil.example/tool-1.0.tar.gz", 3),
        ("uv url", "https://corp.example/simple", 7),
        ("uv index", "corp", 10),
        ("uv path", "../outside", 11),
        ("uv git", "https://github.com/x/other", 12),
    }
    # The sdist's file name is a pin too: audited like any other.
    assert [(r.name, r.version) for r in manifest.requirements] == [("demo-lib", "1.0"),
                                                                     ("tool", "1.0")]


def test_poetry_sources_and_dependencies_from_elsewhere() -> None:
    text = ('[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\n'
            'url = "https://corp.example/simple"\npriority = "supplemental"\n\n'
            '[tool.poetry.dependencies]\npython = "^3.11"\nflask = "3.0.2"\n'
            'lib = {git = "https://github.com/x/lib.git", tag = "v1"}\n'
            'pinned = {version = "1.0", source = "corp"}\nwheel = {url = "https://w.example/a.whl"}\n')
    manifest = read("pyproject.toml", text.encode())
    assert {(s.kind, s.target) for s in manifest.sources} == {
        ("poetry url", "https://corp.example/simple"), ("poetry git", "https://github.com/x/lib.git"),
        ("poetry source", "corp"), ("poetry direct-url", "https://w.example/a.whl")}
    assert {r.name for r in manifest.requirements} == {"flask", "pinned"}


def test_uv_toml_and_pip_conf() -> None:
    uv = toml_sources("uv.toml", {"index-url": "https://a.example/simple",
                                  "index": [{"name": "b", "url": "https://b.example/simple"}],
                                  "allow-insecure-host": ["c.example"]}, "")
    assert {(s.kind, s.target) for s in uv} == {
        ("uv index-url", "https://a.example/simple"), ("uv url", "https://b.example/simple"),
        ("uv allow-insecure-host", "c.example")}
    conf = pip_config("[global]\nindex-url = https://evil.example/simple\n"
                      "trusted-host = evil.example\n  other.example\n[install]\nproxy = x:1\n")
    assert [(s.kind, s.target, s.line) for s in conf] == [
        ("pip-config global.index-url", "https://evil.example/simple", 2),
        ("pip-config global.trusted-host", "evil.example", 3),
        ("pip-config global.trusted-host", "other.example", 4),
        ("pip-config install.proxy", "x:1", 6)]
    (broken,) = pip_config("index-url = https://no-section.example\n")
    assert "does not parse" in broken.target


def test_setup_cfg_pipfile_and_locks() -> None:
    cfg = read("setup.cfg", b"[options]\ninstall_requires =\n    demo-lib==1.0\n"
                            b"dependency_links =\n    https://links.example/pkgs\n")
    assert [(s.kind, s.line) for s in cfg.sources] == [("dependency-links", 5)]
    pipfile = read("Pipfile", b'[[source]]\nurl = "https://corp.example/simple"\nname = "corp"\n'
                              b'[packages]\nlib = {git = "https://github.com/x/lib.git"}\n')
    assert {s.target for s in pipfile.sources} == {"https://corp.example/simple",
                                                   "https://github.com/x/lib.git"}
    lock = read("uv.lock", b'version = 1\n[[package]]\nname = "demo-lib"\nversion = "1.0"\n'
                           b'source = { registry = "https://evil.example/simple" }\n'
                           b'sdist = { url = "https://evil.example/files/demo-lib-1.0.tar.gz" }\n')
    assert {(s.kind, s.target) for s in lock.sources} == {
        ("uv.lock registry", "https://evil.example/simple"),
        ("uv download host", "https://evil.example")}


# --- which sources a policy accepts -------------------------------------------------------------


def src(target: str, kind: str = "extra-index-url") -> Source:
    return Source(kind, target, target, 1)


@pytest.mark.parametrize(("target", "kind", "ok"), [
    ("https://pypi.example.com/simple", "extra-index-url", True),
    ("https://pypi.example.com/simple/", "extra-index-url", True),
    ("https://pypi.example.com/simple/team", "extra-index-url", True),
    ("https://PYPI.example.com/simple", "extra-index-url", True),
    ("https://pypi.example.com.evil.io/simple", "extra-index-url", False),
    ("https://pypi.example.com@evil.io/simple", "extra-index-url", False),
    ("https://evil.io/?https://pypi.example.com/simple", "extra-index-url", False),
    ("https://pypi.example.com/simple-evil", "extra-index-url", False),
    ("https://pypi.example.com:8443/simple", "extra-index-url", False),
    ("http://pypi.example.com/simple", "extra-index-url", False),
    ("https://user:pw@pypi.example.com/simple", "extra-index-url", True),
    ("https://pypi.example.com/other", "extra-index-url", False),
    ("https://pypi.example.com/simple/../../evil", "extra-index-url", False),
    ("https://pypi.example.com/simple/%2e%2E/evil", "extra-index-url", False),
    ("https://pypi.example.com./simple", "extra-index-url", False),
    ("https://pypi.example.com\\@evil.io/simple", "extra-index-url", False),
])
def test_url_entries_match_scheme_host_and_path_exactly(target: str, kind: str, ok: bool) -> None:
    got = accepted(src(target, kind), "requirements.txt", ("https://pypi.example.com/simple",))
    assert (got is not None) is ok


@pytest.mark.parametrize(("source", "manifest", "allowed", "ok"), [
    (src("wheels.example", "trusted-host"), "requirements.txt", ("wheels.example",), True),
    (src("wheels.example.evil", "trusted-host"), "requirements.txt", ("wheels.example",), False),
    (src("https://wheels.example/x", "find-links"), "requirements.txt", ("wheels.example",), True),
    (src("http://wheels.example/x", "find-links"), "requirements.txt", ("wheels.example",), False),
    (src("./vendor/wheels", "find-links"), "requirements.txt", ("vendor/wheels",), True),
    (src("../vendor/wheels", "find-links"), "sub/requirements.txt", ("vendor/wheels",), True),
    (src("./vendor/wheels/../../etc", "find-links"), "requirements.txt", ("vendor/*",), False),
    (src("./vendor-evil", "path"), "requirements.txt", ("vendor",), False),
    (src("./libs/core", "path"), "requirements.txt", ("libs/*",), True),
    (src(".", "path"), "requirements.txt", (), True),  # the project itself
    (src(".", "path"), "tools/requirements.txt", (), True),
    (src("..", "path"), "tools/requirements.txt", (), False),
    (src("/opt/pkg", "path"), "requirements.txt", ("/opt/pkg",), False),
    (src("https://pypi.org/simple", "index-url"), "requirements.txt", (), True),
    (src("https://pypi.org.evil.io/simple", "index-url"), "requirements.txt", (), False),
    (src("pypi.org", "trusted-host"), "requirements.txt", (), False),
    (src("true", "uv workspace"), "pyproject.toml", (), True),
])
def test_host_and_path_entries(source: Source, manifest: str, allowed: tuple[str, ...],
                               ok: bool) -> None:
    assert (accepted(source, manifest, allowed) is not None) is ok


# --- policy keys --------------------------------------------------------------------------------


def deps_settings(body: str) -> DepsSettings:
    return load_policy(f"tiers: [low]\nlanes: {{low: [deps]}}\ndeps:\n{body}", "test.yaml").deps


def test_policy_keys_and_their_defaults() -> None:
    defaults = deps_settings("  service: pypi\n")
    assert (defaults.sources, defaults.unaudited, defaults.allowed_sources) == \
        ("pending", "pending", ())
    strict = deps_settings("  sources: block\n  allowed_sources: ['https://corp.example/simple']\n")
    assert strict.action(strict.sources) == "block"
    assert strict.allowed_sources == ("https://corp.example/simple",)


@pytest.mark.parametrize(("value", "action"), [("medium", "report"), ("high", "block"),
                                               ("pending", "pending"), ("report", "report")])
def test_older_severity_values_of_unaudited_keep_their_meaning(value: str, action: str) -> None:
    settings = deps_settings(f"  unaudited: {value}\n")
    assert settings.action(settings.unaudited) == action


@pytest.mark.parametrize("body", ["  sources: allow\n", "  sources: high\n",
                                  "  allowed_sources: ['https://']\n",
                                  "  allowed_sources: ['*']\n",
                                  "  allowed_sources: 'https://corp.example'\n"])
def test_bad_values_name_the_key(body: str) -> None:
    with pytest.raises(PolicyError, match="deps"):
        deps_settings(body)


# --- hostile changes, judged end to end through the library --------------------------------------


@pytest.fixture
def audited(seeded: Repo) -> Repo:
    db = seeded.root / "advisories" / "vulns" / "demo-lib"
    db.mkdir(parents=True)
    (db / "PYSEC-2099-1.yaml").write_text(ADVISORY)
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n")
    seeded.write("requirements.txt", "safe-lib==2.0.0\n")
    seeded.git("add", "advisories")
    seeded.commit("policy, advisories, requirements")
    return seeded


def judge(repo: Repo) -> tuple[Decision, StageResult]:
    decision = check(Request(SourceKind.STAGED, cwd=repo.root))
    return decision, next(r for r in decision.results if r.stage == "deps")


def rules(result: StageResult) -> set[tuple[str, str, int | None]]:
    return {(f.rule, f.path, f.line) for f in result.findings}


@pytest.mark.parametrize("line", ["--extra https://evil.example/simple",
                                  "-ihttps://evil.example/simple",
                                  "--find-links\t./wheels",
                                  "--trusted evil.example",
                                  "evil @ https://evil.example/evil-1.0.tar.gz",
                                  "https://evil.example/demo_lib-1.4.2-py3-none-any.whl",
                                  "git+https://evil.example/x.git#egg=x",
                                  "-e ./vendor/x",
                                  "-r https://evil.example/more.txt",
                                  "-r ../outside.txt"])
def test_a_new_source_waits_for_a_person(audited: Repo, line: str) -> None:
    audited.write("requirements.txt", f"safe-lib==2.0.0\n{line}\n")
    decision, deps = judge(audited)
    assert deps.status.value == "pending" and decision.exit_code == 3, deps.message
    assert ("package-source", "requirements.txt", 2) in rules(deps)
    assert "requirements.txt:2" in deps.message


def test_sources_block_when_the_policy_says_so(audited: Repo) -> None:
    audited.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                  "  sources: block\n")
    audited.commit("strict sources")
    audited.write("requirements.txt", "safe-lib==2.0.0\n--extra https://evil.example/simple\n")
    decision, deps = judge(audited)
    assert deps.status.value == "failed" and decision.exit_code == 1


def test_an_allowed_source_passes_and_a_lookalike_does_not(audited: Repo) -> None:
    audited.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                  "  allowed_sources: ['https://pypi.corp.example/simple']\n")
    audited.commit("corp index")
    audited.write("requirements.txt",
                  "safe-lib==2.0.0\n--extra-index-url https://pypi.corp.example/simple\n")
    decision, deps = judge(audited)
    assert deps.status.value == "passed" and decision.exit_code == 0, deps.message
    audited.write("requirements.txt",
                  "safe-lib==2.0.0\n--extra-index-url https://pypi.corp.example.evil.io/simple\n")
    decision, deps = judge(audited)
    assert deps.status.value == "pending" and decision.exit_code == 3


def test_a_source_the_change_does_not_touch_is_not_a_finding(audited: Repo) -> None:
    audited.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n")
    audited.write("requirements.txt", "safe-lib==2.0.0\n--extra https://corp.example/simple\n")
    audited.commit("an index the team accepted earlier")
    audited.write("requirements.txt", "safe-lib==2.0.0\ndemo-lib==1.4.2\n"
                  "--extra https://corp.example/simple\n")
    decision, deps = judge(audited)
    assert deps.status.value == "passed" and decision.exit_code == 0, deps.message
    audited.write("requirements.txt", "safe-lib==2.0.0\n--extra https://corp2.example/simple\n")
    _, deps = judge(audited)
    assert deps.status.value == "pending"  # a changed source is a new one


def test_a_utf16_requirements_file_with_a_vulnerable_pin(audited: Repo) -> None:
    audited.write("requirements.txt", "safe-lib==2.0.0\ndemo-lib==1.4.1\n".encode("utf-16"))
    decision, deps = judge(audited)
    assert deps.status.value == "failed" and decision.exit_code == 1
    assert ("PYSEC-2099-1", "requirements.txt", 2) in rules(deps)


def test_a_changed_include_with_any_name_is_audited(audited: Repo) -> None:
    audited.write("requirements.txt", "safe-lib==2.0.0\n-r deps.lst\n")
    audited.write("deps.lst", "demo-lib==1.4.1\n--extra https://evil.example/simple\n")
    decision, deps = judge(audited)
    assert ("PYSEC-2099-1", "deps.lst", 1) in rules(deps)
    assert ("package-source", "deps.lst", 2) in rules(deps)
    assert deps.status.value == "failed" and decision.exit_code == 1


def test_includes_are_followed_through_chains_and_loops(audited: Repo) -> None:
    audited.write("requirements.txt", "safe-lib==2.0.0\n-r a.lst\n")
    audited.write("a.lst", "-c sub/b.lst\n")
    audited.write("sub/b.lst", "-r ../a.lst\n-r ../requirements.txt\n-ihttps://evil.example/s\n")
    decision, deps = judge(audited)
    assert ("package-source", "sub/b.lst", 3) in rules(deps)
    assert decision.exit_code == 3


def test_an_unchanged_include_newly_pulled_in_is_not_audited(audited: Repo) -> None:
    audited.write("old.lst", "demo-lib==1.4.1\n")
    audited.commit("an old list")
    audited.write("requirements.txt", "safe-lib==2.0.0\n-r old.lst\n")
    decision, deps = judge(audited)
    assert ("not-audited", "requirements.txt", 2) in rules(deps)
    assert deps.status.value == "pending" and decision.exit_code == 3


def test_uv_index_poetry_source_and_pip_conf(audited: Repo) -> None:
    audited.write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n\n'
                  '[[tool.uv.index]]\nname = "x"\nurl = "https://evil.example/simple"\n\n'
                  '[[tool.poetry.source]]\nname = "y"\nurl = "https://evil2.example/simple"\n')
    audited.write("venv/pip.conf", "[global]\nextra-index-url = https://evil3.example/simple\n")
    audited.write("tools/uv.toml", 'index-url = "https://evil4.example/simple"\n')
    decision, deps = judge(audited)
    found = rules(deps)
    assert {("package-source", "pyproject.toml", 7), ("package-source", "pyproject.toml", 11),
            ("package-source", "venv/pip.conf", 2), ("package-source", "tools/uv.toml", 1)} <= found
    assert deps.status.value == "pending" and decision.exit_code == 3
    tiers = {f.file.path: f.tier for f in decision.classification.files}
    assert tiers["venv/pip.conf"] == "medium" and tiers["tools/uv.toml"] == "medium"


def test_an_unreadable_line_is_pending_and_a_blocking_advisory_wins(audited: Repo) -> None:
    audited.write("requirements.txt", "safe-lib==2.0.0\n--co pins.lst\n")
    decision, deps = judge(audited)
    assert ("not-audited", "requirements.txt", 2) in rules(deps)
    assert decision.exit_code == 3
    audited.write("requirements.txt", "safe-lib==2.0.0\n--co pins.lst\ndemo-lib==1.4.1\n")
    decision, deps = judge(audited)
    assert deps.status.value == "failed" and decision.exit_code == 1


def test_unaudited_is_pending_by_default_and_reported_with_the_older_setting(
        audited: Repo) -> None:
    audited.write("requirements.txt", "safe-lib==2.0.0\n--co pins.lst\n")
    decision, deps = judge(audited)
    assert deps.status.value == "pending" and decision.exit_code == 3
    audited.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                  "  unaudited: medium\n")
    audited.commit("the older form")
    audited.write("requirements.txt", "safe-lib==2.0.0\n--co pins.lst\n--cons\n")
    decision, deps = judge(audited)
    assert deps.status.value == "passed" and decision.exit_code == 0
    assert [f.line for f in deps.findings if f.rule == "not-audited"] == [2, 3]  # never quiet


def test_a_changed_list_included_by_an_untouched_manifest_is_still_read(audited: Repo) -> None:
    audited.write("requirements.txt", "safe-lib==2.0.0\n-r deps.lst\n")
    audited.write("deps.lst", "safe-lib==2.0.0\n")
    audited.write("notes.txt", "- a list item\n-removed in a diff\n")
    audited.commit("an include with another name")
    audited.write("deps.lst", "safe-lib==2.0.0\n--extra https://evil.example/simple\n")
    decision, deps = judge(audited)
    assert ("package-source", "deps.lst", 2) in rules(deps)
    assert decision.exit_code == 3
    audited.commit("accepted")
    audited.write("notes.txt", "- a list item\n-removed in a diff\n-e is a flag\n")
    _, deps = judge(audited)
    assert deps.status.value == "skipped"


# --- parser confusion: a URL the gate reads one way and pip or uv another (attacks2 rows 30-31) ---


CONFUSED_URLS = [
    "https://evil.io\\@pypi.org/simple",  # urllib3 and WHATWG end the host at the backslash
    "https://evil.io\\\\@pypi.org/simple",
    "https://evil.io\\.pypi.org/simple",
    "https://evil.io/\\@pypi.org/simple",
    "https://evil.io\t@pypi.org/simple",
    "https://evil.io @pypi.org/simple",
    "https://evil.io\x00@pypi.org/simple",
    "https://pypi.org\x0b/simple",
    "https://pypi.org/simple\n",
    "https://pyp\u0456.org/simple",  # Cyrillic i
    "https://\uff50\uff59\uff50\uff49.org/simple",  # full width: IDNA maps it, the gate does not
    "https://pypi.org./simple",
    "https://pypi.org:443/simple",
    "https://pypi.org:/simple",
    "https://pypi.org/simple/%2e%2e/evil",
    "https://pypi.org/simple/%2E%2E%2Fevil",
    "https://pypi.org/simple%2f..%2fevil",
    "https://pypi.org/simple/..%5cevil",
    "https://pypi.org/simple/../evil",
    "https://pypi.org%2fsimple@evil.io/simple",
    "https://pypi.org@evil.io/simple",
    "https://a@b@pypi.org/simple",
    "https://[::1]/simple",
    "http://pypi.org/simple",
]


@pytest.mark.parametrize("url", CONFUSED_URLS)
@pytest.mark.parametrize("kind", ["index-url", "extra-index-url", "find-links", "uv url",
                                  "pip-config global.index-url", "uv.lock registry"])
def test_a_url_parsers_may_read_differently_is_never_the_default_index(url: str,
                                                                        kind: str) -> None:
    assert accepted(src(url, kind), "requirements.txt", ()) is None


@pytest.mark.parametrize("url", [u.replace("pypi.org", "pypi.corp.example")
                                 for u in CONFUSED_URLS if ":443" not in u])  # a host: any port
def test_a_url_parsers_may_read_differently_is_never_an_allowed_source(url: str) -> None:
    allowed = ("https://pypi.corp.example/simple", "pypi.corp.example")
    for kind in ("extra-index-url", "find-links", "url", "uv url", "vcs"):
        assert accepted(src(url, kind), "requirements.txt", allowed) is None, (url, kind)


@pytest.mark.parametrize("url", [
    *CONFUSED_URLS,
    "https://pypi.org/simple", "HTTPS://PYPI.ORG/simple/", "https://user:pw@pypi.org/simple",
    "https://evil.io%2f@pypi.org/simple", "https://${USER}:${TOKEN}@pypi.org/simple",
    "https://pypi.org/simple#@evil.io", "https://pypi.org/simple?x=@evil.io",
    "https://pypi.org/simple/@evil.io",
])
def test_whatever_the_gate_vouches_for_pips_own_parser_reads_alike(url: str) -> None:
    """The differential itself: a URL the gate accepts goes to pypi.org for pip's urllib3 too."""
    from urllib.parse import urlsplit

    from pip._vendor.urllib3.util import parse_url

    if accepted(src(url, "index-url"), "requirements.txt", ()) is None:
        return
    assert (parse_url(url).host or "").lower() == "pypi.org"
    assert urlsplit(url).hostname == "pypi.org" and urlsplit(url).port is None


@pytest.mark.parametrize(("target", "manifest", "allowed"), [
    ("file:vendor/%2e%2e/%2e%2e/etc/pkg", "requirements.txt", ("vendor/*",)),
    ("file://evil.example/share/vendor/x", "requirements.txt", ("vendor/*",)),
    ("vendor\\..\\..\\x", "requirements.txt", ("vendor*",)),
    ("vendor/x\t", "requirements.txt", ("vendor/*",)),
    ("file:.", "tools/requirements.txt", ()),
])
def test_local_paths_the_gate_cannot_place_match_nothing(target: str, manifest: str,
                                                         allowed: tuple[str, ...]) -> None:
    expected = None if target != "file:." else "the project itself"
    assert accepted(src(target, "path"), manifest, allowed) == expected


def test_a_backslash_index_is_a_new_source_with_the_default_policy(audited: Repo) -> None:
    audited.write("requirements.txt", "--extra-index-url 'https://evil.io\\@pypi.org/simple'\n"
                  "safe-lib==2.0.0\n"
                  "demo-lib @ https://evil.io\\@files.pythonhosted.org/demo_lib-1.4.2-py3-none-"
                  "any.whl\n")
    decision, deps = judge(audited)
    assert {("package-source", "requirements.txt", 1),
            ("package-source", "requirements.txt", 3)} <= rules(deps)
    assert deps.status.value == "pending" and decision.exit_code == 3


def test_a_backslash_index_never_matches_the_allow_list(audited: Repo) -> None:
    audited.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                  "  allowed_sources: ['https://pypi.corp.example/simple', pypi.corp.example]\n")
    audited.commit("corp index")
    audited.write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n\n'
                  '[[tool.uv.index]]\nname = "corp"\n'
                  'url = "https://evil.io\\\\@pypi.corp.example/simple"\n')
    audited.write("requirements.txt", "--extra-index-url 'https://evil.io\\@pypi.corp.example/"
                  "simple'\nsafe-lib==2.0.0\n--trusted-host 'pypi.corp.example\\@evil.io'\n")
    decision, deps = judge(audited)
    assert {("package-source", "pyproject.toml", 7), ("package-source", "requirements.txt", 1),
            ("package-source", "requirements.txt", 3)} <= rules(deps)
    assert deps.status.value == "pending" and decision.exit_code == 3


# --- a direct URL is a source wherever it points, and its file name is a pin (row 14) ----------


WHEEL = "https://files.pythonhosted.org/packages/0c/cd/1e2e/demo_lib-{}-py3-none-any.whl"


@pytest.mark.parametrize("line", [f"demo-lib @ {WHEEL.format('1.4.1')}", WHEEL.format("1.4.1"),
                                  "./vendor/demo-lib-1.4.1.tar.gz",
                                  "https://pypi.org/simple/demo-lib/demo_lib-1.4.1.zip"])
def test_a_direct_url_on_the_default_host_is_a_source_and_its_pin_is_audited(
        audited: Repo, line: str) -> None:
    audited.write("requirements.txt", f"safe-lib==2.0.0\n{line}\n")
    decision, deps = judge(audited)
    assert {("package-source", "requirements.txt", 2),
            ("PYSEC-2099-1", "requirements.txt", 2)} <= rules(deps)
    assert deps.status.value == "failed" and decision.exit_code == 1


def test_a_fixed_wheel_on_the_default_host_still_waits_for_a_person(audited: Repo) -> None:
    audited.write("requirements.txt", f"safe-lib==2.0.0\ndemo-lib @ {WHEEL.format('1.4.2')}\n")
    decision, deps = judge(audited)
    assert ("package-source", "requirements.txt", 2) in rules(deps)
    assert deps.status.value == "pending" and decision.exit_code == 3


def test_uv_and_poetry_url_dependencies_are_direct_urls(audited: Repo) -> None:
    audited.write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n'
                  'dependencies = ["demo-lib"]\n\n[tool.uv.sources]\n'
                  f'demo-lib = {{ url = "{WHEEL.format("1.4.1")}" }}\n\n'
                  '[tool.poetry.dependencies]\n'
                  f'other = {{ url = "{WHEEL.format("1.4.2").replace("demo_lib", "other")}" }}\n')
    decision, deps = judge(audited)
    found = rules(deps)
    assert {("package-source", "pyproject.toml", 7), ("package-source", "pyproject.toml", 10),
            ("PYSEC-2099-1", "pyproject.toml", 7)} <= found
    assert deps.status.value == "failed" and decision.exit_code == 1


def test_an_allowed_host_vouches_for_the_source_not_for_the_pin(audited: Repo) -> None:
    audited.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                  "  allowed_sources: [files.pythonhosted.org]\n")
    audited.commit("direct wheels from PyPI's file host are fine")
    audited.write("requirements.txt", f"safe-lib==2.0.0\n{WHEEL.format('1.4.1')}\n")
    decision, deps = judge(audited)
    assert ("package-source", "requirements.txt", 2) not in rules(deps)
    assert ("PYSEC-2099-1", "requirements.txt", 2) in rules(deps)
    assert decision.exit_code == 1


# --- pins spelled as specifier sets (row 12) ------------------------------------------------------


@pytest.mark.parametrize("spec", ["demo-lib==1.4.1,<2", "demo-lib<2,==1.4.1", "demo-lib>=1,==1.4.1",
                                  "demo-lib~=1.4.0,==1.4.1", "demo-lib ==1.4.1 , !=1.4.0"])
def test_an_exact_pin_with_agreeing_bounds_is_audited(audited: Repo, spec: str) -> None:
    audited.write("requirements.txt", f"safe-lib==2.0.0\n{spec}\n")
    decision, deps = judge(audited)
    assert ("PYSEC-2099-1", "requirements.txt", 2) in rules(deps)
    assert deps.status.value == "failed" and decision.exit_code == 1


def test_a_range_stays_unpinned(audited: Repo) -> None:
    audited.write("requirements.txt", "safe-lib==2.0.0\ndemo-lib>=1.4.0,<1.4.2\n")
    _, deps = judge(audited)
    assert ("unpinned", "requirements.txt", 2) in rules(deps)


# --- more files that install packages (rows 19-21) ---------------------------------------------


@pytest.mark.parametrize(("path", "body", "line"), [
    ("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n\n[tool.uv]\n'
     'override-dependencies = ["demo-lib==1.4.1"]\n', 6),
    ("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n\n[tool.uv]\n'
     'constraint-dependencies = [\n  "demo-lib==1.4.1",\n]\n', 7),
    ("pyproject.toml", '[tool.hatch.envs.test]\ndependencies = ["demo-lib==1.4.1"]\n', 2),
    ("uv.toml", 'override-dependencies = ["demo-lib==1.4.1"]\n', 1),
    ("setup.cfg", "[options]\nsetup_requires =\n    demo-lib==1.4.1\n", 3),
    ("setup.cfg", "[options]\ninstall_requires =\n    safe-lib==2.0.0\n\n"
     "[options.extras_require]\nsocks =\n    demo-lib==1.4.1\n", 7),
    ("setup.cfg", "[options]\ntests-require = demo-lib==1.4.1\n", 2),
    ("pylock.toml", 'lock-version = "1.0"\ncreated-by = "pip"\n\n[[packages]]\n'
     'name = "demo-lib"\nversion = "1.4.1"\n', 5),
    ("pylock.dev.toml", 'lock-version = "1.0"\n[[packages]]\nname = "demo-lib"\n'
     'version = "1.4.1"\n', 3),
    ("pdm.lock", '[metadata]\ngroups = ["default"]\n\n[[package]]\nname = "demo-lib"\n'
     'version = "1.4.1"\n', 5),
    ("requirements.lock", "# generated by rye\ndemo-lib==1.4.1\n", 2),
    ("requirements-dev.lock", "demo-lib==1.4.1\n", 1),
])
def test_every_file_that_installs_a_pin_is_audited(audited: Repo, path: str, body: str,
                                                   line: int) -> None:
    audited.write(path, body)
    decision, deps = judge(audited)
    assert ("PYSEC-2099-1", path, line) in rules(deps), deps.message
    assert deps.status.value == "failed" and decision.exit_code == 1
    tiers = {f.file.path: f.tier for f in decision.classification.files}
    assert tiers[path] == "medium"


def test_lock_file_indexes_and_download_hosts_are_sources(audited: Repo) -> None:
    audited.write("pylock.toml", 'lock-version = "1.0"\n[[packages]]\nname = "safe-lib"\n'
                  'version = "2.0.0"\nindex = "https://pypi.evil.example/simple"\n'
                  'wheels = [{ url = "https://evil.io\\\\@files.pythonhosted.org/s.whl" }]\n\n'
                  '[[packages]]\nname = "ok"\nversion = "1.0"\nindex = "https://pypi.org/simple"\n'
                  'wheels = [{ url = "https://files.pythonhosted.org/ok-1.0-py3-none-any.whl" }]\n')
    audited.write("pdm.lock", '[[package]]\nname = "x"\nversion = "1.0"\n'
                  'git = "https://github.com/evil/x.git"\n')
    audited.write("requirements.lock", "--extra-index-url https://pypi.evil.example/simple\n"
                  "safe-lib==2.0.0\n")
    decision, deps = judge(audited)
    sources = {(f.path, f.line) for f in deps.findings if f.rule == "package-source"}
    assert sources == {("pylock.toml", 5), ("pylock.toml", 6), ("pdm.lock", 4),
                       ("requirements.lock", 1)}
    assert decision.exit_code == 3


# --- index settings given as environment variables and to easy_install (rows 25, 27) -----------


@pytest.mark.parametrize(("path", "body", "line"), [
    ("pyproject.toml", '[tool.hatch.envs.default.env-vars]\n'
     'PIP_EXTRA_INDEX_URL = "https://pypi.evil.example/simple"\n', 2),
    ("pyproject.toml", '[tool.hatch.envs.default.env-vars]\n'
     'UV_EXTRA_INDEX_URL = "https://pypi.evil.example/simple"\n', 2),
    ("pyproject.toml", '[tool.tox.env_run_base.set_env]\n'
     'UV_INDEX_URL = "https://x.example/s"\n', 2),
    ("pyproject.toml", '[tool.pdm.scripts.test]\ncmd = "pytest"\n'
     'env = { PIP_TRUSTED_HOST = "evil.example" }\n', 3),
    ("pyproject.toml", '[tool.pixi.pypi-options]\n'
     'extra-index-urls = ["https://pypi.evil.example/simple"]\n', 2),
    ("pyproject.toml", '[tool.hatch.envs.ci.env-vars]\nPIP_NO_INDEX = true\n', 2),
    ("pyproject.toml", '[tool.hatch.envs.ci.env-vars]\n'
     'UV_PYTHON_INSTALL_MIRROR = "https://evil.example/python"\n', 2),
    ("setup.cfg", "[easy_install]\nindex_url = https://pypi.evil.example/simple\n", 2),
    ("setup.cfg", "[easy_install]\nfind-links = https://evil.example/eggs\n", 2),
])
def test_index_settings_in_tool_tables_are_sources(audited: Repo, path: str, body: str,
                                                   line: int) -> None:
    audited.write(path, body)
    decision, deps = judge(audited)
    assert ("package-source", path, line) in rules(deps), deps.message
    assert deps.status.value == "pending" and decision.exit_code == 3


def test_the_default_index_named_in_a_tool_table_needs_no_person(audited: Repo) -> None:
    audited.write("setup.cfg", "[easy_install]\nindex_url = https://pypi.org/simple\n")
    audited.write("pyproject.toml", '[tool.hatch.envs.default.env-vars]\n'
                  'PIP_INDEX_URL = "https://pypi.org/simple"\nOTHER = "https://evil.example"\n')
    decision, deps = judge(audited)
    assert deps.status.value == "passed" and decision.exit_code == 0, deps.message
