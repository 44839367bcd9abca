"""Import the Government of Canada Service Inventory (English CSV).

The inventory (open.canada.ca, Open Government Licence – Canada) lists each
department's services with the channels they use and how many applications
came through each channel. Its quirks, and what this importer does with them:

* **Departments** are ``owner_org`` codes with bilingual titles such as
  "Transport Canada | Transports Canada". Each becomes an agency of kind
  government named by the English half; the French half is kept as the
  agency's ``alternate_name`` and the code's English acronym (``tc`` -> "TC",
  ``cfia-acia`` -> "CFIA") as its short name. A department already in the
  workspace (same English name, any case) is reused, not changed.
* **Codes instead of numbers.** ``NA`` (not applicable) and ``ND`` (no data)
  appear in the count and yes/no columns. They are stored as missing, never
  as 0, and counted per column in the result (``codes``). Any other text
  where a count belongs is skipped and reported.
* **Lists inside cells.** ``client_target_groups`` and
  ``client_feedback_channel`` hold codes separated by commas (semicolons and
  pipes are read too). Feedback codes become channel words (EML email, TEL
  phone, ONL online, PERSON in person, POST post, FAX fax, OTH other; NON
  means none); target groups are kept as the inventory's codes.
* **Web addresses.** ``service_uri_en`` sometimes holds several addresses
  (separated by "<>", a line break, or nothing at all), a page title, or
  "N/A". The first address is kept (one starting "www" gets "https://");
  the rest, and text that is no address, is reported.
* **A service listed twice.** A ``service_id`` that appears in more than one
  row (the 2023-24 file lists SRV02975 for 2023-2024 and 2024-2025) is
  imported once, from its latest fiscal year; the other rows are reported.

Channels of a service: "online" when any ``os_*`` column says Y or online
applications or website visits are above 0; "phone" when phone applications
or phone enquiries are above 0; "in person", "post" (the inventory's
"mail"), "email", "fax" and "other" when that channel's applications are
above 0. ``volumes`` holds the applications per channel for every channel
with a number (0 included). Services already in the workspace (same
``service_id``) are skipped, so a later inventory adds only new services.

All or nothing: the file is read and checked first, then written in one
transaction with its record in ``import_run``.
"""

import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from journeys.access import Actor
from journeys.errors import ImportFailed, ValidationError
from journeys.importers.common import (
    ImportResult,
    Source,
    check_may_import,
    import_transaction,
    one_line,
    read_source,
)
from journeys.models import Agency, Service, as_columns
from journeys.tabular import read_table
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows
from storage import services as stored

logger = logging.getLogger(__name__)

KIND = "gc-service-inventory"
SOURCE = "Government of Canada Service Inventory"
REQUIRED = ("service_id", "service_name_en", "owner_org", "owner_org_title")
MISSING_CODES = {"NA": "not applicable", "ND": "no data"}
ONLINE_COLUMNS = (
    "os_account_registration",
    "os_authentication",
    "os_application",
    "os_decision",
    "os_issuance",
    "os_issue_resolution_feedback",
)
# Applications per channel: column -> channel word used in the workspace.
APPLICATION_COLUMNS = {
    "num_applications_online": "online",
    "num_applications_by_phone": "phone",
    "num_applications_in_person": "in person",
    "num_applications_by_mail": "post",
    "num_applications_by_email": "email",
    "num_applications_by_fax": "fax",
    "num_applications_by_other": "other",
}
# Contacts that are not applications but show the channel is used.
CONTACT_COLUMNS = {"num_website_visits": "online", "num_phone_enquiries": "phone"}
FEEDBACK_CODES = {
    "ONL": "online",
    "TEL": "phone",
    "PERSON": "in person",
    "POST": "post",
    "EML": "email",
    "FAX": "fax",
    "OTH": "other",
}
NO_FEEDBACK = "NON"
OPTIONAL = (
    "fiscal_yr",
    "service_description_en",
    "service_fee",
    "service_uri_en",
    "client_target_groups",
    "client_feedback_channel",
    "num_applications_total",
    *ONLINE_COLUMNS,
    *APPLICATION_COLUMNS,
    *CONTACT_COLUMNS,
)
_LIST_SEPARATORS = re.compile(r"[,;|]")
_URL_START = re.compile(r"(?i)https?://|(?<![\w./])www\d*\.")


@dataclass
class InventoryResult(ImportResult):
    """What was imported, plus how many inventory codes stood for missing values.

    ``codes`` maps each column read to ``{"NA": n, "ND": m}``; ``rows`` is the
    number of data rows in the file and ``departments`` the number of
    distinct departments (created or already present).
    """

    rows: int = 0
    departments: int = 0
    codes: dict[str, Counter] = field(default_factory=dict)

    def code_totals(self) -> dict[str, int]:
        totals = Counter()
        for counted in self.codes.values():
            totals.update(counted)
        return {code: totals.get(code, 0) for code in MISSING_CODES}

    def summary(self) -> str:
        text = super().summary()
        totals = self.code_totals()
        if any(totals.values()):
            text += " (" + ", ".join(
                f"{code} {MISSING_CODES[code]}: {n:,}" for code, n in totals.items()
            )
            text += ")"
        return text


