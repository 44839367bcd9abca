"""Goals & KPIs: the programme-lead dashboard, journeys' funnels and step KPIs,
the KPI library, and measurements in (files, a form, a template).

Thin: every number comes from `journeys`; this page lays it out, rounds it
for display only, and shows a `JourneyError` with ``st.error``.

Charts are Vega-Lite specs (``st.vega_lite_chart``): each chart's toolbar has
Streamlit's own "Download as PNG" button, which is how a chart is saved as PNG.
"""

import datetime

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import agencies, goals, kpis, maps, metrics, performance, surveys
from journeys.errors import JourneyError
from journeys.importers import DESCRIPTIONS, SourceFile
from journeys.importers import measure_plan as plans
from journeys.importers.measurements_csv import COLUMN_HELP, template_csv
from journeys.importers.previews import PLANNERS, preview
from journeys.models import CHANNELS, Goal, Measurement
from journeys.tabular import write_csv, write_xlsx

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
SURVEY_KIND = "survey-export"
UPLOAD_COUNTER = "kpi-import-upload-number"
NOT_MAPPED = ""


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
        else:
            _render_goals(ws)
            _render_import(ws)
            _render_manual_entry(ws)


# --- downloads -----------------------------------------------------------------


def _downloads(name: str, headers: list[str], found: list[dict], key: str) -> None:
    """CSV and XLSX buttons for one view's rows (formula-safe, see tabular)."""
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        write_csv(headers, found),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}-csv",
    )
    right.download_button(
        "Download XLSX",
        write_xlsx({name[:31]: (headers, found)}),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}-xlsx",
    )


# --- dashboard -------------------------------------------------------------------


def _render_dashboard(ws) -> None:
    st.header("Shared goals at a glance")
    agency_names = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    journey_titles = {j["id"]: j["title"] for j in maps.list_journeys(ws)}
    one, two, three, four = st.columns(4)
    with one:
        agency_id = _optional_choice(
            "Agency", agency_names, "dashboard-agency", empty="All agencies"
        )
    with two:
        journey_id = _optional_choice(
            "Journey", journey_titles, "dashboard-journey", empty="All journeys"
        )
    with three:
        start = st.date_input("Period from", value=None, key="dashboard-start")
    with four:
        end = st.date_input("Period to", value=None, key="dashboard-end")
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

    st.subheader("Worst-moving KPIs first", anchor=False)
    st.caption(
        "Movement: the change since the previous measurement, as a share of the "
        "way from baseline to target; negative is the wrong way."
    )
    st.table(_worst_moving_table(board), hide_index=True)
    _downloads(
        "goals-dashboard",
        goals.EXPORT_HEADERS,
        goals.dashboard_rows(board),
        "dashboard-export",
    )
    for view in board.goals:
        _render_goal(view)


def _goals_overview(board: goals.Dashboard) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Goal": view.goal["title"],
            "Status": STATUS_WORDS[view.status],
            "Owner": view.goal.get("owner_agency_name") or "No owner",
            "Contributing agencies": ", ".join(a["name"] for a in view.agencies)
            or "None",
            "Journeys": ", ".join(j["name"] for j in view.journeys) or "None",
            "KPIs": ", ".join(k.row["kpi_name"] for k in view.kpis) or "None",
        }
        for view in board.goals
    )


def _worst_moving_table(board: goals.Dashboard) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Goal": k.goal_title,
            "KPI": k.row["kpi_name"],
            "Measured on": k.where,
            "Status": STATUS_WORDS[k.judgement.status],
            "Latest": kpis.display_value(
                k.judgement.latest.value if k.judgement.latest else None, k.unit
            ),
            "Target": kpis.display_value(k.row["target"], k.unit),
            "Movement": "Not enough data"
            if k.judgement.movement is None
            else f"{k.judgement.movement:+.0%}",
            "Why": k.judgement.reason,
        }
        for k in board.worst_moving()
    )


def _render_goal(view: goals.GoalView) -> None:
    st.subheader(view.goal["title"], anchor=False)
    st.markdown(
        f"{STATUS_MARKS[view.status]} · Owner: "
        f"{view.goal.get('owner_agency_name') or 'no owner'}"
        + (
            " · With: " + ", ".join(a["name"] for a in view.agencies)
            if view.agencies
            else ""
        )
    )
    if view.goal.get("description"):
        st.caption(view.goal["description"])
    if view.steps:
        st.caption("About the steps: " + "; ".join(s["name"] for s in view.steps))
    for k in view.kpis:
        _render_goal_kpi(k)


