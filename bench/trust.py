"""What the dependency trust check would have said about a real project's history (issue 15).

    python bench/trust.py --repo GIT_DIR [--commits 2000] [--json OUT] [--configured-index]

For each of the newest N non-merge commits, every changed file the deps stage treats as a
manifest (``gates.manifests.is_manifest``) is read before and after with the gate's own parser,
and the names the commit adds (named after, not before: the stage's ``audit.added``) are judged
as the default settings (min_age_days 30, min_releases 2) would have judged them *on the
commit's date*: age is the commit date minus the first upload, and the releases are the versions
that had a file on the index before that date. The index cannot say what it held back then: a
name that is missing today is reported as missing *now* (it may have been deleted since), and a
package whose earliest surviving file is younger than the commit is reported as such.

Existence and first upload come from ``gates.trust.index.lookup`` (what the stage asks), the
look-alike from ``gates.trust.lookalike.resembles``; upload times per version (which
``PackageInfo`` does not carry) from this script's own fetch of PyPI's PEP 691 JSON pages, kept a
day in ``bench/.out/trust-versions.json``. The index asked is PyPI alone (pip's configuration
files shut out) unless ``--configured-index`` keeps this machine's pip configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gates.cache import Cache
from gates.manifests import Manifest, is_manifest, read
from gates.policy import TrustSettings
from gates.trust.index import ACCEPT, PackageInfo, lookup
from gates.trust.lookalike import resembles

OUT = ROOT / "bench" / ".out"
VERSIONS_CACHE = OUT / "trust-versions.json"
PYPI = "https://pypi.org/simple/"
BATCH = 100
ZERO = "0" * 40
FILES = frozenset({"100644", "100755"})  # not symlinks, not submodules
# Rules, in the order the summary lists them.
MISSING, AGE, RELEASES, LOOKALIKE, UNCHECKED = (
    "no-such-package-now", "new-package-age", "new-package-releases", "lookalike",
    "could-not-check")
RULES = (MISSING, AGE, RELEASES, LOOKALIKE, UNCHECKED)


@dataclass
class Added:
    """A name one commit adds to one of its manifests (the first place, as the stage keeps)."""

    sha: str
    date: datetime
    name: str
    path: str
    text: str
    flags: list[tuple[str, str]] = field(default_factory=list)  # (rule, why)


@dataclass
class Walk:
    """What the history walk saw."""

    commits: int = 0
    manifest_commits: int = 0
    manifest_changes: int = 0
    unreadable: int = 0  # after-manifests the parser refused: the stage says "not audited"
    added: list[Added] = field(default_factory=list)


# -- git ----------------------------------------------------------------------------------------

def _log(git_dir: str, commits: int) -> Iterator[tuple[str, datetime, list[tuple[str, ...]]]]:
    """(sha, committer date, raw entries) of the newest non-merge commits, newest first.

    Each entry is (old mode, new mode, old blob, new blob, status, old path, new path).
    """
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "log", "--no-merges", f"-n{commits}", "--no-abbrev",
         "--format=%x01%H%x00%cI%x00", "--raw", "-z", "--no-color", "--no-ext-diff"],
        check=True, capture_output=True).stdout.decode("utf-8", "surrogateescape")
    tokens = out.split("\0")
    i = 0
    current: tuple[str, datetime, list[tuple[str, ...]]] | None = None
    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        if token.startswith("\x01"):
            if current:
                yield current
            current = (token[1:], datetime.fromisoformat(tokens[i + 1]), [])
            i += 2
        elif token.startswith(":") and current is not None:
            old_mode, new_mode, old, new, status = token[1:].split(" ")
            if status[0] in "RC":
                current[2].append((old_mode, new_mode, old, new, status[0], tokens[i + 1],
                                   tokens[i + 2]))
                i += 3
            else:
                current[2].append((old_mode, new_mode, old, new, status[0], tokens[i + 1],
                                   tokens[i + 1]))
                i += 2
        else:
            i += 1
    if current:
        yield current


class Blobs:
    """``git cat-file --batch``: one process for every blob the walk reads."""

    def __init__(self, git_dir: str) -> None:
        self._proc = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.parsed: dict[tuple[str, str], Manifest | None] = {}

    def get(self, sha: str) -> bytes | None:
        stdin, stdout = self._pipes()
        stdin.write(sha.encode() + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            return None
        data = stdout.read(int(header[2]))
        stdout.read(1)
        return data

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def close(self) -> None:
        self._pipes()[0].close()
        self._proc.wait()


def walk(git_dir: str, commits: int) -> Walk:
    """The names each commit adds to its manifests, as ``gates.stages.deps._manifest`` sees them."""
    seen = Walk()
    blobs = Blobs(git_dir)
    try:
        for sha, date, entries in _log(git_dir, commits):
            seen.commits += 1
            added: dict[str, Added] = {}
            touched = False
            for old_mode, new_mode, old, new, status, old_path, new_path in entries:
                if status == "D" or not is_manifest(new_path) or new_mode not in FILES:
                    continue
                touched = True
                seen.manifest_changes += 1
                after = _manifest(blobs, new_path, new)
                if after is None:
                    seen.unreadable += 1
                    continue
                # As the stage: a new file (or none before) is empty before; one that did not
                # parse before accepted nothing.
                before = (_manifest(blobs, old_path, old) if old != ZERO and old_mode != "000000"
                          else None) or Manifest()
                names_before = {r.name for r in before.requirements}
                for req in after.requirements:
                    if req.name not in names_before and req.name not in added:
                        added[req.name] = Added(sha, date, req.name, new_path, req.text)
            seen.manifest_commits += touched
            seen.added.extend(added.values())
    finally:
        blobs.close()
    return seen


def _manifest(blobs: Blobs, path: str, blob: str) -> Manifest | None:
    """The parsed blob (None: unreadable), once per (path, blob): a lock file's version after
    one commit is its version before the next, and parsing is most of the walk's cost."""
    key = (path, blob)
    if key not in blobs.parsed:
        blobs.parsed[key] = _parse(blobs, path, blob)
    return blobs.parsed[key]


