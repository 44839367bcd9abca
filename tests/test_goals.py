"""Goals with several KPIs, their status by the rule shown to people, KPI
series from stored measurements, and the programme-lead dashboard."""

import datetime
import json

import pytest

from journeys import agencies, goals, maps, metrics
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import EditConflict, NotFound, PermissionDenied, ValidationError
from journeys.kpis import KpiError
from journeys.metrics import Point, Scope
from journeys.models import Agency, Goal, Journey, Measurement, Stage, Step
from journeys.tabular import read_table, write_csv

DAY = datetime.date
BASE = Point("2024-01-01", "2024-01-31", 0.60)


def judged(latest: float, latest_end: str, review: DAY, **goal) -> goals.Judgement:
    points = [BASE, Point(latest_end[:8] + "01", latest_end, latest)]
    return goals.judge(
        points,
        target=goal.pop("target", 0.90),
        direction=goal.pop("direction", "up"),
        review=review,
        deadline=goal.pop("deadline", "2024-12-31"),
        unit="%",
        **goal,
    )


# --- the status rule ----------------------------------------------------------------


def test_on_track_when_the_target_is_met():
    result = judged(0.92, "2024-06-30", DAY(2024, 7, 1))
    assert result.status == goals.ON_TRACK
    assert "meets the target 90.0%" in result.reason


def test_on_track_when_ahead_of_the_straight_line():
    # Baseline 60% on 31 Jan; 80% by 30 Jun is (80-60)/(90-60) = 67% of the way;
    # 1 Jul is 152 of the 335 days to 31 Dec = 45% of the time.
    result = judged(0.80, "2024-06-30", DAY(2024, 7, 1))
    assert result.status == goals.ON_TRACK
    assert result.progress == pytest.approx(2 / 3)
    assert result.expected == pytest.approx(152 / 335)


def test_at_risk_when_a_little_behind():
    # 75% is half the way; by 1 Sep 214/335 = 64% of the time has gone:
    # behind by 14 points of the way, less than 25.
    result = judged(0.75, "2024-08-31", DAY(2024, 9, 1))
    assert result.status == goals.AT_RISK
    assert result.progress == pytest.approx(0.5)
    assert result.expected == pytest.approx(214 / 335)


def test_off_track_when_far_behind_or_worse_than_baseline():
    # 62% is 2/30 = 7% of the way against 64% of the time: 57 points behind.
    assert judged(0.62, "2024-08-31", DAY(2024, 9, 1)).status == goals.OFF_TRACK
    worse = judged(0.55, "2024-08-31", DAY(2024, 9, 1))
    assert worse.status == goals.OFF_TRACK
    assert "worse than the baseline 60.0%" in worse.reason


def test_off_track_when_the_deadline_passed_short_of_the_target():
    # Reviewed after the deadline: judged on 31 Dec with the 15 Dec value.
    result = judged(0.85, "2024-12-15", DAY(2025, 2, 1))
    assert result.status == goals.OFF_TRACK
    assert result.review_date == "2024-12-31"
    assert "the deadline 2024-12-31 passed" in result.reason


def test_no_recent_data_after_92_days():
    # Latest ended 31 Mar; 1 Sep is 154 days later.
    result = judged(0.95, "2024-03-31", DAY(2024, 9, 1))
    assert result.status == goals.NO_RECENT_DATA
    assert goals.judge([], target=1, direction="up", review=DAY(2024, 1, 1)).status == (
        goals.NO_RECENT_DATA
    )


def test_lower_is_better_and_no_deadline():
    points = [
        Point("2011-04-01", "2012-03-31", 5.20),
        Point("2012-10-01", "2013-09-30", 2.57),
    ]
    met = goals.judge(points, target=4.08, direction="down", review=DAY(2013, 10, 1))
    assert met.status == goals.ON_TRACK and met.baseline == 5.20
    # Not met, no deadline, better than the baseline: at risk.
    slow = goals.judge(points, target=2.0, direction="down", review=DAY(2013, 10, 1))
    assert slow.status == goals.AT_RISK
    assert "no deadline" in slow.reason
    # Moving down by 2.63 of the 3.20 gap = +82% of the way.
    assert slow.movement == pytest.approx((5.20 - 2.57) / 3.20)


def test_a_goal_takes_its_worst_kpi_status():
    assert goals.worst_status([goals.ON_TRACK, goals.NO_RECENT_DATA]) == (
        goals.NO_RECENT_DATA
    )
    assert goals.worst_status([goals.AT_RISK, goals.OFF_TRACK]) == goals.OFF_TRACK
    assert goals.worst_status([]) == goals.NO_RECENT_DATA
    assert "92 days" in goals.STATUS_RULE and "25%" in goals.STATUS_RULE


