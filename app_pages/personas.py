"""Personas: find them, read them, add one, and edit one without losing work.

An edit remembers the version it was opened at. If someone else saves the
persona first, the save is refused and both versions are shown side by side,
with the typed values kept, so the editor can apply theirs again or discard it.
"""

import dataclasses

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import personas
from journeys.errors import EditConflict, JourneyError
from journeys.models import DIGITAL_CONFIDENCE_LABELS, Persona

# The form's fields: (field, label, kind). Lists are one entry per line.
FORM_FIELDS = (
    ("name", "Name", "line"),
    ("summary", "Summary", "text"),
    ("age_range", "Age range", "line"),
    ("situation", "Situation", "text"),
    ("goals", "Goals (one per line)", "list"),
    ("needs", "Needs (one per line)", "list"),
    ("frustrations", "Frustrations (one per line)", "list"),
    ("access_needs", "Access needs (one per line)", "list"),
    ("assistive_technology", "Assistive technology (one per line)", "list"),
    ("languages", "Languages (one per line)", "list"),
    ("tags", "Tags (one per line)", "list"),
    ("digital_confidence", "Digital confidence", "confidence"),
    ("quote", "Quote, in their words", "line"),
    ("evidence_source", "Evidence: where this persona comes from", "line"),
    ("evidence_date", "Evidence date (YYYY-MM-DD)", "line"),
)
FIELD_LABELS = {field: label.split(" (")[0] for field, label, _ in FORM_FIELDS}
CONFIDENCE_OPTIONS = [None, *DIGITAL_CONFIDENCE_LABELS]

EDIT_KEY = "persona_edit"  # {"id", "version", "values"} of the open edit
CONFLICT_KEY = "persona_conflict"  # {"id", "message", "current", "yours"}


def main() -> None:
    shared.start_page("Personas")
    st.write(
        "The people our services are for: what they need, what gets in their "
        "way, and the evidence behind each persona."
    )
    with shared.open_workspace() as ws:
        _render_add(ws)
        found = shared.attempt(personas.list_personas, ws)
        if found is not shared.FAILED:
            _render_list(ws, found)


# --- finding and reading -------------------------------------------------------


def _render_list(ws, found: list[dict]) -> None:
    st.header("Find personas")
    search, tag_column, need_column = st.columns([2, 1, 1])
    text = search.text_input(
        "Search personas", key="persona-search", placeholder="Name, need, goal..."
    )
    tags = tag_column.multiselect(
        "Tags",
        personas.facet_values(found, "tags"),
        key="persona-tags",
        placeholder="Any tag",
        help="Shows the personas that have every tag chosen.",
    )
    needs = need_column.multiselect(
        "Access needs",
        personas.facet_values(found, "access_needs"),
        key="persona-access-needs",
        placeholder="Any access need",
        help="Shows the personas that have every access need chosen.",
    )
    shown = personas.search_personas(found, text, tags=tags, access_needs=needs)
    st.caption(f"Showing {len(shown)} of {len(found)} personas.")
    editing = st.session_state.get(EDIT_KEY, {}).get("id")
    if editing not in {persona["id"] for persona in shown}:
        _render_edit(ws)  # the persona being edited is filtered out: show it first
    for persona in shown:
        with st.container(border=True):
            if persona["id"] == editing:
                _render_edit(ws)
            else:
                _render_persona(persona)


def _render_persona(persona: dict) -> None:
    st.subheader(persona["name"], anchor=False)
    if persona["summary"]:
        st.write(persona["summary"])
    if persona["quote"]:
        st.markdown(f"> {persona['quote']}")
    _render_sections(persona)
    st.button(
        f"Edit {persona['name']}",
        key=f"persona-{persona['id']}-edit",
        on_click=_open_edit,
        args=(persona["id"],),
    )


def _render_sections(persona: dict) -> None:
    first, second, third = st.columns(3)
    with first:
        _section("Access needs", shared.bullet_list(persona["access_needs"]))
        _section(
            "Assistive technology", shared.bullet_list(persona["assistive_technology"])
        )
    with second:
        _section("Goals", shared.bullet_list(persona["goals"]))
        _section("Frustrations", shared.bullet_list(persona["frustrations"]))
    with third:
        _section("About", _about(persona))
        _section("Evidence", _evidence(persona))


def _section(heading: str, body: str) -> None:
    # A real heading (h4 under the persona's h3), so screen reader users can
    # move from section to section.
    st.markdown(f"#### {heading}")
    st.markdown(body)


def _about(persona: dict) -> str:
    confidence = DIGITAL_CONFIDENCE_LABELS.get(persona["digital_confidence"])
    facts = [
        f"Age range: {persona['age_range'] or 'not recorded'}",
        f"Digital confidence: {confidence or 'not recorded'}",
        f"Languages: {', '.join(persona['languages']) or 'not recorded'}",
        f"Tags: {', '.join(persona['tags']) or 'none'}",
    ]
    return shared.bullet_list(facts)


def _evidence(persona: dict) -> str:
    if not persona["evidence_source"]:
        return "No evidence recorded: treat this persona as an assumption."
    dated = f" ({persona['evidence_date']})" if persona["evidence_date"] else ""
    return f"{persona['evidence_source']}{dated}"


# --- the form, shared by adding and editing ----------------------------------------


