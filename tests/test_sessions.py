"""Consultation sessions: codes, joining and its limits, giving feedback,
moderation, personal data, and paper forms."""

import datetime
import hashlib
import json

import pytest

from journeys import feedback, review, sessions, workspace_file
from journeys.access import DEMO_ADMIN, DEMO_EDITOR, Actor, Role
from journeys.errors import (
    ImportFailed,
    JourneyError,
    NotFound,
    PermissionDenied,
    SessionClosed,
    TooManyAttempts,
    ValidationError,
)
from journeys.tabular import read_table
from journeys.workspace import Workspace
from storage import sessions as stored
from storage.sessions import MASKED
from tests.consultation_fixture import NOW, build, give, joined_device

VIEWER = Actor("viv", Role.VIEWER)
FACILITATOR = Actor("fran", Role.FACILITATOR)
MINUTE = datetime.timedelta(minutes=1)


def host_facilitator(setup) -> Actor:
    """Fran, working for the agency hosting the setup's session: she may run it."""
    return Actor("fran", Role.FACILITATOR, agency_id=setup.host_id)


@pytest.fixture
def setup(ws):
    return build(ws)


def feedback_row(ws, feedback_id: int) -> dict:
    return feedback._get(ws, feedback_id)


def whole_change_log(ws) -> str:
    found = ws.db.execute("SELECT before, after FROM change_log").fetchall()
    return "\n".join(part or "" for row in found for part in row)


# --- roles and codes ----------------------------------------------------------


def test_roles_rank_from_participant_to_admin():
    order = [Role.PARTICIPANT, Role.VIEWER, Role.FACILITATOR, Role.EDITOR, Role.ADMIN]
    for lower, higher in zip(order, order[1:], strict=False):
        assert Actor("a", higher).can(lower)
        assert not Actor("a", lower).can(higher)


def test_join_codes_are_short_and_unambiguous():
    codes = {sessions.new_join_code() for _ in range(300)}
    assert len(codes) >= 299  # 31**6 possible codes: a repeat is very unlikely
    for code in codes:
        assert len(code) == 6
        assert not set(code) & set("0O1IL")
        assert set(code) <= set(sessions.CODE_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [(" abc 234 ", "ABC234"), ("ABC-234", "ABC234"), ("a b\tc2 3 4", "ABC234")],
)
def test_typed_codes_are_normalised(typed, expected):
    assert sessions.normalise_code(typed) == expected


def test_opening_gives_a_code_valid_for_twelve_hours_and_holds_new_feedback(ws):
    setup = build(ws)
    row = sessions.get_session(ws, setup.session_id)
    assert (row["state"], row["join_code"]) == ("open", setup.code)
    assert row["code_expires_at"] == "2025-03-05T06:30:00+00:00"
    assert row["opened_at"] == "2025-03-04T18:30:00+00:00"
    assert row["hold_new"] == 1


def test_a_viewer_cannot_plan_or_run_a_session(ws, setup):
    row = sessions.get_session(ws, setup.session_id)
    with pytest.raises(PermissionDenied, match="viv is a viewer"):
        sessions.pause_session(ws, VIEWER, setup.session_id, row["version"])
    plan = sessions.session_from_row(row)
    with pytest.raises(PermissionDenied, match="needs the facilitator role"):
        sessions.create_session(ws, VIEWER, plan)
    assert sessions.create_session(ws, FACILITATOR, plan) > setup.session_id


def test_session_details_are_checked(ws):
    planned = sessions.ConsultationSession(
        title="", starts_at="4 March", mode="online", link="javascript:alert(1)"
    )
    with pytest.raises(ValidationError) as caught:
        sessions.create_session(ws, DEMO_EDITOR, planned)
    assert set(caught.value.problems) == {"title", "starts_at", "link"}
    assert "https://" in caught.value.problems["link"]


# --- joining -------------------------------------------------------------------


def test_joining_with_the_code_as_read_aloud(ws, setup):
    spoken = f"{setup.code[:3].lower()} {setup.code[3:].lower()}"
    joined = sessions.join_session(ws, spoken, "phone-1", now=NOW)
    assert joined["id"] == setup.session_id
    assert sessions.has_joined(ws, setup.session_id, "phone-1")
    assert not sessions.has_joined(ws, setup.session_id, "phone-2")
    # Only a hash of the device token is stored.
    stored = ws.db.execute("SELECT device FROM session_participant").fetchall()
    assert stored == [(sessions.device_hash(ws, "phone-1"),)]


WRONG = (
    "That code does not match any session. Check it against the screen: codes "
    "have 6 letters and numbers, never the letters O, I or L and never the "
    "numbers 0 or 1."
)


def test_wrong_codes_count_down_then_ask_to_wait(ws, setup):
    for _ in range(sessions.FAILED_JOINS_PER_DEVICE):
        with pytest.raises(NotFound, match="does not match any session"):
            sessions.join_session(ws, "ZZZ999", "phone-1", now=NOW)
    with pytest.raises(TooManyAttempts, match="wait 9 minutes") as caught:
        sessions.join_session(ws, setup.code, "phone-1", now=NOW + MINUTE)
    assert caught.value.wait_minutes == 9
    # Another device is not held up; this one can try again after the window.
    assert sessions.join_session(ws, setup.code, "phone-2", now=NOW)["id"]
    later = NOW + sessions.JOIN_WINDOW + MINUTE
    assert sessions.join_session(ws, setup.code, "phone-1", now=later)["id"]


