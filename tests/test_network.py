"""The agency graph on a small workspace, every figure worked out by hand.

The workspace is described in tests/network_fixture.py. Its hand-offs (a
change of owning agency between consecutive owned steps; "2.1 Pack" has no
owner and is passed over):

    Move house (Priya, Quentin):  Alpha -> Beta @1.2, Beta -> Cedar @2.2,
                                  Cedar -> Beta @2.3                    (3)
    Start a business (Quentin, Rosa): Beta -> Cedar @1.2,
                                  Cedar -> Delta @1.3                   (2)
    Register a birth (nobody):    Cedar -> Echo @1.2                    (1)

So the directed pairs are Beta->Cedar 2 hand-offs in 2 journeys for 3
personas (Priya, Quentin, Rosa); Alpha->Beta, Cedar->Beta and Cedar->Delta 1
in 1 for 2; Cedar->Echo 1 in 1 for 0.

The agency projection links Alpha-Beta (weight 1), Beta-Cedar (2 + 1 = 3),
Cedar-Delta (1 hand-off + 1 step Delta owns and Cedar supports = 2) and
Cedar-Echo (1); Foxtrot has no link. It is a tree:

    Alpha - Beta - Cedar - Delta
                     |
                    Echo         Foxtrot

Degrees: Cedar 3, Beta 2, Alpha, Delta and Echo 1, Foxtrot 0.
Betweenness (shortest paths between two other agencies through this one):
Beta lies on Alpha-Cedar, Alpha-Delta, Alpha-Echo = 3; Cedar on Alpha-Delta,
Alpha-Echo, Beta-Delta, Beta-Echo, Delta-Echo = 5. Normalised for an
undirected graph of n = 6 agencies: divide by (n-1)(n-2)/2 = 10, so Cedar 0.5,
Beta 0.3, the others 0.
"""

import pytest

from journeys import network, services
from journeys.access import DEMO_EDITOR
from journeys.graph import NO_OWNER, ChainLink
from journeys.models import AgencyRelation, Service
from journeys.network import AgencyPair, Community, JourneyHandoffs, NetworkFilter
from tests.network_fixture import build_fixture


@pytest.fixture
def fx(ws):
    return build_fixture(ws)


def names(graph, kind):
    return sorted(d["label"] for _, d in graph.nodes(data=True) if d["kind"] == kind)


def test_nodes_have_opaque_ids_and_edges_their_kind(ws, fx):
    graph = network.build_network(ws)
    # 6 agencies + 3 journeys + 11 steps.
    assert graph.number_of_nodes() == 20
    assert network.node_id("agency", fx.agency["Alpha"]) == (
        f"agency:{fx.agency['Alpha']}"
    )
    assert all(
        node.split(":")[0] in network.NODE_KINDS and node.split(":")[1].isdigit()
        for node in graph.nodes
    )
    kinds = {}
    for _, _, data in graph.edges(data=True):
        kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
    # 11 steps belong to a journey; 9 have an owner; 1 is supported; 5 pairs.
    assert kinds == {"belongs to": 11, "owns": 9, "supports": 1, "hand-off": 5}
    step = graph.nodes[network.node_id("step", fx.step["MH 2.2"])]
    assert (step["number"], step["order"], step["channel"]) == ("2.2", 4, "phone")


def test_handoff_edges_are_weighted_by_journeys_and_personas(ws, fx):
    graph = network.build_network(ws)
    beta, cedar = (network.node_id("agency", fx.agency[k]) for k in ("Beta", "Cedar"))
    edge = graph.edges[beta, cedar]
    assert edge["handoffs"] == 2
    assert edge["journey_ids"] == tuple(
        sorted((fx.journey["Move house"], fx.journey["Start a business"]))
    )
    assert (edge["journeys"], edge["personas"], edge["weight"]) == (2, 3, 2)
    back = graph.edges[cedar, beta]
    assert (back["handoffs"], back["journeys"], back["personas"]) == (1, 1, 2)