# --- series from measurements -------------------------------------------------------


@pytest.fixture
def place(ws):
    """Two agencies, a journey of three stages, the KPI library."""
    kpis = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)
    first = agencies.create_agency(ws, DEMO_EDITOR, Agency("Tax Office"))
    second = agencies.create_agency(ws, DEMO_EDITOR, Agency("Post Office"))
    journey = maps.create_journey(ws, DEMO_EDITOR, Journey("File a return"))
    stages = [
        maps.add_stage(ws, DEMO_EDITOR, journey, Stage(name))
        for name in ("Start", "Upload", "Submit")
    ]

    def record(key, first_day, last_day, value, **where):
        where.setdefault("journey_id", journey)
        metrics.add_measurement(
            ws,
            DEMO_EDITOR,
            Measurement(kpis[key], first_day, last_day, value, **where),
        )

    return {
        "kpis": kpis,
        "agencies": (first, second),
        "journey": journey,
        "stages": stages,
        "record": record,
    }


def test_series_prefers_totals_and_adds_counts(ws, place):
    record = place["record"]
    # January: a total row and channel rows; only the total counts.
    record(
        "completion_rate",
        "2024-01-01",
        "2024-01-31",
        0.5,
        numerator=50,
        denominator=100,
    )
    record(
        "completion_rate",
        "2024-01-01",
        "2024-01-31",
        0.8,
        numerator=40,
        denominator=50,
        channel="online",
    )
    # February: channel rows only; (45 + 5) / (50 + 50) = 50%, not (90% + 10%) / 2.
    record(
        "completion_rate",
        "2024-02-01",
        "2024-02-29",
        0.9,
        numerator=45,
        denominator=50,
        channel="online",
    )
    record(
        "completion_rate",
        "2024-02-01",
        "2024-02-29",
        0.1,
        numerator=5,
        denominator=50,
        channel="phone",
    )
    points = metrics.series(ws, "completion_rate", Scope(journey_id=place["journey"]))
    assert [(p.period_start, p.value, p.denominator) for p in points] == [
        ("2024-01-01", 0.5, 100),
        ("2024-02-01", 0.5, 100),
    ]
    online = metrics.series(ws, "completion_rate", Scope(channel="online"))
    assert [p.value for p in online] == [0.8, 0.9]


def test_abandonment_custom_and_satisfaction_series(ws, place):
    record, (start, upload, submit) = place["record"], place["stages"]
    for stage, users in ((start, 1000), (upload, 950), (submit, 700)):
        record("users_at_stage", "2026-01-01", "2026-01-31", users, stage_id=stage)
    abandon = metrics.series(ws, "stage_abandonment", Scope(stage_id=upload))
    # 1 - 700/950 = 26.3%, with the 250 lost over the 950 who reached it.
    assert abandon[0].value == pytest.approx(250 / 950)
    assert (abandon[0].numerator, abandon[0].denominator) == (250, 950)
    assert metrics.series(ws, "stage_abandonment", Scope(stage_id=submit)) == []

    record("transactions", "2026-01-01", "2026-01-31", 680)
    record("total_cost", "2026-01-01", "2026-01-31", 1700)
    metrics.create_custom_kpi(
        ws, DEMO_EDITOR, "Cost per return", "GBP", "down", "total_cost / transactions"
    )
    custom = metrics.series(
        ws, "custom_cost_per_return", Scope(journey_id=place["journey"])
    )
    assert custom[0].value == pytest.approx(2.5)  # 1,700 / 680

    for level, count in zip("12345", (14, 9, 10, 32, 42), strict=True):
        record(
            "satisfaction_responses", "2026-01-05", "2026-01-05", count, segment=level
        )
    satisfied = metrics.series(
        ws, "user_satisfaction", Scope(journey_id=place["journey"])
    )
    assert satisfied[0].value == pytest.approx(74 / 107)  # (32 + 42) / 107


def test_custom_kpi_refuses_unknown_keys_and_code(ws, place):
    with pytest.raises(KpiError):
        metrics.create_custom_kpi(ws, DEMO_EDITOR, "Bad", "%", "up", "nothing / 2")
    with pytest.raises(KpiError):
        metrics.create_custom_kpi(ws, DEMO_EDITOR, "Bad", "%", "up", "__import__('os')")
    assert not [k for k in metrics.list_kpis(ws) if k["family"] == "Custom"]


