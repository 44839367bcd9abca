"""Improvement items: from a pain point or a piece of feedback to a measured change.

An item names the problem, the proposed change and the agency that owns it,
links the steps, personas and KPIs it is about, and carries value and
effort scores (1..5) for the value/effort matrix. Its status moves

    idea -> prioritised -> in progress -> shipped -> evaluated

(or to "not doing", with the reason), each step dated. Evaluating a shipped
item compares one KPI, where it is measured, before and after the ship date,
from the measurements stored for it, against a target, and records the
decision: keep, iterate or roll back. After "iterate" or "roll back" the item
can go back to in progress for another round; its ship and evaluation dates
and the evaluation are kept until it is shipped again.
"""

import dataclasses
import datetime
import json
import math
from dataclasses import dataclass, field

from journeys import metrics
from journeys.access import Actor, Role, require
from journeys.errors import EditConflict, JourneyError, ValidationError
from journeys.models import LONG_TEXT_MAX, NAME_MAX, SHORT_TEXT_MAX, _Checker
from journeys.workspace import Workspace, translated_errors
from storage import improvements as stored
from storage import queries, rows
from storage import sessions as stored_sessions

STATUSES = ("idea", "prioritised", "in progress", "shipped", "evaluated", "not doing")
# Where each status may go next; "evaluated" is reached through `evaluate`,
# and left only after a decision in `REOPENING_DECISIONS` (see `next_statuses`).
NEXT_STATUSES = {
    "idea": ("prioritised", "not doing"),
    "prioritised": ("in progress", "idea", "not doing"),
    "in progress": ("shipped", "prioritised", "not doing"),
    "shipped": ("in progress",),
    "evaluated": (),
    "not doing": ("idea",),
}
# The column holding the date each status was reached, in status order.
STATUS_DATES = {
    "prioritised": "prioritised_on",
    "in progress": "started_on",
    "shipped": "shipped_on",
    "evaluated": "evaluated_on",
}
DECISIONS = ("keep", "iterate", "roll back")
# Decisions after which an evaluated item goes back to in progress, for
# another round; after "keep" it is done.
REOPENING_DECISIONS = ("iterate", "roll back")
SCORE_MIN, SCORE_MAX = 1, 5
SCORE_WORDS = {
    1: "1 - very low",
    2: "2 - low",
    3: "3 - medium",
    4: "4 - high",
    5: "5 - very high",
}
# Value/effort quadrants, in the order to work through them.
QUADRANTS = (
    "Quick wins: high value, low effort",
    "Big bets: high value, high effort",
    "Fill-ins: low value, low effort",
    "Not now: low value, high effort",
    "Not scored yet",
)
HIGH_SCORE = 3  # a score of 3 or more counts as high
# Units stored as a fraction but read as a number out of 100.
DISPLAY_SCALE = {"%": 100, "NPS": 100}


@dataclass
class ImprovementItem:
    """A change an agency owns, what it is about, and how much it is worth."""

    title: str
    problem: str = ""
    proposed_change: str = ""
    owning_agency_id: int | None = None
    journey_id: int | None = None
    step_ids: list[int] = field(default_factory=list)
    persona_ids: list[int] = field(default_factory=list)
    kpi_ids: list[int] = field(default_factory=list)
    value_score: int | None = None
    effort_score: int | None = None

    def validated(self) -> "ImprovementItem":
        check = _Checker()
        cleaned = dataclasses.replace(
            self,
            title=check.text("title", self.title, limit=NAME_MAX, required=True),
            problem=check.text("problem", self.problem, limit=LONG_TEXT_MAX),
            proposed_change=check.text(
                "proposed_change", self.proposed_change, limit=LONG_TEXT_MAX
            ),
            step_ids=_ids(self.step_ids),
            persona_ids=_ids(self.persona_ids),
            kpi_ids=_ids(self.kpi_ids),
            value_score=_score(check, "value_score", self.value_score),
            effort_score=_score(check, "effort_score", self.effort_score),
        )
        check.done()
        return cleaned


