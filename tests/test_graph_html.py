"""The agency graph page: offline, escaped, laid out on the server when large."""

import json
import re
from pathlib import Path

import pytest

from bench.workspaces import build_synthetic
from journeys import graph_html, network
from tests.network_fixture import build_fixture

EVIL_AGENCY = "<img src=x onerror=alert(1)>"
EVIL_JOURNEY = "<script>alert('h')</script>"
EVIL_STEP = "see href <img src=x onerror=alert(3)>"


@pytest.fixture
def fx(ws):
    return build_fixture(ws)


@pytest.fixture
def evil(ws):
    """The fixture with an agency, a journey and a step named to attack."""
    from journeys import maps, stages
    from journeys.access import DEMO_EDITOR

    fixture = build_fixture(ws, {"Alpha": EVIL_AGENCY})
    journey_id = fixture.journey["Register a birth"]
    current = maps.load_journey_map(ws, journey_id).journey
    maps.rename_journey(ws, DEMO_EDITOR, journey_id, current["version"], EVIL_JOURNEY)
    step = stages.get_step(ws, fixture.step["RB 1.1"])
    edited = stages.step_from_row(step)
    edited.action = EVIL_STEP
    stages.update_step(ws, DEMO_EDITOR, step["id"], step["version"], edited)
    return fixture


def vis_data(page: str, name: str) -> list[dict]:
    """The nodes or edges handed to vis.DataSet, as JSON."""
    found = re.search(rf"{name} = new vis\.DataSet\((\[.*?\])\);", page, re.S)
    return json.loads(found.group(1))


def vis_options(page: str) -> dict:
    found = re.search(r"var options = (\{.*?\});\n", page, re.S)
    return json.loads(found.group(1))


def test_page_loads_nothing_from_another_host(ws, fx):
    for threshold in (graph_html.LAYOUT_THRESHOLD, 5):  # physics, then positioned
        page = graph_html.render_graph_html(
            network.build_network(ws), threshold=threshold
        )
        assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page) == []
        assert re.findall(r"""(?:src|href)\s*=\s*["']?lib/""", page) == []
        assert "cdn.jsdelivr.net" not in page and "cdnjs" not in page
        assert "default-src 'none'" in page and "connect-src 'none'" in page
        # vis-network itself is inline.
        assert "vis.Network" in page and len(page) > 500_000


def test_offline_check_catches_a_foreign_script():
    with pytest.raises(graph_html.OfflineViolation):
        graph_html.check_offline('<script src="https://cdn.example/x.js"></script>')
    with pytest.raises(graph_html.OfflineViolation):
        graph_html.check_offline('<link href="//cdn.example/x.css">')
    with pytest.raises(graph_html.OfflineViolation):
        graph_html.check_offline('<script src="lib/bindings/utils.js"></script>')
    graph_html.check_offline('<a title="see https://example.org">text</a>')
    for markup in (
        "<img src='//cdn.example/x.png'>",
        '<video poster="https://cdn.example/x.jpg">',
        "<object data=//share/folder></object>",
        '<form action = "http://example.org/post">',
        "<link href=lib/x.css>",
    ):
        with pytest.raises(graph_html.OfflineViolation):
            graph_html.check_offline(markup)


