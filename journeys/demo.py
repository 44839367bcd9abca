"""The demo workspace: real public journeys, personas and measurements.

Built from the files in ``journeys/sources/`` (see ATTRIBUTION.md there), so
that a new workspace shows material nobody on the team wrote: GOV.UK's "Learn
to drive a car" and "Get a divorce" step by steps and the Blue Badge service,
17 personas, and Carer's Allowance users at each step and satisfaction.
"""

import logging
from dataclasses import dataclass, field
from importlib import resources

from journeys import demo_kpis, metrics
from journeys.access import SYSTEM, Actor, Role, require
from journeys.importers import ImportResult, SourceFile, import_file
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

# (importer kind, file in journeys/sources), in the order they are imported.
DEMO_FILES = (
    ("govuk-step-by-step", "govuk_step_by_step_journeys_and_transaction.json"),
    ("personas-markdown", "personas_govuk_accessibility_and_va_veterans.md"),
    ("performance-platform", "govuk_performance_platform_carers_allowance.json"),
    # Measurements for the Goals & KPIs page (issue #5).
    ("performance-platform-kpis", "govuk_performance_platform_channels_and_costs.json"),
    ("gc-service-standards", "gc_service_standards_performance_2023-24_en.csv"),
    ("a11-question-scores", "perfgov_hisp_va_vha_a11_question_scores_2019-2020.csv"),
    ("myla311-requests", "la_myla311_service_requests_jan2020_sample.csv"),
)


@dataclass
class DemoSummary:
    """What building the demo added: the KPI library and each file's result."""

    kpis: int = 0
    results: list[ImportResult] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"{self.kpis} standard KPIs"]
        parts += [f"{r.file_name}: {r.summary()}" for r in self.results]
        return "; ".join(parts)

    def created(self, what: str) -> int:
        """How many rows of one kind (``"persona"``, ``"journey"``...) were added."""
        return sum(r.created.get(what, 0) for r in self.results)


def source_file(file_name: str) -> SourceFile:
    """One of the demo's source files, read from the installed package."""
    data = resources.files("journeys").joinpath("sources", file_name).read_bytes()
    return SourceFile(file_name, data)


def build_demo(ws: Workspace, actor: Actor = SYSTEM) -> DemoSummary:
    """Add the standard KPIs and import every demo file, all in one transaction.

    Meant for an empty workspace: a demo file already imported is refused
    (`ImportFailed`) and nothing is added. Needs the admin role.
    """
    require(actor, Role.ADMIN, "build the demo workspace")
    summary = DemoSummary()
    with ws.transaction():
        summary.kpis = len(metrics.ensure_standard_kpis(ws, actor))
        for kind, file_name in DEMO_FILES:
            summary.results.append(import_file(ws, actor, kind, source_file(file_name)))
        # The online tax return seed journey and shared goals on the data.
        demo_kpis.add_seed_journey(ws, actor)
        demo_kpis.add_demo_goals(ws, actor)
    logger.info("demo workspace built in %s: %s", ws.path, summary)
    return summary


def build_demo_if_empty(ws: Workspace, actor: Actor = SYSTEM) -> DemoSummary | None:
    """Build the demo only when the workspace holds nothing yet; else None."""
    if not ws.is_empty():
        logger.info("%s already holds data; demo not built", ws.path)
        return None
    return build_demo(ws, actor)
