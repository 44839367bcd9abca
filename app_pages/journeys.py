"""Journeys: read, edit, reorder, compare, import and export journey maps.

One journey at a time, chosen at the top. Its details and what has gone
stale come first, then the map in several views of the same data:

* Outline (accessible): stages as headings, steps as tables, and for every
  stage and step buttons to edit, move up or down, or delete it; everything
  works with the keyboard and a screen reader;
* Grid: stages across, lanes down, hand-offs written out, and a feeling
  curve per persona with the same values as a table;
* Edit in a table: many steps at once (PITFALLS 1 and 2: edits are applied
  by step id against the exact rows shown);
* Compare, Recent activity, and Export and print.

Every edit remembers the version it was opened at: when someone else saved
first, both versions are shown and the typed edit is kept, to apply again
or discard.

The page's parts live beside it: journey_outline.py (the outline and the step
form), journey_views.py (the other tabs, and what every part shares) and
journey_files_ui.py (duplicate, add and import).
"""

import datetime

import streamlit as st

from app_pages import shared
from app_pages.journey_files_ui import render_duplicate, render_new_journeys
from app_pages.journey_outline import render_outline
from app_pages.journey_views import (
    Shown,
    index_of,
    render_activity,
    render_bulk_edit,
    render_compare,
    render_exports,
    render_grid,
    render_measures,
    run,
)
from journeys import agencies, grid, journey_edit, maps, personas, review
from journeys.errors import EditConflict, JourneyError
from journeys.models import JOURNEY_STATUSES, Journey

JOURNEY_EDIT_KEY = "journey_edit"  # {"id", "version", "values"} of the open form
JOURNEY_CONFLICT_KEY = "journey_conflict"  # {"id", "message", "current", "yours"}
VIEW_KEY = "journey-view"  # the tab shown: one of TABS
TABS = (
    "Outline (accessible)",
    "Grid",
    "Edit in a table",
    "Compare",
    "Recent activity",
    "Export and print",
    "Measures",
)


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
            st.info("There are no journeys yet: add or import the first one below.")
        render_new_journeys(ws)


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
    agency_names = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    linked = maps.journey_personas(ws, journey_id)
    laid_out = grid.build_grid(journey_map, agency_names, linked)
    shown = Shown(
        ws,
        journey_map,
        agency_names,
        linked,
        laid_out,
        {step.id: step.number for step in laid_out.steps()},
    )
    _render_summary(shown)
    _render_staleness(shown)
    _render_details(shown)
    render_duplicate(shown)
    # Only the open tab runs (each switch reruns the page): the outline alone
    # holds a button per step, so drawing every view each time is slow.
    views = st.tabs(TABS, key=VIEW_KEY, on_change="rerun")
    renderers = (
        render_outline,
        render_grid,
        render_bulk_edit,
        lambda shown: render_compare(shown, found),
        render_activity,
        render_exports,
        render_measures,
    )
    for view, render in zip(views, renderers, strict=True):
        if view.open:
            with view:
                render(shown)


def _fullest(found: list[dict]) -> int:
    """The journey with the most steps: the first one worth showing."""
    return max(found, key=lambda journey: journey["step_count"])["id"]


# --- the journey's details ---------------------------------------------------------


def _render_summary(shown: Shown) -> None:
    journey = shown.journey
    st.header(shared.md(journey["title"]), anchor=False)
    if journey["description"]:
        st.markdown(shared.md(journey["description"]))
    lead = shown.agency_names.get(journey["lead_agency_id"], "No lead agency")
    persona_names = ", ".join(p["name"] for p in shown.linked) or "none linked yet"
    facts, stage_count, step_count, handoffs = st.columns([3, 1, 1, 1])
    facts.markdown(
        f"**Lead agency:** {shared.md(lead)}  \n"
        f"**Status:** {journey['status'].capitalize()}  \n"
        f"**Review by:** {journey['review_by'] or 'no date set'}  \n"
        f"**Personas:** {shared.md(persona_names)}"
    )
    stage_count.metric("Stages", len(shown.journey_map.stages))
    step_count.metric("Steps", shown.journey_map.step_count)
    handoffs.metric(
        "Hand-offs",
        shown.grid.handoff_count,
        help="Steps where another agency takes over from the one before.",
    )


