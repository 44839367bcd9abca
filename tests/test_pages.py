"""Every page, run headlessly with AppTest on a copy of the demo workspace.

The smoke tests load each page and check it shows real demo content; the
interaction tests fill in forms, save, and re-read the database to check what
was (or was not) written.
"""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.shared import md
from journeys import goals, maps, personas
from journeys.access import Actor, Role
from journeys.workspace import Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = (
    "app_pages/home.py",
    "app_pages/personas.py",
    "app_pages/journeys.py",
    "app_pages/agency_graph.py",
    "app_pages/goals_kpis.py",
)
DRIVING = "Learn to drive a car"
CARERS = "Apply for Carer's Allowance"
OTHER_EDITOR = Actor("omar from DWP", Role.EDITOR)


@pytest.fixture
def app(demo_db) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    """Everything the page shows as text: headings, prose, metrics and tables."""
    parts = [e.value for e in (*at.title, *at.header, *at.subheader)]
    parts += [e.value for e in (*at.markdown, *at.caption, *at.info, *at.error)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [table.value.to_string() for table in at.table]
    return "\n".join(str(part) for part in parts)


def table_with(at: AppTest, column: str, value: str) -> dict:
    """The first row, of any table on the page, whose ``column`` holds ``value``."""
    for table in at.table:
        frame = table.value
        if column in frame.columns and value in set(frame[column]):
            return frame[frame[column] == value].iloc[0].to_dict()
    raise AssertionError(f"no table has {column} = {value!r}")


def journey_id(title: str) -> int:
    with Workspace.open() as ws:
        return maps.find_journey(ws, title)


def choose_journey(at: AppTest, title: str) -> AppTest:
    at.selectbox(key="journey-choice").set_value(journey_id(title)).run()
    assert not at.exception
    return at


def submit(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


# --- every page ----------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_exception_or_error(app, page):
    open_page(app, page)
    assert not app.error
    assert app.title


def test_home_counts_the_demo_workspace(app):
    counts = {metric.label: metric.value for metric in app.metric}
    assert counts["Personas"] == "17"
    assert counts["Journeys"] == "5"  # the four imported, and the tax return seed
    assert int(counts["Steps"].replace(",", "")) > 0
    assert int(counts["Measurements"].replace(",", "")) > 0
    assert "Recent changes" in page_text(app)
    assert app.table, "recent changes are shown as a table"


def test_personas_page_shows_access_needs_and_technology(app):
    open_page(app, "app_pages/personas.py")
    text = page_text(app)
    for name in ("Ashleigh", "Chris", "Pawel", "Ron", "Still serving"):
        assert name in text
    assert "screen reader" in text.casefold()
    assert "Access needs" in text and "Assistive technology" in text


def test_persona_search_narrows_the_list(app):
    open_page(app, "app_pages/personas.py")
    app.text_input(key="persona-search").set_value("Ashleigh").run()
    names = [subheader.value for subheader in app.subheader]
    assert names == ["Ashleigh"]
    assert any("Showing 1 of" in caption.value for caption in app.caption)


def test_journeys_page_shows_the_driving_map_in_order(app):
    open_page(app, "app_pages/journeys.py")
    choose_journey(app, DRIVING)
    assert app.header[0].value == DRIVING
    stages = [s.value for s in app.subheader if s.value.startswith("Stage ")]
    assert len(stages) == 7
    assert stages[0].startswith("Stage 1: ") and stages[6].startswith("Stage 7: ")
    assert "£34" in page_text(app)
    assert {"Action", "Channel", "Owning agency", "Fee"} <= set(app.table[0].value)


def test_chosen_journey_survives_a_page_switch(app):
    open_page(app, "app_pages/journeys.py")
    choose_journey(app, CARERS)
    open_page(app, "app_pages/home.py")
    open_page(app, "app_pages/journeys.py")
    assert app.header[0].value == CARERS


def show_section(at: AppTest, section: str) -> AppTest:
    """Choose one section of the Goals & KPIs page (it shows one at a time)."""
    at.radio(key="kpi-section").set_value(section).run()
    assert not at.exception, at.exception
    return at


def test_goals_page_shows_carers_allowance_users_and_satisfaction(app):
    open_page(app, "app_pages/goals_kpis.py")
    show_section(app, "KPI library")
    text = page_text(app)
    assert "Completion rate" in text and "User satisfaction" in text
    show_section(app, "Journeys")
    text = page_text(app)
    about_you = table_with(app, "Stage", "About you")
    assert about_you["Users"] not in ("No data", "0")
    assert about_you["Abandonment"].endswith("%")
    assert "Stage to fix first" in text
    assert "top-two-box" in text
    satisfied = table_with(app, "Level", "5 - Very satisfied")
    assert satisfied["Share"].endswith("%")


# --- saving --------------------------------------------------------------------


def fill_persona_form(at: AppTest, prefix: str, **values) -> None:
    for field, value in values.items():
        widget = at.get_by_key(f"{prefix}-{field}")
        widget.set_value(value)


def test_added_persona_is_saved(app, demo_db):
    open_page(app, "app_pages/personas.py")
    fill_persona_form(
        app,
        "persona-new",
        name="Nadia",
        summary="Recently arrived, learning English",
        languages="Arabic\nEnglish",
        access_needs="Needs plain English",
    )
    submit(app, "persona-new-save")

    assert not app.error
    assert any("Added persona Nadia" in s.value for s in app.success)
    with Workspace.open(demo_db) as ws:
        saved = personas.get_persona(ws, personas.find_persona_id(ws, "Nadia"))
    assert saved["languages"] == ["Arabic", "English"]
    assert saved["access_needs"] == ["Needs plain English"]
    assert saved["created_by"] == "demo editor"


def test_renamed_journey_is_saved(app, demo_db):
    open_page(app, "app_pages/journeys.py")
    choose_journey(app, DRIVING)
    driving_id = journey_id(DRIVING)
    submit(app, f"journey-{driving_id}-edit")  # opens the journey's details form
    app.text_input(key=f"journey-{driving_id}-title").set_value("Learn to drive")
    submit(app, f"journey-{driving_id}-save")

    assert not app.error
    assert app.header[0].value == "Learn to drive"
    with Workspace.open(demo_db) as ws:
        assert (
            maps.load_journey_map(ws, driving_id).journey["title"] == "Learn to drive"
        )


def _open_persona_edit(at: AppTest, name: str) -> int:
    with Workspace.open() as ws:
        persona_id = personas.find_persona_id(ws, name)
    submit(at, f"persona-{persona_id}-edit")
    return persona_id


def save_behind_the_page(db: Path, persona_id: int, **changes) -> None:
    """Another editor saves the persona, through their own workspace."""
    with Workspace.open(db) as other:
        stored = personas.get_persona(other, persona_id)
        theirs = personas.persona_from_row(stored)
        for field, value in changes.items():
            setattr(theirs, field, value)
        personas.update_persona(
            other, OTHER_EDITOR, persona_id, stored["version"], theirs
        )


def test_edit_conflict_names_the_other_editor_and_keeps_both(app, demo_db):
    open_page(app, "app_pages/personas.py")
    persona_id = _open_persona_edit(app, "Ashleigh")

    # Someone else saves Ashleigh while the form is open.
    save_behind_the_page(demo_db, persona_id, summary="Their summary")
    fill_persona_form(app, f"persona-{persona_id}", summary="My summary")
    submit(app, f"persona-{persona_id}-save")

    assert "omar from DWP" in app.error[0].value
    compared = table_with(app, "Field", "Summary")
    assert compared == {
        "Field": "Summary",
        "Saved by omar from DWP": "Their summary",
        "Your edit": "My summary",
    }
    assert app.text_area(key=f"persona-{persona_id}-summary").value == "My summary"
    with Workspace.open(demo_db) as ws:
        assert personas.get_persona(ws, persona_id)["summary"] == "Their summary"

    # Applying the edit again saves it over their version, knowingly.
    submit(app, f"persona-{persona_id}-reapply")
    assert not app.error
    with Workspace.open(demo_db) as ws:
        assert personas.get_persona(ws, persona_id)["summary"] == "My summary"


def test_discarding_a_conflicting_edit_keeps_theirs(app, demo_db):
    open_page(app, "app_pages/personas.py")
    persona_id = _open_persona_edit(app, "Ron")
    save_behind_the_page(demo_db, persona_id, quote="Their quote")
    fill_persona_form(app, f"persona-{persona_id}", quote="My quote")
    submit(app, f"persona-{persona_id}-save")
    submit(app, f"persona-{persona_id}-discard")

    assert not app.error
    assert any("discarded" in s.value for s in app.success)
    with Workspace.open(demo_db) as ws:
        assert personas.get_persona(ws, persona_id)["quote"] == "Their quote"


def test_viewer_cannot_save_and_nothing_is_written(app, demo_db):
    app.sidebar.selectbox(key="acting_role_choice").set_value("viewer").run()
    open_page(app, "app_pages/personas.py")
    with Workspace.open(demo_db) as ws:
        changes_before = ws.counts()["change_log"]
    fill_persona_form(app, "persona-new", name="Nadia")
    submit(app, "persona-new-save")
    assert "demo viewer is a viewer and cannot add a persona" in app.error[0].value
    persona_id = _open_persona_edit(app, "Ashleigh")
    fill_persona_form(app, f"persona-{persona_id}", summary="Viewer's summary")
    submit(app, f"persona-{persona_id}-save")

    messages = [error.value for error in app.error]
    assert messages and all("is a viewer" in message for message in messages)
    with Workspace.open(demo_db) as ws:
        assert personas.find_persona_id(ws, "Nadia") is None
        assert personas.get_persona(ws, persona_id)["summary"] != "Viewer's summary"
        assert ws.counts()["change_log"] == changes_before


def test_journey_rename_conflict_shows_both_titles(app, demo_db):
    open_page(app, "app_pages/journeys.py")
    choose_journey(app, DRIVING)
    driving_id = journey_id(DRIVING)
    submit(app, f"journey-{driving_id}-edit")  # opened before their save
    with Workspace.open(demo_db) as other:
        opened = maps.load_journey_map(other, driving_id).journey
        maps.rename_journey(
            other, OTHER_EDITOR, driving_id, opened["version"], "Learning to drive"
        )
    app.text_input(key=f"journey-{driving_id}-title").set_value("Drive a car")
    submit(app, f"journey-{driving_id}-save")

    assert "omar from DWP" in app.error[0].value
    assert table_with(app, "Field", "Title") == {
        "Field": "Title",
        "Saved by omar from DWP": "Learning to drive",
        "Your edit": "Drive a car",
    }
    submit(app, f"journey-{driving_id}-discard")
    assert app.header[0].value == "Learning to drive"
    with Workspace.open(demo_db) as ws:
        title = maps.load_journey_map(ws, driving_id).journey["title"]
    assert title == "Learning to drive"


def test_added_goal_is_saved(app, demo_db):
    open_page(app, "app_pages/goals_kpis.py")
    show_section(app, "Add goals and data")
    app.text_input(key="goal-new-title").set_value("Fewer people give up")
    app.selectbox(key="goal-new-journey").set_value(journey_id(CARERS))
    app.text_input(key="goal-new-target").set_value("80")
    app.text_input(key="goal-new-deadline").set_value("2027-03-31")
    submit(app, "goal-new-save")

    assert not app.error
    # The shared goals table (the dashboard's overview also lists goals).
    goal = next(
        table.value[table.value["Goal"] == "Fewer people give up"].iloc[0].to_dict()
        for table in app.table
        if {"Goal", "Journey", "Target"} <= set(table.value.columns)
    )
    assert (goal["Journey"], goal["Target"], goal["Deadline"]) == (
        CARERS,
        "80",
        "2027-03-31",
    )
    with Workspace.open(demo_db) as ws:
        titles = [g["title"] for g in goals.list_goals(ws)]
    # The demo's six goals, and the new one.
    assert len(titles) == 7 and "Fewer people give up" in titles


def test_choosing_another_week_changes_the_stage_figures(app):
    open_page(app, "app_pages/goals_kpis.py")
    show_section(app, "Journeys")
    week = app.selectbox(key=f"journey-{journey_id(CARERS)}-period")
    latest = table_with(app, "Stage", "About you")["Users"]
    week.set_value(week.options[-1]).run()

    assert not app.exception
    assert table_with(app, "Stage", "About you")["Users"] != latest


def test_only_the_last_stage_of_a_funnel_is_not_applicable(app):
    # Elsewhere a blank is missing data, and says so.
    open_page(app, "app_pages/goals_kpis.py")
    show_section(app, "Journeys")
    frame = next(
        t.value
        for t in app.table
        if "Reached next stage" in t.value.columns
        and "About you" in list(t.value["Stage"])
    )
    rows = frame.to_dict("records")
    assert rows[-1]["Reached next stage"] == rows[-1]["Abandonment"] == "Not applicable"
    assert all("Not applicable" not in row.values() for row in rows[:-1])


def test_measures_tab_shows_the_tax_return_funnel_and_step_kpis(app):
    open_page(app, "app_pages/journeys.py")
    choose_journey(app, "File an online tax return")
    app.session_state["journey-view"] = "Measures"
    app.run()
    assert not app.exception, app.exception
    # 950 reach document upload and 700 the next stage: 250 lost, 26.3%.
    assert table_with(app, "Stage", "Document upload") == {
        "Stage": "Document upload",
        "Users": "950",
        "Reached next stage": "700",
        "Lost": "250",
        "Abandonment": "26.3%",
    }
    # The funnel chart: a bar per stage, users reaching it, in journey order.
    chart = json.loads(app.get("vega_lite_chart")[-1].proto.spec)
    assert chart["encoding"]["y"]["sort"] == [
        "1. Personal information",
        "2. Income details",
        "3. Document upload",
        "4. Review and submit",
        "5. Submitted",
    ]
    text = page_text(app)
    assert "**Stage to fix first:** Document upload, where 26.3% of" in text
    step = table_with(app, "Step", "Check your answers and submit the return")
    assert (step["KPI"], step["Latest"], step["Measured on"]) == (
        "Completion rate",
        "68.0%",
        "this step",
    )


def test_the_outline_shows_each_steps_kpis_with_their_latest_value(app):
    open_page(app, "app_pages/journeys.py")
    choose_journey(app, "File an online tax return")
    assert not app.exception, app.exception
    # 680 of the 1,000 who started submitted, in the demo's January 2026.
    submit = table_with(app, "Action", "Check your answers and submit the return")
    assert submit["KPIs"] == md(
        "Completion rate: 68.0% (2026-01-01 to 2026-01-31, measured on this step)"
    )
    # Document upload: 250 of the 950 who reach it do not reach the next stage.
    upload = table_with(app, "Action", "Upload supporting documents")
    assert upload["KPIs"] == md(
        "Abandonment at a stage: 26.3% (2026-01-01 to 2026-01-31, "
        "measured on this stage)"
    )
    first = table_with(app, "Action", "Enter your name, address and tax reference")
    assert first["KPIs"] == ""
