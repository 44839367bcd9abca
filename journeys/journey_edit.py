"""Saving what the journey page's forms hold, with what belongs to each row.

A journey's personas and a step's supporting agencies live in link tables,
but people edit them together with the journey or step. The functions here
save the row and its links in one transaction, check the version the user
opened (`EditConflict` carries both versions, links included), and log the
link changes with names, so the journey's activity shows them.

It also turns step detail into the text a form shows and back: pain points
and opportunities as one line each, with the level in brackets at the end.
"""

import re

from journeys.access import Actor, Role, require
from journeys.activity import Names, field_word, shown_value
from journeys.errors import EditConflict
from journeys.models import LEVELS, Journey, Step, as_columns
from journeys.stages import move_step_to_stage
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows, structure

LEVEL_AT_END = re.compile(rf"^(.*?)\s*\(({'|'.join(LEVELS)})\)\s*$", re.IGNORECASE)
DEFAULT_LEVEL = "medium"


# --- journeys -------------------------------------------------------------------


def journey_values(journey: dict, persona_ids: list[int]) -> dict:
    """What the journey form edits: its fields and its personas' ids."""
    values = {name: journey[name] for name in Journey.__dataclass_fields__}
    values["persona_ids"] = sorted(persona_ids)
    return values


def save_journey(
    ws: Workspace,
    actor: Actor,
    journey_id: int,
    version: int,
    journey: Journey,
    persona_ids: list[int],
) -> dict:
    """Save a journey read at ``version`` together with the personas it is about.

    Returns the journey as saved, with ``persona_ids``. Raises `EditConflict`
    (both versions, personas included) when someone saved it in between.
    """
    require(actor, Role.EDITOR, "edit a journey")
    journey = journey.validated()
    changes = as_columns(journey)
    wanted = sorted(set(persona_ids))
    try:
        with translated_errors(f"The journey {journey.title!r}"), ws.transaction():
            before = structure.journey_personas(ws.db, journey_id)
            saved = rows.update_row(
                ws.db, "journey", journey_id, version, changes, actor.name
            )
            had = sorted(p["id"] for p in before)
            if had != wanted:
                for persona_id in set(had) - set(wanted):
                    structure.unlink_journey_persona(ws.db, journey_id, persona_id)
                for persona_id in set(wanted) - set(had):
                    queries.link_journey_persona(ws.db, journey_id, persona_id)
                after = structure.journey_personas(ws.db, journey_id)
                structure.log_change(
                    ws.db,
                    actor.name,
                    "journey",
                    journey_id,
                    {"personas": [p["name"] for p in before]},
                    {"personas": [p["name"] for p in after]},
                )
    except EditConflict as conflict:
        conflict.current = {
            **conflict.current,
            "persona_ids": sorted(queries.journey_persona_ids(ws.db, journey_id)),
        }
        conflict.yours = {**changes, "persona_ids": wanted}
        raise
    return {**saved, "persona_ids": wanted}


# --- steps ----------------------------------------------------------------------


def step_values(step: dict, supporting_agency_ids: list[int]) -> dict:
    """What the step form edits: its fields, stage and supporting agencies."""
    values = {name: step[name] for name in Step.__dataclass_fields__}
    values["stage_id"] = step["stage_id"]
    values["supporting_agency_ids"] = sorted(supporting_agency_ids)
    return values


def read_step(ws: Workspace, step_id: int) -> dict:
    """A step to edit, with ``version`` and ``supporting_agency_ids``."""
    with translated_errors():
        step = rows.get_row(ws.db, "step", step_id)
    step["supporting_agency_ids"] = structure.step_supporting_agency_ids(ws.db, step_id)
    return step


