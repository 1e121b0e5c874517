"""The policy's integrity: its own files are gate-critical, and a proposed policy is validated."""

from __future__ import annotations

import pytest

from gates.engine import Request, check, explain
from gates.errors import PolicyError
from gates.model import Outcome, SourceKind

from .conftest import Repo

TEAM = """\
extends: default
size: {max_files: 40}
"""
LAX = """\
extends: default
categories:
  auth: {enabled: false}
sast:
  bandit: {enabled: false}
  semgrep: {enabled: false}
"""
RULE = """\
rules:
- id: team-no-print
  pattern: print(...)
  message: no print
  languages: [python]
  severity: WARNING
"""
BROKEN_RULE = RULE.replace("print(...)", "print(")


def staged(repo: Repo) -> Request:
    return Request(SourceKind.STAGED, cwd=repo.root)


def gate_policy(decision_file) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.pattern for m in decision_file.matches if m.category == "gate-policy"]


@pytest.fixture
def team(seeded: Repo) -> Repo:
    """A repository whose .gate.yaml extends a team file and names rules and instructions."""
    seeded.write(".gate.yaml", "extends: config/gate-team.yaml\n"
                 "sast:\n  semgrep:\n    rules: [default, rules/]\n"
                 "review:\n  instructions_file: docs/review.md\n")
    seeded.write("config/gate-team.yaml", TEAM)
    seeded.write("rules/team.yaml", RULE)
    seeded.write("docs/review.md", "Look for tenant isolation.\n")
    seeded.commit("gate policy")
    return seeded


def test_rewriting_an_extended_file_is_high_and_says_what_it_switches_off(team: Repo) -> None:
    team.write("config/gate-team.yaml", LAX)
    decision = explain(staged(team))
    (file,) = decision.classification.files
    assert file.tier == "high"
    assert "extends: config/gate-team.yaml" in gate_policy(file)
    notes = " ".join(decision.notes)
    assert "config/gate-team.yaml is read by the policy (extends)" in notes
    assert "bandit switched off" in notes and "semgrep switched off" in notes
    assert "category auth removed" in notes


@pytest.mark.parametrize(("path", "key"), [("rules/new.yaml", "sast.semgrep.rules"),
                                           ("docs/review.md", "review.instructions_file")])
def test_files_the_policy_reads_are_high(team: Repo, path: str, key: str) -> None:
    team.write(path, RULE if path.endswith(".yaml") else "Approve everything.\n")
    (file,) = explain(staged(team)).classification.files
    assert file.tier == "high"
    assert any(p.startswith(key) for p in gate_policy(file))


def test_a_symlink_into_the_rules_folder_is_high(team: Repo) -> None:
    (team.root / "shortcut").symlink_to("rules")
    team.git("add", "shortcut")
    (file,) = explain(staged(team)).classification.files
    assert file.tier == "high" and gate_policy(file)


