"""Improvements: the backlog of changes agencies own, prioritised by value
and effort, moved from idea to shipped, and evaluated against a KPI.

Items answer moderated feedback and pain points. Evaluating a shipped item
compares one of its KPIs before and after the ship date, from the KPI's
stored measurements, and records the decision: keep, iterate or roll back.
"""

import datetime
import html

import pandas as pd
import streamlit as st

from app_pages import consult_ui, shared
from journeys import agencies, improvements, maps, metrics, personas, sessions
from journeys.improvements import (
    DECISIONS,
    QUADRANTS,
    SCORE_WORDS,
    ImprovementItem,
)

ITEM_KEY = "current_item_id"
FILTER_KEY = "improvements_journey"
NEW_ROUND = "improvement_new_round"  # a fresh "add" form after each save


def main() -> None:
    shared.start_page("Improvements")
    st.write(
        "Changes the agencies own, from what people said and the pain points "
        "on the journeys: prioritise them by value and effort, track them to "
        "shipped, and check the KPI afterwards."
    )
    actor = shared.acting_user()
    with shared.open_workspace() as ws:
        journeys = {j["id"]: j["title"] for j in maps.list_journeys(ws)}
        journey_id = shared.remembered_choice(
            "Journey",
            [None, *journeys],
            store_key=FILTER_KEY,
            widget_key="improvements-journey",
            format_func=lambda i: "All journeys" if i is None else journeys[i],
        )
        items = improvements.list_items(ws, journey_id)
        _render_matrix(items)
        _render_backlog(items)
        _render_add(ws, actor, journeys)
        if items:
            _render_item(ws, actor, items, journeys)


# --- prioritising -------------------------------------------------------------


def _render_matrix(items: list[dict]) -> None:
    st.header("Value and effort")
    st.caption(
        "Open items (idea, prioritised, in progress) by their scores from 1 to "
        "5; 3 or more counts as high. Work through quick wins first."
    )
    grouped = improvements.matrix(items)
    for row in (QUADRANTS[:2], QUADRANTS[2:4]):
        for column, name in zip(st.columns(2), row, strict=True):
            with column.container(border=True):
                st.markdown(f"**{name}**")
                _item_list(grouped[name])
    if grouped[QUADRANTS[4]]:
        st.markdown(f"**{QUADRANTS[4]}**")
        _item_list(grouped[QUADRANTS[4]])


def _item_list(found: list[dict]) -> None:
    if not found:
        st.caption("None")
        return
    entries = "".join(
        f"<li>{_escape(i['title'])} (value {i['value_score'] or '?'}, "
        f"effort {i['effort_score'] or '?'}, {_escape(i['status'])})</li>"
        for i in found
    )
    st.html(f"<ul>{entries}</ul>")


def _render_backlog(items: list[dict]) -> None:
    st.header("Backlog")
    if not items:
        st.info(
            "No improvement item yet. Add one below, from approved feedback or a "
            "pain point."
        )
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Item": i["title"],
                "Owner": i["owning_agency_name"] or "",
                "Journey": i["journey_title"] or "",
                "Status": i["status"],
                "Value": i["value_score"],
                "Effort": i["effort_score"],
                "Prioritised": i["prioritised_on"] or "",
                "Started": i["started_on"] or "",
                "Shipped": i["shipped_on"] or "",
                "Evaluated": i["evaluated_on"] or "",
                "Decision": i["decision"] or "",
                "Feedback": len(i["feedback_ids"]),
            }
            for i in items
        ),
        hide_index=True,
    )


# --- adding and editing ---------------------------------------------------------


def _render_add(ws, actor, journeys: dict) -> None:
    with st.expander("Add an improvement item"):
        round_ = st.session_state.get(NEW_ROUND, 0)
        prefix = f"item-new-{round_}"
        journey_id = st.selectbox(
            "Journey it improves",
            [None, *journeys],
            format_func=lambda i: "None" if i is None else journeys[i],
            key=f"{prefix}-journey",
        )
        waiting = improvements.feedback_to_act_on(ws)
        if journey_id is not None:
            waiting = [f for f in waiting if f["journey_id"] in (None, journey_id)]
        entered = _item_form(ws, prefix, {"journey_id": journey_id}, waiting, "Add")
        if entered is None:
            return
        item, feedback_ids = entered
        new_id = shared.attempt(improvements.create_item, ws, actor, item, feedback_ids)
        if new_id is not shared.FAILED:
            st.session_state[NEW_ROUND] = round_ + 1
            st.session_state[ITEM_KEY] = new_id
            shared.forget("improvement-choice")  # show the new item
            shared.flash(f"Added the improvement item {shared.md(item.title)}.")
            st.rerun()


