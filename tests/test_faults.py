"""Fail closed: a scanner or audit that is missing, crashes, talks nonsense or hangs is exit 4.

Each fault is a real executable placed first on PATH in place of the real tool.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import Repo

FAULTS = {
    "crash": "#!/bin/sh\necho 'Traceback: boom' >&2\nexit 2\n",
    "garbage": "#!/bin/sh\necho 'this is not json'\nexit 0\n",
    "empty-success": "#!/bin/sh\nexit 0\n",
    "hang": "#!/bin/sh\nsleep 30\n",
}


def path_with(tmp_path: Path, tool: str, script: str | None) -> dict[str, str]:
    """PATH with ``tool`` replaced by ``script`` (None: absent), other tools still real."""
    fake = tmp_path / "fake-bin"
    fake.mkdir(exist_ok=True)
    real = Path(sys.executable).parent
    for other in ("bandit", "semgrep", "pip-audit", "python", "python3"):
        if other != tool and (real / other).exists():
            link = fake / other
            if not link.exists():
                link.symlink_to(real / other)
    if script is not None:
        target = fake / tool
        target.write_text(script)
        target.chmod(0o755)
    git = shutil.which("git")
    assert git
    return {"PATH": f"{fake}:{Path(git).parent}:/bin"}


@pytest.fixture
def low_change(seeded: Repo) -> Repo:
    seeded.write(".gate.yaml", "extends: default\nsast: {timeout: 2}\ndeps: {timeout: 2}\n")
    seeded.commit("policy with short timeouts")
    seeded.write("app/main.py", "def main():\n    return 2\n")
    return seeded


@pytest.mark.parametrize("tool", ["bandit", "semgrep"])
@pytest.mark.parametrize("fault", [None, *FAULTS])
def test_scanner_faults_are_tool_failures(low_change: Repo, tmp_path: Path, tool: str,
                                          fault: str | None) -> None:
    env = path_with(tmp_path, tool, FAULTS[fault] if fault else None)
    data = low_change.gate_json("--no-cache", env=env)
    sast = next(s for s in data["stages"] if s["name"] == "sast")
    assert sast["status"] == "error", sast
    assert tool in sast["message"]
    assert data["outcome"] == "tool-failure" and data["exit_code"] == 4
    if fault is None:
        assert "not installed" in sast["message"]
    if fault == "hang":
        assert "did not finish within 2 s" in sast["message"]


def test_a_stage_marked_optional_does_not_fail_the_gate(low_change: Repo, tmp_path: Path) -> None:
    low_change.write(".gate.yaml", "extends: default\noptional:\n  low: [sast]\n")
    low_change.commit("sast optional for low")
    low_change.write("app/main.py", "def main():\n    return 3\n")
    data = low_change.gate_json("--no-cache", env=path_with(tmp_path, "semgrep", None))
    sast = next(s for s in data["stages"] if s["name"] == "sast")
    assert sast["status"] == "skipped" and "optional for tier low" in sast["message"]
    assert data["exit_code"] == 0


REQUIREMENTS_CHANGE = "requests==2.31.0\n"


@pytest.mark.parametrize("fault", [None, "crash", "garbage", "empty-success", "hang"])
def test_pip_audit_faults_without_an_offline_db_fail_closed(low_change: Repo, tmp_path: Path,
                                                           fault: str | None) -> None:
    low_change.write("requirements.txt", REQUIREMENTS_CHANGE)
    env = path_with(tmp_path, "pip-audit", FAULTS[fault] if fault else None)
    data = low_change.gate_json(env=env)
    deps = next(s for s in data["stages"] if s["name"] == "deps")
    assert deps["status"] == "error", deps
    assert data["exit_code"] == 4


def test_real_pip_audit_offline_is_an_error_not_clean(low_change: Repo) -> None:
    # The test environment points every proxy at a closed port: pip-audit cannot reach PyPI.
    low_change.write("requirements.txt", REQUIREMENTS_CHANGE)
    data = low_change.gate_json()
    deps = next(s for s in data["stages"] if s["name"] == "deps")
    assert deps["status"] == "error"
    assert "offline_db" in deps["message"]
    assert data["exit_code"] == 4
    assert os.environ["HTTPS_PROXY"].startswith("http://127.0.0.1")
