"""How the Journeys page scales: a 300-step journey against a 10-step one.

Both journeys are rendered through Streamlit's AppTest, in this process, on
workspaces built the same way: 8 personas with a feeling at every step,
40 agencies owning and supporting steps, pain points and evidence. Besides
the time, every SQL statement the page runs is counted through sqlite3's
trace callback: a page that queried once per step would show it here.

The ratio for time is how much better than linear the page scales: 30 times
the steps in ``t300 / t10`` times the time gives ``30 / (t300 / t10)``.
"""

import contextlib
import logging
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from bench.report import Result
from journeys import agencies, maps, personas
from journeys.access import SYSTEM
from journeys.models import CHANNELS, Agency, Journey, Persona, Stage, Step
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
JOURNEY_KEY = "current_journey_id"  # app_pages/shared.py keeps the choice here
RENDERS = 3  # the median of this many renders is reported, after one warm-up


def build_journey(
    path: Path, steps: int, personas_count: int = 8, agency_count: int = 40
):
    """A workspace holding one journey of ``steps`` steps; returns its id."""
    rng = random.Random(steps)
    with Workspace.open(path) as ws, ws.transaction():
        agency_ids = [
            agencies.create_agency(ws, SYSTEM, Agency(f"Bench agency {n:02d}"))
            for n in range(1, agency_count + 1)
        ]
        persona_ids = [
            personas.create_persona(ws, SYSTEM, Persona(f"Bench persona {n}"))
            for n in range(1, personas_count + 1)
        ]
        journey_id = maps.create_journey(ws, SYSTEM, Journey(f"Bench journey {steps}"))
        for persona_id in persona_ids:
            maps.link_persona(ws, SYSTEM, journey_id, persona_id)
        stage_size = min(steps, 30)  # 10 stages of 30 steps, or one of 10
        for number in range(steps):
            if number % stage_size == 0:
                name = f"Stage {number // stage_size + 1}"
                stage_id = maps.add_stage(ws, SYSTEM, journey_id, Stage(name))
            step = _step(rng, number, agency_ids, persona_ids)
            maps.add_step(ws, SYSTEM, stage_id, step)
    return journey_id


def _step(rng, number, agency_ids, persona_ids) -> Step:
    return Step(
        action=f"Step {number + 1}: give evidence of identity",
        channel=rng.choice(CHANNELS),
        touchpoint=f"/service/page-{number}",
        owning_agency_id=rng.choice(agency_ids) if rng.random() > 0.1 else None,
        emotions={str(p): rng.randint(-2, 2) for p in persona_ids},
        pain_points=[{"text": "Asked for the same document twice", "severity": "high"}],
        evidence=[{"source": "Bench research", "date": "2025-01-01"}],
    )


@contextlib.contextmanager
def counted_statements():
    """Count every SQL statement run on connections opened inside the block."""
    counter = {"statements": 0}
    original = sqlite3.connect

    def connect(*args, **kwargs):
        conn = original(*args, **kwargs)
        conn.set_trace_callback(
            lambda _sql: counter.__setitem__("statements", counter["statements"] + 1)
        )
        return conn

    sqlite3.connect = connect
    try:
        yield counter
    finally:
        sqlite3.connect = original


def render(path: Path, journey_id: int, last_action: str) -> tuple[float, int]:
    """Median seconds and SQL statements per render of the Journeys page.

    Raises if the page does not show the journey's last step, so the figure
    is always that of the whole map.
    """
    os.environ["JOINEDUP_DB"] = str(path)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state[JOURNEY_KEY] = journey_id
    app.run()
    app.switch_page("app_pages/journeys.py")
    app.run()  # warm-up: imports, first connection, caches
    if app.exception:
        raise RuntimeError(f"journeys page failed: {app.exception[0].message}")
    if last_action not in _page_text(app):
        raise RuntimeError(f"the journeys page did not show {last_action!r}")
    times, statements = [], []
    for _ in range(RENDERS):
        with counted_statements() as counter:
            started = time.perf_counter()
            app.run()
            times.append(time.perf_counter() - started)
        statements.append(counter["statements"])
    return statistics.median(times), int(statistics.median(statements))


def _page_text(app: AppTest) -> str:
    tables = [t.value.to_string() for t in [*app.table, *app.dataframe]]
    text = " ".join([*tables, *(m.value for m in app.markdown)])
    return text.replace("\\", "")  # user text reaches Markdown escaped


def run():
    with tempfile.TemporaryDirectory() as folder:
        small_path, large_path = Path(folder) / "small.db", Path(folder) / "large.db"
        small_id = build_journey(small_path, 10)
        large_id = build_journey(large_path, 300)
        small_time, small_sql = render(small_path, small_id, "Step 10: give")
        large_time, large_sql = render(large_path, large_id, "Step 300: give")
    growth = 30
    yield Result(
        what="journey page render, 300 steps / 8 personas / 40 agencies (AppTest)",
        unit="s",
        ours=large_time,
        baseline=small_time * growth,
        baseline_name=f"10-step journey x 30 (measured {small_time:.2f} s)",
        note="ratio: how much better than linear in the number of steps",
    )
    yield Result(
        what="SQL statements per journey page render, 300 steps",
        unit="statements",
        ours=large_sql,
        baseline=small_sql * growth,
        baseline_name=f"10-step journey x 30 (measured {small_sql})",
        note="a query per step would make the two counts differ by 290",
    )
