"""Which committed file is the policy (gates.policy.source, read with one git process): the first
of .gate.yaml and .gate.yml that is a file at the revision; a directory or submodule of that name
is not one."""

from __future__ import annotations

from gates.gitrepo import GitRepo
from gates.policy import source

from .conftest import Repo

SKIP = "extends: default\nsast:\n  bandit:\n    skip: [B101]\n"


def origin(repo: Repo) -> str:
    policy, _ = source.choose(GitRepo(repo.root), repo.root, "HEAD", None)
    return policy.origin


def test_the_first_policy_name_that_is_a_file_wins(seeded: Repo) -> None:
    assert origin(seeded) == "<default policy>"
    seeded.write(".gate.yml", SKIP)
    seeded.commit("the second name")
    assert origin(seeded).endswith(":.gate.yml")
    seeded.write(".gate.yaml/readme.txt", "a directory, not a policy\n")
    seeded.commit("a directory with the first name")
    assert origin(seeded).endswith(":.gate.yml")
    seeded.git("rm", "-q", "-r", ".gate.yaml")
    seeded.write(".gate.yaml", SKIP)
    seeded.commit("the first name")
    assert origin(seeded).endswith(":.gate.yaml")


def test_a_policy_path_with_a_newline_is_read_too(seeded: Repo) -> None:
    seeded.write("conf/odd\nname.yaml", SKIP)
    seeded.commit("a policy whose name holds a newline")
    git = GitRepo(seeded.root)
    found = git.show_first("HEAD", ["conf/missing.yaml", "conf/odd\nname.yaml"])
    assert found is not None and found[0] == "conf/odd\nname.yaml" and found[1] == SKIP.encode()
    assert git.show_first("HEAD", ["conf", "nothing"]) is None  # a tree is not a file
