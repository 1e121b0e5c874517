"""bandit, run as a subprocess with JSON output and judged by that output.

bandit exits 0 when it cannot parse a file and lists it only under ``errors``: such a file is an
error here, never clean. It runs with ``--ignore-nosec`` so that suppressed findings come back and
can be counted and shown; the gate applies ``# nosec`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gates import early, proc
from gates.errors import ToolFailure
from gates.model import Finding
from gates.policy import BanditSettings
from gates.scanners import (
    ScanOutcome,
    comments,
    fingerprint,
    line_text,
    suppressed,
    tool_identity,
)

_LEVEL = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high", "UNDEFINED": "low"}
CHUNK = early.BANDIT_CHUNK


class Bandit:
    """The bandit scanner."""

    name = "bandit"
    cacheable = True  # no remote configuration: results depend on the version and the content

    def __init__(self, settings: BanditSettings, executable: str = "bandit") -> None:
        self.settings = settings
        self.executable = proc.which(executable)

    def fingerprint(self) -> str:
        """bandit's version (or its script's identity) and the skipped tests."""
        return "|".join((tool_identity(self.executable, "bandit"),
                         ",".join(sorted(self.settings.skip))))

    def scan(self, root: Path, files: Sequence[str], timeout: float) -> ScanOutcome:
        """Run bandit over ``files`` and parse its JSON.

        bandit is single-threaded: a large change is split into one run per core (each at least
        ``CHUNK`` files, so a small change still costs one interpreter start), run concurrently.
        """
        parts = max(1, min(proc.cores(), len(files) // CHUNK))
        chunks = [list(files[i::parts]) for i in range(parts)]
        if parts == 1:
            reports = [self._run(root, chunks[0], timeout)]
        else:
            with ThreadPoolExecutor(max_workers=parts) as pool:
                reports = list(pool.map(lambda chunk: self._run(root, chunk, timeout), chunks))
        results = [item for report in reports for item in report["results"]]
        errors = [item for report in reports for item in report["errors"]]
        metrics = {name for report in reports for name in report.get("metrics", {})}
        findings = []
        notes = {path: comments(root, path) for path in files}
        for item in results:
            path = _relative(item["filename"])
            line = item.get("line_number")
            text = line_text(root, path, line)
            rule = item["test_id"]
            span = item.get("line_range") or [line]
            remarks = notes.get(path, {})
            findings.append(Finding(
                tool="bandit", rule=rule, severity=_LEVEL.get(item["issue_severity"], "low"),
                confidence=_LEVEL.get(item["issue_confidence"], "low"), path=path, line=line,
                message=f"{item['issue_text']} ({item['test_name']})",
                fingerprint=fingerprint("bandit", rule, path, text), end_line=max(span),
                suppressed=any(suppressed("bandit", rule, remarks.get(n, "")) for n in span),
            ))
        problems = [(_relative(e.get("filename", "")), e.get("reason", "error")) for e in errors]
        scanned = {_relative(name) for name in metrics if name != "_totals"}
        problems += [(p, "bandit did not scan it") for p in files
                     if p not in scanned and p not in {q for q, _ in problems}]
        return ScanOutcome(tuple(findings), tuple(problems))


    def _run(self, root: Path, files: list[str], timeout: float) -> dict[str, Any]:
        """One bandit process over ``files``: its JSON report, checked for the parts read."""
        head = early.bandit_command(self.executable, self.settings.skip)
        done = early.take("bandit", head, files, root, env=proc.tool_environment(),
                          timeout=timeout) \
            or proc.run([*head, "--", *files], timeout=timeout, cwd=root)
        try:
            report = json.loads(done.stdout.decode("utf-8", "surrogateescape"))
            if not isinstance(report["results"], list) or not isinstance(report["errors"], list):
                raise TypeError("results and errors are not lists")
        except (ValueError, KeyError, TypeError):
            raise ToolFailure(f"bandit gave no JSON report (exit {done.returncode}): "
                              f"{done.last_line()}") from None
        if done.returncode not in (0, 1):
            raise ToolFailure(f"bandit failed (exit {done.returncode}): {done.last_line()}")
        return report  # type: ignore[no-any-return]


def _relative(name: str) -> str:
    return name.removeprefix("./")
