"""The agency graph as a self-contained HTML page (pyvis 0.3.2 / vis-network 9.1.2).

`render_graph_html(graph)` returns one HTML document to embed with
``st.iframe``. It is built for closed government networks and for text typed
by anyone (PITFALLS 8, 9, 11, 22, 23):

* **Offline.** vis-network's script and style are inlined (pyvis
  ``cdn_resources="in_line"``); the Bootstrap ``<link>``/``<script>`` that
  pyvis still points at a CDN are removed, and the result is checked: no
  ``src``/``href`` may name another host, or `OfflineViolation` is raised. A
  Content-Security-Policy meta tag allows only the page's own scripts (by
  hash) and no network access at all, so nothing can be fetched even by
  mistake.
* **Escaped.** Node and edge data reach the page only through Jinja's
  ``|tojson``, which here writes ``< > & = ' " /`` inside strings as
  ``\\uXXXX`` (`inert_json`): typed text never looks like a tag or an
  attribute, so `check_offline` can be strict; node ids are opaque
  (``agency:12``); there is no heading; pyvis's ``innerHTML`` tooltip (used
  when a title holds "href") is never rendered, so vis-network shows every
  title as text (``innerText``). The CSP above also stops inline event
  handlers such as ``onerror=`` from running.
* **Usable when large.** Above `LAYOUT_THRESHOLD` nodes, positions are worked
  out here by `server_layout` (O(n log n), following the data: journeys as
  rows of steps in order, agencies above them near the steps they own,
  services around their agency) and physics is off, so the picture is still
  at first draw. Below it, vis-network's physics runs a short stabilisation
  (`STABILISATION_ITERATIONS`) and is then switched off.
* **Cached.** The HTML is kept in a small in-process LRU keyed by a hash of
  the nodes, edges and options, so an unchanged graph is not rendered again.

`graph_tables(graph)` gives the same facts as tables, for people who do not
use the picture.
"""

import base64
import hashlib
import json
import logging
import math
import re
import threading
from collections import OrderedDict, defaultdict

import networkx as nx

from journeys import network
from journeys.errors import JourneyError
from journeys.network import count_of

logger = logging.getLogger(__name__)

LAYOUT_THRESHOLD = 300  # nodes; above this, server positions and no physics
STABILISATION_ITERATIONS = 200
FRAME_HEIGHT = 640  # px: the height to give st.iframe
CACHE_SIZE = 16
LABEL_MAX = 40
# In laid-out graphs steps and services sit close together: shorter labels
# (the full text is in the tooltip and the tables).
CROWDED_LABEL_MAX = 18
CROWDED_KINDS = ("step", "service")

# Okabe-Ito colours (safe for colour-blind readers); each kind also has its
# own shape, so colour is never the only difference.
STYLE = {
    "agency": {"color": "#0072B2", "shape": "dot", "size": 22},
    "journey": {"color": "#E69F00", "shape": "square", "size": 16},
    "step": {"color": "#56B4E9", "shape": "dot", "size": 9},
    "unowned step": {"color": "#D55E00", "shape": "diamond", "size": 11},
    "service": {"color": "#009E73", "shape": "triangle", "size": 9},
}
EDGE_STYLE = {
    network.HANDOFF: {"color": "#CC79A7", "arrows": "to"},
    network.DECLARED: {"color": "#7F3C8D", "arrows": "to", "dashes": True},
    "owns": {"color": "#0072B2", "arrows": "to"},
    "supports": {"color": "#0072B2", "arrows": "to", "dashes": True},
    "belongs to": {"color": "#BBBBBB"},
    "provides": {"color": "#009E73", "arrows": "to"},
    "uses": {"color": "#009E73", "dashes": True},
}
# The most common kind of edge takes the default style (set in the options),
# so thousands of edges do not repeat it.
DEFAULT_EDGE = "belongs to"

# Layout spacing, in vis-network canvas pixels.
STEP_GAP = 120
ROW_GAP = 90
AGENCY_CELL = 180
SERVICE_SPACING = 34

# Both end where the address starts ("//" or "lib/"): `check_offline` looks
# only just before each "//" and "lib/" in the page, not at every character.
_FOREIGN_URL = re.compile(
    r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//\Z""",
    re.IGNORECASE,
)
_LIB_PATH = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*lib/\Z""", re.IGNORECASE)
_CDN_LINK = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']https?://[^>]*>""", re.I)
_CDN_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']https?://[^>]*>\s*</script>""", re.I
)
_OLD_COMMENT = re.compile(r"<!--\s*<link rel=\"stylesheet\" href=\"\.\./.*?-->", re.S)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>")
_INLINE_SCRIPT = re.compile(
    r"<script(?: type=\"text/javascript\")?>(.*?)</script>", re.S
)