def _parse(blobs: Blobs, path: str, blob: str) -> Manifest | None:
    content = blobs.get(blob)
    if content is None:
        return None
    try:
        return read(path, content)
    except ValueError:
        return None


# -- the index ----------------------------------------------------------------------------------

def index_env(configured: bool) -> dict[str, str]:
    """PyPI alone (pip's files and ``PIP_*`` index settings shut out), or this machine's pip."""
    if configured:
        return dict(os.environ)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": PYPI}


def ask(names: list[str], env: dict[str, str]) -> dict[str, PackageInfo]:
    """What the stage's own lookup says about each name, in batches."""
    out: dict[str, PackageInfo] = {}
    for start in range(0, len(names), BATCH):
        out.update(lookup(names[start:start + BATCH], cache=Cache.disabled(), timeout=10,
                          env=env, budget=600))
    return out


def versions(names: list[str]) -> dict[str, dict[str, str] | None]:
    """Each name's versions and the upload time of each version's first file (None: no answer)."""
    cached: dict[str, Any] = {}
    if VERSIONS_CACHE.is_file() and time.time() - VERSIONS_CACHE.stat().st_mtime < 86400:
        cached = json.loads(VERSIONS_CACHE.read_text())
    todo = [n for n in names if n not in cached]
    if todo:
        import httpx

        headers = {"Accept": ACCEPT, "User-Agent": "draftgate-bench"}
        with httpx.Client(timeout=30, follow_redirects=True, headers=headers) as client, \
                ThreadPoolExecutor(8) as pool:
            for name, got in zip(todo, pool.map(lambda n: _versions(client, n), todo),
                                 strict=True):
                if got is not None:
                    cached[name] = got
        OUT.mkdir(parents=True, exist_ok=True)
        VERSIONS_CACHE.write_text(json.dumps(cached))
    return {n: cached.get(n) for n in names}


def _versions(client: Any, name: str) -> dict[str, str] | None:
    try:
        response = client.get(f"{PYPI}{name}/")
        if response.status_code != 200:
            return None
        files = response.json()["files"]
    except Exception:  # any failure is "could not check", reported as such
        return None
    first: dict[str, str] = {}
    for f in files:
        version, when = _version_of(str(f["filename"]), name), f.get("upload-time")
        if version and when and (version not in first or when < first[version]):
            first[version] = when
    return first


def _version_of(filename: str, name: str) -> str | None:
    from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except ValueError:
        parts = filename.split("-")
        for cut in range(1, len(parts)):
            if canonicalize_name("-".join(parts[:cut])) == name:
                return parts[cut].split(".tar")[0].removesuffix(".zip").removesuffix(".egg")
    return None


