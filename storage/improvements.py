"""Improvement items: the backlog, what feedback led to them, and KPI data.

Item rows are written through `storage.rows` (versioned and logged); the
statements here only read.
"""

import json

import sqlite_utils

from storage.rows import rows

_ITEM_SQL = """
SELECT improvement_item.*, agency.name AS owning_agency_name,
    journey.title AS journey_title, kpi.name AS evaluation_kpi_name,
    kpi.unit AS evaluation_kpi_unit, kpi.direction AS evaluation_kpi_direction,
    (SELECT json_group_array(feedback_id) FROM feedback_item
        WHERE feedback_item.item_id = improvement_item.id) AS feedback_ids
FROM improvement_item
LEFT JOIN agency ON agency.id = improvement_item.owning_agency_id
LEFT JOIN journey ON journey.id = improvement_item.journey_id
LEFT JOIN kpi ON kpi.id = improvement_item.evaluation_kpi_id
"""


def _decoded(found: list[dict]) -> list[dict]:
    for row in found:
        row["feedback_ids"] = sorted(json.loads(row["feedback_ids"] or "[]"))
    return found


def list_items(db: sqlite_utils.Database, journey_id: int | None = None) -> list[dict]:
    """Items by title, optionally only one journey's, with names and feedback ids."""
    if journey_id is None:
        sql, params = _ITEM_SQL, []
    else:
        sql, params = _ITEM_SQL + " WHERE improvement_item.journey_id = ?", [journey_id]
    return _decoded(
        rows(db, "improvement_item", sql + " ORDER BY improvement_item.title", params)
    )


def items_by_ids(db: sqlite_utils.Database, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    return _decoded(
        rows(
            db,
            "improvement_item",
            _ITEM_SQL + f" WHERE improvement_item.id IN ({marks})"
            " ORDER BY improvement_item.id",
            ids,
        )
    )


def kpi_measurements(db: sqlite_utils.Database, kpi_id: int) -> list[dict]:
    """Every measurement of one KPI, with where it was measured, by period."""
    return rows(
        db,
        "measurement",
        """
        SELECT measurement.*, journey.title AS journey_title,
            stage.name AS stage_name, step.action AS step_action,
            agency.name AS agency_name
        FROM measurement
        LEFT JOIN journey ON journey.id = measurement.journey_id
        LEFT JOIN stage ON stage.id = measurement.stage_id
        LEFT JOIN step ON step.id = measurement.step_id
        LEFT JOIN agency ON agency.id = measurement.agency_id
        WHERE measurement.kpi_id = ?
        ORDER BY measurement.period_start, measurement.period_end, measurement.id
        """,
        [kpi_id],
    )