def test_the_wrong_code_messages_at_the_fourth_fifth_and_sixth_try(ws, setup):
    # Five wrong codes a device, counted over 10 minutes. All at NOW: the
    # oldest is 10 minutes from running out of the count, so the wait is 10.
    said = []
    for _ in range(5):
        with pytest.raises(NotFound) as caught:
            sessions.join_session(ws, "ZZZ999", "phone-1", now=NOW)
        said.append(str(caught.value))
    assert said[:3] == [
        f"{WRONG} 4 more tries before a short wait.",
        f"{WRONG} 3 more tries before a short wait.",
        f"{WRONG} 2 more tries before a short wait.",
    ]
    assert said[3] == (
        f"{WRONG} You can try once more: if that code is wrong too, this device "
        "will have to wait 10 minutes before trying again."
    )
    assert said[4] == (
        f"{WRONG} That was the last try for now: please wait 10 minutes, then "
        "try again. If the code still does not work, ask the facilitator."
    )
    assert not any("0 more tries" in message for message in said)
    with pytest.raises(TooManyAttempts) as caught:
        sessions.join_session(ws, "ZZZ999", "phone-1", now=NOW)
    assert str(caught.value) == (
        "Too many wrong codes have been tried on this device in the last 10 "
        "minutes. Please wait 10 minutes, then try again. If the code still does "
        "not work, ask the facilitator."
    )
    assert caught.value.wait_minutes == 10


def test_the_wait_named_at_the_last_tries_counts_from_the_oldest(ws, setup):
    # Wrong codes at 18:30, 18:31, 18:32, 18:33: the one at 18:30 leaves the
    # count at 18:40. Told at 18:33, a fifth wrong code now means 7 minutes.
    for minute in range(3):
        with pytest.raises(NotFound):
            sessions.join_session(ws, "ZZZ999", "phone-1", now=NOW + minute * MINUTE)
    with pytest.raises(NotFound, match="will have to wait 7 minutes before"):
        sessions.join_session(ws, "ZZZ999", "phone-1", now=NOW + 3 * MINUTE)
    # The fifth at 18:38: 2 minutes left.
    with pytest.raises(NotFound, match="last try for now: please wait 2 minutes,"):
        sessions.join_session(ws, "ZZZ999", "phone-1", now=NOW + 8 * MINUTE)


def test_the_code_alphabet_is_what_the_message_says():
    left_out = set("0O1IL")
    assert not left_out & set(sessions.CODE_ALPHABET)
    assert set(sessions.CODE_ALPHABET) | left_out == set(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    )
    assert sessions.CODE_LEFT_OUT == (
        "never the letters O, I or L and never the numbers 0 or 1"
    )


def test_wrong_codes_are_limited_per_network_and_overall(ws, setup, monkeypatch):
    monkeypatch.setattr(sessions, "FAILED_JOINS_PER_ADDRESS", 2)
    monkeypatch.setattr(sessions, "FAILED_JOINS_PER_WORKSPACE", 3)
    for device in ("a", "b"):
        with pytest.raises(NotFound):
            sessions.join_session(ws, "ZZZ999", device, "203.0.113.5", now=NOW)
    with pytest.raises(TooManyAttempts, match="from this network"):
        sessions.join_session(ws, setup.code, "c", "203.0.113.5", now=NOW)
    with pytest.raises(NotFound):
        sessions.join_session(ws, "ZZZ998", "d", "198.51.100.1", now=NOW)
    with pytest.raises(TooManyAttempts, match="tried here"):
        sessions.join_session(ws, setup.code, "e", "192.0.2.1", now=NOW)


def test_the_right_code_does_not_count_as_a_wrong_one(ws, setup):
    for _ in range(sessions.FAILED_JOINS_PER_DEVICE + 2):
        sessions.join_session(ws, setup.code, "phone-1", now=NOW)
    with pytest.raises(NotFound, match="4 more tries"):
        sessions.join_session(ws, "ZZZ999", "phone-1", now=NOW)


@pytest.mark.parametrize("typed", ["", "   ", "ABC", "0O1IL0", "x" * 5000])
def test_empty_short_or_impossible_codes_are_refused(ws, setup, typed):
    with pytest.raises((ValidationError, NotFound)):
        sessions.join_session(ws, typed, "phone-1", now=NOW)
    assert not sessions.has_joined(ws, setup.session_id, "phone-1")


def test_a_new_code_replaces_the_old_one(ws, setup):
    row = sessions.get_session(ws, setup.session_id)
    later = NOW + datetime.timedelta(hours=11)
    renewed = sessions.new_code(
        ws, DEMO_EDITOR, setup.session_id, row["version"], now=later
    )
    assert renewed["join_code"] != setup.code
    assert renewed["code_expires_at"] == "2025-03-05T17:30:00+00:00"
    assert renewed["state"] == "open"
    with pytest.raises(NotFound):
        sessions.join_session(ws, setup.code, "phone-1", now=later)
    assert sessions.join_session(ws, renewed["join_code"], "phone-1", now=later)


def test_an_ended_or_expired_code_says_so(ws, setup):
    expired = NOW + datetime.timedelta(hours=sessions.CODE_VALID_HOURS, minutes=1)
    with pytest.raises(SessionClosed, match="code has expired"):
        sessions.join_session(ws, setup.code, "phone-1", now=expired)
    row = sessions.get_session(ws, setup.session_id)
    sessions.end_session(ws, DEMO_EDITOR, setup.session_id, row["version"], now=NOW)
    with pytest.raises(SessionClosed, match="has ended"):
        sessions.join_session(ws, setup.code, "phone-1", now=NOW)
    row = sessions.get_session(ws, setup.session_id)
    with pytest.raises(SessionClosed, match="cannot be opened again"):
        sessions.open_session(ws, DEMO_EDITOR, setup.session_id, row["version"])


# --- giving feedback -------------------------------------------------------------


