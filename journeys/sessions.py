"""Consultation sessions: planning them, running them, and letting people in.

A session is planned by a facilitator, then opened: opening gives it a short
join code that participants type on their own phones, without an account.
While it runs the facilitator can pause input, hold new feedback off the
projected screen until they reveal it, and end the session, which expires
the code.

Joining and sending are limited, and every limit is stored in the database
so it holds across browser sessions and server threads:

* wrong codes: `FAILED_JOINS_PER_DEVICE` per device, `FAILED_JOINS_PER_ADDRESS`
  per network address and `FAILED_JOINS_PER_WORKSPACE` in all, within
  `JOIN_WINDOW`; past that, "wait N minutes";
* feedback: `SUBMISSIONS_PER_WINDOW` per device within `SUBMISSION_WINDOW`,
  and `SUBMISSIONS_PER_SESSION` per device in one session; within
  `SUBMISSION_WINDOW`, `SUBMISSIONS_PER_ADDRESS` per network address in one
  session, and `SESSION_SUBMISSIONS_PER_WINDOW` in one session in all.

A device is the random token the participant's browser session holds; only
its hash is stored. The token lives as long as the browser session, so a
reload makes a new device: the limits per network address and per session
are what hold someone who reloads to send more. Addresses too are stored only
as a hash, keyed with a secret of the workspace's own (`device_hash`), and
only for as long as a limit looks back at them: wrong codes for
`JOIN_WINDOW`, where comments came from for `SUBMISSION_WINDOW`.

A session's facilitator is the person who planned it: their name is the
session's ``created_by``. What participants said before moderation, their
contact details and devices, and the session's minutes are personal data;
`may_see_personal_data` says who may see them. The same people, and no one
else, run the session, edit its details and moderate its feedback
(`may_run`).
"""

import dataclasses
import datetime
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field

from journeys.access import Actor, Role, require
from journeys.errors import (
    NotFound,
    PermissionDenied,
    SessionClosed,
    TooManyAttempts,
    ValidationError,
)
from journeys.models import (
    EMOTION_MAX,
    EMOTION_MIN,
    LONG_TEXT_MAX,
    NAME_MAX,
    SHORT_TEXT_MAX,
    _Checker,
    as_columns,
)
from journeys.workspace import Workspace, translated_errors
from storage import improvements, queries, rows
from storage import sessions as stored

# Join codes: no 0/O, 1/I/L, so a code read off a screen is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# Said to a participant who typed a wrong code: what CODE_ALPHABET leaves out.
CODE_LEFT_OUT = "never the letters O, I or L and never the numbers 0 or 1"
CODE_LENGTH = 6
CODE_VALID_HOURS = 12

JOIN_WINDOW = datetime.timedelta(minutes=10)
FAILED_JOINS_PER_DEVICE = 5
FAILED_JOINS_PER_ADDRESS = 30
FAILED_JOINS_PER_WORKSPACE = 200
SUBMISSION_WINDOW = datetime.timedelta(minutes=2)
SUBMISSIONS_PER_WINDOW = 5  # per device
SUBMISSIONS_PER_SESSION = 40  # per device, the whole session
# Per network address and session, within SUBMISSION_WINDOW. A device token
# is new after every reload, so this is what stops one person from sending
# without end. It must be generous: at an in-person session the whole room
# (30 people or more) often shares the venue's Wi-Fi, and behind a reverse
# proxy every participant may seem to come from the proxy's one address.
# 60 in 2 minutes lets 12 devices send as fast as their own limit allows, or
# a room of 60 each send a comment at the same moment (typing one on a phone
# takes a minute or more). A bigger room on one address may meet it at its
# busiest moment: each person is asked to wait a minute or two, their text
# kept. One person, however many tokens they make up, is held to 30 comments
# a minute in one session instead of thousands.
SUBMISSIONS_PER_ADDRESS = 60
# Everyone in one session, within SUBMISSION_WINDOW: the last line, against a
# flood from many addresses. 300 in 2 minutes is 60 devices all at their own
# limit, or a hall of 150 each sending two, more than a facilitator can read.
# Paper forms and feedback typed by a facilitator do not count.
SESSION_SUBMISSIONS_PER_WINDOW = 300

WHAT_HAPPENED_MAX = 2_000
CONTACT_MAX = 200

MODES = ("in person", "online", "hybrid")
STATES = ("planned", "open", "paused", "ended")
STANCES = ("in favour", "neutral", "against")
SOURCES = ("online", "paper", "assisted")
# Feedback the projected screen may show once revealed; hidden and merged never.
SHOWN_STATES = ("new", "approved")
# Offered as choices; anything else can be typed.
ACCESS_OPTIONS = (
    "Spoken language interpreters",
    "Sign language interpreter",
    "Live captions",
    "Step-free access",
    "Hearing loop",
    "Large print",
    "Easy read",
    "Quiet room",
    "Childcare",
    "Travel costs paid",
)
# How it felt, in the words a participant reads: -2 .. +2.
FEELINGS = {
    -2: "Very bad",
    -1: "Bad",
    0: "Neither good nor bad",
    1: "Good",
    2: "Very good",
}

