"""KPIs with standard definitions, measurements, and the arithmetic on them.

The library (`STANDARD_KPIS`) holds each KPI's formula, unit and source as
shown in the app; the formulas themselves are pure functions in
`journeys.kpis`. Values are kept unrounded; rounding happens only where they
are displayed.

Stored units: a "%" KPI is stored as a fraction (0.68 for 68%), an "NPS" KPI
as a fraction from -1 to 1. Rates and means keep the counts they come from
(``numerator`` / ``denominator``), so periods, channels or agencies are
combined by adding counts, never by averaging rates (`kpis.combine`).
"""

import dataclasses
import logging
import re
from collections import defaultdict
from dataclasses import dataclass

from journeys import kpis
from journeys.access import Actor, Role, require
from journeys.errors import NotFound, ValidationError
from journeys.models import KpiDefinition, Measurement, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import measures, queries, rows

logger = logging.getLogger(__name__)

GOVUK_MANUAL = "GOV.UK Service Manual, 'Data you must publish'"
GOVUK_CPT = "GOV.UK Service Manual, 'Cost per transaction' (older manual)"
A11 = "OMB Circular A-11 section 280"
A11_V2 = "OMB Circular A-11 section 280, v2 survey (Touchpoints, from 2023)"
PERFORMANCE_PLATFORM = "GOV.UK Performance Platform"


def _kpi(key, name, unit, direction, formula, source) -> KpiDefinition:
    return KpiDefinition(key, name, unit, direction, formula, source)


