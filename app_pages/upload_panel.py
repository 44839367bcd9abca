"""The upload, preview and confirm steps shared by the persona and journey
imports.

A file is checked once per file chosen (the preview is kept in session state
under the file's token), the user sees what it adds and what it leaves out,
and only the confirm button writes. After an import the uploader gets a new
key, so the imported file is not offered again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app_pages import shared
from journeys import uploads
from journeys.wording import counted


@dataclass(frozen=True)
class UploadPanel:
    """What differs between the persona and journey imports."""

    label: str  # the uploader's label, e.g. "Persona file"
    prefix: str  # widget keys start with it: "persona" or "journey"
    types: list[str]  # file extensions the uploader accepts
    make_preview: Callable  # (ws, data, file_name) -> uploads preview
    noun: str  # what the confirm button counts, singular: "persona", "journey"
    joiner: str = ", "  # how the names of what would be added are listed

    @property
    def kept_key(self) -> str:
        return f"{self.prefix}_upload"  # {"token", "preview"} of the file chosen

    @property
    def round_key(self) -> str:
        return f"{self.prefix}_uploader_round"  # a new uploader after each import


def render_upload(ws, panel: UploadPanel) -> tuple[Any, str] | None:
    """Show the uploader and the preview; on confirm, import the file whole.

    Returns ``(preview, what_was_imported)`` after a successful import, so the
    caller can add its own follow-up before flashing and rerunning; None
    otherwise. A refused import shows its message here.
    """
    round_number = st.session_state.get(panel.round_key, 0)
    uploaded = st.file_uploader(
        panel.label, type=panel.types, key=f"{panel.prefix}-upload-{round_number}"
    )
    if uploaded is None:
        st.session_state.pop(panel.kept_key, None)
        return None
    preview = _preview(ws, panel, uploaded)
    if preview is None:
        return None
    st.info(shared.md(preview.describe()))
    if preview.adds:
        st.markdown("**Would add:** " + shared.md(panel.joiner.join(preview.adds)))
    if preview.skips:
        st.markdown("**Left out:**\n" + shared.md_list(preview.skips))
    if not st.button(
        f"Import {counted(len(preview.adds), panel.noun)} "
        f"from {shared.md(preview.file_name)}",
        key=f"{panel.prefix}-upload-confirm",
        type="primary",
        disabled=not preview.adds,
    ):
        return None
    done = shared.attempt(uploads.apply_upload, ws, shared.acting_user(), preview)
    if done is shared.FAILED:
        return None
    st.session_state.pop(panel.kept_key, None)
    st.session_state[panel.round_key] = round_number + 1
    return preview, done


def _preview(ws, panel: UploadPanel, uploaded):
    """The checked preview of the uploaded file, made once per file chosen."""
    token = shared.upload_token(uploaded)
    kept = st.session_state.get(panel.kept_key)
    if kept and kept["token"] == token:
        return kept["preview"]
    preview = shared.attempt(panel.make_preview, ws, uploaded.getvalue(), uploaded.name)
    if preview is shared.FAILED:
        st.session_state.pop(panel.kept_key, None)
        return None
    st.session_state[panel.kept_key] = {"token": token, "preview": preview}
    return preview
