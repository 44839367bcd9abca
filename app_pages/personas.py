"""Personas: the library, one persona's full page, adding, editing, importing.

The library filters by text, tag, access need, language and owning agency and
shows each persona as a compact card. A card opens the persona's full page,
where it can be edited, duplicated, archived (kept, hidden from the library)
or deleted when no journey uses it.

An edit remembers the version it was opened at. If someone else saves the
persona first, the save is refused and both versions are shown side by side,
with the typed values kept, so the editor can apply theirs again or discard it.
"""

import dataclasses

import streamlit as st

from app_pages import shared, upload_panel
from journeys import agencies, persona_files, personas, uploads
from journeys.errors import EditConflict, JourneyError
from journeys.models import DIGITAL_CONFIDENCE_LABELS, Persona
from journeys.wording import counted

# The form's fields: (field, label, kind). Lists are one entry per line.
FORM_FIELDS = (
    ("name", "Name", "line"),
    ("summary", "Summary", "text"),
    ("age_range", "Age range", "line"),
    ("situation", "Situation and context", "text"),
    ("goals", "Goals (one per line)", "list"),
    ("needs", "Needs (one per line)", "list"),
    ("frustrations", "Frustrations (one per line)", "list"),
    ("access_needs", "Access needs (one per line)", "list"),
    ("assistive_technology", "Assistive technology (one per line)", "list"),
    ("languages", "Languages (one per line)", "list"),
    ("tags", "Tags (one per line)", "list"),
    ("digital_confidence", "Digital confidence", "confidence"),
    ("owner_agency_id", "Agency that maintains this persona", "agency"),
    ("quote", "Quote, in their words", "line"),
    ("evidence_source", "Evidence: where this persona comes from", "line"),
    ("evidence_date", "Evidence date (YYYY-MM-DD)", "line"),
)
CONFIDENCE_OPTIONS = [None, *DIGITAL_CONFIDENCE_LABELS]

EDIT_KEY = "persona_edit"  # {"id", "version", "values"} of the open edit
CONFLICT_KEY = "persona_conflict"  # {"id", "message", "current", "yours"}
VIEW_KEY = "persona_view"  # id of the persona shown on its full page
# {"id", "version"}: the persona whose deletion awaits a yes, and the version
# shown when Delete was pressed; a save after that makes the delete refuse.
DELETE_KEY = "persona_delete"


def main() -> None:
    shared.start_page("Personas")
    st.write(
        "The people our services are for: what they need, what gets in their "
        "way, and the evidence behind each persona."
    )
    with shared.open_workspace() as ws:
        owners = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
        viewing = st.session_state.get(VIEW_KEY)
        if viewing is not None:
            _render_full_page(ws, viewing, owners)
            return
        _render_add(ws, owners)
        _render_import(ws)
        _render_downloads(ws)
        _render_library(ws, owners)


# --- the library -----------------------------------------------------------------


def _render_library(ws, owners: dict[int, str]) -> None:
    st.header("Find personas")
    show_archived = st.toggle(
        "Show archived personas",
        key="persona-show-archived",
        help="Archived personas are kept for the journeys that use them, but "
        "hidden from the library.",
    )
    found = shared.attempt(personas.list_personas, ws, show_archived)
    if found is shared.FAILED:
        return
    shown = _filtered(found)
    st.caption(f"Showing {len(shown)} of {len(found)} personas.")
    editing = st.session_state.get(EDIT_KEY, {}).get("id")
    if editing is not None:
        with st.container(border=True):
            _render_edit(ws, owners)
    columns = st.columns(3)
    for index, persona in enumerate(shown):
        with columns[index % 3], st.container(border=True):
            _render_card(persona)


