"""Measurements in, for the Goals & KPIs page: files with a preview and a
per-row report before anything is written, survey exports mapped question by
question, and one measurement typed by hand.

Thin: reading, checking and writing happen in `journeys.importers` and
`journeys.surveys`; this module only lays out the steps.
"""

import datetime

import pandas as pd
import streamlit as st

from app_pages import shared
from journeys import agencies, kpis, maps, metrics, survey_mappings, surveys
from journeys.errors import JourneyError
from journeys.importers import DESCRIPTIONS, SourceFile
from journeys.importers import measure_plan as plans
from journeys.importers.measurements_csv import COLUMN_HELP, template_csv
from journeys.importers.previews import PLANNERS, checked_against, preview
from journeys.models import CHANNELS, Measurement
from journeys.progress import part
from journeys.wording import counted

SURVEY_KIND = "survey-export"
UPLOAD_COUNTER = "kpi-import-upload-number"
NOT_MAPPED = ""
# Files larger than this get a progress bar while they are read and checked.
# A 1 MB survey export is about 29,000 responses, read and checked in about
# 0.15 s: below that a bar would only flash. The benchmark's 6.8 MB export of
# 200,000 responses takes about 1.3 s.
PROGRESS_BYTES = 1_000_000
# What was worked out from the uploaded file, kept in this browser session
# only (never `st.cache_data`, which all sessions share: PITFALLS 4, 5), so
# that a rerun for another widget does not read a large file again.
KEPT_PLAN = "kpi-import-kept-plan"
KEPT_SURVEY = "kpi-import-kept-survey"
# Which upload the survey selectboxes were last preselected for, and what the
# person was told about it.
MAPPING_SEEDED = "survey-map-seeded-for"
MAPPING_NOTE = "survey-map-note"


# --- importing measurements --------------------------------------------------------


def render_import(ws) -> None:
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
        _forget_kept()
        return
    source = SourceFile(uploaded.name, uploaded.getvalue())
    if kind == SURVEY_KIND:
        _render_survey_import(ws, source, f"{number}:{source.sha256}")
        return
    plan = _measure_plan(ws, kind, source)
    if plan is None:
        return
    _render_plan(plan.summary(), plan.notes, plan.preview(), plan.problem_rows())
    if plan.drafts and st.button(
        f"Import {counted(len(plan.drafts), 'measurement')}", key="kpi-import-go"
    ):
        _write(
            lambda progress: plans.write_plan(ws, shared.acting_user(), plan, progress)
        )


class _ProgressBar:
    """One progress bar for reading and checking a large file: drawn when
    first reported to, cleared before the preview is shown."""

    def __init__(self, source: SourceFile):
        self._slot = st.empty() if len(source.data) > PROGRESS_BYTES else None

    def part(self, start: float, end: float):
        """The callback for one step of the job, or None for a small file."""
        report = self._report if self._slot is not None else None
        return part(report, start, end)

    def _report(self, done: float, text: str) -> None:
        self._slot.progress(min(max(done, 0.0), 1.0), text=text)

    def clear(self) -> None:
        if self._slot is not None:
            self._slot.empty()


def _measure_plan(ws, kind: str, source: SourceFile):
    """The checked preview of a measurement file, worked out again only when
    the file, its kind or the workspace changed; None after an error shown."""
    key = (kind, source.name, source.sha256, checked_against(ws))
    kept = st.session_state.get(KEPT_PLAN)
    if kept is not None and kept[0] == key:
        return kept[1]
    bar = _ProgressBar(source)
    plan = shared.attempt(preview, ws, kind, source, bar.part(0.0, 1.0))
    bar.clear()
    if plan is shared.FAILED:
        st.session_state.pop(KEPT_PLAN, None)
        return None
    st.session_state[KEPT_PLAN] = (key, plan)
    return plan


def _forget_kept() -> None:
    for key in (KEPT_PLAN, KEPT_SURVEY):
        st.session_state.pop(key, None)


