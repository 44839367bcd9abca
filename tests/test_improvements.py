"""The improvement loop: items, status with dates, value/effort, evaluation
against stored KPI measurements, and the "you said, we did" report."""

import datetime

import pytest

from journeys import feedback, improvements, metrics, sessions, you_said
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import JourneyError, NotFound, PermissionDenied, ValidationError
from journeys.improvements import ImprovementItem
from journeys.models import Measurement
from tests.consultation_fixture import NOW, build, give, joined_device

FACILITATOR = Actor("fran", Role.FACILITATOR)
VIEWER = Actor("viv", Role.VIEWER)
# Weekly users reaching the second stage: four weeks before the change
# shipped on 2024-02-05, three weeks from then on.
WEEKS = [
    ("2024-01-08", 800),
    ("2024-01-15", 820),
    ("2024-01-22", 780),
    ("2024-01-29", 800),
    ("2024-02-05", 900),
    ("2024-02-12", 950),
    ("2024-02-19", 1000),
]


@pytest.fixture
def setup(ws):
    return build(ws)


def approved(ws, setup, text: str, token: str = "phone-1", **fields) -> int:
    feedback_id = give(ws, setup, text, token, **fields)
    row = feedback._get(ws, feedback_id)
    feedback.moderate(ws, DEMO_EDITOR, feedback_id, row["version"], "approved")
    return feedback_id


def weekly_users(ws, setup) -> int:
    kpi_id = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)["users_at_stage"]
    for start, users in WEEKS:
        end = datetime.date.fromisoformat(start) + datetime.timedelta(days=6)
        metrics.add_measurement(
            ws,
            DEMO_EDITOR,
            Measurement(
                kpi_id=kpi_id,
                period_start=start,
                period_end=end.isoformat(),
                value=users,
                journey_id=setup.journey_id,
                stage_id=setup.stage_ids[1],
            ),
        )
    return kpi_id


def item_at(ws, setup, status_days: dict[str, str], **fields) -> dict:
    values = {"owning_agency_id": setup.owner_id, "journey_id": setup.journey_id}
    item_id = improvements.create_item(
        ws, DEMO_EDITOR, ImprovementItem("Ask for payslips once", **values, **fields)
    )
    item = improvements.get_item(ws, item_id)
    for status, day in status_days.items():
        item = improvements.change_status(
            ws, DEMO_EDITOR, item_id, item["version"], status, day
        )
    return item


SHIPPED = {
    "prioritised": "2024-01-10",
    "in progress": "2024-01-20",
    "shipped": "2024-02-05",
}


# --- items ---------------------------------------------------------------------


def test_an_item_links_its_steps_personas_kpis_and_feedback(ws, setup):
    joined_device(ws, setup)
    said = approved(ws, setup, "Asked for payslips twice")
    kpi_id = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)["completion_rate"]
    item_id = improvements.create_item(
        ws,
        DEMO_EDITOR,
        ImprovementItem(
            "Ask for payslips once",
            problem="The money stage asks twice",
            owning_agency_id=setup.owner_id,
            journey_id=setup.journey_id,
            step_ids=[setup.step_ids[1]],
            persona_ids=[setup.persona_id],
            kpi_ids=[kpi_id],
            value_score=4,
            effort_score=2,
        ),
        [said],
    )
    item = improvements.get_item(ws, item_id)
    assert (item["status"], item["owning_agency_name"]) == (
        "idea",
        "Department for Work and Pensions",
    )
    assert (item["step_ids"], item["persona_ids"], item["kpi_ids"]) == (
        [setup.step_ids[1]],
        [setup.persona_id],
        [kpi_id],
    )
    assert item["feedback_ids"] == [said]
    assert [f["id"] for f in improvements.feedback_answered(ws, item_id)] == [said]
    assert improvements.feedback_to_act_on(ws) == []


def test_only_approved_feedback_can_become_an_item(ws, setup):
    joined_device(ws, setup)
    waiting = give(ws, setup, "I'm Jo, 07700 900123: asked twice")
    with pytest.raises(JourneyError, match="is not approved yet"):
        improvements.create_item(
            ws, DEMO_EDITOR, ImprovementItem("Ask once"), [waiting]
        )
    assert improvements.list_items(ws) == []


