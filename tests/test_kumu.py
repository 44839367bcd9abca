"""Kumu's spreadsheet layout: export of the agency graph, import, round trips."""

import io
import zipfile

import openpyxl
import pytest

from journeys import agencies, kumu, network
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import ImportFailed, PermissionDenied
from journeys.importers import import_file
from journeys.models import Agency
from journeys.tabular import write_csv, write_xlsx
from journeys.workspace import Workspace
from tests.network_fixture import build_fixture

IDENTITY_ELEMENT = ["Label", "Type", "Kind", "Short name", "Alternate name"]
IDENTITY_CONNECTION = ["From", "To", "Type", "Direction", "Strength", "Description"]


@pytest.fixture
def fx(ws):
    return build_fixture(ws)


@pytest.fixture
def other(tmp_path):
    workspace = Workspace.open(tmp_path / "other.db")
    yield workspace
    workspace.close()


def identity(tables):
    elements, connections = tables
    return (
        [{k: e[k] for k in IDENTITY_ELEMENT} for e in elements],
        [{k: c[k] for k in IDENTITY_CONNECTION} for c in connections],
    )


def test_export_lists_agencies_and_their_handoffs(ws, fx):
    elements, connections = kumu.kumu_tables(network.build_network(ws))
    assert [e["Label"] for e in elements] == [
        "Alpha Agency",
        "Beta Board",
        "Cedar Council",
        "Delta Department",
        "Echo Office",
        "Foxtrot Fund",
    ]
    assert {e["Type"] for e in elements} == {"Agency"}
    cedar = elements[2]
    assert (cedar["Kind"], cedar["Steps owned"], cedar["Steps supported"]) == (
        "government",
        3,
        1,
    )
    # The five hand-off pairs worked out in test_network.py, and Delta's step
    # that Cedar supports.
    assert [
        (c["From"], c["To"], c["Type"], c["Strength"], c["Personas"])
        for c in connections
    ] == [
        ("Alpha Agency", "Beta Board", "Hand-off", 1, 2),
        ("Beta Board", "Cedar Council", "Hand-off", 2, 3),
        ("Cedar Council", "Beta Board", "Hand-off", 1, 2),
        ("Cedar Council", "Delta Department", "Hand-off", 1, 2),
        ("Cedar Council", "Echo Office", "Hand-off", 1, 0),
        ("Delta Department", "Cedar Council", "Supported by", 1, ""),
    ]
    assert connections[1]["Journeys"] == "Move house|Start a business"
    assert {c["Direction"] for c in connections} == {"directed"}


def test_xlsx_has_the_two_sheets_kumu_reads(ws, fx):
    book = openpyxl.load_workbook(
        io.BytesIO(kumu.export_xlsx(network.build_network(ws)))
    )
    assert book.sheetnames == ["Elements", "Connections"]
    elements = list(book["Elements"].iter_rows(values_only=True))
    connections = list(book["Connections"].iter_rows(values_only=True))
    assert elements[0][:3] == ("Label", "Type", "Description")
    assert connections[0][:2] == ("From", "To")
    assert (len(elements), len(connections)) == (7, 7)  # headers + 6 rows each


def test_xlsx_round_trip_into_an_empty_workspace(ws, fx, other):
    exported = kumu.kumu_tables(network.build_network(ws))
    result = import_file(
        other,
        DEMO_EDITOR,
        "kumu-spreadsheet",
        kumu.export_xlsx(network.build_network(ws)),
        "map.xlsx",
    )
    assert result.created == {"agency": 6, "agency relation": 6}
    assert result.skipped == []
    assert identity(kumu.kumu_tables(network.build_network(other))) == identity(
        exported
    )
    # There are no journeys in the new workspace: the hand-offs are declared.
    graph = network.build_network(other)
    assert network.top_agency_pairs(graph) == []
    ranks = {r.agency: r.partners for r in network.agency_ranks(graph)}
    assert (ranks["Cedar Council"], ranks["Foxtrot Fund"]) == (3, 0)


def test_zip_of_csv_round_trip(ws, fx, other):
    graph = network.build_network(ws)
    data = kumu.export_zip(graph)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["connections.csv", "elements.csv"]
    result = kumu.import_kumu(other, DEMO_EDITOR, data, "map.zip")
    assert result.created == {"agency": 6, "agency relation": 6}
    assert identity(kumu.kumu_tables(network.build_network(other))) == identity(
        kumu.kumu_tables(graph)
    )


