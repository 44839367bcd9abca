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
from journeys.importers.common import (
    MAX_FILE_BYTES,
    ImportResult,
    Skipped,
    SourceFile,
    read_source,
)
from journeys.importers.govuk_step_by_step import import_govuk
from journeys.importers.performance_platform import import_performance
from journeys.importers.persona_markdown import import_personas
from journeys.workspace import Workspace

Importer = Callable[..., ImportResult]

IMPORTERS: dict[str, Importer] = {
    "govuk-step-by-step": import_govuk,
    "personas-markdown": import_personas,
    "performance-platform": import_performance,
}

# What each kind of file is, in words for a page's file picker.
DESCRIPTIONS: dict[str, str] = {
    "govuk-step-by-step": "GOV.UK step by step or transaction page (content "
    "store JSON, one item or a bundle of items)",
    "personas-markdown": "Personas in Markdown (GOV.UK accessibility personas, "
    "VA persona documents)",
    "performance-platform": "GOV.UK Performance Platform dashboard with its "
    "users-at-each-step and satisfaction data (JSON bundle)",
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
    "import_govuk",
    "import_performance",
    "import_personas",
    "read_source",
]
