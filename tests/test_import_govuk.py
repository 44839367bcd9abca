"""GOV.UK step by step and transaction import, checked against the real files.

Expected values were read by hand from
journeys/sources/govuk_step_by_step_journeys_and_transaction.json.
"""

import json
from pathlib import Path

import pytest

import journeys
from journeys import agencies, maps
from journeys.access import DEMO_ADMIN, DEMO_EDITOR, Actor, Role
from journeys.errors import ImportFailed, PermissionDenied, WorkspaceBusy
from journeys.importers import common, import_file, import_govuk
from journeys.models import Journey

SOURCES = Path(journeys.__file__).parent / "sources"
BUNDLE = SOURCES / "govuk_step_by_step_journeys_and_transaction.json"
DRIVE_KEY = "examples/step_by_step_nav/frontend/learn_to_drive_a_car.json"
DIVORCE_KEY = "examples/step_by_step_nav/frontend/step_by_step_nav.json"


def bundle() -> dict:
    return json.loads(BUNDLE.read_text(encoding="utf-8"))


def journey_map(ws, title):
    journey_id = maps.find_journey(ws, title)
    assert journey_id is not None, title
    return maps.load_journey_map(ws, journey_id)


def steps_by_action(journey) -> dict[str, dict]:
    return {step["action"]: step for step in journey.steps()}


@pytest.fixture
def imported(ws):
    result = import_govuk(ws, DEMO_ADMIN, BUNDLE)
    return ws, result


def test_bundle_creates_three_journeys(imported):
    ws, result = imported
    assert result.names == [
        "Learn to drive a car",
        "Get a divorce",
        "Apply for or renew a Blue Badge",
    ]
    assert result.created == {"agency": 6, "journey": 3, "stage": 13, "step": 41}
    assert result.import_id is not None
    assert ws.integrity_problems() == []


def test_learn_to_drive_has_the_seven_govuk_steps_as_stages(imported):
    ws, _ = imported
    drive = journey_map(ws, "Learn to drive a car")
    assert [stage["name"] for stage in drive.stages] == [
        "Check you're allowed to drive",
        "Get a provisional driving licence",
        "Driving lessons and practice",
        "Prepare for your theory test",
        "Book and manage your theory test",
        "Book and manage your driving test",
        "When you pass",
    ]
    assert [len(drive.steps_by_stage[s["id"]]) for s in drive.stages] == [
        3,
        1,
        4,
        3,
        5,
        5,
        1,
    ]
    assert drive.journey["description"] == (
        "Learn to drive a car in the UK - get a provisional licence, take driving "
        "lessons, prepare for your theory test, book your practical test."
    )
    assert "/learn-to-drive-a-car" in drive.journey["source"]
    assert "e01e924b-9c7c-4c71-8241-66a575c2f61f" in drive.journey["source"]
    assert drive.journey["lead_agency_id"] is None


def test_and_logic_step_shares_the_number_of_the_step_before(imported):
    ws, _ = imported
    drive = journey_map(ws, "Learn to drive a car")
    labels = [stage["description"].split("\n\n")[0] for stage in drive.stages]
    # GOV.UK shows "and" instead of a number on "Prepare for your theory test".
    assert labels == [
        "Step 1",
        "Step 2",
        "Step 3",
        "Step 3 (and)",
        "Step 4",
        "Step 5",
        "Step 6",
    ]
    assert drive.stages[0]["description"] == (
        "Step 1\n\nMost people can start learning to drive when they’re 17."
    )


def test_fees_touchpoints_and_owners_of_learn_to_drive(imported):
    ws, _ = imported
    steps = steps_by_action(journey_map(ws, "Learn to drive a car"))
    licence = steps["Apply for your first provisional driving licence"]
    assert licence["fee"] == "£34"
    assert licence["touchpoint"] == "/apply-first-provisional-driving-licence"
    assert licence["touchpoint_url"] == (
        "https://www.gov.uk/apply-first-provisional-driving-licence"
    )
    assert licence["owning_agency_id"] is None  # gov.uk names no owner
    assert licence["optional"] == 0
    assert steps["Book your theory test"]["fee"] == "£23"
    assert steps["Book your driving test"]["fee"] == "£62"
    assert steps["Driving eyesight rules"]["fee"] is None

    app = steps["Theory and hazard perception test app"]
    assert app["owning_agency_name"] == "safedrivingforlife.info"
    assert (
        app["touchpoint"]
        == app["touchpoint_url"]
        == (
            "https://www.safedrivingforlife.info/shop/product/"
            "official-dvsa-theory-test-kit-app-app"
        )
    )

    no_link = steps["Change your driving test appointment"]
    assert no_link["touchpoint"] == ""
    assert no_link["touchpoint_url"] is None
    assert "without a link" in no_link["notes"]
    assert all(step["optional"] == 0 for step in steps.values())  # all "required"


