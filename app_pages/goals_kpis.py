"""Goals & KPIs: the programme-lead dashboard, journeys' funnels and step KPIs,
the KPI library, and measurements in (files, a form, a template).

Thin: every number comes from `journeys`; this page lays it out, rounds it
for display only, and shows a `JourneyError` with ``st.error``. Every table
has CSV and XLSX downloads of the rows it shows, unrounded, built in
`journeys.goals` and `journeys.performance`.

Charts are Vega-Lite specs (``st.vega_lite_chart``): each chart's toolbar has
Streamlit's own "Download as PNG" button, which is how a chart is saved as PNG.
"""

import dataclasses
import datetime

import pandas as pd
import streamlit as st

from app_pages import funnel_ui, measurement_entry, shared
from journeys import agencies, goals, kpis, maps, metrics, performance, surveys
from journeys.models import Goal

STATUS_WORDS = {
    goals.ON_TRACK: "On track",
    goals.AT_RISK: "At risk",
    goals.OFF_TRACK: "Off track",
    goals.NO_RECENT_DATA: "No recent data",
}
STATUS_MARKS = {
    goals.ON_TRACK: ":green[On track]",
    goals.AT_RISK: ":orange[At risk]",
    goals.OFF_TRACK: ":red[Off track]",
    goals.NO_RECENT_DATA: ":gray[No recent data]",
}


EARLIEST_PERIOD = datetime.date(1990, 1, 1)
LATEST_PERIOD = datetime.date(2100, 12, 31)
SECTIONS = ("Dashboard", "Journeys", "KPI library", "Add goals and data")
SECTION_KEY = "kpi-section"


def main() -> None:
    shared.start_page("Goals & KPIs")
    # One section at a time: each is worked out only when it is shown.
    section = st.radio(
        "Show", SECTIONS, horizontal=True, key=SECTION_KEY, label_visibility="collapsed"
    )
    with shared.open_workspace() as ws:
        if section == "Dashboard":
            _render_dashboard(ws)
        elif section == "Journeys":
            _render_stage_users(ws)
            _render_satisfaction(ws)
        elif section == "KPI library":
            _render_kpi_library(metrics.list_kpis(ws))
            _render_add_custom_kpi(ws)
            _render_edit_custom_kpi(ws)
        else:
            _render_goals(ws)
            measurement_entry.render_import(ws)
            measurement_entry.render_manual_entry(ws)


# --- dashboard -------------------------------------------------------------------


def _render_dashboard(ws) -> None:
    st.header("Shared goals at a glance")
    agency_names = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    journey_titles = {j["id"]: j["title"] for j in maps.list_journeys(ws)}
    one, two, three, four = st.columns(4)
    with one:
        agency_id = shared.optional_choice(
            "Agency", agency_names, "dashboard-agency", empty="All agencies"
        )
    with two:
        journey_id = shared.optional_choice(
            "Journey", journey_titles, "dashboard-journey", empty="All journeys"
        )
    # Streamlit's own range is today +/- 10 years, which would shut out data
    # like the Performance Platform's 2012-14: allow any year people measure.
    with three:
        start = st.date_input(
            "Period from",
            value=None,
            min_value=EARLIEST_PERIOD,
            max_value=LATEST_PERIOD,
            key="dashboard-start",
        )
    with four:
        end = st.date_input(
            "Period to",
            value=None,
            min_value=EARLIEST_PERIOD,
            max_value=LATEST_PERIOD,
            key="dashboard-end",
        )
    board = shared.attempt(
        goals.dashboard,
        ws,
        agency_id=agency_id,
        journey_id=journey_id,
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
    )
    if board is shared.FAILED:
        return
    st.caption(
        f"Status as of {board.review_date} (the end of the period, or today). "
        "Values are rounded for display only."
    )
    with st.expander("How status is worked out"):
        st.markdown(goals.STATUS_RULE)
    if not board.goals:
        st.info("No shared goal matches these filters.")
        return
    counts = [v.status for v in board.goals]
    for column, status in zip(st.columns(4), goals.STATUS_ORDER, strict=True):
        column.metric(f"Goals {STATUS_WORDS[status].lower()}", counts.count(status))
    st.table(_goals_overview(board), hide_index=True)
    shared.table_downloads(
        "goals-overview",
        goals.OVERVIEW_HEADERS,
        goals.overview_rows(board),
        "dashboard-overview-export",
        "the goals overview",
    )

    st.subheader("Worst-moving KPIs first", anchor=False)
    st.caption(
        "Movement: the change since the previous measurement, as a share of the "
        "way from baseline to target; negative is the wrong way."
    )
    st.table(_worst_moving_table(board), hide_index=True)
    shared.table_downloads(
        "worst-moving-kpis",
        goals.WORST_MOVING_HEADERS,
        goals.worst_moving_rows(board),
        "dashboard-worst-moving-export",
        "the worst-moving KPIs",
    )
    for view in board.goals:
        _render_goal(view)


