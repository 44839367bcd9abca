"""The things a workspace holds, with the rules every value must meet.

Each model is a dataclass. ``validated()`` returns the model with its values
cleaned (whitespace trimmed, blank optional text made None) or raises
`ValidationError` naming every field that is wrong, so a form can show all
problems at once.
"""

import dataclasses
import datetime
import math
from dataclasses import dataclass, field
from typing import Literal, get_args

from journeys.errors import ValidationError

AgencyKind = Literal["government", "community", "partner"]
Channel = Literal["online", "phone", "in person", "post", "app", "email", "other"]
JourneyStatus = Literal["draft", "in review", "published"]
Direction = Literal["up", "down", "none"]

Level = Literal["low", "medium", "high"]

AGENCY_KINDS: tuple[str, ...] = get_args(AgencyKind)
LEVELS: tuple[str, ...] = get_args(Level)
# How a persona feels at a step: -2 (very negative) .. +2 (very positive).
EMOTION_MIN, EMOTION_MAX = -2, 2
EMOTION_WORDS = {
    -2: "very negative",
    -1: "negative",
    0: "neutral",
    1: "positive",
    2: "very positive",
}
CHANNELS: tuple[str, ...] = get_args(Channel)
JOURNEY_STATUSES: tuple[str, ...] = get_args(JourneyStatus)
DIRECTIONS: tuple[str, ...] = get_args(Direction)

# Lengths, in characters, generous for real text but small enough that a
# pasted document does not end up in a title.
NAME_MAX = 200
SHORT_TEXT_MAX = 1_000
LONG_TEXT_MAX = 10_000
LIST_ITEMS_MAX = 50

# Digital confidence on a 1..5 scale, as GOV.UK's digital inclusion scale.
DIGITAL_CONFIDENCE_LABELS = {
    1: "1 - never uses the internet",
    2: "2 - needs help to go online",
    3: "3 - does simple tasks online",
    4: "4 - confident online",
    5: "5 - expert",
}


class _Checker:
    """Collects every problem of one record before raising."""

    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def text(self, name: str, value, *, limit: int, required: bool = False):
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.problems[name] = "is required"
        elif len(text) > limit:
            self.problems[name] = f"is {len(text):,} characters; the limit is {limit:,}"
        return text

    def optional_text(self, name: str, value, *, limit: int):
        text = self.text(name, value, limit=limit)
        return text or None

    def items(self, name: str, values) -> list[str]:
        if isinstance(values, str):
            values = values.splitlines()
        cleaned = [str(v).strip() for v in (values or []) if str(v).strip()]
        if len(cleaned) > LIST_ITEMS_MAX:
            self.problems[name] = (
                f"has {len(cleaned)} entries; the limit is {LIST_ITEMS_MAX}"
            )
        for item in cleaned:
            if len(item) > SHORT_TEXT_MAX:
                self.problems[name] = (
                    f"has an entry longer than {SHORT_TEXT_MAX:,} characters"
                )
        return cleaned

    def choice(self, name: str, value, allowed: tuple[str, ...]):
        if value not in allowed:
            self.problems[name] = f"must be one of {', '.join(allowed)} (got {value!r})"
        return value

    def whole_number(self, name: str, value, low: int, high: int):
        if value is None or value == "":
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        # int() would quietly make 2.5 into 2, and NaN is no number at all.
        if not math.isfinite(number) or not number.is_integer():
            self.problems[name] = f"must be a whole number from {low} to {high}"
            return None
        number = int(number)
        if not low <= number <= high:
            self.problems[name] = f"must be from {low} to {high} (got {number})"
        return number

    def date(self, name: str, value):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value.isoformat()
        text = str(value).strip()
        # A date, or a date and time as spreadsheets write them; anything
        # after the date other than a time is refused, never cut off.
        for parse in (datetime.date.fromisoformat, datetime.datetime.fromisoformat):
            try:
                parsed = parse(text)
            except ValueError:
                continue
            day = parsed.date() if isinstance(parsed, datetime.datetime) else parsed
            return day.isoformat()
        self.problems[name] = f"must be a date written YYYY-MM-DD (got {value!r})"
        return None

    def notes(self, name: str, values, level_key: str | None) -> list[dict]:
        """A list of {text, level} notes such as pain points with their severity."""
        cleaned = []
        for note in values or []:
            text = self.text(name, note.get("text"), limit=SHORT_TEXT_MAX)
            if not text:
                continue
            entry = {"text": text}
            if level_key:
                level = note.get(level_key) or "medium"
                entry[level_key] = self.choice(name, level, LEVELS)
            cleaned.append(entry)
        if len(cleaned) > LIST_ITEMS_MAX:
            self.problems[name] = f"has {len(cleaned)} entries; the limit is 50"
        return cleaned

    def evidence(self, values) -> list[dict]:
        cleaned = []
        for item in values or []:
            source = self.text("evidence", item.get("source"), limit=SHORT_TEXT_MAX)
            if not source:
                continue
            cleaned.append(
                {
                    "source": source,
                    "date": self.date("evidence", item.get("date")),
                    "personal_data": bool(item.get("personal_data")),
                }
            )
        return cleaned

    def emotions(self, values) -> dict[str, int]:
        cleaned = {}
        for persona_id, score in (values or {}).items():
            if score is None or score == "":
                continue
            number = self.whole_number("emotions", score, EMOTION_MIN, EMOTION_MAX)
            if number is not None:
                cleaned[str(int(persona_id))] = number
        return cleaned

    def number(self, name: str, value):
        if value is None or value == "":
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.problems[name] = f"must be a number (got {value!r})"
            return None
        if not math.isfinite(number):  # NaN and infinity compare as nothing
            self.problems[name] = f"must be an ordinary number (got {value!r})"
            return None
        return number

    def done(self) -> None:
        if self.problems:
            raise ValidationError(self.problems)


