"""Import MyLA311 service requests (City of Los Angeles open data, CSV).

One row per request: ``srnumber``, ``requesttype``, ``status``,
``createddate``, ``closeddate``, ``requestsource`` (the channel) and
``owner`` (the bureau that handles it). Other columns (addresses,
coordinates, council districts) are not read. The quirks:

* **Two-digit years**: dates look like ``1/1/20 0:05`` (month/day/year).
  A two-digit year follows the POSIX rule Python uses: 69-99 are 1969-1999,
  00-68 are 2000-2068. ``01/01/2020 12:05:00 AM`` and ISO dates are read too.
* **Missing close dates**: a request with no ``closeddate`` is still open;
  it counts as received but is left out of handling time. So are requests
  whose status is not "Closed" (cancelled, referred out) and, reported as
  a problem, any closed before it was created.
* **Staff reports**: ``requestsource`` "Driver Self Report" is a sanitation
  crew reporting what it found, not a resident's request: counted as
  received (channel "other") but left out of digital take-up.

Measurements per calendar month of ``createddate`` (the period runs from
the first to the last day that month with a request in the file):

* ``requests_received``: count per owning bureau (agency), request type
  (segment) and channel: the channel mix;
* ``request_handling_time``: days from created to closed, summed and divided
  by closed requests, per bureau and request type (numerator = total days,
  denominator = closed requests);
* ``digital_take_up``: requests made in the app or online ("Mobile App",
  "Self Service") / requests made by residents in any channel, segment
  "MyLA311 service requests".

Bureau codes become agencies ("BOS" -> "Los Angeles Bureau of Sanitation");
an unknown code is used as the agency's name.
"""

import calendar
import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

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
    run_import,
    start_plan,
)
from journeys.models import Agency
from journeys.progress import in_steps
from journeys.wording import counted
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