def test_handoffs_per_journey(ws, fx):
    found = network.handoffs_per_journey(network.build_network(ws))
    assert found == [
        JourneyHandoffs(
            fx.journey["Move house"],
            "Move house",
            steps=5,
            unowned_steps=1,
            agencies=3,
            handoffs=3,
            route=("Alpha Agency", "Beta Board", "Cedar Council", "Beta Board"),
        ),
        JourneyHandoffs(
            fx.journey["Start a business"],
            "Start a business",
            steps=4,
            unowned_steps=1,
            agencies=3,
            handoffs=2,
            route=("Beta Board", "Cedar Council", "Delta Department"),
        ),
        JourneyHandoffs(
            fx.journey["Register a birth"],
            "Register a birth",
            steps=2,
            unowned_steps=0,
            agencies=2,
            handoffs=1,
            route=("Cedar Council", "Echo Office"),
        ),
    ]


def test_agency_pairs_with_most_handoffs(ws, fx):
    pairs = network.top_agency_pairs(network.build_network(ws))
    # Beta->Cedar first (2); the four pairs with 1 hand-off in 1 journey are
    # ordered by personas (Cedar->Echo has none, so last), then by names.
    assert [(p.from_agency, p.to_agency, p.handoffs, p.journeys, p.personas)
            for p in pairs] == [
        ("Beta Board", "Cedar Council", 2, 2, 3),
        ("Alpha Agency", "Beta Board", 1, 1, 2),
        ("Cedar Council", "Beta Board", 1, 1, 2),
        ("Cedar Council", "Delta Department", 1, 1, 2),
        ("Cedar Council", "Echo Office", 1, 1, 0),
    ]  # fmt: skip
    assert pairs[0].journey_titles == ("Move house", "Start a business")
    assert network.top_agency_pairs(network.build_network(ws), limit=1) == pairs[:1]


def test_steps_with_no_owner(ws, fx):
    found = network.unowned_steps(network.build_network(ws))
    assert [(s.journey, s.step, s.channel, s.step_id) for s in found] == [
        ("Move house", "2.1 Pack", "other", fx.step["MH 2.1"]),
        ("Start a business", "1.4 Celebrate", "other", fx.step["SB 1.4"]),
    ]


def test_degree_and_betweenness_ranks(ws, fx):
    ranks = network.agency_ranks(network.build_network(ws))
    assert [
        (r.agency, r.partners, r.degree_rank, r.betweenness, r.betweenness_rank)
        for r in ranks
    ] == [
        ("Cedar Council", 3, 1, 0.5, 1),
        ("Beta Board", 2, 2, 0.3, 2),
        ("Alpha Agency", 1, 3, 0.0, 3),
        ("Delta Department", 1, 3, 0.0, 3),
        ("Echo Office", 1, 3, 0.0, 3),
        ("Foxtrot Fund", 0, 6, 0.0, 3),
    ]
    cedar = ranks[0]
    # Out: Cedar->Beta, ->Delta, ->Echo; in: Beta->Cedar twice. Owns MH 2.2,
    # SB 1.2, RB 1.1; supports SB 1.3.
    assert (cedar.handoffs_out, cedar.handoffs_in) == (3, 2)
    assert (cedar.owned_steps, cedar.supported_steps) == (3, 1)


