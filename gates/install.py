"""``gate install-hooks`` / ``uninstall-hooks`` (plain git hooks) and ``gate init``.

Hooks go where git looks for them (``git rev-parse --git-path hooks``, so ``core.hooksPath`` and
worktrees are honoured). A hook the gate did not write is never overwritten without ``--force``,
and then it is kept as ``<name>.legacy``; uninstalling removes only the gate's own hooks and puts a
kept hook back.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from importlib.metadata import Distribution, distributions
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

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

HOOK_IDS = ("draftgate", "draftgate-pre-push")
CONFIG = ".pre-commit-config.yaml"


@dataclass(frozen=True, slots=True)
class InstallSource:
    """How pre-commit should pip-install draftgate into the hook's environment."""

    requirement: str  # a pip requirement: ``draftgate @ URL`` or ``draftgate==VERSION``
    form: str  # what it points at, for people: "the local directory /src/draftgate", ...
    portable: bool  # False when it names a path on this machine only


def install_source(dist: Distribution | None = None) -> InstallSource:
    """The requirement that reinstalls *this* draftgate, from how it was installed (PEP 610).

    There is no release on an index yet, so the hook cannot simply say ``rev: vX``: an editable or
    local-directory install becomes ``draftgate @ file:///abs/path``, a VCS install the exact commit
    it was installed from, an archive its URL (with its hash), and an index install its version.
    """
    dist = dist or _installed()
    version = dist.version
    raw = dist.read_text("direct_url.json")
    if raw is None:
        return InstallSource(f"draftgate=={version}", f"the package index (version {version})",
                             portable=True)
    try:
        info = json.loads(raw)
        url = _without_credentials(str(info["url"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"draftgate's install record (direct_url.json) is unreadable ({exc}): "
                         "reinstall draftgate") from exc
    fragment = f"#subdirectory={info['subdirectory']}" if info.get("subdirectory") else ""
    local = url.startswith("file:")
    if isinstance(info.get("vcs_info"), dict):
        vcs = info["vcs_info"]
        ref = f"{vcs['vcs']}+{url}@{vcs['commit_id']}{fragment}"
        form = f"{vcs['vcs']} commit {vcs['commit_id'][:12]} of {url}"
    elif isinstance(info.get("archive_info"), dict):
        hashes = info["archive_info"].get("hashes") or {}
        digest = f"sha256={hashes['sha256']}" if "sha256" in hashes else \
            info["archive_info"].get("hash", "")
        ref = url + (f"#{digest}" if digest else "")
        form = f"the archive {url}"
    else:
        ref = url + fragment
        form = f"the local directory {unquote(urlsplit(url).path)}"
    requirement = f"draftgate @ {ref}"
    _check_requirement(requirement)
    return InstallSource(requirement, form, portable=not local)


def _installed() -> Distribution:
    # A source checkout on sys.path (python -m gates from the checkout) also shows a
    # draftgate.egg-info; only an installer's record says how this draftgate was installed.
    found = [d for d in distributions(name="draftgate") if d.read_text("INSTALLER") is not None]
    if not found:
        raise UsageError("draftgate is not installed (no installer record): install it with pip "
                         "first, then run gate init")
    return found[0]


def _without_credentials(url: str) -> str:
    # A token in the install URL must never end up in a committed file; ssh's "git@" is not one.
    parts = urlsplit(url)
    if parts.username is None or (parts.username == "git" and parts.password is None):
        return url
    host = parts.hostname or ""
    host += f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=host))


def _check_requirement(requirement: str) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(requirement)
    except InvalidRequirement as exc:
        raise UsageError(f"cannot turn draftgate's install record into a pip requirement "
                         f"({exc}): reinstall draftgate") from exc
    if parsed.name != "draftgate" or parsed.marker is not None:
        raise UsageError(f"unexpected requirement from draftgate's install record: {requirement}")


def _comment(source: InstallSource) -> list[str]:
    # The form names a path or URL from the install record: one line, printable, whatever it says.
    form = "".join(c if c.isprintable() else "?" for c in source.form)
    return [
        "draftgate (added by `gate init`): pre-commit installs draftgate into the hook's own",
        f"environment from {form}",
        *([] if source.portable else
          ["(a path on this machine: teammates need draftgate at the same path)."]),
        "Once draftgate has a release, replace this entry with `- repo: <draftgate's URL>`,",
        "`rev: <tag>` and `hooks: [{id: draftgate}, {id: draftgate-pre-push}]`.",
    ]


