"""Plain git hook scripts (installed as ``gates.githooks``; see ``gate install-hooks``)."""