def test_items_need_an_editor_and_valid_links(ws, setup):
    with pytest.raises(PermissionDenied, match="fran is a facilitator"):
        improvements.create_item(ws, FACILITATOR, ImprovementItem("Ask once"))
    with pytest.raises(ValidationError) as caught:
        improvements.create_item(
            ws,
            DEMO_EDITOR,
            ImprovementItem("", step_ids=[setup.step_ids[0]], value_score=6),
        )
    assert set(caught.value.problems) == {"title", "value_score"}
    with pytest.raises(ValidationError, match="need the journey they belong to"):
        improvements.create_item(
            ws, DEMO_EDITOR, ImprovementItem("Ask once", step_ids=[setup.step_ids[0]])
        )


# --- status --------------------------------------------------------------------


def test_status_moves_forward_with_dates(ws, setup):
    item = item_at(ws, setup, SHIPPED)
    assert item["status"] == "shipped"
    assert improvements.status_history(item) == [
        ("prioritised", "2024-01-10"),
        ("in progress", "2024-01-20"),
        ("shipped", "2024-02-05"),
    ]
    assert improvements.outcome_words(item) == "Shipped since 2024-02-05."


@pytest.mark.parametrize(
    ("status", "day", "message"),
    [
        ("shipped", "2024-01-05", "can move to prioritised, not doing, not to shipped"),
        ("evaluated", "2024-01-05", "Use Evaluate"),
        ("prioritised", "2999-01-01", "cannot be in the future"),
        ("prioritised", "5 Jan", "must be written YYYY-MM-DD"),
    ],
)
def test_impossible_status_changes_are_refused(ws, setup, status, day, message):
    item = item_at(ws, setup, {})
    with pytest.raises(JourneyError, match=message):
        improvements.change_status(
            ws, DEMO_EDITOR, item["id"], item["version"], status, day
        )
    assert improvements.get_item(ws, item["id"])["status"] == "idea"


def test_a_date_before_the_previous_status_is_refused(ws, setup):
    item = item_at(ws, setup, {"prioritised": "2024-01-10"})
    with pytest.raises(ValidationError, match="before the item's previous status"):
        improvements.change_status(
            ws, DEMO_EDITOR, item["id"], item["version"], "in progress", "2024-01-09"
        )


def test_moving_back_clears_the_undone_dates(ws, setup):
    item = item_at(
        ws, setup, {"prioritised": "2024-01-10", "in progress": "2024-01-20"}
    )
    item = improvements.change_status(
        ws, DEMO_EDITOR, item["id"], item["version"], "prioritised", "2024-01-21"
    )
    assert (item["prioritised_on"], item["started_on"]) == ("2024-01-21", None)


def test_not_doing_needs_the_reason_shown_to_people(ws, setup):
    item = item_at(ws, setup, {})
    with pytest.raises(ValidationError, match="reason: is required"):
        improvements.change_status(
            ws, DEMO_EDITOR, item["id"], item["version"], "not doing", "2024-01-10"
        )
    item = improvements.change_status(
        ws,
        DEMO_EDITOR,
        item["id"],
        item["version"],
        "not doing",
        "2024-01-10",
        "The payslip is a legal requirement",
    )
    assert improvements.outcome_words(item) == (
        "Not going ahead: The payslip is a legal requirement"
    )


def test_value_effort_matrix_puts_open_items_in_quadrants(ws, setup):
    for title, value, effort, status in (
        ("Quick", 5, 1, {}),
        ("Big", 4, 5, {}),
        ("Small", 1, 2, {}),
        ("Costly", 2, 4, {}),
        ("Unscored", None, None, {}),
        ("Done", 5, 1, SHIPPED),
    ):
        item_id = improvements.create_item(
            ws,
            DEMO_EDITOR,
            ImprovementItem(title, value_score=value, effort_score=effort),
        )
        if status:
            item = improvements.get_item(ws, item_id)
            for name, day in status.items():
                item = improvements.change_status(
                    ws, DEMO_EDITOR, item_id, item["version"], name, day
                )
    grouped = improvements.matrix(improvements.list_items(ws))
    assert {name: [i["title"] for i in found] for name, found in grouped.items()} == {
        "Quick wins: high value, low effort": ["Quick"],
        "Big bets: high value, high effort": ["Big"],
        "Fill-ins: low value, low effort": ["Small"],
        "Not now: low value, high effort": ["Costly"],
        "Not scored yet": ["Unscored"],
    }


# --- evaluation ----------------------------------------------------------------