def _persona_form(prefix: str, values: dict) -> Persona:
    """The form's widgets, keyed ``{prefix}-{field}``; returns what they hold."""
    typed = {}
    about, lists = st.columns(2)
    for field, label, kind in FORM_FIELDS:
        with lists if kind == "list" else about:
            typed[field] = _form_field(f"{prefix}-{field}", label, kind, values[field])
    return Persona(**{**values, **typed})


def _form_field(key: str, label: str, kind: str, value):
    if kind == "line":
        return st.text_input(label, value=value or "", key=key)
    if kind == "text":
        return st.text_area(label, value=value or "", key=key)
    if kind == "list":
        return st.text_area(label, value=shared.lines(value), key=key)
    return st.selectbox(
        label,
        CONFIDENCE_OPTIONS,
        index=CONFIDENCE_OPTIONS.index(value),
        format_func=_confidence_label,
        key=key,
    )


def _confidence_label(level: int | None) -> str:
    return "Not recorded" if level is None else DIGITAL_CONFIDENCE_LABELS[level]


def _forget_form(prefix: str) -> None:
    shared.forget(*(f"{prefix}-{field}" for field, _, _ in FORM_FIELDS))


# --- adding -------------------------------------------------------------------


def _render_add(ws) -> None:
    blank = dataclasses.asdict(Persona(name=""))
    with st.expander("Add persona"):
        with st.form("persona-add"):
            persona = _persona_form("persona-new", blank)
            submitted = st.form_submit_button("Add persona", key="persona-new-save")
        if submitted:
            _add(ws, persona)


def _add(ws, persona: Persona) -> None:
    new_id = shared.attempt(personas.create_persona, ws, shared.acting_user(), persona)
    if new_id is shared.FAILED:
        return
    _forget_form("persona-new")
    shared.flash(f"Added persona {persona.name.strip()}.")
    st.rerun()


# --- editing ------------------------------------------------------------------


def _open_edit(persona_id: int) -> None:
    """Button callback: start editing, dropping any other edit in progress."""
    _close_edit()
    st.session_state[EDIT_KEY] = {"id": persona_id}


def _close_edit() -> None:
    edit = st.session_state.pop(EDIT_KEY, None)
    st.session_state.pop(CONFLICT_KEY, None)
    if edit:
        _forget_form(f"persona-{edit['id']}")


def _render_edit(ws) -> None:
    edit = st.session_state.get(EDIT_KEY)
    if edit is None:
        return
    if "version" not in edit and not _read_for_edit(ws, edit):
        return
    st.header(f"Edit persona: {edit['values']['name']}")
    st.caption(
        f"Opened at version {edit['version']}. If someone saves this persona "
        "before you do, you will see both versions and choose."
    )
    prefix = f"persona-{edit['id']}"
    with st.form(f"{prefix}-form"):
        persona = _persona_form(prefix, edit["values"])
        save, close = st.columns(2)
        submitted = save.form_submit_button("Save persona", key=f"{prefix}-save")
        closed = close.form_submit_button("Close without saving", key=f"{prefix}-close")
    if closed:
        _close_edit()
        st.rerun()
    if submitted:
        _save(ws, edit["id"], edit["version"], persona)
    _render_conflict(ws, edit["id"])


def _read_for_edit(ws, edit: dict) -> bool:
    """Read the persona being opened, remembering the version it is at."""
    stored = shared.attempt(personas.get_persona, ws, edit["id"])
    if stored is shared.FAILED:
        st.session_state.pop(EDIT_KEY, None)
        return False
    edit["version"] = stored["version"]
    edit["values"] = dataclasses.asdict(personas.persona_from_row(stored))
    return True


def _save(ws, persona_id: int, version: int, persona: Persona) -> bool:
    """Save the edit; on success close it and rerun. False if it was refused."""
    try:
        saved = personas.update_persona(
            ws, shared.acting_user(), persona_id, version, persona
        )
    except EditConflict as conflict:
        st.session_state[CONFLICT_KEY] = {
            "id": persona_id,
            "message": str(conflict),
            "current": conflict.current,
            "yours": conflict.yours,
        }
        return False
    except JourneyError as exc:
        st.error(str(exc))
        return False
    _close_edit()
    shared.flash(f"Saved persona {saved['name']}.")
    st.rerun()


def _render_conflict(ws, persona_id: int) -> None:
    conflict = st.session_state.get(CONFLICT_KEY)
    if not conflict or conflict["id"] != persona_id:
        return
    current, yours = conflict["current"], conflict["yours"]
    st.error(conflict["message"])
    st.subheader("Their saved version and your edit", anchor=False)
    if personas.changed_fields(current, yours):
        st.table(_comparison(current, yours), hide_index=True)
    else:
        st.write("Their saved version holds the same values as your edit.")
    again, discard = st.columns(2)
    if again.button("Apply my edit again", key=f"persona-{persona_id}-reapply"):
        refused = not _save(ws, persona_id, current["version"], Persona(**yours))
        if refused and st.session_state[CONFLICT_KEY]["current"] is not current:
            st.rerun()  # someone saved yet again: show the newer comparison
    if discard.button("Discard my edit", key=f"persona-{persona_id}-discard"):
        _close_edit()
        shared.flash("Your edit was discarded; nothing was saved.")
        st.rerun()


def _comparison(current: dict, yours: dict) -> pd.DataFrame:
    who = current.get("updated_by") or "them"
    return pd.DataFrame(
        {
            "Field": FIELD_LABELS.get(field, field),
            f"Saved by {who}": shared.show_value(current.get(field)),
            "Your edit": shared.show_value(yours[field]),
        }
        for field in personas.changed_fields(current, yours)
    )


main()