KIND = "myla311-requests"
REQUIRED = ("srnumber", "requesttype", "createddate", "requestsource", "owner")
SEGMENT = "MyLA311 service requests"
BUREAUS = {
    "BOS": "Los Angeles Bureau of Sanitation",
    "LASAN": "Los Angeles Sanitation and Environment",
    "OCB": "Los Angeles Office of Community Beautification",
    "ITA": "Los Angeles Information Technology Agency",
    "BSL": "Los Angeles Bureau of Street Lighting",
    "BSS": "Los Angeles Bureau of Street Services",
    "LADWP": "Los Angeles Department of Water and Power",
    "LADOT": "Los Angeles Department of Transportation",
    "LAPD": "Los Angeles Police Department",
}
CHANNELS = {
    "call": "phone",
    "voicemail": "phone",
    "mobile app": "app",
    "self service": "online",
    "email": "email",
    "letter": "post",
    "walk-in": "in person",
    "driver self report": "other",
    "council's office": "other",
}
DIGITAL = ("app", "online")
STAFF_SOURCES = ("driver self report",)
DATE_FORMATS = (
    "%m/%d/%y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)


def import_myla311(
    ws: Workspace,
    actor: Actor,
    source: Source,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a MyLA311 requests CSV, all or nothing (see the module doc)."""
    check_may_import(actor)
    return run_import(ws, actor, plan_myla311(read_source(source, name)), progress)


def parse_when(text: str) -> datetime.datetime | None:
    """A request's date and time; None when blank. `ValueError` if unreadable.

    >>> parse_when("1/2/20 8:43"), parse_when("01/02/2020 08:43:00 AM")
    (datetime.datetime(2020, 1, 2, 8, 43), datetime.datetime(2020, 1, 2, 8, 43))
    >>> parse_when("12/31/99 23:59").year, parse_when("")
    (1999, None)
    """
    text = " ".join(str(text or "").split())
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return datetime.datetime.fromisoformat(text)


@dataclass
class _Group:
    days: set
    received: int = 0
    closed: int = 0
    total_days: float = 0.0


def plan_myla311(source, progress: Progress | None = None) -> MeasurePlan:
    """Read the file into a plan, without writing. ``progress``: see
    `journeys.progress`."""
    table, plan, checking = start_plan(
        source, KIND, REQUIRED, "a MyLA311 requests file", progress
    )
    received = defaultdict(int)  # (month, bureau, type, channel) -> requests
    handled = defaultdict(lambda: [0, 0.0])  # (month, bureau, type) -> n, days
    public = defaultdict(lambda: [0, 0])  # month -> digital, all residents
    days = defaultdict(set)  # month -> days with a request
    still_open = not_closed = 0
    seen_ids: set[str] = set()
    for first, rows in in_steps(table.rows, checking, "requests checked"):
        for number, row in enumerate(rows, start=first + 2):
            request = row["srnumber"].strip()
            if not request:
                plan.problem(number, "srnumber", "", "no request number")
                continue
            if request in seen_ids:
                plan.problem(number, "srnumber", request, "the same request again")
                continue
            seen_ids.add(request)
            try:
                created = parse_when(row["createddate"])
            except ValueError:
                plan.problem(number, "createddate", row["createddate"], "not a date")
                continue
            if created is None:
                plan.problem(number, "createddate", "", "no creation date")
                continue
            source_text = " ".join(row["requestsource"].split()).casefold()
            channel = CHANNELS.get(source_text)
            if channel is None:
                plan.problem(
                    number, "requestsource", row["requestsource"], "not a known channel"
                )
                continue
            code = row["owner"].strip().upper()
            if not code:
                plan.problem(number, "owner", "", "no owning bureau")
                continue
            bureau = BUREAUS.get(code, code)
            plan.agencies.setdefault(bureau, Agency(bureau, "government", code))
            kind = " ".join(row["requesttype"].split()) or "Unknown request type"
            month = (created.year, created.month)
            days[month].add(created.date())
            received[(month, bureau, kind, channel)] += 1
            if source_text not in STAFF_SOURCES:
                public[month][1] += 1
                public[month][0] += channel in DIGITAL
            try:
                closed = parse_when(row.get("closeddate", ""))
            except ValueError:
                plan.problem(number, "closeddate", row["closeddate"], "not a date")
                continue
            status = row.get("status", "Closed").strip().casefold()
            if closed is None:
                still_open += 1
            elif status != "closed":
                not_closed += 1
            elif closed < created:
                plan.problem(
                    number,
                    "closeddate",
                    row["closeddate"],
                    f"closed before it was created ({row['createddate']}): counted as "
                    "received, left out of handling time",
                )
            else:
                entry = handled[(month, bureau, kind)]
                entry[0] += 1
                entry[1] += (closed - created).total_seconds() / 86400
    _add_drafts(plan, received, handled, public, days)
    plan.notes.append(
        f"{len(seen_ids):,} requests; {still_open:,} still open (no close date) and "
        f"{not_closed:,} cancelled or referred are left out of handling time"
    )
    if progress:
        progress(1.0, f"{counted(plan.rows_read, 'request')} checked")
    return plan


def _period(days: set) -> tuple[str, str]:
    return min(days).isoformat(), max(days).isoformat()


def _add_drafts(plan, received, handled, public, days) -> None:
    for (month, bureau, kind, channel), count in sorted(received.items()):
        first, last = _period(days[month])
        plan.drafts.append(
            Draft(
                "requests_received",
                first,
                last,
                float(count),
                agency=bureau,
                channel=channel,
                segment=kind,
                label=f"MyLA311 requests, {_month_name(month)}",
            )
        )
    for (month, bureau, kind), (closed, total_days) in sorted(handled.items()):
        first, last = _period(days[month])
        plan.drafts.append(
            Draft(
                "request_handling_time",
                first,
                last,
                total_days / closed,
                numerator=total_days,
                denominator=float(closed),
                agency=bureau,
                segment=kind,
                label=f"MyLA311 closed requests created in {_month_name(month)}",
            )
        )
    for month, (digital, everyone) in sorted(public.items()):
        if not everyone:
            continue
        first, last = _period(days[month])
        plan.drafts.append(
            Draft(
                "digital_take_up",
                first,
                last,
                digital / everyone,
                numerator=float(digital),
                denominator=float(everyone),
                segment=SEGMENT,
                label="Requests by residents through the app or online, of all "
                f"requests by residents, {_month_name(month)}",
            )
        )


def _month_name(month: tuple[int, int]) -> str:
    return f"{calendar.month_name[month[1]]} {month[0]}"
