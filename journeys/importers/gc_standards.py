"""Import Government of Canada service standards and their performance (CSV).

The file (open.canada.ca, Open Government Licence - Canada; the English
columns of ``ss_2024.csv``) has one row per service standard: the service
(``service_id``, ``service_name_en``), the standard's wording, its channel,
its ``target`` (a share, 0.8 for 80%), how many requests met it out of how
many (``volume_meeting_target``, ``total_volume``), the ``performance`` the
department reported, ``target_met`` (Y, N or NA), and the department
(``owner_org``, ``owner_org_title`` such as "Transport Canada | Transports
Canada").

Each usable row becomes one measurement of the KPI
``service_standard_performance`` for the fiscal year (2023-2024 is
2023-04-01 to 2024-03-31), on the department as agency (the English half of
its title; short name from the code, "cfia-acia" -> "CFIA", as the service
inventory importer names them), with:

* value = volume_meeting_target / total_volume, both kept as the counts, so a
  department's or the government's performance adds up requests rather than
  averaging rates. When a row has no counts but a reported performance, the
  performance is kept without counts;
* channel: TEL phone, EML email, ONL online, PERSON in person, POST post,
  FAX fax, OTH other;
* segment "<service_id> / <service_standard_id>" (a standard id appears under
  two services) and label "<service name>: <standard>";
* target: the published target; a target of 0 means none was set (kept as
  no target).

Rows left out, each in the report with its row number: no performance
reported (blank or NA cells), no requests in the year (a rate of nothing),
more requests meeting the standard than received (a rate above 100%), and
numbers that are not numbers. ``target_met`` that disagrees with the
performance and target is counted in the notes; the counts are kept.
"""

import logging
import re
from collections import Counter

from journeys.access import Actor
from journeys.importers.common import (
    ImportResult,
    Source,
    check_may_import,
    read_source,
)
from journeys.importers.measure_plan import (
    Draft,
    MeasurePlan,
    Progress,
    number_cell,
    run_import,
    start_plan,
)
from journeys.models import Agency
from journeys.progress import in_steps
from journeys.wording import counted
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

KIND = "gc-service-standards"
KPI = "service_standard_performance"
REQUIRED = (
    "fiscal_yr",
    "service_id",
    "service_standard_id",
    "channel",
    "target",
    "volume_meeting_target",
    "total_volume",
    "performance",
    "owner_org",
    "owner_org_title",
)
CHANNELS = {
    "TEL": "phone",
    "EML": "email",
    "ONL": "online",
    "PERSON": "in person",
    "POST": "post",
    "FAX": "fax",
    "OTH": "other",
}
_FISCAL_YEAR = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")
# performance may differ from met / total by the department's rounding.
ROUNDING = 0.0005


def import_gc_standards(
    ws: Workspace,
    actor: Actor,
    source: Source,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a service standards CSV, all or nothing (see the module doc)."""
    check_may_import(actor)
    return run_import(ws, actor, plan_gc_standards(read_source(source, name)), progress)


def plan_gc_standards(source, progress: Progress | None = None) -> MeasurePlan:
    """Read the file into a plan, without writing. ``progress``: see
    `journeys.progress`."""
    table, plan, checking = start_plan(
        source, KIND, REQUIRED, "a service standards file", progress
    )
    disagreements = Counter()
    no_target = 0
    for first, rows in in_steps(table.rows, checking, "rows checked"):
        for number, row in enumerate(rows, start=first + 2):
            draft = _draft(plan, number, row)
            if draft is None:
                continue
            plan.drafts.append(draft)
            if draft.target is None:
                no_target += 1
            verdict = row.get("target_met", "").strip().upper()
            if draft.target is not None and verdict in ("Y", "N"):
                reached = draft.value + ROUNDING >= draft.target
                if reached != (verdict == "Y"):
                    disagreements[verdict] += 1
    plan.notes.append(
        f"{len(plan.drafts):,} standards for {len(plan.agencies):,} departments"
    )
    if no_target:
        plan.notes.append(f"{no_target:,} standards have no target (blank or 0)")
    if disagreements:
        plan.notes.append(
            f"{sum(disagreements.values()):,} rows say target_met "
            f"{'/'.join(sorted(disagreements))} where performance and target say "
            "otherwise; the counts were kept"
        )
    if progress:
        progress(1.0, f"{counted(plan.rows_read, 'row')} checked")
    return plan


def _draft(plan: MeasurePlan, number: int, row: dict) -> Draft | None:
    year = _FISCAL_YEAR.match(row["fiscal_yr"].strip())
    if not year or int(year.group(2)) != int(year.group(1)) + 1:
        plan.problem(number, "fiscal_yr", row["fiscal_yr"], "not a fiscal year")
        return None
    values = {}
    for column in ("target", "volume_meeting_target", "total_volume", "performance"):
        try:
            values[column] = number_cell(row[column])
        except ValueError:
            plan.problem(number, column, row[column], "not a number")
            return None
    met, total = values["volume_meeting_target"], values["total_volume"]
    performance, target = values["performance"], values["target"]
    if target is not None and not 0 <= target <= 1:
        plan.problem(number, "target", row["target"], "a target must be 0 to 1")
        return None
    numerator = denominator = None
    if met is not None and total is not None:
        if total == 0:
            plan.problem(
                number, "total_volume", row["total_volume"], "no requests in the year"
            )
            return None
        if met > total or met < 0:
            plan.problem(
                number,
                "volume_meeting_target",
                row["volume_meeting_target"],
                f"more requests met the standard than were received ({met:,g} of "
                f"{total:,g}): a rate above 100%",
            )
            return None
        numerator, denominator = met, total
        value = met / total
    elif performance is not None:
        if not 0 <= performance <= 1:
            plan.problem(
                number, "performance", row["performance"], "above 100% or below 0"
            )
            return None
        value = performance
    else:
        plan.problem(
            number,
            "performance",
            row["performance"] or "(blank)",
            "no performance reported"
            + (f" (target_met {row['target_met']})" if row.get("target_met") else ""),
        )
        return None
    channel = CHANNELS.get(row["channel"].strip().upper())
    if channel is None:
        plan.problem(number, "channel", row["channel"], "not a known channel code")
        return None
    department = _department(row)
    if department is None:
        plan.problem(number, "owner_org_title", row["owner_org_title"], "blank")
        return None
    plan.agencies.setdefault(department.name, department)
    first, last = int(year.group(1)), int(year.group(2))
    service = row.get("service_name_en", "").strip()
    standard = row.get("service_standard_en", "").strip()
    return Draft(
        kpi=KPI,
        period_start=f"{first}-04-01",
        period_end=f"{last}-03-31",
        value=value,
        numerator=numerator,
        denominator=denominator,
        target=target or None,
        agency=department.name,
        channel=channel,
        segment=f"{row['service_id'].strip()} / {row['service_standard_id'].strip()}",
        label=" ".join(f"{service}: {standard}".split())[:1000],
        row=number,
    )


def _department(row: dict) -> Agency | None:
    title = row["owner_org_title"].split("|")[0].strip()
    if not title:
        return None
    code = row["owner_org"].strip().split("-")[0].upper()
    return Agency(name=title, kind="government", short_name=code or None)
