"""One exception root for the whole package.

Every expected failure is a ``GateError`` subclass that carries the exit code it maps to; only the
CLI edge catches them, prints one line and exits. Anything else is a bug and is reported as a tool
failure, never as a pass.
"""

from __future__ import annotations

from typing import ClassVar


class GateError(Exception):
    """Base of every error the gate reports to a person."""

    exit_code: ClassVar[int] = 2


class UsageError(GateError):
    """The command line asks for something that cannot be done as asked."""


class PolicyError(GateError):
    """The policy file cannot be read, parsed or validated.

    The message names the file, the line and the key so that a person can fix it without a debugger.
    """

    def __init__(self, message: str, *, path: str = "", line: int | None = None,
                 key: str = "") -> None:
        where = path
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        if key:
            where = f"{where}: {key}" if where else key
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.line = line
        self.key = key


class GitError(GateError):
    """git could not give us the change (not a repository, unknown revision, shallow history...)."""


class ToolFailure(GateError):
    """Something the gate depends on could not run: fail closed with the tool-failure exit code."""

    exit_code: ClassVar[int] = 4
