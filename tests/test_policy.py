"""Loading, merging and validating policies; every error names file, line and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from gates.errors import PolicyError
from gates.policy import source
from gates.policy.load import default_text, load_policy

from .conftest import Repo


def load(text: str, tmp_path: Path, name: str = "policy.yaml") -> object:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return source.from_file(path)


def error(text: str, tmp_path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load(text, tmp_path)
    return caught.value


def test_default_policy_has_the_required_categories() -> None:
    policy = source.default()
    names = {c.name for c in policy.categories}
    assert {"auth", "crypto", "secrets", "migrations", "ci", "gate-policy", "dependencies",
            "infrastructure"} <= names
    assert policy.tiers == ("low", "medium", "high")
    assert policy.size.max_files == 25 and policy.size.max_lines == 800
    assert policy.size.tier == "high"
    assert ("medium", "high") in policy.provenance.escalate
    assert policy.lanes["high"] == ("sast", "deps", "review", "approval")


def test_extends_default_overrides_and_adds(tmp_path: Path) -> None:
    policy = source.from_file(_write(tmp_path, """
        extends: default
        size:
          max_files: 5
        categories:
          auth:
            tier: medium
          payments:
            tier: high
            paths: ['billing/']
    """))
    categories = {c.name: c for c in policy.categories}
    assert categories["auth"].tier == "medium"
    assert categories["auth"].paths  # the default's paths are kept: mappings merge key by key
    assert categories["payments"].paths == ("billing/",)
    assert policy.size.max_files == 5 and policy.size.max_lines == 800


def test_a_category_can_be_disabled(tmp_path: Path) -> None:
    policy = source.from_file(_write(tmp_path, """
        extends: default
        categories:
          infrastructure: {enabled: false}
    """))
    assert "infrastructure" not in {c.name for c in policy.categories}


def test_extends_a_relative_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("extends: default\nsize: {max_lines: 10}\n")
    policy = source.from_file(_write(tmp_path, "extends: base.yaml\nsize: {max_files: 3}\n"))
    assert (policy.size.max_files, policy.size.max_lines) == (3, 10)


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(PolicyError, match="extends itself"):
        source.from_file(tmp_path / "a.yaml")


@pytest.mark.parametrize(
    ("text", "line", "key", "says"),
    [
        ("tiers: [low, high]\nlanes: {low: [], high: []}\nbogus: 1\n", 3, "bogus", "unknown key"),
        ("extends: default\ncategories:\n  auth:\n    tier: critical\n", 4, "categories.auth.tier",
         "unknown tier 'critical'"),
        ("extends: default\ncategories:\n  auth:\n    content:\n      - ok\n      - 'a(b'\n", 6,
         "categories.auth.content[1]", "bad regular expression"),
        ("extends: default\ncategories:\n  x:\n    tier: high\n    paths: ['[ab']\n", 5,
         "categories.x.paths[0]", "bad glob"),
        ("extends: default\nsast:\n  bandit:\n    levels:\n      eval: low\n", 5,
         "sast.bandit.levels.eval", "not a bandit test id"),
        ("extends: default\nsast:\n  bandit:\n    levels:\n      B307: fatal\n", 5,
         "sast.bandit.levels.B307", ""),
        ("extends: default\nsast:\n  tests:\n    findings: ignore\n", 4,
         "sast.tests.findings", "must be one of: pending, block, note"),
        ("extends: default\nsast:\n  tests:\n    paths: ['tests/', '[x']\n", 4,
         "sast.tests.paths[1]", "bad glob"),
        ("extends: default\nsast:\n  tests:\n    exclude: conftest.py\n", 4,
         "sast.tests.exclude", "must be a list"),
        ("extends: default\nsast:\n  tests:\n    skip: true\n", 4, "sast.tests.skip",
         "unknown key"),
        ("extends: default\nsast:\n  tests:\n    block: [B602, '']\n", 4,
         "sast.tests.block[1]", "non-empty string"),
        ("extends: default\ncategories:\n  x:\n    tier: high\n    files: ['!CHANGES']\n", 5,
         "categories.x.files[0]", "negated globs"),
        ("extends: default\ncategories:\n  x:\n    tier: high\n    pathz: []\n", 5,
         "categories.x.pathz", "unknown key"),
        ("extends: default\nsize:\n  max_files: -3\n", 3, "size.max_files", "positive"),
        ("extends: default\nlanes:\n  high: [sast, lint]\n", 3, "lanes.high[1]",
         "unknown stage 'lint'"),
        ("extends: default\nprovenance:\n  escalate:\n    high: low\n", 4,
         "provenance.escalate.high", "cannot lower"),
        ("extends: default\nsize: {}\nsize: {}\n", 3, "size", "duplicate key"),
        ("extends: default\ncategories:\n  x:\n    description: no tier\n", 3, "categories.x",
         "needs a tier"),
        ("version: 2\n", 1, "version", "unsupported policy version"),
        ("extends: default\ncategories:\n  x:\n    tier: high\n    kinds: [socket]\n", 5,
         "categories.x.kinds[0]", "unknown file kind"),
    ],
)
def test_invalid_policies_name_file_line_and_key(tmp_path: Path, text: str, line: int, key: str,
                                                 says: str) -> None:
    problem = error(text, tmp_path)
    assert problem.path == str(tmp_path / "policy.yaml")
    assert problem.line == line
    assert problem.key == key
    assert says in str(problem)
    assert str(problem).startswith(f"{tmp_path / 'policy.yaml'}:{line}: {key}: ")


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    problem = error("extends: default\ncategories:\n  auth: [unclosed\n", tmp_path)
    assert problem.line is not None and problem.line >= 3
    assert "invalid YAML" in str(problem)


def test_an_error_in_an_extended_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("extends: default\ncategories:\n  auth: {tier: nope}\n")
    with pytest.raises(PolicyError) as caught:
        source.from_file(_write(tmp_path, "extends: base.yaml\n"))
    assert caught.value.path == str(tmp_path / "base.yaml")
    assert caught.value.line == 3


def test_yaml_tags_are_never_constructed(tmp_path: Path) -> None:
    # A safe loader refuses python tags: a policy can never run code.
    problem = error("extends: default\nsize: !!python/object/apply:os.system ['true']\n", tmp_path)
    assert problem.line == 2


def test_policy_digest_changes_with_the_text() -> None:
    a = load_policy(default_text(), "a")
    b = load_policy(default_text() + "\n# comment\n", "b")
    assert a.digest != b.digest


def test_policy_show_round_trips(seeded: Repo) -> None:
    done = seeded.gate("policy", "show")
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(done.stdout)
    assert data["size"]["max_files"] == 25
    assert "auth" in data["categories"]


def test_policy_validate_cli(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\ncategories:\n  auth: {tier: severe}\n",
                 stage=False)
    done = seeded.gate("policy", "validate")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, "one line, no traceback"
    assert ".gate.yaml:3: categories.auth.tier: unknown tier 'severe'" in done.stderr
    good = seeded.root / "good.yaml"
    good.write_text("extends: default\n")
    done = seeded.gate("policy", "validate", str(good))
    assert done.returncode == 0
    assert "valid" in done.stdout


def test_check_with_an_invalid_policy_exits_2(seeded: Repo) -> None:
    bad = seeded.root / "bad.yaml"
    bad.write_text("tiers: [low]\nlanes: {low: []}\ncategories: {x: {tier: low, content: ['(']}}\n")
    seeded.write("app/x.py", "x = 1\n")
    done = seeded.gate("check", "--policy", str(bad))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "bad regular expression" in done.stderr


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_nested_extends_are_relative_to_each_file(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "mid.yaml").write_text("extends: base.yaml\nsize: {max_files: 7}\n")
    (tmp_path / "b" / "base.yaml").write_text("extends: default\nsize: {max_lines: 70}\n")
    top = tmp_path / "top.yaml"
    top.write_text("extends: b/mid.yaml\n")
    policy = source.from_file(top)
    assert (policy.size.max_files, policy.size.max_lines) == (7, 70)


@pytest.mark.parametrize("text", [
    "extends: default\ncategories: &a\n  x: *a\n",
    "extends: default\nx: &a [1, 2]\ny: &b [*a, *a]\nz: [*b, *b]\n",
])
def test_yaml_aliases_are_refused(tmp_path: Path, text: str) -> None:
    problem = error(text, tmp_path)
    assert "aliases" in str(problem)
    assert problem.line is not None


def test_an_error_inherited_from_the_default_points_at_the_users_file(tmp_path: Path) -> None:
    problem = error("extends: default\ntiers: [low, high]\n", tmp_path)
    assert problem.path == str(tmp_path / "policy.yaml")
    assert problem.key == "lanes.medium"
    assert "inherited from <default policy>" in str(problem)


def test_repository_policy_wins_over_the_command_line(seeded: Repo, tmp_path: Path) -> None:
    seeded.write(".gate.yaml",
                 "extends: default\ncategories:\n  billing: {tier: high, paths: [billing/]}\n")
    seeded.commit("policy")
    lax = tmp_path / "lax.yaml"
    lax.write_text("tiers: [low]\nlanes: {low: []}\n")
    seeded.write("billing/charge.py", "AMOUNT = 1\n")
    data = seeded.gate_json("--policy", str(lax))
    assert data["tier"] == "high" and data["exit_code"] == 3
    assert data["policy"]["origin"].endswith(":.gate.yaml")
    assert any("--policy" in n and "ignored" in n for n in data["notes"])


def test_policy_commands_work_from_a_subdirectory(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nsize: {max_files: 3}\n")
    seeded.commit("policy")
    sub = seeded.root / "app"
    shown = seeded.gate("policy", "show", cwd=sub)
    assert shown.returncode == 0 and ":.gate.yaml" in shown.stdout.splitlines()[0]
    assert yaml.safe_load(shown.stdout)["size"]["max_files"] == 3
    valid = seeded.gate("policy", "validate", cwd=sub)
    assert valid.returncode == 0 and str(seeded.root / ".gate.yaml") in valid.stdout


def test_sast_tests_default_and_override(tmp_path: Path) -> None:
    tests = source.default().sast.tests
    assert tests.findings == "pending" and "tests/" in tests.paths
    assert tests.exclude == ("conftest.py",) and tests.block == ("python-hardcoded-private-key",)
    policy = source.from_file(_write(tmp_path, """
        extends: default
        sast:
          tests: {paths: ['spec/'], findings: note}
    """))
    # lists replace, mappings merge: the default's exclude is kept
    assert policy.sast.tests.paths == ("spec/",) and policy.sast.tests.findings == "note"
    assert policy.sast.tests.exclude == ("conftest.py",)
    # A policy that does not extend the default has no test files: tests are judged like code.
    alone = source.from_file(_write(tmp_path, "tiers: [low]\nlanes: {low: [sast]}\n"))
    assert alone.sast.tests.paths == ()
