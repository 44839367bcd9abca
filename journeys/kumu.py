"""Agency maps in and out of Kumu's spreadsheet layout (kumu.io).

Kumu reads a workbook with an **Elements** sheet (``Label`` first, then
``Type``, ``Description`` and any fields) and a **Connections** sheet
(``From``, ``To``, then ``Type``, ``Direction``, ``Strength`` and any fields).
Several values in one cell are separated by ``|``; an element may also be
named by an ``ID`` column, which connections may then use.

Files, both ways:

* **XLSX**: one workbook, sheets "Elements" and "Connections".
* **CSV**: a ZIP holding ``elements.csv`` and ``connections.csv`` (one file to
  upload or download; Kumu itself takes one CSV per sheet, so unzip it for
  Kumu). `import_kumu_csv` also takes the two CSV files separately.

Exported (`export_xlsx`, `export_zip`, `kumu_tables`), for the graph as
shown (filters and focus apply):

* each agency as an element of Type "Agency", with fields Kind, Short name,
  Alternate name, Steps owned, Steps supported, Services;
* each pair of agencies with hand-offs as a connection of Type "Hand-off"
  (Strength = hand-offs, fields Journeys (titles, ``|``-separated) and
  Personas (how many));
* each pair where one agency owns steps another supports: Type "Supported
  by", from the owner, Strength = shared steps;
* each declared relation (see below) with its own Type, Strength and note.

Every connection is directed. Text goes through `journeys.tabular`, so
nothing in a cell is run as a formula.

Imported (`import_kumu`, `import_kumu_csv`; editors may import):

* elements of Type Agency, Organisation or Organization (any case) become
  agencies, matched by name with those already in the workspace (which are
  left as they are). Kind comes from a Kind field (government, community or
  partner) and is "government" when missing; Short name and Alternate name
  fields are read too. Elements of any other Type are skipped and reported;
* connections between two agencies (of the file or of the workspace) are
  kept as *declared* relations, with their Type as kind, Strength and
  Description. Joinedup works hand-offs out from journeys, so a drawn
  "Hand-off" is shown and exported as declared, and counted in centrality
  and groups, but never in the hand-off counts. Connections to other
  elements, loops and repeats are skipped and reported.

Exporting a workspace, importing the file into an empty one and exporting
again gives the same elements and connections (Label, Type, Kind, Short name,
Alternate name; From, To, Type, Direction, Strength, Description).
"""

import io
import logging
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from journeys import network
from journeys.access import Actor
from journeys.errors import ImportFailed, ValidationError
from journeys.importers.common import (
    ImportResult,
    Source,
    SourceFile,
    check_may_import,
    import_transaction,
    one_line,
    read_source,
)
from journeys.models import AGENCY_KINDS, Agency, AgencyRelation, as_columns
from journeys.network import count_of
from journeys.tabular import XLSX_MAGIC, Table, read_table, write_csv, write_xlsx
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows
from storage import services as stored

logger = logging.getLogger(__name__)

KIND = "kumu-spreadsheet"
ELEMENTS = "Elements"
CONNECTIONS = "Connections"
ELEMENT_HEADERS = [
    "Label",
    "Type",
    "Description",
    "Kind",
    "Short name",
    "Alternate name",
    "Steps owned",
    "Steps supported",
    "Services",
]
CONNECTION_HEADERS = [
    "From",
    "To",
    "Type",
    "Direction",
    "Strength",
    "Journeys",
    "Personas",
    "Description",
]
AGENCY_TYPE = "Agency"
AGENCY_TYPES = {"agency", "organisation", "organization"}
HANDOFF_TYPE = "Hand-off"
SUPPORT_TYPE = "Supported by"
READ_ELEMENT_FIELDS = {"id", "label", "type", "kind", "short name", "alternate name"}
READ_CONNECTION_FIELDS = {"id", "from", "to", "type", "strength", "description"}
# Columns we write ourselves and do not read back: not worth a warning.
DERIVED_FIELDS = {
    "description",
    "steps owned",
    "steps supported",
    "services",
    "direction",
    "journeys",
    "personas",
}


# --- export ----------------------------------------------------------------------


