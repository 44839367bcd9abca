"""The Agency graph page on the demo workspace, run headlessly with AppTest."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.shared import md
from journeys import agencies, maps
from journeys.workspace import Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DIVORCE = "Get a divorce"
PAGE = "app_pages/agency_graph.py"


@pytest.fixture
def app(demo_db) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def agency_id(name: str) -> int:
    with Workspace.open() as ws:
        return next(a["id"] for a in agencies.list_agencies(ws) if a["name"] == name)


def table(at, title_column: str, value: str):
    for element in at.dataframe:
        data = element.value
        if title_column in data.columns and value in set(data[title_column]):
            return data[data[title_column] == value].iloc[0].to_dict()
    raise AssertionError(f"no table with {title_column} = {value!r}")


def iframe_html(at) -> str:
    (element,) = at.get("iframe")
    return element.proto.srcdoc


def test_divorce_hand_offs_are_counted_and_routed(app):
    row = table(app, "Journey", DIVORCE)
    # Get a divorce: "Get support and advice" has three steps owned, in order,
    # by relate.org.uk, counselling-directory.org.uk and samaritans.org: two
    # changes of owner, so two hand-offs.
    assert row["Hand-offs"] == 2
    assert row["Agencies met, in order"] == (
        "relate.org.uk → counselling-directory.org.uk → samaritans.org"
    )
    pair = table(app, "From agency", "relate.org.uk")
    assert (pair["To agency"], pair["Hand-offs"]) == ("counselling-directory.org.uk", 1)


def test_picture_is_offline_and_shows_agencies(app):
    page = iframe_html(app)
    assert "samaritans.org" in page
    assert re.findall(r'(?:src|href)="https?://', page) == []
    assert 'src="lib/' not in page


def test_a_picture_that_cannot_be_drawn_leaves_the_rest_of_the_page(
    demo_db, monkeypatch
):
    from journeys import graph_html

    def refuse(*args, **kwargs):
        raise graph_html.OfflineViolation("the graph page refers to another host")

    monkeypatch.setattr(graph_html, "render_graph_html", refuse)
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert any("could not be drawn" in e.value for e in at.error)
    assert at.get("iframe") == []
    assert table(at, "Journey", DIVORCE)["Hand-offs"] == 2


def test_unowned_steps_are_listed(app):
    row = table(app, "Step", "1.1 Check what age you can drive")
    assert row["Journey"] == "Learn to drive a car"


def test_focus_on_one_agency_keeps_its_neighbours_only(app):
    focus = agency_id("counselling-directory.org.uk")
    app.selectbox(key="graph_focus").set_value(focus).run()
    assert not app.exception
    page = iframe_html(app)
    assert "relate.org.uk" in page and "samaritans.org" in page
    assert "Department for Transport" not in page


@pytest.mark.parametrize("journey", ["Learn to drive a car", DIVORCE])
def test_chain_follows_the_chosen_journey(app, journey):
    with Workspace.open() as ws:
        chosen = maps.find_journey(ws, journey)
    app.selectbox(key="graph_chain_journey").set_value(chosen).run()
    assert not app.exception
    chain = app.table[-1].value
    if journey == DIVORCE:
        # Shown escaped for Markdown, as typed names are.
        assert list(chain["Owning agency"]) == [
            md("relate.org.uk"),
            md("counselling-directory.org.uk"),
            md("samaritans.org"),
            "No owning agency",
        ]
    else:
        assert md("safedrivingforlife.info") in set(chain["Owning agency"])