def test_evaluation_uses_the_measurements_before_and_after_shipping(ws, setup):
    kpi_id = weekly_users(ws, setup)
    item = item_at(ws, setup, SHIPPED, kpi_ids=[kpi_id])
    scopes = improvements.kpi_scopes(ws, kpi_id)
    assert list(scopes.values()) == [
        "Apply for Carer's Allowance / Tell us about your money"
    ]
    scope = next(iter(scopes))
    preview = improvements.preview_evaluation(ws, item["id"], kpi_id, scope)
    assert (preview.baseline, preview.measured) == (800, 950)
    assert improvements.BeforeAfter.span(preview.before) == (
        "4 periods, 2024-01-08 to 2024-02-04"
    )
    item = improvements.evaluate(
        ws, DEMO_EDITOR, item["id"], item["version"], kpi_id, scope, 900, "keep"
    )
    assert item["status"] == "evaluated"
    assert item["evaluated_on"] == datetime.date.today().isoformat()
    assert (item["baseline"], item["target"], item["measured"]) == (800, 900, 950)
    assert item["measured_periods"] == "3 periods, 2024-02-05 to 2024-02-25"
    assert improvements.target_met(item) is True
    assert improvements.outcome_words(item) == (
        "Shipped on 2024-02-05. Users reaching a stage (Apply for Carer's "
        "Allowance / Tell us about your money) went from 800 people to 950 "
        "people (target 900 people; target met). Decision: keep."
    )


def test_evaluation_needs_a_shipped_item_a_linked_kpi_and_data(ws, setup):
    kpi_id = weekly_users(ws, setup)
    scope = next(iter(improvements.kpi_scopes(ws, kpi_id)))
    not_shipped = item_at(ws, setup, {}, kpi_ids=[kpi_id])
    with pytest.raises(JourneyError, match="only a shipped item can be evaluated"):
        improvements.evaluate(
            ws, DEMO_EDITOR, not_shipped["id"], 1, kpi_id, scope, 900, "keep"
        )
    unlinked = item_at(ws, setup, SHIPPED)
    with pytest.raises(JourneyError, match="link the KPI to the item first"):
        improvements.evaluate(
            ws,
            DEMO_EDITOR,
            unlinked["id"],
            unlinked["version"],
            kpi_id,
            scope,
            900,
            "keep",
        )
    late = item_at(
        ws,
        setup,
        {
            "prioritised": "2024-02-20",
            "in progress": "2024-02-21",
            "shipped": "2024-03-01",
        },
        kpi_ids=[kpi_id],
    )
    with pytest.raises(JourneyError, match="no measurements of this KPI, here, from"):
        improvements.evaluate(
            ws, DEMO_EDITOR, late["id"], late["version"], kpi_id, scope, 900, "iterate"
        )
    assert improvements.get_item(ws, late["id"])["status"] == "shipped"


@pytest.mark.parametrize("target", [float("nan"), float("inf"), "-inf", "nan"])
def test_a_target_that_is_not_an_ordinary_number_is_refused(ws, setup, target):
    kpi_id = weekly_users(ws, setup)
    scope = next(iter(improvements.kpi_scopes(ws, kpi_id)))
    item = item_at(ws, setup, SHIPPED, kpi_ids=[kpi_id])
    with pytest.raises(ValidationError, match="target: must be an ordinary number"):
        improvements.evaluate(
            ws, DEMO_EDITOR, item["id"], item["version"], kpi_id, scope, target, "keep"
        )
    stored = improvements.get_item(ws, item["id"])
    assert (stored["status"], stored["target"]) == ("shipped", None)


def test_a_target_that_is_not_a_number_says_so(ws, setup):
    kpi_id = weekly_users(ws, setup)
    scope = next(iter(improvements.kpi_scopes(ws, kpi_id)))
    item = item_at(ws, setup, SHIPPED, kpi_ids=[kpi_id])
    with pytest.raises(ValidationError, match="target: must be a number"):
        improvements.evaluate(
            ws, DEMO_EDITOR, item["id"], item["version"], kpi_id, scope, "lots", "keep"
        )


