"""Importers: turn public files into personas, journeys and measurements.

Each importer takes a workspace, the acting user (who must be an admin) and a
file (a path, bytes, or an uploaded file), writes everything or nothing, and
returns an `ImportResult` saying what was created and what was skipped and
why. A file that cannot be imported raises `ImportFailed` with one line naming
the file and the problem; a file already imported is refused the same way.

``IMPORTERS`` maps each kind of file to its importer::

    result = import_file(ws, actor, "personas-markdown", "personas.md")
"""

from collections.abc import Callable
from typing import Any

from journeys.access import Actor
from journeys.importers.a11_scores import import_a11_scores
from journeys.importers.common import (
    MAX_FILE_BYTES,
    ImportResult,
    Skipped,
    SourceFile,
    read_source,
)
from journeys.importers.gc_inventory import import_gc_inventory
from journeys.importers.gc_standards import import_gc_standards
from journeys.importers.govuk_step_by_step import import_govuk
from journeys.importers.measurements_csv import import_measurements_csv
from journeys.importers.myla311 import import_myla311
from journeys.importers.performance_kpis import import_performance_kpis
from journeys.importers.performance_platform import import_performance
from journeys.importers.persona_markdown import import_personas
from journeys.workspace import Workspace

Importer = Callable[..., ImportResult]


def _import_kumu(ws: Workspace, actor: Actor, source: Any, name: str | None = None):
    # journeys.kumu uses this package's common module: import it when called.
    from journeys.kumu import import_kumu

    return import_kumu(ws, actor, source, name)


def _import_survey(ws: Workspace, actor: Actor, source: Any, name: str | None = None):
    # journeys.surveys uses this package's common module: import it when called.
    # Without a mapping of questions to measures it refuses the file, saying so.
    from journeys.surveys import import_survey

    return import_survey(ws, actor, source, name)


IMPORTERS: dict[str, Importer] = {
    "govuk-step-by-step": import_govuk,
    "personas-markdown": import_personas,
    "performance-platform": import_performance,
    "gc-service-inventory": import_gc_inventory,
    "kumu-spreadsheet": _import_kumu,
    "performance-platform-kpis": import_performance_kpis,
    "gc-service-standards": import_gc_standards,
    "a11-question-scores": import_a11_scores,
    "myla311-requests": import_myla311,
    "measurements-csv": import_measurements_csv,
    "survey-export": _import_survey,
}

# What each kind of file is, in words for a page's file picker.
DESCRIPTIONS: dict[str, str] = {
    "govuk-step-by-step": "GOV.UK step by step or transaction page (content "
    "store JSON, one item or a bundle of items)",
    "personas-markdown": "Personas in Markdown (GOV.UK accessibility personas, "
    "VA persona documents)",
    "performance-platform": "GOV.UK Performance Platform dashboard with its "
    "users-at-each-step and satisfaction data (JSON bundle)",
    "gc-service-inventory": "Government of Canada Service Inventory, English "
    "CSV (open.canada.ca): departments and their services, channels and volumes",
    "kumu-spreadsheet": "Kumu map: XLSX with Elements and Connections sheets, or "
    "a ZIP of elements.csv and connections.csv (agencies and their relations)",
    "performance-platform-kpis": "GOV.UK Performance Platform claims by channel "
    "and cost per transaction (JSON bundle)",
    "gc-service-standards": "Government of Canada service standards and their "
    "performance, English CSV (open.canada.ca)",
    "a11-question-scores": "performance.gov A-11 question scores per quarter (CSV)",
    "myla311-requests": "MyLA311 service requests (City of Los Angeles CSV): "
    "handling time and channel mix",
    "measurements-csv": "Measurements typed into the Joinedup template (CSV or XLSX)",
    "survey-export": "Survey export (Qualtrics, LimeSurvey or CSV) with its "
    "questions mapped to measures",
}


def import_file(
    ws: Workspace, actor: Actor, kind: str, source: Any, name: str | None = None
) -> ImportResult:
    """Import ``source`` with the importer for ``kind`` (a key of ``IMPORTERS``).

    Raises `ValueError` for an unknown kind, `PermissionDenied` when the actor
    may not import, and `ImportFailed` when the file cannot be imported.
    """
    try:
        importer = IMPORTERS[kind]
    except KeyError:
        known = ", ".join(sorted(IMPORTERS))
        raise ValueError(f"unknown import kind {kind!r}; known: {known}") from None
    return importer(ws, actor, source, name)


__all__ = [
    "DESCRIPTIONS",
    "IMPORTERS",
    "MAX_FILE_BYTES",
    "ImportResult",
    "Skipped",
    "SourceFile",
    "import_file",
    "import_gc_inventory",
    "import_govuk",
    "import_performance",
    "import_personas",
    "read_source",
]
