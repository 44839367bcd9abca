"""Personas: listing, creating and editing them, with conflict detection."""

import dataclasses

from journeys.access import Actor, Role, require
from journeys.errors import EditConflict, JourneyError
from journeys.models import Persona, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows, structure

PERSONA_FIELDS = tuple(f.name for f in dataclasses.fields(Persona))


def list_personas(ws: Workspace, include_archived: bool = False) -> list[dict]:
    """Personas by name, each with its owning agency's name."""
    return queries.list_personas(ws.db, include_archived)


def get_persona(ws: Workspace, persona_id: int) -> dict:
    """One persona with its ``version``, to edit. Raises `NotFound`."""
    with translated_errors():
        return rows.get_row(ws.db, "persona", persona_id)


def find_persona_id(ws: Workspace, name: str) -> int | None:
    """The id of the persona with this name (any case), or None."""
    return queries.find_persona_id(ws.db, name.strip())


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


def search_personas(
    found: list[dict],
    text: str = "",
    tags: list[str] | None = None,
    access_needs: list[str] | None = None,
    languages: list[str] | None = None,
    owner_agency_ids: list[int] | None = None,
) -> list[dict]:
    """Personas matching every filter given; text matches any field, any case."""
    needle = text.strip().casefold()
    return [
        p
        for p in found
        if (not needle or needle in _searchable(p))
        and _has_all(p["tags"], tags)
        and _has_all(p["access_needs"], access_needs)
        and _has_all(p["languages"], languages)
        and (not owner_agency_ids or p["owner_agency_id"] in owner_agency_ids)
    ]


def facet_values(found: list[dict], field_name: str) -> list[str]:
    """Every distinct entry of a list field (tags, access needs...), sorted."""
    return sorted({v for p in found for v in p[field_name]}, key=str.casefold)


def duplicate_persona(ws: Workspace, actor: Actor, persona_id: int, name: str) -> int:
    """Copy a persona under a new name, as a starting point for a variant."""
    persona = persona_from_row(get_persona(ws, persona_id))
    persona.name = name
    return create_persona(ws, actor, persona)


def archive_persona(
    ws: Workspace, actor: Actor, persona_id: int, version: int, archived: bool = True
) -> dict:
    """Hide a persona from the library (or bring it back) without losing it."""
    require(actor, Role.EDITOR, "archive a persona")
    with translated_errors():
        return rows.update_row(
            ws.db, "persona", persona_id, version, {"archived": archived}, actor.name
        )


def delete_persona(ws: Workspace, actor: Actor, persona_id: int, version: int) -> None:
    """Delete a persona no journey uses; one in use must be archived instead."""
    require(actor, Role.EDITOR, "delete a persona")
    with translated_errors(), ws.transaction():
        used_by = structure.persona_journey_count(ws.db, persona_id)
        if used_by:
            raise JourneyError(
                f"This persona is used by {used_by} journey(s), so it cannot be "
                "deleted. Archive it instead: it stays on those journeys."
            )
        rows.delete_row(ws.db, "persona", persona_id, version, actor.name)


def _searchable(persona: dict) -> str:
    parts = [persona["name"], persona["summary"], persona["situation"]]
    for key in ("goals", "needs", "frustrations", "access_needs", "tags", "likes"):
        parts.extend(persona[key])
    parts.extend(persona["assistive_technology"])
    return " ".join(p for p in parts if p).casefold()


def _has_all(values: list[str], wanted: list[str] | None) -> bool:
    return not wanted or all(w in values for w in wanted)


def persona_journeys(ws: Workspace, persona_id: int) -> list[dict]:
    """The journeys (id and title) that are about this persona."""
    return structure.persona_journeys(ws.db, persona_id)


def owner_options(found: list[dict]) -> dict[int, str]:
    """The agencies that own at least one of these personas: id -> name, by name."""
    owners = {
        p["owner_agency_id"]: p["owner_agency_name"]
        for p in found
        if p["owner_agency_id"] is not None
    }
    return dict(sorted(owners.items(), key=lambda item: item[1].casefold()))
