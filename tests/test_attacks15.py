"""Red team of the dependency trust checks as the deps stage wires them (issue 15): a draft that
adds a package nobody vetted (a name the index does not have) must not reach the install while the
checks never see it, or see it as "already there". End to end through the engine, on real
repositories, against the suite's own index on 127.0.0.1 (tests/index_server.py)."""

from __future__ import annotations

import pytest

from gates.engine import Request, check
from gates.model import SourceKind, StageResult, StageStatus

from .conftest import Repo
from .index_server import Index

EVIL = "evil-pkg"  # withdrawn from the index: a hallucinated name an attacker will register
TRUST = {"no-such-package", "new-package", "lookalike", "trust-unchecked"}


@pytest.fixture
def seeded(seeded: Repo, package_index: Index) -> Repo:
    (seeded.root / "advisories" / "vulns").mkdir(parents=True)
    (seeded.root / "advisories" / "vulns" / "README").write_text("no advisories\n")
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n")
    seeded.git("add", "advisories")
    seeded.commit("offline advisories")
    package_index.withdraw(EVIL)
    return seeded


def deps(repo: Repo) -> tuple[int, StageResult]:
    decision = check(Request(SourceKind.STAGED, cwd=repo.root))
    return decision.exit_code, next(r for r in decision.results if r.stage == "deps")


def lay(repo: Repo, files: dict[str, str | None]) -> None:
    for path, text in files.items():
        if text is None:
            repo.git("rm", "-q", "--", path)
        else:
            repo.write(path, text)


def blocked_as_missing(result: StageResult) -> bool:
    return any(f.rule == "no-such-package" and f.blocking and EVIL in f.message
               for f in result.findings)


# (before, after): the change adds evil-pkg; the trust check must find it missing and block.
TRUST_CASES: dict[str, tuple[dict[str, str | None], dict[str, str | None]]] = {
    "case and separators": ({}, {"requirements.txt": "Evil__Pkg==1.0\n"}),
    "dots": ({}, {"requirements.txt": "evil...pkg==1.0\n"}),
    "extras": ({}, {"requirements.txt": "evil-pkg[cli,extra]==1.0\n"}),
    "marker": ({}, {"requirements.txt": "evil-pkg==1.0; python_version >= '3'\n"}),
    "hash": ({}, {"requirements.txt": "evil-pkg==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"}),
    "continuation": ({}, {"requirements.txt": "evil-\\\npkg==1.0\n"}),
    "comment after": ({}, {"requirements.txt": "evil-pkg==1.0  # vetted\n"}),
    "other manifest had it": ({"requirements-dev.txt": "evil-pkg==1.0\n"},
                              {"requirements.txt": "evil-pkg==1.0\n"}),
    "renamed manifest": ({"reqs-old.txt": "attrs==23.2.0\n"},
                         {"reqs-old.txt": None,
                          "requirements.txt": "attrs==23.2.0\nevil-pkg==1.0\n"}),
    "moved manifest": ({"requirements.txt": "attrs==23.2.0\n"},
                       {"requirements.txt": None,
                        "deps/requirements.txt": "attrs==23.2.0\nevil-pkg==1.0\n"}),
    "swapped on its line": ({"requirements.txt": "requests==2.32.0\n"},
                            {"requirements.txt": "evil-pkg==2.32.0\n"}),
    "include changed": ({"requirements.txt": "-r base.lst\n", "base.lst": "attrs==23.2.0\n"},
                        {"base.lst": "attrs==23.2.0\nevil-pkg==1.0\n"}),
    "new include": ({"requirements.txt": "attrs==23.2.0\n"},
                    {"requirements.txt": "attrs==23.2.0\n-r more.lst\n",
                     "more.lst": "evil-pkg==1.0\n"}),
    "dependency group": ({}, {"pyproject.toml": "[dependency-groups]\ndev = ['evil-pkg==1.0']\n"}),
    "optional": ({}, {"pyproject.toml": "[project]\nname = 'a'\nversion = '1'\n"
                                        "[project.optional-dependencies]\nx = ['evil-pkg>=1']\n"}),
    "build requires": ({}, {"pyproject.toml": "[build-system]\nrequires = ['evil-pkg']\n"}),
    "poetry": ({}, {"pyproject.toml": "[tool.poetry.dependencies]\nEvil_Pkg = '^1.0'\n"}),
    "pipfile": ({}, {"Pipfile": "[packages]\nevil-pkg = '==1.0'\n"}),
    "setup.cfg": ({}, {"setup.cfg": "[options]\ninstall_requires =\n    evil-pkg>=1\n"}),
    "pep 723": ({}, {"tool.py": "# /// script\n# dependencies = ['evil-pkg']\n# ///\nprint(1)\n"}),
    "pep 723 no suffix": ({}, {"bin/tool": "#!/usr/bin/env -S uv run --script\n# /// script\n"
                                          "# dependencies = ['evil-pkg']\n# ///\nimport evil\n"}),
    "was a direct url": ({"requirements.txt": "evil-pkg @ https://files.example.com/"
                                              "evil_pkg-1.0-py3-none-any.whl\n"},
                         {"requirements.txt": "evil-pkg==1.0\n"}),
    "was a vcs egg": ({"requirements.txt": "-e git+https://git.example.com/o/evil#egg=evil-pkg\n"},
                      {"requirements.txt": "evil-pkg==1.0\n"}),
}


