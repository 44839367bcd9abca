"""Survey exports in: Qualtrics, LimeSurvey or a plain CSV, mapped by a person
to KPI questions, stored as responses, and rolled up into monthly KPIs.

Reading (`read_survey`) recognises:

* **Qualtrics**: three header rows (question ids such as ``Q1``, the
  question wording, then ``{"ImportId": ...}`` cells). The respondent is
  ``ResponseId``, the time ``RecordedDate`` (else ``EndDate``), and a
  response is complete when ``Finished`` is 1 or True.
* **LimeSurvey**: one header row of (very long) question texts, with
  ``Response ID``, ``Date submitted``, ``Date started`` and ``Date last
  action``. A blank ``Date submitted`` is a partial response; its time is
  then the last action.
* **Plain CSV**: a ``respondent_id`` column and a ``submitted_at`` (or
  ``date``) column; every response is complete unless a ``complete`` or
  ``finished`` column says 0.

The bytes are decoded as any CSV is (`journeys.tabular.decode_csv`: UTF-16
with its byte-order mark, UTF-8, Windows-1252). A file with no response after
its header rows is refused: it was most likely cut short.

Mapping: a person chooses, for each question that measures something, which
measure it is (`MEASURES`: ``nps``, ``csat``, ``a11_trust``...). Only mapped
questions are read. Each answer is checked against its measure's scale;
blanks and "N/A" are unanswered (nothing stored), answers off the scale are
reported with their row and left out (PITFALLS 19, 20). An import saves its
mapping, so the next export of the same survey comes with the same choices
preselected (`journeys.survey_mappings`).

Reading and planning take an optional ``progress`` callback
(`journeys.progress`): a 200,000-row export takes over a second.

Respondents count once: within a file the latest response of a respondent
is kept; against the workspace, a stored answer of the same respondent and
survey is replaced only by a later one. Everything is written in one
transaction with the file's ``import_run`` record, and the months touched
are worked out again from every stored response into measurements with
segment "survey: <name>" (NPS with its counts, CSAT both ways, means...).
"""

import calendar
import dataclasses
import datetime
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from journeys import kpis, metrics
from journeys.access import Actor
from journeys.errors import ImportFailed
from journeys.importers.common import (
    ImportResult,
    SourceFile,
    check_may_import,
    import_transaction,
    read_source,
)
from journeys.importers.measure_plan import RowProblem, refuse_repeat
from journeys.models import Measurement, as_columns
from journeys.progress import Progress, in_steps, part
from journeys.tabular import csv_records, decode_csv
from journeys.wording import counted
from journeys.workspace import Workspace, translated_errors
from storage import measures, rows

logger = logging.getLogger(__name__)

# Shares of a progress bar for planning from the bytes: reading the CSV, then
# checking each response, then reading the mapped answers of each respondent.
# Measured on the benchmark's 200,000-row export with two questions mapped:
# about 0.15 s, 0.3 s and 0.8 s.
READ_SHARE = 0.15
CHECK_SHARE = 0.3  # of what is left after reading
TOOL_NAMES = {"qualtrics": "Qualtrics", "limesurvey": "LimeSurvey", "csv": "CSV"}
NO_RESPONSES = (
    "no responses after the header: the file may have been cut short; export it again"
)
TASK_CODES = {"success": 3, "success with help": 2, "partial": 1, "failed": 0}
LIKERT = {
    "strongly disagree": 1,
    "disagree": 2,
    "neither agree nor disagree": 3,
    "neutral": 3,
    "agree": 4,
    "strongly agree": 5,
    "very dissatisfied": 1,
    "dissatisfied": 2,
    "neither satisfied nor dissatisfied": 3,
    "satisfied": 4,
    "very satisfied": 5,
}
# Export columns that are about the response, not answers to questions.
METADATA = frozenset(
    {
        "startdate",
        "enddate",
        "status",
        "ipaddress",
        "progress",
        "duration (in seconds)",
        "finished",
        "recordeddate",
        "responseid",
        "recipientlastname",
        "recipientfirstname",
        "recipientemail",
        "externalreference",
        "locationlatitude",
        "locationlongitude",
        "distributionchannel",
        "userlanguage",
        "response id",
        "date submitted",
        "last page",
        "start language",
        "seed",
        "date started",
        "date last action",
        "total time",
        "token",
        "ip address",
        "referrer url",
    }
)
METADATA_PREFIXES = ("group time:", "question time:", "filecount - ")
TICKED = frozenset({"y", "yes", "1", "true", "x", "checked", "selected"})
UNTICKED = frozenset({"n", "no", "0", "false", "", "not selected"})


