"""Goals & KPIs: the KPI library, where people drop out, how satisfied they are,
and the goals agencies share."""

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import agencies, goals, maps, metrics, performance
from journeys.models import Goal


def main() -> None:
    shared.start_page("Goals & KPIs")
    with shared.open_workspace() as ws:
        _render_kpi_library(metrics.list_kpis(ws))
        _render_stage_users(ws)
        _render_satisfaction(ws)
        _render_goals(ws)


def _render_kpi_library(kpis: list[dict]) -> None:
    st.header("KPI library")
    if not kpis:
        st.info("No KPI is defined yet.")
        return
    st.table(
        pd.DataFrame(
            {
                "KPI": kpi["name"],
                "Formula": kpi["formula"],
                "Unit": kpi["unit"],
                "Better when": {"up": "Higher", "down": "Lower"}.get(
                    kpi["direction"], "Neither"
                ),
                "Source": kpi["source"],
            }
            for kpi in kpis
        ),
        hide_index=True,
    )


# --- users per stage -----------------------------------------------------------


def _render_stage_users(ws) -> None:
    st.header("Users per stage")
    st.caption(
        "Abandonment at a stage = 1 - (users reaching the next stage / users "
        "reaching this stage), in the chosen week. The last stage has none."
    )
    found = performance.journeys_with_stage_users(ws)
    if not found:
        st.info("No journey has users-per-stage measurements yet.")
    for journey in found:
        _render_funnel(ws, journey)


def _render_funnel(ws, journey: dict) -> None:
    st.subheader(journey["title"], anchor=False)
    periods = performance.stage_user_periods(ws, journey["id"])
    period = st.selectbox(
        "Week starting", periods, key=f"journey-{journey['id']}-stage-users-week"
    )
    stages = performance.stage_funnel(ws, journey["id"], period)
    st.table(_funnel_table(stages), hide_index=True)
    worst = metrics.stage_to_fix_first(stages)
    if worst is not None:
        st.markdown(
            f"**Stage to fix first:** {worst.stage}, where "
            f"{shared.percent(worst.abandonment)} of the people who reach it "
            "do not reach the next stage."
        )


def _funnel_table(stages: list[metrics.StageFunnel]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Stage": stage.stage,
            "Users": shared.whole_or_decimal(stage.users),
            "Reached next stage": _next_users(stage),
            "Lost": _lost(stage),
            "Abandonment": shared.percent(stage.abandonment),
        }
        for stage in stages
    )


def _next_users(stage: metrics.StageFunnel) -> str:
    if stage.next_users is None:
        return "Not applicable"
    return shared.whole_or_decimal(stage.next_users)


def _lost(stage: metrics.StageFunnel) -> str:
    if stage.lost is None or stage.users is None:
        return "Not applicable"
    return shared.whole_or_decimal(stage.lost)


# --- satisfaction --------------------------------------------------------------


def _render_satisfaction(ws) -> None:
    st.header("User satisfaction")
    found = performance.journeys_with_satisfaction(ws)
    if not found:
        st.info("No journey has satisfaction answers yet.")
    for journey in found:
        summary = performance.satisfaction_summary(ws, journey["id"])
        if summary is not None:
            _render_satisfaction_summary(journey["title"], summary)


def _render_satisfaction_summary(
    title: str, summary: performance.SatisfactionSummary
) -> None:
    st.subheader(title, anchor=False)
    answers = summary.answers
    st.metric(
        "Satisfied or very satisfied (top-two-box)",
        shared.percent(summary.top_two_box, empty="No answers"),
    )
    st.caption(
        f"n = {answers:,.0f} answers from {summary.first_day} to {summary.last_day}."
    )
    st.table(
        pd.DataFrame(
            {
                "Level": f"{level} - {label}",
                "Answers": shared.whole_or_decimal(summary.counts[level]),
                "Share": shared.percent(
                    summary.counts[level] / answers if answers else None
                ),
            }
            for level, label in performance.SATISFACTION_LEVELS.items()
        ),
        hide_index=True,
    )
    if summary.unreadable:
        st.warning(
            f"{summary.unreadable} recorded rows have no level from 1 to 5 and "
            "are left out of these figures."
        )


# --- goals ---------------------------------------------------------------------


def _render_goals(ws) -> None:
    st.header("Shared goals")
    found = goals.list_goals(ws)
    if found:
        st.table(_goals_table(found), hide_index=True)
    else:
        st.write("No shared goal has been set yet.")
    _render_add_goal(ws)


def _goals_table(found: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Goal": goal["title"],
            "Journey": goal["journey_title"] or "All journeys",
            "KPI": goal["kpi_name"] or "No KPI",
            "Owner": goal["owner_agency_name"] or "No owner",
            "Baseline": _number(goal["baseline"]),
            "Target": _number(goal["target"]),
            "Deadline": goal["deadline"] or "None",
        }
        for goal in found
    )


def _number(value: float | None) -> str:
    return "None" if value is None else shared.whole_or_decimal(value)


def _render_add_goal(ws) -> None:
    journey_titles = {j["id"]: j["title"] for j in maps.list_journeys(ws)}
    kpi_names = {k["id"]: k["name"] for k in metrics.list_kpis(ws)}
    owners = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    with st.expander("Add a shared goal"):
        with st.form("goal-add"):
            goal = Goal(
                title=st.text_input("Goal", key="goal-new-title"),
                description=st.text_area("Description", key="goal-new-description"),
                journey_id=_optional_choice(
                    "Journey", journey_titles, "goal-new-journey"
                ),
                kpi_id=_optional_choice("KPI", kpi_names, "goal-new-kpi"),
                owner_agency_id=_optional_choice("Owner", owners, "goal-new-owner"),
                baseline=st.text_input("Baseline (a number)", key="goal-new-baseline"),
                target=st.text_input("Target (a number)", key="goal-new-target"),
                deadline=st.text_input(
                    "Deadline (YYYY-MM-DD)", key="goal-new-deadline"
                ),
            )
            submitted = st.form_submit_button("Add goal", key="goal-new-save")
        if submitted:
            _add_goal(ws, goal)


def _optional_choice(label: str, names: dict[int, str], key: str) -> int | None:
    return st.selectbox(
        label,
        [None, *names],
        format_func=lambda value: names.get(value, "None"),
        key=key,
    )


def _add_goal(ws, goal: Goal) -> None:
    new_id = shared.attempt(goals.create_goal, ws, shared.acting_user(), goal)
    if new_id is shared.FAILED:
        return
    shared.forget(
        *(
            f"goal-new-{field}"
            for field in (
                "title",
                "description",
                "journey",
                "kpi",
                "owner",
                "baseline",
                "target",
                "deadline",
            )
        )
    )
    shared.flash(f"Added the goal {goal.title.strip()}.")
    st.rerun()


main()
