"""The package stays ruff-clean and mypy --strict clean (STYLE.md); CI enforces it via pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False)


def test_ruff_is_clean() -> None:
    done = run("ruff", "check", "gates", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_is_clean() -> None:
    done = run("mypy", "--strict", "gates")
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_shell_true_or_unsafe_yaml_in_the_package() -> None:
    offenders = []
    for path in (ROOT / "gates").rglob("*.py"):
        text = path.read_text()
        for needle in ("shell=True", "yaml.load(", "os.system(", "yaml.unsafe_load"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []
