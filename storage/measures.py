"""SQL for KPIs, measurements, goals with several KPIs, and survey responses.

Read functions return plain dicts; write functions run inside the caller's
transaction (`storage.write_transaction` / `Workspace.transaction`).
Survey responses are written in bulk with ``executemany``: they are not
editable rows, so they carry no bookkeeping columns and are not logged one by
one; the import that brought them is (``import_run``), and each response
keeps its ``import_id``.
"""

from collections.abc import Iterable, Sequence

import sqlite_utils

from storage.rows import rows

# --- KPIs -----------------------------------------------------------------------


def kpis_by_key(db: sqlite_utils.Database) -> dict[str, dict]:
    """Every KPI definition, by key."""
    return {row["key"]: row for row in rows(db, "kpi", "SELECT * FROM kpi")}


# --- measurements ---------------------------------------------------------------


def last_write_ids(db: sqlite_utils.Database) -> tuple[int, int]:
    """The ids of the newest change-log entry and import run (0 when none).

    While neither moves, no editable row was written and no file imported, so
    a measurement import checked against the workspace is still current.
    Both are primary keys: two index lookups, whatever the workspace's size.
    """
    found = db.execute(
        "SELECT (SELECT IFNULL(max(id), 0) FROM change_log),"
        " (SELECT IFNULL(max(id), 0) FROM import_run)"
    ).fetchone()
    return found[0], found[1]


_SCOPE_COLUMNS = ("journey_id", "stage_id", "step_id", "agency_id")


