"""Join: the page participants open on their own phones, without an account.

Reached as ``/join`` or ``/join?code=ABC234``. It shows no workspace
navigation, uses large type and plain words, and every question is a labelled
form control, so it works with a screen reader, by keyboard, at 200% zoom
and on a small screen (tests/test_browser_access.py). Choices are radio
buttons, not drop-down lists; hints are text on the page, not tooltips.
Whatever was typed stays in the boxes when a send is refused; the boxes
empty only after a send succeeds.
"""

from collections.abc import Callable

import streamlit as st

from app_pages import consult_ui, shared
from journeys import sessions
from journeys.errors import ValidationError
from journeys.sessions import FEELINGS, FeedbackEntry

DEVICE_KEY = "participant_device_token"  # this browser session's random token
JOINED_KEY = "participant_session_id"
URL_CODE_TRIED_KEY = "participant_url_code_tried"
SENT_KEY = "participant_sent"  # feedback sent so far; part of the widget keys
THANKS_KEY = "participant_thanks"

# How a refused answer is named to a participant: the question, never a field.
ANSWER_WORDS = {
    "code": "The code box",
    "what_happened": "The box “What happened?”",
    "contact": "The box “How can we contact you?”",
    "feeling": "The answer to “How did it feel?”",
    "stance": "The answer to “What do you think of this change?”",
}

STANCE_WORDS = {
    "in favour": "I am in favour",
    "neutral": "I am not sure, or neutral",
    "against": "I am against it",
}


def main() -> None:
    consult_ui.public_page()
    consult_ui.large_type()
    consult_ui.participant_styles()
    if DEVICE_KEY not in st.session_state:
        st.session_state[DEVICE_KEY] = sessions.new_device_token()
    device = st.session_state[DEVICE_KEY]
    with shared.open_workspace() as ws:
        session_id = st.session_state.get(JOINED_KEY)
        if session_id is None or not sessions.has_joined(ws, session_id, device):
            _render_join(ws, device)
        else:
            _render_feedback_form(ws, session_id, device)


# --- joining ------------------------------------------------------------------


def _render_join(ws, device: str) -> None:
    st.title("Join a consultation", anchor=False)
    # The hint is text on the page, not a tooltip: everyone sees or hears it.
    st.write(
        "Type the code on the screen, or the one the facilitator gave you: "
        "six letters and numbers, for example ABC 234. Spaces do not matter. "
        "You do not need an account, and you do not have to give your name."
    )
    url_code = consult_ui.query_value("code")
    if url_code and not st.session_state.get(URL_CODE_TRIED_KEY):
        st.session_state[URL_CODE_TRIED_KEY] = True
        _try_code(ws, url_code, device)
    with st.form("join-form", border=False):
        code = st.text_input(
            "Code",
            max_chars=12,
            key="join-code",
            autocomplete="off",
        )
        if st.form_submit_button("Join", type="primary"):
            _try_code(ws, code, device)


