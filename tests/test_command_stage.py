"""Command stages from the policy: argv, no shell, timeout, working directory, tiers."""

from __future__ import annotations

from .conftest import Repo

POLICY = """\
extends: default
stages:
  unit-tests:
    run: [python3, -c, "import pathlib, sys; sys.exit(0 if pathlib.Path('ok').exists() else 3)"]
    cwd: app
    timeout: 20
    tiers: [high]
  slow:
    run: [sleep, "30"]
    timeout: 1
lanes:
  low: [sast, deps]
  medium: [sast, deps, slow]
  high: [sast, deps, review, approval]
"""


def stage(data: dict, name: str) -> dict:
    return next(s for s in data["stages"] if s["name"] == name)


def test_command_runs_for_its_tiers_and_blocks_on_failure(seeded: Repo) -> None:
    seeded.write(".gate.yaml", POLICY)
    seeded.commit("policy")
    seeded.write("auth/login.py", "def login():\n    return True\n")
    data = seeded.gate_json()
    assert data["lane"] == ["sast", "deps", "review", "approval", "unit-tests"]
    tests = stage(data, "unit-tests")
    assert tests["status"] == "failed" and "exited 3" in tests["message"], tests
    assert data["exit_code"] == 1
    (seeded.root / "app" / "ok").write_text("")
    data = seeded.gate_json()
    assert stage(data, "unit-tests")["status"] == "passed"
    assert data["exit_code"] == 3  # still waiting for the human approval


def test_command_is_not_run_for_other_tiers(seeded: Repo) -> None:
    seeded.write(".gate.yaml", POLICY)
    seeded.commit("policy")
    seeded.write("app/main.py", "def main():\n    return 7\n")
    data = seeded.gate_json()
    assert "unit-tests" not in data["lane"]


def test_command_timeout_is_a_tool_failure(seeded: Repo) -> None:
    seeded.write(".gate.yaml", POLICY)
    seeded.commit("policy")
    seeded.write("requirements.txt", "requests==2.31.0\n")  # medium tier: runs `slow`
    seeded.write(".gate.yaml", POLICY)
    data = seeded.gate_json()
    slow = stage(data, "slow")
    assert slow["status"] == "error" and "did not finish within 1 s" in slow["message"]
    assert data["exit_code"] == 4


def test_command_arguments_are_never_given_to_a_shell(seeded: Repo, tmp_path) -> None:
    marker = tmp_path / "pwned"
    seeded.write(".gate.yaml", f"""\
extends: default
stages:
  echo:
    run: [echo, "$(touch {marker})", ";", "touch", "{marker}"]
    tiers: [low]
""")
    seeded.commit("policy")
    seeded.write("app/main.py", "def main():\n    return 8\n")
    data = seeded.gate_json()
    assert stage(data, "echo")["status"] == "passed"
    assert not marker.exists()
