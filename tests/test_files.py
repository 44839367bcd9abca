"""Personas, journeys and whole workspaces in and out of files."""

import io
import json
import re

import openpyxl
import pytest

from journeys import (
    agencies,
    journey_files,
    maps,
    persona_files,
    personas,
    stages,
    workspace_file,
)
from journeys.access import DEMO_ADMIN, DEMO_EDITOR
from journeys.errors import ImportFailed, PermissionDenied
from journeys.models import Agency, Journey, Persona, Stage, Step
from journeys.workspace import Workspace

PERSONA_CSV = (
    "name,summary,access_needs,assistive_technology,digital_confidence,tags,"
    "owner_agency\r\n"
    "Ashleigh,Severely sight impaired screenreader user,"
    "severely sight impaired (blind),uses a screen reader,4,GOV.UK accessibility,"
    "Government Digital Service\r\n"
    'Ron,"Older user, multiple conditions",arthritis | hearing loss | cataracts,'
    "does not use any assistive technology,2,GOV.UK accessibility,\r\n"
)


def test_persona_csv_import_creates_every_persona(ws):
    preview = persona_files.preview_import(ws, PERSONA_CSV.encode(), "people.csv")
    assert preview.describe() == (
        "2 personas (2 rows, UTF-8, comma); new agencies: Government Digital Service"
    )
    assert ws.counts()["persona"] == 0  # a preview writes nothing
    persona_files.apply_import(ws, DEMO_EDITOR, preview)
    ron = personas.get_persona(ws, personas.find_persona_id(ws, "Ron"))
    assert ron["access_needs"] == ["arthritis", "hearing loss", "cataracts"]
    assert ron["summary"] == "Older user, multiple conditions"
    assert ron["digital_confidence"] == 2
    listed = {p["name"]: p for p in personas.list_personas(ws)}
    assert listed["Ashleigh"]["owner_agency_name"] == "Government Digital Service"


def test_persona_import_from_excel_csv_with_semicolons_and_latin_accents(ws):
    text = "name;summary;languages\r\nJosé;Vit à Montréal;français | English\r\n"
    persona_files.import_file(ws, DEMO_EDITOR, text.encode("cp1252"), "excel.csv")
    jose = personas.get_persona(ws, personas.find_persona_id(ws, "José"))
    assert (jose["summary"], jose["languages"]) == (
        "Vit à Montréal",
        ["français", "English"],
    )


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("name,summary\r\n,no name\r\n", "bad.csv: row 2, column name: is required"),
        (
            "name,digital_confidence\r\nRon,7\r\n",
            "bad.csv: row 2, column digital_confidence: must be from 1 to 5 (got 7)",
        ),
        (
            "name,summary\r\nRon,a\r\nron,b\r\n",
            "bad.csv: row 3, column name: a persona called 'ron' already exists; "
            "rename it or remove the row",
        ),
        (
            "name,favourite_colour\r\nRon,blue\r\n",
            "bad.csv: unknown column(s) favourite_colour",
        ),
        ("name,summary\r\n", "bad.csv: the file has a header but no personas"),
    ],
)
def test_bad_persona_files_name_row_and_column_and_write_nothing(ws, csv_text, message):
    with pytest.raises(ImportFailed) as caught:
        persona_files.import_file(ws, DEMO_EDITOR, csv_text.encode(), "bad.csv")
    assert str(caught.value).startswith(message)
    assert ws.counts()["persona"] == 0


def test_persona_file_failing_on_its_last_row_imports_nothing(ws):
    rows = "".join(f"Persona {n},ok\r\n" for n in range(1, 200))
    data = ("name,summary\r\n" + rows + "Overlong," + "x" * 1001 + "\r\n").encode()
    with pytest.raises(ImportFailed, match="row 201, column summary"):
        persona_files.import_file(ws, DEMO_EDITOR, data, "big.csv")
    assert ws.counts()["persona"] == 0


def test_twenty_thousand_rows_get_a_clear_limit_message(ws):
    data = ("name\r\n" + "".join(f"P{n}\r\n" for n in range(20_000))).encode()
    with pytest.raises(
        ImportFailed, match="20,000 rows; one import takes at most 5,000"
    ):
        persona_files.import_file(ws, DEMO_EDITOR, data, "huge.csv")
    assert ws.counts()["persona"] == 0


def test_persona_export_round_trips_through_csv_and_xlsx(ws, tmp_path):
    persona_files.import_file(ws, DEMO_EDITOR, PERSONA_CSV.encode(), "people.csv")
    before = persona_files.export_rows(ws)
    for name, exported in [
        ("p.csv", persona_files.export_csv(ws)),
        ("p.xlsx", persona_files.export_xlsx(ws)),
    ]:
        other = Workspace.open(tmp_path / f"{name}.db")
        persona_files.import_file(other, DEMO_EDITOR, exported, name)
        after = persona_files.export_rows(other)
        assert [_as_text(r) for r in after] == [_as_text(r) for r in before]
        other.close()