# The standard library every workspace starts with. Keys are stable: importers
# and saved goals refer to them.
STANDARD_KPIS = (
    # GOV.UK's four, and the counts they are made of.
    _kpi(
        "completion_rate",
        "Completion rate",
        "%",
        "up",
        "completed transactions / started transactions x 100; 'not eligible' and "
        "'already done' endings count as completed; never above 100%",
        GOVUK_MANUAL,
    ),
    _kpi(
        "user_satisfaction",
        "User satisfaction",
        "%",
        "up",
        "('very satisfied' + 'satisfied') / all answers x 100, on a five-point "
        "scale; published with the answers per level",
        GOVUK_MANUAL,
    ),
    _kpi(
        "digital_take_up",
        "Digital take-up",
        "%",
        "up",
        "completed digital transactions / completed transactions in all channels "
        "x 100; assisted digital counts as digital",
        GOVUK_MANUAL,
    ),
    _kpi(
        "cost_per_transaction",
        "Cost per transaction",
        "GBP",
        "down",
        "total cost of providing the service / completed transactions; per "
        "channel: (channel cost + its volume share of common costs) / the "
        "channel's completed transactions; target CPT = A + ((B - A) / (1 - X)) "
        "x (Y - X) with A current CPT, B digital CPT, X take-up, Y take-up goal",
        GOVUK_CPT,
    ),
    _kpi(
        "transactions",
        "Completed transactions",
        "transactions",
        "none",
        "count of transactions completed in the period, per channel",
        GOVUK_MANUAL,
    ),
    _kpi(
        "total_cost",
        "Total cost of the service",
        "GBP",
        "none",
        "all fixed and variable costs with overheads, less start-up and "
        "enforcement costs",
        GOVUK_CPT,
    ),
    _kpi(
        "users_at_stage",
        "Users reaching a stage",
        "people",
        "up",
        "unique users who reached the stage in the period",
        f"{PERFORMANCE_PLATFORM} 'users at each step' module",
    ),
    _kpi(
        "satisfaction_responses",
        "Satisfaction answers per level",
        "answers",
        "none",
        "count of answers at one level (1 very dissatisfied .. 5 very satisfied) "
        "in the period",
        "GOV.UK feedback survey, as published by the Performance Platform",
    ),
    _kpi(
        "stage_abandonment",
        "Abandonment at a stage",
        "%",
        "down",
        "1 - (users reaching the next stage / users entering this stage); worked "
        "out from 'Users reaching a stage'",
        "Derived, consistent with the GOV.UK completion-rate rules",
    ),
    # OMB A-11 section 280.
    *(
        _kpi(
            f"a11_{driver}",
            f"A-11 {label.lower()}",
            "1-5 mean",
            "up",
            "mean answer from 1 (strongly disagree) to 5 (strongly agree) to the v1 "
            f"{label.lower()} item, over those who answered it",
            A11,
        )
        for driver, label in kpis.A11_DRIVERS.items()
    ),
    _kpi(
        "a11_trust_v2",
        "A-11 trust (v2)",
        "%",
        "up",
        "answers that are thumbs up (or agree / strongly agree on five points) / "
        "all answers to the trust question x 100",
        A11_V2,
    ),
    _kpi(
        "a11_driver_positive",
        "A-11 'what went well' driver share",
        "%",
        "up",
        "respondents ticking the driver under 'What went well?' / respondents x "
        "100, per driver",
        A11_V2,
    ),
    _kpi(
        "a11_driver_negative",
        "A-11 'what did not go well' driver share",
        "%",
        "down",
        "respondents ticking the driver under 'What didn't go so well?' / "
        "respondents x 100, per driver",
        A11_V2,
    ),
    _kpi(
        "response_rate",
        "Survey response rate",
        "%",
        "up",
        "responses / customers offered the survey x 100",
        A11,
    ),
    _kpi(
        "survey_coverage",
        "Survey coverage",
        "%",
        "up",
        "customers offered the survey / all customers served at the transaction "
        "point x 100",
        A11,
    ),
    # Common CX, UX and contact-centre measures.
    _kpi(
        "nps",
        "Net Promoter Score",
        "NPS",
        "up",
        "% promoters (9-10) - % detractors (0-6) on 0-10, from -100 to +100; "
        "passives (7-8) count only in the denominator",
        "Bain & Company / Reichheld (NPS is their trademark)",
    ),
    _kpi(
        "csat",
        "CSAT (top-two-box %)",
        "%",
        "up",
        "answers of 4 or 5 / all answers on a 1-5 scale x 100",
        "Common CX practice (the GOV.UK convention)",
    ),
    _kpi(
        "csat_mean",
        "CSAT (mean, 1-5)",
        "1-5 mean",
        "up",
        "mean answer on a 1-5 scale (the A-11 dashboards' convention)",
        "Common CX practice",
    ),
    _kpi(
        "ces",
        "Customer effort (CES)",
        "agreement mean",
        "up",
        "mean agreement that the task was easy (1-5 or 1-7, as asked)",
        "Common CX practice; the A-11 'ease' item is the government equivalent",
    ),
    _kpi(
        "task_success_rate",
        "Task success rate",
        "%",
        "up",
        "successful attempts / all attempts x 100 (success with help counted "
        "only when stated)",
        "Usability practice (Sauro & Lewis, MeasuringU)",
    ),
    _kpi(
        "average_handling_time",
        "Average handling time",
        "seconds",
        "down",
        "(talk time + hold time + after-contact work) / interactions handled",
        "Contact-centre practice",
    ),
    _kpi(
        "enps",
        "Employee NPS",
        "NPS",
        "up",
        "% promoters (9-10) - % detractors (0-6) to 'How likely are you to "
        "recommend this organisation as a place to work?'",
        "Employee NPS practice; A-11 counts employee experience as part of CX",
    ),
    # Service data agencies publish.
    _kpi(
        "service_standard_performance",
        "Service standard met",
        "%",
        "up",
        "requests handled within the service standard / all requests x 100; "
        "compared with the standard's target",
        "Government of Canada service standards (Policy on Service and Digital)",
    ),
    _kpi(
        "request_handling_time",
        "Request handling time",
        "days",
        "down",
        "sum over closed requests of (closed - created) / closed requests; "
        "requests not closed yet are left out and counted",
        "311 service request data (City of Los Angeles MyLA311)",
    ),
    _kpi(
        "requests_received",
        "Requests received",
        "requests",
        "none",
        "count of service requests created in the period, per channel",
        "311 service request data (City of Los Angeles MyLA311)",
    ),
)
STANDARD_KEYS = frozenset(kpi.key for kpi in STANDARD_KPIS)

