"""What the measurement importers share: a plan to preview, then one write.

Every measurement importer works in two steps, so a person sees what will
happen before anything is written:

1. **Plan** (no writes): read the file into `Draft` measurements, and list
   every row that cannot be imported as a `RowProblem` (row number, column,
   value, why). `resolve` then checks the drafts against the workspace:
   unknown journeys or stages, KPIs that do not exist, measurements already
   stored, and two rows of the file that are the same measurement become
   problems too. `MeasurePlan.preview()` and `MeasurePlan.problem_rows()`
   are what a page shows.
2. **Write** (`write_plan`): every draft of the plan in one transaction,
   with the file's record in ``import_run``; the rows listed as problems are
   left out, as the preview said. Any failure writes nothing.

Planning, resolving and writing each take an optional ``progress`` callback
(`journeys.progress`), so a page can draw a progress bar over a large file.
"""

import dataclasses
import logging
import math
from dataclasses import dataclass, field

from journeys import kpis, maps, metrics
from journeys.access import Actor
from journeys.errors import DuplicateName, ImportFailed
from journeys.importers.common import (
    ImportResult,
    SourceFile,
    check_may_import,
    ensure_agency_counted,
    import_transaction,
)
from journeys.models import Agency, Journey, Measurement, as_columns
from journeys.progress import Progress, in_steps, part
from journeys.tabular import Table, read_table
from journeys.wording import counted
from journeys.workspace import Workspace, translated_errors
from storage import measures, queries, rows

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
# Share of a planner's progress bar for reading the CSV; the rest is checking
# its rows. Measured on a 70,000-row MyLA311 file (17.7 MB): about 0.6 to 1 s
# reading, 1.1 to 1.6 s checking.
READ_SHARE = 0.35


@dataclass
class RowProblem:
    """A row (or the whole file, row None) that will not be imported, and why."""

    row: int | None
    column: str
    value: str
    problem: str


@dataclass
class Draft:
    """A measurement read from a file, with places named rather than numbered."""

    kpi: str  # KPI key
    period_start: str
    period_end: str
    value: float
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None
    agency: str | None = None  # agency name
    journey: str | None = None  # journey title
    stage: str | None = None  # stage name, within the journey
    step: str | None = None  # step action, within the journey
    channel: str = ""
    segment: str = ""
    label: str = ""
    row: int | None = None  # where in the file it came from
    # Filled in by `resolve`:
    ids: dict = field(default_factory=dict)


@dataclass
class MeasurePlan:
    """Everything an import would write, and everything it would leave out."""

    kind: str
    source: SourceFile
    drafts: list[Draft] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    agencies: dict[str, Agency] = field(default_factory=dict)  # by name
    journeys: dict[str, Journey] = field(default_factory=dict)  # to create
    journey_agency: dict[str, str] = field(default_factory=dict)  # lead, by title
    rows_read: int = 0
    resolved: bool = False

    def problem(self, row: int | None, column: str, value, problem: str) -> None:
        self.problems.append(RowProblem(row, column, str(value)[:200], problem))

    def summary(self) -> str:
        text = (
            f"{counted(self.rows_read, 'row')} read: "
            f"{counted(len(self.drafts), 'measurement')} to import"
        )
        if self.problems:
            left_out = counted(len(self.problems), "row or value", "rows or values")
            text += f", {left_out} left out (see below)"
        return text

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict]:
        """The first measurements to be written, as rows for a table."""
        shown = []
        for draft in self.drafts[:limit]:
            shown.append(
                {
                    "Row": draft.row or "",
                    "KPI": draft.kpi,
                    "From": draft.period_start,
                    "To": draft.period_end,
                    "Value": draft.value,
                    "Numerator": draft.numerator,
                    "Denominator": draft.denominator,
                    "Target": draft.target,
                    "Where": ", ".join(
                        p
                        for p in (
                            draft.journey,
                            draft.stage,
                            draft.step,
                            draft.agency,
                            draft.channel,
                            draft.segment,
                        )
                        if p
                    ),
                }
            )
        return shown

    def problem_rows(self) -> list[dict]:
        """Every problem, as rows for a table: row, column, value, why."""
        return [
            {
                "Row": p.row if p.row is not None else "file",
                "Column": p.column,
                "Value": p.value,
                "Problem": p.problem,
            }
            for p in self.problems
        ]