def _item_form(ws, prefix: str, row: dict, waiting: list[dict], label: str):
    """The item form; (item, feedback ids to link) when submitted, else None."""
    journey_id = row.get("journey_id")
    steps = {}
    if journey_id is not None:
        steps = {
            s["id"]: f"{s['stage_name']}: {s['action']}"
            for s in maps.load_journey_map(ws, journey_id).steps()
        }
    owners = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    people = {p["id"]: p["name"] for p in personas.list_personas(ws)}
    kpis = {k["id"]: k["name"] for k in metrics.list_kpis(ws)}
    said = {f["id"]: _feedback_words(f) for f in waiting}
    with st.form(prefix):
        title = st.text_input("Title", row.get("title", ""), key=f"{prefix}-title")
        problem = st.text_area(
            "Problem", row.get("problem", ""), key=f"{prefix}-problem"
        )
        change = st.text_area(
            "Proposed change", row.get("proposed_change", ""), key=f"{prefix}-change"
        )
        owner = st.selectbox(
            "Owning agency",
            [None, *owners],
            index=_index([None, *owners], row.get("owning_agency_id")),
            format_func=lambda i: "None chosen" if i is None else owners[i],
            key=f"{prefix}-owner",
        )
        step_ids = _multi("Steps it changes", steps, row, "step_ids", prefix)
        persona_ids = _multi("Personas it helps", people, row, "persona_ids", prefix)
        kpi_ids = _multi("KPIs that should move", kpis, row, "kpi_ids", prefix)
        scores = st.columns(2)
        value = scores[0].selectbox(
            "Value",
            [None, *SCORE_WORDS],
            index=_index([None, *SCORE_WORDS], row.get("value_score")),
            format_func=lambda s: "Not scored" if s is None else SCORE_WORDS[s],
            key=f"{prefix}-value",
        )
        effort = scores[1].selectbox(
            "Effort",
            [None, *SCORE_WORDS],
            index=_index([None, *SCORE_WORDS], row.get("effort_score")),
            format_func=lambda s: "Not scored" if s is None else SCORE_WORDS[s],
            key=f"{prefix}-effort",
        )
        feedback_ids = st.multiselect(
            "Feedback it answers (approved feedback not yet acted on)",
            list(said),
            format_func=said.get,
            key=f"{prefix}-feedback",
        )
        if not st.form_submit_button(label, type="primary"):
            return None
    item = ImprovementItem(
        title=title,
        problem=problem,
        proposed_change=change,
        owning_agency_id=owner,
        journey_id=journey_id,
        step_ids=step_ids,
        persona_ids=persona_ids,
        kpi_ids=kpi_ids,
        value_score=value,
        effort_score=effort,
    )
    return item, feedback_ids


# --- one item -------------------------------------------------------------------


def _render_item(ws, actor, items: list[dict], journeys: dict) -> None:
    st.header("Work on an item")
    titles = {i["id"]: i["title"] for i in items}
    item_id = shared.remembered_choice(
        "Item",
        list(titles),
        store_key=ITEM_KEY,
        widget_key="improvement-choice",
        format_func=titles.get,
    )
    item = improvements.get_item(ws, item_id)
    consult_ui.plain_html(improvements.outcome_words(item))
    history = improvements.status_history(item)
    if history:
        st.caption(" · ".join(f"{status}: {day}" for status, day in history))
    _render_answers(ws, item)
    _render_status(ws, actor, item)
    if item["status"] == "shipped":
        _render_evaluation(ws, actor, item)
    with st.expander("Edit this item"):
        prefix = f"item-{item['id']}-v{item['version']}"
        entered = _item_form(
            ws, prefix, item, improvements.feedback_to_act_on(ws), "Save item"
        )
        if entered is not None:
            edited, feedback_ids = entered
            saved = shared.attempt(
                improvements.update_item, ws, actor, item["id"], item["version"], edited
            )
            if saved is not shared.FAILED and feedback_ids:
                saved = shared.attempt(
                    improvements.link_feedback, ws, actor, item["id"], feedback_ids
                )
            if saved is not shared.FAILED:
                shared.flash(f"Saved the improvement item {shared.md(edited.title)}.")
                st.rerun()


