"""Rebuild the labelled routing corpus (bench/corpus/commits.csv) from public data.

Why this exists: routing quality is only a number if it is measured on commits nobody tuned the
policy on. The corpus pairs real security-fix commits (named by the PyPA advisory database) with
routine and migration commits from the same projects, so a policy's recall and its false-alarm
rate come from the same histories.

Inputs are local only: an advisory-db snapshot (OSV YAML, one file per advisory) and a directory of
git mirrors laid out as ``MIRRORS/owner+name/repo`` (what the workplace ``fetch`` tool writes).
Git is read through argv lists, never a shell. Standard library plus PyYAML (``safe_load``) only.

    python bench/build_corpus.py --mirrors /work/.mirror --advisory-db /work/shared/advisory-db

The output is deterministic for the same inputs and seed.
"""

from __future__ import annotations

import argparse
import collections
import csv
import dataclasses
import hashlib
import json
import pathlib
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator

import yaml

# Projects whose histories are kept for independent evaluation: never in this corpus, matched on the
# GitHub repository name and on the advisory's package name, case-insensitively.
HELD_OUT = frozenset(
    {
        "urllib3",
        "aiohttp",
        "werkzeug",
        "jinja",
        "jinja2",
        "tornado",
        "pyjwt",
        "requests",
        "django-oauth-toolkit",
    }
)
HELD_OUT_REPOS = frozenset(
    {
        "urllib3/urllib3",
        "aio-libs/aiohttp",
        "pallets/werkzeug",
        "mitsuhiko/werkzeug",
        "pallets/jinja",
        "mitsuhiko/jinja2",
        "tornadoweb/tornado",
        "facebook/tornado",
        "jpadilla/pyjwt",
        "psf/requests",
        "kennethreitz/requests",
        "requests/requests",
        "jazzband/django-oauth-toolkit",
        "evonove/django-oauth-toolkit",
    }
)

# Repositories that moved: the advisory names the old home, the mirror is under the new one.
RENAMED = {
    "python-imaging/pillow": "python-pillow/pillow",
    "rohe/pysaml2": "identitypython/pysaml2",
    "jimmo/micropython": "micropython/micropython",
    "mitsuhiko/flask": "pallets/flask",
    "bouke/django-two-factor-auth": "jazzband/django-two-factor-auth",
    "element-hq/synapse": "matrix-org/synapse",
    "openidc/pyoidc": "cz-nic/pyoidc",
    "unrud/radicale": "kozea/radicale",
}

COMMIT_URL = re.compile(
    r"^https?://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/"
    r"(?:pull/\d+/commits?|commits?)/([0-9a-fA-F]{7,40})(?:[/?#.].*)?$"
)
SECURITY_WORDS = re.compile(r"CVE-\d|GHSA-|PYSEC-|secur|vulnerab", re.IGNORECASE)
MIGRATION_FILE = re.compile(
    r"(?:^|/)migrations/(?:[^/]+/)*(?!__init__\.py$)[^/]+\.py$"
    r"|(?:^|/)(?:alembic|db|[^/]*migrat[^/]*|[^/]*_repo)/versions/(?!__init__\.py$)[^/]+\.py$"
)
# Settings-file upgraders (cobbler/settings/migrations) change configuration, not a schema.
NOT_SCHEMA = re.compile(r"(?:^|/)settings/migrations/")
# A test app's migrations (wagtail/tests/testapp/migrations) build a fixture database for the
# tests: they migrate nobody's data. Such commits are neither labelled migrations nor sampled as
# routine (the routine sample stays the one drawn before this rule).
TEST_SCHEMA = re.compile(r"(?:^|/)(?:tests?|testing)/")

