"""The shape of a journey: ordering stages and steps, and who supports a step."""

import sqlite_utils

from storage import rows


def stage_ids_in_order(db: sqlite_utils.Database, journey_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT id FROM stage WHERE journey_id = ? ORDER BY position, id",
            [journey_id],
        ).fetchall()
    ]


def step_ids_in_order(db: sqlite_utils.Database, stage_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT id FROM step WHERE stage_id = ? ORDER BY position, id", [stage_id]
        ).fetchall()
    ]


def renumber(
    db: sqlite_utils.Database, table: str, ordered_ids: list[int], actor: str
) -> None:
    """Give rows positions 1..n in the order given, logging each one that moved.

    Positions are compared with what is stored, so only rows that really
    moved get a new version (and so can conflict with someone's open edit).
    """
    for position, row_id in enumerate(ordered_ids, start=1):
        row = rows.get_row(db, table, row_id)
        if row["position"] != position:
            rows.update_row(
                db, table, row_id, row["version"], {"position": position}, actor
            )


def supporting_agency_ids(
    db: sqlite_utils.Database, journey_id: int
) -> dict[int, list[int]]:
    """Supporting agencies of every step of a journey, by step id, in one query."""
    found: dict[int, list[int]] = {}
    for step_id, agency_id in db.execute(
        """
        SELECT step_supporting_agency.step_id, step_supporting_agency.agency_id
        FROM step_supporting_agency
        JOIN step ON step.id = step_supporting_agency.step_id
        JOIN stage ON stage.id = step.stage_id
        WHERE stage.journey_id = ?
        ORDER BY step_supporting_agency.step_id, step_supporting_agency.agency_id
        """,
        [journey_id],
    ).fetchall():
        found.setdefault(step_id, []).append(agency_id)
    return found


def set_supporting_agencies(
    db: sqlite_utils.Database, step_id: int, agency_ids: list[int]
) -> None:
    db.execute("DELETE FROM step_supporting_agency WHERE step_id = ?", [step_id])
    for agency_id in sorted(set(agency_ids)):
        db.execute(
            "INSERT INTO step_supporting_agency (step_id, agency_id) VALUES (?, ?)",
            [step_id, agency_id],
        )


def journey_personas(db: sqlite_utils.Database, journey_id: int) -> list[dict]:
    return rows.rows(
        db,
        "persona",
        """
        SELECT persona.* FROM persona
        JOIN journey_persona ON journey_persona.persona_id = persona.id
        WHERE journey_persona.journey_id = ?
        ORDER BY persona.name COLLATE NOCASE
        """,
        [journey_id],
    )


def unlink_journey_persona(
    db: sqlite_utils.Database, journey_id: int, persona_id: int
) -> None:
    db.execute(
        "DELETE FROM journey_persona WHERE journey_id = ? AND persona_id = ?",
        [journey_id, persona_id],
    )


def persona_journey_count(db: sqlite_utils.Database, persona_id: int) -> int:
    return db.execute(
        "SELECT count(*) FROM journey_persona WHERE persona_id = ?", [persona_id]
    ).fetchone()[0]


def get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute(
        "SELECT value FROM workspace_setting WHERE key = ?", [key]
    ).fetchone()
    return row[0] if row else None


def set_setting(db: sqlite_utils.Database, key: str, value: str, actor: str) -> None:
    db.execute(
        "INSERT INTO workspace_setting (key, value, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        [key, value, rows.now_utc(), actor],
    )


def log_change(
    db: sqlite_utils.Database,
    actor: str,
    table: str,
    row_id: int,
    before: dict,
    after: dict,
) -> None:
    """Record in the change log an update made outside the row itself.

    For what belongs to a row but lives in a link table (a journey's
    personas, a step's supporting agencies), so that it is logged, with
    before and after, like any other edit.
    """
    rows._log(db, actor, table, row_id, "update", before, after)


def step_supporting_agency_ids(db: sqlite_utils.Database, step_id: int) -> list[int]:
    """The agencies supporting one step, by id."""
    return [
        r[0]
        for r in db.execute(
            "SELECT agency_id FROM step_supporting_agency WHERE step_id = ?"
            " ORDER BY agency_id",
            [step_id],
        ).fetchall()
    ]


def persona_journeys(db: sqlite_utils.Database, persona_id: int) -> list[dict]:
    """The journeys (id and title) that are about one persona, by title."""
    return [
        {"id": row[0], "title": row[1]}
        for row in db.execute(
            "SELECT journey.id, journey.title FROM journey"
            " JOIN journey_persona ON journey_persona.journey_id = journey.id"
            " WHERE journey_persona.persona_id = ?"
            " ORDER BY journey.title COLLATE NOCASE",
            [persona_id],
        ).fetchall()
    ]