def _filtered(found: list[dict]) -> list[dict]:
    text_column, tag_column, need_column = st.columns([2, 1, 1])
    text = text_column.text_input(
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
    language_column, owner_column = st.columns(2)
    languages = language_column.multiselect(
        "Languages",
        personas.facet_values(found, "languages"),
        key="persona-languages",
        placeholder="Any language",
        help="Shows the personas that speak every language chosen.",
    )
    owner_names = personas.owner_options(found)
    owner_ids = owner_column.multiselect(
        "Agency that maintains it",
        list(owner_names),
        format_func=owner_names.get,
        key="persona-owners",
        placeholder="Any agency",
        help="Shows the personas maintained by any of the agencies chosen.",
    )
    return personas.search_personas(
        found,
        text,
        tags=tags,
        access_needs=needs,
        languages=languages,
        owner_agency_ids=owner_ids,
    )


def _render_card(persona: dict) -> None:
    """A compact card: who they are, their access needs, and what to do next."""
    archived = " (archived)" if persona["archived"] else ""
    st.subheader(f"{shared.md(persona['name'])}{archived}", anchor=False)
    if persona["summary"]:
        st.markdown(shared.md(persona["summary"]))
    st.caption(shared.md(_facts_line(persona)))
    st.markdown(
        f"**Access needs:** {_joined(persona['access_needs'])}  \n"
        f"**Assistive technology:** {_joined(persona['assistive_technology'])}"
    )
    st.button(
        f"Open {shared.md(persona['name'])}",
        key=f"persona-{persona['id']}-open",
        on_click=_open_page,
        args=(persona["id"],),
        width="stretch",
        help="The whole persona, with duplicate, archive and delete.",
    )
    st.button(
        f"Edit {shared.md(persona['name'])}",
        key=f"persona-{persona['id']}-edit",
        on_click=_open_edit,
        args=(persona["id"],),
        width="stretch",
    )


def _facts_line(persona: dict) -> str:
    confidence = DIGITAL_CONFIDENCE_LABELS.get(persona["digital_confidence"])
    facts = [
        f"Age {persona['age_range']}" if persona["age_range"] else None,
        f"Digital confidence {confidence}" if confidence else None,
        f"Speaks {', '.join(persona['languages'])}" if persona["languages"] else None,
        f"Tags: {', '.join(persona['tags'])}" if persona["tags"] else None,
        f"Maintained by {persona['owner_agency_name']}"
        if persona.get("owner_agency_name")
        else None,
    ]
    return " · ".join(f for f in facts if f) or "No details recorded yet"


def _joined(values: list[str]) -> str:
    return shared.md("; ".join(values)) if values else "none recorded"


def _open_page(persona_id: int) -> None:
    st.session_state[VIEW_KEY] = persona_id
    st.session_state.pop(DELETE_KEY, None)


def _close_page() -> None:
    st.session_state.pop(VIEW_KEY, None)
    st.session_state.pop(DELETE_KEY, None)
    _close_edit()


# --- one persona's full page ---------------------------------------------------------


def _render_full_page(ws, persona_id: int, owners: dict[int, str]) -> None:
    st.button("Back to all personas", key="persona-back", on_click=_close_page)
    try:
        persona = personas.get_persona(ws, persona_id)
    except JourneyError as exc:
        st.error(shared.md(str(exc)))
        return
    used_by = personas.persona_journeys(ws, persona_id)
    st.header(shared.md(persona["name"]), anchor=False)
    if persona["archived"]:
        st.info(
            "This persona is archived: it is hidden from the library but kept on "
            "the journeys that use it."
        )
    if persona["summary"]:
        st.markdown(shared.md(persona["summary"]))
    if persona["quote"]:
        st.markdown(f"> {shared.md(persona['quote'])}")
    if st.session_state.get(EDIT_KEY, {}).get("id") == persona_id:
        with st.container(border=True):
            _render_edit(ws, owners)
    _render_sections(persona, owners, used_by)
    _render_page_actions(ws, persona, used_by)


def _render_sections(persona: dict, owners: dict[int, str], used_by: list) -> None:
    first, second, third = st.columns(3)
    with first:
        _section(
            "Situation and context", shared.md(persona["situation"]) or "Not recorded"
        )
        _section("Goals", shared.md_list(persona["goals"]))
        _section("Needs", shared.md_list(persona["needs"]))
    with second:
        _section("Access needs", shared.md_list(persona["access_needs"]))
        _section(
            "Assistive technology", shared.md_list(persona["assistive_technology"])
        )
        _section("Frustrations", shared.md_list(persona["frustrations"]))
    with third:
        _section("About", _about(persona, owners))
        _section("Evidence", _evidence(persona))
        journeys = [j["title"] for j in used_by]
        _section("Journeys about this persona", shared.md_list(journeys, "None yet"))


def _section(heading: str, body: str) -> None:
    # A real heading (h4 under the persona's h2), so screen reader users can
    # move from section to section.
    st.markdown(f"#### {heading}")
    st.markdown(body)


def _about(persona: dict, owners: dict[int, str]) -> str:
    confidence = DIGITAL_CONFIDENCE_LABELS.get(persona["digital_confidence"])
    facts = [
        f"Age range: {persona['age_range'] or 'not recorded'}",
        f"Digital confidence: {confidence or 'not recorded'}",
        f"Languages: {', '.join(persona['languages']) or 'not recorded'}",
        f"Tags: {', '.join(persona['tags']) or 'none'}",
        "Maintained by: "
        + owners.get(persona["owner_agency_id"], "no agency recorded"),
    ]
    return shared.md_list(facts)


def _evidence(persona: dict) -> str:
    if not persona["evidence_source"]:
        return "No evidence recorded: treat this persona as an assumption."
    dated = f" ({persona['evidence_date']})" if persona["evidence_date"] else ""
    return shared.md(f"{persona['evidence_source']}{dated}")


def _render_page_actions(ws, persona: dict, used_by: list) -> None:
    prefix = f"persona-{persona['id']}"
    st.header("Change this persona", anchor=False)
    edit, archive, delete = st.columns(3)
    edit.button(
        f"Edit {shared.md(persona['name'])}",
        key=f"{prefix}-edit",
        on_click=_open_edit,
        args=(persona["id"],),
    )
    archived = bool(persona["archived"])
    if archive.button(
        f"{'Bring back' if archived else 'Archive'} {shared.md(persona['name'])}",
        key=f"{prefix}-archive",
        help="Archived personas stay on their journeys but leave the library.",
    ):
        saved = shared.attempt(
            personas.archive_persona,
            ws,
            shared.acting_user(),
            persona["id"],
            persona["version"],
            not archived,
        )
        if saved is not shared.FAILED:
            word = "Brought back" if archived else "Archived"
            shared.flash(f"{word} persona {shared.md(saved['name'])}.")
            st.rerun()
    if delete.button(f"Delete {shared.md(persona['name'])}", key=f"{prefix}-delete"):
        st.session_state[DELETE_KEY] = {
            "id": persona["id"],
            "version": persona["version"],
        }
    asked = st.session_state.get(DELETE_KEY)
    if asked and asked["id"] == persona["id"]:
        _render_delete(ws, persona, used_by, asked["version"])
    _render_duplicate(ws, persona)


def _render_delete(ws, persona: dict, used_by: list, asked_version: int) -> None:
    """Ask before deleting; delete only the version shown when Delete was pressed."""
    prefix = f"persona-{persona['id']}"
    if used_by:
        st.warning(
            f"{counted(len(used_by), 'journey')} "
            f"{'uses' if len(used_by) == 1 else 'use'} this persona, so it cannot "
            "be deleted. "
            "Archive it instead: it stays on those journeys and leaves the library."
        )
    else:
        st.warning("Delete this persona for good? This cannot be undone.")
    yes, cancel = st.columns(2)
    if yes.button("Yes, delete it", key=f"{prefix}-delete-yes"):
        done = shared.attempt(
            _delete_unless_changed,
            ws,
            shared.acting_user(),
            persona["id"],
            asked_version,
        )
        if done is not shared.FAILED:
            _close_page()
            shared.flash(f"Deleted persona {shared.md(persona['name'])}.")
            st.rerun()
    if cancel.button("Keep it", key=f"{prefix}-delete-no"):
        st.session_state.pop(DELETE_KEY, None)
        st.rerun()


def _delete_unless_changed(ws, actor, persona_id: int, version: int) -> None:
    """`delete_persona`, its conflict worded for a delete that was asked first.

    The pending delete is dropped, so pressing Delete again asks about the
    persona as it is now.
    """
    try:
        personas.delete_persona(ws, actor, persona_id, version)
    except EditConflict as exc:
        st.session_state.pop(DELETE_KEY, None)
        who, when = exc.current.get("updated_by"), exc.current.get("updated_at")
        raise JourneyError(
            f"This persona was changed by {who} at {when} since you asked to "
            "delete it, so it was not deleted: look at it again, then delete "
            "if you still want to."
        ) from exc


def _render_duplicate(ws, persona: dict) -> None:
    prefix = f"persona-{persona['id']}"
    with st.form(f"{prefix}-duplicate"):
        st.markdown("#### Duplicate this persona")
        name = st.text_input(
            "Name of the copy",
            value=f"{persona['name']} (copy)",
            key=f"{prefix}-copy-name",
        )
        submitted = st.form_submit_button("Duplicate", key=f"{prefix}-copy-save")
    if submitted:
        new_id = shared.attempt(
            personas.duplicate_persona, ws, shared.acting_user(), persona["id"], name
        )
        if new_id is not shared.FAILED:
            shared.forget(f"{prefix}-copy-name")
            st.session_state[VIEW_KEY] = new_id
            shared.flash(f"Made a copy: {shared.md(name.strip())}.")
            st.rerun()


# --- the form, shared by adding and editing ----------------------------------------


def _persona_form(prefix: str, values: dict, owners: dict[int, str]) -> Persona:
    """The form's widgets, keyed ``{prefix}-{field}``; returns what they hold."""
    typed = {}
    about, lists = st.columns(2)
    for field, label, kind in FORM_FIELDS:
        with lists if kind == "list" else about:
            typed[field] = _form_field(
                f"{prefix}-{field}", label, kind, values[field], owners
            )
    return Persona(**{**values, **typed})


def _form_field(key: str, label: str, kind: str, value, owners: dict[int, str]):
    if kind == "line":
        return st.text_input(label, value=value or "", key=key)
    if kind == "text":
        return st.text_area(label, value=value or "", key=key)
    if kind == "list":
        return st.text_area(label, value=shared.lines(value), key=key)
    if kind == "agency":
        options = [None, *owners]
        return st.selectbox(
            label,
            options,
            index=options.index(value) if value in options else 0,
            format_func=lambda a: owners.get(a, "No agency recorded"),
            key=key,
        )
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


def _render_add(ws, owners: dict[int, str]) -> None:
    blank = dataclasses.asdict(Persona(name=""))
    with st.expander("Add persona"):
        with st.form("persona-add"):
            persona = _persona_form("persona-new", blank, owners)
            submitted = st.form_submit_button("Add persona", key="persona-new-save")
        if submitted:
            _add(ws, persona)


def _add(ws, persona: Persona) -> None:
    new_id = shared.attempt(personas.create_persona, ws, shared.acting_user(), persona)
    if new_id is shared.FAILED:
        return
    _forget_form("persona-new")
    shared.flash(f"Added persona {shared.md(persona.name.strip())}.")
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


def _render_edit(ws, owners: dict[int, str]) -> None:
    edit = st.session_state.get(EDIT_KEY)
    if edit is None:
        return
    if "version" not in edit and not _read_for_edit(ws, edit):
        return
    st.header(f"Edit persona: {shared.md(edit['values']['name'])}", anchor=False)
    st.caption(
        f"Opened at version {edit['version']}. If someone saves this persona "
        "before you do, you will see both versions and choose."
    )
    prefix = f"persona-{edit['id']}"
    with st.form(f"{prefix}-form"):
        persona = _persona_form(prefix, edit["values"], owners)
        save, close = st.columns(2)
        submitted = save.form_submit_button("Save persona", key=f"{prefix}-save")
        closed = close.form_submit_button("Close without saving", key=f"{prefix}-close")
    if closed:
        _close_edit()
        st.rerun()
    if submitted:
        _save(ws, edit["id"], edit["version"], persona, edit["values"])
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


def _save(ws, persona_id: int, version: int, persona: Persona, opened: dict) -> bool:
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
            "opened": opened,
        }
        return False
    except JourneyError as exc:
        st.error(shared.md(str(exc)))
        return False
    _close_edit()
    shared.flash(f"Saved persona {shared.md(saved['name'])}.")
    st.rerun()


