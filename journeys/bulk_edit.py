"""Editing many steps at once in a table, safely (PITFALLS 1 and 2).

A table editor reports edits by row *position* in the table it showed, not
by the step's id. So the page keeps the exact rows it rendered (a
`Snapshot`, with each step's id and version and a revision naming that
state of the journey), and:

* `resolve` turns positions into step ids against that snapshot, and
  refuses edits made on another revision (rows may have moved since);
* `apply_edits` writes each changed step by id, only if nobody saved it
  since the snapshot (its version), all steps or none.

Edits are kept by step id (`PendingEdit`), so when someone else got there
first nothing typed is lost: the page shows the conflicts and the person can
apply their edits again over the newer versions, or discard them.
"""

import hashlib
from dataclasses import dataclass, field

import storage
from journeys.access import Actor, Role, require
from journeys.errors import JourneyError, ValidationError
from journeys.maps import JourneyMap
from journeys.models import Step
from journeys.stages import step_from_row
from journeys.workspace import Workspace, translated_errors
from storage import rows

# The columns a person may change in the table, and how they are named.
EDITABLE = {
    "action": "Action",
    "channel": "Channel",
    "touchpoint": "Touchpoint",
    "fee": "Fee",
    "optional": "Optional",
    "owning_agency": "Owning agency",
}


class StaleEdits(JourneyError):
    """The table edited is not the one these edits were made on."""


@dataclass(frozen=True)
class Snapshot:
    """The rows a table editor showed, in order, and the revision they are of."""

    journey_id: int
    revision: str
    rows: tuple[dict, ...]

    def step_ids(self) -> list[int]:
        return [row["step_id"] for row in self.rows]


@dataclass
class PendingEdit:
    """One step's edits from the table, by id, with the version they were made on."""

    step_id: int
    version: int
    label: str  # "2.3 Book your theory test", as the table showed it
    changes: dict


@dataclass
class BulkConflict:
    """A step someone else saved (or deleted) after the table was shown."""

    step_id: int
    label: str
    updated_by: str | None
    updated_at: str | None
    theirs: dict  # their saved values of the columns this edit changes
    yours: dict


@dataclass
class BulkResult:
    saved: list[int] = field(default_factory=list)
    conflicts: list[BulkConflict] = field(default_factory=list)


def revision(journey_map: JourneyMap) -> str:
    """A short name for this exact state of a journey's stages and steps.

    It changes whenever a stage or step is added, deleted, moved or saved,
    so a table editor keyed by it starts afresh when the rows change.
    """
    parts = [f"j{journey_map.journey['id']}"]
    parts += [f"s{s['id']}.{s['position']}.{s['version']}" for s in journey_map.stages]
    parts += [
        f"t{s['id']}.{s['stage_id']}.{s['position']}.{s['version']}"
        for s in journey_map.steps()
    ]
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:12]


def take_snapshot(journey_map: JourneyMap, agency_names: dict[int, str]) -> Snapshot:
    """The table of a journey's steps, in journey order, numbered "stage.step"."""
    table = []
    for stage_number, stage in enumerate(journey_map.stages, start=1):
        steps = journey_map.steps_by_stage[stage["id"]]
        for step_number, step in enumerate(steps, start=1):
            table.append(
                {
                    "step_id": step["id"],
                    "version": step["version"],
                    "number": f"{stage_number}.{step_number}",
                    "stage": stage["name"],
                    "action": step["action"],
                    "channel": step["channel"],
                    "touchpoint": step["touchpoint"] or "",
                    "fee": step["fee"] or "",
                    "optional": bool(step["optional"]),
                    "owning_agency": agency_names.get(step["owning_agency_id"], ""),
                }
            )
    return Snapshot(journey_map.journey["id"], revision(journey_map), tuple(table))


