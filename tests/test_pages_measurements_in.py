"""Importing measurements on a page, driven with AppTest: a survey's mapping
comes back preselected, and a file read once is not read again on a rerun.

The import section alone runs, on an empty workspace (no demo to build).
"""

import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.shared import md
from journeys import surveys
from journeys.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
QUALTRICS = (FIXTURES / "qualtrics_export_sample_3row_header.csv").read_bytes()
SCRIPT = """
from app_pages import measurement_entry, shared

with shared.open_workspace() as ws:
    measurement_entry.render_import(ws)
"""


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "joinedup.db"
    monkeypatch.setenv("JOINEDUP_DB", str(path))
    return path


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def survey_upload(role: str = "editor", upload: int = 0) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.session_state["acting_role"] = role
    run(at)
    at.selectbox(key="kpi-import-kind").set_value("survey-export")
    run(at)
    return upload_qualtrics(at, upload)


def upload_qualtrics(at: AppTest, upload: int) -> AppTest:
    at.file_uploader(key=f"kpi-import-file-{upload}").upload(
        "q.csv", QUALTRICS, "text/csv"
    )
    return run(at)


def test_a_question_from_the_file_is_shown_as_written_never_as_markup(db):
    # A question heading is text from a file: a Markdown image in it must not
    # make the browser fetch anything, nor a colour directive apply.
    hostile = "![px](http://example.invalid/q.png) :red[red] <b>bold</b>"
    data = QUALTRICS.replace(
        b"This is a multiple choice question.", hostile.encode(), 1
    )
    at = survey_upload()
    at.file_uploader(key="kpi-import-file-0").upload("q.csv", data, "text/csv")
    run(at)
    assert at.selectbox(key="survey-map-17").label == md(hostile)


def test_a_second_upload_of_the_survey_comes_with_its_questions_mapped(db):
    at = survey_upload()
    # Columns 17 and 18 are Q1 and Q2; nothing is saved yet.
    assert at.selectbox(key="survey-map-17").value == ""
    assert [i.value for i in at.info] == [
        "Map at least one question to see what would be imported."
    ]
    at.selectbox(key="survey-map-17").set_value("csat")
    run(at)
    at.button(key="survey-import-go").click()
    run(at)

    upload_qualtrics(at, 1)  # the uploader is a new one after an import
    assert at.selectbox(key="survey-map-17").value == "csat"
    assert at.selectbox(key="survey-map-18").value == ""
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    assert at.info[0].value == (
        md(
            f"1 question mapped as last time, from the mapping saved on {today} by "
            "demo editor"
        )
        + ". Check them; you can change any."
    )
    # Still the person's choice: changing it sticks over a rerun.
    at.selectbox(key="survey-map-17").set_value("user_satisfaction")
    run(at)
    assert at.selectbox(key="survey-map-17").value == "user_satisfaction"


def test_a_viewer_cannot_save_the_mapping(db):
    at = survey_upload(role="viewer")
    at.selectbox(key="survey-map-17").set_value("csat")
    run(at)
    at.button(key="survey-map-save").click()
    run(at)
    assert at.error[0].value == md(
        "demo viewer is a viewer and cannot save a survey's question mapping; "
        "this needs the editor role. Ask a workspace admin."
    )
    with Workspace.open(db) as ws:
        assert ws.db.execute("SELECT count(*) FROM survey_mapping").fetchone() == (0,)


def test_the_survey_is_planned_again_only_when_the_mapping_changes(db, monkeypatch):
    planned = []
    real_plan = surveys.plan_survey

    def counting_plan(*args, **kwargs):
        planned.append(args[1])
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(surveys, "plan_survey", counting_plan)
    at = survey_upload()
    at.selectbox(key="survey-map-17").set_value("csat")
    run(at)
    at.text_input(key="survey-name").set_value("Customer survey")
    run(at)
    at.checkbox(key="survey-partial").set_value(True)  # unchanged: True already
    run(at)
    assert planned == [{17: "csat"}]
    at.selectbox(key="survey-map-17").set_value("user_satisfaction")
    run(at)
    assert planned == [{17: "csat"}, {17: "user_satisfaction"}]


@pytest.mark.parametrize(
    ("threshold", "with_bar"),
    [(1_000_000, False), (len(QUALTRICS) - 1, True)],  # the file is 1,470 bytes
)
def test_a_file_above_the_threshold_is_read_with_a_progress_bar(
    db, monkeypatch, threshold, with_bar
):
    from app_pages import measurement_entry

    monkeypatch.setattr(measurement_entry, "PROGRESS_BYTES", threshold)
    reported = []
    real_plan = surveys.plan_survey

    def reporting_plan(*args, progress=None, **kwargs):
        reported.append(progress is not None)
        return real_plan(*args, progress=progress, **kwargs)

    monkeypatch.setattr(surveys, "plan_survey", reporting_plan)
    at = survey_upload()
    at.selectbox(key="survey-map-17").set_value("csat")
    run(at)
    assert reported == [with_bar]
    # Once the preview is shown the bar is gone.
    assert at.get("progress") == []
    summary = (
        "**Before anything is written:** "
        + md("1 response read (Qualtrics): 1 respondent, 1 answer to store")
        + "."
    )
    assert summary in [m.value for m in at.markdown]


def test_a_measurement_file_is_checked_again_only_when_the_workspace_changes(
    db, monkeypatch
):
    from app_pages import measurement_entry
    from journeys import agencies
    from journeys.access import DEMO_EDITOR
    from journeys.models import Agency

    previewed = []
    real_preview = measurement_entry.preview

    def counting_preview(ws, kind, source, progress=None):
        previewed.append(source.name)
        return real_preview(ws, kind, source, progress)

    monkeypatch.setattr(measurement_entry, "preview", counting_preview)
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    run(at)
    at.selectbox(key="kpi-import-kind").set_value("measurements-csv")
    run(at)
    text = (
        "kpi,period_start,period_end,value\ncompletion_rate,2026-02-01,2026-02-28,72\n"
    )
    at.file_uploader(key="kpi-import-file-0").upload("feb.csv", text.encode())
    run(at)
    run(at)  # a rerun for any other widget
    assert previewed == ["feb.csv"]
    with Workspace.open(db) as ws:  # someone else saves something meanwhile
        agencies.create_agency(ws, DEMO_EDITOR, Agency("Tax office"))
    run(at)
    assert previewed == ["feb.csv", "feb.csv"]
    assert at.button(key="kpi-import-go").label == "Import 1 measurement"
