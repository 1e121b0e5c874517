"""`gate stats --html` opened in headless Chromium: the page renders with no console error and no
request, hostile names stay text, and every number on it is the number `gate stats --format
json` gives for the same records (issue 16).

Debian's `chromium` package is used as installed (`.ci/run` installs it when it can); the test
installs nothing and skips, saying so, without it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from gates.audit import jsonl

from .conftest import Repo
from .test_audit_stats import PERIOD, make

CHROMIUM = next((found for name in ("chromium", "chromium-browser")
                 if (found := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no headless Chromium on PATH (Debian: apt-get install chromium; "
                             ".ci/run installs it when it can)")

HOSTILE_RULE = "<script>document.title='owned'</script>"
HOSTILE_ACTOR = '"><img src=x onerror=alert(1)>'
# Flags for a closed network: without the background-networking ones Chromium keeps trying to
# reach Google's hosts (docs of this machine); a fresh profile for every run.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--enable-logging=stderr", "--v=0")


class Stats(HTMLParser):
    """Every element that carries a number: (key path, raw value, shown text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[list[Any], str, str]] = []
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self._open: list[tuple[str, list[Any], str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        values = dict(attrs)
        if "data-stat" in values:
            key = json.loads(values["data-stat"] or "[]")
            if tag == "rect":  # a bar: its value, no text of its own
                self.found.append((key, values["data-value"] or "", ""))
            else:
                self._open.append((tag, key, values["data-value"] or "", []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, key, value, text = self._open.pop()
            self.found.append((key, value, "".join(text)))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][3].append(data)


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="draftgate-chromium-") as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120, check=False)


def lookup(doc: Any, key: list[Any]) -> Any:
    for part in key:
        doc = doc[part]
    return doc


def shown_equals(text: str, value: Any) -> bool:
    """The visible text says ``value`` in one of the page's number formats."""
    if value is None:
        return text == "-"
    if text.endswith(" %"):
        return float(text[:-2]) == round(value * 100, 1)
    if text.startswith("$"):
        return float(text[1:]) == round(value, 4)
    if isinstance(value, int):
        return text == f"{value:,}"
    return float(text) == round(value, 3)


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    for record in [*PERIOD,
                   make(5, outcome="block", blocking={HOSTILE_RULE: 1}),
                   make(9, tier="high", approval=("passed", HOSTILE_ACTOR), ai=True,
                        repository="acme/web", model={"status": "passed", "provider": "openai",
                                                      "model": "big", "calls": 1,
                                                      "tokens_in": 123456, "tokens_out": 789,
                                                      "cost": 0.3822})]:
        jsonl.write(path, record)
    return path


def test_the_page_renders_and_says_what_the_json_says(repo: Repo, records: Path,
                                                      tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    doc = json.loads(repo.gate("stats", "--from", str(records), "--format", "json").stdout)
    done = repo.gate("stats", "--from", str(records), "--html", str(page))
    assert done.returncode == 0, done.stderr

    rendered = chromium("--dump-dom", page.as_uri())
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    # Chromium logs each console message (a CSP violation, a failed load) as CONSOLE.
    assert ":CONSOLE" not in rendered.stderr, rendered.stderr
    dom = Stats()
    dom.feed(rendered.stdout)
    assert dom.found, "no numbers on the page"
    for key, value, text in dom.found:
        expected = lookup(doc, key)
        assert value == ("null" if expected is None else str(expected)), key
        assert not text or shown_equals(text.strip(), expected), (key, text, expected)

    keys = {json.dumps(key) for key, _, _ in dom.found}
    required = [["decisions"], ["block_rate"], ["model", "cost"], ["model", "tokens_in"],
                ["approvals", "given"],
                *(["outcomes", name] for name in doc["outcomes"]),
                *(["tiers", i, f] for i in range(len(doc["tiers"]))
                  for f in ("decisions", "share")),
                *(["top_blocking_rules", i, "decisions"]
                  for i in range(len(doc["top_blocking_rules"]))),
                *(["top_tier_rules", i, "decisions"] for i in range(len(doc["top_tier_rules"]))),
                *(["stages", i, "median_seconds"] for i in range(len(doc["stages"]))),
                *(["timeline", "buckets", i, "tiers", tier]
                  for i, b in enumerate(doc["timeline"]["buckets"])
                  for tier, n in b["tiers"].items() if n),
                *(["timeline", "buckets", i, "block_rate"]
                  for i, b in enumerate(doc["timeline"]["buckets"]) if b["decisions"])]
    missing = [k for k in required if json.dumps(k) not in keys]
    assert not missing, missing

    # Hostile names are text: no script or image element, and the page's title is its own.
    assert "script" not in dom.tags and "img" not in dom.tags
    assert "<title>draftgate decisions" in rendered.stdout
    assert "owned" not in rendered.stdout.split("<title>")[1].split("</title>")[0]
    assert "&lt;script&gt;" in rendered.stdout


def test_the_page_is_self_contained_and_paints(repo: Repo, records: Path,
                                               tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    repo.gate("stats", "--from", str(records), "--html", str(page))
    parsed = Stats()
    parsed.feed(page.read_text())
    # Nothing that loads: no element or attribute that names another resource.
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parsed.tags)
    assert not {"src", "href", "srcset", "xlink:href", "action"} & parsed.attributes
    assert "url(" not in page.read_text() and "@import" not in page.read_text()
    shot = tmp_path / "shot.png"
    done = chromium(f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri())
    assert done.returncode == 0 and ":CONSOLE" not in done.stderr, done.stderr[-2000:]
    # A blank white page of this size compresses to a few kilobytes; charts and tables do not.
    assert shot.stat().st_size > 40_000
