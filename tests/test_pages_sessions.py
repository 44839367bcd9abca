"""The consultation pages, run headlessly with AppTest on a copy of the demo
workspace: each page loads, and the key interactions save what they say."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages.shared import md
from journeys import agencies, feedback, improvements, maps, sessions, you_said
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.workspace import Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = (
    "app_pages/consultations.py",
    "app_pages/improvements.py",
    "app_pages/you_said_we_did.py",
    "app_pages/facilitate.py",
    "app_pages/join.py",
)
CARERS = "Apply for Carer's Allowance"
HOSTILE = "<script>alert(1)</script> ![x](http://203.0.113.9/x.png) asked twice"


def app_at(page: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(page)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def html_text(at: AppTest) -> str:
    return "\n".join(element.value for element in at.get("html"))


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown)]
    parts += [e.value for e in (*at.caption, *at.info, *at.error, *at.success)]
    parts += [e.value for e in (*at.warning, *at.code)]
    return "\n".join(str(p) for p in parts)


def open_session(path: Path) -> tuple[int, str]:
    """A session about the Carer's Allowance journey, opened; (id, code)."""
    with Workspace.open(path) as ws:
        journey = maps.find_journey(ws, CARERS)
        session_id = sessions.create_session(
            ws,
            DEMO_EDITOR,
            sessions.ConsultationSession(
                "Carers' evening",
                "2025-03-04 18:30",
                place="Central Library",
                journey_ids=[journey],
            ),
        )
        row = sessions.get_session(ws, session_id)
        code = sessions.open_session(ws, DEMO_EDITOR, session_id, row["version"])
    return session_id, code["join_code"]


def approved_feedback(path: Path, session_id: int, code: str, text: str) -> int:
    """Feedback given from a device and approved by the demo editor."""
    with Workspace.open(path) as ws:
        sessions.join_session(ws, code, "phone-1")
        entry = sessions.FeedbackEntry(text)
        said = sessions.submit_feedback(
            ws, sessions.PARTICIPANT, session_id, entry, "phone-1"
        )
        row = feedback._get(ws, said)
        feedback.moderate(ws, DEMO_EDITOR, said, row["version"], "approved")
    return said


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs_on_the_demo_workspace(demo_db, page):
    at = app_at(page)
    assert not at.error
    assert at.title
    if page.endswith("consultations.py"):
        assert "No consultation session yet" in texts(at)


def test_shared_report_page_without_a_valid_link_says_so(demo_db):
    at = app_at("app_pages/report.py", share="not-a-token")
    assert [e.value for e in at.error] == [
        md(
            "This link does not open a report: it may be mistyped or withdrawn. "
            "Ask whoever shared it for a new link."
        )
    ]


def test_planning_and_opening_a_session(demo_db):
    at = app_at("app_pages/consultations.py")
    with Workspace.open(demo_db) as ws:
        journey = maps.find_journey(ws, CARERS)
    at.text_input(key="session-new-title").set_value("Carers' evening")
    at.text_input(key="session-new-place").set_value("Central Library")
    at.multiselect(key="session-new-journey_ids").set_value([journey])
    at.multiselect(key="session-new-access").set_value(["Step-free access"])
    at.number_input(key="session-new-in-person").set_value(12)
    at.button(key="FormSubmitter:session-new-Plan session").click()
    run(at)
    assert "Planned the session Carers' evening." in texts(at)
    with Workspace.open(demo_db) as ws:
        [planned] = sessions.list_sessions(ws)
    assert (planned["state"], planned["journey_ids"]) == ("planned", [journey])
    assert planned["access_offered"] == ["Step-free access"]
    assert planned["attended_in_person"] == 12

    at.button(key=f"run-{planned['id']}-open").click()
    run(at)
    with Workspace.open(demo_db) as ws:
        code = sessions.get_session(ws, planned["id"])["join_code"]
    assert f"Join code: **{sessions.spaced_code(code)}**" in texts(at)
    assert f"/join?code={code}" in texts(at)