def test_two_separate_csv_files(ws, fx, other, tmp_path):
    files = kumu.export_csv(network.build_network(ws))
    result = kumu.import_kumu_csv(
        other, DEMO_EDITOR, files["elements.csv"], files["connections.csv"]
    )
    assert result.created == {"agency": 6, "agency relation": 6}
    with Workspace.open(tmp_path / "third.db") as third:
        only_elements = kumu.import_kumu_csv(third, DEMO_EDITOR, files["elements.csv"])
    assert only_elements.created == {"agency": 6}


def kumu_map() -> bytes:
    """A map drawn in Kumu: organisations, a person, and their connections."""
    return write_xlsx(
        {
            "Elements": (
                ["Label", "Type", "Description", "Tags", "Kind"],
                [
                    {"Label": "Ministry of Housing", "Type": "Organisation",
                     "Tags": "central|funder"},
                    {"Label": "Shelter Trust", "Type": "organization",
                     "Kind": "community"},
                    {"Label": "Jane Doe", "Type": "Person"},
                    {"Label": "", "Type": "Organisation"},
                ],
            ),
            "Connections": (
                ["From", "To", "Type", "Strength", "Description"],
                [
                    {"From": "Ministry of Housing",
                     "To": "Shelter Trust|City Council", "Type": "Funds",
                     "Strength": "3", "Description": "grant"},
                    {"From": "Ministry of Housing", "To": "Jane Doe",
                     "Type": "Employs"},
                    {"From": "Shelter Trust", "To": "Shelter Trust",
                     "Type": "Refers"},
                    {"From": "Shelter Trust", "To": "City Council",
                     "Type": "Refers", "Strength": "lots"},
                ],
            ),
            "Notes (ignore)": (["Anything"], [{"Anything": "not imported"}]),
        }
    )  # fmt: skip


def test_import_of_a_drawn_map(ws):
    agencies.create_agency(ws, DEMO_EDITOR, Agency("City Council"))
    result = kumu.import_kumu(ws, DEMO_EDITOR, kumu_map(), "housing.xlsx")
    assert result.created == {"agency": 2, "agency relation": 3}
    assert [(s.what, s.reason) for s in result.skipped] == [
        ("Elements column 'Tags'", "Joinedup has no such field"),
        (
            "element 'Jane Doe'",
            "its Type is Person; only Agency and Organisation elements are imported",
        ),
        ("Elements row 5", "no Label"),
        ("Connections row 5: Strength", "'lots' is not a number"),
        (
            "Kind of 1 new agency",
            "no Kind field (government, community or partner): recorded as government",
        ),
        (
            "Connections row 3: Ministry of Housing to Jane Doe",
            "'Jane Doe' is not an agency of the file or the workspace",
        ),
        (
            "Connections row 4: Shelter Trust to Shelter Trust",
            "an agency linked to itself",
        ),
    ]
    kinds = {a["name"]: a["kind"] for a in agencies.list_agencies(ws)}
    assert kinds == {
        "City Council": "government",
        "Ministry of Housing": "government",
        "Shelter Trust": "community",
    }
    _, connections = kumu.kumu_tables(network.build_network(ws))
    assert [
        (c["From"], c["To"], c["Type"], c["Strength"], c["Description"])
        for c in connections
    ] == [
        ("Ministry of Housing", "City Council", "Funds", 3, "grant"),
        ("Ministry of Housing", "Shelter Trust", "Funds", 3, "grant"),
        ("Shelter Trust", "City Council", "Refers", "", ""),
    ]


def test_a_second_import_adds_no_repeat(ws):
    agencies.create_agency(ws, DEMO_EDITOR, Agency("City Council"))
    kumu.import_kumu(ws, DEMO_EDITOR, kumu_map(), "housing.xlsx")
    again = kumu.import_kumu_csv(
        ws,
        DEMO_EDITOR,
        write_csv(["Label", "Type"], [{"Label": "Shelter Trust", "Type": "Agency"}]),
        write_csv(
            ["From", "To", "Type"],
            [{"From": "Shelter Trust", "To": "City Council", "Type": "refers"}],
        ),
    )
    # The agency is matched by name, the relation by its ends and kind (any case).
    assert again.created == {}
    assert [(s.what, s.reason) for s in again.skipped] == [
        (
            "Connections row 2: Shelter Trust to City Council (refers)",
            "already recorded",
        ),
    ]


