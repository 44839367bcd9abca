"""The measurement importers on their real files and on broken variants.

Every importer previews (a plan, no writes), reports each row it leaves out,
and writes all or nothing. Real files are read from journeys/sources.
"""

import codecs
import json
from importlib import resources

import pytest

from journeys import agencies, maps, metrics
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import ImportFailed, PermissionDenied
from journeys.importers import SourceFile, import_file
from journeys.importers import measure_plan as plans
from journeys.importers.a11_scores import plan_a11_scores
from journeys.importers.gc_standards import plan_gc_standards
from journeys.importers.measurements_csv import plan_measurements_csv, template_csv
from journeys.importers.myla311 import plan_myla311
from journeys.importers.performance_kpis import plan_performance_kpis
from journeys.metrics import Scope
from journeys.models import Agency, Journey, Stage
from journeys.tabular import write_xlsx
from storage import rows

GC = "gc_service_standards_performance_2023-24_en.csv"
A11 = "perfgov_hisp_va_vha_a11_question_scores_2019-2020.csv"
LA = "la_myla311_service_requests_jan2020_sample.csv"
PP = "govuk_performance_platform_channels_and_costs.json"


def real(file_name: str) -> SourceFile:
    data = resources.files("journeys").joinpath("sources", file_name).read_bytes()
    return SourceFile(file_name, data)


def variant(file_name: str, text: str, encoding: str = "utf-8") -> SourceFile:
    return SourceFile(file_name, text.encode(encoding))


def lines(source: SourceFile) -> list[str]:
    return source.data.decode("utf-8-sig").splitlines()


def value_of(ws, key: str, **scope) -> float:
    points = metrics.series(ws, key, Scope(**scope))
    assert len(points) == 1, points
    return points[0].value


# --- Government of Canada service standards ---------------------------------------


def test_gc_standards_real_file_preview_and_write(ws):
    plan = plans.resolve(ws, plan_gc_standards(real(GC)))
    assert plan.rows_read == 2343 and len(plan.drafts) == 1809
    reasons = [p.problem for p in plan.problems]
    assert sum(r == "no requests in the year" for r in reasons) == 285
    assert sum(r.startswith("no performance reported") for r in reasons) == 243
    # Row 218: 3,177 of 3,068 requests met the standard, a rate above 100%.
    above = [p for p in plan.problems if "above 100%" in p.problem]
    assert len(above) == 6 and (above[0].row, above[0].value) == (218, "3177")
    first = plan.drafts[0]
    # Row 2, AAFC Contact Centre: 31,283 of 31,689 calls within 60 seconds.
    assert (first.row, first.numerator, first.denominator) == (2, 31283, 31689)
    assert first.value == pytest.approx(31283 / 31689)
    assert (first.channel, first.target, first.agency) == (
        "phone",
        0.9,
        "Agriculture and Agri-Food Canada",
    )
    assert (first.period_start, first.period_end) == ("2023-04-01", "2024-03-31")
    assert ws.counts()["measurement"] == 0  # the preview wrote nothing

    result = plans.write_plan(ws, DEMO_EDITOR, plan)
    assert result.created["measurement"] == 1809 and result.created["agency"] == 58
    feddev = agencies.ensure_agency(
        ws,
        DEMO_EDITOR,
        Agency("Federal Economic Development Agency for Southern Ontario"),
    )
    # FedDev Ontario, rows 773-774: (989 + 1,857) / (989 + 2,144) = 90.84%.
    assert value_of(ws, "service_standard_performance", agency_id=feddev) == (
        pytest.approx(2846 / 3133)
    )
    with pytest.raises(ImportFailed, match="already imported"):
        import_file(ws, DEMO_EDITOR, "gc-service-standards", real(GC))


def test_gc_standards_broken_variants(ws):
    header, row = lines(real(GC))[:2]
    without = header.replace(",total_volume", "")
    with pytest.raises(ImportFailed, match="no column total_volume"):
        plan_gc_standards(variant("no-volume.csv", without + "\n"))
    bad_number = row.replace(",31283,", ",lots,")
    no_year = row.replace("2023-2024", "FY23")
    plan = plan_gc_standards(
        variant("broken.csv", "\n".join([header, row, bad_number, no_year]))
    )
    assert [(p.row, p.column, p.problem) for p in plan.problems] == [
        (3, "volume_meeting_target", "not a number"),
        (4, "fiscal_yr", "not a fiscal year"),
    ]
    assert len(plan.drafts) == 1
    with pytest.raises(ImportFailed, match="no row could be imported"):
        import_file(
            ws,
            DEMO_EDITOR,
            "gc-service-standards",
            variant("x.csv", header + "\n" + bad_number),
        )
    assert ws.counts()["measurement"] == 0


