"""What changed, in words: a journey's recent activity, and the workspace's.

Every change is in the change log with who, when, and the values before and
after. This module picks the changes that matter to a question (one
journey; the latest edits outside imports) and says what each one did, with
ids turned back into names.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from journeys.maps import load_journey_map
from journeys.workspace import TABLE_WORDS, Workspace
from storage import activity, queries

ACTION_WORDS = {"create": "Added", "update": "Changed", "delete": "Deleted"}
# How fields are named to people; fields not listed are shown as written.
FIELD_WORDS = {
    "action": "action",
    "touchpoint_url": "touchpoint link",
    "owning_agency_id": "owning agency",
    "lead_agency_id": "lead agency",
    "owner_agency_id": "owning agency",
    "review_by": "review-by date",
    "pain_points": "pain points",
    "kpi_ids": "KPIs",
    "supporting_agencies": "supporting agencies",
    "stage_id": "stage",
    "supporting_agency_ids": "supporting agencies",
    "persona_ids": "personas",
    "position": "order",
    "evidence_source": "evidence source",
    "evidence_date": "evidence date",
    "digital_confidence": "digital confidence",
    "access_needs": "access needs",
    "assistive_technology": "assistive technology",
    "age_range": "age range",
}
VALUE_LIMIT = 80  # characters of a value shown in a change line


@dataclass
class Names:
    """The name of every named row, by (table, id), so a change reads as words."""

    labels: Mapping[tuple[str, int], str] = field(default_factory=dict)

    def of(self, table: str, row_id: Any) -> Any:
        """The row's name, or the id itself when the row is unknown."""
        return self.labels.get((table, row_id), row_id)


@dataclass(frozen=True)
class Activity:
    """One change, ready to show: when, who, what it was about, what changed."""

    change_id: int
    at: str  # "YYYY-MM-DD HH:MM:SS", UTC
    actor: str
    action: str  # "Added", "Changed" or "Deleted"
    subject: str  # such as "Step 'Book your theory test'"
    details: str  # "channel: online → phone; fee: (empty) → £23"


def workspace_names(ws: Workspace) -> Names:
    """Names of every agency, persona, journey, stage, step, KPI and goal."""
    return Names(activity.row_labels(ws.db))


def journey_activity(ws: Workspace, journey_id: int, limit: int = 50) -> list[Activity]:
    """The latest changes to a journey, its stages and steps, newest first.

    Deleted stages and steps are included, named from what their deletion
    logged. Row ids SQLite reuses after a delete are told apart by following
    each row from its create entry: changes made while a stage or step
    belonged to another journey are left out.
    """
    journey_map = load_journey_map(ws, journey_id)
    current_stages = {s["id"] for s in journey_map.stages}
    current_steps = {s["id"] for s in journey_map.steps()}
    entries = _belonging(
        activity.journey_log(ws.db, journey_id),
        journey_id,
        current_stages,
        current_steps,
    )
    names = workspace_names(ws)
    known = _known_names(entries)
    return [describe(e, names, known) for e in reversed(entries[-limit:])]


def recent_edits(ws: Workspace, limit: int = 20) -> list[Activity]:
    """The latest changes people made, newest first, leaving out import runs.

    An import (or the demo build) creates many rows at once; those are shown
    as one line each by `list_imports` instead. A run of rows created by one
    person, with no pause longer than a second, during which an import they
    started was recorded, counts as that import's.
    """
    names = workspace_names(ws)
    return [
        describe(e, names)
        for e in activity.recent_edits(ws.db, limit)
        if not _empty_update(e)
    ]


def list_imports(ws: Workspace) -> list[dict]:
    """Every recorded import (file, kind, who, when, what it added), newest first."""
    return queries.list_imports(ws.db)


def describe(change: dict, names: Names, known: Mapping | None = None) -> Activity:
    """A change-log row in words.

    The subject is named from the change itself, else from ``known`` (names
    the row had earlier in the log), else from the row as it is now.
    """
    table, row_id = change["table_name"], change["row_id"]
    values = change["after"] or change["before"] or {}
    name = (
        values.get("action")
        or values.get("name")
        or values.get("title")
        or (known or {}).get((table, row_id))
        or names.labels.get((table, row_id))
    )
    word = TABLE_WORDS.get(table, table)
    word = word[0].upper() + word[1:]
    return Activity(
        change_id=change["id"],
        at=change["at"].replace("T", " ").removesuffix("+00:00"),
        actor=change["actor"],
        action=ACTION_WORDS.get(change["action"], change["action"]),
        subject=f"{word} '{name}'" if name else f"{word} {row_id}",
        details=_details(change, names),
    )