class OfflineViolation(JourneyError, RuntimeError):
    """The rendered page would load something from another host.

    A `JourneyError`, so the page can say so and still show the tables.
    """


# --- the picture ------------------------------------------------------------------


def render_graph_html(
    graph: nx.DiGraph,
    *,
    height: int = FRAME_HEIGHT - 20,
    threshold: int = LAYOUT_THRESHOLD,
) -> str:
    """The graph as a self-contained, offline HTML page (see the module docstring).

    ``height`` is the drawing's height in pixels; ``threshold`` the number of
    nodes above which positions are computed here and physics is off.
    """
    positioned = graph.number_of_nodes() > threshold
    nodes, edges = graph_elements(graph, positioned=positioned)
    options = vis_options(positioned)
    key = _content_key(nodes, edges, options, height)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    page = _render(nodes, edges, options, height, positioned)
    with _cache_lock:
        _cache[key] = page
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return page


_cache: OrderedDict[str, str] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every rendered page (tests and benchmarks use it)."""
    with _cache_lock:
        _cache.clear()


def _content_key(nodes, edges, options, height) -> str:
    text = json.dumps(
        [nodes, edges, options, height], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def graph_elements(
    graph: nx.DiGraph, *, positioned: bool
) -> tuple[list[dict], list[dict]]:
    """vis-network node and edge dicts for the graph, built in one pass.

    With ``positioned``, every node gets numeric ``x`` and ``y`` from
    `server_layout`. Labels and titles are the typed text, unescaped: they
    reach the page through ``|tojson`` and are shown as text.
    """
    positions = server_layout(graph) if positioned else {}
    nodes = []
    for node, data in graph.nodes(data=True):
        style_key = data["kind"]
        if style_key == "step" and data["owning_agency_id"] is None:
            style_key = "unowned step"
        item = {
            "id": node,
            "label": _short(
                _label(data),
                CROWDED_LABEL_MAX
                if positioned and data["kind"] in CROWDED_KINDS
                else LABEL_MAX,
            ),
            "title": _node_title(graph, node, data),
            "group": style_key,  # colour, shape and size come from the group
        }
        if positioned:
            x, y = positions[node]
            item["x"], item["y"] = round(x), round(y)
        nodes.append(item)
    edges = []
    for source, target, data in graph.edges(data=True):
        item = {"from": source, "to": target}
        if data["kind"] != DEFAULT_EDGE:
            item.update(EDGE_STYLE[data["kind"]])
        if data["kind"] in (network.HANDOFF, network.DECLARED):
            # Only links between agencies carry a tooltip: the others say no
            # more than the two nodes they join.
            item["title"] = _edge_title(graph, source, target, data)
        if data["kind"] == network.HANDOFF:
            item["width"] = 1 + min(data["journeys"], 8)
        if positioned and "title" in item:
            # Agencies side by side: a curve keeps A->B and B->A apart.
            item["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.2}
        edges.append(item)
    return nodes, edges


def vis_options(positioned: bool) -> dict:
    """vis-network options: physics off for laid-out graphs, else a short
    stabilisation (physics is switched off once it is done)."""
    common = {
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "keyboard": {"enabled": True, "bindToWindow": False},
            "navigationButtons": False,
        },
        "nodes": {"font": {"size": 14, "face": "sans-serif"}},
        "edges": {"color": EDGE_STYLE[DEFAULT_EDGE]["color"]},
        "groups": {
            kind: {
                "color": style["color"],
                "shape": style["shape"],
                "size": style["size"],
                # Agencies' names stay readable over edges and other labels.
                **(
                    {"font": {"size": 20, "strokeWidth": 4, "strokeColor": "#ffffff"}}
                    if kind == "agency"
                    else {}
                ),
            }
            for kind, style in STYLE.items()
        },
    }
    if positioned:
        return {
            **common,
            "physics": {"enabled": False},
            "layout": {"improvedLayout": False, "randomSeed": 7},
            "edges": {**common["edges"], "smooth": False},
            "interaction": {
                **common["interaction"],
                "hideEdgesOnDrag": True,
                "hideEdgesOnZoom": True,
            },
        }
    return {
        **common,
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110},
            "stabilization": {
                "enabled": True,
                "iterations": STABILISATION_ITERATIONS,
                "updateInterval": 25,
                "fit": True,
            },
            "minVelocity": 1,
        },
        "layout": {"improvedLayout": True, "randomSeed": 7},
        "edges": {**common["edges"], "smooth": {"enabled": True, "type": "continuous"}},
    }


def _label(data: dict) -> str:
    if data["kind"] == "step":
        return f"{data['number']} {data['label']}"
    return data["label"]


def _short(text: str, limit: int = LABEL_MAX) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(graph: nx.DiGraph, kind: str, row_id: int | None) -> str:
    if row_id is None:
        return "nobody"
    node = network.node_id(kind, row_id)
    return graph.nodes[node]["label"] if node in graph else f"{kind} {row_id}"


def _node_title(graph: nx.DiGraph, node: str, data: dict) -> str:
    kind = data["kind"]
    if kind == "agency":
        return (
            f"{data['label']}\nAgency ({data['agency_kind']})\n"
            f"Owns {count_of(data.get('owned_steps', 0), 'step')}, supports "
            f"{data.get('supported_steps', 0)}; "
            f"{count_of(data.get('services', 0), 'service')}"
        )
    if kind == "journey":
        return f"{data['label']}\nJourney ({data['status']})"
    if kind == "step":
        return (
            f"{data['number']} {data['label']}\n"
            f"Step {data['order']} of {_name(graph, 'journey', data['journey_id'])}\n"
            f"Channel: {data['channel']}\n"
            f"Owner: {_name(graph, 'agency', data['owning_agency_id'])}"
        )
    channels = ", ".join(data["channels"]) or "none recorded"
    ref = f" {data['external_id']}" if data.get("external_id") else ""
    return (
        f"{data['label']}\nService{ref}\nChannels: {channels}\n"
        f"Delivered by {_name(graph, 'agency', data['owner_agency_id'])}"
    )


def _edge_title(graph: nx.DiGraph, source: str, target: str, data: dict) -> str:
    a, b = graph.nodes[source]["label"], graph.nodes[target]["label"]
    kind = data["kind"]
    declared = "; ".join(
        f"declared: {k}" + ("" if s is None else f" (strength {s:g})")
        for k, s, _ in data.get("declared", ())
    )
    if kind == network.HANDOFF:
        text = (
            f"Hand-off from {a} to {b}: {count_of(data['handoffs'], 'time')} in "
            f"{count_of(data['journeys'], 'journey')}, for "
            f"{count_of(data['personas'], 'persona')}"
        )
        return f"{text}; {declared}" if declared else text
    if kind == network.DECLARED:
        return f"{a} to {b}, {declared}"
    return f"{a} {kind} {b}"


# --- positions computed here, for large graphs -------------------------------------


def server_layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Positions that follow the data, in O(n log n), for any size of graph.

    * Journeys are rows (by title), wrapped into columns so that the picture
      is about twice as wide as it is high; each row starts with the journey
      and continues with its steps in order.
    * Agencies sit in bands above the journeys, ordered by where the steps
      they own or support are, each in a cell wide enough for its services,
      which spiral around it (sunflower pattern).
    * Services with no agency get a cell of their own at the end.
    """
    positions: dict[str, tuple[float, float]] = {}
    kinds: dict[str, list[str]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        kinds[data["kind"]].append(node)

    # Journeys, as rows of steps.
    steps_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for node in kinds["step"]:
        data = graph.nodes[node]
        steps_of[data["journey_id"]].append((data["order"], node))
    journeys = sorted(
        kinds["journey"],
        key=lambda n: (graph.nodes[n]["label"].casefold(), n),
    )
    longest = max((len(s) for s in steps_of.values()), default=0)
    row_width = (longest + 2) * STEP_GAP
    rows = len(journeys)
    columns = max(1, round(math.sqrt(rows * ROW_GAP * 2 / max(row_width, 1))))
    per_column = max(1, math.ceil(rows / columns))
    for index, journey in enumerate(journeys):
        column, row = divmod(index, per_column)
        x0, y = column * row_width, row * ROW_GAP
        positions[journey] = (float(x0), float(y))
        steps = sorted(steps_of[graph.nodes[journey]["journey_id"]])
        for place, (_, step) in enumerate(steps, start=1):
            positions[step] = (float(x0 + place * STEP_GAP), float(y))
    grid_width = columns * row_width if journeys else 0

    # Agencies and their services.
    services_of: dict[str | None, list[str]] = defaultdict(list)
    for node in sorted(kinds["service"], key=lambda n: graph.nodes[n]["service_id"]):
        owner = graph.nodes[node]["owner_agency_id"]
        services_of[network.node_id("agency", owner) if owner else None].append(node)

    def step_x(agency: str) -> float:
        xs = [
            positions[t][0]
            for t in graph.successors(agency)
            if graph.nodes[t]["kind"] == "step"
        ]
        return sum(xs) / len(xs) if xs else math.inf

    agencies = sorted(
        kinds["agency"],
        key=lambda n: (step_x(n), graph.nodes[n]["label"].casefold(), n),
    )
    cells: list[tuple[str | None, float]] = [
        (a, _cell_size(len(services_of.get(a, ())))) for a in agencies
    ]
    if services_of.get(None):
        cells.append((None, _cell_size(len(services_of[None]))))
    area = sum(size * size for _, size in cells)
    band_width = max(grid_width, math.sqrt(area * 2), AGENCY_CELL)
    x = y = band_height = 0.0
    placed: list[tuple[str | None, float, float, float]] = []
    for agency, size in cells:
        if x > 0 and x + size > band_width:
            y += band_height
            x = band_height = 0.0
        placed.append((agency, x + size / 2, y + size / 2, size))
        x += size
        band_height = max(band_height, size)
    top = y + band_height + ROW_GAP  # the bands' total height
    for agency, cx, cy, _ in placed:
        cy -= top
        if agency is not None:
            positions[agency] = (round(cx, 1), round(cy, 1))
        for index, service in enumerate(services_of.get(agency, ()), start=1):
            positions[service] = _sunflower(cx, cy, index)
    return positions


def _cell_size(services: int) -> float:
    radius = SERVICE_SPACING * math.sqrt(services + 1)
    return max(AGENCY_CELL, 2 * radius + SERVICE_SPACING * 2)


_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def _sunflower(cx: float, cy: float, index: int) -> tuple[float, float]:
    radius = SERVICE_SPACING * math.sqrt(index + 0.5)
    angle = index * _GOLDEN_ANGLE
    return (
        round(cx + radius * math.cos(angle), 1),
        round(cy + radius * math.sin(angle), 1),
    )


# --- the page ---------------------------------------------------------------------


_template = None


def _pyvis_template():
    global _template
    if _template is None:
        from pyvis.network import Network  # imported here: pyvis pulls in IPython

        pyvis = Network(cdn_resources="in_line")
        # This Network's own Jinja environment: compact JSON for |tojson (still
        # HTML-safe: Jinja writes <, >, & and ' as \u escapes after dumping).
        pyvis.templateEnv.policies["json.dumps_kwargs"] = {
            "sort_keys": True,
            "separators": (",", ":"),
        }
        pyvis.templateEnv.policies["json.dumps_function"] = inert_json
        _template = pyvis.templateEnv.get_template(pyvis.path)
    return _template


# Inside a JSON string: an escape sequence (kept, except \" which becomes
# \u0022) or a character that could make typed text look like markup or an
# attribute (written as \uXXXX).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_IN_STRING = re.compile(r"""\\.|[<>&='"/`]""", re.S)


def _escape_in_string(found: re.Match) -> str:
    text = found.group(0)
    if text == '\\"':
        return "\\u0022"
    if text.startswith("\\"):
        return text
    return f"\\u{ord(text):04x}"


def inert_json(value, **kwargs) -> str:
    """``json.dumps`` with ``< > & = ' " / `` ` `` inside strings as ``\\uXXXX``.

    The JSON means the same (the browser shows the same text) but no typed
    name can look like a tag or an ``src=``/``href=`` attribute in the page,
    so `check_offline` can stay strict about the page's own markup.
    """
    text = json.dumps(value, **kwargs)
    return _JSON_STRING.sub(
        lambda s: '"' + _IN_STRING.sub(_escape_in_string, s.group(0)[1:-1]) + '"',
        text,
    )


def _render(
    nodes: list[dict],
    edges: list[dict],
    options: dict,
    height: int,
    positioned: bool,
) -> str:
    page = _pyvis_template().render(
        height=f"{int(height)}px",
        width="100%",
        nodes=nodes,
        edges=edges,
        heading="",
        options=json.dumps(options),
        physics_enabled=not positioned,
        use_DOT=False,
        dot_lang="",
        widget=False,
        bgcolor="#ffffff",
        conf=False,
        tooltip_link=False,  # never pyvis's innerHTML popup
        neighborhood_highlight=not positioned,
        select_menu=False,
        filter_menu=False,
        notebook=False,
        cdn_resources="in_line",
    )
    # The browser reads CR LF and CR as LF; do it first so script hashes match.
    page = page.replace("\r\n", "\n").replace("\r", "\n")
    page = _CDN_LINK.sub("", page)
    page = _CDN_SCRIPT.sub("", page)
    page = _OLD_COMMENT.sub("", page)
    page = _EMPTY_HEADING.sub("", page)
    page = page.replace("<html>", '<html lang="en">', 1)
    page = page.replace(
        '<meta charset="utf-8">',
        '<meta charset="utf-8">\n<title>Agency graph</title>',
        1,
    )
    # pyvis's utils.js assigns highlightActive without declaring it.
    page = page.replace("<script>", "<script>let highlightActive = false;\n", 1)
    page = page.replace(
        '<div id="mynetwork" class="card-body"></div>',
        '<div id="mynetwork" class="card-body" role="img" aria-label="'
        f"Agency graph of {len(nodes)} nodes and {len(edges)} links; the same "
        'facts are in the tables beside it."></div>',
        1,
    )
    if not positioned:
        page = page.replace(
            "return network;",
            'network.once("stabilizationIterationsDone", function () {\n'
            "  network.setOptions({physics: {enabled: false}});\n"
            "});\nreturn network;",
            1,
        )
    page = _with_content_security_policy(page)
    check_offline(page)
    return page


def _with_content_security_policy(page: str) -> str:
    hashes = " ".join(
        "'sha256-"
        + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        + "'"
        for body in _INLINE_SCRIPT.findall(page)
    )
    policy = (
        "default-src 'none'; "
        f"script-src {hashes}; "
        "style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; connect-src 'none'; "
        "form-action 'none'; base-uri 'none'"
    )
    return page.replace(
        "<title>Agency graph</title>",
        "<title>Agency graph</title>\n"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        1,
    )


def _attribute_before(page: str, address: str, pattern: re.Pattern):
    """The first match of ``pattern`` ending just after an ``address`` start."""
    at = page.find(address)
    while at >= 0:
        end = at + len(address)
        found = pattern.search(page, max(0, at - 80), end)
        if found:
            return found
        at = page.find(address, end)
    return None


def check_offline(page: str) -> None:
    """Raise `OfflineViolation` if the page would load anything from elsewhere:
    a ``src``/``href`` naming another host, or a relative ``lib/`` path."""
    found = _attribute_before(page, "//", _FOREIGN_URL) or _attribute_before(
        page, "lib/", _LIB_PATH
    )
    if found:
        start = max(0, found.start() - 60)
        raise OfflineViolation(
            "the graph page refers to another host or a lib/ file: "
            + page[start : found.end() + 60]
        )


# --- the same facts, as tables -----------------------------------------------------


def graph_tables(graph: nx.DiGraph) -> dict[str, list[dict]]:
    """The facts of the picture as tables (lists of rows with plain values),
    by title, for a sortable table each: the accessible equivalent.

    Every row holds text and numbers only; nothing is HTML.
    """
    return {
        "Hand-offs per journey": [
            {
                "Journey": j.journey,
                "Hand-offs": j.handoffs,
                "Agencies met, in order": " → ".join(j.route),
                "Steps": j.steps,
                "Steps with no owner": j.unowned_steps,
                "Owning agencies": j.agencies,
            }
            for j in network.handoffs_per_journey(graph)
        ],
        "Agency pairs by hand-offs": [
            {
                "From agency": p.from_agency,
                "To agency": p.to_agency,
                "Hand-offs": p.handoffs,
                "Journeys": p.journeys,
                "Personas": p.personas,
                "In journeys": ", ".join(p.journey_titles),
            }
            for p in network.top_agency_pairs(graph, limit=None)
        ],
        "Steps with no owning agency": [
            {"Journey": s.journey, "Step": s.step, "Channel": s.channel}
            for s in network.unowned_steps(graph)
        ],
        "Agencies by centrality": [
            {
                "Agency": r.agency,
                "Partner agencies": r.partners,
                "Degree rank": r.degree_rank,
                "Betweenness": round(r.betweenness, 3),
                "Betweenness rank": r.betweenness_rank,
                "Hands citizens on": r.handoffs_out,
                "Receives citizens": r.handoffs_in,
                "Steps owned": r.owned_steps,
                "Steps supported": r.supported_steps,
                "Services": r.services,
                "Group": r.group,
            }
            for r in network.agency_ranks(graph)
        ],
        "Groups of agencies that work together": [
            {
                "Group": c.number,
                "Agencies": ", ".join(c.agencies),
                "Size": len(c.agencies),
                "Links inside": c.links,
            }
            for c in network.communities(graph)
        ],
    }