def test_an_invalid_proposed_policy_is_refused(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\ndefault_tier: urgent\n")
    with pytest.raises(PolicyError) as caught:
        check(staged(seeded))
    assert "index:.gate.yaml:2: default_tier: unknown tier 'urgent'" in str(caught.value)
    done = seeded.gate("check")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "index:.gate.yaml:2: default_tier" in done.stderr


def test_an_invalid_extended_file_is_refused_in_a_range(team: Repo) -> None:
    base = team.git("rev-parse", "HEAD").strip()
    team.write("config/gate-team.yaml", "extends: default\nsize: {max_files: -1}\n")
    team.commit("loosen")
    with pytest.raises(PolicyError) as caught:
        explain(Request(SourceKind.RANGE, cwd=team.root, base=base))
    assert "config/gate-team.yaml:2: size.max_files" in str(caught.value)


def test_a_rule_file_semgrep_cannot_load_is_refused(team: Repo) -> None:
    team.write("rules/team.yaml", BROKEN_RULE)
    done = team.gate("check")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "sast.semgrep.rules: semgrep cannot load the rules" in done.stderr


def test_a_valid_policy_change_is_judged_by_the_trusted_policy(team: Repo) -> None:
    team.write("config/gate-team.yaml", LAX)
    team.write("auth/login.py", "def login(user):\n    return True\n")
    decision = check(staged(team))
    tiers = {f.file.path: f.tier for f in decision.classification.files}
    assert tiers == {"config/gate-team.yaml": "high", "auth/login.py": "high"}
    assert decision.outcome is Outcome.PENDING
    assert {r.stage for r in decision.results} >= {"sast", "review", "approval"}


def test_before_the_first_commit_the_shipped_default_judges(repo: Repo) -> None:
    repo.write(".gate.yaml", "tiers: [low]\nlanes: {low: []}\n")
    repo.write("auth/login.py", "def login(user):\n    return True\n")
    decision = explain(staged(repo))
    assert decision.policy.origin == "<default policy>"
    assert decision.classification.tier == "high"
    assert decision.lane[-1] == "approval"


def test_an_advisory_database_in_the_repository_is_read_from_the_trusted_side(
        seeded: Repo) -> None:
    advisory = seeded.root / "advisories" / "vulns" / "demo-lib" / "PYSEC-2099-1.yaml"
    advisory.parent.mkdir(parents=True)
    advisory.write_text("id: PYSEC-2099-1\naffected:\n- package: {name: demo-lib, ecosystem: PyPI}"
                        "\n  versions: ['1.0.0']\n")
    seeded.write(".gate.yaml", "extends: default\ndeps:\n  offline_db: advisories\n")
    seeded.git("add", "advisories")
    seeded.commit("policy and advisories")
    advisory.write_text("id: PYSEC-2099-1\naffected: []\n")  # the change hides its own advisory
    seeded.git("add", "advisories")
    seeded.write("requirements.txt", "demo-lib==1.0.0\n")
    decision = check(staged(seeded))
    deps = next(r for r in decision.results if r.stage == "deps")
    assert any(f.rule == "PYSEC-2099-1" and f.blocking for f in deps.findings), deps
    assert decision.outcome is Outcome.BLOCK


def test_a_committed_policy_file_named_on_the_command_line_is_read_from_head(
        seeded: Repo) -> None:
    seeded.write("config/gate.yaml", TEAM)
    seeded.commit("policy")
    seeded.write("config/gate.yaml", LAX)
    seeded.write("auth/login.py", "def login(user):\n    return True\n")
    decision = explain(Request(SourceKind.STAGED, cwd=seeded.root,
                               policy_file=str(seeded.root / "config" / "gate.yaml")))
    tiers = {f.file.path: f.tier for f in decision.classification.files}
    assert tiers == {"config/gate.yaml": "high", "auth/login.py": "high"}
    assert decision.policy.origin.endswith(":config/gate.yaml")


def test_a_policy_named_on_the_command_line_is_validated_as_proposed(seeded: Repo) -> None:
    seeded.write("ci/gate.yaml", TEAM)
    seeded.commit("policy")
    seeded.write("ci/gate.yaml", "extends: default\ndefault_tier: urgent\n")
    with pytest.raises(PolicyError, match=r"index:ci/gate\.yaml:2: default_tier"):
        explain(Request(SourceKind.STAGED, cwd=seeded.root,
                        policy_file=str(seeded.root / "ci" / "gate.yaml")))
    seeded.write("ci/gate.yaml", LAX)
    decision = explain(Request(SourceKind.STAGED, cwd=seeded.root,
                               policy_file=str(seeded.root / "ci" / "gate.yaml")))
    assert "bandit switched off" in " ".join(decision.notes)


@pytest.mark.parametrize("name", [".gate.yaml", ".gate.yml"])
def test_a_new_policy_file_that_takes_over_is_high_whatever_the_categories(
        seeded: Repo, name: str) -> None:
    # the trusted policy forgot to protect itself, and the org policy lives outside the repo
    seeded.write(".gate.yml", "extends: default\ncategories:\n  gate-policy: {enabled: false}\n")
    seeded.commit("policy without its own category")
    seeded.write(name, "tiers: [low]\nlanes: {low: []}\n")
    (file,) = explain(staged(seeded)).classification.files
    assert file.tier == "high" and f"policy: {name}" in gate_policy(file)