def test_a_measurement_above_100_percent_is_refused(ws, place):
    with pytest.raises(ValidationError, match="from 0 to 100%"):
        place["record"]("completion_rate", "2024-01-01", "2024-01-31", 1.2)
    with pytest.raises(ValidationError, match="numerator / denominator"):
        place["record"](
            "completion_rate",
            "2024-01-01",
            "2024-01-31",
            0.7,
            numerator=5,
            denominator=10,
        )


# --- goals and the dashboard ------------------------------------------------------


def test_goal_with_kpis_agencies_journeys_and_the_dashboard(ws, place):
    record, kpis = place["record"], place["kpis"]
    tax, post = place["agencies"]
    journey = place["journey"]
    for month, share in (("01", 0.60), ("02", 0.70), ("03", 0.65)):
        record(
            "completion_rate",
            f"2024-{month}-01",
            f"2024-{month}-28",
            share,
            numerator=share * 100,
            denominator=100,
        )
    goal_id = goals.create_goal(
        ws,
        DEMO_EDITOR,
        Goal(
            "More people finish their return", owner_agency_id=tax, journey_id=journey
        ),
        [
            goals.GoalKpi(
                kpis["completion_rate"],
                0.90,
                "up",
                deadline="2024-12-31",
                journey_id=journey,
            )
        ],
        agency_ids=[post],
    )
    other = goals.create_goal(ws, DEMO_EDITOR, Goal("Unrelated goal"))

    board = goals.dashboard(ws, today=DAY(2024, 4, 1))
    by_title = {v.goal["title"]: v for v in board.goals}
    view = by_title["More people finish their return"]
    assert view.goal["id"] == goal_id
    assert [a["name"] for a in view.agencies] == ["Post Office"]
    assert [j["name"] for j in view.journeys] == ["File a return"]
    # Baseline 60% (31 Jan... the first period ends 28 Jan); latest 65%:
    # 5/30 = 17% of the way, but 64/338 = 19% of the time: at risk.
    judged = view.kpis[0].judgement
    assert judged.baseline == 0.60 and judged.latest.value == 0.65
    assert judged.progress == pytest.approx(0.05 / 0.30)
    assert judged.expected == pytest.approx(64 / 338)
    assert judged.status == goals.AT_RISK
    # Moved 70% -> 65%: -5 of 30 points of the way.
    assert judged.movement == pytest.approx(-0.05 / 0.30)
    assert by_title["Unrelated goal"].status == goals.NO_RECENT_DATA

    # Filters: the contributing agency finds it; a journey filter drops the other.
    assert [v.goal["id"] for v in goals.dashboard(ws, agency_id=post).goals] == [
        goal_id
    ]
    assert [v.goal["id"] for v in goals.dashboard(ws, journey_id=journey).goals] == [
        goal_id
    ]
    # A period up to 29 Feb: February's 70% is the latest, reviewed on 29 Feb.
    february = goals.dashboard(ws, start="2024-02-01", end="2024-02-29")
    kpi = next(v for v in february.goals if v.goal["id"] == goal_id).kpis[0]
    assert [p.value for p in kpi.points] == [0.70]
    assert kpi.judgement.latest.value == 0.70 and february.review_date == "2024-02-29"
    assert other in {v.goal["id"] for v in february.goals}

    # Export: one row per goal KPI, percentages as people read them, unrounded;
    # the overview has one row per goal, the one without KPIs too.
    exported = goals.worst_moving_rows(board)
    assert [r["Goal"] for r in exported] == ["More people finish their return"]
    assert exported[0]["Latest"] == pytest.approx(65.0)
    assert exported[0]["Target"] == pytest.approx(90.0)
    overview = goals.overview_rows(board)
    table = read_table(write_csv(goals.OVERVIEW_HEADERS, overview), "export.csv")
    assert len(table.rows) == 2 and table.headers == goals.OVERVIEW_HEADERS


def test_a_goal_is_saved_whole_or_not_at_all(ws, place):
    before = ws.counts()["goal"]
    with pytest.raises(ValidationError):
        goals.create_goal(
            ws,
            DEMO_EDITOR,
            Goal("Broken"),
            [goals.GoalKpi(999_999, 0.5, "up")],  # no such KPI
        )
    with pytest.raises(ValidationError, match="direction"):
        goals.create_goal(
            ws,
            DEMO_EDITOR,
            Goal("Sideways"),
            [goals.GoalKpi(place["kpis"]["nps"], 0.5, "sideways")],
        )
    with pytest.raises(PermissionDenied):
        goals.create_goal(ws, Actor("v", Role.VIEWER), Goal("Viewer's goal"))
    assert ws.counts()["goal"] == before


