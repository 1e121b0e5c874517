"""The record of what the gate decided: an append-only SQLite log beside the repository.

Kept apart from the engine so the hook pays only for ``sqlite3`` when it writes a record, and a
log that cannot be written never changes the decision it records.
"""
