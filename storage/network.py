"""Everything the agency graph is built from, one query per table.

Each function returns plain tuples or dicts for the whole workspace, so that
building the graph costs the same handful of queries for 40 steps or 5,000.
"""

import json

import sqlite_utils


def agencies(db: sqlite_utils.Database) -> list[dict]:
    """Every agency: id, name, kind, short and alternate names, by id."""
    cursor = db.execute(
        "SELECT id, name, kind, short_name, alternate_name FROM agency ORDER BY id"
    )
    return [
        {
            "id": r[0],
            "name": r[1],
            "kind": r[2],
            "short_name": r[3],
            "alternate_name": r[4],
        }
        for r in cursor.fetchall()
    ]


def journeys(db: sqlite_utils.Database) -> list[dict]:
    """Every journey: id, title, status, by id."""
    cursor = db.execute("SELECT id, title, status FROM journey ORDER BY id")
    return [{"id": r[0], "title": r[1], "status": r[2]} for r in cursor.fetchall()]


def steps_in_order(db: sqlite_utils.Database) -> list[dict]:
    """Every step with its journey and stage, journey by journey in step order."""
    cursor = db.execute(
        """
        SELECT step.id, stage.journey_id, stage.position, stage.name, step.position,
            step.action, step.channel, step.owning_agency_id
        FROM step JOIN stage ON stage.id = step.stage_id
        ORDER BY stage.journey_id, stage.position, stage.id, step.position, step.id
        """
    )
    return [
        {
            "id": r[0],
            "journey_id": r[1],
            "stage_position": r[2],
            "stage_name": r[3],
            "position": r[4],
            "action": r[5],
            "channel": r[6],
            "owning_agency_id": r[7],
        }
        for r in cursor.fetchall()
    ]


def supporting_agencies(db: sqlite_utils.Database) -> list[tuple[int, int]]:
    """(step id, agency id) for every agency that supports a step."""
    return [
        tuple(r)
        for r in db.execute(
            "SELECT step_id, agency_id FROM step_supporting_agency"
            " ORDER BY step_id, agency_id"
        ).fetchall()
    ]


def journey_personas(db: sqlite_utils.Database) -> list[tuple[int, int]]:
    """(journey id, persona id) for every persona a journey is about."""
    return [
        tuple(r)
        for r in db.execute(
            "SELECT journey_id, persona_id FROM journey_persona"
            " ORDER BY journey_id, persona_id"
        ).fetchall()
    ]


def services(db: sqlite_utils.Database) -> list[dict]:
    """Every service: id, name, owner, channels, inventory id, by id."""
    cursor = db.execute(
        "SELECT id, name, owner_agency_id, channels, external_id FROM service"
        " ORDER BY id"
    )
    return [
        {
            "id": r[0],
            "name": r[1],
            "owner_agency_id": r[2],
            "channels": json.loads(r[3]),
            "external_id": r[4],
        }
        for r in cursor.fetchall()
    ]


def step_services(db: sqlite_utils.Database) -> list[tuple[int, int]]:
    """(step id, service id) for every service a step uses."""
    return [
        tuple(r)
        for r in db.execute(
            "SELECT step_id, service_id FROM step_service ORDER BY step_id, service_id"
        ).fetchall()
    ]


def agency_relations(db: sqlite_utils.Database) -> list[dict]:
    """Every declared relation between two agencies, by id."""
    cursor = db.execute(
        "SELECT id, from_agency_id, to_agency_id, kind, strength, note"
        " FROM agency_relation ORDER BY id"
    )
    return [
        {
            "id": r[0],
            "from_agency_id": r[1],
            "to_agency_id": r[2],
            "kind": r[3],
            "strength": r[4],
            "note": r[5],
        }
        for r in cursor.fetchall()
    ]
