"""Import performance.gov A-11 question scores (CSV).

performance.gov publishes, for each high-impact service provider (``hisp``,
such as "va") and service ("vha"), the quarterly average score from 1 to 5
of each A-11 section 280 v1 question: columns ``hisp, service, year,
quarter, question, average_score, description``.

* ``question`` names the driver ("Trust / Confidence", "Process / Ease"...);
  it is matched to the seven A-11 drivers by its words and stored as the KPI
  ``a11_<driver>`` (a mean on 1 to 5, no counts published).
* ``year`` and ``quarter`` are the federal fiscal year and quarter: FY2020
  Q1 is 2019-10-01 to 2019-12-31.
* ``average_score`` "No Data" (or blank) leaves the row out, with the
  description the file gives ("currently fielded and expected in Q3").
* ``description`` is the question's wording, which changes between quarters
  (FY2019 Q2 asked "I understood what was being asked of me" for
  transparency, Q3 "I was treated fairly"). It is kept as the measurement's
  label, and each change is reported in the notes: values either side of it
  answer different questions.

The agency is the provider (``va`` -> "Department of Veterans Affairs"; an
unknown code is used as the name), the segment the service ("Veterans
Health Administration" for ``vha``; an unknown code as it is).
"""

import logging
import re

from journeys import kpis
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

KIND = "a11-question-scores"
REQUIRED = ("hisp", "service", "year", "quarter", "question", "average_score")
PROVIDERS = {"va": ("Department of Veterans Affairs", "VA")}
SERVICES = {("va", "vha"): "Veterans Health Administration"}
# Words in a question's name -> driver, tried in this order.
DRIVER_WORDS = (
    ("trust", "trust"),
    ("confidence", "trust"),
    ("satisf", "satisfaction"),
    ("effective", "effectiveness"),
    ("quality", "effectiveness"),
    ("ease", "ease"),
    ("simpl", "ease"),
    ("efficien", "efficiency"),
    ("speed", "efficiency"),
    ("transparen", "transparency"),
    ("equity", "transparency"),
    ("fair", "transparency"),
    ("employee", "employee"),
    ("helpful", "employee"),
)
QUARTER_MONTHS = {1: (10, 12), 2: (1, 3), 3: (4, 6), 4: (7, 9)}
_MONTH_ENDS = {3: 31, 6: 30, 9: 30, 12: 31}


def import_a11_scores(
    ws: Workspace,
    actor: Actor,
    source: Source,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import an A-11 question scores CSV, all or nothing (see the module doc)."""
    check_may_import(actor)
    return run_import(ws, actor, plan_a11_scores(read_source(source, name)), progress)


def driver_of(question: str) -> str | None:
    """The A-11 driver a question's name is about, or None.

    >>> [driver_of(q) for q in ["Trust / Confidence", "Process / Ease",
    ...                         "Helpful Employees", "Cost"]]
    ['trust', 'ease', 'employee', None]
    """
    words = question.casefold()
    for fragment, driver in DRIVER_WORDS:
        if fragment in words:
            return driver
    return None


def fiscal_quarter(year: int, quarter: int) -> tuple[str, str]:
    """First and last day of a US federal fiscal quarter.

    >>> fiscal_quarter(2020, 1), fiscal_quarter(2019, 4)
    (('2019-10-01', '2019-12-31'), ('2019-07-01', '2019-09-30'))
    """
    first, last = QUARTER_MONTHS[quarter]
    calendar_year = year - 1 if quarter == 1 else year
    return (
        f"{calendar_year}-{first:02d}-01",
        f"{calendar_year}-{last:02d}-{_MONTH_ENDS[last]}",
    )


def plan_a11_scores(source, progress: Progress | None = None) -> MeasurePlan:
    """Read the file into a plan, without writing. ``progress``: see
    `journeys.progress`."""
    table, plan, checking = start_plan(
        source, KIND, REQUIRED, "an A-11 question scores file", progress
    )
    wording: dict[tuple, list[tuple[tuple[int, int], str]]] = {}
    for first, rows in in_steps(table.rows, checking, "rows checked"):
        for number, row in enumerate(rows, start=first + 2):
            draft = _draft(plan, number, row)
            if draft is None:
                continue
            plan.drafts.append(draft)
            key = (draft.agency, draft.segment, draft.kpi, row["question"].strip())
            when = (int(row["year"]), int(row["quarter"]))
            wording.setdefault(key, []).append((when, draft.label))
    for (_agency, service, _kpi, question), seen in sorted(wording.items()):
        seen.sort()
        for (before, old), (after, new) in zip(seen, seen[1:], strict=False):
            if old != new:
                plan.notes.append(
                    f"{service}, {question}: the wording changed between FY{before[0]}"
                    f" Q{before[1]} ({old!r}) and FY{after[0]} Q{after[1]} ({new!r}); "
                    "values either side answer different questions"
                )
    if progress:
        progress(1.0, f"{counted(plan.rows_read, 'row')} checked")
    return plan


def _draft(plan: MeasurePlan, number: int, row: dict) -> Draft | None:
    try:
        year, quarter = int(row["year"].strip()), int(row["quarter"].strip())
    except ValueError:
        plan.problem(
            number, "year", f"{row['year']} Q{row['quarter']}", "not a quarter"
        )
        return None
    if quarter not in QUARTER_MONTHS or not 1990 <= year <= 2100:
        plan.problem(number, "quarter", f"{year} Q{quarter}", "not a quarter")
        return None
    driver = driver_of(row["question"])
    if driver is None:
        plan.problem(
            number, "question", row["question"], "not one of the A-11 v1 drivers"
        )
        return None
    description = " ".join(row.get("description", "").split())
    try:
        score = number_cell(row["average_score"])
    except ValueError:
        plan.problem(number, "average_score", row["average_score"], "not a number")
        return None
    if score is None:
        plan.problem(
            number,
            "average_score",
            row["average_score"] or "(blank)",
            "no score" + (f": {description}" if description else ""),
        )
        return None
    try:
        kpis.parse_score(score, 1, 5, whole=False)
    except kpis.ScaleError as err:
        plan.problem(number, "average_score", row["average_score"], str(err))
        return None
    provider = row["hisp"].strip().casefold()
    service = row["service"].strip().casefold()
    name, short = PROVIDERS.get(provider, (provider.upper(), provider.upper()))
    plan.agencies.setdefault(name, Agency(name, "government", short))
    first, last = fiscal_quarter(year, quarter)
    return Draft(
        kpi=f"a11_{driver}",
        period_start=first,
        period_end=last,
        value=score,
        agency=name,
        segment=SERVICES.get((provider, service), service.upper()),
        label=re.sub(r"^Agreed\s+", "", description).strip('"') or row["question"],
        row=number,
    )
