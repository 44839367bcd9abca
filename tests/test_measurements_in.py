"""Measurements in (issue 5): progress while large files are read and checked,
and survey question mappings saved for the next export of the same survey."""

import csv
import datetime
import io
import json
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
        (surveys.READ_SHARE, "1 response read"),
        (1.0, "1 response checked"),
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
    # Each step reports after each twentieth. Reading: the file's 25,001 lines
    # (the header and 25,000 responses) in slices of 25,001 // 20 = 1,250
    # records; the 20th slice ends before the last line, so 20 reports.
    reading = [f"{n:,} rows read" for n in range(1_250, 25_001, 1_250)]
    assert reading[0] == "1,250 rows read" and reading[-1] == "25,000 rows read"
    assert len(reading) == 20
    # Checking 25,000 responses, 1,250 at a time; then the answers of 24,000
    # respondents, 1,200 at a time: 19 reports each, none at the end.
    checking = [
        f"{n:,} of 25,000 responses checked" for n in range(1_250, 25_000, 1_250)
    ]
    answers = [
        f"{n:,} of 24,000 respondents' answers read"
        for n in range(1_200, 24_000, 1_200)
    ]
    assert (len(checking), len(answers)) == (19, 19)
    assert checking[-1] == "23,750 of 25,000 responses checked"
    assert answers[-1] == "22,800 of 24,000 respondents' answers read"
    assert texts == [
        *reading,
        "25,000 responses read",
        *checking,
        *answers,
        "25,000 responses checked",
    ]
    fractions = [done for done, _ in calls]
    assert all(a < b for a, b in zip(fractions, fractions[1:], strict=False))
    assert all(0 < f < surveys.READ_SHARE for f in fractions[:20])
    read, rest = surveys.READ_SHARE, 1 - surveys.READ_SHARE
    check, answered = rest * surveys.CHECK_SHARE, rest * (1 - surveys.CHECK_SHARE)
    assert fractions[20:] == pytest.approx(
        [
            read,
            *(read + check * k / 20 for k in range(1, 20)),
            *(read + check + answered * k / 20 for k in range(1, 20)),
            1.0,
        ]
    )


def qualtrics_export(responses: int, comment: str) -> SourceFile:
    """A Qualtrics export: its three header rows, then ``responses`` rows of
    the same width, each answering Q1 (1 to 5) and commenting in Q2."""
    header = io.StringIO(newline="")
    writer = csv.writer(header, lineterminator="\n")
    ids = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)"]
    ids += ["Finished", "RecordedDate", "ResponseId", "Q1", "Q2"]
    writer.writerow(ids)
    writer.writerow([*ids[:8], "How satisfied were you?", "Anything else?"])
    writer.writerow([json.dumps({"ImportId": i}) for i in ids])
    rows = [
        "2024-03-01 09:00:00,2024-03-01 09:05:00,0,100,300,1,2024-03-01 09:05:01,"
        f"R_{number:015d},{number % 5 + 1},{comment}\n"
        for number in range(responses)
    ]
    return SourceFile("export.csv", (header.getvalue() + "".join(rows)).encode())


def test_a_qualtrics_export_just_over_1_mb_reports_while_it_is_read():
    # The tester's file: 9,000 responses in 1.26 MB, more than the 1 MB above
    # which the page draws a bar, fewer rows than a report used to need.
    comment = "The form was clear and quick to complete online"
    assert len(comment) == 47
    source = qualtrics_export(9_000, comment)
    # A response is 92 characters before Q2 (3 times 20 for the dates, 18 for
    # "R_" with 15 digits and a comma, 14 for the rest), then 47 and a newline.
    header_rows = source.data.index(b"\n2024")
    assert len(source.data) == header_rows + 1 + 9_000 * 140 > 1_260_000
    calls, progress = recorder()
    plan = surveys.plan_survey(source, {"Q1": "csat"}, progress=progress)
    assert plan.respondents == 9_000 and plan.table.tool_name == "Qualtrics"
    texts = [text for _, text in calls]
    # 9,003 lines (three header rows) in slices of 9,003 // 20 = 450 records.
    assert texts[:20] == [f"{n:,} rows read" for n in range(450, 9_001, 450)]
    assert texts[20] == "9,000 responses read"
    assert texts[21] == "450 of 9,000 responses checked"
    assert texts[40] == "450 of 9,000 respondents' answers read"
    assert len(texts) == 20 + 1 + 19 + 19 + 1
    assert all(done < surveys.READ_SHARE for done, _ in calls[:20])


