"""The offline OSV database: both folder layouts, and OSV range matching in PEP 440 order."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gates.errors import ToolFailure
from gates.vulns import Advisory, AuditResult, Pin
from gates.vulns.osv import OfflineDatabase

from .conftest import NO_SHARED_ADVISORY_DB, SHARED_ADVISORY_DB

SHARED_DB = SHARED_ADVISORY_DB


def advisory(osv_id: str, package: str, *events: list[dict[str, str]],
             versions: Iterable[str] = (), ecosystem: str = "PyPI",
             aliases: Iterable[str] = (), **extra: Any) -> dict[str, Any]:
    """An OSV record with one affected package; each ``events`` list is one ECOSYSTEM range."""
    affected: dict[str, Any] = {"package": {"name": package, "ecosystem": ecosystem}}
    if events:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": e} for e in events]
    if versions:
        affected["versions"] = list(versions)
    record: dict[str, Any] = {"id": osv_id, "modified": "2024-01-01T00:00:00Z"}
    record.update(extra)
    record["affected"] = [affected, *record.pop("more_affected", [])]
    if aliases:
        record["aliases"] = list(aliases)
    return record


class Db:
    """A small advisory database in one of the two layouts the reader supports."""

    def __init__(self, root: Path, layout: str) -> None:
        self.root = root
        self.layout = layout
        root.mkdir(parents=True, exist_ok=True)

    def add(self, record: dict[str, Any]) -> None:
        if self.layout == "pypa":
            folder = self.root / "vulns" / record["affected"][0]["package"]["name"]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{record['id']}.yaml").write_text(
                yaml.safe_dump(record, sort_keys=False), "utf-8")
        else:
            (self.root / f"{record['id']}.json").write_text(json.dumps(record, indent=2), "utf-8")

    def audit(self, pins: list[Pin]) -> AuditResult:
        return OfflineDatabase(self.root).audit(pins)

    def ids(self, name: str, *versions: str) -> dict[str, list[str]]:
        """For each version of ``name``: the ids of the advisories affecting it."""
        result = self.audit([(name, v) for v in versions])
        assert result.audited == {(name, v) for v in versions}
        return {v: sorted(a.id for a in result.advisories[(name, v)]) for v in versions}


@pytest.fixture(params=["pypa", "json"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    return Db(tmp_path / "advisories", request.param)


# --- ranges --------------------------------------------------------------------------------------


def test_introduced_is_affected_and_fixed_is_not(db: Db) -> None:
    db.add(advisory("PYSEC-2024-1", "requests",
                    [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]))
    assert db.ids("requests", "2.2.9", "2.3.0", "2.30.0", "2.31.0", "2.32.3") == {
        "2.2.9": [],
        "2.3.0": ["PYSEC-2024-1"],
        "2.30.0": ["PYSEC-2024-1"],
        "2.31.0": [],
        "2.32.3": [],
    }


def test_introduced_zero_covers_every_earlier_version(db: Db) -> None:
    db.add(advisory("PYSEC-2024-2", "jinja2", [{"introduced": "0"}, {"fixed": "3.1.3"}]))
    assert db.ids("jinja2", "0.1", "1.0", "2.11.3", "3.1.2", "3.1.3", "3.1.4") == {
        "0.1": ["PYSEC-2024-2"],
        "1.0": ["PYSEC-2024-2"],
        "2.11.3": ["PYSEC-2024-2"],
        "3.1.2": ["PYSEC-2024-2"],
        "3.1.3": [],
        "3.1.4": [],
    }


def test_introduced_without_fix_affects_everything_after(db: Db) -> None:
    db.add(advisory("PYSEC-2024-3", "pyjwt", [{"introduced": "2.0.0"}]))
    assert db.ids("pyjwt", "1.7.1", "2.0.0", "99.0") == {
        "1.7.1": [],
        "2.0.0": ["PYSEC-2024-3"],
        "99.0": ["PYSEC-2024-3"],
    }
    [found] = db.audit([("pyjwt", "2.8.0")]).advisories[("pyjwt", "2.8.0")]
    assert found.fixed is None


def test_several_ranges_in_one_advisory(db: Db) -> None:
    db.add(advisory(
        "PYSEC-2021-99", "django",
        [{"introduced": "2.2"}, {"fixed": "2.2.21"}, {"introduced": "3.1"}, {"fixed": "3.1.9"}],
        [{"introduced": "3.2"}, {"fixed": "3.2.1"}],
    ))
    assert db.ids("django", "2.1.15", "2.2", "2.2.20", "2.2.21", "3.0.14", "3.1.0", "3.1.8",
                  "3.1.9", "3.2.0", "3.2.1", "4.0") == {
        "2.1.15": [],
        "2.2": ["PYSEC-2021-99"],
        "2.2.20": ["PYSEC-2021-99"],
        "2.2.21": [],
        "3.0.14": [],
        "3.1.0": ["PYSEC-2021-99"],
        "3.1.8": ["PYSEC-2021-99"],
        "3.1.9": [],
        "3.2.0": ["PYSEC-2021-99"],
        "3.2.1": [],
        "4.0": [],
    }


def test_last_affected_is_inclusive(db: Db) -> None:
    db.add(advisory("PYSEC-2024-4", "lxml", [{"introduced": "4.0"}, {"last_affected": "4.9.3"}]))
    assert db.ids("lxml", "3.9", "4.0", "4.9.3", "4.9.3.post1", "4.9.4", "5.0") == {
        "3.9": [],
        "4.0": ["PYSEC-2024-4"],
        "4.9.3": ["PYSEC-2024-4"],
        "4.9.3.post1": [],
        "4.9.4": [],
        "5.0": [],
    }
    [found] = db.audit([("lxml", "4.9.3")]).advisories[("lxml", "4.9.3")]
    assert found.fixed is None


def test_versions_list_matches_outside_the_ranges(db: Db) -> None:
    db.add(advisory("PYSEC-2024-5", "pillow", [{"introduced": "10.0.0"}, {"fixed": "10.2.0"}],
                    versions=["9.5.0", "10.0.0", "10.1.0"]))
    assert db.ids("pillow", "9.4.0", "9.5.0", "9.5.0.0", "10.1.0", "10.2.0") == {
        "9.4.0": [],
        "9.5.0": ["PYSEC-2024-5"],  # listed, not in any range
        "9.5.0.0": ["PYSEC-2024-5"],  # the same version in PEP 440
        "10.1.0": ["PYSEC-2024-5"],
        "10.2.0": [],
    }


def test_versions_list_without_ranges(db: Db) -> None:
    db.add(advisory("PYSEC-2024-6", "tqdm", versions=["4.66.1", "4.66.2"]))
    assert db.ids("tqdm", "4.66.0", "4.66.1", "4.66.2", "4.66.3") == {
        "4.66.0": [],
        "4.66.1": ["PYSEC-2024-6"],
        "4.66.2": ["PYSEC-2024-6"],
        "4.66.3": [],
    }


# --- PEP 440 ordering ---------------------------------------------------------------------------


def test_ordering_is_numeric_not_lexical(db: Db) -> None:
    db.add(advisory("PYSEC-2024-7", "urllib3", [{"introduced": "1.2"}, {"fixed": "1.10"}]))
    assert db.ids("urllib3", "1.1", "1.2", "1.9", "1.9.9", "1.10", "1.10.1", "1.11") == {
        "1.1": [],
        "1.2": ["PYSEC-2024-7"],
        "1.9": ["PYSEC-2024-7"],
        "1.9.9": ["PYSEC-2024-7"],
        "1.10": [],
        "1.10.1": [],
        "1.11": [],
    }


def test_release_candidate_sorts_before_the_release(db: Db) -> None:
    db.add(advisory("PYSEC-2024-8", "flask", [{"introduced": "1.0"}, {"fixed": "2.0"}]))
    assert db.ids("flask", "2.0rc1", "2.0b2", "2.0.dev3", "2.0", "2.0.0", "2.0.1") == {
        "2.0rc1": ["PYSEC-2024-8"],
        "2.0b2": ["PYSEC-2024-8"],
        "2.0.dev3": ["PYSEC-2024-8"],
        "2.0": [],
        "2.0.0": [],
        "2.0.1": [],
    }


def test_post_release_sorts_after_the_release(db: Db) -> None:
    db.add(advisory("PYSEC-2024-9", "tornado", [{"introduced": "0"}, {"fixed": "1.0.post1"}]))
    db.add(advisory("PYSEC-2024-10", "tornado",
                    [{"introduced": "2.0"}, {"last_affected": "2.0"}]))
    assert db.ids("tornado", "1.0", "1.0.post1", "2.0", "2.0.post1") == {
        "1.0": ["PYSEC-2024-9"],
        "1.0.post1": [],
        "2.0": ["PYSEC-2024-10"],
        "2.0.post1": [],
    }


# --- names, ecosystems, withdrawn ---------------------------------------------------------------


def test_package_names_are_compared_normalised(db: Db) -> None:
    db.add(advisory("GHSA-aaaa-bbbb-cccc", "Django_Rest-Framework",
                    [{"introduced": "0"}, {"fixed": "3.15.2"}]))
    pins = [("django-rest-framework", "3.15.1"), ("Django.REST_framework", "3.14.0"),
            ("django-rest-framework", "3.15.2")]
    result = db.audit(pins)
    assert result.audited == frozenset(pins)
    assert [a.id for a in result.advisories[pins[0]]] == ["GHSA-aaaa-bbbb-cccc"]
    assert [a.id for a in result.advisories[pins[1]]] == ["GHSA-aaaa-bbbb-cccc"]
    assert result.advisories[pins[2]] == ()


def test_other_ecosystems_are_ignored(db: Db) -> None:
    db.add(advisory("GHSA-npm1-0000-0000", "markdown", [{"introduced": "0"}],
                    ecosystem="npm"))
    db.add(advisory(
        "GHSA-mix1-0000-0000", "markdown", [{"introduced": "0"}, {"fixed": "3.0"}],
        more_affected=[{"package": {"name": "markdown", "ecosystem": "npm"},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}],
    ))
    assert db.ids("markdown", "2.6", "3.5.2") == {
        "2.6": ["GHSA-mix1-0000-0000"],
        "3.5.2": [],  # only the npm package of the same name is affected in 3.5.2
    }


def test_withdrawn_advisories_are_ignored(db: Db) -> None:
    db.add(advisory("PYSEC-2024-11", "paramiko", [{"introduced": "0"}],
                    withdrawn="2024-02-01T00:00:00Z"))
    db.add(advisory("PYSEC-2024-12", "paramiko", [{"introduced": "0"}, {"fixed": "3.4.0"}]))
    assert db.ids("paramiko", "3.3.1", "3.4.0") == {
        "3.3.1": ["PYSEC-2024-12"],
        "3.4.0": [],
    }


# --- what is reported ---------------------------------------------------------------------------


def test_advisory_reports_aliases_summary_and_first_fix_above_the_pin(db: Db) -> None:
    db.add(advisory(
        "PYSEC-2024-13", "cryptography",
        [{"introduced": "40.0.0"}, {"fixed": "42.0.4"}],  # listed first, not the lowest fix
        [{"introduced": "0"}, {"fixed": "3.3.2"}, {"introduced": "39.0.0"}, {"fixed": "41.0.6"}],
        aliases=["CVE-2024-26130", "GHSA-6vqw-3v5j-54x4"],
        summary="NULL pointer dereference in pkcs12.serialize_key_and_certificates",
        details="A long description.\nWith several lines.",
    ))
    pins = [("cryptography", "39.0.1"), ("cryptography", "41.0.7"), ("cryptography", "2.9")]
    result = db.audit(pins)
    expected = Advisory(
        id="PYSEC-2024-13",
        aliases=("CVE-2024-26130", "GHSA-6vqw-3v5j-54x4"),
        fixed="41.0.6",  # above 39.0.1: 41.0.6 and 42.0.4; 3.3.2 is below it
        summary="NULL pointer dereference in pkcs12.serialize_key_and_certificates",
    )
    assert result.advisories[pins[0]] == (expected,)
    assert [a.fixed for a in result.advisories[pins[1]]] == ["42.0.4"]
    assert [a.fixed for a in result.advisories[pins[2]]] == ["3.3.2"]


def test_summary_falls_back_to_the_first_line_of_details(db: Db) -> None:
    db.add(advisory("PYSEC-2024-14", "pyyaml", [{"introduced": "0"}, {"fixed": "5.4"}],
                    details="Arbitrary code execution in full_load.\nMore text follows."))
    [found] = db.audit([("pyyaml", "5.3.1")]).advisories[("pyyaml", "5.3.1")]
    assert found == Advisory("PYSEC-2024-14", (), "5.4", "Arbitrary code execution in full_load.")


def test_several_advisories_for_one_pin(db: Db) -> None:
    db.add(advisory("PYSEC-2023-1", "werkzeug", [{"introduced": "0"}, {"fixed": "2.2.3"}]))
    db.add(advisory("PYSEC-2023-2", "werkzeug", [{"introduced": "0"}, {"fixed": "2.3.8"}]))
    db.add(advisory("PYSEC-2023-3", "werkzeug", [{"introduced": "3.0.0"}, {"fixed": "3.0.1"}]))
    assert db.ids("werkzeug", "2.2.2", "2.3.0", "3.0.0") == {
        "2.2.2": ["PYSEC-2023-1", "PYSEC-2023-2"],
        "2.3.0": ["PYSEC-2023-2"],
        "3.0.0": ["PYSEC-2023-3"],
    }


def test_unparseable_version_is_a_problem_not_audited(db: Db) -> None:
    db.add(advisory("PYSEC-2024-15", "requests", [{"introduced": "0"}, {"fixed": "2.31.0"}]))
    bad: Pin = ("requests", "not-a-version!")
    good: Pin = ("requests", "2.30.0")
    result = db.audit([bad, good])
    assert bad not in result.audited
    assert bad not in result.advisories
    assert "not-a-version!" in result.problems[bad]
    assert result.audited == frozenset({good})
    assert [a.id for a in result.advisories[good]] == ["PYSEC-2024-15"]
    assert set(result.problems) == {bad}


def test_package_without_advisories_is_audited_clean(db: Db) -> None:
    db.add(advisory("PYSEC-2024-16", "requests", [{"introduced": "0"}, {"fixed": "2.31.0"}]))
    pin: Pin = ("attrs", "23.2.0")
    result = db.audit([pin])
    assert result.source == "offline OSV database"
    assert result.audited == frozenset({pin})
    assert result.advisories == {pin: ()}
    assert result.problems == {}


def test_empty_audit(db: Db) -> None:
    db.add(advisory("PYSEC-2024-17", "requests", [{"introduced": "0"}]))
    result = db.audit([])
    assert (result.advisories, result.audited, result.problems) == ({}, frozenset(), {})


# --- layouts and failures -----------------------------------------------------------------------


def test_missing_database_folder_is_a_tool_failure(tmp_path: Path) -> None:
    with pytest.raises(ToolFailure, match="not a folder"):
        OfflineDatabase(tmp_path / "does-not-exist")


def test_database_path_that_is_a_file_is_a_tool_failure(tmp_path: Path) -> None:
    path = tmp_path / "advisories.json"
    path.write_text("{}", "utf-8")
    with pytest.raises(ToolFailure):
        OfflineDatabase(path)


def test_unreadable_advisory_is_a_tool_failure(tmp_path: Path) -> None:
    folder = tmp_path / "db" / "vulns" / "requests"
    folder.mkdir(parents=True)
    (folder / "PYSEC-2024-18.yaml").write_text("id: [unclosed\n", "utf-8")
    with pytest.raises(ToolFailure, match="PYSEC-2024-18"):
        OfflineDatabase(tmp_path / "db").audit([("requests", "2.0")])


def test_pypa_yaml_as_published(tmp_path: Path) -> None:
    """The PyPA files' own YAML style: unquoted versions where YAML keeps them strings."""
    folder = tmp_path / "db" / "vulns" / "django"
    folder.mkdir(parents=True)
    (folder / "PYSEC-2021-98.yaml").write_text("""\
id: PYSEC-2021-98
details: In Django 2.2 before 2.2.21, 3.1 before 3.1.9, and 3.2 before 3.2.1, MultiPartParser
  allowed directory traversal via uploaded files with suitably crafted file names.
affected:
- package:
    name: django
    ecosystem: PyPI
    purl: pkg:pypi/django
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '2.2'
    - fixed: 2.2.21
    - introduced: '3.1'
    - fixed: 3.1.9
    - introduced: '3.2'
    - fixed: 3.2.1
  versions:
  - '2.2'
  - 2.2.1
aliases:
- CVE-2021-31542
modified: '2021-05-13T13:41:00Z'
published: '2021-05-05T15:15:00Z'
""", "utf-8")
    (folder / "PYSEC-2019-1.yaml").write_text("""\
id: PYSEC-2019-1
affected:
- package:
    name: django
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: 0
    - fixed: 1.11.19
""", "utf-8")
    result = OfflineDatabase(tmp_path / "db").audit(
        [("django", "2.2.5"), ("django", "3.2.0"), ("django", "1.11.18"), ("django", "3.2.1")])
    assert result.advisories[("django", "2.2.5")] == (Advisory(
        "PYSEC-2021-98", ("CVE-2021-31542",), "2.2.21",
        "In Django 2.2 before 2.2.21, 3.1 before 3.1.9, and 3.2 before 3.2.1, MultiPartParser "
        "allowed directory traversal via uploaded files with suitably crafted file names."),)
    assert [a.fixed for a in result.advisories[("django", "3.2.0")]] == ["3.2.1"]
    assert [a.id for a in result.advisories[("django", "1.11.18")]] == ["PYSEC-2019-1"]
    assert result.advisories[("django", "3.2.1")] == ()