def kumu_tables(graph: nx.DiGraph) -> tuple[list[dict], list[dict]]:
    """(elements, connections) rows of the graph's agencies, in Kumu's layout."""
    agencies = sorted(
        (d for _, d in graph.nodes(data=True) if d["kind"] == "agency"),
        key=lambda d: d["label"].casefold(),
    )
    elements = [
        {
            "Label": a["label"],
            "Type": AGENCY_TYPE,
            "Description": (
                f"{a['agency_kind'].capitalize()} agency: owns "
                f"{count_of(a.get('owned_steps', 0), 'step')}, supports "
                f"{a.get('supported_steps', 0)}, delivers "
                f"{count_of(a.get('services', 0), 'service')}"
            ),
            "Kind": a["agency_kind"],
            "Short name": a.get("short_name") or "",
            "Alternate name": a.get("alternate_name") or "",
            "Steps owned": a.get("owned_steps", 0),
            "Steps supported": a.get("supported_steps", 0),
            "Services": a.get("services", 0),
        }
        for a in agencies
    ]
    titles = {
        d["journey_id"]: d["label"]
        for _, d in graph.nodes(data=True)
        if d["kind"] == "journey"
    }
    connections = []
    for source, target, edge in graph.edges(data=True):
        if edge["kind"] not in (network.HANDOFF, network.DECLARED):
            continue
        ends = {
            "From": graph.nodes[source]["label"],
            "To": graph.nodes[target]["label"],
            "Direction": "directed",
        }
        if edge["kind"] == network.HANDOFF:
            connections.append(
                {
                    **ends,
                    "Type": HANDOFF_TYPE,
                    "Strength": edge["handoffs"],
                    "Journeys": "|".join(
                        sorted(titles[j] for j in edge["journey_ids"])
                    ),
                    "Personas": edge["personas"],
                    "Description": (
                        f"{count_of(edge['handoffs'], 'hand-off')} in "
                        f"{count_of(edge['journeys'], 'journey')}, for "
                        f"{count_of(edge['personas'], 'persona')}"
                    ),
                }
            )
        for kind, strength, note in edge.get("declared", ()):
            connections.append(
                {
                    **ends,
                    "Type": kind,
                    "Strength": "" if strength is None else _number(strength),
                    "Journeys": "",
                    "Personas": "",
                    "Description": note or "",
                }
            )
    connections.extend(_support_connections(graph))
    connections.sort(
        key=lambda c: (c["From"].casefold(), c["To"].casefold(), c["Type"].casefold())
    )
    return elements, connections


def _support_connections(graph: nx.DiGraph) -> list[dict]:
    shared: Counter = Counter()
    for node, data in graph.nodes(data=True):
        if data["kind"] != "step":
            continue
        owners = [s for s, _, e in graph.in_edges(node, True) if e["kind"] == "owns"]
        helpers = [
            s for s, _, e in graph.in_edges(node, True) if e["kind"] == "supports"
        ]
        for owner in owners:
            for helper in helpers:
                shared[owner, helper] += 1
    return [
        {
            "From": graph.nodes[owner]["label"],
            "To": graph.nodes[helper]["label"],
            "Type": SUPPORT_TYPE,
            "Direction": "directed",
            "Strength": count,
            "Journeys": "",
            "Personas": "",
            "Description": f"supports {count_of(count, 'step')} this agency owns",
        }
        for (owner, helper), count in shared.items()
    ]


def _number(value: float):
    return int(value) if float(value).is_integer() else value


def export_xlsx(graph: nx.DiGraph) -> bytes:
    """A Kumu workbook: sheets Elements and Connections."""
    elements, connections = kumu_tables(graph)
    return write_xlsx(
        {
            ELEMENTS: (ELEMENT_HEADERS, elements),
            CONNECTIONS: (CONNECTION_HEADERS, connections),
        }
    )


def export_csv(graph: nx.DiGraph) -> dict[str, bytes]:
    """``{"elements.csv": ..., "connections.csv": ...}``: one CSV per sheet."""
    elements, connections = kumu_tables(graph)
    return {
        "elements.csv": write_csv(ELEMENT_HEADERS, elements),
        "connections.csv": write_csv(CONNECTION_HEADERS, connections),
    }


def export_zip(graph: nx.DiGraph) -> bytes:
    """The two CSV files in one ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in export_csv(graph).items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- import ----------------------------------------------------------------------


@dataclass
class _Element:
    label: str
    agency: Agency
    alternate_name: str | None
    kind_given: bool


@dataclass
class _Plan:
    agencies: list[_Element] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # ID or label -> label
    connections: list[tuple[str, str, str, float | None, str, str]] = field(
        default_factory=list
    )  # (from label, to label, type, strength, note, where)


def import_kumu(
    ws: Workspace, actor: Actor, source: Source, name: str | None = None
) -> ImportResult:
    """Import a Kumu XLSX workbook, or a ZIP of elements.csv and connections.csv.

    All or nothing: raises `ImportFailed` naming the file and the problem.
    """
    check_may_import(actor)
    source = read_source(source, name)
    elements, connections = _tables(source)
    return _import(ws, actor, source, elements, connections)


def import_kumu_csv(
    ws: Workspace,
    actor: Actor,
    elements: Source,
    connections: Source | None = None,
    names: tuple[str | None, str | None] = (None, None),
) -> ImportResult:
    """Import Kumu's two CSV files (connections may be left out)."""
    check_may_import(actor)
    first = read_source(elements, names[0])
    second = read_source(connections, names[1]) if connections is not None else None
    combined = SourceFile(
        first.name + (f" + {second.name}" if second else ""),
        first.data + (b"\0" + second.data if second else b""),
    )
    element_table = read_table(first.data, first.name)
    connection_table = read_table(second.data, second.name) if second else None
    return _import(ws, actor, combined, element_table, connection_table)


