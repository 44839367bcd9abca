"""Shared goals: who owns them, who contributes, what they are about, and the
KPIs that show progress, each with a baseline, target, direction and deadline.

Status is worked out from measurements by `judge`, whose rule is `STATUS_RULE`
(shown to people on the Goals & KPIs page, word for word).
"""

import dataclasses
import datetime
import logging
from dataclasses import dataclass, field

from journeys import kpis, metrics
from journeys.access import Actor, Role, require
from journeys.models import DIRECTIONS, Goal, _Checker, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import measures, queries, rows

logger = logging.getLogger(__name__)

ON_TRACK = "on track"
AT_RISK = "at risk"
OFF_TRACK = "off track"
NO_RECENT_DATA = "no recent data"
# Worst first: a goal takes the first of these that any of its KPIs has.
STATUS_ORDER = (OFF_TRACK, AT_RISK, NO_RECENT_DATA, ON_TRACK)
RECENT_DAYS = 92  # about a quarter
AT_RISK_MARGIN = 0.25  # of the way from baseline to target

STATUS_RULE = f"""\
Each KPI of a goal is judged on its review date: today, or the end of the
chosen period, or the KPI's deadline if that comes first.

- **No recent data**: no measurement ended in the {RECENT_DAYS} days up to the
  review date.
- **On track**: the latest value meets the target, or it has covered at least
  as much of the way from the baseline to the target as time has passed from
  the baseline date to the deadline.
- **At risk**: behind that straight line, but by less than
  {AT_RISK_MARGIN:.0%} of the way, and no worse than the baseline.
- **Off track**: worse than the baseline, more than {AT_RISK_MARGIN:.0%} of
  the way behind the line, or the deadline has passed without meeting the
  target.

Without a baseline, the first measurement is the baseline. Without a
deadline, a KPI that has not met its target is at risk if it is no worse than
its baseline, and off track if it is worse. A goal takes the worst status of
its KPIs: off track, then at risk, then no recent data, then on track.
"""


@dataclass
class GoalKpi:
    """One KPI of a goal: where it is measured, from where to where, by when."""

    kpi_id: int
    target: float
    direction: str = "up"  # "up" or "down": which way is better
    baseline: float | None = None
    baseline_date: str | None = None
    deadline: str | None = None
    journey_id: int | None = None
    stage_id: int | None = None
    step_id: int | None = None
    agency_id: int | None = None
    channel: str = ""
    segment: str = ""

    def validated(self) -> "GoalKpi":
        check = _Checker()
        target = check.number("target", self.target)
        if target is None:
            check.problems["target"] = "is required"
        cleaned = dataclasses.replace(
            self,
            target=target,
            direction=check.choice("direction", self.direction, DIRECTIONS[:2]),
            baseline=check.number("baseline", self.baseline),
            baseline_date=check.date("baseline_date", self.baseline_date),
            deadline=check.date("deadline", self.deadline),
            channel=check.text("channel", self.channel, limit=40),
            segment=check.text("segment", self.segment, limit=200),
        )
        check.done()
        return cleaned

    @property
    def scope(self) -> metrics.Scope:
        return metrics.Scope(
            journey_id=self.journey_id,
            stage_id=self.stage_id,
            step_id=self.step_id,
            agency_id=self.agency_id,
            channel=self.channel or None,
            segment=self.segment or None,
        )


def list_goals(ws: Workspace) -> list[dict]:
    """Goals by title, with the names of their owner, journey and KPI."""
    return queries.list_goals(ws.db)