# How several measurements of one period are combined (see `kpis.combine`):
# counts add up; rates and means are worked out from their added counts.
SUMMED = frozenset(
    {
        "transactions",
        "total_cost",
        "users_at_stage",
        "satisfaction_responses",
        "requests_received",
    }
)
# KPIs worked out from other measurements rather than stored.
DERIVED = frozenset({"stage_abandonment"})

FAMILIES = {
    "GOV.UK": (
        "completion_rate",
        "user_satisfaction",
        "digital_take_up",
        "cost_per_transaction",
        "transactions",
        "total_cost",
        "users_at_stage",
        "satisfaction_responses",
        "stage_abandonment",
    ),
    "OMB A-11": (
        *(f"a11_{d}" for d in kpis.A11_DRIVERS),
        "a11_trust_v2",
        "a11_driver_positive",
        "a11_driver_negative",
        "response_rate",
        "survey_coverage",
    ),
    "Customer and employee experience": (
        "nps",
        "csat",
        "csat_mean",
        "ces",
        "task_success_rate",
        "average_handling_time",
        "enps",
    ),
    "Service data": (
        "service_standard_performance",
        "request_handling_time",
        "requests_received",
    ),
}
CUSTOM_PREFIX = "custom_"


def aggregation(key: str) -> str:
    """ "sum" for counts, "ratio" for rates and means."""
    return "sum" if key in SUMMED else "ratio"


def family(key: str) -> str:
    for name, keys in FAMILIES.items():
        if key in keys:
            return name
    return "Custom" if key.startswith(CUSTOM_PREFIX) else "Other"


def ensure_standard_kpis(ws: Workspace, actor: Actor) -> dict[str, int]:
    """Add any missing standard KPI definition, bring changed wording up to
    date, and return ids by key."""
    require(actor, Role.EDITOR, "add KPI definitions")
    ids = {}
    with ws.transaction():
        stored = measures.kpis_by_key(ws.db)
        for kpi in STANDARD_KPIS:
            columns = as_columns(kpi.validated())
            row = stored.get(kpi.key)
            if row is None:
                ids[kpi.key] = rows.insert_row(ws.db, "kpi", columns, actor.name)
                continue
            ids[kpi.key] = row["id"]
            changed = {c: v for c, v in columns.items() if row.get(c) != v}
            if changed:
                rows.update_row(
                    ws.db, "kpi", row["id"], row["version"], changed, actor.name
                )
    return ids


def list_kpis(ws: Workspace) -> list[dict]:
    """Every KPI definition by name, with its family ("GOV.UK", "Custom"...)."""
    found = queries.list_kpis(ws.db)
    for kpi in found:
        kpi["family"] = family(kpi["key"])
    return found


def kpis_by_key(ws: Workspace) -> dict[str, dict]:
    return measures.kpis_by_key(ws.db)


def kpi_id(ws: Workspace, key: str) -> int | None:
    return queries.find_kpi_id(ws.db, key)


def create_custom_kpi(
    ws: Workspace,
    actor: Actor,
    name: str,
    unit: str,
    direction: str,
    expression: str,
    description: str = "",
) -> int:
    """Add a custom KPI: a formula over other KPIs' keys, such as
    ``transactions / total_cost``. Returns its id.

    Raises `ValidationError` for a bad name, unit or direction, and
    `kpis.KpiError` for a formula that is not arithmetic on known keys.
    """
    require(actor, Role.EDITOR, "add a KPI")
    known = set(measures.kpis_by_key(ws.db))
    parsed = kpis.parse_expression(expression, known)
    slug = re.sub(r"[^a-z0-9]+", "_", str(name).casefold()).strip("_")[:50]
    if not slug:
        raise ValidationError({"name": "needs at least one letter or digit"})
    definition = KpiDefinition(
        key=CUSTOM_PREFIX + slug,
        name=name,
        unit=unit,
        direction=direction,
        formula=f"{parsed.text}" + (f" ({description.strip()})" if description else ""),
        source="Custom KPI defined in this workspace",
        expression=parsed.text,
    ).validated()
    with translated_errors(f"A KPI named {definition.name!r}"):
        return rows.insert_row(ws.db, "kpi", as_columns(definition), actor.name)


