"""The Journeys page's panels that make journeys: duplicate, add and import.

Not a navigation page.
"""

import streamlit as st

from app_pages import shared
from app_pages.journey_views import XLSX_MIME, Shown
from journeys import agencies, journey_files, maps, uploads
from journeys.models import JOURNEY_STATUSES, Journey

UPLOAD_KEY = "journey_upload"  # {"token", "preview"} of the file being imported
UPLOADER_ROUND = "journey_uploader_round"


def render_duplicate(shown: Shown) -> None:
    prefix = f"journey-{shown.journey_id}"
    with st.expander("Duplicate this journey (for an as-is / to-be pair)"):
        with st.form(f"{prefix}-duplicate"):
            title = st.text_input(
                "Title of the copy",
                value=f"{shown.journey['title']} (to-be)",
                key=f"{prefix}-copy-title",
            )
            submitted = st.form_submit_button(
                "Duplicate journey", key=f"{prefix}-copy-save"
            )
        if submitted:
            new_id = shared.attempt_escaped(
                maps.duplicate_journey,
                shown.ws,
                shared.acting_user(),
                shown.journey_id,
                title,
            )
            if new_id is not shared.FAILED:
                shared.forget(f"{prefix}-copy-title", "journey-choice")
                st.session_state[shared.JOURNEY_KEY] = new_id
                shared.flash(f"Made a draft copy: {shared.md(title.strip())}.")
                st.rerun()


# --- new journeys -------------------------------------------------------------------


def render_new_journeys(ws) -> None:
    st.header("Add or import journeys")
    _render_add(ws)
    _render_import(ws)


def _render_add(ws) -> None:
    lead_agencies = {
        agency["id"]: agency["name"] for agency in agencies.list_agencies(ws)
    }
    with st.expander("Add journey"):
        with st.form("journey-add"):
            title = st.text_input("Title", key="journey-new-title")
            description = st.text_area("Description", key="journey-new-description")
            status = st.selectbox("Status", JOURNEY_STATUSES, key="journey-new-status")
            lead = st.selectbox(
                "Lead agency",
                [None, *lead_agencies],
                format_func=lambda value: lead_agencies.get(value, "No lead agency"),
                key="journey-new-lead",
            )
            submitted = st.form_submit_button("Add journey", key="journey-new-save")
        if submitted:
            journey = Journey(title, description, lead_agency_id=lead, status=status)
            _add(ws, journey)


def _add(ws, journey: Journey) -> None:
    new_id = shared.attempt_escaped(
        maps.create_journey, ws, shared.acting_user(), journey
    )
    if new_id is shared.FAILED:
        return
    shared.forget(
        "journey-new-title",
        "journey-new-description",
        "journey-new-status",
        "journey-new-lead",
    )
    st.session_state[shared.JOURNEY_KEY] = new_id
    shared.forget("journey-choice")
    shared.flash(f"Added journey {shared.md(journey.title.strip())}.")
    st.rerun()


def _render_import(ws) -> None:
    # Known shortcoming: the upload, preview and confirm steps below repeat
    # those of `_render_import` in app_pages/personas.py; one shared panel
    # taking the kind of file would serve both.
    with st.expander("Import journeys"):
        st.write(
            "A GOV.UK step by step or transaction page as content-store JSON (as "
            "in the demo), or a journey CSV or XLSX with one row per step, made "
            "from the template or from an export. You will see what the file adds "
            "before anything is saved; a file is imported whole or not at all."
        )
        csv_template, xlsx_template = st.columns(2)
        csv_template.download_button(
            "Journey template (CSV)",
            journey_files.template_csv(),
            file_name="journey-template.csv",
            mime="text/csv",
            key="journey-template-csv",
        )
        xlsx_template.download_button(
            "Journey template (XLSX)",
            uploads.journey_template_xlsx(),
            file_name="journey-template.xlsx",
            mime=XLSX_MIME,
            key="journey-template-xlsx",
        )
        round_number = st.session_state.get(UPLOADER_ROUND, 0)
        uploaded = st.file_uploader(
            "Journey file",
            type=list(uploads.JOURNEY_TYPES),
            key=f"journey-upload-{round_number}",
        )
        if uploaded is None:
            st.session_state.pop(UPLOAD_KEY, None)
            return
        preview = _preview(ws, uploaded)
        if preview is None:
            return
        st.info(shared.md(preview.describe()))
        if preview.adds:
            st.markdown("**Would add:** " + shared.md("; ".join(preview.adds)))
        if preview.skips:
            st.markdown("**Left out:**\n" + shared.md_list(preview.skips))
        if st.button(
            f"Import {len(preview.adds)} journey(s) from "
            f"{shared.md(preview.file_name)}",
            key="journey-upload-confirm",
            type="primary",
            disabled=not preview.adds,
        ):
            done = shared.attempt_escaped(
                uploads.apply_upload, ws, shared.acting_user(), preview
            )
            if done is not shared.FAILED:
                st.session_state.pop(UPLOAD_KEY, None)
                st.session_state[UPLOADER_ROUND] = round_number + 1
                if preview.adds:
                    new_id = maps.find_journey(ws, preview.adds[0])
                    if new_id is not None:
                        st.session_state[shared.JOURNEY_KEY] = new_id
                        shared.forget("journey-choice")
                shared.flash(f"Imported {shared.md(done)}.")
                st.rerun()


def _preview(ws, uploaded):
    """The checked preview of the uploaded file, made once per file chosen."""
    token = shared.upload_token(uploaded)
    kept = st.session_state.get(UPLOAD_KEY)
    if kept and kept["token"] == token:
        return kept["preview"]
    preview = shared.attempt_escaped(
        uploads.preview_journeys, ws, uploaded.getvalue(), uploaded.name
    )
    if preview is shared.FAILED:
        st.session_state.pop(UPLOAD_KEY, None)
        return None
    st.session_state[UPLOAD_KEY] = {"token": token, "preview": preview}
    return preview