def resolve(
    ws: Workspace, plan: MeasurePlan, progress: Progress | None = None
) -> MeasurePlan:
    """Check the drafts against the workspace (read only); problems move out.

    Fills each draft's ``ids`` (kpi, journey, stage, step); agencies and
    journeys the plan creates are resolved when written. ``progress`` (see
    `journeys.progress`) hears of the measurements checked so far.
    """
    known = measures.kpis_by_key(ws.db)
    standard = {k.key: k for k in metrics.STANDARD_KPIS}
    journeys: dict[str, int | None] = {}
    stages: dict[int, dict[str, int]] = {}
    steps: dict[int, dict[str, int]] = {}
    seen: dict[tuple, int | None] = {}
    kept = []
    noun = "measurements checked against the workspace"
    for _first, drafts in in_steps(plan.drafts, progress, noun):
        for draft in drafts:
            where = draft.row
            if draft.kpi not in known and draft.kpi not in standard:
                plan.problem(where, "kpi", draft.kpi, "no KPI has this key")
                continue
            kpi = known.get(draft.kpi)
            unit = kpi["unit"] if kpi else standard[draft.kpi].unit
            problem = metrics.measurement_problem(
                draft.kpi, unit, _measurement(draft, 0)
            )
            if problem:
                plan.problem(where, "value", draft.value, f"the value {problem}")
                continue
            ids: dict = {"kpi_id": kpi["id"] if kpi else None}
            if draft.journey:
                if draft.journey not in journeys:
                    journeys[draft.journey] = maps.find_journey(ws, draft.journey)
                journey_id = journeys[draft.journey]
                if journey_id is None and draft.journey not in plan.journeys:
                    plan.problem(
                        where, "journey", draft.journey, "no journey has this title"
                    )
                    continue
                ids["journey_id"] = journey_id
                if draft.stage or draft.step:
                    if journey_id is None:
                        plan.problem(
                            where, "stage", draft.stage, "the journey has no stages yet"
                        )
                        continue
                    if journey_id not in stages:
                        stages[journey_id], steps[journey_id] = _places(ws, journey_id)
                if draft.stage:
                    stage_id = stages[journey_id].get(draft.stage.casefold())
                    if stage_id is None:
                        plan.problem(
                            where, "stage", draft.stage, "the journey has no such stage"
                        )
                        continue
                    ids["stage_id"] = stage_id
                if draft.step:
                    step_id = steps[journey_id].get(draft.step.casefold())
                    if step_id is None:
                        plan.problem(
                            where, "step", draft.step, "the journey has no such step"
                        )
                        continue
                    ids["step_id"] = step_id
            elif draft.stage or draft.step:
                plan.problem(where, "journey", "", "a stage or step needs its journey")
                continue
            identity = (
                draft.kpi,
                draft.journey,
                ids.get("stage_id"),
                ids.get("step_id"),
                (draft.agency or "").casefold(),
                draft.channel,
                draft.segment,
                draft.period_start,
                draft.period_end,
            )
            if identity in seen:
                earlier = seen[identity]
                plan.problem(
                    where,
                    "period",
                    f"{draft.period_start} to {draft.period_end}",
                    "the same KPI, period and place as "
                    + (f"row {earlier}" if earlier else "another entry")
                    + "; only the first is imported",
                )
                continue
            seen[identity] = where
            if ids["kpi_id"] is not None and _stored(ws, draft, ids):
                plan.problem(
                    where,
                    "period",
                    f"{draft.period_start} to {draft.period_end}",
                    "the workspace already holds this measurement (from another file?)",
                )
                continue
            draft.ids = ids
            kept.append(draft)
    plan.drafts = kept
    plan.resolved = True
    if progress:
        progress(1.0, f"{counted(len(plan.drafts), 'measurement')} checked")
    return plan


def _places(ws: Workspace, journey_id: int) -> tuple[dict, dict]:
    stage_ids = {
        s["name"].casefold(): s["id"] for s in queries.journey_stages(ws.db, journey_id)
    }
    step_ids = {
        s["action"].casefold(): s["id"]
        for s in queries.journey_steps(ws.db, journey_id)
    }
    return stage_ids, step_ids


def _stored(ws: Workspace, draft: Draft, ids: dict) -> bool:
    agency_id = queries.find_agency_id(ws.db, draft.agency) if draft.agency else None
    if draft.agency and agency_id is None:
        return False
    if draft.journey and ids.get("journey_id") is None:
        return False
    return (
        measures.find_measurement(
            ws.db,
            ids["kpi_id"],
            draft.period_start,
            draft.period_end,
            journey_id=ids.get("journey_id"),
            stage_id=ids.get("stage_id"),
            step_id=ids.get("step_id"),
            agency_id=agency_id,
            channel=draft.channel,
            segment=draft.segment,
        )
        is not None
    )


def _measurement(draft: Draft, kpi_id: int, **ids) -> Measurement:
    return Measurement(
        kpi_id=kpi_id,
        period_start=draft.period_start,
        period_end=draft.period_end,
        value=draft.value,
        channel=draft.channel,
        segment=draft.segment,
        numerator=draft.numerator,
        denominator=draft.denominator,
        target=draft.target,
        label=draft.label,
        **ids,
    )


