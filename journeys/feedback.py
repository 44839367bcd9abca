"""Feedback after it arrives: who may read it, moderation, and paper forms.

Personal data. Feedback can hold it in two places: the contact details a
participant chose to leave, and whatever they typed in their own words.
Both are shown only to the session's facilitator (whoever planned it) and
the host agency's facilitators and above: the rule is
`may_see_personal_data`, written out in journeys/sessions.py. Owning an
improvement item the feedback led to gives no right to it. Everyone else,
and every shared report, sees only feedback a moderator approved, and never
contact details or devices.

The same people, and only they, write the feedback of a session: moderate
it, merge it, remove personal data, say why nothing was done, and enter
paper or assisted feedback (`sessions.may_run`).

A moderator removes personal data with `redact_text` (a piece of the text,
replaced by `REDACTED`) or `remove_contact`. What was removed is not kept
anywhere: the change log never holds feedback text (see storage/sessions.py),
SQLite is told to zero what it overwrites, and the ``redaction`` table
records who removed how many characters from which field, when and why.
"""

import html
import logging

from journeys import sessions
from journeys.access import Actor, Role, require
from journeys.errors import ImportFailed, JourneyError, PermissionDenied
from journeys.models import SHORT_TEXT_MAX, _Checker
from journeys.sessions import (
    FEELINGS,
    STANCES,
    FeedbackEntry,
    ParticipantView,
    may_see_personal_data,
)
from journeys.tabular import read_table, write_csv
from journeys.workspace import Workspace, translated_errors
from storage import rows
from storage import sessions as stored

logger = logging.getLogger(__name__)

REDACTED = "[personal details removed]"
MODERATION_STATES = ("new", "approved", "hidden")
PAPER_HEADERS = [
    "form_number",
    "journey",
    "stage",
    "step",
    "what_happened",
    "how_it_felt",
    "proposed_change",
    "stance",
    "contact",
]
PAPER_ROWS_MAX = 2_000
# Words accepted for "how it felt" on a paper form, besides -2 .. 2.
_FEELING_WORDS = {word.casefold(): value for value, word in FEELINGS.items()}


# --- who sees what ------------------------------------------------------------

# The rule, `may_see_personal_data`, lives with the sessions, whose minutes
# follow it too; pages may name it from here, where the feedback is read.


def list_feedback(ws: Workspace, actor: Actor, session_id: int) -> list[dict]:
    """A session's feedback as this actor may see it.

    Those who may see the session's personal data (`may_see_personal_data`:
    its facilitator and the host agency's facilitators) get all of it, each
    piece with its ``contact`` (None when none was left) and ``may_moderate``
    True. Others get approved feedback only, without contact details or the
    device it came from, and ``may_moderate`` False.
    """
    require(actor, Role.VIEWER, "read consultation feedback")
    session = sessions.get_session(ws, session_id)
    found = stored.session_feedback(ws.db, session_id)
    if not may_see_personal_data(actor, session):
        return [_without_personal_data(r) for r in found if r["status"] == "approved"]
    contacts = stored.contacts(ws.db, [row["id"] for row in found])
    for row in found:
        row["contact"] = contacts.get(row["id"])
        row["may_moderate"] = True
    return found


def redactions(ws: Workspace, feedback_id: int) -> list[dict]:
    """Who removed personal data from one piece of feedback, when and why."""
    return stored.redactions_of(ws.db, "feedback", feedback_id)


# --- moderation -------------------------------------------------------------


def moderate(
    ws: Workspace, actor: Actor, feedback_id: int, version: int, status: str
) -> dict:
    """Approve, hide, or return feedback to new. Only approved feedback is
    shown beyond the facilitator, in reports and to viewers.

    Hidden feedback is held off the projected screen. Feedback returned to
    new is held again while the session holds new feedback (``hold_new``),
    like feedback just sent: it waits for a reveal before the room sees it.
    """
    feedback = _moderator_gets(ws, actor, feedback_id, f"set feedback to {status}")
    if status not in MODERATION_STATES:
        raise JourneyError(f"Feedback cannot be set to {status!r}.")
    changes = {"status": status, "merged_into_id": None}
    if status == "hidden":
        changes["revealed"] = False
    elif status == "new" and feedback["status"] != "new":
        session = sessions.get_session(ws, feedback["session_id"])
        changes["revealed"] = not session["hold_new"]
    return _save(ws, actor, feedback["id"], version, changes)