def measurements(
    db: sqlite_utils.Database,
    kpi_id: int,
    *,
    journey_id: int | None = None,
    stage_id: int | None = None,
    step_id: int | None = None,
    agency_id: int | None = None,
    channel: str | None = None,
    segment: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> list[dict]:
    """One KPI's measurements, by period, narrowed by every filter given.

    A filter left None does not narrow. ``start``/``end`` keep measurements
    whose period ends on or after ``start`` and starts on or before ``end``.
    """
    where = ["kpi_id = ?"]
    params: list = [kpi_id]
    for column, value in zip(
        _SCOPE_COLUMNS, (journey_id, stage_id, step_id, agency_id), strict=True
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, value in (("channel", channel), ("segment", segment)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if start is not None:
        where.append("period_end >= ?")
        params.append(start)
    if end is not None:
        where.append("period_start <= ?")
        params.append(end)
    return rows(
        db,
        "measurement",
        f"SELECT * FROM measurement WHERE {' AND '.join(where)}"
        " ORDER BY period_start, period_end, id",
        params,
    )


def find_measurement(
    db: sqlite_utils.Database,
    kpi_id: int,
    period_start: str,
    period_end: str,
    *,
    journey_id: int | None = None,
    stage_id: int | None = None,
    step_id: int | None = None,
    agency_id: int | None = None,
    channel: str = "",
    segment: str = "",
) -> dict | None:
    """The measurement with exactly this identity, or None."""
    found = rows(
        db,
        "measurement",
        """
        SELECT * FROM measurement
        WHERE kpi_id = ? AND IFNULL(journey_id, 0) = ? AND IFNULL(stage_id, 0) = ?
            AND IFNULL(step_id, 0) = ? AND IFNULL(agency_id, 0) = ?
            AND channel = ? AND segment = ? AND period_start = ? AND period_end = ?
        """,
        [
            kpi_id,
            journey_id or 0,
            stage_id or 0,
            step_id or 0,
            agency_id or 0,
            channel,
            segment,
            period_start,
            period_end,
        ],
    )
    return found[0] if found else None


def step_measurements(db: sqlite_utils.Database, journey_id: int) -> list[dict]:
    """Measurements recorded on a journey's steps, with their KPI, newest last."""
    return rows(
        db,
        "measurement",
        """
        SELECT measurement.*, kpi.key AS kpi_key, kpi.name AS kpi_name,
            kpi.unit AS kpi_unit
        FROM measurement
        JOIN kpi ON kpi.id = measurement.kpi_id
        JOIN step ON step.id = measurement.step_id
        JOIN stage ON stage.id = step.stage_id
        WHERE stage.journey_id = ?
        ORDER BY measurement.step_id, kpi.name, measurement.period_end
        """,
        [journey_id],
    )


# --- goals ----------------------------------------------------------------------


def goals(db: sqlite_utils.Database) -> list[dict]:
    """Every goal with its owner's name, by title."""
    return rows(
        db,
        "goal",
        """
        SELECT goal.*, agency.name AS owner_agency_name
        FROM goal LEFT JOIN agency ON agency.id = goal.owner_agency_id
        ORDER BY goal.title COLLATE NOCASE, goal.id
        """,
    )


def goal_kpis(db: sqlite_utils.Database, goal_id: int | None = None) -> list[dict]:
    """KPIs of one goal (or of all goals), with the KPI's key, name and unit and
    the names of the places they are measured."""
    sql = """
        SELECT goal_kpi.*, kpi.key AS kpi_key, kpi.name AS kpi_name,
            kpi.unit AS kpi_unit, journey.title AS journey_title,
            stage.name AS stage_name, step.action AS step_action,
            agency.name AS agency_name
        FROM goal_kpi
        JOIN kpi ON kpi.id = goal_kpi.kpi_id
        LEFT JOIN journey ON journey.id = goal_kpi.journey_id
        LEFT JOIN stage ON stage.id = goal_kpi.stage_id
        LEFT JOIN step ON step.id = goal_kpi.step_id
        LEFT JOIN agency ON agency.id = goal_kpi.agency_id
    """
    params: list = []
    if goal_id is not None:
        sql += " WHERE goal_kpi.goal_id = ?"
        params.append(goal_id)
    return rows(db, "goal_kpi", sql + " ORDER BY goal_kpi.goal_id, goal_kpi.id", params)


_GOAL_LINKS = {
    "goal_agency": "agency_id",
    "goal_journey": "journey_id",
    "goal_step": "step_id",
}


def link_goal(
    db: sqlite_utils.Database, table: str, goal_id: int, ids: Iterable[int]
) -> None:
    """Link a goal to agencies, journeys or steps (``table`` names which)."""
    column = _GOAL_LINKS[table]
    db.conn.executemany(
        f"INSERT OR IGNORE INTO [{table}] (goal_id, [{column}]) VALUES (?, ?)",
        [(goal_id, int(i)) for i in ids],
    )


def goal_links(db: sqlite_utils.Database) -> dict[int, dict[str, list[dict]]]:
    """For each goal: its contributing agencies, journeys and steps, with names."""
    found: dict[int, dict[str, list[dict]]] = {}

    def add(kind: str, sql: str) -> None:
        for goal_id, row_id, name in db.execute(sql).fetchall():
            links = found.setdefault(
                goal_id, {"agencies": [], "journeys": [], "steps": []}
            )
            links[kind].append({"id": row_id, "name": name})

    add(
        "agencies",
        "SELECT goal_id, agency.id, agency.name FROM goal_agency"
        " JOIN agency ON agency.id = goal_agency.agency_id ORDER BY agency.name",
    )
    add(
        "journeys",
        "SELECT goal_id, journey.id, journey.title FROM goal_journey"
        " JOIN journey ON journey.id = goal_journey.journey_id ORDER BY journey.title",
    )
    add(
        "steps",
        "SELECT goal_id, step.id, step.action FROM goal_step"
        " JOIN step ON step.id = goal_step.step_id ORDER BY step.id",
    )
    return found


# --- survey responses -----------------------------------------------------------

RESPONSE_COLUMNS = (
    "import_id",
    "survey",
    "respondent_id",
    "submitted_at",
    "complete",
    "journey_id",
    "stage_id",
    "channel",
    "period",
    "measure",
    "value",
)


def existing_responses(
    db: sqlite_utils.Database, survey: str
) -> dict[tuple[str, str], tuple[int, str | None]]:
    """(respondent, measure) -> (response id, submitted_at) already stored."""
    return {
        (respondent, measure): (row_id, submitted)
        for row_id, respondent, measure, submitted in db.execute(
            "SELECT id, respondent_id, measure, submitted_at FROM survey_response"
            " WHERE survey = ?",
            [survey],
        ).fetchall()
    }


def delete_responses(db: sqlite_utils.Database, ids: Sequence[int]) -> None:
    """Remove stored responses (replaced by a later answer of the same person)."""
    db.conn.executemany("DELETE FROM survey_response WHERE id = ?", [(i,) for i in ids])


def insert_responses(db: sqlite_utils.Database, records: Iterable[Sequence]) -> int:
    """Insert response tuples ordered as `RESPONSE_COLUMNS`; return how many."""
    columns = ", ".join(RESPONSE_COLUMNS)
    marks = ", ".join("?" for _ in RESPONSE_COLUMNS)
    cursor = db.conn.executemany(
        f"INSERT INTO survey_response ({columns}) VALUES ({marks})", records
    )
    return cursor.rowcount


def insert_survey_questions(
    db: sqlite_utils.Database, import_id: int, survey: str, mapped: dict[str, str]
) -> None:
    """Record the question text each measure of a survey was mapped from."""
    db.conn.executemany(
        "INSERT INTO survey_question (import_id, survey, measure, question)"
        " VALUES (?, ?, ?, ?)",
        [(import_id, survey, measure, text) for measure, text in mapped.items()],
    )


def response_histograms(
    db: sqlite_utils.Database,
    *,
    survey: str | None = None,
    measures: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
    complete_only: bool = False,
) -> list[tuple]:
    """Answers counted per (survey, measure, journey, stage, channel, period, value).

    One GROUP BY over the responses: a million answers become a few thousand
    counts, from which every KPI is worked out in Python (PITFALLS 24).
    """
    where, params = [], []
    if survey is not None:
        where.append("survey = ?")
        params.append(survey)
    if measures:
        where.append(f"measure IN ({', '.join('?' for _ in measures)})")
        params.extend(measures)
    if periods:
        where.append(f"period IN ({', '.join('?' for _ in periods)})")
        params.extend(periods)
    if complete_only:
        where.append("complete = 1")
    sql = (
        "SELECT survey, measure, journey_id, stage_id, channel, period, value,"
        " count(*) FROM survey_response"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " GROUP BY survey, measure, journey_id, stage_id, channel, period, value"
    return db.execute(sql, params).fetchall()


def survey_summary(db: sqlite_utils.Database) -> list[dict]:
    """Per survey and measure: respondents, answers and the months covered."""
    return rows(
        db,
        "survey_response",
        """
        SELECT survey, measure, count(*) AS answers,
            count(DISTINCT respondent_id) AS respondents,
            sum(1 - complete) AS from_partial, min(period) AS first_month,
            max(period) AS last_month
        FROM survey_response GROUP BY survey, measure ORDER BY survey, measure
        """,
    )


def survey_questions(db: sqlite_utils.Database) -> list[dict]:
    return rows(
        db,
        "survey_question",
        "SELECT * FROM survey_question ORDER BY survey, measure, id",
    )


def goal_link_ids(db: sqlite_utils.Database, goal_id: int) -> dict[str, list[int]]:
    """The ids a goal is linked to, by link table, each list sorted."""
    found = {}
    for table, column in _GOAL_LINKS.items():
        found[table] = [
            row[0]
            for row in db.execute(
                f"SELECT [{column}] FROM [{table}] WHERE goal_id = ? ORDER BY 1",
                [goal_id],
            ).fetchall()
        ]
    return found


def unlink_goal(db: sqlite_utils.Database, table: str, goal_id: int) -> None:
    """Remove every link of a goal in one link table (``table`` names which)."""
    if table not in _GOAL_LINKS:
        raise KeyError(table)
    db.execute(f"DELETE FROM [{table}] WHERE goal_id = ?", [goal_id])


def kpi_uses(db: sqlite_utils.Database, kpi_id: int) -> dict[str, int]:
    """How many goals, goal KPIs and measurements use a KPI."""
    return {
        "goals": db.execute(
            "SELECT count(DISTINCT goal_id) FROM ("
            " SELECT goal_id FROM goal_kpi WHERE kpi_id = :k"
            " UNION SELECT id AS goal_id FROM goal WHERE kpi_id = :k)",
            {"k": kpi_id},
        ).fetchone()[0],
        "measurements": db.execute(
            "SELECT count(*) FROM measurement WHERE kpi_id = ?", [kpi_id]
        ).fetchone()[0],
    }