def _hook_lines(source: InstallSource) -> list[list[str]]:
    # The requirement comes from an install record: JSON quoting makes it one safe YAML scalar.
    requirement = json.dumps(source.requirement)
    common = ["language: python", f"additional_dependencies: [{requirement}]",
              # pass_filenames/require_serial/always_run: see docs/hooks.md.
              "pass_filenames: false", "require_serial: true", "always_run: true",
              # verbose: pre-commit hides a passing hook's output, and a high-tier change that
              # passes locally carries a note about the pull request's review.
              "verbose: true", 'minimum_pre_commit_version: "3.2.0"']
    return [["id: draftgate", "name: draftgate", "entry: gate hook pre-commit", *common,
             "stages: [pre-commit]"],
            ["id: draftgate-pre-push", "name: draftgate (pushed commits)",
             "entry: gate hook pre-push", *common, "stages: [pre-push]"]]


def _entry(source: InstallSource, dash: int, content: int, hook_dash: int,
           hook_content: int) -> list[str]:
    """The ``repo: local`` entry as lines, at the columns the file already uses."""
    lines = [" " * dash + "# " + line for line in _comment(source)]
    lines += [" " * dash + "-" + " " * (content - dash - 1) + "repo: local",
              " " * content + "hooks:"]
    for hook in _hook_lines(source):
        lines.append(" " * hook_dash + "-" + " " * (hook_content - hook_dash - 1) + hook[0])
        lines += [" " * hook_content + line for line in hook[1:]]
    return lines


def precommit_config(source: InstallSource) -> str:
    """A whole ``.pre-commit-config.yaml`` holding draftgate's two hooks."""
    return "repos:\n" + "".join(line + "\n" for line in _entry(source, 2, 4, 6, 8))