def write_plan(
    ws: Workspace,
    actor: Actor,
    plan: MeasurePlan,
    progress: Progress | None = None,
) -> ImportResult:
    """Write every draft of a resolved plan, all or nothing (see module doc)."""
    check_may_import(actor, plan.source.name)
    refuse_repeat(ws, plan.kind, plan.source)
    if not plan.resolved:
        resolve(ws, plan)
    result = ImportResult(plan.kind, plan.source.name)
    for problem in plan.problems:
        where = f"row {problem.row}" if problem.row is not None else "file"
        result.skip(where, f"{problem.column}: {problem.problem}")
    if not plan.drafts:
        first = plan.problems[0].problem if plan.problems else "no data found"
        raise ImportFailed(
            plan.source.name, f"no row could be imported (first problem: {first})"
        )
    total = len(plan.drafts)
    with import_transaction(ws, actor, plan.source, result) as import_id:
        kpi_ids = metrics.ensure_standard_kpis(ws, actor)
        kpi_ids.update({k: v["id"] for k, v in measures.kpis_by_key(ws.db).items()})
        agency_ids = {
            name.casefold(): ensure_agency_counted(ws, actor, agency, result)
            for name, agency in plan.agencies.items()
        }
        journey_ids = _create_journeys(ws, actor, plan, agency_ids, result)
        for index, draft in enumerate(plan.drafts, start=1):
            ids = dict(draft.ids)
            ids["kpi_id"] = kpi_ids[draft.kpi]
            if draft.journey and ids.get("journey_id") is None:
                ids["journey_id"] = journey_ids[draft.journey]
            agency_id = None
            if draft.agency:
                agency_id = agency_ids.get(draft.agency.casefold())
                if agency_id is None:
                    agency_id = ensure_agency_counted(
                        ws, actor, Agency(draft.agency), result
                    )
                    agency_ids[draft.agency.casefold()] = agency_id
            measurement = _measurement(
                draft,
                ids.pop("kpi_id"),
                agency_id=agency_id,
                **ids,
            ).validated()
            values = {**as_columns(measurement), "import_id": import_id}
            try:
                with translated_errors():
                    rows.insert_row(ws.db, "measurement", values, actor.name)
            except DuplicateName as err:
                raise ImportFailed(
                    plan.source.name,
                    f"row {draft.row}: the workspace already holds this measurement; "
                    "nothing was imported",
                ) from err
            result.count("measurement")
            if progress and (index % 200 == 0 or index == total):
                progress(index / total, f"{index:,} of {counted(total, 'measurement')}")
    return result


def refuse_repeat(ws: Workspace, kind: str, source: SourceFile) -> None:
    """Raise `ImportFailed` when these bytes were already imported as ``kind``
    (checked again inside the import's transaction)."""
    earlier = queries.find_import(ws.db, kind, source.sha256)
    if earlier is not None:
        raise ImportFailed(
            source.name,
            f"this file was already imported on {earlier['at'][:10]} by "
            f"{earlier['actor']}; nothing was imported again",
        )


def _create_journeys(ws, actor, plan, agency_ids, result) -> dict[str, int]:
    created = {}
    for title, journey in plan.journeys.items():
        existing = maps.find_journey(ws, title)
        if existing is not None:
            created[title] = existing
            continue
        lead = plan.journey_agency.get(title)
        journey = dataclasses.replace(
            journey,
            lead_agency_id=agency_ids.get(lead.casefold()) if lead else None,
        )
        created[title] = maps.create_journey(ws, actor, journey)
        result.count("journey")
        result.names.append(title)
    return created


def start_plan(
    source, kind: str, required: tuple[str, ...], what: str, progress: Progress | None
) -> tuple[Table, "MeasurePlan", Progress | None]:
    """The first steps every CSV or XLSX planner takes.

    Reads ``source`` as a table (reporting in the first `READ_SHARE` of
    ``progress``), refuses it unless it has every ``required`` column, naming
    ``what`` the file should be ("an A-11 question scores file"), and returns
    the table, an empty plan, and the part of ``progress`` left for checking
    its rows.
    """
    table = read_table(
        source.data, source.name, progress=part(progress, 0.0, READ_SHARE)
    )
    missing = [c for c in required if c not in table.headers]
    if missing:
        raise ImportFailed(
            source.name, f"is not {what}: no column {', '.join(missing)}"
        )
    plan = MeasurePlan(kind, source, rows_read=len(table.rows))
    return table, plan, part(progress, READ_SHARE, 1.0)


def run_import(
    ws: Workspace,
    actor: Actor,
    plan: MeasurePlan,
    progress: Progress | None = None,
) -> ImportResult:
    """Resolve and write a plan in one go (what `import_file` does)."""
    check_may_import(actor, plan.source.name)
    refuse_repeat(ws, plan.kind, plan.source)
    return write_plan(ws, actor, resolve(ws, plan), progress)


# --- reading cells ---------------------------------------------------------------


def number_cell(text: str | None) -> float | None:
    """A number from a cell: None when blank or a "no data" code ("NA", "ND",
    "No Data", "N/A"); `ValueError` for any other text. Thousands separators
    are removed; a decimal comma is read when there is no point.

    >>> [number_cell(t) for t in ["1,234", "0.9", "", "NA", "No Data", "4,5"]]
    [1234.0, 0.9, None, None, None, 4.5]
    """
    if kpis.is_missing(text):
        return None
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        head, tail = cleaned.split(",")
        cleaned = (
            f"{head}{tail}" if len(tail) == 3 and head.isdigit() else (f"{head}.{tail}")
        )
    cleaned = cleaned.replace(",", "")
    number = float(cleaned)
    if not math.isfinite(number):
        raise ValueError(text)
    return number
