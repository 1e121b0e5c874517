"""Rebuild gates/trust/popular.txt from PyPI download statistics, and measure the look-alike check.

    python bench/popular.py [JSON] [--top 5000] [--out gates/trust/popular.txt]
    python bench/popular.py [JSON] --measure

JSON is hugovk/top-pypi-packages' ``top-pypi-packages.min.json`` (PyPI downloads over 30 days
for the 15,000 most downloaded projects, from ClickHouse's PyPI dataset), as a file path or URL;
the default is the published URL. The output is a header naming the source, its ``last_update``
and N, then one PEP 503 name per line, most downloaded first: the same JSON always gives the
same bytes.

``--measure`` answers "how often does the check cry wolf?": for each list length N it builds the
check over the top N names and counts which share of the names ranked after N (real, legitimate,
less popular packages) it flags, per rule and threshold; then the share of KNOWN_BAD it catches.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gates.trust import lookalike

URL = "https://hugovk.github.io/top-pypi-packages/top-pypi-packages.min.json"
OUT = ROOT / "gates" / "trust" / "popular.txt"
TOP = 5000
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_FIELD = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .:+-]{0,40}")

# Names from public reports, written down before measuring and never used to tune the rules:
# they are only counted. (popular package meant, where the report says.)
KNOWN_BAD = {
    # SK-CSIRT advisory, 2017: the first PyPI typosquatting sweep.
    "acqusition": "acquisition", "apidev-coop": "apidev-coop-cms", "bzip": "bz2file",
    "crypt": "crypto", "django-server": "django-server-guardian-api", "pwd": "(stdlib)",
    "setup-tools": "setuptools", "telnet": "(stdlib)", "urlib3": "urllib3", "urllib": "urllib3",
    # 2018-2019 reports: colorama's British spelling; jeIlyfish (capital I); dateutil.
    "colourama": "colorama", "jeilyfish": "jellyfish", "python3-dateutil": "python-dateutil",
    # The and the brief's examples, and common confusions.
    "reqeusts": "requests", "djanga": "django", "python-jwt": "pyjwt",
    "beautifulsoup": "beautifulsoup4", "sklearn": "scikit-learn", "dateutil": "python-dateutil",
    "yaml": "pyyaml", "opencv": "opencv-python",
    # A name models hallucinated and a researcher registered (Lasso Security, 2024).
    "huggingface-cli": "huggingface-hub",
}


def fetch(source: str) -> dict[str, Any]:
    """The statistics JSON from a path or an http(s) URL."""
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 (http(s) only)
            data: dict[str, Any] = json.load(response)
            return data
    loaded: dict[str, Any] = json.loads(Path(source).read_text(encoding="utf-8"))
    return loaded


def ranking(data: dict[str, Any]) -> list[str]:
    """PEP 503 names, most downloaded first (ties by name), each once."""
    rows = sorted(data["rows"], key=lambda row: (-int(row["download_count"]),
                                                lookalike.normalize(str(row["project"]))))
    names: list[str] = []
    seen: set[str] = set()
    for row in rows:
        name = lookalike.normalize(str(row["project"]))
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a package name in the statistics: {row['project']!r}")
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def render(data: dict[str, Any], top: int) -> str:
    """The text of popular.txt for the first ``top`` names."""
    names = ranking(data)[:top]
    for key in ("last_update", "source"):
        # Written into comment lines: a newline here would add a name to the list.
        if not _FIELD.fullmatch(str(data.get(key, "-"))):
            raise ValueError(f"unexpected {key} in the statistics: {data.get(key)!r}")
    header = [
        "# The most downloaded PyPI projects, most downloaded first, as PEP 503 names.",
        "# source: hugovk/top-pypi-packages (https://hugovk.github.io/top-pypi-packages/),"
        f" PyPI downloads over 30 days from {data.get('source', 'BigQuery')}",
        f"# last_update: {data['last_update']}",
        f"# N: {len(names)}",
        "# rebuild: python bench/popular.py [top-pypi-packages.min.json path or URL]"
        f" --top {top}",
    ]
    return "\n".join([*header, *names]) + "\n"


def share(checker: lookalike.Checker, names: Iterable[str]) -> tuple[int, int, Counter[str]]:
    """How many of ``names`` the checker flags, of how many, and by which rule."""
    kinds: Counter[str] = Counter()
    total = 0
    for name in names:
        total += 1
        if found := checker.resembles(name):
            kinds[found.kind] += 1
    return sum(kinds.values()), total, kinds


def measure(names: Sequence[str]) -> None:
    """False alarms on the names after the list, per N, rule and threshold; then the catch rate."""
    variants: list[tuple[int, int, tuple[str, ...], int]] = []
    for top in (1000, 2000, 5000):
        variants.append((top, top, lookalike.KINDS, 1))
        variants.extend((top, top, (kind,), 1) for kind in lookalike.KINDS)
        variants.extend((top, top, lookalike.KINDS, length) for length in (4, 5, 6, 7))
        variants.extend((top, targets, lookalike.KINDS, length)
                        for targets in (250, 500, 1000, 2000) if targets < top
                        for length in (5, 6))
    print(f"{'N':>5} {'targets':>7} {'rules':<40} {'edit>=':>6} {'false alarms':>20}  by rule")
    for top, targets, kinds, length in variants:
        checker = lookalike.Checker(names[:top], targets=targets, kinds=kinds,
                                    min_edit_length=length)
        flagged, total, by_kind = share(checker, names[top:])
        rules = "all" if kinds == lookalike.KINDS else ",".join(kinds)
        print(f"{top:>5} {targets:>7} {rules:<40} {length:>6} "
              f"{flagged:>6}/{total:<6} {100 * flagged / total:5.2f} %  {dict(by_kind)}")
    checker = lookalike.Checker(names[:lookalike.load().known], targets=lookalike.TARGETS)
    print(f"\nshipped rules (N={lookalike.load().known}, targets={lookalike.TARGETS}, "
          f"edit>={lookalike.MIN_EDIT_LENGTH}) on KNOWN_BAD:")
    caught = 0
    for bad, meant in KNOWN_BAD.items():
        found = checker.resembles(bad)
        popular = " (itself on the list)" if checker.is_popular(bad) else ""
        caught += found is not None
        print(f"  {bad:<18} meant {meant:<28} -> "
              f"{f'{found.kind}: {found.popular}' if found else 'not flagged'}{popular}")
    print(f"caught {caught}/{len(KNOWN_BAD)}")
    started = time.perf_counter()
    shipped = lookalike.Checker(lookalike.read(OUT.read_text(encoding="utf-8")))
    loaded = time.perf_counter()
    for bad in [*KNOWN_BAD][:20]:
        shipped.resembles(bad)
    asked = time.perf_counter()
    print(f"load {1000 * (loaded - started):.1f} ms, 20 names {1000 * (asked - loaded):.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", default=URL, help="JSON path or URL")
    parser.add_argument("--top", type=int, default=TOP, help="names to keep (N)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--measure", action="store_true", help="false alarms and catch rate")
    args = parser.parse_args(argv)
    data = fetch(args.source)
    if args.measure:
        measure(ranking(data))
        return 0
    args.out.write_text(render(data, args.top), encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