# Whoever joined with a code, on their own device; the device is told apart
# by its token, passed with each call.
PARTICIPANT = Actor("participant", Role.PARTICIPANT)


@dataclass
class ConsultationSession:
    """What a facilitator plans and records about one session."""

    title: str
    starts_at: str  # local date and time, "YYYY-MM-DDTHH:MM"
    mode: str = "in person"
    place: str | None = None
    link: str | None = None
    host_agency_id: int | None = None
    agency_ids: list[int] = field(default_factory=list)
    journey_ids: list[int] = field(default_factory=list)
    persona_ids: list[int] = field(default_factory=list)
    proposal_item_ids: list[int] = field(default_factory=list)
    agenda: str = ""
    access_offered: list[str] = field(default_factory=list)
    attended_in_person: int | None = None
    attended_online: int | None = None
    # Written after the meeting; may name people, so personal data. None (on
    # an update) keeps the stored minutes: what someone who may not read
    # them sends.
    minutes: str | None = ""

    def validated(self) -> "ConsultationSession":
        check = _Checker()
        cleaned = dataclasses.replace(
            self,
            title=check.text("title", self.title, limit=NAME_MAX, required=True),
            starts_at=_date_time(check, self.starts_at),
            mode=check.choice("mode", self.mode, MODES),
            place=check.optional_text("place", self.place, limit=SHORT_TEXT_MAX),
            link=check.optional_text("link", self.link, limit=SHORT_TEXT_MAX),
            agency_ids=_ids(self.agency_ids),
            journey_ids=_ids(self.journey_ids),
            persona_ids=_ids(self.persona_ids),
            proposal_item_ids=_ids(self.proposal_item_ids),
            agenda=check.text("agenda", self.agenda, limit=LONG_TEXT_MAX),
            access_offered=check.items("access_offered", self.access_offered),
            attended_in_person=check.whole_number(
                "attended_in_person", self.attended_in_person, 0, 100_000
            ),
            attended_online=check.whole_number(
                "attended_online", self.attended_online, 0, 100_000
            ),
            minutes=None
            if self.minutes is None
            else check.text("minutes", self.minutes, limit=LONG_TEXT_MAX),
        )
        if cleaned.mode in ("in person", "hybrid") and not cleaned.place:
            check.problems["place"] = f"is required for a session held {cleaned.mode}"
        if cleaned.mode in ("online", "hybrid") and not cleaned.link:
            check.problems["link"] = f"is required for a session held {cleaned.mode}"
        if cleaned.link and not cleaned.link.startswith(("https://", "http://")):
            check.problems["link"] = "must be a web address starting with https://"
        check.done()
        return cleaned


@dataclass
class FeedbackEntry:
    """One piece of feedback as a participant (or a paper form) gives it."""

    what_happened: str
    journey_id: int | None = None
    stage_id: int | None = None
    step_id: int | None = None
    persona_id: int | None = None
    feeling: int | None = None  # -2 .. +2, see FEELINGS
    item_id: int | None = None  # the proposed change a stance is about
    stance: str | None = None
    contact: str | None = None
    paper_ref: str | None = None  # the number written on a paper form

    def validated(self, view: "ParticipantView") -> "FeedbackEntry":
        """Clean the entry and check it refers only to what the session is about."""
        check = _Checker()
        what = clean_typed_text(self.what_happened)
        if not what:
            check.problems["what_happened"] = (
                "is empty: please write what happened, in your own words"
            )
        elif len(what) > WHAT_HAPPENED_MAX:
            check.problems["what_happened"] = (
                f"is {len(what):,} characters long; the limit is "
                f"{WHAT_HAPPENED_MAX:,}. Please shorten it: your text is still there"
            )
        contact = check.optional_text(
            "contact", clean_typed_text(self.contact), limit=CONTACT_MAX
        )
        cleaned = dataclasses.replace(
            self,
            what_happened=what,
            feeling=check.whole_number(
                "feeling", self.feeling, EMOTION_MIN, EMOTION_MAX
            ),
            stance=None
            if self.stance is None
            else check.choice("stance", self.stance, STANCES),
            contact=contact,
            paper_ref=check.optional_text("paper_ref", self.paper_ref, limit=40),
        )
        _check_place(check, cleaned, view)
        check.done()
        return cleaned


@dataclass(frozen=True)
class ParticipantView:
    """What a participant is shown: the session, its journeys, personas, proposals."""

    session: dict
    journeys: list[dict]  # each with "stages", each stage with "steps"
    personas: list[dict]
    proposals: list[dict]

    def stage(self, stage_id: int) -> dict | None:
        for journey in self.journeys:
            for stage in journey["stages"]:
                if stage["id"] == stage_id:
                    return stage
        return None


