"""A whole workspace as one JSON file: ``joinedup export`` and ``import workspace``.

The file holds every table's rows as stored, ids and history included, so a
workspace rebuilt from it is the same workspace: exporting it again gives a
byte-identical file. It can only be loaded into an empty workspace, so that
nothing already there is overwritten.
"""

import json
import sqlite3

from journeys.access import Actor, Role, require
from journeys.errors import ImportFailed
from journeys.wording import megabytes
from journeys.workspace import Workspace
from storage import StorageError, dump
from storage.schema import applied_migrations

FORMAT = "joinedup-workspace"
FORMAT_VERSION = 1
MAX_BYTES = 200 * 1024 * 1024


def export_workspace(ws: Workspace) -> bytes:
    """The workspace as JSON bytes; the same workspace always gives the same bytes."""
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema": applied_migrations(ws.db),
        "tables": dump.dump_tables(ws.db),
    }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode()


def import_workspace(ws: Workspace, actor: Actor, data: bytes, file_name: str) -> dict:
    """Rebuild a workspace from an export, into this empty workspace.

    Returns rows per table. Raises `ImportFailed` (nothing written) when the
    workspace is not empty or the file is not a Joinedup workspace export.
    """
    require(actor, Role.ADMIN, "import a whole workspace")
    if not ws.is_empty():
        raise ImportFailed(
            file_name,
            "this workspace already holds data; a workspace file can only be "
            "imported into an empty one (set JOINEDUP_DB to a new file)",
        )
    document = _read_document(data, file_name)
    _refuse_a_newer_schema(document, applied_migrations(ws.db), file_name)
    tables = document["tables"]
    try:
        dump.load_tables(ws.db, tables)
    except (StorageError, sqlite3.IntegrityError) as err:
        raise ImportFailed(
            file_name, f"the file's rows do not fit together: {err}"
        ) from err
    return {table: len(rows) for table, rows in tables.items()}


def _refuse_a_newer_schema(document: dict, ours: list[str], file_name: str) -> None:
    """A file written by a newer Joinedup may hold tables or columns this one
    would drop without a word: refuse it, naming what is unknown here. A file
    from an older Joinedup is fine: its rows fit the newer schema."""
    schema = document.get("schema")
    if not isinstance(schema, list) or not all(isinstance(m, str) for m in schema):
        raise ImportFailed(file_name, "'schema' must list the file's migrations")
    newer = [name for name in schema if name not in ours]
    if newer:
        raise ImportFailed(
            file_name,
            f"it was written by a newer version of Joinedup (schema changes "
            f"{', '.join(newer)} are unknown here): update Joinedup, then import "
            "it again",
        )


def _read_document(data: bytes, file_name: str) -> dict:
    if len(data) > MAX_BYTES:
        raise ImportFailed(
            file_name,
            f"the file is {megabytes(len(data))}; the limit is {megabytes(MAX_BYTES)}",
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise ImportFailed(file_name, "the file is not UTF-8 text") from err
    except json.JSONDecodeError as err:
        raise ImportFailed(
            file_name,
            f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})",
        ) from err
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportFailed(
            file_name, "not a Joinedup workspace export (no 'format' key)"
        )
    if document.get("format_version") != FORMAT_VERSION:
        raise ImportFailed(
            file_name,
            f"format version {document.get('format_version')!r} is not one this "
            f"version of Joinedup reads ({FORMAT_VERSION})",
        )
    tables = document.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
        for rows in tables.values()
    ):
        raise ImportFailed(file_name, "'tables' must map each table to a list of rows")
    unknown = set(tables) - set(dump.DUMPED_TABLES)
    if unknown:
        raise ImportFailed(file_name, f"unknown table(s): {', '.join(sorted(unknown))}")
    return document
