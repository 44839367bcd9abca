"""Users per stage and satisfaction per level (journeys.performance)."""

import pytest

from journeys import maps, metrics, performance
from journeys.access import DEMO_EDITOR
from journeys.models import Journey, Measurement, Stage

WEEK = ("2016-01-04", "2016-01-10")
LATER_WEEK = ("2016-01-11", "2016-01-17")


@pytest.fixture
def carers(ws):
    """A journey with three stages, the KPI library, and its measurement adder."""
    kpis = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)
    journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey("Carer's Allowance"))
    stages = [
        maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage(name))
        for name in ("About you", "Other money", "Done")
    ]

    def record(kpi, period, value, **where):
        measurement = Measurement(kpis[kpi], *period, value, journey_id, **where)
        metrics.add_measurement(ws, DEMO_EDITOR, measurement)

    return journey_id, stages, record


def test_stage_funnel_adds_up_segments_and_leaves_gaps_empty(ws, carers):
    journey_id, (about, money, _done), record = carers
    record("users_at_stage", WEEK, 600, stage_id=about, segment="online")
    record("users_at_stage", WEEK, 400, stage_id=about, segment="phone")
    record("users_at_stage", WEEK, 750, stage_id=money)
    record("users_at_stage", LATER_WEEK, 900, stage_id=about)

    stages = performance.stage_funnel(ws, journey_id, WEEK[0])

    assert [(s.stage, s.users, s.next_users) for s in stages] == [
        ("About you", 1000, 750),
        ("Other money", 750, None),
        ("Done", None, None),
    ]
    assert stages[0].abandonment == pytest.approx(0.25)
    assert stages[1].abandonment is None  # the next stage has no data
    assert performance.stage_user_periods(ws, journey_id) == [
        LATER_WEEK[0],
        WEEK[0],
    ]
    assert [j["id"] for j in performance.journeys_with_stage_users(ws)] == [journey_id]


def test_satisfaction_summary_counts_levels_and_sets_aside_the_rest(ws, carers):
    journey_id, _stages, record = carers
    for day, counts in (("2016-01-04", (14, 9, 10, 32, 42)), ("2016-01-05", (1,) * 5)):
        for level, count in enumerate(counts, start=1):
            record("satisfaction_responses", (day, day), count, segment=str(level))
    record("satisfaction_responses", ("2016-01-06", "2016-01-06"), 7, segment="N/A")

    summary = performance.satisfaction_summary(ws, journey_id)

    assert summary.counts == {1: 15, 2: 10, 3: 11, 4: 33, 5: 43}
    assert summary.answers == 112
    assert summary.top_two_box == pytest.approx(76 / 112)
    assert (summary.first_day, summary.last_day) == ("2016-01-04", "2016-01-06")
    assert summary.unreadable == 1


def test_no_measurements_means_no_summary(ws, carers):
    journey_id, _stages, _record = carers
    assert performance.satisfaction_summary(ws, journey_id) is None
    assert performance.journeys_with_satisfaction(ws) == []
    assert performance.journeys_with_stage_users(ws) == []