@dataclass
class Agency:
    """A government body, community organisation or partner that owns steps."""

    name: str
    kind: AgencyKind = "government"
    short_name: str | None = None
    parent_id: int | None = None
    website: str | None = None

    def validated(self) -> "Agency":
        check = _Checker()
        cleaned = Agency(
            name=check.text("name", self.name, limit=NAME_MAX, required=True),
            kind=check.choice("kind", self.kind, AGENCY_KINDS),
            short_name=check.optional_text("short_name", self.short_name, limit=40),
            parent_id=self.parent_id,
            website=check.optional_text("website", self.website, limit=SHORT_TEXT_MAX),
        )
        check.done()
        return cleaned


@dataclass
class Persona:
    """A structured persona: who they are, what they need, and the evidence."""

    name: str
    summary: str = ""
    age_range: str | None = None
    situation: str = ""
    goals: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    likes: list[str] = field(default_factory=list)
    frustrations: list[str] = field(default_factory=list)
    access_needs: list[str] = field(default_factory=list)
    assistive_technology: list[str] = field(default_factory=list)
    digital_confidence: int | None = None
    languages: list[str] = field(default_factory=list)
    quote: str | None = None
    tags: list[str] = field(default_factory=list)
    owner_agency_id: int | None = None
    evidence_source: str | None = None
    evidence_date: str | None = None

    def validated(self) -> "Persona":
        check = _Checker()
        cleaned = Persona(
            name=check.text("name", self.name, limit=NAME_MAX, required=True),
            summary=check.text("summary", self.summary, limit=SHORT_TEXT_MAX),
            age_range=check.optional_text("age_range", self.age_range, limit=40),
            situation=check.text("situation", self.situation, limit=LONG_TEXT_MAX),
            goals=check.items("goals", self.goals),
            needs=check.items("needs", self.needs),
            likes=check.items("likes", self.likes),
            frustrations=check.items("frustrations", self.frustrations),
            access_needs=check.items("access_needs", self.access_needs),
            assistive_technology=check.items(
                "assistive_technology", self.assistive_technology
            ),
            digital_confidence=check.whole_number(
                "digital_confidence", self.digital_confidence, 1, 5
            ),
            languages=check.items("languages", self.languages),
            quote=check.optional_text("quote", self.quote, limit=SHORT_TEXT_MAX),
            tags=check.items("tags", self.tags),
            owner_agency_id=self.owner_agency_id,
            evidence_source=check.optional_text(
                "evidence_source", self.evidence_source, limit=SHORT_TEXT_MAX
            ),
            evidence_date=check.date("evidence_date", self.evidence_date),
        )
        check.done()
        return cleaned


@dataclass
class Journey:
    """A citizen's journey through one or more services, made of ordered stages."""

    title: str
    description: str = ""
    lead_agency_id: int | None = None
    status: JourneyStatus = "draft"
    review_by: str | None = None
    source: str | None = None

    def validated(self) -> "Journey":
        check = _Checker()
        cleaned = Journey(
            title=check.text("title", self.title, limit=NAME_MAX, required=True),
            description=check.text(
                "description", self.description, limit=LONG_TEXT_MAX
            ),
            lead_agency_id=self.lead_agency_id,
            status=check.choice("status", self.status, JOURNEY_STATUSES),
            review_by=check.date("review_by", self.review_by),
            source=check.optional_text("source", self.source, limit=SHORT_TEXT_MAX),
        )
        check.done()
        return cleaned


