"""Journeys in and out of spreadsheets, JSON, and a print-ready HTML page.

The spreadsheet layout is one row per step, in journey order:

* ``journey`` and ``stage`` name where the step belongs (stages are created
  in the order they first appear);
* ``supporting_agencies``, ``pain_points`` and ``opportunities`` hold several
  entries separated by `` | ``; a pain point or opportunity may end with its
  level in brackets: ``Long wait on the phone (high)``;
* one ``emotion: <persona name>`` column per persona, -2 .. +2.
"""

import dataclasses
import html
import json
import re

from journeys import agencies, maps, personas
from journeys import stages as stage_editing
from journeys.access import Actor, Role, require
from journeys.errors import ImportFailed, ValidationError
from journeys.maps import JourneyMap
from journeys.models import LEVELS, Agency, Journey, Stage, Step
from journeys.tabular import (
    Table,
    join_list,
    read_table,
    split_list,
    write_csv,
    write_xlsx,
)
from journeys.wording import counted
from journeys.workspace import Workspace

EMOTION_PREFIX = "emotion: "
COLUMNS = [
    "journey",
    "stage",
    "step",
    "channel",
    "touchpoint",
    "touchpoint_url",
    "owning_agency",
    "supporting_agencies",
    "optional",
    "fee",
    "pain_points",
    "opportunities",
    "evidence_source",
    "evidence_date",
    "evidence_personal_data",
    "notes",
]
MAX_ROWS = 5_000
LEVEL_AT_END = re.compile(rf"^(.*?)\s*\(({'|'.join(LEVELS)})\)\s*$", re.IGNORECASE)


# --- export ---------------------------------------------------------------


def export_rows(ws: Workspace, journey_map: JourneyMap) -> tuple[list[str], list[dict]]:
    """A journey as rows, one per step, with an emotion column per persona."""
    agency_names = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    linked = maps.journey_personas(ws, journey_map.journey["id"])
    emotion_columns = [EMOTION_PREFIX + p["name"] for p in linked]
    rows = []
    for stage in journey_map.stages:
        for step in journey_map.steps_by_stage[stage["id"]]:
            row = _step_row(step, agency_names)
            row.update(journey=journey_map.journey["title"], stage=stage["name"])
            for persona in linked:
                row[EMOTION_PREFIX + persona["name"]] = step["emotions"].get(
                    str(persona["id"]), ""
                )
            rows.append(row)
    return COLUMNS + emotion_columns, rows


def _step_row(step: dict, agency_names: dict[int, str]) -> dict:
    evidence = step["evidence"][0] if step["evidence"] else {}
    return {
        "step": step["action"],
        "channel": step["channel"],
        "touchpoint": step["touchpoint"],
        "touchpoint_url": step["touchpoint_url"] or "",
        "owning_agency": agency_names.get(step["owning_agency_id"], ""),
        "supporting_agencies": join_list(
            agency_names[a] for a in step["supporting_agency_ids"]
        ),
        "optional": bool(step["optional"]),
        "fee": step["fee"] or "",
        "pain_points": _notes_text(step["pain_points"], "severity"),
        "opportunities": _notes_text(step["opportunities"], "impact"),
        "evidence_source": evidence.get("source", ""),
        "evidence_date": evidence.get("date") or "",
        "evidence_personal_data": bool(evidence.get("personal_data")),
        "notes": step["notes"],
    }


def _notes_text(notes: list[dict], level_key: str) -> str:
    return join_list(f"{n['text']} ({n[level_key]})" for n in notes)


def export_csv(ws: Workspace, journey_id: int) -> bytes:
    headers, rows = export_rows(ws, maps.load_journey_map(ws, journey_id))
    return write_csv(headers, rows)


def export_xlsx(ws: Workspace, journey_id: int) -> bytes:
    headers, rows = export_rows(ws, maps.load_journey_map(ws, journey_id))
    return write_xlsx({"Steps": (headers, rows)})