# --- codes and devices ------------------------------------------------------


def new_join_code() -> str:
    """A random code of `CODE_LENGTH` characters from `CODE_ALPHABET`."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str | None) -> str:
    """A typed code in capitals without spaces or dashes: " ab c-234 " -> "ABC234"."""
    text = (typed or "").upper()
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def spaced_code(code: str) -> str:
    """A code split in two halves for reading aloud: "ABC234" -> "ABC 234"."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


def new_device_token() -> str:
    """The random token a participant's browser session keeps to be recognised."""
    return secrets.token_urlsafe(24)


def device_hash(ws: Workspace, value: str) -> str:
    """What is stored for a device token or a network address: a keyed hash
    (`keyed_hash`) under the workspace's secret, never the value.

    A plain hash would not do for an address: there are only 2**32 IPv4
    addresses, so hashing them all finds any one in minutes. Without the
    secret, which stays in the workspace's database, that cannot be done.
    """
    return keyed_hash(_hash_key(ws), value)


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``key``, as 32 hex digits."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _hash_key(ws: Workspace) -> bytes:
    """The workspace's secret for `device_hash`: 32 random bytes, made the
    first time one is needed and kept in the workspace's settings.

    It is never exported (storage/dump.py), so a workspace rebuilt from an
    export makes a secret of its own and the hashes it brought stop matching.
    That is harmless: wrong codes and where comments came from are not
    exported, and no limit looks back more than `JOIN_WINDOW` at them anyway;
    a device that had joined a session still running has to type the code
    again, and its earlier comments no longer count towards its own limits.
    """
    key = stored.hash_key(ws.db)
    if key is None:
        with translated_errors(), ws.transaction():
            # Made by another thread meanwhile? Then that one is kept.
            stored.add_hash_key(ws.db, secrets.token_bytes(32), _iso(_now()))
            key = stored.hash_key(ws.db)
    return key


def clean_typed_text(text: str | None) -> str:
    """Typed text as stored: trimmed, with line ends unified and control
    characters other than newline and tab removed. Nothing else changes, so
    hostile text is stored as typed and escaped wherever it is shown."""
    if text is None:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32).strip()


# --- who sees personal data ----------------------------------------------------

# Who runs a session and sees its personal data (`may_run`), as said in messages.
RUNNERS = (
    "the session's facilitator (who planned it) and the host agency's facilitators"
)


def facilitator(session: dict) -> str:
    """The name of the session's facilitator: the person who planned it.

    >>> facilitator({"created_by": "Sam Okafor"})
    'Sam Okafor'
    """
    return session["created_by"]


def may_see_personal_data(actor: Actor, session: dict) -> bool:
    """Whether ``actor`` may see personal data given in ``session``.

    Personal data here is: the contact details a participant left, the
    device their feedback came from, feedback nobody has approved yet (its
    text may still name people), and the session's minutes.

    Only someone with at least the facilitator role may see it, and only if
    they are one of these:

    * the session's facilitator: the person who planned it, recognised by
      name (`facilitator`);
    * someone working for the agency hosting the session, which is the
      agency owning the consultation.

    Nobody else: not viewers, not staff of other agencies, not people with
    no agency recorded who did not plan the session (the demo users unless
    they choose an agency), and not admins either, since the promise is
    that personal data is never shown beyond the facilitator and the host.
    Nor the agency owning an improvement item the feedback led to: anyone
    who edits items can make one owned by their own agency and link any
    approved feedback to it, so owning an item proves nothing. An owning
    agency that needs to reach someone asks the host.

    Decide on the session as stored, before any change to it is saved:
    otherwise whoever changed the host would gain the right.

    >>> host = {"created_by": "Sam", "host_agency_id": 1}
    >>> may_see_personal_data(Actor("Sam", Role.FACILITATOR), host)
    True
    >>> may_see_personal_data(Actor("Hana", Role.FACILITATOR, agency_id=1), host)
    True
    >>> may_see_personal_data(Actor("Kim", Role.ADMIN), host)
    False
    >>> may_see_personal_data(Actor("Kim", Role.EDITOR, agency_id=2), host)
    False
    >>> may_see_personal_data(Actor("Sam", Role.VIEWER), host)
    False
    """
    if not actor.can(Role.FACILITATOR):
        return False
    if actor.name == facilitator(session):
        return True
    return actor.agency_id is not None and actor.agency_id == session["host_agency_id"]


def may_run(actor: Actor, session: dict) -> bool:
    """Whether ``actor`` may run ``session`` (open, pause, reveal, new code,
    end), edit its details and minutes, moderate its feedback and enter paper
    forms for it: the same people as may see its personal data, since all of
    these show it or change what a room full of people sees."""
    return may_see_personal_data(actor, session)


def may_read_minutes(actor: Actor, session: dict) -> bool:
    """Whether ``actor`` may read the session's minutes: they are personal
    data like the rest (`may_see_personal_data`)."""
    return may_see_personal_data(actor, session)


