"""The KPI formulas (journeys.kpis), each with a value worked out by hand.

The cases of PITFALLS 19 to 21 are reused as they are written there; the
seed case is the online tax return of SOURCES.md.
"""

import doctest

import pytest

from journeys import demo_kpis, goals, kpis, metrics, surveys
from journeys.importers import (
    a11_scores,
    measure_plan,
    myla311,
    performance_kpis,
)


@pytest.mark.parametrize(
    "module",
    [
        kpis,
        metrics,
        goals,
        surveys,
        measure_plan,
        a11_scores,
        myla311,
        performance_kpis,
    ],
)
def test_doctests_of_the_kpi_modules_pass(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


# --- funnels (PITFALLS 21 and the seed case) ---------------------------------------


def test_seed_tax_return_abandonment_and_the_stage_to_fix_first():
    stages = metrics.funnel([(name, users) for name, _, users in demo_kpis.TAX_STAGES])
    # 20/1000 = 2.0%, 30/980 = 3.06%, 250/950 = 26.32%, 20/700 = 2.86%.
    assert [s.abandonment for s in stages[:4]] == pytest.approx(
        [20 / 1000, 30 / 980, 250 / 950, 20 / 700]
    )
    assert [f"{s.abandonment * 100:.1f}" for s in stages[:4]] == [
        "2.0",
        "3.1",
        "26.3",
        "2.9",
    ]
    assert stages[-1].abandonment is None
    assert metrics.stage_to_fix_first(stages).stage == "Document upload"
    # Completion is 680 of 1,000 starts.
    assert kpis.completion_rate(1000, 680).value == pytest.approx(0.68)


def test_funnel_from_events_counts_only_in_order_from_the_first_step():
    events = {
        "u1": ["s1", "s2", "s3"],
        "u2": ["s1", "s2"],
        "u3": ["s2", "s3"],  # no s1: entered mid-journey
        "u4": ["s1"],
        "u5": ["s3", "s1"],  # out of order: only s1 counts
    }
    result = kpis.funnel_from_events(events, ["s1", "s2", "s3"])
    # Entered: u1, u2, u4, u5 = 4; completed in order: u1 = 1.
    assert (result.entered, result.completed) == (4, 1)
    assert result.completion.value == 0.25
    assert result.abandonment == 0.75
    # s1 -> s2: u1, u2 of 4 = 50%; s2 -> s3: u1 of u1, u2 = 50%.
    assert [c.value for c in result.conversions()] == [0.5, 0.5]
    assert result.mid_journey == ["u3"]
    assert all(0 <= c.value <= 1 for c in result.conversions())


def test_a_rise_between_stages_is_flagged_not_fixed():
    # 100 then 120: 1 - 120/100 = -20%, a rate nobody should act on.
    stages = metrics.funnel([("a", 100), ("b", 120), ("c", 60)])
    assert stages[0].rises and stages[0].abandonment == pytest.approx(-0.2)
    assert not stages[1].rises and stages[1].abandonment == pytest.approx(0.5)


# --- GOV.UK's four ---------------------------------------------------------------


def test_completion_counts_ineligible_and_already_done_endings():
    # (120 completed + 30 not eligible + 10 already paid) / 200 started = 80%.
    rate = kpis.completion_rate(200, 120, ineligible=30, already_done=10)
    assert (rate.numerator, rate.denominator, rate.value) == (160, 200, 0.8)


def test_rates_never_exceed_100_percent():
    with pytest.raises(kpis.InconsistentData, match="above 100%"):
        kpis.completion_rate(1000, 990, ineligible=20)
    with pytest.raises(kpis.InconsistentData, match="digital take-up above 100%"):
        kpis.digital_take_up(11, 10)
    with pytest.raises(kpis.InconsistentData, match="response rate above 100%"):
        kpis.response_rate(1600, 1500)


def test_user_satisfaction_top_two_of_five_with_the_counts_per_level():
    result = kpis.user_satisfaction({5: 42, 4: 32, 3: 10, 2: 9, 1: 14})
    # (42 + 32) / 107 = 69.16%; every level kept for publishing.
    assert result.top_two_box.value == pytest.approx(74 / 107)
    assert result.counts == {1: 14, 2: 9, 3: 10, 4: 32, 5: 42}
    assert f"{result.top_two_box.value * 100:.2f}" == "69.16"


def test_digital_take_up_of_carers_allowance_claims():
    # Week of 14 October 2013: 1,472 online and 3,546 paper claims.
    assert kpis.digital_take_up(1472, 1472 + 3546).value == pytest.approx(1472 / 5018)


def test_cost_per_transaction_overall_per_channel_and_target():
    # Companies House, year to 30 September 2013: £6,378,148.90 / 2,481,770.
    assert kpis.cost_per_transaction(6378148.9, 2481770).value == pytest.approx(2.57)
    # Online: (100,000 + 80% of the 50,000 common cost) / 80,000 = £1.75;
    # phone: (300,000 + 20% of it) / 20,000 = £15.50.
    by_channel = kpis.cost_per_transaction_by_channel(
        {"online": 100_000, "phone": 300_000},
        {"online": 80_000, "phone": 20_000},
        common_cost=50_000,
    )
    assert by_channel["online"].value == pytest.approx(1.75)
    assert by_channel["phone"].value == pytest.approx(15.5)
    # The manual's worked example: 2 + ((0.5 - 2) / 0.6) x 0.4 = £1.
    assert kpis.cpt_target(2.0, 0.5, 0.40, 0.80) == pytest.approx(1.0)
    with pytest.raises(kpis.KpiError):
        kpis.cpt_target(2.0, 0.5, 1.0, 0.8)


# --- NPS, CSAT and the other CX measures (PITFALLS 19) -------------------------------


def test_nps_buckets_are_exhaustive():
    # 10, 9, 9, 10 promoters; 8, 7 passives; 6, 0, 3, 5 detractors: (4 - 4) / 10.
    result = kpis.nps([10, 9, 9, 8, 7, 6, 0, 3, 10, 5])
    assert (result.promoters, result.passives, result.detractors) == (4, 2, 4)
    assert result.score == 0.0
    # 0 and 10: one detractor, one promoter.
    assert kpis.nps([0, 10]).score == 0.0


def test_displayed_nps_shares_add_up_to_100():
    result = kpis.nps([9, 9, 9, 8, 8, 8, 6, 6, 6])
    assert result.score == 0.0
    counts = {
        "promoters": result.promoters,
        "passives": result.passives,
        "detractors": result.detractors,
    }
    shown = kpis.rounded_shares(counts)
    # 3 of 9 each: 33.33... three times, largest remainder gives 33.4 + 33.3 + 33.3.
    assert sum(shown.values()) == pytest.approx(100.0)
    assert sorted(shown.values()) == [33.3, 33.3, 33.4]


@pytest.mark.parametrize("bad", [[6.5, 8.5], [11], [-1], ["ten"]])
def test_answers_off_the_nps_scale_are_refused_not_bucketed(bad):
    with pytest.raises(kpis.ScaleError):
        kpis.nps(bad)


def test_csat_is_top_two_box_and_mean_both_labelled():
    result = kpis.csat_from_counts({5: 42, 4: 32, 3: 10, 2: 9, 1: 14})
    # Top two: 74 / 107 = 69.16%. Mean: (210 + 128 + 30 + 18 + 14) / 107 = 3.738.
    assert round(result.top_two_box.value * 100, 2) == 69.16
    assert result.mean.value == pytest.approx(400 / 107)
    labels = {k.key: k.name for k in metrics.STANDARD_KPIS}
    assert labels["csat"] == "CSAT (top-two-box %)"
    assert labels["csat_mean"] == "CSAT (mean, 1-5)"
    # A 1-10 answer is the wrong scale, and 3 is neutral, not satisfied.
    with pytest.raises(kpis.ScaleError):
        kpis.csat([7])
    assert kpis.csat([3, 4]).top_two_box.value == 0.5


def test_one_answer_has_n_1_and_no_answers_is_no_data():
    one = kpis.nps([9])
    assert (one.n, one.score) == (1, 1.0)
    assert kpis.nps([]).score is None
    assert kpis.csat([]).top_two_box.value is None
    assert kpis.nps(["", "N/A"]).unanswered == 2


def test_blanks_and_na_leave_the_denominator_and_duplicates_count_once():
    rows = [
        ("r1", "10", "2024-01-01"),
        ("r1", "3", "2024-01-05"),
        ("r2", "N/A", ""),
        ("r3", "", ""),
        ("r4", "9", ""),
        ("r5", "6", ""),
    ]
    kept = kpis.latest_per_respondent(rows, lambda r: r[0], lambda r: r[2])
    assert kept.removed == 1
    result = kpis.nps(r[1] for r in kept.rows)
    # Answered: r1 = 3 (latest), r4 = 9, r5 = 6: 1 promoter, 2 detractors.
    assert (result.n, result.promoters, result.detractors) == (3, 1, 2)
    assert result.unanswered == 2
    assert result.score * 100 == pytest.approx(-33.333, abs=0.001)


def test_enps_effort_task_success_and_handling_time():
    # eNPS: 10 and 9 promote, 5 detracts: (2 - 1) / 3.
    assert kpis.enps([10, 9, 5]).score == pytest.approx(1 / 3)
    # CES: (5 + 4 + 2 + 4) / 4 answered = 3.75; on 1-7, 7 is allowed.
    assert kpis.effort_score([5, 4, "", 2, 4]).value == 3.75
    assert kpis.effort_score([7, 6], high=7).value == 6.5
    # Task success: 1 unaided success of 4 attempts; 2 of 2 when help counts.
    assert (
        kpis.task_success_rate(
            ["success", "failed", "success with help", "partial"]
        ).value
        == 0.25
    )
    assert (
        kpis.task_success_rate(
            ["success", "success with help", ""], count_assisted=True
        ).value
        == 1.0
    )
    # AHT: (30,000 + 4,000 + 6,000) s / 100 contacts = 400 s.
    assert kpis.average_handling_time(30_000, 4_000, 6_000, 100).value == 400


# --- A-11 ---------------------------------------------------------------------------


def test_a11_v1_driver_means_leave_blanks_out():
    means = kpis.a11_driver_means(
        [
            {"satisfaction": 5, "trust": 4, "ease": "N/A"},
            {"satisfaction": 4, "trust": "", "ease": 2},
            {"satisfaction": 3, "trust": 5},
        ]
    )
    # Satisfaction (5 + 4 + 3) / 3 = 4; trust (4 + 5) / 2 = 4.5; ease 2 / 1.
    assert means["satisfaction"].value == 4.0
    assert means["trust"].value == 4.5
    assert (means["ease"].value, means["ease"].n) == (2.0, 1)
    assert means["employee"].value is None
    with pytest.raises(kpis.ScaleError):
        kpis.a11_driver_means([{"trust": 6}])


def test_a11_v2_trust_and_driver_shares():
    # Thumbs: 3 up of 4 answered = 75%. Five-point: 5 and 4 positive = 2 of 4.
    assert kpis.trust_share(["up", "up", "down", "", "up"], "thumbs").value == 0.75
    assert kpis.trust_share([5, 4, 3, 1, "N/A"], "five_point").value == 0.5
    shares = kpis.driver_shares(8, {"ease": 6, "efficiency": 2})
    assert (shares["ease"].value, shares["efficiency"].value) == (0.75, 0.25)
    with pytest.raises(kpis.InconsistentData):
        kpis.driver_shares(2, {"ease": 3})


def test_response_rate_and_coverage_from_customers_served_offered_responding():
    # 6,000 served, 1,500 offered, 120 responded: 120/1,500 = 8%, 1,500/6,000 = 25%.
    assert kpis.response_rate(120, 1500).value == 0.08
    assert kpis.survey_coverage(1500, 6000).value == 0.25


# --- combining and custom KPIs -------------------------------------------------------


def test_rates_combine_from_counts_not_by_averaging():
    # 1 of 2 and 9 of 10: 10 of 12 = 83.3%, not the mean of 50% and 90% (70%).
    combined = kpis.combine([(0.5, 1, 2), (0.9, 9, 10)], "ratio")
    assert combined.value == pytest.approx(10 / 12)
    assert kpis.combine([(0.5, None, None), (0.9, None, None)], "ratio").value is None
    assert kpis.combine([(600, None, None), (400, None, None)], "sum").value == 1000


def test_custom_kpi_formulas_are_arithmetic_on_known_keys_only():
    formula = kpis.parse_expression(
        "total_cost / transactions", {"total_cost", "transactions"}
    )
    # £6,378,148.90 over 2,481,770 transactions.
    assert formula.evaluate(
        {"total_cost": 6378148.9, "transactions": 2481770}
    ) == pytest.approx(2.57)
    assert formula.evaluate({"total_cost": 1.0, "transactions": None}) is None
    for bad in (
        "open('x')",
        "a.b",
        "a ** 2",
        "unknown_key + 1",
        "1 + 2",
        "a if a else a",
    ):
        with pytest.raises(kpis.KpiError):
            kpis.parse_expression(bad, {"a"})


def test_values_are_rounded_only_for_display():
    share = kpis.share(250, 950)
    assert share.value == 250 / 950  # unrounded
    assert kpis.display_value(share.value, "%") == "26.3%"
    assert kpis.display_value(-1 / 3, "NPS") == "-33.3"
    assert kpis.from_display_number(76.5, "%") == pytest.approx(0.765)
