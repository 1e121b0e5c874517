"""``gate install-hooks`` / ``uninstall-hooks`` (plain git hooks) and ``gate init``.

Hooks go where git looks for them (``git rev-parse --git-path hooks``, so ``core.hooksPath`` and
worktrees are honoured). A hook the gate did not write is never overwritten without ``--force``,
and then it is kept as ``<name>.legacy``; uninstalling removes only the gate's own hooks and puts a
kept hook back.
"""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from pathlib import Path

from gates.errors import UsageError
from gates.gitrepo import GitRepo

MARKER = "draftgate-hook"
HOOKS = ("pre-commit", "pre-push")


def hooks_dir(repo: GitRepo) -> Path:
    """The folder git runs hooks from."""
    path = Path(repo.text("rev-parse", "--git-path", "hooks"))
    return path if path.is_absolute() else (repo.root / path)


def _template(name: str) -> str:
    text = resources.files("gates.githooks").joinpath(name).read_text("utf-8")
    gate = shutil.which("gate") or str(Path(sys.argv[0]).resolve())
    # Pin the gate this command ran from, so the hook works without an activated environment.
    return text.replace('"${DRAFTGATE_GATE:-gate}"', f'"${{DRAFTGATE_GATE:-{gate}}}"')


def install(repo: GitRepo, *, force: bool = False) -> list[str]:
    """Install the hooks; returns what was done, one line each."""
    folder = hooks_dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for name in HOOKS:
        target = folder / name
        if target.exists() and MARKER not in _read(target):
            if not force:
                raise UsageError(f"{target} exists and is not draftgate's: use --force to keep it "
                                 f"as {name}.legacy and install draftgate's")
            target.rename(target.with_name(f"{name}.legacy"))
            done.append(f"kept the existing {name} hook as {name}.legacy")
        target.write_text(_template(name))
        target.chmod(0o755)
        done.append(f"installed {target}")
    return done


def uninstall(repo: GitRepo) -> list[str]:
    """Remove the gate's hooks (and only those); put back a hook kept as ``.legacy``."""
    folder = hooks_dir(repo)
    done = []
    for name in HOOKS:
        target = folder / name
        if target.exists() and MARKER in _read(target):
            target.unlink()
            done.append(f"removed {target}")
            legacy = target.with_name(f"{name}.legacy")
            if legacy.exists():
                legacy.rename(target)
                done.append(f"restored the previous {name} hook")
    return done


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


STARTER_POLICY = """\
# draftgate policy: see docs/policy.md in draftgate. Start from the default and adjust.
extends: default

# Raise your own sensitive areas to high (they then need the model review and a human approval):
# categories:
#   payments:
#     tier: high
#     description: money moves here
#     paths: ['billing/', 'payments/**/*.py']
#     symbols: ['(?i)^(?:charge|refund|payout)']

# Allow high-tier commits locally (the pull request still needs review), or block them:
# precommit:
#   high_tier: warn

# Audit dependencies offline (air-gapped CI): a folder of OSV advisories outside the repository.
# deps:
#   offline_db: /opt/advisory-db
"""

PRECOMMIT_CONFIG = """\
# pre-commit configuration written by `gate init`. draftgate judges the whole staged change.
repos:
  - repo: local
    hooks:
      - id: draftgate
        name: draftgate
        entry: gate hook pre-commit
        language: system
        pass_filenames: false
        require_serial: true
        always_run: true
        stages: [pre-commit]
      - id: draftgate-pre-push
        name: draftgate (pushed commits)
        entry: gate hook pre-push
        language: system
        pass_filenames: false
        require_serial: true
        always_run: true
        stages: [pre-push]
"""


def init(root: Path, *, force: bool = False) -> list[str]:
    """Write a starter ``.gate.yaml`` and ``.pre-commit-config.yaml``; never overwrite silently."""
    done = []
    for name, text in ((".gate.yaml", STARTER_POLICY),
                       (".pre-commit-config.yaml", PRECOMMIT_CONFIG)):
        target = root / name
        if target.exists() and not force:
            done.append(f"kept the existing {name} (use --force to replace it)")
            if name == ".pre-commit-config.yaml":
                done.append("add these hooks to it:\n" + text.split("repos:\n", 1)[1])
            continue
        target.write_text(text)
        done.append(f"wrote {target}")
    return done