def session_as_seen_by(ws: Workspace, actor: Actor, session_id: int) -> dict:
    """One session as ``actor`` may see it: with ``may_read_minutes`` and
    ``may_run``, and ``minutes`` None unless they may read them. Raises
    `NotFound`."""
    session = get_session(ws, session_id)
    allowed = may_read_minutes(actor, session)
    return {
        **session,
        "minutes": session["minutes"] if allowed else None,
        "may_read_minutes": allowed,
        "may_run": may_run(actor, session),
    }


def _require_facilitator_or_host(actor: Actor, session: dict, doing: str) -> None:
    if not may_see_personal_data(actor, session):
        raise PermissionDenied(
            f"{actor.name} cannot {doing}: it shows feedback before moderation, "
            f"so it is for {RUNNERS} only."
        )


def _require_runner(ws: Workspace, actor: Actor, session_id: int, doing: str) -> None:
    # Opening, pausing, revealing, ending and editing change what a room full
    # of people sees and can do, so they are for those who run it (`may_run`),
    # decided on the session as stored, before the change.
    require(actor, Role.FACILITATOR, doing)
    if not may_run(actor, get_session(ws, session_id)):
        raise PermissionDenied(
            f"{actor.name} cannot {doing}: a session is run by {RUNNERS}. "
            "Ask them, or plan your own."
        )


# --- planning ---------------------------------------------------------------


def list_sessions(ws: Workspace) -> list[dict]:
    """Sessions, newest first, with host name and feedback count.

    Without their minutes, which are personal data: read them through
    `session_as_seen_by`.
    """
    found = stored.list_sessions(ws.db)
    for session in found:
        session.pop("minutes", None)
    return found


def get_session(ws: Workspace, session_id: int) -> dict:
    """One session with its ``version``. Raises `NotFound`."""
    with translated_errors():
        return rows.get_row(ws.db, "consultation_session", session_id)


def session_from_row(row: dict) -> ConsultationSession:
    names = [f.name for f in dataclasses.fields(ConsultationSession)]
    return ConsultationSession(**{name: row[name] for name in names})


def create_session(ws: Workspace, actor: Actor, session: ConsultationSession) -> int:
    """Plan a session; return its id. Needs the facilitator role.

    The actor becomes the session's facilitator (`facilitator`).
    """
    require(actor, Role.FACILITATOR, "plan a consultation session")
    session = session.validated()
    if session.minutes is None:
        session = dataclasses.replace(session, minutes="")
    _check_references(ws, session)
    with translated_errors(), ws.transaction():
        session_id = rows.insert_row(
            ws.db, "consultation_session", as_columns(session), actor.name
        )
        _keep_minutes_out_of_the_log(ws, session_id)
    return session_id


def update_session(
    ws: Workspace,
    actor: Actor,
    session_id: int,
    version: int,
    session: ConsultationSession,
) -> dict:
    """Save edited details, attendance or minutes. Raises `EditConflict`.

    Only those who may run the session as stored (`may_run`: its
    facilitator and the host agency's facilitators) may edit it; anyone
    else gets `PermissionDenied`, whatever they send. The check reads the
    session before the change, in the same write: changing the host to
    one's own agency gives no right to do so. Minutes None keeps them.
    """
    with translated_errors(), ws.transaction():
        _require_runner(ws, actor, session_id, "edit a consultation session")
        session = session.validated()
        _check_references(ws, session)
        changes = as_columns(session)
        if session.minutes is None:
            del changes["minutes"]
        saved = _save(ws, actor, session_id, version, changes)
        _keep_minutes_out_of_the_log(ws, session_id)
    return saved


# --- running ----------------------------------------------------------------


def open_session(
    ws: Workspace,
    actor: Actor,
    session_id: int,
    version: int,
    now: datetime.datetime | None = None,
) -> dict:
    """Start taking feedback: give the session a fresh join code.

    New feedback is held off the projected screen until revealed, so that
    nothing is shown to the room before the facilitator has seen it.
    """
    _require_runner(ws, actor, session_id, "open a consultation session")
    now = now or _now()
    current = get_session(ws, session_id)
    if current["state"] == "ended":
        raise SessionClosed(
            "This session has ended and cannot be opened again: plan a new one."
        )
    changes = {
        "state": "open",
        "join_code": _unused_code(ws),
        "code_expires_at": _iso(now + datetime.timedelta(hours=CODE_VALID_HOURS)),
        "opened_at": current["opened_at"] or _iso(now),
        "hold_new": True,
    }
    return _save(ws, actor, session_id, version, changes)


def new_code(
    ws: Workspace,
    actor: Actor,
    session_id: int,
    version: int,
    now: datetime.datetime | None = None,
) -> dict:
    """Replace a running session's code (say it was shared too widely, or is
    about to expire); the old code stops working at once."""
    _require_runner(ws, actor, session_id, "give a session a new join code")
    _expect_state(ws, session_id, ("open", "paused"), "get a new code")
    now = now or _now()
    changes = {
        "join_code": _unused_code(ws),
        "code_expires_at": _iso(now + datetime.timedelta(hours=CODE_VALID_HOURS)),
    }
    return _save(ws, actor, session_id, version, changes)


