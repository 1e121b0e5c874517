"""The few lines ``gate learn`` prints: what it found, what it left out, and how long it took."""

from __future__ import annotations

from gates.learn.fixes import ADVISORY, MESSAGE
from gates.learn.miner import Learned
from gates.learn.touched import MAX_FILES
from gates.report.safe import clean


def summary(learned: Learned, written: str, named: str = ".gate/hotspots.yaml") -> list[str]:
    """The summary; every string from the history or the file system is cleaned for a terminal.

    ``named`` is what ``hotspots:`` should say: the written file relative to the repository's
    root (the default ``.gate/hotspots.yaml``, or ``.json``)."""
    lines = [
        f"gate learn: {len(learned.fixes)} security fixes in {learned.commits:,} commits up to "
        f"{learned.until[:12]} ({learned.count(MESSAGE)} by message, "
        f"{learned.count(ADVISORY)} by advisory"
        + (f", packages {', '.join(learned.packages)}" if learned.packages else "") + ")",
        f"hotspots: {len(learned.hotspots)} ({learned.functions} functions or classes, "
        f"{len(learned.hotspots) - learned.functions} whole files) in {learned.files} files"
        + (f"; {learned.gone} changed files no longer exist at --until" if learned.gone else ""),
        f"wrote {clean(written)} in {learned.seconds:.1f} s: review it, commit it, and name it "
        f"in .gate.yaml with 'hotspots: {clean(named)}'",
    ]
    if not learned.advisories:
        lines.append("no advisory database read (--offline-db): fixes named only by an advisory "
                     "are missing")
    return lines


def warnings(learned: Learned) -> list[str]:
    """One line per kind of thing counted out (for stderr)."""
    lines = []
    skipped = learned.skipped_advisories
    if skipped:
        path, why = skipped[0]
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        lines.append(f"gate: warning: {len(skipped)} advisory files skipped: {clean(path)}: "
                     f"{clean(why)}{more}")
    if learned.broad:
        lines.append(f"gate: warning: {learned.broad} fixes changed more than {MAX_FILES} code "
                     "files each (a sweep, not a targeted fix): not learned from")
    if learned.unread:
        lines.append(f"gate: warning: {learned.unread} fixes could not be diffed (objects missing "
                     "from this clone?): what they changed is not learned")
    return lines
