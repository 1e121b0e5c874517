"""Renderers of one ``Decision`` (or one ``Classification`` for ``gate explain``).

Renderers never decide: they only turn values into text. Each format is one module, registered here
by name and imported only when used, so JSON output never pays for rich.
"""

from __future__ import annotations

import importlib
from typing import Protocol, TextIO

from gates.model import Decision

FORMATS = {
    "terminal": "gates.report.terminal",
    "json": "gates.report.json",
    "sarif": "gates.report.sarif",
    "markdown": "gates.report.markdown",
    "annotations": "gates.report.annotations",
}


class Renderer(Protocol):
    """What a format module provides."""

    def __call__(self, decision: Decision, out: TextIO, *, explain: bool = False) -> None: ...


def render(name: str, decision: Decision, out: TextIO, *, explain: bool = False) -> None:
    """Render ``decision`` in format ``name`` to ``out``."""
    renderer: Renderer = importlib.import_module(FORMATS[name]).render
    renderer(decision, out, explain=explain)
