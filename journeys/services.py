"""Services agencies deliver, the steps that use them, and declared agency links.

Services usually arrive by import (the Government of Canada service
inventory); a journey's step can then be linked to the service it is part of,
so the agency graph shows which services a citizen passes through.
"""

from journeys.access import Actor, Role, require
from journeys.models import AgencyRelation, Service, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import rows
from storage import services as stored


def list_services(ws: Workspace) -> list[dict]:
    """Every service, with its owning agency's name, by agency then name."""
    return stored.list_services(ws.db)


def agency_services(ws: Workspace, agency_id: int) -> list[dict]:
    """The services one agency delivers."""
    return stored.agency_services(ws.db, agency_id)


def create_service(ws: Workspace, actor: Actor, service: Service) -> int:
    """Add a service and return its id. An inventory id may be used only once."""
    require(actor, Role.EDITOR, "add a service")
    service = service.validated()
    with translated_errors(f"The service id {service.external_id!r}"):
        return rows.insert_row(ws.db, "service", as_columns(service), actor.name)


def link_step_service(
    ws: Workspace, actor: Actor, step_id: int, service_id: int
) -> None:
    """Record that a step of a journey is part of a service."""
    require(actor, Role.EDITOR, "link a step to a service")
    with translated_errors(), ws.transaction():
        rows.get_row(ws.db, "step", step_id)
        rows.get_row(ws.db, "service", service_id)
        stored.link_step_service(ws.db, step_id, service_id)


def unlink_step_service(
    ws: Workspace, actor: Actor, step_id: int, service_id: int
) -> None:
    """Record that a step is no longer part of a service."""
    require(actor, Role.EDITOR, "unlink a step from a service")
    with translated_errors(), ws.transaction():
        stored.unlink_step_service(ws.db, step_id, service_id)


def step_service_ids(ws: Workspace, step_id: int) -> list[int]:
    return stored.step_service_ids(ws.db, step_id)


def list_relations(ws: Workspace) -> list[dict]:
    """Every declared relation between agencies, with both names."""
    return stored.list_relations(ws.db)


def create_relation(ws: Workspace, actor: Actor, relation: AgencyRelation) -> int:
    """Declare a relation between two agencies; return its id."""
    require(actor, Role.EDITOR, "add a relation between agencies")
    relation = relation.validated()
    with translated_errors(f"The relation {relation.kind!r} between these agencies"):
        return rows.insert_row(
            ws.db, "agency_relation", as_columns(relation), actor.name
        )