@dataclass
class _Department:
    code: str
    agency: Agency
    french: str | None


@dataclass
class _Plan:
    departments: dict[str, _Department] = field(default_factory=dict)
    services: list[tuple[str, Service]] = field(default_factory=list)  # (org, ...)


def import_gc_inventory(
    ws: Workspace, actor: Actor, source: Source, name: str | None = None
) -> InventoryResult:
    """Import the inventory CSV: departments as agencies, and their services.

    All or nothing: raises `ImportFailed` naming the file and the problem.
    """
    check_may_import(actor)
    source = read_source(source, name)
    result = InventoryResult(KIND, source.name)
    table = read_table(source.data, source.name)
    plan = plan_inventory(table.headers, table.rows, source.name, result)
    with import_transaction(ws, actor, source, result):
        _write(ws, actor, plan, result)
    return result


# --- reading ---------------------------------------------------------------------


def plan_inventory(
    headers: list[str], records: list[dict], file_name: str, result: InventoryResult
) -> _Plan:
    """Check and convert every row, writing nothing."""
    missing = [column for column in REQUIRED if column not in headers]
    if missing:
        raise ImportFailed(
            file_name,
            f"the header lacks {', '.join(missing)}: this is not the Government "
            "of Canada Service Inventory in English (its CSV has service_id, "
            "service_name_en, owner_org and owner_org_title columns)",
        )
    if not any(column in headers for column in APPLICATION_COLUMNS):
        raise ImportFailed(
            file_name,
            "the header has no num_applications_* columns: this is not the "
            "service inventory (the service standards file, for one, shares its "
            "first columns)",
        )
    for column in OPTIONAL:
        if column not in headers:
            result.skip(f"column {column}", "not in the file; nothing read from it")
    if not records:
        raise ImportFailed(file_name, "the file has a header but no services")
    result.rows = len(records)
    plan = _Plan()
    for number, record in _latest_rows(records, result):
        _read_row(number, record, plan, result)
    result.departments = len(plan.departments)
    if not plan.services:
        raise ImportFailed(file_name, "no row holds a service that can be imported")
    return plan


def _latest_rows(records: list[dict], result: InventoryResult):
    """(spreadsheet row number, row), one per service_id: its latest fiscal year."""
    chosen: dict[str, tuple[int, dict]] = {}
    order: list[str] = []
    for number, record in enumerate(records, start=2):
        service_id = (record.get("service_id") or "").strip()
        if not service_id:
            result.skip(f"row {number}", "no service_id")
            continue
        if service_id not in chosen:
            chosen[service_id] = (number, record)
            order.append(service_id)
            continue
        kept_number, kept = chosen[service_id]
        if _year(record) > _year(kept):
            chosen[service_id] = (number, record)
            kept_number, kept, record, number = number, record, kept, kept_number
        result.skip(
            f"row {number}: service {service_id} ({_year(record) or 'no year'})",
            f"the service is listed again in row {kept_number} "
            f"({_year(kept) or 'no year'}); that row, the latest, was imported",
        )
    return [chosen[service_id] for service_id in order]


def _year(record: dict) -> str:
    return (record.get("fiscal_yr") or "").strip()


def _read_row(number: int, record: dict, plan: _Plan, result: InventoryResult):
    service_id = record["service_id"].strip()
    where = f"row {number}: service {service_id}"
    org = (record.get("owner_org") or "").strip()
    if not org:
        result.skip(where, "no owner_org: the department is unknown")
        return
    if org not in plan.departments:
        department = _department(org, record.get("owner_org_title") or "", result)
        if department is None:
            result.skip(where, f"the department {org!r} has no usable title")
            return
        plan.departments[org] = department
    name = one_line(record.get("service_name_en") or "")
    if not name or name in MISSING_CODES:
        result.skip(where, "no English service name")
        return

    def count(column: str) -> int | None:
        return _count(record, column, where, result)

    # Every column is read (no short cut), so each NA and ND is counted.
    online = "Y" in [_code(record, c, result) for c in ONLINE_COLUMNS]
    volumes = {}
    channels = {"online"} if online else set()
    for column, channel in APPLICATION_COLUMNS.items():
        value = count(column)
        if value is not None:
            volumes[channel] = value
            if value > 0:
                channels.add(channel)
    for column, channel in CONTACT_COLUMNS.items():
        value = count(column)
        if value:
            channels.add(channel)
    total = count("num_applications_total")
    if total is not None and volumes and sum(volumes.values()) != total:
        result.skip(
            f"{where}: num_applications_total",
            f"{total:,} differs from the sum of the channels, "
            f"{sum(volumes.values()):,}; the channel counts were kept",
        )
    year = _year(record)
    service = Service(
        name=name,
        description=(record.get("service_description_en") or "").strip(),
        external_id=service_id,
        channels=[c for c in _CHANNEL_ORDER if c in channels],
        volumes=volumes,
        fee={"Y": "yes", "N": "no"}.get(_code(record, "service_fee", result)),
        url=_url(record, where, result),
        client_groups=_codes(record, "client_target_groups", result),
        feedback_channels=_feedback(record, where, result),
        source=f"{SOURCE} {year}".strip(),
    )
    try:
        service = service.validated()
    except ValidationError as err:
        result.skip(where, f"cannot be saved: {one_line(str(err))}")
        return
    plan.services.append((org, service))


