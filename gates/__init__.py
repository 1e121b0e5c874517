"""draftgate: a merge gate for AI-drafted changes."""

from __future__ import annotations

__version__ = "0.1.0"