@dataclass(frozen=True)
class BeforeAfter:
    """One KPI where it is measured, before and after a change shipped."""

    baseline: float | None
    measured: float | None
    before: list[dict]  # the measurements behind the baseline
    after: list[dict]  # the measurements behind the measured value

    @staticmethod
    def span(found: list[dict]) -> str:
        if not found:
            return "no measurements"
        count = len(found)
        return (
            f"{count} period{'' if count == 1 else 's'}, "
            f"{found[0]['period_start']} to {found[-1]['period_end']}"
        )


# --- the backlog ------------------------------------------------------------


def list_items(ws: Workspace, journey_id: int | None = None) -> list[dict]:
    """Items by title with owner, journey and the feedback they came from."""
    return stored.list_items(ws.db, journey_id)


def get_item(ws: Workspace, item_id: int) -> dict:
    found = stored.items_by_ids(ws.db, [item_id])
    if not found:
        raise JourneyError(
            f"Improvement item {item_id} no longer exists: someone may have "
            "deleted it. Reload the page."
        )
    return found[0]


def item_from_row(row: dict) -> ImprovementItem:
    names = [f.name for f in dataclasses.fields(ImprovementItem)]
    return ImprovementItem(**{name: row[name] for name in names})


def create_item(
    ws: Workspace,
    actor: Actor,
    item: ImprovementItem,
    feedback_ids: list[int] | tuple = (),
) -> int:
    """Add an item, linked to the moderated feedback it answers; return its id."""
    require(actor, Role.EDITOR, "add an improvement item")
    item = item.validated()
    _check_references(ws, item)
    with translated_errors(), ws.transaction():
        item_id = rows.insert_row(
            ws.db, "improvement_item", dataclasses.asdict(item), actor.name
        )
        _link(ws, item_id, feedback_ids)
    return item_id


def update_item(
    ws: Workspace, actor: Actor, item_id: int, version: int, item: ImprovementItem
) -> dict:
    """Save an edited item read at ``version``. Raises `EditConflict`."""
    require(actor, Role.EDITOR, "edit an improvement item")
    item = item.validated()
    _check_references(ws, item)
    changes = dataclasses.asdict(item)
    try:
        return _save(ws, actor, item_id, version, changes)
    except EditConflict as conflict:
        conflict.yours = changes
        raise


def link_feedback(
    ws: Workspace, actor: Actor, item_id: int, feedback_ids: list[int]
) -> None:
    """Record that these pieces of (approved) feedback led to this item."""
    require(actor, Role.EDITOR, "link feedback to an improvement item")
    get_item(ws, item_id)
    with translated_errors(), ws.transaction():
        _link(ws, item_id, feedback_ids)


def unlink_feedback(ws: Workspace, actor: Actor, item_id: int, feedback_id: int):
    require(actor, Role.EDITOR, "unlink feedback from an improvement item")
    with translated_errors(), ws.transaction():
        stored_sessions.unlink_feedback_item(ws.db, feedback_id, item_id)


def feedback_answered(ws: Workspace, item_id: int) -> list[dict]:
    """The approved feedback an item answers, oldest first."""
    item = get_item(ws, item_id)
    found = stored_sessions.feedback_by_ids(ws.db, item["feedback_ids"])
    return [f for f in found if f["status"] == "approved"]


def feedback_to_act_on(ws: Workspace) -> list[dict]:
    """Approved feedback that no item answers yet, oldest first."""
    return stored_sessions.approved_feedback_without_items(ws.db)


# --- status -------------------------------------------------------------------


def next_statuses(item: dict) -> tuple[str, ...]:
    """The statuses ``item`` may move to now.

    An evaluated item stays evaluated after the decision "keep"; after
    "iterate" or "roll back" it may go back to in progress.

    >>> next_statuses({"status": "evaluated", "decision": "iterate"})
    ('in progress',)
    >>> next_statuses({"status": "evaluated", "decision": "keep"})
    ()
    """
    if item["status"] == "evaluated":
        reopens = item.get("decision") in REOPENING_DECISIONS
        return ("in progress",) if reopens else ()
    return NEXT_STATUSES[item["status"]]