def test_communities_are_the_two_halves_of_the_tree(ws, fx):
    # Total weight m = 1 + 3 + 2 + 1 = 7; weighted degrees Alpha 1, Beta 4,
    # Cedar 6, Delta 2, Echo 1. Modularity Q = sum(L_c/m - (d_c/2m)^2):
    #   {Alpha, Beta} {Cedar, Delta, Echo}: 1/7 - (5/14)^2 + 3/7 - (9/14)^2 = 0.031
    #   all in one group: 0; {Alpha} {Beta..Echo}: -0.010;
    #   {Alpha, Beta} {Cedar, Delta} {Echo}: -0.031.
    # The best split is the first; Foxtrot, alone, is no group.
    graph = network.build_network(ws)
    assert network.communities(graph) == [
        Community(
            1,
            (fx.agency["Cedar"], fx.agency["Delta"], fx.agency["Echo"]),
            ("Cedar Council", "Delta Department", "Echo Office"),
            links=2,
        ),
        Community(
            2,
            (fx.agency["Alpha"], fx.agency["Beta"]),
            ("Alpha Agency", "Beta Board"),
            links=1,
        ),
    ]
    groups = {r.agency: r.group for r in network.agency_ranks(graph)}
    assert groups["Beta Board"] == 2 and groups["Foxtrot Fund"] is None


def test_chain_of_agencies_for_one_journey(ws, fx):
    chain = network.journey_chain(ws, fx.journey["Move house"])
    assert chain == [
        ChainLink(1, "Alpha Agency", "1.1 Check council tax band", "1.1 Check "
                  "council tax band", 1),
        ChainLink(2, "Beta Board", "1.2 Tell the board", "1.2 Tell the board", 1),
        ChainLink(3, NO_OWNER, "2.1 Pack", "2.1 Pack", 1),
        ChainLink(4, "Cedar Council", "2.2 Register with the council",
                  "2.2 Register with the council", 1),
        ChainLink(5, "Beta Board", "2.3 Update the board record",
                  "2.3 Update the board record", 1),
    ]  # fmt: skip


def test_summary_sentences_say_the_same_facts(ws, fx):
    assert network.summary_sentences(network.build_network(ws)) == [
        "The graph shows 6 agencies, 3 journeys, 11 steps and 0 services.",
        "2 of 11 steps have no owning agency.",
        "Citizens are handed from one agency to another 6 times, between 5 pairs "
        "of agencies, in 3 journeys.",
        "The most frequent hand-off is from Beta Board to Cedar Council: 2 times "
        "in 2 journeys, for 3 personas.",
        "Move house: Alpha Agency to Beta Board to Cedar Council to Beta Board "
        "(3 hand-offs).",
        "Start a business: Beta Board to Cedar Council to Delta Department "
        "(2 hand-offs).",
        "Register a birth: Cedar Council to Echo Office (1 hand-off).",
        "Cedar Council works with the most agencies (3 partners).",
        "Cedar Council most often links agencies that have no direct link "
        "(betweenness 0.50).",
        "2 groups of agencies work together; the largest is Cedar Council, "
        "Delta Department, Echo Office.",
    ]


def test_persona_filter_keeps_the_journeys_about_that_persona(ws, fx):
    graph = network.build_network(ws, NetworkFilter(persona_id=fx.persona["Rosa"]))
    assert names(graph, "journey") == ["Start a business"]
    assert names(graph, "agency") == ["Beta Board", "Cedar Council", "Delta Department"]
    pairs = network.top_agency_pairs(graph)
    assert [(p.from_agency, p.to_agency, p.handoffs, p.personas) for p in pairs] == [
        ("Beta Board", "Cedar Council", 1, 2),
        ("Cedar Council", "Delta Department", 1, 2),
    ]
    # Quentin is in two journeys, Priya in one.
    quentin = network.build_network(ws, NetworkFilter(persona_id=fx.persona["Quentin"]))
    assert names(quentin, "journey") == ["Move house", "Start a business"]