def test_feedback_is_stored_as_typed_with_contact_apart(ws, setup):
    token = joined_device(ws, setup)
    hostile = '<script>alert(1)</script> =HYPERLINK("x")\x00\x07 **bold**\r\nline 2'
    feedback_id = give(
        ws,
        setup,
        hostile,
        token,
        step_id=setup.step_ids[1],
        persona_id=setup.persona_id,
        feeling=-1,
        contact="jo@example.org",
    )
    row = feedback_row(ws, feedback_id)
    assert row["what_happened"] == (
        '<script>alert(1)</script> =HYPERLINK("x") **bold**\nline 2'
    )
    assert (row["source"], row["feeling"], row["status"]) == ("online", -1, "new")
    assert row["revealed"] == 0  # the session holds new feedback
    assert row["created_by"] == "participant"
    # Neither the words nor the contact details are in the change log.
    log = whole_change_log(ws)
    assert "alert(1)" not in log and "jo@example.org" not in log
    created = json.loads(
        ws.db.execute(
            "SELECT after FROM change_log WHERE table_name = 'feedback'"
        ).fetchone()[0]
    )
    assert created["what_happened"] == MASKED
    assert "contact" not in created


def test_only_a_joined_device_may_send(ws, setup):
    entry = sessions.FeedbackEntry("The form timed out")
    with pytest.raises(PermissionDenied, match="type the session's code first"):
        sessions.submit_feedback(
            ws, sessions.PARTICIPANT, setup.session_id, entry, "stranger", now=NOW
        )
    assert ws.db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


def test_a_paused_session_refuses_and_keeps_nothing(ws, setup):
    token = joined_device(ws, setup)
    row = sessions.get_session(ws, setup.session_id)
    sessions.pause_session(ws, DEMO_EDITOR, setup.session_id, row["version"])
    with pytest.raises(SessionClosed, match="paused feedback for a moment"):
        give(ws, setup, "The form timed out", token)
    row = sessions.get_session(ws, setup.session_id)
    sessions.resume_session(ws, DEMO_EDITOR, setup.session_id, row["version"])
    assert give(ws, setup, "The form timed out", token) > 0


def test_a_flood_from_one_device_is_slowed(ws, setup):
    token = joined_device(ws, setup)
    for number in range(sessions.SUBMISSIONS_PER_WINDOW):
        give(ws, setup, f"Comment {number}", token)
    with pytest.raises(TooManyAttempts, match="wait 2 minutes") as caught:
        give(ws, setup, "One more", token)
    assert "your text is still here" in str(caught.value)
    # Another device in the same session is not slowed.
    other = joined_device(ws, setup, "phone-2")
    assert give(ws, setup, "Mine", other) > 0
    count = ws.db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    assert count == sessions.SUBMISSIONS_PER_WINDOW + 1


def test_one_device_has_a_ceiling_per_session(ws, setup, monkeypatch):
    monkeypatch.setattr(sessions, "SUBMISSIONS_PER_SESSION", 2)
    token = joined_device(ws, setup)
    give(ws, setup, "One", token)
    give(ws, setup, "Two", token)
    with pytest.raises(TooManyAttempts, match="the most one device can send"):
        give(ws, setup, "Three", token)


# --- limits per network address and per session ----------------------------------
#
# A reload gives the page a new device token, so the device limits alone let
# one person send without end. Every time below is worked out by hand from
# NOW; the window is 2 minutes and counts a comment sent at its very start.

VENUE = "203.0.113.5"  # a venue's Wi-Fi, shared by the whole room
ELSEWHERE = "198.51.100.20"
SECOND = datetime.timedelta(seconds=1)
WAIT_AND_RESEND = "then press Send again: your text is still here."
FROM_THIS_NETWORK = (
    "A great many comments have been sent from this Wi-Fi or network in the "
    "last 2 minutes. Everyone using the same Wi-Fi counts together. "
)
SESSION_FULL = (
    "This session has had a great many comments in the last 2 minutes, more "
    "than it can take at once. "
)


def feedback_count(ws) -> int:
    return ws.db.execute("SELECT count(*) FROM feedback").fetchone()[0]


def devices_send(ws, setup, names, address, per_device=5, now=NOW) -> None:
    """Each named device joins and sends ``per_device`` comments."""
    for name in names:
        token = joined_device(ws, setup, name)
        for number in range(per_device):
            give(ws, setup, f"{name} #{number}", token, address=address, now=now)


def test_the_limits_are_the_numbers_the_readme_gives():
    assert sessions.SUBMISSION_WINDOW == 2 * MINUTE
    assert sessions.SUBMISSIONS_PER_WINDOW == 5
    assert sessions.SUBMISSIONS_PER_ADDRESS == 60
    assert sessions.SESSION_SUBMISSIONS_PER_WINDOW == 300


def test_one_device_sends_five_comments_then_the_sixth_waits(ws, setup):
    token = joined_device(ws, setup)
    for number in range(5):
        give(ws, setup, f"Comment {number}", token, address=VENUE)
    with pytest.raises(TooManyAttempts) as caught:
        give(ws, setup, "Sixth", token, address=VENUE)
    assert str(caught.value) == (
        "You have sent 5 comments in the last 2 minutes. Please wait 2 minutes, "
        + WAIT_AND_RESEND
    )
    assert caught.value.wait_minutes == 2
    assert feedback_count(ws) == 5
    # 2 minutes and 1 second on, the five have left the window.
    assert give(ws, setup, "Sixth", token, address=VENUE, now=NOW + 2 * MINUTE + SECOND)


def test_reloading_for_new_devices_is_stopped_at_sixty_per_network(ws, setup):
    # 12 devices (or one person reloading 11 times) at 5 comments each: 60.
    devices_send(ws, setup, [f"reload-{n}" for n in range(12)], VENUE)
    assert feedback_count(ws) == 60
    fresh = joined_device(ws, setup, "reload-12")
    with pytest.raises(TooManyAttempts) as caught:
        give(ws, setup, "Comment 61", fresh, address=VENUE)
    assert str(caught.value) == (
        FROM_THIS_NETWORK + "Please wait 2 minutes, " + WAIT_AND_RESEND
    )
    assert caught.value.wait_minutes == 2
    assert feedback_count(ws) == 60  # nothing stored for the refused one
    # Someone on another network is not held up.
    other = joined_device(ws, setup, "phone-elsewhere")
    assert give(ws, setup, "Mine", other, address=ELSEWHERE)
    # 30 seconds on: 90 seconds until the first 60 leave, so 2 minutes.
    with pytest.raises(TooManyAttempts, match="wait 2 minutes"):
        give(ws, setup, "Comment 61", fresh, address=VENUE, now=NOW + 30 * SECOND)
    # At exactly 2 minutes they are still "in the last 2 minutes".
    with pytest.raises(TooManyAttempts, match="wait 1 minute,"):
        give(ws, setup, "Comment 61", fresh, address=VENUE, now=NOW + 2 * MINUTE)
    # One second later they have left the window: sending works again.
    later = NOW + 2 * MINUTE + SECOND
    assert give(ws, setup, "Comment 61", fresh, address=VENUE, now=later)
    assert feedback_count(ws) == 62