def _render_staleness(shown: Shown) -> None:
    max_age = review.evidence_max_age_days(shown.ws)
    report = review.staleness(shown.journey_map, max_age, datetime.date.today())
    st.subheader("Is this map up to date?", anchor=False)
    if not report.is_stale:
        st.success(
            "Up to date: the review date has not passed, and every step has an "
            f"owning agency and evidence from the last {max_age:,} days."
        )
    else:
        problems = []
        if report.review_overdue:
            problems.append(
                f"The review-by date, {report.review_by}, has passed: review the "
                "map and set a new date."
            )
        for steps, words in (
            (report.steps_without_evidence, "rest on no evidence"),
            (
                report.steps_with_old_evidence,
                f"rest on evidence over {max_age:,} days old",
            ),
            (report.steps_without_owner, "have no owning agency"),
        ):
            if steps:
                problems.append(f"{len(steps)} steps {words}.")
        st.warning("Stale: " + " ".join(problems))
        for steps, title in (
            (report.steps_without_evidence, "Steps with no evidence"),
            (report.steps_with_old_evidence, "Steps with old or undated evidence"),
            (report.steps_without_owner, "Steps with no owning agency"),
        ):
            if steps:
                with st.expander(f"{title} ({len(steps)})"):
                    st.markdown(shared.md_list([_step_label(shown, s) for s in steps]))
    if not report.review_by:
        st.caption("No review-by date is set: add one under 'Edit journey details'.")
    with st.expander("Evidence age limit (admins)"):
        days = st.number_input(
            "Evidence older than this many days counts as old",
            min_value=1,
            max_value=36_500,
            value=max_age,
            step=30,
            key="evidence-max-age",
        )
        if st.button("Save the limit", key="evidence-max-age-save"):
            run(
                review.set_evidence_max_age_days,
                shown.ws,
                shared.acting_user(),
                int(days),
                done=f"Evidence now counts as old after {int(days):,} days.",
            )


def _step_label(shown: Shown, step: dict) -> str:
    return f"{shown.numbers.get(step['id'], '?')} {step['action']}"


def _render_details(shown: Shown) -> None:
    journey_id = shown.journey_id
    prefix = f"journey-{journey_id}"
    edit = st.session_state.get(JOURNEY_EDIT_KEY)
    if not edit or edit["id"] != journey_id:
        st.button(
            "Edit journey details",
            key=f"{prefix}-edit",
            on_click=_open_journey_edit,
            args=(shown.journey, shown.journey_map.persona_ids),
            help="Title, description, lead agency, status, review-by date and "
            "the personas this journey is about.",
        )
        return
    values = edit["values"]
    persona_names = _persona_choices(shown)
    lead_options = [None, *shown.agency_names]
    with st.container(border=True):
        st.markdown("#### Edit journey details")
        st.caption(
            f"Opened at version {edit['version']}. If someone saves this journey "
            "before you do, you will see both versions and choose."
        )
        with st.form(f"{prefix}-form"):
            title = st.text_input("Title", value=values["title"], key=f"{prefix}-title")
            description = st.text_area(
                "Description", value=values["description"], key=f"{prefix}-description"
            )
            lead = st.selectbox(
                "Lead agency",
                lead_options,
                index=index_of(lead_options, values["lead_agency_id"]),
                format_func=lambda a: shown.agency_names.get(a, "No lead agency"),
                key=f"{prefix}-lead",
            )
            status = st.selectbox(
                "Status",
                JOURNEY_STATUSES,
                index=index_of(JOURNEY_STATUSES, values["status"]),
                key=f"{prefix}-status",
            )
            review_by = st.date_input(
                "Review by",
                value=_date(values["review_by"]),
                format="YYYY-MM-DD",
                key=f"{prefix}-review-by",
                help="After this date the map shows as stale until reviewed.",
            )
            persona_ids = st.multiselect(
                "Personas this journey is about",
                list(persona_names),
                default=[p for p in values["persona_ids"] if p in persona_names],
                format_func=persona_names.get,
                key=f"{prefix}-personas",
            )
            save, close = st.columns(2)
            submitted = save.form_submit_button("Save details", key=f"{prefix}-save")
            closed = close.form_submit_button(
                "Close without saving", key=f"{prefix}-close"
            )
        if closed:
            _close_journey_edit(journey_id)
            st.rerun()
        if submitted:
            journey = Journey(
                title=title,
                description=description,
                lead_agency_id=lead,
                status=status,
                review_by=review_by.isoformat() if review_by else None,
                source=values["source"],
            )
            _save_journey(shown, edit["version"], journey, persona_ids, values)
        _render_journey_conflict(shown)


