"""Import GOV.UK Performance Platform data: users at each step, and satisfaction.

The file is a bundle ``{"_source": ..., "files": {path: {"commit", "description",
"content"}}}`` of Performance Platform responses, as kept in the team's shared
data (captured from alphagov/spotlight's test stubs). It must hold:

* a dashboard definition (stagecraft: ``slug``, ``department``, ``modules``)
  with a ``journey`` module ("Users at each step") whose ``axes.y`` lists the
  steps in order: ``groupId`` is the event label, ``label`` the stage name;
* the journey response ``<slug>_journey.json`` (weekly ``uniqueEvents:sum``
  per ``eventLabel``);
* optionally the satisfaction response ``<slug>-user-satisfaction.json``
  (daily ``rating_1:sum`` .. ``rating_5:sum`` and ``total:sum``).
  (A bundle holding only one response of a shape may name it anything.)

What is written, all or nothing:

* the journey named by the dashboard's transaction link ("Apply for Carer's
  Allowance"), created if missing, with the dashboard's department as lead
  agency; one stage per ``axes.y`` entry, in that order (missing stages are
  added to an existing journey);
* KPI ``users_at_stage``: one measurement per stage per week. A null value is
  skipped and counted; an event label that is not a step on the dashboard
  ("eligibility", "education", ...) is reported as skipped;
* KPI ``satisfaction_responses``: per day, one journey-level measurement per
  rating, segment "1" .. "5". A day whose total is null is skipped.

Periods: the Performance Platform's ``_end_at`` is exclusive (a week runs
from Monday ``_start_at`` to the next Monday). Measurements store dates with
an inclusive end, as the rest of the workspace does (a day is start = end),
so ``period_end`` is the day before ``_end_at``.

Every measurement carries the id of its import, so an import can be traced.
"""

import dataclasses
import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from journeys import maps, metrics
from journeys.access import Actor
from journeys.errors import DuplicateName, ImportFailed, ValidationError
from journeys.importers.common import (
    ImportResult,
    Source,
    check_may_import,
    describe_type,
    ensure_agency_counted,
    get_field,
    import_transaction,
    load_json,
    one_line,
    read_source,
    strip_html,
)
from journeys.models import Agency, Journey, Measurement, Stage, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows

logger = logging.getLogger(__name__)

KIND = "performance-platform"
USERS_KPI = "users_at_stage"
SATISFACTION_KPI = "satisfaction_responses"
RATINGS = ("1", "2", "3", "4", "5")
_SHAPES = {
    "journey": "groups with 'eventLabel' and 'values'",
    "user-satisfaction": "days with 'total:sum' and 'rating_1:sum'..'rating_5:sum'",
}


@dataclass
class _Value:
    start: str
    end: str
    value: float


@dataclass
class _Plan:
    journey: Journey
    department: Agency | None
    stage_names: list[str]  # in order
    stage_users: dict[str, list[_Value]] = field(default_factory=dict)
    satisfaction: list[tuple[_Value, str]] = field(default_factory=list)


def import_performance(
    ws: Workspace, actor: Actor, source: Source, name: str | None = None
) -> ImportResult:
    """Import a Performance Platform bundle's journey funnel and satisfaction.

    All or nothing: raises `ImportFailed` naming the file and the problem.
    """
    check_may_import(actor)
    source = read_source(source, name)
    result = ImportResult(KIND, source.name)
    plan = plan_performance(load_json(source), source.name, result)
    with import_transaction(ws, actor, source, result) as import_id:
        _write(ws, actor, plan, import_id, result)
    return result


# --- reading the file ---------------------------------------------------------