def test_divorce_support_steps_are_owned_by_partners(imported):
    ws, _ = imported
    divorce = journey_map(ws, "Get a divorce")
    assert [stage["name"] for stage in divorce.stages] == [
        "Get support and advice",
        "Check if you can get divorced",
        "Make arrangements for your children, money and property",
    ]
    support = divorce.steps_by_stage[divorce.stages[0]["id"]]
    assert [(s["action"], s["owning_agency_name"]) for s in support] == [
        ("Get advice from Relate", "relate.org.uk"),
        ("Find a counsellor", "counselling-directory.org.uk"),
        (
            "Contact the Samaritans if you need to speak to someone urgently",
            "samaritans.org",
        ),
    ]
    assert [s["fee"] for s in support] == [None, "£35 to £60 per session", None]
    # A list with no style is optional on GOV.UK.
    assert [s["optional"] for s in support] == [1, 1, 1]
    kinds = {a["name"]: a["kind"] for a in agencies.list_agencies(ws)}
    for host in ("relate.org.uk", "counselling-directory.org.uk", "samaritans.org"):
        assert kinds[host] == "partner"
    relate = next(a for a in agencies.list_agencies(ws) if a["name"] == "relate.org.uk")
    assert relate["website"] == "https://www.relate.org.uk"

    arrangements = divorce.steps_by_stage[divorce.stages[2]["id"]]
    # One "required" list, then a "choice" list: choices are optional.
    assert [s["optional"] for s in arrangements] == [0, 0, 1, 1, 1, 1, 1]
    assert divorce.journey["description"] == (
        "How to file for divorce if you’re in England or Wales.\n\n"
        "There is a different process if you’re responding to a divorce "
        "petition, or if you’re in Scotland or Northern Ireland."
    )


def test_blue_badge_transaction(imported):
    ws, result = imported
    badge = journey_map(ws, "Apply for or renew a Blue Badge")
    dft = agencies.list_agencies(ws)
    by_name = {a["name"]: a for a in dft}
    assert by_name["Department for Transport"]["kind"] == "government"
    assert by_name["Department for Communities and Local Government"]["kind"] == (
        "government"
    )
    assert badge.journey["lead_agency_id"] == by_name["Department for Transport"]["id"]
    assert (
        "User need: As a disabled person or carer, I need to apply, renew or update "
        "details for a Blue Badge, so that I can park nearer to my home or places I "
        "visit (100308)"
    ) in badge.journey["description"]
    assert [s["name"] for s in badge.stages] == [
        "What you need",
        "Check eligibility and apply",
        "After you apply",
    ]
    needs = badge.steps_by_stage[badge.stages[0]["id"]]
    assert [s["action"] for s in needs] == [
        "the details of your current Blue Badge (if you have one)",
        "a digital or signed photo",
        "your National Insurance number",
        "proof of identification",
        "proof of residency",
    ]
    (apply,) = badge.steps_by_stage[badge.stages[1]["id"]]
    assert (
        apply["touchpoint_url"] == "https://bluebadge.direct.gov.uk/directgovapply.html"
    )
    assert apply["owning_agency_name"] == "Department for Transport"
    assert apply["supporting_agency_ids"] == [
        by_name["Department for Communities and Local Government"]["id"]
    ]
    after = badge.steps_by_stage[badge.stages[2]["id"]]
    assert [(s["action"], s["owning_agency_name"], s["optional"]) for s in after] == [
        (
            "amend or cancel your saved Blue Badge application",
            "Department for Transport",
            1,
        ),
        ("track your Blue Badge application", "Department for Transport", 1),
    ]
    skipped = [s.what for s in result.skipped]
    assert any("Scotland and Northern Ireland" in what for what in skipped)