def test_the_network_window_slides(ws, setup):
    # 30 comments at NOW, 30 a minute later: 60 in the window until NOW + 2:00.
    devices_send(ws, setup, [f"early-{n}" for n in range(6)], VENUE)
    devices_send(ws, setup, [f"late-{n}" for n in range(6)], VENUE, now=NOW + MINUTE)
    fresh = joined_device(ws, setup, "fresh")
    # At NOW + 1:30 the oldest leaves in 30 seconds: "wait 1 minute".
    with pytest.raises(TooManyAttempts, match="wait 1 minute,") as caught:
        give(ws, setup, "Now?", fresh, address=VENUE, now=NOW + 90 * SECOND)
    assert caught.value.wait_minutes == 1
    # At NOW + 2:01 the first 30 have left; the later 30 leave the window at
    # NOW + 3:00, so 29 more go through and the 30th waits.
    after_first = NOW + 2 * MINUTE + SECOND
    for number in range(29):
        name = f"second-wave-{number}"
        token = joined_device(ws, setup, name)
        give(ws, setup, "Sent", token, address=VENUE, now=after_first)
    # 29 + 1 (below) + the later 30 = 60.
    give(ws, setup, "Sent", fresh, address=VENUE, now=after_first)
    with pytest.raises(TooManyAttempts, match="from this Wi-Fi or network"):
        give(ws, setup, "Sent", fresh, address=VENUE, now=after_first)


def test_a_session_takes_at_most_three_hundred_in_two_minutes(ws, setup):
    # Five networks, twelve devices each, five comments each: 5 x 60 = 300,
    # none of them over its own network's or device's limit.
    for network in range(5):
        devices = [f"net{network}-phone{n}" for n in range(12)]
        devices_send(ws, setup, devices, f"192.0.2.{network + 1}")
    assert feedback_count(ws) == 300
    newcomer = joined_device(ws, setup, "newcomer")
    for address in ("192.0.2.99", None):
        with pytest.raises(TooManyAttempts) as caught:
            give(ws, setup, "Too many", newcomer, address=address)
        assert str(caught.value) == (
            SESSION_FULL + "Please wait 2 minutes, " + WAIT_AND_RESEND
        )
    # A facilitator can still add feedback for someone: that does not count.
    entry = sessions.FeedbackEntry("Said at the table")
    fran = host_facilitator(setup)
    assert feedback.add_on_behalf(ws, fran, setup.session_id, entry)
    assert feedback_count(ws) == 301
    later = NOW + 2 * MINUTE + SECOND
    assert give(ws, setup, "Now it goes", newcomer, address="192.0.2.99", now=later)


def test_an_unknown_address_leaves_the_device_and_session_limits(ws, setup):
    # 13 devices with no known address send 65, more than one network's 60.
    devices_send(ws, setup, [f"local-{n}" for n in range(13)], None)
    assert feedback_count(ws) == 65
    with pytest.raises(TooManyAttempts, match="You have sent 5 comments"):
        give(ws, setup, "Sixth", "local-0")
    assert ws.db.execute("SELECT count(*) FROM feedback_sent_from").fetchone()[0] == 0


def test_only_a_hash_of_the_address_is_kept_and_only_for_a_while(ws, setup):
    token = joined_device(ws, setup)
    give(ws, setup, "First", token, address=VENUE)
    kept = ws.db.execute(
        "SELECT session_id, address, at FROM feedback_sent_from"
    ).fetchall()
    assert kept == [
        (setup.session_id, sessions.device_hash(ws, VENUE), "2025-03-04T18:30:00+00:00")
    ]
    assert VENUE not in str(ws.db.execute("SELECT * FROM feedback").fetchall())
    assert VENUE not in whole_change_log(ws)
    # The next comment, once the window has passed, forgets the first.
    later = NOW + 2 * MINUTE + SECOND
    give(ws, setup, "Second", token, address=ELSEWHERE, now=later)
    kept = ws.db.execute("SELECT address FROM feedback_sent_from").fetchall()
    assert kept == [(sessions.device_hash(ws, ELSEWHERE),)]
    # Ending the session forgets the rest.
    row = sessions.get_session(ws, setup.session_id)
    sessions.end_session(ws, DEMO_EDITOR, setup.session_id, row["version"], now=later)
    assert ws.db.execute("SELECT count(*) FROM feedback_sent_from").fetchone()[0] == 0


# --- what is kept of devices and addresses, and for how long ----------------------
#
# Hashes below were worked out apart from the app, with openssl:
#   printf '203.0.113.5' | openssl dgst -sha256
#   printf '203.0.113.5' | openssl dgst -sha256 -mac HMAC -macopt hexkey:00...00
# (32 zero bytes; 32 bytes of 01 for the second), cut to 32 hex digits.

PLAIN_SHA256_OF_VENUE = "440a628a0c975ea32d4db42ca94acebc"
VENUE_UNDER_ZERO_KEY = "f8aad0e55ef32c3aad8311224ffd2278"
VENUE_UNDER_ONES_KEY = "efdc657462adbfc5c41f31fa7713851f"


def wrong_code(ws, device="phone-1", address=None, now=NOW) -> None:
    with pytest.raises(NotFound):
        sessions.join_session(ws, "ZZZ999", device, address, now=now)


