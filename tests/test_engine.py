"""``gates.engine`` in-process: which policy judges, what runs, what the Decision carries.

The CLI tests cover exit codes and streams; these call ``check``/``judge``/``review``/``explain``/
``policy_for`` with a ``Request`` on real repositories. Lanes are kept to fast stages (a policy
command, bandit alone) so each case costs a fraction of a second.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gates.engine import Request, check, explain, judge, policy_for, review
from gates.errors import GitError, PolicyError, UsageError
from gates.gitrepo import EMPTY_TREE_SHA1
from gates.model import Decision, Outcome, SourceKind, StageStatus
from gates.policy.model import DEFAULT_ORIGIN

from .conftest import Repo, logged_scanners

# A category only this policy has: whether notes/ is high says which policy judged.
MARKED = """\
extends: default
categories:
  marked:
    tier: high
    description: a category only the committed policy has
    paths: ['notes/**']
lanes:
  low: []
  medium: []
  high: []
"""
UNMARKED = MARKED.replace("notes/**", "nowhere/**")
BANDIT_ONLY = """\
extends: default
sast:
  semgrep:
    enabled: false
lanes:
  low: [sast]
  medium: [sast]
  high: [sast]
"""
# bandit B506 (yaml.load without a safe loader) blocks under the default levels.
UNSAFE_YAML = "import yaml\n\n\ndef read(text):\n    return yaml.load(text)\n"


def staged(repo: Repo, **kwargs: object) -> Request:
    return Request(SourceKind.STAGED, cwd=repo.root, **kwargs)  # type: ignore[arg-type]


def tier_of(decision: Decision, path: str) -> str:
    (entry,) = [c for c in decision.classification.files if c.file.path == path]
    return entry.tier


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def test_a_staged_change_is_judged_by_head_s_policy_not_the_staged_one(seeded: Repo) -> None:
    seeded.write(".gate.yaml", MARKED)
    seeded.commit("policy")
    seeded.write(".gate.yaml", UNMARKED)  # the change tries to drop the category
    seeded.write("notes/plan.txt", "plan\n")
    decision = explain(staged(seeded))
    origin = f"{head(seeded)[:12]}:.gate.yaml"
    assert decision.policy.origin == origin == policy_for(staged(seeded)).origin
    assert tier_of(decision, "notes/plan.txt") == "high"
    assert tier_of(decision, ".gate.yaml") == "high"  # the policy itself is gate-critical
    assert decision.results == () and decision.lane == ()  # explain runs nothing


def test_a_policy_only_staged_does_not_judge_yet(seeded: Repo) -> None:
    seeded.write(".gate.yaml", MARKED)
    seeded.write("notes/plan.txt", "plan\n")
    decision = explain(staged(seeded))
    assert decision.policy.origin == DEFAULT_ORIGIN == policy_for(staged(seeded)).origin
    assert tier_of(decision, "notes/plan.txt") == "low"
    assert tier_of(decision, ".gate.yaml") == "high"


def test_a_range_is_judged_by_its_base(seeded: Repo) -> None:
    seeded.write(".gate.yaml", MARKED)
    base = seeded.commit("policy")
    seeded.write(".gate.yaml", UNMARKED)
    seeded.write("notes/plan.txt", "plan\n")
    seeded.commit("weaken and add")
    request = Request(SourceKind.RANGE, cwd=seeded.root, base=base)
    decision = explain(request)
    assert decision.policy.origin == f"{base[:12]}:.gate.yaml" == policy_for(request).origin
    assert tier_of(decision, "notes/plan.txt") == "high"
    # The other way round: a head that adds the category is not judged by it.
    later = Request(SourceKind.RANGE, cwd=seeded.root, base=head(seeded))
    seeded.write(".gate.yaml", MARKED)
    seeded.write("notes/more.txt", "more\n")
    seeded.commit("strengthen")
    assert tier_of(explain(later), "notes/more.txt") == "low"
    assert policy_for(later).origin.endswith(":.gate.yaml")


def test_brand_new_history_is_judged_by_the_shipped_default(repo: Repo) -> None:
    repo.write(".gate.yaml", MARKED)
    repo.write("notes/plan.txt", "plan\n")
    before_first_commit = explain(staged(repo))
    repo.commit("policy")
    pushed = explain(Request(SourceKind.RANGE, cwd=repo.root, base=EMPTY_TREE_SHA1))
    for decision in (before_first_commit, pushed):
        assert decision.policy.origin == DEFAULT_ORIGIN
        assert tier_of(decision, "notes/plan.txt") == "low"
        assert tier_of(decision, ".gate.yaml") == "high"


def test_policy_for_names_the_policy_that_judges_brand_new_history(repo: Repo) -> None:
    repo.write(".gate.yaml", MARKED)
    repo.write("notes/plan.txt", "plan\n")
    assert policy_for(staged(repo)).origin == explain(staged(repo)).policy.origin


def test_an_invalid_staged_policy_is_refused_as_proposed(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nlanes:\n  low: [no-such-stage]\n")
    with pytest.raises(PolicyError, match="no-such-stage"):
        explain(staged(seeded))
    with pytest.raises(PolicyError):
        check(staged(seeded))


def test_a_range_needs_a_base_and_a_repository(seeded: Repo, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--base is required"):
        check(Request(SourceKind.RANGE, cwd=seeded.root))
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(GitError, match="not a git repository"):
        check(Request(SourceKind.STAGED, cwd=outside))


def test_an_empty_change_passes_with_no_lane(seeded: Repo) -> None:
    decision = check(staged(seeded))
    assert decision.outcome is Outcome.PASS and decision.exit_code == 0
    assert decision.lane == () and decision.results == ()
    assert decision.change.files == () and decision.classification.files == ()


def test_review_of_an_empty_change_runs_nothing(seeded: Repo) -> None:
    for decision in (review(staged(seeded)), judge(staged(seeded), only=("review",))[0]):
        assert decision.outcome is Outcome.PASS
        assert decision.lane == () and decision.results == ()


def test_review_runs_the_review_stage_alone(seeded: Repo) -> None:
    seeded.write("auth/login.py", "def login(user):\n    return True\n")
    decision = review(staged(seeded))
    assert decision.classification.tier == "high"
    # No provider configured: a person must review; the approval joins (never sast or deps).
    assert decision.lane == ("review", "approval")
    assert [r.status for r in decision.results] == [StageStatus.PENDING, StageStatus.PENDING]
    assert decision.outcome is Outcome.PENDING
    seeded.write("app/main.py", "def main():\n    return 2\n")
    seeded.git("rm", "-q", "--cached", "auth/login.py")
    low = review(staged(seeded))
    assert low.lane == ("review",) and low.results[0].status is StageStatus.SKIPPED
    assert low.outcome is Outcome.PASS


def test_judge_returns_the_policy_that_judged(seeded: Repo) -> None:
    seeded.write(".gate.yaml", MARKED)
    seeded.commit("policy")
    seeded.write("notes/plan.txt", "plan\n")
    decision, policy = judge(staged(seeded))
    assert policy.origin == decision.policy.origin
    assert "marked" in {c.name for c in policy.categories}
    assert decision.classification.tier == "high"
    assert decision.lane == () and decision.outcome is Outcome.PASS  # MARKED's empty lanes


def test_notes_from_the_policy_choice_and_the_pipeline_are_both_carried(
        seeded: Repo, tmp_path: Path) -> None:
    seeded.write(".gate.yaml", "extends: default\nlanes:\n  low: [review]\n")
    seeded.commit("policy")
    elsewhere = tmp_path / "other.yaml"
    elsewhere.write_text("extends: default\n")
    seeded.write("app/main.py", "def main():\n    return 2\n")
    decision = check(staged(seeded, policy_file=str(elsewhere)))
    assert len(decision.notes) == 2
    assert decision.notes[0].startswith(f"--policy {elsewhere} ignored: the repository's ")
    assert "approval stage joined the lane" in decision.notes[1]
    assert explain(staged(seeded, policy_file=str(elsewhere))).notes == decision.notes[:1]


def test_an_explicit_policy_judges_when_the_repository_has_none(seeded: Repo,
                                                                tmp_path: Path) -> None:
    elsewhere = tmp_path / "marked.yaml"
    elsewhere.write_text(MARKED)
    seeded.write("notes/plan.txt", "plan\n")
    decision = explain(staged(seeded, policy_file=str(elsewhere)))
    assert decision.policy.origin == str(elsewhere) and decision.notes == ()
    assert tier_of(decision, "notes/plan.txt") == "high"


def test_a_committed_explicit_policy_is_read_from_the_trusted_revision(seeded: Repo) -> None:
    inside = seeded.root / "ci" / "gate.yaml"
    seeded.write("ci/gate.yaml", MARKED)
    base = seeded.commit("policy in ci/")
    seeded.write("ci/gate.yaml", UNMARKED)  # a staged edit of it does not judge itself
    seeded.write("notes/plan.txt", "plan\n")
    decision = explain(staged(seeded, policy_file=str(inside)))
    assert decision.policy.origin == f"{base[:12]}:ci/gate.yaml"
    assert tier_of(decision, "notes/plan.txt") == "high"
    assert tier_of(decision, "ci/gate.yaml") == "high"  # a file the policy reads


def test_a_range_cannot_add_the_explicit_policy_that_judges_it(seeded: Repo) -> None:
    base = head(seeded)
    seeded.write("ci/gate.yaml", UNMARKED)
    seeded.commit("add a lenient policy")
    request = Request(SourceKind.RANGE, cwd=seeded.root, base=base,
                      policy_file=str(seeded.root / "ci" / "gate.yaml"))
    with pytest.raises(UsageError, match="a change cannot write the policy that judges it"):
        explain(request)


def test_only_commands_runs_the_policy_s_commands_without_asking_a_person(seeded: Repo) -> None:
    seeded.write(".gate.yaml", f"""\
