"""Performance Platform import, checked against the real Carer's Allowance data.

Expected values were read by hand from
journeys/sources/govuk_performance_platform_carers_allowance.json.
"""

import copy
import json
from pathlib import Path

import pytest

import journeys
from journeys import agencies, maps, metrics
from journeys.access import DEMO_ADMIN, DEMO_EDITOR, Actor, Role
from journeys.errors import ImportFailed, PermissionDenied
from journeys.importers import import_performance
from journeys.models import Journey, Stage
from storage import queries

SOURCE = (
    Path(journeys.__file__).parent
    / "sources"
    / "govuk_performance_platform_carers_allowance.json"
)
PREFIX = "app/support/"
JOURNEY_FILE = PREFIX + "backdrop_stub/responses/carers_allowance_journey.json"
SATISFACTION_FILE = (
    PREFIX + "backdrop_stub/responses/carers-allowance-user-satisfaction.json"
)
DASHBOARD_FILE = PREFIX + "stagecraft_stub/responses/carers-allowance.json"
TITLE = "Apply for Carer's Allowance"
STAGES = [
    "About you",
    "About the care you provide",
    "Other money",
    "Consent and declaration",
    "Application complete",
]


def bundle() -> dict:
    return json.loads(SOURCE.read_text(encoding="utf-8"))


def write(tmp_path, data, name="bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def imported(ws):
    result = import_performance(ws, DEMO_ADMIN, SOURCE)
    return ws, result, maps.find_journey(ws, TITLE)


def test_journey_with_lead_agency_and_stages_in_dashboard_order(imported):
    ws, result, journey_id = imported
    journey = maps.load_journey_map(ws, journey_id)
    assert [stage["name"] for stage in journey.stages] == STAGES
    dwp = next(
        a
        for a in agencies.list_agencies(ws)
        if a["name"] == "Department for Work and Pensions"
    )
    assert (dwp["kind"], dwp["short_name"]) == ("government", "DWP")
    assert journey.journey["lead_agency_id"] == dwp["id"]
    assert "carers-allowance" in journey.journey["source"]
    assert result.created == {
        "agency": 1,
        "journey": 1,
        "stage": 5,
        "measurement": 462,
    }
    assert queries.measurements_of_import(ws.db, result.import_id) == 462
    assert ws.integrity_problems() == []


def test_users_at_each_stage_per_week(imported):
    ws, _, journey_id = imported
    rows = metrics.users_per_stage(ws, journey_id)
    about_you = [r for r in rows if r["stage_name"] == "About you"]
    assert sum(r["value"] for r in about_you) == 20906
    assert len(about_you) == 8  # the first week's value is null
    first = about_you[0]
    # The week 2 to 9 December 2013 (exclusive end in the source).
    assert (first["period_start"], first["period_end"], first["value"]) == (
        "2013-12-02",
        "2013-12-08",
        1218,
    )
    per_stage = {}
    for row in rows:
        per_stage[row["stage_name"]] = (
            per_stage.get(row["stage_name"], 0) + row["value"]
        )
    assert per_stage == {
        "About you": 20906,
        "About the care you provide": 15531,
        "Other money": 14256,
        "Consent and declaration": 13718,
    }


def test_skipped_labels_and_empty_values_are_reported(imported):
    _, result, _ = imported
    skipped = {s.what: s.reason for s in result.skipped}
    for label in (
        "education",
        "eligibility",
        "employment",
        "pay-details",
        "self-employment",
        "time-spent-abroad",
        "your-partner",
    ):
        assert skipped[f"event '{label}'"] == (
            "not a step of the dashboard's 'users at each step' module"
        )
    assert skipped["stage 'Application complete'"] == (
        "the file has no data for event 'thank-you'"
    )
    # 4 null weeks (one per stage with data) and 9 days with a null total.
    assert result.empty_values == 13


def test_daily_satisfaction_answers(imported):
    ws, _, journey_id = imported
    rows = metrics.satisfaction_counts(ws, journey_id)
    assert len(rows) == 86 * 5
    march_10 = {
        r["segment"]: r["value"] for r in rows if r["period_start"] == "2014-03-10"
    }
    assert march_10 == {"1": 0, "2": 1, "3": 3, "4": 5, "5": 10}
    assert sum(march_10.values()) == 19
    assert {r["period_end"] for r in rows if r["period_start"] == "2014-03-10"} == {
        "2014-03-10"
    }
    assert all(r["stage_id"] is None for r in rows)
    assert min(r["period_start"] for r in rows) == "2014-03-10"


def test_existing_journey_is_completed_not_duplicated(ws):
    journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey(TITLE.upper()))
    maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage("About you"))
    result = import_performance(ws, DEMO_ADMIN, SOURCE)
    assert result.created["stage"] == 4
    assert "journey" not in result.created
    stages = maps.load_journey_map(ws, journey_id).stages
    assert [s["name"] for s in stages] == STAGES
    assert len(maps.list_journeys(ws)) == 1


