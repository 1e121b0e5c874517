"""What the trust checks say about the packages a change adds (issue 15, docs/trust.md).

A name that does not exist on the index blocks: it is a hallucination, or a name an attacker has
not registered yet (and will). A package younger than ``deps.trust.min_age_days`` or with fewer
than ``min_releases`` releases, or whose name is one slip from a much more popular package's,
waits for a person. What the index could not answer is "could not be checked", judged by the same
rule as a pin the audit could not look up (``deps.unaudited``): never a quiet pass. The look-alike
check needs no network, so it runs even when no index answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gates.cache import Cache
from gates.policy import TrustSettings

if TYPE_CHECKING:
    from gates.trust.index import PackageInfo

NO_SUCH_PACKAGE, NEW_PACKAGE, LOOKALIKE, UNCHECKED = (
    "no-such-package", "new-package", "lookalike", "trust-unchecked")


@dataclass(frozen=True, slots=True)
class Place:
    """Where a change adds a package: the manifest, its line, the requirement as written."""

    path: str
    line: int | None
    text: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """One thing a person should know about an added package, and what it does to the stage."""

    rule: str
    name: str
    place: Place
    message: str
    action: str  # "block", "pending", or "unaudited" (the deps.unaudited setting decides)


def judge(added: Mapping[str, Place], settings: TrustSettings, cache: Cache,
          *, now: datetime | None = None, env: Mapping[str, str] | None = None) -> list[Verdict]:
    """The verdicts on ``added`` (normalised name -> where the change adds it).

    ``env`` stands for the environment pip reads its indexes from (``gates.trust.index.lookup``):
    a requirements file's own ``--index-url`` sends pip elsewhere than the configured index.
    """
    names = [name for name in added if name not in settings.allow]
    if not names:
        return []
    from gates.trust.index import lookup
    from gates.trust.lookalike import resembles

    infos = lookup(names, cache=cache, timeout=settings.timeout, env=env)
    moment = now or datetime.now(UTC)
    verdicts: list[Verdict] = []
    for name in names:
        place, info, like = added[name], infos.get(name), resembles(name)
        alike = f"; it resembles {like.popular} ({like.kind})" if like else ""
        if info is None or info.exists is None:
            why = info.problem if info is not None else "no index answered"
            verdicts.append(Verdict(UNCHECKED, name, place, (
                f"{name}: could not be checked on the package index ({why}): whether it exists, "
                f"how old it is and how many releases it has are unknown{alike}"), "unaudited"))
        elif not info.exists:
            verdicts.append(Verdict(NO_SUCH_PACKAGE, name, place, (
                f"{name}: no such package on the index {info.index}: a hallucinated name, or "
                f"one not yet registered by an attacker{alike}"), "block"))
            continue
        else:
            verdicts.extend(_established(name, place, info, settings, moment))
        if like is not None:
            verdicts.append(Verdict(LOOKALIKE, name, place, (
                f"{name} is not a widely used package, and its name is {like.kind} from "
                f"{like.popular}, which is: check that it is the package meant (typosquatting "
                "registers such names)"), "pending"))
    return verdicts


def _established(name: str, place: Place, info: PackageInfo, settings: TrustSettings,
                 moment: datetime) -> list[Verdict]:
    out: list[Verdict] = []
    if info.first_upload is None:
        out.append(Verdict(UNCHECKED, name, place, (
            f"{name}: its age could not be checked (the index {info.index} gives no upload "
            "dates)"), "unaudited"))
    else:
        days = (moment - info.first_upload).days
        if days < settings.min_age_days:
            out.append(Verdict(NEW_PACKAGE, name, place, (
                f"{name} was first published {days} day(s) ago, less than "
                f"deps.trust.min_age_days ({settings.min_age_days}): a person should look at it "
                "before it is trusted"), "pending"))
    if info.releases is not None and info.releases < settings.min_releases:
        out.append(Verdict(NEW_PACKAGE, name, place, (
            f"{name} has {info.releases} release(s), fewer than deps.trust.min_releases "
            f"({settings.min_releases}): a person should look at it before it is trusted"),
            "pending"))
    return out