def pause_session(ws: Workspace, actor: Actor, session_id: int, version: int) -> dict:
    """Stop taking feedback for a while; participants keep what they typed."""
    _require_runner(ws, actor, session_id, "pause a consultation session")
    _expect_state(ws, session_id, ("open",), "pause")
    return _save(ws, actor, session_id, version, {"state": "paused"})


def resume_session(ws: Workspace, actor: Actor, session_id: int, version: int) -> dict:
    """Take feedback again after a pause."""
    _require_runner(ws, actor, session_id, "resume a consultation session")
    _expect_state(ws, session_id, ("paused",), "resume")
    return _save(ws, actor, session_id, version, {"state": "open"})


def set_hold_new(
    ws: Workspace, actor: Actor, session_id: int, version: int, hold: bool
) -> dict:
    """Hold new feedback off the projected screen (True), or show it at once."""
    _require_runner(ws, actor, session_id, "change how new feedback is shown")
    return _save(ws, actor, session_id, version, {"hold_new": bool(hold)})


def reveal_held(ws: Workspace, actor: Actor, session_id: int) -> int:
    """Show on the projected screen every piece of feedback held so far that
    the screen can show (new or approved); return how many were revealed.

    Hidden and merged feedback stays held: it never shows, and if it is
    moved back to new it must wait for a reveal of its own.
    """
    _require_runner(ws, actor, session_id, "reveal held feedback")
    revealed = 0
    with translated_errors(), ws.transaction():
        for item in stored.session_feedback(ws.db, session_id):
            if not item["revealed"] and item["status"] in SHOWN_STATES:
                rows.update_row(
                    ws.db,
                    "feedback",
                    item["id"],
                    item["version"],
                    {"revealed": True},
                    actor.name,
                )
                revealed += 1
    return revealed


def end_session(
    ws: Workspace,
    actor: Actor,
    session_id: int,
    version: int,
    now: datetime.datetime | None = None,
) -> dict:
    """Stop the session for good: its join code expires now.

    Where its comments came from is forgotten, and so are wrong codes no
    limit reads any more. Who joined (`has_joined`: a keyed hash of each
    device's token, never an address) is kept with the session: the join
    page uses it to tell a device that joined that the session has ended,
    and the facilitator screen counts it.
    """
    _require_runner(ws, actor, session_id, "end a consultation session")
    now = now or _now()
    changes = {"state": "ended", "ended_at": _iso(now), "code_expires_at": _iso(now)}
    with translated_errors(), ws.transaction():
        saved = _save(ws, actor, session_id, version, changes)
        # No more feedback comes, so where it came from is no longer needed.
        stored.forget_sent_from(ws.db, session_id=session_id)
        stored.forget_join_attempts_before(ws.db, _iso(now - JOIN_WINDOW))
    return saved


def projection(ws: Workspace, actor: Actor, session_id: int) -> dict:
    """What the projected screen shows: counts, and feedback that is revealed.

    Hidden and merged feedback never shows; held feedback shows once revealed.
    Contact details never show. Revealed feedback may not be moderated yet,
    so only the session's facilitator and the host agency's facilitators
    and above get it (`may_see_personal_data`); others get `PermissionDenied`.
    """
    session = get_session(ws, session_id)
    _require_facilitator_or_host(actor, session, "open the facilitator screen")
    found = stored.session_feedback(ws.db, session_id)
    wall = [
        {"id": f["id"], "what_happened": f["what_happened"], "where": where(f)}
        for f in found
        if f["revealed"] and f["status"] in SHOWN_STATES
    ]
    return {
        "session": session,
        "participants": stored.participant_count(ws.db, session_id),
        "received": len(found),
        # What a reveal would show: hidden and merged feedback never shows.
        "held": sum(
            1 for f in found if not f["revealed"] and f["status"] in SHOWN_STATES
        ),
        "wall": wall,
    }


# --- joining and giving feedback ------------------------------------------


