"""``gate init``: the pre-commit config it writes or merges into, and how draftgate is installed.

The merge fixtures reproduce, small and hand-written, the styles of real projects' configs
(psf/black, pre-commit/pre-commit, pallets/flask, python-poetry/poetry, pydantic/pydantic,
django/django, encode/httpx, fastapi/fastapi): lists at column 0 or indented, four-space dashes,
mixed indentation, comments between and after repos, flow-style args, ``ci:`` and
``default_language_version:`` around ``repos``, anchors, block scalars.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from importlib.metadata import PathDistribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from ruamel.yaml import YAML

from gates import install
from gates.errors import UsageError

from .conftest import Repo, registry_env

SOURCE = install.InstallSource("draftgate @ file:///opt/draftgate", "the local directory "
                               "/opt/draftgate", portable=False)

STYLES = {
    "column0": """\
repos:
- repo: https://github.com/pre-commit/pre-commit-hooks
  rev: v4.3.0
  hooks:
  - id: check-yaml  # a trailing comment
    args: ['--unsafe']
  - id: trailing-whitespace

- repo: local
  hooks:
  - id: ruff
    name: Ruff
    entry: ruff
    args: [ --fix ]
    types: [ python ]
    language: system
""",
    "indented": """\
exclude: ^(profiling/|tests/data/)
repos:
  - repo: https://github.com/pycqa/isort
    rev: 5.12.0
    hooks:
      - id: isort
  - repo: https://github.com/psf/black
    rev: 23.7.0
    hooks:
      - id: black
""",
    "four_space_dashes": """\
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v3.4.0
    hooks:
    -   id: trailing-whitespace
    -   id: end-of-file-fixer
-   repo: meta
    hooks:
    -   id: check-hooks-apply
""",
    "mixed_indentation": """\
repos:
  - repo: https://github.com/psf/black
    rev: 22.1.0
    hooks:
    - id: black
  - repo: https://github.com/PyCQA/isort
    rev: 5.9.1
    hooks:
      - id: isort
""",
    "comments_between_repos": """\
# Learn more about this config here: https://pre-commit.com/

repos:
  #- repo: https://github.com/pre-commit/pre-commit-hooks
  #  rev: v6.0.0
  #  hooks:
  #    - id: check-ast

  - repo: https://github.com/codespell-project/codespell
    rev: v2.4.1
    hooks:
      - id: codespell # See pyproject.toml for args
        additional_dependencies:
          - tomli

  # the linter
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.12.11
    hooks:
      - id: ruff-check
    #  - id: ruff-format
""",
    "flow_args": """\
repos:
  - repo: https://github.com/asottile/pyupgrade
    rev: v3.10.1
    hooks:
      - id: pyupgrade
        args: ["--py38-plus"]
  - repo: https://github.com/pre-commit/mirrors-prettier
    rev: v3.0.0
    hooks:
      - {id: prettier, types_or: [markdown, yaml, json]}
""",
    "ci_before": """\
ci:
  autoupdate_branch: "2.3.x"
  autoupdate_schedule: monthly

repos:
  - repo: https://github.com/psf/black
    rev: 23.7.0
    hooks:
      - id: black
""",
    "sections_after": """\
# See https://pre-commit.com for more information
default_language_version:
    python: python3
repos:
-   repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.11.13
    hooks:
    -   id: ruff
        args:
        - --fix
    -   id: ruff-format

# pre-commit.ci settings
ci:
    autofix_commit_msg: 🎨 [pre-commit.ci] Auto format from pre-commit.com hooks
""",
    "anchors_and_block_scalar": """\
repos:
  - repo: https://github.com/asottile/yesqa
    rev: v1.4.0
    hooks:
      - id: yesqa
        additional_dependencies: &flake8_deps
          - flake8-bugbear==23.1.20
          - pep8-naming==0.13.3

  - repo: https://github.com/pycqa/flake8
    # freeze to a commit
    rev: 6027577d325b0dd8bf1e465ebd29b71b5f0d005b
    hooks:
      - id: flake8
        additional_dependencies: *flake8_deps
        exclude: |
          (?x)(
             ^(install|get)-poetry.py$
              | ^src/poetry/__init__.py$
          )
""",
    "comment_after_a_dash": """\
