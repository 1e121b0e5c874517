"""Findings in a project's own tests ask for a person instead of blocking (sast.tests).

Real repositories, the real bandit and semgrep, the engine in-process; a few CLI runs at the end
for the exit codes and the JSON report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.engine import Request, check
from gates.model import Decision, Outcome, SourceKind, StageResult, StageStatus
from gates.scanners.testfiles import ASKS, NOTED

from .conftest import Repo, logged_scanners

TLS = "import requests\n\n\ndef test_self_signed(server):\n" \
      "    assert requests.get(server.url, verify=False).ok\n"
PICKLE = "import base64\nimport pickle\n\n\ndef test_legacy_payload():\n" \
         "    assert pickle.loads(base64.b64decode(b'gASVBQAAAAAAAAB9lC4=')) == {}\n"
SHELL = "import subprocess\n\n\ndef test_echo(tmp_path):\n" \
        "    subprocess.check_call('echo hi > ' + str(tmp_path), shell=True)\n"
FIXTURE = "import pytest\nimport requests\n\n\n@pytest.fixture\ndef session():\n" \
          "    s = requests.Session()\n    s.verify = False\n    return s\n\n\n" \
          "def fetch(url):\n    return requests.get(url, verify=False)\n"


def sast(repo: Repo) -> tuple[Decision, StageResult]:
    decision = check(Request(SourceKind.STAGED, cwd=repo.root))
    return decision, next(r for r in decision.results if r.stage == "sast")


def policy(repo: Repo, tests: str) -> None:
    """Commit a policy with this ``sast.tests`` (only the policy: staged files stay staged)."""
    repo.write(".gate.yaml", f"extends: default\nsast:\n  tests: {tests}\n")
    repo.git("commit", "-q", "-m", "policy", "--", ".gate.yaml")


@pytest.mark.parametrize("code", [TLS, PICKLE, SHELL], ids=["verify-false", "pickle", "shell"])
def test_a_finding_in_a_test_asks_for_a_person_and_in_production_blocks(
        seeded: Repo, code: str) -> None:
    seeded.write("tests/test_it.py", code)
    decision, result = sast(seeded)
    assert result.status is StageStatus.PENDING, result.message
    assert decision.outcome is Outcome.PENDING and decision.exit_code == 3
    asked = [f for f in result.findings if f.note.endswith(ASKS)]
    assert asked and not any(f.blocking for f in result.findings)
    assert all(f.severity in ("medium", "high") for f in asked), "severity is kept"
    assert result.message.startswith(f"{len(asked)} finding")
    assert "in test files ask" in result.message and "tests/test_it.py:" in result.message

    seeded.git("mv", "tests/test_it.py", "app/client.py")
    decision, result = sast(seeded)
    assert result.status is StageStatus.FAILED and decision.outcome is Outcome.BLOCK
    assert not any(ASKS in f.note for f in result.findings)


def test_a_low_tier_test_change_brings_in_the_approval_stage(seeded: Repo) -> None:
    seeded.write("tests/test_tmp.py", "import tempfile\n\n\ndef test_tmp():\n"
                 "    assert tempfile.mktemp()\n")
    decision, result = sast(seeded)
    assert decision.classification.tier == "low"
    assert result.status is StageStatus.PENDING
    assert "approval" in decision.lane and decision.outcome is Outcome.PENDING


@pytest.mark.parametrize("path", ["tests/conftest.py", "conftest.py", "src/pkg/tests/conftest.py",
                                  "Tests/ConfTest.py"])
def test_conftest_findings_block(seeded: Repo, path: str) -> None:
    # pytest loads it in every session under its folder, before any test: not a test.
    seeded.write(path, FIXTURE)
    decision, result = sast(seeded)
    assert result.status is StageStatus.FAILED and decision.exit_code == 1
    assert any(f.blocking and f.path == path for f in result.findings)


@pytest.mark.parametrize("hook", [
    "def pytest_configure(config):\n    pass\n",
    "from tests.plugins.base import pytest_sessionstart\n",
    "class Plugin:\n    def pytest_runtest_setup(self, item):\n        pass\n",
    "import pytest\n\n\n@pytest.hookimpl(tryfirst=True)\ndef setup(item):\n    pass\n",
    "globals()['pytest_' + 'configure'] = fetch\n",
    "import sys\n\nsys.modules[__name__].pytest_configure = fetch\n",
    "import sys\n\nsetattr(sys.modules[__name__], 'pytest_' + 'configure', fetch)\n",
], ids=["def", "import", "method", "hookimpl", "globals", "attribute", "setattr"])
def test_a_file_defining_pytest_hooks_under_tests_is_a_plugin_and_blocks(
        seeded: Repo, hook: str) -> None:
    seeded.write("tests/plugins/tls.py", FIXTURE + "\n\n" + hook)
    assert sast(seeded)[1].status is StageStatus.FAILED


def test_a_test_module_s_own_hook_keeps_it_a_test(seeded: Repo) -> None:
    seeded.write("tests/test_tls.py", TLS + "\n\ndef pytest_generate_tests(metafunc):\n"
                 "    pass\n\n\npytest_plugins = ['tests.fixtures']\n")
    assert sast(seeded)[1].status is StageStatus.PENDING


@pytest.mark.parametrize(("path", "status"), [
    ("src/pkg/tests/test_client.py", StageStatus.PENDING),  # pytest's in-package layout
    ("test/test_client.py", StageStatus.PENDING),
    ("testing/test_client.py", StageStatus.PENDING),
    ("shop/tests.py", StageStatus.PENDING),  # Django's per-app tests module
    ("test_client.py", StageStatus.PENDING),
    ("Tests/test_client.py", StageStatus.PENDING),  # globs ignore case, as elsewhere
    ("src/pkg/test_utils.py", StageStatus.FAILED),  # importable production code
    ("src/pkg/client_test.py", StageStatus.FAILED),
    ("django/test/client.py", StageStatus.FAILED),  # a shipped test framework is production
    ("numpy/testing/utils.py", StageStatus.FAILED),
    ("app/testsuite.py", StageStatus.FAILED),
    ("app/mytests/run.py", StageStatus.FAILED),
])
def test_which_files_are_tests_by_default(seeded: Repo, path: str, status: StageStatus) -> None:
    seeded.write(path, TLS)
    assert sast(seeded)[1].status is status


def test_a_mixed_change_blocks_and_still_names_the_test_finding(seeded: Repo) -> None:
    seeded.write("tests/test_tls.py", TLS)
    seeded.write("app/client.py", TLS.replace("def test_self_signed(server)", "def get(server)"))
    decision, result = sast(seeded)
    assert result.status is StageStatus.FAILED and decision.outcome is Outcome.BLOCK
    assert {f.path for f in result.findings if f.blocking} == {"app/client.py"}
    assert "in test files ask for a person" in result.message


def test_block_and_note_settings(seeded: Repo) -> None:
    policy(seeded, "{findings: block}")
    seeded.write("tests/test_tls.py", TLS)
    result = sast(seeded)[1]
    assert result.status is StageStatus.FAILED
    assert not any(ASKS in f.note or NOTED in f.note for f in result.findings)
    policy(seeded, "{findings: note}")
    decision, result = sast(seeded)
    assert result.status is StageStatus.PASSED and decision.outcome is not Outcome.BLOCK
    noted = [f for f in result.findings if f.note.endswith(NOTED)]
    assert noted and not any(f.blocking for f in result.findings), "shown, never dropped"


def test_block_names_rules_that_block_in_tests_too(seeded: Repo) -> None:
    policy(seeded, "{block: [b602]}")  # bandit ids in any case; semgrep ids in full or short
    seeded.write("tests/test_shell.py", SHELL)
    result = sast(seeded)[1]
    assert result.status is StageStatus.FAILED
    assert {f.rule for f in result.findings if f.blocking} == {"B602"}
    assert any(f.rule == "python-subprocess-shell-true-nonliteral" and ASKS in f.note
               for f in result.findings)


def test_the_policy_s_paths_replace_the_default_s(seeded: Repo) -> None:
    policy(seeded, "{paths: ['spec/']}")
    seeded.write("spec/tls_spec.py", TLS)
    seeded.write("tests/test_tls.py", TLS)
    result = sast(seeded)[1]
    assert {f.path for f in result.findings if f.blocking} == {"tests/test_tls.py"}
    assert any(f.path == "spec/tls_spec.py" and ASKS in f.note for f in result.findings)


def test_invisible_unicode_in_a_test_still_blocks(seeded: Repo) -> None:
    # A person asked to look at a test cannot see what the bidi controls hide.
    seeded.write("tests/test_access.py", 'ROLE = "user\u202e \u2066# admin\u2069 \u2066"\n')
    result = sast(seeded)[1]
    assert result.status is StageStatus.FAILED
    assert any(f.rule == "unicode-bidi" and f.blocking for f in result.findings)


def test_a_key_in_a_test_is_still_a_leak_and_blocks(seeded: Repo) -> None:
    # sast.tests.block keeps the private-key rule blocking: committed is leaked, and the local
    # hook lets a pending change through. The secrets category (tiers) is separate and also sees it.
    body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0" * 4
    key = f"-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n-----END RSA PRIVATE KEY-----\\n"
    seeded.write("tests/test_keys.py", f'KEY = "{key}"\n\n\ndef test_key():\n    assert KEY\n')
    decision, result = sast(seeded)
    assert result.status is StageStatus.FAILED and decision.outcome is Outcome.BLOCK
    assert [f.rule for f in result.findings if f.blocking] == ["python-hardcoded-private-key"]
    [entry] = [c for c in decision.classification.files if c.file.path == "tests/test_keys.py"]
    assert entry.tier == "high" and any(m.category == "secrets" for m in entry.matches)


def test_cached_results_follow_the_policy(seeded: Repo, tmp_path: Path) -> None:
    """The CLI contract, and a policy change judged from the cache without a scanner run."""
    env, log = logged_scanners(tmp_path)
    seeded.write("tests/test_tls.py", TLS)
    done = seeded.gate("check", env=env)
    assert done.returncode == 3, done.stdout + done.stderr
    runs = len(log.read_text().splitlines())
    assert runs >= 2, "the scanners ran (through the logging wrappers)"
    data = seeded.gate_json(env=env)
    assert data["exit_code"] == 3 and data["outcome"] == "pending"
    sast_json = next(s for s in data["stages"] if s["name"] == "sast")
    assert sast_json["status"] == "pending"
    assert any((f["note"] or "").endswith(ASKS) and not f["blocking"]
               for f in sast_json["findings"])
    policy(seeded, "{findings: block}")
    assert seeded.gate("check", env=env).returncode == 1
    assert len(log.read_text().splitlines()) == runs, "judged from the cache"
    seeded.git("mv", "tests/test_tls.py", "app/client.py")
    policy(seeded, "{findings: pending}")
    assert seeded.gate("check", env=env).returncode == 1