def test_viewer_cannot_import(ws):
    before = ws.counts()
    with pytest.raises(PermissionDenied):
        import_performance(ws, Actor("visitor", Role.VIEWER), SOURCE)
    assert ws.counts() == before


def test_total_that_differs_from_the_ratings_is_reported(ws, tmp_path):
    data = bundle()
    days = data["files"][SATISFACTION_FILE]["content"]["data"]
    day = next(d for d in days if d["_start_at"].startswith("2014-03-10"))
    day["total:sum"] = 20.0
    result = import_performance(ws, DEMO_ADMIN, write(tmp_path, data))
    assert ("day 2014-03-10") in [s.what for s in result.skipped]


def test_without_satisfaction_file(ws, tmp_path):
    data = bundle()
    del data["files"][SATISFACTION_FILE]
    result = import_performance(ws, DEMO_ADMIN, write(tmp_path, data))
    assert result.created["measurement"] == 32


# --- broken files -------------------------------------------------------------


def failure_for(ws, path) -> str:
    before = ws.counts()
    with pytest.raises(ImportFailed) as failure:
        import_performance(ws, DEMO_ADMIN, path)
    assert ws.counts() == before
    message = str(failure.value)
    assert message.startswith(f"{Path(path).name}: ")
    assert "\n" not in message
    return message


def test_invalid_json(ws, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(SOURCE.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    assert "is not valid JSON" in failure_for(ws, path)


def test_wrong_shapes(ws, tmp_path):
    assert "'files' is missing" in failure_for(ws, write(tmp_path, {"data": []}))
    no_dashboard = bundle()
    del no_dashboard["files"][DASHBOARD_FILE]
    assert "holds no dashboard definition" in failure_for(
        ws, write(tmp_path, no_dashboard)
    )
    no_journey = bundle()
    del no_journey["files"][JOURNEY_FILE]
    assert "needs the 'journey' data of dashboard 'carers-allowance'" in failure_for(
        ws, write(tmp_path, no_journey)
    )
    no_content = bundle()
    del no_content["files"][JOURNEY_FILE]["content"]
    assert f"{JOURNEY_FILE}: 'content' is missing" in failure_for(
        ws, write(tmp_path, no_content)
    )


def test_bad_value_in_second_stage_imports_nothing(ws, tmp_path):
    data = bundle()
    groups = data["files"][JOURNEY_FILE]["content"]["data"]
    care = next(g for g in groups if g["eventLabel"] == "care-you-provide")
    care["values"][3]["uniqueEvents:sum"] = "lots"
    message = failure_for(ws, write(tmp_path, data, "bad.json"))
    assert message == (
        f"bad.json: '{JOURNEY_FILE}', event 'care-you-provide', week 2013-12-16 "
        "should be a count of people, but is 'lots'"
    )


def test_failure_while_writing_rolls_everything_back(ws, tmp_path):
    """A repeated day fails to save after 100s of rows were written: none stay."""
    data = bundle()
    days = data["files"][SATISFACTION_FILE]["content"]["data"]
    days.append(copy.deepcopy(days[-1]))
    message = failure_for(ws, write(tmp_path, data, "repeated.json"))
    assert message == (
        "repeated.json: nothing was imported: the workspace already holds "
        "satisfaction answers rated 1 for 2014-06-03 to 2014-06-03 "
        "(from another file?)"
    )
    assert ws.counts()["measurement"] == 0
    assert ws.counts()["kpi"] == 0