def test_a_kpi_without_measurements_or_scope_is_refused_in_words(ws, setup):
    kpi_id = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)["users_at_stage"]
    item = item_at(ws, setup, SHIPPED, kpi_ids=[kpi_id])
    assert improvements.kpi_scopes(ws, kpi_id) == {}
    never = "has no measurements yet, so there is nothing to compare"
    for scope in ("", "not a scope", "[]"):
        with pytest.raises(JourneyError, match=never):
            improvements.preview_evaluation(ws, item["id"], kpi_id, scope)
    with pytest.raises(JourneyError, match=never):
        improvements.evaluate(
            ws, DEMO_EDITOR, item["id"], item["version"], kpi_id, "", 900, "keep"
        )

    weekly_users(ws, setup)  # measured at the second stage only
    elsewhere = improvements.scope_key({"journey_id": setup.journey_id})
    for scope in ("", "{", elsewhere):
        with pytest.raises(JourneyError, match="is not measured there: choose one"):
            improvements.preview_evaluation(ws, item["id"], kpi_id, scope)
    assert improvements.get_item(ws, item["id"])["status"] == "shipped"


@pytest.mark.parametrize("field", ["value_score", "effort_score"])
@pytest.mark.parametrize("score", [2.5, 0.5, float("nan"), "2.5", 6, 0])
def test_a_score_must_be_a_whole_number_from_1_to_5(ws, setup, field, score):
    with pytest.raises(ValidationError, match=f"{field}: must be") as refused:
        improvements.create_item(
            ws, DEMO_EDITOR, ImprovementItem("Ask once", **{field: score})
        )
    if isinstance(score, float) and not score.is_integer():
        assert f"whole number from 1 to 5 (got {score:g})" in str(refused.value)
    item = item_at(ws, setup, {})
    with pytest.raises(ValidationError, match=f"{field}: must be"):
        improvements.update_item(
            ws,
            DEMO_EDITOR,
            item["id"],
            item["version"],
            ImprovementItem("Ask once", **{field: score}),
        )
    assert improvements.get_item(ws, item["id"])[field] is None


def test_a_whole_score_written_as_a_decimal_is_kept():
    item = ImprovementItem("Ask once", value_score=4.0, effort_score="2").validated()
    assert (item.value_score, item.effort_score) == (4, 2)


def evaluated(ws, setup, decision: str, on: str = "2024-03-01") -> dict:
    kpi_id = weekly_users(ws, setup)
    scope = next(iter(improvements.kpi_scopes(ws, kpi_id)))
    item = item_at(ws, setup, SHIPPED, kpi_ids=[kpi_id])
    return improvements.evaluate(
        ws,
        DEMO_EDITOR,
        item["id"],
        item["version"],
        kpi_id,
        scope,
        1000,
        decision,
        on=on,
    )


@pytest.mark.parametrize("decision", ["iterate", "roll back"])
def test_after_iterate_or_roll_back_an_item_goes_back_to_in_progress(
    ws, setup, decision
):
    item = evaluated(ws, setup, decision)
    assert improvements.next_statuses(item) == ("in progress",)
    item = improvements.change_status(
        ws, DEMO_EDITOR, item["id"], item["version"], "in progress", "2024-03-04"
    )
    assert item["status"] == "in progress"
    # The round before is kept: when it shipped, its evaluation and decision.
    assert improvements.status_history(item) == [
        ("prioritised", "2024-01-10"),
        ("shipped", "2024-02-05"),
        ("evaluated", "2024-03-01"),
        ("in progress", "2024-03-04"),
    ]
    assert (item["decision"], item["baseline"], item["measured"]) == (
        decision,
        800,
        950,
    )
    assert improvements.outcome_words(item) == (
        "In progress again since 2024-03-04, after the evaluation of 2024-03-01 "
        f"(decision: {decision})."
    )

    # Moving back within the new round keeps the earlier round's dates too.
    item = improvements.change_status(
        ws, DEMO_EDITOR, item["id"], item["version"], "prioritised", "2024-03-05"
    )
    assert improvements.status_history(item) == [
        ("shipped", "2024-02-05"),
        ("evaluated", "2024-03-01"),
        ("prioritised", "2024-03-05"),
    ]
    for status, day in (("in progress", "2024-03-06"), ("shipped", "2024-03-11")):
        item = improvements.change_status(
            ws, DEMO_EDITOR, item["id"], item["version"], status, day
        )
    assert item["status"] == "shipped"
    assert improvements.outcome_words(item) == "Shipped since 2024-03-11."