# Category rules. Three passes, first match wins: (1) CWE ids named in the text or in
# database_specific, (2) phrases that name a weakness class ("cross-site request forgery", "open
# redirect"), in PHRASE_ORDER, (3) broader keywords, in KEYWORD_ORDER. Kept deliberately simple: the
# label is a coarse routing target, and a hard case that lands in "other" is still kept.
CATEGORY_ORDER = (
    "deserialization",
    "path traversal",
    "injection",
    "header/cookie",
    "session/token",
    "crypto",
    "auth",
    "DoS/parsing",
)
PHRASE_ORDER = (
    "deserialization",
    "header/cookie",
    "injection",
    "session/token",
    "path traversal",
    "DoS/parsing",
    "crypto",
    "auth",
    "other",
)
KEYWORD_ORDER = (
    "deserialization",
    "path traversal",
    "injection",
    "session/token",
    "auth",
    "crypto",
    "header/cookie",
    "DoS/parsing",
)
PHRASE_RULES: dict[str, re.Pattern[str]] = {
    "deserialization": re.compile(r"deserializ|unserializ|unpickl|\bpickle", re.I),
    "header/cookie": re.compile(
        r"\bcrlf\b|header injection|response splitting|request smuggling|open redirect"
        r"|cookie (?:without|lacks|missing)|'secure' attribute|\bhttponly\b|\bsamesite\b",
        re.I,
    ),
    "injection": re.compile(
        r"cross[- ]site scripting|\bxss\b|sql injection|command injection|code injection"
        r"|template injection|shell injection|argument injection|ldap injection|xpath injection"
        r"|remote code execution|\brce\b|script (?:code|content)",
        re.I,
    ),
    "session/token": re.compile(
        r"cross[- ]site request forgery|\bcsrf\b|\bxsrf\b|session fixation|clickjacking"
        r"|rendered ui layers",
        re.I,
    ),
    "path traversal": re.compile(r"path traversal|directory traversal|zip ?slip", re.I),
    "DoS/parsing": re.compile(
        r"denial of service|\bredos\b|\bxxe\b|xml external entit|memory exhaustion|buffer overflow"
        r"|out[- ]of[- ]bounds|infinite loop|uncontrolled resource|resource exhaustion"
        r"|resources without limits|buffer overrun|data amplification",
        re.I,
    ),
    "crypto": re.compile(
        r"certificate (?:validation|verification)|signature (?:verification|wrapping)"
        r"|timing attack|\becb\b|cipher mode|padding oracle"
        r"|cryptographic (?:authentication|signature)|verification of cryptographic",
        re.I,
    ),
    "auth": re.compile(
        r"authentication bypass|access control|missing authori[sz]ation|incorrect authori[sz]ation"
        r"|improper authori[sz]ation|privilege escalation|improper authentication|weak password"
        r"|brute[- ]force",
        re.I,
    ),
    "other": re.compile(
        r"exposure of (?:sensitive )?information|information (?:disclosure|exposure)"
        r"|server[- ]side request forgery|\bssrf\b",
        re.I,
    ),
}
CWE_RULES: dict[str, frozenset[int]] = {
    category: frozenset(int(n) for n in ids.split())
    for category, ids in {
        "deserialization": "502",
        "path traversal": "22 23 24 35 36 59 73",
        "injection": "74 77 78 79 80 88 89 90 91 94 95 96 116 643 917 943 1336",
        "header/cookie": "93 113 444 601 614 644 942 1004 1275",
        "session/token": "352 384 565 613 640 1021",
        "crypto": "208 295 296 297 310 311 319 326 327 328 330 338 347 916 1240",
        "auth": "269 284 285 287 288 290 306 307 521 522 639 862 863 915",
        "DoS/parsing": "119 120 121 122 125 190 400 401 409 415 416 476 611 674 770 776 787 789"
        " 834 835 1333",
    }.items()
}
KEYWORD_RULES: dict[str, re.Pattern[str]] = {
    "deserialization": re.compile(
        r"deserializ|unserializ|unpickl|\bpickle|yaml\.load|\bmarshal\b|object injection", re.I
    ),
    "path traversal": re.compile(
        r"path traversal|directory traversal|traversal|\.\./|zip ?slip|symlink|symbolic link"
        r"|arbitrary file (?:read|write|overwrite|access|deletion|upload)|outside (?:of )?the"
        r" (?:intended|root|base|web)",
        re.I,
    ),
    "injection": re.compile(
        r"injection|cross[- ]site scripting|\bxss\b|\beval\b|\bexec\b|shell command"
        r"|command execution|code execution|execute arbitrary|arbitrary (?:code|command)"
        r"|sandbox escape|escap(?:e|ing) (?:html|javascript)|html (?:escaping|sanitiz)|sanitiz",
        re.I,
    ),
    "header/cookie": re.compile(
        r"\bheader|\bcookie|open redirect|redirect|\bcrlf\b|request smuggling|\bcors\b|host header"
        r"|response splitting",
        re.I,
    ),
    "session/token": re.compile(
        r"\bsession|\btoken|\bcsrf\b|cross[- ]site request forgery|\bjwt\b|\boauth|api key"
        r"|clickjacking|password reset",
        re.I,
    ),
    "crypto": re.compile(
        r"\bcrypt|\bssl\b|\btls\b|certificate|signature|\bhmac\b|timing attack|constant[- ]time"
        r"|random|\bentropy\b|encrypt|decrypt|\bcipher|\bhash(?:es|ing|ed)?\b|\bnonce\b|\bpadding",
        re.I,
    ),
    "auth": re.compile(
        r"authenticat|authoriz|access control|permission|privilege|bypass|\blogin\b|\bpassword"
        r"|\b2fa\b|two[- ]factor|\botp\b|\bacl\b|unauthori[sz]ed|impersonat|credential",
        re.I,
    ),
    "DoS/parsing": re.compile(
        r"denial of service|\bdos\b|\bredos\b|regular expression|infinite loop|exhaust|overflow"
        r"|out[- ]of[- ]bounds|use[- ]after[- ]free|\bcrash|segfault|segmentation fault|memory"
        r" (?:leak|corruption|consumption)|decompression|\bxxe\b|external entit|billion laughs"
        r"|recursion|null pointer|malformed|parsing|\bparse",
        re.I,
    ),
}
SHA = re.compile(r"[0-9a-f]{40}")
CWE_ID = re.compile(r"CWE[- ](\d+)", re.I)


