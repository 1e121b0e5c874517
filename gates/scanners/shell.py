"""Notebook shell lines (``!cmd``, ``%pip``, ``%%bash`` cells) judged as shell, not Python.

IPython runs them in a shell with the kernel's rights. Two things a notebook line can do are
judged here, on the lines the change adds:

- download and run (``!curl URL | sh``, ``bash <(wget -O- URL)``, ``| python``): code nobody can
  review, fetched when the notebook runs. Blocking (``notebook-shell-pipe``, high).
- install packages or download files (``!pip install x``, ``%pip install``, ``!conda install``,
  ``!apt-get install``, ``!curl -O``, ``!wget``, ``!git clone``): a new source of code, like a new
  requirement. A person must accept it (``notebook-shell-install``, the stage pends), because a
  notebook's installs bypass the dependency audit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from gates.model import Finding
from gates.scanners import fingerprint

if TYPE_CHECKING:
    from gates.notebooks import NotebookCode

_SHELLS = (r"(?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?(?:ba|z|da|k|c|tc|fi)?sh"
           r"|(?:\S*/)?(?:python|pypy|perl|ruby|node)[\w.]*")
_PIPE = re.compile(
    rf"\|\s*(?:{_SHELLS})\b|\b(?:{_SHELLS})\s+(?:-\S+\s+)*<\(|\b(?:source|\.)\s+<\(|"
    r"[`(]\s*(?:curl|wget)\b[^`)]*[`)]", re.IGNORECASE)  # sh -c "$(curl URL)", eval `wget -O- URL`
_FETCH = re.compile(r"\b(?:curl|wget|aria2c|invoke-webrequest|iwr|fetch|git\s+clone|"
                    r"scp|rsync|gsutil\s+cp|aws\s+s3\s+cp|gdown|hf_hub_download|huggingface-cli)\b",
                    re.IGNORECASE)
_INSTALL = re.compile(
    r"\b(?:pip[\d.]*|python[\d.]*\s+-m\s+pip|uv\s+pip|uv|conda|mamba|micromamba|pipx|poetry|"
    r"apt(?:-get)?|yum|dnf|apk|brew|npm|yarn|pnpm|gem|cargo|go|easy_install|Rscript\s+-e)"
    r"\s+(?:[-\w]+\s+)*?(?:install|add|i|get|sync)\b|\bsetup\.py\s+(?:install|develop)\b",
    re.IGNORECASE)
_MAGIC_PREFIX = re.compile(r"^\s*(?:pass\s+)?#\s?")


def judge(path: str, code: NotebookCode, written: Iterable[int] | None) -> Iterator[Finding]:
    """Findings for the shell lines of ``code`` among ``written`` (None: every line)."""
    lines = code.text.split("\n")
    chosen = sorted(code.shell) if written is None else sorted(code.shell & set(written))
    for number in chosen:
        if not 1 <= number <= len(lines):
            continue
        command = _MAGIC_PREFIX.sub("", lines[number - 1], count=1)
        if _PIPE.search(command):
            rule, severity, blocking = "notebook-shell-pipe", "high", True
            message = ("a notebook shell line runs what it downloads: code nobody reviewed "
                       "runs with the kernel's rights")
        elif _INSTALL.search(command) or _FETCH.search(command):
            rule, severity, blocking = "notebook-shell-install", "medium", False
            message = ("a notebook shell line installs packages or downloads files, outside the "
                       "dependency audit: a person must accept the new source")
        else:
            continue
        yield Finding(tool="draftgate", rule=rule, severity=severity, path=path, line=number,
                      message=f"{message}: {command.strip()[:200]}",
                      fingerprint=fingerprint("draftgate", rule, path, command),
                      blocking=blocking)


def asks_for_person(finding: Finding) -> bool:
    """Whether ``finding`` is one a person must accept (the stage pends for it)."""
    return finding.tool == "draftgate" and finding.rule == "notebook-shell-install"
