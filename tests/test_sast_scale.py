"""bandit over a large change runs as one process per core, and reports what one process would
(issue 17: SAST at scale)."""

from __future__ import annotations

import os
from pathlib import Path

from gates.scanners.bandit import CHUNK

from .conftest import Repo, logged_scanners

UNSAFE = "import yaml\n\n\ndef load_{n}(f):\n    return yaml.load(f, Loader=yaml.Loader)\n"
PLAIN = "def add_{n}(a, b):\n    return a + b\n"


def test_a_split_scan_finds_everything_one_scan_finds(seeded: Repo, tmp_path: Path) -> None:
    count = 2 * CHUNK + 10
    unsafe = {n for n in range(count) if n % 7 == 0}
    for n in range(count):
        seeded.write(f"app/m{n:03d}.py", (UNSAFE if n in unsafe else PLAIN).format(n=n))
    seeded.write("app/broken.py", "def oops(:\n")
    env, runs = logged_scanners(tmp_path)
    data = seeded.gate_json("--no-cache", env=env)
    sast = next(s for s in data["stages"] if s["name"] == "sast")
    flagged = {f["path"] for f in sast["findings"] if f["tool"] == "bandit" and f["rule"] == "B506"}
    assert flagged == {f"app/m{n:03d}.py" for n in unsafe}
    assert sast["status"] == "error" and "app/broken.py" in sast["message"]  # one chunk's error
    assert "did not scan" not in sast["message"]
    starts = runs.read_text().splitlines()
    assert sum(1 for line in starts if line.startswith("bandit")) == min(os.cpu_count() or 1, 2)
