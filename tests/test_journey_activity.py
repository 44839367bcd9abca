"""Recording and showing change: a journey's activity, the workspace's recent
edits, and the links (personas, supporting agencies) saved with a row."""

import pytest

from journeys import activity, journey_edit, maps, persona_files, stages
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import EditConflict
from journeys.importers import import_file
from journeys.models import Journey, Stage, Step
from tests.journey_fixture import build_driving

OTHER = Actor("omar from DWP", Role.EDITOR)


def summary(entries):
    return [(e.actor, e.action, e.subject, e.details) for e in entries]


def test_journey_activity_names_who_what_before_and_after(ws):
    driving = build_driving(ws)
    book = driving.steps["Book your theory test"]
    stored = stages.get_step(ws, book)
    step = stages.step_from_row(stored)
    step.channel = "phone"
    stages.update_step(ws, OTHER, book, stored["version"], step)
    cancel = driving.steps["Cancel your theory test"]
    stages.delete_step(ws, OTHER, cancel, stages.get_step(ws, cancel)["version"])

    latest = activity.journey_activity(ws, driving.journey_id, limit=2)

    assert summary(latest) == [
        (
            "omar from DWP",
            "Deleted",
            "Step 'Cancel your theory test'",
            "Removed, with everything it held",
        ),
        (
            "omar from DWP",
            "Changed",
            "Step 'Book your theory test'",
            "channel: online → phone",
        ),
    ]
    everything = activity.journey_activity(ws, driving.journey_id, limit=100)
    assert everything[-1].subject == "Journey 'Learn to drive a car'"
    assert everything[-1].action == "Added"
    assert len(everything) == 1 + 3 + 4 + 2  # journey, stages, steps, 2 changes


def test_deleted_stage_and_moves_are_shown_and_other_journeys_left_out(ws):
    driving = build_driving(ws)
    other_id = maps.create_journey(ws, OTHER, Journey("Get a divorce"))
    other_stage = maps.add_stage(ws, OTHER, other_id, Stage("Apply"))
    maps.add_step(ws, OTHER, other_stage, Step("Fill in the form"))
    theory = driving.stages["Book and manage your theory test"]
    stages.move_stage(ws, DEMO_EDITOR, theory, "up")
    version = maps.load_journey_map(ws, driving.journey_id).stages[1]["version"]
    stages.delete_stage(ws, DEMO_EDITOR, theory, version)

    subjects = [e.subject for e in activity.journey_activity(ws, driving.journey_id)]
    details = [e.details for e in activity.journey_activity(ws, driving.journey_id)]

    assert subjects[:3] == [
        "Stage 'Get a provisional driving licence'",  # renumbered back to 2
        "Stage 'Book and manage your theory test'",
        "Step 'Cancel your theory test'",
    ]
    assert "moved from place 3 to 2" in details
    assert "Step 'Fill in the form'" not in subjects
    assert "Journey 'Get a divorce'" not in subjects


def test_a_reused_step_id_keeps_each_life_on_its_own_journey(ws):
    driving = build_driving(ws)
    last = driving.steps["Cancel your theory test"]  # the highest id so far
    stages.delete_step(ws, DEMO_EDITOR, last, stages.get_step(ws, last)["version"])
    other_id = maps.create_journey(ws, OTHER, Journey("Get a divorce"))
    other_stage = maps.add_stage(ws, OTHER, other_id, Stage("Apply"))
    reused = maps.add_step(ws, OTHER, other_stage, Step("Fill in the form"))
    assert reused == last  # SQLite gave the deleted step's id again

    driving_steps = [
        e.subject
        for e in activity.journey_activity(ws, driving.journey_id)
        if e.subject.startswith("Step")
    ]
    other_steps = [e.subject for e in activity.journey_activity(ws, other_id)]

    assert "Step 'Fill in the form'" not in driving_steps
    assert driving_steps.count("Step 'Cancel your theory test'") == 2  # add, delete
    assert other_steps == [
        "Step 'Fill in the form'",
        "Stage 'Apply'",
        "Journey 'Get a divorce'",
    ]


def test_journey_saved_with_its_personas_logs_them_by_name(ws):
    driving = build_driving(ws)
    journey = maps.load_journey_map(ws, driving.journey_id).journey
    edited = Journey(
        title="Learn to drive a car",
        description="From licence to test",
        status="in review",
        review_by="2027-01-31",
    )
    saved = journey_edit.save_journey(
        ws, DEMO_EDITOR, driving.journey_id, journey["version"], edited, [driving.ron]
    )

    assert saved["persona_ids"] == [driving.ron]
    assert maps.load_journey_map(ws, driving.journey_id).persona_ids == [driving.ron]
    latest = activity.journey_activity(ws, driving.journey_id, limit=2)
    assert [e.details for e in latest] == [
        "personas: (empty) → Ron",
        "description: (empty) → From licence to test; review-by date: (empty) → "
        "2027-01-31; status: draft → in review",
    ]

    with pytest.raises(EditConflict) as raised:
        journey_edit.save_journey(
            ws, OTHER, driving.journey_id, journey["version"], edited, []
        )
    conflict = raised.value
    assert conflict.current["persona_ids"] == [driving.ron]
    assert conflict.yours["persona_ids"] == []
    names = activity.workspace_names(ws)
    assert journey_edit.differences(conflict.current, conflict.yours, names) == [
        ("personas", "Ron", "(empty)")
    ]