@dataclass(frozen=True)
class Measure:
    """What a survey question can be mapped to, and how its answers read."""

    key: str
    label: str
    kind: str  # "scale", "thumbs", "tick" or "task"
    low: int = 0
    high: int = 0


def _measures() -> dict[str, Measure]:
    found = [
        Measure("nps", "NPS: likelihood to recommend, 0-10", "scale", 0, 10),
        Measure(
            "enps", "Employee NPS: recommend as a place to work, 0-10", "scale", 0, 10
        ),
        Measure("csat", "CSAT: satisfaction, 1-5", "scale", 1, 5),
        Measure(
            "user_satisfaction",
            "GOV.UK user satisfaction, 1 very dissatisfied - 5 very satisfied",
            "scale",
            1,
            5,
        ),
        Measure("ces", "Effort (CES): agreement it was easy, 1-5", "scale", 1, 5),
        Measure("ces7", "Effort (CES): agreement it was easy, 1-7", "scale", 1, 7),
        *(
            Measure(f"a11_{d}", f"A-11 v1 {label.lower()}, 1-5", "scale", 1, 5)
            for d, label in kpis.A11_DRIVERS.items()
        ),
        Measure("a11_trust_v2_thumbs", "A-11 v2 trust, thumbs up / down", "thumbs"),
        Measure("a11_trust_v2_five", "A-11 v2 trust, 1-5", "scale", 1, 5),
        *(
            Measure(f"went_well_{d}", f"A-11 v2 what went well: {label}", "tick")
            for d, label in kpis.A11_V2_DRIVERS.items()
        ),
        *(
            Measure(f"not_well_{d}", f"A-11 v2 what did not go well: {label}", "tick")
            for d, label in kpis.A11_V2_DRIVERS.items()
        ),
        Measure(
            "task_success",
            "Task outcome: success, success with help, partial, failed",
            "task",
        ),
    ]
    return {m.key: m for m in found}


MEASURES = _measures()


def answer_value(measure: Measure, raw: str) -> float | None:
    """The stored number for one answer; None when unanswered.

    Raises `kpis.ScaleError` for an answer that does not fit the measure.

    >>> answer_value(MEASURES["nps"], "9"), answer_value(MEASURES["csat"], "N/A")
    (9.0, None)
    >>> answer_value(MEASURES["csat"], "Very satisfied")
    5.0
    >>> answer_value(MEASURES["a11_trust_v2_thumbs"], "Thumbs down")
    0.0
    """
    if measure.kind == "tick":
        text = str(raw or "").strip().casefold()
        if text in TICKED:
            return 1.0
        if text in UNTICKED or kpis.is_missing(text):
            return 0.0
        raise kpis.ScaleError(f"{raw!r} is neither ticked nor blank")
    if (
        measure.kind == "scale"
        and isinstance(raw, str)
        and raw.isascii()
        and raw.isdigit()
        and measure.low <= int(raw) <= measure.high
    ):
        return float(raw)  # the usual case: a whole point on the scale
    if kpis.is_missing(raw):
        return None
    if measure.kind == "thumbs":
        return float(kpis.trust_answer(raw, "thumbs"))
    if measure.kind == "task":
        text = str(raw).strip().casefold()
        if text in TASK_CODES:
            return float(TASK_CODES[text])
        raise kpis.ScaleError(
            f"{str(raw).strip()!r} is not a task outcome ({', '.join(TASK_CODES)})"
        )
    text = str(raw).strip()
    if text.casefold() in LIKERT and measure.low == 1 and measure.high == 5:
        return float(LIKERT[text.casefold()])
    return kpis.parse_score(text, measure.low, measure.high)


