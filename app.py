"""Joinedup: the Streamlit entry point. Run with ``make run``.

Sets up the page and logging, draws the sidebar's demo role picker, and hands
over to the page chosen in the navigation. Pages live in ``app_pages/``.

The folder must not be called ``pages/``: Streamlit 1.67 then runs the old
folder-based navigation until some session calls `st.navigation`, so a
first visitor arriving by a deep link gets the page script alone, without
this file (see tests/test_browser.py).
"""

import logging
import os

import streamlit as st

from app_pages import shared

logging.basicConfig(
    level=os.environ.get("JOINEDUP_LOG_LEVEL", "INFO"),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)

st.set_page_config(page_title="Joinedup", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", url_path="home", default=True),
    st.Page("app_pages/personas.py", title="Personas", url_path="personas"),
    st.Page("app_pages/journeys.py", title="Journeys", url_path="journeys"),
    st.Page("app_pages/agency_graph.py", title="Agency graph", url_path="agency_graph"),
    st.Page("app_pages/goals_kpis.py", title="Goals & KPIs", url_path="goals_kpis"),
    st.Page(
        "app_pages/consultations.py", title="Consultations", url_path="consultations"
    ),
    st.Page("app_pages/improvements.py", title="Improvements", url_path="improvements"),
    st.Page(
        "app_pages/you_said_we_did.py",
        title="You said, we did",
        url_path="you_said_we_did",
    ),
    # Opened by link, not listed: the projected screen and the no-account pages.
    st.Page(
        "app_pages/facilitate.py",
        title="Facilitator screen",
        url_path="facilitate",
        visibility="hidden",
    ),
    st.Page("app_pages/join.py", title="Join", url_path="join", visibility="hidden"),
    st.Page(
        "app_pages/report.py",
        title="You said, we did",
        url_path="report",
        visibility="hidden",
    ),
]

page = st.navigation(PAGES)
shared.render_actor_picker()
page.run()
