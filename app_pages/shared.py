"""What every page shares: the workspace, the acting user, messages and choices.

Not a navigation page: `app.py` lists the pages, and they import this module.
"""

import contextlib
import dataclasses
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import streamlit as st

from journeys import agencies, kpis
from journeys.access import DEMO_ADMIN, DEMO_EDITOR, Actor, Role
from journeys.errors import JourneyError
from journeys.tabular import write_csv, write_xlsx
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

# Demo roles, until sign-in exists: the checks below the UI are already real.
DEMO_ACTORS = {
    "viewer": Actor("demo viewer", Role.VIEWER),
    "facilitator": Actor("demo facilitator", Role.FACILITATOR),
    "editor": DEMO_EDITOR,
    "admin": DEMO_ADMIN,
}
ROLE_LABELS = {
    "viewer": "Viewer (read only)",
    "facilitator": "Facilitator (runs consultations)",
    "editor": "Editor",
    "admin": "Admin",
}

# Session keys that are not widget keys, so they survive page switches
# (PITFALLS 3): widgets are re-seeded from them on every page.
ROLE_KEY = "acting_role"
AGENCY_KEY = "acting_agency_id"  # None: works for no agency
_AGENCY_NAME_KEY = "acting_agency_name"
JOURNEY_KEY = "current_journey_id"
_FLASH_KEY = "flash_message"

FAILED = object()  # what `attempt` returns when the call raised a JourneyError


@contextlib.contextmanager
def open_workspace() -> Iterator[Workspace]:
    """The workspace for this script run, closed when the run ends.

    Opened per run and never cached: a cached connection would be shared
    between sessions and threads (PITFALLS 4).
    """
    ws = Workspace.open()
    try:
        yield ws
    finally:
        ws.close()


def acting_user() -> Actor:
    """The person this browser session acts as (the demo editor by default),
    working for the agency chosen under "Works for (demo)", if any."""
    actor = DEMO_ACTORS[st.session_state.get(ROLE_KEY, "editor")]
    agency_id = st.session_state.get(AGENCY_KEY)
    if agency_id is None:
        return actor
    # A demo user at an agency is another person than the one with none: a
    # session's facilitator is recognised by name, so the name says where
    # they work ("demo facilitator at Carers Together").
    agency_name = st.session_state.get(_AGENCY_NAME_KEY) or f"agency {agency_id}"
    return dataclasses.replace(
        actor, name=f"{actor.name} at {agency_name}", agency_id=agency_id
    )


def start_page(title: str) -> None:
    """What every page does first: its title, then any message kept for it."""
    st.title(title)
    show_flash()


def render_actor_picker() -> None:
    """The sidebar choice of demo role and agency, so role checks and who
    sees personal data can be seen at work."""
    with open_workspace() as ws:
        agency_names = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    with st.sidebar:
        remembered_choice(
            "Act as (demo)",
            list(DEMO_ACTORS),
            store_key=ROLE_KEY,
            widget_key="acting_role_choice",
            format_func=ROLE_LABELS.get,
            default="editor",
        )
        st.caption(
            "Every save checks the role of the person acting: a viewer only "
            "reads; a facilitator runs consultation sessions; an editor edits "
            "and imports personas, journeys, goals and measurements; an admin "
            "also rebuilds whole workspaces. Choose Viewer to see a save refused."
        )
        agency_id = remembered_choice(
            "Works for (demo)",
            [None, *agency_names],
            store_key=AGENCY_KEY,
            widget_key="acting_agency_choice",
            format_func=lambda i: "No agency" if i is None else agency_names[i],
            default=None,
        )
        st.session_state[_AGENCY_NAME_KEY] = agency_names.get(agency_id)
        st.caption(
            "Contact details, unmoderated feedback and minutes of a consultation "
            "are shown only to the facilitator who planned it and to facilitators "
            "or above at the host agency: choose an agency to see what its staff "
            "see."
        )