def update_custom_kpi(
    ws: Workspace,
    actor: Actor,
    kpi_id: int,
    version: int,
    name: str,
    unit: str,
    direction: str,
    expression: str,
) -> dict:
    """Save an edited custom KPI read at ``version``: its name, unit, direction
    and formula. Its key stays, so other formulas over it keep working.

    Raises `ValidationError`, `kpis.KpiError` (a bad formula, or one over the
    KPI itself), `PermissionDenied`, `EditConflict` and `NotFound`.
    """
    require(actor, Role.EDITOR, "edit a KPI")
    with translated_errors():
        current = rows.get_row(ws.db, "kpi", kpi_id)
    _check_custom(current)
    known = set(measures.kpis_by_key(ws.db)) - {current["key"]}
    parsed = kpis.parse_expression(expression, known)
    definition = KpiDefinition(
        key=current["key"],
        name=name,
        unit=unit,
        direction=direction,
        formula=parsed.text,
        source=current["source"] or "",
        expression=parsed.text,
    ).validated()
    changes = {
        k: v for k, v in as_columns(definition).items() if k not in ("key", "source")
    }
    with translated_errors(f"A KPI named {definition.name!r}"):
        return rows.update_row(ws.db, "kpi", kpi_id, version, changes, actor.name)


def delete_custom_kpi(ws: Workspace, actor: Actor, kpi_id: int, version: int) -> None:
    """Delete a custom KPI read at ``version``.

    Refused with `ValidationError` while a goal or a measurement uses it, or
    another custom KPI's formula is worked out from it.
    """
    require(actor, Role.EDITOR, "delete a KPI")
    with translated_errors(), ws.transaction():
        current = rows.get_row(ws.db, "kpi", kpi_id)
        _check_custom(current)
        held = [
            f"{count} {word if count != 1 else word[:-1]}"
            for word, count in measures.kpi_uses(ws.db, kpi_id).items()
            if count
        ]
        formulas = _formulas_using(ws, current)
        if formulas:
            held.append("the formula of " + ", ".join(formulas))
        if held:
            raise ValidationError(
                {
                    "KPI": f"{current['name']!r} is used by "
                    + " and ".join(held)
                    + "; it cannot be deleted while anything uses it"
                }
            )
        rows.delete_row(ws.db, "kpi", kpi_id, version, actor.name)


def _formulas_using(ws: Workspace, kpi: dict) -> list[str]:
    """Names of the other custom KPIs whose formula reads ``kpi``."""
    every = measures.kpis_by_key(ws.db)
    return sorted(
        other["name"]
        for other in every.values()
        if other["expression"]
        and other["id"] != kpi["id"]
        and kpi["key"] in kpis.parse_expression(other["expression"], every).keys
    )


def _check_custom(kpi: dict) -> None:
    if not kpi["expression"]:
        raise ValidationError(
            {"KPI": f"{kpi['name']!r} is a standard KPI; only custom KPIs change"}
        )


def add_measurement(ws: Workspace, actor: Actor, measurement: Measurement) -> int:
    """Record one measurement; return its id.

    For a rate or a mean with counts, ``value`` must be numerator /
    denominator; a "%" value above 100% is refused.
    """
    require(actor, Role.EDITOR, "record a measurement")
    measurement = check_measurement(ws, measurement.validated())
    with translated_errors("A measurement for this KPI, period and place"):
        return rows.insert_row(
            ws.db, "measurement", as_columns(measurement), actor.name
        )


def check_measurement(ws: Workspace, measurement: Measurement) -> Measurement:
    """Refuse values a KPI cannot take: a share above 100%, counts that do not
    give the value. Returns the measurement."""
    kpi = rows.get_row(ws.db, "kpi", measurement.kpi_id)
    problem = measurement_problem(kpi["key"], kpi["unit"], measurement)
    if problem:
        raise ValidationError({"value": problem})
    return measurement


