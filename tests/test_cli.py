"""The ``gate`` command as people run it: exit codes, reports, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Repo

pytestmark = pytest.mark.cli  # the console script's contract: real processes


def test_low_risk_change_passes(seeded: Repo) -> None:
    seeded.write("app/main.py", "def main():\n    return 2\n")
    done = seeded.gate("check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tier LOW" in done.stdout
    assert "lane: sast → deps" in done.stdout


def test_high_risk_change_awaits_approval(seeded: Repo) -> None:
    seeded.write("auth/login.py", "def login():\n    return True\n")
    done = seeded.gate("check", "--staged")
    assert done.returncode == 3
    assert "tier HIGH" in done.stdout
    assert "auth/login.py" in done.stdout
    assert "auth.path" in done.stdout
    assert "PENDING (exit 3)" in done.stdout
    assert "approval" in done.stdout


def test_json_report_schema(seeded: Repo) -> None:
    seeded.write("auth/login.py", "def login():\n    return True\n")
    seeded.write("app/main.py", "def main():\n    return 3\n")
    data = seeded.gate_json()
    assert data["schema_version"] == 1
    assert data["outcome"] == "pending" and data["exit_code"] == 3
    assert data["tier"] == "high"
    assert data["lane"] == ["sast", "deps", "review", "approval"]
    assert data["summary"] == {"files": 2, "added": 3, "removed": 1,
                               "by_tier": {"low": 1, "high": 1}}
    assert {s["name"]: s["status"] for s in data["stages"]} == {
        "sast": "passed", "deps": "skipped", "review": "pending", "approval": "pending"}
    login = next(f for f in data["files"] if f["path"] == "auth/login.py")
    assert login["matches"][0] == {
        "rule": "auth.path", "category": "auth", "kind": "path", "tier": "high",
        "pattern": "**/auth/**", "side": "path", "line": None, "text": "auth/login.py"}
    assert data["policy"]["origin"] == "<default policy>"
    assert len(data["policy"]["digest"]) == 64


def test_explain_lists_every_file_and_rule(seeded: Repo) -> None:
    seeded.write("app/crypto_utils.py", "import os\nkey = hashlib.md5(os.urandom(8))\n",
                 stage=False)
    done = seeded.gate("explain", "app/crypto_utils.py", "app/main.py")
    assert done.returncode == 0
    out = done.stdout
    assert "HIGH    app/crypto_utils.py" in out
    assert "LOW     app/main.py" in out  # files with no match are listed too
    assert "crypto.path" in out and "*crypt*.py" in out
    assert "+2: key = hashlib.md5(os.urandom(8))" in out
    assert r"\bhashlib\.(?:md5|sha1|new)\b" in out  # the pattern that matched


def test_check_explain_shows_low_files(seeded: Repo) -> None:
    seeded.write("app/main.py", "def main():\n    return 2\n")
    assert "app/main.py" not in seeded.gate("check").stdout
    assert "app/main.py" in seeded.gate("check", "--explain").stdout


def test_repository_policy_is_read_from_head_not_the_index(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\ncategories:\n  app:\n    tier: high\n"
                 "    paths: ['app/']\n")
    seeded.commit("policy")
    seeded.write("app/main.py", "def main():\n    return 2\n")
    assert seeded.gate_json()["tier"] == "high"
    # A staged edit that weakens the policy does not judge its own change.
    seeded.write(".gate.yaml", "extends: default\n")
    data = seeded.gate_json()
    assert data["tier"] == "high"
    assert data["policy"]["origin"].endswith(":.gate.yaml")


def test_pr_policy_comes_from_the_base_commit(seeded: Repo) -> None:
    seeded.write(".gate.yaml",
                 "extends: default\ncategories:\n  app: {tier: high, paths: [app/]}\n")
    seeded.commit("policy")
    seeded.git("checkout", "-q", "-b", "feature")
    seeded.write(".gate.yaml", "extends: default\ncategories:\n  auth: {enabled: false}\n")
    seeded.write("app/main.py", "def main():\n    return 9\n")
    seeded.commit("weaken")
    data = seeded.gate_json("--base", "main")
    tiers = {f["path"]: f["tier"] for f in data["files"]}
    assert tiers == {".gate.yaml": "high", "app/main.py": "high"}


def test_explicit_policy_option(seeded: Repo, tmp_path: Path) -> None:
    policy = tmp_path / "strict.yaml"
    policy.write_text("extends: default\ncategories:\n  everything: {tier: medium, paths: ['*']}\n")
    seeded.write("app/main.py", "def main():\n    return 2\n")
    data = seeded.gate_json("--policy", str(policy))
    assert data["tier"] == "medium"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--staged", "--base", "main"], "choose one change source"),
        (["check", "--head", "x"], "--head needs --base"),
        (["check", "--format", "xml"], "Invalid value for '--format'"),
        (["check", "--policy", "missing.yaml"], "cannot read policy missing.yaml"),
        (["frobnicate"], "No such command"),
    ],
)
def test_usage_errors_exit_2_with_one_line(seeded: Repo, args: list[str], message: str) -> None:
    done = seeded.gate(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_not_a_repository(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "gates", "check"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("gate: error: not a git repository")


def test_console_script_and_version(seeded: Repo) -> None:
    script = Path(sys.executable).with_name("gate")
    gate = str(script) if script.exists() else shutil.which("gate")
    assert gate, "the gate console script is installed with the package"
    done = subprocess.run([gate, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "draftgate" in done.stdout


def test_no_color_and_plain_output(seeded: Repo) -> None:
    seeded.write("auth/login.py", "x = 1\n")
    plain = seeded.gate("check")
    assert "\x1b[" not in plain.stdout  # not a terminal: no escape codes
    forced = seeded.gate("check", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in forced.stdout


def test_hostile_file_names_cannot_drive_the_terminal(seeded: Repo) -> None:
    name = "auth/\x1b[2J\x1b[32mPASS\x1b[0m\u202e.py"
    seeded.write(name, "x = 1\n")
    done = seeded.gate("check", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[2J" not in done.stdout
    assert "\u202e" not in done.stdout
    assert "\\x1b[2J" in done.stdout and "\\u202e" in done.stdout


def test_internal_errors_are_tool_failures_not_passes(seeded: Repo) -> None:
    # A git directory that git cannot read: the gate must fail closed, not pass.
    seeded.write("app/main.py", "def main():\n    return 2\n")
    index = seeded.root / ".git" / "index"
    index.write_bytes(b"DIRC garbage")
    done = seeded.gate("check")
    assert done.returncode in (2, 4)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_json_output_is_valid_even_for_an_empty_change(seeded: Repo) -> None:
    done = seeded.gate("check", "--format", "json")
    data = json.loads(done.stdout)
    assert data["files"] == [] and data["lane"] == [] and data["outcome"] == "pass"
    assert done.returncode == 0


def test_python_dash_m(seeded: Repo) -> None:
    done = subprocess.run([sys.executable, "-m", "gates", "--help"], capture_output=True,
                          text=True, check=False, env={**os.environ})
    assert done.returncode == 0 and "check" in done.stdout


def test_json_format_prints_a_document_on_errors(seeded: Repo) -> None:
    done = seeded.gate("check", "--base", "nope", "--format", "json")
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert data["outcome"] == "error" and data["exit_code"] == 2
    assert "unknown revision" in data["error"]


def test_closed_pipe_keeps_the_decision_exit_code(seeded: Repo) -> None:
    for i in range(40):
        seeded.write(f"auth/m{i}.py", "x = 1\n")
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; '{sys.executable}' -m gates check --explain | head -1"],
        cwd=seeded.root, capture_output=True, text=True, check=False)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr


def test_error_lines_escape_control_characters(seeded: Repo) -> None:
    done = seeded.gate("check", "zz\x1b]0;pwn\x07")
    assert done.returncode == 2
    assert "\x1b" not in done.stderr and "\\x1b" in done.stderr


def test_verbose_is_explain(seeded: Repo) -> None:
    seeded.write("tests/test_app.py",  # an assert for bandit's B101 note
                 "from app.main import main\n\n\ndef test_main():\n    assert main() == 1\n")
    explained = seeded.gate("check", "--explain")
    assert "bandit B101" in explained.stdout  # the note the default folds
    for spelling in ("--verbose", "-v"):
        done = seeded.gate("check", spelling)
        assert (done.returncode, done.stdout) == (explained.returncode, explained.stdout)