@pytest.mark.parametrize("case", list(TRUST_CASES))
def test_an_added_package_is_checked_however_it_is_written(seeded: Repo, case: str) -> None:
    before, after = TRUST_CASES[case]
    if before:
        lay(seeded, before)
        seeded.commit("before")
    lay(seeded, after)
    code, result = deps(seeded)
    assert blocked_as_missing(result) and code == 1, (result.message, result.findings)


@pytest.mark.parametrize("policy", ["  trust:\n    allow: [evil-pkg]\n",
                                    "  trust: {enabled: false}\n"])
def test_the_change_cannot_vouch_for_its_own_package(seeded: Repo, policy: str) -> None:
    seeded.write(".gate.yaml", f"extends: default\ndeps:\n  offline_db: advisories\n{policy}")
    seeded.write("requirements.txt", "evil-pkg==1.0\n")
    code, result = deps(seeded)
    assert blocked_as_missing(result) and code == 1, result.findings


def test_an_attacker_index_in_the_file_is_a_source_and_the_name_is_still_asked(
        seeded: Repo) -> None:
    seeded.write("requirements.txt", "--extra-index-url https://pkgs.evil.example/simple/\n"
                                     "evil-pkg==1.0\n")
    code, result = deps(seeded)
    assert {"package-source", "no-such-package"} <= {f.rule for f in result.findings}
    assert code == 1


def test_a_name_is_asked_of_the_index_the_file_sends_pip_to(seeded: Repo,
                                                            package_index: Index) -> None:
    # The environment's index (a company mirror) has internal-tool; the file sends pip to another
    # index the policy accepts, where anyone may have registered the name yesterday. That index
    # (here: nothing listens) is asked too; its silence is never a quiet pass.
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                 "  allowed_sources: [http://127.0.0.1:9/]\n")
    seeded.commit("an accepted index")
    seeded.write("requirements.txt", "--index-url http://127.0.0.1:9/simple/\n"
                                     "internal-tool==1.0\n")
    code, result = deps(seeded)
    unchecked = [f for f in result.findings if f.rule == "trust-unchecked"]
    assert unchecked and "127.0.0.1:9" in unchecked[0].message, result.findings
    assert result.status is StageStatus.PENDING and code == 3


def test_an_index_the_change_names_is_never_contacted_unless_accepted(seeded: Repo) -> None:
    # The gate must not send requests where a change points it (an internal address, from a CI
    # runner): a new, unaccepted index is a package source that asks a person instead.
    import http.server
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
        seeded.write("requirements.txt", f"--extra-index-url {url}\nattrs==23.2.0\n")
        code, result = deps(seeded)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert "package-source" in {f.rule for f in result.findings}
    assert result.status is StageStatus.PENDING and code == 3


def test_a_copied_manifest_is_new(seeded: Repo) -> None:
    """git reports an identical new file as a copy of its twin: the new file is a new install."""
    lay(seeded, {"requirements-dev.txt": "attrs==23.2.0\nevil-pkg==1.0\n"})
    seeded.commit("dev tools")
    seeded.write("requirements.txt", "attrs==23.2.0\nevil-pkg==1.0\n")
    code, result = deps(seeded)
    assert blocked_as_missing(result) and code == 1, result.findings


def test_a_wheel_the_policy_vouches_for_is_not_asked_of_the_index(seeded: Repo,
                                                                  package_index: Index) -> None:
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                 "  allowed_sources: [https://files.example.com/]\n")
    seeded.commit("our wheel host")
    seeded.write("requirements.txt",
                 "evil-pkg @ https://files.example.com/evil_pkg-1.0-py3-none-any.whl\n")
    code, result = deps(seeded)
    assert not TRUST & {f.rule for f in result.findings} and package_index.requests == []
    assert code == 0, result.findings
