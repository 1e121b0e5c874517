"""gates/trust/lookalike.py and bench/popular.py: near-misses of popular names, the shipped list."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

from gates.trust import lookalike
from gates.trust.lookalike import Checker, Resemblance, is_popular, resembles

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path("/work/.mirror/hugovk+top-pypi-packages/repo")
SHIPPED = ROOT / "gates" / "trust" / "popular.txt"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_popular", ROOT / "bench" / "popular.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_popular"] = module
    spec.loader.exec_module(module)
    return module


popular = _load_bench()

# Most downloaded first, as in popular.txt; a small ranking keeps each rule's test readable.
NAMES = ["requests", "pyjwt", "python-dateutil", "beautifulsoup4", "charset-normalizer",
         "pyyaml", "six", "urllib3", "jwt", "flask-cors"]


@pytest.fixture
def small() -> Checker:
    return Checker(NAMES, targets=len(NAMES))


# --- the rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "meant"), [
    ("reqeusts", "requests"),  # adjacent swap
    ("reqests", "requests"),  # deletion
    ("requestss", "requests"),  # insertion
    ("requezts", "requests"),  # substitution
    ("Reqeusts", "requests"),  # compared as normalised
])
def test_one_edit_away_resembles_the_popular_name(small: Checker, name: str, meant: str) -> None:
    assert small.resembles(name) == Resemblance(lookalike.normalize(name), meant, "one edit")


@pytest.mark.parametrize(("name", "shown", "meant", "kind"), [
    # Python lowercases the Kelvin sign onto k: the name must not pass as kafka's own.
    ("\u212aafka-python", "\\u212aafka-python", "kafka-python", "non-ASCII characters"),
    ("r\u0435quests", "r\\u0435quests", "requests", "one edit"),  # a Cyrillic ie
    ("requests\u202e", "requests\\u202e", "requests", "one edit"),  # a bidi override
    ("Request\x1bs", "Request\\x1bs", "requests", "one edit"),  # shown as given
    ("requests\x00", "requests\\x00", "requests", "one edit"),
])
def test_names_outside_printable_ascii_are_never_popular_and_shown_escaped(
        name: str, shown: str, meant: str, kind: str) -> None:
    checker = Checker(["kafka-python", *NAMES])
    assert not checker.is_popular(name)
    found = checker.resembles(name)
    assert found == Resemblance(shown, meant, kind)
    assert found.name.isascii() and found.name.isprintable()


@pytest.mark.parametrize("name", ["reuqsets", "requestsss", "rqests", "sequester"])
def test_two_edits_away_is_not_a_look_alike(small: Checker, name: str) -> None:
    assert small.resembles(name) is None


def test_short_names_need_more_than_one_edit(small: Checker) -> None:
    # Nearly every short name is one edit from another (six/sip/sic): below the length the
    # measurement chose, one edit says nothing.
    assert small.resembles("sixx") is None
    assert small.resembles("sip") is None
    assert Checker(NAMES, min_edit_length=3).resembles("sixx") == Resemblance(
        "sixx", "six", "one edit")


@pytest.mark.parametrize(("name", "kind", "meant"), [
    ("charsetnormalizer", "separators", "charset-normalizer"),
    ("charset_normalizer_", "separators", "charset-normalizer"),
    ("python-jwt", "prefix/suffix", "pyjwt"),  # pyjwt outranks jwt: the bigger one is named
    ("python-yaml", "prefix/suffix", "pyyaml"),
    ("yaml", "prefix/suffix", "pyyaml"),
    ("dateutil", "prefix/suffix", "python-dateutil"),
    ("requests-python", "prefix/suffix", "requests"),
    ("py-requests", "prefix/suffix", "requests"),
    ("pyrequests", "prefix/suffix", "requests"),
    ("beautifulsoup", "digit suffix", "beautifulsoup4"),
    ("urllib", "digit suffix", "urllib3"),
    ("requests2", "digit suffix", "requests"),
])
def test_separator_affix_and_digit_variants(small: Checker, name: str, kind: str,
                                            meant: str) -> None:
    assert small.resembles(name) == Resemblance(lookalike.normalize(name), meant, kind)


def test_each_rule_can_be_switched_off_for_measuring() -> None:
    only_edits = Checker(NAMES, kinds=["one edit"])
    assert only_edits.resembles("python-jwt") is None
    assert only_edits.resembles("charsetnormal-izer") is None
    assert Checker(NAMES).resembles("charsetnormal-izer") == Resemblance(
        "charsetnormal-izer", "charset-normalizer", "separators")
    assert only_edits.resembles("beautifulsoup") == Resemblance(
        "beautifulsoup", "beautifulsoup4", "one edit")


def test_only_the_top_targets_are_imitated() -> None:
    # flask-cors is known (never flagged) but too far down the ranking to be worth imitating.
    checker = Checker(NAMES, targets=3)
    assert checker.resembles("flask-cores") is None
    assert checker.is_popular("flask-cors")
    assert checker.resembles("reqeusts") is not None
    assert checker.resembles("beautifulsoup") is None


@pytest.mark.parametrize("name", ["", "-", "py", "python", "python-py", "0", "a" * 100_000,
                                  "requests" * 5_000, "-" * 1000, "py" * 50_000])
def test_degenerate_and_hostile_names_are_answered(small: Checker, name: str) -> None:
    # A hostile manifest can name anything; each is answered at once (the deletions are bounded
    # by the longest target), and none of these is near a popular name.
    assert small.resembles(name) is None


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("ab", "ba", True), ("abc", "acb", True), ("abc", "abd", True), ("abc", "abcd", True),
    ("abc", "xabc", True), ("abc", "abc", False), ("abc", "cba", False), ("abc", "a", False),
    ("abcd", "badc", False), ("", "a", True), ("ab", "ba ", False),
])
def test_one_edit_is_damerau_distance_one(a: str, b: str, expected: bool) -> None:
    assert lookalike.one_edit(a, b) is expected
    assert lookalike.one_edit(b, a) is expected


# --- the shipped list ----------------------------------------------------------------------

def test_the_shipped_list_loads_and_answers() -> None:
    names = lookalike.read(SHIPPED.read_text(encoding="utf-8"))
    assert len(names) == len(set(names)) == 5000
    assert names[:2] == ["boto3", "packaging"]
    assert lookalike.load() is lookalike.load()  # read once per process
    assert resembles("reqeusts") == Resemblance("reqeusts", "requests", "one edit")
    assert resembles("python-jwt") == Resemblance("python-jwt", "pyjwt", "prefix/suffix")
    assert resembles("beautifulsoup") == Resemblance("beautifulsoup", "beautifulsoup4",
                                                     "digit suffix")
    assert resembles("Colourama") == Resemblance("colourama", "colorama", "one edit")
    assert is_popular("Typing_Extensions") and is_popular("requests")
    assert not is_popular("reqeusts")


def test_popular_names_are_never_flagged() -> None:
    for name in lookalike.read(SHIPPED.read_text(encoding="utf-8")):
        assert resembles(name) is None, name
        assert resembles(name.upper().replace("-", "_")) is None, name


def test_the_header_says_where_the_names_come_from() -> None:
    header = [line for line in SHIPPED.read_text(encoding="utf-8").splitlines()
              if line.startswith("#")]
    text = "\n".join(header)
    assert "hugovk/top-pypi-packages" in text
    assert "# last_update: 2026-04-01" in text
    assert "# N: 5000" in text


def test_the_hook_path_does_not_import_the_check() -> None:
    probe = ("import sys, gates.cli, gates.engine, gates.pipeline, gates.manifests\n"
             "import gates.stages.deps, gates.stages.sast\n"
             "print('gates.trust.lookalike' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# --- the rebuild script --------------------------------------------------------------------

def _mirror_json(tmp_path: Path) -> Path:
    if not (MIRROR / "HEAD").exists():
        pytest.skip(f"the top-pypi-packages mirror is absent ({MIRROR})")
    done = subprocess.run(["git", "-C", str(MIRROR), "show", "HEAD:top-pypi-packages.min.json"],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"the mirror has no top-pypi-packages.min.json: {done.stderr!r}")
    path = tmp_path / "top-pypi-packages.min.json"
    path.write_bytes(done.stdout)
    return path


def test_the_script_rebuilds_the_shipped_file_byte_for_byte(tmp_path: Path) -> None:
    source = _mirror_json(tmp_path)
    out = tmp_path / "popular.txt"
    assert popular.main([str(source), "--out", str(out)]) == 0
    assert out.read_bytes() == SHIPPED.read_bytes()


def _statistics(rows: list[tuple[str, int]]) -> dict[str, object]:
    return {"last_update": "2030-01-02 03:04:05", "source": "ClickHouse",
            "rows": [{"project": name, "download_count": count} for name, count in rows]}


def test_the_ranking_is_deterministic_and_normalised() -> None:
    rows = [("Zeta", 5), ("alpha", 5), ("Typing_Extensions", 9), ("typing.extensions", 1)]
    text = popular.render(_statistics(rows), 10)
    assert text == popular.render(_statistics(rows[::-1]), 10)
    assert lookalike.read(text) == ["typing-extensions", "alpha", "zeta"]
    assert "# N: 3\n" in text and "# last_update: 2030-01-02 03:04:05\n" in text
    assert lookalike.read(popular.render(_statistics(rows), 2)) == ["typing-extensions", "alpha"]


@pytest.mark.parametrize("project", ["", "../etc", "foo bar", "-lead", "a\nrequests", "ü"])
def test_a_name_that_is_not_a_package_name_stops_the_rebuild(project: str) -> None:
    # The file's lines become trusted names: a row that would add a line or a comment is refused.
    with pytest.raises(ValueError, match="not a package name"):
        popular.render(_statistics([("requests", 3), (project, 2)]), 10)


@pytest.mark.parametrize(("key", "value"), [
    ("last_update", "2030-01-01\nreqeusts"), ("source", "x\r\n# N: 9\nevil"), ("last_update", ""),
])
def test_a_header_field_cannot_add_a_line(key: str, value: str) -> None:
    data = {**_statistics([("requests", 3)]), key: value}
    with pytest.raises(ValueError, match=f"unexpected {key}"):
        popular.render(data, 10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "top.json").write_text(json.dumps(_statistics([("requests", 3), ("six", 2)])))
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/top.json"
    finally:
        server.shutdown()
        server.server_close()


def test_the_script_reads_the_statistics_from_a_url(served: str, tmp_path: Path) -> None:
    out = tmp_path / "popular.txt"
    assert popular.main([served, "--out", str(out), "--top", "1"]) == 0
    assert lookalike.read(out.read_text(encoding="utf-8")) == ["requests"]
