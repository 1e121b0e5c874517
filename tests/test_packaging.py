"""Every package of gates/ is in the wheel: setuptools packs only the packages pyproject lists,
and an editable install hides a missing one (pre-commit's non-editable install does not)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_under_gates_is_listed() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for init in (ROOT / "gates").rglob("__init__.py")}
    assert found and found <= listed, sorted(found - listed)