def plan_performance(data: Any, file_name: str, result: ImportResult) -> _Plan:
    """Read and validate everything to import, without writing."""
    files = get_field(data, "files", dict, file_name=file_name)
    entries = {}
    for path, entry in files.items():
        content = get_field(
            entry, "content", (dict, list), file_name=file_name, where=path
        )
        entries[path] = content

    dashboards = {
        path: content
        for path, content in entries.items()
        if isinstance(content, dict) and isinstance(content.get("modules"), list)
    }
    with_funnel = [path for path, d in dashboards.items() if _journey_module(d)]
    if not with_funnel:
        raise ImportFailed(
            file_name,
            "holds no dashboard definition with a 'journey' module (users at each "
            "step): the stages and their order come from it",
        )
    chosen = (with_funnel[0], dashboards[with_funnel[0]])
    for path in dashboards:
        if path != with_funnel[0]:
            result.skip(path, "another dashboard: one dashboard is imported per file")
    dashboard_path, dashboard = chosen
    where = f"dashboard '{dashboard_path}'"
    slug = get_field(dashboard, "slug", str, file_name=file_name, where=where)
    module = _journey_module(dashboard)
    steps = _dashboard_steps(module, file_name, where)

    journey_path = _response(entries, slug, "journey", _is_journey, file_name)
    satisfaction_path = _response(
        entries, slug, "user-satisfaction", _is_satisfaction, file_name, required=False
    )
    for path in entries:
        if path not in (dashboard_path, journey_path, satisfaction_path) and (
            path not in dashboards
        ):
            result.skip(path, f"not the journey or satisfaction data of '{slug}'")

    plan = _Plan(
        journey=_journey(dashboard, slug, dashboard_path, data, file_name),
        department=_department(dashboard),
        stage_names=[label for _, label in steps],
    )
    _read_journey(entries[journey_path], journey_path, steps, plan, file_name, result)
    if satisfaction_path:
        _read_satisfaction(
            entries[satisfaction_path], satisfaction_path, plan, file_name, result
        )
    return plan


def _journey_module(dashboard: dict) -> dict | None:
    for module in dashboard.get("modules", []):
        if (
            isinstance(module, dict)
            and module.get("module-type") == "journey"
            and isinstance(module.get("axes"), dict)
        ):
            return module
    return None


def _dashboard_steps(module: dict, file_name: str, where: str) -> list[tuple[str, str]]:
    """(event label, stage name) of each step on the dashboard, in order."""
    axes = get_field(module, "axes.y", list, file_name=file_name, where=where)
    steps = []
    for index, axis in enumerate(axes, 1):
        group = axis.get("groupId") if isinstance(axis, dict) else None
        label = axis.get("label") if isinstance(axis, dict) else None
        if (
            not isinstance(group, str)
            or not isinstance(label, str)
            or not label.strip()
        ):
            raise ImportFailed(
                file_name,
                f"{where}: step {index} of the journey module needs a 'groupId' "
                "and a 'label'",
            )
        steps.append((group, label.strip()))
    if not steps:
        raise ImportFailed(file_name, f"{where}: the journey module lists no steps")
    return steps


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.removesuffix(".json").replace("_", "-").lower()


def _rows(content: Any) -> list | None:
    data = content.get("data") if isinstance(content, dict) else None
    return data if isinstance(data, list) else None


def _is_journey(content: Any) -> bool:
    data = _rows(content)
    return bool(data) and all(
        isinstance(row, dict) and "eventLabel" in row and "values" in row
        for row in data
    )


def _is_satisfaction(content: Any) -> bool:
    data = _rows(content)
    return bool(data) and all(
        isinstance(row, dict) and "total:sum" in row for row in data
    )


def _response(
    entries: dict[str, Any],
    slug: str,
    suffix: str,
    shaped,
    file_name: str,
    required: bool = True,
) -> str | None:
    """The path of the response ``<slug>-<suffix>``, or the only one of its shape."""
    wanted = f"{slug}-{suffix}"
    named = [path for path in entries if _stem(path) == wanted]
    if named:
        if not shaped(entries[named[0]]):
            raise ImportFailed(
                file_name,
                f"'{named[0]}' does not hold {suffix} data: its 'content.data' "
                f"should be a list of {_SHAPES[suffix]}",
            )
        return named[0]
    of_shape = [path for path, content in entries.items() if shaped(content)]
    if len(of_shape) == 1:
        return of_shape[0]
    if not required:
        return None
    found = f"{len(of_shape)} files look like one" if of_shape else "none was found"
    raise ImportFailed(
        file_name,
        f"needs the '{suffix}' data of dashboard '{slug}' (a file named "
        f"{wanted.replace('-', '_')}.json or {wanted}.json); {found}",
    )


