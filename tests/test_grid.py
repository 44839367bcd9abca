"""The journey grid and its print page: hand-offs in words, feelings per persona,
everything escaped, nothing loaded from elsewhere."""

import datetime
import re

from journeys import agencies, grid, maps, stages
from journeys.access import DEMO_EDITOR
from journeys.models import Agency, Stage, Step
from tests.journey_fixture import build_driving

TODAY = datetime.date(2026, 12, 4)


def laid_out(ws, journey_id):
    names = {a["id"]: a["name"] for a in agencies.list_agencies(ws)}
    journey_map = maps.load_journey_map(ws, journey_id)
    return grid.build_grid(journey_map, names, maps.journey_personas(ws, journey_id))


def set_feeling(ws, step_id, persona_id, score):
    stored = stages.get_step(ws, step_id)
    step = stages.step_from_row(stored)
    step.emotions = {str(persona_id): score}
    stages.update_step(ws, DEMO_EDITOR, step_id, stored["version"], step)


def test_hand_offs_are_steps_where_another_agency_takes_over(ws):
    driving = build_driving(ws)
    shown = laid_out(ws, driving.journey_id)

    assert [(s.number, s.owner, s.handoff_from) for s in shown.steps()] == [
        ("1.1", None, None),
        ("2.1", "DVLA", None),
        ("3.1", "DVSA", "DVLA"),
        ("3.2", "DVSA", None),
    ]
    assert shown.handoff_count == 1
    page = grid.grid_html(shown)
    assert "Hand-off: DVLA to DVSA" in page
    assert page.count("No owning agency") == 1
    assert page.count("<th scope='col'>Step ") == 4
    assert "colspan='2'>Stage 3: Book and manage your theory test</th>" in page


def test_feelings_come_per_linked_persona_with_words(ws):
    driving = build_driving(ws)
    maps.link_persona(ws, DEMO_EDITOR, driving.journey_id, driving.ron)
    set_feeling(ws, driving.steps["Book your theory test"], driving.ron, -2)
    set_feeling(ws, driving.steps["Check what age you can drive"], driving.ron, 1)
    shown = laid_out(ws, driving.journey_id)

    assert grid.emotion_points(shown) == [
        {
            "order": 1,
            "number": "1.1",
            "step": "1.1 Check what age you can drive",
            "persona": "Ron",
            "feeling": 1,
            "in words": "+1 positive",
        },
        {
            "order": 3,
            "number": "3.1",
            "step": "3.1 Book your theory test",
            "persona": "Ron",
            "feeling": -2,
            "in words": "-2 very negative",
        },
    ]
    page = grid.grid_html(shown)
    assert "<th scope='row'>Feeling: Ron</th>" in page
    assert page.count("Not recorded") == 2


def test_everything_typed_is_escaped(ws):
    driving = build_driving(ws)
    hostile = agencies.ensure_agency(
        ws, DEMO_EDITOR, Agency("<img src=x onerror=alert(1)>")
    )
    stage_id = maps.add_stage(
        ws, DEMO_EDITOR, driving.journey_id, Stage("<b>Stage</b> & more")
    )
    maps.add_step(
        ws,
        DEMO_EDITOR,
        stage_id,
        Step(
            "<script>alert('x')</script>",
            owning_agency_id=hostile,
            pain_points=[{"text": "<i>slow</i>", "severity": "high"}],
        ),
    )
    shown = laid_out(ws, driving.journey_id)
    for page in (grid.grid_html(shown), grid.print_page(shown, TODAY)):
        assert "<script>alert" not in page
        assert "<img src=x" not in page and "<b>Stage" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
        assert "&lt;i&gt;slow&lt;/i&gt; (high severity)" in page
        assert "Hand-off: DVSA to &lt;img src=x onerror=alert(1)&gt;" in page


def test_print_page_is_a3_landscape_self_contained_and_split_in_pages(ws):
    driving = build_driving(ws)
    stage_id = maps.add_stage(ws, DEMO_EDITOR, driving.journey_id, Stage("Practise"))
    for number in range(12):
        maps.add_step(ws, DEMO_EDITOR, stage_id, Step(f"Lesson {number + 1}"))
    maps.link_persona(ws, DEMO_EDITOR, driving.journey_id, driving.ron)
    set_feeling(ws, driving.steps["Book your theory test"], driving.ron, -1)

    page = grid.print_page(laid_out(ws, driving.journey_id), TODAY)

    assert page.startswith("<!DOCTYPE html>") and "size: A3 landscape" in page
    assert re.findall(r"\b(?:src|href)\s*=", page) == []  # nothing loaded
    assert "<link" not in page and "<script" not in page and "@import" not in page
    assert "(part 1 of 2)" in page and "(part 2 of 2)" in page  # 16 steps
    assert "Printed 2026-12-04" in page and "1 hand-offs" in page
    assert "<svg" in page and "Ron (circle)" in page  # feelings, not by colour
    assert "<td>3.1 Book your theory test</td><td>Ron</td><td>-1 negative</td>" in page
