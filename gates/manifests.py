"""Python dependency manifests: which files they are, and the requirements they pin.

Parsing is done here, with no resolver and no build: a manifest is data from the change under
review, and nothing in it is ever installed or executed.
"""

from __future__ import annotations

import posixpath
import re

_REQUIREMENTS = re.compile(r"(?:^|/)(?:requirements[^/]*|constraints[^/]*)\.txt$|"
                           r"(?:^|/)requirements/[^/]+\.txt$", re.IGNORECASE)
_NAMED = frozenset({"pyproject.toml", "poetry.lock", "uv.lock", "pipfile.lock", "setup.cfg"})


def is_manifest(path: str) -> bool:
    """Whether ``path`` is a dependency manifest the deps stage audits."""
    return posixpath.basename(path).lower() in _NAMED or bool(_REQUIREMENTS.search(path))