@dataclasses.dataclass
class Advisory:
    """One advisory, reduced to what labelling needs."""

    ident: str
    packages: tuple[str, ...]
    text: str
    commits: tuple[tuple[str, str], ...]  # (owner/name lowercased, sha or prefix)
    fix_refs_unmapped: int  # FIX references that do not name a GitHub commit


@dataclasses.dataclass
class Row:
    """One output line of commits.csv."""

    repository: str
    commit: str
    parent: str
    label: str
    category: str = ""
    advisory_id: str = ""
    package: str = ""
    split: str = ""


def load_advisories(db: pathlib.Path, unreadable: list[str]) -> list[Advisory]:
    """Parse every OSV YAML/JSON file under DB/vulns (or DB itself); files that do not parse as
    an advisory are listed in UNREADABLE, so a broken snapshot shows in the counts."""
    root = db / "vulns" if (db / "vulns").is_dir() else db
    out: list[Advisory] = []
    for path in sorted(root.rglob("*.yaml")) + sorted(root.rglob("*.json")):
        try:
            text = path.read_text(encoding="utf-8")
            doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
            doc = None
        if not isinstance(doc, dict) or "id" not in doc:
            unreadable.append(str(path.relative_to(root)))
            continue
        affected = [a for a in _list(doc.get("affected")) if isinstance(a, dict)]
        pkgs = [a["package"] for a in affected if isinstance(a.get("package"), dict)]
        names = {str(pkg.get("name", "")).lower() for pkg in pkgs}
        packages = tuple(sorted(names - {""}))
        commits: list[tuple[str, str]] = []
        unmapped = 0
        for ref in _list(doc.get("references")):
            if not isinstance(ref, dict):
                continue
            url = str(ref.get("url", "")).strip()
            match = COMMIT_URL.match(url)
            if match:
                repo = f"{match[1]}/{match[2]}".lower().removesuffix(".git")
                pair = (RENAMED.get(repo, repo), match[3].lower())
                if pair not in commits:
                    commits.append(pair)
            elif ref.get("type") == "FIX":
                unmapped += 1
        parts = [str(doc.get(k) or "") for k in ("summary", "details")]
        parts.append(" ".join(str(a) for a in _list(doc.get("aliases"))))
        specific = doc.get("database_specific") or {}
        if isinstance(specific, dict):
            parts.append(" ".join(f"CWE-{c}" for c in _cwe_ids(str(specific.get("cwe_ids", "")))))
        out.append(
            Advisory(
                ident=str(doc["id"]),
                packages=packages,
                text="\n".join(parts),
                commits=tuple(commits),
                fix_refs_unmapped=unmapped,
            )
        )
    return out


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _cwe_ids(text: str) -> list[int]:
    return [int(m) for m in CWE_ID.findall(text)]


