"""The policy: what is sensitive, which checks each tier needs, and who may approve.

One package, one job per module: ``model`` (the typed values), ``yamldoc`` (YAML with the
line of every key), ``load`` (reading and ``extends:``), ``values`` and ``validate`` (the merged
data into typed values, failing with the file, line and key), ``source`` (which revision's policy
judges a change) and ``guard`` (a change to the policy, validated as proposed). Importing the
package gives the types only; the rest is imported where it is used.
"""

from __future__ import annotations

from gates.policy.model import (
    BUILTIN_STAGES,
    DEFAULT_NAME,
    DEFAULT_ORIGIN,
    DEPS_ACTIONS,
    FILE_KINDS,
    POLICY_NAMES,
    ROLES,
    SCHEMA_VERSION,
    SEVERITIES,
    ApprovalSettings,
    BanditSettings,
    Category,
    CommandStage,
    Dependency,
    DepsSettings,
    Hotspot,
    Policy,
    PrecommitSettings,
    ProvenanceRules,
    ReviewSettings,
    SastSettings,
    SemgrepSettings,
    SizeRule,
    TrailerRule,
    TrustSettings,
)

__all__ = [
    "BUILTIN_STAGES",
    "DEFAULT_NAME",
    "DEFAULT_ORIGIN",
    "DEPS_ACTIONS",
    "FILE_KINDS",
    "POLICY_NAMES",
    "ROLES",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "ApprovalSettings",
    "BanditSettings",
    "Category",
    "CommandStage",
    "Dependency",
    "DepsSettings",
    "Hotspot",
    "Policy",
    "PrecommitSettings",
    "ProvenanceRules",
    "ReviewSettings",
    "SastSettings",
    "SemgrepSettings",
    "SizeRule",
    "TrailerRule",
    "TrustSettings",
]
