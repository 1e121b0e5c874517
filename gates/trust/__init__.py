"""Dependency trust: whether a name a change adds is the package its author meant."""
