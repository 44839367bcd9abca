"""The KPI formulas, as pure functions: counts in, unrounded values out.

Every formula here follows a published definition (FIELD.md section 4 names
the sources; each KPI's definition in `journeys.metrics` repeats its formula,
unit and source for the app). Nothing here reads the workspace or rounds:
values are rounded only where they are displayed (`display_value`).

The rules that are easy to get wrong (PITFALLS 19 to 21):

* Blanks and "N/A" are *unanswered*: they leave the denominator. Answers on
  the wrong scale (6.5 or 11 for NPS, 7 for CSAT) are refused with
  `ScaleError`, never put in a bucket.
* A respondent counts once: `latest_per_respondent` keeps each respondent's
  latest answer and says how many were removed.
* A rate never exceeds 100 percent: a numerator above its denominator is an
  error in the data (`InconsistentData`), shown, never clamped.
* "Ineligible" and "already done" endings count as completions.
* Shares are kept as fractions (0.263 for 26.3 percent); NPS as a fraction
  from -1 to 1 (0.25 is +25).
"""

import ast
import math
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from journeys.errors import JourneyError

# Text that means "no answer" (compared without case or surrounding spaces).
MISSING_ANSWERS = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "-",
        "--",
        "none",
        "null",
        "no data",
        "nd",
        "don't know",
        "dont know",
        "do not know",
        "not applicable",
        "prefer not to say",
        "refused",
    }
)


class KpiError(JourneyError):
    """Values that a KPI cannot be worked out from; the message says why."""


class ScaleError(KpiError):
    """An answer outside the question's scale, or not a whole point on it."""


class InconsistentData(KpiError):
    """Counts that contradict each other, such as more completions than starts."""