def attempts(ws) -> list[tuple]:
    return ws.db.execute(
        "SELECT at, device, address FROM join_attempt ORDER BY id"
    ).fetchall()


def test_a_keyed_hash_is_hmac_sha256_cut_to_32_digits():
    assert sessions.keyed_hash(bytes(32), VENUE) == VENUE_UNDER_ZERO_KEY
    assert sessions.keyed_hash(b"\x01" * 32, VENUE) == VENUE_UNDER_ONES_KEY
    assert hashlib.sha256(VENUE.encode()).hexdigest()[:32] == PLAIN_SHA256_OF_VENUE


def test_an_address_is_kept_under_the_workspaces_own_key(ws, setup, tmp_path):
    # A workspace whose secret is 32 zero bytes, and one whose secret is 32
    # bytes of 01: the same address gives two hashes, neither the plain one.
    stored.add_hash_key(ws.db, bytes(32), "2025-03-04T18:00:00+00:00")
    other = Workspace.open(tmp_path / "other.db")
    other_setup = build(other)
    stored.add_hash_key(other.db, b"\x01" * 32, "2025-03-04T18:00:00+00:00")
    wrong_code(ws, "phone-1", VENUE)
    sessions.join_session(other, other_setup.code, "phone-1", now=NOW)
    sessions.submit_feedback(
        other,
        sessions.PARTICIPANT,
        other_setup.session_id,
        sessions.FeedbackEntry("The form timed out"),
        "phone-1",
        VENUE,
        now=NOW,
    )
    (kept,) = attempts(ws)
    assert kept[2] == VENUE_UNDER_ZERO_KEY != PLAIN_SHA256_OF_VENUE
    sent_from = other.db.execute("SELECT address FROM feedback_sent_from").fetchall()
    assert sent_from == [(VENUE_UNDER_ONES_KEY,)]
    # Device tokens go through the same keyed hash.
    assert kept[1] == sessions.keyed_hash(bytes(32), "phone-1")
    joined = other.db.execute("SELECT device FROM session_participant").fetchall()
    assert joined == [(sessions.keyed_hash(b"\x01" * 32, "phone-1"),)]
    assert kept[1] != joined[0][0]
    other.close()


def test_a_workspace_makes_its_secret_once_and_keeps_it(ws, setup, tmp_path):
    assert stored.hash_key(ws.db) is None  # made on first use
    wrong_code(ws, "phone-1", VENUE)
    key = stored.hash_key(ws.db)
    assert len(key) == 32
    wrong_code(ws, "phone-2", VENUE)
    # The same address gives the same hash, so the limit per network counts
    # both devices; reopened, the workspace keeps its secret.
    first, second = attempts(ws)
    assert first[2] == second[2] == sessions.keyed_hash(key, VENUE)
    assert first[2] != PLAIN_SHA256_OF_VENUE
    assert first[1] != second[1]
    assert len(stored.failed_joins_since(ws.db, "", address=first[2])) == 2
    again = Workspace.open(tmp_path / "workspace.db")
    assert sessions.device_hash(again, VENUE) == first[2]
    again.close()
    # Another workspace makes a different secret: a different hash.
    other = Workspace.open(tmp_path / "other.db")
    other_hash = sessions.device_hash(other, VENUE)
    assert stored.hash_key(other.db) != key
    assert other_hash not in (first[2], PLAIN_SHA256_OF_VENUE)
    other.close()


def test_the_secret_never_leaves_in_a_workspace_export(ws, setup, tmp_path):
    joined_device(ws, setup)  # joining makes the secret
    review.set_evidence_max_age_days(ws, DEMO_ADMIN, 365)
    key = stored.hash_key(ws.db)
    exported = workspace_file.export_workspace(ws)
    text = exported.decode()
    assert key.hex() not in text
    assert stored.HASH_KEY_SETTING not in text
    assert "evidence_max_age_days" in text  # other settings do leave
    # Rebuilt from the export, the workspace makes a secret of its own: the
    # device that joined types the code again.
    rebuilt = Workspace.open(tmp_path / "rebuilt.db")
    workspace_file.import_workspace(rebuilt, DEMO_ADMIN, exported, "ws.json")
    assert stored.hash_key(rebuilt.db) is None
    assert not sessions.has_joined(rebuilt, setup.session_id, "phone-1")
    assert stored.hash_key(rebuilt.db) not in (None, key)
    sessions.join_session(rebuilt, setup.code, "phone-1", now=NOW)
    assert sessions.has_joined(rebuilt, setup.session_id, "phone-1")
    rebuilt.close()
    # A file made by hand with a secret in it: the secret is not loaded.
    document = json.loads(exported)
    document["tables"]["workspace_setting"].append(
        {
            "key": stored.HASH_KEY_SETTING,
            "value": "00" * 32,
            "updated_at": "2025-03-04T18:00:00+00:00",
            "updated_by": "someone",
        }
    )
    by_hand = Workspace.open(tmp_path / "by-hand.db")
    workspace_file.import_workspace(
        by_hand, DEMO_ADMIN, json.dumps(document).encode(), "ws.json"
    )
    assert stored.hash_key(by_hand.db) is None
    assert review.evidence_max_age_days(by_hand) == 365
    by_hand.close()


