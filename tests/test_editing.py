"""Editing a journey's structure and personas: order, details, staleness, compare."""

import datetime

import pytest

from journeys import agencies, maps, personas, review, stages
from journeys.access import DEMO_ADMIN, DEMO_EDITOR, Actor, Role
from journeys.errors import EditConflict, JourneyError, PermissionDenied
from journeys.models import Agency, Journey, Persona, Stage, Step
from storage import queries


@pytest.fixture
def driving(ws):
    """'Learn to drive a car' cut down to three stages of GOV.UK's real steps."""
    dvla = agencies.ensure_agency(ws, DEMO_EDITOR, Agency("DVLA"))
    dvsa = agencies.ensure_agency(ws, DEMO_EDITOR, Agency("DVSA"))
    journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey("Learn to drive a car"))
    ids = {}
    for name, steps in [
        ("Check you're allowed to drive", [("Check what age you can drive", None)]),
        (
            "Get a provisional driving licence",
            [("Apply for your first provisional driving licence", dvla)],
        ),
        (
            "Book and manage your theory test",
            [("Book your theory test", dvsa), ("Cancel your theory test", dvsa)],
        ),
    ]:
        stage_id = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage(name))
        ids[name] = stage_id
        for action, owner in steps:
            ids[action] = maps.add_step(
                ws, DEMO_EDITOR, stage_id, Step(action, owning_agency_id=owner)
            )
    ids["journey"], ids["DVLA"], ids["DVSA"] = journey_id, dvla, dvsa
    return ids


def stage_names(ws, journey_id):
    return [s["name"] for s in maps.load_journey_map(ws, journey_id).stages]


def step_actions(ws, journey_id):
    return [s["action"] for s in maps.load_journey_map(ws, journey_id).steps()]


def test_move_stage_up_and_down_keeps_positions_dense(ws, driving):
    theory = driving["Book and manage your theory test"]
    stages.move_stage(ws, DEMO_EDITOR, theory, "up")
    assert stage_names(ws, driving["journey"]) == [
        "Check you're allowed to drive",
        "Book and manage your theory test",
        "Get a provisional driving licence",
    ]
    stages.move_stage(ws, DEMO_EDITOR, theory, "up")
    stages.move_stage(ws, DEMO_EDITOR, theory, "up")  # already first: no change
    journey_map = maps.load_journey_map(ws, driving["journey"])
    assert [s["position"] for s in journey_map.stages] == [1, 2, 3]
    assert journey_map.stages[0]["name"] == "Book and manage your theory test"


def test_move_step_within_stage_and_to_another_stage(ws, driving):
    stages.move_step(ws, DEMO_EDITOR, driving["Cancel your theory test"], "up")
    assert step_actions(ws, driving["journey"])[2:] == [
        "Cancel your theory test",
        "Book your theory test",
    ]
    book = stages.get_step(ws, driving["Book your theory test"])
    stages.move_step_to_stage(
        ws,
        DEMO_EDITOR,
        book["id"],
        book["version"],
        driving["Get a provisional driving licence"],
    )
    journey_map = maps.load_journey_map(ws, driving["journey"])
    licence = journey_map.steps_by_stage[driving["Get a provisional driving licence"]]
    assert [(s["action"], s["position"]) for s in licence] == [
        ("Apply for your first provisional driving licence", 1),
        ("Book your theory test", 2),
    ]
    theory = journey_map.steps_by_stage[driving["Book and manage your theory test"]]
    assert [(s["action"], s["position"]) for s in theory] == [
        ("Cancel your theory test", 1)
    ]


