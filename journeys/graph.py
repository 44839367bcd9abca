"""Which agencies own a journey's steps, in order, and where nobody does.

Pure functions over `JourneyMap`s: they read no database and draw nothing, so
the Agency graph page only renders what they return.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from journeys.maps import JourneyMap

NO_OWNER = "No owning agency"


@dataclass(frozen=True)
class ChainLink:
    """A run of consecutive steps owned by the same agency (or by none)."""

    position: int  # 1-based place in the chain
    agency: str  # NO_OWNER for steps that nobody owns
    first_step: str
    last_step: str
    step_count: int


@dataclass(frozen=True)
class Handoff:
    """The person moves from steps one agency owns to steps another owns."""

    from_agency: str
    to_agency: str
    at_step: str  # the first step the receiving agency owns


def step_label(step: dict) -> str:
    """A step named by its place in the journey, as people cite it: "2.1 Apply".

    >>> step_label({"stage_position": 2, "position": 1, "action": "Apply"})
    '2.1 Apply'
    """
    return f"{step['stage_position']}.{step['position']} {step['action']}"


def owner_chain(journey_map: JourneyMap) -> list[ChainLink]:
    """The owning agencies in step order, consecutive steps of one owner merged."""
    chain: list[ChainLink] = []
    for step in journey_map.steps():
        owner = _owner(step)
        if chain and chain[-1].agency == owner:
            last = chain[-1]
            chain[-1] = ChainLink(
                last.position,
                owner,
                last.first_step,
                step_label(step),
                last.step_count + 1,
            )
        else:
            label = step_label(step)
            chain.append(ChainLink(len(chain) + 1, owner, label, label, 1))
    return chain


def unowned_steps(journey_map: JourneyMap) -> list[dict]:
    """The steps with no owning agency, in journey order."""
    return [step for step in journey_map.steps() if step["owning_agency_id"] is None]


def handoffs(journey_map: JourneyMap) -> list[Handoff]:
    """Each change of owning agency between owned steps, in journey order.

    Steps with no owner are skipped: the handoff is from the last agency that
    owned a step to the next one that does.
    """
    found = []
    previous = None
    for step in journey_map.steps():
        if step["owning_agency_id"] is None:
            continue
        owner = _owner(step)
        if previous is not None and owner != previous:
            found.append(Handoff(previous, owner, step_label(step)))
        previous = owner
    return found


def agency_graph(journey_maps: Iterable[JourneyMap]) -> nx.DiGraph:
    """Agencies as nodes, handoffs between them as weighted edges.

    Node attribute ``steps`` counts the steps an agency owns; edge attribute
    ``weight`` counts handoffs and ``journeys`` names the journeys they occur in.
    """
    graph = nx.DiGraph()
    for journey_map in journey_maps:
        title = journey_map.journey["title"]
        for step in journey_map.steps():
            if step["owning_agency_id"] is None:
                continue
            owner = _owner(step)
            if not graph.has_node(owner):
                graph.add_node(owner, steps=0)
            graph.nodes[owner]["steps"] += 1
        for handoff in handoffs(journey_map):
            _add_handoff(graph, handoff, title)
    return graph


def handoff_summary(graph: nx.DiGraph) -> list[dict]:
    """The graph's handoffs, most frequent first, as rows for a table."""
    summary = [
        {
            "from_agency": source,
            "to_agency": target,
            "handoffs": attributes["weight"],
            "journeys": sorted(attributes["journeys"]),
        }
        for source, target, attributes in graph.edges(data=True)
    ]
    return sorted(summary, key=lambda row: (-row["handoffs"], row["from_agency"]))


def _owner(step: dict) -> str:
    if step["owning_agency_id"] is None:
        return NO_OWNER
    return step.get("owning_agency_name") or f"Agency {step['owning_agency_id']}"


def _add_handoff(graph: nx.DiGraph, handoff: Handoff, journey_title: str) -> None:
    if not graph.has_edge(handoff.from_agency, handoff.to_agency):
        graph.add_edge(handoff.from_agency, handoff.to_agency, weight=0, journeys=set())
    edge = graph.edges[handoff.from_agency, handoff.to_agency]
    edge["weight"] += 1
    edge["journeys"].add(journey_title)
