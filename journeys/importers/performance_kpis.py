"""Import GOV.UK Performance Platform channel and cost data (JSON bundle).

The bundle has the shape of the team's Performance Platform file
(``{"_source": ..., "files": {path: {"commit", "description", "content"}}}``,
see `journeys.importers.performance_platform`). This importer reads the
responses that importer does not:

* ``<slug>_weekly_by_channel.json``: weekly claims per channel (``key`` such
  as ``ca_e_claims_received`` / ``ca_clerical_received``, ``value:sum`` per
  week). Each becomes ``transactions`` on the dashboard's journey per channel
  (e-claims "online", clerical "post"), and each week with both channels
  ``digital_take_up`` = online / all channels. The dashboard definition with
  the same slug names the journey (its transaction link, as the other
  importer does) and its department.
* ``kpi.json``-style Transactions Explorer summaries (``service_id``,
  ``cost_per_transaction``, ``digital_cost_per_transaction``,
  ``digital_takeup``, ``number_of_transactions``,
  ``number_of_digital_transactions``, ``total_cost`` per rolling year):
  ``cost_per_transaction`` = total_cost / number_of_transactions (overall;
  the published digital CPT under channel "online"), ``digital_take_up`` =
  digital / all transactions, ``transactions`` (overall and online) and
  ``total_cost``, with the service id as segment. A published figure that
  disagrees with the one worked out from the counts is reported in the notes.

Periods: ``_end_at``/``end_at`` are exclusive, so a period ends the day
before. A null count leaves that week out, reported. Everything else in the
bundle (funnels, satisfaction, other dashboards) is noted as not read here.
"""

import datetime
import logging
from typing import Any

from journeys.access import Actor
from journeys.errors import ImportFailed
from journeys.importers.common import (
    ImportResult,
    Source,
    check_may_import,
    load_json,
    read_source,
    strip_html,
)
from journeys.importers.measure_plan import (
    READ_SHARE,
    Draft,
    MeasurePlan,
    Progress,
    run_import,
)
from journeys.models import Agency, Journey
from journeys.wording import counted
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

KIND = "performance-platform-kpis"
CHANNEL_WORDS = (
    ("e_claim", "online"),
    ("digital", "online"),
    ("online", "online"),
    ("web", "online"),
    ("clerical", "post"),
    ("paper", "post"),
    ("post", "post"),
    ("phone", "phone"),
    ("telephone", "phone"),
)
SUMMARY_FIELDS = ("service_id", "number_of_transactions", "total_cost")
# Published ratios may be rounded (2.57 for 2.5700...): differences below
# this are the publisher's rounding, not a disagreement.
TOLERANCE = 0.006


def import_performance_kpis(
    ws: Workspace,
    actor: Actor,
    source: Source,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a bundle's channel and cost data, all or nothing."""
    check_may_import(actor)
    source = read_source(source, name)
    return run_import(ws, actor, plan_performance_kpis(source), progress)


def channel_of(key: str) -> str | None:
    """The channel a Performance Platform series key is about, or None.

    >>> channel_of("ca_e_claims_received"), channel_of("ca_clerical_received")
    ('online', 'post')
    """
    words = key.casefold()
    for fragment, channel in CHANNEL_WORDS:
        if fragment in words:
            return channel
    return None


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".json").replace("_", "-").lower()


def _data(content: Any) -> list | None:
    data = content.get("data") if isinstance(content, dict) else None
    return data if isinstance(data, list) else None


def _is_by_channel(content: Any) -> bool:
    data = _data(content)
    return bool(data) and all(
        isinstance(g, dict) and "key" in g and isinstance(g.get("values"), list)
        for g in data
    )


def _is_summary(content: Any) -> bool:
    data = _data(content)
    return bool(data) and all(
        isinstance(r, dict) and all(f in r for f in SUMMARY_FIELDS) for r in data
    )


def plan_performance_kpis(source, progress: Progress | None = None) -> MeasurePlan:
    """Read the bundle into a plan, without writing. ``progress`` (see
    `journeys.progress`) hears when the JSON is read and when it is checked:
    a bundle is a few files of weekly figures, read in one go."""
    document = load_json(source)
    if progress:
        progress(READ_SHARE, "file read")
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, dict):
        raise ImportFailed(
            source.name, "'files' is missing: not a Performance Platform bundle"
        )
    plan = MeasurePlan(KIND, source)
    contents = {
        path: entry.get("content")
        for path, entry in files.items()
        if isinstance(entry, dict)
    }
    dashboards = {
        content["slug"]: content
        for content in contents.values()
        if isinstance(content, dict)
        and isinstance(content.get("slug"), str)
        and isinstance(content.get("modules"), list)
    }
    used = 0
    for path, content in contents.items():
        if _is_by_channel(content):
            used += 1
            _read_by_channel(plan, path, content, dashboards)
        elif _is_summary(content):
            used += 1
            _read_summaries(plan, path, content)
        elif not (isinstance(content, dict) and content.get("slug") in dashboards):
            plan.notes.append(f"'{path}' is not channel or cost data: not read here")
    if not used:
        raise ImportFailed(
            source.name,
            "holds no weekly-by-channel or cost-per-transaction data (files with "
            "'key' and 'values' per channel, or rows with 'service_id', "
            "'number_of_transactions' and 'total_cost')",
        )
    if progress:
        progress(1.0, f"{counted(used, 'file', 'files')} of figures checked")
    return plan


