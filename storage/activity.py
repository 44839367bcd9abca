"""Reading the change log: what happened to one journey, and what people edited.

The change log (``change_log``) holds one row per create, update or delete,
with the values before and after. Two questions are asked of it here:

* everything that happened to one journey, its stages and its steps,
  including stages and steps deleted since (found through the values their
  deletion logged);
* the latest edits people made, leaving out the rows an import created, so a
  demo build or a file import counts as one line rather than hundreds.
"""

import json

import sqlite_utils

from storage.rows import rows

# One journey's log rows: the journey itself, every stage that belongs or
# belonged to it, and every step of those stages. Stages and steps that were
# deleted no longer exist, but their create and delete rows carry their
# journey_id and stage_id, and a step moved between stages logs its stage_id.
_JOURNEY_LOG_SQL = """
WITH journey_stage(id) AS (
    SELECT id FROM stage WHERE journey_id = ?1
    UNION
    SELECT row_id FROM change_log
    WHERE table_name = 'stage'
        AND (json_extract(after, '$.journey_id') = ?1
            OR json_extract(before, '$.journey_id') = ?1)
),
journey_step(id) AS (
    SELECT step.id FROM step WHERE step.stage_id IN (SELECT id FROM journey_stage)
    UNION
    SELECT row_id FROM change_log
    WHERE table_name = 'step'
        AND (json_extract(after, '$.stage_id') IN (SELECT id FROM journey_stage)
            OR json_extract(before, '$.stage_id') IN (SELECT id FROM journey_stage))
)
SELECT * FROM change_log
WHERE (table_name = 'journey' AND row_id = ?1)
    OR (table_name = 'stage' AND row_id IN (SELECT id FROM journey_stage))
    OR (table_name = 'step' AND row_id IN (SELECT id FROM journey_step))
ORDER BY id
"""

# Runs of log rows: consecutive rows (by id) that create something, by one
# actor, with no pause of more than a second between them. A run during
# which an import by the same actor started is that import's work.
_RECENT_EDITS_SQL = """
WITH numbered AS (
    SELECT change_log.*,
        CASE WHEN action = 'create'
            AND LAG(action) OVER (ORDER BY id) = 'create'
            AND LAG(actor) OVER (ORDER BY id) = actor
            AND (julianday(at) - julianday(LAG(at) OVER (ORDER BY id))) * 86400
                <= 1.5
        THEN 0 ELSE 1 END AS starts_run
    FROM change_log
),
grouped AS (
    SELECT numbered.*, SUM(starts_run) OVER (ORDER BY id) AS run FROM numbered
),
runs AS (
    SELECT run, actor, MIN(at) AS first_at, MAX(at) AS last_at
    FROM grouped WHERE action = 'create' GROUP BY run, actor
),
imported_runs AS (
    SELECT runs.run FROM runs
    WHERE EXISTS (
        SELECT 1 FROM import_run
        WHERE import_run.actor = runs.actor
            AND import_run.at BETWEEN runs.first_at AND runs.last_at
    )
)
SELECT id, at, actor, table_name, row_id, action, before, after FROM grouped
WHERE run NOT IN (SELECT run FROM imported_runs)
ORDER BY id DESC
LIMIT ?1
"""


def journey_log(db: sqlite_utils.Database, journey_id: int) -> list[dict]:
    """Every change-log row about a journey, its stages and steps, oldest first.

    Row ids can be reused after a delete, so a row here may belong to another
    journey's stage or step that later took the same id: the caller tells
    them apart by following each row's life from its create entry.
    """
    return _decoded(rows(db, "change_log", _JOURNEY_LOG_SQL, [journey_id]))


def recent_edits(db: sqlite_utils.Database, limit: int = 20) -> list[dict]:
    """The latest change-log rows that no import made, newest first."""
    return _decoded(rows(db, "change_log", _RECENT_EDITS_SQL, [limit]))


def _decoded(found: list[dict]) -> list[dict]:
    for change in found:
        change["before"] = json.loads(change["before"]) if change["before"] else None
        change["after"] = json.loads(change["after"]) if change["after"] else None
    return found


# What names each kind of row, for showing log rows in words.
_LABEL_COLUMNS = {
    "agency": "name",
    "persona": "name",
    "journey": "title",
    "stage": "name",
    "step": "action",
    "kpi": "name",
    "goal": "title",
}


def row_labels(db: sqlite_utils.Database) -> dict[tuple[str, int], str]:
    """The name (or title, or action) of every named row, by (table, id)."""
    labels = {}
    for table, column in _LABEL_COLUMNS.items():
        for row_id, label in db.execute(f"SELECT id, [{column}] FROM [{table}]"):
            labels[(table, row_id)] = label
    return labels
