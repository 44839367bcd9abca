"""Domain functions: roles, conflicts, journeys, KPI arithmetic."""

import pytest

from journeys import agencies, maps, metrics, personas
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import DuplicateName, EditConflict, PermissionDenied
from journeys.models import Agency, Journey, Persona, Stage, Step
from journeys.workspace import Workspace

VIEWER = Actor("viv", Role.VIEWER)
OTHER_EDITOR = Actor("omar", Role.EDITOR)


def test_viewer_cannot_write_anything(ws):
    attempts = [
        lambda: personas.create_persona(ws, VIEWER, Persona("Ron")),
        lambda: maps.create_journey(ws, VIEWER, Journey("Get a divorce")),
        lambda: agencies.create_agency(ws, VIEWER, Agency("Department for Transport")),
        lambda: metrics.ensure_standard_kpis(ws, VIEWER),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="viv is a viewer"):
            attempt()
    assert ws.is_empty()
    assert ws.counts()["kpi"] == 0


def test_second_save_of_a_persona_gets_both_versions(ws, tmp_path):
    persona_id = personas.create_persona(ws, DEMO_EDITOR, Persona("Ron", summary="82"))
    opened = personas.get_persona(ws, persona_id)

    other = Workspace.open(ws.path)
    theirs = personas.persona_from_row(opened)
    theirs.summary = "82 years old, retired"
    personas.update_persona(other, OTHER_EDITOR, persona_id, opened["version"], theirs)
    other.close()

    mine = personas.persona_from_row(opened)
    mine.summary = "Older user with multiple conditions"
    with pytest.raises(EditConflict, match="changed by omar") as caught:
        personas.update_persona(ws, DEMO_EDITOR, persona_id, opened["version"], mine)
    conflict = caught.value
    assert conflict.current["summary"] == "82 years old, retired"
    assert conflict.yours["summary"] == "Older user with multiple conditions"
    assert personas.changed_fields(conflict.current, conflict.yours) == ["summary"]
    assert personas.get_persona(ws, persona_id)["summary"] == "82 years old, retired"

    # Re-applying against the version now stored succeeds.
    saved = personas.update_persona(
        ws, DEMO_EDITOR, persona_id, conflict.current["version"], mine
    )
    assert (saved["summary"], saved["version"]) == (
        "Older user with multiple conditions",
        3,
    )


def test_duplicate_persona_name_gets_a_clear_message(ws):
    personas.create_persona(ws, DEMO_EDITOR, Persona("Simone"))
    with pytest.raises(DuplicateName, match="'SIMONE' is already used"):
        personas.create_persona(ws, DEMO_EDITOR, Persona("SIMONE"))


def test_journey_map_keeps_stage_and_step_order(ws):
    dvla = agencies.ensure_agency(ws, DEMO_EDITOR, Agency("DVLA"))
    journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey("Learn to drive a car"))
    check = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage("Check you're allowed"))
    licence = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage("Get a licence"))
    maps.add_step(ws, DEMO_EDITOR, licence, Step("Apply", owning_agency_id=dvla))
    maps.add_step(ws, DEMO_EDITOR, check, Step("Check age"))
    maps.add_step(ws, DEMO_EDITOR, check, Step("Check eyesight"))

    journey_map = maps.load_journey_map(ws, journey_id)
    assert [s["name"] for s in journey_map.stages] == [
        "Check you're allowed",
        "Get a licence",
    ]
    assert [s["action"] for s in journey_map.steps()] == [
        "Check age",
        "Check eyesight",
        "Apply",
    ]
    assert [s["owning_agency_name"] for s in journey_map.steps()] == [
        None,
        None,
        "DVLA",
    ]


def test_rename_keeps_the_rest_of_the_journey(ws):
    journey_id = maps.create_journey(
        ws, DEMO_EDITOR, Journey("Get a divorce", description="England and Wales")
    )
    saved = maps.rename_journey(ws, DEMO_EDITOR, journey_id, 1, "Get divorced")
    assert (saved["title"], saved["description"], saved["version"]) == (
        "Get divorced",
        "England and Wales",
        2,
    )


def test_seed_funnel_abandonment_and_stage_to_fix():
    # The online tax return of SOURCES.md: 1,000 / 980 / 950 / 700 / 680.
    stages = metrics.funnel(
        [
            ("Personal information", 1000),
            ("Income details", 980),
            ("Document upload", 950),
            ("Review and submit", 700),
            ("Submitted", 680),
        ]
    )
    assert [round(s.abandonment * 100, 1) for s in stages[:-1]] == [2.0, 3.1, 26.3, 2.9]
    assert stages[-1].abandonment is None
    assert stages[2].lost == 250
    assert metrics.stage_to_fix_first(stages).stage == "Document upload"


def test_funnel_gap_gives_no_made_up_rate():
    stages = metrics.funnel(
        [("About you", 3912), ("Care", None), ("Other money", 2641)]
    )
    assert [s.abandonment for s in stages] == [None, None, None]
    assert metrics.stage_to_fix_first(stages) is None


def test_top_two_box_counts_4_and_5_only():
    # 42 + 32 = 74 of 107 answers.
    assert metrics.top_two_box({5: 42, 4: 32, 3: 10, 2: 9, 1: 14}) == 74 / 107
    assert metrics.top_two_box({}) is None


def test_standard_kpis_are_added_once(ws):
    first = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)
    again = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)
    assert first == again
    assert {k["key"] for k in metrics.list_kpis(ws)} == metrics.STANDARD_KEYS
    assert {
        "completion_rate",
        "user_satisfaction",
        "digital_take_up",
        "cost_per_transaction",
        "users_at_stage",
        "satisfaction_responses",
    } <= metrics.STANDARD_KEYS


def test_every_editable_table_has_a_word_for_messages():
    from journeys.workspace import TABLE_WORDS
    from storage.schema import EDITABLE_TABLES

    assert sorted(TABLE_WORDS) == sorted(EDITABLE_TABLES)
