"""Agency graph: who owns each step of every journey, and who hands over to whom.

A first, table-only view: the chain of owning agencies per journey, the steps
nobody owns, and the handoffs between agencies across all journeys.
"""

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import graph, maps


def main() -> None:
    shared.start_page("Agency graph")
    st.write(
        "Every change of owning agency is a handoff the person has to make, and "
        "every step with no owning agency is a gap nobody is answerable for."
    )
    with shared.open_workspace() as ws:
        found = shared.attempt(maps.list_journeys, ws)
        if found is shared.FAILED:
            return
        if not found:
            st.info("There are no journeys yet: add one on the Journeys page.")
            return
        journey_maps = [maps.load_journey_map(ws, journey["id"]) for journey in found]
    _render_handoffs(graph.agency_graph(journey_maps))
    for journey_map in journey_maps:
        _render_journey(journey_map)


def _render_handoffs(agency_graph) -> None:
    st.header("Handoffs between agencies, all journeys")
    rows = graph.handoff_summary(agency_graph)
    if not rows:
        st.write("No journey passes from one owning agency to another.")
        return
    st.table(
        pd.DataFrame(
            {
                "From agency": row["from_agency"],
                "To agency": row["to_agency"],
                "Handoffs": row["handoffs"],
                "In journeys": ", ".join(row["journeys"]),
            }
            for row in rows
        ),
        hide_index=True,
    )


def _render_journey(journey_map: maps.JourneyMap) -> None:
    st.header(journey_map.journey["title"])
    if not journey_map.step_count:
        st.write("This journey has no steps yet.")
        return
    st.subheader("Chain of owning agencies, in step order", anchor=False)
    st.table(_chain_table(graph.owner_chain(journey_map)), hide_index=True)
    st.subheader("Steps with no owning agency", anchor=False)
    unowned = graph.unowned_steps(journey_map)
    if unowned:
        st.table(_unowned_table(unowned), hide_index=True)
    else:
        st.write("None: every step has an owning agency.")


def _chain_table(chain: list[graph.ChainLink]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Order": link.position,
            "Owning agency": link.agency,
            "Steps": link.step_count,
            "From step": link.first_step,
            "To step": link.last_step,
        }
        for link in chain
    )


def _unowned_table(steps: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Step": graph.step_label(step),
            "Stage": step["stage_name"],
            "Channel": step["channel"],
            "Touchpoint": step["touchpoint"] or "",
        }
        for step in steps
    )


main()