def _render_conflict(ws, persona_id: int) -> None:
    shared.render_conflict(
        ws,
        CONFLICT_KEY,
        persona_id,
        f"persona-{persona_id}",
        save_again=lambda values, current: _save(
            ws, persona_id, current["version"], Persona(**values), current
        ),
        close=_close_edit,
    )


# --- importing and downloading -------------------------------------------------


PERSONA_UPLOAD = upload_panel.UploadPanel(
    label="Persona file",
    prefix="persona",
    types=list(uploads.PERSONA_TYPES),
    make_preview=uploads.preview_personas,
    noun="persona",
)


def _render_import(ws) -> None:
    with st.expander("Import personas"):
        st.write(
            "A Markdown persona bundle (like the demo's), or a CSV or XLSX file "
            "made from the template below. You will see what the file adds before "
            "anything is saved; a file is imported whole or not at all."
        )
        imported = upload_panel.render_upload(ws, PERSONA_UPLOAD)
        if imported is not None:
            shared.flash(f"Imported {shared.md(imported[1])}.")
            st.rerun()


def _render_downloads(ws) -> None:
    with st.expander("Download personas and templates"):
        st.write(
            "Exports hold every persona that is not archived. In CSV, text that "
            "a spreadsheet could run as a formula starts with an apostrophe. The "
            "templates have the same columns as the exports: list fields hold "
            "their entries separated by ' | '."
        )
        export, template = st.columns(2)
        with export:
            st.markdown("**All personas**")
            st.download_button(
                "Personas as CSV",
                persona_files.export_csv(ws),
                file_name="personas.csv",
                mime="text/csv",
                key="persona-export-csv",
            )
            st.download_button(
                "Personas as XLSX",
                persona_files.export_xlsx(ws),
                file_name="personas.xlsx",
                mime="application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet",
                key="persona-export-xlsx",
            )
            st.download_button(
                "Personas as JSON",
                persona_files.export_json(ws),
                file_name="personas.json",
                mime="application/json",
                key="persona-export-json",
            )
        with template:
            st.markdown("**Templates to fill in**")
            st.download_button(
                "Persona template (CSV)",
                persona_files.template_csv(),
                file_name="persona-template.csv",
                mime="text/csv",
                key="persona-template-csv",
            )
            st.download_button(
                "Persona template (XLSX)",
                persona_files.template_xlsx(),
                file_name="persona-template.xlsx",
                mime="application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet",
                key="persona-template-xlsx",
            )


main()
