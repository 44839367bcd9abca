"""Consultations: plan sessions, run them, moderate what people said, and
enter paper forms.

A session is planned here (when, where, who hosts it, the journeys and
personas it is about, the access arrangements offered), opened to get a join
code, and run from the facilitator screen. Feedback arrives on the Feedback
tab, where the facilitator approves, hides or merges it and removes personal
data. Only approved feedback goes further: to improvement items and to the
"you said, we did" report.
"""

import datetime

import pandas as pd
import streamlit as st

from app_pages import consult_ui, shared
from journeys import agencies, feedback, improvements, maps, personas, sessions
from journeys.sessions import FEELINGS, STANCES, ConsultationSession, FeedbackEntry

STATUS_WORDS = {
    "new": "New: not yet moderated",
    "approved": "Approved",
    "hidden": "Hidden",
    "merged": "Merged into another",
}
SOURCE_WORDS = {"online": "online", "paper": "paper form", "assisted": "assisted"}
FIELD_WORDS = {"what_happened": "the text", "contact": "the contact details"}
UPLOAD_ROUND = "paper_upload_round"  # a fresh uploader after each import


def main() -> None:
    shared.start_page("Consultations")
    st.write(
        "Run consultation sessions with the people a journey is about: they "
        "join on their own phones with a short code, or fill in a paper form. "
        "What they say is moderated here, then turned into improvements."
    )
    actor = shared.acting_user()
    with shared.open_workspace() as ws:
        choices = _choices(ws)
        _render_plan(ws, actor, choices)
        found = sessions.list_sessions(ws)
        if not found:
            st.info(
                "No consultation session yet. Plan one above: it gets a join code "
                "when you open it."
            )
            return
        _render_list(found)
        labels = {s["id"]: _session_label(s) for s in found}
        session_id = shared.remembered_choice(
            "Session",
            list(labels),
            store_key=consult_ui.SESSION_KEY,
            widget_key="session-choice",
            format_func=labels.get,
        )
        session = sessions.session_as_seen_by(ws, actor, session_id)
        run, said, details, paper = st.tabs(
            ["Run", "Feedback", "Details and minutes", "Paper forms"]
        )
        with run:
            _render_run(ws, actor, session)
        with said:
            _render_feedback(ws, actor, session)
        with details:
            _render_details(ws, actor, session, choices)
        with paper:
            _render_paper(ws, actor, session)


# --- planning -----------------------------------------------------------------


def _choices(ws) -> dict[str, dict[int, str]]:
    return {
        "agencies": {a["id"]: a["name"] for a in agencies.list_agencies(ws)},
        "journeys": {j["id"]: j["title"] for j in maps.list_journeys(ws)},
        "personas": {p["id"]: p["name"] for p in personas.list_personas(ws)},
        "items": {i["id"]: i["title"] for i in improvements.list_items(ws)},
    }


def _render_plan(ws, actor, choices: dict) -> None:
    with st.expander("Plan a new session"):
        planned = _session_form("session-new", None, choices, "Plan session")
        if planned is None:
            return
        new_id = shared.attempt(sessions.create_session, ws, actor, planned)
        if new_id is not shared.FAILED:
            st.session_state[consult_ui.SESSION_KEY] = new_id
            shared.forget("session-choice")  # show the new session
            shared.flash(f"Planned the session {shared.md(planned.title)}.")
            st.rerun()


