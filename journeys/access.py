"""Who may do what. Checked here, below the UI, on every write.

Until accounts exist, the app acts as a demo user; the roles and checks are
already real so that nothing has to change when sign-in arrives.
"""

from dataclasses import dataclass
from enum import Enum

from journeys.errors import PermissionDenied


class Role(Enum):
    """What a person may do in a workspace, from least to most."""

    # Joined one consultation session with its code, without an account: may
    # only send feedback to that session while it is open.
    PARTICIPANT = "participant"
    VIEWER = "viewer"  # reads everything that is not personal data
    # Runs consultation sessions and moderates their feedback.
    FACILITATOR = "facilitator"
    EDITOR = "editor"  # edits and imports personas, journeys, goals, measures
    ADMIN = "admin"  # also rebuilds whole workspaces and changes settings


_RANK = {
    Role.PARTICIPANT: -1,
    Role.VIEWER: 0,
    Role.FACILITATOR: 0.5,
    Role.EDITOR: 1,
    Role.ADMIN: 2,
}


@dataclass(frozen=True)
class Actor:
    """The person acting: recorded as ``created_by``/``updated_by`` on each change."""

    name: str
    role: Role
    # The agency the person works for, when known; None for workspace-wide
    # people such as the demo users until accounts exist.
    agency_id: int | None = None

    def can(self, needed: Role) -> bool:
        return _RANK[self.role] >= _RANK[needed]


DEMO_EDITOR = Actor("demo editor", Role.EDITOR)
DEMO_ADMIN = Actor("demo admin", Role.ADMIN)
SYSTEM = Actor("joinedup demo builder", Role.ADMIN)


def require(actor: Actor, needed: Role, doing: str) -> None:
    """Raise `PermissionDenied` unless ``actor`` holds at least ``needed``."""
    if not actor.can(needed):
        raise PermissionDenied(
            f"{actor.name} is a {actor.role.value} and cannot {doing}; "
            f"this needs the {needed.value} role. Ask a workspace admin."
        )
