"""Shared goals: an owner, the KPI that shows progress, a target and a deadline."""

from journeys.access import Actor, Role, require
from journeys.models import Goal, as_columns
from journeys.workspace import Workspace, translated_errors
from storage import queries, rows


def list_goals(ws: Workspace) -> list[dict]:
    """Goals by title, with the names of their owner, journey and KPI."""
    return queries.list_goals(ws.db)


def create_goal(ws: Workspace, actor: Actor, goal: Goal) -> int:
    """Add a goal and return its id. Raises `ValidationError`, `PermissionDenied`."""
    require(actor, Role.EDITOR, "add a goal")
    goal = goal.validated()
    with translated_errors(f"The goal {goal.title!r}"):
        return rows.insert_row(ws.db, "goal", as_columns(goal), actor.name)