def _session_form(
    prefix: str,
    row: dict | None,
    choices: dict,
    submit_label: str,
    with_minutes: bool = True,
    disabled: bool = False,
) -> ConsultationSession | None:
    """The session form, filled from ``row`` when editing; the entered
    session when submitted, else None. Without ``with_minutes`` the form has
    no minutes field and the session entered keeps the stored minutes.
    ``disabled`` shows the details without letting them be changed."""
    row = row or {}
    starts = row.get("starts_at") or _next_hour()
    start_day, start_time = starts.split("T")
    with st.form(prefix):
        title = st.text_input(
            "Title", row.get("title", ""), disabled=disabled, key=f"{prefix}-title"
        )
        when = st.columns(2)
        day = when[0].date_input(
            "Date",
            datetime.date.fromisoformat(start_day),
            disabled=disabled,
            key=f"{prefix}-day",
        )
        at = when[1].time_input(
            "Start time",
            datetime.time.fromisoformat(start_time),
            disabled=disabled,
            key=f"{prefix}-time",
        )
        mode = st.radio(
            "Held",
            sessions.MODES,
            index=sessions.MODES.index(row.get("mode", "in person")),
            horizontal=True,
            disabled=disabled,
            key=f"{prefix}-mode",
        )
        place = st.text_input(
            "Place (for in person and hybrid)",
            row.get("place") or "",
            disabled=disabled,
            key=f"{prefix}-place",
        )
        link = st.text_input(
            "Meeting link (for online and hybrid)",
            row.get("link") or "",
            disabled=disabled,
            key=f"{prefix}-link",
        )
        agencies_by_id = choices["agencies"]
        host = st.selectbox(
            "Hosting organisation",
            [None, *agencies_by_id],
            index=_index([None, *agencies_by_id], row.get("host_agency_id")),
            format_func=lambda i: "None chosen" if i is None else agencies_by_id[i],
            disabled=disabled,
            key=f"{prefix}-host",
        )
        taking_part = _multi(
            "Participating organisations",
            agencies_by_id,
            row,
            "agency_ids",
            prefix,
            disabled,
        )
        journeys = _multi(
            "Journeys it is about",
            choices["journeys"],
            row,
            "journey_ids",
            prefix,
            disabled,
        )
        about = _multi(
            "Personas it is about",
            choices["personas"],
            row,
            "persona_ids",
            prefix,
            disabled,
        )
        proposals = _multi(
            "Proposed changes to ask about (improvement items)",
            choices["items"],
            row,
            "proposal_item_ids",
            prefix,
            disabled,
        )
        agenda = st.text_area(
            "Agenda", row.get("agenda", ""), disabled=disabled, key=f"{prefix}-agenda"
        )
        offered = row.get("access_offered", [])
        listed = [a for a in offered if a in sessions.ACCESS_OPTIONS]
        access = st.multiselect(
            "Access arrangements offered",
            sessions.ACCESS_OPTIONS,
            default=listed,
            disabled=disabled,
            key=f"{prefix}-access",
        )
        other_access = st.text_area(
            "Other access arrangements (one per line)",
            shared.lines([a for a in offered if a not in sessions.ACCESS_OPTIONS]),
            disabled=disabled,
            key=f"{prefix}-access-other",
        )
        counts = st.columns(2)
        in_person = counts[0].number_input(
            "Attended in person",
            min_value=0,
            value=row.get("attended_in_person"),
            step=1,
            disabled=disabled,
            key=f"{prefix}-in-person",
        )
        online = counts[1].number_input(
            "Attended online",
            min_value=0,
            value=row.get("attended_online"),
            step=1,
            disabled=disabled,
            key=f"{prefix}-online",
        )
        minutes = None  # keeps the stored minutes
        if with_minutes:
            minutes = st.text_area(
                "Minutes",
                row.get("minutes") or "",
                height=160,
                disabled=disabled,
                key=f"{prefix}-minutes",
            )
        if not st.form_submit_button(submit_label, type="primary", disabled=disabled):
            return None
    return ConsultationSession(
        title=title,
        starts_at=f"{day.isoformat()}T{at.strftime('%H:%M')}",
        mode=mode,
        place=place,
        link=link,
        host_agency_id=host,
        agency_ids=taking_part,
        journey_ids=journeys,
        persona_ids=about,
        proposal_item_ids=proposals,
        agenda=agenda,
        access_offered=[*access, *other_access.splitlines()],
        attended_in_person=in_person,
        attended_online=online,
        minutes=minutes,
    )


def _render_list(found: list[dict]) -> None:
    st.header("Sessions")
    st.dataframe(
        pd.DataFrame(
            {
                "Session": s["title"],
                "When": s["starts_at"].replace("T", " "),
                "Held": s["mode"],
                "Host": s["host_agency_name"] or "",
                "State": s["state"],
                "Feedback": s["feedback_count"],
            }
            for s in found
        ),
        hide_index=True,
    )


# --- running ------------------------------------------------------------------


