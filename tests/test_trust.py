"""The packages a change adds are checked against the package index pip would use (the suite's
own, on 127.0.0.1: tests/index_server.py) and against the list of popular names, end to end
through the engine on real repositories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gates.engine import Request, check
from gates.model import Finding, SourceKind, StageResult, StageStatus

from .conftest import Repo
from .index_server import Index


@pytest.fixture
def seeded(seeded: Repo) -> Repo:
    """Pins audited against an (empty) offline database: the trust checks are what is tested."""
    (seeded.root / "advisories" / "vulns").mkdir(parents=True)
    (seeded.root / "advisories" / "vulns" / "README").write_text("no advisories\n")
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n")
    seeded.git("add", "advisories")
    seeded.commit("offline advisories")
    return seeded


def deps(repo: Repo, *, cache: bool = True) -> tuple[int, StageResult]:
    decision = check(Request(SourceKind.STAGED, cwd=repo.root, use_cache=cache))
    return decision.exit_code, next(r for r in decision.results if r.stage == "deps")


def rules(result: StageResult) -> dict[str, Finding]:
    return {f.rule: f for f in result.findings}


def days_ago(*days: int) -> list[tuple[str, datetime]]:
    now = datetime.now(UTC)
    return [(f"0.{i}", now - timedelta(days=d)) for i, d in enumerate(days)]


def test_an_established_package_passes(seeded: Repo) -> None:
    seeded.write("requirements.txt", "attrs==23.2.0\n")
    code, result = deps(seeded)
    assert not {"no-such-package", "new-package", "lookalike", "trust-unchecked"} & set(
        rules(result)), result.findings
    assert code == 0 and result.status is StageStatus.PASSED


def test_a_name_the_index_does_not_have_blocks(seeded: Repo, package_index: Index) -> None:
    package_index.withdraw("fastapi-auth-helperz")
    seeded.write("requirements.txt", "fastapi-auth-helperz==1.0.0\n")
    code, result = deps(seeded)
    finding = rules(result)["no-such-package"]
    assert finding.blocking and finding.line == 1 and "hallucinated" in finding.message
    assert code == 1 and result.status is StageStatus.FAILED


@pytest.mark.parametrize(("ages", "why"), [
    ((14, 13), "first published 14 day(s) ago"),
    ((400,), "has 1 release(s)"),
    ((400, 14), None),  # an old package's fresh release: established
])
def test_a_young_or_single_release_package_waits_for_a_person(
        seeded: Repo, package_index: Index, ages: tuple[int, ...], why: str | None) -> None:
    package_index.publish("shinyfmt", days_ago(*ages))
    seeded.write("requirements.txt", "shinyfmt==0.1\n")
    code, result = deps(seeded)
    said = [f for f in result.findings if f.rule == "new-package"]
    if why is None:
        assert said == [] and result.status is not StageStatus.PENDING
        return
    assert [f for f in said if why in f.message] and not any(f.blocking for f in said)
    assert result.status is StageStatus.PENDING and code == 3


@pytest.mark.parametrize(("name", "popular"), [
    ("reqeusts", "requests"), ("beautifulsoup", "beautifulsoup4"), ("urlib3", "urllib3")])
def test_a_look_alike_of_a_popular_package_waits_for_a_person(seeded: Repo, name: str,
                                                              popular: str) -> None:
    seeded.write("requirements.txt", f"{name}==2.32.0\n")
    code, result = deps(seeded)
    finding = rules(result)["lookalike"]
    assert popular in finding.message and not finding.blocking
    assert result.status is StageStatus.PENDING and code == 3


def test_a_missing_look_alike_blocks_and_says_what_it_resembles(seeded: Repo,
                                                               package_index: Index) -> None:
    package_index.withdraw("reqeusts")
    seeded.write("requirements.txt", "reqeusts==2.32.0\n")
    code, result = deps(seeded)
    assert "requests" in rules(result)["no-such-package"].message and code == 1


def test_no_index_is_never_a_quiet_pass_and_look_alikes_are_still_found(
        seeded: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")  # a closed port
    seeded.write("requirements.txt", "attrs==23.2.0\nreqeusts==2.32.0\n")
    code, result = deps(seeded)
    unchecked = [f for f in result.findings if f.rule == "trust-unchecked"]
    assert {f.line for f in unchecked} == {1, 2}
    assert "could not be checked" in unchecked[0].message
    assert "requests" in rules(result)["lookalike"].message
    assert result.status is StageStatus.PENDING and code == 3


def test_names_the_policy_vouches_for_are_not_checked(seeded: Repo,
                                                     package_index: Index) -> None:
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                 "  trust:\n    allow: [Reqeusts]\n")
    seeded.commit("we mean it")
    package_index.withdraw("reqeusts")
    seeded.write("requirements.txt", "reqeusts==2.32.0\n")
    _, result = deps(seeded)
    assert not {"no-such-package", "lookalike"} & set(rules(result))


def test_only_names_new_to_the_manifest_are_checked_and_answers_are_cached(
        seeded: Repo, package_index: Index) -> None:
    seeded.write("requirements.txt", "attrs==23.1.0\n")
    seeded.commit("attrs")
    seeded.write("requirements.txt", "attrs==23.2.0\nidna==3.7\n")  # a bump and a new name
    deps(seeded)
    asked = [p for p in package_index.requests if "/simple/" in p]
    assert [p.rstrip("/").rsplit("/", 1)[-1] for p in asked] == ["idna"]
    deps(seeded)
    assert len([p for p in package_index.requests if "/simple/" in p]) == 1  # from the cache


def test_trust_can_be_turned_off_and_its_settings_are_validated(seeded: Repo,
                                                                package_index: Index) -> None:
    from gates.errors import PolicyError

    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n"
                 "  trust: {enabled: false}\n")
    seeded.commit("no trust checks")
    package_index.withdraw("fastapi-auth-helperz")
    seeded.write("requirements.txt", "fastapi-auth-helperz==1.0.0\n")
    _, result = deps(seeded)
    assert "no-such-package" not in rules(result) and package_index.requests == []
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  trust: {min_age_days: -1}\n")
    seeded.commit("a bad setting")
    with pytest.raises(PolicyError, match=r"deps\.trust\.min_age_days"):
        deps(seeded)