def remembered_choice(
    label: str,
    options: Sequence,
    *,
    store_key: str,
    widget_key: str,
    format_func: Callable[[Any], str] = str,
    default: Any = None,
    help: str | None = None,
) -> Any:
    """A selectbox whose choice is kept under ``store_key`` across page switches.

    A widget's own key does not survive a page switch (PITFALLS 3), and in
    1.67 the widget is re-created on the new page at its default. So the
    choice is copied to a plain session key and passed back as the default.
    Returns None when there are no options.
    """
    if not options:
        return None
    stored = st.session_state.get(store_key, default)
    index = list(options).index(stored) if stored in options else 0
    choice = st.selectbox(
        label, options, index=index, key=widget_key, format_func=format_func, help=help
    )
    st.session_state[store_key] = choice
    return choice


def attempt(call: Callable, *args, **kwargs) -> Any:
    """Run a `journeys` call; on `JourneyError` show its message, return FAILED.

    The message is escaped (`md`): it often quotes what someone typed, which
    must show as typed, never as Markdown, links or images.
    """
    try:
        return call(*args, **kwargs)
    except JourneyError as exc:
        logger.info("%s refused: %s", getattr(call, "__name__", call), exc)
        st.error(md(str(exc)))
        return FAILED


def flash(message: str) -> None:
    """Keep a success message to show after the next rerun."""
    st.session_state[_FLASH_KEY] = message


def show_flash() -> None:
    """Show, once, the message kept by `flash`."""
    message = st.session_state.pop(_FLASH_KEY, None)
    if message:
        st.success(message)


def forget(*keys: str) -> None:
    """Drop session keys (such as a closed form's widgets), if present."""
    for key in keys:
        st.session_state.pop(key, None)


def lines(values: Sequence[str] | None) -> str:
    """A list as text for a one-entry-per-line text area."""
    return "\n".join(values or [])


def bullet_list(values: Sequence[str] | None, empty: str = "None recorded") -> str:
    """A list as Markdown bullets, or a plain phrase when it is empty."""
    if not values:
        return empty
    return "\n".join(f"- {value}" for value in values)


def show_value(value: Any) -> str:
    """A stored value as plain text for a comparison table."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def whole_or_decimal(value: float | None) -> str:
    """A count for display: "1,234", or "12.5" when it is not whole."""
    if value is None:
        return "No data"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def percent(share: float | None, empty: str = "Not applicable") -> str:
    """A 0..1 share as a percentage with one decimal: "26.3%"."""
    return empty if share is None else f"{share * 100:.1f}%"


# --- added for the editing pages ---------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&/=])")
# Spaces or tabs at the start of a line make it a code block in Markdown.
_LEADING_SPACE = re.compile(r"^[ \t]+", re.MULTILINE)


def md(text: Any) -> str:
    """User text made safe for st.markdown: shown as typed, never as markup.

    Every character Markdown, HTML, LaTeX ($) or Streamlit's own directives
    (``:red[...]``, ``:material/...:``) could read is backslash-escaped, and
    indentation that would make a code block is kept as no-break spaces.
    Known gap: a bare web address still shows as a link (never fetched).
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))
    # A line of "=" under text would make it a heading: "=" is escaped above.
    # Leading spaces become no-break spaces, which Markdown does not read.
    return _LEADING_SPACE.sub(lambda m: "\u00a0" * len(m.group()), escaped)


def md_list(values: Sequence[str] | None, empty: str = "None recorded") -> str:
    """User entries as Markdown bullets, escaped; a plain phrase when empty."""
    if not values:
        return empty
    return "\n".join(f"- {md(value)}" for value in values)


def conflict_frame(differences: Sequence[tuple[str, str, str]], who: str | None):
    """Their saved values next to your edit, one row per field that differs."""
    import pandas as pd

    return pd.DataFrame(
        {
            "Field": field[0].upper() + field[1:],
            f"Saved by {md(who or 'them')}": theirs,
            "Your edit": yours,
        }
        for field, theirs, yours in differences
    )


def upload_token(uploaded) -> str:
    """Which upload this is, so a preview is made once per file chosen."""
    return f"{uploaded.file_id}:{uploaded.name}:{uploaded.size}"