def _address() -> str | None:
    """The network address this request came from; None when unknown (from
    the same machine, or under AppTest). The domain stores only its hash."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def _try_code(ws, code: str, device: str) -> None:
    joined = _attempt(sessions.join_session, ws, code, device, _address())
    if joined is not shared.FAILED:
        st.session_state[JOINED_KEY] = joined["id"]
        st.rerun()


# --- giving feedback ------------------------------------------------------------


def _render_feedback_form(ws, session_id: int, device: str) -> None:
    view = shared.attempt(sessions.participant_view, ws, session_id)
    if view is shared.FAILED:
        st.session_state.pop(JOINED_KEY, None)
        return
    session = view.session
    st.title(shared.md(session["title"]), anchor=False)
    if session["state"] == "ended":
        st.info("This session has ended. Thank you for taking part.")
        return
    if session["state"] == "paused":
        st.warning(
            "The facilitator has paused feedback for a moment. You can keep "
            "writing; send it when they say so."
        )
    if st.session_state.pop(THANKS_KEY, False):
        st.success("Thank you: your feedback was sent. You can tell us more below.")
    st.write(
        "Tell us about one moment at a time: what happened and how it felt. "
        "You can send more than one: if many arrive at once, you may be asked "
        "to wait a minute, and what you typed is kept."
    )
    round_ = st.session_state.get(SENT_KEY, 0)
    notes = {}  # a place right under each box, for a problem with its answer
    entry = _ask(view, f"give-{round_}", notes)
    if st.button("Send", type="primary", key=f"give-{round_}-send"):
        sent = _attempt(
            sessions.submit_feedback,
            ws,
            sessions.PARTICIPANT,
            session_id,
            entry,
            device,
            _address(),
            notes=notes,
        )
        if sent is not shared.FAILED:
            st.session_state[SENT_KEY] = round_ + 1
            st.session_state[THANKS_KEY] = True
            st.rerun()


def _attempt(call: Callable, *args, notes: dict | None = None):
    """`shared.attempt`, with a refused answer named by its question.

    The whole message goes where the participant is (an alert, read out by
    screen readers); each problem is also written right under its box.
    """

    def named() -> object:
        try:
            return call(*args)
        except ValidationError as exc:
            _show_problems(exc.problems, notes or {})
            return shared.FAILED

    return shared.attempt(named)


def _show_problems(problems: dict[str, str], notes: dict) -> None:
    sentences = []
    for field, problem in problems.items():
        answer = ANSWER_WORDS.get(field, "One of your answers")
        words = f"{answer} {problem.rstrip('.')}."
        sentences.append(words)
        if field in notes:
            notes[field].html(consult_ui.field_problem(words))
    sent = "" if "code" in problems else "Your feedback was not sent yet. "
    st.error(shared.md(sent + " ".join(sentences)))


def _ask(view: sessions.ParticipantView, key: str, notes: dict) -> FeedbackEntry:
    journey_id, stage_id, stage = _ask_where(view, key)
    step_id = _ask_step(stage, key)
    persona_id = _ask_persona(view, key)
    # No max_chars: Streamlit would refuse a longer paste whole and leave the
    # box empty without a word. The domain refuses it with a message instead,
    # and the text stays in the box to be shortened.
    what = st.text_area(
        "What happened? Use your own words.",
        height=180,
        key=f"{key}-what",
    )
    notes["what_happened"] = st.empty()
    st.caption(f"Up to {sessions.WHAT_HAPPENED_MAX:,} characters.")
    feeling = st.radio(
        "How did it feel?",
        list(FEELINGS),
        index=None,
        format_func=FEELINGS.get,
        key=f"{key}-feeling",
    )
    item_id, stance = _ask_stance(view, key)
    contact = st.text_input(
        "If you would like a reply, how can we contact you? (optional)",
        key=f"{key}-contact",
        autocomplete="off",
    )
    notes["contact"] = st.empty()
    st.caption(
        f"Up to {sessions.CONTACT_MAX:,} characters. Only the session's "
        "facilitator and the agency hosting it will see your contact details."
    )
    return FeedbackEntry(
        what_happened=what or "",
        journey_id=journey_id,
        stage_id=stage_id,
        step_id=step_id,
        persona_id=persona_id,
        feeling=feeling,
        item_id=item_id,
        stance=stance,
        contact=contact or None,
    )


def _ask_where(view: sessions.ParticipantView, key: str):
    stages = {}
    many = len(view.journeys) > 1
    for journey in view.journeys:
        for number, stage in enumerate(journey["stages"], start=1):
            # Radio options are Markdown: every stored name is escaped.
            words = f"{number}. {shared.md(stage['name'])}"
            stages[stage["id"]] = (
                journey,
                stage,
                f"{words} ({shared.md(journey['title'])})" if many else words,
            )
    if not stages:
        return None, None, None
    options = [*stages, None]
    chosen = st.radio(
        "Which part of the journey is this about?",
        options,
        index=None,
        format_func=lambda i: (
            "Something else, or not sure" if i is None else stages[i][2]
        ),
        key=f"{key}-stage",
    )
    if chosen is None:
        return None, None, None
    journey, stage, _ = stages[chosen]
    st.html(consult_ui.journey_picture(journey["stages"], chosen))
    return journey["id"], chosen, stage


def _ask_step(stage: dict | None, key: str) -> int | None:
    if not stage or not stage["steps"]:
        return None
    steps = {s["id"]: shared.md(s["action"]) for s in stage["steps"]}
    return st.radio(
        "Which step? (optional)",
        [None, *steps],
        format_func=lambda i: "Not sure, or the whole stage" if i is None else steps[i],
        key=f"{key}-step-{stage['id']}",
    )


def _ask_persona(view: sessions.ParticipantView, key: str) -> int | None:
    if not view.personas:
        return None
    people = {p["id"]: p for p in view.personas}
    return st.radio(
        "Whose experience is it closest to? (optional)",
        [None, *people],
        format_func=lambda i: (
            "My own, or none of these" if i is None else _persona_words(people[i])
        ),
        key=f"{key}-persona",
    )


def _ask_stance(view: sessions.ParticipantView, key: str):
    if not view.proposals:
        return None, None
    proposals = {p["id"]: p for p in view.proposals}
    item_id = st.radio(
        "Is it about one of the changes we propose? (optional)",
        [None, *proposals],
        format_func=lambda i: "No" if i is None else shared.md(proposals[i]["title"]),
        key=f"{key}-proposal",
    )
    if item_id is None:
        return None, None
    change = proposals[item_id]["proposed_change"]
    if change:
        consult_ui.plain_html(f"The proposal: {change}")
    stance = st.radio(
        "What do you think of this change?",
        list(STANCE_WORDS),
        index=None,
        format_func=STANCE_WORDS.get,
        key=f"{key}-stance-{item_id}",
    )
    return item_id, stance


def _persona_words(persona: dict) -> str:
    """A persona as a radio option: Markdown, so both texts are escaped."""
    name = shared.md(persona["name"])
    summary = (persona.get("summary") or "").strip()
    return f"{name}: {shared.md(summary)}" if summary else name


main()
