"""A small workspace whose agency graph is worked out by hand in test_network.py.

Six agencies, three personas, three journeys (owner of each step in brackets):

* "Move house", personas Priya and Quentin:
  1.1 Check council tax band (Alpha), 1.2 Tell the board (Beta),
  2.1 Pack (nobody), 2.2 Register with the council (Cedar, by phone),
  2.3 Update the board record (Beta)
* "Start a business", personas Quentin and Rosa:
  1.1 Register the name (Beta), 1.2 Get a licence (Cedar),
  1.3 Open an account (Delta, supported by Cedar), 1.4 Celebrate (nobody)
* "Register a birth", no persona:
  1.1 Book an appointment (Cedar), 1.2 Attend the registration (Echo, in person)

Foxtrot Fund (a community organisation) owns nothing.
"""

from dataclasses import dataclass

from journeys import agencies, maps, personas, stages
from journeys.access import DEMO_EDITOR
from journeys.models import Agency, Journey, Persona, Stage, Step


@dataclass
class Fixture:
    agency: dict[str, int]  # first word of the name -> id
    persona: dict[str, int]
    journey: dict[str, int]  # title -> id
    step: dict[str, int]  # "<journey initials> <number>" such as "MH 2.2" -> id


AGENCIES = (
    ("Alpha Agency", "government"),
    ("Beta Board", "government"),
    ("Cedar Council", "government"),
    ("Delta Department", "government"),
    ("Echo Office", "partner"),
    ("Foxtrot Fund", "community"),
)


def build_fixture(ws, agency_names: dict[str, str] | None = None) -> Fixture:
    """Build the workspace above; ``agency_names`` renames agencies by first word."""
    renamed = agency_names or {}
    agency = {}
    for name, kind in AGENCIES:
        key = name.split()[0]
        agency[key] = agencies.create_agency(
            ws, DEMO_EDITOR, Agency(renamed.get(key, name), kind=kind)
        )
    persona = {
        name: personas.create_persona(ws, DEMO_EDITOR, Persona(name))
        for name in ("Priya", "Quentin", "Rosa")
    }
    journey: dict[str, int] = {}
    step: dict[str, int] = {}

    def add_journey(title, initials, persona_names, stage_list):
        journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey(title))
        journey[title] = journey_id
        for persona_name in persona_names:
            maps.link_persona(ws, DEMO_EDITOR, journey_id, persona[persona_name])
        for stage_number, (stage_name, steps) in enumerate(stage_list, start=1):
            stage_id = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage(stage_name))
            for step_number, (action, owner, channel) in enumerate(steps, start=1):
                step_id = maps.add_step(
                    ws,
                    DEMO_EDITOR,
                    stage_id,
                    Step(
                        action,
                        channel=channel,
                        owning_agency_id=agency[owner] if owner else None,
                    ),
                )
                step[f"{initials} {stage_number}.{step_number}"] = step_id

    add_journey(
        "Move house",
        "MH",
        ["Priya", "Quentin"],
        [
            (
                "Prepare",
                [
                    ("Check council tax band", "Alpha", "online"),
                    ("Tell the board", "Beta", "online"),
                ],
            ),
            (
                "Move",
                [
                    ("Pack", None, "other"),
                    ("Register with the council", "Cedar", "phone"),
                    ("Update the board record", "Beta", "online"),
                ],
            ),
        ],
    )
    add_journey(
        "Start a business",
        "SB",
        ["Quentin", "Rosa"],
        [
            (
                "Register",
                [
                    ("Register the name", "Beta", "online"),
                    ("Get a licence", "Cedar", "online"),
                    ("Open an account", "Delta", "online"),
                    ("Celebrate", None, "other"),
                ],
            )
        ],
    )
    stages.set_supporting_agencies(ws, DEMO_EDITOR, step["SB 1.3"], [agency["Cedar"]])
    add_journey(
        "Register a birth",
        "RB",
        [],
        [
            (
                "Registration",
                [
                    ("Book an appointment", "Cedar", "online"),
                    ("Attend the registration", "Echo", "in person"),
                ],
            )
        ],
    )
    return Fixture(agency, persona, journey, step)