extends: default
stages:
  unit:
    run: [{sys.executable}, -c, "raise SystemExit(0)"]
    tiers: [high]
""")
    seeded.commit("policy")
    seeded.write("auth/login.py", "def login(user):\n    return True\n")
    full = explain(staged(seeded))
    assert full.lane == ("sast", "deps", "review", "approval", "unit")
    decision = check(staged(seeded, only_commands=True))
    assert decision.lane == ("unit",)
    assert [(r.stage, r.status) for r in decision.results] == [("unit", StageStatus.PASSED)]
    assert decision.outcome is Outcome.PASS


def scanner_starts(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_results_are_served_from_the_cache_and_no_cache_is_honoured(
        seeded: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env, log = logged_scanners(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    seeded.write(".gate.yaml", BANDIT_ONLY)
    seeded.commit("policy")
    seeded.write("app/config.py", UNSAFE_YAML)
    cache_file = seeded.root / ".git" / "draftgate" / "cache.sqlite3"

    uncached = check(staged(seeded, use_cache=False))
    assert scanner_starts(log) == 1 and not cache_file.exists()
    first = check(staged(seeded))
    assert scanner_starts(log) == 2 and cache_file.exists()
    second = check(staged(seeded))
    assert scanner_starts(log) == 2, "the second run was served from the cache"
    check(staged(seeded, use_cache=False))
    assert scanner_starts(log) == 3, "use_cache=False scans again"

    for decision in (uncached, first, second):
        assert decision.lane == ("sast",) and decision.outcome is Outcome.BLOCK
        (sast,) = decision.results
        assert sast.status is StageStatus.FAILED
        assert [(f.tool, f.rule, f.path, f.line, f.blocking) for f in sast.findings] == [
            ("bandit", "B506", "app/config.py", 5, True)]
    assert second.results[0].findings == first.results[0].findings

    seeded.write("app/config.py", UNSAFE_YAML + "\n\ndef other():\n    return 1\n")
    third = check(staged(seeded))
    assert scanner_starts(log) == 4, "new content is scanned"
    assert third.results[0].findings[0].line == 5