def save_step(
    ws: Workspace,
    actor: Actor,
    step_id: int,
    version: int,
    step: Step,
    supporting_agency_ids: list[int],
    stage_id: int | None = None,
) -> dict:
    """Save a step read at ``version``, its supporting agencies, and its stage.

    When ``stage_id`` names another stage of the journey the step moves to
    the end of it. Everything is saved together or not at all. Raises
    `EditConflict` (both versions, supporting agencies included).
    """
    require(actor, Role.EDITOR, "edit a step")
    step = step.validated()
    changes = as_columns(step)
    wanted = sorted(set(supporting_agency_ids))
    try:
        with translated_errors(f"The step {step.action!r}"), ws.transaction():
            had = structure.step_supporting_agency_ids(ws.db, step_id)
            saved = rows.update_row(
                ws.db, "step", step_id, version, changes, actor.name
            )
            if had != wanted:
                structure.set_supporting_agencies(ws.db, step_id, wanted)
                names = _agency_names(ws)
                structure.log_change(
                    ws.db,
                    actor.name,
                    "step",
                    step_id,
                    {"supporting_agencies": [names.get(a, a) for a in had]},
                    {"supporting_agencies": [names.get(a, a) for a in wanted]},
                )
            if stage_id is not None and stage_id != saved["stage_id"]:
                move_step_to_stage(ws, actor, step_id, saved["version"], stage_id)
                saved = rows.get_row(ws.db, "step", step_id)
    except EditConflict as conflict:
        conflict.current = {
            **conflict.current,
            "supporting_agency_ids": structure.step_supporting_agency_ids(
                ws.db, step_id
            ),
        }
        conflict.yours = {**changes, "supporting_agency_ids": wanted}
        if stage_id is not None:
            conflict.yours["stage_id"] = stage_id
        raise
    return {**saved, "supporting_agency_ids": wanted}


def _agency_names(ws: Workspace) -> dict[int, str]:
    return {a["id"]: a["name"] for a in queries.list_agencies(ws.db)}


# --- comparing two versions ---------------------------------------------------------


def differences(current: dict, yours: dict, names: Names) -> list[tuple[str, str, str]]:
    """(field, their saved value, your edit) for each field where they differ.

    Values are shown as words: agencies, personas, stages and KPIs by name.
    """
    return [
        (
            field_word(name),
            shown_value(name, current.get(name), names),
            shown_value(name, yours[name], names),
        )
        for name in yours
        if _comparable(current.get(name)) != _comparable(yours[name])
    ]


def _comparable(value):
    if value in (None, "", [], {}):
        return None
    if isinstance(value, bool):
        return int(value)
    return value


# --- step detail as form text -------------------------------------------------------


def notes_to_text(notes: list[dict], level_key: str) -> str:
    """Pain points or opportunities as lines: "Long wait on the phone (high)"."""
    return "\n".join(
        f"{n['text']} ({n.get(level_key) or DEFAULT_LEVEL})" for n in notes
    )


def notes_from_text(text: str, level_key: str) -> list[dict]:
    """The lines of `notes_to_text` back as notes; a line with no level is medium."""
    notes = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = LEVEL_AT_END.match(line)
        if match and match[1].strip():
            notes.append({"text": match[1].strip(), level_key: match[2].lower()})
        else:
            notes.append({"text": line, level_key: DEFAULT_LEVEL})
    return notes


# --- applying an edit again over someone else's -------------------------------------


def my_changes(opened: dict, yours: dict) -> dict:
    """The fields this edit changed from the version it was opened at."""
    return {
        name: value
        for name, value in yours.items()
        if _comparable(opened.get(name)) != _comparable(value)
    }


def their_changes(opened: dict, current: dict, fields) -> list[str]:
    """The fields someone else changed since this edit was opened."""
    return [
        name
        for name in fields
        if _comparable(opened.get(name)) != _comparable(current.get(name))
    ]


def merged(current: dict, mine: dict, fields) -> dict:
    """Their saved version with this edit's changes on top: what re-applying saves.

    Fields only they changed keep their value; fields this edit changed take
    the edit's value, theirs or not.
    """
    return {**{name: current.get(name) for name in fields}, **mine}