def _render_goal_kpi(k: goals.GoalKpiView) -> None:
    judged = k.judgement
    st.markdown(
        f"**{k.row['kpi_name']}** ({k.where}): {STATUS_MARKS[judged.status]}. "
        f"Target {kpis.display_value(k.row['target'], k.unit)}"
        + (f" by {k.row['deadline']}" if k.row["deadline"] else "")
        + f"; {judged.reason}."
    )
    if any(p.value is not None for p in k.points):
        frame, spec = _trend_chart(k)
        st.vega_lite_chart(frame, spec, width="stretch")


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
    st.caption(
        "Abandonment at a stage = 1 - (users reaching the next stage / users "
        "reaching this stage), in the chosen period. The last stage has none."
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
        "Period starting", periods, key=f"journey-{journey['id']}-stage-users-week"
    )
    stages = performance.stage_funnel(ws, journey["id"], period)
    frame, spec = _funnel_chart(stages)
    st.vega_lite_chart(frame, spec, width="stretch")
    st.table(_funnel_table(stages), hide_index=True)
    rising = [s.stage for s in stages if s.rises]
    if rising:
        st.warning(
            "More people reached the next stage than this one at: "
            + ", ".join(rising)
            + ". The data is inconsistent (people counted twice, or entering "
            "mid-journey); those rates are not used."
        )
    worst = metrics.stage_to_fix_first([s for s in stages if not s.rises])
    if worst is not None:
        st.markdown(
            f"**Stage to fix first:** {worst.stage}, where "
            f"{shared.percent(worst.abandonment)} of the people who reach it "
            "do not reach the next stage."
        )
    step_kpis = performance.step_kpis(ws, journey["id"])
    if step_kpis:
        st.markdown("**KPIs on the steps**")
        st.table(
            pd.DataFrame(
                {
                    "Stage": s.stage,
                    "Step": s.step,
                    "KPI": s.kpi_name,
                    "Latest": kpis.display_value(s.value, s.unit),
                    "Period": f"{s.period_start} to {s.period_end}"
                    if s.period_start
                    else "None",
                    "Measured on": s.measured_on,
                }
                for s in step_kpis
            ),
            hide_index=True,
        )
    _downloads(
        f"funnel-{journey['id']}-{period}",
        ["Stage", "Users", "Reached next stage", "Lost", "Abandonment (%)"],
        performance.funnel_rows(stages),
        f"journey-{journey['id']}-funnel-export",
    )


def _funnel_chart(stages: list[metrics.StageFunnel]) -> tuple[pd.DataFrame, dict]:
    """Users reaching each stage, in journey order, labelled with abandonment."""
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


def _render_satisfaction(ws) -> None:
    st.header("User satisfaction")
    found = performance.journeys_with_satisfaction(ws)
    if not found:
        st.info("No journey has satisfaction answers yet.")
    for journey in found:
        summary = performance.satisfaction_summary(ws, journey["id"])
        if summary is not None:
            _render_satisfaction_summary(journey["title"], summary)
    overview = surveys.survey_overview(ws)
    if overview:
        st.subheader("Survey answers", anchor=False)
        st.table(
            pd.DataFrame(
                {
                    "Survey": row["survey"],
                    "Measure": row["measure_label"],
                    "Question": row["question"][:200],
                    "Respondents": row["respondents"],
                    "From partial responses": row["from_partial"],
                    "Months": f"{row['first_month']} to {row['last_month']}",
                }
                for row in overview
            ),
            hide_index=True,
        )


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
    st.table(pd.DataFrame(found), hide_index=True)
    _downloads("kpi-library", LIBRARY_HEADERS, found, "library-export")


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
                shared.flash(f"Added the KPI {name.strip()}.")
                st.rerun()


# --- goals -----------------------------------------------------------------------


def _render_goals(ws) -> None:
    st.header("Shared goals")
    found = goals.list_goals(ws)
    if found:
        st.table(_goals_table(ws, found), hide_index=True)
    else:
        st.write("No shared goal has been set yet.")
    _render_add_goal(ws)