def _goals_overview(board: goals.Dashboard) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Goal": shared.md(view.goal["title"]),
            "Status": STATUS_WORDS[view.status],
            "Owner": shared.md(view.goal.get("owner_agency_name") or "No owner"),
            "Contributing agencies": shared.md(
                ", ".join(a["name"] for a in view.agencies) or "None"
            ),
            "Journeys": shared.md(
                ", ".join(j["name"] for j in view.journeys) or "None"
            ),
            "KPIs": shared.md(
                ", ".join(k.row["kpi_name"] for k in view.kpis) or "None"
            ),
        }
        for view in board.goals
    )


def _worst_moving_table(board: goals.Dashboard) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Goal": shared.md(k.goal_title),
            "KPI": shared.md(k.row["kpi_name"]),
            "Measured on": shared.md(k.where),
            "Status": STATUS_WORDS[k.judgement.status],
            "Latest": kpis.display_value(
                k.judgement.latest.value if k.judgement.latest else None, k.unit
            ),
            "Target": kpis.display_value(k.row["target"], k.unit),
            "Movement": "Not enough data"
            if k.judgement.movement is None
            else f"{k.judgement.movement:+.0%}",
            "Why": shared.md(k.judgement.reason),
        }
        for k in board.worst_moving()
    )


def _render_goal(view: goals.GoalView) -> None:
    st.subheader(shared.md(view.goal["title"]), anchor=False)
    st.markdown(
        f"{STATUS_MARKS[view.status]} · Owner: "
        f"{shared.md(view.goal.get('owner_agency_name') or 'no owner')}"
        + (
            " · With: " + shared.md(", ".join(a["name"] for a in view.agencies))
            if view.agencies
            else ""
        )
    )
    if view.goal.get("description"):
        st.caption(shared.md(view.goal["description"]))
    if view.steps:
        st.caption(
            "About the steps: " + shared.md("; ".join(s["name"] for s in view.steps))
        )
    for k in view.kpis:
        _render_goal_kpi(k)


def _render_goal_kpi(k: goals.GoalKpiView) -> None:
    judged = k.judgement
    st.markdown(
        f"**{shared.md(k.row['kpi_name'])}** ({shared.md(k.where)}): "
        f"{STATUS_MARKS[judged.status]}. "
        f"Target {kpis.display_value(k.row['target'], k.unit)}"
        + (f" by {k.row['deadline']}" if k.row["deadline"] else "")
        + f"; {shared.md(judged.reason)}."
    )
    if any(p.value is not None for p in k.points):
        frame, spec = _trend_chart(k)
        st.vega_lite_chart(frame, spec, width="stretch")
        # A goal can hold the same KPI twice (two places): the row id tells them apart.
        where = f"goal-{k.goal_id}-kpi-{k.row['id']}"
        shared.table_downloads(
            f"trend-{where}",
            goals.TREND_HEADERS,
            goals.trend_rows(k),
            f"{where}-trend-export",
            f"the trend of {shared.md(k.row['kpi_name'])}",
        )


