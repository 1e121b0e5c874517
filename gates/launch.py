"""The ``gate`` console script: a stored decision when one answers (gates.quick), else the CLI.

Kept tiny on purpose: this module and gates.quick are all a reused decision imports (plus
sqlite3 for its record), so the warm hook costs little more than the interpreter's start.
"""

from __future__ import annotations

import os
import sys


def _keep_the_change_off_the_import_path() -> None:
    """Take the working directory off ``sys.path`` before anything else is imported.

    ``python -m gates`` puts it first, and an empty or relative ``PYTHONPATH`` entry (``export
    PYTHONPATH=$PYTHONPATH:/x`` with it unset) puts it before the standard library for the
    ``gate`` script too: a drafted ``typing.py``, ``yaml.py`` or ``click.py`` at the top of the
    repository under review would run inside the gate. (``gates`` itself is already imported;
    the lines the console script runs before this module cannot be protected.)
    """
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:
        here = ""
    sys.path[:] = [p for p in sys.path
                   if p and os.path.isabs(p) and os.path.realpath(p) != here]


_keep_the_change_off_the_import_path()

import io  # noqa: E402  (after the import path is cleaned, on purpose)
import time  # noqa: E402
from typing import TextIO  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run ``gate ARGV``; the exit code is the decision's (or the error's)."""
    started = time.perf_counter()
    args = list(sys.argv[1:] if argv is None else argv)
    from gates import quick

    if not quick.eligible(args, os.environ):
        return _cli(args)
    named = quick.key(args, os.environ, sys.stdout, sys.stderr)
    if named is not None:
        entry = quick.lookup(*named)
        if entry is not None:
            return quick.replay(named[0], entry, started, sys.stdout, sys.stderr)
        head = quick.head_of(named[0])
        if head is not None:  # semgrep, the slowest scanner, starts now (gates.early)
            from gates import early

            early.start(head, named[0])
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    quick.offered = None
    quick.resolved.clear()
    quick.read_files.clear()
    quick.unsure.clear()
    sys.stdout, sys.stderr = out, err
    try:
        code = _cli(args)
    finally:
        sys.stdout, sys.stderr = out.inner, err.inner
        if "gates.early" in sys.modules:  # an early run the decision did not take
            sys.modules["gates.early"].discard()
    offered, quick.offered = quick.offered, None
    if named is None or offered is None or offered.get("code") != code:
        return code
    # Stored only when the run judged the repository the key named, and HEAD, the branch and the
    # staged tree did not change while it ran (an index edited mid-run must not be stored under
    # the old name).
    same_repo = os.path.realpath(str(offered.get("git_dir"))) == os.path.realpath(named[0])
    if same_repo and out.complete and err.complete and quick.unchanged(named[0]):
        quick.store(named[0], named[1], stdout=out.text(), stderr=err.text(), code=code,
                    record=offered["record"], executables=offered["executables"],
                    files=offered["files"])
    return code


def _cli(args: list[str]) -> int:
    from gates.cli import main as run

    return run(args)


class _Tee(io.TextIOBase):
    """Writes through to ``inner`` and keeps a copy. No ``buffer``: a writer that found one
    would go around the copy."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        self._parts: list[str] = []
        self.complete = True  # False once a write failed (the copy would not be what was shown)

    def write(self, text: str) -> int:
        try:
            written = self.inner.write(text)
        except BaseException:
            self.complete = False
            raise
        self._parts.append(text)
        return written

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")

    def text(self) -> str:
        return "".join(self._parts)


__all__ = ["main"]
