"""Which version ranges the dependency audit reports: an application's, on the lines the change
touched; a library's declared ranges never, except a dependency the change adds. Driven in-process
through the engine on real repositories; only notes change, never what blocks or waits."""

from __future__ import annotations

from gates.engine import Request, check
from gates.model import Finding, SourceKind, StageResult, StageStatus
from tests.conftest import Repo

LIBRARY = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo"
version = "1.0"
dependencies = [
    "certifi",
    "idna>=3",
]

[project.optional-dependencies]
cli = ["click==8.*"]

[dependency-groups]
dev = ["pytest>=8"]
"""

APPLICATION = """\
[project]
name = "service"
version = "0"
dependencies = [
    "flask>=3",
    "gunicorn",
]
"""


def deps(repo: Repo) -> StageResult:
    decision = check(Request(SourceKind.STAGED, cwd=repo.root, use_cache=False))
    return next(r for r in decision.results if r.stage == "deps")


def reported(result: StageResult) -> list[tuple[str, str, int | None]]:
    return sorted((f.rule, f.path, f.line) for f in result.findings)


def only(result: StageResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


def test_a_library_declares_ranges_only_a_new_dependency_is_said(seeded: Repo) -> None:
    seeded.write("pyproject.toml", LIBRARY)
    seeded.commit("library")
    seeded.write("pyproject.toml", LIBRARY.replace('"idna>=3",', '"idna>=3.7",\n    "anyio",')
                 .replace('"pytest>=8"', '"pytest>=8", "coverage"'))
    result = deps(seeded)
    # idna's range was rewritten and anyio is new: both said, as notes; certifi is not.
    assert reported(result) == [("changed-range", "pyproject.toml", 10),
                                ("new-dependency", "pyproject.toml", 11),
                                ("unpinned", "pyproject.toml", 18)]  # a dev group: the project's
    (changed,) = only(result, "changed-range")
    assert "idna>=3.7" in changed.message and not changed.blocking
    (new,) = only(result, "new-dependency")
    assert "anyio" in new.message and not new.blocking
    assert result.status is StageStatus.PASSED
    assert "version ranges a library declares" in result.message
    assert result.message.startswith("3 requirements not audited")


def test_an_application_reports_the_ranges_the_change_touched(seeded: Repo) -> None:
    seeded.write("pyproject.toml", APPLICATION)
    seeded.write("requirements-dev.txt", "pytest\nruff>=0.4\n")
    seeded.commit("application")
    seeded.write("pyproject.toml", APPLICATION.replace('"gunicorn",', '"gunicorn",\n    "redis",'))
    seeded.write("requirements-dev.txt", "pytest\n  ruff >= 0.4\nmypy\n")
    result = deps(seeded)
    assert reported(result) == [("unpinned", "pyproject.toml", 7),
                                ("unpinned", "requirements-dev.txt", 3)]
    # flask, gunicorn, pytest untouched; ruff only re-indented: counted, not listed.
    assert "4 unpinned lines the change did not touch" in result.message


def test_a_change_cannot_turn_an_application_into_a_library_to_quiet_it(seeded: Repo) -> None:
    seeded.write("pyproject.toml", APPLICATION)
    seeded.commit("application")
    seeded.write("pyproject.toml", '[build-system]\nrequires = ["setuptools"]\n\n'
                 + APPLICATION.replace('"gunicorn",', '"gunicorn",\n    "redis",'))
    result = deps(seeded)
    assert ("unpinned", "pyproject.toml", 10) in reported(result)
    assert ("unpinned", "pyproject.toml", 2) in reported(result)  # setuptools: touched too
    assert not only(result, "new-dependency")


def test_a_policy_that_blocks_unpinned_still_blocks_every_range(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  unpinned: high\n")
    seeded.write("pyproject.toml", LIBRARY)
    seeded.commit("library, strict policy")
    seeded.write("pyproject.toml", LIBRARY.replace('name = "demo"', 'name = "demo2"'))
    result = deps(seeded)
    blocked = only(result, "unpinned")
    assert len(blocked) == 5 and all(f.blocking for f in blocked)  # untouched library lines too
    assert result.status is StageStatus.FAILED


def test_packages_that_are_never_built_are_applications(seeded: Repo) -> None:
    poetry_app = ('[build-system]\nrequires = ["poetry-core"]\n'
                  'build-backend = "poetry.core.masonry.api"\n\n[tool.poetry]\n'
                  'package-mode = false\n\n[tool.poetry.dependencies]\npython = "^3.11"\n')
    seeded.write("svc/pyproject.toml", poetry_app)
    seeded.write("tool/pyproject.toml", LIBRARY + "\n[tool.uv]\npackage = false\n")
    seeded.commit("two applications")
    seeded.write("svc/pyproject.toml", poetry_app + 'httpx = "^0.27"\n')
    seeded.write("tool/pyproject.toml", LIBRARY.replace('"certifi",', '"certifi",\n    "rich",')
                 + "\n[tool.uv]\npackage = false\n")
    result = deps(seeded)
    assert reported(result) == [("unpinned", "svc/pyproject.toml", 10),
                                ("unpinned", "tool/pyproject.toml", 10)]


def test_setup_cfg_declares_what_it_installs_not_its_test_requirements(seeded: Repo) -> None:
    cfg = "[metadata]\nname = demo\n\n[options]\ninstall_requires =\n    requests>=2\n"
    seeded.write("setup.cfg", cfg)
    seeded.commit("setup.cfg")
    seeded.write("setup.cfg", cfg + "    urllib3\ntests_require =\n    pytest\n")
    result = deps(seeded)
    assert reported(result) == [("new-dependency", "setup.cfg", 7),
                                ("unpinned", "setup.cfg", 9)]


def test_what_waits_for_a_person_in_a_library_still_waits(seeded: Repo) -> None:
    seeded.write("pyproject.toml", LIBRARY)
    seeded.commit("library")
    # A direct URL is a package source, whatever kind of project declares it.
    seeded.write("pyproject.toml", LIBRARY.replace(
        '"certifi",', '"certifi",\n    "demo-extra @ https://example.invalid/demo_extra.tar.gz",'))
    result = deps(seeded)
    assert result.status is StageStatus.PENDING
    assert [f.line for f in only(result, "package-source")] == [10]


def test_a_pyproject_of_the_wrong_shape_waits_for_a_person(seeded: Repo) -> None:
    # Valid TOML that no installer reads (a string where a table belongs): not audited, not an
    # internal error, never clean.
    seeded.write("pyproject.toml", 'project = "demo"\n[build-system]\nrequires = []\n')
    result = deps(seeded)
    assert result.status is StageStatus.PENDING
    assert [f.rule for f in result.findings] == ["not-audited"]
