"""What a run inside GitHub Actions leaves behind: step outputs, the step summary, annotations, and
a log the change cannot command.

The runner reads workflow commands from the step's output: ``::command::`` at the start of a line,
and the legacy ``##[command]`` anywhere in a line. The report quotes the change (paths, matched
lines, finding messages), so a draft could print ``##[error]`` or worse into the log. While the
report prints, command processing is stopped with ``::stop-commands::`` and a token nobody can
guess; the gate's own annotations follow once it is resumed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from gates.model import Decision


def in_actions(environ: Mapping[str, str]) -> bool:
    """True inside a GitHub Actions step."""
    return environ.get("GITHUB_ACTIONS") == "true"


@contextlib.contextmanager
def quiet_commands(out: TextIO, environ: Mapping[str, str]) -> Iterator[None]:
    """Stop workflow-command processing while untrusted text is printed to the log.

    Nothing is written when ``out`` is a regular file (``> report.json``): the runner does not read
    it, and a JSON or SARIF file must stay exactly that.
    """
    if not in_actions(environ) or _regular_file(out):
        yield
        return
    token = secrets.token_hex(16)
    out.write(f"::stop-commands::{token}\n")
    out.flush()
    try:
        yield
    finally:
        out.write(f"\n::{token}::\n")
        out.flush()


class _JsonSafe:
    """A JSON stream in which the runner's legacy ``##[`` never appears.

    In JSON, ``[`` outside a string is syntax and never follows ``##``; inside a string
    ``\\u005b`` is the same character. A ``::`` command needs the start of a line, where JSON has
    only indentation, a quote or a bracket.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._tail = ""

    def write(self, text: str) -> int:
        text = self._tail + text
        # Hold back a trailing "#" or "##": the "[" may arrive in the next write.
        keep = len(text) - len(text.rstrip("#"))
        keep = min(keep, 2)
        self._tail = text[len(text) - keep:] if keep else ""
        body = text[:len(text) - keep] if keep else text
        self._out.write(body.replace("##[", "##\\u005b"))
        return len(text)

    def flush(self) -> None:
        self._out.write(self._tail.replace("##[", "##\\u005b"))
        self._tail = ""
        self._out.flush()


def json_safe(out: TextIO) -> TextIO:
    """``out`` for a JSON document printed to the Actions log."""
    return _JsonSafe(out)  # type: ignore[return-value]


def publish(decision: Decision, environ: Mapping[str, str], out: TextIO) -> None:
    """Step outputs, the step summary (the comment's Markdown) and annotations on ``out``."""
    from gates.report import markdown
    from gates.report.annotations import render as annotate

    outputs = {"outcome": decision.outcome.value, "tier": decision.classification.tier,
               "lane": ",".join(decision.lane), "exit-code": str(decision.exit_code)}
    _append(environ.get("GITHUB_OUTPUT"), "".join(_output(k, v) for k, v in outputs.items()))
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        _append(summary, markdown.markdown(decision) + "\n")
    annotate(decision, out)
    out.flush()


def set_output(environ: Mapping[str, str], key: str, value: str) -> None:
    """One step output (nothing outside a step)."""
    _append(environ.get("GITHUB_OUTPUT"), _output(key, value))


def _output(key: str, value: str) -> str:
    """One output in the multi-line form, so no value can smuggle in another key."""
    delimiter = f"draftgate_{secrets.token_hex(8)}"
    return f"{key}<<{delimiter}\n{value}\n{delimiter}\n"


def _append(path: str | None, text: str) -> None:
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(text)


def _regular_file(out: TextIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(out.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False  # not a real file descriptor (a test's StringIO): treat as the log