def test_wrong_codes_are_kept_only_while_a_limit_counts_them(ws, setup):
    # Three wrong codes at 18:30, two at 18:35: five in the 10-minute window.
    for _ in range(3):
        wrong_code(ws, "phone-1", VENUE)
    for _ in range(2):
        wrong_code(ws, "phone-1", VENUE, now=NOW + 5 * MINUTE)
    assert len(attempts(ws)) == 5
    # At 18:40 the window starts at 18:30, which it includes: all five count,
    # the first leaves it in 0 seconds, so "wait 1 minute". Nothing is older.
    with pytest.raises(TooManyAttempts, match="wait 1 minute,"):
        sessions.join_session(ws, setup.code, "phone-1", now=NOW + 10 * MINUTE)
    assert len(attempts(ws)) == 5
    # At 18:40:01 the three from 18:30 are deleted; two count, so this wrong
    # code is the third and leaves two tries.
    later = NOW + 10 * MINUTE + SECOND
    with pytest.raises(NotFound, match="2 more tries"):
        sessions.join_session(ws, "ZZZ999", "phone-1", VENUE, now=later)
    place = sessions.device_hash(ws, VENUE)
    assert [(at, address) for at, _, address in attempts(ws)] == [
        ("2025-03-04T18:35:00+00:00", place),
        ("2025-03-04T18:35:00+00:00", place),
        ("2025-03-04T18:40:01+00:00", place),
    ]
    # At 18:45:01 a right code lets the device in; the two from 18:35 go, and
    # a right code is not kept as an attempt.
    joined_at = NOW + 15 * MINUTE + SECOND
    sessions.join_session(ws, setup.code, "phone-1", VENUE, now=joined_at)
    assert sessions.has_joined(ws, setup.session_id, "phone-1")
    assert [at for at, _, _ in attempts(ws)] == ["2025-03-04T18:40:01+00:00"]
    # Ending the session at 18:50:02 forgets the last; who joined stays.
    row = sessions.get_session(ws, setup.session_id)
    ended = NOW + 20 * MINUTE + 2 * SECOND
    sessions.end_session(ws, DEMO_EDITOR, setup.session_id, row["version"], now=ended)
    assert attempts(ws) == []
    assert sessions.has_joined(ws, setup.session_id, "phone-1")


def test_an_attempt_refused_for_the_limit_still_forgets_old_ones(ws, setup):
    # phone-2 is wrong at 18:30; phone-1 five times at 18:35.
    wrong_code(ws, "phone-2", VENUE)
    for _ in range(5):
        wrong_code(ws, "phone-1", VENUE, now=NOW + 5 * MINUTE)
    # At 18:40:01 phone-1 still has five in the window: its first leaves at
    # 18:45, 4:59 away, so "wait 5 minutes". phone-2's is gone all the same.
    with pytest.raises(TooManyAttempts, match="wait 5 minutes") as caught:
        sessions.join_session(
            ws, setup.code, "phone-1", VENUE, now=NOW + 10 * MINUTE + SECOND
        )
    assert caught.value.wait_minutes == 5
    phone_1 = sessions.device_hash(ws, "phone-1")
    assert [device for _, device, _ in attempts(ws)] == [phone_1] * 5
    assert not sessions.has_joined(ws, setup.session_id, "phone-1")


def test_too_long_empty_or_misplaced_feedback_is_refused(ws, setup):
    token = joined_device(ws, setup)
    with pytest.raises(ValidationError, match="2,001 characters long"):
        give(ws, setup, "x" * 2_001, token)
    with pytest.raises(ValidationError, match="please write what happened"):
        give(ws, setup, "  \n ", token)
    with pytest.raises(ValidationError, match="not a step of the chosen stage"):
        give(ws, setup, "Wrong place", token, step_id=setup.step_ids[0])
    with pytest.raises(ValidationError, match="needs the proposed change"):
        give(ws, setup, "Stance alone", token, stance="against")
    assert ws.db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


def test_held_feedback_reaches_the_screen_only_when_revealed(ws, setup):
    token = joined_device(ws, setup)
    first = give(ws, setup, "Held until revealed", token)
    shown = sessions.projection(ws, DEMO_EDITOR, setup.session_id)
    assert (shown["participants"], shown["received"], shown["held"]) == (1, 1, 1)
    assert shown["wall"] == []
    assert sessions.reveal_held(ws, DEMO_EDITOR, setup.session_id) == 1
    row = sessions.get_session(ws, setup.session_id)
    sessions.set_hold_new(ws, DEMO_EDITOR, setup.session_id, row["version"], False)
    second = give(ws, setup, "Shown at once", token)
    hidden = give(ws, setup, "Off topic", token)
    row = feedback_row(ws, hidden)
    feedback.moderate(ws, DEMO_EDITOR, hidden, row["version"], "hidden")
    wall = sessions.projection(ws, DEMO_EDITOR, setup.session_id)["wall"]
    assert [w["id"] for w in wall] == [first, second]
    assert wall[0]["where"] == "Tell us about your money"


def test_a_reveal_shows_and_counts_only_what_the_screen_can_show(ws, setup):
    # Seven pieces held (the session holds new feedback from opening): #3 is
    # hidden and #5 merged into #1, so a reveal shows 5 and says 5.
    said = [give(ws, setup, f"Piece {n}", joined_device(ws, setup)) for n in (1, 2)]
    phone_2 = joined_device(ws, setup, "phone-2")
    said += [give(ws, setup, f"Piece {n}", phone_2) for n in (3, 4, 5)]
    phone_3 = joined_device(ws, setup, "phone-3")
    said += [give(ws, setup, f"Piece {n}", phone_3) for n in (6, 7)]
    first, _, third, _, fifth, _, _ = said
    feedback.moderate(
        ws, DEMO_EDITOR, third, feedback_row(ws, third)["version"], "hidden"
    )
    feedback.merge(ws, DEMO_EDITOR, fifth, feedback_row(ws, fifth)["version"], first)
    shown = sessions.projection(ws, DEMO_EDITOR, setup.session_id)
    assert (shown["received"], shown["held"], shown["wall"]) == (7, 5, [])

    assert sessions.reveal_held(ws, DEMO_EDITOR, setup.session_id) == 5
    shown = sessions.projection(ws, DEMO_EDITOR, setup.session_id)
    on_screen = [said[i] for i in (0, 1, 3, 5, 6)]
    assert ([w["id"] for w in shown["wall"]], shown["held"]) == (on_screen, 0)
    assert [feedback_row(ws, f)["revealed"] for f in (third, fifth)] == [0, 0]
    # Nothing more to reveal.
    assert sessions.reveal_held(ws, DEMO_EDITOR, setup.session_id) == 0


