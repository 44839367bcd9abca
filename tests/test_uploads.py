"""Uploading files on the pages: a preview first, then all or nothing.

Bad input gets a message naming the file, row and column, and leaves the
workspace as it was.
"""

from pathlib import Path

import pytest

from journeys import activity, journey_files, maps, personas, uploads
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import ImportFailed, PermissionDenied
from journeys.workspace import Workspace
from tests.journey_fixture import build_driving

SOURCES = Path(__file__).resolve().parent.parent / "journeys" / "sources"
BUNDLE = SOURCES / "personas_govuk_accessibility_and_va_veterans.md"
GOVUK = SOURCES / "govuk_step_by_step_journeys_and_transaction.json"
HEADER = "name;summary;languages;owner_agency\r\n"


def test_persona_spreadsheet_preview_then_import_is_recorded(ws):
    data = (HEADER + "Agnès;Arrivée récente;French | English;Préfecture\r\n").encode(
        "cp1252"
    )
    preview = uploads.preview_personas(ws, data, "people.csv")

    assert preview.describe() == (
        "1 persona (1 row, Windows-1252, semicolon); new agencies: Préfecture"
    )
    assert preview.adds == ["Agnès"] and ws.counts()["persona"] == 0
    assert uploads.apply_upload(ws, DEMO_EDITOR, preview) == (
        "people.csv: 1 persona created"
    )
    saved = personas.get_persona(ws, personas.find_persona_id(ws, "Agnès"))
    assert saved["languages"] == ["French", "English"]
    (run,) = activity.list_imports(ws)
    assert (run["kind"], run["file_name"], run["summary"]) == (
        "personas-spreadsheet",
        "people.csv",
        "1 persona created",
    )


def test_persona_bundle_preview_names_what_is_added_and_left_out(ws):
    data = BUNDLE.read_bytes()
    preview = uploads.preview_personas(ws, data, BUNDLE.name)
    assert preview.describe() == "17 personas to add from a Markdown bundle"
    assert preview.adds[:2] == ["Ashleigh", "Chris"]
    assert uploads.apply_upload(ws, DEMO_EDITOR, preview).endswith(
        "17 personas created"
    )

    again = uploads.preview_personas(ws, data, "copy.md")
    assert again.adds == [] and len(again.skips) == 17
    assert again.skips[0] == "Ashleigh: a persona with this name already exists"


def test_govuk_json_preview_then_import(ws):
    preview = uploads.preview_journeys(ws, GOVUK.read_bytes(), GOVUK.name)
    assert preview.adds == [
        "Learn to drive a car",
        "Get a divorce",
        "Apply for or renew a Blue Badge",
    ]
    assert preview.describe().startswith("3 journeys with 41 steps")
    uploads.apply_upload(ws, DEMO_EDITOR, preview)
    assert [j["title"] for j in maps.list_journeys(ws)] == [
        "Apply for or renew a Blue Badge",
        "Get a divorce",
        "Learn to drive a car",
    ]


def test_journey_spreadsheet_round_trip_through_uploads(ws, tmp_path):
    driving = build_driving(ws)
    exported = journey_files.export_csv(ws, driving.journey_id)
    with Workspace.open(tmp_path / "empty.db") as empty:
        preview = uploads.preview_journeys(empty, exported, "drive.csv")
        assert preview.adds == ["Learn to drive a car"]
        uploads.apply_upload(empty, DEMO_EDITOR, preview)
        new_id = maps.find_journey(empty, "Learn to drive a car")
        assert journey_files.export_csv(empty, new_id) == exported


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "people.csv: the file is empty"),
        (
            (b"name,summary\r\nA,ok\r\n,no name\r\n"),
            "people.csv: row 3, column name: is required",
        ),
        (
            ("name\r\n" + "x" * 201 + "\r\n").encode(),
            "people.csv: row 2, column name: is 201 characters; the limit is 200",
        ),
        (
            b"\xef\xbb\xbfname;summary\r\nAsh;one\r\nash;two\r\n",
            "row 3, column name: a persona called 'ash' already exists",
        ),
        (
            ("name\r\n" + "".join(f"P{n}\r\n" for n in range(20_000))).encode(),
            "people.csv: 20,000 rows; one import takes at most 5,000 personas",
        ),
        (b"name,summary\r\nA,b,c\r\n", "row 2 has 3 columns but the header has 2"),
    ],
)
def test_bad_persona_files_say_where_and_write_nothing(ws, data, message):
    counts = ws.counts()
    with pytest.raises(ImportFailed) as raised:
        uploads.preview_personas(ws, data, "people.csv")
    assert message in str(raised.value)
    assert ws.counts() == counts


def test_other_files_and_viewers_are_refused(ws):
    with pytest.raises(ImportFailed, match=r"notes.txt: is not a file this takes"):
        uploads.preview_personas(ws, b"hello", "notes.txt")
    preview = uploads.preview_personas(ws, b"name\r\nNadia\r\n", "p.csv")
    with pytest.raises(PermissionDenied):
        uploads.apply_upload(ws, Actor("reader", Role.VIEWER), preview)
    assert ws.counts()["persona"] == 0 and ws.counts()["import_run"] == 0


def test_a_name_taken_between_preview_and_import_writes_nothing(ws):
    preview = uploads.preview_personas(ws, b"name\r\nNadia\r\nOmar\r\n", "p.csv")
    uploads.apply_upload(
        ws, DEMO_EDITOR, uploads.preview_personas(ws, b"name\r\nOmar\r\n", "o.csv")
    )
    with pytest.raises(
        ImportFailed, match="row 3, column name: a persona called 'Omar'"
    ):
        uploads.apply_upload(ws, DEMO_EDITOR, preview)
    assert personas.find_persona_id(ws, "Nadia") is None
    assert [r["file_name"] for r in activity.list_imports(ws)] == ["o.csv"]