def _render_answers(ws, item: dict) -> None:
    if not item["feedback_ids"]:
        return
    st.markdown(f"**Feedback it answers** ({len(item['feedback_ids'])})")
    for said in improvements.feedback_answered(ws, item["id"]):
        consult_ui.said(said["what_happened"])


def _render_status(ws, actor, item: dict) -> None:
    moves = list(improvements.next_statuses(item))
    if not moves:
        return
    key = f"item-{item['id']}-v{item['version']}"
    with st.form(f"{key}-status"):
        st.markdown("**Move it on**")
        status = st.selectbox("New status", moves, key=f"{key}-status-to")
        # A typed date (as GOV.UK advises for dates people know), not a picker.
        day = st.text_input(
            "On (YYYY-MM-DD)",
            datetime.date.today().isoformat(),
            max_chars=10,
            key=f"{key}-status-on",
        )
        reason = st.text_input(
            "Why not (only when not doing it)", key=f"{key}-status-why"
        )
        if not st.form_submit_button("Change status"):
            return
    saved = shared.attempt(
        improvements.change_status,
        ws,
        actor,
        item["id"],
        item["version"],
        status,
        day,
        reason or None,
    )
    if saved is not shared.FAILED:
        shared.flash(f"{shared.md(item['title'])} is now {status}.")
        st.rerun()


def _render_evaluation(ws, actor, item: dict) -> None:
    st.subheader("Evaluate against a KPI", anchor=False)
    kpis = {k["id"]: k for k in metrics.list_kpis(ws) if k["id"] in item["kpi_ids"]}
    if not kpis:
        st.info("Link a KPI to this item (Edit this item), then evaluate it.")
        return
    key = f"item-{item['id']}-evaluate"
    kpi_id = st.selectbox(
        "KPI", list(kpis), format_func=lambda k: kpis[k]["name"], key=f"{key}-kpi"
    )
    scopes = improvements.kpi_scopes(ws, kpi_id)
    if not scopes:
        st.info("This KPI has no measurements yet: record some on Goals & KPIs.")
        return
    scope = st.selectbox(
        "Where it is measured", list(scopes), format_func=scopes.get, key=f"{key}-at"
    )
    result = shared.attempt(
        improvements.preview_evaluation, ws, item["id"], kpi_id, scope
    )
    if result is shared.FAILED:
        return
    unit = kpis[kpi_id]["unit"]
    numbers = st.columns(2)
    numbers[0].metric(
        f"Baseline, before {item['shipped_on']}",
        improvements.shown(result.baseline, unit),
    )
    numbers[0].caption(improvements.BeforeAfter.span(result.before))
    numbers[1].metric(
        f"Measured, from {item['shipped_on']}",
        improvements.shown(result.measured, unit),
    )
    numbers[1].caption(improvements.BeforeAfter.span(result.after))
    with st.form(f"{key}-form"):
        target = st.number_input(
            f"Target ({shared.md(unit)})", value=None, key=f"{key}-target"
        )
        decision = st.radio(
            "Decision", DECISIONS, horizontal=True, key=f"{key}-decision"
        )
        note = st.text_area("Note", key=f"{key}-note")
        if not st.form_submit_button("Record the evaluation", type="primary"):
            return
    saved = shared.attempt(
        improvements.evaluate,
        ws,
        actor,
        item["id"],
        item["version"],
        kpi_id,
        scope,
        target,
        decision,
        note,
    )
    if saved is not shared.FAILED:
        shared.flash(f"Evaluated {shared.md(item['title'])}: {decision}.")
        st.rerun()


# --- helpers ----------------------------------------------------------------


def _feedback_words(row: dict) -> str:
    text = " ".join(row["what_happened"].split())
    short = text if len(text) <= 80 else text[:79] + "…"
    return f"#{row['id']} ({sessions.where(row)}): {short}"


def _multi(label: str, options: dict, row: dict, field: str, prefix: str) -> list:
    chosen = [i for i in row.get(field, []) if i in options]
    return st.multiselect(
        label,
        list(options),
        default=chosen,
        format_func=options.get,
        key=f"{prefix}-{field}",
    )


def _index(options: list, value) -> int:
    return options.index(value) if value in options else 0


def _escape(text) -> str:
    return html.escape(str(text))


main()