def test_a_new_round_cannot_start_before_the_evaluation(ws, setup):
    item = evaluated(ws, setup, "iterate")
    with pytest.raises(ValidationError, match="previous status date, 2024-03-01"):
        improvements.change_status(
            ws, DEMO_EDITOR, item["id"], item["version"], "in progress", "2024-02-20"
        )
    item = improvements.change_status(
        ws, DEMO_EDITOR, item["id"], item["version"], "in progress", "2024-03-04"
    )
    with pytest.raises(ValidationError, match="previous status date, 2024-03-04"):
        improvements.change_status(
            ws, DEMO_EDITOR, item["id"], item["version"], "shipped", "2024-03-02"
        )


@pytest.mark.parametrize("status", ["in progress", "shipped", "prioritised"])
def test_after_keep_an_evaluated_item_stays_evaluated(ws, setup, status):
    item = evaluated(ws, setup, "keep")
    assert improvements.next_statuses(item) == ()
    with pytest.raises(JourneyError, match="decision “keep”, so it stays evaluated"):
        improvements.change_status(
            ws, DEMO_EDITOR, item["id"], item["version"], status, "2024-03-04"
        )
    assert improvements.get_item(ws, item["id"])["status"] == "evaluated"


def test_after_iterate_only_in_progress_is_offered(ws, setup):
    item = evaluated(ws, setup, "iterate")
    with pytest.raises(JourneyError, match="can move to in progress, not to shipped"):
        improvements.change_status(
            ws, DEMO_EDITOR, item["id"], item["version"], "shipped", "2024-03-04"
        )


def test_rates_are_combined_from_counts_and_shown_as_percentages():
    points = [
        {"period_start": "2024-01-01", "period_end": "2024-01-31", "value": 0.5,
         "numerator": 50, "denominator": 100},
        {"period_start": "2024-02-01", "period_end": "2024-02-29", "value": 0.9,
         "numerator": 9, "denominator": 10},
        {"period_start": "2024-03-01", "period_end": "2024-03-31", "value": 0.8,
         "numerator": 80, "denominator": 100},
    ]  # fmt: skip
    result = improvements.before_and_after(points, "2024-03-01", "ratio")
    assert result.baseline == pytest.approx(59 / 110)  # not (0.5 + 0.9) / 2
    assert result.measured == pytest.approx(0.8)
    assert improvements.shown(result.baseline, "%") == "53.6%"


@pytest.mark.parametrize(
    ("direction", "measured", "met"),
    [("up", 950, True), ("up", 850, False), ("down", 850, True), ("none", 1, None)],
)
def test_target_met_follows_the_kpi_direction(direction, measured, met):
    item = {
        "evaluation_kpi_direction": direction,
        "measured": measured,
        "target": 900,
    }
    assert improvements.target_met(item) is met


# --- you said, we did ----------------------------------------------------------


def test_session_report_says_what_each_piece_led_to(ws, setup):
    token = joined_device(ws, setup)
    acted = approved(
        ws, setup, "<b>Asked</b> for payslips twice", token, contact="jo@example.org"
    )
    duplicate = give(ws, setup, "Payslips twice!", token)
    row = feedback._get(ws, duplicate)
    feedback.merge(ws, DEMO_EDITOR, duplicate, row["version"], acted)
    declined = approved(ws, setup, "Make it a paper form only", token)
    row = feedback._get(ws, declined)
    feedback.set_why_not(
        ws, DEMO_EDITOR, declined, row["version"], "Most carers apply online"
    )
    open_ = approved(ws, setup, "The page timed out", token)
    give(ws, setup, "Not moderated yet: I'm Jo Bloggs", token)
    kpi_id = weekly_users(ws, setup)
    item = item_at(ws, setup, SHIPPED, kpi_ids=[kpi_id])
    improvements.link_feedback(ws, DEMO_EDITOR, item["id"], [acted])
    scope = next(iter(improvements.kpi_scopes(ws, kpi_id)))
    item = improvements.get_item(ws, item["id"])
    improvements.evaluate(
        ws, DEMO_EDITOR, item["id"], item["version"], kpi_id, scope, 1000, "iterate"
    )

    report = you_said.session_report(ws, setup.session_id)
    assert report.title == "Carers' evening"
    assert report.subtitle == (
        "Consultation session on 2025-03-04 at 18:30, Central Library"
    )
    assert [(e.feedback_id, e.outcome) for e in report.entries] == [
        (acted, "acted"),
        (declined, "not acted"),
        (open_, "undecided"),
    ]
    first = report.entries[0]
    assert first.also_said_by == 1
    assert first.led_to == [
        (
            "Ask for payslips once",
            "Shipped on 2024-02-05. Users reaching a stage (Apply for Carer's "
            "Allowance / Tell us about your money) went from 800 people to 950 "
            "people (target 1,000 people; target not met). Decision: iterate.",
        )
    ]
    assert report.entries[1].why_not == "Most carers apply online"
    page = you_said.report_html(report)
    assert "&lt;b&gt;Asked&lt;/b&gt; for payslips twice" in page
    assert "<b>Asked" not in page
    assert "jo@example.org" not in page and "Jo Bloggs" not in page
    assert "1 other person said much the same" in page
    assert "Most carers apply online" in page
    assert "Nothing decided yet" in page
    assert (
        "<strong>3</strong> pieces of feedback: <strong>1</strong> led to a change, "
        "<strong>1</strong> was not acted on (with the reason), <strong>1</strong> "
        "is still being considered."
    ) in page
    assert journey_entries(ws, setup) == [acted, declined, open_]


