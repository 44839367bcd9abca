"""The agency graph, worked out from the journey data: never drawn by hand.

`build_network` reads the workspace (one query per table, whatever its size)
and returns a `networkx.DiGraph` whose nodes have opaque string ids:

* ``agency:<id>``, ``journey:<id>``, ``step:<id>``, ``service:<id>``; each
  node has ``kind`` (agency, journey, step or service) and ``label`` (the
  name, title or action, as typed: escaping is the renderer's job);

and whose edges have a ``kind``:

* ``owns`` and ``supports``: agency -> step;
* ``belongs to``: step -> journey;
* ``provides``: agency -> service; ``uses``: step -> service;
* ``hand-off``: agency -> agency, where a journey passes from a step one
  agency owns to the next step that another agency owns. Steps nobody owns
  are passed over (the hand-off runs from the last owner to the next one),
  as in `journeys.graph.handoffs`. Edge attributes: ``handoffs`` (how many
  times), ``journey_ids`` and ``persona_ids`` (which journeys and which of
  their personas pass through it), ``journeys`` and ``personas`` (how many),
  and ``weight`` (= ``journeys``);
* ``declared``: agency -> agency, a relation someone declared (a Kumu map);
  a hand-off edge that was also declared keeps kind ``hand-off`` and lists
  the declarations in ``declared`` as (kind, strength, note) tuples.

The analysis functions below take such a graph and return plain dataclasses,
ready for tables. Centrality and communities use the *agency projection*: an
undirected graph of agencies, linked when citizens are handed between them
(either way), when one owns a step the other supports, or when a relation
between them was declared; its edge ``weight`` adds those up.
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx

from journeys import graph as journey_graph
from journeys import maps
from journeys.models import CHANNELS, SERVICE_CHANNELS
from journeys.workspace import Workspace
from storage import network as stored
from storage import queries

logger = logging.getLogger(__name__)

NODE_KINDS = ("agency", "journey", "step", "service")
HANDOFF = "hand-off"
DECLARED = "declared"
# Louvain is randomised: a fixed seed gives the same groups on every run.
COMMUNITY_SEED = 20240611
NO_OWNER = journey_graph.NO_OWNER


def node_id(kind: str, row_id: int) -> str:
    """The opaque id of a node: ``node_id("agency", 12) == "agency:12"``."""
    return f"{kind}:{int(row_id)}"


def parse_node_id(node: str) -> tuple[str, int]:
    """``("agency", 12)`` for ``"agency:12"``."""
    kind, _, number = node.partition(":")
    return kind, int(number)


# --- reading the workspace ----------------------------------------------------


@dataclass
class WorkspaceData:
    """Every row the graph is built from, read in one query per table."""

    agencies: list[dict]
    journeys: list[dict]
    steps: list[dict]  # journey by journey, in step order
    supporters: list[tuple[int, int]]  # (step id, agency id)
    journey_personas: list[tuple[int, int]]  # (journey id, persona id)
    services: list[dict] = field(default_factory=list)
    step_services: list[tuple[int, int]] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)


def load_data(ws: Workspace) -> WorkspaceData:
    """Read everything the graph needs: eight queries, whatever the size."""
    db = ws.db
    return WorkspaceData(
        agencies=stored.agencies(db),
        journeys=stored.journeys(db),
        steps=stored.steps_in_order(db),
        supporters=stored.supporting_agencies(db),
        journey_personas=stored.journey_personas(db),
        services=stored.services(db),
        step_services=stored.step_services(db),
        relations=stored.agency_relations(db),
    )


@dataclass(frozen=True)
class NetworkFilter:
    """What to show. Empty fields do not filter.

    * ``journey_ids``: only these journeys;
    * ``persona_id``: only journeys about this persona (``journey_persona``);
    * ``agency_id``: only journeys in which this agency owns or supports a
      step, and the services it delivers;
    * ``channel``: only steps of this channel (and services offering it); a
      hand-off is kept when the step it hands the citizen to is of this
      channel;
    * ``include_services``: draw services at all.

    Without a journey, persona, agency or channel filter every agency is
    shown, even one that owns no step yet.
    """

    journey_ids: tuple[int, ...] = ()
    persona_id: int | None = None
    agency_id: int | None = None
    channel: str | None = None
    include_services: bool = True

    @property
    def narrows_journeys(self) -> bool:
        return bool(self.journey_ids) or (
            self.persona_id is not None or self.agency_id is not None
        )

    @property
    def narrows(self) -> bool:
        return self.narrows_journeys or bool(self.channel)


@dataclass(frozen=True)
class HandoffRecord:
    """One hand-off in one journey: from the step one agency owns to the next."""

    journey_id: int
    from_agency_id: int
    to_agency_id: int
    from_step_id: int
    to_step_id: int


def build_network(ws: Workspace, filters: NetworkFilter | None = None) -> nx.DiGraph:
    """The agency graph of the workspace, filtered. See the module docstring."""
    return network_from_data(load_data(ws), filters)


def network_from_data(
    data: WorkspaceData, filters: NetworkFilter | None = None
) -> nx.DiGraph:
    """The agency graph of rows already read (see `load_data`)."""
    return _Builder(data, filters or NetworkFilter()).build()


class _Builder:
    def __init__(self, data: WorkspaceData, filters: NetworkFilter):
        self.data = data
        self.filters = filters
        self.graph = nx.DiGraph()
        self.graph.graph["handoffs"] = []
        self.agencies = {a["id"]: a for a in data.agencies}
        self.steps_of: dict[int, list[dict]] = defaultdict(list)
        for step in data.steps:
            self.steps_of[step["journey_id"]].append(step)
        self.supporters_of: dict[int, list[int]] = defaultdict(list)
        for step_id, agency_id in data.supporters:
            self.supporters_of[step_id].append(agency_id)
        self.personas_of: dict[int, set[int]] = defaultdict(set)
        for journey_id, persona_id in data.journey_personas:
            self.personas_of[journey_id].add(persona_id)

    def build(self) -> nx.DiGraph:
        f = self.filters
        if not f.narrows:
            for agency_id in self.agencies:
                self._agency(agency_id)
        if f.agency_id is not None and f.agency_id in self.agencies:
            self._agency(f.agency_id)
        kept_steps: set[int] = set()
        for journey in self.data.journeys:
            if self._keeps(journey):
                kept_steps |= self._add_journey(journey)
        if f.include_services:
            self._add_services(kept_steps)
        self._add_relations()
        self._count_agency_work()
        return self.graph

    def _keeps(self, journey: dict) -> bool:
        f = self.filters
        if f.journey_ids and journey["id"] not in f.journey_ids:
            return False
        if f.persona_id is not None and f.persona_id not in self.personas_of.get(
            journey["id"], ()
        ):
            return False
        if f.agency_id is not None:
            steps = self.steps_of.get(journey["id"], [])
            return any(
                s["owning_agency_id"] == f.agency_id
                or f.agency_id in self.supporters_of.get(s["id"], ())
                for s in steps
            )
        return True

    def _agency(self, agency_id: int) -> str:
        node = node_id("agency", agency_id)
        if node not in self.graph:
            agency = self.agencies[agency_id]
            self.graph.add_node(
                node,
                kind="agency",
                label=agency["name"],
                agency_id=agency_id,
                agency_kind=agency["kind"],
                short_name=agency["short_name"],
                alternate_name=agency["alternate_name"],
            )
        return node

    def _add_journey(self, journey: dict) -> set[int]:
        steps = self.steps_of.get(journey["id"], [])
        channel = self.filters.channel
        kept = [s for s in steps if not channel or s["channel"] == channel]
        if channel and not kept:
            return set()
        journey_node = node_id("journey", journey["id"])
        personas = tuple(sorted(self.personas_of.get(journey["id"], ())))
        self.graph.add_node(
            journey_node,
            kind="journey",
            label=journey["title"],
            journey_id=journey["id"],
            status=journey["status"],
            persona_ids=personas,
        )
        order = {s["id"]: index for index, s in enumerate(steps, start=1)}
        for step in kept:
            self._add_step(step, order[step["id"]], journey_node)
        kept_ids = {s["id"] for s in kept}
        self._add_handoffs(journey, steps, kept_ids, personas)
        return kept_ids

    def _add_step(self, step: dict, order: int, journey_node: str) -> None:
        node = node_id("step", step["id"])
        owner = step["owning_agency_id"]
        self.graph.add_node(
            node,
            kind="step",
            label=step["action"],
            step_id=step["id"],
            journey_id=step["journey_id"],
            order=order,
            number=f"{step['stage_position']}.{step['position']}",
            stage=step["stage_name"],
            channel=step["channel"],
            owning_agency_id=owner,
        )
        self.graph.add_edge(node, journey_node, kind="belongs to")
        if owner is not None:
            self.graph.add_edge(self._agency(owner), node, kind="owns")
        for supporter in self.supporters_of.get(step["id"], ()):
            if supporter != owner:
                self.graph.add_edge(self._agency(supporter), node, kind="supports")

    def _add_handoffs(
        self,
        journey: dict,
        steps: list[dict],
        kept_ids: set[int],
        personas: tuple[int, ...],
    ) -> None:
        previous = None
        for step in steps:
            owner = step["owning_agency_id"]
            if owner is None:
                continue
            if previous is not None and owner != previous["owning_agency_id"]:
                if step["id"] in kept_ids:
                    record = HandoffRecord(
                        journey["id"],
                        previous["owning_agency_id"],
                        owner,
                        previous["id"],
                        step["id"],
                    )
                    self._add_handoff(record, personas)
            previous = step

    def _add_handoff(self, record: HandoffRecord, personas: tuple[int, ...]) -> None:
        self.graph.graph["handoffs"].append(record)
        source = self._agency(record.from_agency_id)
        target = self._agency(record.to_agency_id)
        if not self.graph.has_edge(source, target):
            self.graph.add_edge(
                source,
                target,
                kind=HANDOFF,
                handoffs=0,
                journey_ids=(),
                persona_ids=(),
                journeys=0,
                personas=0,
                weight=0,
                declared=(),
            )
        edge = self.graph.edges[source, target]
        edge["handoffs"] += 1
        edge["journey_ids"] = tuple(sorted({*edge["journey_ids"], record.journey_id}))
        edge["persona_ids"] = tuple(sorted({*edge["persona_ids"], *personas}))
        edge["journeys"] = edge["weight"] = len(edge["journey_ids"])
        edge["personas"] = len(edge["persona_ids"])

    def _add_services(self, kept_steps: set[int]) -> None:
        f = self.filters
        linked: dict[int, list[int]] = defaultdict(list)
        for step_id, service_id in self.data.step_services:
            if step_id in kept_steps:
                linked[service_id].append(step_id)
        for service in self.data.services:
            offers = not f.channel or f.channel in service["channels"]
            own = f.agency_id is not None and service["owner_agency_id"] == f.agency_id
            if service["id"] in linked:
                shown = True
            elif f.narrows_journeys:
                shown = own and offers
            else:
                shown = offers
            if not shown:
                continue
            node = node_id("service", service["id"])
            self.graph.add_node(
                node,
                kind="service",
                label=service["name"],
                service_id=service["id"],
                external_id=service["external_id"],
                channels=tuple(service["channels"]),
                owner_agency_id=service["owner_agency_id"],
            )
            if service["owner_agency_id"] is not None:
                owner = self._agency(service["owner_agency_id"])
                self.graph.add_edge(owner, node, kind="provides")
            for step_id in linked.get(service["id"], ()):
                self.graph.add_edge(node_id("step", step_id), node, kind="uses")

    def _add_relations(self) -> None:
        for relation in self.data.relations:
            source = node_id("agency", relation["from_agency_id"])
            target = node_id("agency", relation["to_agency_id"])
            if source not in self.graph or target not in self.graph:
                continue
            declared = ((relation["kind"], relation["strength"], relation["note"]),)
            if self.graph.has_edge(source, target):
                edge = self.graph.edges[source, target]
                edge["declared"] = edge.get("declared", ()) + declared
            else:
                self.graph.add_edge(source, target, kind=DECLARED, declared=declared)

    def _count_agency_work(self) -> None:
        for node, data in self.graph.nodes(data=True):
            if data["kind"] != "agency":
                continue
            kinds = Counter(e["kind"] for _, _, e in self.graph.out_edges(node, True))
            data["owned_steps"] = kinds["owns"]
            data["supported_steps"] = kinds["supports"]
            data["services"] = kinds["provides"]


# --- narrowing the picture ----------------------------------------------------


def focus(graph: nx.DiGraph, agency_id: int) -> nx.DiGraph:
    """One agency and its neighbours: the steps it owns or supports (with their
    journeys), the services it delivers and the agencies it hands citizens to,
    receives them from or is declared to work with. Edges between these
    neighbours are kept too. An agency not in the graph gives an empty graph.
    """
    centre = node_id("agency", agency_id)
    if centre not in graph:
        empty = nx.DiGraph()
        empty.graph["handoffs"] = []
        return empty
    keep = {centre, *graph.predecessors(centre), *graph.successors(centre)}
    for node in list(keep):
        if graph.nodes[node]["kind"] == "step":
            keep.update(
                n for n in graph.successors(node) if graph.nodes[n]["kind"] == "journey"
            )
    focused = graph.subgraph(keep).copy()
    focused.graph["handoffs"] = [
        h
        for h in graph.graph.get("handoffs", [])
        if focused.has_edge(
            node_id("agency", h.from_agency_id), node_id("agency", h.to_agency_id)
        )
    ]
    return focused


# --- analysis ---------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyHandoffs:
    """How often one journey hands the citizen from one agency to another."""

    journey_id: int
    journey: str
    steps: int
    unowned_steps: int
    agencies: int  # distinct owning agencies
    handoffs: int
    route: tuple[str, ...]  # owning agencies in the order met, repeats kept


@dataclass(frozen=True)
class AgencyPair:
    """Hand-offs from one agency to another, across the journeys shown."""

    from_agency_id: int
    from_agency: str
    to_agency_id: int
    to_agency: str
    handoffs: int
    journeys: int
    personas: int
    journey_titles: tuple[str, ...]


@dataclass(frozen=True)
class UnownedStep:
    """A step nobody is answerable for."""

    step_id: int
    journey_id: int
    journey: str
    step: str  # "2.1 Apply online"
    channel: str


@dataclass(frozen=True)
class AgencyRank:
    """An agency's place in the agency projection. Ranks are 1-based; ties share
    a rank and the next rank is skipped (1, 2, 2, 4)."""

    agency_id: int
    agency: str
    partners: int  # degree in the agency projection
    degree_rank: int
    betweenness: float  # normalised, 0..1
    betweenness_rank: int
    handoffs_out: int
    handoffs_in: int
    owned_steps: int
    supported_steps: int
    services: int
    group: int | None  # the `Community` number, None when it works alone


@dataclass(frozen=True)
class Community:
    """A group of agencies that work together more than with the others."""

    number: int  # 1 = the largest group
    agency_ids: tuple[int, ...]
    agencies: tuple[str, ...]  # by name
    links: int  # projection edges inside the group


def handoffs_per_journey(graph: nx.DiGraph) -> list[JourneyHandoffs]:
    """Each journey shown, most hand-offs first (then by title)."""
    steps_of: dict[str, list[dict]] = defaultdict(list)
    for _, data in graph.nodes(data=True):
        if data["kind"] == "step":
            steps_of[node_id("journey", data["journey_id"])].append(data)
    records: dict[int, list[HandoffRecord]] = defaultdict(list)
    for record in graph.graph.get("handoffs", []):
        records[record.journey_id].append(record)
    found = []
    for node, data in graph.nodes(data=True):
        if data["kind"] != "journey":
            continue
        steps = sorted(steps_of[node], key=lambda s: s["order"])
        owners = [s["owning_agency_id"] for s in steps if s["owning_agency_id"]]
        handoffs = records.get(data["journey_id"], [])
        found.append(
            JourneyHandoffs(
                journey_id=data["journey_id"],
                journey=data["label"],
                steps=len(steps),
                unowned_steps=len(steps) - len(owners),
                agencies=len(set(owners)),
                handoffs=len(handoffs),
                route=_route(graph, steps, handoffs),
            )
        )
    return sorted(found, key=lambda j: (-j.handoffs, j.journey.casefold()))


def _route(
    graph: nx.DiGraph, steps: list[dict], handoffs: list[HandoffRecord]
) -> tuple[str, ...]:
    if handoffs:
        ids = [handoffs[0].from_agency_id] + [h.to_agency_id for h in handoffs]
    else:
        ids = [s["owning_agency_id"] for s in steps if s["owning_agency_id"]][:1]
    return tuple(_agency_name(graph, agency_id) for agency_id in ids)


def top_agency_pairs(graph: nx.DiGraph, limit: int | None = 10) -> list[AgencyPair]:
    """Agency pairs by hand-offs, most first; ties by journeys, personas, names."""
    titles = {
        data["journey_id"]: data["label"]
        for _, data in graph.nodes(data=True)
        if data["kind"] == "journey"
    }
    pairs = [
        AgencyPair(
            from_agency_id=graph.nodes[source]["agency_id"],
            from_agency=graph.nodes[source]["label"],
            to_agency_id=graph.nodes[target]["agency_id"],
            to_agency=graph.nodes[target]["label"],
            handoffs=edge["handoffs"],
            journeys=edge["journeys"],
            personas=edge["personas"],
            journey_titles=tuple(sorted(titles[j] for j in edge["journey_ids"])),
        )
        for source, target, edge in graph.edges(data=True)
        if edge["kind"] == HANDOFF
    ]
    pairs.sort(
        key=lambda p: (
            -p.handoffs,
            -p.journeys,
            -p.personas,
            p.from_agency.casefold(),
            p.to_agency.casefold(),
        )
    )
    return pairs if limit is None else pairs[:limit]


def unowned_steps(graph: nx.DiGraph) -> list[UnownedStep]:
    """Steps with no owning agency, journey by journey (by title), in step order."""
    titles = {
        data["journey_id"]: data["label"]
        for _, data in graph.nodes(data=True)
        if data["kind"] == "journey"
    }
    found = [
        (titles[data["journey_id"]].casefold(), data["order"], data)
        for _, data in graph.nodes(data=True)
        if data["kind"] == "step" and data["owning_agency_id"] is None
    ]
    found.sort(key=lambda item: (item[0], item[2]["journey_id"], item[1]))
    return [
        UnownedStep(
            step_id=data["step_id"],
            journey_id=data["journey_id"],
            journey=titles[data["journey_id"]],
            step=f"{data['number']} {data['label']}",
            channel=data["channel"],
        )
        for _, _, data in found
    ]


def agency_projection(graph: nx.DiGraph) -> nx.Graph:
    """Agencies linked by hand-offs (either way), shared steps and declared links.

    Edge ``weight`` = hand-offs both ways + steps one owns and the other
    supports + declared relations. Nodes are added in id order, so results
    that depend on order (Louvain) are the same on every run.
    """
    projection = nx.Graph()
    agencies = sorted(
        (data["agency_id"], node)
        for node, data in graph.nodes(data=True)
        if data["kind"] == "agency"
    )
    for _, node in agencies:
        projection.add_node(node, label=graph.nodes[node]["label"])

    def link(a: str, b: str, amount: int) -> None:
        if a == b:
            return
        if not projection.has_edge(a, b):
            projection.add_edge(a, b, weight=0)
        projection.edges[a, b]["weight"] += amount

    for source, target, edge in graph.edges(data=True):
        if edge["kind"] == HANDOFF:
            link(source, target, edge["handoffs"] + len(edge.get("declared", ())))
        elif edge["kind"] == DECLARED:
            link(source, target, len(edge["declared"]))
    for node, data in graph.nodes(data=True):
        if data["kind"] != "step":
            continue
        owners = [s for s, _, e in graph.in_edges(node, True) if e["kind"] == "owns"]
        helpers = [
            s for s, _, e in graph.in_edges(node, True) if e["kind"] == "supports"
        ]
        for owner in owners:
            for helper in helpers:
                link(owner, helper, 1)
    return projection


def communities(graph: nx.DiGraph) -> list[Community]:
    """Groups of two or more agencies that work together (Louvain, fixed seed),
    largest first, then by the first name in each group."""
    projection = agency_projection(graph)
    if projection.number_of_edges() == 0:
        return []
    groups = nx.community.louvain_communities(
        projection, weight="weight", seed=COMMUNITY_SEED
    )
    named = []
    for group in groups:
        if len(group) < 2:
            continue
        members = sorted(group, key=lambda n: projection.nodes[n]["label"].casefold())
        named.append(members)
    named.sort(key=lambda m: (-len(m), projection.nodes[m[0]]["label"].casefold()))
    return [
        Community(
            number=number,
            agency_ids=tuple(parse_node_id(n)[1] for n in members),
            agencies=tuple(projection.nodes[n]["label"] for n in members),
            links=projection.subgraph(members).number_of_edges(),
        )
        for number, members in enumerate(named, start=1)
    ]


def agency_ranks(graph: nx.DiGraph) -> list[AgencyRank]:
    """Every agency shown, ranked by partners (degree) and by betweenness.

    Betweenness counts shortest paths between other agencies that pass
    through this one (unweighted, normalised to 0..1): a high value marks an
    agency that links agencies which otherwise have no direct link. Sorted by
    degree rank, then betweenness rank, then name.
    """
    projection = agency_projection(graph)
    if projection.number_of_nodes() == 0:
        return []
    degree = dict(projection.degree())
    betweenness = {
        node: round(value, 9)
        for node, value in nx.betweenness_centrality(projection).items()
    }
    degree_rank = _competition_ranks(degree)
    betweenness_rank = _competition_ranks(betweenness)
    group_of = {
        agency_id: group.number
        for group in communities(graph)
        for agency_id in group.agency_ids
    }
    found = []
    for node in projection.nodes:
        data = graph.nodes[node]
        out_handoffs = sum(
            e["handoffs"] for _, _, e in graph.out_edges(node, True) if "handoffs" in e
        )
        in_handoffs = sum(
            e["handoffs"] for _, _, e in graph.in_edges(node, True) if "handoffs" in e
        )
        found.append(
            AgencyRank(
                agency_id=data["agency_id"],
                agency=data["label"],
                partners=degree[node],
                degree_rank=degree_rank[node],
                betweenness=betweenness[node],
                betweenness_rank=betweenness_rank[node],
                handoffs_out=out_handoffs,
                handoffs_in=in_handoffs,
                owned_steps=data.get("owned_steps", 0),
                supported_steps=data.get("supported_steps", 0),
                services=data.get("services", 0),
                group=group_of.get(data["agency_id"]),
            )
        )
    found.sort(key=lambda r: (r.degree_rank, r.betweenness_rank, r.agency.casefold()))
    return found


def _competition_ranks(values: dict[str, float]) -> dict[str, int]:
    """1 for the highest value; equal values share a rank ("1, 2, 2, 4")."""
    ordered = sorted(values.values(), reverse=True)
    first_place: dict[float, int] = {}
    for index, value in enumerate(ordered, start=1):
        first_place.setdefault(value, index)
    return {node: first_place[value] for node, value in values.items()}


def journey_chain(ws: Workspace, journey_id: int) -> list[journey_graph.ChainLink]:
    """The agencies a citizen meets on one journey, in order: consecutive steps
    of one owner merged, steps with no owner shown as `NO_OWNER`."""
    return journey_graph.owner_chain(maps.load_journey_map(ws, journey_id))


# --- words for people who do not see the picture ---------------------------------


def summary_sentences(graph: nx.DiGraph, journeys_listed: int = 10) -> list[str]:
    """The graph's main facts as plain sentences, for screen-reader users.

    The sentences hold names as typed: show them as text, not as Markdown.
    """
    kinds = Counter(data["kind"] for _, data in graph.nodes(data=True))
    sentences = [
        f"The graph shows {count_of(kinds['agency'], 'agency')}, "
        f"{count_of(kinds['journey'], 'journey')}, {count_of(kinds['step'], 'step')} "
        f"and {count_of(kinds['service'], 'service')}."
    ]
    unowned = len(unowned_steps(graph))
    if kinds["step"]:
        sentences.append(
            "Every step has an owning agency."
            if not unowned
            else f"{unowned:,} of {count_of(kinds['step'], 'step')} "
            f"{'has' if unowned == 1 else 'have'} no owning agency."
        )
    records = graph.graph.get("handoffs", [])
    pairs = top_agency_pairs(graph, limit=None)
    if not records:
        if kinds["journey"]:
            sentences.append("No journey hands citizens from one agency to another.")
    else:
        journeys = len({r.journey_id for r in records})
        sentences.append(
            f"Citizens are handed from one agency to another "
            f"{count_of(len(records), 'time')}, between "
            f"{count_of(len(pairs), 'pair')} of agencies, in "
            f"{count_of(journeys, 'journey')}."
        )
        top = pairs[0]
        sentences.append(
            f"The most frequent hand-off is from {top.from_agency} to "
            f"{top.to_agency}: {count_of(top.handoffs, 'time')} in "
            f"{count_of(top.journeys, 'journey')}, for "
            f"{count_of(top.personas, 'persona')}."
        )
    with_handoffs = [j for j in handoffs_per_journey(graph) if j.handoffs]
    for journey in with_handoffs[:journeys_listed]:
        sentences.append(
            f"{journey.journey}: {' to '.join(journey.route)} "
            f"({count_of(journey.handoffs, 'hand-off')})."
        )
    if len(with_handoffs) > journeys_listed:
        more = len(with_handoffs) - journeys_listed
        sentences.append(
            f"{count_of(more, 'more journey')} with hand-offs "
            "are listed in the table of hand-offs per journey."
        )
    ranks = agency_ranks(graph)
    if ranks and ranks[0].partners:
        best = ranks[0]
        sentences.append(
            f"{best.agency} works with the most agencies "
            f"({count_of(best.partners, 'partner')})."
        )
        broker = min(ranks, key=lambda r: (r.betweenness_rank, r.agency.casefold()))
        if broker.betweenness > 0:
            sentences.append(
                f"{broker.agency} most often links agencies that have no direct "
                f"link (betweenness {broker.betweenness:.2f})."
            )
    groups = communities(graph)
    if groups:
        sentences.append(
            f"{count_of(len(groups), 'group')} of agencies work together; the "
            f"largest is {', '.join(groups[0].agencies)}."
        )
    return sentences


_PLURALS = {
    "agency": "agencies",
    "more journey": "more journeys",
    "new agency": "new agencies",
}


def count_of(number: int, word: str) -> str:
    """A number and its noun: ``count_of(2, "agency") == "2 agencies"``."""
    plural = _PLURALS.get(word, word + "s")
    return f"{number:,} {word if number == 1 else plural}"


def _agency_name(graph: nx.DiGraph, agency_id: int) -> str:
    node = node_id("agency", agency_id)
    if node in graph:
        return graph.nodes[node]["label"]
    return f"Agency {agency_id}"


# --- choices for the filters --------------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    """What each filter can be set to, as (id, name) pairs by name."""

    journeys: list[tuple[int, str]]
    personas: list[tuple[int, str]]
    agencies: list[tuple[int, str]]
    channels: tuple[str, ...]


def filter_choices(ws: Workspace) -> FilterChoices:
    """The journeys, personas, agencies and channels the filters offer."""
    return FilterChoices(
        journeys=[(j["id"], j["title"]) for j in queries.list_journeys(ws.db)],
        personas=[(p["id"], p["name"]) for p in queries.list_personas(ws.db)],
        agencies=[(a["id"], a["name"]) for a in queries.list_agencies(ws.db)],
        channels=tuple(dict.fromkeys((*CHANNELS, *SERVICE_CHANNELS))),
    )
