"""``python -m gates`` runs the same CLI as the ``gate`` console script.

``python -m`` puts the current directory first on ``sys.path``: run inside a repository under
review, a drafted ``yaml.py`` or ``click.py`` there would be imported by the gate itself. The
entry is dropped before anything else is imported (``gates`` itself is already found; a drafted
``gates/`` package in that directory would have been found first, so run ``python -m gates``
from elsewhere, or the ``gate`` script, which has no such entry).
"""

from __future__ import annotations

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from gates.launch import main  # after the path is cleaned, on purpose

if __name__ == "__main__":
    raise SystemExit(main())