def test_an_import_that_fails_half_way_writes_nothing(ws, monkeypatch):
    real_insert = rows.insert_row
    calls = {"measurement": 0}

    def failing_insert(db, table, values, actor):
        if table == "measurement":
            calls["measurement"] += 1
            if calls["measurement"] == 500:
                raise rows.StorageError("disk full")
        return real_insert(db, table, values, actor)

    monkeypatch.setattr(rows, "insert_row", failing_insert)
    before = ws.counts()
    with pytest.raises(Exception, match="disk full"):
        import_file(ws, DEMO_EDITOR, "gc-service-standards", real(GC))
    assert ws.counts() == before
    with pytest.raises(PermissionDenied):
        import_file(ws, Actor("v", Role.VIEWER), "gc-service-standards", real(GC))


# --- performance.gov A-11 question scores ------------------------------------------


def test_a11_real_file_keeps_wording_and_reports_no_data(ws):
    plan = plan_a11_scores(real(A11))
    assert (plan.rows_read, len(plan.drafts)) == (35, 33)
    assert [(p.row, p.value) for p in plan.problems] == [
        (23, "No Data"),
        (30, "No Data"),
    ]
    assert "expected in Q3" in plan.problems[0].problem
    assert len(plan.notes) == 1 and "Process Transparency" in plan.notes[0]
    assert "I was treated fairly" in plan.notes[0]
    result = plans.write_plan(ws, DEMO_EDITOR, plans.resolve(ws, plan))
    assert result.created["measurement"] == 33
    trust = metrics.series(
        ws, "a11_trust", Scope(segment="Veterans Health Administration")
    )
    # FY2020 Q1 (Oct-Dec 2019) trust 4.42, from the file's row 3.
    assert (trust[-1].period_start, trust[-1].period_end, trust[-1].value) == (
        "2019-10-01",
        "2019-12-31",
        4.42,
    )
    assert len(trust) == 5


@pytest.mark.parametrize(
    ("codec", "bom"),
    [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)],
)
def test_a11_real_file_saved_as_utf16_plans_as_the_original(codec, bom):
    # Excel's "Unicode Text": once read as Windows-1252, with a NUL after each
    # letter, this file had "no column hisp".
    original = real(A11)
    text = original.data.decode("utf-8")
    plan = plan_a11_scores(SourceFile(A11, bom + text.encode(codec)))
    expected = plan_a11_scores(original)
    assert (plan.rows_read, plan.drafts, plan.problems, plan.notes) == (
        expected.rows_read,
        expected.drafts,
        expected.problems,
        expected.notes,
    )
    # As the UTF-8 test above: 35 rows, 33 scores, "No Data" in rows 23 and
    # 30; FY2020 Q1 trust 4.42 from row 3.
    assert plan.summary() == (
        "35 rows read: 33 measurements to import, 2 rows or values left out (see below)"
    )
    trust = [d for d in plan.drafts if d.kpi == "a11_trust"][0]
    assert (trust.row, trust.period_start, trust.value) == (3, "2019-10-01", 4.42)


def test_a11_broken_variants():
    header = "hisp,service,year,quarter,question,average_score,description"
    text = "\n".join(
        [
            header,
            'va,vha,2020,1,Trust / Confidence,7.5,"Agreed ""trust"""',
            "va,vha,2020,5,Satisfaction,4.1,",
            "va,vha,2020,1,Cost,3.2,",
            "va,vha,2020,1,Process / Ease,4,",
        ]
    )
    plan = plan_a11_scores(variant("broken.csv", text))
    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "average_score"),
        (3, "quarter"),
        (4, "question"),
    ]
    assert "off the 1 to 5 scale" in plan.problems[0].problem
    assert [(d.kpi, d.value) for d in plan.drafts] == [("a11_ease", 4.0)]
    with pytest.raises(ImportFailed, match="no column average_score"):
        plan_a11_scores(variant("x.csv", "hisp,service,year,quarter,question\n"))


# --- MyLA311 ------------------------------------------------------------------------


