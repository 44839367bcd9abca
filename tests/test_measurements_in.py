"""Measurements in (issue 5): progress while large files are read and checked,
and survey question mappings saved for the next export of the same survey."""

import datetime
from importlib import resources
from pathlib import Path

import pytest

from journeys import survey_mappings, surveys, workspace_file
from journeys.access import DEMO_ADMIN, DEMO_EDITOR, Actor, Role
from journeys.errors import PermissionDenied
from journeys.importers import SourceFile
from journeys.importers import measure_plan as plans
from journeys.importers.previews import PLAN_SHARE, checked_against, preview
from journeys.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
QUALTRICS = "qualtrics_export_sample_3row_header.csv"
LIMESURVEY = "limesurvey_export_survey_998192.csv"
OPENNESS = "Describe yourselves [Openness]"
AGE = "How old are you?"
Q1_TEXT = "This is a multiple choice question."
# The one response of the Qualtrics sample, and a later one added to it.
FIRST_RESPONSE = "R_2YPOQ602ER1jkf1"
LATER_RESPONSE = "R_9LaterResponse01"
VIEWER = Actor("demo viewer", Role.VIEWER)


def fixture(name: str) -> SourceFile:
    return SourceFile(name, (FIXTURES / name).read_bytes())


def later_qualtrics_export() -> SourceFile:
    """The Qualtrics sample exported again a month later, with one more
    response (answer 4 to Q1), as the next export of the same survey is."""
    text = (FIXTURES / QUALTRICS).read_text(encoding="utf-8")
    first = text.splitlines()[3]
    later = (
        first.replace(FIRST_RESPONSE, LATER_RESPONSE)
        .replace("2017-07-18", "2017-08-21")
        .replace(",DE,2,Hello World!", ",DE,4,Thanks")
    )
    return SourceFile("sample-august.csv", (text.rstrip("\n") + "\n" + later).encode())


