"""Rows for the CSV and XLSX downloads of the Goals & KPIs tables and the
journey's Measures tab (journeys.goals, journeys.performance).

Every number is worked out by hand from the measurements recorded here or
from the demo workspace's seed journey (1,000 / 980 / 950 / 700 / 680).
"""

import dataclasses
import datetime
import doctest
from pathlib import Path

import pytest

from journeys import agencies, goals, maps, metrics, performance, surveys
from journeys.access import DEMO_EDITOR
from journeys.importers import SourceFile
from journeys.metrics import Point
from journeys.models import Agency, Goal, Journey, Measurement
from journeys.tabular import write_csv
from journeys.workspace import Workspace
from tests.ui_workspace import copy_workspace

TAX = "File an online tax return"
CARERS = "Apply for Carer's Allowance"
REVIEW = datetime.date(2024, 4, 1)


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory) -> Path:
    """A copy of the demo workspace, read only by these tests."""
    return copy_workspace(demo_template, tmp_path_factory.mktemp("export-demo"))


def csv_lines(headers: list[str], found: list[dict]) -> list[str]:
    """The CSV text a download holds, one line per row, header first."""
    return write_csv(headers, found).decode("utf-8-sig").splitlines()


def test_doctests_of_performance_pass():
    result = doctest.testmod(performance)
    assert result.failed == 0 and result.attempted > 0


# --- the journey's funnel, step KPIs, satisfaction and survey answers ------------


def test_funnel_rows_of_the_seed_journey(demo):
    with Workspace.open(demo) as ws:
        tax = maps.find_journey(ws, TAX)
        found = performance.funnel_rows(performance.stage_funnel(ws, tax, "2026-01-01"))
    assert [
        (r["Stage"], r["Users"], r["Reached next stage"], r["Lost"]) for r in found
    ] == [
        ("Personal information", 1000, 980, 20),
        ("Income details", 980, 950, 30),
        ("Document upload", 950, 700, 250),
        ("Review and submit", 700, 680, 20),
        ("Submitted", 680, None, None),
    ]
    # 20/1,000, 30/980, 250/950 and 20/700, as percentages, unrounded.
    assert [r["Abandonment (%)"] for r in found] == [
        pytest.approx(2.0),
        pytest.approx(3.0612244898),
        pytest.approx(26.3157894737),
        pytest.approx(2.8571428571),
        None,
    ]
    assert list(found[0]) == performance.FUNNEL_HEADERS


def test_a_stage_without_a_count_stays_blank_not_zero():
    stages = metrics.funnel([("About you", 1000), ("Other money", None), ("Done", 700)])
    found = performance.funnel_rows(stages)
    # The gap has no users, so nobody lost there and no rate either side of it.
    assert [(r["Users"], r["Lost"], r["Abandonment (%)"]) for r in found] == [
        (1000, None, None),
        (None, None, None),
        (700, None, None),
    ]
    assert csv_lines(performance.FUNNEL_HEADERS, found)[1:] == [
        "About you,1000,,,",
        "Other money,,700,,",
        "Done,700,,,",
    ]


def test_step_kpi_rows_of_the_seed_journey(demo):
    with Workspace.open(demo) as ws:
        tax = maps.find_journey(ws, TAX)
        found = performance.step_kpi_rows(performance.step_kpis(ws, tax))
    upload, submit = found
    # Upload shows its stage's abandonment, 250 / 950, in percent, unrounded.
    assert upload["KPI"] == "Abandonment at a stage"
    assert upload["Latest"] == pytest.approx(26.3157894737)
    assert (upload["Unit"], upload["Measured on"]) == ("%", "this stage")
    # Submit shows completion measured on it: 680 / 1,000 = 68%.
    assert submit["Step"] == "Check your answers and submit the return"
    assert (submit["KPI"], submit["Unit"]) == ("Completion rate", "%")
    assert submit["Latest"] == pytest.approx(68.0)
    assert (submit["Period start"], submit["Period end"]) == (
        "2026-01-01",
        "2026-01-31",
    )
    assert submit["Measured on"] == "this step"


def test_a_step_kpi_without_a_measurement_is_blank():
    nothing = performance.StepKpi(
        "Start",
        1,
        "Sign in",
        "nps",
        "Net Promoter Score",
        "NPS",
        None,
        None,
        None,
        "no measurement yet",
    )
    assert (
        csv_lines(performance.STEP_KPI_HEADERS, performance.step_kpi_rows([nothing]))[1]
        == "Start,Sign in,Net Promoter Score,NPS,,,,no measurement yet"
    )