def _trend_chart(k: goals.GoalKpiView) -> tuple[pd.DataFrame, dict]:
    """Values over time with the target as a dashed rule (a Vega-Lite spec)."""
    unit = k.unit
    target = kpis.to_display_number(k.row["target"], unit)
    frame = pd.DataFrame(
        {
            "Period end": p.period_end,
            "Value": kpis.to_display_number(p.value, unit),
            "Target": target,
        }
        for p in k.points
        if p.value is not None
    )
    y_title = f"{k.row['kpi_name']} ({unit})"
    spec = {
        "title": f"{k.row['kpi_name']} ({k.where}); target dashed",
        "height": 220,
        "layer": [
            {
                "mark": {"type": "line", "point": True},
                "encoding": {
                    "x": {"field": "Period end", "type": "temporal", "title": None},
                    "y": {"field": "Value", "type": "quantitative", "title": y_title},
                    "tooltip": [
                        {"field": "Period end", "type": "temporal"},
                        {"field": "Value", "type": "quantitative", "format": ".2f"},
                    ],
                },
            },
            {
                # A horizontal rule across the whole chart at the target.
                "mark": {"type": "rule", "strokeDash": [6, 4], "color": "firebrick"},
                "encoding": {"y": {"aggregate": "max", "field": "Target"}},
            },
        ],
    }
    return frame, spec


# --- journeys: funnels and step KPIs -----------------------------------------------


def _render_stage_users(ws) -> None:
    st.header("Users per stage")
    st.caption(funnel_ui.FORMULA)
    found = performance.journeys_with_stage_users(ws)
    if not found:
        st.info("No journey has users-per-stage measurements yet.")
    for journey in found:
        _render_funnel(ws, journey)


def _render_funnel(ws, journey: dict) -> None:
    st.subheader(shared.md(journey["title"]), anchor=False)
    prefix = f"journey-{journey['id']}"
    funnel_ui.render_funnel(ws, journey["id"], journey["title"], prefix)
    st.markdown("**KPIs on the steps**")
    funnel_ui.render_step_kpis(ws, journey["id"], journey["title"], prefix)


def _render_satisfaction(ws) -> None:
    st.header("User satisfaction")
    found = performance.journeys_with_satisfaction(ws)
    if not found:
        st.info("No journey has satisfaction answers yet.")
    for journey in found:
        summary = performance.satisfaction_summary(ws, journey["id"])
        if summary is not None:
            _render_satisfaction_summary(journey, summary)
    overview = surveys.survey_overview(ws)
    if overview:
        st.subheader("Survey answers", anchor=False)
        st.table(
            pd.DataFrame(
                {
                    "Survey": shared.md(row["survey"]),
                    "Measure": row["measure_label"],
                    "Question": shared.md(row["question"][:200]),
                    "Respondents": row["respondents"],
                    "From partial responses": row["from_partial"],
                    "Months": f"{row['first_month']} to {row['last_month']}",
                }
                for row in overview
            ),
            hide_index=True,
        )
        shared.table_downloads(
            "survey-answers",
            performance.SURVEY_HEADERS,
            performance.survey_overview_rows(overview),
            "survey-answers-export",
            "the survey answers",
        )


def _render_satisfaction_summary(
    journey: dict, summary: performance.SatisfactionSummary
) -> None:
    st.subheader(shared.md(journey["title"]), anchor=False)
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
    shared.table_downloads(
        f"satisfaction-{journey['id']}",
        performance.SATISFACTION_HEADERS,
        performance.satisfaction_rows(summary),
        f"journey-{journey['id']}-satisfaction-export",
        f"the satisfaction of {shared.md(journey['title'])}",
    )
    if summary.unreadable:
        st.warning(
            f"{summary.unreadable} recorded rows have no level from 1 to 5 and "
            "are left out of these figures."
        )