def _render_plan(summary: str, notes, preview, problems) -> None:
    st.markdown(f"**Before anything is written:** {shared.md(summary)}.")
    for note in notes:
        st.caption(shared.md(note))
    if preview:
        st.markdown("**Preview** (the first rows to be written)")
        st.dataframe(pd.DataFrame(preview), hide_index=True, key="kpi-import-preview")
    if problems:
        st.markdown(f"**Left out: {len(problems):,} rows or values, and why**")
        st.dataframe(pd.DataFrame(problems), hide_index=True, key="kpi-import-problems")
        shared.table_downloads(
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
    _forget_kept()
    st.session_state[UPLOAD_COUNTER] = st.session_state.get(UPLOAD_COUNTER, 0) + 1
    shared.flash(
        f"Imported {shared.md(result.file_name)}: {shared.md(result.summary())}."
    )
    st.rerun()


# --- survey exports ------------------------------------------------------------------


def _render_survey_import(ws, source: SourceFile, upload: str) -> None:
    bar = _ProgressBar(source)
    kept = _kept_survey(source, bar.part(0.0, surveys.READ_SHARE))
    if kept is None:
        bar.clear()
        return
    table = kept["table"]
    st.markdown(
        f"A **{table.tool_name}** export with "
        f"{counted(len(table.records), 'response')}. Choose "
        "the measure each KPI question gives; leave the others unmapped."
    )
    mapping = _render_mapping(ws, table, upload)
    name = st.text_input(
        "Survey name", value=source.name.rsplit(".", 1)[0], key="survey-name"
    )
    journey_titles = {j["id"]: j["title"] for j in maps.list_journeys(ws)}
    journey_id = shared.optional_choice(
        "About the journey", journey_titles, "survey-journey"
    )
    channel = st.selectbox("Channel", ["", *CHANNELS], key="survey-channel")
    include_partial = st.checkbox(
        "Count answers from responses that were not submitted",
        value=True,
        key="survey-partial",
    )
    if not mapping:
        bar.clear()
        st.info("Map at least one question to see what would be imported.")
        return
    plan = _survey_plan(
        kept, mapping, include_partial, bar.part(surveys.READ_SHARE, 1.0)
    )
    bar.clear()
    if plan is None:
        return
    plan = surveys.labelled(plan, survey=name, journey_id=journey_id, channel=channel)
    _render_plan(plan.summary(), plan.notes, plan.preview(), plan.problem_rows())
    if plan.answers and st.button(
        f"Import {counted(len(plan.answers), 'answer')}", key="survey-import-go"
    ):
        _write(
            lambda progress: surveys.write_survey(
                ws, shared.acting_user(), plan, progress
            )
        )


def _kept_survey(source: SourceFile, progress) -> dict | None:
    """The survey file, read once per upload: {"file", "source", "table",
    "plan_key", "plan"}, the plan being the last one worked out from it."""
    kept = st.session_state.get(KEPT_SURVEY)
    if kept is not None and kept["file"] == (source.name, source.sha256):
        return kept
    try:
        table = surveys.read_survey(source, progress)
    except JourneyError as err:
        st.session_state.pop(KEPT_SURVEY, None)
        st.error(shared.md(str(err)))
        return None
    kept = {
        "file": (source.name, source.sha256),
        "source": source,
        "table": table,
        "plan_key": None,
        "plan": None,
    }
    st.session_state[KEPT_SURVEY] = kept
    return kept


def _survey_plan(kept: dict, mapping: dict, include_partial: bool, progress):
    """The answers the mapping reads, worked out again only when the mapping or
    the partial-responses choice changed; None after an error shown."""
    key = (tuple(sorted(mapping.items())), include_partial)
    if kept["plan_key"] == key:
        return kept["plan"]
    try:
        plan = surveys.plan_survey(
            kept["source"],
            mapping,
            include_partial=include_partial,
            table=kept["table"],
            progress=progress,
        )
    except JourneyError as err:
        st.error(shared.md(str(err)))
        return None
    kept["plan_key"], kept["plan"] = key, plan
    return plan


def _render_mapping(ws, table, upload: str) -> dict[int, str]:
    """A selectbox per question, preselected from the saved mapping when this
    upload is first shown; returns column index -> measure chosen."""
    questions = table.question_columns()
    # Streamlit forgets a widget's value once it is not drawn (another kind of
    # file chosen meanwhile): preselect again then too.
    forgotten = any(f"survey-map-{c.index}" not in st.session_state for c in questions)
    if st.session_state.get(MAPPING_SEEDED) != upload or forgotten:
        saved = survey_mappings.saved_mapping(ws, table)
        for column in questions:
            st.session_state[f"survey-map-{column.index}"] = saved.choices.get(
                column.index, NOT_MAPPED
            )
        st.session_state[MAPPING_SEEDED] = upload
        st.session_state[MAPPING_NOTE] = saved.message()
    if st.session_state.get(MAPPING_NOTE):
        st.info(
            shared.md(st.session_state[MAPPING_NOTE])
            + ". Check them; you can change any."
        )
    options = [NOT_MAPPED, *surveys.MEASURES]
    labels = {NOT_MAPPED: "Not a KPI question"} | {
        key: m.label for key, m in surveys.MEASURES.items()
    }
    mapping = {}
    for column in questions:
        choice = st.selectbox(
            # The wording comes from the file: shown as written, never as markup.
            shared.md(column.text[:150]) + ("…" if len(column.text) > 150 else ""),
            options,
            format_func=labels.get,
            key=f"survey-map-{column.index}",
        )
        if choice:
            mapping[column.index] = choice
    if st.button(
        "Save this mapping",
        key="survey-map-save",
        help="Importing saves it too. The next export of this survey will come "
        "with these questions preselected.",
    ):
        saved = shared.attempt(
            survey_mappings.save_mapping, ws, shared.acting_user(), table, mapping
        )
        if saved is not shared.FAILED:
            st.success(
                f"Mapping saved: {len(mapping)} of {len(questions)} "
                "questions mapped. The next export of this survey will come with "
                "them preselected."
            )
    return mapping


# --- one measurement by hand ---------------------------------------------------------


def render_manual_entry(ws) -> None:
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
        agency_id = shared.optional_choice("Agency", owners, "measure-new-agency")
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
        value = shared.typed_number(value, kpi["unit"], "Value")
        numerator = shared.typed_number(numerator, "", "Numerator")
        denominator = shared.typed_number(denominator, "", "Denominator")
    except shared.FormProblem as problem:
        st.error(shared.md(str(problem)))
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
    shared.flash(
        f"Saved {shared.md(kpi['name'])}: {kpis.display_value(value, kpi['unit'])}."
    )
    st.rerun()