def measure_kpis(measure: str, counts: Mapping[float, float]) -> list[tuple]:
    """(KPI key, segment suffix, Ratio) worked out from one measure's answers
    counted per value. Pure: the benchmark and the import both use it.

    >>> [(k, s, r.value) for k, s, r in measure_kpis(
    ...     "csat", {5: 42, 4: 32, 3: 10, 2: 9, 1: 14})][0][2] == 74 / 107
    True
    """
    if measure in ("nps", "enps"):
        return [(measure, "", kpis.nps_from_counts(counts).ratio)]
    if measure in ("csat", "user_satisfaction"):
        result = kpis.csat_from_counts(counts)
        if measure == "user_satisfaction":
            return [("user_satisfaction", "", result.top_two_box)]
        return [("csat", "", result.top_two_box), ("csat_mean", "", result.mean)]
    if measure in ("ces", "ces7"):
        return [("ces", "", kpis.mean_of(counts))]
    if measure.startswith("a11_trust_v2"):
        threshold = 1 if measure.endswith("thumbs") else 4
        positive = sum(n for value, n in counts.items() if value >= threshold)
        return [("a11_trust_v2", "", kpis.Ratio(positive, sum(counts.values())))]
    if measure.startswith("a11_"):
        return [(measure, "", kpis.mean_of(counts))]
    if measure.startswith(("went_well_", "not_well_")):
        positive, driver = measure.split("_well_")
        key = "a11_driver_positive" if positive == "went" else "a11_driver_negative"
        share = kpis.Ratio(counts.get(1.0, 0), sum(counts.values()))
        return [(key, kpis.A11_V2_DRIVERS[driver], share)]
    if measure == "task_success":
        return [
            (
                "task_success_rate",
                "",
                kpis.Ratio(counts.get(3.0, 0), sum(counts.values())),
            )
        ]
    raise kpis.KpiError(f"{measure!r} is not a survey measure")


# --- reading a survey file ------------------------------------------------------


@dataclass
class Column:
    index: int
    id: str  # the header (Qualtrics: the question id such as "Q1")
    text: str  # the question wording (the header again outside Qualtrics)
    # Qualtrics' ImportId ("QID1", "QID2_TEXT"), which stays when a question
    # is renamed or moved; "" for exports without one.
    question_id: str = ""


@dataclass
class SurveyTable:
    """A survey export, read but not interpreted beyond its layout."""

    file_name: str
    tool: str  # "qualtrics", "limesurvey" or "csv"
    columns: list[Column]
    records: list[list[str]]
    first_row: int  # the file row of records[0] (the first header row is 1)
    respondent: int
    submitted: int | None
    fallback_time: int | None  # when not submitted: last action, start...
    complete: Callable[[list[str]], bool]
    encoding: str = "UTF-8"

    @property
    def tool_name(self) -> str:
        """The tool as people write it: "Qualtrics", "LimeSurvey" or "CSV"."""
        return TOOL_NAMES.get(self.tool, self.tool)

    def question_columns(self) -> list[Column]:
        """Columns a person might map: everything but ids, times and metadata."""
        skip = {self.respondent, self.submitted, self.fallback_time}
        return [
            c
            for c in self.columns
            if c.index not in skip
            and c.id.strip().casefold() not in METADATA
            and not c.id.strip().casefold().startswith(METADATA_PREFIXES)
        ]

    def find(self, wanted: str | int) -> Column:
        """A column by index, header/id, or exact question wording."""
        if isinstance(wanted, int):
            return self.columns[wanted]
        for column in self.columns:
            if wanted in (column.id, column.text):
                return column
        raise ImportFailed(self.file_name, f"has no question {wanted!r}")