# --- KPI library -----------------------------------------------------------------


LIBRARY_HEADERS = ["Family", "KPI", "Key", "Formula", "Unit", "Better when", "Source"]


def _library_rows(kpis_: list[dict]) -> list[dict]:
    order = list(metrics.FAMILIES) + ["Custom", "Other"]
    return [
        {
            "Family": kpi["family"],
            "KPI": kpi["name"],
            "Key": kpi["key"],
            "Formula": kpi["formula"],
            "Unit": kpi["unit"],
            "Better when": {"up": "Higher", "down": "Lower"}.get(
                kpi["direction"], "Neither"
            ),
            "Source": kpi["source"],
        }
        for kpi in sorted(kpis_, key=lambda k: (order.index(k["family"]), k["name"]))
    ]


def _render_kpi_library(kpis_: list[dict]) -> None:
    st.header("KPI library")
    if not kpis_:
        st.info("No KPI is defined yet.")
        return
    found = _library_rows(kpis_)
    # Custom KPIs are typed by people: every text cell is escaped.
    shared.table(pd.DataFrame(found), hide_index=True)
    shared.table_downloads(
        "kpi-library", LIBRARY_HEADERS, found, "library-export", "the KPI library"
    )


def _render_add_custom_kpi(ws) -> None:
    with st.expander("Add a custom KPI"):
        st.caption(
            "A formula over other KPIs' keys with + - * / and brackets, worked "
            "out per period where every input has a value. Example: "
            "`transactions / users_at_stage`."
        )
        with st.form("custom-kpi-add"):
            name = st.text_input("Name", key="custom-kpi-name")
            unit = st.text_input(
                "Unit (%, GBP, days, people...)", key="custom-kpi-unit"
            )
            direction = st.selectbox(
                "Better when",
                ["up", "down", "none"],
                format_func={"up": "Higher", "down": "Lower", "none": "Neither"}.get,
                key="custom-kpi-direction",
            )
            expression = st.text_input("Formula", key="custom-kpi-formula")
            submitted = st.form_submit_button("Add KPI", key="custom-kpi-save")
        if submitted:
            made = shared.attempt(
                metrics.create_custom_kpi,
                ws,
                shared.acting_user(),
                name,
                unit,
                direction,
                expression,
            )
            if made is not shared.FAILED:
                shared.forget(
                    "custom-kpi-name", "custom-kpi-unit", "custom-kpi-formula"
                )
                shared.flash(f"Added the KPI {shared.md(name.strip())}.")
                st.rerun()


KPI_EDIT_OPENED = "custom-kpi-edit-opened"  # the KPI as the edit form opened it
DIRECTION_WORDS = {"up": "Higher", "down": "Lower", "none": "Neither"}