HOSTILE_NAMES = [
    "Read data=//share/folder",
    "href=https://www.gov.uk",
    "poster=//x",
    "src=lib/x",
    "<img src=http://example.org/x.png> \"Agency\" & 'co' `x`",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_typed_text_that_looks_like_an_address_is_harmless(ws, name):
    from journeys import maps, stages
    from journeys.access import DEMO_EDITOR

    fixture = build_fixture(ws, {"Alpha": name})
    step = stages.get_step(ws, fixture.step["RB 1.1"])
    edited = stages.step_from_row(step)
    edited.action = name
    stages.update_step(ws, DEMO_EDITOR, step["id"], step["version"], edited)
    journey_id = fixture.journey["Move house"]
    current = maps.load_journey_map(ws, journey_id).journey
    maps.rename_journey(ws, DEMO_EDITOR, journey_id, current["version"], name)
    for threshold in (graph_html.LAYOUT_THRESHOLD, 5):  # physics, then positioned
        graph_html.clear_cache()
        page = graph_html.render_graph_html(
            network.build_network(ws), threshold=threshold
        )
        graph_html.check_offline(page)  # render_graph_html checked it too
        for block in re.findall(r"new vis\.DataSet\((\[.*?\])\);", page, re.S):
            assert not re.search(r"""[<>&='/`]""", block)
        nodes = {n["id"]: n for n in vis_data(page, "nodes")}
        assert nodes[f"agency:{fixture.agency['Alpha']}"]["title"].startswith(
            name + "\n"
        )
        assert nodes[f"journey:{journey_id}"]["title"].startswith(name + "\n")
        step_title = nodes[f"step:{fixture.step['RB 1.1']}"]["title"]
        assert step_title.split("\n")[0].endswith(" " + name)
        if len(name) <= graph_html.CROWDED_LABEL_MAX:
            assert nodes[f"agency:{fixture.agency['Alpha']}"]["label"] == name


def test_inert_json_means_the_same():
    value = {
        "a=b/c": ['x\\"y', "ends in \\", "<&>'\"=/`", "Agência", 1, None, True],
        "": [],
    }
    text = graph_html.inert_json(value, sort_keys=True, separators=(",", ":"))
    assert json.loads(text) == value
    assert not re.search(r"""[<>&='/`]""", text)
    # The only bare quotes left are the ones around strings.
    assert text.count('"') == 2 * 6  # six strings, keys included


def test_typed_text_is_never_markup(ws, evil):
    for threshold in (graph_html.LAYOUT_THRESHOLD, 5):
        page = graph_html.render_graph_html(
            network.build_network(ws), threshold=threshold
        )
        data = re.findall(r"new vis\.DataSet\((\[.*?\])\);", page, re.S)
        outside = re.sub(r"new vis\.DataSet\(\[.*?\]\);", "", page, flags=re.S)
        for raw in ("<img src=x", "<script>alert", "onerror=alert", "<h1>"):
            assert raw not in outside
        # Inside the data, "<" is only ever written as \u003c.
        assert len(data) == 2 and all("<" not in block for block in data)
        # pyvis's innerHTML tooltip (used when a title holds "href") is absent.
        assert "popup.innerHTML" not in page
        labels = {n["id"]: n["label"] for n in vis_data(page, "nodes")}
        assert labels[f"agency:{evil.agency['Alpha']}"] == EVIL_AGENCY
        assert labels[f"journey:{evil.journey['Register a birth']}"] == EVIL_JOURNEY
        assert "\\u003cimg src\\u003dx onerror\\u003dalert(1)\\u003e" in page


def test_node_ids_are_opaque(ws, evil):
    page = graph_html.render_graph_html(network.build_network(ws))
    ids = [n["id"] for n in vis_data(page, "nodes")]
    assert len(ids) == 20
    assert all(re.fullmatch(r"(agency|journey|step|service):\d+", i) for i in ids)
    assert all(
        re.fullmatch(r"(agency|journey|step|service):\d+", e[end])
        for e in vis_data(page, "edges")
        for end in ("from", "to")
    )


def test_small_graph_settles_with_short_physics_then_stops(ws, fx):
    page = graph_html.render_graph_html(network.build_network(ws))
    options = vis_options(page)
    assert options["physics"]["enabled"] is True
    assert options["physics"]["stabilization"]["iterations"] == 200
    assert "network.setOptions({physics: {enabled: false}})" in page
    assert all("x" not in n for n in vis_data(page, "nodes"))


def test_above_the_threshold_positions_come_from_the_server(ws):
    # 320 steps in 20 journeys, 15 agencies: 355 nodes, above 300.
    build_synthetic(ws, steps=320, journeys=20, agency_count=15, persona_count=5)
    graph = network.build_network(ws)
    assert graph.number_of_nodes() == 355
    page = graph_html.render_graph_html(graph)
    options = vis_options(page)
    assert options["physics"] == {"enabled": False}
    assert options["layout"]["improvedLayout"] is False
    nodes = vis_data(page, "nodes")
    assert len(nodes) == 355
    assert all(
        isinstance(n["x"], int | float) and isinstance(n["y"], int | float)
        for n in nodes
    )
    assert "stabilizationIterationsDone" not in page.split("function drawGraph")[1]


def test_server_layout_follows_the_journeys(ws, fx):
    # Journeys by title: Move house, Register a birth, Start a business, one
    # row each, ROW_GAP (90) apart. The longest has 5 steps, so a row is
    # (5 + 2) x STEP_GAP (120) = 840 wide and one column holds all three
    # (round(sqrt(3 x 90 x 2 / 840)) = 1). Steps follow their journey at
    # 120, 240, ...
    positions = graph_html.server_layout(network.build_network(ws))
    assert positions[f"journey:{fx.journey['Move house']}"] == (0.0, 0.0)
    assert positions[f"step:{fx.step['MH 2.3']}"] == (600.0, 0.0)
    assert positions[f"journey:{fx.journey['Start a business']}"] == (0.0, 180.0)
    assert positions[f"step:{fx.step['SB 1.1']}"] == (120.0, 180.0)
    # Agencies sit in 180-wide cells in bands above, ordered by the mean x of
    # the steps they own or support: Alpha 120; Echo 240 (RB 1.2); Cedar
    # (480 + 240 + 120 + 360) / 4 = 300; Beta (240 + 600 + 120) / 3 = 320;
    # Delta 360; Foxtrot none. Four fit in 840; bands 180 high; the bands end
    # ROW_GAP above the journeys: top = 2 x 180 + 90 = 450.
    agency_at = {k: positions[f"agency:{v}"] for k, v in fx.agency.items()}
    assert agency_at == {
        "Alpha": (90.0, -360.0),
        "Echo": (270.0, -360.0),
        "Cedar": (450.0, -360.0),
        "Beta": (630.0, -360.0),
        "Delta": (90.0, -180.0),
        "Foxtrot": (270.0, -180.0),
    }


def test_html_is_cached_by_content(ws, fx):
    graph_html.clear_cache()
    graph = network.build_network(ws)
    first = graph_html.render_graph_html(graph)
    assert graph_html.render_graph_html(network.build_network(ws)) is first
    focused = network.focus(graph, fx.agency["Delta"])
    assert graph_html.render_graph_html(focused) is not first


def test_names_in_other_scripts_survive(ws):
    from journeys import agencies
    from journeys.access import DEMO_EDITOR
    from journeys.models import Agency

    agencies.create_agency(ws, DEMO_EDITOR, Agency("Agência Tributária"))
    page = graph_html.render_graph_html(network.build_network(ws))
    again = page.encode("utf-8").decode("utf-8")
    assert [n["label"] for n in vis_data(again, "nodes")] == ["Agência Tributária"]


def test_tables_hold_the_same_facts(ws, fx):
    tables = graph_html.graph_tables(network.build_network(ws))
    assert list(tables) == [
        "Hand-offs per journey",
        "Agency pairs by hand-offs",
        "Steps with no owning agency",
        "Agencies by centrality",
        "Groups of agencies that work together",
    ]
    assert tables["Hand-offs per journey"][0] == {
        "Journey": "Move house",
        "Hand-offs": 3,
        "Agencies met, in order": "Alpha Agency → Beta Board → Cedar Council → "
        "Beta Board",
        "Steps": 5,
        "Steps with no owner": 1,
        "Owning agencies": 3,
    }
    assert tables["Agencies by centrality"][0]["Agency"] == "Cedar Council"
    assert tables["Agencies by centrality"][0]["Betweenness"] == 0.5
    assert [r["Step"] for r in tables["Steps with no owning agency"]] == [
        "2.1 Pack",
        "1.4 Celebrate",
    ]
    assert tables["Groups of agencies that work together"][1]["Agencies"] == (
        "Alpha Agency, Beta Board"
    )


@pytest.mark.browser
@pytest.mark.parametrize("threshold", [graph_html.LAYOUT_THRESHOLD, 5])
def test_in_chromium_names_are_text_and_nothing_leaves(ws, evil, tmp_path, threshold):
    from bench.browser import PROBE, chromium

    path = tmp_path / "graph.html"
    page_html = graph_html.render_graph_html(
        network.build_network(ws), threshold=threshold
    )
    path.write_text(page_html, encoding="utf-8")
    requests, errors = [], []
    with chromium() as browser:
        context = browser.new_context(offline=True)
        context.add_init_script(PROBE)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "console",
            lambda m: errors.append(m.text) if m.type in ("error", "warning") else None,
        )
        page.goto(Path(path).as_uri())
        page.wait_for_function("() => window.__still.firstDrawAt !== null")
        loaded = page.evaluate(
            "() => document.querySelectorAll('img, script[src], link[href]').length"
        )
        label = page.evaluate(
            "id => network.body.data.nodes.get(id).label",
            f"agency:{evil.agency['Alpha']}",
        )
        context.close()
    assert loaded == 0  # no image element was made from the name
    assert label == EVIL_AGENCY
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