def change_status(
    ws: Workspace,
    actor: Actor,
    item_id: int,
    version: int,
    status: str,
    on: datetime.date | str | None = None,
    reason: str | None = None,
) -> dict:
    """Move an item to ``status`` on the date ``on`` (today by default).

    Dates cannot be in the future, nor before the item's previous status
    date. Moving back clears the dates of the statuses undone, except when
    an evaluated item goes back to in progress after "iterate" or "roll
    back": its ship and evaluation dates and the evaluation stay, as the
    record of the round before. "not doing" needs the reason, which the
    "you said, we did" report shows.
    """
    require(actor, Role.EDITOR, "change the status of an improvement item")
    item = get_item(ws, item_id)
    allowed = next_statuses(item)
    if status not in allowed:
        raise JourneyError(_refused_move(item, status, allowed))
    day = _day(on)
    if item["status"] == "evaluated":
        changes = _another_round(item, day)
    else:
        changes = _status_changes(item, status, day)
    if status == "not doing":
        check = _Checker()
        changes["not_doing_reason"] = check.text(
            "reason", reason, limit=SHORT_TEXT_MAX, required=True
        )
        check.done()
    elif status == "idea":
        changes["not_doing_reason"] = None
    return _save(ws, actor, item_id, version, changes)


def status_history(item: dict) -> list[tuple[str, str]]:
    """(status, date) for every dated status the item has reached, oldest
    first (an item in its second round was shipped and evaluated before it
    went back to in progress)."""
    order = list(STATUS_DATES)
    dated = [(s, item[c]) for s, c in STATUS_DATES.items() if item.get(c)]
    return sorted(dated, key=lambda pair: (pair[1], order.index(pair[0])))


# --- prioritising -------------------------------------------------------------


def quadrant(item: dict) -> str:
    """Which value/effort quadrant an item falls in (one of `QUADRANTS`)."""
    value, effort = item.get("value_score"), item.get("effort_score")
    if value is None or effort is None:
        return QUADRANTS[4]
    high_value, high_effort = value >= HIGH_SCORE, effort >= HIGH_SCORE
    if high_value:
        return QUADRANTS[1] if high_effort else QUADRANTS[0]
    return QUADRANTS[3] if high_effort else QUADRANTS[2]


def matrix(items: list[dict]) -> dict[str, list[dict]]:
    """Open items (not shipped, evaluated or dropped) by quadrant, each
    quadrant by value then least effort."""
    open_items = [
        i for i in items if i["status"] in ("idea", "prioritised", "in progress")
    ]
    grouped: dict[str, list[dict]] = {name: [] for name in QUADRANTS}
    for item in open_items:
        grouped[quadrant(item)].append(item)
    for members in grouped.values():
        members.sort(
            key=lambda i: (-(i["value_score"] or 0), i["effort_score"] or 6, i["title"])
        )
    return grouped


# --- evaluation ---------------------------------------------------------------


def kpi_scopes(ws: Workspace, kpi_id: int) -> dict[str, str]:
    """Where a KPI is measured: scope key -> words, in the order first seen."""
    scopes: dict[str, str] = {}
    for row in stored.kpi_measurements(ws.db, kpi_id):
        scopes.setdefault(scope_key(row), _scope_words(row))
    return scopes


def scope_key(measurement: dict) -> str:
    """A text key for where a measurement was taken."""
    return json.dumps(
        [
            measurement.get("journey_id"),
            measurement.get("stage_id"),
            measurement.get("step_id"),
            measurement.get("agency_id"),
            measurement.get("channel") or "",
            measurement.get("segment") or "",
        ]
    )


def before_and_after(
    points: list[dict], shipped_on: str, how: str = "ratio"
) -> BeforeAfter:
    """The KPI's value before and after ``shipped_on`` (YYYY-MM-DD).

    ``points`` are the KPI's values per period, oldest first, each a dict
    with ``period_start``, ``period_end``, ``value`` and, when known,
    ``numerator`` and ``denominator``. Before: periods that ended before the
    ship date. After: periods that started on or after it. A period spanning
    the date belongs to neither. A rate (``how`` "ratio") over several
    periods comes from their added counts when every period has them, never
    from averaging rates; otherwise, and for counts (``how`` "sum"), it is
    the mean per period.

    >>> weeks = [
    ...     {"period_start": "2024-01-01", "period_end": "2024-01-07", "value": 10},
    ...     {"period_start": "2024-01-08", "period_end": "2024-01-14", "value": 20},
    ...     {"period_start": "2024-01-15", "period_end": "2024-01-21", "value": 40},
    ... ]
    >>> result = before_and_after(weeks, "2024-01-10", "sum")
    >>> (result.baseline, result.measured, len(result.before), len(result.after))
    (10.0, 40.0, 1, 1)
    """
    known = [p for p in points if p.get("value") is not None]
    before = [p for p in known if p["period_end"] < shipped_on]
    after = [p for p in known if p["period_start"] >= shipped_on]
    return BeforeAfter(_combined(before, how), _combined(after, how), before, after)


