"""The ``command`` provider: pipe the prompt to a local program and read its JSON verdict.

Teams can use whatever agent CLI they already run. argv list, no shell; the prompt goes to stdin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gates import proc
from gates.errors import ToolFailure
from gates.policy import ReviewSettings
from gates.review.providers import Reply


@dataclass(frozen=True, slots=True)
class Command:
    """A local program as the model."""

    argv: tuple[str, ...]
    timeout: float

    def ask(self, prompt: str, schema: dict[str, Any]) -> Reply:
        """The program's stdout; failing to run or a non-zero exit is an error."""
        del schema  # the prompt already carries it
        done = proc.run([proc.which(self.argv[0]), *self.argv[1:]], timeout=self.timeout,
                        stdin=prompt.encode("utf-8"))
        if done.returncode != 0:
            raise ToolFailure(f"review command {self.argv[0]} exited {done.returncode}: "
                              f"{done.last_line()}")
        return Reply(done.stdout.decode("utf-8", "replace"))


def make(settings: ReviewSettings) -> Command:
    """The provider for ``settings``."""
    return Command(settings.command, settings.timeout)
