"""Editing steps in a table: edits by row position land on the right step, once.

The PITFALLS 1 and 2 cases, adapted to steps: two edits in two reruns are
both kept; positions resolve against the rows shown, never by id or label;
edits made on an older table are refused, and a step someone else saved is
not overwritten unless the person asks.
"""

import pytest

from journeys import agencies, bulk_edit, maps, stages
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import PermissionDenied, ValidationError
from journeys.models import Step
from tests.journey_fixture import actions, build_driving

OTHER = Actor("omar from DWP", Role.EDITOR)


def snapshot(ws, journey_id):
    journey_map = maps.load_journey_map(ws, journey_id)
    names = {a: n for n, a in agency_ids(ws).items()}
    return bulk_edit.take_snapshot(journey_map, names)


def agency_ids(ws):
    return {a["name"]: a["id"] for a in agencies.list_agencies(ws)}


def save(ws, shown, edited_rows, **kwargs):
    pending = bulk_edit.resolve(shown, edited_rows, shown.revision)
    return bulk_edit.apply_edits(ws, DEMO_EDITOR, pending, agency_ids(ws), **kwargs)


def optional_flags(ws, journey_id):
    return [s["optional"] for s in maps.load_journey_map(ws, journey_id).steps()]


def test_two_edits_in_two_reruns_are_both_kept(ws):
    # PITFALLS 1: the second edit must not undo the first.
    driving = build_driving(ws)
    first = snapshot(ws, driving.journey_id)
    assert save(ws, first, {0: {"optional": True}}).saved == [first.rows[0]["step_id"]]

    second = snapshot(ws, driving.journey_id)  # the rerun re-reads the database
    assert second.revision != first.revision  # so the editor gets a fresh key
    save(ws, second, {1: {"optional": True}})

    assert optional_flags(ws, driving.journey_id) == [1, 1, 0, 0]
    assert [r["optional"] for r in snapshot(ws, driving.journey_id).rows] == [
        True,
        True,
        False,
        False,
    ]


def test_positions_resolve_against_the_rows_shown_not_ids(ws):
    # PITFALLS 2: rows shown in journey order, ids in another order.
    driving = build_driving(ws)
    cancel = driving.steps["Cancel your theory test"]
    stages.move_step(ws, DEMO_EDITOR, cancel, "up")
    shown = snapshot(ws, driving.journey_id)
    ids = shown.step_ids()
    assert ids[2] == cancel and ids != sorted(ids)

    pending = bulk_edit.resolve(
        shown, {2: {"action": "Cancel the theory test"}}, shown.revision
    )
    assert list(pending) == [cancel]  # position 2, not id 2 or label 2
    bulk_edit.apply_edits(ws, DEMO_EDITOR, pending, agency_ids(ws))

    assert actions(ws, driving.journey_id) == [
        "Check what age you can drive",
        "Apply for your first provisional driving licence",
        "Cancel the theory test",
        "Book your theory test",
    ]


def test_edits_made_on_an_older_table_are_refused(ws):
    driving = build_driving(ws)
    old = snapshot(ws, driving.journey_id)
    old_edits = {1: {"action": "Renamed"}}  # meant for the licence step
    # Someone adds a step that sorts first, so every row moves down one place.
    first_stage = driving.stages["Check you're allowed to drive"]
    new_step = maps.add_step(ws, OTHER, first_stage, Step("Check your eyesight"))
    stages.move_step(ws, OTHER, new_step, "up")
    new = snapshot(ws, driving.journey_id)
    before = actions(ws, driving.journey_id)

    with pytest.raises(bulk_edit.StaleEdits, match="steps changed since"):
        bulk_edit.resolve(new, old_edits, old.revision)
    assert actions(ws, driving.journey_id) == before
    assert before[1] == "Check what age you can drive"  # what position 1 is now


def test_a_step_saved_by_someone_else_is_a_conflict_until_applied_again(ws):
    driving = build_driving(ws)
    shown = snapshot(ws, driving.journey_id)
    book = driving.steps["Book your theory test"]
    stored = stages.get_step(ws, book)
    theirs = stages.step_from_row(stored)
    theirs.fee = "£23"
    theirs.touchpoint = "Their touchpoint"
    stages.update_step(ws, OTHER, book, stored["version"], theirs)

    position = shown.step_ids().index(book)
    edits = {position: {"touchpoint": "My touchpoint"}, 0: {"optional": True}}
    result = save(ws, shown, edits)

    assert result.saved == []
    (conflict,) = result.conflicts
    assert (conflict.step_id, conflict.updated_by) == (book, "omar from DWP")
    assert conflict.theirs == {"touchpoint": "Their touchpoint"}
    assert conflict.yours == {"touchpoint": "My touchpoint"}
    assert optional_flags(ws, driving.journey_id)[0] == 0  # all or nothing

    again = save(ws, shown, edits, over_newer_versions=True)
    assert sorted(again.saved) == sorted([book, shown.rows[0]["step_id"]])
    saved = stages.get_step(ws, book)
    assert (saved["touchpoint"], saved["fee"]) == ("My touchpoint", "£23")


def test_owner_is_chosen_by_name_and_bad_values_name_row_and_column(ws):
    driving = build_driving(ws)
    shown = snapshot(ws, driving.journey_id)
    save(ws, shown, {0: {"owning_agency": "DVSA"}})
    first = driving.steps["Check what age you can drive"]
    assert stages.get_step(ws, first)["owning_agency_id"] == driving.agencies["DVSA"]

    shown = snapshot(ws, driving.journey_id)
    with pytest.raises(
        ValidationError, match=r"step 2\.1 Apply for .*, column Action: is required"
    ):
        save(ws, shown, {0: {"fee": "£1"}, 1: {"action": "  "}})
    assert stages.get_step(ws, first)["fee"] is None  # nothing half-saved
    with pytest.raises(ValidationError, match="no agency called 'DWP'"):
        save(ws, shown, {0: {"owning_agency": "DWP"}})


def test_unchanged_cells_and_unknown_columns_are_dropped(ws):
    driving = build_driving(ws)
    shown = snapshot(ws, driving.journey_id)
    pending = bulk_edit.resolve(
        shown,
        {"0": {"channel": "online", "step_id": 99}, 1: {"channel": "phone"}},
        shown.revision,
    )
    assert [(p.step_id, p.changes) for p in pending.values()] == [
        (shown.rows[1]["step_id"], {"channel": "phone"})
    ]
    with pytest.raises(bulk_edit.StaleEdits, match="no row 9"):
        bulk_edit.resolve(shown, {8: {"fee": "x"}}, shown.revision)


def test_a_deleted_step_is_a_conflict_and_a_viewer_saves_nothing(ws):
    driving = build_driving(ws)
    shown = snapshot(ws, driving.journey_id)
    cancel = driving.steps["Cancel your theory test"]
    stages.delete_step(ws, OTHER, cancel, stages.get_step(ws, cancel)["version"])
    result = save(ws, shown, {3: {"fee": "£0"}})
    assert [(c.step_id, c.updated_by) for c in result.conflicts] == [(cancel, None)]

    pending = bulk_edit.resolve(shown, {0: {"fee": "£1"}}, shown.revision)
    with pytest.raises(PermissionDenied):
        bulk_edit.apply_edits(ws, Actor("reader", Role.VIEWER), pending, agency_ids(ws))