def test_a_viewer_sees_no_code_and_no_unmoderated_feedback(demo_db):
    session_id, code = open_session(demo_db)
    with Workspace.open(demo_db) as ws:
        sessions.join_session(ws, code, "phone-1")
        entry = sessions.FeedbackEntry("Jo Bloggs here, unmoderated")
        sessions.submit_feedback(ws, sessions.PARTICIPANT, session_id, entry, "phone-1")
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["acting_role"] = "viewer"
    at.run()
    at.switch_page("app_pages/consultations.py")
    run(at)
    shown = texts(at) + html_text(at)
    assert f"This session is run by {sessions.RUNNERS}" in shown
    assert code not in shown
    assert "Jo Bloggs" not in shown
    assert "No feedback yet." in shown


def test_titles_in_messages_show_as_typed(demo_db):
    title = "**Big** [news](http://203.0.113.9/x) :red[alarm] <b>x</b>"
    at = app_at("app_pages/consultations.py")
    at.text_input(key="session-new-title").set_value(title)
    at.text_input(key="session-new-place").set_value("Central Library")
    at.button(key="FormSubmitter:session-new-Plan session").click()
    run(at)
    escaped = md(title)
    assert [e.value for e in at.success] == [f"Planned the session {escaped}."]
    assert escaped.startswith("\\*\\*Big\\*\\* \\[news\\]")
    with Workspace.open(demo_db) as ws:
        [planned] = sessions.list_sessions(ws)
    prefix = f"session-{planned['id']}-v{planned['version']}"
    at.button(key=f"FormSubmitter:{prefix}-Save details").click()
    run(at)
    assert [e.value for e in at.success] == [f"Saved the session {escaped}."]


def test_a_participant_joins_by_link_and_sends_feedback(demo_db):
    session_id, code = open_session(demo_db)
    at = app_at("app_pages/join.py", code=code.lower())
    assert at.title[0].value == "Carers' evening"
    with Workspace.open(demo_db) as ws:
        view = sessions.participant_view(ws, session_id)
    stage = view.journeys[0]["stages"][2]
    at.radio(key="give-0-stage").set_value(stage["id"])
    run(at)
    assert "You are here: Other money" in html_text(at)
    at.text_area(key="give-0-what").set_value(HOSTILE)
    at.radio(key="give-0-feeling").set_value(-1)
    at.text_input(key="give-0-contact").set_value("jo@example.org")
    at.button(key="give-0-send").click()
    run(at)
    assert [s.value for s in at.success] == [
        "Thank you: your feedback was sent. You can tell us more below."
    ]
    assert at.text_area(key="give-1-what").value == ""  # a fresh, empty form
    with Workspace.open(demo_db) as ws:
        [given] = feedback.list_feedback(ws, DEMO_EDITOR, session_id)
    assert (given["what_happened"], given["stage_id"], given["feeling"]) == (
        HOSTILE,
        stage["id"],
        -1,
    )
    assert given["contact"] == "jo@example.org"


def test_refused_feedback_keeps_what_was_typed(demo_db):
    session_id, code = open_session(demo_db)
    at = app_at("app_pages/join.py", code=code)
    with Workspace.open(demo_db) as ws:
        row = sessions.get_session(ws, session_id)
        sessions.pause_session(ws, DEMO_EDITOR, session_id, row["version"])
    typed = "The payslip upload failed three times"
    at.text_area(key="give-0-what").set_value(typed)
    at.button(key="give-0-send").click()
    run(at)
    assert "paused feedback for a moment" in at.error[0].value
    assert at.text_area(key="give-0-what").value == typed
    with Workspace.open(demo_db) as ws:
        assert feedback.list_feedback(ws, DEMO_EDITOR, session_id) == []
        row = sessions.get_session(ws, session_id)
        sessions.resume_session(ws, DEMO_EDITOR, session_id, row["version"])
    at.button(key="give-0-send").click()
    run(at)
    assert not at.error
    with Workspace.open(demo_db) as ws:
        [given] = feedback.list_feedback(ws, DEMO_EDITOR, session_id)
    assert given["what_happened"] == typed


def send_from_page(at: AppTest, typed: str) -> AppTest:
    at.text_area(key="give-0-what").set_value(typed)
    at.button(key="give-0-send").click()
    return run(at)