def categorize(text: str) -> str:
    """Route an advisory's text to one category: CWE ids, then weakness names, then keywords."""
    cwes = set(_cwe_ids(text))
    for category in CATEGORY_ORDER:
        if cwes & CWE_RULES[category]:
            return category
    for category in PHRASE_ORDER:
        if PHRASE_RULES[category].search(text):
            return category
    for category in KEYWORD_ORDER:
        if KEYWORD_RULES[category].search(text):
            return category
    return "other"


def held_out(repo: str, packages: Iterable[str]) -> bool:
    """True when the repository or any package belongs to the independent-evaluation set."""
    name = repo.split("/", 1)[-1].lower()
    return (
        repo.lower() in HELD_OUT_REPOS
        or name in HELD_OUT
        or any(p.lower() in HELD_OUT for p in packages)
    )


class Mirror:
    """A local git mirror, read only through argv lists."""

    def __init__(self, repo: str, path: pathlib.Path) -> None:
        self.repo = repo
        self.path = path

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"git {' '.join(args[:2])} failed in {self.repo}: {proc.stderr[:200]}"
            )
        return proc.stdout if proc.returncode == 0 else ""

    def resolve(self, sha: str) -> str | None:
        """Full sha of a commit present in the mirror, or None."""
        if not re.fullmatch(r"[0-9a-f]{7,40}", sha):
            return None
        if subprocess.run(
            ["git", "-C", str(self.path), "cat-file", "-e", f"{sha}^{{commit}}"],
            capture_output=True,
            check=False,
        ).returncode:
            return None
        full = self.git(
            "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}", check=False
        ).strip()
        return full or None

    def first_parent(self, sha: str) -> str:
        line = self.git("rev-list", "--parents", "-n", "1", sha).split()
        return line[1] if len(line) > 1 else ""

    def history(self) -> list[tuple[str, str]]:
        """Non-merge commits of the default branch, oldest first: (sha, first parent or "").
        Shas only: a commit message is the project's text and may imitate any separator."""
        raw = self.git("rev-list", "--no-merges", "--date-order", "--reverse", "--parents", "HEAD")
        out = []
        for line in raw.splitlines():
            ids = line.split()
            if ids and all(SHA.fullmatch(i) for i in ids):
                out.append((ids[0], ids[1] if len(ids) > 1 else ""))
        return out

    def message(self, sha: str) -> str:
        return self.git("log", "-1", "--format=%B", sha)

    def migration_commits(self, *, tests: bool = False) -> set[str]:
        """Commits of the default branch that add a schema-migration module (``tests``: count
        a test app's migrations too)."""
        raw = self.git(
            "log",
            "--no-merges",
            "--no-renames",
            "--diff-filter=A",
            "--name-only",
            "--format=%x1e%H",
            "HEAD",
        )
        found = set()
        for record in raw.split("\x1e")[1:]:
            lines = record.strip().splitlines()
            if lines and any(
                MIGRATION_FILE.search(f) and not NOT_SCHEMA.search(f)
                and (tests or not TEST_SCHEMA.search(f)) for f in lines[1:]
            ):
                found.add(lines[0])
        return found


def find_mirrors(root: pathlib.Path) -> dict[str, Mirror]:
    """Map lowercased owner/name to the mirror under ROOT/owner+name/repo."""
    out = {}
    for child in sorted(root.iterdir()):
        repo_dir = child / "repo"
        if "+" in child.name and repo_dir.is_dir() and not child.name.endswith(".part"):
            owner, _, name = child.name.partition("+")
            out[f"{owner}/{name}".lower()] = Mirror(f"{owner}/{name}", repo_dir)
    return out