def measurement_problem(key: str, unit: str, measurement: Measurement) -> str | None:
    """Why a measurement cannot be stored for this KPI, or None."""
    value = measurement.value
    if key in DERIVED:
        return "is worked out from other measurements and cannot be entered"
    if measurement.denominator is not None:
        expected = measurement.numerator / measurement.denominator
        if abs(expected - value) > 1e-9 * max(1.0, abs(expected)):
            return f"should be numerator / denominator = {expected:g}, not {value:g}"
    if unit == "%" and not 0 <= value <= 1:
        return f"must be from 0 to 100% (got {value * 100:g}%)"
    if unit == "NPS" and not -1 <= value <= 1:
        return f"must be from -100 to +100 (got {value * 100:g})"
    if unit.endswith("mean") and key.startswith("a11_") and not 1 <= value <= 5:
        return f"must be a mean from 1 to 5 (got {value:g})"
    if aggregation(key) == "sum" and value < 0:
        return "cannot be negative"
    return None


# --- series: a KPI's values over time, in one place -------------------------------


@dataclass(frozen=True)
class Scope:
    """Where a KPI is measured. None leaves that dimension open: all journeys,
    all agencies; for stage, step, channel and segment, the rows that give the
    total (no stage, no channel...) when a period has them, otherwise every
    row of the period added up."""

    journey_id: int | None = None
    stage_id: int | None = None
    step_id: int | None = None
    agency_id: int | None = None
    channel: str | None = None
    segment: str | None = None


@dataclass(frozen=True)
class Point:
    """A KPI's value for one period, with the counts it comes from."""

    period_start: str
    period_end: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    rows: int = 1
    target: float | None = None  # a target the source published with it
    note: str = ""


def series(
    ws: Workspace,
    key: str,
    scope: Scope = Scope(),
    start: str | None = None,
    end: str | None = None,
) -> list[Point]:
    """A KPI's values per period, oldest first (see `Scope` for combining).

    A custom KPI is its formula evaluated per period on its inputs' values in
    the same scope (periods where an input is missing give None). Abandonment
    at a stage comes from the users reaching it and the next stage.
    """
    definitions = measures.kpis_by_key(ws.db)
    if key not in definitions:
        raise NotFound(f"No KPI has the key {key!r}.")
    definition = definitions[key]
    if definition.get("expression"):
        return _custom_series(ws, definitions, definition, scope, start, end)
    if key == "stage_abandonment":
        return _abandonment_series(ws, definitions, scope, start, end)
    found = _rows_of(ws, definition["id"], scope, start, end)
    if not found and key == "user_satisfaction":
        return _satisfaction_series(ws, definitions, scope, start, end)
    return points_from_rows(found, aggregation(key), scope)


def _rows_of(ws, kpi, scope: Scope, start, end) -> list[dict]:
    return measures.measurements(
        ws.db,
        kpi,
        journey_id=scope.journey_id,
        stage_id=scope.stage_id,
        step_id=scope.step_id,
        agency_id=scope.agency_id,
        channel=scope.channel,
        segment=scope.segment,
        start=start,
        end=end,
    )


def points_from_rows(
    found: list[dict], how: str, scope: Scope = Scope()
) -> list[Point]:
    """Measurement rows grouped by period and combined into one `Point` each."""
    by_period: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in found:
        by_period[(row["period_start"], row["period_end"])].append(row)
    points = []
    for (first, last), group in sorted(by_period.items()):
        group = _totals_only(group, scope)
        combined = kpis.combine(
            [(r["value"], r.get("numerator"), r.get("denominator")) for r in group],
            how,
        )
        targets = {r.get("target") for r in group}
        points.append(
            Point(
                first,
                last,
                combined.value,
                combined.numerator,
                combined.denominator,
                len(group),
                targets.pop() if len(targets) == 1 else None,
                combined.note,
            )
        )
    return points


def _totals_only(group: list[dict], scope: Scope) -> list[dict]:
    """Keep a period's total rows (no stage, step, channel or segment) where the
    scope leaves that dimension open and such rows exist."""
    for column, chosen, blank in (
        ("stage_id", scope.stage_id, None),
        ("step_id", scope.step_id, None),
        ("channel", scope.channel, ""),
        ("segment", scope.segment, ""),
    ):
        if chosen is None:
            totals = [r for r in group if r.get(column) == blank]
            if totals and len(totals) < len(group):
                group = totals
    return group