def _details(change: dict, names: Names) -> str:
    if change["action"] == "create":
        return "New"
    if change["action"] == "delete":
        return "Removed, with everything it held"
    before, after = change["before"] or {}, change["after"] or {}
    if set(after) == {"position"}:
        return f"moved from place {before.get('position')} to {after['position']}"
    parts = [
        f"{field_word(f)}: {shown_value(f, before.get(f), names)}"
        f" → {shown_value(f, after.get(f), names)}"
        for f in sorted(after)
    ]
    return "; ".join(parts) or "Saved with no change"


def field_word(field_name: str) -> str:
    """How a field is named to people: "owning agency" for owning_agency_id."""
    return FIELD_WORDS.get(field_name, field_name.replace("_", " "))


def shown_value(field_name: str, value: Any, names: Names) -> str:
    """A logged value as short text, ids replaced by names."""
    if field_name in ("owning_agency_id", "lead_agency_id", "owner_agency_id"):
        value = None if value is None else names.of("agency", value)
    elif field_name == "stage_id":
        value = names.of("stage", value)
    elif field_name == "supporting_agency_ids":
        value = [names.of("agency", a) for a in value or []]
    elif field_name == "persona_ids":
        value = [names.of("persona", p) for p in value or []]
    elif field_name == "kpi_ids":
        value = [names.of("kpi", k) for k in value or []]
    elif field_name == "emotions":
        value = [
            f"{names.of('persona', int(p))} {int(score):+d}"
            for p, score in (value or {}).items()
        ]
    elif field_name in ("pain_points", "opportunities"):
        value = [
            f"{n.get('text')} ({n.get('severity') or n.get('impact')})"
            for n in value or []
        ]
    elif field_name == "evidence":
        value = [
            f"{e.get('source')} ({e.get('date') or 'no date'})" for e in value or []
        ]
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = "; ".join(str(v) for v in value)
    else:
        text = str(value)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _belonging(
    entries: list[dict],
    journey_id: int,
    current_stages: set[int],
    current_steps: set[int],
) -> list[dict]:
    """The entries that were about this journey when they were made."""
    stage_member: dict[int, bool] = {}
    step_member: dict[int, bool] = {}

    def stage_in(stage_id) -> bool:
        return stage_member.get(stage_id, stage_id in current_stages)

    kept = []
    for entry in entries:
        table, row_id, action = entry["table_name"], entry["row_id"], entry["action"]
        before, after = entry["before"] or {}, entry["after"] or {}
        if table == "journey":
            member = True
        elif table == "stage":
            if action == "create":
                stage_member[row_id] = after.get("journey_id") == journey_id
            elif action == "delete":
                stage_member[row_id] = before.get("journey_id") == journey_id
            member = stage_in(row_id)
            if action == "delete":
                stage_member[row_id] = False
        else:
            if action == "create" or "stage_id" in after:
                step_member[row_id] = stage_in(after.get("stage_id"))
            elif action == "delete":
                step_member[row_id] = stage_in(before.get("stage_id"))
            member = step_member.get(row_id, row_id in current_steps)
            if action == "delete":
                step_member[row_id] = False
        if member and not _empty_update(entry):
            kept.append(entry)
    return kept


def _empty_update(entry: dict) -> bool:
    """A save that changed nothing (it only marked the row as seen)."""
    return entry["action"] == "update" and not entry["after"] and not entry["before"]


def _known_names(entries: list[dict]) -> dict[tuple[str, int], str]:
    """The last name each stage and step had in these entries, for updates
    that changed something else."""
    known = {}
    for entry in entries:
        values = {**(entry["before"] or {}), **(entry["after"] or {})}
        name = values.get("action") or values.get("name") or values.get("title")
        if name:
            known[(entry["table_name"], entry["row_id"])] = name
    return known
