"""Errors raised by the storage layer.

They carry enough detail (table, row id, the row as it is now) for the domain
layer to turn them into messages a person can act on.
"""


class StorageError(Exception):
    """Base class for every error raised by `storage`."""


class RowNotFound(StorageError):
    """The row asked for does not exist (or no longer exists)."""

    def __init__(self, table: str, row_id: int):
        super().__init__(f"{table} {row_id} does not exist")
        self.table = table
        self.row_id = row_id


class StaleVersion(StorageError):
    """Someone else saved the row since it was read: the update was not applied."""

    def __init__(self, table: str, row_id: int, expected: int, current: dict):
        super().__init__(
            f"{table} {row_id} was changed by {current.get('updated_by')} "
            f"(version {current.get('version')}, you edited version {expected})"
        )
        self.table = table
        self.row_id = row_id
        self.expected = expected
        self.current = current


class UniqueViolation(StorageError):
    """A value that must be unique (such as a name) is already taken."""


class ReferencedRowMissing(StorageError):
    """A reference points at a row that does not exist (a foreign key failed)."""


class DatabaseBusy(StorageError):
    """Another writer held the database for longer than the busy timeout."""
