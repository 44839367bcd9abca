"""Whole-workspace dumps: every table's rows, ids and bookkeeping included.

Used to move a workspace as one file. Loading keeps every id, version and
timestamp, so dumping a loaded workspace gives exactly the same rows.
"""

import sqlite_utils

from storage.connection import write_transaction
from storage.errors import StorageError
from storage.sessions import HASH_KEY_SETTING

# In an order that satisfies the foreign keys when loading.
DUMPED_TABLES = (
    "agency",
    "persona",
    "journey",
    "journey_persona",
    "stage",
    "step",
    "step_supporting_agency",
    "service",
    "step_service",
    "agency_relation",
    "kpi",
    "goal",
    "import_run",
    "measurement",
    "goal_kpi",
    "goal_agency",
    "goal_journey",
    "goal_step",
    "survey_response",
    "survey_question",
    "survey_mapping",
    "consultation_session",
    "session_participant",
    "improvement_item",
    "feedback",
    "feedback_contact",
    "feedback_item",
    "redaction",
    "report_share",
    "workspace_setting",
    "change_log",
)
# Left out on purpose: join_attempt and feedback_sent_from, the short-lived
# records of wrong join codes and of where comments came from, used for rate
# limiting, which mean nothing in another workspace.

# Rows of dumped tables that are neither dumped nor loaded: the secret
# participants' device tokens and network addresses are hashed with. Whoever
# held it could find the address behind a hash by trying every address. A
# workspace rebuilt from a dump makes a secret of its own on first use; the
# device hashes it brought then stop matching, which only means that a device
# in a session still running types the code again.
_ROWS_LEFT_OUT = {"workspace_setting": ("key", frozenset({HASH_KEY_SETTING}))}


def _left_out(table: str, row: dict) -> bool:
    column, values = _ROWS_LEFT_OUT.get(table, ("", frozenset()))
    return row.get(column) in values


def dump_tables(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Every row of every workspace table, in primary-key order."""
    dumped = {}
    for table in DUMPED_TABLES:
        pks = db[table].pks
        order = ", ".join(f"[{pk}]" for pk in pks)
        cursor = db.execute(f"SELECT * FROM [{table}] ORDER BY {order}")
        columns = [d[0] for d in cursor.description]
        found = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
        dumped[table] = [row for row in found if not _left_out(table, row)]
    return dumped


def table_columns(db: sqlite_utils.Database) -> dict[str, set[str]]:
    """The columns each dumped table has in this database."""
    return {t: set(db[t].columns_dict) for t in DUMPED_TABLES}


def load_tables(db: sqlite_utils.Database, tables: dict[str, list[dict]]) -> None:
    """Insert dumped rows as they are, in one transaction, foreign keys checked.

    The caller checks that the workspace is empty and that every column
    exists; foreign keys are checked at commit, so rows may come in any order.
    """
    known = table_columns(db)
    with write_transaction(db):
        db.execute("PRAGMA defer_foreign_keys = ON")
        for table in DUMPED_TABLES:
            for row in tables.get(table, []):
                if _left_out(table, row):
                    continue  # made by hand: this workspace keeps its own
                unknown = set(row) - known[table]
                if unknown:
                    raise StorageError(f"{table} has no column(s) {sorted(unknown)}")
                columns = ", ".join(f"[{c}]" for c in row)
                marks = ", ".join("?" for _ in row)
                db.execute(
                    f"INSERT INTO [{table}] ({columns}) VALUES ({marks})",
                    list(row.values()),
                )
