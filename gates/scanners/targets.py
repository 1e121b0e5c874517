"""What each judged file is to the scanners, and the Python text they read for it.

Python runs more than ``*.py``: stubs (``.pyi``), ``.pyw``, scripts named by their ``#!`` line,
Cython that happens to be Python syntax, and the code cells of notebooks. bandit scans any path it
is given; semgrep picks a language by suffix and silently passes over ``tool`` or ``app.pyw``. So a
file semgrep would not read as Python is copied (a notebook: its code cells, translated) to a
*sidecar* ending in ``.py`` outside the workspace, and the findings are mapped back to the file.
A file that cannot be read as Python at all (Cython syntax, a notebook that is not notebook JSON,
a Python file git calls binary) is *not scanned*: a separate state, never "clean".
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gates import decode
from gates.model import ChangedFile, FileStatus

if TYPE_CHECKING:
    from gates.notebooks import NotebookCode
# gates.notebooks (its JSON reading and line maps) loads only when a notebook is scanned.

SEMGREP_PYTHON = (".py", ".pyi")  # suffixes semgrep reads as Python by itself
SIDECAR_PYTHON = (".pyw",)  # Python that semgrep only reads through a sidecar
CYTHON = (".pyx", ".pxd", ".pxi")


@dataclass(frozen=True, slots=True)
class Target:
    """One judged file: what bandit and semgrep are given for it (None: that tool skips it).

    ``bandit``/``semgrep`` are relative to the workspace root, or absolute for a sidecar; ``text``
    is the file the scanned lines come from (the file itself, or its sidecar).
    """

    path: str
    bandit: str | None
    semgrep: str | None
    text: Path
    notebook: NotebookCode | None = None

    @property
    def python(self) -> bool:
        """True when the scanners read this target as Python."""
        return self.bandit is not None


@dataclass(frozen=True, slots=True)
class Plan:
    """The targets, and the files that cannot be scanned with the reason (the stage pends)."""

    targets: tuple[Target, ...]
    unscanned: tuple[tuple[str, str], ...]

    def by_path(self) -> dict[str, Target]:
        """The targets by their path in the change."""
        return {t.path: t for t in self.targets}


def plan(root: Path, paths: Iterable[str], sidecars: Path) -> Plan:
    """Decide how each of ``paths`` (under ``root``) is scanned; sidecars go under ``sidecars``."""
    targets: list[Target] = []
    unscanned: list[tuple[str, str]] = []
    for index, path in enumerate(paths):
        source = root / path
        lower = path.lower()
        sidecar = sidecars / f"{index}.py"
        if decode.is_notebook(path):
            from gates import notebooks

            code = notebooks.code(_read(source))
            if code is None:
                unscanned.append((path, "not notebook JSON: Jupyter cannot run it, the gate "
                                  "cannot read it"))
            elif code.text:
                _write(sidecar, code.text.encode("utf-8", "surrogatepass"))
                targets.append(Target(path, str(sidecar), str(sidecar), sidecar, code))
        elif lower.endswith(CYTHON):
            content = _read(source)
            if _parses(content):
                _write(sidecar, content)
                targets.append(Target(path, path, str(sidecar), source))
            else:
                unscanned.append((path, "Cython syntax: bandit and semgrep read only Python, "
                                  "so nobody's scanner has read this file"))
        elif path.endswith(SEMGREP_PYTHON):
            targets.append(Target(path, path, path, source))
        elif lower.endswith((*SEMGREP_PYTHON, *SIDECAR_PYTHON)) or is_python_script(source):
            # semgrep matches suffixes case-sensitively: it passes over app/Views.PY, which
            # Python imports on a case-insensitive file system.
            _write(sidecar, _read(source))
            targets.append(Target(path, path, str(sidecar), source))
        else:
            targets.append(Target(path, None, path, source))
    return Plan(tuple(targets), tuple(unscanned))


def is_python_script(path: Path) -> bool:
    """Whether the kernel (or ``sh``) would run ``path`` with a Python interpreter.

    ``#!/usr/bin/env python3``, ``#! /usr/bin/python3.11``, ``#!/usr/bin/env -S python3 -u``,
    ``#!/usr/bin/env -S uv run --script``, and the ``#!/bin/sh`` + ``exec python "$0"`` polyglot.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(2048)
    except OSError:
        return False
    # One answer to "is this Python?" for classification, the unicode check and the scanners.
    return decode.is_python(path.name, head)


def hidden_as_binary(files: Iterable[ChangedFile],
                     written: Iterable[str]) -> list[tuple[str, str]]:
    """Python-looking files git calls binary whose content could not be written for scanning."""
    present = set(written)
    out = []
    for file in files:
        lower = file.path.lower()
        if file.binary and file.status is not FileStatus.DELETED and file.path not in present \
                and lower.endswith((*SEMGREP_PYTHON, *SIDECAR_PYTHON, *CYTHON,
                                    decode.NOTEBOOK_SUFFIX)):
            out.append((file.path, "git treats it as binary and its content was not readable"))
    return out


def _parses(content: bytes) -> bool:
    try:
        ast.parse(content)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