def _render_edit_custom_kpi(ws) -> None:
    custom = {k["id"]: k for k in metrics.list_kpis(ws) if k.get("expression")}
    if not custom:
        return
    with st.expander("Edit or delete a custom KPI"):
        kpi_id = shared.optional_choice(
            "Custom KPI",
            {i: k["name"] for i, k in custom.items()},
            "custom-kpi-edit-choice",
            empty="Choose a KPI",
        )
        if kpi_id is None:
            st.session_state.pop(KPI_EDIT_OPENED, None)
            return
        opened = st.session_state.get(KPI_EDIT_OPENED)
        if opened is None or opened["id"] != kpi_id:
            opened = custom[kpi_id]
            st.session_state[KPI_EDIT_OPENED] = opened
            st.session_state["custom-kpi-edit-name"] = opened["name"]
            st.session_state["custom-kpi-edit-unit"] = opened["unit"]
            st.session_state["custom-kpi-edit-direction"] = opened["direction"]
            st.session_state["custom-kpi-edit-formula"] = opened["expression"]
        st.caption(
            f"Key `{opened['key']}` stays the same, so formulas over it keep working."
        )
        with st.form("custom-kpi-edit"):
            name = st.text_input("Name", key="custom-kpi-edit-name")
            unit = st.text_input("Unit", key="custom-kpi-edit-unit")
            direction = st.selectbox(
                "Better when",
                list(DIRECTION_WORDS),
                format_func=DIRECTION_WORDS.get,
                key="custom-kpi-edit-direction",
            )
            expression = st.text_input("Formula", key="custom-kpi-edit-formula")
            save = st.form_submit_button("Save KPI", key="custom-kpi-edit-save")
        delete = st.button("Delete KPI", key="custom-kpi-edit-delete")
    if save:
        done = shared.attempt(
            metrics.update_custom_kpi,
            ws,
            shared.acting_user(),
            opened["id"],
            opened["version"],
            name,
            unit,
            direction,
            expression,
        )
        message = f"Saved the KPI {shared.md(name.strip())}."
    elif delete:
        done = shared.attempt(
            metrics.delete_custom_kpi,
            ws,
            shared.acting_user(),
            opened["id"],
            opened["version"],
        )
        message = f"Deleted the KPI {shared.md(opened['name'])}."
    else:
        return
    if done is shared.FAILED:
        return
    shared.forget(KPI_EDIT_OPENED, "custom-kpi-edit-choice")
    shared.flash(message)
    st.rerun()


# --- goals -----------------------------------------------------------------------


def _render_goals(ws) -> None:
    st.header("Shared goals")
    found = goals.list_goals(ws)
    if found:
        lines = goals.goal_lines(ws)
        st.table(_goals_table(lines), hide_index=True)
        shared.table_downloads(
            "goals",
            goals.GOAL_TABLE_HEADERS,
            goals.goal_table_rows(lines),
            "goals-table-export",
            "the goals",
        )
    else:
        st.write("No shared goal has been set yet.")
    _render_add_goal(ws)
    _render_edit_goal(ws, found)


def _goals_table(lines: list[goals.GoalLine]) -> pd.DataFrame:
    table = []
    for line in lines:
        goal, k = line.goal, line.kpi
        base = {
            "Goal": shared.md(goal["title"]),
            "Journey": shared.md(goal["journey_title"] or "All journeys"),
            "Owner": shared.md(goal["owner_agency_name"] or "No owner"),
        }
        if k is None:
            table.append(
                {
                    **base,
                    "KPI": shared.md(goal["kpi_name"] or "No KPI"),
                    "Status": "No KPI to judge",
                    "Baseline": _number(goal["baseline"]),
                    "Target": _number(goal["target"]),
                    "Deadline": goal["deadline"] or "None",
                }
            )
            continue
        table.append(
            {
                **base,
                "KPI": shared.md(k.row["kpi_name"]),
                "Status": STATUS_WORDS[k.judgement.status],
                "Baseline": kpis.display_value(
                    k.judgement.baseline, k.unit, empty="None"
                ),
                "Target": kpis.display_value(k.row["target"], k.unit),
                "Deadline": k.row["deadline"] or "None",
            }
        )
    return pd.DataFrame(table)


def _number(value: float | None) -> str:
    return "None" if value is None else shared.whole_or_decimal(value)


class _GoalChoices:
    """What a goal form offers: journeys, KPIs, agencies and steps, by id."""

    def __init__(self, ws) -> None:
        self.journeys = {j["id"]: j["title"] for j in maps.list_journeys(ws)}
        self.kpi_rows = {k["id"]: k for k in metrics.list_kpis(ws)}
        self.kpi_names = {
            i: f"{k['name']} ({k['unit']})" for i, k in self.kpi_rows.items()
        }
        self.owners = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
        self.steps = {}
        for journey_id, title in self.journeys.items():
            for step in maps.load_journey_map(ws, journey_id).steps():
                self.steps[step["id"]] = f"{title}: {step['action']}"


