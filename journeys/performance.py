"""The numbers behind the Goals & KPIs page, from stored measurements.

Values stay unrounded here; pages round them for display only (PITFALLS 19).
"""

from dataclasses import dataclass

from journeys import kpis, maps, metrics
from journeys.errors import JourneyError
from journeys.metrics import StageFunnel
from journeys.workspace import Workspace
from storage import measures, queries

# The five-point scale of the GOV.UK feedback survey, as stored in ``segment``.
SATISFACTION_LEVELS = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Neither satisfied nor dissatisfied",
    4: "Satisfied",
    5: "Very satisfied",
}


@dataclass(frozen=True)
class SatisfactionSummary:
    """Answers per level added up over every recorded day of one journey."""

    counts: dict[int, float]  # level 1..5 -> answers, every level present
    first_day: str
    last_day: str
    unreadable: int  # rows whose segment is not a level 1..5: shown, not counted

    @property
    def answers(self) -> float:
        return sum(self.counts.values())

    @property
    def top_two_box(self) -> float | None:
        return metrics.top_two_box(self.counts)


def journeys_with_stage_users(ws: Workspace) -> list[dict]:
    """Journeys holding 'users reaching a stage' measurements, by title."""
    return [
        journey
        for journey in maps.list_journeys(ws)
        if metrics.users_per_stage(ws, journey["id"])
    ]


def journeys_with_satisfaction(ws: Workspace) -> list[dict]:
    """Journeys holding satisfaction answers per level, by title."""
    return [
        journey
        for journey in maps.list_journeys(ws)
        if metrics.satisfaction_counts(ws, journey["id"])
    ]


def stage_user_periods(ws: Workspace, journey_id: int) -> list[str]:
    """Start dates of the periods with stage-level user counts, newest first."""
    starts = {row["period_start"] for row in metrics.users_per_stage(ws, journey_id)}
    return sorted(starts, reverse=True)


def stage_funnel(
    ws: Workspace, journey_id: int, period_start: str
) -> list[StageFunnel]:
    """Users reaching each stage of a journey in one period, with abandonment.

    Every stage appears, in journey order; a stage with no measurement for the
    period has ``users`` None, so no rate is made up across the gap. Several
    rows for one stage and period (one per channel or segment) are added up.
    """
    stages = queries.journey_stages(ws.db, journey_id)
    users: dict[int, float] = {}
    for row in metrics.users_per_stage(ws, journey_id):
        if row["period_start"] == period_start:
            users[row["stage_id"]] = users.get(row["stage_id"], 0) + row["value"]
    return metrics.funnel([(stage["name"], users.get(stage["id"])) for stage in stages])


def satisfaction_summary(ws: Workspace, journey_id: int) -> SatisfactionSummary | None:
    """Answers per satisfaction level over all recorded days; None if none."""
    found = metrics.satisfaction_counts(ws, journey_id)
    if not found:
        return None
    counts = dict.fromkeys(SATISFACTION_LEVELS, 0.0)
    unreadable = 0
    for row in found:
        level = _level(row["segment"])
        if level is None:
            unreadable += 1
        else:
            counts[level] += row["value"]
    days = [row["period_start"] for row in found]
    return SatisfactionSummary(counts, min(days), max(days), unreadable)


def _level(segment: str) -> int | None:
    text = segment.strip()
    if text.isdigit() and int(text) in SATISFACTION_LEVELS:
        return int(text)
    return None


# --- a journey's KPIs, for the journey view --------------------------------------


@dataclass(frozen=True)
class StepKpi:
    """The latest value of a KPI shown on one step of a journey."""

    stage: str
    step_id: int
    step: str
    kpi_key: str
    kpi_name: str
    unit: str
    value: float | None
    period_start: str | None
    period_end: str | None
    measured_on: str  # "this step", "this stage" or "the journey"