def _day(value: Any) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _period(row: dict, start_key: str, end_key: str) -> tuple[str, str] | None:
    start, end = _day(row.get(start_key)), _day(row.get(end_key))
    if start is None or end is None or end <= start:
        return None
    return start.isoformat(), (end - datetime.timedelta(days=1)).isoformat()


def _count(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def _read_by_channel(plan, path, content, dashboards) -> None:
    stem = _stem(path)
    slug = stem.removesuffix("-weekly-by-channel")
    dashboard = dashboards.get(slug)
    if dashboard is None:
        plan.problem(
            None,
            path,
            slug,
            f"no dashboard definition with slug '{slug}' names its journey",
        )
        return
    title, department = _journey_of(dashboard)
    if department:
        plan.agencies.setdefault(department.name, department)
        plan.journey_agency[title] = department.name
    plan.journeys.setdefault(
        title,
        Journey(
            title=title,
            description=strip_html(dashboard.get("description")),
            source=f"GOV.UK Performance Platform dashboard '{slug}'",
        ),
    )
    weeks: dict[tuple[str, str], dict[str, float]] = {}
    for group_number, group in enumerate(content["data"], start=1):
        key = str(group.get("key"))
        channel = channel_of(key)
        if channel is None:
            plan.problem(None, f"{path} group {group_number}", key, "unknown channel")
            continue
        for value in group["values"]:
            plan.rows_read += 1
            period = (
                _period(value, "_start_at", "_end_at")
                if isinstance(value, dict)
                else None
            )
            if period is None:
                plan.problem(None, f"{path}, {key}", value, "no readable week")
                continue
            count = _count(value.get("value:sum"))
            if count is None:
                plan.problem(
                    None,
                    f"{path}, {key}",
                    f"week {period[0]}",
                    "no count (null) for the week",
                )
                continue
            weeks.setdefault(period, {})
            weeks[period][channel] = weeks[period].get(channel, 0) + count
            plan.drafts.append(
                Draft(
                    "transactions",
                    *period,
                    count,
                    journey=title,
                    channel=channel,
                    label=f"Claims received ({key})",
                )
            )
    for period, by_channel in sorted(weeks.items()):
        if "online" in by_channel and len(by_channel) > 1:
            everyone = sum(by_channel.values())
            if everyone:
                plan.drafts.append(
                    Draft(
                        "digital_take_up",
                        *period,
                        by_channel["online"] / everyone,
                        numerator=by_channel["online"],
                        denominator=everyone,
                        journey=title,
                        label="Online claims / claims in all channels",
                    )
                )


def _journey_of(dashboard: dict) -> tuple[str, Agency | None]:
    related = dashboard.get("relatedPages")
    transaction = related.get("transaction") if isinstance(related, dict) else None
    title = transaction.get("title") if isinstance(transaction, dict) else None
    if not isinstance(title, str) or not title.strip():
        title = dashboard.get("title") or dashboard["slug"]
    department = dashboard.get("department")
    agency = None
    if isinstance(department, dict) and isinstance(department.get("title"), str):
        short = department.get("abbr")
        agency = Agency(
            department["title"].strip(),
            "government",
            short if isinstance(short, str) else None,
        )
    return " ".join(str(title).split()), agency


def _read_summaries(plan, path, content) -> None:
    disagreements = []
    for index, row in enumerate(content["data"], start=1):
        plan.rows_read += 1
        service = str(row.get("service_id") or "").strip()
        period = _period(row, "_timestamp", "end_at")
        where = f"{path}, entry {index}"
        if not service or period is None:
            plan.problem(
                None, where, service or "(no service_id)", "no service or period"
            )
            continue
        transactions = _count(row.get("number_of_transactions"))
        digital = _count(row.get("number_of_digital_transactions"))
        cost = _count(row.get("total_cost"))
        label = f"Transactions Explorer '{service}', {row.get('period', 'period')}"
        common = {"segment": service, "label": label}
        if transactions:
            plan.drafts.append(Draft("transactions", *period, transactions, **common))
        if cost is not None:
            plan.drafts.append(Draft("total_cost", *period, cost, **common))
        if cost is not None and transactions:
            plan.drafts.append(
                Draft(
                    "cost_per_transaction",
                    *period,
                    cost / transactions,
                    numerator=cost,
                    denominator=transactions,
                    **common,
                )
            )
            published = _count(row.get("cost_per_transaction"))
            if published is not None and abs(published - cost / transactions) > (
                TOLERANCE
            ):
                disagreements.append(f"cost per transaction, entry {index}")
        digital_cpt = _count(row.get("digital_cost_per_transaction"))
        if digital_cpt is not None:
            plan.drafts.append(
                Draft(
                    "cost_per_transaction",
                    *period,
                    digital_cpt,
                    channel="online",
                    **common,
                )
            )
        if digital is not None and transactions:
            if digital > transactions:
                plan.problem(
                    None,
                    where,
                    f"{digital:,g} of {transactions:,g}",
                    "more digital transactions than transactions: take-up above 100%",
                )
                continue
            plan.drafts.append(
                Draft("transactions", *period, digital, channel="online", **common)
            )
            plan.drafts.append(
                Draft(
                    "digital_take_up",
                    *period,
                    digital / transactions,
                    numerator=digital,
                    denominator=transactions,
                    **common,
                )
            )
            published = _count(row.get("digital_takeup"))
            if published is not None and abs(published - digital / transactions) > (
                TOLERANCE
            ):
                disagreements.append(f"digital take-up, entry {index}")
    if disagreements:
        plan.notes.append(
            f"'{path}': the published figure differs from the one worked out "
            f"from the counts for {', '.join(disagreements)}; the counts were kept"
        )
