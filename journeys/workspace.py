"""Opening a workspace, and turning storage errors into messages for people.

A `Workspace` is one open connection to one database file. Open one per
browser session or command, never share one between threads (PITFALLS 4).
"""

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

import storage
from journeys.errors import (
    DuplicateName,
    EditConflict,
    NotFound,
    ValidationError,
    WorkspaceBusy,
)
from storage import queries

logger = logging.getLogger(__name__)

# How a table is named to a person, in messages.
TABLE_WORDS = {
    "agency": "agency",
    "persona": "persona",
    "journey": "journey",
    "stage": "stage",
    "step": "step",
    "kpi": "KPI",
    "goal": "goal",
    "measurement": "measurement",
    "service": "service",
    "agency_relation": "link between agencies",
    "goal_kpi": "goal's KPI",
    "consultation_session": "consultation session",
    "improvement_item": "improvement item",
    "feedback": "piece of feedback",
    "survey_mapping": "saved survey question mapping",
}


class Workspace:
    """An open Joinedup workspace: one SQLite file with its schema up to date."""

    def __init__(self, db: sqlite_utils.Database, path: str):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None = None, *, timeout: float | None = None):
        """Open (creating and upgrading if needed) the workspace at ``path``.

        ``path`` defaults to ``$JOINEDUP_DB``, then ``data/joinedup.db``.
        """
        resolved = storage.database_path() if path is None else path
        kwargs = {} if timeout is None else {"timeout": timeout}
        return cls(storage.connect(resolved, **kwargs), str(resolved))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes so they are saved together or not at all."""
        with translated_errors(), storage.write_transaction(self.db):
            yield

    def is_empty(self) -> bool:
        return queries.is_empty(self.db)

    def counts(self) -> dict[str, int]:
        return queries.table_counts(self.db)

    def integrity_problems(self) -> list[str]:
        return queries.integrity_problems(self.db)

    def recent_changes(self, limit: int = 20) -> list[dict]:
        return queries.recent_changes(self.db, limit)


@contextlib.contextmanager
def translated_errors(record: str | None = None) -> Iterator[None]:
    """Re-raise storage errors as `JourneyError`s worded for the user."""
    try:
        yield
    except storage.StaleVersion as err:
        word = TABLE_WORDS.get(err.table, err.table)
        who, when = err.current.get("updated_by"), err.current.get("updated_at")
        raise EditConflict(
            f"{record or 'This ' + word} was changed by {who} at {when} "
            "while you were editing it. "
            "Your edit was not saved: compare it with theirs, then apply it again "
            "or discard it.",
            current=err.current,
            yours={},
        ) from err
    except storage.RowNotFound as err:
        word = TABLE_WORDS.get(err.table, err.table)
        raise NotFound(
            f"{word.capitalize()} {err.row_id} no longer exists: someone may have "
            "deleted it. Reload the page to see the current workspace."
        ) from err
    except storage.UniqueViolation as err:
        raise DuplicateName(
            f"{record or 'That name'} is already used in this workspace: "
            "choose another name, or edit the existing one."
        ) from err
    except storage.ReferencedRowMissing as err:
        raise ValidationError(
            {"reference": "points at an agency, persona or journey that does not exist"}
        ) from err
    except storage.DatabaseBusy as err:
        raise WorkspaceBusy(str(err)) from err