def test_edit_step_details_and_supporting_agencies(ws, driving):
    ron = personas.create_persona(ws, DEMO_EDITOR, Persona("Ron"))
    step = stages.get_step(ws, driving["Book your theory test"])
    edited = stages.step_from_row(step)
    edited.emotions = {str(ron): -2}
    edited.pain_points = [{"text": "Hard to use without a mouse", "severity": "high"}]
    edited.evidence = [{"source": "Usability test", "date": "2024-05-01"}]
    stages.update_step(
        ws, DEMO_EDITOR, step["id"], step["version"], edited, [driving["DVLA"]]
    )
    saved = maps.load_journey_map(ws, driving["journey"]).steps()[2]
    assert saved["emotions"] == {str(ron): -2}
    assert saved["pain_points"] == [
        {"text": "Hard to use without a mouse", "severity": "high"}
    ]
    assert saved["evidence"] == [
        {"source": "Usability test", "date": "2024-05-01", "personal_data": False}
    ]
    assert saved["supporting_agency_ids"] == [driving["DVLA"]]
    assert saved["owning_agency_id"] == driving["DVSA"]


def test_two_editors_on_one_step_second_gets_conflict(ws, driving):
    step = stages.get_step(ws, driving["Book your theory test"])
    first = stages.step_from_row(step)
    first.fee = "£23"
    stages.update_step(
        ws, Actor("omar", Role.EDITOR), step["id"], step["version"], first
    )
    second = stages.step_from_row(step)
    second.channel = "phone"
    with pytest.raises(EditConflict, match="changed by omar") as caught:
        stages.update_step(ws, DEMO_EDITOR, step["id"], step["version"], second)
    assert caught.value.current["fee"] == "£23"
    assert caught.value.yours["channel"] == "phone"
    assert stages.get_step(ws, step["id"])["channel"] == "online"


def test_delete_stage_removes_its_steps_and_logs_each(ws, driving):
    theory = driving["Book and manage your theory test"]
    stages.delete_stage(ws, DEMO_EDITOR, theory, 1)
    assert stage_names(ws, driving["journey"]) == [
        "Check you're allowed to drive",
        "Get a provisional driving licence",
    ]
    deleted = [c["table_name"] for c in ws.recent_changes(5) if c["action"] == "delete"]
    assert sorted(deleted) == ["stage", "step", "step"]


def test_duplicate_journey_is_an_independent_copy(ws, driving):
    copy_id = maps.duplicate_journey(
        ws, DEMO_EDITOR, driving["journey"], "Learn to drive a car (to-be)"
    )
    assert step_actions(ws, copy_id) == step_actions(ws, driving["journey"])
    first_step = maps.load_journey_map(ws, copy_id).steps()[0]
    stages.delete_step(ws, DEMO_EDITOR, first_step["id"], first_step["version"])
    assert len(step_actions(ws, driving["journey"])) == 4
    assert len(step_actions(ws, copy_id)) == 3
    copy = maps.load_journey_map(ws, copy_id).journey
    assert (copy["status"], copy["source"]) == (
        "draft",
        f"Copy of journey {driving['journey']}: Learn to drive a car",
    )


def test_compare_lines_up_stages_and_steps(ws, driving):
    copy_id = maps.duplicate_journey(ws, DEMO_EDITOR, driving["journey"], "To-be")
    to_be = maps.load_journey_map(ws, copy_id)
    cancel = [s for s in to_be.steps() if s["action"] == "Cancel your theory test"][0]
    stages.delete_step(ws, DEMO_EDITOR, cancel["id"], cancel["version"])
    maps.add_stage(ws, DEMO_EDITOR, copy_id, Stage("When you pass"))
    differences = review.compare(
        maps.load_journey_map(ws, driving["journey"]),
        maps.load_journey_map(ws, copy_id),
    )
    by_stage = {d.stage: d for d in differences}
    theory = by_stage["Book and manage your theory test"]
    assert theory.only_in_first == ("Cancel your theory test",)
    assert theory.in_both == ("Book your theory test",)
    passed = by_stage["When you pass"]
    assert (passed.in_first, passed.in_second) == (False, True)


