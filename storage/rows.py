"""Creating, changing and deleting editable rows, with optimistic locking.

Every write here:

* runs inside `write_transaction` (``BEGIN IMMEDIATE``);
* sets the bookkeeping columns (``version``, ``created_*``, ``updated_*``);
* records who changed what, before and after, in ``change_log``;
* updates with ``UPDATE ... WHERE id = ? AND version = ?`` and raises
  `StaleVersion` when someone else saved first, so no edit silently
  overwrites another. Nothing uses INSERT OR REPLACE (PITFALLS 13).
"""

import datetime
import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

import sqlite_utils

from storage.connection import write_transaction
from storage.errors import (
    ReferencedRowMissing,
    RowNotFound,
    StaleVersion,
    StorageError,
    UniqueViolation,
)
from storage.schema import EDITABLE_TABLES

# Columns holding lists, stored as JSON text and handed back as lists.
JSON_COLUMNS = {
    "persona": {
        "goals",
        "needs",
        "likes",
        "frustrations",
        "access_needs",
        "assistive_technology",
        "languages",
        "tags",
    },
    "step": {"emotions", "pain_points", "opportunities", "evidence", "kpi_ids"},
    "service": {"channels", "volumes", "client_groups", "feedback_channels"},
    "consultation_session": {
        "agency_ids",
        "journey_ids",
        "persona_ids",
        "proposal_item_ids",
        "access_offered",
    },
    "improvement_item": {"step_ids", "persona_ids", "kpi_ids"},
}
BOOKKEEPING_COLUMNS = {"id", "version", "created_at", "updated_at", "created_by"}


def now_utc() -> str:
    """The current time in UTC, as ISO 8601 to the second."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def get_row(db: sqlite_utils.Database, table: str, row_id: int) -> dict:
    """One row as a dict, lists decoded. Raises `RowNotFound`."""
    _check_table(table)
    cursor = db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])
    row = cursor.fetchone()
    if row is None:
        raise RowNotFound(table, row_id)
    columns = [d[0] for d in cursor.description]
    return decode_row(table, dict(zip(columns, row, strict=True)))


def rows(
    db: sqlite_utils.Database, table: str, sql: str, params: Iterable = ()
) -> list[dict]:
    """Run a SELECT and return its rows as dicts, decoding ``table``'s lists."""
    cursor = db.execute(sql, list(params))
    columns = [d[0] for d in cursor.description]
    return [
        decode_row(table, dict(zip(columns, r, strict=True))) for r in cursor.fetchall()
    ]


def decode_row(table: str, row: dict) -> dict:
    for column in JSON_COLUMNS.get(table, ()):
        if column in row and isinstance(row[column], str):
            row[column] = json.loads(row[column])
    return row


def insert_row(
    db: sqlite_utils.Database, table: str, values: Mapping[str, Any], actor: str
) -> int:
    """Create a row and log it. Returns the new row's id."""
    _check_table(table)
    stamp = now_utc()
    record = {
        **_encode(table, values),
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
        "created_by": actor,
        "updated_by": actor,
    }
    columns = ", ".join(f"[{c}]" for c in record)
    marks = ", ".join("?" for _ in record)
    with write_transaction(db):
        cursor = _run(
            db, f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", record.values()
        )
        row_id = cursor.lastrowid
        _log(db, actor, table, row_id, "create", None, dict(values))
    return row_id


def update_row(
    db: sqlite_utils.Database,
    table: str,
    row_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    actor: str,
) -> dict:
    """Apply ``changes`` to a row last read at ``expected_version``.

    Returns the row as saved. Raises `StaleVersion` (with the row as it is
    now) when someone saved it after it was read, and `RowNotFound` when it
    was deleted.
    """
    _check_table(table)
    forbidden = BOOKKEEPING_COLUMNS.intersection(changes)
    if forbidden:
        raise StorageError(f"bookkeeping columns cannot be edited: {forbidden}")
    with write_transaction(db):
        before = get_row(db, table, row_id)
        if before["version"] != expected_version:
            raise StaleVersion(table, row_id, expected_version, before)
        encoded = _encode(table, changes)
        assignments = ", ".join(f"[{c}] = ?" for c in encoded)
        sql = (
            f"UPDATE [{table}] SET {assignments}{', ' if encoded else ''}"
            "version = version + 1, updated_at = ?, updated_by = ? "
            "WHERE id = ? AND version = ?"
        )
        params = [*encoded.values(), now_utc(), actor, row_id, expected_version]
        if _run(db, sql, params).rowcount != 1:
            raise StaleVersion(
                table, row_id, expected_version, get_row(db, table, row_id)
            )
        changed = {c for c in changes if before.get(c) != changes[c]}
        _log(
            db,
            actor,
            table,
            row_id,
            "update",
            {c: before.get(c) for c in sorted(changed)},
            {c: changes[c] for c in sorted(changed)},
        )
        return get_row(db, table, row_id)


def delete_row(
    db: sqlite_utils.Database,
    table: str,
    row_id: int,
    expected_version: int,
    actor: str,
) -> None:
    """Delete a row last read at ``expected_version``, logging what it held."""
    _check_table(table)
    with write_transaction(db):
        before = get_row(db, table, row_id)
        if before["version"] != expected_version:
            raise StaleVersion(table, row_id, expected_version, before)
        _run(db, f"DELETE FROM [{table}] WHERE id = ?", [row_id])
        _log(db, actor, table, row_id, "delete", before, None)


def log_change(
    db: sqlite_utils.Database,
    actor: str,
    table: str,
    row_id: int,
    action: str,
    before: dict | None,
    after: dict | None,
) -> None:
    """Record a change that is not a row write here (such as a goal's links),
    inside the caller's transaction."""
    _check_table(table)
    _log(db, actor, table, row_id, action, before, after)


def _check_table(table: str) -> None:
    # Table names are put into SQL text, so only known names may pass.
    if table not in EDITABLE_TABLES:
        raise StorageError(f"not an editable table: {table!r}")


def _encode(table: str, values: Mapping[str, Any]) -> dict:
    json_columns = JSON_COLUMNS.get(table, set())
    encoded = {}
    for column, value in values.items():
        if not column.replace("_", "").isalnum():
            raise StorageError(f"not a column name: {column!r}")
        if column in json_columns:
            value = json.dumps(
                value if isinstance(value, dict) else list(value), ensure_ascii=False
            )
        elif isinstance(value, bool):
            value = int(value)
        encoded[column] = value
    return encoded


def _run(db: sqlite_utils.Database, sql: str, params: Iterable) -> sqlite3.Cursor:
    try:
        return db.execute(sql, list(params))
    except sqlite3.IntegrityError as err:
        raise _integrity_error(err) from err


def _integrity_error(err: sqlite3.IntegrityError) -> StorageError:
    text = str(err)
    if text.startswith("UNIQUE"):
        return UniqueViolation(text)
    if "FOREIGN KEY" in text:
        return ReferencedRowMissing(text)
    return StorageError(text)


def _log(
    db: sqlite_utils.Database,
    actor: str,
    table: str,
    row_id: int,
    action: str,
    before: dict | None,
    after: dict | None,
) -> None:
    db.execute(
        "INSERT INTO change_log (at, actor, table_name, row_id, action, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            now_utc(),
            actor,
            table,
            row_id,
            action,
            _as_json(before),
            _as_json(after),
        ],
    )


def _as_json(values: dict | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, default=str, sort_keys=True)