GOAL_FIELDS = ("title", "description", "journey", "owner", "agencies")
GOAL_EXTRA_FIELDS = ("journeys", "steps")
KPI_FIELDS = ("kpi", "kpi-agency", "direction", "baseline", "target", "deadline")
KPI_MAX = 10


def _kpi_key(prefix: str, field: str, number: int) -> str:
    """Widget key of one KPI row's field; the first row keeps the plain keys."""
    return f"{prefix}-{field}" if number == 1 else f"{prefix}-{field}-{number}"


def _goal_form_keys(prefix: str, kpi_count: int) -> list[str]:
    keys = [f"{prefix}-{f}" for f in (*GOAL_FIELDS, *GOAL_EXTRA_FIELDS)]
    keys += [
        _kpi_key(prefix, f, n) for n in range(1, kpi_count + 1) for f in KPI_FIELDS
    ]
    return keys


def _kpi_count(prefix: str) -> int:
    return int(
        st.number_input(
            "Number of KPIs",
            min_value=1,
            max_value=KPI_MAX,
            step=1,
            key=f"{prefix}-kpi-count",
            help="Each KPI has its own baseline, target, direction and deadline.",
        )
    )


def _goal_form_fields(prefix: str, choices: _GoalChoices, kpi_count: int) -> dict:
    """The goal's widgets (inside the caller's form); returns what they hold."""
    fields = {
        "title": st.text_input("Goal", key=f"{prefix}-title"),
        "description": st.text_area("Description", key=f"{prefix}-description"),
        "journey_id": shared.optional_choice(
            "Journey", choices.journeys, f"{prefix}-journey"
        ),
        "journey_ids": st.multiselect(
            "Other journeys it is about",
            list(choices.journeys),
            format_func=choices.journeys.get,
            key=f"{prefix}-journeys",
        ),
        "owner_id": shared.optional_choice("Owner", choices.owners, f"{prefix}-owner"),
        "contributors": st.multiselect(
            "Contributing agencies",
            list(choices.owners),
            format_func=choices.owners.get,
            key=f"{prefix}-agencies",
        ),
        "step_ids": st.multiselect(
            "Steps it is about",
            list(choices.steps),
            format_func=choices.steps.get,
            key=f"{prefix}-steps",
        ),
        "kpis": [],
    }
    for number in range(1, kpi_count + 1):
        key = lambda field, n=number: _kpi_key(prefix, field, n)  # noqa: E731
        label = "" if number == 1 else f" {number}"
        if number > 1:
            st.markdown(f"**KPI {number}**")
        fields["kpis"].append(
            {
                "kpi_id": shared.optional_choice(
                    f"KPI{label}", choices.kpi_names, key("kpi")
                ),
                "agency_id": shared.optional_choice(
                    f"KPI{label} measured for agency", choices.owners, key("kpi-agency")
                ),
                "direction": st.selectbox(
                    "Better when",
                    ["up", "down"],
                    format_func={"up": "Higher", "down": "Lower"}.get,
                    key=key("direction"),
                ),
                "baseline": st.text_input("Baseline (a number)", key=key("baseline")),
                "target": st.text_input("Target (a number)", key=key("target")),
                "deadline": st.text_input("Deadline (YYYY-MM-DD)", key=key("deadline")),
            }
        )
    return fields


def _render_add_goal(ws) -> None:
    choices = _GoalChoices(ws)
    with st.expander("Add a shared goal"):
        st.caption(
            "Give the KPI that shows progress with its target; leave the KPI "
            "empty to record the goal alone. Percentages are typed as 80 for 80%."
        )
        kpi_count = _kpi_count("goal-new")
        with st.form("goal-add"):
            fields = _goal_form_fields("goal-new", choices, kpi_count)
            submitted = st.form_submit_button("Add goal", key="goal-new-save")
        if submitted:
            _add_goal(ws, choices, fields, kpi_count)