def test_step_saved_with_supporters_and_a_new_stage_in_one_go(ws):
    driving = build_driving(ws)
    book = driving.steps["Book your theory test"]
    stored = journey_edit.read_step(ws, book)
    step = stages.step_from_row(stored)
    step.emotions = {str(driving.ron): -1}
    licence = driving.stages["Get a provisional driving licence"]
    journey_edit.save_step(
        ws,
        DEMO_EDITOR,
        book,
        stored["version"],
        step,
        [driving.agencies["DVLA"]],
        stage_id=licence,
    )

    saved = journey_edit.read_step(ws, book)
    assert saved["supporting_agency_ids"] == [driving.agencies["DVLA"]]
    assert (saved["stage_id"], saved["position"]) == (licence, 2)
    assert saved["emotions"] == {str(driving.ron): -1}
    latest = activity.journey_activity(ws, driving.journey_id, limit=4)
    book_words = "Step 'Book your theory test'"
    assert summary(latest) == [
        (
            "demo editor",
            "Changed",
            "Step 'Cancel your theory test'",
            "moved from place 2 to 1",
        ),
        (
            "demo editor",
            "Changed",
            book_words,
            "order: 1 → 2; stage: Book and manage your theory test → "
            "Get a provisional driving licence",
        ),
        ("demo editor", "Changed", book_words, "supporting agencies: (empty) → DVLA"),
        ("demo editor", "Changed", book_words, "emotions: (empty) → Ron -1"),
    ]

    with pytest.raises(EditConflict) as raised:
        journey_edit.save_step(ws, OTHER, book, stored["version"], step, [])
    assert raised.value.current["supporting_agency_ids"] == [driving.agencies["DVLA"]]
    assert raised.value.yours["supporting_agency_ids"] == []


@pytest.mark.parametrize(
    ("text", "notes"),
    [
        (
            "Long wait on the phone (high)",
            [{"text": "Long wait on the phone", "severity": "high"}],
        ),
        (
            "Form asks twice (LOW)\n\n  No level  ",
            [
                {"text": "Form asks twice", "severity": "low"},
                {"text": "No level", "severity": "medium"},
            ],
        ),
        ("(high)", [{"text": "(high)", "severity": "medium"}]),
        (
            "Costs (a lot) of money",
            [{"text": "Costs (a lot) of money", "severity": "medium"}],
        ),
    ],
)
def test_pain_point_lines_read_their_level(text, notes):
    assert journey_edit.notes_from_text(text, "severity") == notes
    again = journey_edit.notes_to_text(notes, "severity")
    assert journey_edit.notes_from_text(again, "severity") == notes


def test_recent_edits_leave_out_what_imports_created(ws):
    importer = Actor("data team", Role.ADMIN)
    result = import_file(
        ws,
        importer,
        "personas-markdown",
        "journeys/sources/personas_govuk_accessibility_and_va_veterans.md",
    )
    assert result.created == {"persona": 17}
    persona_files.import_file(
        ws, OTHER, b"name,summary\r\nNadia,Recently arrived\r\n", "people.csv"
    )
    journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey("Get a divorce"))
    stage_id = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage("Apply"))
    step_id = maps.add_step(ws, DEMO_EDITOR, stage_id, Step("Fill in the form"))
    stored = stages.get_step(ws, step_id)
    step = stages.step_from_row(stored)
    step.fee = "£593"
    stages.update_step(ws, DEMO_EDITOR, step_id, stored["version"], step)

    edits = activity.recent_edits(ws, limit=100)

    assert summary(edits) == [
        ("demo editor", "Changed", "Step 'Fill in the form'", "fee: (empty) → £593"),
        ("demo editor", "Added", "Step 'Fill in the form'", "New"),
        ("demo editor", "Added", "Stage 'Apply'", "New"),
        ("demo editor", "Added", "Journey 'Get a divorce'", "New"),
        # A spreadsheet imported outside the page is not recorded as an import.
        ("omar from DWP", "Added", "Persona 'Nadia'", "New"),
    ]
    assert [(i["kind"], i["actor"]) for i in activity.list_imports(ws)] == [
        ("personas-markdown", "data team")
    ]