def test_a_send_over_the_device_limit_keeps_what_was_typed(demo_db):
    session_id, code = open_session(demo_db)
    at = app_at("app_pages/join.py", code=code)
    token = at.session_state["participant_device_token"]
    with Workspace.open(demo_db) as ws:
        for number in range(sessions.SUBMISSIONS_PER_WINDOW):
            entry = sessions.FeedbackEntry(f"Comment {number}")
            sessions.submit_feedback(ws, sessions.PARTICIPANT, session_id, entry, token)
    typed = "The payslip upload failed three times"
    send_from_page(at, typed)
    [refused] = at.error
    assert refused.value.startswith(
        md("You have sent 5 comments in the last 2 minutes.")
    )
    assert refused.value.endswith(md("then press Send again: your text is still here."))
    assert at.text_area(key="give-0-what").value == typed
    with Workspace.open(demo_db) as ws:
        assert len(feedback.list_feedback(ws, DEMO_EDITOR, session_id)) == 5


def test_the_page_passes_the_network_address_and_keeps_the_text(demo_db, monkeypatch):
    # The page reads the address from st.context, which AppTest leaves None.
    venue = "203.0.113.5"
    monkeypatch.setattr(
        type(st.context), "ip_address", property(lambda _context: venue)
    )
    session_id, code = open_session(demo_db)
    with Workspace.open(demo_db) as ws:
        # 12 earlier devices on the same Wi-Fi, 5 comments each: 60.
        for device in range(12):
            token = f"reloaded-{device}"
            sessions.join_session(ws, code, token, venue)
            for number in range(5):
                entry = sessions.FeedbackEntry(f"Comment {number}")
                sessions.submit_feedback(
                    ws, sessions.PARTICIPANT, session_id, entry, token, venue
                )
    at = app_at("app_pages/join.py", code=code)
    assert at.title[0].value == "Carers' evening"  # joined: a right code
    typed = "Nobody told me what counts as other money"
    send_from_page(at, typed)
    [refused] = at.error
    assert md("sent from this Wi-Fi or network") in refused.value
    assert refused.value.endswith(md("then press Send again: your text is still here."))
    assert at.text_area(key="give-0-what").value == typed
    with Workspace.open(demo_db) as ws:
        assert len(feedback.list_feedback(ws, DEMO_EDITOR, session_id)) == 60


def test_a_wrong_code_gets_a_clear_message(demo_db):
    open_session(demo_db)
    at = app_at("app_pages/join.py")
    at.text_input(key="join-code").set_value("ZZZ 999")
    at.button(key="FormSubmitter:join-form-Join").click()
    run(at)
    assert at.error[0].value.startswith(md("That code does not match any session."))
    assert "4 more tries before a short wait" in at.error[0].value
    assert at.title[0].value == "Join a consultation"


def test_facilitator_screen_shows_the_code_and_escaped_revealed_feedback(demo_db):
    session_id, code = open_session(demo_db)
    approved_feedback(demo_db, session_id, code, HOSTILE)
    with Workspace.open(demo_db) as ws:
        sessions.reveal_held(ws, DEMO_EDITOR, session_id)
    at = app_at("app_pages/facilitate.py", session=str(session_id))
    screen = html_text(at)
    assert sessions.spaced_code(code) in screen
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in screen
    assert "<script>" not in screen

    viewer = AppTest.from_file(APP, default_timeout=30)
    viewer.session_state["acting_role"] = "viewer"
    viewer.run()
    viewer.switch_page("app_pages/facilitate.py")
    viewer.query_params["session"] = str(session_id)
    run(viewer)
    assert "the facilitator screen is for facilitators" in viewer.error[0].value
    assert sessions.spaced_code(code) not in html_text(viewer)


