"""The Journeys page's accessible outline, and the form to edit one step.

Not a navigation page. The outline shows stages as headings and steps as
tables, with buttons to edit, move or delete each stage and step, and forms
to rename a stage and to add stages and steps.
"""

import pandas as pd
import streamlit as st

from app_pages import shared
from app_pages.journey_views import Shown, index_of, run
from journeys import grid, journey_edit, kpis, maps, metrics, performance, stages
from journeys.errors import EditConflict, JourneyError
from journeys.models import CHANNELS, EMOTION_MAX, EMOTION_MIN, Stage, Step

STEP_EDIT_KEY = "step_edit"  # {"id", "version", "values"}
STEP_CONFLICT_KEY = "step_conflict"  # {"id", "message", "current", "yours"}
STAGE_EDIT_KEY = "stage_edit"  # {"id", "version"} of the stage being renamed
# ("stage" or "step", id, version) awaiting a yes, with the version shown when
# Delete was pressed: a save after that makes the delete refuse.
DELETE_KEY = "structure_delete"
FEELINGS = [None, *range(EMOTION_MIN, EMOTION_MAX + 1)]


def render_outline(shown: Shown) -> None:
    st.caption(
        "Stages and their steps in order, numbered stage.step. Every control "
        "is a button: reach it with Tab, press it with Enter or Space."
    )
    stage_list = shown.journey_map.stages
    step_kpis = _kpis_by_step(shown)
    if not stage_list:
        st.info("This journey has no stages yet: add the first one below.")
    for number, stage in enumerate(stage_list, start=1):
        st.subheader(f"Stage {number}: {shared.md(stage['name'])}", anchor=False)
        if stage["description"]:
            st.markdown(shared.md(stage["description"]))
        steps = shown.journey_map.steps_by_stage[stage["id"]]
        if steps:
            shared.table(_steps_table(shown, steps, step_kpis), hide_index=True)
        else:
            st.caption("No steps recorded for this stage yet.")
        for index, step in enumerate(steps):
            _render_step_controls(shown, step, index == 0, index == len(steps) - 1)
        _render_stage_controls(shown, number, stage, len(stage_list))
        _render_add_step(shown, number, stage)
    _render_add_stage(shown)


def _kpis_by_step(shown: Shown) -> dict[int, str]:
    """Each step's KPIs with their latest value, where it was measured and
    when, in words for the outline's KPIs column."""
    words: dict[int, list[str]] = {}
    for k in performance.step_kpis(shown.ws, shown.journey_id):
        if k.value is None:
            said = f"{k.kpi_name}: no measurement yet"
        else:
            said = (
                f"{k.kpi_name}: {kpis.display_value(k.value, k.unit)} "
                f"({k.period_start} to {k.period_end}, measured on {k.measured_on})"
            )
        words.setdefault(k.step_id, []).append(said)
    return {step_id: "; ".join(said) for step_id, said in words.items()}


def _steps_table(
    shown: Shown, steps: list[dict], step_kpis: dict[int, str]
) -> pd.DataFrame:
    handoffs = {s.id: s.handoff_from for s in shown.grid.steps()}
    rows = []
    for step in steps:
        owner = shown.agency_names.get(step["owning_agency_id"], grid.NO_OWNER)
        if handoffs.get(step["id"]):
            owner += f" (hand-off from {handoffs[step['id']]})"
        latest = max((e["date"] or "" for e in step["evidence"]), default=None)
        rows.append(
            {
                "Step": shown.numbers[step["id"]],
                "Action": step["action"],
                "Channel": step["channel"],
                "Touchpoint": step["touchpoint"] or "",
                "Owning agency": owner,
                "Fee": step["fee"] or "",
                "Optional": "Yes" if step["optional"] else "No",
                "Evidence": grid.NO_EVIDENCE
                if latest is None
                else f"{len(step['evidence'])}, latest {latest or 'undated'}",
                "KPIs": step_kpis.get(step["id"], ""),
            }
        )
    return pd.DataFrame(rows)