def join_session(
    ws: Workspace,
    code: str,
    device_token: str,
    address: str | None = None,
    now: datetime.datetime | None = None,
) -> dict:
    """Let a device into the session with this code; return the session.

    Raises `TooManyAttempts` after too many wrong codes, `ValidationError` for
    an empty one, `NotFound` for a wrong one (counted towards the limits) and
    `SessionClosed` for an ended or expired one (not counted).

    What is kept: a wrong code as the time, the device's hash and the
    address's hash (``join_attempt``), for as long as a limit counts it
    (`JOIN_WINDOW`); a join as the session and the device's hash
    (``session_participant``), with no address, for as long as the session.
    Nothing reads a right code after it let the device in, so it is not
    kept as an attempt.
    """
    now = now or _now()
    key = _hash_key(ws)
    device = keyed_hash(key, device_token)
    place = keyed_hash(key, address) if address else ""
    cleaned = normalise_code(code)
    found = refused = None
    # One write transaction: wrong codes sent at the same moment from other
    # threads cannot all slip under a limit.
    with translated_errors(), ws.transaction():
        # Whatever comes of this attempt, wrong codes no limit counts any
        # more are forgotten first.
        stored.forget_join_attempts_before(ws.db, _iso(now - JOIN_WINDOW))
        try:
            _check_join_limits(ws, device, place, now)
        except TooManyAttempts as err:
            refused = err  # raised once what was forgotten is committed
        else:
            if len(cleaned) == CODE_LENGTH and set(cleaned) <= set(CODE_ALPHABET):
                found = stored.find_session_by_code(ws.db, cleaned)
            if found is not None:
                if _code_usable(found, now):
                    stored.add_participant(ws.db, found["id"], device, _iso(now))
            elif cleaned:
                stored.record_wrong_code(ws.db, _iso(now), device, place)
    if refused is not None:
        raise refused
    if not cleaned:
        raise ValidationError({"code": "is empty: type the code shown on the screen"})
    if found is None:
        raise NotFound(_wrong_code_message(ws, device, now))
    _refuse_if_unusable(found, now)
    return found


def has_joined(ws: Workspace, session_id: int, device_token: str) -> bool:
    return stored.has_joined(ws.db, session_id, device_hash(ws, device_token))


def participant_view(ws: Workspace, session_id: int) -> ParticipantView:
    """The session as a participant sees it: no personal data, no ids in words."""
    session = get_session(ws, session_id)
    journeys = []
    for journey_id in session["journey_ids"]:
        journey = next(
            (j for j in queries.list_journeys(ws.db) if j["id"] == journey_id), None
        )
        if journey is None:
            continue
        stages = queries.journey_stages(ws.db, journey_id)
        steps = queries.journey_steps(ws.db, journey_id)
        for stage in stages:
            stage["steps"] = [s for s in steps if s["stage_id"] == stage["id"]]
        journeys.append({**journey, "stages": stages})
    wanted = set(session["persona_ids"])
    personas = [p for p in queries.list_personas(ws.db) if p["id"] in wanted]
    proposals = improvements.items_by_ids(ws.db, session["proposal_item_ids"])
    return ParticipantView(session, journeys, personas, proposals)