def test_moderating_on_the_feedback_tab(demo_db):
    session_id, code = open_session(demo_db)
    with Workspace.open(demo_db) as ws:
        sessions.join_session(ws, code, "phone-1")
        entry = sessions.FeedbackEntry("I'm Jo Bloggs and it timed out")
        said = sessions.submit_feedback(
            ws, sessions.PARTICIPANT, session_id, entry, "phone-1"
        )
    at = app_at("app_pages/consultations.py")
    at.text_input(key=f"feedback-{said}-redact-words").set_value("Jo Bloggs")
    at.button(key=f"feedback-{said}-redact").click()
    run(at)
    assert f"Saved feedback #{said}." in texts(at)
    at.button(key=f"feedback-{said}-approve").click()
    run(at)
    with Workspace.open(demo_db) as ws:
        row = feedback._get(ws, said)
    assert row["what_happened"] == "I'm [personal details removed] and it timed out"
    assert row["status"] == "approved"
    assert at.text_input(key=f"feedback-{said}-redact-words").value == ""


def test_adding_an_item_from_feedback_and_moving_it_on(demo_db):
    session_id, code = open_session(demo_db)
    said = approved_feedback(demo_db, session_id, code, "Asked for payslips twice")
    at = app_at("app_pages/improvements.py")
    assert "No improvement item yet" in texts(at)
    at.text_input(key="item-new-0-title").set_value("Ask for payslips once")
    at.selectbox(key="item-new-0-value").set_value(4)
    at.selectbox(key="item-new-0-effort").set_value(2)
    at.multiselect(key="item-new-0-feedback").set_value([said])
    at.button(key="FormSubmitter:item-new-0-Add").click()
    run(at)
    assert "Added the improvement item Ask for payslips once." in texts(at)
    assert "Ask for payslips once (value 4, effort 2, idea)" in html_text(at)
    with Workspace.open(demo_db) as ws:
        [item] = improvements.list_items(ws)
    assert item["feedback_ids"] == [said]
    key = f"item-{item['id']}-v{item['version']}"
    at.selectbox(key=f"{key}-status-to").set_value("prioritised")
    at.text_input(key=f"{key}-status-on").set_value("2024-01-10")
    at.button(key=f"FormSubmitter:{key}-status-Change status").click()
    run(at)
    assert "Ask for payslips once is now prioritised." in texts(at)
    with Workspace.open(demo_db) as ws:
        item = improvements.get_item(ws, item["id"])
    assert (item["status"], item["prioritised_on"]) == ("prioritised", "2024-01-10")


def test_you_said_we_did_page_and_its_shared_link(demo_db):
    session_id, code = open_session(demo_db)
    approved_feedback(demo_db, session_id, code, HOSTILE)
    at = app_at("app_pages/you_said_we_did.py")
    at.selectbox(key="report-kind").set_value("session")
    run(at)
    report = html_text(at)
    assert "You said, we did: Carers&#x27; evening" in report
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; ![x](http://203.0.113.9/x.png)" in report
    )
    assert "Nothing decided yet" in report
    at.button(key=f"share-session-{session_id}-create").click()
    run(at)
    with Workspace.open(demo_db) as ws:
        [share] = you_said.shares(ws, "session", session_id)
    assert any(f"/report?share={share['token']}" in c.value for c in at.code)

    public = app_at("app_pages/report.py", share=share["token"])
    assert not public.error
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text(public)


def test_recording_attendance_and_minutes(demo_db):
    session_id, _ = open_session(demo_db)
    at = app_at("app_pages/consultations.py")
    with Workspace.open(demo_db) as ws:
        version = sessions.get_session(ws, session_id)["version"]
    prefix = f"session-{session_id}-v{version}"
    at.number_input(key=f"{prefix}-in-person").set_value(14)
    at.number_input(key=f"{prefix}-online").set_value(3)
    at.text_area(key=f"{prefix}-minutes").set_value("Agreed to test a shorter form")
    at.button(key=f"FormSubmitter:{prefix}-Save details").click()
    run(at)
    assert "Saved the session Carers' evening." in texts(at)
    with Workspace.open(demo_db) as ws:
        saved = sessions.get_session(ws, session_id)
    assert (saved["attended_in_person"], saved["attended_online"]) == (14, 3)
    assert saved["minutes"] == "Agreed to test a shorter form"
    assert saved["state"] == "open"  # editing details does not change the run


