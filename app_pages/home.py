"""Home: what Joinedup is, what the workspace holds, and what changed lately."""

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys.workspace import TABLE_WORDS

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
ACTION_WORDS = {"create": "Added", "update": "Changed", "delete": "Deleted"}


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
        _render_recent_changes(ws.recent_changes())


def _render_counts(counts: dict[str, int]) -> None:
    st.header("In this workspace")
    for column, (table, label) in zip(st.columns(len(COUNTED)), COUNTED, strict=True):
        column.metric(label, f"{counts.get(table, 0):,}")


def _render_recent_changes(changes: list[dict]) -> None:
    st.header("Recent changes")
    if not changes:
        st.info("Nothing has been changed yet.")
        return
    table = pd.DataFrame(
        {
            "When (UTC)": change["at"].replace("T", " ").removesuffix("+00:00"),
            "Who": change["actor"],
            "What": _what(change),
            "Action": ACTION_WORDS.get(change["action"], change["action"]),
            "Fields changed": _fields_changed(change),
        }
        for change in changes
    )
    st.table(table, hide_index=True)


def _what(change: dict) -> str:
    word = TABLE_WORDS.get(change["table_name"], change["table_name"])
    values = change["after"] or change["before"] or {}
    name = values.get("name") or values.get("title")
    described = f"{word[0].upper()}{word[1:]} {change['row_id']}"
    return f"{described}: {name}" if name else described


def _fields_changed(change: dict) -> str:
    if change["action"] != "update":
        return "All (new)" if change["action"] == "create" else "All (removed)"
    return ", ".join(sorted(change["after"] or {})) or "None"


main()
