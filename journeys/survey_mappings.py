"""Survey question mappings saved for reuse.

Mapping a survey's questions to measures by hand is done once: the choices
are saved when the survey is imported (or when an editor saves them), and
the next export of the same survey comes with each known question
preselected. The person can still change any of them.

A question is known by its survey tool, its id and its wording, all three.
The id is Qualtrics' ImportId (``QID1``, ``QID2_TEXT``), '' for exports
without one. The id tells apart questions worded alike (the same "How
satisfied were you?" asked of two services); the wording is needed as well
because Qualtrics numbers every survey's questions QID1, QID2..., so an id
alone would carry one survey's choices into another survey. A question
whose wording changed is therefore asked again, and its new choice saved.
"""

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from journeys.access import Actor, require
from journeys.errors import ImportFailed
from journeys.importers.common import IMPORT_ROLE
from journeys.surveys import MEASURES, Column, SurveyTable
from journeys.workspace import Workspace
from storage import rows, survey_mappings

logger = logging.getLogger(__name__)

QuestionKey = tuple[str, str]  # (question id or '', wording) within one tool


@dataclass(frozen=True)
class SavedMapping:
    """The saved choices that apply to the questions of one survey file."""

    choices: dict[int, str]  # column index -> measure key
    saved_at: str | None = None  # when the newest of these was saved (UTC)
    saved_by: str | None = None  # who saved it

    def message(self) -> str:
        """One line for the person mapping, or "" when nothing was saved.

        >>> SavedMapping({17: "csat", 18: "nps"}, "2026-03-02T10:00:00+00:00",
        ...     "demo editor").message()
        '2 questions mapped as last time, from the mapping saved on 2026-03-02 by demo editor'
        """  # noqa: E501
        if not self.choices:
            return ""
        count = len(self.choices)
        noun = "question" if count == 1 else "questions"
        return (
            f"{count} {noun} mapped as last time, from the mapping saved on "
            f"{(self.saved_at or '')[:10]} by {self.saved_by}"
        )


def question_key(column: Column) -> QuestionKey:
    """How a question is found again in a later export of its survey."""
    return column.question_id, column.text


def saved_mapping(ws: Workspace, table: SurveyTable) -> SavedMapping:
    """The saved measure of each question of ``table`` that has one.

    Questions asked twice in the file with the same id and wording are left
    out: which of them a saved choice meant cannot be told.
    """
    stored = _stored(ws, table.tool)
    choices, newest = {}, None
    for column in _unambiguous(table):
        row = stored.get(question_key(column))
        if row is None or row["measure"] not in MEASURES:
            continue
        choices[column.index] = row["measure"]
        if newest is None or row["updated_at"] > newest["updated_at"]:
            newest = row
    if newest is None:
        return SavedMapping({})
    return SavedMapping(choices, newest["updated_at"], newest["updated_by"])


def save_mapping(
    ws: Workspace,
    actor: Actor,
    table: SurveyTable,
    mapping: Mapping[int | str, str],
) -> int:
    """Save the choices made for ``table``'s questions; returns how many
    saved rows changed.

    ``mapping`` maps a column (index, id or wording) to a key of
    `journeys.surveys.MEASURES`; a question left out (or mapped to "") is "not
    a KPI question", and a choice saved for it earlier is removed. Runs in
    one transaction (inside the caller's, when there is one: a survey import
    saves its mapping with its answers). Needs the editor role.
    Raises `PermissionDenied`, or `ImportFailed` for an unknown measure.
    """
    require(actor, IMPORT_ROLE, "save a survey's question mapping")
    chosen = _chosen(table, mapping)
    changed = 0
    # The rows are read inside the write transaction (BEGIN IMMEDIATE), so
    # their versions are current when they are updated.
    with ws.transaction():
        stored = _stored(ws, table.tool)
        for column in _unambiguous(table):
            changed += _save_one(
                ws, actor, table.tool, column, chosen.get(column.index, ""), stored
            )
    logger.info(
        "%s saved the mapping of %s (%s): %d rows changed",
        actor.name,
        table.file_name,
        table.tool,
        changed,
    )
    return changed


def _chosen(table: SurveyTable, mapping: Mapping[int | str, str]) -> dict[int, str]:
    chosen = {}
    for wanted, measure in mapping.items():
        if not measure:
            continue
        if measure not in MEASURES:
            raise ImportFailed(table.file_name, f"{measure!r} is not a survey measure")
        chosen[table.find(wanted).index] = measure
    return chosen


def _save_one(ws, actor, tool, column, measure, stored) -> int:
    question_id, question = question_key(column)
    row = stored.get((question_id, question))
    if row is None and measure:
        values = {
            "tool": tool,
            "question_id": question_id,
            "question": question,
            "measure": measure,
        }
        rows.insert_row(ws.db, "survey_mapping", values, actor.name)
        return 1
    if row is not None and measure and row["measure"] != measure:
        rows.update_row(
            ws.db,
            "survey_mapping",
            row["id"],
            row["version"],
            {"measure": measure},
            actor.name,
        )
        return 1
    if row is not None and not measure:
        rows.delete_row(ws.db, "survey_mapping", row["id"], row["version"], actor.name)
        return 1
    return 0


def _stored(ws: Workspace, tool: str) -> dict[QuestionKey, dict]:
    return {
        (row["question_id"], row["question"]): row
        for row in survey_mappings.mappings_for_tool(ws.db, tool)
    }


def _unambiguous(table: SurveyTable) -> list[Column]:
    columns = table.question_columns()
    seen = Counter(question_key(c) for c in columns)
    return [c for c in columns if seen[question_key(c)] == 1]
