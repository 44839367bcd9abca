"""A shared "you said, we did" report: read-only, no account, printable.

Opened as ``/report?share=TOKEN`` from a link a facilitator created. Shows
the report and nothing of the workspace around it.
"""

import streamlit as st

from app_pages import consult_ui, shared
from journeys import you_said


def main() -> None:
    consult_ui.public_page()
    consult_ui.printable()
    st.title("You said, we did")
    with shared.open_workspace() as ws:
        report = shared.attempt(
            you_said.shared_report, ws, consult_ui.query_value("share")
        )
    if report is shared.FAILED:
        return
    st.html(f"<style>{you_said.REPORT_CSS}</style>")
    st.html(you_said.report_html(report))
    st.caption("To print it, use your browser's Print command.")


main()