def create_goal(
    ws: Workspace,
    actor: Actor,
    goal: Goal,
    kpis_: list[GoalKpi] = (),
    *,
    agency_ids: list[int] = (),
    journey_ids: list[int] = (),
    step_ids: list[int] = (),
) -> int:
    """Add a goal with its KPIs, contributing agencies, journeys and steps, all
    together or not at all. Returns its id.

    Raises `ValidationError`, `PermissionDenied`.
    """
    require(actor, Role.EDITOR, "add a goal")
    goal = goal.validated()
    checked = [k.validated() for k in kpis_]
    with translated_errors(f"The goal {goal.title!r}"), ws.transaction():
        goal_id = rows.insert_row(ws.db, "goal", as_columns(goal), actor.name)
        for goal_kpi in checked:
            _insert_goal_kpi(ws, actor, goal_id, goal_kpi)
        journeys = list(journey_ids)
        if goal.journey_id is not None and goal.journey_id not in journeys:
            journeys.append(goal.journey_id)
        measures.link_goal(ws.db, "goal_agency", goal_id, agency_ids)
        measures.link_goal(ws.db, "goal_journey", goal_id, journeys)
        measures.link_goal(ws.db, "goal_step", goal_id, step_ids)
    return goal_id


def goal_for_edit(ws: Workspace, goal_id: int) -> dict:
    """A goal as an edit form opens it: the row (with its version), its KPIs
    and the ids of its contributing agencies, journeys and steps.

    Raises `NotFound` when it was deleted.
    """
    with translated_errors():
        goal = rows.get_row(ws.db, "goal", goal_id)
    links = measures.goal_link_ids(ws.db, goal_id)
    return {
        "goal": goal,
        "kpis": [goal_kpi_from_row(r) for r in measures.goal_kpis(ws.db, goal_id)],
        "agency_ids": links["goal_agency"],
        "journey_ids": links["goal_journey"],
        "step_ids": links["goal_step"],
    }


def update_goal(
    ws: Workspace,
    actor: Actor,
    goal_id: int,
    version: int,
    goal: Goal,
    kpis_: list[GoalKpi] = (),
    *,
    agency_ids: list[int] = (),
    journey_ids: list[int] = (),
    step_ids: list[int] = (),
) -> dict:
    """Save an edited goal read at ``version``: its fields, and in place of its
    KPIs, contributing agencies, journeys and steps the ones given, all
    together or not at all, each change logged. Returns the goal as saved.

    Raises `ValidationError`, `PermissionDenied`, `EditConflict` (someone saved
    it after ``version`` was read) and `NotFound` (it was deleted).
    """
    require(actor, Role.EDITOR, "edit a goal")
    goal = goal.validated()
    checked = [k.validated() for k in kpis_]
    journeys = list(dict.fromkeys(int(i) for i in journey_ids))
    if goal.journey_id is not None and goal.journey_id not in journeys:
        journeys.insert(0, goal.journey_id)
    wanted = {
        "goal_agency": sorted(set(int(i) for i in agency_ids)),
        "goal_journey": sorted(journeys),
        "goal_step": sorted(set(int(i) for i in step_ids)),
    }
    with translated_errors(f"The goal {goal.title!r}"), ws.transaction():
        saved = rows.update_row(
            ws.db, "goal", goal_id, version, as_columns(goal), actor.name
        )
        for old in measures.goal_kpis(ws.db, goal_id):
            rows.delete_row(ws.db, "goal_kpi", old["id"], old["version"], actor.name)
        for goal_kpi in checked:
            _insert_goal_kpi(ws, actor, goal_id, goal_kpi)
        _replace_links(ws, actor, goal_id, wanted)
    return saved


def delete_goal(ws: Workspace, actor: Actor, goal_id: int, version: int) -> None:
    """Delete a goal read at ``version`` with its KPIs and links, all together,
    each removal logged.

    Raises `PermissionDenied`, `EditConflict` and `NotFound`.
    """
    require(actor, Role.EDITOR, "delete a goal")
    with translated_errors("The goal"), ws.transaction():
        current = rows.get_row(ws.db, "goal", goal_id)
        if current["version"] != version:
            # Checked before anything goes, so a stale delete removes nothing.
            rows.delete_row(ws.db, "goal", goal_id, version, actor.name)
        for old in measures.goal_kpis(ws.db, goal_id):
            rows.delete_row(ws.db, "goal_kpi", old["id"], old["version"], actor.name)
        _replace_links(
            ws,
            actor,
            goal_id,
            {"goal_agency": [], "goal_journey": [], "goal_step": []},
        )
        rows.delete_row(ws.db, "goal", goal_id, version, actor.name)