def template_csv() -> bytes:
    """An empty journey spreadsheet with one example step."""
    example = {
        "journey": "Example: Renew a Blue Badge",
        "stage": "Check eligibility",
        "step": "Answer questions about your disability",
        "channel": "online",
        "owning_agency": "Department for Transport",
        "optional": "no",
        "pain_points": "Unclear which evidence counts (high)",
        "opportunities": "Show examples of evidence (medium)",
    }
    return write_csv(COLUMNS, [example])


def export_json(ws: Workspace, journey_id: int) -> bytes:
    """A journey with its stages, steps and personas, names instead of ids."""
    journey_map = maps.load_journey_map(ws, journey_id)
    headers, rows = export_rows(ws, journey_map)
    document = {
        "journey": {
            k: journey_map.journey[k]
            for k in ("title", "description", "status", "review_by", "source")
        },
        "personas": [p["name"] for p in maps.journey_personas(ws, journey_id)],
        "steps": rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


# --- import ---------------------------------------------------------------


@dataclasses.dataclass
class PlannedJourney:
    """A journey read from a spreadsheet, checked, not yet written."""

    journey: Journey
    stages: list[tuple[Stage, list[tuple[Step, list[str], str]]]]
    persona_names: list[str]


@dataclasses.dataclass
class JourneyPreview:
    file_name: str
    table: Table
    journeys: list[PlannedJourney]
    new_agencies: list[str]

    def describe(self) -> str:
        steps = sum(len(s) for j in self.journeys for _, s in j.stages)
        text = (
            f"{counted(len(self.journeys), 'journey')}, {counted(steps, 'step')} "
            f"({self.table.describe()})"
        )
        if self.new_agencies:
            text += f"; new agencies: {', '.join(self.new_agencies)}"
        return text


def preview_import(ws: Workspace, data: bytes, file_name: str) -> JourneyPreview:
    """Read and check a journey spreadsheet; nothing is written.

    Raises `ImportFailed` naming the row and column of the first problem.
    """
    table = read_table(data, file_name)
    emotion_columns = _check_columns(table, file_name)
    if len(table.rows) > MAX_ROWS:
        raise ImportFailed(
            file_name,
            f"{len(table.rows):,} rows; one import takes at most {MAX_ROWS:,} "
            "steps: split the file by journey",
        )
    if not table.rows:
        raise ImportFailed(file_name, "the file has a header but no steps")
    persona_ids = _persona_ids(ws, emotion_columns, file_name)
    planned: dict[str, PlannedJourney] = {}
    for number, row in enumerate(table.rows, start=2):
        title = _required(row, "journey", number, file_name)
        if title not in planned:
            planned[title] = _plan_journey(ws, title, number, file_name, persona_ids)
        _add_planned_step(planned[title], row, number, file_name, persona_ids)
    known = {a["name"].casefold() for a in agencies.list_agencies(ws)}
    new = sorted(
        {
            name
            for plan in planned.values()
            for _, steps in plan.stages
            for _, supporters, owner in steps
            for name in [owner, *supporters]
            if name and name.casefold() not in known
        }
    )
    return JourneyPreview(file_name, table, list(planned.values()), new)


def apply_import(ws: Workspace, actor: Actor, preview: JourneyPreview) -> list[int]:
    """Write a previewed import: every journey, stage and step, or none."""
    require(actor, Role.EDITOR, "import journeys")
    ids = []
    with ws.transaction():
        for plan in preview.journeys:
            ids.append(_write_journey(ws, actor, plan))
    return ids


def import_file(ws: Workspace, actor: Actor, data: bytes, file_name: str) -> list[int]:
    """Preview then apply in one go (for the command line and tests)."""
    return apply_import(ws, actor, preview_import(ws, data, file_name))


def _write_journey(ws: Workspace, actor: Actor, plan: PlannedJourney) -> int:
    journey_id = maps.create_journey(ws, actor, plan.journey)
    for persona_name in plan.persona_names:
        persona_id = personas.find_persona_id(ws, persona_name)
        maps.link_persona(ws, actor, journey_id, persona_id)
    for stage, steps in plan.stages:
        stage_id = maps.add_stage(ws, actor, journey_id, stage)
        for step, supporters, owner in steps:
            if owner:
                step.owning_agency_id = agencies.ensure_agency(ws, actor, Agency(owner))
            step_id = maps.add_step(ws, actor, stage_id, step)
            if supporters:
                stage_editing.set_supporting_agencies(
                    ws,
                    actor,
                    step_id,
                    [agencies.ensure_agency(ws, actor, Agency(n)) for n in supporters],
                )
    return journey_id


def _check_columns(table: Table, file_name: str) -> list[str]:
    missing = [c for c in ("journey", "stage", "step") if c not in table.headers]
    if missing:
        raise ImportFailed(
            file_name,
            f"missing column(s) {', '.join(missing)}: start from the journey template",
        )
    emotion_columns = [h for h in table.headers if h.startswith(EMOTION_PREFIX)]
    unknown = [
        h for h in table.headers if h not in COLUMNS and h not in emotion_columns
    ]
    if unknown:
        raise ImportFailed(
            file_name,
            f"unknown column(s) {', '.join(unknown)}; persona feelings go in columns "
            f"named '{EMOTION_PREFIX}<persona name>'",
        )
    return emotion_columns


def _persona_ids(ws: Workspace, columns: list[str], file_name: str) -> dict[str, int]:
    ids = {}
    for column in columns:
        name = column[len(EMOTION_PREFIX) :].strip()
        persona_id = personas.find_persona_id(ws, name)
        if persona_id is None:
            raise ImportFailed(
                file_name,
                f"column {column!r}: there is no persona called {name!r}; "
                "add the persona first or correct the name",
            )
        ids[column] = persona_id
    return ids


def _plan_journey(
    ws: Workspace, title: str, number: int, file_name: str, persona_ids: dict
) -> PlannedJourney:
    if maps.find_journey(ws, title) is not None:
        raise ImportFailed(
            file_name,
            f"row {number}, column journey: a journey called {title!r} already "
            "exists; rename it in the file, or rename the existing journey",
        )
    try:
        journey = Journey(title=title).validated()
    except ValidationError as err:
        raise _row_problem(file_name, number, err) from err
    names = [c[len(EMOTION_PREFIX) :].strip() for c in persona_ids]
    return PlannedJourney(journey, [], names)


def _add_planned_step(
    plan: PlannedJourney, row: dict, number: int, file_name: str, persona_ids: dict
) -> None:
    stage_name = _required(row, "stage", number, file_name)
    if not plan.stages or plan.stages[-1][0].name != stage_name:
        if any(stage.name == stage_name for stage, _ in plan.stages):
            raise ImportFailed(
                file_name,
                f"row {number}, column stage: the steps of stage {stage_name!r} "
                "must be on consecutive rows",
            )
        plan.stages.append((Stage(stage_name).validated(), []))
    step = _step_from_row(row, number, file_name, persona_ids)
    supporters = split_list(row.get("supporting_agencies", ""))
    owner = row.get("owning_agency", "").strip()
    plan.stages[-1][1].append((step, [s for s in supporters if s], owner))


def _step_from_row(row: dict, number: int, file_name: str, persona_ids: dict) -> Step:
    evidence = []
    if row.get("evidence_source", "").strip():
        evidence.append(
            {
                "source": row["evidence_source"],
                "date": row.get("evidence_date", ""),
                "personal_data": _yes(row.get("evidence_personal_data", "")),
            }
        )
    step = Step(
        action=row.get("step", ""),
        channel=(row.get("channel") or "online").strip().lower(),
        touchpoint=row.get("touchpoint", ""),
        touchpoint_url=row.get("touchpoint_url", ""),
        optional=_yes(row.get("optional", "")),
        fee=row.get("fee", ""),
        notes=row.get("notes", ""),
        pain_points=_notes(row.get("pain_points", ""), "severity"),
        opportunities=_notes(row.get("opportunities", ""), "impact"),
        evidence=evidence,
        emotions={
            str(persona_ids[c]): row[c] for c in persona_ids if row.get(c, "").strip()
        },
    )
    try:
        return step.validated()
    except ValidationError as err:
        raise _row_problem(file_name, number, err) from err


def _notes(text: str, level_key: str) -> list[dict]:
    notes = []
    for part in split_list(text):
        match = LEVEL_AT_END.match(part)
        if match:
            notes.append({"text": match[1], level_key: match[2].lower()})
        else:
            notes.append({"text": part, level_key: "medium"})
    return notes


def _yes(text) -> bool:
    return str(text).strip().casefold() in {"yes", "y", "true", "1", "x"}


def _required(row: dict, column: str, number: int, file_name: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise ImportFailed(file_name, f"row {number}, column {column}: is required")
    return value


def _row_problem(file_name: str, number: int, err: ValidationError) -> ImportFailed:
    column, problem = next(iter(err.problems.items()))
    column = {"action": "step"}.get(column, column)
    return ImportFailed(file_name, f"row {number}, column {column}: {problem}")


# --- print ----------------------------------------------------------------

PRINT_STYLE = """
@page { size: A3 landscape; margin: 12mm; }
body { font-family: system-ui, sans-serif; color: #111; margin: 0; }
h1 { font-size: 20pt; margin: 0 0 4pt; }
.meta { font-size: 10pt; margin-bottom: 8pt; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #444; padding: 4pt; vertical-align: top; font-size: 9pt; }
th { background: #eee; text-align: left; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
.handoff { font-weight: bold; }
.none { font-style: italic; }
"""


def print_html(ws: Workspace, journey_id: int) -> str:
    """A self-contained HTML page of a journey map, for A3 landscape printing.

    Stages run across as columns; rows give each step's action, channel,
    owner, feelings, pain points and opportunities. Every piece of text is
    escaped, and nothing is loaded from another host.
    """
    journey_map = maps.load_journey_map(ws, journey_id)
    headers, rows = export_rows(ws, journey_map)
    title = html.escape(journey_map.journey["title"])
    body = "".join(
        _print_row(row, headers, index, rows) for index, row in enumerate(rows)
    )
    persona_headers = "".join(
        f"<th scope='col'>{html.escape(h[len(EMOTION_PREFIX) :])}</th>"
        for h in headers
        if h.startswith(EMOTION_PREFIX)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{PRINT_STYLE}</style></head><body>"
        f"<h1>{title}</h1><p class='meta'>{len(journey_map.stages)} stages, "
        f"{journey_map.step_count} steps. Status: "
        f"{html.escape(journey_map.journey['status'])}. Feelings: -2 very negative "
        "to +2 very positive.</p>"
        "<table><thead><tr><th scope='col'>Stage</th><th scope='col'>Step</th>"
        "<th scope='col'>Channel</th><th scope='col'>Owning agency</th>"
        f"{persona_headers}<th scope='col'>Pain points</th>"
        "<th scope='col'>Opportunities</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


def _print_row(row: dict, headers: list[str], index: int, rows: list[dict]) -> str:
    previous_owner = rows[index - 1]["owning_agency"] if index else row["owning_agency"]
    owner = html.escape(row["owning_agency"]) or "<span class='none'>No owner</span>"
    if index and row["owning_agency"] != previous_owner:
        owner = f"<span class='handoff'>Hand-off to {owner}</span>"
    feelings = "".join(
        f"<td>{html.escape(str(row[h]))}</td>"
        for h in headers
        if h.startswith(EMOTION_PREFIX)
    )
    return (
        f"<tr><td>{html.escape(row['stage'])}</td><td>{html.escape(row['step'])}</td>"
        f"<td>{html.escape(row['channel'])}</td><td>{owner}</td>{feelings}"
        f"<td>{html.escape(row['pain_points'])}</td>"
        f"<td>{html.escape(row['opportunities'])}</td></tr>"
    )