def test_entering_paper_forms(demo_db):
    session_id, _ = open_session(demo_db)
    at = app_at("app_pages/consultations.py")
    forms = (
        "form_number,stage,what_happened,how_it_felt\r\n"
        "P-1,3,Did not know what counts as other money,bad\r\n"
        'P-2,About you,=HYPERLINK("x") was easy,good\r\n'
    ).encode("utf-8-sig")
    at.file_uploader(key=f"paper-{session_id}-upload-0").upload(
        "forms.csv", forms, "text/csv"
    )
    run(at)
    at.button(key=f"paper-{session_id}-import").click()
    run(at)
    assert "Added 2 paper forms." in texts(at)
    at.text_area(key=f"paper-{session_id}-what").set_value("Said at the table")
    at.radio(key=f"paper-{session_id}-source").set_value("assisted")
    at.button(key=f"FormSubmitter:paper-{session_id}-one-Add this form").click()
    run(at)
    with Workspace.open(demo_db) as ws:
        given = feedback.list_feedback(ws, DEMO_EDITOR, session_id)
    assert [(f["paper_ref"], f["source"], f["what_happened"]) for f in given] == [
        ("P-1", "paper", "Did not know what counts as other money"),
        ("P-2", "paper", '=HYPERLINK("x") was easy'),
        (None, "assisted", "Said at the table"),
    ]
    assert [f["stage_name"] for f in given[:2]] == ["Other money", "About you"]


# --- issue 6: personal data only for the facilitator and owning agencies --------

MINUTES = "Jo Bloggs spoke about caring for her mother"
CONTACT = "jo@example.org"


def facilitated_session(path: Path) -> tuple[int, dict[str, int]]:
    """A session planned by the demo facilitator (no agency), hosted by the
    first agency, with minutes and approved feedback that left a contact.
    Returns its id and {"host": id, "other": id} of two demo agencies."""
    planner = Actor("demo facilitator", Role.FACILITATOR)  # as the sidebar's
    with Workspace.open(path) as ws:
        host, other = (a["id"] for a in agencies.list_agencies(ws)[:2])
        session_id = sessions.create_session(
            ws,
            planner,
            sessions.ConsultationSession(
                "Carers' evening",
                "2025-03-04 18:30",
                place="Central Library",
                host_agency_id=host,
                journey_ids=[maps.find_journey(ws, CARERS)],
                minutes=MINUTES,
            ),
        )
        row = sessions.get_session(ws, session_id)
        code = sessions.open_session(ws, planner, session_id, row["version"])
        sessions.join_session(ws, code["join_code"], "phone-1")
        entry = sessions.FeedbackEntry("Asked for payslips twice", contact=CONTACT)
        said = sessions.submit_feedback(
            ws, sessions.PARTICIPANT, session_id, entry, "phone-1"
        )
        row = feedback._get(ws, said)
        feedback.moderate(ws, planner, said, row["version"], "approved")
    return session_id, {"host": host, "other": other}


def everything_shown(at: AppTest) -> str:
    """Every text on the page, the values of its text boxes included."""
    boxes = [e.value or "" for e in (*at.text_area, *at.text_input)]
    return "\n".join([texts(at), html_text(at), *boxes])


def page_links(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.get("page_link")]


def consultations_as_facilitator() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["acting_role"] = "facilitator"
    at.run()
    at.switch_page("app_pages/consultations.py")
    return run(at)


def test_6_regression_the_planning_facilitator_sees_contact_and_minutes(demo_db):
    facilitated_session(demo_db)
    at = consultations_as_facilitator()
    shown = everything_shown(at)
    assert "Asked for payslips twice" in shown
    assert f"Contact (personal data): {CONTACT}" in shown
    assert MINUTES in [e.value for e in at.text_area]
    assert NOT_RUNNER_DETAILS not in shown


NOT_RUNNER_DETAILS = (
    f"Only {sessions.RUNNERS} can change these details and read the minutes."
)