def _journey(
    dashboard: dict, slug: str, path: str, data: dict, file_name: str
) -> Journey:
    related = dashboard.get("relatedPages")
    transaction = related.get("transaction") if isinstance(related, dict) else None
    title = None
    url = None
    if isinstance(transaction, dict):
        title = (
            transaction.get("title")
            if isinstance(transaction.get("title"), str)
            else None
        )
        url = (
            transaction.get("url") if isinstance(transaction.get("url"), str) else None
        )
    title = title or dashboard.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ImportFailed(file_name, f"dashboard '{path}': 'title' is missing")
    origin = data.get("_source") if isinstance(data.get("_source"), dict) else {}
    repository = origin.get("repository")
    source = f"GOV.UK Performance Platform dashboard '{slug}'"
    if url:
        source += f" for {url}"
    if isinstance(repository, str):
        source += f" (captured in {repository})"
    journey = Journey(
        title=title.strip(),
        description=strip_html(dashboard.get("description")),
        source=source,
    )
    try:
        return journey.validated()
    except ValidationError as err:
        raise ImportFailed(
            file_name, f"dashboard '{path}': {one_line(str(err))}"
        ) from err


def _department(dashboard: dict) -> Agency | None:
    department = dashboard.get("department")
    if not isinstance(department, dict) or not isinstance(department.get("title"), str):
        return None
    abbreviation = department.get("abbr")
    return Agency(
        name=department["title"].strip(),
        kind="government",
        short_name=abbreviation if isinstance(abbreviation, str) else None,
    )


def _day(value: Any, what: str, file_name: str) -> datetime.date:
    if not isinstance(value, str):
        raise ImportFailed(
            file_name, f"{what} should be a date, but is {describe_type(value)}"
        )
    try:
        return datetime.datetime.fromisoformat(value).date()
    except ValueError as err:
        raise ImportFailed(file_name, f"{what} is not a date: {value!r}") from err


def _period(row: dict, where: str, file_name: str) -> tuple[str, str]:
    """(start, inclusive end) as ISO dates, from ``_start_at`` and ``_end_at``."""
    start = _day(row.get("_start_at"), f"{where}: '_start_at'", file_name)
    end = _day(row.get("_end_at"), f"{where}: '_end_at'", file_name)
    if end <= start:
        raise ImportFailed(file_name, f"{where}: '_end_at' is not after '_start_at'")
    return start.isoformat(), (end - datetime.timedelta(days=1)).isoformat()


