"""Keeping maps alive: what is stale in a journey, and how two journeys differ.

A map is stale when its review date has passed, when a step rests on no
evidence or only on evidence older than the workspace's limit, or when a
step has no owning agency (so nobody will keep it true).
"""

import datetime
from dataclasses import dataclass, field

from journeys.access import Actor, Role, require
from journeys.errors import ValidationError
from journeys.maps import JourneyMap
from journeys.workspace import Workspace
from storage import structure

EVIDENCE_MAX_AGE_SETTING = "evidence_max_age_days"
DEFAULT_EVIDENCE_MAX_AGE_DAYS = 730  # two years, a common research refresh cycle


def evidence_max_age_days(ws: Workspace) -> int:
    """How old (in days) evidence may be before a step counts as stale."""
    stored = structure.get_setting(ws.db, EVIDENCE_MAX_AGE_SETTING)
    return int(stored) if stored else DEFAULT_EVIDENCE_MAX_AGE_DAYS


def set_evidence_max_age_days(ws: Workspace, actor: Actor, days: int) -> None:
    """Change the evidence age limit for the whole workspace (admins only)."""
    require(actor, Role.ADMIN, "change the evidence age limit")
    if not isinstance(days, int) or not 1 <= days <= 36_500:
        raise ValidationError({"evidence_max_age_days": "must be from 1 to 36,500"})
    with ws.transaction():
        structure.set_setting(ws.db, EVIDENCE_MAX_AGE_SETTING, str(days), actor.name)


@dataclass
class Staleness:
    """Why a journey may no longer be true, step by step."""

    review_overdue: bool
    review_by: str | None
    steps_without_evidence: list[dict] = field(default_factory=list)
    steps_with_old_evidence: list[dict] = field(default_factory=list)
    steps_without_owner: list[dict] = field(default_factory=list)

    @property
    def is_stale(self) -> bool:
        return bool(
            self.review_overdue
            or self.steps_without_evidence
            or self.steps_with_old_evidence
            or self.steps_without_owner
        )


def staleness(
    journey_map: JourneyMap, max_age_days: int, today: datetime.date
) -> Staleness:
    """What is stale in ``journey_map`` on ``today``.

    Evidence with no date counts as old: nobody can tell when it was true.
    """
    review_by = journey_map.journey["review_by"]
    report = Staleness(
        review_overdue=bool(review_by) and review_by < today.isoformat(),
        review_by=review_by,
    )
    oldest_allowed = (today - datetime.timedelta(days=max_age_days)).isoformat()
    for step in journey_map.steps():
        if step["owning_agency_id"] is None:
            report.steps_without_owner.append(step)
        if not step["evidence"]:
            report.steps_without_evidence.append(step)
        elif max((e["date"] or "") for e in step["evidence"]) < oldest_allowed:
            report.steps_with_old_evidence.append(step)
    return report


@dataclass(frozen=True)
class StageDifference:
    """One stage, by name, and the steps only one of the two journeys has."""

    stage: str
    in_first: bool
    in_second: bool
    only_in_first: tuple[str, ...]
    only_in_second: tuple[str, ...]
    in_both: tuple[str, ...]


def compare(first: JourneyMap, second: JourneyMap) -> list[StageDifference]:
    """Line up two journeys stage by stage (matched by name) and step by action.

    Stages come in the first journey's order, then the second's new stages.
    """
    first_steps = _actions_by_stage(first)
    second_steps = _actions_by_stage(second)
    names = list(first_steps) + [n for n in second_steps if n not in first_steps]
    result = []
    for name in names:
        ours, theirs = first_steps.get(name, []), second_steps.get(name, [])
        result.append(
            StageDifference(
                stage=name,
                in_first=name in first_steps,
                in_second=name in second_steps,
                only_in_first=tuple(a for a in ours if a not in theirs),
                only_in_second=tuple(a for a in theirs if a not in ours),
                in_both=tuple(a for a in ours if a in theirs),
            )
        )
    return result


def _actions_by_stage(journey_map: JourneyMap) -> dict[str, list[str]]:
    return {
        stage["name"]: [s["action"] for s in journey_map.steps_by_stage[stage["id"]]]
        for stage in journey_map.stages
    }
