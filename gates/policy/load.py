"""Load a policy: parse its YAML, follow ``extends:`` (the shipped default, or files read by a
``Reader``), merge, and hand the result to ``validate``.

Every error names the file, the line and the key.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable
from importlib import resources
from typing import Any

from gates.errors import PolicyError
from gates.policy.hotspots import parse
from gates.policy.model import DEFAULT_NAME, DEFAULT_ORIGIN, Hotspot, Policy
from gates.policy.validate import Validator
from gates.policy.yamldoc import Locations, load

# (path named by extends:, origin of the file that names it) -> (text, origin of that text)
Reader = Callable[[str, str], tuple[str, str]]


def default_text() -> str:
    """The text of the shipped default policy."""
    return resources.files("gates.policies").joinpath("default.yaml").read_text("utf-8")


def load_policy(text: str, origin: str, reader: Reader | None = None) -> Policy:
    """Parse, merge and validate a policy.

    ``reader`` resolves an ``extends:`` path (relative to ``origin``) to ``(text, origin)``; it is
    how a policy read from a git revision extends files from the same revision.
    """
    data, locations, texts, origins = _resolve(text, origin, reader, seen=())
    fragment = data.get("hotspots")
    hotspots: tuple[Hotspot, ...] = ()
    where = ""
    if fragment is not None:
        fragment_text, where = _hotspots(fragment, locations, origin, reader)
        hotspots = parse(fragment_text, where)
        texts.append(fragment_text)
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()
    policy = Validator(data, locations, origin).policy(digest)
    # The file itself first, then what it extends; the shipped default is not a file of the repo.
    read = tuple(o for o in reversed(origins) if o != DEFAULT_ORIGIN)
    return dataclasses.replace(policy, files=read, hotspots_file=where, hotspots=hotspots)


def _hotspots(path: Any, locations: Locations, origin: str,
              reader: Reader | None) -> tuple[str, str]:
    """The text of the fragment ``hotspots:`` names, read the way ``extends:`` reads, and where it
    came from. A fragment that cannot be read is an error: a policy that says "these are the
    hotspots" never quietly judges without them."""
    where, line = locations.get(("hotspots",), (origin, 1))
    if not isinstance(path, str) or not path:
        raise PolicyError("must be the path of the fragment gate learn wrote", path=where,
                          line=line, key="hotspots")
    if reader is None or where == DEFAULT_ORIGIN:
        raise PolicyError(f"cannot read {path!r} from here", path=where, line=line,
                          key="hotspots")
    try:
        return reader(path, where)
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PolicyError(f"cannot read {path!r}: {why}", path=where, line=line,
                          key="hotspots") from None


def _resolve(text: str, origin: str, reader: Reader | None, seen: tuple[str, ...]
             ) -> tuple[dict[str, Any], Locations, list[str], list[str]]:
    data, locations = load(text, origin)
    if not isinstance(data, dict):
        raise PolicyError("a policy must be a mapping of keys", path=origin, line=1)
    parent = data.pop("extends", None)
    if parent is None:
        return data, locations, [text], [origin]
    where = locations.get(("extends",), (origin, 1))[1]
    if not isinstance(parent, str) or not parent:
        raise PolicyError("must be 'default' or a path", path=origin, line=where, key="extends")
    if parent == DEFAULT_NAME:
        parent_text, parent_origin = default_text(), DEFAULT_ORIGIN
    elif reader is None:
        raise PolicyError(f"cannot read {parent!r} from here", path=origin, line=where,
                          key="extends")
    else:
        try:
            parent_text, parent_origin = reader(parent, origin)
        except OSError as exc:
            raise PolicyError(f"cannot read {parent!r}: {exc.strerror or exc}", path=origin,
                              line=where, key="extends") from None
    if parent_origin in seen or parent_origin == origin:
        raise PolicyError(f"extends itself through {parent!r}", path=origin, line=where,
                          key="extends")
    base, base_locations, texts, origins = _resolve(parent_text, parent_origin, reader,
                                                    (*seen, origin))
    merged = _merge(base, data)
    base_locations.update(locations)
    return merged, base_locations, [*texts, text], [*origins, origin]


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key (recursively); lists and scalars from ``override`` replace."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