# Every way a damaged XLSX or ZIP has been seen to fail on opening or reading
# (zipfile, zlib, openpyxl and the XML parser underneath it).
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    KeyError,
    ValueError,
    OSError,
    EOFError,
    IndexError,
    TypeError,
    NotImplementedError,  # a ZIP compressed in a way Python cannot read
    RuntimeError,  # an encrypted ZIP
    SyntaxError,  # xml.etree's ParseError
)
UNREADABLE_MESSAGE = (
    "is not a readable XLSX workbook or ZIP file (it may be damaged or cut "
    "short): export it again from Kumu and import the new file"
)


def _tables(source: SourceFile) -> tuple[Table, Table | None]:
    """The elements and connections tables of an XLSX workbook or ZIP of CSV.

    A file that cannot be opened or read as either becomes `ImportFailed`
    with a plain message, never a traceback.
    """
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return _open_tables(source)
    except ImportFailed:
        raise
    except (*_UNREADABLE, InvalidFileException) as err:
        logger.info("unreadable Kumu file %r: %r", source.name, err)
        raise ImportFailed(source.name, UNREADABLE_MESSAGE) from err


def _open_tables(source: SourceFile) -> tuple[Table, Table | None]:
    if source.data.startswith(XLSX_MAGIC) and _is_zip_of_csv(source.data):
        return _zip_tables(source)
    if source.data.startswith(XLSX_MAGIC):
        elements = _sheet(source, ELEMENTS, required=True)
        return elements, _sheet(source, CONNECTIONS, required=False)
    raise ImportFailed(
        source.name,
        "is neither an XLSX workbook nor a ZIP of elements.csv and "
        "connections.csv: for separate CSV files, import them together",
    )


def _is_zip_of_csv(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n.lower() for n in archive.namelist()]
    except zipfile.BadZipFile:
        return False
    return not any(n.startswith("xl/") for n in names)


def _zip_tables(source: SourceFile) -> tuple[Table, Table | None]:
    with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
        found = {}
        for info in archive.infolist():
            base = info.filename.rsplit("/", 1)[-1].lower()
            if base in ("elements.csv", "connections.csv") and base not in found:
                if info.file_size > 20 * 1024 * 1024:
                    raise ImportFailed(source.name, f"{info.filename} is too large")
                found[base] = (info.filename, archive.read(info))
    if "elements.csv" not in found:
        raise ImportFailed(source.name, "the ZIP holds no elements.csv")
    elements = read_table(found["elements.csv"][1], found["elements.csv"][0])
    connections = None
    if "connections.csv" in found:
        connections = read_table(
            found["connections.csv"][1], found["connections.csv"][0]
        )
    return elements, connections


def _sheet(source: SourceFile, title: str, required: bool) -> Table | None:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(source.data), read_only=True)
    names = [n for n in book.sheetnames if "(ignore)" not in n.lower()]
    book.close()
    match = next((n for n in names if n.strip().casefold() == title.casefold()), None)
    if match is None:
        if required:
            raise ImportFailed(
                source.name,
                f"the workbook has no sheet named {title!r} (it has "
                f"{', '.join(repr(n) for n in names) or 'no sheets'})",
            )
        return None
    return read_table(source.data, source.name, sheet=match)


def _import(
    ws: Workspace,
    actor: Actor,
    source: SourceFile,
    elements: Table,
    connections: Table | None,
) -> ImportResult:
    result = ImportResult(KIND, source.name)
    plan = _plan(elements, connections, source.name, result)
    with import_transaction(ws, actor, source, result):
        _write(ws, actor, plan, source.name, result)
    return result


def _columns(table: Table) -> dict[str, str]:
    """Lower-cased header -> header as written."""
    return {h.strip().casefold(): h for h in table.headers}


