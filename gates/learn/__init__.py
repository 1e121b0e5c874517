"""``gate learn``: the repository's own security history as hotspots (docs/learn.md).

Security fixes are found in commit messages and in an offline advisory database; what each fix
changed (the innermost functions and classes, else the file) becomes a hotspot that a team reviews
and names with the policy key ``hotspots:``. Library entry points: ``learn`` for one run,
``Miner`` for many revisions of one repository (a benchmark), ``find_fixes`` and ``hotspots_of``
for the parts.
"""

from __future__ import annotations

from gates.learn.advisories import AdvisoryDB
from gates.learn.fixes import ADVISORY, MESSAGE, Fix, find_fixes
from gates.learn.miner import Learned, Miner, hotspots_of, learn

__all__ = ["ADVISORY", "MESSAGE", "AdvisoryDB", "Fix", "Learned", "Miner", "find_fixes",
           "hotspots_of", "learn"]
