"""Editing a journey's structure: stages and steps, their order and their details.

Every function checks the actor's role, validates, and saves with the version
the user last saw, so two people editing the same step never overwrite each
other silently (`EditConflict` carries both versions).
"""

from typing import Literal

from journeys.access import Actor, Role, require
from journeys.errors import EditConflict, JourneyError
from journeys.maps import STEP_FIELDS
from journeys.models import Stage, Step, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows, structure

Move = Literal["up", "down"]


def step_from_row(row: dict) -> Step:
    """The editable fields of a stored step."""
    return Step(**{name: row[name] for name in STEP_FIELDS})


def get_step(ws: Workspace, step_id: int) -> dict:
    with translated_errors():
        return rows.get_row(ws.db, "step", step_id)


def update_stage(
    ws: Workspace, actor: Actor, stage_id: int, version: int, stage: Stage
) -> dict:
    """Save a renamed or re-described stage read at ``version``."""
    require(actor, Role.EDITOR, "edit a stage")
    stage = stage.validated()
    return _save(ws, actor, "stage", stage_id, version, as_columns(stage))


def update_step(
    ws: Workspace,
    actor: Actor,
    step_id: int,
    version: int,
    step: Step,
    supporting_agency_ids: list[int] | None = None,
) -> dict:
    """Save an edited step read at ``version``; optionally its supporting agencies."""
    require(actor, Role.EDITOR, "edit a step")
    step = step.validated()
    with ws.transaction():
        saved = _save(ws, actor, "step", step_id, version, as_columns(step))
        if supporting_agency_ids is not None:
            _replace_supporters(ws, actor, step_id, supporting_agency_ids)
    return saved


def set_supporting_agencies(
    ws: Workspace, actor: Actor, step_id: int, agency_ids: list[int]
) -> None:
    """Replace the agencies that support (but do not own) a step."""
    require(actor, Role.EDITOR, "change a step's supporting agencies")
    with ws.transaction():
        _replace_supporters(ws, actor, step_id, agency_ids)


def _replace_supporters(
    ws: Workspace, actor: Actor, step_id: int, agency_ids: list[int]
) -> None:
    # Links live in their own table; log them against the step, by name.
    before = structure.step_supporting_agency_ids(ws.db, step_id)
    structure.set_supporting_agencies(ws.db, step_id, agency_ids)
    after = structure.step_supporting_agency_ids(ws.db, step_id)
    if after != before:
        names = {a["id"]: a["name"] for a in queries.list_agencies(ws.db)}
        structure.log_change(
            ws.db,
            actor.name,
            "step",
            step_id,
            {"supporting_agencies": [names.get(a, a) for a in before]},
            {"supporting_agencies": [names.get(a, a) for a in after]},
        )


def delete_step(ws: Workspace, actor: Actor, step_id: int, version: int) -> None:
    """Delete a step read at ``version``, closing the gap it leaves in its stage."""
    require(actor, Role.EDITOR, "delete a step")
    with translated_errors(), ws.transaction():
        stage_id = rows.get_row(ws.db, "step", step_id)["stage_id"]
        rows.delete_row(ws.db, "step", step_id, version, actor.name)
        structure.renumber(
            ws.db, "step", structure.step_ids_in_order(ws.db, stage_id), actor.name
        )


def delete_stage(ws: Workspace, actor: Actor, stage_id: int, version: int) -> None:
    """Delete a stage and its steps, each deletion logged, in one transaction."""
    require(actor, Role.EDITOR, "delete a stage")
    with translated_errors(), ws.transaction():
        stage = rows.get_row(ws.db, "stage", stage_id)
        if stage["version"] != version:
            rows.delete_row(ws.db, "stage", stage_id, version, actor.name)  # raises
        for step_id in structure.step_ids_in_order(ws.db, stage_id):
            step = rows.get_row(ws.db, "step", step_id)
            rows.delete_row(ws.db, "step", step_id, step["version"], actor.name)
        rows.delete_row(ws.db, "stage", stage_id, version, actor.name)
        ordered = structure.stage_ids_in_order(ws.db, stage["journey_id"])
        structure.renumber(ws.db, "stage", ordered, actor.name)


def move_stage(ws: Workspace, actor: Actor, stage_id: int, move: Move) -> None:
    """Move a stage one place earlier ("up") or later ("down") in its journey."""
    require(actor, Role.EDITOR, "reorder stages")
    with translated_errors(), ws.transaction():
        journey_id = rows.get_row(ws.db, "stage", stage_id)["journey_id"]
        ordered = _moved(
            structure.stage_ids_in_order(ws.db, journey_id), stage_id, move
        )
        structure.renumber(ws.db, "stage", ordered, actor.name)


def move_step(ws: Workspace, actor: Actor, step_id: int, move: Move) -> None:
    """Move a step one place earlier or later within its stage."""
    require(actor, Role.EDITOR, "reorder steps")
    with translated_errors(), ws.transaction():
        stage_id = rows.get_row(ws.db, "step", step_id)["stage_id"]
        ordered = _moved(structure.step_ids_in_order(ws.db, stage_id), step_id, move)
        structure.renumber(ws.db, "step", ordered, actor.name)


def move_step_to_stage(
    ws: Workspace, actor: Actor, step_id: int, version: int, stage_id: int
) -> None:
    """Move a step (read at ``version``) to the end of another stage."""
    require(actor, Role.EDITOR, "move a step")
    with translated_errors(), ws.transaction():
        old_stage = rows.get_row(ws.db, "step", step_id)["stage_id"]
        new_stage = rows.get_row(ws.db, "stage", stage_id)
        journey_of_old = rows.get_row(ws.db, "stage", old_stage)["journey_id"]
        if new_stage["journey_id"] != journey_of_old:
            raise JourneyError("A step can only move to a stage of the same journey.")
        position = len(structure.step_ids_in_order(ws.db, stage_id)) + 1
        rows.update_row(
            ws.db,
            "step",
            step_id,
            version,
            {"stage_id": stage_id, "position": position},
            actor.name,
        )
        structure.renumber(
            ws.db, "step", structure.step_ids_in_order(ws.db, old_stage), actor.name
        )


def reorder_stages(
    ws: Workspace, actor: Actor, journey_id: int, stage_ids: list[int]
) -> None:
    """Put a journey's stages in exactly the order given (all of them, once each)."""
    require(actor, Role.EDITOR, "reorder stages")
    with translated_errors(), ws.transaction():
        current = structure.stage_ids_in_order(ws.db, journey_id)
        if sorted(current) != sorted(stage_ids):
            raise JourneyError(
                "The stages changed while you were reordering them. "
                "Reload the journey and reorder again."
            )
        structure.renumber(ws.db, "stage", stage_ids, actor.name)


def _moved(ordered: list[int], row_id: int, move: Move) -> list[int]:
    index = ordered.index(row_id)
    target = index - 1 if move == "up" else index + 1
    if not 0 <= target < len(ordered):
        return ordered
    ordered = list(ordered)
    ordered[index], ordered[target] = ordered[target], ordered[index]
    return ordered


def _save(
    ws: Workspace, actor: Actor, table: str, row_id: int, version: int, changes: dict
) -> dict:
    try:
        with translated_errors():
            return rows.update_row(ws.db, table, row_id, version, changes, actor.name)
    except EditConflict as conflict:
        conflict.yours = changes
        raise
