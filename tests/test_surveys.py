"""Survey exports: Qualtrics and LimeSurvey real files and broken variants,
mapped to measures, stored as responses, rolled up into monthly KPIs."""

import codecs
from pathlib import Path

import pytest

from journeys import kpis, metrics, surveys
from journeys.access import DEMO_EDITOR
from journeys.errors import ImportFailed
from journeys.importers import SourceFile, import_file
from journeys.metrics import Scope
from storage import measures

FIXTURES = Path(__file__).parent / "fixtures"
QUALTRICS = "qualtrics_export_sample_3row_header.csv"
LIMESURVEY = "limesurvey_export_survey_998192.csv"
OPENNESS = "Describe yourselves [Openness]"
UTF16 = [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]


def fixture(name: str) -> SourceFile:
    return SourceFile(name, (FIXTURES / name).read_bytes())


def csv_file(text: str, name: str = "answers.csv") -> SourceFile:
    return SourceFile(name, text.encode("utf-8"))


def stored(ws, survey: str) -> dict:
    return {
        (respondent, measure): (value, submitted)
        for respondent, measure, value, submitted in ws.db.execute(
            "SELECT respondent_id, measure, value, submitted_at FROM survey_response"
            " WHERE survey = ? ORDER BY id",
            [survey],
        )
    }


# --- Qualtrics ----------------------------------------------------------------------


def test_qualtrics_real_file_three_header_rows(ws):
    table = surveys.read_survey(fixture(QUALTRICS))
    assert table.tool == "qualtrics" and len(table.records) == 1
    q1 = table.find("Q1")
    assert q1.text == "This is a multiple choice question."
    assert "IPAddress" not in [c.id for c in table.question_columns()]
    result = surveys.import_survey(
        ws, DEMO_EDITOR, fixture(QUALTRICS), mapping={"Q1": "csat"}, survey="Sample"
    )
    assert result.created["survey answer"] == 1
    # The one respondent answered 2 on 1-5 on 18 July 2017: CSAT 0 of 1, mean 2.
    assert stored(ws, "Sample") == {
        ("R_2YPOQ602ER1jkf1", "csat"): (2.0, "2017-07-18 08:28:48")
    }
    top_two = metrics.series(ws, "csat", Scope(segment="survey: Sample"))
    mean = metrics.series(ws, "csat_mean", Scope(segment="survey: Sample"))
    assert (top_two[0].value, top_two[0].denominator) == (0.0, 1)
    assert mean[0].value == 2.0
    assert (top_two[0].period_start, top_two[0].period_end) == (
        "2017-07-01",
        "2017-07-31",
    )


def test_qualtrics_broken_variants(ws):
    text = (FIXTURES / QUALTRICS).read_text(encoding="utf-8")
    # Its three header rows and no response: cut short, not "0 responses".
    headers_only = "\n".join(text.splitlines()[:3]) + "\n"
    plan_source = csv_file(headers_only, "empty.csv")
    for read in (
        lambda: surveys.read_survey(plan_source),
        lambda: surveys.plan_survey(plan_source, {"Q1": "csat"}),
    ):
        with pytest.raises(ImportFailed) as caught:
            read()
        assert str(caught.value) == (
            "empty.csv: no responses after the header: the file may have been cut "
            "short; export it again"
        )
    # The one response answers nothing mapped: nothing to write.
    blank = text.replace(",DE,2,Hello", ",DE,,Hello")
    with pytest.raises(ImportFailed, match="no answer could be imported"):
        surveys.write_survey(
            ws, DEMO_EDITOR, surveys.plan_survey(csv_file(blank), {"Q1": "csat"})
        )
    no_id = text.replace("ResponseId", "Whatever", 1)
    with pytest.raises(ImportFailed, match="without a ResponseId"):
        surveys.read_survey(csv_file(no_id))
    off_scale = text.replace(",DE,2,Hello", ",DE,9,Hello")
    plan = surveys.plan_survey(csv_file(off_scale), {"Q1": "csat"})
    assert [(p.row, p.problem) for p in plan.problems] == [
        (4, "9 is off the 1 to 5 scale")
    ]


