"""The Journeys page's shared pieces, and its views besides the outline.

Not a navigation page. Holds `Shown` (the journey on screen, which every part
of the page is given), `run` and `index_of`, then the Grid, Edit in a table,
Compare, Recent activity, and Export and print tabs.
"""

import datetime
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import funnel_ui, shared
from journeys import (
    agencies,
    bulk_edit,
    grid,
    journey_files,
    maps,
    review,
)
from journeys.activity import journey_activity
from journeys.errors import JourneyError
from journeys.models import CHANNELS, EMOTION_MAX, EMOTION_MIN
from journeys.workspace import Workspace

BULK_CONFLICT_KEY = "bulk_conflict"  # {"journey_id", "pending", "conflicts"}
BULK_ERROR_KEY = "bulk_error"  # a refused table save's message
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Shown:
    """The journey on screen and what every part of the page needs about it."""

    ws: Workspace
    journey_map: maps.JourneyMap
    agency_names: dict[int, str]
    linked: list[dict]  # the personas the journey is about
    grid: grid.Grid
    numbers: dict[int, str]  # step id -> "2.3"

    @property
    def journey(self) -> dict:
        return self.journey_map.journey

    @property
    def journey_id(self) -> int:
        return self.journey_map.journey["id"]


def run(call, *args, done: str) -> bool:
    """Run a change; on success keep ``done`` to show and rerun the page."""
    if shared.attempt(call, *args) is shared.FAILED:
        return False
    shared.flash(done)
    st.rerun()


def index_of(options, value) -> int:
    options = list(options)
    return options.index(value) if value in options else 0


# --- the grid -----------------------------------------------------------------------


def render_grid(shown: Shown) -> None:
    st.caption(
        "Stages across, and down each step what the person does, the channel, "
        "who owns it (hand-offs between agencies written out), pain points, "
        "opportunities, evidence and how each persona feels. Scroll sideways "
        "for long journeys; the Outline tab holds the same map for screen readers."
    )
    st.html(f"<style>{grid.GRID_STYLE}</style>{grid.grid_html(shown.grid)}")
    st.subheader("How each persona feels, step by step", anchor=False)
    points = grid.emotion_points(shown.grid)
    if not shown.linked:
        st.info(
            "No personas are linked to this journey: link them under 'Edit "
            "journey details', then record feelings when editing each step."
        )
        return
    if not points:
        st.info("No feelings recorded yet: record them when editing each step.")
        return
    frame = pd.DataFrame(points)
    order = [step.number for step in shown.grid.steps()]
    chart = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=90, filled=True))
        .encode(
            x=alt.X("number:N", sort=order, title="Step (stage.step)"),
            y=alt.Y(
                "feeling:Q",
                scale=alt.Scale(domain=[EMOTION_MIN, EMOTION_MAX]),
                axis=alt.Axis(values=list(range(EMOTION_MIN, EMOTION_MAX + 1))),
                title="Feeling (-2 very negative .. +2 very positive)",
            ),
            color=alt.Color("persona:N", title="Persona"),
            strokeDash=alt.StrokeDash("persona:N", title="Persona"),
            shape=alt.Shape("persona:N", title="Persona"),
            tooltip=["step", "persona", "in words"],
        )
    )
    st.altair_chart(chart, width="stretch")
    st.caption(
        "Each persona has its own colour, line pattern and marker. The same "
        "feelings as a table:"
    )
    table = frame.pivot_table(
        index=["order", "step"], columns="persona", values="in words", aggfunc="first"
    ).reset_index()
    table = (
        table.drop(columns="order")
        .rename(columns={"step": "Step"})
        .fillna("Not recorded")
    )
    table.columns.name = None
    shared.table(table, hide_index=True)


# --- editing many steps in a table ---------------------------------------------------