def _render_run(ws, actor, session: dict) -> None:
    st.subheader(consult_ui.STATE_WORDS[session["state"]], anchor=False)
    if not session["may_run"]:
        # Not even the code: it lets anyone send feedback into the room.
        st.caption(
            f"This session is run by {sessions.RUNNERS}: only they see its "
            "join code and its controls."
        )
        return
    if session["join_code"] and session["state"] in ("open", "paused"):
        link = consult_ui.app_link("join", code=session["join_code"])
        st.markdown(
            f"Join code: **{sessions.spaced_code(session['join_code'])}**, "
            f"valid until {_utc(session['code_expires_at'])}."
        )
        st.code(link, language=None)
    consult_ui.render_run_controls(ws, actor, session, "run")
    st.page_link(
        "app_pages/facilitate.py",
        label="Open the facilitator screen to project",
        query_params={"session": session["id"]},
    )


# --- moderation ----------------------------------------------------------------


def _render_feedback(ws, actor, session: dict) -> None:
    found = shared.attempt(feedback.list_feedback, ws, actor, session["id"])
    if found is shared.FAILED:
        return
    if not feedback.may_see_personal_data(actor, session):
        st.caption(
            "You see approved feedback only: new feedback and contact details "
            f"are for {sessions.RUNNERS}."
        )
    if not found:
        st.info("No feedback yet.")
        return
    counts = pd.Series([f["status"] for f in found]).value_counts()
    st.caption(
        "; ".join(f"{STATUS_WORDS[s]}: {counts.get(s, 0)}" for s in STATUS_WORDS)
    )
    show = st.radio(
        "Show",
        ["all", *STATUS_WORDS],
        format_func=lambda s: "All" if s == "all" else STATUS_WORDS[s],
        horizontal=True,
        key=f"feedback-{session['id']}-filter",
    )
    shown = [f for f in found if show == "all" or f["status"] == show]
    for row in shown:
        _render_one_feedback(ws, actor, session, row, found)


def _render_one_feedback(ws, actor, session, row: dict, found: list[dict]) -> None:
    fid = row["id"]
    with st.container(border=True, key=f"feedback-card-{fid}"):
        meta = [
            f"#{fid}",
            sessions.where(row),
            SOURCE_WORDS.get(row["source"], row["source"]),
            STATUS_WORDS[row["status"]],
        ]
        if row["feeling"] is not None:
            meta.append(f"felt: {FEELINGS[row['feeling']].lower()}")
        if row["persona_name"]:
            meta.append(f"like {row['persona_name']}")
        if row["stance"] and row["item_title"]:
            meta.append(f"{row['stance']} of {row['item_title']}")
        if row["merged_into_id"]:
            meta.append(f"duplicate of #{row['merged_into_id']}")
        consult_ui.plain_html(" · ".join(meta), "small")
        consult_ui.said(row["what_happened"], held=not row["revealed"])
        if row.get("contact"):
            consult_ui.plain_html(f"Contact (personal data): {row['contact']}", "p")
        for removed in feedback.redactions(ws, fid):
            st.caption(
                f"Personal data removed from {FIELD_WORDS[removed['field']]} by "
                f"{removed['actor']} at {_utc(removed['at'])} "
                f"({removed['characters_removed']} characters)."
            )
        if row["why_not"]:
            consult_ui.plain_html(f"Why not acted on: {row['why_not']}", "p")
        if row["may_moderate"]:
            _render_moderation(ws, actor, row, found)


def _render_moderation(ws, actor, row: dict, found: list[dict]) -> None:
    fid, version = row["id"], row["version"]
    done = None
    buttons = st.columns(3)
    if row["status"] != "approved" and buttons[0].button(
        "Approve", key=f"feedback-{fid}-approve", type="primary"
    ):
        done = shared.attempt(feedback.moderate, ws, actor, fid, version, "approved")
    if row["status"] != "hidden" and buttons[1].button(
        "Hide", key=f"feedback-{fid}-hide"
    ):
        done = shared.attempt(feedback.moderate, ws, actor, fid, version, "hidden")
    if row["status"] in ("hidden", "merged") and buttons[2].button(
        "Back to new", key=f"feedback-{fid}-restore"
    ):
        done = shared.attempt(feedback.moderate, ws, actor, fid, version, "new")
    with st.expander("Merge, remove personal data, or say why not"):
        done = _render_merge(ws, actor, row, found) or done
        done = _render_redact(ws, actor, row) or done
        done = _render_why_not(ws, actor, row) or done
    if done is not None and done is not shared.FAILED:
        # The words removed are personal data: do not keep them in the box.
        shared.forget(f"feedback-{fid}-redact-words")
        shared.flash(f"Saved feedback #{fid}.")
        st.rerun()


