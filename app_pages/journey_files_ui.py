"""The Journeys page's panels that make journeys: duplicate, add and import.

Not a navigation page.
"""

import streamlit as st

from app_pages import shared, upload_panel
from app_pages.journey_views import XLSX_MIME, Shown
from journeys import agencies, journey_files, maps, uploads
from journeys.models import JOURNEY_STATUSES, Journey


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
            new_id = shared.attempt(
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
    new_id = shared.attempt(maps.create_journey, ws, shared.acting_user(), journey)
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


JOURNEY_UPLOAD = upload_panel.UploadPanel(
    label="Journey file",
    prefix="journey",
    types=list(uploads.JOURNEY_TYPES),
    make_preview=uploads.preview_journeys,
    noun="journey",
    joiner="; ",
)


def _render_import(ws) -> None:
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
        imported = upload_panel.render_upload(ws, JOURNEY_UPLOAD)
        if imported is None:
            return
        preview, done = imported
        # Open the first imported journey, so the user sees what arrived.
        new_id = maps.find_journey(ws, preview.adds[0])
        if new_id is not None:
            st.session_state[shared.JOURNEY_KEY] = new_id
            shared.forget("journey-choice")
        shared.flash(f"Imported {shared.md(done)}.")
        st.rerun()