def _replace_links(ws, actor: Actor, goal_id: int, wanted: dict) -> None:
    """Make a goal's links exactly ``wanted``; log what changed."""
    before = measures.goal_link_ids(ws.db, goal_id)
    changed = {t for t in wanted if before[t] != wanted[t]}
    if not changed:
        return
    for table in changed:
        measures.unlink_goal(ws.db, table, goal_id)
        measures.link_goal(ws.db, table, goal_id, wanted[table])
    rows.log_change(
        ws.db,
        actor.name,
        "goal",
        goal_id,
        "update",
        {t: before[t] for t in sorted(changed)},
        {t: wanted[t] for t in sorted(changed)},
    )


def add_goal_kpi(ws: Workspace, actor: Actor, goal_id: int, goal_kpi: GoalKpi) -> int:
    """Add a KPI to an existing goal; return the goal KPI's id."""
    require(actor, Role.EDITOR, "add a KPI to a goal")
    goal_kpi = goal_kpi.validated()
    with translated_errors(), ws.transaction():
        rows.get_row(ws.db, "goal", goal_id)
        return _insert_goal_kpi(ws, actor, goal_id, goal_kpi)


def _insert_goal_kpi(ws: Workspace, actor: Actor, goal_id: int, goal_kpi: GoalKpi):
    return rows.insert_row(
        ws.db, "goal_kpi", {**as_columns(goal_kpi), "goal_id": goal_id}, actor.name
    )


def goal_kpi_from_row(row: dict) -> GoalKpi:
    names = {f.name for f in dataclasses.fields(GoalKpi)}
    return GoalKpi(**{k: v for k, v in row.items() if k in names})


# --- status -----------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """A goal KPI's status on its review date, and why."""

    status: str
    review_date: str
    reason: str
    latest: metrics.Point | None = None
    previous: metrics.Point | None = None
    baseline: float | None = None
    baseline_date: str | None = None
    progress: float | None = None  # share of the way from baseline to target
    expected: float | None = None  # share of the time from baseline to deadline
    movement: float | None = None  # share of the way gained since the previous


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text[:10])


def met(value: float, target: float, direction: str) -> bool:
    """Whether ``value`` reaches ``target`` in the better ``direction``."""
    return value >= target if direction == "up" else value <= target


def _shown(value: float | None, unit: str) -> str:
    return kpis.display_value(value, unit)


