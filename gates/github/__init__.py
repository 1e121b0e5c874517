"""The GitHub side of the gate: the live approval check, the sticky comment, Actions outputs and the
workflow ``gate init --github`` writes.

Nothing here is imported on the local hook path: a pull-request run pays for the HTTP client, a
commit does not.
"""