def test_pypa_layout_opened_at_its_vulns_folder(tmp_path: Path) -> None:
    Db(tmp_path / "db", "pypa").add(
        advisory("PYSEC-2024-19", "requests", [{"introduced": "0"}, {"fixed": "2.31.0"}]))
    result = OfflineDatabase(tmp_path / "db" / "vulns").audit([("requests", "2.30.0")])
    assert [a.id for a in result.advisories[("requests", "2.30.0")]] == ["PYSEC-2024-19"]


def test_flat_json_advisory_naming_several_packages(tmp_path: Path) -> None:
    db = Db(tmp_path / "osv", "json")
    db.add(advisory(
        "GHSA-mult-0000-0000", "aiohttp", [{"introduced": "0"}, {"fixed": "3.9.2"}],
        more_affected=[{"package": {"name": "aiohttp-jinja2", "ecosystem": "PyPI"},
                        "ranges": [{"type": "ECOSYSTEM",
                                    "events": [{"introduced": "0"}, {"fixed": "1.6"}]}]}],
    ))
    result = db.audit([("aiohttp", "3.9.1"), ("aiohttp-jinja2", "1.5.1"),
                       ("aiohttp-jinja2", "1.6")])
    assert [a.fixed for a in result.advisories[("aiohttp", "3.9.1")]] == ["3.9.2"]
    assert [a.fixed for a in result.advisories[("aiohttp-jinja2", "1.5.1")]] == ["1.6"]
    assert result.advisories[("aiohttp-jinja2", "1.6")] == ()


