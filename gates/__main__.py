"""``python -m gates`` runs the same CLI as the ``gate`` console script.

``python -m`` puts the current directory first on ``sys.path``: run inside a repository under
review, a drafted ``yaml.py`` or ``click.py`` there would be imported by the gate itself.
gates.launch drops it before anything else is imported (``gates`` itself is already found; a
drafted ``gates/`` package in that directory would have been found first, so run ``python -m
gates`` from elsewhere, or the ``gate`` script).
"""

from __future__ import annotations

from gates.launch import main  # its first lines take the working directory off sys.path

if __name__ == "__main__":
    raise SystemExit(main())