def test_6_regression_a_facilitator_of_another_agency_sees_neither(demo_db):
    _, agency = facilitated_session(demo_db)
    at = consultations_as_facilitator()
    at.sidebar.selectbox(key="acting_agency_choice").set_value(agency["other"])
    run(at)
    shown = everything_shown(at)
    assert "Asked for payslips twice" in shown  # approved: shown to anyone
    assert CONTACT not in shown
    assert "Jo Bloggs" not in shown
    # Said once, where it belongs, and not as an alert that every rerun
    # (say, a refusal on another tab) would announce again.
    assert NOT_RUNNER_DETAILS in [e.value for e in at.caption]
    assert all("minutes" not in e.value for e in at.info)
    assert page_links(at) == []

    # The same demo role working for the host agency sees them again.
    at.sidebar.selectbox(key="acting_agency_choice").set_value(agency["host"])
    run(at)
    shown = everything_shown(at)
    assert f"Contact (personal data): {CONTACT}" in shown
    assert MINUTES in [e.value for e in at.text_area]
    assert page_links(at) == ["Open the facilitator screen to project"]


def run_tab_controls(at: AppTest, session_id: int) -> list[str]:
    return [
        b.key for b in at.button if b.key and b.key.startswith(f"run-{session_id}-")
    ]


def test_a_facilitator_working_for_another_agency_sees_no_join_code(demo_db):
    session_id, agency = facilitated_session(demo_db)
    with Workspace.open(demo_db) as ws:
        row = sessions.get_session(ws, session_id)
    at = consultations_as_facilitator()
    at.sidebar.selectbox(key="acting_agency_choice").set_value(agency["other"])
    run(at)
    shown = everything_shown(at)
    assert row["join_code"] not in shown
    assert sessions.spaced_code(row["join_code"]) not in shown
    assert "/join?code=" not in shown
    assert run_tab_controls(at, session_id) == []
    assert (
        f"This session is run by {sessions.RUNNERS}: only they see its join code "
        "and its controls." in [e.value for e in at.caption]
    )
    # The details show, but cannot be changed; paper forms are not entered.
    prefix = f"session-{session_id}-v{row['version']}"
    assert at.text_input(key=f"{prefix}-title").disabled
    assert at.selectbox(key=f"{prefix}-host").disabled
    assert at.button(key=f"FormSubmitter:{prefix}-Save details").disabled
    assert not [b for b in at.button if b.key == f"paper-{session_id}-import"]
    assert not [t for t in at.text_area if t.key == f"paper-{session_id}-what"]
    assert not at.error

    # At the host agency: the code and the controls are back.
    at.sidebar.selectbox(key="acting_agency_choice").set_value(agency["host"])
    run(at)
    assert f"Join code: **{sessions.spaced_code(row['join_code'])}**" in texts(at)
    assert f"run-{session_id}-pause" in run_tab_controls(at, session_id)
    assert not at.text_input(key=f"{prefix}-title").disabled


def test_an_admin_with_no_agency_sees_no_join_code(demo_db):
    session_id, _ = facilitated_session(demo_db)
    with Workspace.open(demo_db) as ws:
        code = sessions.get_session(ws, session_id)["join_code"]
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["acting_role"] = "admin"
    at.run()
    at.switch_page("app_pages/consultations.py")
    run(at)
    assert code not in everything_shown(at)
    assert run_tab_controls(at, session_id) == []


def test_6_regression_an_admin_who_did_not_plan_it_sees_neither(demo_db):
    facilitated_session(demo_db)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["acting_role"] = "admin"
    at.run()
    at.switch_page("app_pages/consultations.py")
    shown = everything_shown(run(at))
    assert "Asked for payslips twice" in shown
    assert CONTACT not in shown and "Jo Bloggs" not in shown


def test_6_regression_the_facilitator_screen_refuses_another_agency(demo_db):
    session_id, agency = facilitated_session(demo_db)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["acting_role"] = "facilitator"
    at.session_state["acting_agency_id"] = agency["other"]
    at.run()
    at.switch_page("app_pages/facilitate.py")
    at.query_params["session"] = str(session_id)
    run(at)
    assert "open the facilitator screen" in at.error[0].value
    assert "Asked for payslips twice" not in html_text(at)
