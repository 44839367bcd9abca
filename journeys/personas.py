"""Personas: listing, creating and editing them, with conflict detection."""

import dataclasses

from journeys.access import Actor, Role, require
from journeys.errors import EditConflict
from journeys.models import Persona, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows

PERSONA_FIELDS = tuple(f.name for f in dataclasses.fields(Persona))


def list_personas(ws: Workspace, include_archived: bool = False) -> list[dict]:
    """Personas by name, each with its owning agency's name."""
    return queries.list_personas(ws.db, include_archived)


def get_persona(ws: Workspace, persona_id: int) -> dict:
    """One persona with its ``version``, to edit. Raises `NotFound`."""
    with translated_errors():
        return rows.get_row(ws.db, "persona", persona_id)


def persona_from_row(row: dict) -> Persona:
    """The editable fields of a stored persona."""
    return Persona(**{name: row[name] for name in PERSONA_FIELDS})


def create_persona(ws: Workspace, actor: Actor, persona: Persona) -> int:
    """Add a persona and return its id. Raises `ValidationError`, `DuplicateName`."""
    require(actor, Role.EDITOR, "add a persona")
    persona = persona.validated()
    with translated_errors(f"The persona name {persona.name!r}"):
        return rows.insert_row(ws.db, "persona", as_columns(persona), actor.name)


def update_persona(
    ws: Workspace, actor: Actor, persona_id: int, version: int, persona: Persona
) -> dict:
    """Save an edited persona that was read at ``version``; return it as saved.

    Raises `EditConflict` when someone else saved it in between: the error
    holds their version (``current``) and this edit (``yours``) so the user
    can compare them and re-apply or discard their own.
    """
    require(actor, Role.EDITOR, "edit a persona")
    persona = persona.validated()
    changes = as_columns(persona)
    try:
        with translated_errors(f"The persona {persona.name!r}"):
            return rows.update_row(
                ws.db, "persona", persona_id, version, changes, actor.name
            )
    except EditConflict as conflict:
        conflict.yours = changes
        raise


def changed_fields(current: dict, yours: dict) -> list[str]:
    """The fields where someone else's saved persona differs from this edit."""
    return [name for name in yours if current.get(name) != yours[name]]
