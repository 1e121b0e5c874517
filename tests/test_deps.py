"""The dependency stage on real repositories: offline advisories, introduced vs existing, pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import NO_SHARED_ADVISORY_DB, SHARED_ADVISORY_DB, Repo

ADVISORY = """\
id: PYSEC-2099-1
summary: Request smuggling in demo-lib
aliases: [CVE-2099-0001, GHSA-aaaa-bbbb-cccc]
affected:
- package: {name: demo-lib, ecosystem: PyPI}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: "1.4.2"}]
"""
OLD_ADVISORY = """\
id: PYSEC-2098-7
aliases: [CVE-2098-0007]
affected:
- package: {name: legacy_pkg, ecosystem: PyPI}
  versions: ["0.9.0"]
"""


@pytest.fixture
def audited(seeded: Repo) -> Repo:
    """A repository whose policy points at an offline database the test wrote."""
    db = seeded.root / "advisories" / "vulns"
    (db / "demo-lib").mkdir(parents=True)
    (db / "demo-lib" / "PYSEC-2099-1.yaml").write_text(ADVISORY)
    (db / "legacy-pkg").mkdir()
    (db / "legacy-pkg" / "PYSEC-2098-7.yaml").write_text(OLD_ADVISORY)
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n")
    seeded.write("requirements.txt", "legacy-pkg==0.9.0\nsafe-lib==2.0.0\n")
    seeded.git("add", "advisories")
    seeded.commit("policy, advisories, requirements")
    return seeded


def deps_stage(data: dict) -> dict:
    return next(s for s in data["stages"] if s["name"] == "deps")


def test_a_known_vulnerable_pin_is_blocked_with_the_advisory(audited: Repo) -> None:
    audited.write("requirements.txt", "legacy-pkg==0.9.0\nsafe-lib==2.0.0\ndemo-lib==1.4.1\n")
    data = audited.gate_json()
    deps = deps_stage(data)
    assert deps["status"] == "failed" and data["exit_code"] == 1
    assert "offline database" in deps["message"]  # pip-audit could not reach PyPI: said so
    introduced = [f for f in deps["findings"] if f["rule"] == "PYSEC-2099-1"]
    assert len(introduced) == 1
    finding = introduced[0]
    assert finding["blocking"] and finding["line"] == 3
    assert "CVE-2099-0001" in finding["message"] and "fixed in 1.4.2" in finding["message"]
    assert finding["note"] == "introduced by this change"
    existing = [f for f in deps["findings"] if f["rule"] == "PYSEC-2098-7"]
    assert existing and not existing[0]["blocking"]
    assert existing[0]["note"] == "already present before this change"


def test_the_fixed_version_passes(audited: Repo) -> None:
    audited.write("requirements.txt", "legacy-pkg==0.9.0\nsafe-lib==2.0.0\ndemo-lib==1.4.2\n")
    data = audited.gate_json()
    assert deps_stage(data)["status"] == "passed"
    assert data["exit_code"] == 0


def test_unpinned_requirements_are_reported_not_audited(audited: Repo) -> None:
    audited.write("requirements.txt", "legacy-pkg==0.9.0\nsafe-lib==2.0.0\ndemo-lib>=1.0\n")
    deps = deps_stage(audited.gate_json())
    unpinned = [f for f in deps["findings"] if f["rule"] == "unpinned"]
    assert [f["line"] for f in unpinned] == [3]
    assert "cannot audit an unpinned requirement" in unpinned[0]["message"]


def test_unpinned_severity_comes_from_the_policy(audited: Repo) -> None:
    audited.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                  "  unpinned: high\n")
    audited.commit("strict about pins")
    audited.write("requirements.txt", "legacy-pkg==0.9.0\nsafe-lib\n")
    data = audited.gate_json()
    assert deps_stage(data)["status"] == "failed" and data["exit_code"] == 1


def test_no_manifest_change_skips_the_audit(audited: Repo) -> None:
    audited.write("app/main.py", "def main():\n    return 5\n")
    deps = deps_stage(audited.gate_json())
    assert deps["status"] == "skipped" and "no dependency manifest changed" in deps["message"]


def test_lock_files_are_audited(audited: Repo) -> None:
    audited.write("poetry.lock", '[[package]]\nname = "demo-lib"\nversion = "1.0.0"\n')
    data = audited.gate_json()
    finding = next(f for f in deps_stage(data)["findings"] if f["rule"] == "PYSEC-2099-1")
    assert finding["path"] == "poetry.lock" and finding["line"] == 2


def test_manifests_are_never_executed(audited: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    audited.write("setup.py", f"open({str(marker)!r}, 'w').write('x')\n")
    audited.write("requirements.txt", "legacy-pkg==0.9.0\nsafe-lib==2.0.0\n-e .\n")
    audited.gate_json()
    assert not marker.exists()


def test_shared_advisory_snapshot_if_present(seeded: Repo) -> None:
    shared = SHARED_ADVISORY_DB
    if not shared.is_dir():
        pytest.skip(NO_SHARED_ADVISORY_DB)
    seeded.write(".gate.yaml", f"extends: default\ndeps:\n  offline_db: {shared}\n")
    seeded.commit("policy")
    seeded.write("requirements.txt", "django==3.2.0\n")
    deps = deps_stage(seeded.gate_json())
    ids = {f["rule"] for f in deps["findings"]}
    assert "PYSEC-2021-7" in ids and deps["status"] == "failed"


def test_the_same_pin_in_two_manifests_is_judged_in_each(audited: Repo) -> None:
    audited.write("requirements-dev.txt", "demo-lib==1.4.1\n")
    audited.commit("dev pins an old demo-lib")
    audited.write("requirements-dev.txt", "demo-lib==1.4.1\npytest==8.0.0\n")
    audited.write("requirements.txt", "legacy-pkg==0.9.0\nsafe-lib==2.0.0\ndemo-lib==1.4.1\n")
    deps = deps_stage(audited.gate_json())
    hits = {(f["path"], f["note"]) for f in deps["findings"] if f["rule"] == "PYSEC-2099-1"}
    assert hits == {("requirements-dev.txt", "already present before this change"),
                    ("requirements.txt", "introduced by this change")}
    assert deps["status"] == "failed"


def test_a_new_package_index_and_an_untouched_include_wait_for_a_person(audited: Repo) -> None:
    audited.write("requirements.txt", "legacy-pkg==0.9.0\nsafe-lib==2.0.0\n-r deps/base.txt\n"
                  "--extra-index-url https://pypi.example.invalid/simple\n")
    data = audited.gate_json()
    deps = deps_stage(data)
    rules = {(f["rule"], f["line"], f["blocking"]) for f in deps["findings"]}
    assert ("package-source", 4, False) in rules
    assert ("not-audited", 3, False) in rules
    assert deps["status"] == "pending" and data["exit_code"] == 3
    assert "requirements.txt:3" in deps["message"] and "requirements.txt:4" in deps["message"]


def test_setup_py_and_undecodable_manifests_are_not_audited_not_clean(audited: Repo) -> None:
    audited.write("setup.py", "from setuptools import setup\nsetup()\n")
    audited.write("requirements-extra.txt", b"# coding: no-such-codec\nrequests==2.0.0\n")
    data = audited.gate_json()
    deps = deps_stage(data)
    paths = {f["path"] for f in deps["findings"] if f["rule"] == "not-audited"}
    assert paths == {"setup.py", "requirements-extra.txt"}
    assert "not audited" in deps["message"]
    assert deps["status"] == "pending" and data["exit_code"] == 3


def test_a_utf16_manifest_is_decoded_as_pip_decodes_it(audited: Repo) -> None:
    audited.write("requirements.txt",
                  "legacy-pkg==0.9.0\nsafe-lib==2.0.0\ndemo-lib==1.4.1\n".encode("utf-16"))
    data = audited.gate_json()
    deps = deps_stage(data)
    assert deps["status"] == "failed" and data["exit_code"] == 1
    assert any(f["rule"] == "PYSEC-2099-1" and f["line"] == 3 for f in deps["findings"])


@pytest.mark.parametrize("name", ["deps/base.txt", "deps/base", "pins.lst", "ci/locked.lock",
                                  "deps/base.cfg", "deps/base.UTF16"])
def test_a_pin_bumped_in_a_file_an_untouched_manifest_includes_is_audited(audited: Repo,
                                                                          name: str) -> None:
    """The stage sees only changed files: a changed list that reads as requirements is audited."""
    audited.write("requirements.txt", f"legacy-pkg==0.9.0\n-r {name}\n")
    audited.write(name, "# base pins\ndemo-lib==1.4.2\n")
    audited.commit("requirements include a list")
    body = "# base pins\ndemo-lib==1.4.1\n--pre pip ignores these words\n.\n"
    audited.write(name, body.encode("utf-16") if name.endswith("UTF16") else body.encode())
    data = audited.gate_json()
    deps = deps_stage(data)
    finding = next(f for f in deps["findings"] if f["rule"] == "PYSEC-2099-1")
    assert (finding["path"], finding["line"], finding["blocking"]) == (name, 2, True)
    assert finding["note"] == "introduced by this change"
    assert deps["status"] == "failed" and data["exit_code"] == 1


def test_files_that_only_look_like_lists_are_not_audited(audited: Repo) -> None:
    audited.write(".env", "DEBUG=1\nNAME=app\n")
    audited.write("docs/words.txt", "alpha\nbeta\n")
    audited.write("AUTHORS", "alice@example.com\n")
    audited.write(".gitignore", ".venv\n__pycache__/\n")
    audited.write("app/main.py", "import os\nx==1\n")
    deps = deps_stage(audited.gate_json())
    assert deps["status"] == "skipped"


def test_a_manifest_that_does_not_parse_does_not_hide_the_others(audited: Repo) -> None:
    # deps optional for the tier: a stage error would be "skipped", and the new index with it
    audited.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                  "optional:\n  medium: [deps]\n")
    audited.commit("deps optional")
    audited.write("pyproject.toml", "[project\nname = 'broken'\n")
    audited.write("requirements.txt", "--extra-index-url https://evil.example/simple\n"
                  "legacy-pkg==0.9.0\n")
    data = audited.gate_json()
    deps = deps_stage(data)
    assert deps["status"] == "pending", deps["message"]
    rules = {f["rule"] for f in deps["findings"]}
    assert {"package-source", "not-audited"} <= rules
    assert data["exit_code"] == 3


def test_a_submodule_url_swapped_for_a_fork_needs_a_person(seeded: Repo) -> None:
    seeded.write(".gitmodules", '[submodule "vendor/lib"]\n\tpath = vendor/lib\n'
                 "\turl = https://github.com/upstream/lib.git\n")
    seeded.commit("submodule")
    seeded.write(".gitmodules", '[submodule "vendor/lib"]\n\tpath = vendor/lib\n'
                 "\turl = https://github.com/upstrearn/lib.git\n")
    deps = deps_stage(seeded.gate_json())
    assert deps["status"] == "pending"
    assert any(f["rule"] == "package-source" and "upstrearn" in f["message"]
               for f in deps["findings"])


def test_an_unchanged_submodule_url_is_not_a_finding(seeded: Repo) -> None:
    modules = '[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = https://example.org/l.git\n'
    seeded.write(".gitmodules", modules)
    seeded.commit("submodule")
    seeded.write(".gitmodules", modules + "\tbranch = main\n")
    assert deps_stage(seeded.gate_json())["status"] != "pending"


SCRIPT = '''\
# /// script
# requires-python = ">=3.11"
# dependencies = ["legacy-pkg==0.9.0"]
{uv}# ///
import legacy_pkg
'''


def test_inline_script_metadata_is_audited_and_its_indexes_judged(audited: Repo) -> None:
    audited.write("tools/sync.py", SCRIPT.format(
        uv='# [tool.uv]\n# extra-index-url = ["https://evil.example/simple"]\n'))
    deps = deps_stage(audited.gate_json())
    rules = {f["rule"] for f in deps["findings"]}
    assert "PYSEC-2098-7" in rules and "package-source" in rules, deps
    assert deps["status"] in ("failed", "pending")


def test_a_script_without_metadata_is_not_a_manifest(audited: Repo) -> None:
    audited.write("tools/sync.py", "import os\n")
    assert deps_stage(audited.gate_json())["status"] == "skipped"
