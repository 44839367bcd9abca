"""KPIs over survey responses (issue #5): ours against pandas, in the same run.

Two measurements, each on data generated here from a fixed seed:

* **KPI computation over 1,000,000 survey answers** stored in a workspace
  (NPS, CSAT and effort, 50 journeys x 8 stages x 12 months: 14,400 groups).
  Ours: `storage.measures.response_histograms` (one SQLite GROUP BY that
  counts answers per value) and `journeys.surveys.measure_kpis` on the
  counts. pandas: ``read_sql_query`` of the same answers, then ``groupby``
  with the same formulas. Both results are compared and must agree to 1e-9.
  A second pandas figure leaves out reading from SQLite (the DataFrame is
  already in memory), to show what the groupby alone costs.
* **Importing a 200,000-row survey CSV** (respondent, submitted time, an NPS
  and a CSAT answer; 2% duplicate respondents, 1% "N/A", 0.5% off the
  scale). Ours: `journeys.surveys.import_survey` (read, check every answer,
  keep each respondent's latest, write all or nothing, then the monthly
  KPIs). pandas: ``read_csv``, ``to_numeric`` and range checks,
  ``drop_duplicates`` keeping the latest, ``to_sql`` into the same table,
  with its defaults (no monthly KPIs). Both must store the same answers.

Each figure runs in its own Python process, so memory is not shared between
them: time is the median of `REPEATS` runs; peak memory is the largest rise
of the process's resident set (VmHWM, reset before each run through
/proc/self/clear_refs) over what it held just before the run.
"""

import csv
import json
import logging
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from bench.report import Result

logger = logging.getLogger(__name__)

REPEATS = 3
ANSWERS = 1_000_000
IMPORT_ROWS = 200_000
JOURNEYS, STAGES, MONTHS = 50, 8, 12
MEASURES = ("nps", "csat", "ces")
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 5)}
BASELINE = "pandas"


# --- data ------------------------------------------------------------------------


def build_answers(path: Path, count: int = ANSWERS, seed: int = 5) -> None:
    """A workspace holding ``count`` survey answers over journeys and stages."""
    from journeys.workspace import Workspace

    rng = random.Random(seed)
    with Workspace.open(path) as ws:
        _fill(ws, rng, count, seed)
        ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _fill(ws, rng: random.Random, count: int, seed: int) -> None:
    from journeys import maps
    from journeys.access import SYSTEM
    from journeys.models import Journey, Stage
    from storage import measures, queries

    with ws.transaction():
        places = []
        for j in range(JOURNEYS):
            journey = maps.create_journey(ws, SYSTEM, Journey(f"Journey {j + 1}"))
            for s in range(STAGES):
                places.append(
                    (journey, maps.add_stage(ws, SYSTEM, journey, Stage(f"Stage {s}")))
                )
        import_id = queries.record_import(
            ws.db, "bench", "generated", f"seed-{seed}", "2024-01-01", "bench", ""
        )
        batch = []
        for number in range(count):
            measure = MEASURES[number % len(MEASURES)]
            low, high = SCALES[measure]
            journey, stage = places[rng.randrange(len(places))]
            month = rng.randrange(MONTHS) + 1
            batch.append(
                (
                    import_id,
                    "bench",
                    f"r{number // len(MEASURES)}",
                    f"2024-{month:02d}-15 12:00:00",
                    1,
                    journey,
                    stage,
                    "",
                    f"2024-{month:02d}",
                    measure,
                    float(rng.randint(low, high)),
                )
            )
            if len(batch) == 50_000:
                measures.insert_responses(ws.db, batch)
                batch = []
        measures.insert_responses(ws.db, batch)