# --- editing and deleting goals ---------------------------------------------------


def _count(ws, table: str) -> int:
    return ws.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _changes(ws, table: str, row_id: int) -> list[str]:
    return [
        row[0]
        for row in ws.db.execute(
            "SELECT action FROM change_log WHERE table_name = ? AND row_id = ?"
            " ORDER BY id",
            [table, row_id],
        ).fetchall()
    ]


def test_update_goal_replaces_kpis_and_links_in_one_logged_change(ws, place):
    kpis, (tax, post), journey = place["kpis"], place["agencies"], place["journey"]
    start, upload, _ = place["stages"]
    step = maps.add_step(ws, DEMO_EDITOR, upload, Step("Upload documents"))
    goal_id = goals.create_goal(
        ws,
        DEMO_EDITOR,
        Goal("Faster returns", owner_agency_id=tax),
        [goals.GoalKpi(kpis["completion_rate"], 0.9, "up")],
        agency_ids=[post],
    )
    opened = goals.goal_for_edit(ws, goal_id)
    assert opened["agency_ids"] == [post] and opened["journey_ids"] == []
    saved = goals.update_goal(
        ws,
        DEMO_EDITOR,
        goal_id,
        opened["goal"]["version"],
        Goal("Faster, simpler returns", owner_agency_id=post, journey_id=journey),
        [
            goals.GoalKpi(kpis["completion_rate"], 0.95, "up", baseline=0.6),
            goals.GoalKpi(
                kpis["stage_abandonment"], 0.1, "down", deadline="2027-01-31"
            ),
        ],
        agency_ids=[tax],
        journey_ids=[journey],
        step_ids=[step],
    )
    assert (saved["title"], saved["owner_agency_id"], saved["version"]) == (
        "Faster, simpler returns",
        post,
        2,
    )
    again = goals.goal_for_edit(ws, goal_id)
    assert [
        (k.kpi_id, k.target, k.direction, k.baseline, k.deadline) for k in again["kpis"]
    ] == [
        (kpis["completion_rate"], 0.95, "up", 0.6, None),
        (kpis["stage_abandonment"], 0.1, "down", None, "2027-01-31"),
    ]
    assert (again["agency_ids"], again["journey_ids"], again["step_ids"]) == (
        [tax],
        [journey],
        [step],
    )
    assert _changes(ws, "goal", goal_id) == ["create", "update", "update"]
    links = json.loads(
        ws.db.execute(
            "SELECT after FROM change_log WHERE table_name = 'goal' AND row_id = ?"
            " ORDER BY id DESC LIMIT 1",
            [goal_id],
        ).fetchone()[0]
    )
    assert links == {
        "goal_agency": [tax],
        "goal_journey": [journey],
        "goal_step": [step],
    }
    assert _count(ws, "goal_kpi") == 2


def test_update_goal_refuses_a_stale_version_and_keeps_everything(ws, place):
    kpis = place["kpis"]
    goal_id = goals.create_goal(
        ws, DEMO_EDITOR, Goal("Shared goal"), [goals.GoalKpi(kpis["nps"], 30, "up")]
    )
    goals.update_goal(
        ws,
        Actor("Ana", Role.EDITOR),
        goal_id,
        1,
        Goal("Ana's title"),
        [goals.GoalKpi(kpis["nps"], 40, "up")],
    )
    with pytest.raises(EditConflict, match="changed by Ana"):
        goals.update_goal(ws, DEMO_EDITOR, goal_id, 1, Goal("Mine"), [])
    with pytest.raises(EditConflict, match="changed by Ana"):
        goals.delete_goal(ws, DEMO_EDITOR, goal_id, 1)
    kept = goals.goal_for_edit(ws, goal_id)
    assert kept["goal"]["title"] == "Ana's title"
    assert [k.target for k in kept["kpis"]] == [40]
    with pytest.raises(PermissionDenied):
        goals.update_goal(ws, Actor("v", Role.VIEWER), goal_id, 2, Goal("V"), [])
    with pytest.raises(ValidationError):
        goals.update_goal(ws, DEMO_EDITOR, goal_id, 2, Goal("  "), [])
    assert goals.goal_for_edit(ws, goal_id)["goal"]["version"] == 2


