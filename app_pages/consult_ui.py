"""What the consultation pages share: escaped text, links, and page styles.

Not a navigation page. Anything a participant or a member of the public
typed is shown through `said` or `plain_html`, which escape it, never as
Markdown: Markdown would turn their text into links or images.
"""

import base64
import html
from urllib.parse import urlencode, urlsplit

import streamlit as st

from app_pages import shared
from journeys import sessions

# Pages anyone may open without an account hide the workspace's sidebar and
# toolbar: there is nothing there for them.
_PUBLIC_PAGE_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stSidebarNav"], [data-testid="stToolbar"],
[data-testid="stHeader"], [data-testid="stDecoration"] { display: none !important; }
.stMain .block-container { padding-top: 1.5rem; max-width: 44rem; }
</style>
"""

# Large, plain type for participants: labels and text at 1.25rem and more.
_LARGE_TYPE_CSS = """
<style>
.stMain p, .stMain li, .stMain label, .stMain label p,
.stMain input, .stMain textarea, .stMain button p { font-size: 1.25rem !important; }
.stMain h1 { font-size: 2.2rem !important; }
.stMain h2 { font-size: 1.7rem !important; }
.stMain button { min-height: 3rem; }
.stMain [role="radiogroup"] label { padding: .35rem 0; }
</style>
"""

# Participants' pages: a focus ring that is seen on every control (Streamlit's
# own is a faint background on a radio option, a border tint on a text box and
# nothing on the scrollable main area, which takes keyboard focus), and a
# problem with one answer shown in words right under its box.
_PARTICIPANT_CSS = """
<style>
.stMain :is(button, a):focus-visible,
.stMain label[data-testid="stRadioOption"]:has(input:focus-visible) {
  outline: 3px solid #0b0c0c !important; outline-offset: 2px;
  box-shadow: 0 0 0 6px #ffdd00 !important; }
/* Drawn inside the box: the block around a text box cuts off what is outside. */
.stMain [data-testid="stTextInputRootElement"]:focus-within,
.stMain [data-testid="stTextAreaRootElement"]:focus-within {
  outline: 4px solid #0b0c0c !important; outline-offset: -4px; }
.stMain:focus-visible { outline: 4px solid #0b0c0c; outline-offset: -4px; }
.stMain figcaption { font-size: 1.25rem; }
.stMain .field-problem { border-left: 5px solid #d4351c; padding: .25rem .75rem;
  margin: .25rem 0; font-weight: 700; color: #0b0c0c; }
</style>
"""

# What a printed page leaves out: the app's own controls.
_PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], .stButton, .stDownloadButton, .stTextInput,
  .stSelectbox, .stRadio, [data-testid="stExpander"], .no-print
    { display: none !important; }
  .stMain .block-container { max-width: none; padding: 0; }
}
</style>
"""

_SAID_CSS = """
<style>
.said { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 1.05rem;
  border-left: 4px solid #1d70b8; padding: .25rem .75rem; margin: .25rem 0; }
.said.held { border-left-color: #b1b4b6; }
</style>
"""


def public_page() -> None:
    """Hide the workspace's navigation and tools on a page for the public."""
    st.html(_PUBLIC_PAGE_CSS)


def large_type() -> None:
    st.html(_LARGE_TYPE_CSS)


def participant_styles() -> None:
    """A focus ring seen on every control, and room for a problem under a box."""
    st.html(_PARTICIPANT_CSS)


def field_problem(text: str) -> str:
    """A problem with one answer, as HTML to show right under its box."""
    return f'<p class="field-problem">{html.escape(text)}</p>'


def printable() -> None:
    st.html(_PRINT_CSS)


def said(text: str, *, held: bool = False) -> None:
    """Show someone's own words, escaped, line breaks kept."""
    st.html(_SAID_CSS)
    css = "said held" if held else "said"
    st.html(f'<div class="{css}">{html.escape(text or "")}</div>')


def plain_html(text: str, tag: str = "p") -> None:
    """Show one piece of stored text as plain text in an HTML element."""
    st.html(f"<{tag}>{html.escape(text or '')}</{tag}>")


def app_link(url_path: str, **params) -> str:
    """An absolute link to a page of this app, as the browser reaches it."""
    query = f"?{urlencode(params)}" if params else ""
    current = st.context.url
    if not current:
        return f"/{url_path}{query}"
    parts = urlsplit(current)
    return f"{parts.scheme}://{parts.netloc}/{url_path}{query}"


def query_value(name: str) -> str | None:
    """One query parameter of the page's URL, or None."""
    value = st.query_params.get(name)
    return value if value else None


def query_id(name: str) -> int | None:
    """A whole-number query parameter, or None when absent or not a number."""
    value = query_value(name)
    return int(value) if value and value.isdigit() and len(value) < 12 else None


# --- running a session: shared by Consultations and the facilitator screen ---

SESSION_KEY = "current_session_id"  # the session chosen, across page switches
STATE_WORDS = {
    "planned": "Planned: not taking feedback yet",
    "open": "Open: taking feedback",
    "paused": "Paused: input is stopped for now",
    "ended": "Ended: the code no longer works",
}


def render_run_controls(ws, actor, session: dict, where: str) -> None:
    """Buttons to open, pause, resume, hold or reveal, and end a session.

    ``where`` keeps the widget keys of the two pages apart.
    """
    state, version, sid = session["state"], session["version"], session["id"]
    key = f"{where}-{sid}"
    done = None
    columns = st.columns(4)
    if state == "planned" and columns[0].button(
        "Open for feedback", key=f"{key}-open", type="primary"
    ):
        done = shared.attempt(sessions.open_session, ws, actor, sid, version)
    if state == "open" and columns[0].button("Pause input", key=f"{key}-pause"):
        done = shared.attempt(sessions.pause_session, ws, actor, sid, version)
    if state == "paused" and columns[0].button(
        "Resume input", key=f"{key}-resume", type="primary"
    ):
        done = shared.attempt(sessions.resume_session, ws, actor, sid, version)
    if state in ("open", "paused"):
        hold_label = (
            "Show new at once" if session["hold_new"] else "Hold new until revealed"
        )
        if columns[1].button(hold_label, key=f"{key}-hold"):
            done = shared.attempt(
                sessions.set_hold_new, ws, actor, sid, version, not session["hold_new"]
            )
    if state != "planned" and columns[2].button(
        "Reveal held feedback", key=f"{key}-reveal"
    ):
        done = shared.attempt(sessions.reveal_held, ws, actor, sid)
    if state in ("open", "paused") and columns[2].button(
        "New join code", key=f"{key}-new-code"
    ):
        done = shared.attempt(sessions.new_code, ws, actor, sid, version)
    if state in ("open", "paused"):
        sure = columns[3].checkbox("Yes, end it now", key=f"{key}-end-sure")
        if columns[3].button("End session", key=f"{key}-end", disabled=not sure):
            done = shared.attempt(sessions.end_session, ws, actor, sid, version)
    if done is not None and done is not shared.FAILED:
        shared.flash(_done_words(done))
        st.rerun()


def _done_words(result) -> str:
    if isinstance(result, int):
        return f"Revealed {result} held piece{'' if result == 1 else 's'} of feedback."
    return STATE_WORDS[result["state"]] + "."


def journey_picture(stages: list[dict], chosen_id: int) -> str:
    """The journey drawn as numbered stops on a line, the chosen one marked.

    An ``<img>`` of an SVG drawing with a text alternative (how many stages,
    which one is marked); the caption names the stage. `st.html` strips
    inline ``<svg>``, so the drawing travels as a ``data:`` address.
    """
    count = len(stages)
    width = max(count * 60, 120)
    stops = []
    marked = 0
    for index, stage in enumerate(stages):
        x = 30 + index * 60
        mine = stage["id"] == chosen_id
        marked = index + 1 if mine else marked
        fill, ink = ("#1d70b8", "#ffffff") if mine else ("#ffffff", "#0b0c0c")
        stops.append(
            f'<circle cx="{x}" cy="30" r="{18 if mine else 14}" fill="{fill}" '
            f'stroke="#0b0c0c" stroke-width="2"/>'
            f'<text x="{x}" y="36" text-anchor="middle" font-size="16" '
            f'font-family="Arial" fill="{ink}">{index + 1}</text>'
        )
    drawing = (
        f'<svg viewBox="0 0 {width} 60" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="30" y1="30" x2="{30 + (count - 1) * 60}" y2="30" '
        f'stroke="#0b0c0c" stroke-width="3"/>{"".join(stops)}</svg>'
    )
    source = base64.b64encode(drawing.encode()).decode()
    chosen = next((s for s in stages if s["id"] == chosen_id), None)
    caption = html.escape(chosen["name"]) if chosen else ""
    alt = f"The journey as a line of {count} stages, with stage {marked} marked"
    return (
        f'<figure style="margin:.5rem 0">'
        f'<img src="data:image/svg+xml;base64,{source}" alt="{alt}" '
        f'style="width:100%;max-width:{width}px;height:auto">'
        f"<figcaption>You are here: {caption}</figcaption></figure>"
    )