def _render_merge(ws, actor, row: dict, found: list[dict]):
    fid = row["id"]
    others = [
        f["id"] for f in found if f["id"] != fid and f["status"] in ("new", "approved")
    ]
    if not others or row["status"] == "merged":
        return None
    into = st.selectbox(
        "Duplicate of",
        others,
        format_func=lambda i: f"#{i}",
        key=f"feedback-{fid}-merge-into",
    )
    if st.button("Merge into it", key=f"feedback-{fid}-merge"):
        return shared.attempt(feedback.merge, ws, actor, fid, row["version"], into)
    return None


def _render_redact(ws, actor, row: dict):
    fid = row["id"]
    remove = st.text_input(
        "Words to remove (personal data), copied exactly",
        key=f"feedback-{fid}-redact-words",
    )
    reason = st.text_input(
        "Why they are removed",
        value="Personal data",
        key=f"feedback-{fid}-redact-reason",
    )
    result = None
    if st.button("Remove these words", key=f"feedback-{fid}-redact"):
        result = shared.attempt(
            feedback.redact_text, ws, actor, fid, row["version"], remove, reason
        )
    if row.get("contact") and st.button(
        "Remove the contact details", key=f"feedback-{fid}-remove-contact"
    ):
        result = shared.attempt(feedback.remove_contact, ws, actor, fid, reason)
    return result


def _render_why_not(ws, actor, row: dict):
    fid = row["id"]
    why_not = st.text_input(
        "Why nothing will be done about it (shown in the report)",
        value=row["why_not"] or "",
        key=f"feedback-{fid}-why-not-v{row['version']}",
    )
    if st.button("Save the reason", key=f"feedback-{fid}-why-not-save"):
        return shared.attempt(
            feedback.set_why_not, ws, actor, fid, row["version"], why_not
        )
    return None


# --- details and minutes ------------------------------------------------------


def _render_details(ws, actor, session: dict, choices: dict) -> None:
    access = session["access_offered"]
    offered = ", ".join(shared.md(a) for a in access) if access else "None"
    st.markdown(f"**Access arrangements offered:** {offered}")
    runs = session["may_run"]
    if not runs:
        # A caption, not an alert: it would be announced again on every rerun.
        st.caption(
            f"Only {sessions.RUNNERS} can change these details and read the minutes."
        )
    prefix = f"session-{session['id']}-v{session['version']}"
    edited = _session_form(
        prefix,
        session,
        choices,
        "Save details",
        with_minutes=session["may_read_minutes"],
        disabled=not runs,
    )
    if edited is None:
        return
    saved = shared.attempt(
        sessions.update_session, ws, actor, session["id"], session["version"], edited
    )
    if saved is not shared.FAILED:
        shared.flash(f"Saved the session {shared.md(saved['title'])}.")
        st.rerun()


# --- paper forms --------------------------------------------------------------


def _render_paper(ws, actor, session: dict) -> None:
    sid = session["id"]
    view = sessions.participant_view(ws, sid)
    st.write(
        "Print the form for people who prefer paper. Afterwards, type the forms "
        "into the CSV template and upload it, or enter them one by one below. "
        "They are marked as paper forms."
    )
    downloads = st.columns(2)
    downloads[0].download_button(
        "Printable feedback form (HTML)",
        feedback.printable_form(view),
        file_name=f"feedback-form-session-{sid}.html",
        mime="text/html",
        key=f"paper-{sid}-form",
    )
    downloads[1].download_button(
        "CSV template for typed-up forms",
        feedback.paper_template(ws, sid),
        file_name=f"feedback-forms-session-{sid}.csv",
        mime="text/csv",
        key=f"paper-{sid}-template",
    )
    st.caption(
        "Template columns: form_number, journey (may be blank when the session "
        "is about one), stage (its name or number), step (its name or number), "
        "what_happened (required), how_it_felt ("
        + ", ".join(FEELINGS.values())
        + "), proposed_change (its title), stance ("
        + ", ".join(STANCES)
        + "), contact."
    )
    if not session["may_run"]:
        st.caption(f"Forms are entered by {sessions.RUNNERS}.")
        return
    _render_upload(ws, actor, sid)
    _render_one_form(ws, actor, view)


