"""The agency graph (issue #4): our page against pyvis with its defaults.

Two workspaces, each built fresh in a temporary folder:

* the whole Government of Canada service inventory (79 departments and
  their 1,751 services: 1,830 nodes);
* a synthetic workspace of 5,000 steps in 300 journeys owned by 200
  agencies (`bench.workspaces.build_synthetic`: 5,500 nodes).

For each, measured in the same run against the same networkx graph:

* **server build + HTML**: `journeys.network.build_network` and
  `journeys.graph_html.render_graph_html` (cache cleared first) against the
  same build followed by pyvis's default path: ``Network()``, ``add_node``
  and ``add_edge`` per item, ``generate_html()``. The one setting changed
  from pyvis's defaults is ``cdn_resources="in_line"``: the default "local"
  loads vis-network from cdnjs, so on a closed network the baseline could
  not draw at all (PITFALLS 9). Median of `REPEATS` runs.
* **HTML size**, in bytes of UTF-8.
* **time until still** in headless Chromium (`bench.browser`), from
  navigation to the moment no node moves any more, offline. A page not still
  after `CAP_SECONDS` is stopped and counted as `CAP_SECONDS`.
"""

import logging
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.browser import chromium, time_until_still
from bench.report import Result
from bench.workspaces import build_synthetic, import_gc_inventory
from journeys import graph_html, network
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

CAP_SECONDS = 120.0
REPEATS = 3
BASELINE = "pyvis defaults"


def pyvis_default_html(graph) -> str:
    """The graph through pyvis's default path (see the module docstring)."""
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    for node, data in graph.nodes(data=True):
        net.add_node(node, label=data["label"], title=data["label"])
    for source, target in graph.edges():
        net.add_edge(source, target)
    return net.generate_html()


def ours_html(graph) -> str:
    graph_html.clear_cache()
    return graph_html.render_graph_html(graph)


def _timed(ws: Workspace, render: Callable) -> tuple[float, str]:
    """Median seconds of build + render over REPEATS runs, and the last HTML."""
    times = []
    page = ""
    for _ in range(REPEATS):
        started = time.perf_counter()
        page = render(network.build_network(ws))
        times.append(time.perf_counter() - started)
    return statistics.median(times), page


def _gc_inventory(path: Path) -> Workspace:
    ws = Workspace.open(path)
    import_gc_inventory(ws)
    return ws


def _synthetic(path: Path) -> Workspace:
    ws = Workspace.open(path)
    build_synthetic(ws, steps=5000, journeys=300, agency_count=200)
    return ws


CASES = (
    ("GC service inventory, 79 departments / 1,751 services", _gc_inventory),
    ("5,000 steps / 300 journeys / 200 agencies", _synthetic),
)


def run() -> Iterator[Result]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-graph-") as folder,
        chromium() as browser,
    ):
        folder = Path(folder)
        for number, (name, make) in enumerate(CASES, start=1):
            ws = make(folder / f"case{number}.db")
            try:
                yield from _measure(name, ws, browser, folder / f"case{number}")
            finally:
                ws.close()


def _measure(name: str, ws: Workspace, browser, stem: Path) -> Iterator[Result]:
    graph = network.build_network(ws)
    size = f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"
    label = f"agency graph, {name} ({size})"
    ours_time, ours = _timed(ws, ours_html)
    base_time, base = _timed(ws, pyvis_default_html)
    yield Result(f"{label}: server build+HTML", "s", ours_time, base_time, BASELINE)
    ours_bytes, base_bytes = len(ours.encode()), len(base.encode())
    yield Result(f"{label}: HTML size", "MB", ours_bytes, base_bytes, BASELINE)
    ours_file, base_file = Path(f"{stem}-ours.html"), Path(f"{stem}-pyvis.html")
    ours_file.write_text(ours, encoding="utf-8")
    base_file.write_text(base, encoding="utf-8")
    mine = time_until_still(browser, ours_file, CAP_SECONDS)
    theirs = time_until_still(browser, base_file, CAP_SECONDS)
    notes = [
        "pyvis page never drawn"
        if theirs.first_draw is None
        else f"pyvis page first drawn at {theirs.first_draw:.1f} s"
    ]
    if mine.errors:
        notes.append(f"errors on our page: {mine.errors[:2]}")
    if mine.blocked:
        notes.append(f"our page asked for {len(mine.blocked)} outside resources")
    if theirs.blocked:
        notes.append(
            f"pyvis page's {len(theirs.blocked)} CDN requests were blocked (offline)"
        )
    if not mine.settled:
        notes.append("OUR PAGE DID NOT SETTLE")
    yield Result(
        f"{label}: time until still in headless Chromium",
        "s",
        mine.seconds,
        theirs.seconds,
        BASELINE,
        capped=not theirs.settled,
        note="; ".join(notes),
    )