def _plan(
    elements: Table, connections: Table | None, file_name: str, result: ImportResult
) -> _Plan:
    plan = _Plan()
    columns = _columns(elements)
    if "label" not in columns:
        raise ImportFailed(
            file_name,
            "the Elements sheet has no Label column (Kumu's layout: Label, Type, "
            "Description, ...)",
        )
    _report_unread(columns, READ_ELEMENT_FIELDS, "Elements", elements, result)
    seen: set[str] = set()
    for number, record in enumerate(elements.rows, start=2):
        cell = {
            key: one_line(record.get(header) or "") for key, header in columns.items()
        }
        label = cell["label"]
        where = f"Elements row {number}"
        if not label:
            result.skip(where, "no Label")
            continue
        element_type = cell.get("type", "")
        if element_type.casefold() not in AGENCY_TYPES:
            result.skip(
                f"element '{label}'",
                f"its Type is {element_type or 'empty'}; only Agency and "
                "Organisation elements are imported",
            )
            continue
        if label.casefold() in seen:
            result.skip(f"element '{label}'", "a second element with this Label")
            continue
        seen.add(label.casefold())
        kind = cell.get("kind", "").casefold()
        kind_given = kind in AGENCY_KINDS
        if not kind_given:
            kind = "government"
        try:
            agency = Agency(
                name=label, kind=kind, short_name=cell.get("short name") or None
            ).validated()
        except ValidationError as err:
            result.skip(f"element '{label}'", f"cannot be saved: {one_line(str(err))}")
            continue
        plan.agencies.append(
            _Element(label, agency, cell.get("alternate name") or None, kind_given)
        )
        plan.labels[label.casefold()] = label
        if cell.get("id"):
            plan.labels[cell["id"].casefold()] = label
    if connections is not None:
        _plan_connections(connections, file_name, plan, result)
    return plan


def _report_unread(columns, read, sheet, table, result) -> None:
    for key, header in columns.items():
        if key in read or key in DERIVED_FIELDS:
            continue
        if any((r.get(header) or "").strip() for r in table.rows):
            result.skip(f"{sheet} column {header!r}", "Joinedup has no such field")


def _plan_connections(
    table: Table, file_name: str, plan: _Plan, result: ImportResult
) -> None:
    columns = _columns(table)
    if "from" not in columns or "to" not in columns:
        raise ImportFailed(
            file_name, "the Connections sheet needs From and To columns (Kumu's layout)"
        )
    _report_unread(columns, READ_CONNECTION_FIELDS, "Connections", table, result)
    for number, record in enumerate(table.rows, start=2):
        cell = {
            key: (record.get(header) or "").strip() for key, header in columns.items()
        }
        where = f"Connections row {number}"
        kind = one_line(cell.get("type", "")) or "Connection"
        strength = None
        if cell.get("strength"):
            try:
                strength = float(cell["strength"].replace(",", ""))
            except ValueError:
                result.skip(
                    f"{where}: Strength", f"{cell['strength']!r} is not a number"
                )
        note = cell.get("description", "")
        for source in _split(cell["from"]):
            for target in _split(cell["to"]):
                plan.connections.append((source, target, kind, strength, note, where))


def _split(value: str) -> list[str]:
    return [one_line(p) for p in value.split("|") if p.strip()]


def _write(
    ws: Workspace, actor: Actor, plan: _Plan, file_name: str, result: ImportResult
) -> None:
    ids: dict[str, int] = {}
    defaulted = 0
    for element in plan.agencies:
        existing = queries.find_agency_id(ws.db, element.label)
        if existing is not None:
            ids[element.label.casefold()] = existing
            continue
        values = {
            **as_columns(element.agency),
            "alternate_name": element.alternate_name,
        }
        with translated_errors(f"The agency name {element.label!r}"):
            ids[element.label.casefold()] = rows.insert_row(
                ws.db, "agency", values, actor.name
            )
        result.count("agency")
        result.names.append(element.label)
        defaulted += not element.kind_given
    if defaulted:
        result.skip(
            f"Kind of {count_of(defaulted, 'new agency')}",
            "no Kind field (government, community or partner): recorded as government",
        )
    seen = set()
    for source, target, kind, strength, note, where in plan.connections:
        ends = []
        for end in (source, target):
            label = plan.labels.get(end.casefold(), end)
            agency_id = ids.get(label.casefold()) or queries.find_agency_id(
                ws.db, label
            )
            ends.append(agency_id)
        if None in ends:
            missing = source if ends[0] is None else target
            result.skip(
                f"{where}: {source} to {target}",
                f"'{missing}' is not an agency of the file or the workspace",
            )
            continue
        if ends[0] == ends[1]:
            result.skip(f"{where}: {source} to {target}", "an agency linked to itself")
            continue
        key = (ends[0], ends[1], kind.casefold())
        if key in seen or stored.find_relation_id(ws.db, *ends, kind) is not None:
            result.skip(f"{where}: {source} to {target} ({kind})", "already recorded")
            continue
        seen.add(key)
        relation = AgencyRelation(
            ends[0], ends[1], kind, strength, note, source=f"Kumu file {file_name}"
        ).validated()
        with translated_errors():
            rows.insert_row(ws.db, "agency_relation", as_columns(relation), actor.name)
        result.count("agency relation")