def test_single_content_item_and_other_schemas(ws, tmp_path):
    items = bundle()["items"]
    single = tmp_path / "drive.json"
    single.write_text(json.dumps(items[DRIVE_KEY]), encoding="utf-8")
    result = import_govuk(ws, DEMO_ADMIN, single)
    assert result.names == ["Learn to drive a car"]

    mixed = tmp_path / "mixed.json"
    guide = {"schema_name": "guide", "title": "A guide", "details": {}}
    mixed.write_text(
        json.dumps(
            {"items": {"guide.json": guide, "divorce.json": items[DIVORCE_KEY]}}
        ),
        encoding="utf-8",
    )
    result = import_govuk(ws, DEMO_ADMIN, mixed)
    assert result.names == ["Get a divorce"]
    assert [(s.what, s.reason) for s in result.skipped] == [
        (
            "item 'guide.json'",
            "its schema 'guide' is neither a step by step nor a transaction",
        )
    ]


def test_journey_already_present_is_skipped(ws):
    maps.create_journey(ws, DEMO_EDITOR, Journey("Learn to drive a car"))
    result = import_govuk(ws, DEMO_ADMIN, BUNDLE)
    assert result.names == ["Get a divorce", "Apply for or renew a Blue Badge"]
    assert ("journey 'Learn to drive a car'") in [s.what for s in result.skipped]
    assert len(journey_map(ws, "Learn to drive a car").stages) == 0


def test_same_file_twice_is_refused(ws):
    import_govuk(ws, DEMO_ADMIN, BUNDLE)
    before = ws.counts()
    with pytest.raises(ImportFailed) as failure:
        import_govuk(ws, DEMO_ADMIN, BUNDLE.read_bytes(), name="again.json")
    message = str(failure.value)
    assert message.startswith("again.json: this file was already imported as ")
    assert "by demo admin" in message
    assert ws.counts() == before


def test_viewer_cannot_import(ws):
    before = ws.counts()
    with pytest.raises(PermissionDenied):
        import_govuk(ws, Actor("someone", Role.VIEWER), BUNDLE)
    assert ws.counts() == before


def test_registry_knows_the_kind(ws):
    result = import_file(ws, DEMO_ADMIN, "govuk-step-by-step", BUNDLE)
    assert result.created["journey"] == 3
    with pytest.raises(ValueError):
        import_file(ws, DEMO_ADMIN, "no-such-kind", BUNDLE)


# --- broken files -------------------------------------------------------------


def failure_for(ws, path) -> str:
    before = ws.counts()
    with pytest.raises(ImportFailed) as failure:
        import_govuk(ws, DEMO_ADMIN, path)
    assert ws.counts() == before
    message = str(failure.value)
    assert message.startswith(f"{Path(path).name}: ")
    assert "\n" not in message
    return message


def test_invalid_json_names_line_and_column(ws, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"items": {\n  "a": [1, 2,,]\n}}', encoding="utf-8")
    message = failure_for(ws, path)
    assert "is not valid JSON" in message
    assert "line 2, column 14" in message


def test_empty_and_not_utf8_files(ws, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"  \n")
    assert failure_for(ws, empty) == "empty.json: the file is empty"
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"title": "Agência"}'.encode("cp1252"))
    assert "is not UTF-8 text (byte 0xea at position 13)" in failure_for(ws, latin)


def test_too_large_file(ws, tmp_path, monkeypatch):
    monkeypatch.setattr(common, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 1001)
    assert "too large" in failure_for(ws, big)
    with pytest.raises(ImportFailed, match="upload.json: is too large"):
        import_govuk(ws, DEMO_ADMIN, b"{}" * 600, name="upload.json")


def test_wrong_shapes_say_what_is_missing(ws, tmp_path):
    shapes = {
        "list.json": ([1, 2], "should hold a JSON object"),
        "other.json": ({"name": "x"}, "is not a GOV.UK content item"),
        "nothing.json": ({"items": {}}, "holds no GOV.UK step by step or transaction"),
        "nosteps.json": (
            {"schema_name": "step_by_step_nav", "title": "T", "details": {}},
            "'details.step_by_step_nav' is missing",
        ),
        "badsteps.json": (
            {
                "schema_name": "step_by_step_nav",
                "title": "T",
                "details": {"step_by_step_nav": {"steps": "first, then second"}},
            },
            "'details.step_by_step_nav.steps' should be a list, but is a text",
        ),
        "nostart.json": (
            {"schema_name": "transaction", "title": "T", "details": {}},
            "'details.transaction_start_link' is missing",
        ),
    }
    for name, (data, expected) in shapes.items():
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        assert expected in failure_for(ws, path), name