# -- judging ------------------------------------------------------------------------------------

def judge(item: Added, info: PackageInfo | None, dated: dict[str, str] | None,
          settings: TrustSettings) -> None:
    """The default settings' verdicts on ``item`` as of its commit's date."""
    like = resembles(item.name)
    if like is not None:
        item.flags.append((LOOKALIKE, f"{like.kind} from {like.popular}"))
    if info is None or info.exists is None:
        why = info.problem if info is not None else "no answer"
        item.flags.append((UNCHECKED, f"index: {why}"[:120]))
        return
    if not info.exists:
        item.flags.append((MISSING, "404 on the index today (its state then is unknown)"))
        return
    if info.first_upload is None:
        item.flags.append((UNCHECKED, f"no upload dates: {info.problem}"[:120]))
    else:
        days = (item.date - info.first_upload).days
        if days < 0:
            item.flags.append((AGE, f"earliest surviving file uploaded {-days} d AFTER the "
                                    "commit"))
        elif days < settings.min_age_days:
            item.flags.append((AGE, f"{days} d old at the commit"))
    if dated is None:
        item.flags.append((UNCHECKED, "per-version upload times not fetched"))
        return
    then = sum(1 for when in dated.values() if datetime.fromisoformat(when) < item.date)
    if then < settings.min_releases:
        item.flags.append((RELEASES, f"{then} release(s) at the commit, {len(dated)} today"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", required=True, help="a git directory (bare mirrors work)")
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="write every added name and its flags here")
    parser.add_argument("--configured-index", action="store_true",
                        help="ask the indexes this machine's pip configuration names")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    seen = walk(args.repo, args.commits)
    walked = time.perf_counter() - start
    names = sorted({a.name for a in seen.added})
    infos = ask(names, index_env(args.configured_index))
    asked = time.perf_counter() - start - walked
    dated = versions([n for n in names if infos[n].exists])
    settings = TrustSettings()
    for item in seen.added:
        judge(item, infos[item.name], dated.get(item.name), settings)
    total = time.perf_counter() - start
    _print(args.repo, seen, names, (walked, asked, total))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(
            [{**asdict(a), "date": a.date.isoformat()} for a in seen.added], indent=1))
    return 0


def _print(repo: str, seen: Walk, names: list[str], times: tuple[float, float, float]) -> None:
    walked, asked, total = times
    flagged = [a for a in seen.added if a.flags]
    by_rule = {rule: {a.name for a in seen.added if any(r == rule for r, _ in a.flags)}
               for rule in RULES}
    first = min((a.date for a in seen.added), default=None)
    print(f"{repo}: {seen.commits} non-merge commits scanned, {seen.manifest_commits} changed a "
          f"manifest ({seen.manifest_changes} manifest changes, {seen.unreadable} unreadable "
          f"after the change); oldest adding commit {first.date() if first else '-'}")
    print(f"added names: {len(names)} unique, {len(seen.added)} (commit, name) occurrences")
    for rule in RULES:
        hits = sum(1 for a in seen.added if any(r == rule for r, _ in a.flags))
        print(f"  {rule:22} {len(by_rule[rule]):4} names  {hits:4} occurrences")
    unique_flagged = {a.name for a in flagged}
    print(f"  {'any rule':22} {len(unique_flagged):4} names  {len(flagged):4} occurrences")
    print(f"\n{'name':32} {'commit':10} {'date':10} {'rule':21} why (manifest)")
    for a in sorted(flagged, key=lambda a: (a.name, a.date)):
        for rule, why in a.flags:
            print(f"{a.name[:32]:32} {a.sha[:10]} {a.date.date()!s:10} {rule:21} {why} "
                  f"({a.path})")
    print(f"\ntime: walk {walked:.1f} s, index lookup {asked:.1f} s, total {total:.1f} s")
    print("RESULT " + json.dumps({
        "commits": seen.commits, "manifest_commits": seen.manifest_commits,
        "added_unique": len(names), "added_occurrences": len(seen.added),
        **{rule: len(by_rule[rule]) for rule in RULES},
        "flagged_unique": len(unique_flagged), "flagged_occurrences": len(flagged),
        "seconds": round(total, 1)}))


if __name__ == "__main__":
    sys.exit(main())