def test_myla311_real_file(ws):
    plan = plan_myla311(real(LA))
    assert plan.rows_read == 7000 and plan.problems == []
    assert "21 still open" in plan.notes[0] and "161 cancelled" in plan.notes[0]
    result = plans.write_plan(ws, DEMO_EDITOR, plans.resolve(ws, plan))
    assert result.created["agency"] == 7
    streets = agencies.ensure_agency(
        ws, DEMO_EDITOR, Agency("Los Angeles Bureau of Street Services")
    )
    # BSS "Other": two closed requests, 1/2/20 9:33 -> 2/27/20 11:49 (56 d 2 h 16 m)
    # and 1/2/20 11:24 -> 2/27/20 11:45 (56 d 21 m); the third was cancelled.
    expected = (56 + 136 / 1440 + 56 + 21 / 1440) / 2
    assert value_of(
        ws, "request_handling_time", agency_id=streets, segment="Other"
    ) == pytest.approx(expected)
    received = metrics.series(ws, "requests_received", Scope())
    assert received[0].value == 7000  # every request, all channels added up
    assert (received[0].period_start, received[0].period_end) == (
        "2020-01-01",
        "2020-01-02",
    )


def test_myla311_broken_variants_two_digit_years_and_missing_dates(ws):
    header = "srnumber,requesttype,status,createddate,closeddate,requestsource,owner"
    text = "\n".join(
        [
            header,
            "1,Bulky Items,Closed,1/1/20 0:00,1/3/20 12:00,Call,BOS",
            "2,Bulky Items,Closed,1/2/20 0:00,1/3/20 0:00,Mobile App,BOS",
            "3,Bulky Items,Open,1/2/20 6:00,,Self Service,BOS",
            "4,Bulky Items,Closed,1/2/20 6:00,1/1/20 6:00,Driver Self Report,BOS",
            "5,Bulky Items,Closed,31/31/20 6:00,,Call,BOS",
            "6,Bulky Items,Closed,1/2/20 6:00,,Carrier pigeon,BOS",
            "1,Bulky Items,Closed,1/2/20 6:00,,Call,BOS",
        ]
    )
    plan = plan_myla311(variant("broken.csv", text))
    assert [(p.row, p.column) for p in plan.problems] == [
        (5, "closeddate"),
        (6, "createddate"),
        (7, "requestsource"),
        (8, "srnumber"),
    ]
    drafts = {(d.kpi, d.channel): d for d in plan.drafts}
    handled = drafts[("request_handling_time", "")]
    # Request 1: 2.5 days; request 2: 1 day; 3 is open, 4 closed before created.
    assert (handled.numerator, handled.denominator) == (3.5, 2)
    take_up = drafts[("digital_take_up", "")]
    # Residents' requests 1 (phone), 2 (app), 3 (online): 2 of 3 digital;
    # request 4 is a crew's own report.
    assert (take_up.numerator, take_up.denominator) == (2, 3)
    assert drafts[("requests_received", "other")].value == 1
    assert handled.period_start == "2020-01-01" and handled.period_end == "2020-01-02"


# --- Performance Platform channels and costs ----------------------------------------


def test_performance_kpis_real_file(ws):
    plan = plan_performance_kpis(real(PP))
    assert len(plan.drafts) == 54
    assert [p.value for p in plan.problems] == [
        "week 2013-10-07",
        "week 2013-12-09",
        "week 2013-10-07",
        "week 2013-12-09",
    ]
    result = plans.write_plan(ws, DEMO_EDITOR, plans.resolve(ws, plan))
    assert result.created == {"agency": 1, "journey": 1, "measurement": 54}
    carers = maps.find_journey(ws, "Apply for Carer's Allowance")
    take_up = metrics.series(ws, "digital_take_up", Scope(journey_id=carers))
    # Week of 14 October 2013: 1,472 online of 1,472 + 3,546 claims.
    assert (
        take_up[0].period_start == "2013-10-14"
        and take_up[0].period_end == "2013-10-20"
    )
    assert take_up[0].value == pytest.approx(1472 / 5018)
    cpt = metrics.series(
        ws, "cost_per_transaction", Scope(segment="bis-annual-returns")
    )
    # Year to 30 September 2013: £6,378,148.90 / 2,481,770 = £2.57 (the total, not
    # the digital £2.36 recorded for channel online in the same period).
    assert cpt[-1].period_end == "2013-09-30"
    assert cpt[-1].value == pytest.approx(6378148.9 / 2481770)
    online = metrics.series(
        ws,
        "cost_per_transaction",
        Scope(segment="bis-annual-returns", channel="online"),
    )
    assert online[-1].value == 2.36


