"""Secrets in a change: found by Yelp's maintained ``detect-secrets`` and a few plugins it lacks.

Two built-in detectors, named by a policy category's ``detect:`` key:

- ``keys``: credentials recognisable by their shape wherever they appear (cloud and service API
  keys and tokens, private keys in any armour, JWTs). A real key in a test is still a leak.
- ``assignments``: a literal value given to a secret-like name (``password``, ``DB_PASSWORD``,
  ``aws_secret_access_key``, ``api-key``, ``*_token``) and passwords in URLs. Only here does entropy
  count, and only of the assigned value: bare high-entropy strings (SHA-256 constants, git SHAs,
  base64 fixtures) are never secrets on their own.

Importing detect-secrets costs ~86 ms (it pulls in ``requests``), so this package's ``__init__`` and
``prefilter`` stay light: an RE2 prefilter built from the detectors' literal anchors and keywords
finds candidate lines, and only a candidate imports ``gates.secrets.detector``.
"""

from __future__ import annotations

KEYS = "keys"
ASSIGNMENTS = "assignments"
DETECTORS = (KEYS, ASSIGNMENTS)
# Candidate lines run through the detector per file once one secret is found there: the file is
# high already, and a fixture (or a hostile file) of a million keys must not stall the hook.
SECRET_LINES = 256
