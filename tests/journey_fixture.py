"""A small journey for the editing tests: GOV.UK's "Learn to drive a car", cut down.

Three stages, four steps, two agencies and one persona, built through the
domain functions as a person would.
"""

from dataclasses import dataclass

from journeys import agencies, maps, personas
from journeys.access import DEMO_EDITOR
from journeys.models import Agency, Journey, Persona, Stage, Step
from journeys.workspace import Workspace

STAGES = (
    ("Check you're allowed to drive", [("Check what age you can drive", None)]),
    (
        "Get a provisional driving licence",
        [("Apply for your first provisional driving licence", "DVLA")],
    ),
    (
        "Book and manage your theory test",
        [("Book your theory test", "DVSA"), ("Cancel your theory test", "DVSA")],
    ),
)


@dataclass
class Driving:
    journey_id: int
    ron: int
    agencies: dict[str, int]
    stages: dict[str, int]
    steps: dict[str, int]


def build_driving(ws: Workspace) -> Driving:
    ron = personas.create_persona(ws, DEMO_EDITOR, Persona("Ron"))
    agency_ids = {
        name: agencies.ensure_agency(ws, DEMO_EDITOR, Agency(name))
        for name in ("DVLA", "DVSA")
    }
    journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey("Learn to drive a car"))
    stage_ids, step_ids = {}, {}
    for name, steps in STAGES:
        stage_ids[name] = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage(name))
        for action, owner in steps:
            step_ids[action] = maps.add_step(
                ws,
                DEMO_EDITOR,
                stage_ids[name],
                Step(action, owning_agency_id=agency_ids.get(owner)),
            )
    return Driving(journey_id, ron, agency_ids, stage_ids, step_ids)


def actions(ws: Workspace, journey_id: int) -> list[str]:
    return [s["action"] for s in maps.load_journey_map(ws, journey_id).steps()]
