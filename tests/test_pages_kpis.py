"""The Goals & KPIs page on the demo workspace, driven with AppTest.

The demo workspace holds the online tax return seed journey, real
measurements from five files and six shared goals (journeys.demo_kpis).
"""

import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.shared import md
from journeys import agencies, goals, maps, metrics
from journeys.access import Actor, Role
from journeys.metrics import Scope
from journeys.models import Goal
from journeys.workspace import Workspace

PAGE_FILE = str(Path(__file__).resolve().parent.parent / "app_pages" / "goals_kpis.py")
TAX = "File an online tax return"
TAX_GOAL = "Fewer people give up on their tax return at document upload"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def db(demo_db) -> Path:
    return demo_db


@pytest.fixture
def page(db) -> AppTest:
    """The page alone (without app.py's navigation, to keep the tests fast),
    showing its dashboard."""
    at = AppTest.from_file(PAGE_FILE, default_timeout=60)
    return run(at)


def open_on(db: Path, section: str, role: str = "editor") -> AppTest:
    """The page opened straight on one of its sections."""
    at = AppTest.from_file(PAGE_FILE, default_timeout=60)
    at.session_state["kpi-section"] = section
    at.session_state["acting_role"] = role
    return run(at)


def show(at: AppTest, section: str) -> AppTest:
    at.radio(key="kpi-section").set_value(section)
    return run(at)