_CHANNEL_ORDER = ("online", "phone", "in person", "post", "email", "fax", "other")


def _department(org: str, title: str, result: InventoryResult) -> _Department | None:
    parts = [one_line(p) for p in title.split("|")]
    english = parts[0] if parts and parts[0] else None
    french = parts[1] if len(parts) > 1 and parts[1] else None
    english = english or french
    if not english:
        return None
    acronym = org.split("-")[0].upper()
    agency = Agency(
        name=english,
        kind="government",
        short_name=acronym[:40] or None,
        website=None,
    )
    try:
        agency = agency.validated()
    except ValidationError as err:
        result.skip(f"department {org}", f"cannot be saved: {one_line(str(err))}")
        return None
    return _Department(org, agency, french if french != english else None)


def _code(record: dict, column: str, result: InventoryResult) -> str | None:
    """A Y/N-style cell, upper-cased; NA and ND counted and given as None."""
    if column not in record:
        return None
    value = (record[column] or "").strip().upper()
    if value in MISSING_CODES:
        result.codes.setdefault(column, Counter())[value] += 1
        return None
    return value or None


def _count(
    record: dict, column: str, where: str, result: InventoryResult
) -> int | None:
    """A count cell: a whole number >= 0, or None for NA, ND, blank or junk."""
    value = _code(record, column, result)
    if value is None:
        return None
    cleaned = value.replace(",", "").replace(" ", "")
    if cleaned.isdigit():
        return int(cleaned)
    result.skip(f"{where}: {column}", f"{value!r} is not a count; left missing")
    return None


def _codes(record: dict, column: str, result: InventoryResult) -> list[str]:
    value = _code(record, column, result)
    if value is None:
        return []
    return list(
        dict.fromkeys(p.strip() for p in _LIST_SEPARATORS.split(value) if p.strip())
    )


def _feedback(record: dict, where: str, result: InventoryResult) -> list[str]:
    channels = []
    for code in _codes(record, "client_feedback_channel", result):
        if code == NO_FEEDBACK:
            continue
        if code in FEEDBACK_CODES:
            channels.append(FEEDBACK_CODES[code])
        else:
            result.skip(
                f"{where}: client_feedback_channel {code!r}",
                "not one of the inventory's feedback channel codes",
            )
    return list(dict.fromkeys(channels))


def _url(record: dict, where: str, result: InventoryResult) -> str | None:
    raw = (record.get("service_uri_en") or "").strip()
    if not raw:
        return None
    if raw.upper() in MISSING_CODES:
        _code(record, "service_uri_en", result)
        return None
    starts = [m.start() for m in _URL_START.finditer(raw)]
    if not starts:
        result.skip(
            f"{where}: service_uri_en", f"{one_line(raw)[:80]!r} is not a web address"
        )
        return None
    pieces = [raw[a:b] for a, b in zip(starts, [*starts[1:], len(raw)], strict=True)]
    addresses = [p.strip().rstrip("<>,; \t\r\n") for p in pieces]
    addresses = [a for a in addresses if a]
    first = addresses[0]
    if first.lower().startswith("www"):
        first = "https://" + first
    if len(addresses) > 1:
        result.skip(
            f"{where}: service_uri_en",
            f"holds {len(addresses)} web addresses; only the first was kept",
        )
    return first


# --- writing -----------------------------------------------------------------------


def _write(ws: Workspace, actor: Actor, plan: _Plan, result: InventoryResult) -> None:
    agency_ids = {}
    for org, department in plan.departments.items():
        existing = queries.find_agency_id(ws.db, department.agency.name)
        if existing is not None:
            agency_ids[org] = existing
            continue
        values = {**as_columns(department.agency), "alternate_name": department.french}
        with translated_errors(f"The agency name {department.agency.name!r}"):
            agency_ids[org] = rows.insert_row(ws.db, "agency", values, actor.name)
        result.count("agency")
        result.names.append(department.agency.name)
    known = stored.external_ids(ws.db)
    for org, service in plan.services:
        if service.external_id in known:
            result.skip(
                f"service {service.external_id}",
                "already in the workspace (imported from an earlier inventory)",
            )
            continue
        values = {**as_columns(service), "owner_agency_id": agency_ids[org]}
        with translated_errors(f"The service id {service.external_id!r}"):
            rows.insert_row(ws.db, "service", values, actor.name)
        known.add(service.external_id)
        result.count("service")
