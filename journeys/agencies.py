"""Agencies: the government bodies, community organisations and partners."""

from journeys.access import Actor, Role, require
from journeys.models import Agency, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows


def list_agencies(ws: Workspace) -> list[dict]:
    """Every agency, by name."""
    return queries.list_agencies(ws.db)


def create_agency(ws: Workspace, actor: Actor, agency: Agency) -> int:
    """Add an agency and return its id. Names are unique, whatever their case."""
    require(actor, Role.EDITOR, "add an agency")
    agency = agency.validated()
    with translated_errors(f"The agency name {agency.name!r}"):
        return rows.insert_row(ws.db, "agency", as_columns(agency), actor.name)


def ensure_agency(ws: Workspace, actor: Actor, agency: Agency) -> int:
    """The id of the agency with this name, adding it first if it is new."""
    existing = queries.find_agency_id(ws.db, agency.name.strip())
    if existing is not None:
        return existing
    return create_agency(ws, actor, agency)