def _render_upload(ws, actor, sid: int) -> None:
    round_ = st.session_state.get(UPLOAD_ROUND, 0)
    upload = st.file_uploader(
        "Typed-up paper forms (CSV or XLSX)",
        type=["csv", "xlsx"],
        key=f"paper-{sid}-upload-{round_}",
    )
    if upload is None or not st.button("Add these forms", key=f"paper-{sid}-import"):
        return
    added = shared.attempt(
        feedback.import_paper_forms, ws, actor, sid, upload.getvalue(), upload.name
    )
    if added is not shared.FAILED:
        st.session_state[UPLOAD_ROUND] = round_ + 1
        shared.flash(f"Added {added} paper form{'' if added == 1 else 's'}.")
        st.rerun()


def _render_one_form(ws, actor, view: sessions.ParticipantView) -> None:
    sid = view.session["id"]
    places = _stage_choices(view)
    with st.form(f"paper-{sid}-one", clear_on_submit=False):
        st.markdown("**Enter one form**")
        source = st.radio(
            "How it was given",
            ["paper", "assisted"],
            format_func={
                "paper": "Paper form",
                "assisted": "Said to a facilitator, who typed it",
            }.get,
            horizontal=True,
            key=f"paper-{sid}-source",
        )
        ref = st.text_input("Form number", key=f"paper-{sid}-ref")
        place = st.selectbox(
            "Stage",
            list(places),
            format_func=places.get,
            key=f"paper-{sid}-stage",
        )
        what = st.text_area(
            "What happened",
            max_chars=sessions.WHAT_HAPPENED_MAX,
            key=f"paper-{sid}-what",
        )
        felt = st.radio(
            "How it felt",
            list(FEELINGS),
            index=None,
            format_func=FEELINGS.get,
            horizontal=True,
            key=f"paper-{sid}-felt",
        )
        contact = st.text_input(
            "Contact, if they left one (personal data)", key=f"paper-{sid}-contact"
        )
        if not st.form_submit_button("Add this form"):
            return
    journey_id, stage_id = place
    entry = FeedbackEntry(
        what_happened=what,
        journey_id=journey_id,
        stage_id=stage_id,
        feeling=felt,
        contact=contact or None,
        paper_ref=ref or None,
    )
    added = shared.attempt(feedback.add_on_behalf, ws, actor, sid, entry, source)
    if added is not shared.FAILED:
        shared.forget(f"paper-{sid}-what", f"paper-{sid}-ref", f"paper-{sid}-contact")
        shared.flash(f"Added feedback #{added}.")
        st.rerun()


# --- helpers ------------------------------------------------------------------


def _stage_choices(view: sessions.ParticipantView) -> dict:
    """(journey id, stage id) -> words, with "not about one stage" first."""
    choices = {(None, None): "Not about one stage"}
    many = len(view.journeys) > 1
    for journey in view.journeys:
        for number, stage in enumerate(journey["stages"], start=1):
            words = f"{number}. {stage['name']}"
            choices[(journey["id"], stage["id"])] = (
                f"{journey['title']}: {words}" if many else words
            )
    return choices


def _multi(
    label: str,
    options: dict,
    row: dict,
    field: str,
    prefix: str,
    disabled: bool = False,
) -> list:
    chosen = [i for i in row.get(field, []) if i in options]
    return st.multiselect(
        label,
        list(options),
        default=chosen,
        format_func=options.get,
        key=f"{prefix}-{field}",
        disabled=disabled,
    )


def _index(options: list, value) -> int:
    return options.index(value) if value in options else 0


def _next_hour() -> str:
    now = datetime.datetime.now().replace(minute=0, second=0, microsecond=0)
    return (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def _utc(stamp: str) -> str:
    return stamp.replace("T", " ").replace("+00:00", " UTC")


def _session_label(session: dict) -> str:
    return f"{session['title']} ({session['starts_at'].replace('T', ' ')})"


main()