def merge_precommit_config(text: str, source: InstallSource, *,
                           name: str = CONFIG) -> str | None:
    """``text`` with draftgate's hooks added, or None when it already has them.

    Only new lines are inserted, at the end of ``repos`` and at the columns its own entries use;
    every other byte stays (a full YAML re-dump would re-indent other lists, re-space flow
    sequences and re-indent block scalars). ruamel.yaml's round-trip parse finds the place and
    measures the columns, and the result is parsed again: it must say what the file said plus the
    new entry. A file that does not parse, or whose ``repos`` is not a list, is refused.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        docs = list(YAML().load_all(text))
    except YAMLError as exc:
        raise UsageError(f"{name} does not parse as YAML ({_first_line(exc)}): fix it, then "
                         "run gate init again") from exc
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise UsageError(f"{name} is not one YAML mapping: fix it, then run gate init again")
    data = docs[0]
    repos = data.get("repos")
    if not isinstance(repos, list):
        raise UsageError(f"{name}: 'repos' is not a list: fix it, then run gate init again")
    if _has_draftgate(repos):
        return None
    block = _block_layout(text, data)
    merged = (_insert(text, data, source, block) if block is not None
              else _redump(data, source))
    try:
        same = _plain(merged) == _expected(text, source)
    except YAMLError:
        same = False
    if not same:
        raise UsageError(f"could not add draftgate's hooks to {name} without changing what it "
                         "says: add them by hand (docs/hooks.md)")
    return merged


def _has_draftgate(repos: list[Any]) -> bool:
    return any(isinstance(repo, dict) and isinstance(repo.get("hooks"), list)
               and any(isinstance(hook, dict) and hook.get("id") in HOOK_IDS
                       for hook in repo["hooks"])
               for repo in repos)


def _block_layout(text: str, data: Any) -> tuple[int, int, int, int] | None:
    """Columns of a repo's dash and keys and of a hook's dash and keys, for a block ``repos``."""
    lines = text.splitlines()
    repos = data["repos"]
    if not repos or repos.lc.item(0)[0] <= data.lc.key("repos")[0]:
        return None  # flow style: repos: [...]
    dash, content = _dash(lines, *repos.lc.item(0))
    if dash < 0:
        return None
    hook_dash, hook_content = content + dash, content + content  # the same offsets, one level in
    for repo in repos:
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        if hooks and hooks.lc.item(0)[0] > repo.lc.key("hooks")[0]:
            at, column = _dash(lines, *hooks.lc.item(0))
            key = repo.lc.key("hooks")[1]
            if at >= 0:
                hook_dash, hook_content = content + at - key, content + column - key
                break
    return dash, content, hook_dash, hook_content


def _dash(lines: list[str], line: int, column: int) -> tuple[int, int]:
    """The dash's column and the item's content column (-1 when no dash leads to the item)."""
    before = lines[line][:column]
    if before.strip() == "-":
        return before.index("-"), column
    if before.strip():
        return -1, column
    for earlier in range(line - 1, -1, -1):  # "-   # a comment" with the item on the next line
        text = lines[earlier].split("#", 1)[0]
        if text.strip() == "-":
            return text.index("-"), column
        if text.strip():
            break
    return -1, column


def _insert(text: str, data: Any, source: InstallSource,
            layout: tuple[int, int, int, int]) -> str:
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    repos_line = data.lc.key("repos")[0]
    after = [data.lc.key(k)[0] for k in data if data.lc.key(k)[0] > repos_line]
    after += [i for i, line in enumerate(lines)  # a document end marker ends repos too
              if i > repos_line and line.rstrip() == "..."]
    at = min(after) if after else len(lines)
    while at > 0 and (not lines[at - 1].strip() or
                      (after and lines[at - 1].startswith("#"))):
        at -= 1  # blank lines stay where they were; top-level comments belong to the next key
    repos = data["repos"]
    spaced = len(repos) > 1 and not lines[repos.lc.item(1)[0] - 1].strip()
    block = ([""] if spaced else []) + _entry(source, *layout)
    if at and not lines[at - 1].endswith("\n"):
        lines[at - 1] += newline
    return "".join(lines[:at] + [line + newline for line in block] + lines[at:])


def _redump(data: Any, source: InstallSource) -> str:
    # A flow-style repos list ("repos: []") has no columns to follow: ruamel writes it as a block
    # list (the only place a commented entry fits); what the file had in it stays as it was.
    import io

    from ruamel.yaml import YAML

    repos = data["repos"]
    data.fa.set_block_style()
    repos.fa.set_block_style()
    repos.extend(_parse_entry(source))
    repos.yaml_set_comment_before_after_key(len(repos) - 1, before="\n".join(_comment(source)),
                                            indent=2)
    out = io.StringIO()
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump(data, out)
    return out.getvalue()


def _parse_entry(source: InstallSource) -> list[Any]:
    from ruamel.yaml import YAML

    entry: list[Any] = YAML(typ="safe", pure=True).load("\n".join(_entry(source, 0, 2, 4, 6)))
    return entry


def _plain(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def _expected(text: str, source: InstallSource) -> Any:
    data = _plain(text)
    data["repos"] = [*data["repos"], *_parse_entry(source)]
    return data


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _write_atomically(target: Path, text: str) -> None:
    """Replace ``target`` in one rename, so an interrupted write never leaves half a file."""
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _read_config(target: Path) -> str:
    if target.is_symlink() or not target.is_file():
        raise UsageError(f"{target} is a symlink or not a regular file: add draftgate's hooks to "
                         "it by hand (docs/hooks.md)")
    try:
        return target.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{target} is not UTF-8: fix it, then run gate init again") from exc


def init(root: Path, *, force: bool = False,
         source: InstallSource | None = None) -> list[str]:
    """Write a starter ``.gate.yaml`` and add draftgate's hooks to ``.pre-commit-config.yaml``.

    Nothing is overwritten without ``force``: an existing pre-commit config gets the hooks merged
    in (once: running init again changes nothing).
    """
    done = []
    policy = root / ".gate.yaml"
    if policy.exists() and not force:
        done.append("kept the existing .gate.yaml (use --force to replace it)")
    else:
        policy.write_text(STARTER_POLICY)
        done.append(f"wrote {policy}")
    source = source or install_source()
    target = root / CONFIG
    how = (f"pre-commit installs draftgate into its own environment from {source.form} "
           f"(additional_dependencies: {source.requirement}); once draftgate has a release, "
           "use `repo: <its URL>` and `rev: <tag>` instead (docs/hooks.md)")
    if target.exists() and not force:
        merged = merge_precommit_config(_read_config(target), source)
        if merged is None:
            done.append(f"kept {CONFIG}: it already has draftgate's hooks")
            return done
        _write_atomically(target, merged)
        done.append(f"added draftgate's hooks to {target}: {how}")
    else:
        _write_atomically(target, precommit_config(source))
        done.append(f"wrote {target}: {how}")
    if not source.portable:
        done.append("note: that path exists on this machine only; teammates need the same path")
    done.append("next: pre-commit install --hook-type pre-commit --hook-type pre-push")
    return done