def merge(
    ws: Workspace, actor: Actor, duplicate_id: int, version: int, into_id: int
) -> dict:
    """Fold a duplicate into the feedback it repeats, in the same session.

    The duplicate stays stored (and is counted in the report as one more
    person saying the same) but is no longer shown on its own; any
    improvement item it led to now counts for the kept one too.
    """
    duplicate = _moderator_gets(ws, actor, duplicate_id, "merge feedback")
    kept = _get(ws, into_id)
    if kept["id"] == duplicate["id"]:
        raise JourneyError("A piece of feedback cannot be merged into itself.")
    if kept["session_id"] != duplicate["session_id"]:
        raise JourneyError("Only feedback from the same session can be merged.")
    if kept["status"] in ("merged", "hidden"):
        raise JourneyError(
            f"Feedback {kept['id']} is {kept['status']}: merge into feedback "
            "that is shown."
        )
    with translated_errors(), ws.transaction():
        for item_id in stored.feedback_by_ids(ws.db, [duplicate_id])[0][
            "linked_item_ids"
        ]:
            stored.link_feedback_item(ws.db, kept["id"], item_id)
        changes = {"status": "merged", "merged_into_id": kept["id"], "revealed": False}
        return _save(ws, actor, duplicate_id, version, changes)


def redact_text(
    ws: Workspace,
    actor: Actor,
    feedback_id: int,
    version: int,
    remove: str,
    reason: str,
) -> dict:
    """Replace every occurrence of ``remove`` in the feedback text by `REDACTED`.

    The removed words are kept nowhere: not in the row, not in the change
    log, and SQLite zeroes the old content on disk. The ``redaction`` table
    records who removed how many characters, when and why.
    """
    feedback = _moderator_gets(ws, actor, feedback_id, "remove personal data")
    remove = (remove or "").strip()
    reason = _reason(reason)
    if not remove:
        raise JourneyError("Type or paste the words to remove, exactly as written.")
    count = feedback["what_happened"].count(remove)
    if not count:
        raise JourneyError(
            "Those words are not in this feedback: copy them exactly as written, "
            "with the same capitals and spaces."
        )
    text = feedback["what_happened"].replace(remove, REDACTED)
    stored.overwrite_deleted_content(ws.db)
    with translated_errors(), ws.transaction():
        saved = _save(ws, actor, feedback_id, version, {"what_happened": text})
        stored.mask_logged_fields(ws.db, "feedback", feedback_id, ("what_happened",))
        stored.record_redaction(
            ws.db,
            "feedback",
            feedback_id,
            "what_happened",
            rows.now_utc(),
            actor.name,
            reason,
            len(remove) * count,
        )
    logger.info("%s removed personal data from feedback %s", actor.name, feedback_id)
    return saved


def remove_contact(ws: Workspace, actor: Actor, feedback_id: int, reason: str) -> int:
    """Delete the contact details left with a piece of feedback; return the
    number of characters removed (0 when there were none)."""
    _moderator_gets(ws, actor, feedback_id, "remove contact details")
    reason = _reason(reason)
    stored.overwrite_deleted_content(ws.db)
    with translated_errors(), ws.transaction():
        removed = stored.delete_contact(ws.db, feedback_id)
        if removed:
            stored.record_redaction(
                ws.db,
                "feedback",
                feedback_id,
                "contact",
                rows.now_utc(),
                actor.name,
                reason,
                removed,
            )
    return removed


def set_why_not(
    ws: Workspace, actor: Actor, feedback_id: int, version: int, why_not: str
) -> dict:
    """Record why nothing was done about a piece of feedback (blank clears it).

    It is shown in the report, so only those who moderate the session may."""
    _moderator_gets(ws, actor, feedback_id, "say why feedback was not acted on")
    check = _Checker()
    text = check.optional_text("why_not", why_not, limit=SHORT_TEXT_MAX)
    check.done()
    return _save(ws, actor, feedback_id, version, {"why_not": text})


# --- paper and assisted input -------------------------------------------------


def add_on_behalf(
    ws: Workspace,
    actor: Actor,
    session_id: int,
    entry: FeedbackEntry,
    source: str = "paper",
) -> int:
    """Enter one paper form (``"paper"``) or feedback typed for someone during
    the session (``"assisted"``); marked as such. Any session state. Only
    for those who moderate the session (`sessions.may_run`)."""
    _require_moderator(ws, actor, session_id, "enter feedback on someone's behalf")
    if source not in ("paper", "assisted"):
        raise JourneyError("Feedback entered by staff is either paper or assisted.")
    view = sessions.participant_view(ws, session_id)
    entry = entry.validated(view)
    return sessions.store_feedback(ws, actor, view.session, entry, source)


