"""Files uploaded on a page: check them, say what they would add, then add it.

Each upload is read and checked in full first (`preview_personas`,
`preview_journeys`): nothing is written, and the page shows what would be
added so the person can confirm. `apply_upload` then writes it all or
nothing. Every import, spreadsheet ones included, is recorded as an import
run, so the workspace's history shows it as one line.

Kinds of file:

* personas: a Markdown persona bundle, or a CSV/XLSX from the template;
* journeys: GOV.UK step-by-step or transaction JSON, or a journey CSV/XLSX.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from journeys import journey_files, maps, persona_files, personas
from journeys.access import Actor
from journeys.errors import ImportFailed
from journeys.importers import ImportResult, SourceFile, import_file, persona_markdown
from journeys.importers import govuk_step_by_step as govuk
from journeys.importers.common import (
    check_may_import,
    decode_text,
    load_json,
    read_source,
)
from journeys.tabular import read_table, write_xlsx
from journeys.wording import counted
from journeys.workspace import Workspace
from storage import queries
from storage.rows import now_utc

PERSONA_TYPES = ("md", "markdown", "csv", "xlsx")
JOURNEY_TYPES = ("json", "csv", "xlsx")
PERSONAS_TABLE = "personas-spreadsheet"
JOURNEYS_TABLE = "journeys-spreadsheet"


@dataclass
class UploadPreview:
    """What an uploaded file would add, checked, with nothing written yet."""

    kind: str
    file_name: str
    data: bytes
    summary: str
    adds: list[str] = field(default_factory=list)  # names of what would be added
    skips: list[str] = field(default_factory=list)  # what would be left out, why
    plan: Any = None  # the spreadsheet preview, for spreadsheet kinds

    def describe(self) -> str:
        return self.summary


def preview_personas(ws: Workspace, data: bytes, file_name: str) -> UploadPreview:
    """Check a persona file (Markdown, CSV or XLSX); raises `ImportFailed`."""
    source = read_source(SourceFile(file_name, data))
    kind = _kind_of(file_name, data, PERSONA_TYPES)
    if kind == "md":
        found = persona_markdown.parse_personas(decode_text(source), file_name)
        existing = [p.name for p in found if personas.find_persona_id(ws, p.name)]
        adds = [p.name for p in found if p.name not in existing]
        skips = [
            f"{name}: a persona with this name already exists" for name in existing
        ]
        summary = f"{counted(len(adds), 'persona')} to add from a Markdown bundle"
        if skips:
            summary += f"; {len(skips):,} already in the workspace, left out"
        return UploadPreview(
            persona_markdown.KIND, file_name, data, summary, adds, skips
        )
    preview = persona_files.preview_import(ws, data, file_name)
    return UploadPreview(
        PERSONAS_TABLE,
        file_name,
        data,
        preview.describe(),
        [p.name for p in preview.personas],
        plan=preview,
    )


def preview_journeys(ws: Workspace, data: bytes, file_name: str) -> UploadPreview:
    """Check a journey file (GOV.UK JSON, CSV or XLSX); raises `ImportFailed`."""
    source = read_source(SourceFile(file_name, data))
    kind = _kind_of(file_name, data, JOURNEY_TYPES)
    if kind == "json":
        result = ImportResult(govuk.KIND, file_name)
        plans = govuk.plan_govuk(load_json(source), file_name, result)
        titles = [plan.journey.title for plan in plans]
        existing = [t for t in titles if maps.find_journey(ws, t) is not None]
        adds = [t for t in titles if t not in existing]
        skips = [f"{s.what}: {s.reason}" for s in result.skipped]
        skips += [f"{t}: a journey with this title already exists" for t in existing]
        steps = sum(
            len(stage.steps)
            for plan in plans
            if plan.journey.title in adds
            for stage in plan.stages
        )
        summary = (
            f"{counted(len(adds), 'journey')} with {counted(steps, 'step')} "
            "from GOV.UK content"
        )
        if skips:
            summary += f"; {counted(len(skips), 'item')} left out"
        return UploadPreview(govuk.KIND, file_name, data, summary, adds, skips)
    preview = journey_files.preview_import(ws, data, file_name)
    return UploadPreview(
        JOURNEYS_TABLE,
        file_name,
        data,
        preview.describe(),
        [plan.journey.title for plan in preview.journeys],
        plan=preview,
    )


def apply_upload(ws: Workspace, actor: Actor, preview: UploadPreview) -> str:
    """Write a previewed upload, all or nothing; return one line on what it added.

    The file is checked again as it is written: if someone added a persona or
    journey of the same name meanwhile, nothing is written (`ImportFailed`).
    """
    check_may_import(actor, preview.file_name)
    source = SourceFile(preview.file_name, preview.data)
    if preview.kind in (persona_markdown.KIND, govuk.KIND):
        result = import_file(ws, actor, preview.kind, source)
        return f"{preview.file_name}: {result.summary()}"
    with ws.transaction():
        import_id = queries.record_import(
            ws.db,
            preview.kind,
            preview.file_name,
            hashlib.sha256(preview.data).hexdigest(),
            now_utc(),
            actor.name,
            "",
        )
        if preview.kind == PERSONAS_TABLE:
            fresh = persona_files.preview_import(ws, preview.data, preview.file_name)
            ids = persona_files.apply_import(ws, actor, fresh)
            summary = f"{counted(len(ids), 'persona')} created"
        else:
            fresh = journey_files.preview_import(ws, preview.data, preview.file_name)
            ids = journey_files.apply_import(ws, actor, fresh)
            steps = sum(len(s) for j in fresh.journeys for _, s in j.stages)
            summary = (
                f"{counted(len(ids), 'journey')}, {counted(steps, 'step')} created"
            )
        queries.set_import_summary(ws.db, import_id, summary)
    return f"{preview.file_name}: {summary}"


def _kind_of(file_name: str, data: bytes, allowed: tuple[str, ...]) -> str:
    """``md``, ``json`` or ``table`` (CSV or XLSX), from the name and the bytes."""
    suffix = PurePath(file_name).suffix.lower().lstrip(".")
    if suffix not in allowed:
        listed = ", ".join(f".{s}" for s in allowed)
        raise ImportFailed(file_name, f"is not a file this takes ({listed})")
    if suffix in ("md", "markdown"):
        return "md"
    if suffix == "json":
        return "json"
    return "table"


def journey_template_xlsx() -> bytes:
    """The journey template (one example step) as an XLSX workbook."""
    table = read_table(journey_files.template_csv(), "journey-template.csv")
    return write_xlsx({"Steps": (table.headers, table.rows)})