def split_projects(
    categories: dict[str, collections.Counter[str]], pinned: dict[str, str]
) -> dict[str, str]:
    """Whole projects to tune/report, deterministically, so that fix counts in total and per
    category are balanced and neither half lacks a category to tune or to report on: a greedy
    start (largest first, ties by a hash of the name), then single moves and pairwise swaps while
    they lower the imbalance. PINNED projects (split.csv) never move: once someone has tuned on a
    project, moving it to the report half would leak, whatever a label change does to balance."""
    order = sorted(
        (r for r in categories if r not in pinned),
        key=lambda r: (
            -sum(categories[r].values()),
            hashlib.sha256(r.lower().encode()).hexdigest(),
        ),
    )

    def imbalance(assign: dict[str, str]) -> tuple[int, int]:
        diff: collections.Counter[str] = collections.Counter()
        members = 0
        for repo, half in assign.items():
            sign = 1 if half == "tune" else -1
            members += sign
            for category, n in categories.get(repo, collections.Counter()).items():
                diff[category] += sign * n
        total = abs(sum(diff.values()))
        return (2 * total + sum(abs(v) for v in diff.values()), abs(members))

    assign = {r: h for r, h in pinned.items() if r in categories}
    for repo in order:
        assign[repo] = min(("tune", "report"), key=lambda h: imbalance({**assign, repo: h}))
    flip = {"tune": "report", "report": "tune"}
    improved = True
    while improved:
        improved = False
        best = imbalance(assign)
        candidates = [(a,) for a in order] + [
            (a, b) for i, a in enumerate(order) for b in order[i + 1 :] if assign[a] != assign[b]
        ]
        for group in candidates:
            trial = {**assign, **{r: flip[assign[r]] for r in group}}
            score = imbalance(trial)
            if score < best:
                assign, best, improved = trial, score, True
    return assign


def sample_routine(
    history: list[tuple[str, str]],
    excluded: set[str],
    message: Callable[[str], str],
    count: int,
    rng: random.Random,
) -> Iterator[tuple[str, str]]:
    """COUNT commits at evenly spaced positions of the history, each the first eligible one
    from a seeded offset within its stride, so that samples cover the whole lifetime."""
    if not history or count <= 0:
        return
    stride = len(history) / count
    for i in range(count):
        start = int(i * stride)
        end = max(start + 1, int((i + 1) * stride))
        offset = rng.randrange(start, end)
        for pos in list(range(offset, end)) + list(range(start, offset)):
            sha, parent = history[pos]
            if parent and sha not in excluded and not SECURITY_WORDS.search(message(sha)):
                yield sha, parent
                break


Dropped = dict[str, collections.Counter[str]]


def collect_fixes(
    advisories: list[Advisory], mirrors: dict[str, Mirror], skip: set[str], dropped: Dropped
) -> list[Row]:
    """One security row per fixing commit found in a mirror; advisories naming the same commit
    (a PYSEC id and its GHSA twin, or one fix for two packages) share the row."""
    fixes: dict[tuple[str, str], list[Advisory]] = collections.defaultdict(list)
    for adv in advisories:
        if adv.fix_refs_unmapped:
            reason = "FIX reference naming no GitHub commit (pull request, tag, other host)"
            dropped[reason]["(all)"] += adv.fix_refs_unmapped
        if not adv.commits:
            dropped["advisory without a GitHub commit reference"]["(all)"] += 1
            continue
        for repo, sha in adv.commits:
            mirror = mirrors.get(repo)
            if held_out(repo, adv.packages):
                reason = "held out for independent evaluation"
            elif repo in skip:
                reason = "skipped repository (--skip)"
            elif mirror is None:
                reason = "repository not mirrored"
            elif (full := mirror.resolve(sha)) is None:
                reason = "commit not in mirror"
            else:
                if adv not in fixes[(repo, full)]:
                    fixes[(repo, full)].append(adv)
                continue
            dropped[reason][repo] += 1

    rows: list[Row] = []
    for (repo, sha), advs in sorted(fixes.items()):
        parent = mirrors[repo].first_parent(sha)
        if not parent:
            dropped["fix is a root commit (no parent)"][repo] += 1
            continue
        advs_sorted = sorted(advs, key=lambda a: a.ident)
        rows.append(
            Row(
                repository=mirrors[repo].repo,
                commit=sha,
                parent=parent,
                label="security",
                category=categorize("\n".join(a.text for a in advs_sorted)),
                advisory_id=";".join(a.ident for a in advs_sorted),
                package=";".join(sorted({p for a in advs_sorted for p in a.packages})),
            )
        )
    return rows