def _custom_series(ws, definitions, definition, scope, start, end) -> list[Point]:
    parsed = kpis.parse_expression(definition["expression"], definitions)
    inputs = {
        key: {
            (p.period_start, p.period_end): p.value
            for p in series(ws, key, scope, start, end)
        }
        for key in parsed.keys
    }
    periods = sorted({period for values in inputs.values() for period in values})
    return [
        Point(
            first,
            last,
            parsed.evaluate({k: v.get((first, last)) for k, v in inputs.items()}),
            rows=0,
            note="worked out from " + ", ".join(sorted(parsed.keys)),
        )
        for first, last in periods
    ]


def _satisfaction_series(ws, definitions, scope, start, end) -> list[Point]:
    """User satisfaction per period from the answers recorded per level."""
    if "satisfaction_responses" not in definitions:
        return []
    levels = dataclasses.replace(scope, segment=None)
    found = _rows_of(
        ws, definitions["satisfaction_responses"]["id"], levels, start, end
    )
    counts: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for row in found:
        level = row["segment"].strip()
        if level in ("1", "2", "3", "4", "5"):
            period = counts[(row["period_start"], row["period_end"])]
            period[int(level)] = period.get(int(level), 0) + row["value"]
    points = []
    for (first, last), per_level in sorted(counts.items()):
        ratio = kpis.user_satisfaction(per_level).top_two_box
        points.append(
            Point(
                first,
                last,
                ratio.value,
                ratio.numerator,
                ratio.denominator,
                rows=len(per_level),
                note="worked out from the answers per level",
            )
        )
    return points


def _abandonment_series(ws, definitions, scope, start, end) -> list[Point]:
    if scope.stage_id is None:
        raise ValidationError({"stage": "abandonment is measured at one stage"})
    stage = rows.get_row(ws.db, "stage", scope.stage_id)
    stages = queries.journey_stages(ws.db, stage["journey_id"])
    ids = [s["id"] for s in stages]
    position = ids.index(stage["id"])
    if position + 1 == len(ids):
        return []
    users_scope = dataclasses.replace(scope, journey_id=stage["journey_id"])
    here = series(ws, "users_at_stage", users_scope, start, end)
    following = series(
        ws,
        "users_at_stage",
        dataclasses.replace(users_scope, stage_id=ids[position + 1]),
        start,
        end,
    )
    next_users = {(p.period_start, p.period_end): p.value for p in following}
    points = []
    for point in here:
        after = next_users.get((point.period_start, point.period_end))
        if point.value is None or after is None:
            continue
        try:
            passed = kpis.share(after, point.value, f"users reaching '{stage['name']}'")
        except kpis.InconsistentData as err:
            points.append(
                Point(point.period_start, point.period_end, None, note=str(err))
            )
            continue
        points.append(
            Point(
                point.period_start,
                point.period_end,
                None if passed.value is None else 1 - passed.value,
                point.value - after,
                point.value,
            )
        )
    return points


# --- the journey funnel ---------------------------------------------------------


@dataclass(frozen=True)
class StageFunnel:
    """People reaching one stage, and the share of them lost before the next."""

    stage: str
    users: float | None  # None: no measurement for the stage in the period
    next_users: float | None
    abandonment: float | None  # 0..1, None for the last stage or no data

    @property
    def lost(self) -> float | None:
        # A stage with no count of its own (a gap) has nobody to lose.
        if self.users is None or self.next_users is None:
            return None
        return self.users - self.next_users

    @property
    def rises(self) -> bool:
        """More people at the next stage than at this one: the data is wrong."""
        return self.abandonment is not None and self.abandonment < 0


def funnel(stage_users: list[tuple[str, float | None]]) -> list[StageFunnel]:
    """Abandonment per stage: 1 - (users reaching the next stage / users entering).

    ``stage_users`` are (stage name, users) in journey order. A stage with no
    data (None) breaks the chain: neither it nor the stage before it gets an
    abandonment rate, rather than one made up from a gap. A rise from one
    stage to the next is kept as a negative rate (see `StageFunnel.rises`)
    and shown as a problem, never clamped.

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
