"""Persona Markdown import, checked against the real bundle of three styles.

Expected values were read by hand from
journeys/sources/personas_govuk_accessibility_and_va_veterans.md.
"""

from pathlib import Path

import pytest

import journeys
from journeys import personas
from journeys.access import DEMO_ADMIN, DEMO_EDITOR, Actor, Role
from journeys.errors import ImportFailed, PermissionDenied, WorkspaceBusy
from journeys.importers import import_file, import_personas
from journeys.importers.persona_markdown import parse_personas
from journeys.models import Persona

SOURCE = (
    Path(journeys.__file__).parent
    / "sources"
    / "personas_govuk_accessibility_and_va_veterans.md"
)
NAMES = [
    "Ashleigh",
    "Chris",
    "Claudia",
    "Pawel",
    "Ron",
    "Saleem",
    "Simone",
    "Scarlett",
    "Jim",
    "Wayne",
    "Still serving",
    "Fast tracker",
    "Day by day",
    "Forging ahead",
    "Proud patriot",
    "In transition",
    "Unaffiliated",
]


def stored(ws) -> dict[str, dict]:
    return {p["name"]: p for p in personas.list_personas(ws)}


@pytest.fixture
def imported(ws):
    result = import_personas(ws, DEMO_ADMIN, SOURCE)
    return stored(ws), result


def test_seventeen_personas_in_file_order(imported):
    found, result = imported
    assert result.names == NAMES
    assert result.created == {"persona": 17}
    assert result.skipped == []
    assert len(found) == 17
    # No date is given for any of them, so none is made up.
    assert {p["evidence_date"] for p in found.values()} == {None}


def test_govuk_accessibility_persona(imported):
    found, _ = imported
    ashleigh = found["Ashleigh"]
    assert ashleigh["summary"] == "severely sight impaired screenreader user"
    assert ashleigh["age_range"] == "24"
    assert (
        ashleigh["situation"]
        == "24 year old arts graduate and administrative assistant"
    )
    assert ashleigh["access_needs"] == ["severely sight impaired (blind)"]
    assert ashleigh["assistive_technology"] == ["uses a screen reader"]
    assert ashleigh["tags"] == ["GOV.UK accessibility"]
    assert ashleigh["evidence_source"].startswith(
        "https://www.gov.uk/government/publications/understanding-disabilities-and-"
        "impairments-user-profiles/ashleigh-partially-sighted-screenreader-user; "
        "source: github.com/alphagov/accessibility-personas | "
        "source/ashleigh/index.html.md | "
        "commit edb7e9b777a1592abdceb997b4768304b8110b0e"
    )
    # Tips and training tasks are not about the persona: nothing taken from them.
    assert ashleigh["goals"] == ashleigh["needs"] == ashleigh["likes"] == []

    assert found["Ron"]["age_range"] == "82"
    assert found["Ron"]["situation"] == "82 years old, retired"
    assert found["Ron"]["assistive_technology"] == [
        "does not use any assistive technology"
    ]
    assert found["Chris"]["access_needs"] == [
        "rheumatoid arthritis and colour vision deficiency (colour blindness)"
    ]
    assert found["Chris"]["assistive_technology"] == [
        "uses keyboard only, no mouse and just started using voice control"
    ]
    assert found["Pawel"]["summary"] == "an autistic user"
    assert found["Pawel"]["access_needs"] == [
        "Autism and anxiety",
        "adjusts things, like colours, to reduce potential stress and distractions",
    ]
    assert found["Saleem"]["access_needs"] == ["Deaf"]
    assert found["Saleem"]["languages"] == ["British Sign Language", "English"]


def test_va_discovery_personas(imported):
    found, _ = imported
    jim = found["Jim"]
    assert jim["frustrations"] == [
        "Civilian providers outside of VA are too far and too expensive",
        "Filling out repeat answers on civilian provider forms",
        "Rotating providers at VA",
    ]
    # The empty "- " bullets under Likes and Goals are dropped.
    assert jim["likes"] == ["Notifications and text reminders for appointments"]
    assert jim["goals"] == [
        "To limit visits to civilian clinics and utilize VA as much as possible"
    ]
    assert jim["summary"] == (
        "Jim is a Gulf War era Veteran who utilizes VA Healthcare for primary care "
        "and specialy care."
    )
    assert jim["situation"].endswith("lists his medications and disabilities.")
    assert jim["tags"] == ["VA health care discovery"]
    assert "discovery-personas.md | commit 1f346347" in jim["evidence_source"]
    assert found["Scarlett"]["likes"] == [
        "The focus on mental health when being asked questions about medical history"
    ]
    assert found["Wayne"]["frustrations"] == [
        "Appointment scheduling is confusing and difficult",
        "Long wait times before seeing doctor",
    ]