def _render_step_controls(shown: Shown, step: dict, first: bool, last: bool) -> None:
    step_id, number = step["id"], shown.numbers[step["id"]]
    prefix = f"step-{step_id}"
    actor = shared.acting_user()
    label, edit, up, down, delete = st.columns(
        [3.2, 1.6, 1.9, 2.1, 1.7], vertical_alignment="center"
    )
    label.markdown(f"**{number}** {shared.md(step['action'])}")
    edit.button(
        f"Edit step {number}",
        key=f"{prefix}-edit",
        on_click=_open_step_edit,
        args=(step_id,),
    )
    if up.button(f"Move step {number} up", key=f"{prefix}-up", disabled=first):
        run(
            stages.move_step,
            shown.ws,
            actor,
            step_id,
            "up",
            done=f"Moved step {number} up.",
        )
    if down.button(f"Move step {number} down", key=f"{prefix}-down", disabled=last):
        run(
            stages.move_step,
            shown.ws,
            actor,
            step_id,
            "down",
            done=f"Moved step {number} down.",
        )
    if delete.button(f"Delete step {number}", key=f"{prefix}-delete"):
        st.session_state[DELETE_KEY] = ("step", step_id, step["version"])
    asked = _asked_delete("step", step_id)
    if asked is not None:
        _confirm_delete(
            shown,
            f"Delete step {number}, {step['action']}? Its details go too.",
            prefix,
            stages.delete_step,
            step_id,
            asked,
            done=f"Deleted step {number}.",
            what="step",
        )
    if st.session_state.get(STEP_EDIT_KEY, {}).get("id") == step_id:
        _render_step_form(shown, step_id, number)


def _asked_delete(kind: str, row_id: int) -> int | None:
    """The version shown when Delete was pressed for this row, if it awaits a yes."""
    asked = st.session_state.get(DELETE_KEY)
    if asked and tuple(asked[:2]) == (kind, row_id):
        return asked[2]
    return None


def _confirm_delete(
    shown: Shown, question: str, prefix: str, call, *args, done: str, what: str
):
    """Ask, then run ``call`` with the version remembered when Delete was pressed.

    If someone saved the row since, the delete is refused with a message saying
    so, and Delete must be pressed again to ask about the row as it is now.
    """

    def delete_unless_changed(*call_args):
        try:
            return call(*call_args)
        except EditConflict as exc:
            who, when = exc.current.get("updated_by"), exc.current.get("updated_at")
            raise JourneyError(
                f"This {what} was changed by {who} at {when} since you asked to "
                "delete it, so it was not deleted: look at it again, then delete "
                "if you still want to."
            ) from exc

    delete_unless_changed.__name__ = getattr(call, "__name__", "delete")
    with st.container(border=True):
        st.warning(shared.md(question))
        yes, no = st.columns(2)
        if yes.button("Yes, delete", key=f"{prefix}-delete-yes"):
            st.session_state.pop(DELETE_KEY, None)
            run(delete_unless_changed, shown.ws, shared.acting_user(), *args, done=done)
        if no.button("Keep it", key=f"{prefix}-delete-no"):
            st.session_state.pop(DELETE_KEY, None)
            st.rerun()


def _render_stage_controls(shown: Shown, number: int, stage: dict, count: int) -> None:
    stage_id = stage["id"]
    prefix = f"stage-{stage_id}"
    actor = shared.acting_user()
    rename, up, down, delete = st.columns(4)
    if rename.button(f"Rename stage {number}", key=f"{prefix}-rename"):
        st.session_state[STAGE_EDIT_KEY] = {"id": stage_id, "version": stage["version"]}
    if up.button(f"Move stage {number} up", key=f"{prefix}-up", disabled=number == 1):
        run(
            stages.move_stage,
            shown.ws,
            actor,
            stage_id,
            "up",
            done=f"Moved stage {number} up.",
        )
    if down.button(
        f"Move stage {number} down", key=f"{prefix}-down", disabled=number == count
    ):
        run(
            stages.move_stage,
            shown.ws,
            actor,
            stage_id,
            "down",
            done=f"Moved stage {number} down.",
        )
    if delete.button(f"Delete stage {number}", key=f"{prefix}-delete"):
        st.session_state[DELETE_KEY] = ("stage", stage_id, stage["version"])
    asked = _asked_delete("stage", stage_id)
    if asked is not None:
        steps = len(shown.journey_map.steps_by_stage[stage_id])
        _confirm_delete(
            shown,
            f"Delete stage {number}, {stage['name']}, and its {steps} steps?",
            prefix,
            stages.delete_stage,
            stage_id,
            asked,
            done=f"Deleted stage {number}.",
            what="stage",
        )
    renaming = st.session_state.get(STAGE_EDIT_KEY)
    if renaming and renaming["id"] == stage_id:
        _render_stage_form(shown, number, stage, renaming["version"])