def build_import_csv(path: Path, rows: int = IMPORT_ROWS, seed: int = 6) -> None:
    """A survey CSV with duplicates, blanks and answers off the scale."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent_id", "submitted_at", "nps", "csat"])
        for number in range(rows):
            respondent = number
            if number and rng.random() < 0.02:
                respondent = rng.randrange(number)  # answered again later
            day = 1 + number * 360 // rows
            month, date = 1 + (day - 1) // 30, 1 + (day - 1) % 28
            nps = str(rng.randint(0, 10))
            csat = str(rng.randint(1, 5))
            if rng.random() < 0.01:
                nps = "N/A"
            if rng.random() < 0.005:
                csat = "7"
            writer.writerow(
                [
                    f"R{respondent:07d}",
                    f"2024-{month:02d}-{date:02d} {number % 24:02d}:00:00",
                    nps,
                    csat,
                ]
            )


# --- the computations ------------------------------------------------------------


def ours_kpis(path: str) -> dict:
    from journeys.surveys import measure_kpis
    from journeys.workspace import Workspace
    from storage import measures

    counts: dict[tuple, Counter] = defaultdict(Counter)
    with Workspace.open(path) as ws:
        for (
            _s,
            measure,
            journey,
            stage,
            _c,
            period,
            value,
            n,
        ) in measures.response_histograms(ws.db):
            counts[(measure, journey, stage, period)][value] += n
    result = {}
    for (measure, journey, stage, period), found in counts.items():
        for key, _suffix, ratio in measure_kpis(measure, found):
            result[(key, journey, stage, period)] = ratio.value
    return result


def pandas_frame(path: str):
    import sqlite3

    import pandas as pd

    with sqlite3.connect(path) as conn:
        return pd.read_sql_query(
            "SELECT measure, journey_id, stage_id, period, value FROM survey_response",
            conn,
        )


def pandas_kpis_of(frame) -> dict:
    keys = ["journey_id", "stage_id", "period"]
    result = {}
    nps = frame[frame["measure"] == "nps"]
    score = (nps["value"] >= 9).astype(int) - (nps["value"] <= 6).astype(int)
    for key, value in score.groupby([nps[k] for k in keys]).mean().items():
        result[("nps", *key)] = value
    csat = frame[frame["measure"] == "csat"]
    top = (csat["value"] >= 4).astype(float)
    for key, value in top.groupby([csat[k] for k in keys]).mean().items():
        result[("csat", *key)] = value
    for key, value in csat.groupby(keys)["value"].mean().items():
        result[("csat_mean", *key)] = value
    ces = frame[frame["measure"] == "ces"]
    for key, value in ces.groupby(keys)["value"].mean().items():
        result[("ces", *key)] = value
    return result


def pandas_kpis(path: str) -> dict:
    return pandas_kpis_of(pandas_frame(path))


def ours_import(db: str, csv_path: str) -> int:
    from journeys.access import SYSTEM
    from journeys.surveys import import_survey
    from journeys.workspace import Workspace

    with Workspace.open(db) as ws:
        import_survey(
            ws,
            SYSTEM,
            csv_path,
            mapping={"nps": "nps", "csat": "csat"},
            survey="bench",
        )
        return ws.db.execute("SELECT count(*) FROM survey_response").fetchone()[0]


def pandas_import(db: str, csv_path: str) -> int:
    import sqlite3

    import pandas as pd

    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame = frame.sort_values("submitted_at", kind="stable")
    frame = frame.drop_duplicates("respondent_id", keep="last")
    long = frame.melt(
        id_vars=["respondent_id", "submitted_at"],
        value_vars=["nps", "csat"],
        var_name="measure",
        value_name="answer",
    )
    long["value"] = pd.to_numeric(long["answer"], errors="coerce")
    low = long["measure"].map({"nps": 0, "csat": 1})
    high = long["measure"].map({"nps": 10, "csat": 5})
    valid = long["value"].between(low, high) & (long["value"] % 1 == 0)
    long = long[valid]
    stored = pd.DataFrame(
        {
            "import_id": 1,
            "survey": "bench",
            "respondent_id": long["respondent_id"],
            "submitted_at": long["submitted_at"],
            "complete": 1,
            "channel": "",
            "period": long["submitted_at"].str[:7],
            "measure": long["measure"],
            "value": long["value"],
        }
    )
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO import_run (id, kind, file_name, sha256, at, actor)"
            " VALUES (1, 'pandas', 'bench.csv', 'x', '2024-01-01', 'bench')"
        )
        stored.to_sql("survey_response", conn, if_exists="append", index=False)
        return conn.execute("SELECT count(*) FROM survey_response").fetchone()[0]


# --- measuring in a child process -------------------------------------------------


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _child(case: str, args: list[str]) -> dict:
    """Run one case REPEATS times in this process; report times and peaks."""
    import pandas  # noqa: F401  (imported up front on both sides, not measured)

    import journeys.surveys  # noqa: F401

    work = {
        "ours-kpis": lambda: ours_kpis(args[0]),
        "pandas-kpis": lambda: pandas_kpis(args[0]),
        "ours-import": lambda: ours_import(args[0], args[1]),
        "pandas-import": lambda: pandas_import(args[0], args[1]),
    }[case]
    times, peaks, answer = [], [], None
    frame = pandas_frame(args[0]) if case == "pandas-kpis" else None
    in_memory = []
    for repeat in range(REPEATS):
        if case.endswith("import"):
            fresh = Path(args[0]).with_name(f"import-{case}-{repeat}.db")
            shutil.copyfile(args[2], fresh)
            work = {
                "ours-import": lambda f=fresh: ours_import(str(f), args[1]),
                "pandas-import": lambda f=fresh: pandas_import(str(f), args[1]),
            }[case]
        exact = _reset_peak()
        before = _status("VmRSS")
        started = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - started)
        peaks.append(_status("VmHWM") - before if exact else 0)
        if frame is not None:
            started = time.perf_counter()
            pandas_kpis_of(frame)
            in_memory.append(time.perf_counter() - started)
    if case.endswith("kpis"):
        answer = {"|".join(map(str, k)): v for k, v in answer.items()}
    return {
        "seconds": statistics.median(times),
        "peak": max(peaks),
        "exact_peak": _reset_peak(),
        "answer": answer,
        "in_memory": statistics.median(in_memory) if in_memory else None,
    }


def _measure(case: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.kpis", case, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        raise RuntimeError(f"{case} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.splitlines()[-1])


def _agree(ours: dict, theirs: dict) -> str:
    if ours.keys() != theirs.keys():
        return f"DIFFERENT GROUPS ({len(ours)} ours, {len(theirs)} pandas)"
    worst = max(abs(ours[k] - theirs[k]) for k in ours)
    if worst > 1e-9:
        return f"VALUES DIFFER by up to {worst:g}"
    return f"{len(ours):,} KPI values agree"


def run() -> Iterator[Result]:
    from journeys.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="bench-kpis-") as folder:
        folder = Path(folder)
        answers = folder / "answers.db"
        logger.info("building %s survey answers", f"{ANSWERS:,}")
        build_answers(answers)
        ours = _measure("ours-kpis", str(answers))
        theirs = _measure("pandas-kpis", str(answers))
        agreement = _agree(ours["answer"], theirs["answer"])
        what = (
            f"KPIs over {ANSWERS:,} survey answers "
            f"({JOURNEYS * STAGES * MONTHS:,} journey x stage x month groups)"
        )
        yield Result(
            f"{what}: time",
            "s",
            ours["seconds"],
            theirs["seconds"],
            BASELINE,
            note=f"{agreement}; pandas groupby alone, data already in memory: "
            f"{theirs['in_memory']:.2f} s",
        )
        yield Result(
            f"{what}: peak memory", "MB", ours["peak"], theirs["peak"], BASELINE
        )

        csv_path = folder / "import.csv"
        build_import_csv(csv_path)
        empty = folder / "empty.db"
        Workspace.open(empty).close()
        ours = _measure("ours-import", str(folder / "x.db"), str(csv_path), str(empty))
        theirs = _measure(
            "pandas-import", str(folder / "x.db"), str(csv_path), str(empty)
        )
        same = (
            f"both stored {ours['answer']:,} answers"
            if ours["answer"] == theirs["answer"]
            else f"STORED DIFFERENT COUNTS: ours {ours['answer']:,}, pandas "
            f"{theirs['answer']:,}"
        )
        size = csv_path.stat().st_size / 1_000_000
        what = f"import of a {IMPORT_ROWS:,}-row survey CSV ({size:.1f} MB)"
        yield Result(
            f"{what}: time",
            "s",
            ours["seconds"],
            theirs["seconds"],
            BASELINE,
            note=f"{same}; ours also works out the monthly KPIs",
        )
        yield Result(
            f"{what}: peak memory", "MB", ours["peak"], theirs["peak"], BASELINE
        )


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(_child(sys.argv[1], sys.argv[2:])))