def paper_template(ws: Workspace, session_id: int) -> bytes:
    """An empty CSV with the paper form's columns, to type forms into."""
    sessions.get_session(ws, session_id)
    return write_csv(PAPER_HEADERS, [])


def import_paper_forms(
    ws: Workspace, actor: Actor, session_id: int, data: bytes, file_name: str
) -> int:
    """Add every typed-up paper form in a CSV or XLSX, or none of them.

    Rows are marked as paper. Raises `ImportFailed` naming each bad row
    (as numbered in a spreadsheet, the header being row 1). Only for those
    who moderate the session (`sessions.may_run`).
    """
    _require_moderator(ws, actor, session_id, "enter paper feedback forms")
    view = sessions.participant_view(ws, session_id)
    table = read_table(data, file_name)
    missing = [h for h in ("what_happened",) if h not in table.headers]
    if missing:
        raise ImportFailed(
            file_name, f"the column {missing[0]!r} is missing; use the template"
        )
    if len(table.rows) > PAPER_ROWS_MAX:
        raise ImportFailed(
            file_name, f"{len(table.rows):,} rows; the limit is {PAPER_ROWS_MAX:,}"
        )
    entries, problems = [], []
    for number, row in enumerate(table.rows, start=2):
        try:
            entries.append(paper_entry(view, row).validated(view))
        except JourneyError as err:
            problems.append(f"row {number}: {err}")
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ImportFailed(file_name, f"nothing was added. {shown}{more}")
    with translated_errors(), ws.transaction():
        for entry in entries:
            sessions.store_feedback(ws, actor, view.session, entry, "paper")
    logger.info("%s entered %s paper forms", actor.name, len(entries))
    return len(entries)


def paper_entry(view: ParticipantView, row: dict[str, str]) -> FeedbackEntry:
    """One spreadsheet row as a feedback entry; names matched, any case."""
    journey = _match_journey(view, row.get("journey", ""))
    stage = _match_stage(journey, row.get("stage", ""))
    step = _match_step(stage, row.get("step", ""))
    item = _match_by(
        view.proposals, "title", row.get("proposed_change", ""), "proposed_change"
    )
    stance = (row.get("stance") or "").strip().casefold() or None
    if stance is not None and stance not in STANCES:
        raise JourneyError(f"stance must be one of {', '.join(STANCES)}")
    return FeedbackEntry(
        what_happened=row.get("what_happened", ""),
        journey_id=journey["id"] if journey else None,
        stage_id=stage["id"] if stage else None,
        step_id=step["id"] if step else None,
        feeling=_feeling(row.get("how_it_felt", "")),
        item_id=item["id"] if item else None,
        stance=stance,
        contact=row.get("contact") or None,
        paper_ref=row.get("form_number") or None,
    )


def printable_form(view: ParticipantView) -> str:
    """A paper feedback form for this session, as a page to print (HTML)."""
    e = html.escape
    stage_lines = []
    for journey in view.journeys:
        stage_lines.append(f"<h3>{e(journey['title'])}</h3><ol>")
        stage_lines += [f"<li>&#9744; {e(s['name'])}</li>" for s in journey["stages"]]
        stage_lines.append("</ol>")
    feelings = " ".join(f"<span>&#9744; {e(w)}</span>" for w in FEELINGS.values())
    proposals = "".join(
        f"<li>{e(p['title'])}: &#9744; In favour &#9744; Neutral &#9744; Against</li>"
        for p in view.proposals
    )
    proposal_part = (
        f"<h2>4. What do you think of these proposed changes?</h2><ul>{proposals}</ul>"
        if proposals
        else ""
    )
    return PRINT_PAGE.format(
        title=e(view.session["title"]),
        when=e(view.session["starts_at"].replace("T", " at ")),
        stages="".join(stage_lines),
        feelings=feelings,
        proposals=proposal_part,
    )