def _as_text(row):
    return {k: "" if v is None else str(v) for k, v in row.items()}


def test_persona_templates_list_every_column():
    header = persona_files.template_csv().decode("utf-8-sig").split("\r\n")[0]
    assert header.split(",") == persona_files.COLUMNS
    sheet = openpyxl.load_workbook(io.BytesIO(persona_files.template_xlsx())).active
    assert [c.value for c in sheet[1]] == persona_files.COLUMNS


def build_journey(ws):
    ron = personas.create_persona(ws, DEMO_EDITOR, Persona("Ron"))
    dvla = agencies.ensure_agency(ws, DEMO_EDITOR, Agency("DVLA"))
    dvsa = agencies.ensure_agency(ws, DEMO_EDITOR, Agency("DVSA"))
    journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey("Learn to drive a car"))
    maps.link_persona(ws, DEMO_EDITOR, journey_id, ron)
    licence = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage("Get a licence"))
    maps.add_step(
        ws,
        DEMO_EDITOR,
        licence,
        Step(
            "Apply for your first provisional driving licence",
            fee="£34",
            owning_agency_id=dvla,
            emotions={str(ron): -1},
            pain_points=[{"text": '=HYPERLINK("x")', "severity": "high"}],
            evidence=[{"source": "GOV.UK step by step", "date": "2018-01-18"}],
        ),
    )
    theory = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage("Theory test"))
    step_id = maps.add_step(
        ws, DEMO_EDITOR, theory, Step("Book your theory test", owning_agency_id=dvsa)
    )
    stages.set_supporting_agencies(ws, DEMO_EDITOR, step_id, [dvla])
    return journey_id


def test_journey_csv_round_trip_into_an_empty_workspace(ws, tmp_path):
    journey_id = build_journey(ws)
    exported = journey_files.export_csv(ws, journey_id)
    assert b"'=HYPERLINK" in exported  # defused for spreadsheets

    other = Workspace.open(tmp_path / "other.db")
    personas.create_persona(other, DEMO_EDITOR, Persona("Ron"))
    preview = journey_files.preview_import(other, exported, "journey.csv")
    assert preview.describe() == (
        "1 journey, 2 steps (2 rows, UTF-8, comma); new agencies: DVLA, DVSA"
    )
    (new_id,) = journey_files.apply_import(other, DEMO_EDITOR, preview)
    assert journey_files.export_rows(
        other, maps.load_journey_map(other, new_id)
    ) == journey_files.export_rows(ws, maps.load_journey_map(ws, journey_id))
    other.close()


def test_journey_import_of_existing_title_is_refused_whole(ws):
    journey_id = build_journey(ws)
    exported = journey_files.export_csv(ws, journey_id)
    counts = ws.counts()
    with pytest.raises(ImportFailed, match="row 2, column journey: a journey called"):
        journey_files.import_file(ws, DEMO_EDITOR, exported, "again.csv")
    assert ws.counts() == counts


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("journey,stage\r\nA,B\r\n", "missing column(s) step"),
        ("journey,stage,step\r\nA,B,\r\n", "row 2, column step: is required"),
        ("journey,stage,step,channel\r\nA,B,Call,fax\r\n", "row 2, column channel"),
        (
            "journey,stage,step,emotion: Nobody\r\nA,B,C,1\r\n",
            "column 'emotion: Nobody': there is no persona called 'Nobody'",
        ),
        (
            "journey,stage,step\r\nA,One,x\r\nA,Two,y\r\nA,One,z\r\n",
            "row 4, column stage: the steps of stage 'One' must be on consecutive rows",
        ),
    ],
)
def test_bad_journey_files_name_row_and_column(ws, csv_text, message):
    with pytest.raises(ImportFailed, match=re.escape(message)):
        journey_files.import_file(ws, DEMO_EDITOR, csv_text.encode(), "bad.csv")
    assert ws.is_empty()


def test_print_page_is_escaped_and_self_contained(ws):
    journey_id = build_journey(ws)
    agency_id = agencies.ensure_agency(
        ws, DEMO_EDITOR, Agency("<img src=x onerror=alert(1)>")
    )
    stage_id = maps.load_journey_map(ws, journey_id).stages[-1]["id"]
    maps.add_step(
        ws,
        DEMO_EDITOR,
        stage_id,
        Step("<script>alert('x')</script>", owning_agency_id=agency_id),
    )
    page = journey_files.print_html(ws, journey_id)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "size: A3 landscape" in page
    assert "http://" not in page and "https://" not in page
    assert "Hand-off to DVSA" in page