def preview_evaluation(
    ws: Workspace, item_id: int, kpi_id: int, scope: str
) -> BeforeAfter:
    """What `evaluate` would record, without recording it.

    The KPI's values per period come from `journeys.metrics.series`, so they
    are combined the same way as everywhere else in the workspace.
    """
    item = get_item(ws, item_id)
    if not item["shipped_on"]:
        raise JourneyError("Only a shipped item can be evaluated: ship it first.")
    with translated_errors():
        kpi = rows.get_row(ws.db, "kpi", kpi_id)
    _require_scope(ws, kpi, scope)
    found = metrics.series(ws, kpi["key"], _scope(scope))
    points = [dataclasses.asdict(point) for point in found]
    return before_and_after(points, item["shipped_on"], metrics.aggregation(kpi["key"]))


def shown(value: float | None, unit: str | None) -> str:
    """A KPI value as people read it: shares as percentages, with the unit.

    >>> shown(0.625, "%"), shown(1714.75, "people"), shown(None, "%")
    ('62.5%', '1,714.8 people', 'no value')
    """
    if value is None:
        return "no value"
    scale = DISPLAY_SCALE.get(unit or "", 1)
    if unit == "%":
        return f"{value * scale:,.1f}%"
    return f"{_number(value * scale)} {unit or ''}".rstrip()


def evaluate(
    ws: Workspace,
    actor: Actor,
    item_id: int,
    version: int,
    kpi_id: int,
    scope: str,
    target: float | None,
    decision: str,
    note: str = "",
    on: datetime.date | str | None = None,
) -> dict:
    """Record the evaluation of a shipped item against one of its KPIs.

    The baseline and the measured value come from the KPI's measurements
    (see `before_and_after`); the target and the decision from the person.
    ``target`` is written as people read the KPI: 75 for 75%.
    """
    require(actor, Role.EDITOR, "evaluate an improvement item")
    item = get_item(ws, item_id)
    if item["status"] != "shipped":
        raise JourneyError(
            f"This item is {item['status']}: only a shipped item can be evaluated."
        )
    if kpi_id not in item["kpi_ids"]:
        raise JourneyError(
            "Evaluate against one of the item's KPIs: link the KPI to the item first."
        )
    check = _Checker()
    target = check.number("target", target)
    if target is None:
        if "target" not in check.problems:
            check.problems["target"] = "is required: the value the change aimed for"
    elif not math.isfinite(target):
        check.problems["target"] = (
            f"must be an ordinary number, such as 75 for 75% (got {target})"
        )
        target = None
    else:
        kpi = rows.get_row(ws.db, "kpi", kpi_id)
        target = target / DISPLAY_SCALE.get(kpi["unit"], 1)
    decision = check.choice("decision", decision, DECISIONS)
    note = check.text("note", note, limit=LONG_TEXT_MAX)
    check.done()
    result = preview_evaluation(ws, item_id, kpi_id, scope)
    _require_data(result, item["shipped_on"])
    words = kpi_scopes(ws, kpi_id).get(scope, "")
    changes = {
        **_status_changes(item, "evaluated", _day(on)),
        "evaluation_kpi_id": kpi_id,
        "evaluation_scope": words,
        "baseline": result.baseline,
        "baseline_periods": BeforeAfter.span(result.before),
        "target": target,
        "measured": result.measured,
        "measured_periods": BeforeAfter.span(result.after),
        "decision": decision,
        "evaluation_note": note,
    }
    return _save(ws, actor, item_id, version, changes)


def target_met(item: dict) -> bool | None:
    """Whether the measured value reached the target, in the KPI's direction."""
    direction = item.get("evaluation_kpi_direction")
    measured, target = item.get("measured"), item.get("target")
    if measured is None or target is None or direction not in ("up", "down"):
        return None
    return measured >= target if direction == "up" else measured <= target