def test_hidden_feedback_back_to_new_is_held_again(ws, setup):
    token = joined_device(ws, setup)
    first = give(ws, setup, "Shown, then hidden", token)
    assert sessions.reveal_held(ws, DEMO_EDITOR, setup.session_id) == 1
    feedback.moderate(
        ws, DEMO_EDITOR, first, feedback_row(ws, first)["version"], "hidden"
    )
    # As a reveal before this fix left it: hidden, yet marked revealed.
    ws.db.execute("UPDATE feedback SET revealed = 1 WHERE id = ?", [first])
    ws.db.conn.commit()

    back = feedback.moderate(
        ws, DEMO_EDITOR, first, feedback_row(ws, first)["version"], "new"
    )
    assert (back["status"], back["revealed"]) == ("new", 0)
    shown = sessions.projection(ws, DEMO_EDITOR, setup.session_id)
    assert (shown["wall"], shown["held"]) == ([], 1)
    assert sessions.reveal_held(ws, DEMO_EDITOR, setup.session_id) == 1
    wall = sessions.projection(ws, DEMO_EDITOR, setup.session_id)["wall"]
    assert [w["id"] for w in wall] == [first]


def test_back_to_new_while_new_shows_at_once_shows_at_once(ws, setup):
    # Like feedback just sent: the facilitator chose to show new at once.
    token = joined_device(ws, setup)
    kept = give(ws, setup, "Asked twice", token)
    twice = give(ws, setup, "Asked twice!", token)
    feedback.merge(ws, DEMO_EDITOR, twice, feedback_row(ws, twice)["version"], kept)
    row = sessions.get_session(ws, setup.session_id)
    sessions.set_hold_new(ws, DEMO_EDITOR, setup.session_id, row["version"], False)
    back = feedback.moderate(
        ws, DEMO_EDITOR, twice, feedback_row(ws, twice)["version"], "new"
    )
    assert (back["status"], back["merged_into_id"], back["revealed"]) == (
        "new",
        None,
        1,
    )


# --- moderation and personal data -------------------------------------------------


def test_who_sees_new_feedback_and_contact_details(ws, setup):
    token = joined_device(ws, setup)
    waiting = give(ws, setup, "New one", token, contact="07700 900123")
    approved = give(ws, setup, "Approved one", token, contact="jo@example.org")
    row = feedback_row(ws, approved)
    feedback.moderate(ws, DEMO_EDITOR, approved, row["version"], "approved")

    host_staff = Actor("hana", Role.FACILITATOR, agency_id=setup.host_id)
    other_editor = Actor("omar", Role.EDITOR, agency_id=setup.owner_id)
    for actor, ids, contacts in (
        (DEMO_EDITOR, [waiting, approved], ["07700 900123", "jo@example.org"]),
        (host_staff, [waiting, approved], ["07700 900123", "jo@example.org"]),
        (other_editor, [approved], [None]),
        (VIEWER, [approved], [None]),
    ):
        seen = feedback.list_feedback(ws, actor, setup.session_id)
        assert [f["id"] for f in seen] == ids, actor.name
        assert [f["contact"] for f in seen] == contacts, actor.name
    with pytest.raises(PermissionDenied, match="only the session's facilitator"):
        row = feedback_row(ws, waiting)
        feedback.moderate(ws, other_editor, waiting, row["version"], "approved")
    with pytest.raises(PermissionDenied, match="viv is a viewer"):
        feedback.moderate(ws, VIEWER, waiting, row["version"], "approved")


def test_the_agency_owning_a_change_does_not_see_the_contact(ws, setup):
    # It used to: but anyone who edits items can make one their agency owns
    # and link any approved feedback to it. The owning agency asks the host.
    from journeys import improvements

    token = joined_device(ws, setup)
    said = give(ws, setup, "Earnings asked twice", token, contact="jo@example.org")
    row = feedback_row(ws, said)
    feedback.moderate(ws, DEMO_EDITOR, said, row["version"], "approved")
    improvements.create_item(
        ws,
        DEMO_EDITOR,
        improvements.ImprovementItem("Ask once", owning_agency_id=setup.owner_id),
        [said],
    )
    owner_staff = Actor("omar", Role.EDITOR, agency_id=setup.owner_id)
    seen = feedback.list_feedback(ws, owner_staff, setup.session_id)
    assert [(f["id"], f["contact"]) for f in seen] == [(said, None)]
    seen = feedback.list_feedback(ws, host_facilitator(setup), setup.session_id)
    assert [(f["id"], f["contact"]) for f in seen] == [(said, "jo@example.org")]


def test_redaction_leaves_no_copy_but_an_audit_record(ws, setup):
    token = joined_device(ws, setup)
    said = give(
        ws,
        setup,
        "I'm Jo Bloggs and Jo Bloggs was asked twice",
        token,
        contact="jo@example.org",
    )
    row = feedback_row(ws, said)
    # A facilitator at the host agency: they may moderate the session.
    fran = Actor("fran", Role.FACILITATOR, agency_id=setup.host_id)
    saved = feedback.redact_text(ws, fran, said, row["version"], "Jo Bloggs", "name")
    assert saved["what_happened"] == (
        "I'm [personal details removed] and [personal details removed] was asked twice"
    )
    assert feedback.remove_contact(ws, fran, said, "contact left by mistake") == 14
    assert "Jo Bloggs" not in whole_change_log(ws)
    assert "jo@example.org" not in whole_change_log(ws)
    assert ws.db.execute("SELECT count(*) FROM feedback_contact").fetchone()[0] == 0
    assert ws.db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    audit = [
        (r["field"], r["actor"], r["reason"], r["characters_removed"])
        for r in feedback.redactions(ws, said)
    ]
    assert audit == [
        ("what_happened", "fran", "name", 18),
        ("contact", "fran", "contact left by mistake", 14),
    ]