def _goal_from_form(
    choices: _GoalChoices, fields: dict, originals: list | None = None
) -> tuple[Goal, list[goals.GoalKpi]]:
    """The goal and its KPIs as typed. Raises `shared.FormProblem`.

    ``originals`` are the KPIs the edit opened with: where a row keeps its KPI,
    what the form does not show (stage, step, channel, segment) is kept.
    """
    goal = Goal(
        title=fields["title"],
        description=fields["description"],
        journey_id=fields["journey_id"],
        owner_agency_id=fields["owner_id"],
    )
    attached = []
    for number, row in enumerate(fields["kpis"], start=1):
        kpi = choices.kpi_rows.get(row["kpi_id"])
        word = "" if number == 1 else f" of KPI {number}"
        if kpi is None:
            if number == 1:
                goal.baseline = shared.typed_number(row["baseline"], "", "Baseline")
                goal.target = shared.typed_number(row["target"], "", "Target")
                goal.deadline = row["deadline"]
            continue
        target = shared.typed_number(row["target"], kpi["unit"], f"Target{word}")
        if target is None:
            raise shared.FormProblem(f"Target{word}: give the KPI's target")
        values = dict(
            kpi_id=kpi["id"],
            target=target,
            direction=row["direction"],
            baseline=shared.typed_number(
                row["baseline"], kpi["unit"], f"Baseline{word}"
            ),
            deadline=row["deadline"],
            agency_id=row["agency_id"],
        )
        old = (originals or [])[number - 1 : number]
        if old and old[0].kpi_id == kpi["id"]:
            attached.append(dataclasses.replace(old[0], **values))
        else:
            attached.append(goals.GoalKpi(**values, journey_id=fields["journey_id"]))
    return goal, attached


def _add_goal(ws, choices: _GoalChoices, fields: dict, kpi_count: int) -> None:
    try:
        goal, attached = _goal_from_form(choices, fields)
    except shared.FormProblem as problem:
        st.error(shared.md(str(problem)))
        return
    new_id = shared.attempt(
        goals.create_goal,
        ws,
        shared.acting_user(),
        goal,
        attached,
        agency_ids=fields["contributors"],
        journey_ids=fields["journey_ids"],
        step_ids=fields["step_ids"],
    )
    if new_id is shared.FAILED:
        return
    shared.forget(*_goal_form_keys("goal-new", kpi_count), "goal-new-kpi-count")
    shared.flash(f"Added the goal {shared.md(goal.title.strip())}.")
    st.rerun()


# --- editing and deleting a goal ---------------------------------------------------

EDIT_OPENED = "goal-edit-opened"  # the goal as the edit form opened it


def _shown_number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{kpis.to_display_number(value, unit):.10g}"


def _open_goal_edit(ws, choices: _GoalChoices, goal_id: int) -> dict | None:
    """Read the goal and fill the edit form's widgets with it."""
    opened = shared.attempt(goals.goal_for_edit, ws, goal_id)
    if opened is shared.FAILED:
        return None
    old_count = st.session_state.get("goal-edit-kpi-count", KPI_MAX)
    shared.forget(*_goal_form_keys("goal-edit", max(int(old_count), KPI_MAX)))
    goal = opened["goal"]
    state = st.session_state
    state["goal-edit-title"] = goal["title"]
    state["goal-edit-description"] = goal["description"] or ""
    journey_ids = list(opened["journey_ids"])
    main_journey = (
        goal["journey_id"] if goal["journey_id"] in choices.journeys else None
    )
    state["goal-edit-journey"] = main_journey
    state["goal-edit-journeys"] = [
        j for j in journey_ids if j != main_journey and j in choices.journeys
    ]
    state["goal-edit-owner"] = goal["owner_agency_id"]
    state["goal-edit-agencies"] = [
        a for a in opened["agency_ids"] if a in choices.owners
    ]
    state["goal-edit-steps"] = [s for s in opened["step_ids"] if s in choices.steps]
    state["goal-edit-kpi-count"] = max(1, len(opened["kpis"]))
    for number, goal_kpi in enumerate(opened["kpis"], start=1):
        unit = choices.kpi_rows.get(goal_kpi.kpi_id, {}).get("unit", "")
        for field, value in (
            ("kpi", goal_kpi.kpi_id),
            ("kpi-agency", goal_kpi.agency_id),
            ("direction", goal_kpi.direction),
            ("baseline", _shown_number(goal_kpi.baseline, unit)),
            ("target", _shown_number(goal_kpi.target, unit)),
            ("deadline", goal_kpi.deadline or ""),
        ):
            state[_kpi_key("goal-edit", field, number)] = value
    if not opened["kpis"]:
        state["goal-edit-baseline"] = _shown_number(goal["baseline"], "")
        state["goal-edit-target"] = _shown_number(goal["target"], "")
        state["goal-edit-deadline"] = goal["deadline"] or ""
    state[EDIT_OPENED] = opened
    return opened