def project_rows(mirror: Mirror, security: set[str], routine: int, seed: str) -> list[Row]:
    """A project's routine sample and all its migration commits."""
    history = mirror.history()
    by_sha = dict(history)
    # Only commits the branch's own history names: the bulk log is a candidate finder.
    migrations = {sha for sha in mirror.migration_commits() - security if by_sha.get(sha)}
    any_migration = {sha for sha in mirror.migration_commits(tests=True) if by_sha.get(sha)}
    digest = hashlib.sha256(f"{seed}:{mirror.repo.lower()}".encode()).hexdigest()
    rng = random.Random(int(digest[:16], 16))
    rows = [
        Row(repository=mirror.repo, commit=sha, parent=parent, label="routine")
        for sha, parent in sample_routine(
            history, security | any_migration, mirror.message, routine, rng
        )
    ]
    rows += [
        Row(repository=mirror.repo, commit=sha, parent=by_sha[sha], label="migration")
        for sha in sorted(migrations)
    ]
    return rows


def build(
    args: argparse.Namespace, pinned: dict[str, str]
) -> tuple[list[Row], Dropped, dict[str, str]]:
    """Rows of the corpus, what was dropped, and each used mirror's default branch and head
    (the routine sample depends on the history's length, so a newer snapshot samples anew)."""
    mirrors = find_mirrors(pathlib.Path(args.mirrors))
    dropped: Dropped = collections.defaultdict(collections.Counter)
    unreadable: list[str] = []
    advisories = load_advisories(pathlib.Path(args.advisory_db), unreadable)
    for name in unreadable:
        dropped["advisory file that does not parse as OSV"][name] += 1
    rows = collect_fixes(advisories, mirrors, args.skip, dropped)
    security = {r.commit for r in rows}
    heads = {}
    for repo in sorted({r.repository for r in rows}):
        mirror = mirrors[repo.lower()]
        rows += project_rows(mirror, security, args.routine, args.seed)
        branch = mirror.git("symbolic-ref", "--short", "HEAD", check=False).strip()
        heads[repo] = f"{branch} {mirror.git('rev-parse', 'HEAD').strip()}"
    per_project: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for row in rows:
        if row.label == "security":
            per_project[row.repository][row.category] += 1
    if args.new_split:
        # Projects not seen before go to a half of their own: nobody has tuned or reported on them.
        split = {r: pinned.get(r, args.new_split) for r in per_project}
    else:
        split = split_projects(per_project, pinned)
    for row in rows:
        row.split = split[row.repository]
    rows.sort(key=lambda r: (r.split, r.repository.lower(), r.label, r.commit))
    return rows, dropped, heads


COLUMNS = ("repository", "commit", "parent", "label", "category", "advisory_id", "package", "split")