def _render_stage_form(shown: Shown, number: int, stage: dict, version: int) -> None:
    prefix = f"stage-{stage['id']}"
    with st.form(f"{prefix}-form"):
        st.markdown(f"#### Rename stage {number}")
        name = st.text_input("Stage name", value=stage["name"], key=f"{prefix}-name")
        description = st.text_area(
            "Stage description", value=stage["description"], key=f"{prefix}-description"
        )
        save, close = st.columns(2)
        submitted = save.form_submit_button("Save stage", key=f"{prefix}-save")
        closed = close.form_submit_button("Close without saving", key=f"{prefix}-close")
    if submitted and not _save_stage(shown, stage["id"], version, name, description):
        return
    if closed or submitted:
        st.session_state.pop(STAGE_EDIT_KEY, None)
        shared.forget(f"{prefix}-name", f"{prefix}-description")
        if submitted:
            shared.flash(f"Saved stage {number}.")
        st.rerun()


def _save_stage(
    shown: Shown, stage_id: int, version: int, name: str, description: str
) -> bool:
    """Save a renamed stage; on a conflict show theirs and arm a second save."""
    try:
        stages.update_stage(
            shown.ws, shared.acting_user(), stage_id, version, Stage(name, description)
        )
    except EditConflict as conflict:
        current = conflict.current
        st.error(shared.md(str(conflict)))
        shared.table(
            shared.conflict_frame(
                [
                    ("name", current["name"], name),
                    ("description", current["description"] or "(empty)", description),
                ],
                current.get("updated_by"),
            ),
            hide_index=True,
        )
        st.caption(
            "Your typing is kept: press 'Save stage' again to save yours over "
            "theirs, or 'Close without saving' to keep theirs."
        )
        st.session_state[STAGE_EDIT_KEY] = {
            "id": stage_id,
            "version": current["version"],
        }
        return False
    except JourneyError as exc:
        st.error(shared.md(str(exc)))
        return False
    return True


def _render_add_step(shown: Shown, number: int, stage: dict) -> None:
    prefix = f"stage-{stage['id']}-new"
    owners = [None, *shown.agency_names]
    with st.expander(f"Add a step to stage {number}"):
        with st.form(f"{prefix}-form"):
            action = st.text_input("What the person does", key=f"{prefix}-action")
            channel = st.selectbox("Channel", CHANNELS, key=f"{prefix}-channel")
            owner = st.selectbox(
                "Owning agency",
                owners,
                format_func=lambda a: shown.agency_names.get(a, grid.NO_OWNER),
                key=f"{prefix}-owner",
            )
            touchpoint = st.text_input("Touchpoint", key=f"{prefix}-touchpoint")
            submitted = st.form_submit_button("Add step", key=f"{prefix}-save")
        if submitted:
            step = Step(
                action, channel=channel, touchpoint=touchpoint, owning_agency_id=owner
            )
            new_id = shared.attempt(
                maps.add_step, shown.ws, shared.acting_user(), stage["id"], step
            )
            if new_id is not shared.FAILED:
                shared.forget(
                    *(
                        f"{prefix}-{n}"
                        for n in ("action", "channel", "owner", "touchpoint")
                    )
                )
                shared.flash(
                    f"Added a step to stage {number}: {shared.md(action.strip())}."
                )
                st.rerun()


def _render_add_stage(shown: Shown) -> None:
    prefix = f"journey-{shown.journey_id}-new-stage"
    with st.expander("Add a stage"):
        with st.form(f"{prefix}-form"):
            name = st.text_input("Stage name", key=f"{prefix}-name")
            description = st.text_area("Stage description", key=f"{prefix}-description")
            submitted = st.form_submit_button("Add stage", key=f"{prefix}-save")
        if submitted:
            new_id = shared.attempt(
                maps.add_stage,
                shown.ws,
                shared.acting_user(),
                shown.journey_id,
                Stage(name, description),
            )
            if new_id is not shared.FAILED:
                shared.forget(f"{prefix}-name", f"{prefix}-description")
                shared.flash(f"Added the stage {shared.md(name.strip())}.")
                st.rerun()


# --- editing one step ---------------------------------------------------------------