def text_of(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader)]
    parts += [e.value for e in (*at.markdown, *at.caption, *at.info, *at.error)]
    parts += [e.value for e in (*at.success, *at.warning)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [t.value.to_string() for t in at.table]
    return "\n".join(str(p) for p in parts)


def row_of(at: AppTest, column: str, value: str, *, having: str | None = None) -> dict:
    for table in [*at.table, *at.dataframe]:
        frame = table.value
        if column in frame.columns and (having is None or having in frame.columns):
            found = frame[frame[column] == value]
            if len(found):
                return found.iloc[0].to_dict()
    raise AssertionError(f"no table has {column} = {value!r}")


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def journey_id(db: Path, title: str) -> int:
    with Workspace.open(db) as ws:
        return maps.find_journey(ws, title)


def test_tax_return_funnel_flags_document_upload(db):
    page = open_on(db, "Journeys")
    upload = row_of(page, "Stage", "Document upload", having="Lost")
    # 950 reach it, 700 reach "Review and submit": 250 lost, 250/950 = 26.3%.
    assert upload == {
        "Stage": "Document upload",
        "Users": "950",
        "Reached next stage": "700",
        "Lost": "250",
        "Abandonment": "26.3%",
    }
    assert row_of(page, "Stage", "Income details", having="Lost")["Abandonment"] == (
        "3.1%"  # 30 / 980
    )
    text = text_of(page)
    assert "**Stage to fix first:** Document upload, where 26.3% of the people" in text
    # KPIs on the steps: completion 680 / 1,000 on the submit step.
    step = row_of(page, "Step", "Check your answers and submit the return")
    assert (step["KPI"], step["Latest"], step["Measured on"]) == (
        "Completion rate",
        "68.0%",
        "this step",
    )


HOSTILE = "![t](http://example.invalid/t.png) :red[RED] $x^2$ - <b>bold</b>"


def test_typed_goal_and_kpi_text_is_shown_as_typed_never_as_markup(db):
    # A fresh-user test found a goal title's Markdown image fetched by every
    # reader's browser, from any address.
    with Workspace.open(db) as ws:
        editor = Actor("demo editor", Role.EDITOR)
        kpi = metrics.create_custom_kpi(
            ws, editor, "Typed " + HOSTILE, "USD", "none", "total_cost * 2"
        )
        goals.create_goal(
            ws,
            editor,
            Goal("Goal " + HOSTILE, "About " + HOSTILE),
            [goals.GoalKpi(kpi, 3.0, "down")],
        )
    at = open_on(db, "Dashboard")
    shown = [e.value for e in [*at.subheader, *at.markdown, *at.caption]] + [
        str(v) for t in at.table for v in t.value.to_numpy().ravel()
    ]
    assert md("Goal " + HOSTILE) in [e.value for e in at.subheader]
    assert "About " + md(HOSTILE) in [e.value for e in at.caption]
    # Nowhere on the page is the image, colour or formula left unescaped.
    assert not [text for text in shown if "![t](http" in text or ":red[RED]" in text]
    at = open_on(db, "KPI library")
    assert row_of(at, "KPI", md("Typed " + HOSTILE))["Unit"] == "USD"


def test_dashboard_shows_every_goal_with_status_and_rule(page):
    text = text_of(page)
    assert "no measurement ended in the 92 days" in text  # the rule, shown
    overview = row_of(page, "Goal", "Veterans trust VA health care", having="KPIs")
    # Trust 4.42 in FY2020 Q1 fell short of 4.7 by the 31 March 2020 deadline.
    assert (overview["Status"], overview["Owner"]) == (
        "Off track",
        "Department of Veterans Affairs",
    )
    moving = next(t.value for t in page.table if "Movement" in t.value.columns)
    movements = [m for m in moving["Movement"] if m != "Not enough data"]
    assert movements and movements[0].startswith("-")
    # Each download names its table, so a screen reader lists them apart.
    assert "Download the worst-moving KPIs as XLSX" in [
        b.label for b in page.download_button
    ]


def test_period_and_journey_filters_change_the_status(page, db):
    page.selectbox(key="dashboard-journey").set_value(journey_id(db, TAX))
    page.date_input(key="dashboard-end").set_value(datetime.date(2026, 2, 15))
    run(page)
    overview = next(t.value for t in page.table if "KPIs" in t.value.columns)
    assert list(overview["Goal"]) == [TAX_GOAL]
    # Reviewed on 15 Feb 2026: abandonment 26.3% is its own baseline (0% of
    # the way to 10%) and 15 of the 365 days to 31 Jan 2027 (4%) have passed:
    # behind by less than 25% of the way, so at risk.
    assert overview["Status"][0] == "At risk"
    assert "Status as of 2026-02-15" in text_of(page)


def test_template_import_previews_reports_and_writes(db):
    page = open_on(db, "Add goals and data")
    page.selectbox(key="kpi-import-kind").set_value("measurements-csv")
    run(page)
    text = (
        "kpi,period_start,period_end,value,journey\n"
        f"completion_rate,2026-02-01,2026-02-28,72,{TAX}\n"
        f"completion_rate,2026-03-01,2026-03-31,172,{TAX}\n"
    )
    page.file_uploader(key="kpi-import-file-0").upload(
        "feb.csv", text.encode(), "text/csv"
    )
    run(page)
    assert md("2 rows read: 1 measurement to import") in text_of(page)
    problem = row_of(page, "Row", 3)
    assert problem["Column"] == "value" and "100%" in problem["Problem"]
    with Workspace.open(db) as ws:
        before = ws.counts()["measurement"]
    page.button(key="kpi-import-go").click()
    run(page)
    assert any(md("Imported feb.csv") in s.value for s in page.success)
    with Workspace.open(db) as ws:
        assert ws.counts()["measurement"] == before + 1
        journey = maps.find_journey(ws, TAX)
        points = metrics.series(ws, "completion_rate", Scope(journey_id=journey))
    # 72 typed as a percentage is stored as 0.72.
    assert [p.value for p in points][-1] == pytest.approx(0.72)


def test_survey_import_maps_a_question_and_stores_answers(db):
    page = open_on(db, "Add goals and data")
    page.selectbox(key="kpi-import-kind").set_value("survey-export")
    run(page)
    data = (FIXTURES / "qualtrics_export_sample_3row_header.csv").read_bytes()
    page.file_uploader(key="kpi-import-file-0").upload("q.csv", data, "text/csv")
    run(page)
    assert "A **Qualtrics** export with 1 response." in text_of(page)
    page.selectbox(key="survey-map-17").set_value("csat")  # column Q1
    run(page)
    page.button(key="survey-import-go").click()
    run(page)
    with Workspace.open(db) as ws:
        points = metrics.series(ws, "csat_mean", Scope(segment="survey: q"))
    assert [p.value for p in points] == [2.0]  # the one answer, 2 on 1-5


def test_manual_measurement_and_custom_kpi_forms(db):
    page = open_on(db, "Add goals and data")
    tax = journey_id(db, TAX)
    with Workspace.open(db) as ws:
        kpi = metrics.kpi_id(ws, "completion_rate")
    page.selectbox(key="measure-new-kpi").set_value(kpi)
    page.date_input(key="measure-new-start").set_value(datetime.date(2026, 4, 1))
    page.date_input(key="measure-new-end").set_value(datetime.date(2026, 4, 30))
    page.text_input(key="measure-new-value").set_value("75")
    page.selectbox(key="measure-new-place").set_value(("journey", tax, None))
    page.button(key="measure-new-save").click()
    run(page)
    assert not page.error
    with Workspace.open(db) as ws:
        april = metrics.series(
            ws, "completion_rate", Scope(journey_id=tax), start="2026-04-01"
        )
    assert [p.value for p in april] == [0.75]

    show(page, "KPI library")
    page.text_input(key="custom-kpi-name").set_value("Cost per claim")
    page.text_input(key="custom-kpi-unit").set_value("GBP")
    page.text_input(key="custom-kpi-formula").set_value("import os")
    page.button(key="custom-kpi-save").click()
    run(page)
    assert "not arithmetic" in page.error[0].value
    page.text_input(key="custom-kpi-formula").set_value("total_cost / transactions")
    page.button(key="custom-kpi-save").click()
    run(page)
    # The library escapes every text cell: custom KPIs are typed by people.
    assert row_of(page, "Key", md("custom_cost_per_claim"))["Family"] == "Custom"


def test_a_viewer_cannot_import(db):
    page = open_on(db, "Add goals and data", role="viewer")
    page.selectbox(key="kpi-import-kind").set_value("measurements-csv")
    run(page)
    text = "kpi,period_start,period_end,value\nnps,2026-01-01,2026-01-31,10\n"
    page.file_uploader(key="kpi-import-file-0").upload(
        "n.csv", text.encode(), "text/csv"
    )
    run(page)
    page.button(key="kpi-import-go").click()
    run(page)
    assert "is a viewer" in page.error[0].value
    with Workspace.open(db) as ws:
        assert not metrics.series(ws, "nps", Scope())


# --- editing and deleting a goal --------------------------------------------------


def goal_id(db: Path, title: str) -> int:
    with Workspace.open(db) as ws:
        return next(g["id"] for g in goals.list_goals(ws) if g["title"] == title)


def open_goal_edit(db: Path, title: str) -> AppTest:
    page = open_on(db, "Add goals and data")
    page.selectbox(key="goal-edit-choice").set_value(goal_id(db, title))
    return run(page)


def test_editing_a_goal_persists_its_fields_kpis_and_links(db):
    page = open_goal_edit(db, TAX_GOAL)
    # The form opens with the goal's two KPIs, in the unit people read.
    assert page.number_input(key="goal-edit-kpi-count").value == 2
    assert page.text_input(key="goal-edit-target").value == "10"
    assert page.text_input(key="goal-edit-target-2").value == "80"
    assert page.text_input(key="goal-edit-deadline-2").value == "2027-01-31"
    with Workspace.open(db) as ws:
        owners = {a["name"]: a["id"] for a in agencies.list_agencies(ws)}
    other = next(iter(owners.values()))
    page.text_input(key="goal-edit-title").set_value("Keep people at upload")
    page.text_input(key="goal-edit-target").set_value("12.5")
    page.text_input(key="goal-edit-baseline-2").set_value("68")
    page.multiselect(key="goal-edit-agencies").set_value([other])
    page.button(key="goal-edit-save").click()
    run(page)
    assert not page.error, page.error
    assert any("Saved the goal Keep people at upload" in s.value for s in page.success)
    gid = goal_id(db, "Keep people at upload")
    with Workspace.open(db) as ws:
        saved = goals.goal_for_edit(ws, gid)
    assert saved["goal"]["version"] == 2 and saved["agency_ids"] == [other]
    first, second = saved["kpis"]
    # The upload stage of the first KPI is kept; 12.5 typed is 12.5%.
    assert first.target == pytest.approx(0.125) and first.stage_id is not None
    assert (second.baseline, second.target) == (pytest.approx(0.68), 0.8)
    assert len(saved["step_ids"]) == 1  # the upload step, kept


def test_adding_a_goal_with_two_kpis_journeys_and_steps(db):
    page = open_on(db, "Add goals and data")
    page.number_input(key="goal-new-kpi-count").set_value(2)
    run(page)
    tax = journey_id(db, TAX)
    with Workspace.open(db) as ws:
        nps, cost = (
            metrics.kpi_id(ws, "nps"),
            metrics.kpi_id(ws, "cost_per_transaction"),
        )
        step = maps.load_journey_map(ws, tax).steps()[0]["id"]
    page.text_input(key="goal-new-title").set_value("Happier filers")
    page.multiselect(key="goal-new-journeys").set_value([tax])
    page.multiselect(key="goal-new-steps").set_value([step])
    page.selectbox(key="goal-new-kpi").set_value(nps)
    page.text_input(key="goal-new-target").set_value("30")  # NPS: stored as 0.30
    page.selectbox(key="goal-new-kpi-2").set_value(cost)
    page.selectbox(key="goal-new-direction-2").set_value("down")
    page.text_input(key="goal-new-baseline-2").set_value("4.5")
    page.text_input(key="goal-new-target-2").set_value("4")
    page.text_input(key="goal-new-deadline-2").set_value("2027-06-30")
    page.button(key="goal-new-save").click()
    run(page)
    assert not page.error, page.error
    with Workspace.open(db) as ws:
        made = goals.goal_for_edit(ws, goal_id(db, "Happier filers"))
    assert (made["journey_ids"], made["step_ids"]) == ([tax], [step])
    assert [
        (k.kpi_id, k.target, k.direction, k.baseline, k.deadline) for k in made["kpis"]
    ] == [(nps, 0.3, "up", None, None), (cost, 4, "down", 4.5, "2027-06-30")]


def test_deleting_a_goal_persists(db):
    page = open_goal_edit(db, TAX_GOAL)
    assert page.button(key="goal-edit-delete").disabled
    page.checkbox(key="goal-edit-delete-sure").check()
    run(page)
    page.button(key="goal-edit-delete").click()
    run(page)
    assert any(f"Deleted the goal {TAX_GOAL}" in s.value for s in page.success)
    with Workspace.open(db) as ws:
        titles = [g["title"] for g in goals.list_goals(ws)]
        left = ws.db.execute(
            "SELECT count(*) FROM goal_kpi WHERE goal_id NOT IN (SELECT id FROM goal)"
        ).fetchone()[0]
    assert TAX_GOAL not in titles and len(titles) == 5 and left == 0


def test_a_goal_changed_behind_the_pages_back_shows_who_changed_it(db):
    page = open_goal_edit(db, TAX_GOAL)
    gid = goal_id(db, TAX_GOAL)
    with Workspace.open(db) as ws:
        opened = goals.goal_for_edit(ws, gid)
        goals.update_goal(
            ws,
            Actor("Ana Lopez", Role.EDITOR),
            gid,
            opened["goal"]["version"],
            Goal("Ana's title", journey_id=opened["goal"]["journey_id"]),
            opened["kpis"],
        )
    page.text_input(key="goal-edit-title").set_value("My title")
    page.button(key="goal-edit-save").click()
    run(page)
    assert "changed by Ana Lopez" in page.error[0].value
    assert "Your edit was not saved" in page.error[0].value
    with Workspace.open(db) as ws:
        assert goals.goal_for_edit(ws, gid)["goal"]["title"] == "Ana's title"
    # Reloading opens their version.
    page.button(key="goal-edit-reload").click()
    run(page)
    assert page.text_input(key="goal-edit-title").value == "Ana's title"


# --- editing and deleting a custom KPI ----------------------------------------------


def add_cost_kpi(db: Path) -> int:
    with Workspace.open(db) as ws:
        return metrics.create_custom_kpi(
            ws,
            Actor("Ana Lopez", Role.EDITOR),
            "Cost per claim",
            "GBP",
            "down",
            "total_cost / transactions",
        )


def test_editing_then_deleting_a_custom_kpi(db):
    kpi = add_cost_kpi(db)
    page = open_on(db, "KPI library")
    page.selectbox(key="custom-kpi-edit-choice").set_value(kpi)
    run(page)
    assert page.text_input(key="custom-kpi-edit-formula").value == (
        "total_cost / transactions"
    )
    page.text_input(key="custom-kpi-edit-name").set_value("Cost per claim paid")
    page.text_input(key="custom-kpi-edit-unit").set_value("USD")
    page.selectbox(key="custom-kpi-edit-direction").set_value("none")
    page.text_input(key="custom-kpi-edit-formula").set_value("total_cost * 2")
    page.button(key="custom-kpi-edit-save").click()
    run(page)
    assert not page.error, page.error
    row = row_of(page, "Key", md("custom_cost_per_claim"))
    assert (row["KPI"], row["Unit"], row["Better when"], row["Formula"]) == (
        "Cost per claim paid",
        "USD",
        "Neither",
        md("total_cost * 2"),
    )
    page.selectbox(key="custom-kpi-edit-choice").set_value(kpi)
    run(page)
    page.button(key="custom-kpi-edit-delete").click()
    run(page)
    assert any("Deleted the KPI Cost per claim paid" in s.value for s in page.success)
    with Workspace.open(db) as ws:
        assert metrics.kpi_id(ws, "custom_cost_per_claim") is None


def test_a_custom_kpi_used_by_a_goal_is_not_deleted(db):
    kpi = add_cost_kpi(db)
    with Workspace.open(db) as ws:
        goals.create_goal(
            ws,
            Actor("Ana", Role.EDITOR),
            Goal("Cheap"),
            [goals.GoalKpi(kpi, 2, "down")],
        )
    page = open_on(db, "KPI library")
    page.selectbox(key="custom-kpi-edit-choice").set_value(kpi)
    run(page)
    page.button(key="custom-kpi-edit-delete").click()
    run(page)
    assert "is used by 1 goal" in page.error[0].value
    assert "cannot be deleted while anything uses it" in page.error[0].value
    with Workspace.open(db) as ws:
        assert metrics.kpi_id(ws, "custom_cost_per_claim") == kpi