---
repos:
-   # the meta hooks
    repo: meta
    hooks:
    -   id: check-hooks-apply
...
""",
    "flow_repos": "repos: []  # nothing yet\n",
    "flow_document": "{repos: [{repo: meta, hooks: [{id: identity}]}]}  # all on one line\n",
    "crlf_without_final_newline": "repos:\r\n- repo: meta\r\n  hooks:\r\n  - id: identity",
}


def merged_repo_dash(text: str) -> tuple[int, int]:
    """Columns of the first repo's dash and of the added ``repo: local``'s dash."""
    lines = text.splitlines()
    first = next(line for line in lines if line.lstrip().startswith("- ") or
                 line.lstrip().startswith("-   "))
    ours = next(line for line in reversed(lines) if line.lstrip("- ").startswith("repo: local")
                and "#" not in line)
    return len(first) - len(first.lstrip()), len(ours) - len(ours.lstrip())


def validate(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "validate-config",
                           *map(str, paths)], capture_output=True, text=True, check=False)


def test_every_style_merges_keeping_every_line_and_comment(tmp_path: Path) -> None:
    written = []
    for name, text in STYLES.items():
        merged = install.merge_precommit_config(text, SOURCE)
        assert merged is not None, name
        data = YAML(typ="safe", pure=True).load(merged)
        ids = [hook["id"] for repo in data["repos"] for hook in repo["hooks"]]
        assert ids[-2:] == ["draftgate", "draftgate-pre-push"], name
        assert ids.count("draftgate") == 1
        ours = data["repos"][-1]["hooks"][0]
        assert ours["language"] == "python" and ours["verbose"] is True, name
        assert ours["additional_dependencies"] == ["draftgate @ file:///opt/draftgate"]
        assert install.merge_precommit_config(merged, SOURCE) is None, name  # idempotent
        if not name.startswith("flow_"):
            # Only lines were added: the original is the merged file minus one contiguous block.
            old, new = text.splitlines(), merged.splitlines()
            start = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                         len(old))
            added = len(new) - len(old)
            assert new[:start] + new[start + added:] == old, name
            assert merged_repo_dash(merged)[0] == merged_repo_dash(merged)[1], name
        for comment in (line.split("#", 1)[1] for line in text.splitlines() if "#" in line):
            assert comment in merged, (name, comment)
        target = tmp_path / f"{name}.yaml"
        target.write_bytes(merged.encode())
        written.append(target)
    checked = validate(written)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_line_endings_and_blank_line_separation_follow_the_file() -> None:
    crlf = install.merge_precommit_config(STYLES["crlf_without_final_newline"], SOURCE)
    assert crlf is not None and "\n" not in crlf.replace("\r\n", "")
    spaced = install.merge_precommit_config(STYLES["column0"], SOURCE)
    assert spaced is not None and "    language: system\n\n# draftgate" in spaced
    dense = install.merge_precommit_config(STYLES["indented"], SOURCE)
    assert dense is not None and "      - id: black\n  # draftgate" in dense


def test_sections_after_repos_stay_after_it_with_their_comments() -> None:
    merged = install.merge_precommit_config(STYLES["sections_after"], SOURCE)
    assert merged is not None
    assert merged.index("stages: [pre-push]") < merged.index("# pre-commit.ci settings\nci:")


def test_existing_draftgate_hooks_are_never_duplicated() -> None:
    remote = ("repos:\n  - repo: https://example.invalid/draftgate\n    rev: v1.0.0\n"
              "    hooks:\n      - id: draftgate-pre-push\n")
    assert install.merge_precommit_config(remote, SOURCE) is None
    ours = install.precommit_config(SOURCE)
    assert install.merge_precommit_config(ours, SOURCE) is None


@pytest.mark.parametrize(("text", "says"), [
    ("repos:\n  - repo: x\n   bad: [\n", "does not parse as YAML"),
    ("repos:\n  repo: local\n", "'repos' is not a list"),
    ("repos: local\n", "'repos' is not a list"),
    ("exclude: x\n", "'repos' is not a list"),
    ("- repo: local\n", "is not one YAML mapping"),
    ("repos: []\n---\nrepos: []\n", "is not one YAML mapping"),
    ("repos: []\nrepos: []\n", "does not parse as YAML"),  # duplicate key
    ("# only a comment\n", "is not one YAML mapping"),
    # The insertion would change what the file says: refused, never written.
    ("x: &r\n- repo: meta\n  hooks:\n  - id: identity\nrepos: *r\n", "without changing"),
    ("repos:\n- repo: meta\n  hooks:\n  - id: identity\n    exclude: |+\n      a\n\n\nci: {}\n",
     "without changing"),
])
def test_a_config_that_cannot_be_merged_is_refused(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says) as refused:
        install.merge_precommit_config(text, SOURCE)
    assert "\n" not in str(refused.value)


def test_cli_refuses_in_one_line_and_leaves_the_file_alone(seeded: Repo) -> None:
    target = seeded.root / ".pre-commit-config.yaml"
    target.write_text("repos:\n  repo: local\n")
    os.utime(target, (1_000_000, 1_000_000))
    refused = seeded.gate("init")
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0 and "'repos' is not a list" in refused.stderr
    assert target.read_text() == "repos:\n  repo: local\n"
    assert target.stat().st_mtime == 1_000_000
    target.write_bytes(b"repos: [] # caf\xe9\n")
    assert "is not UTF-8" in seeded.gate("init").stderr
    target.unlink()
    (seeded.root / "elsewhere.yaml").write_text("repos: []\n")
    target.symlink_to("elsewhere.yaml")
    refused = seeded.gate("init")
    assert refused.returncode == 2 and "symlink" in refused.stderr
    assert (seeded.root / "elsewhere.yaml").read_text() == "repos: []\n"


def test_cli_merges_once_keeps_the_file_mode_and_leaves_no_temporary_file(seeded: Repo) -> None:
    target = seeded.root / ".pre-commit-config.yaml"
    target.write_text(STYLES["column0"])
    target.chmod(0o640)
    done = seeded.gate("init")
    assert done.returncode == 0, done.stderr
    assert "added draftgate's hooks to" in done.stdout
    assert "once draftgate has a release, use `repo: <its URL>` and `rev: <tag>`" in done.stdout
    merged = target.read_text()
    assert merged.startswith(STYLES["column0"].rstrip("\n"))
    assert target.stat().st_mode & 0o777 == 0o640
    again = seeded.gate("init")
    assert "it already has draftgate's hooks" in again.stdout
    assert target.read_text() == merged
    assert sorted(p.name for p in seeded.root.iterdir() if p.name.startswith(".pre-commit")) \
        == [".pre-commit-config.yaml"]


def test_a_new_config_is_valid_and_names_the_form_it_installs_from(seeded: Repo) -> None:
    done = seeded.gate("init")
    assert done.returncode == 0, done.stderr
    text = (seeded.root / ".pre-commit-config.yaml").read_text()
    assert "language: system" not in text and "language: python" in text
    assert "# Once draftgate has a release, replace this entry" in text
    checked = validate([seeded.root / ".pre-commit-config.yaml"])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    hooks = YAML(typ="safe", pure=True).load(text)["repos"][0]["hooks"]
    for hook, stage in zip(hooks, ("pre-commit", "pre-push"), strict=True):
        assert hook["pass_filenames"] is False and hook["require_serial"] is True
        assert hook["always_run"] is True and hook["stages"] == [stage]
        (requirement,) = hook["additional_dependencies"]
        assert Requirement(requirement).name == "draftgate"
        assert requirement in done.stdout


def dist(tmp_path: Path, direct_url: dict[str, object] | None) -> PathDistribution:
    info = tmp_path / "draftgate-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: draftgate\nVersion: 0.1.0\n")
    (info / "INSTALLER").write_text("pip\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    return PathDistribution(info)


@pytest.mark.parametrize(("direct_url", "requirement", "portable"), [
    (None, "draftgate==0.1.0", True),
    ({"url": "file:///src/my%20draftgate", "dir_info": {"editable": True}},
     "draftgate @ file:///src/my%20draftgate", False),
    ({"url": "file:///src/draftgate", "dir_info": {}}, "draftgate @ file:///src/draftgate", False),
    ({"url": "https://github.com/acme/draftgate.git",
      "vcs_info": {"vcs": "git", "commit_id": "a" * 40, "requested_revision": "main"}},
     f"draftgate @ git+https://github.com/acme/draftgate.git@{'a' * 40}", True),
    ({"url": "https://github.com/acme/mono.git", "subdirectory": "tools/draftgate",
      "vcs_info": {"vcs": "git", "commit_id": "b" * 40}},
     f"draftgate @ git+https://github.com/acme/mono.git@{'b' * 40}#subdirectory=tools/draftgate",
     True),
    ({"url": "ssh://git@github.com/acme/draftgate.git",
      "vcs_info": {"vcs": "git", "commit_id": "c" * 40}},
     f"draftgate @ git+ssh://git@github.com/acme/draftgate.git@{'c' * 40}", True),
    ({"url": "https://files.example.invalid/draftgate-0.1.0-py3-none-any.whl",
      "archive_info": {"hashes": {"sha256": "d" * 64}}},
     "draftgate @ https://files.example.invalid/draftgate-0.1.0-py3-none-any.whl"
     f"#sha256={'d' * 64}", True),
])
def test_the_requirement_reinstalls_this_draftgate(tmp_path: Path, direct_url: dict[str, object]
                                                   | None, requirement: str,
                                                   portable: bool) -> None:
    source = install.install_source(dist(tmp_path, direct_url))
    assert (source.requirement, source.portable) == (requirement, portable)
    assert Requirement(source.requirement).name == "draftgate"


def test_a_token_in_the_install_url_is_never_written(tmp_path: Path) -> None:
    source = install.install_source(dist(tmp_path, {
        "url": "https://user:ghp_secret@github.com:8443/acme/draftgate.git",
        "vcs_info": {"vcs": "git", "commit_id": "e" * 40}}))
    assert "ghp_secret" not in source.requirement and "user" not in source.requirement
    assert "github.com:8443/acme" in source.requirement


def test_a_hostile_install_record_cannot_add_yaml(tmp_path: Path) -> None:
    # A path with a line break must not end the comment and start a hook of its own.
    source = install.install_source(dist(tmp_path, {
        "url": "file:///src/x%0A-%20repo:%20https://evil.invalid", "dir_info": {}}))
    data = YAML(typ="safe", pure=True).load(install.precommit_config(source))
    assert [repo["repo"] for repo in data["repos"]] == ["local"]
    assert [hook["id"] for hook in data["repos"][0]["hooks"]] == list(install.HOOK_IDS)
    with pytest.raises(UsageError, match="install record"):
        install.install_source(dist(tmp_path / "b", {"url": "file:///x y\nz", "dir_info": {}}))
    with pytest.raises(UsageError, match="unreadable"):
        install.install_source(dist(tmp_path / "c", {"dir_info": {}}))


@pytest.mark.skipif(os.environ.get("DRAFTGATE_TEST_PRECOMMIT_ENV") != "1",
                    reason="builds pre-commit's own environment for draftgate (pip-installs "
                    "semgrep, bandit, pip-audit from the package registry, about a minute): set "
                    "DRAFTGATE_TEST_PRECOMMIT_ENV=1 to run it")
def test_gate_init_config_commits_without_the_venv_on_path(seeded: Repo, tmp_path: Path) -> None:
    assert seeded.gate("init").returncode == 0
    env = registry_env()  # pip installs draftgate from the registry
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install", "--hook-type",
                                "pre-commit", "--hook-type", "pre-push"], cwd=seeded.root,
                               env=env, capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git = shutil.which("git")
    assert git
    env["PATH"] = f"{Path(git).parent}:/usr/bin:/bin"  # no venv: pre-commit's env has `gate`
    seeded.git("add", ".gate.yaml", ".pre-commit-config.yaml")

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "commit", "-q", "-m", message], cwd=seeded.root, env=env,
                              capture_output=True, text=True, check=False, timeout=1800)

    started = time.monotonic()
    adopted = commit("adopt draftgate")
    print(f"first commit (builds the environment): {time.monotonic() - started:.1f} s")
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert "committed; the pull request will need" in adopted.stderr  # git shows hooks there
    seeded.write("app/run.py", "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n")
    refused = commit("vulnerable")
    assert refused.returncode == 1 and "BLOCK app/run.py:5" in refused.stderr
    seeded.write("app/run.py", "def ok():\n    return 1\n")
    clean = commit("clean")
    assert clean.returncode == 0 and "Passed" in clean.stderr
    assert "draftgate ·" not in clean.stdout + clean.stderr