@dataclass
class Stage:
    """A phase of a journey (such as "Book your theory test"), holding ordered steps."""

    name: str
    description: str = ""

    def validated(self) -> "Stage":
        check = _Checker()
        cleaned = Stage(
            name=check.text("name", self.name, limit=NAME_MAX, required=True),
            description=check.text(
                "description", self.description, limit=LONG_TEXT_MAX
            ),
        )
        check.done()
        return cleaned


@dataclass
class Step:
    """A touchpoint: what the person does, through which channel, owned by whom."""

    action: str
    channel: Channel = "online"
    touchpoint: str = ""
    touchpoint_url: str | None = None
    owning_agency_id: int | None = None
    optional: bool = False
    fee: str | None = None
    notes: str = ""
    # Persona id (as text) -> feeling at this step, -2..+2.
    emotions: dict[str, int] = field(default_factory=dict)
    # Each {"text": ..., "severity": "low" | "medium" | "high"}.
    pain_points: list[dict] = field(default_factory=list)
    # Each {"text": ..., "impact": "low" | "medium" | "high"}.
    opportunities: list[dict] = field(default_factory=list)
    # Each {"source": ..., "date": "YYYY-MM-DD" or None, "personal_data": bool}.
    evidence: list[dict] = field(default_factory=list)
    kpi_ids: list[int] = field(default_factory=list)

    def validated(self) -> "Step":
        check = _Checker()
        cleaned = Step(
            action=check.text(
                "action", self.action, limit=SHORT_TEXT_MAX, required=True
            ),
            channel=check.choice("channel", self.channel, CHANNELS),
            touchpoint=check.text("touchpoint", self.touchpoint, limit=SHORT_TEXT_MAX),
            touchpoint_url=check.optional_text(
                "touchpoint_url", self.touchpoint_url, limit=SHORT_TEXT_MAX
            ),
            owning_agency_id=self.owning_agency_id,
            optional=bool(self.optional),
            fee=check.optional_text("fee", self.fee, limit=100),
            notes=check.text("notes", self.notes, limit=LONG_TEXT_MAX),
            emotions=check.emotions(self.emotions),
            pain_points=check.notes("pain_points", self.pain_points, "severity"),
            opportunities=check.notes("opportunities", self.opportunities, "impact"),
            evidence=check.evidence(self.evidence),
            kpi_ids=[int(k) for k in self.kpi_ids or []],
        )
        check.done()
        return cleaned


@dataclass
class KpiDefinition:
    """A measure with a standard definition: its formula, unit, direction and source."""

    key: str
    name: str
    unit: str
    direction: Direction
    formula: str
    source: str = ""
    # A custom KPI's formula over other KPIs' keys, such as
    # "transactions_online / transactions"; None for a standard KPI.
    expression: str | None = None

    def validated(self) -> "KpiDefinition":
        check = _Checker()
        key = check.text("key", self.key, limit=60, required=True)
        if key and not key.replace("_", "").isalnum():
            check.problems["key"] = "may hold only letters, digits and underscores"
        cleaned = KpiDefinition(
            key=key,
            name=check.text("name", self.name, limit=NAME_MAX, required=True),
            unit=check.text("unit", self.unit, limit=40, required=True),
            direction=check.choice("direction", self.direction, DIRECTIONS),
            formula=check.text(
                "formula", self.formula, limit=SHORT_TEXT_MAX, required=True
            ),
            source=check.text("source", self.source, limit=SHORT_TEXT_MAX),
            expression=check.optional_text(
                "expression", self.expression, limit=SHORT_TEXT_MAX
            ),
        )
        check.done()
        return cleaned


@dataclass
class Goal:
    """A shared goal: an owner, the KPI that shows progress, a target and a deadline."""

    title: str
    description: str = ""
    owner_agency_id: int | None = None
    journey_id: int | None = None
    kpi_id: int | None = None
    baseline: float | None = None
    target: float | None = None
    deadline: str | None = None

    def validated(self) -> "Goal":
        check = _Checker()
        cleaned = Goal(
            title=check.text("title", self.title, limit=NAME_MAX, required=True),
            description=check.text(
                "description", self.description, limit=LONG_TEXT_MAX
            ),
            owner_agency_id=self.owner_agency_id,
            journey_id=self.journey_id,
            kpi_id=self.kpi_id,
            baseline=check.number("baseline", self.baseline),
            target=check.number("target", self.target),
            deadline=check.date("deadline", self.deadline),
        )
        check.done()
        return cleaned