def _goals_table(ws, found: list[dict]) -> pd.DataFrame:
    goal_kpis = {}
    for view in goals.dashboard(ws).goals:
        goal_kpis[view.goal["id"]] = view.kpis
    table = []
    for goal in found:
        base = {
            "Goal": goal["title"],
            "Journey": goal["journey_title"] or "All journeys",
            "Owner": goal["owner_agency_name"] or "No owner",
        }
        attached = goal_kpis.get(goal["id"], [])
        if not attached:
            table.append(
                {
                    **base,
                    "KPI": goal["kpi_name"] or "No KPI",
                    "Status": "No KPI to judge",
                    "Baseline": _number(goal["baseline"]),
                    "Target": _number(goal["target"]),
                    "Deadline": goal["deadline"] or "None",
                }
            )
        for k in attached:
            table.append(
                {
                    **base,
                    "KPI": k.row["kpi_name"],
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


def _render_add_goal(ws) -> None:
    journey_titles = {j["id"]: j["title"] for j in maps.list_journeys(ws)}
    kpi_rows = {k["id"]: k for k in metrics.list_kpis(ws)}
    kpi_names = {i: f"{k['name']} ({k['unit']})" for i, k in kpi_rows.items()}
    owners = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    with st.expander("Add a shared goal"):
        st.caption(
            "Give the KPI that shows progress with its target; leave the KPI "
            "empty to record the goal alone. Percentages are typed as 80 for 80%."
        )
        with st.form("goal-add"):
            title = st.text_input("Goal", key="goal-new-title")
            description = st.text_area("Description", key="goal-new-description")
            journey_id = _optional_choice("Journey", journey_titles, "goal-new-journey")
            owner_id = _optional_choice("Owner", owners, "goal-new-owner")
            contributors = st.multiselect(
                "Contributing agencies",
                list(owners),
                format_func=owners.get,
                key="goal-new-agencies",
            )
            kpi_id = _optional_choice("KPI", kpi_names, "goal-new-kpi")
            where_agency = _optional_choice(
                "KPI measured for agency", owners, "goal-new-kpi-agency"
            )
            direction = st.selectbox(
                "Better when",
                ["up", "down"],
                format_func={"up": "Higher", "down": "Lower"}.get,
                key="goal-new-direction",
            )
            baseline = st.text_input("Baseline (a number)", key="goal-new-baseline")
            target = st.text_input("Target (a number)", key="goal-new-target")
            deadline = st.text_input("Deadline (YYYY-MM-DD)", key="goal-new-deadline")
            submitted = st.form_submit_button("Add goal", key="goal-new-save")
        if submitted:
            _add_goal(
                ws,
                Goal(
                    title=title,
                    description=description,
                    journey_id=journey_id,
                    owner_agency_id=owner_id,
                ),
                kpi_rows.get(kpi_id),
                dict(
                    journey_id=journey_id,
                    agency_id=where_agency,
                    direction=direction,
                    baseline=baseline,
                    target=target,
                    deadline=deadline,
                ),
                contributors,
            )


def _optional_choice(
    label: str, names: dict[int, str], key: str, empty: str = "None"
) -> int | None:
    return st.selectbox(
        label,
        [None, *names],
        format_func=lambda value: names.get(value, empty),
        key=key,
    )


def _typed_number(text: str, unit: str, field: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return kpis.from_display_number(float(text.replace(",", "")), unit)
    except ValueError:
        raise _FormProblem(f"{field} must be a number (got {text!r})") from None


class _FormProblem(Exception):
    pass


def _add_goal(ws, goal: Goal, kpi: dict | None, fields: dict, contributors) -> None:
    try:
        if kpi is None:
            goal.baseline = _typed_number(fields["baseline"], "", "Baseline")
            goal.target = _typed_number(fields["target"], "", "Target")
            goal.deadline = fields["deadline"]
            attached = []
        else:
            target = _typed_number(fields["target"], kpi["unit"], "Target")
            if target is None:
                raise _FormProblem("Target: give the KPI's target")
            attached = [
                goals.GoalKpi(
                    kpi["id"],
                    target,
                    fields["direction"],
                    baseline=_typed_number(fields["baseline"], kpi["unit"], "Baseline"),
                    deadline=fields["deadline"],
                    journey_id=fields["journey_id"],
                    agency_id=fields["agency_id"],
                )
            ]
    except _FormProblem as problem:
        st.error(str(problem))
        return
    new_id = shared.attempt(
        goals.create_goal,
        ws,
        shared.acting_user(),
        goal,
        attached,
        agency_ids=contributors,
    )
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
                "kpi-agency",
                "owner",
                "agencies",
                "baseline",
                "target",
                "deadline",
            )
        )
    )
    shared.flash(f"Added the goal {goal.title.strip()}.")
    st.rerun()


