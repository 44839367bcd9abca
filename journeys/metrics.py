"""KPIs with standard definitions, measurements, and the arithmetic on them.

Formulas follow the sources named in each definition. Values are kept
unrounded; rounding happens only where they are displayed.
"""

from dataclasses import dataclass

from journeys.access import Actor, Role, require
from journeys.models import KpiDefinition, Measurement, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows

GOVUK_MANUAL = "GOV.UK Service Manual, 'Data you must publish'"

# The standard library every workspace starts with. Keys are stable: importers
# and saved goals refer to them.
STANDARD_KPIS = (
    KpiDefinition(
        key="completion_rate",
        name="Completion rate",
        unit="%",
        direction="up",
        formula="completed transactions / started transactions x 100; "
        "'not eligible' endings count as completed",
        source=GOVUK_MANUAL,
    ),
    KpiDefinition(
        key="user_satisfaction",
        name="User satisfaction",
        unit="%",
        direction="up",
        formula="('very satisfied' + 'satisfied') / all answers x 100, "
        "on a five-point scale",
        source=GOVUK_MANUAL,
    ),
    KpiDefinition(
        key="digital_take_up",
        name="Digital take-up",
        unit="%",
        direction="up",
        formula="completed digital transactions / completed transactions "
        "in all channels x 100",
        source=GOVUK_MANUAL,
    ),
    KpiDefinition(
        key="cost_per_transaction",
        name="Cost per transaction",
        unit="GBP",
        direction="down",
        formula="total cost of providing the service / completed transactions",
        source=GOVUK_MANUAL,
    ),
    KpiDefinition(
        key="users_at_stage",
        name="Users reaching a stage",
        unit="people",
        direction="up",
        formula="unique users who reached the stage in the period",
        source="GOV.UK Performance Platform 'users at each step' module",
    ),
    KpiDefinition(
        key="satisfaction_responses",
        name="Satisfaction answers per level",
        unit="answers",
        direction="none",
        formula="count of answers at one level (1 very dissatisfied .. "
        "5 very satisfied) in the period",
        source="GOV.UK feedback survey, as published by the Performance Platform",
    ),
)


def ensure_standard_kpis(ws: Workspace, actor: Actor) -> dict[str, int]:
    """Add any missing standard KPI definition; return ids by key."""
    require(actor, Role.EDITOR, "add KPI definitions")
    ids = {}
    with ws.transaction():
        for kpi in STANDARD_KPIS:
            existing = queries.find_kpi_id(ws.db, kpi.key)
            ids[kpi.key] = existing or rows.insert_row(
                ws.db, "kpi", as_columns(kpi.validated()), actor.name
            )
    return ids


def list_kpis(ws: Workspace) -> list[dict]:
    return queries.list_kpis(ws.db)


def kpi_id(ws: Workspace, key: str) -> int | None:
    return queries.find_kpi_id(ws.db, key)


def add_measurement(ws: Workspace, actor: Actor, measurement: Measurement) -> int:
    """Record one measurement; return its id."""
    require(actor, Role.EDITOR, "record a measurement")
    measurement = measurement.validated()
    with translated_errors("A measurement for this KPI, period and place"):
        return rows.insert_row(
            ws.db, "measurement", as_columns(measurement), actor.name
        )


@dataclass(frozen=True)
class StageFunnel:
    """People reaching one stage, and the share of them lost before the next."""

    stage: str
    users: float
    next_users: float | None
    abandonment: float | None  # 0..1, None for the last stage or no data

    @property
    def lost(self) -> float | None:
        return None if self.next_users is None else self.users - self.next_users


def funnel(stage_users: list[tuple[str, float | None]]) -> list[StageFunnel]:
    """Abandonment per stage: 1 - (users reaching the next stage / users entering).

    ``stage_users`` are (stage name, users) in journey order. A stage with no
    data (None) breaks the chain: neither it nor the stage before it gets an
    abandonment rate, rather than one made up from a gap.

    >>> [round(s.abandonment * 100, 1) for s in funnel(
    ...     [("a", 1000), ("b", 980), ("c", 950), ("d", 700), ("e", 680)])[:-1]]
    [2.0, 3.1, 26.3, 2.9]
    """
    result = []
    for index, (stage, users) in enumerate(stage_users):
        following = stage_users[index + 1][1] if index + 1 < len(stage_users) else None
        rate = None
        if users and following is not None:
            rate = 1 - following / users
        result.append(StageFunnel(stage, users, following, rate))
    return result


def stage_to_fix_first(stages: list[StageFunnel]) -> StageFunnel | None:
    """The stage that loses the largest share of the people who enter it."""
    rated = [s for s in stages if s.abandonment is not None]
    return max(rated, key=lambda s: s.abandonment, default=None)


def users_per_stage(ws: Workspace, journey_id: int) -> list[dict]:
    """Stage-level 'users reaching a stage' measurements of a journey."""
    return queries.stage_measurements(ws.db, journey_id, "users_at_stage")


def satisfaction_counts(ws: Workspace, journey_id: int) -> list[dict]:
    """Daily answers per satisfaction level recorded on a journey."""
    return queries.journey_measurements(ws.db, journey_id, "satisfaction_responses")


def top_two_box(counts: dict[int, float]) -> float | None:
    """Share (0..1) of answers that are 4 or 5 on a 1..5 scale; None if no answers.

    >>> top_two_box({5: 42, 4: 32, 3: 10, 2: 9, 1: 14})
    0.6915887850467289
    """
    total = sum(counts.values())
    if not total:
        return None
    return (counts.get(4, 0) + counts.get(5, 0)) / total