def outcome_words(item: dict) -> str:
    """What became of an item, in a sentence for the "you said, we did" report."""
    status = item["status"]
    if status == "not doing":
        return f"Not going ahead: {item['not_doing_reason']}"
    if status == "evaluated":
        scope = f" ({item['evaluation_scope']})" if item["evaluation_scope"] else ""
        unit = item["evaluation_kpi_unit"]
        met = target_met(item)
        verdict = {True: "; target met", False: "; target not met", None: ""}[met]
        return (
            f"Shipped on {item['shipped_on']}. {item['evaluation_kpi_name']}{scope} "
            f"went from {shown(item['baseline'], unit)} to "
            f"{shown(item['measured'], unit)} (target {shown(item['target'], unit)}"
            f"{verdict}). Decision: {item['decision']}."
        )
    dated = status_history(item)
    when = f" since {dated[-1][1]}" if dated else ""
    words = {
        "idea": "Recorded as an idea",
        "prioritised": "Prioritised",
        "in progress": "In progress",
        "shipped": "Shipped",
    }[status]
    if status == "in progress" and item.get("evaluated_on"):  # another round
        return (
            f"In progress again{when}, after the evaluation of "
            f"{item['evaluated_on']} (decision: {item['decision']})."
        )
    return f"{words}{when}."


# --- helpers ----------------------------------------------------------------


def _score(check: _Checker, name: str, value) -> int | None:
    """A value or effort score: a whole number from 1 to 5. A fraction such
    as 2.5 is refused, not cut down to 2."""
    if isinstance(value, float) and not value.is_integer():
        check.problems[name] = (
            f"must be a whole number from {SCORE_MIN} to {SCORE_MAX} (got {value:g})"
        )
        return None
    return check.whole_number(name, value, SCORE_MIN, SCORE_MAX)


def _ids(values) -> list[int]:
    return list(dict.fromkeys(int(v) for v in values or []))


def _day(on: datetime.date | str | None) -> str:
    if on is None or on == "":
        day = datetime.date.today()
    elif isinstance(on, datetime.date):
        day = on
    else:
        try:
            day = datetime.date.fromisoformat(str(on).strip()[:10])
        except ValueError as err:
            raise ValidationError({"date": "must be written YYYY-MM-DD"}) from err
    if day > datetime.date.today():
        raise ValidationError({"date": "cannot be in the future"})
    return day.isoformat()


def _refused_move(item: dict, status: str, allowed: tuple[str, ...]) -> str:
    now = item["status"]
    if now == "evaluated" and not allowed:
        return (
            f"This item was evaluated with the decision “{item['decision']}”, so "
            "it stays evaluated. Only after the decision “iterate” or “roll back” "
            "can it go back to in progress."
        )
    hint = " Use Evaluate to record the evaluation." if status == "evaluated" else ""
    return (
        f"An item that is {now} can move to {', '.join(allowed)}, "
        f"not to {status}.{hint}"
    )


def _another_round(item: dict, day: str) -> dict:
    """An evaluated item back to in progress on ``day``: the earlier dates
    and the evaluation are kept; only the start date is the new round's."""
    if day < item["evaluated_on"]:
        raise ValidationError(
            {
                "date": "cannot be before the item's previous status date, "
                f"{item['evaluated_on']}"
            }
        )
    return {"status": "in progress", STATUS_DATES["in progress"]: day}


def _status_changes(item: dict, status: str, day: str) -> dict:
    """The columns to save to move ``item`` to ``status`` on ``day``.

    Moving back clears the dates of the statuses undone. Dates of statuses
    past the item's current one exist only when it went back to in progress
    after an evaluation (`_another_round`): they are the record of that
    earlier round, no move clears them, and no new date may come before them.
    """
    changes: dict = {"status": status}
    order = list(STATUS_DATES)
    current = item["status"]
    earlier_round = order[order.index(current) + 1 :] if current in order else order
    later = order[order.index(status) + 1 :] if status in order else order
    for undone in later:
        if undone not in earlier_round and item[STATUS_DATES[undone]]:
            changes[STATUS_DATES[undone]] = None
    if status in STATUS_DATES:
        column = STATUS_DATES[status]
        kept = [changes.get(c, item[c]) for c in STATUS_DATES.values() if c != column]
        latest = max((d for d in kept if d), default=None)
        if latest and day < latest:
            raise ValidationError(
                {"date": f"cannot be before the item's previous status date, {latest}"}
            )
        changes[column] = day
    return changes