def render_bulk_edit(shown: Shown) -> None:
    journey_id = shown.journey_id
    snapshot = bulk_edit.take_snapshot(shown.journey_map, shown.agency_names)
    key = f"bulk-{journey_id}-{snapshot.revision}"
    st.caption(
        "Change several steps at once, then save. Unsaved changes are dropped "
        "if the steps change before you save (someone adds, moves or saves a "
        "step): save often. Steps someone else saved since the table was shown "
        "are not overwritten: you will be asked."
    )
    error = st.session_state.pop(BULK_ERROR_KEY, None)
    if error:
        st.error(shared.md(error))
    if not snapshot.rows:
        st.info("This journey has no steps yet.")
    else:
        names = sorted(shown.agency_names.values(), key=str.casefold)
        frame = pd.DataFrame(list(snapshot.rows)).drop(columns=["step_id", "version"])
        st.data_editor(
            frame,
            key=key,
            num_rows="fixed",
            hide_index=True,
            disabled=["number", "stage"],
            column_order=["number", "stage", *bulk_edit.EDITABLE],
            column_config={
                "number": st.column_config.TextColumn("Step"),
                "stage": st.column_config.TextColumn("Stage"),
                "action": st.column_config.TextColumn(
                    "Action", required=True, max_chars=1000
                ),
                "channel": st.column_config.SelectboxColumn(
                    "Channel", options=list(CHANNELS), required=True
                ),
                "touchpoint": st.column_config.TextColumn("Touchpoint"),
                "fee": st.column_config.TextColumn("Fee", max_chars=100),
                "optional": st.column_config.CheckboxColumn("Optional"),
                "owning_agency": st.column_config.SelectboxColumn(
                    "Owning agency", options=names
                ),
            },
        )
        st.button(
            "Save table edits",
            key=f"bulk-{journey_id}-save",
            on_click=_save_bulk,
            args=(key, snapshot),
            type="primary",
        )
    _render_bulk_conflict(shown)


def _save_bulk(key: str, snapshot: bulk_edit.Snapshot) -> None:
    """Button callback: save the table's edits, made on ``snapshot``'s rows."""
    edited = (st.session_state.get(key) or {}).get("edited_rows") or {}
    made_on = key.rsplit("-", 1)[1]
    try:
        pending = bulk_edit.resolve(snapshot, edited, made_on)
        if not pending:
            st.session_state[BULK_ERROR_KEY] = "Nothing to save: no cell was changed."
            return
        with Workspace.open() as ws:
            agency_ids = {a["name"]: a["id"] for a in agencies.list_agencies(ws)}
            result = bulk_edit.apply_edits(
                ws, shared.acting_user(), pending, agency_ids
            )
    except JourneyError as exc:
        st.session_state[BULK_ERROR_KEY] = str(exc)
        return
    if result.conflicts:
        st.session_state[BULK_CONFLICT_KEY] = {
            "journey_id": snapshot.journey_id,
            "pending": pending,
            "conflicts": result.conflicts,
        }
        return
    shared.flash(f"Saved {len(result.saved)} step(s) from the table.")


def _render_bulk_conflict(shown: Shown) -> None:
    kept = st.session_state.get(BULK_CONFLICT_KEY)
    if not kept or kept["journey_id"] != shown.journey_id:
        return
    st.error(
        "Nothing from the table was saved: someone else changed or deleted some "
        "of the steps you edited since the table was shown. Your edits are kept "
        "below: apply them again over the newer versions, or discard them."
    )
    rows = []
    for conflict in kept["conflicts"]:
        who = conflict.updated_by or "someone"
        for column, yours in conflict.yours.items():
            rows.append(
                {
                    "Step": conflict.label,
                    "Column": bulk_edit.EDITABLE[column],
                    "Now": "(deleted)"
                    if conflict.updated_by is None
                    else shared.show_value(conflict.theirs.get(column)),
                    "Changed by": who
                    if conflict.updated_by is None
                    else f"{who} at {conflict.updated_at}",
                    "Your edit": shared.show_value(yours),
                }
            )
    shared.table(pd.DataFrame(rows), hide_index=True)
    others = [
        p
        for i, p in kept["pending"].items()
        if i not in {c.step_id for c in kept["conflicts"]}
    ]
    if others:
        st.caption(
            f"{len(others)} other edited step(s) were not saved either; applying "
            "again saves them too."
        )
    again, discard = st.columns(2)
    prefix = f"bulk-{shown.journey_id}"
    if again.button("Apply my table edits again", key=f"{prefix}-reapply"):
        agency_ids = {name: i for i, name in shown.agency_names.items()}
        result = shared.attempt(
            bulk_edit.apply_edits,
            shown.ws,
            shared.acting_user(),
            kept["pending"],
            agency_ids,
            over_newer_versions=True,
        )
        if result is not shared.FAILED:
            st.session_state.pop(BULK_CONFLICT_KEY, None)
            if result.conflicts:
                st.session_state[BULK_ERROR_KEY] = (
                    f"{len(result.conflicts)} step(s) were deleted meanwhile; "
                    "nothing was saved."
                )
            else:
                shared.flash(f"Saved {len(result.saved)} step(s) from the table.")
            st.rerun()
    if discard.button("Discard my table edits", key=f"{prefix}-discard"):
        st.session_state.pop(BULK_CONFLICT_KEY, None)
        shared.flash("Your table edits were discarded; nothing was saved.")
        st.rerun()


# --- comparing, activity, export -----------------------------------------------------


