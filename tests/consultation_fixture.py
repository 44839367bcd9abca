"""A small workspace for the consultation tests: one journey, a persona, two
agencies, and an open session about them.

Made with the domain functions, as a person would, so the tests exercise
the real checks. Times are fixed so limits and expiry are tested exactly.
"""

import datetime
from dataclasses import dataclass

from journeys import agencies, maps, personas, sessions
from journeys.access import DEMO_EDITOR
from journeys.models import Agency, Journey, Persona, Stage, Step

NOW = datetime.datetime(2025, 3, 4, 18, 30, tzinfo=datetime.UTC)


@dataclass
class Setup:
    journey_id: int
    stage_ids: list[int]  # "Check you can apply", "Tell us about your money"
    step_ids: list[int]  # one step in each stage
    persona_id: int
    host_id: int  # the community group hosting the session
    owner_id: int  # the department owning the changes
    session_id: int
    code: str


def build(ws, *, opened: bool = True) -> Setup:
    host = agencies.create_agency(
        ws, DEMO_EDITOR, Agency("Carers Together", kind="community")
    )
    owner = agencies.create_agency(
        ws, DEMO_EDITOR, Agency("Department for Work and Pensions")
    )
    journey = maps.create_journey(
        ws, DEMO_EDITOR, Journey("Apply for Carer's Allowance", lead_agency_id=owner)
    )
    stages, steps = [], []
    for name, action in (
        ("Check you can apply", "Read who can get it"),
        ("Tell us about your money", "Give your earnings"),
    ):
        stage = maps.add_stage(ws, DEMO_EDITOR, journey, Stage(name))
        stages.append(stage)
        steps.append(maps.add_step(ws, DEMO_EDITOR, stage, Step(action)))
    persona = personas.create_persona(
        ws, DEMO_EDITOR, Persona("Ashleigh", summary="Cares for her mother")
    )
    session_id = sessions.create_session(
        ws,
        DEMO_EDITOR,
        sessions.ConsultationSession(
            title="Carers' evening",
            starts_at="2025-03-04 18:30",
            place="Central Library",
            host_agency_id=host,
            agency_ids=[host, owner],
            journey_ids=[journey],
            persona_ids=[persona],
            access_offered=["Step-free access", "Childcare"],
        ),
    )
    code = ""
    if opened:
        row = sessions.get_session(ws, session_id)
        code = sessions.open_session(
            ws, DEMO_EDITOR, session_id, row["version"], now=NOW
        )["join_code"]
    return Setup(journey, stages, steps, persona, host, owner, session_id, code)


def joined_device(ws, setup: Setup, token: str = "phone-1") -> str:
    """A device token that has joined the setup's session."""
    sessions.join_session(ws, setup.code, token, "198.51.100.7", now=NOW)
    return token


def give(
    ws,
    setup: Setup,
    text: str,
    token: str = "phone-1",
    *,
    address: str | None = None,
    now: datetime.datetime = NOW,
    **fields,
) -> int:
    """Feedback sent from a joined device, from ``address`` (None: unknown)
    at ``now``, on the second stage."""
    entry = sessions.FeedbackEntry(
        what_happened=text,
        journey_id=setup.journey_id,
        stage_id=setup.stage_ids[1],
        **fields,
    )
    return sessions.submit_feedback(
        ws, sessions.PARTICIPANT, setup.session_id, entry, token, address, now=now
    )