def test_satisfaction_rows_count_each_level_with_its_share(demo):
    with Workspace.open(demo) as ws:
        carers = maps.find_journey(ws, CARERS)
        found = performance.satisfaction_rows(
            performance.satisfaction_summary(ws, carers)
        )
    # 49 + 50 + 374 + 2,606 + 5,372 = 8,451 answers.
    assert [(r["Level"], r["Meaning"], r["Answers"]) for r in found] == [
        (1, "Very dissatisfied", 49),
        (2, "Dissatisfied", 50),
        (3, "Neither satisfied nor dissatisfied", 374),
        (4, "Satisfied", 2606),
        (5, "Very satisfied", 5372),
    ]
    assert found[4]["Share (%)"] == pytest.approx(5372 / 8451 * 100)  # 63.566...
    assert found[0]["Share (%)"] == pytest.approx(49 / 8451 * 100)  # 0.5798...


def test_satisfaction_rows_without_answers_have_no_share():
    summary = performance.SatisfactionSummary(
        dict.fromkeys(performance.SATISFACTION_LEVELS, 0.0),
        "2016-01-04",
        "2016-01-04",
        3,
    )
    found = performance.satisfaction_rows(summary)
    assert [(r["Answers"], r["Share (%)"]) for r in found] == [(0.0, None)] * 5
    assert csv_lines(performance.SATISFACTION_HEADERS, found)[1] == (
        "1,Very dissatisfied,0,"
    )


def test_survey_overview_rows_keep_the_whole_question(ws):
    metrics.ensure_standard_kpis(ws, DEMO_EDITOR)
    long_question = "How satisfied were you " + "with the service " * 20 + "?"
    text = (
        f'respondent_id,"{long_question}",submitted_at\n'
        "r1,5,2024-01-01\nr2,4,2024-02-01\nr2,2,2024-02-03\n"
    )
    surveys.import_survey(
        ws,
        DEMO_EDITOR,
        SourceFile("pulse.csv", text.encode()),
        mapping={long_question: "csat"},
        survey="Pulse",
    )
    found = performance.survey_overview_rows(surveys.survey_overview(ws))
    # Two people answered (r2 twice: the later answer counts), Jan and Feb 2024.
    assert found == [
        {
            "Survey": "Pulse",
            "Measure": "CSAT: satisfaction, 1-5",
            "Question": long_question,
            "Respondents": 2,
            "From partial responses": 0,
            "First month": "2024-01",
            "Last month": "2024-02",
        }
    ]
    assert len(long_question) > 200  # longer than the page shows


# --- goals ------------------------------------------------------------------------


@pytest.fixture
def board_ws(ws):
    """Three goals reviewed on 1 April 2024.

    * "More people finish their return": completion 60%, 70%, 65% (Jan-Mar),
      target 90% by 31 Dec 2024; it moved 5 of the 30 points the wrong way.
    * "Cheaper returns": cost per transaction 5.00, 4.00, 3.50 GBP, target
      3.00 (lower is better); it moved 0.50 of the 2.00 the right way. And
      digital take-up 50% once (March): no movement to show.
    * "Unrelated goal": no KPI, its own baseline 3 and target 5.
    """
    kpis = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)
    tax = agencies.create_agency(ws, DEMO_EDITOR, Agency("Tax Office"))
    post = agencies.create_agency(ws, DEMO_EDITOR, Agency("Post Office"))
    journey = maps.create_journey(ws, DEMO_EDITOR, Journey("File a return"))
    months = (("2024-01-01", "2024-01-28"), ("2024-02-01", "2024-02-28"))
    months += (("2024-03-01", "2024-03-28"),)

    def record(key, period, value):
        metrics.add_measurement(
            ws, DEMO_EDITOR, Measurement(kpis[key], *period, value, journey)
        )

    for period, share, cost in zip(
        months, (0.60, 0.70, 0.65), (5, 4, 3.5), strict=True
    ):
        record("completion_rate", period, share)
        record("cost_per_transaction", period, cost)
    record("digital_take_up", months[2], 0.5)
    goals.create_goal(
        ws,
        DEMO_EDITOR,
        Goal(
            "More people finish their return", owner_agency_id=tax, journey_id=journey
        ),
        [
            goals.GoalKpi(
                kpis["completion_rate"], 0.90, deadline="2024-12-31", journey_id=journey
            )
        ],
        agency_ids=[post],
    )
    goals.create_goal(
        ws,
        DEMO_EDITOR,
        Goal("Cheaper returns"),
        [
            goals.GoalKpi(
                kpis["cost_per_transaction"],
                3.0,
                "down",
                deadline="2024-12-31",
                journey_id=journey,
            ),
            goals.GoalKpi(kpis["digital_take_up"], 0.8, journey_id=journey),
        ],
    )
    goals.create_goal(
        ws,
        DEMO_EDITOR,
        Goal("Unrelated goal", baseline=3, target=5, deadline="2025-01-01"),
    )
    return ws