# --- importing measurements --------------------------------------------------------


def _render_import(ws) -> None:
    st.header("Import measurements")
    kinds = [*PLANNERS, SURVEY_KIND]
    kind = st.selectbox(
        "Kind of file", kinds, format_func=DESCRIPTIONS.get, key="kpi-import-kind"
    )
    if kind == "measurements-csv":
        st.download_button(
            "Download the CSV template",
            template_csv(),
            file_name="joinedup-measurements-template.csv",
            mime="text/csv",
            key="kpi-template-download",
        )
        st.table(
            pd.DataFrame(
                {"Column": column, "What it holds": text}
                for column, text in COLUMN_HELP.items()
            ),
            hide_index=True,
        )
    number = st.session_state.get(UPLOAD_COUNTER, 0)
    uploaded = st.file_uploader(
        "File to import",
        type=["csv", "json", "xlsx", "txt"],
        key=f"kpi-import-file-{number}",
    )
    if uploaded is None:
        return
    source = SourceFile(uploaded.name, uploaded.getvalue())
    if kind == SURVEY_KIND:
        _render_survey_import(ws, source)
        return
    try:
        plan = preview(ws, kind, source)
    except JourneyError as err:
        st.error(str(err))
        return
    _render_plan(plan.summary(), plan.notes, plan.preview(), plan.problem_rows())
    if plan.drafts and st.button(
        f"Import {len(plan.drafts):,} measurements", key="kpi-import-go"
    ):
        _write(
            lambda progress: plans.write_plan(ws, shared.acting_user(), plan, progress)
        )


def _render_plan(summary: str, notes, preview, problems) -> None:
    st.markdown(f"**Before anything is written:** {summary}.")
    for note in notes:
        st.caption(note)
    if preview:
        st.markdown("**Preview** (the first rows to be written)")
        st.dataframe(pd.DataFrame(preview), hide_index=True, key="kpi-import-preview")
    if problems:
        st.markdown(f"**Left out: {len(problems):,} rows or values, and why**")
        st.dataframe(pd.DataFrame(problems), hide_index=True, key="kpi-import-problems")
        _downloads(
            "import-problems",
            ["Row", "Column", "Value", "Problem"],
            problems,
            "kpi-import-problems-export",
        )


def _write(run) -> None:
    bar = st.progress(0.0, text="Importing")
    result = shared.attempt(run, lambda done, text: bar.progress(min(done, 1.0), text))
    if result is shared.FAILED:
        return
    st.session_state[UPLOAD_COUNTER] = st.session_state.get(UPLOAD_COUNTER, 0) + 1
    shared.flash(f"Imported {result.file_name}: {result.summary()}.")
    st.rerun()


def _render_survey_import(ws, source: SourceFile) -> None:
    try:
        table = surveys.read_survey(source)
    except JourneyError as err:
        st.error(str(err))
        return
    st.markdown(
        f"A **{table.tool}** export with {len(table.records):,} responses. Choose "
        "the measure each KPI question gives; leave the others unmapped."
    )
    options = [NOT_MAPPED, *surveys.MEASURES]
    labels = {NOT_MAPPED: "Not a KPI question"} | {
        key: m.label for key, m in surveys.MEASURES.items()
    }
    mapping = {}
    for column in table.question_columns():
        choice = st.selectbox(
            column.text[:150] + ("…" if len(column.text) > 150 else ""),
            options,
            format_func=labels.get,
            key=f"survey-map-{column.index}",
        )
        if choice:
            mapping[column.index] = choice
    name = st.text_input(
        "Survey name", value=source.name.rsplit(".", 1)[0], key="survey-name"
    )
    journey_titles = {j["id"]: j["title"] for j in maps.list_journeys(ws)}
    journey_id = _optional_choice("About the journey", journey_titles, "survey-journey")
    channel = st.selectbox("Channel", ["", *CHANNELS], key="survey-channel")
    include_partial = st.checkbox(
        "Count answers from responses that were not submitted",
        value=True,
        key="survey-partial",
    )
    if not mapping:
        st.info("Map at least one question to see what would be imported.")
        return
    try:
        plan = surveys.plan_survey(
            source,
            mapping,
            survey=name,
            journey_id=journey_id,
            channel=channel,
            include_partial=include_partial,
            table=table,
        )
    except JourneyError as err:
        st.error(str(err))
        return
    _render_plan(plan.summary(), plan.notes, plan.preview(), plan.problem_rows())
    if plan.answers and st.button(
        f"Import {len(plan.answers):,} answers", key="survey-import-go"
    ):
        _write(
            lambda progress: surveys.write_survey(
                ws, shared.acting_user(), plan, progress
            )
        )