def render_compare(shown: Shown, found: list[dict]) -> None:
    others = {j["id"]: j["title"] for j in found if j["id"] != shown.journey_id}
    if not others:
        st.info("There is no other journey to compare with yet.")
        return
    other_id = st.selectbox(
        "Compare with",
        list(others),
        format_func=others.get,
        key=f"journey-{shown.journey_id}-compare-with",
        help="Stages are matched by name, steps by what the person does.",
    )
    other = shared.attempt(maps.load_journey_map, shown.ws, other_id)
    if other is shared.FAILED:
        return
    st.caption(
        f"This journey: {shared.md(shown.journey['title'])}. The other journey: "
        f"{shared.md(others[other_id])}. Stages are matched by name, steps by "
        "action."
    )
    rows = []
    for difference in review.compare(shown.journey_map, other):
        if difference.in_first and difference.in_second:
            where = "Both journeys"
        else:
            where = "This journey only" if difference.in_first else "Other only"
        rows.append(
            {
                "Stage": difference.stage,
                "Stage is in": where,
                "Steps only in this journey": _listed(difference.only_in_first),
                "Steps in both": _listed(difference.in_both),
                "Steps only in the other": _listed(difference.only_in_second),
            }
        )
    shared.table(pd.DataFrame(rows), hide_index=True)
    left, right = st.columns(2)
    for column, journey_map in ((left, shown.journey_map), (right, other)):
        with column:
            st.markdown(f"#### {shared.md(journey_map.journey['title'])}")
            for number, stage in enumerate(journey_map.stages, start=1):
                steps = journey_map.steps_by_stage[stage["id"]]
                listed = "\n".join(
                    f"{n}. {shared.md(s['action'])}" for n, s in enumerate(steps, 1)
                )
                st.markdown(
                    f"**Stage {number}: {shared.md(stage['name'])}**\n\n"
                    + (listed or "No steps")
                )


def _listed(actions: tuple[str, ...]) -> str:
    return "; ".join(actions) if actions else "none"


def render_activity(shown: Shown) -> None:
    changes = journey_activity(shown.ws, shown.journey_id, limit=100)
    if not changes:
        st.info("No changes recorded for this journey yet.")
        return
    st.caption(
        "Every change to this journey, its stages and steps, newest first "
        "(the latest 100)."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "When (UTC)": change.at,
                "Who": change.actor,
                "Action": change.action,
                "What": change.subject,
                "Change": change.details,
            }
            for change in changes
        ),
        hide_index=True,
        key=f"journey-{shown.journey_id}-activity",
    )


def render_exports(shown: Shown) -> None:
    journey_id, ws = shown.journey_id, shown.ws
    slug = "".join(c if c.isalnum() else "-" for c in shown.journey["title"].lower())
    slug = "-".join(part for part in slug.split("-") if part)[:60] or "journey"
    page = grid.print_page(shown.grid, datetime.date.today())
    st.write(
        "Spreadsheets hold one row per step, with a feeling column per persona; "
        "they import back through 'Import journeys' below. The print-ready page "
        "is one self-contained HTML file: open it in a browser and print it on "
        "A3 landscape, or save it as PDF."
    )
    json_column, csv_column, xlsx_column, html_column = st.columns(4)
    json_column.download_button(
        "Journey as JSON",
        journey_files.export_json(ws, journey_id),
        file_name=f"{slug}.json",
        mime="application/json",
        key=f"journey-{journey_id}-export-json",
    )
    csv_column.download_button(
        "Journey as CSV",
        journey_files.export_csv(ws, journey_id),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=f"journey-{journey_id}-export-csv",
    )
    xlsx_column.download_button(
        "Journey as XLSX",
        journey_files.export_xlsx(ws, journey_id),
        file_name=f"{slug}.xlsx",
        mime=XLSX_MIME,
        key=f"journey-{journey_id}-export-xlsx",
    )
    html_column.download_button(
        "Print-ready page (HTML)",
        page,
        file_name=f"{slug}-map.html",
        mime="text/html",
        key=f"journey-{journey_id}-export-html",
    )
    with st.expander("Print view"):
        st.caption(
            "The page as it prints. Its 'Print this map' button prints only the "
            "map; choose A3 landscape, or 'Save as PDF'."
        )
        st.iframe(page, height=700, alt=f"Print view of {shown.journey['title']}")


# --- measures -----------------------------------------------------------------------


def render_measures(shown: Shown) -> None:
    """The journey's funnel per stage, the stage to fix first, and step KPIs."""
    title = shown.journey_map.journey["title"]
    prefix = f"journey-measures-{shown.journey_id}"
    st.subheader("Users per stage", anchor=False)
    st.caption(funnel_ui.FORMULA)
    funnel_ui.render_funnel(shown.ws, shown.journey_id, title, prefix)
    st.subheader("KPIs on the steps", anchor=False)
    funnel_ui.render_step_kpis(shown.ws, shown.journey_id, title, prefix)