# --- answers -------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    """True for a blank, None, NaN or a "no answer" text such as "N/A".

    >>> [is_missing(v) for v in ["", " N/A ", "Don't know", None, "0", 0]]
    [True, True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return value.strip().casefold() in MISSING_ANSWERS
    return False


def parse_score(value: Any, low: int, high: int, *, whole: bool = True) -> float | None:
    """A score on the scale ``low``..``high``, or None when unanswered.

    Decimal commas are read ("4,5" is 4.5). Raises `ScaleError` for text
    that is not a number, a number off the scale, or (with ``whole``) a
    number between two points of the scale.

    >>> parse_score(" 9 ", 0, 10), parse_score("N/A", 0, 10)
    (9.0, None)
    >>> parse_score("6.5", 0, 10)
    Traceback (most recent call last):
    ...
    journeys.kpis.ScaleError: 6.5 is not a whole point on the 0 to 10 scale
    """
    if is_missing(value):
        return None
    if isinstance(value, bool):
        raise ScaleError(f"{value!r} is not a score")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ScaleError(f"{str(value).strip()!r} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ScaleError(f"{_number(number)} is off the {low} to {high} scale")
    if whole and not number.is_integer():
        raise ScaleError(
            f"{_number(number)} is not a whole point on the {low} to {high} scale"
        )
    return number


def _number(number: float) -> str:
    return f"{number:g}"


def histogram(
    values: Iterable[Any], low: int, high: int, *, whole: bool = True
) -> tuple[Counter, int]:
    """Answers counted per score, and how many were unanswered.

    Raises `ScaleError` naming the first answer off the scale.

    >>> histogram([10, "9", "", "N/A", 9], 0, 10)
    (Counter({9.0: 2, 10.0: 1}), 2)
    """
    counts: Counter = Counter()
    unanswered = 0
    for value in values:
        score = parse_score(value, low, high, whole=whole)
        if score is None:
            unanswered += 1
        else:
            counts[score] += 1
    return counts, unanswered


@dataclass(frozen=True)
class Deduplicated:
    """Rows with one per respondent, and how many earlier duplicates went."""

    rows: list
    removed: int


def latest_per_respondent(
    rows: Iterable[Any],
    respondent: Callable[[Any], Any],
    submitted: Callable[[Any], Any],
) -> Deduplicated:
    """Keep each respondent's latest row (by ``submitted``; ties: the last one).

    Rows with no submission time sort before any with one. Order of first
    appearance is kept.

    >>> rows = [("r1", 10, "2024-01-01"), ("r1", 3, "2024-01-05"), ("r2", 9, "")]
    >>> kept = latest_per_respondent(rows, lambda r: r[0], lambda r: r[2])
    >>> kept.rows, kept.removed
    ([('r1', 3, '2024-01-05'), ('r2', 9, '')], 1)
    """
    latest: dict[Any, Any] = {}
    total = 0
    for row in rows:
        total += 1
        key = respondent(row)
        if key in latest and (submitted(latest[key]) or "") > (submitted(row) or ""):
            continue
        latest[key] = row
    return Deduplicated(list(latest.values()), total - len(latest))


# --- shares and means ------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator, kept as counts; ``value`` None when nothing."""

    numerator: float
    denominator: float

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def n(self) -> float:
        return self.denominator


def share(part: float, whole: float, what: str = "share") -> Ratio:
    """``part`` of ``whole`` as a `Ratio`, refusing a part above the whole.

    >>> share(680, 1000).value
    0.68
    >>> share(0, 0).value is None
    True
    >>> share(1010, 1000, "completion rate")
    Traceback (most recent call last):
    ...
    journeys.kpis.InconsistentData: completion rate above 100%: 1,010 of 1,000
    """
    if part < 0 or whole < 0:
        raise InconsistentData(f"{what}: counts cannot be negative")
    if part > whole:
        raise InconsistentData(f"{what} above 100%: {part:,g} of {whole:,g}")
    return Ratio(float(part), float(whole))


def mean_of(counts: Mapping[float, float]) -> Ratio:
    """The mean of counted scores, as (sum of scores, number of answers).

    >>> mean_of({5: 2, 4: 1, 1: 1}).value
    3.75
    """
    total = sum(score * n for score, n in counts.items())
    return Ratio(float(total), float(sum(counts.values())))


@dataclass(frozen=True)
class Combined:
    """Several values of one KPI and period made one, with how it was done."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""


def combine(
    values: Iterable[tuple[float, float | None, float | None]], how: str
) -> Combined:
    """Combine (value, numerator, denominator) triples of one period.

    ``how`` "sum" adds the values (counts). "ratio" adds numerators and
    denominators and divides, never averaging rates; values stored without
    their counts can be combined only when there is one.

    >>> combine([(0.5, 1, 2), (0.9, 9, 10)], "ratio").value  # 10 / 12
    0.8333333333333334
    >>> combine([(600, None, None), (400, None, None)], "sum").value
    1000.0
    >>> combine([(0.5, None, None), (0.9, None, None)], "ratio").note
    '2 values without their counts cannot be combined'
    """
    values = list(values)
    if not values:
        return Combined(None, note="no measurement")
    if how == "sum":
        return Combined(float(sum(v for v, _, _ in values)))
    if all(d is not None for _, _, d in values):
        numerator = float(sum(n for _, n, _ in values))
        denominator = float(sum(d for _, _, d in values))
        value = numerator / denominator if denominator else None
        return Combined(value, numerator, denominator)
    if len(values) == 1:
        return Combined(float(values[0][0]))
    return Combined(
        None, note=f"{len(values)} values without their counts cannot be combined"
    )


def _check_counts(counts: Mapping[float, float], low: int, high: int, what: str):
    for score, n in counts.items():
        parse_score(score, low, high)
        if n < 0:
            raise InconsistentData(f"{what}: a negative count for {score:g}")


# --- NPS and eNPS ----------------------------------------------------------------


@dataclass(frozen=True)
class Nps:
    """Net Promoter Score from 0..10 answers: promoters 9-10, passives 7-8,
    detractors 0-6. ``score`` is a fraction from -1 to 1 (x100 for points)."""

    promoters: float
    passives: float
    detractors: float
    unanswered: int = 0

    @property
    def n(self) -> float:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        return (self.promoters - self.detractors) / self.n if self.n else None

    @property
    def ratio(self) -> Ratio:
        return Ratio(self.promoters - self.detractors, self.n)

    def shares(self) -> dict[str, float | None]:
        """Each group's share of the answers (they add up to 1)."""
        return {
            group: (count / self.n if self.n else None)
            for group, count in (
                ("promoters", self.promoters),
                ("passives", self.passives),
                ("detractors", self.detractors),
            )
        }


def nps_from_counts(counts: Mapping[float, float], unanswered: int = 0) -> Nps:
    """NPS from answers counted per score 0..10.

    >>> nps_from_counts({10: 2, 9: 2, 8: 1, 7: 1, 6: 1, 5: 1, 3: 1, 0: 1}).score
    0.0
    """
    _check_counts(counts, 0, 10, "NPS")
    promoters = sum(n for s, n in counts.items() if s >= 9)
    passives = sum(n for s, n in counts.items() if 7 <= s <= 8)
    detractors = sum(n for s, n in counts.items() if s <= 6)
    return Nps(promoters, passives, detractors, unanswered)


def nps(answers: Iterable[Any]) -> Nps:
    """NPS from raw answers; blanks and "N/A" are unanswered, not detractors.

    >>> result = nps([10, 9, 9, 8, 7, 6, 0, 3, 10, 5])
    >>> (result.promoters, result.passives, result.detractors, result.score)
    (4, 2, 4, 0.0)
    """
    counts, unanswered = histogram(answers, 0, 10)
    return nps_from_counts(counts, unanswered)


# eNPS is the same arithmetic on "How likely are you to recommend this
# organisation as a place to work?".
enps = nps
enps_from_counts = nps_from_counts


# --- satisfaction: CSAT, GOV.UK user satisfaction, effort ---------------------------


@dataclass(frozen=True)
class Csat:
    """CSAT on a 1..5 scale, both ways it is reported, each always labelled."""

    counts: dict[int, float]  # every level 1..5
    unanswered: int = 0

    @property
    def n(self) -> float:
        return sum(self.counts.values())

    @property
    def top_two_box(self) -> Ratio:
        """Share answering 4 or 5: "CSAT (top-two-box %)"."""
        return Ratio(self.counts[4] + self.counts[5], self.n)

    @property
    def mean(self) -> Ratio:
        """Mean answer from 1 to 5: "CSAT (mean, 1-5)"."""
        return mean_of(self.counts)


def csat_from_counts(counts: Mapping[float, float], unanswered: int = 0) -> Csat:
    """CSAT from answers counted per level 1..5.

    >>> result = csat_from_counts({5: 42, 4: 32, 3: 10, 2: 9, 1: 14})
    >>> round(result.top_two_box.value * 100, 2), round(result.mean.value, 4)
    (69.16, 3.7383)
    """
    _check_counts(counts, 1, 5, "CSAT")
    full = {level: float(counts.get(level, 0)) for level in range(1, 6)}
    return Csat(full, unanswered)


def csat(answers: Iterable[Any]) -> Csat:
    """CSAT from raw 1..5 answers. A 1..10 answer such as 7 is a `ScaleError`."""
    counts, unanswered = histogram(answers, 1, 5)
    return csat_from_counts(counts, unanswered)


def user_satisfaction(counts: Mapping[int, float]) -> Csat:
    """GOV.UK user satisfaction: "Very satisfied" (5) + "Satisfied" (4) over all
    answers on the five-point scale; publish the counts per level with it.

    >>> round(user_satisfaction({5: 42, 4: 32, 3: 10, 2: 9, 1: 14})
    ...       .top_two_box.value, 4)
    0.6916
    """
    return csat_from_counts(counts)


def effort_score(answers: Iterable[Any], high: int = 5) -> Ratio:
    """Customer effort score: the mean agreement on a 1..``high`` scale (5 or 7).

    >>> effort_score([5, 4, "", 2, 4]).value
    3.75
    """
    counts, _ = histogram(answers, 1, high)
    return mean_of(counts)


# --- OMB Circular A-11 section 280 ------------------------------------------------

# The seven drivers of the v1 post-transaction items, each on a 1..5 scale.
A11_DRIVERS = {
    "satisfaction": "Satisfaction",
    "trust": "Confidence / trust",
    "effectiveness": "Quality (effectiveness)",
    "ease": "Ease / simplicity",
    "efficiency": "Efficiency / speed",
    "transparency": "Equity / transparency",
    "employee": "Employee helpfulness",
}
# The drivers of the v2 "What went well?" / "What didn't go so well?" items.
A11_V2_DRIVERS = {
    "effectiveness": "Effectiveness",
    "ease": "Ease",
    "efficiency": "Efficiency",
    "transparency": "Transparency",
    "humanity": "Humanity",
    "employee": "Employee",
    "other": "Other",
}


def a11_driver_means(responses: Iterable[Mapping[str, Any]]) -> dict[str, Ratio]:
    """The mean (1..5) of each v1 driver item over the responses that answered it.

    Each response maps driver keys (`A11_DRIVERS`) to an answer; a blank or
    "N/A" leaves that driver's denominator only.

    >>> means = a11_driver_means([{"satisfaction": 5, "trust": 4},
    ...                           {"satisfaction": 4, "trust": "N/A"},
    ...                           {"satisfaction": 3}])
    >>> means["satisfaction"].value, means["trust"].value, means["ease"].n
    (4.0, 4.0, 0.0)
    """
    counts: dict[str, Counter] = {driver: Counter() for driver in A11_DRIVERS}
    for response in responses:
        for driver, answer in response.items():
            if driver not in counts:
                raise KpiError(f"{driver!r} is not an A-11 driver")
            score = parse_score(answer, 1, 5)
            if score is not None:
                counts[driver][score] += 1
    return {driver: mean_of(found) for driver, found in counts.items()}


THUMBS_UP = frozenset({"up", "thumbs up", "yes", "y", "1", "true", "👍"})
THUMBS_DOWN = frozenset({"down", "thumbs down", "no", "n", "0", "false", "👎"})


def trust_answer(answer: Any, scale: str) -> bool | None:
    """Whether one v2 trust answer is positive; None when unanswered.

    ``scale`` is "thumbs" (up / down) or "five_point" (4 and 5 are positive,
    1 to 3 are not).

    >>> [trust_answer(a, "thumbs") for a in ["Thumbs up", "down", ""]]
    [True, False, None]
    >>> [trust_answer(a, "five_point") for a in [5, 4, 3, "N/A"]]
    [True, True, False, None]
    """
    if is_missing(answer):
        return None
    if scale == "thumbs":
        text = str(answer).strip().casefold()
        if text in THUMBS_UP:
            return True
        if text in THUMBS_DOWN:
            return False
        raise ScaleError(f"{str(answer).strip()!r} is neither thumbs up nor down")
    if scale == "five_point":
        return parse_score(answer, 1, 5) >= 4
    raise KpiError(f"unknown trust scale {scale!r}: use 'thumbs' or 'five_point'")


def trust_share(answers: Iterable[Any], scale: str) -> Ratio:
    """A-11 v2 trust: the share of answers that are positive (thumbs up, or
    agree / strongly agree on five points). Unanswered leave the denominator.

    >>> trust_share(["up", "up", "down", "", "up"], "thumbs").value
    0.75
    """
    positive = answered = 0
    for answer in answers:
        verdict = trust_answer(answer, scale)
        if verdict is not None:
            answered += 1
            positive += verdict
    return Ratio(positive, answered)


def driver_shares(respondents: int, ticked: Mapping[str, int]) -> dict[str, Ratio]:
    """A-11 v2: the share of respondents who ticked each driver (positive or
    negative question alike); a driver can be ticked at most once each.

    >>> shares = driver_shares(8, {"ease": 6, "efficiency": 2})
    >>> shares["ease"].value, shares["efficiency"].value, shares["humanity"].value
    (0.75, 0.25, 0.0)
    """
    unknown = set(ticked) - set(A11_V2_DRIVERS)
    if unknown:
        raise KpiError(f"not A-11 v2 drivers: {', '.join(sorted(unknown))}")
    return {
        driver: share(ticked.get(driver, 0), respondents, f"'{label}' ticks")
        for driver, label in A11_V2_DRIVERS.items()
    }


def response_rate(responses: float, offered: float) -> Ratio:
    """A-11: responses / customers offered the survey.

    >>> response_rate(120, 1500).value
    0.08
    """
    return share(responses, offered, "response rate")


def survey_coverage(offered: float, customers: float) -> Ratio:
    """A-11: customers offered the survey / all customers at the transaction point.

    >>> survey_coverage(1500, 6000).value
    0.25
    """
    return share(offered, customers, "coverage")


# --- GOV.UK's four ----------------------------------------------------------------


def completion_rate(
    started: float, completed: float, ineligible: float = 0, already_done: float = 0
) -> Ratio:
    """GOV.UK completion rate: endings where the service did its job / starts.

    "Not eligible" and "already done" (already paid, already applied)
    endings are completions, not failures.

    >>> completion_rate(1000, 680).value
    0.68
    >>> completion_rate(200, 120, ineligible=30, already_done=10).value
    0.8
    """
    return share(completed + ineligible + already_done, started, "completion rate")


def digital_take_up(digital_completed: float, all_completed: float) -> Ratio:
    """Completed digital transactions / completed transactions in all channels.
    Assisted digital completions count as digital.

    >>> digital_take_up(13860, 13860 + 24665).value == 13860 / 38525
    True
    """
    return share(digital_completed, all_completed, "digital take-up")


def cost_per_transaction(total_cost: float, completed: float) -> Ratio:
    """Total cost of providing the service / completed transactions.

    >>> round(cost_per_transaction(6378148.9, 2481770).value, 4)
    2.57
    """
    if total_cost < 0 or completed < 0:
        raise InconsistentData("cost per transaction: negative cost or count")
    return Ratio(float(total_cost), float(completed))


def cost_per_transaction_by_channel(
    channel_costs: Mapping[str, float],
    channel_transactions: Mapping[str, float],
    common_cost: float = 0,
) -> dict[str, Ratio]:
    """Per-channel CPT: (the channel's own cost + its volume share of the common
    costs) / transactions completed in that channel.

    >>> by_channel = cost_per_transaction_by_channel(
    ...     {"online": 100_000, "phone": 300_000},
    ...     {"online": 80_000, "phone": 20_000},
    ...     common_cost=50_000,
    ... )
    >>> by_channel["online"].value, by_channel["phone"].value
    (1.75, 15.5)
    """
    volume = sum(channel_transactions.values())
    result = {}
    for channel in sorted(set(channel_costs) | set(channel_transactions)):
        completed = channel_transactions.get(channel, 0)
        common = common_cost * completed / volume if volume else 0
        result[channel] = cost_per_transaction(
            channel_costs.get(channel, 0) + common, completed
        )
    return result


def cpt_target(
    current_cpt: float, digital_cpt: float, take_up: float, take_up_goal: float
) -> float:
    """The service manual's target CPT: A + ((B - A) / (1 - X)) x (Y - X), with
    A the current overall CPT, B the current digital CPT, X the current
    digital take-up and Y the take-up goal (X and Y as fractions).

    >>> cpt_target(2.0, 0.5, 0.40, 0.80)
    1.0
    """
    for name, rate in (("take-up", take_up), ("take-up goal", take_up_goal)):
        if not 0 <= rate <= 1:
            raise InconsistentData(f"{name} must be from 0 to 100%")
    if take_up == 1:
        raise KpiError("the target formula needs a current take-up below 100%")
    return current_cpt + ((digital_cpt - current_cpt) / (1 - take_up)) * (
        take_up_goal - take_up
    )


# --- usability and contact centres -------------------------------------------------

TASK_OUTCOMES = ("success", "success with help", "partial", "failed")


def task_success_rate(
    outcomes: Iterable[str], *, count_assisted: bool = False
) -> Ratio:
    """Successful attempts / all attempts. Only unaided success counts unless
    ``count_assisted``; partial success never does. Blanks are not attempts.

    >>> task_success_rate(["success", "failed", "success with help", "partial"]).value
    0.25
    >>> task_success_rate(["success", "success with help", ""],
    ...                   count_assisted=True).value
    1.0
    """
    successes = attempts = 0
    counted = {"success", "success with help"} if count_assisted else {"success"}
    for outcome in outcomes:
        if is_missing(outcome):
            continue
        text = str(outcome).strip().casefold()
        if text not in TASK_OUTCOMES:
            raise ScaleError(
                f"{text!r} is not a task outcome ({', '.join(TASK_OUTCOMES)})"
            )
        attempts += 1
        successes += text in counted
    return Ratio(successes, attempts)


def average_handling_time(
    talk: float, hold: float, after_contact_work: float, handled: float
) -> Ratio:
    """AHT: (talk time + hold time + after-contact work) / interactions handled.

    >>> average_handling_time(30_000, 4_000, 6_000, 100).value
    400.0
    """
    if min(talk, hold, after_contact_work, handled) < 0:
        raise InconsistentData("handling time: negative time or count")
    return Ratio(float(talk + hold + after_contact_work), float(handled))


# --- funnels ----------------------------------------------------------------------


@dataclass
class EventFunnel:
    """Users through ordered steps, from per-user events in time order.

    *entered*: users whose events include the first step; *completed*: users
    who reached the last step after the first; *step conversion*: users
    reaching step k after step k-1, over users reaching step k-1.
    """

    steps: list[str]
    entered: int = 0
    completed: int = 0
    reached: list[int] = field(default_factory=list)  # per step, in order
    mid_journey: list[str] = field(default_factory=list)  # users without step 1

    @property
    def completion(self) -> Ratio:
        return share(self.completed, self.entered, "completion")

    @property
    def abandonment(self) -> float | None:
        value = self.completion.value
        return None if value is None else 1 - value

    def conversions(self) -> list[Ratio]:
        """Step k-1 to step k, for k = 2.. in order."""
        return [
            share(self.reached[k], self.reached[k - 1], f"'{self.steps[k]}'")
            for k in range(1, len(self.steps))
        ]


def funnel_from_events(
    events: Mapping[str, list[str]], steps: list[str]
) -> EventFunnel:
    """Count users through ``steps`` in order. Users who never did the first
    step are flagged "entered mid-journey" and counted nowhere; a step done
    before the one it follows does not count.

    >>> result = funnel_from_events(
    ...     {"u1": ["s1", "s2", "s3"], "u2": ["s1", "s2"], "u3": ["s2", "s3"],
    ...      "u4": ["s1"], "u5": ["s3", "s1"]},
    ...     ["s1", "s2", "s3"])
    >>> result.entered, result.completed, result.completion.value, result.mid_journey
    (4, 1, 0.25, ['u3'])
    >>> [c.value for c in result.conversions()]
    [0.5, 0.5]
    """
    funnel = EventFunnel(list(steps), reached=[0] * len(steps))
    for user, done in events.items():
        if not steps or steps[0] not in done:
            funnel.mid_journey.append(user)
            continue
        funnel.entered += 1
        position = done.index(steps[0])
        depth = 1
        for step in steps[1:]:
            try:
                position = done.index(step, position + 1)
            except ValueError:
                break
            depth += 1
        for k in range(depth):
            funnel.reached[k] += 1
        if depth == len(steps):
            funnel.completed += 1
    return funnel


# --- custom KPIs: a formula over other measures -----------------------------------

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
EXPRESSION_MAX = 500


@dataclass(frozen=True)
class Expression:
    """A parsed custom-KPI formula: numbers, KPI keys, + - * / and brackets."""

    text: str
    tree: ast.expr
    keys: frozenset[str]

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """The formula's value; None when an input is missing or a divisor is 0.

        >>> parse_expression("(a - b) / a * 100", {"a", "b"}).evaluate(
        ...     {"a": 200, "b": 50})
        75.0
        >>> parse_expression("a / b", {"a", "b"}).evaluate({"a": 1, "b": 0}) is None
        True
        """
        return _evaluate(self.tree, values)


def parse_expression(text: str, known_keys: Iterable[str]) -> Expression:
    """Parse a custom-KPI formula, refusing anything but arithmetic on known keys.

    >>> parse_expression("cost_per_transaction * 2", {"cost_per_transaction"}).keys
    frozenset({'cost_per_transaction'})
    >>> parse_expression("__import__('os')", {"a"})
    Traceback (most recent call last):
    ...
    journeys.kpis.KpiError: only numbers, KPI keys, + - * / and brackets are allowed
    """
    text = " ".join(str(text or "").split())
    if not text:
        raise KpiError("the formula is empty")
    if len(text) > EXPRESSION_MAX:
        raise KpiError(f"the formula is longer than {EXPRESSION_MAX} characters")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise KpiError(f"the formula {text!r} is not arithmetic") from None
    known = set(known_keys)
    keys = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in known:
                raise KpiError(f"the formula uses {node.id!r}, which is not a KPI key")
            keys.add(node.id)
        elif not isinstance(
            node,
            ast.BinOp
            | ast.UnaryOp
            | ast.Constant
            | ast.Load
            | ast.operator
            | ast.unaryop,
        ) or (
            isinstance(node, ast.Constant)
            and (
                isinstance(node.value, bool) or not isinstance(node.value, int | float)
            )
        ):
            raise KpiError("only numbers, KPI keys, + - * / and brackets are allowed")
        elif isinstance(node, ast.BinOp) and type(node.op) not in _OPERATORS:
            raise KpiError("the formula may use only + - * / between values")
        elif isinstance(node, ast.UnaryOp) and type(node.op) not in _UNARY:
            raise KpiError("the formula may use only + and - before a value")
    if not keys:
        raise KpiError("the formula must use at least one KPI key")
    return Expression(text, tree, frozenset(keys))


def _evaluate(node: ast.expr, values: Mapping[str, float | None]) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        return None if value is None else float(value)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return None if operand is None else _UNARY[type(node.op)](operand)
    left = _evaluate(node.left, values)
    right = _evaluate(node.right, values)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Div) and right == 0:
        return None
    return _OPERATORS[type(node.op)](left, right)


# --- units and display --------------------------------------------------------------

# Units stored as fractions and shown x100.
SCALED_UNITS = {"%": "%", "NPS": ""}


def to_display_number(value: float | None, unit: str) -> float | None:
    """A stored value in the unit people read (26.3 for a 0.263 share).

    >>> to_display_number(0.263, "%"), to_display_number(3.5, "1-5 mean")
    (26.3, 3.5)
    """
    if value is None:
        return None
    return value * 100 if unit in SCALED_UNITS else value


def from_display_number(number: float | None, unit: str) -> float | None:
    """A number as people type it (76 for 76%) in the unit it is stored in.

    >>> from_display_number(76, "%"), from_display_number(2.5, "GBP")
    (0.76, 2.5)
    """
    if number is None:
        return None
    return number / 100 if unit in SCALED_UNITS else float(number)


def rounded_shares(counts: Mapping[str, float], decimals: int = 1) -> dict[str, float]:
    """Percentages of a whole, rounded for display so that they add up to 100
    (largest remainder), rather than each rounded alone (33.3 x 3 = 99.9).

    >>> rounded_shares({"promoters": 3, "passives": 3, "detractors": 3})
    {'promoters': 33.4, 'passives': 33.3, 'detractors': 33.3}
    """
    total = sum(counts.values())
    if not total:
        return dict.fromkeys(counts, 0.0)
    unit = 10**decimals
    exact = {k: v * 100 * unit / total for k, v in counts.items()}
    floors = {k: math.floor(v) for k, v in exact.items()}
    left = 100 * unit - sum(floors.values())
    by_remainder = sorted(
        exact, key=lambda k: (floors[k] - exact[k], list(exact).index(k))
    )
    for key in by_remainder[: int(left)]:
        floors[key] += 1
    return {k: v / unit for k, v in floors.items()}


def display_value(value: float | None, unit: str, empty: str = "No data") -> str:
    """A stored value for display: the only place values are rounded.

    >>> [display_value(v, u) for v, u in [(0.26315, "%"), (-0.3333, "NPS"),
    ...  (2.5714, "GBP"), (4.3333, "1-5 mean"), (1234.0, "people"), (None, "%")]]
    ['26.3%', '-33.3', '£2.57', '4.33', '1,234', 'No data']
    """
    if value is None:
        return empty
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "NPS":
        return f"{value * 100:+.1f}".replace("+0.0", "0.0")
    if unit == "GBP":
        return f"£{value:,.2f}"
    if unit in ("USD", "CAD"):
        return f"${value:,.2f}"
    if unit.endswith("mean"):
        return f"{value:.2f}"
    if unit in ("days", "hours", "minutes", "seconds"):
        return f"{value:,.1f} {unit}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"
