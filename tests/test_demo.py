"""The demo workspace, built from the public files shipped in journeys/sources."""

from importlib import resources

import pytest

from journeys import demo, maps, metrics, personas
from journeys.access import DEMO_EDITOR, SYSTEM, Actor, Role
from journeys.errors import ImportFailed, PermissionDenied
from journeys.models import Persona


def test_build_demo_on_an_empty_workspace(ws):
    assert ws.is_empty()
    summary = demo.build_demo(ws)
    counts = ws.counts()
    # Agencies: 7 from GOV.UK, 58 GC departments with usable standards, VA,
    # and 7 Los Angeles bureaus. The fifth journey is the tax return seed.
    assert {k: counts[k] for k in ("agency", "persona", "journey", "kpi")} == {
        "agency": 73,
        "persona": 17,
        "journey": 5,
        "kpi": len(metrics.STANDARD_KPIS),
    }
    assert counts["stage"] == 18 + 5
    assert counts["step"] == 41 + 5
    # 462 funnel and satisfaction, 54 channel and cost, 1,809 GC standards,
    # 33 A-11 scores, 74 MyLA311, 5 + 1 tax return seed.
    assert counts["measurement"] == 462 + 54 + 1809 + 33 + 74 + 6
    assert counts["import_run"] == 7
    assert counts["goal"] == 6
    assert ws.integrity_problems() == []
    assert [r.kind for r in summary.results] == [
        "govuk-step-by-step",
        "personas-markdown",
        "performance-platform",
        "performance-platform-kpis",
        "gc-service-standards",
        "a11-question-scores",
        "myla311-requests",
    ]
    assert summary.created("persona") == 17
    assert str(summary).startswith(f"{len(metrics.STANDARD_KPIS)} standard KPIs; ")
    assert sorted(j["title"] for j in maps.list_journeys(ws)) == [
        "Apply for Carer's Allowance",
        "Apply for or renew a Blue Badge",
        "File an online tax return",
        "Get a divorce",
        "Learn to drive a car",
    ]
    carers = maps.find_journey(ws, "Apply for Carer's Allowance")
    assert len(metrics.users_per_stage(ws, carers)) == 32
    assert all(change["actor"] == SYSTEM.name for change in ws.recent_changes(50))


def test_build_demo_if_empty_does_nothing_on_a_used_workspace(ws):
    personas.create_persona(ws, DEMO_EDITOR, Persona("Someone"))
    before = ws.counts()
    assert demo.build_demo_if_empty(ws) is None
    assert ws.counts() == before


def test_build_demo_if_empty_builds_once(ws):
    assert demo.build_demo_if_empty(ws) is not None
    after_first = ws.counts()
    assert demo.build_demo_if_empty(ws) is None
    assert ws.counts() == after_first


def test_second_build_is_refused_whole(ws):
    demo.build_demo(ws)
    before = ws.counts()
    with pytest.raises(ImportFailed, match="already imported"):
        demo.build_demo(ws)
    assert ws.counts() == before


def test_only_an_admin_builds_the_demo(ws):
    for role in (Role.VIEWER, Role.EDITOR):
        with pytest.raises(PermissionDenied):
            demo.build_demo(ws, Actor("someone", role))
    assert ws.is_empty()


def test_sources_ship_with_the_package_and_are_attributed():
    folder = resources.files("journeys").joinpath("sources")
    attribution = folder.joinpath("ATTRIBUTION.md").read_text(encoding="utf-8")
    for _, file_name in demo.DEMO_FILES:
        assert folder.joinpath(file_name).is_file()
        assert f"`{file_name}`" in attribution
    assert "Open Government Licence" in attribution