def test_second_item_broken_imports_nothing(ws, tmp_path):
    items = bundle()["items"]
    broken = json.loads(json.dumps(items[DIVORCE_KEY]))
    del broken["details"]["step_by_step_nav"]["steps"][1]["title"]
    path = tmp_path / "half.json"
    path.write_text(
        json.dumps({"items": {"drive": items[DRIVE_KEY], "divorce": broken}}),
        encoding="utf-8",
    )
    message = failure_for(ws, path)
    assert "item 'divorce' ('Get a divorce'), step 2: 'title' is missing" in message


def test_text_too_long_for_a_step_imports_nothing(ws, tmp_path):
    items = bundle()["items"]
    broken = json.loads(json.dumps(items[DIVORCE_KEY]))
    broken["details"]["step_by_step_nav"]["steps"][2]["contents"][1]["contents"][0][
        "text"
    ] = "x" * 1001
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"items": [items[DRIVE_KEY], broken]}), encoding="utf-8")
    message = failure_for(ws, path)
    assert "/get-a-divorce" in message
    assert "action: is 1,001 characters; the limit is 1,000" in message


def test_failure_while_writing_rolls_everything_back(ws, monkeypatch):
    """The 30th step fails to save (second journey): nothing at all is kept."""
    real_add_step = maps.add_step
    calls = []

    def flaky_add_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 30:
            raise WorkspaceBusy("the disk is busy")
        return real_add_step(*args, **kwargs)

    monkeypatch.setattr(maps, "add_step", flaky_add_step)
    message = failure_for(ws, BUNDLE)
    assert message == (
        "govuk_step_by_step_journeys_and_transaction.json: nothing was imported: "
        "the disk is busy"
    )
    assert len(calls) == 30
    assert ws.counts()["import_run"] == 0
    # The same file can then be imported: its failed attempt was not recorded.
    monkeypatch.setattr(maps, "add_step", real_add_step)
    assert import_govuk(ws, DEMO_ADMIN, BUNDLE).created["journey"] == 3


def test_connectors_substeps_and_other_context(ws):
    """Shapes the GOV.UK component documents but the two real journeys lack."""
    item = {
        "schema_name": "step_by_step_nav",
        "title": "Sort out child arrangements: step by step",
        "base_path": "/child-arrangements",
        "details": {
            "step_by_step_nav": {
                "steps": [
                    {
                        "title": "Get a court to decide",
                        "contents": [
                            {
                                "type": "list",
                                "style": "required",
                                "contents": [
                                    {
                                        "href": "http://solicitors.lawsociety.org.uk/",
                                        "text": "Hire a lawyer",
                                        "context": "&pound;110 to &pound;410 per hour",
                                    },
                                    {"text": "or"},
                                    {"href": "/represent-yourself", "text": "Do it"},
                                ],
                            },
                            {
                                "type": "substep",
                                "optional": True,
                                "contents": [
                                    {
                                        "type": "list",
                                        "style": "required",
                                        "contents": [
                                            {
                                                "href": "/wait",
                                                "text": "Wait",
                                                "context": "4 to 6 weeks",
                                            }
                                        ],
                                    }
                                ],
                            },
                        ],
                    },
                    {"title": "Or not", "logic": "or", "contents": []},
                ]
            }
        },
    }
    result = import_govuk(ws, DEMO_ADMIN, json.dumps(item).encode(), name="c.json")
    assert result.names == ["Sort out child arrangements"]
    journey = journey_map(ws, "Sort out child arrangements")
    steps = journey.steps()
    assert [s["action"] for s in steps] == ["Hire a lawyer", "Do it", "Wait"]
    assert steps[0]["fee"] == "£110 to £410 per hour"
    assert steps[0]["owning_agency_name"] == "solicitors.lawsociety.org.uk"
    assert steps[1]["notes"] == "GOV.UK shows 'or' before this step."
    assert (steps[2]["optional"], steps[2]["fee"]) == (1, None)
    assert steps[2]["notes"] == "GOV.UK note: 4 to 6 weeks"
    assert journey.stages[1]["description"] == "Step 1 (or)"
