"""Reading GitHub's JSON: a field that is missing, null or of another type reads as empty (or
None), never as a crash, and times are instants, never text.

The API answers what it answers (an Enterprise Server omits fields, a deleted user is null, a
proxy sends an error page with status 200); the approval check decides on what is there and says
what is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def field(mapping: object, *keys: str) -> str:
    """The string at ``mapping[keys[0]][keys[1]]…``, or ``""``."""
    for key in keys:
        mapping = mapping.get(key) if isinstance(mapping, dict) else None
    return mapping if isinstance(mapping, str) else ""


def login_of(user: object) -> str:
    """A user object's login, or ``""`` (a deleted account is null)."""
    return field(user, "login")


def instant(value: object) -> datetime | None:
    """An ISO 8601 time with its zone (``Z`` or an offset); None for anything else.

    Compared as instants: ``10:30:00+01:00`` is before ``10:00:00Z``, whatever the text says.
    """
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def chronological(record: Mapping[str, Any], key: str = "created_at") -> tuple[float, int]:
    """Sort key: GitHub's time, then its id (ids grow) for records within one second."""
    stamp = instant(record.get(key))
    ident = record.get("id")
    return (stamp.timestamp() if stamp else 0.0, ident if isinstance(ident, int) else 0)


def stamp(value: datetime) -> str:
    """A time as people read it, in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def same(a: str, b: str) -> bool:
    """GitHub logins and label names are case-insensitive."""
    return bool(a) and a.casefold() == b.casefold()


def short(sha: str) -> str:
    """A commit id as the messages show it."""
    return sha[:12] if sha else "(unknown)"