def _records(text: str, progress: Progress | None) -> list[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    return csv_records(text, delimiter, progress)


def _index(headers: list[str], *names: str) -> int | None:
    folded = [h.strip().casefold() for h in headers]
    for name in names:
        if name.casefold() in folded:
            return folded.index(name.casefold())
    return None


def read_survey(source: SourceFile, progress: Progress | None = None) -> SurveyTable:
    """Read a Qualtrics, LimeSurvey or plain CSV export (see the module doc).

    ``progress`` (see `journeys.progress`) hears of the rows read so far.
    """
    text, encoding = decode_csv(source.data, source.name)
    records = _records(text, progress)
    if not records:
        raise ImportFailed(source.name, "the file is empty")
    headers = [h.strip().lstrip("\ufeff") for h in records[0]]
    width = len(headers)
    for number, record in enumerate(records[1:], start=2):
        if len(record) != width:
            raise ImportFailed(
                source.name,
                f"row {number} has {len(record)} columns but the header has "
                f"{width}: check quotes on that row",
            )
    qualtrics = len(records) >= 3 and _looks_like_import_ids(records[2])
    if len(records) <= (3 if qualtrics else 1):
        # A file cut short (inside LimeSurvey's long header, say) reads as a
        # header alone: refused, not imported as a survey of no responses.
        raise ImportFailed(source.name, NO_RESPONSES)
    if qualtrics:
        table = _qualtrics(source.name, headers, records, encoding)
    elif (
        _index(headers, "Response ID") is not None
        and _index(headers, "Date submitted") is not None
    ):
        table = _limesurvey(source.name, headers, records, encoding)
    else:
        table = _plain(source.name, headers, records, encoding)
    if progress:
        progress(1.0, f"{counted(len(table.records), 'response')} read")
    return table


def _looks_like_import_ids(record: list[str]) -> bool:
    marked = sum(cell.strip().startswith('{"ImportId"') for cell in record)
    return marked >= max(1, len(record) // 2)


def _columns(
    ids: list[str], texts: list[str], question_ids: list[str] | None = None
) -> list[Column]:
    question_ids = question_ids or [""] * len(ids)
    return [
        Column(i, ident, " ".join(text.split()) or ident, question_id)
        for i, (ident, text, question_id) in enumerate(
            zip(ids, texts, question_ids, strict=True)
        )
    ]


def _import_id(cell: str) -> str:
    """``QID1`` from a Qualtrics third header cell ``{"ImportId":"QID1"}``.

    >>> _import_id('{"ImportId":"QID1"}'), _import_id("Q1")
    ('QID1', '')
    """
    try:
        found = json.loads(cell)
    except ValueError:
        return ""
    value = found.get("ImportId") if isinstance(found, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _qualtrics(name, headers, records, encoding) -> SurveyTable:
    respondent = _index(headers, "ResponseId", "ResponseID", "_recordId")
    if respondent is None:
        raise ImportFailed(name, "a Qualtrics export without a ResponseId column")
    finished = _index(headers, "Finished")
    return SurveyTable(
        name,
        "qualtrics",
        _columns(headers, records[1], [_import_id(cell) for cell in records[2]]),
        records[3:],
        4,
        respondent,
        _index(headers, "RecordedDate", "EndDate"),
        _index(headers, "StartDate"),
        (lambda r: r[finished].strip().casefold() in ("1", "true"))
        if finished is not None
        else (lambda r: True),
        encoding,
    )


def _limesurvey(name, headers, records, encoding) -> SurveyTable:
    submitted = _index(headers, "Date submitted")
    return SurveyTable(
        name,
        "limesurvey",
        _columns(headers, headers),
        records[1:],
        2,
        _index(headers, "Response ID"),
        submitted,
        _index(headers, "Date last action", "Date started"),
        lambda r: bool(r[submitted].strip()),
        encoding,
    )


def _plain(name, headers, records, encoding) -> SurveyTable:
    respondent = _index(
        headers, "respondent_id", "respondent", "response_id", "responseid", "id"
    )
    if respondent is None:
        raise ImportFailed(
            name,
            "is not a Qualtrics or LimeSurvey export, and has no respondent_id "
            "column to tell respondents apart",
        )
    complete = _index(headers, "complete", "finished")
    return SurveyTable(
        name,
        "csv",
        _columns(headers, headers),
        records[1:],
        2,
        respondent,
        _index(headers, "submitted_at", "submitted", "date", "timestamp"),
        None,
        (lambda r: r[complete].strip().casefold() not in ("0", "false", "no", "n"))
        if complete is not None
        else (lambda r: True),
        encoding,
    )


# --- planning an import -----------------------------------------------------------


@dataclass(slots=True)
class Answer:
    respondent: str
    submitted: str  # when submitted; for a partial response, its last action
    complete: bool
    period: str  # YYYY-MM
    measure: str
    value: float
    row: int


@dataclass
class SurveyPlan:
    """What a survey import would store, and what it leaves out and why."""

    source: SourceFile
    table: SurveyTable
    survey: str
    mapping: dict[int, str]  # column index -> measure key
    journey_id: int | None = None
    stage_id: int | None = None
    channel: str = ""
    include_partial: bool = True
    answers: list[Answer] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    respondents: int = 0
    duplicates_removed: int = 0
    unanswered: int = 0

    def summary(self) -> str:
        text = (
            f"{counted(len(self.table.records), 'response')} read "
            f"({self.table.tool_name}): {counted(self.respondents, 'respondent')}, "
            f"{counted(len(self.answers), 'answer')} to store"
        )
        if self.unanswered:
            text += f", {self.unanswered:,} unanswered"
        if self.duplicates_removed:
            text += (
                f", {counted(self.duplicates_removed, 'duplicate response')} removed"
            )
        if self.problems:
            left_out = counted(len(self.problems), "answer or row", "answers or rows")
            text += f", {left_out} left out (see below)"
        return text

    def preview(self, limit: int = 20) -> list[dict]:
        return [
            {
                "Row": a.row,
                "Respondent": a.respondent,
                "Submitted": a.submitted or "not submitted",
                "Measure": a.measure,
                "Value": a.value,
            }
            for a in self.answers[:limit]
        ]

    def problem_rows(self) -> list[dict]:
        return [
            {"Row": p.row, "Column": p.column, "Value": p.value, "Problem": p.problem}
            for p in self.problems
        ]


def _time(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if (
        len(text) == 19
        and text[4] == "-"
        and text[10] == " "
        and text[:4].isdigit()
        and "01" <= text[5:7] <= "12"
        and "01" <= text[8:10] <= "31"
        and text[11:13] <= "23"
    ):
        return text  # already "YYYY-MM-DD HH:MM:SS", as exports write it
    try:
        return datetime.datetime.fromisoformat(text).isoformat(sep=" ")
    except ValueError:
        pass
    for pattern in (
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%m/%d/%Y",
    ):
        try:
            return datetime.datetime.strptime(text, pattern).isoformat(sep=" ")
        except ValueError:
            continue
    raise ValueError(text)


def plan_survey(
    source: SourceFile,
    mapping: Mapping[int | str, str],
    *,
    survey: str | None = None,
    journey_id: int | None = None,
    stage_id: int | None = None,
    channel: str = "",
    include_partial: bool = True,
    table: SurveyTable | None = None,
    progress: Progress | None = None,
) -> SurveyPlan:
    """Read the mapped answers of a survey export, without writing.

    ``mapping`` maps a column (index, id or wording) to a key of `MEASURES`;
    ``survey`` names the survey (default: the file name without extension).
    ``table`` is the file already read by `read_survey`, if it was.
    ``progress`` (see `journeys.progress`) hears of the rows read and checked.
    """
    if table is None:
        table = read_survey(source, part(progress, 0.0, READ_SHARE))
        progress = part(progress, READ_SHARE, 1.0)
    chosen: dict[int, str] = {}
    for wanted, measure in mapping.items():
        if not measure:
            continue
        if measure not in MEASURES:
            raise ImportFailed(source.name, f"{measure!r} is not a survey measure")
        column = table.find(wanted)
        if measure in chosen.values() and not measure.startswith(
            ("went_well_", "not_well_")
        ):
            raise ImportFailed(
                source.name, f"two questions are mapped to {MEASURES[measure].label}"
            )
        chosen[column.index] = measure
    if not chosen:
        raise ImportFailed(
            source.name, "map at least one question to a measure before importing"
        )
    plan = SurveyPlan(
        source,
        table,
        _survey_name(survey, source),
        chosen,
        journey_id,
        stage_id,
        channel.strip(),
        include_partial,
    )
    responses = []
    checking = part(progress, 0.0, CHECK_SHARE)
    for first, records in in_steps(table.records, checking, "responses checked"):
        for offset, record in enumerate(records, start=first):
            number = table.first_row + offset
            respondent = record[table.respondent].strip()
            if not respondent:
                plan.problems.append(
                    RowProblem(number, "respondent", "", "no respondent")
                )
                continue
            try:
                submitted = (
                    _time(record[table.submitted])
                    if table.submitted is not None
                    else None
                )
                fallback = (
                    _time(record[table.fallback_time])
                    if table.fallback_time is not None
                    else None
                )
            except ValueError as err:
                plan.problems.append(RowProblem(number, "date", str(err), "not a date"))
                continue
            complete = table.complete(record)
            if not complete and not include_partial:
                plan.problems.append(
                    RowProblem(number, "respondent", respondent, "partial response")
                )
                continue
            when = submitted or fallback
            if when is None:
                plan.problems.append(
                    RowProblem(number, "date", "", "no date: the month is not known")
                )
                continue
            responses.append(
                (respondent, submitted or when, complete, when, record, number)
            )
    kept = kpis.latest_per_respondent(responses, lambda r: r[0], lambda r: r[1])
    plan.duplicates_removed = kept.removed
    plan.respondents = len(kept.rows)
    partial = 0
    reading = part(progress, CHECK_SHARE, 1.0)
    for _first, kept_rows in in_steps(kept.rows, reading, "respondents' answers read"):
        for respondent, submitted, complete, when, record, number in kept_rows:
            partial += not complete
            for index, measure in chosen.items():
                try:
                    value = answer_value(MEASURES[measure], record[index])
                except kpis.KpiError as err:
                    plan.problems.append(
                        RowProblem(
                            number,
                            table.columns[index].id[:80],
                            record[index][:80],
                            str(err),
                        )
                    )
                    continue
                if value is None:
                    plan.unanswered += 1
                    continue
                plan.answers.append(
                    Answer(
                        respondent,
                        submitted,
                        complete,
                        when[:7],
                        measure,
                        value,
                        number,
                    )
                )
    if partial:
        plan.notes.append(
            f"{counted(partial, 'partial response')} (not submitted): "
            "their answers are included"
        )
    if plan.duplicates_removed == 1:
        plan.notes.append(
            "1 earlier response of the same respondent was removed; "
            "each respondent's latest counts once"
        )
    elif plan.duplicates_removed:
        plan.notes.append(
            f"{plan.duplicates_removed:,} earlier responses of the same respondents "
            "were removed; each respondent's latest counts once"
        )
    if progress:
        progress(1.0, f"{counted(len(table.records), 'response')} checked")
    return plan


def _survey_name(survey: str | None, source: SourceFile) -> str:
    return " ".join((survey or source.name.rsplit(".", 1)[0]).split())[:150]


def labelled(
    plan: SurveyPlan,
    *,
    survey: str | None = None,
    journey_id: int | None = None,
    stage_id: int | None = None,
    channel: str = "",
) -> SurveyPlan:
    """The same planned answers, stored under another survey name, journey,
    stage or channel (as `plan_survey` takes them).

    These only label what is stored, so a page that kept a plan need not
    read a large file again when one of them changes.
    """
    return dataclasses.replace(
        plan,
        survey=_survey_name(survey, plan.source),
        journey_id=journey_id,
        stage_id=stage_id,
        channel=channel.strip(),
    )


# --- writing ----------------------------------------------------------------------


def write_survey(
    ws: Workspace, actor: Actor, plan: SurveyPlan, progress: Progress | None = None
) -> ImportResult:
    """Store a planned survey import and recompute its monthly KPIs, all or nothing.

    The mapping of questions to measures is saved with it, so the next export
    of the same survey comes preselected (`journeys.survey_mappings`).
    """
    # Imported here: survey_mappings reads this module's tables and measures.
    from journeys import survey_mappings

    check_may_import(actor, plan.source.name)
    result = ImportResult(f"survey-{plan.table.tool}", plan.source.name)
    refuse_repeat(ws, result.kind, plan.source)
    for problem in plan.problems:
        result.skip(f"row {problem.row}", f"{problem.column}: {problem.problem}")
    if not plan.answers:
        first = plan.problems[0].problem if plan.problems else "no answers"
        raise ImportFailed(
            plan.source.name, f"no answer could be imported (first problem: {first})"
        )
    with import_transaction(ws, actor, plan.source, result) as import_id:
        stored = measures.existing_responses(ws.db, plan.survey)
        replaced, fresh, older = [], [], 0
        for answer in plan.answers:
            earlier = stored.get((answer.respondent, answer.measure))
            if earlier is not None:
                if (earlier[1] or "") >= (answer.submitted or ""):
                    older += 1
                    continue
                replaced.append(earlier[0])
            fresh.append(
                (
                    import_id,
                    plan.survey,
                    answer.respondent,
                    answer.submitted,
                    int(answer.complete),
                    plan.journey_id,
                    plan.stage_id,
                    plan.channel,
                    answer.period,
                    answer.measure,
                    answer.value,
                )
            )
        if replaced:
            measures.delete_responses(ws.db, replaced)
        if older:
            result.skip(
                counted(older, "answer"),
                "the workspace already holds a later answer of the same respondent",
            )
        storing = part(progress, 0.0, 0.9)
        for _first, batch in in_steps(fresh, storing, "answers stored"):
            measures.insert_responses(ws.db, batch)
        if progress:
            progress(0.9, f"{counted(len(fresh), 'answer')} stored")
        result.count("survey answer", len(fresh))
        if replaced:
            result.count("replaced answer", len(replaced))
        measures.insert_survey_questions(
            ws.db,
            import_id,
            plan.survey,
            {
                measure: plan.table.columns[index].text[:1000]
                for index, measure in plan.mapping.items()
            },
        )
        survey_mappings.save_mapping(ws, actor, plan.table, plan.mapping)
        months = sorted({a.period for a in plan.answers})
        written = refresh_survey_kpis(ws, actor, plan.survey, months, import_id)
        result.count("measurement", written)
        if progress:
            progress(1.0, "monthly KPIs worked out")
    return result


def refresh_survey_kpis(
    ws: Workspace, actor: Actor, survey: str, months: list[str], import_id: int
) -> int:
    """Work out again, from every stored response, a survey's KPIs for some
    months; store or update them as measurements. Returns how many changed."""
    kpi_ids = metrics.ensure_standard_kpis(ws, actor)
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for (
        _s,
        measure,
        journey_id,
        stage_id,
        channel,
        period,
        value,
        n,
    ) in measures.response_histograms(ws.db, survey=survey, periods=months):
        counts[(measure, journey_id, stage_id, channel, period)][value] += n
    changed = 0
    for (measure, journey_id, stage_id, channel, period), found in sorted(
        counts.items(), key=lambda item: tuple(str(x) for x in item[0])
    ):
        first, last = _month(period)
        for key, suffix, ratio in measure_kpis(measure, found):
            if ratio.value is None:
                continue
            segment = f"survey: {survey}" + (f" / {suffix}" if suffix else "")
            measurement = Measurement(
                kpi_ids[key],
                first,
                last,
                ratio.value,
                journey_id=journey_id,
                stage_id=stage_id,
                channel=channel,
                segment=segment[:200],
                numerator=ratio.numerator,
                denominator=ratio.denominator,
                label=f"From {ratio.denominator:,.0f} answers to the survey {survey!r}",
            ).validated()
            changed += _upsert(ws, actor, measurement, import_id)
    return changed


def _month(period: str) -> tuple[str, str]:
    year, month = int(period[:4]), int(period[5:7])
    return (
        f"{year:04d}-{month:02d}-01",
        f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}",
    )


def _upsert(ws: Workspace, actor: Actor, measurement: Measurement, import_id) -> int:
    existing = measures.find_measurement(
        ws.db,
        measurement.kpi_id,
        measurement.period_start,
        measurement.period_end,
        journey_id=measurement.journey_id,
        stage_id=measurement.stage_id,
        channel=measurement.channel,
        segment=measurement.segment,
    )
    values = as_columns(measurement)
    with translated_errors():
        if existing is None:
            rows.insert_row(
                ws.db, "measurement", {**values, "import_id": import_id}, actor.name
            )
            return 1
        changes = {
            c: values[c]
            for c in ("value", "numerator", "denominator", "label")
            if existing[c] != values[c]
        }
        if changes:
            rows.update_row(
                ws.db,
                "measurement",
                existing["id"],
                existing["version"],
                changes,
                actor.name,
            )
            return 1
    return 0


def import_survey(
    ws: Workspace,
    actor: Actor,
    source,
    name: str | None = None,
    *,
    mapping: Mapping[int | str, str] | None = None,
    survey: str | None = None,
    journey_id: int | None = None,
    stage_id: int | None = None,
    channel: str = "",
    include_partial: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    """Plan and write a survey import in one go (see `plan_survey`)."""
    check_may_import(actor)
    source = read_source(source, name)
    if not mapping:
        raise ImportFailed(
            source.name,
            "a survey needs its questions mapped to measures: import it from the "
            "Goals & KPIs page, which lists its questions",
        )
    plan = plan_survey(
        source,
        mapping,
        survey=survey,
        journey_id=journey_id,
        stage_id=stage_id,
        channel=channel,
        include_partial=include_partial,
    )
    return write_survey(ws, actor, plan, progress)


def survey_overview(ws: Workspace) -> list[dict]:
    """Per survey and measure: answers, respondents, months, and the wording."""
    wording = {
        (q["survey"], q["measure"]): q["question"]
        for q in measures.survey_questions(ws.db)
    }
    found = measures.survey_summary(ws.db)
    for row in found:
        row["question"] = wording.get((row["survey"], row["measure"]), "")
        row["measure_label"] = MEASURES[row["measure"]].label
    return found