@dataclass
class Measurement:
    """One value of a KPI for a period; optionally per stage, step, channel, segment."""

    kpi_id: int
    period_start: str
    period_end: str
    value: float
    journey_id: int | None = None
    stage_id: int | None = None
    step_id: int | None = None
    channel: str = ""
    segment: str = ""
    agency_id: int | None = None
    # The counts behind a rate or a mean (value = numerator / denominator).
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None  # a target published with the value
    label: str = ""  # the source's own wording for what was measured

    def validated(self) -> "Measurement":
        check = _Checker()
        start = check.date("period_start", self.period_start)
        end = check.date("period_end", self.period_end)
        if start and end and end < start:
            check.problems["period_end"] = "is before the start of the period"
        value = check.number("value", self.value)
        if self.value is None:
            check.problems["value"] = "is required"
        numerator = check.number("numerator", self.numerator)
        denominator = check.number("denominator", self.denominator)
        if (numerator is None) != (denominator is None):
            check.problems["denominator"] = "needs a numerator, and the other way"
        elif denominator is not None and denominator <= 0:
            check.problems["denominator"] = "must be above 0"
        cleaned = dataclasses.replace(
            self,
            period_start=start,
            period_end=end,
            value=value,
            channel=check.text("channel", self.channel, limit=40),
            segment=check.text("segment", self.segment, limit=NAME_MAX),
            numerator=numerator,
            denominator=denominator,
            target=check.number("target", self.target),
            label=check.text("label", self.label, limit=SHORT_TEXT_MAX),
        )
        check.done()
        return cleaned


# Channels a service is delivered through: the step channels, less "app", plus
# fax, which service inventories still count.
SERVICE_CHANNELS = ("online", "phone", "in person", "post", "email", "fax", "other")


@dataclass
class Service:
    """A service an agency delivers, such as one row of a service inventory."""

    name: str
    description: str = ""
    owner_agency_id: int | None = None
    external_id: str | None = None  # the inventory's own id, unique
    channels: list[str] = field(default_factory=list)
    # Applications per channel, only for channels with a reported number.
    volumes: dict[str, int] = field(default_factory=dict)
    fee: str | None = None
    url: str | None = None
    client_groups: list[str] = field(default_factory=list)
    feedback_channels: list[str] = field(default_factory=list)
    source: str | None = None

    def validated(self) -> "Service":
        check = _Checker()
        channels = [
            check.choice("channels", c, SERVICE_CHANNELS) for c in self.channels or []
        ]
        feedback = [
            check.choice("feedback_channels", c, SERVICE_CHANNELS)
            for c in self.feedback_channels or []
        ]
        volumes = {}
        for channel, count in (self.volumes or {}).items():
            check.choice("volumes", channel, SERVICE_CHANNELS)
            number = check.whole_number("volumes", count, 0, 10**12)
            if number is not None:
                volumes[channel] = number
        cleaned = Service(
            # Long names are real: the Canadian inventory has one of 225 characters.
            name=check.text("name", self.name, limit=SHORT_TEXT_MAX, required=True),
            description=check.text(
                "description", self.description, limit=LONG_TEXT_MAX
            ),
            owner_agency_id=self.owner_agency_id,
            external_id=check.optional_text("external_id", self.external_id, limit=100),
            channels=list(dict.fromkeys(channels)),
            volumes=volumes,
            fee=check.optional_text("fee", self.fee, limit=100),
            url=check.optional_text("url", self.url, limit=SHORT_TEXT_MAX),
            client_groups=check.items("client_groups", self.client_groups),
            feedback_channels=list(dict.fromkeys(feedback)),
            source=check.optional_text("source", self.source, limit=SHORT_TEXT_MAX),
        )
        check.done()
        return cleaned


@dataclass
class AgencyRelation:
    """A link between two agencies that someone declared (in a Kumu map, say).

    Hand-offs are worked out from journeys; these are what people drew.
    """

    from_agency_id: int
    to_agency_id: int
    kind: str
    strength: float | None = None
    note: str = ""
    source: str | None = None

    def validated(self) -> "AgencyRelation":
        check = _Checker()
        if self.from_agency_id == self.to_agency_id:
            check.problems["to_agency_id"] = "must be another agency"
        cleaned = AgencyRelation(
            from_agency_id=self.from_agency_id,
            to_agency_id=self.to_agency_id,
            kind=check.text("kind", self.kind, limit=NAME_MAX, required=True),
            strength=check.number("strength", self.strength),
            note=check.text("note", self.note, limit=LONG_TEXT_MAX),
            source=check.optional_text("source", self.source, limit=SHORT_TEXT_MAX),
        )
        check.done()
        return cleaned


def as_columns(model) -> dict:
    """A validated model's fields, as the column values storage writes."""
    return dataclasses.asdict(model)