def _open_step_edit(step_id: int) -> None:
    """Button callback: edit this step, closing any other step's form."""
    _close_step_edit()
    st.session_state[STEP_EDIT_KEY] = {"id": step_id}


def _close_step_edit() -> None:
    edit = st.session_state.pop(STEP_EDIT_KEY, None)
    st.session_state.pop(STEP_CONFLICT_KEY, None)
    if edit:
        prefix = f"step-{edit['id']}-"
        shared.forget(*(k for k in list(st.session_state) if str(k).startswith(prefix)))


def _render_step_form(shown: Shown, step_id: int, number: str) -> None:
    edit = st.session_state[STEP_EDIT_KEY]
    if "version" not in edit:
        stored = shared.attempt(journey_edit.read_step, shown.ws, step_id)
        if stored is shared.FAILED:
            st.session_state.pop(STEP_EDIT_KEY, None)
            return
        edit["version"] = stored["version"]
        edit["values"] = journey_edit.step_values(
            stored, stored["supporting_agency_ids"]
        )
    values, prefix = edit["values"], f"step-{step_id}"
    with st.container(border=True):
        st.markdown(f"#### Edit step {number}")
        st.caption(
            f"Opened at version {edit['version']}. If someone saves this step "
            "before you do, you will see both versions and choose."
        )
        with st.form(f"{prefix}-form"):
            step, supporting, stage_id = _step_fields(shown, prefix, values)
            save, close = st.columns(2)
            submitted = save.form_submit_button("Save step", key=f"{prefix}-save")
            closed = close.form_submit_button(
                "Close without saving", key=f"{prefix}-close"
            )
        if closed:
            _close_step_edit()
            st.rerun()
        if submitted:
            _save_step(
                shown, step_id, edit["version"], step, supporting, stage_id, values
            )
        _render_step_conflict(shown, step_id)


def _step_fields(shown: Shown, prefix: str, values: dict):
    """Every field of a step; returns (Step, supporting agency ids, stage id)."""
    agency_options = list(shown.agency_names)
    owners = [None, *agency_options]
    stage_numbers = {
        s["id"]: f"Stage {n}: {s['name']}"
        for n, s in enumerate(shown.journey_map.stages, start=1)
    }
    left, right = st.columns(2)
    with left:
        action = st.text_input(
            "What the person does", value=values["action"], key=f"{prefix}-action"
        )
        channel = st.selectbox(
            "Channel",
            CHANNELS,
            index=index_of(CHANNELS, values["channel"]),
            key=f"{prefix}-channel",
        )
        touchpoint = st.text_input(
            "Touchpoint", value=values["touchpoint"], key=f"{prefix}-touchpoint"
        )
        url = st.text_input(
            "Touchpoint link", value=values["touchpoint_url"] or "", key=f"{prefix}-url"
        )
        stage_id = st.selectbox(
            "Stage",
            list(stage_numbers),
            index=index_of(stage_numbers, values["stage_id"]),
            format_func=stage_numbers.get,
            key=f"{prefix}-stage",
            help="Choose another stage to move the step to the end of it.",
        )
        owner = st.selectbox(
            "Owning agency",
            owners,
            index=index_of(owners, values["owning_agency_id"]),
            format_func=lambda a: shown.agency_names.get(a, grid.NO_OWNER),
            key=f"{prefix}-owner",
        )
        supporting = st.multiselect(
            "Supporting agencies",
            agency_options,
            default=[a for a in values["supporting_agency_ids"] if a in agency_options],
            format_func=shown.agency_names.get,
            key=f"{prefix}-supporting",
        )
        optional = st.checkbox(
            "Optional step", value=bool(values["optional"]), key=f"{prefix}-optional"
        )
        fee = st.text_input("Fee", value=values["fee"] or "", key=f"{prefix}-fee")
        notes = st.text_area("Notes", value=values["notes"], key=f"{prefix}-notes")
    with right:
        emotions = _emotion_fields(shown, prefix, values["emotions"])
        pain_points = st.text_area(
            "Pain points: one per line, severity in brackets (low, medium, high)",
            value=journey_edit.notes_to_text(values["pain_points"], "severity"),
            key=f"{prefix}-pain-points",
            placeholder="Long wait on the phone (high)",
        )
        opportunities = st.text_area(
            "Opportunities: one per line, expected impact in brackets "
            "(low, medium, high)",
            value=journey_edit.notes_to_text(values["opportunities"], "impact"),
            key=f"{prefix}-opportunities",
            placeholder="Call back instead of waiting (medium)",
        )
        kpi_names = {k["id"]: k["name"] for k in metrics.list_kpis(shown.ws)}
        kpi_ids = st.multiselect(
            "KPIs this step affects",
            list(kpi_names),
            default=[k for k in values["kpi_ids"] if k in kpi_names],
            format_func=kpi_names.get,
            key=f"{prefix}-kpis",
        )
    evidence = _evidence_fields(prefix, values["evidence"])
    step = Step(
        action=action,
        channel=channel,
        touchpoint=touchpoint,
        touchpoint_url=url,
        owning_agency_id=owner,
        optional=optional,
        fee=fee,
        notes=notes,
        emotions=emotions,
        pain_points=journey_edit.notes_from_text(pain_points, "severity"),
        opportunities=journey_edit.notes_from_text(opportunities, "impact"),
        evidence=evidence,
        kpi_ids=kpi_ids,
    )
    return step, supporting, stage_id