def test_va_customer_personas(imported):
    found, _ = imported
    serving = found["Still serving"]
    assert serving["summary"] == (
        "Veterans who serve in active duty, Reserves, or National Guard and navigate "
        "competing civilian and military systems, cultures, and providers"
    )
    assert serving["situation"].startswith("- Service members can use 526 to apply")
    assert serving["situation"].count("\n- ") == 1  # two bullets
    assert serving["tags"] == ["VA customer personas"]
    assert serving["evidence_source"].startswith(
        "From Veteran Experience Office, May 2016 (current as of 2022); source: "
        "github.com/department-of-veterans-affairs/va.gov-team"
    )
    unaffiliated = found["Unaffiliated"]
    # The "# 526 use cases" list after it belongs to no persona.
    assert unaffiliated["situation"].count("- ") == 1
    assert "Filing for first time" not in unaffiliated["situation"]
    assert found["Day by day"]["summary"] == (
        "High-need, low-income Veterans struggling with addiction, homelessness, "
        "incarceration, or long-term unemployment"
    )


def test_personas_already_present_are_skipped(ws):
    personas.create_persona(ws, DEMO_EDITOR, Persona("ron", summary="Our own Ron"))
    result = import_personas(ws, DEMO_ADMIN, SOURCE)
    assert result.created == {"persona": 16}
    assert "Ron" not in result.names
    assert [(s.what, s.reason) for s in result.skipped] == [
        ("persona 'Ron'", "a persona with this name is already in the workspace")
    ]
    assert stored(ws)["ron"]["summary"] == "Our own Ron"


def test_same_name_twice_in_a_file(ws):
    text = "**Carer**\nLooks after a parent\n\n**carer**\nLooks after a child\n"
    result = import_personas(ws, DEMO_ADMIN, text.encode(), name="twice.md")
    assert result.names == ["Carer"]
    assert len(result.skipped) == 1


def test_tolerates_bom_and_windows_line_endings(ws):
    data = b"\xef\xbb\xbf" + SOURCE.read_bytes().replace(b"\n", b"\r\n")
    result = import_personas(ws, DEMO_ADMIN, data, name="windows.md")
    assert result.names == NAMES
    assert stored(ws)["Jim"]["frustrations"][2] == "Rotating providers at VA"


def test_registry_and_roles(ws):
    before = ws.counts()
    with pytest.raises(PermissionDenied):
        import_file(ws, Actor("visitor", Role.VIEWER), "personas-markdown", SOURCE)
    assert ws.counts() == before
    assert import_file(ws, DEMO_ADMIN, "personas-markdown", SOURCE).created == {
        "persona": 17
    }


# --- broken files -------------------------------------------------------------


def failure_for(ws, data: bytes, name: str) -> str:
    before = ws.counts()
    with pytest.raises(ImportFailed) as failure:
        import_personas(ws, DEMO_ADMIN, data, name=name)
    assert ws.counts() == before
    message = str(failure.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message
    return message


def test_file_without_personas(ws):
    text = b"# Meeting notes\n\nWe talked about the service.\n\n- nothing else\n"
    assert "no personas found" in failure_for(ws, text, "notes.md")


def test_empty_and_not_utf8(ws):
    assert failure_for(ws, b"", "empty.md") == "empty.md: the file is empty"
    latin = "**Agência**\nUma pessoa\n".encode("cp1252")
    assert "is not UTF-8 text" in failure_for(ws, latin, "latin.md")


def test_persona_that_cannot_be_saved_imports_nothing(ws):
    text = SOURCE.read_text(encoding="utf-8").replace(
        "- Rotating providers at VA", "- " + "very long " * 120
    )
    message = failure_for(ws, text.encode(), "long.md")
    assert message == (
        "long.md: persona 'Jim': Please correct: frustrations: has an entry "
        "longer than 1,000 characters"
    )


def test_failure_while_writing_rolls_everything_back(ws, monkeypatch):
    real = personas.create_persona
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 9:
            raise WorkspaceBusy("the ninth persona could not be saved")
        return real(*args, **kwargs)

    monkeypatch.setattr(personas, "create_persona", flaky)
    message = failure_for(ws, SOURCE.read_bytes(), "personas.md")
    assert message == (
        "personas.md: nothing was imported: the ninth persona could not be saved"
    )
    assert ws.counts()["persona"] == 0
    assert ws.counts()["import_run"] == 0
    assert ws.counts()["change_log"] == 0


def test_parser_alone_reads_all_three_styles():
    found = parse_personas(SOURCE.read_text(encoding="utf-8"), "personas.md")
    assert [p.name for p in found] == NAMES
