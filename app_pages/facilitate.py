"""The facilitator screen: large type to project, and the session's controls.

Opened as ``/facilitate?session=ID`` from Consultations. It shows where to
join and the code in large letters, how many people joined and how much
feedback came in, and the feedback revealed so far, refreshed every few
seconds. Feedback held until revealed, hidden or merged never shows here;
contact details never do. Revealed feedback may not be moderated yet, so the
screen is only for the session's facilitator and the host agency
(`sessions.projection` checks).
"""

import html

import streamlit as st

from app_pages import consult_ui, shared
from journeys import sessions
from journeys.access import Role

REFRESH_SECONDS = 5
WALL_SIZE = 12  # the latest revealed pieces shown

_SCREEN_CSS = """
<style>
.projected { font-family: Arial, sans-serif; color: #0b0c0c; }
.projected .where { font-size: 1.8rem; }
.projected .code { font-size: 6rem; font-weight: 700; letter-spacing: .6rem;
  line-height: 1.2; margin: .5rem 0 1rem; }
.projected .state { font-size: 2rem; font-weight: 700; margin-bottom: .5rem; }
.projected .counts { font-size: 1.6rem; }
.projected .wall div { font-size: 1.5rem; border-left: 8px solid #1d70b8;
  padding: .5rem 1rem; margin: .75rem 0; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.projected .wall small { display: block; font-size: 1.1rem; color: #484949; }
</style>
"""


def main() -> None:
    consult_ui.large_type()
    actor = shared.acting_user()
    with shared.open_workspace() as ws:
        session_id = _chosen_session(ws)
        if session_id is None:
            return
        if not actor.can(Role.FACILITATOR):
            st.error(
                f"{actor.name} is a {actor.role.value}: the facilitator screen is "
                "for facilitators, as it shows feedback before moderation."
            )
            return
        shown = shared.attempt(sessions.projection, ws, actor, session_id)
        if shown is shared.FAILED:
            return
        session = shown["session"]
        st.title(shared.md(session["title"]), anchor=False)
        with st.expander("Facilitator controls", expanded=True):
            consult_ui.render_run_controls(ws, actor, session, "screen")
    _render_screen(session_id)


def _chosen_session(ws) -> int | None:
    session_id = consult_ui.query_id("session")
    if session_id is not None:
        st.session_state[consult_ui.SESSION_KEY] = session_id
        return session_id
    found = sessions.list_sessions(ws)
    if not found:
        st.title("Facilitator screen")
        st.info("There is no session yet: plan one on the Consultations page.")
        return None
    labels = {s["id"]: s["title"] for s in found}
    return shared.remembered_choice(
        "Session",
        list(labels),
        store_key=consult_ui.SESSION_KEY,
        widget_key="screen-session-choice",
        format_func=labels.get,
    )


@st.fragment(run_every=REFRESH_SECONDS)
def _render_screen(session_id: int) -> None:
    with shared.open_workspace() as ws:
        shown = shared.attempt(
            sessions.projection, ws, shared.acting_user(), session_id
        )
    if shown is shared.FAILED:
        return
    st.html(_SCREEN_CSS)
    st.html(screen_html(shown, consult_ui.app_link("join")))


def screen_html(shown: dict, join_link: str) -> str:
    """The projected part of the screen; all stored text escaped."""
    e = html.escape
    session = shown["session"]
    parts = ['<div class="projected">']
    parts.append(
        f'<div class="state">{e(consult_ui.STATE_WORDS[session["state"]])}</div>'
    )
    if session["state"] in ("open", "paused") and session["join_code"]:
        code = sessions.spaced_code(session["join_code"])
        spelled = " ".join(session["join_code"])
        parts.append(
            f'<div class="where">On your phone, go to <strong>{e(join_link)}</strong> '
            "and type the code:</div>"
            f'<div class="code" aria-label="Join code {e(spelled)}">{e(code)}</div>'
        )
    parts.append(
        f'<div class="counts">{shown["participants"]} joined · '
        f"{shown['received']} pieces of feedback received · "
        f"{shown['held']} held until revealed</div>"
    )
    wall = shown["wall"][-WALL_SIZE:]
    if wall:
        parts.append('<div class="wall">')
        parts += [
            f"<div>{e(item['what_happened'])}<small>{e(item['where'])}</small></div>"
            for item in reversed(wall)
        ]
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


main()