def test_a_file_of_few_wide_rows_reports_as_often():
    # 300 responses of 3,529 characters (28 before a 3,500-character comment,
    # and a newline) after a 39-character header: 1,058,739 bytes.
    lines = ["respondent_id,submitted_at,nps,comment"]
    lines += [f"R{n:04d},2024-03-01 09:00:00,7,{'x' * 3_500}" for n in range(300)]
    source = SourceFile("wide.csv", ("\n".join(lines) + "\n").encode())
    assert len(source.data) == 39 + 300 * 3_529 == 1_058_739
    calls, progress = recorder()
    table = surveys.read_survey(source, progress)
    assert len(table.records) == 300
    # 301 lines in slices of 301 // 20 = 15 records: 20 reports, then the end.
    assert [text for _, text in calls] == [
        *(f"{n} rows read" for n in range(15, 301, 15)),
        "300 responses read",
    ]


def test_preview_of_the_real_myla311_file_reports_its_7000_requests(ws):
    name = "la_myla311_service_requests_jan2020_sample.csv"
    data = resources.files("journeys").joinpath("sources", name).read_bytes()
    calls, progress = recorder()
    plan = preview(ws, "myla311-requests", SourceFile(name, data), progress)
    read_end = PLAN_SHARE * plans.READ_SHARE
    # 1.75 MB: 7,001 lines (a header, 7,000 requests), read 350 records at a
    # time: 20 reports while reading, then the 7,000 requests checked 350 at
    # a time: 19 reports before the end of that step.
    assert [text for _, text in calls[:20]] == [
        f"{n:,} rows read" for n in range(350, 7_001, 350)
    ]
    assert all(0 < done < read_end for done, _ in calls[:20])
    assert calls[20] == (read_end, "7,000 rows read")
    checks = [
        (
            pytest.approx(read_end + (PLAN_SHARE - read_end) * k / 20),
            f"{k * 350:,} of 7,000 requests checked",
        )
        for k in range(1, 20)
    ]
    assert calls[21:40] == checks
    assert calls[40] == (PLAN_SHARE, "7,000 requests checked")
    # Then the measurements worked out, checked against the workspace.
    assert all(
        text.endswith("measurements checked against the workspace")
        for _, text in calls[41:-1]
    )
    assert calls[-1] == (1.0, f"{len(plan.drafts):,} measurements checked")
    fractions = [done for done, _ in calls]
    assert all(a < b for a, b in zip(fractions, fractions[1:], strict=False))


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
    # 12,001 lines read 600 records at a time (20 reports: the header is one),
    # then 12,000 rows and 12,000 measurements checked 600 at a time (19 each).
    assert [text for _, text in calls] == [
        *(f"{n:,} rows read" for n in range(600, 12_001, 600)),
        "12,000 rows read",
        *(f"{n:,} of 12,000 rows checked" for n in range(600, 12_000, 600)),
        "12,000 rows checked",
        *(
            f"{n:,} of 12,000 measurements checked against the workspace"
            for n in range(600, 12_000, 600)
        ),
        "12,000 measurements checked",
    ]
    assert len(calls) == 20 + 1 + 19 + 1 + 19 + 1
    fractions = [done for done, _ in calls]
    assert all(a < b for a, b in zip(fractions, fractions[1:], strict=False))
    assert fractions[-1] == 1.0 and fractions[40] == PLAN_SHARE


def test_a_kept_preview_is_stale_once_the_workspace_changes(ws):
    before = checked_against(ws)
    assert checked_against(ws) == before
    table = surveys.read_survey(fixture(QUALTRICS))
    survey_mappings.save_mapping(ws, DEMO_EDITOR, table, {"Q1": "csat"})
    assert checked_against(ws) != before
