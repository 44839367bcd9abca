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
from journeys.workspace import Workspace

PLANNERS: dict[str, Callable[[Workspace, SourceFile], MeasurePlan]] = {
    "gc-service-standards": lambda ws, source: plan_gc_standards(source),
    "a11-question-scores": lambda ws, source: plan_a11_scores(source),
    "myla311-requests": lambda ws, source: plan_myla311(source),
    "performance-platform-kpis": lambda ws, source: plan_performance_kpis(source),
    "measurements-csv": plan_measurements_csv,
}


def preview(ws: Workspace, kind: str, source: SourceFile) -> MeasurePlan:
    """Read ``source`` as ``kind`` and check it against the workspace, without
    writing. Raises `ImportFailed` for a file already imported or unreadable."""
    refuse_repeat(ws, kind, source)
    return resolve(ws, PLANNERS[kind](ws, source))
