"""GitHub workflow annotations: the findings and high-tier files, marked on the pull request's diff.

Printed on a step's stdout in Actions, ``::error file=…,line=…,endLine=…,title=…::message`` lines
become annotations. GitHub shows at most 10 errors, 10 warnings and 10 notices per step, so the
most severe come first, at most 10 of each kind, and a last notice (and a plain log line) says how
many more there are and where to see them.

Blocking findings are errors, findings the change introduced that do not block are warnings,
and each file that put the change in its tier is a notice on its first matched line. Findings
that were already there or that a comment suppresses are not annotated (the comment and the SARIF
upload list them).

Escaping follows the runner's parser (actions/runner ``ActionCommand``): in the message ``%``,
``\\r`` and ``\\n`` become ``%25``, ``%0D`` and ``%0A``; in properties also ``:`` and ``,``
become ``%3A`` and ``%2C``. So untrusted text never starts a line: a finding message holding
``\\n::stop-commands::x`` stays inside its own annotation. The runner also reads the legacy
``##[command]`` form anywhere in a line that is not a ``::`` command; every line written here
is one, and ``##[`` in untrusted text is shown as ``##\\x5b`` all the same.

Import it as ``import gates.report.annotations as workflow`` (or render through
``gates.report.render("annotations", …)``): in a module with ``from __future__ import
annotations``, ``from gates.report import annotations`` names the ``__future__`` flag.
"""

from __future__ import annotations

from typing import TextIO

from gates.model import Decision, FileClass, Finding, Side
from gates.report.untrusted import clean, line_number, ranked, repo_path, shown

SHOWN = 10  # GitHub's limit per kind and step
MESSAGE = 1000
TITLE = 200
WHERE = "the job summary, the pull-request comment and the SARIF upload"


def render(decision: Decision, out: TextIO, *, explain: bool = False) -> None:
    """Write one workflow command per annotation, most severe first, then what did not fit."""
    for line in lines(decision):
        out.write(line + "\n")


def lines(decision: Decision) -> list[str]:
    """The workflow command lines (and at most one plain line saying what was left out)."""
    found = ranked(f for r in decision.results for f in r.findings)
    errors = [f for f in found if f.blocking]
    warnings = [f for f in found if not f.blocking and f.introduced and not f.suppressed]
    notices = [fc for fc in decision.classification.files
               if fc.matches and fc.tier == decision.classification.tier]
    over = any(len(items) > SHOWN for items in (errors, warnings, notices))
    room = SHOWN - 1 if over else SHOWN  # the notice that says what is left takes a place
    out = [_finding("error", f) for f in errors[:SHOWN]]
    out += [_finding("warning", f) for f in warnings[:SHOWN]]
    out += [_tier(decision.classification.tier, fc) for fc in notices[:room]]
    left = {"error": len(errors) - SHOWN, "warning": len(warnings) - SHOWN,
            "notice": len(notices) - room}
    if over:
        more = ", ".join(f"{n} more {kind}{'s' if n != 1 else ''}"
                         for kind, n in left.items() if n > 0)
        summary = f"draftgate: {more} than GitHub shows per step; see {WHERE}"
        out += [command("notice", summary, title="draftgate: more findings"), summary]
    return out


def _finding(kind: str, finding: Finding) -> str:
    title = f"{finding.tool} {finding.rule} ({finding.severity})"
    message = shown(finding.message or finding.rule, MESSAGE, newlines=True)
    if finding.note:
        message += f" [{shown(finding.note, 200)}]"
    path = _file(finding.path)
    if path is None and finding.path:
        message = f"{shown(finding.path, 200)}: {message}"
    line, end = line_number(finding.line), line_number(finding.end_line)
    return command(kind, message, title=shown(title, TITLE), file=path,
                   line=line if path else None, end=end if path else None)


def _tier(tier: str, fc: FileClass) -> str:
    """A file that put the change in its tier, on its first added matched line."""
    first = next((m for m in fc.matches if m.evidence.side is Side.ADDED and m.evidence.line),
                 None)
    return command("notice", _reasons(fc), title=f"draftgate: tier {shown(tier, 40)}",
                   file=_file(fc.file.path),
                   line=first.evidence.line if first is not None else None)


def _reasons(fc: FileClass) -> str:
    match = fc.matches[0]
    text = f"{match.rule} ({match.category})"
    if match.evidence.line is not None and match.evidence.text:
        text += f" line {match.evidence.line}: {match.evidence.text}"
    else:
        text += f": {match.pattern}"
    more = len(fc.matches) - 1 + fc.truncated
    return shown(text, MESSAGE, path=fc.file.path) + (
        f" (and {more} more reason{'s' if more != 1 else ''})" if more else "")


def _file(path: str) -> str | None:
    """A path the annotation can name as is: inside the repository and with nothing to escape
    for a reader (a control character in a file name reaches the log raw)."""
    inside = repo_path(path)
    return inside if inside is not None and clean(inside) == inside else None


def command(kind: str, message: str, *, title: str = "", file: str | None = None,
            line: int | None = None, end: int | None = None) -> str:
    """One ``::kind props::message`` line, every value escaped for the runner's parser."""
    props = []
    if file:
        props.append(f"file={_property(file)}")
        if line is not None:
            props.append(f"line={line}")
            if end is not None and end > line:
                props.append(f"endLine={end}")
    if title:
        props.append(f"title={_property(title)}")
    head = f"::{kind} {','.join(props)}" if props else f"::{kind}"
    return f"{head}::{_data(message)}"


def _data(text: str) -> str:
    text = text.replace("##[", "##\\x5b")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
