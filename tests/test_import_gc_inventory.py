"""The Government of Canada Service Inventory importer, on the real file.

Figures below were counted with a separate throw-away script over
journeys/sources/gc_service_inventory_2023-24_en.csv (csv.DictReader, no
code of the importer), and checked against the file by eye:

* 1,752 data rows; 79 distinct owner_org codes; 1,751 distinct service_id
  values: SRV02975 is listed for 2023-2024 (row 1499) and 2024-2025 (row 1451).
* cfia-acia owns 125 services, tc 117.
* Over the 1,751 rows kept, the columns read (os_* yes/no, num_*,
  service_uri_en, service_fee, client_target_groups, client_feedback_channel)
  hold 9,592 NA cells and 2,535 ND cells.
* Employment Insurance (EI) Benefits, service 1003 (esdc-edsc): online
  3,071,175, other 55,298, phone/mail/in person/email/fax NA, total
  3,126,473 (= 3,071,175 + 55,298); every os_* is Y; 15,033,346 phone
  enquiries; feedback "EML,FAX,ONL,PERSON,POST,TEL".
* Canadian Passport, service 1242 (esdc-edsc): online NA, mail 1,002,451,
  in person 3,981,638, total 4,984,089; os_issue_resolution_feedback Y;
  4,436,235 website visits and 1,694,830 phone enquiries.
* Passport Selection, SRV02988 (rcmp-grc): every count ND, every os_* NA.
"""

import csv
import io
from pathlib import Path

import pytest

from journeys import services
from journeys.access import DEMO_EDITOR, Actor, Role
from journeys.errors import ImportFailed, PermissionDenied
from journeys.importers import IMPORTERS, import_file
from journeys.importers.gc_inventory import import_gc_inventory
from storage import queries

SOURCES = Path(__file__).resolve().parent.parent / "journeys" / "sources"
INVENTORY = SOURCES / "gc_service_inventory_2023-24_en.csv"
# The header and first row of the same source's service standards file
# (gc_service_standards_performance_2023-24_en.csv), which shares its first columns.
STANDARDS = (
    "fiscal_yr,service_id,service_name_en,service_standard_id,service_standard_en,"
    "type,channel,channel_comments_en,target,volume_meeting_target,total_volume,"
    "performance,comments_en,target_met,standards_targets_uri_en,"
    "performance_results_uri_en,owner_org,owner_org_title\r\n"
    "2023-2024,1003,Employment Insurance (EI) Benefits,1,Pay within 28 days,"
    "timeliness,ONL,,0.8,1,1,1,,Y,,,esdc-edsc,"
    "Employment and Social Development Canada | Emploi et Développement social "
    "Canada\r\n"
).encode()


