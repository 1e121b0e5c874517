"""The README's walkthrough is a real session: its commands run here, and its output is theirs.

A README block marked ``<!-- run: NAME -->`` is a shell session; the ``<!-- output: NAME -->``
block after it is what those commands print. The test runs every run-block in order in one
scratch directory (a block starts where the previous one ended, as a reader's terminal would),
with the real ``gate``, git, scanners and git hooks, and compares. To regenerate the outputs after
a deliberate change: ``DRAFTGATE_README_UPDATE=1 python -m pytest tests/test_readme.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import GIT_ENV

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"<!-- (run|output): ([\w-]+) -->\n+```[a-z]*\n(.*?)```", re.DOTALL)


def blocks(text: str) -> list[tuple[str, str, str, tuple[int, int]]]:
    """(kind, name, body, span of the body) for every marked block, in order."""
    return [(m.group(1), m.group(2), m.group(3), m.span(3)) for m in BLOCK.finditer(text)]


def session(text: str, scratch: Path) -> dict[str, str]:
    """Run each run-block; the combined output of each, by name."""
    bin_dir = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GIT_", "PRE_COMMIT", "GITHUB_", "DRAFTGATE_"))}
    env.update(GIT_ENV, HOME=str(scratch / "home"), PATH=f"{bin_dir}:{env.get('PATH', '')}",
               NO_COLOR="1", TERM="dumb")
    (scratch / "home").mkdir()
    where = scratch / "work"
    where.mkdir()
    state = scratch / "cwd"
    outputs: dict[str, str] = {}
    for kind, name, body, _ in blocks(text):
        if kind != "run":
            continue
        script = f"set -e\n{body}\npwd > {state}\n"
        done = subprocess.run(["bash", "-c", script], cwd=where, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, check=False, timeout=300)
        output = normalise(done.stdout, scratch)
        assert done.returncode == 0, f"README block {name!r} failed:\n{output}"
        outputs[name] = output
        where = Path(state.read_text().strip())
    return outputs


def normalise(output: str, scratch: Path) -> str:
    """What varies between runs (the scratch path, this checkout's path, commit ids) in a stable
    spelling."""
    output = output.replace(str(scratch / "work"), "~")
    output = output.replace(str(README.parent), "/path/to/draftgate")
    return re.sub(r"\b[0-9a-f]{12}\b", "0123456789ab", output)


def test_the_walkthrough_prints_what_the_readme_says(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        raise AssertionError("bash is needed to run the README's sessions")
    text = README.read_text()
    marked = blocks(text)
    assert any(kind == "run" for kind, *_ in marked), "the README has no runnable walkthrough"
    outputs = session(text, tmp_path)
    expected = {name: body for kind, name, body, _ in marked if kind == "output"}
    assert set(expected) <= set(outputs), "an output block has no run block of its name"
    if os.environ.get("DRAFTGATE_README_UPDATE"):
        for kind, name, _, (start, end) in reversed(marked):
            if kind == "output":
                text = text[:start] + outputs[name] + text[end:]
        README.write_text(text)
        return
    for name, body in expected.items():
        assert outputs[name] == body, f"README output {name!r} is stale:\n{outputs[name]}"