def test_overview_rows_one_per_goal_worst_first(board_ws):
    board = goals.dashboard(board_ws, today=REVIEW)
    found = goals.overview_rows(board)
    assert found == [
        {
            "Goal": "Cheaper returns",
            "Status": goals.AT_RISK,  # digital take-up, no deadline, not met
            "Owner": None,
            "Contributing agencies": "",
            "Journeys": "",
            "KPIs": "Cost per transaction; Digital take-up",
        },
        {
            "Goal": "More people finish their return",
            "Status": goals.AT_RISK,
            "Owner": "Tax Office",
            "Contributing agencies": "Post Office",
            "Journeys": "File a return",
            "KPIs": "Completion rate",
        },
        {
            "Goal": "Unrelated goal",
            "Status": goals.NO_RECENT_DATA,
            "Owner": None,
            "Contributing agencies": "",
            "Journeys": "",
            "KPIs": "",
        },
    ]
    # The journey filter keeps the rows the page then shows, and no more.
    journey = maps.find_journey(board_ws, "File a return")
    filtered = goals.dashboard(board_ws, journey_id=journey, today=REVIEW)
    assert [r["Goal"] for r in goals.overview_rows(filtered)] == [
        "Cheaper returns",
        "More people finish their return",
    ]


def test_worst_moving_rows_in_the_order_shown_with_raw_values(board_ws):
    board = goals.dashboard(board_ws, today=REVIEW)
    found = goals.worst_moving_rows(board)
    assert [(r["Goal"], r["KPI"]) for r in found] == [
        ("More people finish their return", "Completion rate"),
        ("Cheaper returns", "Cost per transaction"),
        ("Cheaper returns", "Digital take-up"),
    ]
    completion, cost, take_up = found
    # 70% -> 65% against 30 points from 60% to 90%: -5/30 of the way.
    assert completion[goals.MOVEMENT] == pytest.approx(-1 / 6)
    assert (completion["Latest"], completion["Target"], completion["Baseline"]) == (
        pytest.approx(65.0),
        pytest.approx(90.0),
        pytest.approx(60.0),
    )
    assert completion["Unit"] == "%" and completion["Direction"] == "up"
    assert (completion["Latest period start"], completion["Latest period end"]) == (
        "2024-03-01",
        "2024-03-28",
    )
    assert (completion["Deadline"], completion["Review date"]) == (
        "2024-12-31",
        "2024-04-01",
    )
    # 4.00 -> 3.50 GBP, lower is better, 2.00 from 5.00 to 3.00: +0.25 of the way.
    assert cost[goals.MOVEMENT] == pytest.approx(0.25)
    assert (cost["Latest"], cost["Unit"]) == (3.5, "GBP")
    # One measurement: no movement and no deadline, both blank in the CSV.
    assert take_up[goals.MOVEMENT] is None and take_up["Deadline"] is None
    line = csv_lines(goals.WORST_MOVING_HEADERS, found)[3]
    assert line.startswith(
        "Cheaper returns,Digital take-up,File a return,at risk,%,50,80,,"
    )
    assert ",2024-03-01,2024-03-28,50,up,,2024-04-01" in line


def test_trend_rows_hold_the_charted_values_in_the_period(board_ws):
    board = goals.dashboard(board_ws, start="2024-02-01", today=REVIEW)
    view = next(v for v in board.goals if v.goal["title"].startswith("More"))
    found = goals.trend_rows(view.kpis[0])
    # January ended before the period: February 70% and March 65%, target 90%.
    assert [(r["Period start"], r["Period end"]) for r in found] == [
        ("2024-02-01", "2024-02-28"),
        ("2024-03-01", "2024-03-28"),
    ]
    assert [r["Value"] for r in found] == [pytest.approx(70.0), pytest.approx(65.0)]
    same = ("More people finish their return", "Completion rate", "%")
    assert [(r["Goal"], r["KPI"], r["Unit"]) for r in found] == [same, same]
    assert [r["Target"] for r in found] == [pytest.approx(90.0)] * 2
    # A period without a value is not charted, so not exported either.
    gap = Point("2024-04-01", "2024-04-28", None)
    with_gap = dataclasses.replace(view.kpis[0], points=[*view.kpis[0].points, gap])
    assert len(goals.trend_rows(with_gap)) == 2


def test_goal_table_rows_one_per_goal_kpi_and_goals_without(board_ws):
    lines = goals.goal_lines(board_ws, today=REVIEW)
    found = goals.goal_table_rows(lines)
    assert [(r["Goal"], r["KPI"]) for r in found] == [
        ("Cheaper returns", "Cost per transaction"),
        ("Cheaper returns", "Digital take-up"),
        ("More people finish their return", "Completion rate"),
        ("Unrelated goal", None),
    ]
    completion = found[2]
    assert (completion["Journey"], completion["Owner"]) == (
        "File a return",
        "Tax Office",
    )
    assert (completion["KPI status"], completion["Unit"]) == (goals.AT_RISK, "%")
    # The baseline is the first value, 60%, when none was given.
    assert completion["Baseline"] == pytest.approx(60.0)
    assert completion["Target"] == pytest.approx(90.0)
    # The goal without KPIs: its own numbers, and blanks where nothing is set.
    assert csv_lines(goals.GOAL_TABLE_HEADERS, found)[4] == (
        "Unrelated goal,,,,,,3,5,2025-01-01"
    )