def resolve(
    snapshot: Snapshot, edited_rows: dict, made_on_revision: str
) -> dict[int, PendingEdit]:
    """Turn a table editor's ``edited_rows`` (by position) into edits by step id.

    Positions are looked up in ``snapshot``, the rows that were shown, never
    in the journey as it is now. Raises `StaleEdits` when the edits were
    made on another revision or name a row the snapshot does not have.
    Cells changed back to what they were are dropped.
    """
    if made_on_revision != snapshot.revision:
        raise StaleEdits(
            "The steps changed since this table was shown, so its rows may have "
            "moved: your table edits were not saved. Check the table and edit again."
        )
    pending = {}
    for position, cells in (edited_rows or {}).items():
        index = int(position)
        if not 0 <= index < len(snapshot.rows):
            raise StaleEdits(f"The table has no row {index + 1}: nothing was saved.")
        shown = snapshot.rows[index]
        changes = {
            column: _cell(column, value)
            for column, value in cells.items()
            if column in EDITABLE and _cell(column, value) != shown[column]
        }
        if changes:
            pending[shown["step_id"]] = PendingEdit(
                shown["step_id"],
                shown["version"],
                f"{shown['number']} {shown['action']}",
                changes,
            )
    return pending


def apply_edits(
    ws: Workspace,
    actor: Actor,
    pending: dict[int, PendingEdit],
    agency_ids: dict[str, int],
    *,
    over_newer_versions: bool = False,
) -> BulkResult:
    """Save every pending edit, or none.

    A step saved by someone else since the table was shown is a conflict:
    nothing is saved and the conflicts are returned, unless
    ``over_newer_versions`` is set, when each edited column is written over
    the newer version (their other changes stay). A deleted step is always a
    conflict. Raises `ValidationError` naming the row and column of the
    first bad value.
    """
    require(actor, Role.EDITOR, "edit steps")
    result = BulkResult()
    planned = []
    with translated_errors(), ws.transaction():
        for edit in pending.values():
            try:
                current = rows.get_row(ws.db, "step", edit.step_id)
            except storage.RowNotFound:
                result.conflicts.append(_deleted(edit))
                continue
            if current["version"] != edit.version and not over_newer_versions:
                result.conflicts.append(_conflict(edit, current, agency_ids))
                continue
            planned.append((edit, current, _edited_step(edit, current, agency_ids)))
        if result.conflicts:
            return result
        for edit, current, step in planned:
            rows.update_row(
                ws.db,
                "step",
                edit.step_id,
                current["version"],
                step_columns(step),
                actor.name,
            )
            result.saved.append(edit.step_id)
    return result


def step_columns(step: Step) -> dict:
    """The columns a step's fields are saved in."""
    return {name: getattr(step, name) for name in Step.__dataclass_fields__}


def _edited_step(edit: PendingEdit, current: dict, agency_ids: dict[str, int]) -> Step:
    step = step_from_row(current)
    for column, value in edit.changes.items():
        if column == "owning_agency":
            if value and value not in agency_ids:
                raise ValidationError(
                    {
                        f"step {edit.label}, column {EDITABLE[column]}": (
                            f"there is no agency called {value!r}"
                        )
                    }
                )
            step.owning_agency_id = agency_ids.get(value) if value else None
        else:
            setattr(step, column, value)
    try:
        return step.validated()
    except ValidationError as err:
        raise ValidationError(
            {
                f"step {edit.label}, column {_column_word(name)}": problem
                for name, problem in err.problems.items()
            }
        ) from err


def _column_word(field_name: str) -> str:
    return EDITABLE.get(field_name, field_name.replace("_", " "))


def _cell(column: str, value):
    if column == "optional":
        return bool(value)
    return "" if value is None else str(value)


def _conflict(
    edit: PendingEdit, current: dict, agency_ids: dict[str, int]
) -> BulkConflict:
    names = {agency_id: name for name, agency_id in agency_ids.items()}
    theirs = {}
    for column in edit.changes:
        if column == "owning_agency":
            theirs[column] = names.get(current["owning_agency_id"], "")
        else:
            theirs[column] = _cell(column, current[column])
    return BulkConflict(
        edit.step_id,
        edit.label,
        current["updated_by"],
        current["updated_at"],
        theirs,
        dict(edit.changes),
    )


def _deleted(edit: PendingEdit) -> BulkConflict:
    return BulkConflict(edit.step_id, edit.label, None, None, {}, dict(edit.changes))
