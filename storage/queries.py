"""Read queries: what the pages and the domain functions look at.

Each function answers one question in as few statements as it can (a journey
and all its steps is one query, not one per step).
"""

import json

import sqlite_utils

from storage.rows import rows

# Tables counted on the workspace overview and by `joinedup check`.
COUNTED_TABLES = (
    "agency",
    "persona",
    "journey",
    "stage",
    "step",
    "kpi",
    "goal",
    "measurement",
    "service",
    "import_run",
    "consultation_session",
    "feedback",
    "improvement_item",
    "change_log",
)


def table_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows per table, for every table a workspace holds."""
    return {
        t: db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
        for t in COUNTED_TABLES
    }


def is_empty(db: sqlite_utils.Database) -> bool:
    """True when the workspace holds no agency, persona or journey yet."""
    counts = table_counts(db)
    return counts["agency"] + counts["persona"] + counts["journey"] == 0


def integrity_problems(db: sqlite_utils.Database) -> list[str]:
    """What ``PRAGMA integrity_check`` and ``foreign_key_check`` report; [] if whole."""
    problems = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    problems = [p for p in problems if p != "ok"]
    for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check").fetchall():
        problems.append(f"{table} row {rowid} points at a missing {parent}")
    return problems


def recent_changes(db: sqlite_utils.Database, limit: int = 20) -> list[dict]:
    """The latest entries of the change log, newest first."""
    found = rows(
        db,
        "change_log",
        "SELECT * FROM change_log ORDER BY id DESC LIMIT ?",
        [limit],
    )
    for change in found:
        change["before"] = json.loads(change["before"]) if change["before"] else None
        change["after"] = json.loads(change["after"]) if change["after"] else None
    return found


def changes_to_row(db: sqlite_utils.Database, table: str, row_id: int) -> list[dict]:
    """Every logged change to one row, oldest first."""
    found = rows(
        db,
        "change_log",
        "SELECT * FROM change_log WHERE table_name = ? AND row_id = ? ORDER BY id",
        [table, row_id],
    )
    for change in found:
        change["before"] = json.loads(change["before"]) if change["before"] else None
        change["after"] = json.loads(change["after"]) if change["after"] else None
    return found


# --- agencies -------------------------------------------------------------


def list_agencies(db: sqlite_utils.Database) -> list[dict]:
    return rows(db, "agency", "SELECT * FROM agency ORDER BY name")


def find_agency_id(db: sqlite_utils.Database, name: str) -> int | None:
    row = db.execute(
        "SELECT id FROM agency WHERE name = ? COLLATE NOCASE", [name]
    ).fetchone()
    return row[0] if row else None


# --- personas -------------------------------------------------------------


def list_personas(
    db: sqlite_utils.Database, include_archived: bool = False
) -> list[dict]:
    sql = (
        "SELECT persona.*, agency.name AS owner_agency_name FROM persona"
        " LEFT JOIN agency ON agency.id = persona.owner_agency_id"
    )
    if not include_archived:
        sql += " WHERE persona.archived = 0"
    return rows(db, "persona", sql + " ORDER BY persona.name COLLATE NOCASE")


def find_persona_id(db: sqlite_utils.Database, name: str) -> int | None:
    row = db.execute(
        "SELECT id FROM persona WHERE name = ? COLLATE NOCASE", [name]
    ).fetchone()
    return row[0] if row else None


# --- journeys -------------------------------------------------------------


def list_journeys(db: sqlite_utils.Database) -> list[dict]:
    """Journeys with their lead agency and how many stages and steps they hold."""
    return rows(
        db,
        "journey",
        """
        SELECT journey.*, agency.name AS lead_agency_name,
            (SELECT count(*) FROM stage WHERE stage.journey_id = journey.id)
                AS stage_count,
            (SELECT count(*) FROM step JOIN stage ON stage.id = step.stage_id
                WHERE stage.journey_id = journey.id) AS step_count
        FROM journey LEFT JOIN agency ON agency.id = journey.lead_agency_id
        ORDER BY journey.title COLLATE NOCASE
        """,
    )


def find_journey_id(db: sqlite_utils.Database, title: str) -> int | None:
    row = db.execute(
        "SELECT id FROM journey WHERE title = ? COLLATE NOCASE", [title]
    ).fetchone()
    return row[0] if row else None


def journey_stages(db: sqlite_utils.Database, journey_id: int) -> list[dict]:
    return rows(
        db,
        "stage",
        "SELECT * FROM stage WHERE journey_id = ? ORDER BY position, id",
        [journey_id],
    )


def journey_steps(db: sqlite_utils.Database, journey_id: int) -> list[dict]:
    """Every step of a journey in order, with its stage and owning agency names."""
    return rows(
        db,
        "step",
        """
        SELECT step.*, stage.name AS stage_name, stage.position AS stage_position,
            agency.name AS owning_agency_name
        FROM step
        JOIN stage ON stage.id = step.stage_id
        LEFT JOIN agency ON agency.id = step.owning_agency_id
        WHERE stage.journey_id = ?
        ORDER BY stage.position, stage.id, step.position, step.id
        """,
        [journey_id],
    )


def count_stage_steps(db: sqlite_utils.Database, stage_id: int) -> int:
    return db.execute(
        "SELECT count(*) FROM step WHERE stage_id = ?", [stage_id]
    ).fetchone()[0]


def journey_persona_ids(db: sqlite_utils.Database, journey_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT persona_id FROM journey_persona WHERE journey_id = ?", [journey_id]
        ).fetchall()
    ]


def link_journey_persona(
    db: sqlite_utils.Database, journey_id: int, persona_id: int
) -> None:
    db.execute(
        "INSERT OR IGNORE INTO journey_persona (journey_id, persona_id) VALUES (?, ?)",
        [journey_id, persona_id],
    )


# --- KPIs, goals and measurements ----------------------------------------


def list_kpis(db: sqlite_utils.Database) -> list[dict]:
    return rows(db, "kpi", "SELECT * FROM kpi ORDER BY name")


def find_kpi_id(db: sqlite_utils.Database, key: str) -> int | None:
    row = db.execute("SELECT id FROM kpi WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def list_goals(db: sqlite_utils.Database) -> list[dict]:
    return rows(
        db,
        "goal",
        """
        SELECT goal.*, agency.name AS owner_agency_name, journey.title AS journey_title,
            kpi.name AS kpi_name, kpi.unit AS kpi_unit
        FROM goal
        LEFT JOIN agency ON agency.id = goal.owner_agency_id
        LEFT JOIN journey ON journey.id = goal.journey_id
        LEFT JOIN kpi ON kpi.id = goal.kpi_id
        ORDER BY goal.title
        """,
    )


def stage_measurements(
    db: sqlite_utils.Database, journey_id: int, kpi_key: str
) -> list[dict]:
    """One KPI's measurements on a journey's stages, by stage order then period."""
    return rows(
        db,
        "measurement",
        """
        SELECT measurement.*, stage.name AS stage_name, stage.position AS stage_position
        FROM measurement
        JOIN kpi ON kpi.id = measurement.kpi_id
        JOIN stage ON stage.id = measurement.stage_id
        WHERE measurement.journey_id = ? AND kpi.key = ?
        ORDER BY stage.position, measurement.period_start
        """,
        [journey_id, kpi_key],
    )


def journey_measurements(
    db: sqlite_utils.Database, journey_id: int, kpi_key: str
) -> list[dict]:
    """One KPI's journey-level measurements (no stage), by period then segment."""
    return rows(
        db,
        "measurement",
        """
        SELECT measurement.* FROM measurement JOIN kpi ON kpi.id = measurement.kpi_id
        WHERE measurement.journey_id = ? AND kpi.key = ?
            AND measurement.stage_id IS NULL
        ORDER BY measurement.period_start, measurement.segment
        """,
        [journey_id, kpi_key],
    )


