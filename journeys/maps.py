"""Journey maps: journeys, their ordered stages, and the steps within each stage."""

import dataclasses
from dataclasses import dataclass

from journeys.access import Actor, Role, require
from journeys.errors import EditConflict
from journeys.models import Journey, Stage, Step, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows, structure

STEP_FIELDS = tuple(f.name for f in dataclasses.fields(Step))


@dataclass
class JourneyMap:
    """A journey as one picture: the journey row, its stages, and its steps by stage."""

    journey: dict
    stages: list[dict]
    steps_by_stage: dict[int, list[dict]]
    persona_ids: list[int]

    @property
    def step_count(self) -> int:
        return sum(len(steps) for steps in self.steps_by_stage.values())

    def steps(self) -> list[dict]:
        """All steps in journey order."""
        return [s for stage in self.stages for s in self.steps_by_stage[stage["id"]]]


def list_journeys(ws: Workspace) -> list[dict]:
    """Journeys by title, with lead agency and stage and step counts."""
    return queries.list_journeys(ws.db)


def find_journey(ws: Workspace, title: str) -> int | None:
    """The id of the journey with this title (any case), or None."""
    return queries.find_journey_id(ws.db, title)


def load_journey_map(ws: Workspace, journey_id: int) -> JourneyMap:
    """A journey with all its stages and steps, in five queries whatever its size."""
    with translated_errors():
        journey = rows.get_row(ws.db, "journey", journey_id)
    stages = queries.journey_stages(ws.db, journey_id)
    steps_by_stage: dict[int, list[dict]] = {stage["id"]: [] for stage in stages}
    supporters = structure.supporting_agency_ids(ws.db, journey_id)
    for step in queries.journey_steps(ws.db, journey_id):
        step["supporting_agency_ids"] = supporters.get(step["id"], [])
        steps_by_stage[step["stage_id"]].append(step)
    persona_ids = queries.journey_persona_ids(ws.db, journey_id)
    return JourneyMap(journey, stages, steps_by_stage, persona_ids)


def create_journey(ws: Workspace, actor: Actor, journey: Journey) -> int:
    """Add a journey and return its id. Titles are unique, whatever their case."""
    require(actor, Role.EDITOR, "add a journey")
    journey = journey.validated()
    with translated_errors(f"The journey title {journey.title!r}"):
        return rows.insert_row(ws.db, "journey", as_columns(journey), actor.name)


def update_journey(
    ws: Workspace, actor: Actor, journey_id: int, version: int, journey: Journey
) -> dict:
    """Save an edited journey read at ``version``. Raises `EditConflict`."""
    require(actor, Role.EDITOR, "edit a journey")
    journey = journey.validated()
    changes = as_columns(journey)
    try:
        with translated_errors(f"The journey {journey.title!r}"):
            return rows.update_row(
                ws.db, "journey", journey_id, version, changes, actor.name
            )
    except EditConflict as conflict:
        conflict.yours = changes
        raise


def rename_journey(
    ws: Workspace, actor: Actor, journey_id: int, version: int, title: str
) -> dict:
    """Change only a journey's title, keeping everything else as stored."""
    current = rows.get_row(ws.db, "journey", journey_id)
    journey = Journey(
        title=title,
        description=current["description"],
        lead_agency_id=current["lead_agency_id"],
        status=current["status"],
        review_by=current["review_by"],
        source=current["source"],
    )
    return update_journey(ws, actor, journey_id, version, journey)


def add_stage(ws: Workspace, actor: Actor, journey_id: int, stage: Stage) -> int:
    """Append a stage at the end of a journey; return its id."""
    require(actor, Role.EDITOR, "add a stage")
    stage = stage.validated()
    with translated_errors(), ws.transaction():
        position = len(queries.journey_stages(ws.db, journey_id)) + 1
        values = {**as_columns(stage), "journey_id": journey_id, "position": position}
        return rows.insert_row(ws.db, "stage", values, actor.name)


def add_step(ws: Workspace, actor: Actor, stage_id: int, step: Step) -> int:
    """Append a step at the end of a stage; return its id."""
    require(actor, Role.EDITOR, "add a step")
    step = step.validated()
    with translated_errors(), ws.transaction():
        position = queries.count_stage_steps(ws.db, stage_id) + 1
        values = {**as_columns(step), "stage_id": stage_id, "position": position}
        return rows.insert_row(ws.db, "step", values, actor.name)


def link_persona(ws: Workspace, actor: Actor, journey_id: int, persona_id: int) -> None:
    """Record that a journey is about a persona."""
    require(actor, Role.EDITOR, "link a persona to a journey")
    with translated_errors(), ws.transaction():
        before = _persona_names(ws, journey_id)
        queries.link_journey_persona(ws.db, journey_id, persona_id)
        _log_personas(ws, actor, journey_id, before)


def unlink_persona(
    ws: Workspace, actor: Actor, journey_id: int, persona_id: int
) -> None:
    """Record that a journey is no longer about a persona."""
    require(actor, Role.EDITOR, "unlink a persona from a journey")
    with translated_errors(), ws.transaction():
        before = _persona_names(ws, journey_id)
        structure.unlink_journey_persona(ws.db, journey_id, persona_id)
        _log_personas(ws, actor, journey_id, before)


def _persona_names(ws: Workspace, journey_id: int) -> list[str]:
    return [p["name"] for p in structure.journey_personas(ws.db, journey_id)]


def _log_personas(
    ws: Workspace, actor: Actor, journey_id: int, before: list[str]
) -> None:
    # Links live in their own table; log them against the journey, by name.
    after = _persona_names(ws, journey_id)
    if after != before:
        structure.log_change(
            ws.db,
            actor.name,
            "journey",
            journey_id,
            {"personas": before},
            {"personas": after},
        )


def journey_personas(ws: Workspace, journey_id: int) -> list[dict]:
    """The personas a journey is about, by name."""
    return structure.journey_personas(ws.db, journey_id)


def duplicate_journey(ws: Workspace, actor: Actor, journey_id: int, title: str) -> int:
    """Copy a journey with its stages, steps, supporters and personas, as a draft.

    Used for an as-is / to-be pair: the copy is independent of the original.
    """
    require(actor, Role.EDITOR, "duplicate a journey")
    source = load_journey_map(ws, journey_id)
    journey = Journey(
        title=title,
        description=source.journey["description"],
        lead_agency_id=source.journey["lead_agency_id"],
        status="draft",
        review_by=source.journey["review_by"],
        source=f"Copy of journey {journey_id}: {source.journey['title']}",
    ).validated()
    with translated_errors(f"The journey title {journey.title!r}"), ws.transaction():
        copy_id = rows.insert_row(ws.db, "journey", as_columns(journey), actor.name)
        for stage in source.stages:
            _copy_stage(ws, actor, copy_id, stage, source.steps_by_stage[stage["id"]])
        for persona_id in source.persona_ids:
            queries.link_journey_persona(ws.db, copy_id, persona_id)
    return copy_id


def _copy_stage(
    ws: Workspace, actor: Actor, journey_id: int, stage: dict, steps: list[dict]
) -> None:
    stage_values = {
        "journey_id": journey_id,
        "position": stage["position"],
        "name": stage["name"],
        "description": stage["description"],
    }
    stage_id = rows.insert_row(ws.db, "stage", stage_values, actor.name)
    for step in steps:
        values = {name: step[name] for name in STEP_FIELDS}
        values.update(stage_id=stage_id, position=step["position"])
        step_id = rows.insert_row(ws.db, "step", values, actor.name)
        structure.set_supporting_agencies(ws.db, step_id, step["supporting_agency_ids"])