def test_journey_and_agency_filters(ws, fx):
    birth = network.build_network(
        ws, NetworkFilter(journey_ids=(fx.journey["Register a birth"],))
    )
    assert names(birth, "agency") == ["Cedar Council", "Echo Office"]
    assert [j.handoffs for j in network.handoffs_per_journey(birth)] == [1]
    # Alpha takes part in "Move house" only, which involves Alpha, Beta, Cedar.
    alpha = network.build_network(ws, NetworkFilter(agency_id=fx.agency["Alpha"]))
    assert names(alpha, "journey") == ["Move house"]
    assert names(alpha, "agency") == ["Alpha Agency", "Beta Board", "Cedar Council"]
    # Cedar only supports a step of "Start a business" there, but takes part.
    delta = network.build_network(ws, NetworkFilter(agency_id=fx.agency["Delta"]))
    assert names(delta, "journey") == ["Start a business"]
    # An agency that owns nothing is still shown, alone.
    foxtrot = network.build_network(ws, NetworkFilter(agency_id=fx.agency["Foxtrot"]))
    assert names(foxtrot, "agency") == ["Foxtrot Fund"]
    assert names(foxtrot, "journey") == []


def test_channel_filter_keeps_handoffs_into_steps_of_that_channel(ws, fx):
    graph = network.build_network(ws, NetworkFilter(channel="phone"))
    # Only MH 2.2 is by phone; Beta hands the citizen to Cedar there.
    assert names(graph, "step") == ["Register with the council"]
    assert names(graph, "agency") == ["Beta Board", "Cedar Council"]
    pairs = network.top_agency_pairs(graph)
    assert [(p.from_agency, p.to_agency, p.handoffs) for p in pairs] == [
        ("Beta Board", "Cedar Council", 1)
    ]
    in_person = network.build_network(ws, NetworkFilter(channel="in person"))
    assert names(in_person, "journey") == ["Register a birth"]
    assert [(p.from_agency, p.to_agency) for p in network.top_agency_pairs(
        in_person)] == [("Cedar Council", "Echo Office")]  # fmt: skip


def test_focus_on_one_agency_and_its_neighbours(ws, fx):
    graph = network.build_network(ws)
    delta = network.focus(graph, fx.agency["Delta"])
    # Delta owns SB 1.3 (of "Start a business"), which Cedar supports; Cedar
    # hands the citizen to Delta.
    assert sorted(delta.edges(data="kind")) == sorted(
        [
            (
                f"agency:{fx.agency['Cedar']}",
                f"agency:{fx.agency['Delta']}",
                "hand-off",
            ),
            (f"agency:{fx.agency['Cedar']}", f"step:{fx.step['SB 1.3']}", "supports"),
            (f"agency:{fx.agency['Delta']}", f"step:{fx.step['SB 1.3']}", "owns"),
            (
                f"step:{fx.step['SB 1.3']}",
                f"journey:{fx.journey['Start a business']}",
                "belongs to",
            ),
        ]
    )
    assert [(p.from_agency, p.to_agency) for p in network.top_agency_pairs(delta)] == [
        ("Cedar Council", "Delta Department")
    ]
    beta = network.focus(graph, fx.agency["Beta"])
    # Beta's partners Alpha and Cedar, and the hand-offs among all three.
    assert names(beta, "agency") == ["Alpha Agency", "Beta Board", "Cedar Council"]
    assert len(beta.graph["handoffs"]) == 4  # A->B, B->C twice, C->B
    assert network.focus(graph, 9999).number_of_nodes() == 0