def submit_feedback(
    ws: Workspace,
    actor: Actor,
    session_id: int,
    entry: FeedbackEntry,
    device_token: str,
    address: str | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Record feedback sent from a participant's device; return its id.

    Only a device that joined the session may send, only while the session
    is open and its code valid, and no faster than the limits allow: per
    device, per network ``address`` and per session (`TooManyAttempts`). On
    any refusal nothing is stored and the message says what to do; the page
    keeps what was typed.

    ``address`` is the network address the request came from; only its
    keyed hash is stored, and only for `SUBMISSION_WINDOW`. When it is
    unknown (None, as when the app is reached from the same machine or run
    by AppTest), only the limits per device and per session apply.
    """
    require(actor, Role.PARTICIPANT, "send feedback")
    now = now or _now()
    key = _hash_key(ws)
    device = keyed_hash(key, device_token)
    place = keyed_hash(key, address) if address else ""
    view = participant_view(ws, session_id)
    if not stored.has_joined(ws.db, session_id, device):
        raise PermissionDenied(
            "This device has not joined the session: type the session's code first."
        )
    _refuse_if_unusable(view.session, now)
    if view.session["state"] == "paused":
        raise SessionClosed(
            "The facilitator has paused feedback for a moment. Your text is "
            "kept: press Send again when they say so."
        )
    entry = entry.validated(view)
    # Counted and written in one write transaction, so comments sent at the
    # same moment from other threads cannot all slip under a limit.
    with translated_errors(), ws.transaction():
        _check_submission_limits(ws, session_id, device, place, now)
        feedback_id = store_feedback(
            ws, actor, view.session, entry, "online", device, now
        )
        if place:
            stored.record_sent_from(ws.db, session_id, place, _iso(now))
            stored.forget_sent_from(ws.db, before=_iso(now - SUBMISSION_WINDOW))
    return feedback_id


def store_feedback(
    ws: Workspace,
    actor: Actor,
    session: dict,
    entry: FeedbackEntry,
    source: str,
    device: str | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Write one validated entry, its contact apart, the text kept out of the log.

    Callers have checked the actor's rights; this only writes.
    """
    values = {
        "session_id": session["id"],
        "journey_id": entry.journey_id,
        "stage_id": entry.stage_id,
        "step_id": entry.step_id,
        "persona_id": entry.persona_id,
        "what_happened": entry.what_happened,
        "feeling": entry.feeling,
        "item_id": entry.item_id,
        "stance": entry.stance,
        "source": source,
        "paper_ref": entry.paper_ref,
        "device": device,
        "sent_at": _iso(now or _now()),
        "revealed": not session["hold_new"],
    }
    with translated_errors(), ws.transaction():
        feedback_id = rows.insert_row(ws.db, "feedback", values, actor.name)
        if entry.contact:
            stored.set_contact(ws.db, feedback_id, entry.contact)
        stored.mask_logged_fields(ws.db, "feedback", feedback_id, ("what_happened",))
    return feedback_id


def where(feedback: dict) -> str:
    """Where in the journey a piece of feedback is, in plain words."""
    parts = []
    if feedback.get("stage_name"):
        parts.append(feedback["stage_name"])
    if feedback.get("step_action"):
        parts.append(feedback["step_action"])
    return ": ".join(parts) or "Not about one stage"


# --- helpers ----------------------------------------------------------------


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")


def _parse(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp)


def _date_time(check: _Checker, value) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    text = str(value or "").strip().replace(" ", "T")
    try:
        return datetime.datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        check.problems["starts_at"] = (
            f"must be a date and time written YYYY-MM-DD HH:MM (got {value!r})"
        )
        return text


def _ids(values) -> list[int]:
    return list(dict.fromkeys(int(v) for v in values or []))


def _check_references(ws: Workspace, session: ConsultationSession) -> None:
    problems = {}
    known = {
        "journey_ids": {j["id"] for j in queries.list_journeys(ws.db)},
        "persona_ids": {p["id"] for p in queries.list_personas(ws.db, True)},
        "agency_ids": {a["id"] for a in queries.list_agencies(ws.db)},
    }
    for name, ids in known.items():
        missing = [i for i in getattr(session, name) if i not in ids]
        if missing:
            problems[name] = f"refers to records that do not exist: {missing}"
    if session.host_agency_id is not None and (
        session.host_agency_id not in known["agency_ids"]
    ):
        problems["host_agency_id"] = "refers to an agency that does not exist"
    if problems:
        raise ValidationError(problems)


def _check_place(check: _Checker, entry: FeedbackEntry, view: ParticipantView) -> None:
    journeys = {j["id"]: j for j in view.journeys}
    if entry.journey_id is not None and entry.journey_id not in journeys:
        check.problems["journey_id"] = "is not a journey this session is about"
    if entry.stage_id is not None:
        stage = view.stage(entry.stage_id)
        if stage is None or stage["journey_id"] != entry.journey_id:
            check.problems["stage_id"] = "is not a stage of the chosen journey"
        elif entry.step_id is not None and entry.step_id not in {
            s["id"] for s in stage["steps"]
        }:
            check.problems["step_id"] = "is not a step of the chosen stage"
    elif entry.step_id is not None:
        check.problems["step_id"] = "needs the stage it belongs to"
    if entry.persona_id is not None and entry.persona_id not in {
        p["id"] for p in view.personas
    }:
        check.problems["persona_id"] = "is not a persona this session is about"
    if entry.item_id is not None and entry.item_id not in {
        p["id"] for p in view.proposals
    }:
        check.problems["item_id"] = "is not a change proposed in this session"
    if entry.stance is not None and entry.item_id is None:
        check.problems["stance"] = "needs the proposed change it is about"


def _save(
    ws: Workspace, actor: Actor, session_id: int, version: int, changes: dict
) -> dict:
    with translated_errors("This session"):
        return rows.update_row(
            ws.db, "consultation_session", session_id, version, changes, actor.name
        )


def _keep_minutes_out_of_the_log(ws: Workspace, session_id: int) -> None:
    # The change log is shown to everyone (recent edits on the home page), so
    # it must not hold the minutes; they live on the session row alone.
    stored.mask_logged_fields(
        ws.db,
        "consultation_session",
        session_id,
        ("minutes",),
        placeholder=stored.MINUTES_MASKED,
    )


def _expect_state(
    ws: Workspace, session_id: int, allowed: tuple[str, ...], doing: str
) -> None:
    state = get_session(ws, session_id)["state"]
    if state not in allowed:
        raise SessionClosed(f"A session that is {state} cannot {doing}.")


def _unused_code(ws: Workspace) -> str:
    for _ in range(20):
        code = new_join_code()
        if not stored.code_in_use(ws.db, code):
            return code
    raise NotFound("Could not find an unused join code; try again.")


def _code_usable(session: dict, now: datetime.datetime) -> bool:
    return (
        session["state"] in ("open", "paused")
        and session["code_expires_at"] is not None
        and now < _parse(session["code_expires_at"])
    )


def _refuse_if_unusable(session: dict, now: datetime.datetime) -> None:
    if session["state"] == "ended":
        raise SessionClosed(
            "This session has ended, so it no longer takes feedback. "
            "Thank you for taking part."
        )
    if session["state"] == "planned" or session["code_expires_at"] is None:
        raise SessionClosed(
            "This session has not started yet: try again when the facilitator opens it."
        )
    if now >= _parse(session["code_expires_at"]):
        raise SessionClosed(
            "This code has expired. Ask the facilitator for the current code."
        )


def _check_join_limits(
    ws: Workspace, device: str, place: str, now: datetime.datetime
) -> None:
    since = _iso(now - JOIN_WINDOW)
    checks = [
        (
            stored.failed_joins_since(ws.db, since, device=device),
            FAILED_JOINS_PER_DEVICE,
            "on this device",
        ),
        (stored.failed_joins_since(ws.db, since), FAILED_JOINS_PER_WORKSPACE, "here"),
    ]
    if place:
        checks.insert(
            1,
            (
                stored.failed_joins_since(ws.db, since, address=place),
                FAILED_JOINS_PER_ADDRESS,
                "from this network",
            ),
        )
    for times, limit, whose in checks:
        if len(times) >= limit:
            minutes = _minutes_until(times[len(times) - limit], JOIN_WINDOW, now)
            raise TooManyAttempts(
                f"Too many wrong codes have been tried {whose} in the last "
                f"{_window_words(JOIN_WINDOW)}. Please wait {_minutes(minutes)}, "
                "then try again. If the code still does not work, ask the "
                "facilitator.",
                minutes,
            )


def _wrong_code_message(ws: Workspace, device: str, now: datetime.datetime) -> str:
    times = stored.failed_joins_since(ws.db, _iso(now - JOIN_WINDOW), device=device)
    left = max(FAILED_JOINS_PER_DEVICE - len(times), 0)
    told = (
        "That code does not match any session. Check it against the screen: "
        f"codes have {CODE_LENGTH} letters and numbers, {CODE_LEFT_OUT}."
    )
    if left >= 2:
        return f"{told} {left} more tries before a short wait."
    # The wait runs out when the oldest wrong code the limit counts is
    # JOIN_WINDOW old (`_check_join_limits`): said as from now, so at most
    # JOIN_WINDOW, and less if the next try comes later.
    oldest = times[max(len(times) - FAILED_JOINS_PER_DEVICE, 0)]
    wait = _minutes(_minutes_until(oldest, JOIN_WINDOW, now))
    if left == 1:
        return (
            f"{told} You can try once more: if that code is wrong too, this "
            f"device will have to wait {wait} before trying again."
        )
    return (
        f"{told} That was the last try for now: please wait {wait}, then try "
        "again. If the code still does not work, ask the facilitator."
    )


def _check_submission_limits(
    ws: Workspace, session_id: int, device: str, place: str, now: datetime.datetime
) -> None:
    total = stored.submissions_since(ws.db, session_id, device, "")
    if len(total) >= SUBMISSIONS_PER_SESSION:
        raise TooManyAttempts(
            f"This device has sent {len(total)} comments to this session, the "
            "most one device can send. Please give the rest to the facilitator, "
            "who can add them for you.",
            0,
        )
    recent = stored.submissions_since(
        ws.db, session_id, device, _iso(now - SUBMISSION_WINDOW)
    )
    if len(recent) >= SUBMISSIONS_PER_WINDOW:
        first = recent[len(recent) - SUBMISSIONS_PER_WINDOW]
        minutes = _minutes_until(first, SUBMISSION_WINDOW, now)
        raise TooManyAttempts(
            f"You have sent {len(recent)} comments in the last "
            f"{_window_words(SUBMISSION_WINDOW)}. Please wait {_minutes(minutes)}, "
            "then press Send again: your text is still here.",
            minutes,
        )
    since = _iso(now - SUBMISSION_WINDOW)
    checks = [
        (
            stored.online_submissions_since(ws.db, session_id, since),
            SESSION_SUBMISSIONS_PER_WINDOW,
            "This session has had a great many comments in the last "
            f"{_window_words(SUBMISSION_WINDOW)}, more than it can take at once.",
        ),
    ]
    if place:
        checks.insert(
            0,
            (
                stored.sent_from_since(ws.db, session_id, place, since),
                SUBMISSIONS_PER_ADDRESS,
                "A great many comments have been sent from this Wi-Fi or network "
                f"in the last {_window_words(SUBMISSION_WINDOW)}. Everyone using "
                "the same Wi-Fi counts together.",
            ),
        )
    for times, limit, why in checks:
        if len(times) >= limit:
            minutes = _minutes_until(times[len(times) - limit], SUBMISSION_WINDOW, now)
            raise TooManyAttempts(
                f"{why} Please wait {_minutes(minutes)}, then press Send again: "
                "your text is still here.",
                minutes,
            )


def _minutes_until(
    stamp: str, window: datetime.timedelta, now: datetime.datetime
) -> int:
    seconds = (_parse(stamp) + window - now).total_seconds()
    return max(1, math.ceil(seconds / 60))


def _minutes(count: int) -> str:
    return f"{count} minute{'' if count == 1 else 's'}"


def _window_words(window: datetime.timedelta) -> str:
    return _minutes(int(window.total_seconds() // 60))