def test_redaction_needs_the_exact_words_and_a_reason(ws, setup):
    token = joined_device(ws, setup)
    said = give(ws, setup, "I'm Jo Bloggs", token)
    row = feedback_row(ws, said)
    with pytest.raises(JourneyError, match="not in this feedback"):
        feedback.redact_text(ws, DEMO_EDITOR, said, row["version"], "jo bloggs", "x")
    with pytest.raises(ValidationError, match="reason: is required"):
        feedback.redact_text(ws, DEMO_EDITOR, said, row["version"], "Jo Bloggs", "")
    assert feedback_row(ws, said)["what_happened"] == "I'm Jo Bloggs"


def test_merging_duplicates(ws, setup):
    token = joined_device(ws, setup)
    kept = give(ws, setup, "Asked for payslips twice", token)
    duplicate = give(ws, setup, "Payslips, twice!", token)
    row = feedback_row(ws, duplicate)
    with pytest.raises(JourneyError, match="into itself"):
        feedback.merge(ws, DEMO_EDITOR, duplicate, row["version"], duplicate)
    merged = feedback.merge(ws, DEMO_EDITOR, duplicate, row["version"], kept)
    assert (merged["status"], merged["merged_into_id"]) == ("merged", kept)
    row = feedback_row(ws, kept)
    with pytest.raises(JourneyError, match="merge into feedback that is shown"):
        feedback.merge(ws, DEMO_EDITOR, kept, row["version"], duplicate)


# --- paper and assisted input --------------------------------------------------------


def test_paper_template_has_the_form_columns(ws, setup):
    table = read_table(feedback.paper_template(ws, setup.session_id), "t.csv")
    assert table.headers == feedback.PAPER_HEADERS
    assert table.rows == []


def test_paper_forms_are_added_all_together_and_marked(ws, setup):
    csv = (
        b"form_number,journey,stage,step,what_happened,how_it_felt,"
        b"proposed_change,stance,contact\r\n"
        b"P-1,,2,Give your earnings,Could not find the payslip box,bad,,,\r\n"
        b'P-2,,Check you can apply,,"Clear, thank you",Very good,,,07700 900456\r\n'
    )
    added = feedback.import_paper_forms(
        ws, host_facilitator(setup), setup.session_id, csv, "forms.csv"
    )
    assert added == 2
    seen = feedback.list_feedback(ws, DEMO_EDITOR, setup.session_id)
    assert [
        (f["paper_ref"], f["source"], f["stage_id"], f["step_id"], f["feeling"])
        for f in seen
    ] == [
        ("P-1", "paper", setup.stage_ids[1], setup.step_ids[1], -1),
        ("P-2", "paper", setup.stage_ids[0], None, 2),
    ]
    assert seen[1]["contact"] == "07700 900456"
    assert all(f["created_by"] == "fran" for f in seen)


def test_a_bad_paper_row_adds_nothing_and_names_the_row(ws, setup):
    csv = (
        b"form_number,stage,what_happened,how_it_felt\r\n"
        b"P-1,1,Fine,good\r\n"
        b"P-2,9,Lost,bad\r\n"
        b"P-3,1,,meh\r\n"
    )
    fran = host_facilitator(setup)
    with pytest.raises(ImportFailed) as caught:
        feedback.import_paper_forms(ws, fran, setup.session_id, csv, "f.csv")
    message = str(caught.value)
    assert "row 3: there is no stage 9" in message
    assert "row 4: how_it_felt must be one of" in message
    assert ws.db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0
    with pytest.raises(PermissionDenied):
        feedback.import_paper_forms(ws, VIEWER, setup.session_id, csv, "f.csv")
    # A facilitator, but not one who runs this session.
    with pytest.raises(PermissionDenied, match="fran cannot enter paper feedback"):
        feedback.import_paper_forms(ws, FACILITATOR, setup.session_id, csv, "f.csv")


def test_assisted_feedback_is_marked_and_needs_one_who_runs_it(ws, setup):
    entry = sessions.FeedbackEntry("Said at the table", feeling=0)
    fran = host_facilitator(setup)
    added = feedback.add_on_behalf(ws, fran, setup.session_id, entry, "assisted")
    assert feedback_row(ws, added)["source"] == "assisted"
    with pytest.raises(PermissionDenied):
        feedback.add_on_behalf(ws, VIEWER, setup.session_id, entry)
    elsewhere = Actor("bea", Role.FACILITATOR, agency_id=setup.owner_id)
    for actor in (elsewhere, FACILITATOR):
        with pytest.raises(PermissionDenied, match="cannot enter feedback on some"):
            feedback.add_on_behalf(ws, actor, setup.session_id, entry)
    assert ws.db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1


def test_saying_why_not_needs_one_who_runs_the_session(ws, setup):
    token = joined_device(ws, setup)
    said = give(ws, setup, "Make it paper only", token)
    row = feedback_row(ws, said)
    elsewhere = Actor("bea", Role.FACILITATOR, agency_id=setup.owner_id)
    with pytest.raises(PermissionDenied, match="bea cannot say why feedback"):
        feedback.set_why_not(ws, elsewhere, said, row["version"], "Not ours")
    assert feedback_row(ws, said) == row
    saved = feedback.set_why_not(
        ws, host_facilitator(setup), said, row["version"], "Most apply online"
    )
    assert saved["why_not"] == "Most apply online"


def test_printable_form_escapes_what_it_shows(ws, setup):
    row = sessions.get_session(ws, setup.session_id)
    plan = sessions.session_from_row(row)
    plan.title = "<b>Carers</b> & friends"
    sessions.update_session(ws, DEMO_EDITOR, setup.session_id, row["version"], plan)
    page = feedback.printable_form(sessions.participant_view(ws, setup.session_id))
    assert "&lt;b&gt;Carers&lt;/b&gt; &amp; friends" in page
    assert "<b>Carers" not in page
    assert "Tell us about your money" in page
    assert "Very bad" in page and "Very good" in page