def _emotion_fields(shown: Shown, prefix: str, stored: dict) -> dict:
    """A feeling per linked persona; feelings of unlinked personas are kept."""
    linked_ids = {str(p["id"]) for p in shown.linked}
    emotions = {p: s for p, s in stored.items() if p not in linked_ids}
    if not shown.linked:
        st.caption(
            "Link personas to this journey (Edit journey details) to record how "
            "each feels at this step."
        )
    for persona in shown.linked:
        feeling = st.selectbox(
            f"How {shared.md(persona['name'])} feels",
            FEELINGS,
            index=index_of(FEELINGS, stored.get(str(persona["id"]))),
            format_func=grid.feeling_text,
            key=f"{prefix}-emotion-{persona['id']}",
        )
        if feeling is not None:
            emotions[str(persona["id"])] = feeling
    return emotions


def _evidence_fields(prefix: str, stored: list[dict]) -> list[dict]:
    """One row per piece of evidence, plus an empty row to add another.

    Rows are numbered within this one step's evidence, which is saved whole
    with the step's version; clearing a source removes that piece.
    """
    st.markdown("##### Evidence")
    evidence = []
    for number, item in enumerate([*stored, {}], start=1):
        source, date, personal = st.columns([4, 2, 2], vertical_alignment="bottom")
        evidence.append(
            {
                "source": source.text_input(
                    f"Evidence {number}: source",
                    value=item.get("source", ""),
                    key=f"{prefix}-evidence-{number}-source",
                ),
                "date": date.text_input(
                    f"Evidence {number}: date (YYYY-MM-DD)",
                    value=item.get("date") or "",
                    key=f"{prefix}-evidence-{number}-date",
                ),
                "personal_data": personal.checkbox(
                    f"Evidence {number} holds personal data",
                    value=bool(item.get("personal_data")),
                    key=f"{prefix}-evidence-{number}-personal",
                ),
            }
        )
    return evidence


def _save_step(
    shown: Shown,
    step_id: int,
    version: int,
    step: Step,
    supporting: list[int],
    stage_id: int | None,
    opened: dict,
) -> bool:
    try:
        journey_edit.save_step(
            shown.ws, shared.acting_user(), step_id, version, step, supporting, stage_id
        )
    except EditConflict as conflict:
        st.session_state[STEP_CONFLICT_KEY] = {
            "id": step_id,
            "message": str(conflict),
            "current": conflict.current,
            "yours": conflict.yours,
            "opened": opened,
        }
        return False
    except JourneyError as exc:
        st.error(shared.md(str(exc)))
        return False
    _close_step_edit()
    number = shown.numbers.get(step_id, "")
    shared.flash(f"Saved step {number} {shared.md(step.action.strip())}.")
    st.rerun()


def _render_step_conflict(shown: Shown, step_id: int) -> None:
    def save_again(values: dict, current: dict) -> bool:
        step = Step(**{k: values[k] for k in Step.__dataclass_fields__})
        return _save_step(
            shown,
            step_id,
            current["version"],
            step,
            values["supporting_agency_ids"],
            values.get("stage_id"),
            current,
        )

    shared.render_conflict(
        shown.ws,
        STEP_CONFLICT_KEY,
        step_id,
        f"step-{step_id}",
        save_again=save_again,
        close=_close_step_edit,
    )
