"""The Improvements page with AppTest: messages quote typed titles escaped,
refusals are escaped, and an item evaluated "iterate" goes back to work."""

import datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_pages.shared import md
from journeys import improvements, maps, metrics
from journeys.access import DEMO_EDITOR
from journeys.improvements import ImprovementItem
from journeys.models import Measurement
from journeys.workspace import Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CARERS = "Apply for Carer's Allowance"
TITLE = "Fix ![t](http://example.invalid/title.png) :red[now] **twice**"


def improvements_page(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app_pages/improvements.py")
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def test_messages_quote_a_typed_title_escaped(demo_db):
    at = improvements_page()
    at.text_input(key="item-new-0-title").set_value(TITLE)
    at.button(key="FormSubmitter:item-new-0-Add").click()
    run(at)
    assert [s.value for s in at.success] == [f"Added the improvement item {md(TITLE)}."]
    with Workspace.open(demo_db) as ws:
        [item] = [i for i in improvements.list_items(ws) if i["title"] == TITLE]
    key = f"item-{item['id']}-v{item['version']}"
    at.selectbox(key=f"{key}-status-to").set_value("prioritised")
    at.text_input(key=f"{key}-status-on").set_value("2024-01-10")
    at.button(key=f"FormSubmitter:{key}-status-Change status").click()
    run(at)
    assert [s.value for s in at.success] == [f"{md(TITLE)} is now prioritised."]


def test_a_refusal_is_shown_escaped():
    def script():
        import streamlit as st

        from app_pages import shared
        from journeys.errors import JourneyError

        def refuse():
            raise JourneyError("No ![x](http://example.invalid/x.png) :red[here]")

        st.session_state["result"] = shared.attempt(refuse) is shared.FAILED

    at = AppTest.from_function(script, default_timeout=30)
    run(at)
    assert at.session_state["result"] is True
    assert [e.value for e in at.error] == [
        md("No ![x](http://example.invalid/x.png) :red[here]")
    ]


def _evaluated_item(path: Path, decision: str) -> dict:
    """An item with the title `TITLE`, shipped on 2020-02-03 and evaluated
    with ``decision`` against weekly users of the Carer's Allowance journey."""
    with Workspace.open(path) as ws:
        journey = maps.find_journey(ws, CARERS)
        kpi_id = metrics.ensure_standard_kpis(ws, DEMO_EDITOR)["users_at_stage"]
        for week, users in enumerate((800, 820, 900, 950)):
            start = datetime.date(2020, 1, 20) + datetime.timedelta(weeks=week)
            metrics.add_measurement(
                ws,
                DEMO_EDITOR,
                Measurement(
                    kpi_id=kpi_id,
                    period_start=start.isoformat(),
                    period_end=(start + datetime.timedelta(days=6)).isoformat(),
                    value=users,
                    journey_id=journey,
                    segment="test",
                ),
            )
        item_id = improvements.create_item(
            ws,
            DEMO_EDITOR,
            ImprovementItem(TITLE, journey_id=journey, kpi_ids=[kpi_id]),
        )
        item = improvements.get_item(ws, item_id)
        for status, day in (
            ("prioritised", "2020-01-06"),
            ("in progress", "2020-01-13"),
            ("shipped", "2020-02-03"),
        ):
            item = improvements.change_status(
                ws, DEMO_EDITOR, item_id, item["version"], status, day
            )
        scope = improvements.scope_key({"journey_id": journey, "segment": "test"})
        return improvements.evaluate(
            ws,
            DEMO_EDITOR,
            item_id,
            item["version"],
            kpi_id,
            scope,
            900,
            decision,
            on="2020-03-02",
        )


def test_an_item_evaluated_iterate_goes_back_to_in_progress(demo_db):
    item = _evaluated_item(demo_db, "iterate")
    at = improvements_page(current_item_id=item["id"])
    key = f"item-{item['id']}-v{item['version']}"
    moves = at.selectbox(key=f"{key}-status-to")
    assert moves.options == ["in progress"]
    at.text_input(key=f"{key}-status-on").set_value("2020-03-09")
    at.button(key=f"FormSubmitter:{key}-status-Change status").click()
    run(at)
    assert [s.value for s in at.success] == [f"{md(TITLE)} is now in progress."]
    with Workspace.open(demo_db) as ws:
        saved = improvements.get_item(ws, item["id"])
    assert (saved["status"], saved["shipped_on"], saved["evaluated_on"]) == (
        "in progress",
        "2020-02-03",
        "2020-03-02",
    )
    assert "In progress again since 2020-03-09" in "\n".join(
        e.value for e in at.get("html")
    )


def test_an_item_evaluated_keep_offers_no_move(demo_db):
    item = _evaluated_item(demo_db, "keep")
    at = improvements_page(current_item_id=item["id"])
    key = f"item-{item['id']}-v{item['version']}"
    assert f"{key}-status-to" not in [s.key for s in at.selectbox]