def judge(
    points: list[metrics.Point],
    *,
    target: float,
    direction: str,
    review: datetime.date,
    baseline: float | None = None,
    baseline_date: str | None = None,
    deadline: str | None = None,
    unit: str = "",
) -> Judgement:
    """Status of one goal KPI from its measurements, by `STATUS_RULE`.

    ``points`` are the KPI's values per period (any order); only those
    ended by the review date count.

    >>> from journeys.metrics import Point
    >>> pts = [Point("2024-01-01", "2024-01-31", 0.60),
    ...        Point("2024-06-01", "2024-06-30", 0.75)]
    >>> j = judge(pts, target=0.90, direction="up", deadline="2024-12-31",
    ...           review=datetime.date(2024, 9, 1), unit="%")
    >>> j.status, round(j.progress, 3), round(j.expected, 3)
    ('at risk', 0.5, 0.639)
    """
    if deadline and _day(deadline) < review:
        review = _day(deadline)
    usable = sorted(
        (p for p in points if p.value is not None and _day(p.period_end) <= review),
        key=lambda p: (p.period_end, p.period_start),
    )
    review_text = review.isoformat()
    if baseline is None and usable:
        baseline, baseline_date = usable[0].value, usable[0].period_end
    elif baseline is not None and baseline_date is None and usable:
        baseline_date = usable[0].period_end
    if not usable or (review - _day(usable[-1].period_end)).days > RECENT_DAYS:
        last = f"; the latest ended {usable[-1].period_end}" if usable else ""
        return Judgement(
            NO_RECENT_DATA,
            review_text,
            f"no measurement ended in the {RECENT_DAYS} days up to {review_text}"
            + last,
            usable[-1] if usable else None,
            baseline=baseline,
            baseline_date=baseline_date,
        )
    latest = usable[-1]
    previous = usable[-2] if len(usable) > 1 else None
    sign = 1 if direction == "up" else -1
    gap = target - baseline
    progress = (latest.value - baseline) / gap if gap else None
    movement = None
    if previous is not None:
        scale = abs(gap) or abs(previous.value) or 1.0
        movement = sign * (latest.value - previous.value) / scale
    expected = None
    if deadline and baseline_date:
        span = (_day(deadline) - _day(baseline_date)).days
        elapsed = (review - _day(baseline_date)).days
        expected = min(1.0, max(0.0, elapsed / span)) if span > 0 else 1.0
    now = (
        f"{_shown(latest.value, unit)} for {latest.period_start} to {latest.period_end}"
    )
    common = dict(
        latest=latest,
        previous=previous,
        baseline=baseline,
        baseline_date=baseline_date,
        progress=progress,
        expected=expected,
        movement=movement,
    )
    if met(latest.value, target, direction):
        return Judgement(
            ON_TRACK,
            review_text,
            f"{now} meets the target {_shown(target, unit)}",
            **common,
        )
    if deadline and review >= _day(deadline):
        return Judgement(
            OFF_TRACK,
            review_text,
            f"the deadline {deadline} passed with {now}, short of "
            f"{_shown(target, unit)}",
            **common,
        )
    worse = sign * (latest.value - baseline) < 0
    if worse:
        return Judgement(
            OFF_TRACK,
            review_text,
            f"{now} is worse than the baseline {_shown(baseline, unit)}",
            **common,
        )
    way = (
        f"{now} has covered {progress:.0%} of the way" if progress is not None else now
    )
    way += f" from {_shown(baseline, unit)} to {_shown(target, unit)}"
    if expected is None:
        return Judgement(
            AT_RISK, review_text, f"{way}; no deadline to judge the pace", **common
        )
    pace = f"{expected:.0%} of the time to {deadline} has passed"
    if progress is None or progress >= expected:
        return Judgement(ON_TRACK, review_text, f"{way}; {pace}", **common)
    if progress >= expected - AT_RISK_MARGIN:
        return Judgement(AT_RISK, review_text, f"{way}; {pace}", **common)
    return Judgement(OFF_TRACK, review_text, f"{way}; {pace}", **common)


def worst_status(statuses: list[str]) -> str:
    """The worst of several statuses; "no recent data" when there are none."""
    for status in STATUS_ORDER:
        if status in statuses:
            return status
    return NO_RECENT_DATA


# --- the programme-lead dashboard ---------------------------------------------------


@dataclass
class GoalKpiView:
    """One KPI of one goal, as the dashboard shows it."""

    goal_id: int
    goal_title: str
    row: dict  # the goal_kpi row with its KPI's key, name and unit
    points: list[metrics.Point]  # in the chosen period
    judgement: Judgement

    @property
    def unit(self) -> str:
        return self.row["kpi_unit"]

    @property
    def where(self) -> str:
        """Where it is measured, in words ("Online tax return, Document upload")."""
        parts = [
            self.row.get("journey_title"),
            self.row.get("stage_name"),
            self.row.get("step_action"),
            self.row.get("agency_name"),
            self.row.get("channel"),
            self.row.get("segment"),
        ]
        return ", ".join(p for p in parts if p) or "All journeys and agencies"


@dataclass
class GoalView:
    goal: dict
    agencies: list[dict]
    journeys: list[dict]
    steps: list[dict]
    kpis: list[GoalKpiView] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.kpis:
            return NO_RECENT_DATA
        return worst_status([k.judgement.status for k in self.kpis])


@dataclass
class Dashboard:
    goals: list[GoalView]
    review_date: str
    start: str | None
    end: str | None

    def worst_moving(self) -> list[GoalKpiView]:
        """Every goal KPI, the one moving most the wrong way first; those with
        no movement to show (a single measurement, no recent data) last."""
        every = [k for g in self.goals for k in g.kpis]
        return sorted(
            every,
            key=lambda k: (
                k.judgement.movement is None,
                k.judgement.movement if k.judgement.movement is not None else 0,
                STATUS_ORDER.index(k.judgement.status),
                k.goal_title,
            ),
        )


