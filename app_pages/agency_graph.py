"""Agency graph: who owns each step, and where citizens are handed between agencies.

The picture and every table are worked out from the journeys, never drawn by
hand. The tables and the text summary carry the same facts as the picture,
for screen-reader users and for sorting.
"""

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import graph, graph_html, kumu, network
from journeys.errors import JourneyError
from journeys.importers import import_file

ANY = None  # the "no filter" choice of a selectbox


def main() -> None:
    shared.start_page("Agency graph")
    st.write(
        "Every change of owning agency between two steps is a hand-off the "
        "person has to make; every step with no owning agency is a gap nobody "
        "answers for. Filter the graph, or focus on one agency and its partners."
    )
    with shared.open_workspace() as ws:
        choices = network.filter_choices(ws)
        filters, focus_id = _filters(choices)
        agency_graph = network.build_network(ws, filters)
        if focus_id is not None:
            agency_graph = network.focus(agency_graph, focus_id)
        _render_summary(agency_graph)
        _render_picture(agency_graph)
        _render_tables(agency_graph)
        _render_chain(ws, choices, filters)
        _render_exchange(ws, agency_graph)


def _filters(
    choices: network.FilterChoices,
) -> tuple[network.NetworkFilter, int | None]:
    with st.expander("Filters", expanded=True):
        left, middle, right = st.columns(3)
        journey_names = dict(choices.journeys)
        journey_ids = left.multiselect(
            "Journeys",
            list(journey_names),
            format_func=journey_names.get,
            placeholder="All journeys",
            key="graph_journeys",
        )
        persona_names = dict(choices.personas)
        persona_id = middle.selectbox(
            "Persona",
            [ANY, *persona_names],
            format_func=lambda p: "Any persona" if p is ANY else persona_names[p],
            key="graph_persona",
        )
        channel = right.selectbox(
            "Channel",
            [ANY, *choices.channels],
            format_func=lambda c: "Any channel" if c is ANY else c,
            key="graph_channel",
        )
        agency_names = dict(choices.agencies)
        left, right = st.columns(2)
        agency_id = left.selectbox(
            "Journeys that involve agency",
            [ANY, *agency_names],
            format_func=lambda a: "Any agency" if a is ANY else agency_names[a],
            key="graph_agency",
        )
        focus_id = right.selectbox(
            "Focus on agency and its neighbours",
            [ANY, *agency_names],
            format_func=lambda a: "No focus" if a is ANY else agency_names[a],
            key="graph_focus",
        )
        services = st.checkbox(
            "Show services (from the service inventory)", value=False, key="graph_svc"
        )
    chosen = network.NetworkFilter(
        journey_ids=tuple(journey_ids),
        persona_id=persona_id,
        agency_id=agency_id,
        channel=channel,
        include_services=services,
    )
    return chosen, focus_id


def _render_summary(agency_graph) -> None:
    st.header("In words")
    for sentence in network.summary_sentences(agency_graph):
        st.text(sentence)  # names as typed: plain text, never Markdown


def _render_picture(agency_graph) -> None:
    st.header("Picture")
    if agency_graph.number_of_nodes() == 0:
        st.info("Nothing matches these filters.")
        return
    st.caption(
        "Agencies are boxes, steps are dots, services are diamonds. Arrows "
        "between agencies are hand-offs, thicker for more journeys. The same "
        "facts are in the tables below."
    )
    summary = " ".join(network.summary_sentences(agency_graph)[:3])
    try:
        page = graph_html.render_graph_html(agency_graph)
    except JourneyError as err:  # the tables below still carry the facts
        st.error(f"The picture could not be drawn: {err}")
        return
    st.iframe(
        page,
        height=graph_html.FRAME_HEIGHT,
        alt=summary or "Agency graph",
    )


def _render_tables(agency_graph) -> None:
    st.header("Tables")
    for title, rows in graph_html.graph_tables(agency_graph).items():
        st.subheader(title, anchor=False)
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        else:
            st.write("None.")


def _render_chain(ws, choices: network.FilterChoices, filters) -> None:
    st.header("The agencies a citizen meets, in order")
    journey_names = dict(choices.journeys)
    if not journey_names:
        st.info("There are no journeys yet: add one on the Journeys page.")
        return
    journey_id = shared.remembered_choice(
        "Journey",
        list(journey_names),
        store_key=shared.JOURNEY_KEY,
        widget_key="graph_chain_journey",
        format_func=journey_names.get,
    )
    chain = network.journey_chain(ws, journey_id)
    if not chain:
        st.write("This journey has no steps yet.")
        return
    # Agency names and step actions are typed by people: shown as typed.
    shared.table(
        pd.DataFrame(
            {
                "Order": link.position,
                "Owning agency": link.agency,
                "Steps": link.step_count,
                "From step": link.first_step,
                "To step": link.last_step,
            }
            for link in chain
        ),
        hide_index=True,
    )
    handed = [link for link in chain if link.agency != graph.NO_OWNER]
    st.text(f"{len(handed)} owning agencies met; {len(chain)} runs of steps in all.")


def _render_exchange(ws, agency_graph) -> None:
    st.header("Move maps in and out")
    st.write(
        "Kumu's spreadsheet layout: an Elements sheet (Label, Type) and a "
        "Connections sheet (From, To). Text that a spreadsheet would run as a "
        "formula is exported with a leading apostrophe."
    )
    left, right = st.columns(2)
    left.download_button(
        "Download Kumu XLSX",
        kumu.export_xlsx(agency_graph),
        "agency-graph-kumu.xlsx",
        key="kumu_xlsx",
    )
    right.download_button(
        "Download Kumu CSV (zip of two files)",
        kumu.export_zip(agency_graph),
        "agency-graph-kumu.zip",
        key="kumu_zip",
    )
    kinds = {
        "kumu-spreadsheet": "Kumu spreadsheet (XLSX, or zip of two CSV files)",
        "gc-service-inventory": "Government of Canada service inventory (CSV)",
    }
    with st.form("graph_import", clear_on_submit=True):
        kind = st.selectbox("Kind of file", list(kinds), format_func=kinds.get)
        upload = st.file_uploader("File", type=["xlsx", "csv", "zip"])
        submitted = st.form_submit_button("Import")
    if submitted and upload is not None:
        result = shared.attempt(import_file, ws, shared.acting_user(), kind, upload)
        if result is not shared.FAILED:
            shared.flash(f"Imported: {result}")
            st.rerun()


main()
