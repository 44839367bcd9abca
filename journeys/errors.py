"""The errors the domain raises, each worded for the person who will read it.

Pages catch `JourneyError`, show its message, and stop. Every message says
what went wrong and, where there is one, what to do next.
"""


class JourneyError(Exception):
    """Base class: anything the user should be told about in plain words."""


class ValidationError(JourneyError):
    """One or more fields hold values that cannot be saved."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        listed = "; ".join(f"{field}: {text}" for field, text in problems.items())
        super().__init__(f"Please correct: {listed}")


class NotFound(JourneyError):
    """The persona, journey or other record asked for does not exist."""


class DuplicateName(JourneyError):
    """Another record already uses this name or title."""


class EditConflict(JourneyError):
    """Someone else saved the same record after you opened it."""

    def __init__(self, message: str, current: dict, yours: dict):
        super().__init__(message)
        self.current = current
        self.yours = yours


class PermissionDenied(JourneyError):
    """The acting user's role does not allow this change."""


class WorkspaceBusy(JourneyError):
    """Another large change is being saved; try again in a moment."""


class ImportFailed(JourneyError):
    """A file could not be imported; nothing from it was written."""

    def __init__(self, file_name: str, problem: str):
        self.file_name = file_name
        self.problem = problem
        super().__init__(f"{file_name}: {problem}")


class SessionClosed(JourneyError):
    """A consultation session does not take feedback now (paused, ended, expired)."""


class TooManyAttempts(JourneyError):
    """Too many wrong join codes or submissions in a short time: wait, then retry."""

    def __init__(self, message: str, wait_minutes: int):
        super().__init__(message)
        self.wait_minutes = wait_minutes