def test_performance_kpis_broken_variants():
    document = json.loads(real(PP).data)
    files = document["files"]
    by_channel = (
        "app/support/backdrop_stub/responses/carers_allowance_weekly_by_channel.json"
    )
    summaries = "app/support/backdrop_stub/responses/kpi.json"
    no_data = {
        "files": {
            "x.json": files[
                "app/support/stagecraft_stub/responses/carers-allowance.json"
            ]
        }
    }
    with pytest.raises(ImportFailed, match="holds no weekly-by-channel"):
        plan_performance_kpis(SourceFile("x.json", json.dumps(no_data).encode()))
    with pytest.raises(ImportFailed, match="not valid JSON"):
        plan_performance_kpis(SourceFile("x.json", b'{"files": {'))
    orphan = {"files": {by_channel: files[by_channel]}}
    plan = plan_performance_kpis(SourceFile("orphan.json", json.dumps(orphan).encode()))
    assert plan.drafts == [] and "no dashboard definition" in plan.problems[0].problem
    summary = json.loads(json.dumps(files[summaries]))
    summary["content"]["data"][0]["number_of_digital_transactions"] = 9_999_999
    plan = plan_performance_kpis(
        SourceFile("k.json", json.dumps({"files": {summaries: summary}}).encode())
    )
    assert "take-up above 100%" in plan.problems[0].problem


# --- the template -------------------------------------------------------------------


@pytest.fixture
def tax_journey(ws):
    metrics.ensure_standard_kpis(ws, DEMO_EDITOR)
    journey = maps.create_journey(ws, DEMO_EDITOR, Journey("File a return"))
    maps.add_stage(ws, DEMO_EDITOR, journey, Stage("Upload"))
    return journey


def test_measurements_template_round_trip_with_percent_and_counts(ws, tax_journey):
    header = template_csv().decode("utf-8-sig").strip()
    assert header.split(",")[:4] == ["kpi", "period_start", "period_end", "value"]
    text = "\n".join(
        [
            header,
            "completion_rate,2026-01-01,2026-01-31,76.5,,,80,File a return,,,,,,",
            "completion_rate,2026-02-01,2026-02-28,,680,1000,,File a return,,,,,,",
            "users_at_stage,2026-01-01,2026-01-31,950,,,,File a return,Upload,,,,,",
            "nps,2026-01-01,2026-01-31,-12,,,,,,,City Council,phone,,",
            "completion_rate,2026-03-01,2026-03-31,70,680,1000,,File a return,,,,,,",
            "completion_rate,2026-03-01,2026-03-31,120,,,,File a return,,,,,,",
            "made_up,2026-01-01,2026-01-31,1,,,,,,,,,,",
            "users_at_stage,2026-01-01,2026-01-31,5,,,,File a return,Nowhere,,,,,",
            "completion_rate,2026-01-01,2026-01-31,76.5,,,80,File a return,,,,,,",
        ]
    )
    plan = plans.resolve(ws, plan_measurements_csv(ws, variant("t.csv", text)))
    assert [(p.row, p.column) for p in plan.problems] == [
        (6, "value"),  # 680/1000 is 68%, not 70
        (8, "kpi"),
        (7, "value"),  # 120% is above 100%
        (9, "stage"),
        (10, "period"),  # the same as row 2
    ]
    values = [(d.kpi, d.value, d.target) for d in plan.drafts]
    assert values == [
        ("completion_rate", pytest.approx(0.765), pytest.approx(0.80)),
        ("completion_rate", pytest.approx(0.68), None),
        ("users_at_stage", 950.0, None),
        ("nps", pytest.approx(-0.12), None),
    ]
    result = plans.write_plan(ws, DEMO_EDITOR, plan)
    assert result.created == {"agency": 1, "measurement": 4}
    stored = metrics.series(ws, "completion_rate", Scope(journey_id=tax_journey))
    assert [p.value for p in stored] == [pytest.approx(0.765), pytest.approx(0.68)]


def test_measurements_template_semicolons_cp1252_and_xlsx(ws, tax_journey):
    text = (
        "kpi;period_start;period_end;value;agency\r\n"
        "csat;2026-01-01;2026-01-31;81,5;Agência Tributária\r\n"
    )
    plan = plan_measurements_csv(ws, variant("t.csv", text, "cp1252"))
    assert plan.drafts[0].agency == "Agência Tributária"
    assert plan.drafts[0].value == pytest.approx(0.815)
    book = write_xlsx(
        {
            "Sheet": (
                ["kpi", "period_start", "period_end", "value"],
                [
                    {
                        "kpi": "csat",
                        "period_start": "2026-01-01",
                        "period_end": "2026-01-31",
                        "value": 81.5,
                    }
                ],
            )
        }
    )
    plan = plan_measurements_csv(ws, SourceFile("t.xlsx", book))
    assert plan.drafts[0].value == pytest.approx(0.815)
    with pytest.raises(ImportFailed, match="no period_end"):
        plan_measurements_csv(
            ws, variant("t.csv", "kpi,period_start\ncsat,2026-01-01\n")
        )
