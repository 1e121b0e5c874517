"""``python -m gates`` runs the same CLI as the ``gate`` console script."""

from __future__ import annotations

from gates.launch import main

if __name__ == "__main__":
    raise SystemExit(main())
