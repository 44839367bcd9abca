"""The Goals & KPIs page on the demo workspace, driven with AppTest.

The demo workspace holds the online tax return seed journey, real
measurements from five files and six shared goals (journeys.demo_kpis).
"""

import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys import maps, metrics
from journeys.metrics import Scope
from journeys.workspace import Workspace
from tests.ui_workspace import build_template, copy_workspace

PAGE_FILE = str(Path(__file__).resolve().parent.parent / "app_pages" / "goals_kpis.py")
TAX = "File an online tax return"
TAX_GOAL = "Fewer people give up on their tax return at document upload"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_template(tmp_path_factory.mktemp("kpi-demo"))


@pytest.fixture
def db(template, tmp_path, monkeypatch) -> Path:
    path = copy_workspace(template, tmp_path)
    monkeypatch.setenv("JOINEDUP_DB", str(path))
    return path


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
    assert any(b.label == "Download XLSX" for b in page.download_button)


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
    assert "2 rows read: 1 measurements to import" in text_of(page)
    problem = row_of(page, "Row", 3)
    assert problem["Column"] == "value" and "100%" in problem["Problem"]
    with Workspace.open(db) as ws:
        before = ws.counts()["measurement"]
    page.button(key="kpi-import-go").click()
    run(page)
    assert any("Imported feb.csv" in s.value for s in page.success)
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
    assert "A **qualtrics** export with 1 responses" in text_of(page)
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
    assert row_of(page, "Key", "custom_cost_per_claim")["Family"] == "Custom"


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