PRINT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback form: {title}</title>
<style>
body {{ font-family: Arial, sans-serif; font-size: 16pt; line-height: 1.5;
  margin: 2cm; color: #000; }}
h1 {{ font-size: 22pt; }} h2 {{ font-size: 18pt; margin-top: 1.2em; }}
.box {{ border: 2px solid #000; min-height: 8cm; margin-top: .5em; }}
.line {{ border-bottom: 2px solid #000; height: 1.6em; }}
ol, ul {{ list-style: none; padding-left: 0; }}
span {{ margin-right: 1.5em; white-space: nowrap; }}
.office {{ font-size: 12pt; border-top: 1px dashed #000; margin-top: 2em; }}
@media print {{ body {{ margin: 1cm; }} }}
</style></head><body>
<h1>Tell us about your experience</h1>
<p><strong>{title}</strong>, {when}</p>
<p>You do not need to give your name. Write as much or as little as you like.</p>
<h2>1. Which part is this about? Tick one.</h2>
{stages}
<h2>2. What happened?</h2><div class="box"></div>
<h2>3. How did it feel? Tick one.</h2><p>{feelings}</p>
{proposals}
<h2>If you would like a reply, how can we contact you? (optional)</h2>
<p>Only the session's facilitator and the agency hosting it will see
this.</p><div class="line"></div>
<p class="office">For the facilitator: form number ______ entered on ______</p>
</body></html>
"""


# --- helpers ----------------------------------------------------------------


def _get(ws: Workspace, feedback_id: int) -> dict:
    with translated_errors():
        return rows.get_row(ws.db, "feedback", feedback_id)


def _moderator_gets(ws: Workspace, actor: Actor, feedback_id: int, doing: str):
    """The feedback, once ``actor`` is found to moderate its session."""
    require(actor, Role.FACILITATOR, doing)
    feedback = _get(ws, feedback_id)
    _refuse_unless_moderator(
        actor, sessions.get_session(ws, feedback["session_id"]), doing
    )
    return feedback


def _require_moderator(ws: Workspace, actor: Actor, session_id: int, doing: str):
    require(actor, Role.FACILITATOR, doing)
    _refuse_unless_moderator(actor, sessions.get_session(ws, session_id), doing)


def _refuse_unless_moderator(actor: Actor, session: dict, doing: str) -> None:
    if not sessions.may_run(actor, session):
        raise PermissionDenied(
            f"{actor.name} cannot {doing}: only {sessions.RUNNERS} may "
            "moderate or add to this session's feedback."
        )


def _without_personal_data(row: dict) -> dict:
    return {
        **row,
        "contact": None,
        "device": None,
        "has_contact": False,
        "may_moderate": False,
    }


def _save(
    ws: Workspace, actor: Actor, feedback_id: int, version: int, changes: dict
) -> dict:
    with translated_errors("This feedback"):
        return rows.update_row(
            ws.db, "feedback", feedback_id, version, changes, actor.name
        )


def _reason(reason: str | None) -> str:
    check = _Checker()
    text = check.text("reason", reason, limit=SHORT_TEXT_MAX, required=True)
    check.done()
    return text


def _match_journey(view: ParticipantView, name: str) -> dict | None:
    if not name.strip():
        return view.journeys[0] if len(view.journeys) == 1 else None
    return _match_by(view.journeys, "title", name, "journey")


def _match_stage(journey: dict | None, name: str) -> dict | None:
    if not name.strip():
        return None
    if journey is None:
        raise JourneyError("a stage is given but not its journey")
    stages = journey["stages"]
    if name.strip().isdigit():
        number = int(name)
        if 1 <= number <= len(stages):
            return stages[number - 1]
        raise JourneyError(f"there is no stage {number}; there are {len(stages)}")
    return _match_by(stages, "name", name, "stage")


def _match_step(stage: dict | None, name: str) -> dict | None:
    if not name.strip():
        return None
    if stage is None:
        raise JourneyError("a step is given but not its stage")
    steps = stage["steps"]
    if name.strip().isdigit():
        number = int(name)
        if 1 <= number <= len(steps):
            return steps[number - 1]
        raise JourneyError(f"there is no step {number} in this stage")
    return _match_by(steps, "action", name, "step")


def _match_by(records: list[dict], key: str, name: str, column: str) -> dict | None:
    # The typed value is not repeated in the message: it may be anything.
    wanted = (name or "").strip().casefold()
    if not wanted:
        return None
    for record in records:
        if record[key].strip().casefold() == wanted:
            return record
    raise JourneyError(
        f"the {column} column does not name one of this session's {column}s "
        "(copy the name from the printed form, or use its number)"
    )


def _feeling(text: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if text.casefold() in _FEELING_WORDS:
        return _FEELING_WORDS[text.casefold()]
    try:
        return int(text)
    except ValueError as err:
        words = ", ".join(FEELINGS.values())
        raise JourneyError(f"how_it_felt must be one of {words}, or -2 to 2") from err