def _persona_choices(shown: Shown) -> dict[int, str]:
    """Personas that can be linked: the library's, and any already linked."""
    choices = {p["id"]: p["name"] for p in personas.list_personas(shown.ws)}
    choices.update({p["id"]: f"{p['name']} (archived)" for p in shown.linked})
    for persona in shown.linked:
        if not persona["archived"]:
            choices[persona["id"]] = persona["name"]
    return choices


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _open_journey_edit(journey: dict, persona_ids: list[int]) -> None:
    _close_journey_edit(journey["id"])
    st.session_state[JOURNEY_EDIT_KEY] = {
        "id": journey["id"],
        "version": journey["version"],
        "values": journey_edit.journey_values(journey, persona_ids),
    }


def _close_journey_edit(journey_id: int) -> None:
    st.session_state.pop(JOURNEY_EDIT_KEY, None)
    st.session_state.pop(JOURNEY_CONFLICT_KEY, None)
    prefix = f"journey-{journey_id}"
    shared.forget(
        *(
            f"{prefix}-{name}"
            for name in (
                "title",
                "description",
                "lead",
                "status",
                "review-by",
                "personas",
            )
        )
    )


def _save_journey(
    shown: Shown,
    version: int,
    journey: Journey,
    persona_ids: list[int],
    opened: dict,
) -> bool:
    try:
        saved = journey_edit.save_journey(
            shown.ws,
            shared.acting_user(),
            shown.journey_id,
            version,
            journey,
            persona_ids,
        )
    except EditConflict as conflict:
        st.session_state[JOURNEY_CONFLICT_KEY] = {
            "id": shown.journey_id,
            "message": str(conflict),
            "current": conflict.current,
            "yours": conflict.yours,
            "opened": opened,
        }
        return False
    except JourneyError as exc:
        st.error(shared.md(str(exc)))
        return False
    _close_journey_edit(shown.journey_id)
    shared.flash(f"Saved the journey {shared.md(saved['title'])}.")
    st.rerun()


def _render_journey_conflict(shown: Shown) -> None:
    conflict = st.session_state.get(JOURNEY_CONFLICT_KEY)
    if not conflict or conflict["id"] != shown.journey_id:
        return
    prefix = f"journey-{shown.journey_id}"
    current = conflict["current"]
    again_values = shared.show_conflict(shown.ws, conflict)
    again, discard = st.columns(2)
    if again.button("Apply my edit again", key=f"{prefix}-reapply"):
        journey = Journey(**{k: again_values[k] for k in Journey.__dataclass_fields__})
        refused = not _save_journey(
            shown, current["version"], journey, again_values["persona_ids"], current
        )
        if refused and st.session_state[JOURNEY_CONFLICT_KEY]["current"] is not current:
            st.rerun()  # someone saved yet again: show the newer comparison
    if discard.button("Discard my edit", key=f"{prefix}-discard"):
        _close_journey_edit(shown.journey_id)
        shared.flash("Your edit was discarded; nothing was saved.")
        st.rerun()


main()
