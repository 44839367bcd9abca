"""Journeys: choose one, rename it safely, and read its map stage by stage."""

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import agencies, maps, personas
from journeys.errors import EditConflict, JourneyError
from journeys.graph import NO_OWNER
from journeys.models import JOURNEY_STATUSES, Journey


def main() -> None:
    shared.start_page("Journeys")
    st.write(
        "A journey is what a person goes through to get something done, stage by "
        "stage, across every agency involved."
    )
    with shared.open_workspace() as ws:
        found = shared.attempt(maps.list_journeys, ws)
        if found is shared.FAILED:
            return
        if found:
            _render_journey(ws, found)
        else:
            st.info("There are no journeys yet: add the first one below.")
        _render_add(ws)


def _render_journey(ws, found: list[dict]) -> None:
    titles = {journey["id"]: journey["title"] for journey in found}
    journey_id = shared.remembered_choice(
        "Journey",
        list(titles),
        store_key=shared.JOURNEY_KEY,
        widget_key="journey-choice",
        format_func=titles.get,
        default=_fullest(found),
    )
    journey_map = shared.attempt(maps.load_journey_map, ws, journey_id)
    if journey_map is shared.FAILED:
        return
    summary = next(j for j in found if j["id"] == journey_id)
    _render_summary(summary)
    _render_rename(ws, journey_map.journey)
    _render_map(journey_map)


def _fullest(found: list[dict]) -> int:
    """The journey with the most steps: the first one worth showing."""
    return max(found, key=lambda journey: journey["step_count"])["id"]


def _render_summary(journey: dict) -> None:
    st.header(journey["title"])
    if journey["description"]:
        st.write(journey["description"])
    facts, stages, steps = st.columns([2, 1, 1])
    facts.markdown(
        f"**Lead agency:** {journey['lead_agency_name'] or 'No lead agency'}  \n"
        f"**Status:** {journey['status'].capitalize()}"
    )
    stages.metric("Stages", journey["stage_count"])
    steps.metric("Steps", journey["step_count"])


# --- renaming ------------------------------------------------------------------


def _render_rename(ws, journey: dict) -> None:
    prefix = f"journey-{journey['id']}"
    opened = st.session_state.setdefault(
        f"{prefix}-opened", {"version": journey["version"], "title": journey["title"]}
    )
    with st.expander("Rename this journey", expanded=_has_conflict(prefix)):
        with st.form(f"{prefix}-rename"):
            title = st.text_input(
                "Journey title", value=opened["title"], key=f"{prefix}-title"
            )
            submitted = st.form_submit_button("Save title", key=f"{prefix}-save")
        if submitted:
            _rename(ws, journey["id"], opened["version"], title)
        _render_conflict(ws, journey["id"])


def _has_conflict(prefix: str) -> bool:
    return f"{prefix}-conflict" in st.session_state


def _rename(ws, journey_id: int, version: int, title: str) -> None:
    """Save the new title; on success forget the edit and rerun."""
    prefix = f"journey-{journey_id}"
    try:
        saved = maps.rename_journey(
            ws, shared.acting_user(), journey_id, version, title
        )
    except EditConflict as conflict:
        st.session_state[f"{prefix}-conflict"] = {
            "message": str(conflict),
            "current": conflict.current,
            "yours": conflict.yours,
        }
        st.rerun()
    except JourneyError as exc:
        st.error(str(exc))
        return
    _forget_rename(prefix)
    shared.flash(f"Renamed the journey to {saved['title']}.")
    st.rerun()


def _forget_rename(prefix: str) -> None:
    shared.forget(f"{prefix}-opened", f"{prefix}-title", f"{prefix}-conflict")


def _render_conflict(ws, journey_id: int) -> None:
    prefix = f"journey-{journey_id}"
    conflict = st.session_state.get(f"{prefix}-conflict")
    if conflict is None:
        return
    current, yours = conflict["current"], conflict["yours"]
    st.error(conflict["message"])
    changed = personas.changed_fields(current, yours) or ["title"]
    who = current.get("updated_by") or "them"
    comparison = pd.DataFrame(
        {
            "Field": field.replace("_", " ").capitalize(),
            f"Saved by {who}": shared.show_value(current.get(field)),
            "Your edit": shared.show_value(yours.get(field)),
        }
        for field in changed
    )
    st.table(comparison, hide_index=True)
    again, discard = st.columns(2)
    if again.button("Apply my edit again", key=f"{prefix}-reapply"):
        _rename(ws, journey_id, current["version"], yours["title"])
    if discard.button("Discard my edit", key=f"{prefix}-discard"):
        _forget_rename(prefix)
        shared.flash("Your edit was discarded; nothing was saved.")
        st.rerun()


# --- the map -------------------------------------------------------------------


def _render_map(journey_map: maps.JourneyMap) -> None:
    st.header("Journey map")
    if not journey_map.stages:
        st.info("This journey has no stages yet.")
    for number, stage in enumerate(journey_map.stages, start=1):
        st.subheader(f"Stage {number}: {stage['name']}", anchor=False)
        if stage["description"]:
            st.write(stage["description"])
        steps = journey_map.steps_by_stage[stage["id"]]
        if steps:
            st.table(_steps_table(steps), hide_index=True)
        else:
            st.caption("No steps recorded for this stage yet.")


def _steps_table(steps: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Step": number,
            "Action": step["action"],
            "Channel": step["channel"],
            "Touchpoint": step["touchpoint"] or "",
            "Owning agency": step["owning_agency_name"] or NO_OWNER,
            "Fee": step["fee"] or "",
            "Optional": "Yes" if step["optional"] else "No",
        }
        for number, step in enumerate(steps, start=1)
    )


# --- adding --------------------------------------------------------------------


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
    shared.flash(f"Added journey {journey.title.strip()}.")
    st.rerun()


main()