# --- LimeSurvey ---------------------------------------------------------------------


def test_limesurvey_real_file_long_headers_and_partial_responses(ws):
    table = surveys.read_survey(fixture(LIMESURVEY))
    assert table.tool == "limesurvey" and len(table.records) == 7
    assert max(len(c.text) for c in table.columns) > 1000  # the consent text
    plan = surveys.plan_survey(
        fixture(LIMESURVEY), {OPENNESS: "csat", "How old are you?": "nps"}
    )
    # Responses 5 and 9 answered Openness (3 and 1); 66 and 44 are ages, not
    # NPS answers, and are reported; response 9 said 4.
    assert [(a.respondent, a.measure, a.value) for a in plan.answers] == [
        ("5", "csat", 3.0),
        ("9", "csat", 1.0),
        ("9", "nps", 4.0),
    ]
    assert [(p.row, p.value) for p in plan.problems] == [(3, "66"), (4, "44")]
    assert plan.notes[0].startswith("5 partial responses")
    surveys.write_survey(ws, DEMO_EDITOR, plan)
    csat = metrics.series(ws, "csat_mean", Scope(segment=f"survey: {plan.survey}"))
    # Response 5 (partial, last action November 2021) and 9 (March 2022).
    assert [(p.period_start, p.value) for p in csat] == [
        ("2021-11-01", 3.0),
        ("2022-03-01", 1.0),
    ]
    partial = ws.db.execute(
        "SELECT complete FROM survey_response WHERE respondent_id = '5'"
    ).fetchone()[0]
    assert partial == 0


def test_limesurvey_without_partial_responses_and_broken_rows():
    plan = surveys.plan_survey(
        fixture(LIMESURVEY), {OPENNESS: "csat"}, include_partial=False
    )
    assert [(a.respondent, a.value) for a in plan.answers] == [("9", 1.0)]
    assert sum(p.problem == "partial response" for p in plan.problems) == 5
    text = (FIXTURES / LIMESURVEY).read_text(encoding="utf-8-sig")
    records = text.split("\n")
    records[3] = records[3] + ',"one too many"'
    with pytest.raises(ImportFailed, match="row 4 has 72 columns"):
        surveys.read_survey(csv_file("\n".join(records)))
    latin = SourceFile("latin.csv", text.replace("\u2019", "'").encode("cp1252"))
    assert surveys.read_survey(latin).tool == "limesurvey"


# --- files as people send them: UTF-16, cut short ---------------------------------


@pytest.mark.parametrize(("codec", "bom"), UTF16)
def test_utf16_exports_read_as_their_utf8_originals(codec, bom):
    for name in (QUALTRICS, LIMESURVEY):
        original = fixture(name)
        text = original.data.decode("utf-8-sig")
        utf16 = SourceFile(name, bom + text.encode(codec))
        table, expected = surveys.read_survey(utf16), surveys.read_survey(original)
        assert (table.tool, table.columns, table.records, table.first_row) == (
            expected.tool,
            expected.columns,
            expected.records,
            expected.first_row,
        )
        assert table.encoding == "UTF-16"
    # The LimeSurvey export's 7 responses, planned as in the UTF-8 test above.
    mapping = {OPENNESS: "csat", "How old are you?": "nps"}
    text = fixture(LIMESURVEY).data.decode("utf-8-sig")
    plan = surveys.plan_survey(
        SourceFile(LIMESURVEY, bom + text.encode(codec)), mapping
    )
    assert len(plan.table.records) == 7
    assert plan.table.columns[0].id == "Response ID"  # no byte-order mark left
    assert [(a.respondent, a.measure, a.value) for a in plan.answers] == [
        ("5", "csat", 3.0),
        ("9", "csat", 1.0),
        ("9", "nps", 4.0),
    ]
    expected = surveys.plan_survey(fixture(LIMESURVEY), mapping)
    assert (plan.answers, plan.problems, plan.notes) == (
        expected.answers,
        expected.problems,
        expected.notes,
    )


