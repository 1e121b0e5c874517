"""The ``command`` provider: pipe the prompt to a local program and read its JSON verdict.

Teams can use whatever agent CLI they already run. argv list, no shell; the prompt goes to stdin.
"""

from __future__ import annotations

from gates import proc
from gates.errors import ToolFailure


def ask(argv: tuple[str, ...], prompt: str, timeout: float) -> str:
    """The program's stdout for ``prompt``; a failure to run or a non-zero exit is an error."""
    done = proc.run([proc.which(argv[0]), *argv[1:]], timeout=timeout,
                    stdin=prompt.encode("utf-8"))
    if done.returncode != 0:
        raise ToolFailure(f"review command {argv[0]} exited {done.returncode}: {done.last_line()}")
    return done.stdout.decode("utf-8", "replace")