def _render_edit_goal(ws, found: list[dict]) -> None:
    if not found:
        return
    choices = _GoalChoices(ws)
    titles = {g["id"]: g["title"] for g in found}
    with st.expander("Edit or delete a shared goal"):
        goal_id = shared.optional_choice(
            "Goal to edit", titles, "goal-edit-choice", empty="Choose a goal"
        )
        if goal_id is None:
            st.session_state.pop(EDIT_OPENED, None)
            return
        opened = st.session_state.get(EDIT_OPENED)
        if opened is None or opened["goal"]["id"] != goal_id:
            opened = _open_goal_edit(ws, choices, goal_id)
            if opened is None:
                return
        st.caption(
            f"Version {opened['goal']['version']}, last saved by "
            f"{shared.md(opened['goal']['updated_by'])}. Percentages are typed "
            "as 80 for 80%."
        )
        kpi_count = _kpi_count("goal-edit")
        with st.form("goal-edit"):
            fields = _goal_form_fields("goal-edit", choices, kpi_count)
            save = st.form_submit_button("Save goal", key="goal-edit-save")
        left, right = st.columns(2)
        sure = left.checkbox(
            "Yes, delete this goal and its KPIs", key="goal-edit-delete-sure"
        )
        delete = right.button("Delete goal", key="goal-edit-delete", disabled=not sure)
        reload = st.button("Discard my edit and reload", key="goal-edit-reload")
    if reload:
        st.session_state.pop(EDIT_OPENED, None)
        st.rerun()
    if save:
        _save_goal(ws, choices, opened, fields)
    elif delete:
        _delete_goal(ws, opened)


def _save_goal(ws, choices: _GoalChoices, opened: dict, fields: dict) -> None:
    try:
        goal, attached = _goal_from_form(choices, fields, opened["kpis"])
    except shared.FormProblem as problem:
        st.error(shared.md(str(problem)))
        return
    saved = shared.attempt(
        goals.update_goal,
        ws,
        shared.acting_user(),
        opened["goal"]["id"],
        opened["goal"]["version"],
        goal,
        attached,
        agency_ids=fields["contributors"],
        journey_ids=fields["journey_ids"],
        step_ids=fields["step_ids"],
    )
    if saved is shared.FAILED:
        return
    st.session_state.pop(EDIT_OPENED, None)
    shared.flash(f"Saved the goal {shared.md(goal.title.strip())}.")
    st.rerun()


def _delete_goal(ws, opened: dict) -> None:
    goal = opened["goal"]
    done = shared.attempt(
        goals.delete_goal, ws, shared.acting_user(), goal["id"], goal["version"]
    )
    if done is shared.FAILED:
        return
    shared.forget(EDIT_OPENED, "goal-edit-choice", "goal-edit-delete-sure")
    shared.flash(f"Deleted the goal {shared.md(goal['title'])}.")
    st.rerun()


main()