def test_delete_goal_removes_its_kpis_and_links_and_logs_them(ws, place):
    kpis, (tax, post) = place["kpis"], place["agencies"]
    goal_id = goals.create_goal(
        ws,
        DEMO_EDITOR,
        Goal("Doomed goal", journey_id=place["journey"]),
        [goals.GoalKpi(kpis["nps"], 30, "up"), goals.GoalKpi(kpis["csat"], 4, "up")],
        agency_ids=[tax, post],
    )
    kept = goals.create_goal(ws, DEMO_EDITOR, Goal("Kept"), agency_ids=[tax])
    kpi_ids = [r[0] for r in ws.db.execute("SELECT id FROM goal_kpi").fetchall()]
    with pytest.raises(PermissionDenied):
        goals.delete_goal(ws, Actor("v", Role.VIEWER), goal_id, 1)
    goals.delete_goal(ws, DEMO_EDITOR, goal_id, 1)
    assert [g["title"] for g in goals.list_goals(ws)] == ["Kept"]
    assert _count(ws, "goal_kpi") == 0
    for table in ("goal_agency", "goal_journey"):
        assert ws.db.execute(f"SELECT goal_id FROM {table}").fetchall() == (
            [(kept,)] if table == "goal_agency" else []
        )
    assert _changes(ws, "goal", goal_id) == ["create", "update", "delete"]
    assert all(_changes(ws, "goal_kpi", i)[-1] == "delete" for i in kpi_ids)
    with pytest.raises(NotFound):
        goals.delete_goal(ws, DEMO_EDITOR, goal_id, 1)


# --- editing and deleting custom KPIs ---------------------------------------------


def test_edit_a_custom_kpi_keeps_its_key_and_checks_the_version(ws, place):
    kpi_id = metrics.create_custom_kpi(
        ws, DEMO_EDITOR, "Cost per return", "GBP", "down", "total_cost / transactions"
    )
    saved = metrics.update_custom_kpi(
        ws,
        DEMO_EDITOR,
        kpi_id,
        1,
        "Cost per filed return",
        "USD",
        "down",
        "total_cost / (transactions + 1)",
    )
    assert (saved["key"], saved["name"], saved["unit"], saved["version"]) == (
        "custom_cost_per_return",
        "Cost per filed return",
        "USD",
        2,
    )
    assert saved["expression"] == saved["formula"] == "total_cost / (transactions + 1)"
    with pytest.raises(EditConflict, match="changed by demo editor"):
        metrics.update_custom_kpi(
            ws, DEMO_EDITOR, kpi_id, 1, "Old", "GBP", "down", "total_cost"
        )
    with pytest.raises(KpiError):  # a formula over itself
        metrics.update_custom_kpi(
            ws, DEMO_EDITOR, kpi_id, 2, "Loop", "GBP", "down", "custom_cost_per_return"
        )
    with pytest.raises(ValidationError, match="standard KPI"):
        metrics.update_custom_kpi(
            ws, DEMO_EDITOR, place["kpis"]["nps"], 1, "N", "NPS", "up", "csat"
        )
    with pytest.raises(PermissionDenied):
        metrics.delete_custom_kpi(ws, Actor("v", Role.VIEWER), kpi_id, 2)


def test_a_custom_kpi_in_use_cannot_be_deleted(ws, place):
    cost = metrics.create_custom_kpi(
        ws, DEMO_EDITOR, "Cost per return", "GBP", "down", "total_cost / transactions"
    )
    double = metrics.create_custom_kpi(
        ws, DEMO_EDITOR, "Double cost", "GBP", "down", "custom_cost_per_return * 2"
    )
    goal_id = goals.create_goal(
        ws, DEMO_EDITOR, Goal("Cheaper"), [goals.GoalKpi(cost, 2.0, "down")]
    )
    with pytest.raises(
        ValidationError,
        match="'Cost per return' is used by 1 goal and the formula of Double cost",
    ):
        metrics.delete_custom_kpi(ws, DEMO_EDITOR, cost, 1)
    goals.delete_goal(ws, DEMO_EDITOR, goal_id, 1)
    metrics.delete_custom_kpi(ws, DEMO_EDITOR, double, 1)
    metrics.add_measurement(
        ws, DEMO_EDITOR, Measurement(cost, "2024-01-01", "2024-01-31", 2.5)
    )
    with pytest.raises(ValidationError, match="used by 1 measurement;"):
        metrics.delete_custom_kpi(ws, DEMO_EDITOR, cost, 1)
    ws.db.execute("DELETE FROM measurement")
    metrics.delete_custom_kpi(ws, DEMO_EDITOR, cost, 1)
    assert metrics.kpi_id(ws, "custom_cost_per_return") is None
    assert _changes(ws, "kpi", cost) == ["create", "delete"]