# --- one measurement by hand ---------------------------------------------------------


def _render_manual_entry(ws) -> None:
    st.header("Enter a measurement")
    kpi_rows = {
        k["id"]: k
        for k in metrics.list_kpis(ws)
        if k["key"] not in metrics.DERIVED and not k.get("expression")
    }
    places = {}
    for journey in maps.list_journeys(ws):
        places[("journey", journey["id"], None)] = journey["title"]
        for stage in maps.load_journey_map(ws, journey["id"]).stages:
            places[("stage", journey["id"], stage["id"])] = (
                f"{journey['title']}: {stage['name']}"
            )
    owners = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    with st.form("measurement-add"):
        kpi_id = st.selectbox(
            "KPI",
            list(kpi_rows),
            format_func=lambda i: f"{kpi_rows[i]['name']} ({kpi_rows[i]['unit']})",
            key="measure-new-kpi",
        )
        first = st.date_input("From", value=None, key="measure-new-start")
        last = st.date_input("To", value=None, key="measure-new-end")
        value = st.text_input(
            "Value (76.5 for 76.5%; may be blank if counts are given)",
            key="measure-new-value",
        )
        numerator = st.text_input("Numerator (optional)", key="measure-new-numerator")
        denominator = st.text_input(
            "Denominator (optional)", key="measure-new-denominator"
        )
        place = st.selectbox(
            "Journey or stage",
            [None, *places],
            format_func=lambda p: places.get(p, "None"),
            key="measure-new-place",
        )
        agency_id = _optional_choice("Agency", owners, "measure-new-agency")
        channel = st.selectbox("Channel", ["", *CHANNELS], key="measure-new-channel")
        segment = st.text_input("Segment (optional)", key="measure-new-segment")
        submitted = st.form_submit_button("Save measurement", key="measure-new-save")
    if submitted and kpi_id is not None:
        _save_measurement(
            ws,
            kpi_rows[kpi_id],
            first,
            last,
            (value, numerator, denominator),
            place,
            agency_id,
            channel,
            segment,
        )


def _save_measurement(
    ws, kpi, first, last, numbers, place, agency_id, channel, segment
) -> None:
    value, numerator, denominator = numbers
    try:
        value = _typed_number(value, kpi["unit"], "Value")
        numerator = _typed_number(numerator, "", "Numerator")
        denominator = _typed_number(denominator, "", "Denominator")
    except _FormProblem as problem:
        st.error(str(problem))
        return
    if value is None and numerator is not None and denominator:
        value = numerator / denominator
    if first is None or last is None or value is None:
        st.error("Please give the period (from and to) and a value or both counts.")
        return
    measurement = Measurement(
        kpi["id"],
        first.isoformat() if isinstance(first, datetime.date) else first,
        last.isoformat() if isinstance(last, datetime.date) else last,
        value,
        journey_id=place[1] if place else None,
        stage_id=place[2] if place else None,
        agency_id=agency_id,
        channel=channel,
        segment=segment,
        numerator=numerator,
        denominator=denominator,
    )
    saved = shared.attempt(
        metrics.add_measurement, ws, shared.acting_user(), measurement
    )
    if saved is shared.FAILED:
        return
    shared.forget(
        "measure-new-value",
        "measure-new-numerator",
        "measure-new-denominator",
        "measure-new-segment",
    )
    shared.flash(f"Saved {kpi['name']}: {kpis.display_value(value, kpi['unit'])}.")
    st.rerun()


main()