def read_split(path: pathlib.Path) -> dict[str, str]:
    """The pinned project halves, if a split.csv exists."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["repository"]: row["split"]
            for row in csv.DictReader(fh)
            if row.get("split") and row["split"].isidentifier()
        }


README_START = "<!-- counts: written by build_corpus.py -->"
README_END = "<!-- /counts -->"


def update_readme(path: pathlib.Path, text: str) -> None:
    """Replace the generated counts section of the corpus README, so the two never disagree."""
    if not path.is_file():
        return
    readme = path.read_text(encoding="utf-8")
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        return
    head = readme[: start + len(README_START)]
    path.write_text(f"{head}\n{text}\n{readme[end:]}", encoding="utf-8")


def write_split(split: dict[str, str], path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("repository", "split"))
        for repo in sorted(split, key=str.lower):
            writer.writerow((repo, split[repo]))


def write_csv(rows: list[Row], path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, c) for c in COLUMNS])


def summary(rows: list[Row], dropped: Dropped, heads: dict[str, str]) -> str:
    """Markdown tables of counts, for the corpus README and the terminal."""
    lines = []
    projects = sorted({r.repository for r in rows}, key=str.lower)
    labels = collections.Counter(r.label for r in rows)
    lines.append(
        f"{len(projects)} projects; {labels['security']} security fixes,"
        f" {labels['routine']} routine, {labels['migration']} migration commits."
    )
    lines += ["", "| project | split | security | routine | migration |", "|---|---|---|---|---|"]
    for p in projects:
        c = collections.Counter(r.label for r in rows if r.repository == p)
        half = next(r.split for r in rows if r.repository == p)
        lines.append(f"| {p} | {half} | {c['security']} | {c['routine']} | {c['migration']} |")
    cats = sorted({r.category for r in rows if r.label == "security"})
    halves = ["tune", "report", *sorted({r.split for r in rows} - {"tune", "report"})]
    lines += ["", "| category | " + " | ".join(halves) + " | total |",
              "|---|" + "---|" * (len(halves) + 1)]
    for cat in cats:
        c = collections.Counter(
            r.split for r in rows if r.label == "security" and r.category == cat
        )
        lines.append(f"| {cat} | " + " | ".join(str(c[h]) for h in halves)
                     + f" | {sum(c.values())} |")
    lines += ["", "| split | projects | security | routine | migration |", "|---|---|---|---|---|"]
    for half in halves:
        c = collections.Counter(r.label for r in rows if r.split == half)
        n = len({r.repository for r in rows if r.split == half})
        lines.append(f"| {half} | {n} | {c['security']} | {c['routine']} | {c['migration']} |")
    lines += ["", "Dropped advisory references (counted per advisory-commit pair):", ""]
    for reason in sorted(dropped):
        counter = dropped[reason]
        detail = ", ".join(f"{k} {v}" for k, v in counter.most_common(12))
        more = f", and {len(counter) - 12} more" if len(counter) > 12 else ""
        lines.append(f"- {reason}: {sum(counter.values())} ({detail}{more})")
    lines += ["", "Mirrors used (default branch and head at build time):", ""]
    lines += [f"- {repo}: {heads[repo]}" for repo in sorted(heads, key=str.lower)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", required=True, help="directory of owner+name/repo git mirrors")
    parser.add_argument("--advisory-db", required=True, help="PyPA advisory-db snapshot (OSV)")
    parser.add_argument("--out", default=str(pathlib.Path(__file__).parent / "corpus"))
    parser.add_argument("--routine", type=int, default=14, help="routine commits per project")
    parser.add_argument("--seed", default="draftgate-corpus-1")
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help="owner/name repositories to leave out although mirrored (lowercase)",
    )
    parser.add_argument("--summary", help="write the count tables (markdown) to this file")
    parser.add_argument(
        "--resplit",
        action="store_true",
        help="ignore the pinned split.csv and split all projects afresh (leaks if anyone tuned)",
    )
    parser.add_argument(
        "--new-split",
        metavar="NAME",
        help="put projects split.csv does not list into a split of this name (e.g. 'fresh': a "
        "held-out set nobody has tuned or reported on) instead of balancing them into the halves",
    )
    args = parser.parse_args(argv)
    args.skip = {s.lower() for s in args.skip}
    out = pathlib.Path(args.out)
    pinned = {} if args.resplit else read_split(out / "split.csv")
    rows, dropped, heads = build(args, pinned)
    write_csv(rows, out / "commits.csv")
    write_split({**pinned, **{r.repository: r.split for r in rows}}, out / "split.csv")
    text = summary(rows, dropped, heads)
    if args.summary:
        pathlib.Path(args.summary).write_text(text + "\n", encoding="utf-8")
    update_readme(out / "README.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
