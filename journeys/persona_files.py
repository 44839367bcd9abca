"""Personas in and out of spreadsheets and JSON.

One row per persona. List fields (goals, needs, access needs...) hold their
entries separated by `` | ``. The template offered for download has the same
columns as an export, so people can fill it in or edit an export and import
it back.
"""

import dataclasses
import json

from journeys import agencies, personas
from journeys.access import Actor, Role, require
from journeys.errors import ImportFailed, ValidationError
from journeys.models import Agency, Persona
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

LIST_FIELDS = (
    "goals",
    "needs",
    "likes",
    "frustrations",
    "access_needs",
    "assistive_technology",
    "languages",
    "tags",
)
COLUMNS = [
    "name",
    "summary",
    "age_range",
    "situation",
    *LIST_FIELDS,
    "digital_confidence",
    "quote",
    "owner_agency",
    "evidence_source",
    "evidence_date",
]
MAX_ROWS = 5_000


def template_rows() -> list[dict]:
    """One example row showing how each column is written."""
    return [
        {
            "name": "Example: Ron",
            "summary": "Older user with multiple conditions",
            "age_range": "80+",
            "situation": "Retired, lives alone, visits his GP monthly",
            "goals": "Renew his Blue Badge | Keep driving to the shops",
            "access_needs": "hearing loss | cataracts",
            "assistive_technology": "none",
            "digital_confidence": 2,
            "languages": "English",
            "tags": "older people",
            "owner_agency": "",
            "evidence_source": "Interviews, March 2024",
            "evidence_date": "2024-03-15",
        }
    ]


def export_rows(ws: Workspace, include_archived: bool = False) -> list[dict]:
    """Every persona as a flat row of `COLUMNS`."""
    rows = []
    for persona in personas.list_personas(ws, include_archived):
        row = {c: persona.get(c) for c in COLUMNS if c in persona}
        for name in LIST_FIELDS:
            row[name] = join_list(persona[name])
        row["owner_agency"] = persona["owner_agency_name"] or ""
        rows.append(row)
    return rows


def export_csv(ws: Workspace) -> bytes:
    return write_csv(COLUMNS, export_rows(ws))


def export_xlsx(ws: Workspace) -> bytes:
    return write_xlsx({"Personas": (COLUMNS, export_rows(ws))})


def export_json(ws: Workspace) -> bytes:
    """Personas with their list fields as JSON lists."""
    found = []
    for persona in personas.list_personas(ws):
        entry = {f.name: persona[f.name] for f in dataclasses.fields(Persona)}
        entry["owner_agency"] = persona["owner_agency_name"]
        del entry["owner_agency_id"]
        found.append(entry)
    return json.dumps({"personas": found}, ensure_ascii=False, indent=2).encode()


def template_csv() -> bytes:
    return write_csv(COLUMNS, template_rows())


def template_xlsx() -> bytes:
    return write_xlsx({"Personas": (COLUMNS, template_rows())})


@dataclasses.dataclass
class PersonaPreview:
    """What an import would do, checked in full before anything is written."""

    file_name: str
    table: Table
    personas: list[Persona]
    owners: list[str]  # owning agency name per persona, "" for none
    new_agencies: list[str]

    def describe(self) -> str:
        text = f"{counted(len(self.personas), 'persona')} ({self.table.describe()})"
        if self.new_agencies:
            text += f"; new agencies: {', '.join(self.new_agencies)}"
        return text


def preview_import(ws: Workspace, data: bytes, file_name: str) -> PersonaPreview:
    """Read and check a persona spreadsheet; nothing is written.

    Raises `ImportFailed` naming the row and column of the first problem.
    """
    table = read_table(data, file_name)
    _check_columns(table, file_name)
    if len(table.rows) > MAX_ROWS:
        raise ImportFailed(
            file_name,
            f"{len(table.rows):,} rows; one import takes at most {MAX_ROWS:,} "
            "personas: split the file",
        )
    existing = {p["name"].casefold() for p in personas.list_personas(ws, True)}
    known_agencies = {a["name"].casefold() for a in agencies.list_agencies(ws)}
    found, seen, new_agencies = [], set(), []
    for number, row in enumerate(table.rows, start=2):
        persona = _persona_from_row(row, number, file_name)
        key = persona.name.casefold()
        if key in existing or key in seen:
            raise ImportFailed(
                file_name,
                f"row {number}, column name: a persona called {persona.name!r} "
                "already exists; rename it or remove the row",
            )
        seen.add(key)
        owner = (row.get("owner_agency") or "").strip()
        if owner and owner.casefold() not in known_agencies | {
            a.casefold() for a in new_agencies
        }:
            new_agencies.append(owner)
        found.append((persona, owner))
    if not found:
        raise ImportFailed(file_name, "the file has a header but no personas")
    return PersonaPreview(
        file_name,
        table,
        [p for p, _ in found],
        [o for _, o in found],
        new_agencies,
    )


def apply_import(ws: Workspace, actor: Actor, preview: PersonaPreview) -> list[int]:
    """Write a previewed import: every persona or none."""
    require(actor, Role.EDITOR, "import personas")
    ids = []
    with ws.transaction():
        for persona, owner in zip(preview.personas, preview.owners, strict=True):
            if owner:
                persona.owner_agency_id = agencies.ensure_agency(
                    ws, actor, Agency(owner)
                )
            ids.append(personas.create_persona(ws, actor, persona))
    return ids


def import_file(ws: Workspace, actor: Actor, data: bytes, file_name: str) -> list[int]:
    """Preview then apply in one go (for the command line and tests)."""
    return apply_import(ws, actor, preview_import(ws, data, file_name))


def _check_columns(table: Table, file_name: str) -> None:
    if "name" not in table.headers:
        raise ImportFailed(
            file_name, "there is no 'name' column: start from the template"
        )
    unknown = [h for h in table.headers if h not in COLUMNS]
    if unknown:
        raise ImportFailed(
            file_name,
            f"unknown column(s) {', '.join(unknown)}; the columns are: "
            + ", ".join(COLUMNS),
        )


def _persona_from_row(row: dict, number: int, file_name: str) -> Persona:
    values = {c: row.get(c, "") for c in COLUMNS if c != "owner_agency"}
    for name in LIST_FIELDS:
        values[name] = split_list(values[name])
    try:
        return Persona(**values).validated()
    except ValidationError as err:
        column, problem = next(iter(err.problems.items()))
        raise ImportFailed(
            file_name, f"row {number}, column {column}: {problem}"
        ) from err