@pytest.mark.parametrize(
    ("outcomes", "summary"),
    [
        (
            ["not acted"],
            "<strong>1</strong> piece of feedback: <strong>0</strong> led to a "
            "change, <strong>1</strong> was not acted on (with the reason), "
            "<strong>0</strong> are still being considered.",
        ),
        (
            ["not acted", "not acted", "undecided", "acted"],
            "<strong>4</strong> pieces of feedback: <strong>1</strong> led to a "
            "change, <strong>2</strong> were not acted on (with the reason), "
            "<strong>1</strong> is still being considered.",
        ),
        (
            [],
            "<strong>0</strong> pieces of feedback: <strong>0</strong> led to a "
            "change, <strong>0</strong> were not acted on (with the reason), "
            "<strong>0</strong> are still being considered.",
        ),
    ],
)
def test_the_report_summary_agrees_with_its_counts(outcomes, summary):
    entries = [
        you_said.ReportEntry(
            number,
            "Said",
            "",
            "Evening",
            "online",
            led_to=[("Item", "Shipped.")] if outcome == "acted" else [],
            why_not="Legal" if outcome == "not acted" else None,
        )
        for number, outcome in enumerate(outcomes)
    ]
    report = you_said.Report("session", "Evening", "", entries)
    assert [e.outcome for e in entries] == outcomes
    assert f"<p>{summary}</p>" in you_said.report_html(report)


def test_the_journey_report_keeps_feedback_given_without_a_place(ws, setup):
    # "Something else, or not sure": no stage, no journey, but the session
    # was about this journey, so its report must still answer it.
    token = joined_device(ws, setup)
    placed = approved(ws, setup, "Asked for payslips twice", token)
    entry = sessions.FeedbackEntry(what_happened="The whole claim took months")
    loose = sessions.submit_feedback(
        ws, sessions.PARTICIPANT, setup.session_id, entry, token, now=NOW
    )
    row = feedback._get(ws, loose)
    feedback.moderate(ws, DEMO_EDITOR, loose, row["version"], "approved")
    assert row["journey_id"] is None
    assert journey_entries(ws, setup) == [placed, loose]


def journey_entries(ws, setup) -> list[int]:
    report = you_said.journey_report(ws, setup.journey_id)
    return [e.feedback_id for e in report.entries]


def test_shared_links_open_the_report_until_withdrawn(ws, setup):
    token = joined_device(ws, setup)
    approved(ws, setup, "Asked for payslips twice", token)
    with pytest.raises(PermissionDenied, match="viv is a viewer"):
        you_said.create_share(ws, VIEWER, "session", setup.session_id)
    link = you_said.create_share(ws, FACILITATOR, "session", setup.session_id)
    assert len(link) >= 24
    shared = you_said.shared_report(ws, link)
    assert [e.said for e in shared.entries] == ["Asked for payslips twice"]
    assert [s["token"] for s in you_said.shares(ws, "session", setup.session_id)] == [
        link
    ]
    you_said.revoke_share(ws, FACILITATOR, link)
    for guess in (link, link[:-1] + "x", "", None, "x" * 500):
        with pytest.raises(NotFound, match="does not open a report"):
            you_said.shared_report(ws, guess)


def test_a_report_link_for_a_missing_target_cannot_be_made(ws, setup):
    with pytest.raises(NotFound):
        you_said.create_share(ws, FACILITATOR, "session", 999)
    with pytest.raises(NotFound):
        you_said.create_share(ws, FACILITATOR, "persona", setup.persona_id)
    sessions.get_session(ws, setup.session_id)  # the real one is still there