def test_formulas_are_defused_and_come_back_as_typed(ws, other):
    agencies.create_agency(ws, DEMO_EDITOR, Agency('=HYPERLINK("http://x")'))
    files = kumu.export_csv(network.build_network(ws))
    assert b"'=HYPERLINK" in files["elements.csv"]
    kumu.import_kumu_csv(other, DEMO_EDITOR, files["elements.csv"])
    assert [a["name"] for a in agencies.list_agencies(other)] == [
        '=HYPERLINK("http://x")'
    ]


def test_broken_files_fail_and_write_nothing(ws):
    before = ws.counts()
    no_label = write_xlsx({"Elements": (["Name", "Type"], [{"Name": "X"}])})
    with pytest.raises(ImportFailed, match="no Label column"):
        kumu.import_kumu(ws, DEMO_EDITOR, no_label, "a.xlsx")
    no_sheet = write_xlsx({"Sheet1": (["Label"], [{"Label": "X"}])})
    with pytest.raises(ImportFailed, match="no sheet named 'Elements'"):
        kumu.import_kumu(ws, DEMO_EDITOR, no_sheet, "b.xlsx")
    with pytest.raises(ImportFailed, match="neither an XLSX workbook nor a ZIP"):
        kumu.import_kumu(ws, DEMO_EDITOR, b"Label,Type\nX,Agency\n", "c.csv")
    no_to = write_xlsx(
        {
            "Elements": (["Label", "Type"], [{"Label": "X", "Type": "Agency"}]),
            "Connections": (["From"], [{"From": "X"}]),
        }
    )
    with pytest.raises(ImportFailed, match="needs From and To columns"):
        kumu.import_kumu(ws, DEMO_EDITOR, no_to, "d.xlsx")
    assert ws.counts() == before


def test_damaged_xlsx_and_zip_fail_with_a_plain_message(ws, fx, other):
    whole = kumu.export_xlsx(network.build_network(ws))
    zipped = kumu.export_zip(network.build_network(ws))
    stored = io.BytesIO()  # the same CSV files, not compressed, so easy to damage
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        for file_name, data in kumu.export_csv(network.build_network(ws)).items():
            archive.writestr(file_name, data)
    bad_crc = bytearray(stored.getvalue())
    at = bad_crc.index(b"Label")  # inside elements.csv: its CRC no longer matches
    bad_crc[at : at + 5] = b"XXXXX"
    broken = {
        "cut.xlsx": whole[:2000],
        "garbage.zip": b"PK\x03\x04" + bytes(range(256)) * 8,
        "cut.zip": zipped[: len(zipped) // 2],
        "crc.zip": bytes(bad_crc),
    }
    before = other.counts()
    for name, data in broken.items():
        with pytest.raises(ImportFailed) as failed:
            kumu.import_kumu(other, DEMO_EDITOR, data, name)
        assert failed.value.file_name == name
        assert "not a readable XLSX workbook or ZIP file" in failed.value.problem
        assert "export it again from Kumu" in failed.value.problem
        with pytest.raises(ImportFailed, match="export it again from Kumu"):
            import_file(other, DEMO_EDITOR, "kumu-spreadsheet", data, name)
    assert other.counts() == before


def test_viewers_cannot_import(ws):
    with pytest.raises(PermissionDenied):
        kumu.import_kumu(ws, Actor("viv", Role.VIEWER), kumu_map(), "housing.xlsx")
    assert ws.counts()["agency"] == 0


def test_elements_named_by_id_and_repeated_labels(ws):
    data = write_xlsx(
        {
            "Elements": (
                ["ID", "Label", "Type"],
                [
                    {"ID": "org-1", "Label": "Port Authority", "Type": "Agency"},
                    {"ID": "org-2", "Label": "Customs Office", "Type": "Agency"},
                    {"ID": "org-3", "Label": "port authority", "Type": "Agency"},
                ],
            ),
            "Connections": (
                ["From", "To", "Type"],
                [{"From": "org-1", "To": "org-2", "Type": "Hand-off"}],
            ),
        }
    )
    result = kumu.import_kumu(ws, DEMO_EDITOR, data, "port.xlsx")
    assert result.created == {"agency": 2, "agency relation": 1}
    assert ("element 'port authority'", "a second element with this Label") in [
        (s.what, s.reason) for s in result.skipped
    ]
    _, connections = kumu.kumu_tables(network.build_network(ws))
    assert [(c["From"], c["To"], c["Type"]) for c in connections] == [
        ("Port Authority", "Customs Office", "Hand-off")
    ]
