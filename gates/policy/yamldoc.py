"""YAML documents that remember where each value came from.

The policy loader needs plain data to merge (``extends:``) and the file and line of every key to
report errors a person can act on. ``yaml.compose`` (the safe loader, never ``yaml.load``) gives the
node tree with marks; this module turns it into plain data plus a map from key path to (file, line).
"""

from __future__ import annotations

from typing import Any

import yaml

from gates.errors import PolicyError

Key = tuple[str | int, ...]
Locations = dict[Key, tuple[str, int]]

try:  # libyaml is ~10x faster when present; behaviour is identical for safe loading.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


def load(text: str, origin: str) -> tuple[Any, Locations]:
    """Parse ``text`` into plain data and the location of every mapping key and list item."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise PolicyError(f"invalid YAML: {exc.problem or exc}", path=origin, line=line) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"invalid YAML: {exc}", path=origin) from None
    locations: Locations = {}
    if node is None:
        return {}, locations
    return _convert(node, (), origin, locations, set()), locations


_constructor = yaml.constructor.SafeConstructor()


def _convert(node: yaml.Node, key: Key, origin: str, locations: Locations,
             seen: set[int]) -> Any:
    locations.setdefault(key, (origin, node.start_mark.line + 1))
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        # An alias makes two keys share one node: a cycle, or an exponential "billion laughs".
        if id(node) in seen:
            raise PolicyError("YAML aliases (*name) are not supported in a policy", path=origin,
                              line=node.start_mark.line + 1, key=dotted(key))
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                raise PolicyError("keys must be plain strings (no merge keys)", path=origin,
                                  line=line)
            name = str(key_node.value)
            if name in out:
                raise PolicyError("duplicate key", path=origin, line=line, key=dotted((*key, name)))
            locations[(*key, name)] = (origin, line)
            out[name] = _convert(value_node, (*key, name), origin, locations, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*key, i), origin, locations, seen)
                for i, item in enumerate(node.value)]
    try:
        return _constructor.construct_object(node)
    except yaml.YAMLError as exc:
        raise PolicyError(f"invalid value: {exc}", path=origin, line=node.start_mark.line + 1,
                          key=dotted(key)) from None


def dotted(key: Key) -> str:
    """A key path as people write it: ``categories.auth.paths[2]``."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