def test_staleness_names_each_reason(ws, driving):
    journey_map = maps.load_journey_map(ws, driving["journey"])
    journey = journey_map.journey
    maps.update_journey(
        ws,
        DEMO_EDITOR,
        journey["id"],
        journey["version"],
        Journey(journey["title"], review_by="2026-01-31"),
    )
    book = stages.get_step(ws, driving["Book your theory test"])
    fresh = stages.step_from_row(book)
    fresh.evidence = [{"source": "Analytics", "date": "2026-06-01"}]
    stages.update_step(ws, DEMO_EDITOR, book["id"], book["version"], fresh)
    cancel = stages.get_step(ws, driving["Cancel your theory test"])
    old = stages.step_from_row(cancel)
    old.evidence = [{"source": "2019 survey", "date": "2019-03-01"}]
    stages.update_step(ws, DEMO_EDITOR, cancel["id"], cancel["version"], old)

    report = review.staleness(
        maps.load_journey_map(ws, driving["journey"]),
        max_age_days=730,
        today=datetime.date(2026, 12, 4),
    )
    assert report.review_overdue and report.is_stale
    assert [s["action"] for s in report.steps_with_old_evidence] == [
        "Cancel your theory test"
    ]
    assert [s["action"] for s in report.steps_without_evidence] == [
        "Check what age you can drive",
        "Apply for your first provisional driving licence",
    ]
    assert [s["action"] for s in report.steps_without_owner] == [
        "Check what age you can drive"
    ]


def test_evidence_age_limit_is_an_admin_setting(ws):
    assert review.evidence_max_age_days(ws) == 730
    with pytest.raises(PermissionDenied):
        review.set_evidence_max_age_days(ws, DEMO_EDITOR, 365)
    review.set_evidence_max_age_days(ws, DEMO_ADMIN, 365)
    assert review.evidence_max_age_days(ws) == 365


def test_persona_in_use_is_archived_not_deleted(ws, driving):
    ron = personas.create_persona(ws, DEMO_EDITOR, Persona("Ron", tags=["older"]))
    maps.link_persona(ws, DEMO_EDITOR, driving["journey"], ron)
    with pytest.raises(JourneyError, match="used by 1 journey"):
        personas.delete_persona(ws, DEMO_EDITOR, ron, 1)
    personas.archive_persona(ws, DEMO_EDITOR, ron, 1)
    assert personas.list_personas(ws) == []
    assert [p["name"] for p in personas.list_personas(ws, include_archived=True)] == [
        "Ron"
    ]
    assert [p["name"] for p in maps.journey_personas(ws, driving["journey"])] == ["Ron"]


def test_duplicate_and_search_personas(ws):
    personas.create_persona(
        ws,
        DEMO_EDITOR,
        Persona(
            "Ashleigh",
            access_needs=["severely sight impaired (blind)"],
            assistive_technology=["uses a screen reader"],
            tags=["GOV.UK accessibility"],
        ),
    )
    personas.create_persona(ws, DEMO_EDITOR, Persona("Jim", tags=["VA"]))
    ashleigh = queries.find_persona_id(ws.db, "Ashleigh")
    personas.duplicate_persona(ws, DEMO_EDITOR, ashleigh, "Ashleigh (Welsh speaker)")
    found = personas.list_personas(ws)
    assert [p["name"] for p in personas.search_personas(found, "SCREEN READER")] == [
        "Ashleigh",
        "Ashleigh (Welsh speaker)",
    ]
    assert [p["name"] for p in personas.search_personas(found, tags=["VA"])] == ["Jim"]
    assert personas.facet_values(found, "tags") == ["GOV.UK accessibility", "VA"]


def test_links_to_personas_and_supporters_are_logged_by_name(ws, driving):
    ron = personas.create_persona(ws, DEMO_EDITOR, Persona("Ron"))
    maps.link_persona(ws, DEMO_EDITOR, driving["journey"], ron)
    maps.unlink_persona(ws, DEMO_EDITOR, driving["journey"], ron)
    stages.set_supporting_agencies(
        ws, DEMO_EDITOR, driving["Book your theory test"], [driving["DVLA"]]
    )
    logged = [
        (c["table_name"], c["before"], c["after"])
        for c in reversed(ws.recent_changes(3))
    ]
    assert logged == [
        ("journey", {"personas": []}, {"personas": ["Ron"]}),
        ("journey", {"personas": ["Ron"]}, {"personas": []}),
        ("step", {"supporting_agencies": []}, {"supporting_agencies": ["DVLA"]}),
    ]