def saved_rows(ws) -> list[dict]:
    cursor = ws.db.execute(
        "SELECT tool, question_id, question, measure, version, created_by"
        " FROM survey_mapping ORDER BY id"
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def logged(ws) -> list[tuple]:
    return ws.db.execute(
        "SELECT action, actor FROM change_log WHERE table_name = 'survey_mapping'"
        " ORDER BY id"
    ).fetchall()


# --- saved mappings ----------------------------------------------------------------


def test_a_qualtrics_import_saves_its_mapping_and_the_next_export_gets_it(ws):
    surveys.import_survey(
        ws, DEMO_EDITOR, fixture(QUALTRICS), mapping={"Q1": "csat"}, survey="Sample"
    )
    assert saved_rows(ws) == [
        {
            "tool": "qualtrics",
            "question_id": "QID1",  # the ImportId of the third header row
            "question": Q1_TEXT,
            "measure": "csat",
            "version": 1,
            "created_by": "demo editor",
        }
    ]
    assert logged(ws) == [("create", "demo editor")]

    later = later_qualtrics_export()
    table = surveys.read_survey(later)
    assert len(table.records) == 2
    saved = survey_mappings.saved_mapping(ws, table)
    assert saved.choices == {17: "csat"}  # column 17 is Q1; Q2 and its topics stay
    stamp = ws.db.execute("SELECT updated_at FROM survey_mapping").fetchone()[0]
    assert saved.saved_at == stamp
    assert stamp[:10] == datetime.datetime.now(datetime.UTC).date().isoformat()
    assert saved.message() == (
        f"1 question mapped as last time, from the mapping saved on {stamp[:10]} "
        "by demo editor"
    )

    plan = surveys.plan_survey(later, saved.choices, survey="Sample", table=table)
    assert [(a.respondent, a.measure, a.value, a.period) for a in plan.answers] == [
        (FIRST_RESPONSE, "csat", 2.0, "2017-07"),
        (LATER_RESPONSE, "csat", 4.0, "2017-08"),
    ]


def test_limesurvey_mapping_saved_by_hand_then_changed(ws):
    table = surveys.read_survey(fixture(LIMESURVEY))
    changed = survey_mappings.save_mapping(
        ws, DEMO_EDITOR, table, {OPENNESS: "csat", AGE: "nps"}
    )
    assert changed == 2
    again = surveys.read_survey(fixture(LIMESURVEY))
    # Column 11 is "How old are you?", 34 "Describe yourselves [Openness]".
    assert survey_mappings.saved_mapping(ws, again).choices == {11: "nps", 34: "csat"}
    # The same wording in a Qualtrics export is another tool's question.
    qualtrics = surveys.read_survey(fixture(QUALTRICS))
    assert survey_mappings.saved_mapping(ws, qualtrics).choices == {}

    # Openness becomes effort, age is no longer a KPI question, the rest as is.
    changed = survey_mappings.save_mapping(ws, DEMO_EDITOR, again, {34: "ces"})
    assert changed == 2
    assert saved_rows(ws) == [
        {
            "tool": "limesurvey",
            "question_id": "",
            "question": OPENNESS,
            "measure": "ces",
            "version": 2,
            "created_by": "demo editor",
        }
    ]
    # In the file's column order: age (11) first, then Openness (34).
    assert [action for action, _ in logged(ws)] == [
        "create",
        "create",
        "delete",
        "update",
    ]
    assert survey_mappings.saved_mapping(ws, again).choices == {34: "ces"}
    assert survey_mappings.save_mapping(ws, DEMO_EDITOR, again, {34: "ces"}) == 0


def test_a_question_id_with_other_wording_is_not_preselected(ws):
    # Qualtrics numbers every survey's questions QID1, QID2...: another
    # survey's QID1 must not inherit this one's choice.
    surveys.import_survey(ws, DEMO_EDITOR, fixture(QUALTRICS), mapping={"Q1": "csat"})
    text = (FIXTURES / QUALTRICS).read_text(encoding="utf-8")
    other = SourceFile("other.csv", text.replace(Q1_TEXT, AGE).encode())
    table = surveys.read_survey(other)
    assert table.find("Q1").question_id == "QID1"
    assert survey_mappings.saved_mapping(ws, table).choices == {}


def test_a_viewer_cannot_save_a_mapping(ws):
    table = surveys.read_survey(fixture(QUALTRICS))
    with pytest.raises(PermissionDenied) as refused:
        survey_mappings.save_mapping(ws, VIEWER, table, {"Q1": "csat"})
    assert str(refused.value) == (
        "demo viewer is a viewer and cannot save a survey's question mapping; "
        "this needs the editor role. Ask a workspace admin."
    )
    assert saved_rows(ws) == [] and logged(ws) == []


def test_saved_mappings_travel_in_the_workspace_file(ws, tmp_path):
    table = surveys.read_survey(fixture(LIMESURVEY))
    survey_mappings.save_mapping(ws, DEMO_EDITOR, table, {OPENNESS: "csat"})
    exported = workspace_file.export_workspace(ws)
    with Workspace.open(tmp_path / "copy.db") as copy:
        counts = workspace_file.import_workspace(copy, DEMO_ADMIN, exported, "ws.json")
        assert counts["survey_mapping"] == 1
        assert survey_mappings.saved_mapping(copy, table).choices == {34: "csat"}
        assert workspace_file.export_workspace(copy) == exported


# --- progress ----------------------------------------------------------------------


def recorder() -> tuple[list, callable]:
    calls = []
    return calls, lambda done, text: calls.append((done, text))


def test_progress_of_planning_the_real_qualtrics_file():
    calls, progress = recorder()
    surveys.plan_survey(fixture(QUALTRICS), {"Q1": "csat"}, progress=progress)
    # One response: too few for reports along the way, only each step's end.
    assert calls == [
        (surveys.READ_SHARE, "1 responses read"),
        (1.0, "1 responses checked"),
    ]


def survey_csv(responses: int, repeated: int) -> SourceFile:
    """``responses`` rows; the last ``repeated`` answer again, a day later,
    as the first respondents."""
    lines = ["respondent_id,submitted_at,nps"]
    for number in range(responses):
        first = number - (responses - repeated)
        respondent = number if first < 0 else first
        day = "02" if first >= 0 else "01"
        lines.append(f"R{respondent:05d},2024-03-{day} 09:00:00,{number % 11}")
    return SourceFile("big.csv", ("\n".join(lines) + "\n").encode())


def test_progress_of_a_25000_row_survey_counts_rows_as_the_file_has_them():
    calls, progress = recorder()
    plan = surveys.plan_survey(
        survey_csv(25_000, 1_000), {"nps": "nps"}, progress=progress
    )
    # 25,000 responses of 24,000 respondents: the last 1,000 answer again.
    assert (plan.respondents, plan.duplicates_removed, len(plan.answers)) == (
        24_000,
        1_000,
        24_000,
    )
    texts = [text for _, text in calls]
    assert texts == [
        "10,000 rows read",  # the header and 9,999 responses
        "20,000 rows read",
        "25,000 responses read",
        "10,000 of 25,000 responses checked",
        "20,000 of 25,000 responses checked",
        "10,000 of 24,000 respondents' answers read",
        "20,000 of 24,000 respondents' answers read",
        "25,000 responses checked",
    ]
    fractions = [done for done, _ in calls]
    assert all(a < b for a, b in zip(fractions, fractions[1:], strict=False))
    assert all(0 < f < surveys.READ_SHARE for f in fractions[:2])
    read, rest = surveys.READ_SHARE, 1 - surveys.READ_SHARE
    check, answers = rest * surveys.CHECK_SHARE, rest * (1 - surveys.CHECK_SHARE)
    assert fractions[2:] == pytest.approx(
        [
            read,
            read + check * 10_000 / 25_000,
            read + check * 20_000 / 25_000,
            read + check + answers * 10_000 / 24_000,
            read + check + answers * 20_000 / 24_000,
            1.0,
        ]
    )


def test_preview_of_the_real_myla311_file_reports_its_7000_requests(ws):
    name = "la_myla311_service_requests_jan2020_sample.csv"
    data = resources.files("journeys").joinpath("sources", name).read_bytes()
    calls, progress = recorder()
    plan = preview(ws, "myla311-requests", SourceFile(name, data), progress)
    assert calls == [
        (PLAN_SHARE * plans.READ_SHARE, "7,000 rows read"),
        (PLAN_SHARE, "7,000 requests checked"),
        (1.0, f"{len(plan.drafts):,} measurements checked"),
    ]


def test_preview_of_a_12000_row_measurements_file(ws):
    start = datetime.date(1990, 1, 1)
    lines = ["kpi,period_start,period_end,value"]
    for offset in range(12_000):
        day = (start + datetime.timedelta(days=offset)).isoformat()
        lines.append(f"completion_rate,{day},{day},50")
    source = SourceFile("days.csv", ("\n".join(lines) + "\n").encode())
    calls, progress = recorder()
    plan = preview(ws, "measurements-csv", source, progress)
    assert len(plan.drafts) == 12_000 and plan.problems == []
    assert [text for _, text in calls] == [
        "10,000 rows read",
        "12,000 rows read",
        "10,000 of 12,000 rows checked",
        "12,000 rows checked",
        "10,000 of 12,000 measurements checked against the workspace",
        "12,000 measurements checked",
    ]
    fractions = [done for done, _ in calls]
    assert all(a < b for a, b in zip(fractions, fractions[1:], strict=False))
    assert fractions[-1] == 1.0 and fractions[3] == PLAN_SHARE


def test_a_kept_preview_is_stale_once_the_workspace_changes(ws):
    before = checked_against(ws)
    assert checked_against(ws) == before
    table = surveys.read_survey(fixture(QUALTRICS))
    survey_mappings.save_mapping(ws, DEMO_EDITOR, table, {"Q1": "csat"})
    assert checked_against(ws) != before
