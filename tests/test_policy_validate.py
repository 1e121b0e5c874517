"""`gate policy validate` says whether the file on disk is the policy that judges.

Editing `.gate.yaml` changes nothing until it is committed (and, for pull requests, merged): the
policy is read from the side a change cannot edit. A user who validates an edit must not leave
thinking it is already in force.
"""

from __future__ import annotations

from .conftest import Repo

POLICY = "extends: default\nsize: {max_files: 40}\n"


def test_an_uncommitted_policy_is_valid_but_not_in_effect(seeded: Repo) -> None:
    seeded.write(".gate.yaml", POLICY, stage=False)
    done = seeded.gate("policy", "validate")
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first.endswith(".gate.yaml: valid (32 categories, tiers low < medium < high)")
    assert second.startswith("not in effect yet: gate check judges with <default policy>")


def test_a_committed_policy_is_in_effect_until_it_is_edited(seeded: Repo) -> None:
    seeded.write(".gate.yaml", POLICY)
    head = seeded.commit("policy")
    assert seeded.gate("policy", "validate").stdout.splitlines()[1].startswith("in effect: ")
    seeded.write(".gate.yaml", POLICY + "precommit: {high_tier: block}\n", stage=False)
    line = seeded.gate("policy", "validate").stdout.splitlines()[1]
    assert line.startswith(f"not in effect yet: gate check judges with {head[:12]}:.gate.yaml")


def test_a_named_file_is_only_validated(seeded: Repo) -> None:
    seeded.write("other.yaml", POLICY, stage=False)
    done = seeded.gate("policy", "validate", "other.yaml")
    assert done.returncode == 0 and done.stdout.splitlines() == [
        "other.yaml: valid (32 categories, tiers low < medium < high)"]
