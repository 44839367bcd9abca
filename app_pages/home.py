"""Home: what Joinedup is, what the workspace holds, and what changed lately.

Recent changes come in two parts: imports (the demo build and every file
import), one line each with what they added; and the edits people made,
leaving out the hundreds of rows an import creates.
"""

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import activity

# What the overview counts, in the order shown: (table, label).
COUNTED = (
    ("agency", "Agencies"),
    ("persona", "Personas"),
    ("journey", "Journeys"),
    ("stage", "Stages"),
    ("step", "Steps"),
    ("kpi", "KPIs"),
    ("measurement", "Measurements"),
)
IMPORT_WORDS = {
    "govuk-step-by-step": "GOV.UK step by step",
    "personas-markdown": "Persona bundle (Markdown)",
    "performance-platform": "Performance Platform data",
    "personas-spreadsheet": "Persona spreadsheet",
    "journeys-spreadsheet": "Journey spreadsheet",
}
EDITS_SHOWN = 20
IMPORTS_SHOWN = 10


def main() -> None:
    shared.start_page("Joinedup")
    st.write(
        "Joinedup is a shared workspace where government agencies and community "
        "groups map how people experience public services: the personas, the "
        "journeys, and which agency owns each step. Everyone works on the same "
        "maps and measures, and every change records who made it and when."
    )
    with shared.open_workspace() as ws:
        _render_counts(ws.counts())
        st.header("Recent changes")
        _render_edits(activity.recent_edits(ws, EDITS_SHOWN))
        _render_imports(activity.list_imports(ws))


def _render_counts(counts: dict[str, int]) -> None:
    st.header("In this workspace")
    for column, (table, label) in zip(st.columns(len(COUNTED)), COUNTED, strict=True):
        column.metric(label, f"{counts.get(table, 0):,}")


def _render_edits(edits: list[activity.Activity]) -> None:
    st.subheader("Edits", anchor=False)
    if not edits:
        st.info("Nobody has edited anything yet: what is here came from imports.")
        return
    table = pd.DataFrame(
        {
            "When (UTC)": edit.at,
            "Who": edit.actor,
            "Action": edit.action,
            "What": edit.subject,
            "Change": edit.details,
        }
        for edit in edits
    )
    shared.table(table, hide_index=True)
    st.caption(f"The latest {len(edits)} edits, newest first.")


def _render_imports(imports: list[dict]) -> None:
    st.subheader("Imports", anchor=False)
    if not imports:
        st.info("Nothing has been imported yet.")
        return
    table = pd.DataFrame(
        {
            "When (UTC)": run["at"].replace("T", " ").removesuffix("+00:00"),
            "Who": run["actor"],
            "File": run["file_name"],
            "Kind": IMPORT_WORDS.get(run["kind"], run["kind"]),
            "Added": run["summary"] or "Nothing recorded",
        }
        for run in imports[:IMPORTS_SHOWN]
    )
    shared.table(table, hide_index=True)
    if len(imports) > IMPORTS_SHOWN:
        st.caption(f"The latest {IMPORTS_SHOWN} of {len(imports)} imports.")


main()