def test_utf16_without_its_mark_says_so():
    text = fixture(QUALTRICS).data.decode("utf-8-sig")
    with pytest.raises(ImportFailed) as caught:
        surveys.read_survey(SourceFile("q.txt", text.encode("utf-16-le")))
    assert str(caught.value) == (
        "q.txt: the file looks like UTF-16 without a byte-order mark, or is not a "
        "text file: save it as CSV UTF-8 and try again"
    )


CUT_SHORT = (
    "cut.csv: no responses after the header: the file may have been cut short; "
    "export it again"
)


@pytest.mark.parametrize("length", [11_380 // 2, 40])
def test_a_limesurvey_export_cut_short_is_refused(length):
    data = fixture(LIMESURVEY).data
    # 11,380 bytes, of which the header line (a byte-order mark and 71 long
    # question texts) is the first 9,006: both cuts are inside it.
    assert len(data) == 11_380 and data.index(b"\n") == 9_006
    with pytest.raises(ImportFailed) as caught:
        surveys.read_survey(SourceFile("cut.csv", data[:length]))
    assert str(caught.value) == CUT_SHORT


def test_a_plain_csv_with_only_its_header_is_refused():
    with pytest.raises(ImportFailed) as caught:
        surveys.read_survey(csv_file("respondent_id,submitted_at,nps\n", "cut.csv"))
    assert str(caught.value) == CUT_SHORT


def test_summaries_count_in_words(ws):
    plan = surveys.plan_survey(fixture(QUALTRICS), {"Q1": "csat"})
    assert plan.summary() == (
        "1 response read (Qualtrics): 1 respondent, 1 answer to store"
    )
    lines = ["respondent_id,submitted_at,nps"]
    lines += [f"R{n:04d},2024-03-01 09:00:00,{n % 11}" for n in range(1_200)]
    lines += ["R0000,2024-03-02 09:00:00,10", "R0001,2024-03-02 09:00:00,ten"]
    plan = surveys.plan_survey(csv_file("\n".join(lines)), {"nps": "nps"})
    # 1,202 responses of 1,200 respondents: R0000 and R0001 answered again a day
    # later, and R0001's later answer is not a number.
    assert plan.summary() == (
        "1,202 responses read (CSV): 1,200 respondents, 1,199 answers to store, "
        "2 duplicate responses removed, 1 answer or row left out (see below)"
    )
    assert plan.notes == [
        "2 earlier responses of the same respondents were removed; each "
        "respondent's latest counts once"
    ]
    result = surveys.write_survey(ws, DEMO_EDITOR, plan)
    # One month of NPS answers: one measurement; the bad answer is skipped.
    assert result.summary() == (
        "1,199 survey answers, 1 measurement created; 1 item skipped"
    )


# --- plain CSV: PITFALLS 15 and 20 -------------------------------------------------


def test_blank_na_and_duplicates_then_a_second_import(ws):
    text = (
        "respondent_id,nps,submitted_at\n"
        "r1,10,2024-01-01\n"
        "r1,3,2024-01-05\n"
        "r2,N/A,2024-01-06\n"
        "r3,,2024-01-07\n"
        "r4,9,2024-01-08\n"
        "r5,6,2024-01-09\n"
    )
    plan = surveys.plan_survey(csv_file(text), {"nps": "nps"}, survey="Pulse")
    assert (plan.respondents, plan.unanswered, plan.duplicates_removed) == (5, 2, 1)
    surveys.write_survey(ws, DEMO_EDITOR, plan)
    nps = metrics.series(ws, "nps", Scope(segment="survey: Pulse"))
    # r1 = 3 (latest), r4 = 9, r5 = 6: (1 promoter - 2 detractors) / 3 = -33.3.
    assert (nps[0].numerator, nps[0].denominator) == (-1, 3)
    assert kpis.display_value(nps[0].value, "NPS") == "-33.3"

    with pytest.raises(ImportFailed, match="already imported"):
        surveys.write_survey(ws, DEMO_EDITOR, plan)
    # Another file with r1's older answer again and a later one from r4.
    later = csv_file(
        "respondent_id,nps,submitted_at\nr1,10,2024-01-01\nr4,2,2024-01-20\n",
        "later.csv",
    )
    result = surveys.import_survey(
        ws, DEMO_EDITOR, later, mapping={"nps": "nps"}, survey="Pulse"
    )
    assert result.created == {
        "survey answer": 1,
        "replaced answer": 1,
        "measurement": 1,
    }
    nps = metrics.series(ws, "nps", Scope(segment="survey: Pulse"))
    # r1 = 3, r4 = 2 now, r5 = 6: 0 promoters, 3 detractors = -100.
    assert nps[0].value == -1.0
    assert stored(ws, "Pulse")[("r1", "nps")] == (3.0, "2024-01-05 00:00:00")


def test_ids_stay_text_and_invalid_answers_are_reported():
    text = (
        "respondent_id,nps,submitted_at\n"
        "00123,9,2024-01-01\n"
        "r2,10,2024-01-01\n"
        "r3,6,2024-01-01\n"
        "r4,N/A,2024-01-01\n"
        "r5,,2024-01-01\n"
        "r6,ten,2024-01-01\n"
    )
    plan = surveys.plan_survey(csv_file(text), {"nps": "nps"})
    assert plan.answers[0].respondent == "00123"
    result = kpis.nps_from_counts({a.value: 1 for a in plan.answers})
    # 9 and 10 promote, 6 detracts: (2 - 1) / 3 = +33.3; N/A and blank unanswered.
    assert (result.promoters, result.detractors, result.n) == (2, 1, 3)
    assert plan.unanswered == 2
    assert [(p.row, p.problem) for p in plan.problems] == [(7, "'ten' is not a number")]


def test_a_survey_import_is_all_or_nothing_and_needs_a_mapping(ws, monkeypatch):
    text = "respondent_id,csat,submitted_at\nr1,5,2024-01-01\nr2,4,2024-02-01\n"

    def broken(*args, **kwargs):
        raise ImportFailed("answers.csv", "the disk is full")

    monkeypatch.setattr(measures, "insert_survey_questions", broken)
    with pytest.raises(ImportFailed, match="disk is full"):
        surveys.import_survey(ws, DEMO_EDITOR, csv_file(text), mapping={"csat": "csat"})
    assert ws.counts()["measurement"] == 0
    assert ws.db.execute("SELECT count(*) FROM survey_response").fetchone()[0] == 0
    with pytest.raises(ImportFailed, match="mapped to measures"):
        import_file(ws, DEMO_EDITOR, "survey-export", csv_file(text))


def test_thumbs_ticks_and_task_outcomes_become_shares(ws):
    text = (
        "respondent_id,trust,easy,outcome,submitted_at\n"
        "a,Thumbs up,Y,success,2024-03-01\n"
        "b,thumbs down,,failed,2024-03-02\n"
        "c,up,Y,success with help,2024-03-03\n"
        "d,up,,partial,2024-03-04\n"
    )
    plan = surveys.plan_survey(
        csv_file(text),
        {
            "trust": "a11_trust_v2_thumbs",
            "easy": "went_well_ease",
            "outcome": "task_success",
        },
        survey="V2",
    )
    surveys.write_survey(ws, DEMO_EDITOR, plan)
    scope = Scope(segment="survey: V2")
    # Trust: 3 up of 4; ease ticked by 2 of 4; unaided success 1 of 4.
    assert metrics.series(ws, "a11_trust_v2", scope)[0].value == 0.75
    ease = metrics.series(ws, "a11_driver_positive", Scope(segment="survey: V2 / Ease"))
    assert ease[0].value == 0.5
    assert metrics.series(ws, "task_success_rate", scope)[0].value == 0.25