def dashboard(
    ws: Workspace,
    *,
    agency_id: int | None = None,
    journey_id: int | None = None,
    start: str | None = None,
    end: str | None = None,
    today: datetime.date | None = None,
) -> Dashboard:
    """Every goal, with each KPI's values in the period and its status.

    Filters: an agency (owner, contributor, or where a KPI is measured), a
    journey (the goal is about it, or a KPI is measured on it), and a period
    (measurements overlapping ``start``..``end``). The review date is the
    period's end, or ``today``. Goals are ordered worst status first.
    """
    review = _day(end) if end else (today or datetime.date.today())
    links = measures.goal_links(ws.db)
    goal_kpis: dict[int, list[dict]] = {}
    for row in measures.goal_kpis(ws.db):
        goal_kpis.setdefault(row["goal_id"], []).append(row)
    views = []
    for goal in measures.goals(ws.db):
        linked = links.get(goal["id"], {"agencies": [], "journeys": [], "steps": []})
        own = goal_kpis.get(goal["id"], [])
        if agency_id is not None and not (
            goal["owner_agency_id"] == agency_id
            or any(a["id"] == agency_id for a in linked["agencies"])
            or any(r["agency_id"] == agency_id for r in own)
        ):
            continue
        if journey_id is not None and not (
            any(j["id"] == journey_id for j in linked["journeys"])
            or any(r["journey_id"] == journey_id for r in own)
        ):
            continue
        view = GoalView(goal, linked["agencies"], linked["journeys"], linked["steps"])
        for row in own:
            view.kpis.append(_kpi_view(ws, goal, row, review, start, end))
        views.append(view)
    views.sort(key=lambda v: (STATUS_ORDER.index(v.status), v.goal["title"].casefold()))
    return Dashboard(views, review.isoformat(), start, end)


def _kpi_view(ws, goal, row, review, start, end) -> GoalKpiView:
    goal_kpi = goal_kpi_from_row(row)
    try:
        every = metrics.series(ws, row["kpi_key"], goal_kpi.scope)
    except kpis.KpiError as err:
        logger.warning("goal %s KPI %s: %s", goal["id"], row["kpi_key"], err)
        every = []
    judgement = judge(
        every,
        target=goal_kpi.target,
        direction=goal_kpi.direction,
        review=review,
        baseline=goal_kpi.baseline,
        baseline_date=goal_kpi.baseline_date,
        deadline=goal_kpi.deadline,
        unit=row["kpi_unit"],
    )
    shown = [
        p
        for p in every
        if (start is None or p.period_end >= start)
        and (end is None or p.period_start <= end)
    ]
    return GoalKpiView(goal["id"], goal["title"], row, shown, judgement)


# --- rows for CSV and XLSX ----------------------------------------------------------
#
# One function per table the Goals & KPIs page shows, each row a dict keyed by
# its headers constant, in the order shown. Numbers stay unrounded, in the unit
# people read (76.4 for 76.4%, `kpis.to_display_number`) beside a "Unit"
# column; movement stays a share of the way (0.25 for a quarter of the way),
# as its header says. A missing value stays None: a blank cell, never 0.

OVERVIEW_HEADERS = [
    "Goal",
    "Status",
    "Owner",
    "Contributing agencies",
    "Journeys",
    "KPIs",
]


def overview_rows(board: Dashboard) -> list[dict]:
    """The dashboard's goals at a glance, one row per goal, worst status first."""
    return [
        {
            "Goal": view.goal["title"],
            "Status": view.status,
            "Owner": view.goal.get("owner_agency_name"),
            "Contributing agencies": _names(a["name"] for a in view.agencies),
            "Journeys": _names(j["name"] for j in view.journeys),
            "KPIs": _names(k.row["kpi_name"] for k in view.kpis),
        }
        for view in board.goals
    ]


MOVEMENT = "Movement since previous (share of the way)"
WORST_MOVING_HEADERS = [
    "Goal",
    "KPI",
    "Measured on",
    "KPI status",
    "Unit",
    "Latest",
    "Target",
    MOVEMENT,
    "Why",
    "Latest period start",
    "Latest period end",
    "Baseline",
    "Direction",
    "Deadline",
    "Review date",
]


