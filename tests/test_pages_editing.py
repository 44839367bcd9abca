"""Editing in the pages, run headlessly with AppTest on copies of the demo workspace.

Each test works the page as a person would (fill in, press buttons, upload a
file) and then reads the database to check what was, or was not, written.
"""

import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.shared import md
from journeys import (
    activity,
    agencies,
    journey_files,
    maps,
    metrics,
    persona_files,
    personas,
    stages,
)
from journeys.access import Actor, Role
from journeys.models import Stage
from journeys.workspace import Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DRIVING = "Learn to drive a car"
OTHER_EDITOR = Actor("omar from DWP", Role.EDITOR)


def start(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def journeys_page(demo_db) -> AppTest:
    at = start("app_pages/journeys.py")
    at.selectbox(key="journey-choice").set_value(ids()["journey"]).run()
    return at


@pytest.fixture
def personas_page(demo_db) -> AppTest:
    return start("app_pages/personas.py")


def ids() -> dict:
    """Ids in the workspace the app is using, by what they are."""
    with Workspace.open() as ws:
        journey_id = maps.find_journey(ws, DRIVING)
        journey_map = maps.load_journey_map(ws, journey_id)
        return {
            "journey": journey_id,
            "stages": [s["id"] for s in journey_map.stages],
            "steps": [s["id"] for s in journey_map.steps()],
            "agencies": {a["name"]: a["id"] for a in agencies.list_agencies(ws)},
            "Ron": personas.find_persona_id(ws, "Ron"),
        }


def show_view(at: AppTest, view: str) -> AppTest:
    """Open one of the journey page's tabs (only the open one is drawn)."""
    at.session_state["journey-view"] = view
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def table_with_column(at: AppTest, column: str):
    """The first table on the page that has ``column``."""
    return next(t.value for t in at.table if column in t.value.columns)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def stage_actions(stage_index: int) -> list[str]:
    with Workspace.open() as ws:
        journey_map = maps.load_journey_map(ws, ids()["journey"])
        stage = journey_map.stages[stage_index]
        return [s["action"] for s in journey_map.steps_by_stage[stage["id"]]]


def read_step(step_id: int) -> dict:
    with Workspace.open() as ws:
        return stages.get_step(ws, step_id)


def kpi_id(key: str) -> int:
    with Workspace.open() as ws:
        return metrics.kpi_id(ws, key)


# --- journeys ----------------------------------------------------------------------


def test_add_a_stage_then_a_step_to_it(journeys_page):
    at, journey_id = journeys_page, ids()["journey"]
    at.text_input(key=f"journey-{journey_id}-new-stage-name").set_value("Get insured")
    click(at, f"journey-{journey_id}-new-stage-save")

    assert "Added the stage Get insured." in texts(at.success)
    assert "Stage 8: Get insured" in texts(at.subheader)
    stage_id = ids()["stages"][-1]
    prefix = f"stage-{stage_id}-new"
    at.text_input(key=f"{prefix}-action").set_value("Compare insurance quotes")
    at.selectbox(key=f"{prefix}-channel").set_value("phone")
    at.selectbox(key=f"{prefix}-owner").set_value(ids()["agencies"]["relate.org.uk"])
    click(at, f"{prefix}-save")

    assert not at.error
    assert stage_actions(7) == ["Compare insurance quotes"]
    with Workspace.open() as ws:
        step = stages.get_step(ws, ids()["steps"][-1])
    assert (step["channel"], step["created_by"]) == ("phone", "demo editor")
    assert at.button(key=f"step-{step['id']}-edit").label == "Edit step 8.1"


def test_journey_details_then_every_field_of_a_step(journeys_page):
    at, known = journeys_page, ids()
    journey_id, ron = known["journey"], known["Ron"]
    click(at, f"journey-{journey_id}-edit")
    at.multiselect(key=f"journey-{journey_id}-personas").set_value([ron])
    at.selectbox(key=f"journey-{journey_id}-status").set_value("in review")
    at.date_input(key=f"journey-{journey_id}-review-by").set_value(
        datetime.date(2027, 3, 31)
    )
    click(at, f"journey-{journey_id}-save")
    assert f"Saved the journey {DRIVING}." in texts(at.success)

    step_id = known["steps"][3]  # 2.1 Apply for your first provisional licence
    prefix = f"step-{step_id}"
    click(at, f"{prefix}-edit")
    completion = kpi_id("completion_rate")
    values = {
        "action": ("text_input", "Apply for a provisional licence"),
        "channel": ("selectbox", "post"),
        "touchpoint": ("text_input", "Form D1"),
        "owner": ("selectbox", known["agencies"]["Department for Transport"]),
        "supporting": ("multiselect", [known["agencies"]["relate.org.uk"]]),
        "optional": ("checkbox", True),
        "fee": ("text_input", "£43"),
        f"emotion-{ron}": ("selectbox", -2),
        "pain-points": ("text_area", "Long wait for the licence (high)\nForm is long"),
        "opportunities": ("text_area", "Apply online instead (high)"),
        "kpis": ("multiselect", [completion]),
        "evidence-1-source": ("text_input", "Interviews with learners"),
        "evidence-1-date": ("text_input", "2024-03-01"),
        "evidence-1-personal": ("checkbox", True),
    }
    for name, (kind, value) in values.items():
        getattr(at, kind)(key=f"{prefix}-{name}").set_value(value)
    click(at, f"{prefix}-save")

    assert not at.error
    with Workspace.open() as ws:
        step = stages.get_step(ws, step_id)
        journey_map = maps.load_journey_map(ws, journey_id)
    assert journey_map.persona_ids == [ron]
    assert (journey_map.journey["status"], journey_map.journey["review_by"]) == (
        "in review",
        "2027-03-31",
    )
    assert {k: step[k] for k in ("action", "channel", "touchpoint", "fee")} == {
        "action": "Apply for a provisional licence",
        "channel": "post",
        "touchpoint": "Form D1",
        "fee": "£43",
    }
    assert step["owning_agency_id"] == known["agencies"]["Department for Transport"]
    assert step["optional"] == 1 and step["kpi_ids"] == [completion]
    assert step["emotions"] == {str(ron): -2}
    assert step["pain_points"] == [
        {"text": "Long wait for the licence", "severity": "high"},
        {"text": "Form is long", "severity": "medium"},
    ]
    assert step["opportunities"] == [{"text": "Apply online instead", "impact": "high"}]
    assert step["evidence"] == [
        {
            "source": "Interviews with learners",
            "date": "2024-03-01",
            "personal_data": True,
        }
    ]
    supporters = journey_map.steps_by_stage[step["stage_id"]][0][
        "supporting_agency_ids"
    ]
    assert supporters == [known["agencies"]["relate.org.uk"]]
    show_view(at, "Grid")
    grid_html = at.html[0].value
    assert "Feeling: Ron" in grid_html and "-2 very negative" in grid_html
    feelings = table_with_column(at, "Ron")
    assert feelings.loc[0].to_dict() == {
        "Step": "2\\.1 Apply for a provisional licence",
        "Ron": "\\-2 very negative",
    }


def test_move_step_up_changes_the_order_in_the_database(journeys_page):
    at = journeys_page
    third = ids()["steps"][2]
    assert stage_actions(0) == [
        "Check what age you can drive",
        "Requirements for driving legally",
        "Driving eyesight rules",
    ]
    click(at, f"step-{third}-up")

    assert "Moved step 1.3 up." in texts(at.success)
    assert stage_actions(0) == [
        "Check what age you can drive",
        "Driving eyesight rules",
        "Requirements for driving legally",
    ]
    assert list(at.table[0].value["Action"])[1] == "Driving eyesight rules"
    assert at.button(key=f"step-{third}-up").label == "Move step 1.2 up"
    click(at, f"stage-{ids()['stages'][1]}-up")
    with Workspace.open() as ws:
        names = [s["name"] for s in maps.load_journey_map(ws, ids()["journey"]).stages]
    assert names[:2] == [
        "Get a provisional driving licence",
        "Check you're allowed to drive",
    ]


def test_delete_a_step_asks_first_and_is_logged(journeys_page):
    at = journeys_page
    step_id = ids()["steps"][1]
    click(at, f"step-{step_id}-delete")
    assert at.warning[-1].value.startswith(md("Delete step 1.2, Requirements for"))
    assert len(stage_actions(0)) == 3  # nothing deleted yet
    click(at, f"step-{step_id}-delete-yes")

    assert "Deleted step 1.2." in texts(at.success)
    assert stage_actions(0) == [
        "Check what age you can drive",
        "Driving eyesight rules",
    ]
    show_view(at, "Recent activity")
    recent = next(d.value for d in at.dataframe if "Who" in d.value.columns)
    latest = recent.iloc[0]
    assert (latest["Who"], latest["Action"], latest["What"]) == (
        "demo editor",
        "Changed",
        "Step 'Driving eyesight rules'",
    )
    with Workspace.open() as ws:
        recent = activity.journey_activity(ws, ids()["journey"], limit=2)
    assert [(e.action, e.subject) for e in recent] == [
        ("Changed", "Step 'Driving eyesight rules'"),  # closed the gap
        ("Deleted", "Step 'Requirements for driving legally'"),
    ]


def test_a_step_saved_after_delete_was_pressed_is_not_deleted(journeys_page):
    at = journeys_page
    step_id = ids()["steps"][1]
    click(at, f"step-{step_id}-delete")  # the question is now showing
    with Workspace.open() as other:  # someone else then saves the same step
        stored = stages.get_step(other, step_id)
        theirs = stages.step_from_row(stored)
        theirs.touchpoint = "/their-page"
        stages.update_step(other, OTHER_EDITOR, step_id, stored["version"], theirs)
    click(at, f"step-{step_id}-delete-yes")

    assert "Deleted step 1.2." not in texts(at.success)
    refused = at.error[0].value
    assert "omar from DWP" in refused
    assert "since you asked to delete it" in refused
    assert read_step(step_id)["touchpoint"] == "/their-page"  # kept, with their edit
    # Asking again asks about the step as it is now, and then deletes it.
    click(at, f"step-{step_id}-delete")
    click(at, f"step-{step_id}-delete-yes")
    assert "Deleted step 1.2." in texts(at.success)
    assert step_id not in ids()["steps"]


def test_a_stage_renamed_after_delete_was_pressed_is_not_deleted(journeys_page):
    at = journeys_page
    stage_id = ids()["stages"][0]
    steps_before = stage_actions(0)
    click(at, f"stage-{stage_id}-delete")
    with Workspace.open() as other:
        stored = maps.load_journey_map(other, ids()["journey"]).stages[0]
        stages.update_stage(
            other,
            OTHER_EDITOR,
            stage_id,
            stored["version"],
            Stage("Their new name", stored["description"]),
        )
    click(at, f"stage-{stage_id}-delete-yes")

    assert "Deleted stage 1." not in texts(at.success)
    assert "since you asked to delete it" in at.error[0].value
    assert stage_id in ids()["stages"]
    assert stage_actions(0) == steps_before  # its steps are kept too
    with Workspace.open() as ws:
        assert maps.load_journey_map(ws, ids()["journey"]).stages[0]["name"] == (
            "Their new name"
        )


def test_a_step_saved_behind_the_page_is_a_conflict_and_typing_is_kept(
    journeys_page,
):
    at = journeys_page
    step_id = ids()["steps"][0]
    prefix = f"step-{step_id}"
    click(at, f"{prefix}-edit")
    with Workspace.open() as other:  # someone else saves the same step
        stored = stages.get_step(other, step_id)
        theirs = stages.step_from_row(stored)
        theirs.touchpoint = "/their-page"
        theirs.fee = "£0"
        stages.update_step(other, OTHER_EDITOR, step_id, stored["version"], theirs)
    at.text_input(key=f"{prefix}-touchpoint").set_value("/my-page")
    at.text_input(key=f"{prefix}-action").set_value("Check the age you can drive at")
    click(at, f"{prefix}-save")

    assert "omar from DWP" in at.error[0].value
    compared = table_with_column(at, "Your edit")
    assert compared.to_dict("records") == [
        {
            "Field": "Action",
            "Saved by omar from DWP": "Check what age you can drive",
            "Your edit": "Check the age you can drive at",
        },
        {
            "Field": "Touchpoint",
            "Saved by omar from DWP": "\\/their\\-page",
            "Your edit": "\\/my\\-page",
        },
    ]
    assert any("They also changed fee" in c.value for c in at.caption)
    assert at.text_input(key=f"{prefix}-touchpoint").value == "/my-page"
    assert read_step(step_id)["touchpoint"] == "/their-page"

    click(at, f"{prefix}-reapply")
    saved = read_step(step_id)
    assert (saved["touchpoint"], saved["action"], saved["fee"]) == (
        "/my-page",
        "Check the age you can drive at",
        "£0",  # their change to a field I did not touch is kept
    )


def test_edit_in_a_table_saves_by_step_id(journeys_page):
    at = show_view(journeys_page, "Edit in a table")
    editor = at.data_editor[0]
    at.session_state[editor.key] = {
        "edited_rows": {1: {"fee": "£5"}, 3: {"optional": True}},
        "added_rows": [],
        "deleted_rows": [],
    }
    click(at, f"bulk-{ids()['journey']}-save")

    assert "Saved 2 step(s) from the table." in texts(at.success)
    steps = ids()["steps"]
    assert read_step(steps[1])["fee"] == "£5"
    assert read_step(steps[3])["optional"] == 1
    assert at.data_editor[0].key != editor.key  # a fresh editor for the new data


# --- personas ----------------------------------------------------------------------


def shown_names(at: AppTest) -> list[str]:
    return texts(at.subheader)


def test_persona_filters_narrow_the_library(personas_page):
    at = personas_page
    at.multiselect(key="persona-tags").set_value(["VA customer personas"]).run()
    va = shown_names(at)
    assert len(va) >= 3 and "Ashleigh" not in va
    at.multiselect(key="persona-tags").set_value([]).run()
    at.multiselect(key="persona-access-needs").set_value(
        ["severely sight impaired (blind)"]
    )
    at.run()
    assert shown_names(at) == ["Ashleigh"]

    with Workspace.open() as ws:  # give Ron an owner and a language
        ron = personas.find_persona_id(ws, "Ron")
        stored = personas.get_persona(ws, ron)
        edited = personas.persona_from_row(stored)
        edited.owner_agency_id = ids()["agencies"]["Department for Transport"]
        edited.languages = ["English", "Welsh"]
        personas.update_persona(ws, OTHER_EDITOR, ron, stored["version"], edited)
    at.multiselect(key="persona-access-needs").set_value([]).run()
    at.multiselect(key="persona-languages").set_value(["Welsh"]).run()
    assert shown_names(at) == ["Ron"]
    at.multiselect(key="persona-languages").set_value([]).run()
    at.multiselect(key="persona-owners").set_value(
        [ids()["agencies"]["Department for Transport"]]
    ).run()
    assert shown_names(at) == ["Ron"]
    assert any("Maintained by Department for Transport" in c.value for c in at.caption)


def test_duplicate_archive_and_delete_a_persona(personas_page):
    at = personas_page
    ron = ids()["Ron"]
    click(at, f"persona-{ron}-open")
    assert at.header[0].value == "Ron"
    at.text_input(key=f"persona-{ron}-copy-name").set_value("Ron, as is")
    click(at, f"persona-{ron}-copy-save")
    with Workspace.open() as ws:
        copy = personas.find_persona_id(ws, "Ron, as is")
        assert (
            personas.get_persona(ws, copy)["access_needs"]
            == (personas.get_persona(ws, ron)["access_needs"])
        )
    assert at.header[0].value == "Ron, as is"

    click(at, f"persona-{copy}-delete")
    click(at, f"persona-{copy}-delete-yes")
    assert "Deleted persona Ron, as is." in texts(at.success)

    with Workspace.open() as ws:  # Ron is now on a journey: archive, not delete
        maps.link_persona(ws, OTHER_EDITOR, ids()["journey"], ron)
    click(at, f"persona-{ron}-open")
    click(at, f"persona-{ron}-delete")
    assert "1 journey uses this persona" in at.warning[0].value
    click(at, f"persona-{ron}-delete-yes")
    assert md("cannot be deleted. Archive it instead") in at.error[0].value
    click(at, f"persona-{ron}-archive")
    assert "Archived persona Ron." in texts(at.success)
    click(at, "persona-back")
    assert "Ron" not in shown_names(at)
    at.toggle(key="persona-show-archived").set_value(True).run()
    assert "Ron (archived)" in shown_names(at)
    with Workspace.open() as ws:
        assert personas.get_persona(ws, ron)["archived"] == 1


def test_a_persona_saved_after_delete_was_pressed_is_not_deleted(personas_page):
    at = personas_page
    ron = ids()["Ron"]
    click(at, f"persona-{ron}-open")
    click(at, f"persona-{ron}-delete")
    assert "Delete this persona for good?" in at.warning[0].value
    with Workspace.open() as other:  # someone else saves Ron in another browser
        stored = personas.get_persona(other, ron)
        theirs = personas.persona_from_row(stored)
        theirs.summary = "Their newer summary"
        personas.update_persona(other, OTHER_EDITOR, ron, stored["version"], theirs)
    click(at, f"persona-{ron}-delete-yes")

    assert not any(t.startswith("Deleted persona") for t in texts(at.success))
    refused = at.error[0].value
    assert "omar from DWP" in refused
    assert "since you asked to delete it" in refused
    with Workspace.open() as ws:
        assert personas.get_persona(ws, ron)["summary"] == "Their newer summary"
    # Asking again asks about Ron as he is now, and then deletes him.
    click(at, f"persona-{ron}-delete")
    click(at, f"persona-{ron}-delete-yes")
    assert "Deleted persona Ron." in texts(at.success)
    with Workspace.open() as ws:
        assert personas.find_persona_id(ws, "Ron") is None


def test_persona_csv_import_shows_a_preview_then_imports_on_confirm(personas_page):
    at = personas_page
    data = (
        "\ufeffname;summary;languages;owner_agency\r\n"
        "Nadia;Recently arrived;Arabic | English;Refugee Council\r\n"
        "Agnès;Arrivée récente;French;\r\n"
    ).encode("utf-8")
    at.file_uploader(key="persona-upload-0").upload("people.csv", data, "text/csv")
    at.run()

    assert texts(at.info)[0] == md(
        "2 personas (2 rows, UTF-8, semicolon); new agencies: Refugee Council"
    )
    with Workspace.open() as ws:
        assert personas.find_persona_id(ws, "Nadia") is None  # nothing yet
    click(at, "persona-upload-confirm")

    assert f"Imported {md('people.csv: 2 personas created')}." in texts(at.success)
    with Workspace.open() as ws:
        nadia = personas.get_persona(ws, personas.find_persona_id(ws, "Nadia"))
        assert nadia["languages"] == ["Arabic", "English"]
        assert activity.list_imports(ws)[0]["file_name"] == "people.csv"
    at.switch_page("app_pages/home.py")
    at.run()
    imports = table_with_column(at, "File")
    assert imports.iloc[0]["File"] == "people\\.csv"  # escaped for Markdown
    assert imports.iloc[0]["Added"] == "2 personas created"


def test_a_bad_persona_file_names_the_row_and_imports_nothing(personas_page):
    at = personas_page
    rows = "".join(f"Person {n}\r\n" for n in range(20_000))
    at.file_uploader(key="persona-upload-0").upload(
        "big.csv", f"name\r\n{rows}".encode(), "text/csv"
    )
    at.run()
    assert at.error[0].value == md(
        "big.csv: 20,000 rows; one import takes at most 5,000 personas: split the file"
    )
    at.file_uploader(key="persona-upload-0").set_value(
        ("bad.csv", b"name,summary\r\nNadia,ok\r\n,nobody\r\n", "text/csv")
    )
    at.run()
    assert at.error[0].value == md("bad.csv: row 3, column name: is required")
    assert not [b for b in at.button if b.key == "persona-upload-confirm"]
    with Workspace.open() as ws:
        assert ws.counts()["persona"] == 17


# --- round trips: export, import into an empty workspace, compare -------------------


def test_export_then_import_into_an_empty_workspace_gives_equal_data(
    journeys_page, demo_db, tmp_path, monkeypatch
):
    at = show_view(journeys_page, "Export and print")
    journey_id = ids()["journey"]
    assert at.download_button(key=f"journey-{journey_id}-export-csv").label == (
        "Journey as CSV"
    )
    with Workspace.open(demo_db) as ws:  # the bytes the download button holds
        journey_csv = journey_files.export_csv(ws, journey_id)
        persona_csv = persona_files.export_csv(ws)
        personas_before = persona_files.export_rows(ws)

    monkeypatch.setenv("JOINEDUP_DB", str(tmp_path / "empty.db"))
    empty = start("app_pages/personas.py")
    empty.file_uploader(key="persona-upload-0").upload("personas.csv", persona_csv)
    empty.run()
    click(empty, "persona-upload-confirm")
    empty.switch_page("app_pages/journeys.py")
    empty.run()
    assert "There are no journeys yet" in empty.info[0].value
    empty.file_uploader(key="journey-upload-0").upload("drive.csv", journey_csv)
    empty.run()
    assert empty.info[-1].value.startswith(md("1 journey, 22 steps"))
    click(empty, "journey-upload-confirm")

    assert empty.header[0].value == DRIVING
    with Workspace.open(tmp_path / "empty.db") as ws:
        new_id = maps.find_journey(ws, DRIVING)
        assert journey_files.export_csv(ws, new_id) == journey_csv
        assert persona_files.export_rows(ws) == personas_before