def find_import(db: sqlite_utils.Database, kind: str, sha256: str) -> dict | None:
    found = rows(
        db,
        "import_run",
        "SELECT * FROM import_run WHERE kind = ? AND sha256 = ?",
        [kind, sha256],
    )
    return found[0] if found else None


def record_import(
    db: sqlite_utils.Database,
    kind: str,
    file_name: str,
    sha256: str,
    at: str,
    actor: str,
    summary: str,
) -> int:
    cursor = db.execute(
        "INSERT INTO import_run (kind, file_name, sha256, at, actor, summary)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [kind, file_name, sha256, at, actor, summary],
    )
    return cursor.lastrowid


# --- imports (appended for the importers) ----------------------------------


def set_import_summary(db: sqlite_utils.Database, import_id: int, summary: str) -> None:
    """Record what an import created, once it has finished."""
    db.execute("UPDATE import_run SET summary = ? WHERE id = ?", [summary, import_id])


def list_imports(db: sqlite_utils.Database) -> list[dict]:
    """Every recorded import, newest first."""
    return rows(db, "import_run", "SELECT * FROM import_run ORDER BY id DESC")


def measurements_of_import(db: sqlite_utils.Database, import_id: int) -> int:
    """How many measurements one import added."""
    return db.execute(
        "SELECT count(*) FROM measurement WHERE import_id = ?", [import_id]
    ).fetchone()[0]
