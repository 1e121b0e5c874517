"""Validation of the merged policy data into a ``Policy``, section by section.

Every error names the file, the line and the key. This module is the schema's single
implementation; docs/policy.md documents it.
"""

from __future__ import annotations

import re
from typing import Any

from gates.policy.model import (
    BUILTIN_STAGES,
    DEPS_ACTIONS,
    FILE_KINDS,
    ROLES,
    SCHEMA_VERSION,
    SEVERITIES,
    TESTS_ACTIONS,
    ApprovalSettings,
    BanditSettings,
    Category,
    CommandStage,
    DepsSettings,
    Policy,
    PrecommitSettings,
    ProvenanceRules,
    ReviewSettings,
    SastSettings,
    SastTests,
    SemgrepSettings,
    SizeRule,
    TrailerRule,
    TrustSettings,
)
from gates.policy.values import LOGIN, SLUG, Values, default_of
from gates.policy.yamldoc import Key

BANDIT_TEST = re.compile(r"[Bb]\d{3}")


class Validator(Values):
    """Walks the merged data once, building typed values and failing on the first problem."""

    TOP = ("version", "tiers", "default_tier", "lanes", "categories", "size", "provenance", "sast",
           "deps", "stages", "optional", "precommit", "review", "approval", "hotspots")
    CATEGORY = ("tier", "description", "paths", "exclude", "content", "symbols", "extensions",
                "files", "kinds", "enabled", "detect", "version_only")

    def policy(self, digest: str) -> Policy:
        self.keys((), self.data, self.TOP)
        version = self.data.get("version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise self.fail(("version",), f"unsupported policy version {version!r} "
                                          f"(this draftgate reads version {SCHEMA_VERSION})")
        tiers = self.names(("tiers",), self.data.get("tiers", ["low", "medium", "high"]))
        if not tiers:
            raise self.fail(("tiers",), "at least one tier is needed")
        if len(set(tiers)) != len(tiers):
            raise self.fail(("tiers",), "tiers must be unique")
        self.tiers = tiers
        default_tier = self.tier(("default_tier",), self.data.get("default_tier", tiers[0]))
        commands = self.commands()
        return Policy(
            tiers=tiers,
            default_tier=default_tier,
            lanes=self.lanes(commands),
            categories=self.categories(),
            size=self.size(),
            provenance=self.provenance(),
            sast=self.sast(),
            deps=self.deps(),
            commands=commands,
            optional=self.optional(commands),
            precommit=self.precommit(),
            review=self.review(),
            approval=self.approval(),
            origin=self.origin,
            digest=digest,
            data=self.data,
        )

    def lanes(self, commands: dict[str, CommandStage]) -> dict[str, tuple[str, ...]]:
        raw = self.keys(("lanes",), self.data.get("lanes", {}), self.tiers)
        known = (*BUILTIN_STAGES, *commands)
        lanes: dict[str, tuple[str, ...]] = {}
        for tier in self.tiers:
            if tier not in raw:
                raise self.fail(("lanes",), f"no lane for tier {tier!r}")
            stages = self.names(("lanes", tier), raw[tier])
            for i, stage in enumerate(stages):
                if stage not in known:
                    raise self.fail(("lanes", tier, i), f"unknown stage {stage!r} "
                                                        f"(known: {', '.join(known)})")
            # A command's own `tiers:` adds it to those lanes, after the built-in checks.
            extra = tuple(n for n, c in commands.items() if tier in c.tiers and n not in stages)
            lanes[tier] = (*stages, *extra)
        return lanes

    def sast(self) -> SastSettings:
        key: Key = ("sast",)
        raw = self.keys(key, self.data.get("sast") or {},
                        ("report", "exclude", "timeout", "bandit", "semgrep", "unicode",
                         "suppressions", "tests"))
        defaults = SastSettings()
        bandit_raw = self.keys((*key, "bandit"), raw.get("bandit") or {},
                               ("enabled", "severity", "confidence", "skip", "levels"))
        b = defaults.bandit
        bandit = BanditSettings(
            enabled=self.flag((*key, "bandit", "enabled"), bandit_raw.get("enabled", b.enabled)),
            severity=self.choice((*key, "bandit", "severity"),
                                 bandit_raw.get("severity", b.severity), SEVERITIES[:3]),
            confidence=self.choice((*key, "bandit", "confidence"),
                                   bandit_raw.get("confidence", b.confidence), SEVERITIES[:3]),
            skip=self.strings((*key, "bandit", "skip"), bandit_raw.get("skip")),
            levels=self.levels((*key, "bandit", "levels"), bandit_raw.get("levels") or {}),
        )
        # (How semgrep runs, offline with --metrics=off, is not a policy choice.)
        semgrep_raw = self.keys((*key, "semgrep"), raw.get("semgrep") or {},
                                ("enabled", "severity", "rules", "disable", "engine"))
        s = defaults.semgrep
        rules = self.strings((*key, "semgrep", "rules"), semgrep_raw.get("rules", list(s.rules)))
        semgrep = SemgrepSettings(
            enabled=self.flag((*key, "semgrep", "enabled"), semgrep_raw.get("enabled", s.enabled)),
            severity=self.choice((*key, "semgrep", "severity"),
                                 semgrep_raw.get("severity", s.severity), SEVERITIES[:3]),
            rules=rules,
            disable=self.strings((*key, "semgrep", "disable"), semgrep_raw.get("disable")),
            engine=self.choice((*key, "semgrep", "engine"), semgrep_raw.get("engine", s.engine),
                               ("auto", "classic", "native")),
        )
        unicode_raw = self.keys((*key, "unicode"), raw.get("unicode") or {}, ("enabled",))
        return SastSettings(
            report=self.choice((*key, "report"), raw.get("report", defaults.report),
                               ("introduced", "changed-lines", "whole-file")),
            exclude=self.globs((*key, "exclude"), raw.get("exclude")),
            timeout=self.seconds((*key, "timeout"), raw.get("timeout", defaults.timeout)),
            bandit=bandit,
            semgrep=semgrep,
            unicode=self.flag((*key, "unicode", "enabled"),
                              unicode_raw.get("enabled", defaults.unicode)),
            suppressions=self.choice((*key, "suppressions"),
                                     raw.get("suppressions", defaults.suppressions),
                                     ("ask", "honour")),
            tests=self.sast_tests((*key, "tests"), raw.get("tests") or {}),
        )

    def sast_tests(self, key: Key, raw: Any) -> SastTests:
        """Which files are tests (globs), and what a finding in one does."""
        raw = self.keys(key, raw, ("paths", "exclude", "findings", "block"))
        return SastTests(
            paths=self.globs((*key, "paths"), raw.get("paths")),
            exclude=self.globs((*key, "exclude"), raw.get("exclude")),
            findings=self.choice((*key, "findings"),
                                 raw.get("findings", default_of(SastTests, "findings")),
                                 TESTS_ACTIONS),
            block=self.strings((*key, "block"), raw.get("block")),
        )

    def levels(self, key: Key, raw: Any) -> tuple[tuple[str, str], ...]:
        """bandit test id -> severity (``B307: low``)."""
        if not isinstance(raw, dict):
            raise self.fail(key, "must be a mapping of bandit test ids to severities")
        out = []
        for test, level in raw.items():
            if not isinstance(test, str) or not BANDIT_TEST.fullmatch(test):
                raise self.fail((*key, str(test)), f"{test!r} is not a bandit test id (B101...)")
            out.append((test.upper(), self.choice((*key, test), level, SEVERITIES[:3])))
        return tuple(sorted(out))

    def deps(self) -> DepsSettings:
        key: Key = ("deps",)
        raw = self.keys(key, self.data.get("deps") or {},
                        ("offline_db", "unpinned", "unaudited", "existing", "introduced",
                         "block_on", "service", "timeout", "sources", "allowed_sources",
                         "trust"))
        defaults = DepsSettings()
        offline = raw.get("offline_db")
        return DepsSettings(
            offline_db=None if offline is None else self.string((*key, "offline_db"), offline),
            unpinned=self.choice((*key, "unpinned"), raw.get("unpinned", defaults.unpinned),
                                 SEVERITIES),
            unaudited=self.choice((*key, "unaudited"), raw.get("unaudited", defaults.unaudited),
                                  (*DEPS_ACTIONS, *SEVERITIES)),
            existing=self.choice((*key, "existing"), raw.get("existing", defaults.existing),
                                 SEVERITIES),
            introduced=self.choice((*key, "introduced"),
                                   raw.get("introduced", defaults.introduced), SEVERITIES),
            block_on=self.choice((*key, "block_on"), raw.get("block_on", defaults.block_on),
                                 SEVERITIES),
            service=self.choice((*key, "service"), raw.get("service", defaults.service),
                                ("pypi", "osv")),
            timeout=self.seconds((*key, "timeout"), raw.get("timeout", defaults.timeout)),
            sources=self.choice((*key, "sources"), raw.get("sources", defaults.sources),
                                DEPS_ACTIONS),
            allowed_sources=self.allowed_sources((*key, "allowed_sources"),
                                                 raw.get("allowed_sources")),
            trust=self.trust((*key, "trust"), raw.get("trust") or {}),
        )

    def trust(self, key: Key, raw: Any) -> TrustSettings:
        """Checks on the packages a change adds; ``allow`` names are compared normalised."""
        from gates.manifests import normalize

        raw = self.keys(key, raw, ("enabled", "min_age_days", "min_releases", "allow",
                                   "timeout"))
        d = TrustSettings()
        return TrustSettings(
            enabled=self.flag((*key, "enabled"), raw.get("enabled", d.enabled)),
            min_age_days=self.count((*key, "min_age_days"),
                                    raw.get("min_age_days", d.min_age_days)),
            min_releases=self.count((*key, "min_releases"),
                                    raw.get("min_releases", d.min_releases)),
            allow=tuple(normalize(name) for name in self.strings((*key, "allow"),
                                                                 raw.get("allow"))),
            timeout=self.seconds((*key, "timeout"), raw.get("timeout", d.timeout)),
        )

    def allowed_sources(self, key: Key, value: Any) -> tuple[str, ...]:
        """URL prefixes need a scheme and a host: a bare scheme or "https://" would allow all."""
        entries = self.strings(key, value)
        for i, entry in enumerate(entries):
            if "://" in entry:
                authority = entry.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
                if not authority.rsplit("@", 1)[-1].split(":", 1)[0]:
                    raise self.fail((*key, i), f"{entry!r} names no host")
            if not entry.strip() or entry.strip() in ("*", "**", "/", "*/*"):
                raise self.fail((*key, i), f"{entry!r} would accept every source")
        return entries

    def review(self) -> ReviewSettings:
        key: Key = ("review",)
        raw = self.keys(key, self.data.get("review") or {},
                        ("provider", "api", "command", "model", "base_url", "api_key_env",
                         "instructions", "instructions_file",
                         "block_on", "max_input_tokens", "max_output_tokens", "timeout",
                         "prices"))
        defaults = ReviewSettings()
        provider = self.choice((*key, "provider"), raw.get("provider", defaults.provider),
                               ("none", "command", "openai", "openai-compatible", "anthropic"))
        command = self.strings((*key, "command"), raw.get("command"))
        if provider == "command" and not command:
            raise self.fail((*key, "command"), "the command provider needs a command (argv list)")
        instructions = raw.get("instructions", "")
        if not isinstance(instructions, str):
            raise self.fail((*key, "instructions"), "must be a string")
        prices = self.keys((*key, "prices"), raw.get("prices") or {}, ("input", "output"))
        for name, value in prices.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise self.fail((*key, "prices", name), "must be USD per million tokens (>= 0)")
        texts = {name: self.string((*key, name), raw[name]) if name in raw else ""
                 for name in ("model", "base_url", "api_key_env", "instructions_file")}
        if provider in ("openai", "anthropic", "openai-compatible") and not texts["model"]:
            raise self.fail((*key, "model"), f"the {provider} provider needs a model name")
        return ReviewSettings(
            provider=provider, command=command, instructions=instructions,
            api=self.choice((*key, "api"), raw.get("api", defaults.api), ("responses", "chat")),
            model=texts["model"], base_url=texts["base_url"], api_key_env=texts["api_key_env"],
            instructions_file=texts["instructions_file"],
            max_output_tokens=self.limit((*key, "max_output_tokens"),
                                         raw.get("max_output_tokens", defaults.max_output_tokens))
            or defaults.max_output_tokens,
            price_in=prices.get("input"), price_out=prices.get("output"),
            block_on=self.choice((*key, "block_on"), raw.get("block_on", defaults.block_on),
                                 SEVERITIES),
            max_input_tokens=self.limit((*key, "max_input_tokens"),
                                        raw.get("max_input_tokens", defaults.max_input_tokens))
            or defaults.max_input_tokens,
            timeout=self.seconds((*key, "timeout"), raw.get("timeout", defaults.timeout)),
        )

    def approval(self) -> ApprovalSettings:
        key: Key = ("approval",)
        raw = self.keys(key, self.data.get("approval") or {},
                        ("label", "users", "teams", "min_role", "forbid_author", "dismiss_on_push",
                         "bots", "token_env"))
        defaults = ApprovalSettings()
        label = self.string((*key, "label"), raw.get("label", defaults.label))
        if len(label) > 50 or label != label.strip() or "," in label:
            # GitHub's own limit is 50 characters; a comma would split the label in its API.
            raise self.fail((*key, "label"), "a GitHub label: at most 50 characters, no comma, "
                                             "no leading or trailing space")
        users = self.logins((*key, "users"), raw.get("users"))
        bots = self.logins((*key, "bots"), raw.get("bots"))
        teams = self.strings((*key, "teams"), raw.get("teams"))
        for i, team in enumerate(teams):
            org, _, slug = team.partition("/")
            if not (LOGIN.fullmatch(org) and slug and SLUG.fullmatch(slug)):
                raise self.fail((*key, "teams", i), f"{team!r} is not an org/team-slug")
        token_env = self.string((*key, "token_env"), raw["token_env"]) if "token_env" in raw \
            else ""
        return ApprovalSettings(
            label=label, users=users, teams=teams, bots=bots, token_env=token_env,
            min_role=self.choice((*key, "min_role"), raw.get("min_role", defaults.min_role),
                                 ROLES),
            forbid_author=self.flag((*key, "forbid_author"),
                                    raw.get("forbid_author", defaults.forbid_author)),
            dismiss_on_push=self.flag((*key, "dismiss_on_push"),
                                      raw.get("dismiss_on_push", defaults.dismiss_on_push)),
        )

    def precommit(self) -> PrecommitSettings:
        raw = self.keys(("precommit",), self.data.get("precommit") or {}, ("high_tier",))
        return PrecommitSettings(self.choice(("precommit", "high_tier"),
                                             raw.get("high_tier", PrecommitSettings().high_tier),
                                             ("warn", "block")))

    def commands(self) -> dict[str, CommandStage]:
        raw = self.data.get("stages") or {}
        if not isinstance(raw, dict):
            raise self.fail(("stages",), "must be a mapping of stage names")
        out = {}
        for name, body in raw.items():
            key: Key = ("stages", name)
            self.names(key, [name])
            if name in BUILTIN_STAGES:
                raise self.fail(key, f"{name!r} is a built-in stage; choose another name")
            spec = self.keys(key, body, ("run", "timeout", "cwd", "tiers"))
            argv = self.strings((*key, "run"), spec.get("run"))
            if not argv:
                raise self.fail((*key, "run"), "needs a command: a list, program first")
            tiers = self.strings((*key, "tiers"), spec.get("tiers"))
            for i, tier in enumerate(tiers):
                self.tier((*key, "tiers", i), tier)
            out[name] = CommandStage(
                name=name, run=argv, tiers=tiers,
                timeout=self.seconds((*key, "timeout"),
                                     spec.get("timeout", default_of(CommandStage, "timeout"))),
                cwd=self.string((*key, "cwd"), spec.get("cwd", default_of(CommandStage, "cwd"))),
            )
        return out

    def optional(self, commands: dict[str, CommandStage]) -> dict[str, tuple[str, ...]]:
        raw = self.keys(("optional",), self.data.get("optional") or {}, self.tiers)
        known = (*BUILTIN_STAGES, *commands)
        out = {}
        for tier, stages in raw.items():
            names = self.names(("optional", tier), stages)
            for i, stage in enumerate(names):
                if stage not in known:
                    raise self.fail(("optional", tier, i), f"unknown stage {stage!r}")
            out[tier] = names
        return out

    def categories(self) -> tuple[Category, ...]:
        raw = self.data.get("categories", {})
        if not isinstance(raw, dict):
            raise self.fail(("categories",), "must be a mapping of category names")
        out = []
        for name, raw_body in raw.items():
            key: Key = ("categories", name)
            self.names(key, [name])
            body = self.keys(key, raw_body, self.CATEGORY)
            enabled = body.get("enabled", True)
            if not isinstance(enabled, bool):
                raise self.fail((*key, "enabled"), "must be true or false")
            if not enabled:
                continue
            if "tier" not in body:
                raise self.fail(key, "a category needs a tier")
            description = body.get("description", "")
            if not isinstance(description, str):
                raise self.fail((*key, "description"), "must be a string")
            kinds = self.strings((*key, "kinds"), body.get("kinds"))
            for i, kind in enumerate(kinds):
                if kind not in FILE_KINDS:
                    raise self.fail((*key, "kinds", i),
                                    f"unknown file kind {kind!r} (known: {', '.join(FILE_KINDS)})")
            extensions = tuple(e.lower() if e.startswith(".") else f".{e.lower()}"
                               for e in self.strings((*key, "extensions"), body.get("extensions")))
            from gates.secrets import DETECTORS  # names only: detect-secrets is imported on a hit

            detect = self.strings((*key, "detect"), body.get("detect"))
            for i, detector in enumerate(detect):
                if detector not in DETECTORS:
                    raise self.fail((*key, "detect", i), f"unknown detector {detector!r} "
                                                         f"(known: {', '.join(DETECTORS)})")
            out.append(Category(
                name=name,
                tier=self.tier((*key, "tier"), body["tier"]),
                description=description,
                paths=self.globs((*key, "paths"), body.get("paths")),
                exclude=self.globs((*key, "exclude"), body.get("exclude")),
                content=self.regexes((*key, "content"), body.get("content"), content=True),
                symbols=self.regexes((*key, "symbols"), body.get("symbols")),
                extensions=extensions,
                files=self.globs((*key, "files"), body.get("files")),
                kinds=kinds,
                detect=detect,
                version_only=self.tier((*key, "version_only"), body["version_only"])
                if "version_only" in body else "",
            ))
        return tuple(out)

    def size(self) -> SizeRule:
        raw = self.keys(("size",), self.data.get("size", {}), ("max_files", "max_lines", "tier"))
        return SizeRule(
            max_files=self.limit(("size", "max_files"), raw.get("max_files")),
            max_lines=self.limit(("size", "max_lines"), raw.get("max_lines")),
            tier=self.tier(("size", "tier"), raw.get("tier", self.tiers[-1])),
        )

    def provenance(self) -> ProvenanceRules:
        key: Key = ("provenance",)
        raw = self.keys(key, self.data.get("provenance", {}), ("trailers", "branches", "escalate"))
        trailers = []
        items = raw.get("trailers") or []
        if not isinstance(items, list):
            raise self.fail((*key, "trailers"), "must be a list of {key, pattern}")
        for i, raw_item in enumerate(items):
            item_key: Key = (*key, "trailers", i)
            item = self.keys(item_key, raw_item, ("key", "pattern"))
            trailer = self.string((*item_key, "key"), item.get("key"))
            pattern = self.regexes((*item_key, "pattern"), [item.get("pattern", ".+")])[0]
            trailers.append(TrailerRule(trailer, pattern))
        escalate = self.keys((*key, "escalate"), raw.get("escalate") or {}, self.tiers)
        steps = []
        for source, raw_target in escalate.items():
            target = self.tier((*key, "escalate", source), raw_target)
            if self.tiers.index(target) < self.tiers.index(source):
                raise self.fail((*key, "escalate", source), "escalation cannot lower a tier")
            steps.append((source, target))
        return ProvenanceRules(
            trailers=tuple(trailers),
            branches=self.regexes((*key, "branches"), raw.get("branches")),
            escalate=tuple(steps),
        )