def _check_references(ws: Workspace, item: ImprovementItem) -> None:
    problems = {}
    if item.step_ids:
        if item.journey_id is None:
            problems["step_ids"] = "need the journey they belong to"
        else:
            known = {s["id"] for s in queries.journey_steps(ws.db, item.journey_id)}
            if set(item.step_ids) - known:
                problems["step_ids"] = "include steps of another journey"
    personas = {p["id"] for p in queries.list_personas(ws.db, True)}
    if set(item.persona_ids) - personas:
        problems["persona_ids"] = "refer to personas that do not exist"
    kpis = {k["id"] for k in queries.list_kpis(ws.db)}
    if set(item.kpi_ids) - kpis:
        problems["kpi_ids"] = "refer to KPIs that do not exist"
    if problems:
        raise ValidationError(problems)


def _link(ws: Workspace, item_id: int, feedback_ids) -> None:
    found = stored_sessions.feedback_by_ids(ws.db, sorted(set(feedback_ids)))
    if len(found) != len(set(feedback_ids)):
        raise JourneyError("Some of that feedback no longer exists: reload the page.")
    unapproved = [f["id"] for f in found if f["status"] != "approved"]
    if unapproved:
        raise JourneyError(
            f"Feedback {', '.join(map(str, unapproved))} is not approved yet: "
            "moderate it first, so that no personal data is carried into an item."
        )
    for feedback in found:
        stored_sessions.link_feedback_item(ws.db, feedback["id"], item_id)


def _save(
    ws: Workspace, actor: Actor, item_id: int, version: int, changes: dict
) -> dict:
    with translated_errors("This improvement item"):
        rows.update_row(
            ws.db, "improvement_item", item_id, version, changes, actor.name
        )
    return get_item(ws, item_id)


def _combined(found: list[dict], how: str) -> float | None:
    if not found:
        return None
    if how == "ratio" and all(p.get("denominator") for p in found):
        return sum(p["numerator"] for p in found) / sum(p["denominator"] for p in found)
    return sum(p["value"] for p in found) / len(found)


def _scope(key: str) -> metrics.Scope:
    journey_id, stage_id, step_id, agency_id, channel, segment = json.loads(key)
    return metrics.Scope(
        journey_id=journey_id,
        stage_id=stage_id,
        step_id=step_id,
        agency_id=agency_id,
        channel=channel or None,
        segment=segment or None,
    )


def _require_scope(ws: Workspace, kpi: dict, scope: str) -> None:
    """Refuse, in words, a KPI never measured or a place it is not measured."""
    scopes = kpi_scopes(ws, kpi["id"])
    if not scopes:
        raise JourneyError(
            f"The KPI “{kpi['name']}” has no measurements yet, so there is nothing "
            "to compare: record some on Goals & KPIs, then evaluate."
        )
    if scope not in scopes:
        raise JourneyError(
            f"The KPI “{kpi['name']}” is not measured there: choose one of the "
            f"places it is measured ({'; '.join(scopes.values())})."
        )


def _require_data(result: BeforeAfter, shipped_on: str) -> None:
    if not result.before:
        raise JourneyError(
            f"There are no measurements of this KPI, here, from before {shipped_on}: "
            "record the baseline on Goals & KPIs, or choose where it is measured."
        )
    if not result.after:
        raise JourneyError(
            f"There are no measurements of this KPI, here, from {shipped_on} on yet: "
            "evaluate once the KPI has been measured since the change shipped."
        )


def _scope_words(row: dict) -> str:
    parts = [
        row.get("journey_title"),
        row.get("stage_name"),
        row.get("step_action"),
        row.get("agency_name"),
        row.get("channel"),
        row.get("segment") and f"segment {row['segment']}",
    ]
    return " / ".join(p for p in parts if p) or "Whole service"


def _number(value: float | None) -> str:
    if value is None:
        return "no value"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"
