"""Policies and rules shipped with draftgate (installed as ``gates.policies``)."""
