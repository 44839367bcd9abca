"""Import measurements typed into the CSV (or XLSX) template.

For everything the other importers do not cover: one row per measurement,
columns as in `TEMPLATE_COLUMNS` (`template_csv()` gives an empty template
and `COLUMN_HELP` says what each column holds). The file is read with
`journeys.tabular.read_table`: UTF-8 or Windows-1252, comma, semicolon or
tab, or an XLSX workbook's first sheet.

* ``kpi`` is a KPI key from the library (``completion_rate``, ``nps``...)
  or a custom KPI's key.
* ``value`` is written as people read it: 76.5 for 76.5%, +12 for an NPS of
  +12, 2.57 for £2.57. For a rate or a mean, ``numerator`` and
  ``denominator`` may be given instead of (or as well as) the value; when
  both are given they must agree.
* ``journey``, ``stage`` and ``step`` name a journey by title, and one of
  its stages or steps (its action) by name; ``agency`` names an agency,
  which is added if it is new.

Each row that cannot be read is reported with its row number and left out;
the rest are written together or not at all.
"""

import logging

from journeys import kpis, metrics
from journeys.access import Actor
from journeys.errors import ImportFailed
from journeys.importers.common import (
    ImportResult,
    Source,
    check_may_import,
    read_source,
)
from journeys.importers.measure_plan import (
    READ_SHARE,
    Draft,
    MeasurePlan,
    Progress,
    number_cell,
    run_import,
)
from journeys.models import Agency, _Checker
from journeys.progress import in_steps, part
from journeys.tabular import read_table, write_csv
from journeys.wording import counted
from journeys.workspace import Workspace
from storage import measures

logger = logging.getLogger(__name__)

KIND = "measurements-csv"
TEMPLATE_COLUMNS = [
    "kpi",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "target",
    "journey",
    "stage",
    "step",
    "agency",
    "channel",
    "segment",
    "label",
]
REQUIRED = ("kpi", "period_start", "period_end")
COLUMN_HELP = {
    "kpi": "the KPI's key, such as completion_rate or nps (see the KPI library)",
    "period_start": "first day measured, YYYY-MM-DD",
    "period_end": "last day measured, YYYY-MM-DD (the same day for one day)",
    "value": "as people read it: 76.5 for 76.5%, -12 for an NPS of -12, 2.57 "
    "for £2.57; may be left blank when numerator and denominator are given",
    "numerator": "for a rate or a mean: the count on top (completions, sum of "
    "scores...); for completion_rate, 'not eligible' and 'already done' endings "
    "are completions",
    "denominator": "for a rate or a mean: the count below (starts, answers...)",
    "target": "a target published with the value, in the same unit (optional)",
    "journey": "a journey's title (optional)",
    "stage": "a stage of that journey, by name (optional)",
    "step": "a step of that journey, by its action (optional)",
    "agency": "an agency's name; a new one is added (optional)",
    "channel": "online, phone, in person, post, app, email or other (optional)",
    "segment": "any further breakdown, such as an age group (optional)",
    "label": "what the source called it, in its own words (optional)",
}


def template_csv() -> bytes:
    """An empty template: the header row only."""
    return write_csv(TEMPLATE_COLUMNS, [])


def import_measurements_csv(
    ws: Workspace,
    actor: Actor,
    source: Source,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a filled-in template, all or nothing (see the module doc)."""
    check_may_import(actor)
    source = read_source(source, name)
    return run_import(ws, actor, plan_measurements_csv(ws, source), progress)


def plan_measurements_csv(
    ws: Workspace, source, progress: Progress | None = None
) -> MeasurePlan:
    """Read the file into a plan, without writing. The workspace gives the
    KPIs' units (custom KPIs included). ``progress``: see `journeys.progress`."""
    table = read_table(
        source.data, source.name, progress=part(progress, 0.0, READ_SHARE)
    )
    headers = {h.casefold(): h for h in table.headers}
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise ImportFailed(
            source.name,
            f"needs the template's columns: no {', '.join(missing)} (download the "
            "template to see them all)",
        )
    units = {k.key: k.unit for k in metrics.STANDARD_KPIS}
    units.update({key: row["unit"] for key, row in measures.kpis_by_key(ws.db).items()})
    plan = MeasurePlan(KIND, source, rows_read=len(table.rows))
    checking = part(progress, READ_SHARE, 1.0)
    for first, rows in in_steps(table.rows, checking, "rows checked"):
        for number, raw in enumerate(rows, start=first + 2):
            row = {
                column: (raw.get(headers[column]) or "").strip()
                if column in headers
                else ""
                for column in TEMPLATE_COLUMNS
            }
            draft = _draft(plan, number, row, units)
            if draft is not None:
                plan.drafts.append(draft)
    if progress:
        progress(1.0, f"{counted(plan.rows_read, 'row')} checked")
    return plan


def _draft(plan: MeasurePlan, number: int, row: dict, units: dict) -> Draft | None:
    key = row["kpi"]
    if key not in units:
        plan.problem(number, "kpi", key, "no KPI has this key")
        return None
    unit = units[key]
    check = _Checker()
    first = check.date("period_start", row["period_start"])
    last = check.date("period_end", row["period_end"])
    if check.problems:
        column, problem = next(iter(check.problems.items()))
        plan.problem(number, column, row[column], problem)
        return None
    if not first or not last:
        column = "period_start" if not first else "period_end"
        plan.problem(number, column, "", "a date is required")
        return None
    if last < first:
        plan.problem(number, "period_end", last, "is before the start of the period")
        return None
    numbers = {}
    for column in ("value", "numerator", "denominator", "target"):
        try:
            numbers[column] = number_cell(row[column])
        except ValueError:
            plan.problem(number, column, row[column], "not a number")
            return None
    numerator, denominator = numbers["numerator"], numbers["denominator"]
    if (numerator is None) != (denominator is None):
        plan.problem(
            number, "denominator", row["denominator"], "give both counts or neither"
        )
        return None
    value = kpis.from_display_number(numbers["value"], unit)
    if denominator is not None:
        if denominator <= 0:
            plan.problem(number, "denominator", row["denominator"], "must be above 0")
            return None
        counted = numerator / denominator
        if value is not None and abs(counted - value) > 0.0005 * max(1, abs(counted)):
            plan.problem(
                number,
                "value",
                row["value"],
                f"numerator / denominator gives {kpis.display_value(counted, unit)}",
            )
            return None
        value = counted
    if value is None:
        plan.problem(number, "value", "", "a value, or numerator and denominator")
        return None
    if row["agency"]:
        plan.agencies.setdefault(row["agency"], Agency(row["agency"]))
    return Draft(
        kpi=key,
        period_start=first,
        period_end=last,
        value=value,
        numerator=numerator,
        denominator=denominator,
        target=kpis.from_display_number(numbers["target"], unit),
        agency=row["agency"] or None,
        journey=row["journey"] or None,
        stage=row["stage"] or None,
        step=row["step"] or None,
        channel=row["channel"],
        segment=row["segment"],
        label=row["label"],
        row=number,
    )