def test_workspace_export_rebuilds_identically(ws, tmp_path):
    build_journey(ws)
    first = workspace_file.export_workspace(ws)
    rebuilt = Workspace.open(tmp_path / "rebuilt.db")
    counts = workspace_file.import_workspace(rebuilt, DEMO_ADMIN, first, "ws.json")
    assert counts["step"] == 2 and counts["journey_persona"] == 1
    assert workspace_file.export_workspace(rebuilt) == first
    assert rebuilt.integrity_problems() == []
    rebuilt.close()


def test_workspace_import_refuses_a_workspace_with_data(ws, tmp_path):
    build_journey(ws)
    data = workspace_file.export_workspace(ws)
    with pytest.raises(ImportFailed, match="already holds data"):
        workspace_file.import_workspace(ws, DEMO_ADMIN, data, "ws.json")
    fresh = Workspace.open(tmp_path / "fresh.db")
    with pytest.raises(PermissionDenied):
        workspace_file.import_workspace(fresh, DEMO_EDITOR, data, "ws.json")
    fresh.close()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: b"{not json", "not valid JSON (line 1, column 2"),
        (lambda d: b"[]", "not a Joinedup workspace export"),
        (
            lambda d: d.replace(b'"format_version": 1', b'"format_version": 9'),
            "format version 9",
        ),
        (
            lambda d: _edit(
                d, lambda doc: doc["tables"]["step"][0].update(stage_id=999)
            ),
            "the file's rows do not fit together",
        ),
        (
            lambda d: _edit(
                d, lambda doc: doc["tables"]["step"][1].update(colour="red")
            ),
            "step has no column(s) ['colour']",
        ),
        (
            lambda d: _edit(d, lambda doc: doc["schema"].append("m9999_future")),
            "written by a newer version of Joinedup (schema changes m9999_future",
        ),
        (
            lambda d: _edit(d, lambda doc: doc.update(schema="m0001_core")),
            "'schema' must list the file's migrations",
        ),
    ],
)
def test_broken_workspace_files_leave_the_workspace_empty(
    ws, tmp_path, mutate, message
):
    build_journey(ws)
    data = mutate(workspace_file.export_workspace(ws))
    target = Workspace.open(tmp_path / "target.db")
    with pytest.raises(ImportFailed, match=re.escape(message)):
        workspace_file.import_workspace(target, DEMO_ADMIN, data, "ws.json")
    assert target.is_empty() and target.counts()["change_log"] == 0
    target.close()


def _edit(data: bytes, change) -> bytes:
    document = json.loads(data)
    change(document)
    return json.dumps(document).encode()


def test_workspace_file_keeps_consultations_and_feedback(ws, tmp_path):
    from tests import consultation_fixture

    setup = consultation_fixture.build(ws)
    consultation_fixture.joined_device(ws, setup)
    consultation_fixture.give(ws, setup, "The form asked for my payslips twice.")
    exported = workspace_file.export_workspace(ws)
    rebuilt = Workspace.open(tmp_path / "rebuilt.db")
    counts = workspace_file.import_workspace(rebuilt, DEMO_ADMIN, exported, "ws.json")
    assert (counts["consultation_session"], counts["feedback"]) == (1, 1)
    assert counts["session_participant"] == 1
    assert workspace_file.export_workspace(rebuilt) == exported
    rebuilt.close()


@pytest.mark.parametrize("export", ["export_csv", "export_xlsx"])
def test_list_entries_holding_a_bar_or_backslash_come_back_whole(ws, tmp_path, export):
    # " | " separates entries in a cell; a "|" typed inside one used to split it.
    goals = ["a|b", "| starts with a bar", r"C:\docs\forms", "plain"]
    personas.create_persona(ws, DEMO_EDITOR, Persona("Ron", goals=goals))
    data = getattr(persona_files, export)(ws)
    other = Workspace.open(tmp_path / "other.db")
    suffix = "csv" if export == "export_csv" else "xlsx"
    persona_files.import_file(other, DEMO_EDITOR, data, f"people.{suffix}")
    (ron,) = [p for p in personas.list_personas(other) if p["name"] == "Ron"]
    assert ron["goals"] == goals
    other.close()


def test_a_pain_point_holding_a_bar_keeps_its_severity(ws, tmp_path):
    journey_id = maps.create_journey(ws, DEMO_EDITOR, Journey("Renew a licence"))
    stage_id = maps.add_stage(ws, DEMO_EDITOR, journey_id, Stage("Apply"))
    pain = [{"text": "p|q", "severity": "high"}, {"text": "r", "severity": "low"}]
    maps.add_step(ws, DEMO_EDITOR, stage_id, Step("Fill in", pain_points=pain))
    exported = journey_files.export_csv(ws, journey_id)
    other = Workspace.open(tmp_path / "other.db")
    preview = journey_files.preview_import(other, exported, "journey.csv")
    (new_id,) = journey_files.apply_import(other, DEMO_EDITOR, preview)
    (step,) = maps.load_journey_map(other, new_id).steps_by_stage.popitem()[1]
    assert step["pain_points"] == pain
    other.close()