def test_services_hang_off_their_agency_and_the_steps_using_them(ws, fx):
    council_tax = services.create_service(
        ws,
        DEMO_EDITOR,
        Service(
            "Council tax",
            owner_agency_id=fx.agency["Cedar"],
            channels=["online", "phone"],
            external_id="CT-1",
        ),
    )
    services.create_service(
        ws,
        DEMO_EDITOR,
        Service(
            "Small grants", owner_agency_id=fx.agency["Foxtrot"], channels=["post"]
        ),
    )
    services.link_step_service(ws, DEMO_EDITOR, fx.step["MH 2.2"], council_tax)
    graph = network.build_network(ws)
    service = f"service:{council_tax}"
    assert graph.edges[f"agency:{fx.agency['Cedar']}", service]["kind"] == "provides"
    assert graph.edges[f"step:{fx.step['MH 2.2']}", service]["kind"] == "uses"
    assert names(graph, "service") == ["Council tax", "Small grants"]
    # A journey filter shows only the services its steps use.
    assert names(
        network.build_network(ws, NetworkFilter(persona_id=fx.persona["Priya"])),
        "service",
    ) == ["Council tax"]
    assert (
        names(
            network.build_network(ws, NetworkFilter(persona_id=fx.persona["Rosa"])),
            "service",
        )
        == []
    )
    # The agency filter shows what the agency delivers; the channel filter
    # the services offering that channel.
    foxtrot = network.build_network(ws, NetworkFilter(agency_id=fx.agency["Foxtrot"]))
    assert names(foxtrot, "service") == ["Small grants"]
    post = network.build_network(ws, NetworkFilter(channel="post"))
    assert names(post, "service") == ["Small grants"]
    assert names(post, "agency") == ["Foxtrot Fund"]
    without = network.build_network(ws, NetworkFilter(include_services=False))
    assert names(without, "service") == []
    ranks = {r.agency: r.services for r in network.agency_ranks(graph)}
    assert (ranks["Cedar Council"], ranks["Foxtrot Fund"]) == (1, 1)


def test_declared_relations_join_the_projection(ws, fx):
    services.create_relation(
        ws,
        DEMO_EDITOR,
        AgencyRelation(fx.agency["Foxtrot"], fx.agency["Alpha"], "Funds"),
    )
    graph = network.build_network(ws)
    edge = graph.edges[f"agency:{fx.agency['Foxtrot']}", f"agency:{fx.agency['Alpha']}"]
    assert (edge["kind"], edge["declared"]) == ("declared", (("Funds", None, ""),))
    # Foxtrot - Alpha - Beta - Cedar ...: Alpha now lies between Foxtrot and
    # the four others (4 paths), so its degree is 2 and betweenness 4/10.
    alpha = next(r for r in network.agency_ranks(graph) if r.agency == "Alpha Agency")
    assert (alpha.partners, alpha.betweenness) == (2, 0.4)
    # Declared relations are not hand-offs.
    assert len(network.top_agency_pairs(graph)) == 5


def test_one_query_per_table_whatever_the_size(ws, fx):
    statements = []
    ws.db.conn.set_trace_callback(statements.append)
    network.build_network(ws)
    ws.db.conn.set_trace_callback(None)
    assert len(statements) == 8


def test_empty_workspace_gives_an_empty_graph_and_one_sentence(ws):
    graph = network.build_network(ws)
    assert graph.number_of_nodes() == 0
    assert network.agency_ranks(graph) == []
    assert network.communities(graph) == []
    assert network.summary_sentences(graph) == [
        "The graph shows 0 agencies, 0 journeys, 0 steps and 0 services."
    ]


def test_agency_pair_rows_are_plain_values(ws, fx):
    pair = network.top_agency_pairs(network.build_network(ws))[0]
    assert pair == AgencyPair(
        fx.agency["Beta"],
        "Beta Board",
        fx.agency["Cedar"],
        "Cedar Council",
        handoffs=2,
        journeys=2,
        personas=3,
        journey_titles=("Move house", "Start a business"),
    )


def test_service_ids_are_unique_and_relations_join_two_agencies(ws, fx):
    from journeys.errors import DuplicateName, ValidationError

    services.create_service(ws, DEMO_EDITOR, Service("Council tax", external_id="X1"))
    with pytest.raises(DuplicateName):
        services.create_service(ws, DEMO_EDITOR, Service("Other", external_id="X1"))
    with pytest.raises(ValidationError, match="to_agency_id: must be another agency"):
        services.create_relation(
            ws,
            DEMO_EDITOR,
            AgencyRelation(fx.agency["Alpha"], fx.agency["Alpha"], "Funds"),
        )
    with pytest.raises(ValidationError, match="channels: must be one of"):
        services.create_service(ws, DEMO_EDITOR, Service("Fax only", channels=["tv"]))
    assert [s["name"] for s in services.list_services(ws)] == ["Council tax"]
