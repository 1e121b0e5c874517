"""An interrupted gate (Ctrl-C, a CI runner's SIGTERM, a closed terminal) leaves no tool running.

Tools run in sessions of their own so a timeout can kill their whole process group; that also
shields them from the signals meant for the gate, so the gate must kill them itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import Repo


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stopped_gate_kills_the_tools_it_started(seeded: Repo, tmp_path: Path,
                                                   signum: signal.Signals) -> None:
    pidfile = tmp_path / "grandchild.pid"
    seeded.write(".gate.yaml", f"""\
extends: default
stages:
  long:
    run: [sh, -c, 'sleep 300 & echo $! > "$0"; wait', "{pidfile}"]
    timeout: 600
    tiers: [low]
""")
    seeded.commit("policy")
    seeded.write("app/main.py", "def main():\n    return 2\n")
    gate = subprocess.Popen([sys.executable, "-m", "gates", "check", "--format", "json"],
                            cwd=seeded.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while not (pidfile.exists() and pidfile.read_text().strip()):
            assert gate.poll() is None, gate.communicate()
            assert time.monotonic() < deadline, "the command stage never started"
            time.sleep(0.05)
        grandchild = int(pidfile.read_text())
        assert alive(grandchild)
        gate.send_signal(signum)
        out, err = gate.communicate(timeout=30)
    finally:
        if gate.poll() is None:
            gate.kill()
    assert gate.returncode == 128 + signum, (gate.returncode, err)
    assert f"gate: aborted ({signum.name}): no decision was made" in err
    assert "Traceback" not in err
    assert '"outcome": "pass"' not in out
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(grandchild):
        os.kill(grandchild, signal.SIGKILL)
        pytest.fail("the command stage's child outlived the gate")
