"""A journey's funnel and the KPIs on its steps, as the Goals & KPIs page and
a journey's Measures tab both show them.

Not a navigation page. Every figure comes from `journeys.performance`; this
module draws the chart, lays out the tables (names people typed escaped,
figures as written, so 26.3% reads as 26.3%) and offers the downloads.
"""

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import kpis, metrics, performance

FORMULA = (
    "Abandonment at a stage = 1 - (users reaching the next stage / users "
    "reaching this stage), in the chosen period. The last stage has none."
)


def render_funnel(ws, journey_id: int, title: str, prefix: str) -> None:
    """Period choice, chart, table and downloads of a journey's funnel, with
    the stage to fix first. ``prefix`` starts every widget key."""
    periods = performance.stage_user_periods(ws, journey_id)
    if not periods:
        st.info("This journey has no users-per-stage measurements yet.")
        return
    period = st.selectbox("Period starting", periods, key=f"{prefix}-period")
    stages = performance.stage_funnel(ws, journey_id, period)
    frame, spec = funnel_chart(stages)
    st.vega_lite_chart(frame, spec, width="stretch")
    st.table(_funnel_table(stages), hide_index=True)
    shared.table_downloads(
        f"funnel-{journey_id}-{period}",
        performance.FUNNEL_HEADERS,
        performance.funnel_rows(stages),
        f"{prefix}-funnel-export",
        f"the funnel of {shared.md(title)}",
    )
    rising = [s.stage for s in stages if s.rises]
    if rising:
        st.warning(
            "More people reached the next stage than this one at: "
            + shared.md(", ".join(rising))
            + ". The data is inconsistent (people counted twice, or entering "
            "mid-journey); those rates are not used."
        )
    worst = metrics.stage_to_fix_first([s for s in stages if not s.rises])
    if worst is not None:
        st.markdown(
            f"**Stage to fix first:** {shared.md(worst.stage)}, where "
            f"{shared.percent(worst.abandonment)} of the people who reach it "
            "do not reach the next stage."
        )


def render_step_kpis(ws, journey_id: int, title: str, prefix: str) -> None:
    """The latest value of each KPI shown on the journey's steps."""
    found = performance.step_kpis(ws, journey_id)
    if not found:
        st.info("No KPI is linked to this journey's steps yet.")
        return
    st.table(
        pd.DataFrame(
            {
                "Stage": shared.md(k.stage),
                "Step": shared.md(k.step),
                "KPI": shared.md(k.kpi_name),
                "Latest": kpis.display_value(k.value, k.unit),
                "Period": f"{k.period_start} to {k.period_end}"
                if k.period_start
                else "None",
                "Measured on": k.measured_on,
            }
            for k in found
        ),
        hide_index=True,
    )
    shared.table_downloads(
        f"step-kpis-{journey_id}",
        performance.STEP_KPI_HEADERS,
        performance.step_kpi_rows(found),
        f"{prefix}-step-kpis-export",
        f"the step KPIs of {shared.md(title)}",
    )


def funnel_chart(stages: list[metrics.StageFunnel]) -> tuple[pd.DataFrame, dict]:
    """Users reaching each stage, in journey order, labelled with abandonment.

    A Vega-Lite spec: the chart's toolbar saves it as PNG."""
    frame = pd.DataFrame(
        {
            "Stage": f"{number}. {s.stage}",
            "Users": s.users,
            "Abandonment": shared.percent(s.abandonment, empty=""),
        }
        for number, s in enumerate(stages, start=1)
        if s.users is not None
    )
    order = list(frame["Stage"]) if len(frame) else []
    encoding = {
        "y": {
            "field": "Stage",
            "type": "nominal",
            "sort": order,
            "title": None,
            "axis": {"labelLimit": 240},
        },
        "x": {
            "field": "Users",
            "type": "quantitative",
            "title": "Users reaching the stage",
        },
    }
    spec = {
        "height": 40 * max(1, len(order)),
        "encoding": encoding,
        "layer": [
            {
                "mark": "bar",
                "encoding": {
                    "tooltip": [
                        {"field": "Stage"},
                        {"field": "Users", "type": "quantitative"},
                        {"field": "Abandonment"},
                    ]
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4},
                "encoding": {"text": {"field": "Abandonment"}},
            },
        ],
    }
    return frame, spec


def _funnel_table(stages: list[metrics.StageFunnel]) -> pd.DataFrame:
    # Only the last stage has no next one; elsewhere a blank is missing data.
    last = len(stages) - 1
    return pd.DataFrame(
        {
            "Stage": shared.md(s.stage),
            "Users": shared.whole_or_decimal(s.users),
            "Reached next stage": _or_why(s.next_users, number == last),
            "Lost": _or_why(s.lost, number == last),
            "Abandonment": "Not applicable"
            if number == last
            else shared.percent(s.abandonment, empty="No data"),
        }
        for number, s in enumerate(stages)
    )


def _or_why(count: float | None, last: bool) -> str:
    if last:
        return "Not applicable"
    return shared.whole_or_decimal(count)  # "No data" when None