@pytest.fixture(scope="module")
def header() -> list[str]:
    with INVENTORY.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def inventory_csv(header: list[str], *records: dict) -> bytes:
    """A CSV with the real header; unspecified cells are "ND"."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, header, restval="ND", lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(record)
    return out.getvalue().encode()


def row(
    service_id, name, org="tc", title="Transport Canada | Transports Canada", **cells
):
    return {
        "fiscal_yr": "2023-2024",
        "service_id": service_id,
        "service_name_en": name,
        "owner_org": org,
        "owner_org_title": title,
        **cells,
    }


def by_external_id(ws) -> dict[str, dict]:
    return {s["external_id"]: s for s in services.list_services(ws)}


def test_whole_inventory_gives_79_departments_and_their_services(ws):
    result = import_file(ws, DEMO_EDITOR, "gc-service-inventory", INVENTORY)
    assert (result.rows, result.departments) == (1752, 79)
    assert result.created == {"agency": 79, "service": 1751}
    assert result.code_totals() == {"NA": 9592, "ND": 2535}
    assert result.empty_values == 0  # codes are reported by the result's codes
    duplicate = [s for s in result.skipped if "SRV02975" in s.what]
    assert [(s.what, s.reason) for s in duplicate] == [
        (
            "row 1499: service SRV02975 (2023-2024)",
            "the service is listed again in row 1451 (2024-2025); that row, the "
            "latest, was imported",
        )
    ]
    assert result.summary().startswith("79 agencies, 1,751 services created; ")
    assert result.summary().endswith("(NA not applicable: 9,592, ND no data: 2,535)")
    counts = ws.counts()
    assert (counts["agency"], counts["service"], counts["import_run"]) == (
        79,
        1751,
        1,
    )


def test_departments_keep_english_name_french_name_and_acronym(ws):
    import_gc_inventory(ws, DEMO_EDITOR, INVENTORY)
    agencies = {a["name"]: a for a in queries.list_agencies(ws.db)}
    transport = agencies["Transport Canada"]
    assert (
        transport["short_name"],
        transport["alternate_name"],
        transport["kind"],
    ) == (
        "TC",
        "Transports Canada",
        "government",
    )
    atssc = agencies["Administrative Tribunals Support Service of Canada"]
    assert atssc["alternate_name"] == (
        "Service canadien d'appui aux tribunaux administratifs"
    )
    per_agency = {}
    for service in services.list_services(ws):
        per_agency[service["owner_agency_name"]] = (
            per_agency.get(service["owner_agency_name"], 0) + 1
        )
    assert per_agency["Canadian Food Inspection Agency"] == 125
    assert per_agency["Transport Canada"] == 117


def test_channels_and_volumes_of_real_services(ws):
    import_gc_inventory(ws, DEMO_EDITOR, INVENTORY)
    found = by_external_id(ws)
    ei = found["1003"]
    assert ei["name"] == "Employment Insurance (EI) Benefits"
    assert ei["owner_agency_name"] == "Employment and Social Development Canada"
    # NA for phone, mail, in person, email and fax: missing, not 0.
    assert ei["volumes"] == {"online": 3_071_175, "other": 55_298}
    # Online (os_* Y), phone (enquiries), other (55,298 applications).
    assert ei["channels"] == ["online", "phone", "other"]
    assert ei["feedback_channels"] == [
        "email",
        "fax",
        "online",
        "in person",
        "post",
        "phone",
    ]
    assert (ei["fee"], ei["url"]) == (
        "no",
        "https://www.canada.ca/en/services/benefits/ei.html",
    )
    passport = found["1242"]
    assert passport["volumes"] == {"post": 1_002_451, "in person": 3_981_638}
    assert passport["channels"] == ["online", "phone", "in person", "post"]
    selection = found["SRV02988"]
    assert (selection["volumes"], selection["channels"]) == ({}, [])
    assert selection["source"] == "Government of Canada Service Inventory 2023-2024"


def test_na_nd_and_junk_in_count_cells(ws, header):
    data = inventory_csv(
        header,
        row(
            "T1",
            "Vessel registration",
            num_applications_online="12,345",
            num_applications_by_mail="NA",
            num_applications_by_phone="ND",
            num_applications_in_person="0",
            num_applications_by_email="lots",
            num_applications_total="12345",
            os_application="NA",
            os_decision="N",
        ),
    )
    result = import_gc_inventory(ws, DEMO_EDITOR, data, "small.csv")
    service = by_external_id(ws)["T1"]
    # "12,345" is read as a number; 0 is a number too; NA, ND and "lots" are not.
    assert service["volumes"] == {"online": 12345, "in person": 0}
    assert service["channels"] == ["online"]
    assert [(s.what, s.reason) for s in result.skipped] == [
        (
            "row 2: service T1: num_applications_by_email",
            "'LOTS' is not a count; left missing",
        )
    ]
    assert result.codes["num_applications_by_mail"] == {"NA": 1}
    assert result.codes["num_applications_by_phone"] == {"ND": 1}
    assert result.codes["os_application"] == {"NA": 1}


def test_lists_inside_cells_and_several_web_addresses(ws, header):
    data = inventory_csv(
        header,
        row(
            "T1",
            "Pilot licence",
            client_target_groups="PERSON;ECONOM, PERSON",
            client_feedback_channel="EML|TEL,XYZ",
            service_uri_en="https://tc.canada.ca/a<>https://tc.canada.ca/b",
            service_fee="Y",
        ),
        row(
            "T2",
            "Airport rules",
            client_feedback_channel="NON",
            service_uri_en="www.tc.gc.ca/rules",
        ),
        row("T3", "Rail safety", service_uri_en="Unavailable"),
    )
    result = import_gc_inventory(ws, DEMO_EDITOR, data, "lists.csv")
    found = by_external_id(ws)
    pilot = found["T1"]
    assert pilot["client_groups"] == ["PERSON", "ECONOM"]
    assert pilot["feedback_channels"] == ["email", "phone"]
    assert (pilot["url"], pilot["fee"]) == ("https://tc.canada.ca/a", "yes")
    assert found["T2"]["feedback_channels"] == []
    assert found["T2"]["url"] == "https://www.tc.gc.ca/rules"
    assert found["T3"]["url"] is None
    assert [(s.what, s.reason) for s in result.skipped] == [
        (
            "row 2: service T1: service_uri_en",
            "holds 2 web addresses; only the first was kept",
        ),
        (
            "row 2: service T1: client_feedback_channel 'XYZ'",
            "not one of the inventory's feedback channel codes",
        ),
        ("row 4: service T3: service_uri_en", "'Unavailable' is not a web address"),
    ]


def test_rows_without_id_name_or_department_are_skipped(ws, header):
    data = inventory_csv(
        header,
        row("", "No id"),
        row("T2", ""),
        row("T3", "No department", org="", title=""),
        row("T4", "Kept"),
    )
    result = import_gc_inventory(ws, DEMO_EDITOR, data, "gaps.csv")
    assert result.created == {"agency": 1, "service": 1}
    assert [(s.what, s.reason) for s in result.skipped] == [
        ("row 2", "no service_id"),
        ("row 3: service T2", "no English service name"),
        ("row 4: service T3", "no owner_org: the department is unknown"),
    ]


def test_wrong_header_fails_and_writes_nothing(ws, header):
    before = ws.counts()
    # The service standards file starts with the same columns as the inventory.
    with pytest.raises(ImportFailed) as caught:
        import_gc_inventory(ws, DEMO_EDITOR, STANDARDS, "standards.csv")
    assert "the header has no num_applications_* columns" in str(caught.value)
    assert caught.value.file_name == "standards.csv"
    # The French columns instead of the English ones.
    french = [h.replace("_en", "_fr") for h in header]
    with pytest.raises(ImportFailed, match="the header lacks service_name_en: "):
        import_gc_inventory(ws, DEMO_EDITOR, inventory_csv(french), "fr.csv")
    assert ws.counts() == before


def test_empty_and_header_only_files_fail_and_write_nothing(ws, header):
    before = ws.counts()
    with pytest.raises(ImportFailed, match="the file is empty"):
        import_gc_inventory(ws, DEMO_EDITOR, b"", "empty.csv")
    with pytest.raises(ImportFailed, match="a header but no services"):
        import_gc_inventory(ws, DEMO_EDITOR, inventory_csv(header), "header.csv")
    assert ws.counts() == before


def test_a_failure_while_writing_leaves_the_workspace_unchanged(ws, monkeypatch):
    from storage import rows

    real_insert = rows.insert_row
    calls = {"n": 0}

    def failing_insert(db, table, values, actor):
        calls["n"] += 1
        if calls["n"] == 500:
            from storage import DatabaseBusy

            raise DatabaseBusy("disk went away")
        return real_insert(db, table, values, actor)

    monkeypatch.setattr(rows, "insert_row", failing_insert)
    before = ws.counts()
    with pytest.raises(ImportFailed, match="nothing was imported: disk went away"):
        import_gc_inventory(ws, DEMO_EDITOR, INVENTORY)
    assert calls["n"] == 500  # 79 agencies and 420 services had been written
    assert ws.counts() == before


def test_viewers_cannot_import(ws):
    with pytest.raises(PermissionDenied):
        import_gc_inventory(ws, Actor("viv", Role.VIEWER), INVENTORY)
    assert ws.counts()["service"] == 0


def test_same_file_is_refused_and_known_services_are_not_added_again(ws, header):
    import_gc_inventory(ws, DEMO_EDITOR, INVENTORY)
    with pytest.raises(ImportFailed, match="already imported"):
        import_gc_inventory(ws, DEMO_EDITOR, INVENTORY)
    # A later inventory: one known service, one new; the department exists.
    later = inventory_csv(
        header,
        row("1003", "Employment Insurance (EI) Benefits", org="esdc-edsc",
            title="Employment and Social Development Canada | Emploi et "
            "Développement social Canada"),
        row("NEW-1", "Dental care", org="esdc-edsc",
            title="Employment and Social Development Canada | Emploi et "
            "Développement social Canada"),
    )  # fmt: skip
    result = import_gc_inventory(ws, DEMO_EDITOR, later, "later.csv")
    assert result.created == {"service": 1}
    assert [(s.what, s.reason) for s in result.skipped] == [
        (
            "service 1003",
            "already in the workspace (imported from an earlier inventory)",
        )
    ]
    assert ws.counts()["agency"] == 79


def test_registered_as_an_importer_kind():
    assert IMPORTERS["gc-service-inventory"] is import_gc_inventory