def step_kpis(ws: Workspace, journey_id: int) -> list[StepKpi]:
    """For each step, in journey order, the KPIs it shows: those listed on the
    step, and any measured on it. A listed KPI without a measurement on the
    step takes its stage's value, then the journey's; the latest period wins.
    """
    definitions = metrics.kpis_by_key(ws)
    by_id = {row["id"]: row for row in definitions.values()}
    measured: dict[int, set[int]] = {}
    for row in measures.step_measurements(ws.db, journey_id):
        measured.setdefault(row["step_id"], set()).add(row["kpi_id"])
    found = []
    for step in queries.journey_steps(ws.db, journey_id):
        wanted = list(dict.fromkeys([*step["kpi_ids"], *measured.get(step["id"], ())]))
        for kpi_id in wanted:
            kpi = by_id.get(kpi_id)
            if kpi is None:
                continue
            point, where = _latest_near(ws, kpi["key"], journey_id, step)
            found.append(
                StepKpi(
                    step["stage_name"],
                    step["id"],
                    step["action"],
                    kpi["key"],
                    kpi["name"],
                    kpi["unit"],
                    point.value if point else None,
                    point.period_start if point else None,
                    point.period_end if point else None,
                    where,
                )
            )
    return found


def _latest_near(ws, key: str, journey_id: int, step: dict):
    scopes = (
        ("this step", metrics.Scope(journey_id=journey_id, step_id=step["id"])),
        ("this stage", metrics.Scope(journey_id=journey_id, stage_id=step["stage_id"])),
        ("the journey", metrics.Scope(journey_id=journey_id)),
    )
    for where, scope in scopes:
        try:
            points = [p for p in metrics.series(ws, key, scope) if p.value is not None]
        except JourneyError:
            continue
        if points:
            return points[-1], where
    return None, "no measurement yet"


# --- rows for CSV and XLSX ----------------------------------------------------------
#
# One function per table the pages show, each row a dict keyed by its headers
# constant. Numbers stay unrounded, in the unit people read: a share of a
# whole is a percentage (26.315... for 26.3%) with "(%)" in its header, and a
# KPI value is `kpis.to_display_number` of it beside a "Unit" column, as in
# `goals.dashboard_rows`. A missing value stays None, which is a blank cell.

FUNNEL_HEADERS = ["Stage", "Users", "Reached next stage", "Lost", "Abandonment (%)"]


def funnel_rows(stages: list[StageFunnel]) -> list[dict]:
    """A funnel as rows for CSV or XLSX: counts, and shares as percentages.

    >>> [(r["Lost"], r["Abandonment (%)"]) for r in funnel_rows(
    ...     metrics.funnel([("Start", 1000), ("Upload", 750), ("Submit", None)]))]
    [(250, 25.0), (None, None), (None, None)]
    """
    return [
        {
            "Stage": s.stage,
            "Users": s.users,
            "Reached next stage": s.next_users,
            "Lost": s.lost,
            "Abandonment (%)": _percent(s.abandonment),
        }
        for s in stages
    ]


STEP_KPI_HEADERS = [
    "Stage",
    "Step",
    "KPI",
    "Unit",
    "Latest",
    "Period start",
    "Period end",
    "Measured on",
]


def step_kpi_rows(found: list[StepKpi]) -> list[dict]:
    """The KPIs on a journey's steps (`step_kpis`) as rows for CSV or XLSX."""
    return [
        {
            "Stage": k.stage,
            "Step": k.step,
            "KPI": k.kpi_name,
            "Unit": k.unit,
            "Latest": kpis.to_display_number(k.value, k.unit),
            "Period start": k.period_start,
            "Period end": k.period_end,
            "Measured on": k.measured_on,
        }
        for k in found
    ]


SATISFACTION_HEADERS = ["Level", "Meaning", "Answers", "Share (%)"]


def satisfaction_rows(summary: SatisfactionSummary) -> list[dict]:
    """A journey's answers per satisfaction level, 1 to 5, with each level's
    share of all answers; no share when there are no answers."""
    answers = summary.answers
    return [
        {
            "Level": level,
            "Meaning": meaning,
            "Answers": summary.counts[level],
            "Share (%)": _percent(summary.counts[level] / answers if answers else None),
        }
        for level, meaning in SATISFACTION_LEVELS.items()
    ]


SURVEY_HEADERS = [
    "Survey",
    "Measure",
    "Question",
    "Respondents",
    "From partial responses",
    "First month",
    "Last month",
]


def survey_overview_rows(overview: list[dict]) -> list[dict]:
    """The survey answers overview (`surveys.survey_overview`) as rows for CSV
    or XLSX, with each question's whole wording."""
    return [
        {
            "Survey": row["survey"],
            "Measure": row["measure_label"],
            "Question": row["question"],
            "Respondents": row["respondents"],
            "From partial responses": row["from_partial"],
            "First month": row["first_month"],
            "Last month": row["last_month"],
        }
        for row in overview
    ]


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100