def _count(value: Any, what: str, file_name: str) -> float | None:
    """A count from the file: None for null; `ImportFailed` if not a number >= 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ImportFailed(
            file_name, f"{what} should be a count of people, but is {value!r}"
        )
    return float(value)


def _read_journey(
    content: dict,
    path: str,
    steps: list[tuple[str, str]],
    plan: _Plan,
    file_name: str,
    result: ImportResult,
) -> None:
    stage_of = dict(steps)
    seen = set()
    for index, group in enumerate(content["data"], 1):
        label = group.get("eventLabel")
        where = f"'{path}', event '{label}'" if label else f"'{path}', group {index}"
        if label not in stage_of:
            result.skip(
                f"event '{label}'",
                "not a step of the dashboard's 'users at each step' module",
            )
            continue
        values = group.get("values")
        if not isinstance(values, list):
            raise ImportFailed(file_name, f"{where}: 'values' should be a list")
        seen.add(label)
        stage = stage_of[label]
        for row in values:
            if not isinstance(row, dict):
                raise ImportFailed(file_name, f"{where}: a value is not an object")
            start, end = _period(row, where, file_name)
            users = _count(
                row.get("uniqueEvents:sum"), f"{where}, week {start}", file_name
            )
            if users is None:
                result.empty_values += 1
                continue
            plan.stage_users.setdefault(stage, []).append(_Value(start, end, users))
    for label, stage in steps:
        if label not in seen:
            result.skip(f"stage '{stage}'", f"the file has no data for event '{label}'")


def _read_satisfaction(
    content: dict, path: str, plan: _Plan, file_name: str, result: ImportResult
) -> None:
    for row in content["data"]:
        if not isinstance(row, dict):
            raise ImportFailed(file_name, f"'{path}': a day is not an object")
        start, end = _period(row, f"'{path}'", file_name)
        where = f"'{path}', day {start}"
        total = _count(row.get("total:sum"), f"{where}: 'total:sum'", file_name)
        if total is None:
            result.empty_values += 1
            continue
        counts = {}
        for rating in RATINGS:
            value = _count(
                row.get(f"rating_{rating}:sum"), f"{where}: rating {rating}", file_name
            )
            if value is None:
                result.empty_values += 1
            else:
                counts[rating] = value
        if len(counts) == len(RATINGS) and sum(counts.values()) != total:
            result.skip(
                f"day {start}",
                f"total {total:g} differs from the sum of the ratings "
                f"{sum(counts.values()):g}; the ratings were kept",
            )
        for rating, value in counts.items():
            plan.satisfaction.append((_Value(start, end, value), rating))


# --- writing ------------------------------------------------------------------


def _write(
    ws: Workspace, actor: Actor, plan: _Plan, import_id: int, result: ImportResult
) -> None:
    kpis = metrics.ensure_standard_kpis(ws, actor)
    lead_id = (
        ensure_agency_counted(ws, actor, plan.department, result)
        if plan.department
        else None
    )
    journey_id = maps.find_journey(ws, plan.journey.title)
    if journey_id is None:
        journey = dataclasses.replace(plan.journey, lead_agency_id=lead_id)
        journey_id = maps.create_journey(ws, actor, journey)
        result.count("journey")
        result.names.append(plan.journey.title)
    else:
        result.skip(
            f"journey '{plan.journey.title}'",
            "already in the workspace: its stages were matched by name",
        )
    stage_ids = {
        stage["name"].casefold(): stage["id"]
        for stage in queries.journey_stages(ws.db, journey_id)
    }
    for name in plan.stage_names:
        if name.casefold() not in stage_ids:
            stage_ids[name.casefold()] = maps.add_stage(
                ws, actor, journey_id, Stage(name)
            )
            result.count("stage")

    for stage, values in plan.stage_users.items():
        for value in values:
            _measure(
                ws,
                actor,
                Measurement(
                    kpis[USERS_KPI],
                    value.start,
                    value.end,
                    value.value,
                    journey_id=journey_id,
                    stage_id=stage_ids[stage.casefold()],
                ),
                import_id,
                f"users reaching '{stage}'",
            )
            result.count("measurement")
    for value, rating in plan.satisfaction:
        _measure(
            ws,
            actor,
            Measurement(
                kpis[SATISFACTION_KPI],
                value.start,
                value.end,
                value.value,
                journey_id=journey_id,
                segment=rating,
            ),
            import_id,
            f"satisfaction answers rated {rating}",
        )
        result.count("measurement")


def _measure(
    ws: Workspace, actor: Actor, measurement: Measurement, import_id: int, what: str
) -> None:
    """Save one measurement, marked with the import that brought it."""
    measurement = measurement.validated()
    values = {**as_columns(measurement), "import_id": import_id}
    try:
        with translated_errors():
            rows.insert_row(ws.db, "measurement", values, actor.name)
    except DuplicateName as err:
        raise DuplicateName(
            f"the workspace already holds {what} for {measurement.period_start} "
            f"to {measurement.period_end} (from another file?)"
        ) from err