def test_nested_json_export_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "osv" / "2024" / "01"
    folder.mkdir(parents=True)
    record = advisory("GHSA-nest-0000-0000", "requests",
                      [{"introduced": "0"}, {"fixed": "2.31.0"}])
    (folder / "GHSA-nest-0000-0000.json").write_text(json.dumps(record), "utf-8")
    result = OfflineDatabase(tmp_path / "osv").audit([("requests", "2.30.0")])
    assert [a.id for a in result.advisories[("requests", "2.30.0")]] == ["GHSA-nest-0000-0000"]


# --- the real PyPA snapshot, when it is there ---------------------------------------------------


@pytest.mark.skipif(not SHARED_DB.is_dir(), reason=NO_SHARED_ADVISORY_DB)
def test_shared_pypa_snapshot_django() -> None:
    old: Pin = ("django", "3.2.0")
    recent: Pin = ("django", "5.1.1")
    result = OfflineDatabase(SHARED_DB).audit([old, recent])
    assert result.audited == {old, recent}
    by_id: Callable[[Pin], dict[str, Advisory]] = \
        lambda pin: {a.id: a for a in result.advisories[pin]}  # noqa: E731
    hit = by_id(old)["PYSEC-2021-7"]
    assert hit.fixed == "3.2.1"
    assert "CVE-2021-31542" in hit.aliases
    assert "PYSEC-2021-7" not in by_id(recent)