def worst_moving_rows(board: Dashboard) -> list[dict]:
    """Every goal KPI in `Dashboard.worst_moving` order, with what the judgement
    was made from (latest period, baseline, direction, deadline, review date)."""
    found = []
    for k in board.worst_moving():
        judged, unit = k.judgement, k.unit
        latest = judged.latest
        latest_value = latest.value if latest else None
        found.append(
            {
                "Goal": k.goal_title,
                "KPI": k.row["kpi_name"],
                "Measured on": k.where,
                "KPI status": judged.status,
                "Unit": unit,
                "Latest": kpis.to_display_number(latest_value, unit),
                "Target": kpis.to_display_number(k.row["target"], unit),
                MOVEMENT: judged.movement,
                "Why": judged.reason,
                "Latest period start": latest.period_start if latest else None,
                "Latest period end": latest.period_end if latest else None,
                "Baseline": kpis.to_display_number(judged.baseline, unit),
                "Direction": k.row["direction"],
                "Deadline": k.row["deadline"] or None,
                "Review date": judged.review_date,
            }
        )
    return found


TREND_HEADERS = [
    "Goal",
    "KPI",
    "Measured on",
    "Unit",
    "Period start",
    "Period end",
    "Value",
    "Target",
]


def trend_rows(k: GoalKpiView) -> list[dict]:
    """The values a goal KPI's trend chart shows: each period of the chosen
    range that has a value, oldest first, with the goal's target."""
    unit = k.unit
    target = kpis.to_display_number(k.row["target"], unit)
    return [
        {
            "Goal": k.goal_title,
            "KPI": k.row["kpi_name"],
            "Measured on": k.where,
            "Unit": unit,
            "Period start": p.period_start,
            "Period end": p.period_end,
            "Value": kpis.to_display_number(p.value, unit),
            "Target": target,
        }
        for p in k.points
        if p.value is not None
    ]


@dataclass(frozen=True)
class GoalLine:
    """One line of the goals table: a goal with one of its KPIs, or a goal
    that has none (``kpi`` None)."""

    goal: dict  # a `list_goals` row
    kpi: GoalKpiView | None = None


def goal_lines(ws: Workspace, today: datetime.date | None = None) -> list[GoalLine]:
    """Every goal by title, one line per KPI (judged as of ``today``), and one
    line for a goal without KPIs."""
    judged = {view.goal["id"]: view.kpis for view in dashboard(ws, today=today).goals}
    lines = []
    for goal in list_goals(ws):
        attached = judged.get(goal["id"], [])
        if not attached:
            lines.append(GoalLine(goal))
        lines.extend(GoalLine(goal, k) for k in attached)
    return lines


GOAL_TABLE_HEADERS = [
    "Goal",
    "Journey",
    "Owner",
    "KPI",
    "KPI status",
    "Unit",
    "Baseline",
    "Target",
    "Deadline",
]


def goal_table_rows(lines: list[GoalLine]) -> list[dict]:
    """The goals table (`goal_lines`) as rows for CSV or XLSX.

    A goal without KPIs keeps its own baseline and target, stored as typed
    (no unit), and has no KPI status.
    """
    found = []
    for line in lines:
        goal, k = line.goal, line.kpi
        base = {
            "Goal": goal["title"],
            "Journey": goal["journey_title"],
            "Owner": goal["owner_agency_name"],
        }
        if k is None:
            found.append(
                {
                    **base,
                    "KPI": goal["kpi_name"],
                    "Baseline": goal["baseline"],
                    "Target": goal["target"],
                    "Deadline": goal["deadline"] or None,
                }
            )
            continue
        found.append(
            {
                **base,
                "KPI": k.row["kpi_name"],
                "KPI status": k.judgement.status,
                "Unit": k.unit,
                "Baseline": kpis.to_display_number(k.judgement.baseline, k.unit),
                "Target": kpis.to_display_number(k.row["target"], k.unit),
                "Deadline": k.row["deadline"] or None,
            }
        )
    return found


def _names(names) -> str:
    return "; ".join(names)