def table(frame, **kwargs) -> None:
    """st.table with every text cell escaped: st.table renders cells as Markdown,
    so a step called "- draft" would otherwise show as a bullet point."""
    st.table(frame.map(lambda v: md(v) if isinstance(v, str) else v), **kwargs)


def render_conflict(
    ws: Workspace,
    conflict_key: str,
    row_id: int,
    prefix: str,
    *,
    save_again: Callable[[dict, dict], bool],
    close: Callable[[], None],
) -> None:
    """The panel shown when someone else saved this row first: both versions,
    then "Apply my edit again" or "Discard my edit".

    ``st.session_state[conflict_key]`` holds the conflict (see
    `show_conflict`) for the row ``row_id``. ``save_again(values, current)``
    saves the merged values over ``current`` and returns False when refused
    again; ``close`` ends the edit.
    """
    conflict = st.session_state.get(conflict_key)
    if not conflict or conflict["id"] != row_id:
        return
    current = conflict["current"]
    st.markdown("#### Their saved version and your edit")
    again_values = show_conflict(ws, conflict)
    again, discard = st.columns(2)
    if again.button("Apply my edit again", key=f"{prefix}-reapply"):
        refused = not save_again(again_values, current)
        if refused and st.session_state[conflict_key]["current"] is not current:
            st.rerun()  # someone saved yet again: show the newer comparison
    if discard.button("Discard my edit", key=f"{prefix}-discard"):
        close()
        flash("Your edit was discarded; nothing was saved.")
        st.rerun()


def show_conflict(ws: Workspace, conflict: dict) -> dict:
    """Show a save refused because someone else saved first; return what
    "Apply my edit again" would save.

    ``conflict`` holds the message, their saved row (``current``), the edit
    (``yours``) and the values the edit was opened with (``opened``). The
    table lists the fields this edit changed where their version differs;
    fields only they changed keep their value when the edit is applied again.
    """
    from journeys import journey_edit
    from journeys.activity import field_word, workspace_names

    current, yours, opened = conflict["current"], conflict["yours"], conflict["opened"]
    mine = journey_edit.my_changes(opened, yours)
    st.error(md(conflict["message"]))
    changed = journey_edit.differences(current, mine, workspace_names(ws))
    if changed:
        table(conflict_frame(changed, current.get("updated_by")), hide_index=True)
    else:
        st.write("Their saved version already holds every change you made.")
    kept = [
        field_word(name)
        for name in journey_edit.their_changes(opened, current, yours)
        if name not in mine
    ]
    if kept:
        st.caption(
            f"They also changed {', '.join(kept)}; applying your edit again "
            "keeps their values there."
        )
    return journey_edit.merged(current, mine, yours)


# --- tables and form fields shared by several pages ----------------------------


def table_downloads(
    name: str, headers: list[str], found: list[dict], key: str, what: str = ""
) -> None:
    """CSV and XLSX buttons for one view's rows (formula-safe, see tabular).

    ``what`` names the table in the buttons' labels ("Download the funnel as
    CSV"): a page with several tables would otherwise offer a screen-reader
    user a list of identical "Download CSV" buttons.
    """
    left, right = st.columns(2)
    left.download_button(
        f"Download {what} as CSV" if what else "Download CSV",
        write_csv(headers, found),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}-csv",
    )
    right.download_button(
        f"Download {what} as XLSX" if what else "Download XLSX",
        write_xlsx({name[:31]: (headers, found)}),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}-xlsx",
    )


def optional_choice(
    label: str, names: dict[int, str], key: str, empty: str = "None"
) -> int | None:
    """A selectbox of ids shown by name, with "nothing chosen" first."""
    return st.selectbox(
        label,
        [None, *names],
        format_func=lambda value: names.get(value, empty),
        key=key,
    )


class FormProblem(Exception):
    """A typed form value that cannot be used; its text is shown to the user."""


def typed_number(text: str, unit: str, field: str) -> float | None:
    """The number typed in a form field, in the KPI's stored unit, or None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return kpis.from_display_number(float(text.replace(",", "")), unit)
    except ValueError:
        raise FormProblem(f"{field} must be a number (got {text!r})") from None
