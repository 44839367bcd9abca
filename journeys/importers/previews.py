"""The measurement importers that show a preview before writing, by kind.

A page calls `preview` to read a file into a resolved `MeasurePlan` (nothing
written), shows its summary, notes, first rows and problems, and then calls
`measure_plan.write_plan` once the person confirms.
"""

from collections.abc import Callable

from journeys.importers.a11_scores import plan_a11_scores
from journeys.importers.common import SourceFile
from journeys.importers.gc_standards import plan_gc_standards
from journeys.importers.measure_plan import MeasurePlan, refuse_repeat, resolve
from journeys.importers.measurements_csv import plan_measurements_csv
from journeys.importers.myla311 import plan_myla311
from journeys.importers.performance_kpis import plan_performance_kpis
from journeys.progress import Progress, part
from journeys.workspace import Workspace
from storage import measures

Planner = Callable[[Workspace, SourceFile, Progress | None], MeasurePlan]
PLANNERS: dict[str, Planner] = {
    "gc-service-standards": lambda ws, source, progress: plan_gc_standards(
        source, progress
    ),
    "a11-question-scores": lambda ws, source, progress: plan_a11_scores(
        source, progress
    ),
    "myla311-requests": lambda ws, source, progress: plan_myla311(source, progress),
    "performance-platform-kpis": lambda ws, source, progress: plan_performance_kpis(
        source, progress
    ),
    "measurements-csv": plan_measurements_csv,
}
# Share of the progress bar for reading and checking the file; the rest is
# checking its measurements against the workspace. The file is most of the
# work: 70,000 MyLA311 requests make 74 measurements to check.
PLAN_SHARE = 0.9


def preview(
    ws: Workspace, kind: str, source: SourceFile, progress: Progress | None = None
) -> MeasurePlan:
    """Read ``source`` as ``kind`` and check it against the workspace, without
    writing. Raises `ImportFailed` for a file already imported or unreadable.
    ``progress`` (see `journeys.progress`) hears of the rows read and checked.
    """
    refuse_repeat(ws, kind, source)
    plan = PLANNERS[kind](ws, source, part(progress, 0.0, PLAN_SHARE))
    return resolve(ws, plan, part(progress, PLAN_SHARE, 1.0))


def checked_against(ws: Workspace) -> tuple:
    """What a preview's checks against the workspace depend on, in a form to
    compare: it changes whenever a row is written or a file imported, so a
    page may keep a preview until it does (and must make a new one then).
    """
    return (ws.path, *measures.last_write_ids(ws.db))
