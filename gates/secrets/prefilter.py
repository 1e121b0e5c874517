"""The cheap first pass: one RE2 automaton over a whole patch finds the lines worth a real look.

Every anchor here stands for one or more detectors in ``gates.secrets.detector``: a literal every
match of that detector must contain (``AKIA``, ``ghp_``, ``-----BEGIN``), or, for the keyword
detectors, the secret-like names in any case and separator. A line without any anchor cannot hold
a hit, so the detector (and its ~86 ms import) is paid only for lines that might.
tests/test_secrets.py checks that the anchors cover detect-secrets' own keyword list and a sample
of every plugin, so a detector added without an anchor fails a test instead of going blind.

Escaped text (``\\x41KIA``, JSON ``\\u0041``) is a candidate too: the detector decodes it before
looking, as Python or a JSON reader would.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

import re2

from gates.secrets import ASSIGNMENTS, KEYS

# Literals some key-shaped detector's every match contains (case matters unless marked (?i:)).
KEY_ANCHORS = (
    r"A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA",  # AWS access key ids
    r"(?i:aws.{0,20}?(?:key|pwd|pw|pass|token))",  # AWS secret keys beside their name
    r"gh[pousr]_|github_pat_",  # GitHub classic and fine-grained tokens
    r"gl(?:pat|dt|ft|soat|rtr?|cbt|imt|ptt|agent|oas|ffct)-|GR1348941",  # GitLab
    r"(?i:xox[abposre][-.]|hooks\.slack\.com)|xapp-",  # Slack
    r"[rs]k_live_|whsec_",  # Stripe
    r"_authToken|npm_",  # npm
    r"pypi-AgE",  # PyPI
    r"eyJ",  # JWT (base64 of '{"')
    r"PRIVATE KEY|BEGIN SSH2 ENCRYPTED|PuTTY-User-Key-File|LS0tLS1CRUdJTi",  # keys, any armour
    r"client-key-data",  # kubeconfig
    r"\bsk-",  # OpenAI, Anthropic
    r"SG\.",  # SendGrid
    r"sq0csp-",  # Square
    r"AccountKey=",  # Azure storage
    r"\bhf_",  # Hugging Face
    r"AIza",  # Google API keys
)
# Secret-like names, in any case and with any separator; a superset of detect-secrets' keyword
# DENYLIST and of the extra keyword plugin's names (gates.secrets.plugins).
NAME_ANCHORS = (
    r"(?i:pass(?:wd|word|[-_. ]?phrase)|pwd|secret|token|credential|contrase(?:ñ|n)a"
    r"|(?:api|auth|service|account|db|database|priv|private|client|access|key)[-_. ]?(?:key|pass))",
    r"://[^\s/:@]*:[^\s@]+@",  # user:password@host (the user may be empty)
)
# Escapes that spell ASCII: the detector decodes them, so they must reach it.
ESCAPE_ANCHORS = (r"\\(?:x|u00|U0000)[0-9a-fA-F]{2}",)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A line that may hold a secret: where it starts in the patch, its marker, and its text."""

    offset: int
    marker: int
    text: bytes


class Prefilter:
    """The anchors of the named detectors, compiled into one automaton."""

    def __init__(self, detectors: Collection[str], *, changed_only: bool = True) -> None:
        anchors = [*ESCAPE_ANCHORS]
        if KEYS in detectors:
            anchors += KEY_ANCHORS
        if ASSIGNMENTS in detectors:
            anchors += NAME_ANCHORS
        options = re2.Options()
        options.log_errors = False
        start = "^[+-]" if changed_only else "^"
        self.changed_only = changed_only
        self._regex = re2.compile(
            f"(?m){start}[^\\n]*?(?:{'|'.join(anchors)})".encode(), options=options)

    def lines(self, data: bytes) -> Iterator[Candidate]:
        """Each line of ``data`` (valid UTF-8) with an anchor; only +/- lines when changed_only."""
        pos, end = 0, len(data)
        while pos < end:
            m = self._regex.search(data, pos)
            if m is None:
                return
            start = m.start()
            stop = data.find(b"\n", start)
            stop = end if stop < 0 else stop
            skip = 1 if self.changed_only else 0
            yield Candidate(start, data[start] if skip else 0, data[start + skip:stop])
            pos = stop + 1
