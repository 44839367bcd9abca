"""SQLite storage for Joinedup.

Every SQL statement of the project lives in this package, behind functions
named for what they do, so that another backend can be added later without
touching the domain package (`journeys`) or the pages.
"""

from storage.connection import connect, database_path, write_transaction
from storage.errors import (
    DatabaseBusy,
    ReferencedRowMissing,
    RowNotFound,
    StaleVersion,
    StorageError,
    UniqueViolation,
)

__all__ = [
    "DatabaseBusy",
    "ReferencedRowMissing",
    "RowNotFound",
    "StaleVersion",
    "StorageError",
    "UniqueViolation",
    "connect",
    "database_path",
    "write_transaction",
]
