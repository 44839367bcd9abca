"""The participant page (/join) with AppTest: names typed by the people who
planned a session are shown as typed, never read as Markdown, and a text
longer than its box allows is refused in words and kept in the box."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.shared import md
from journeys import feedback, improvements, maps, personas, sessions
from journeys.access import DEMO_EDITOR
from journeys.models import Journey, Persona, Stage, Step
from journeys.workspace import Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")

# Names that Markdown would turn into pictures fetched from another host,
# coloured text and links, were they not escaped.
PERSONA = "Evil ![pn](http://example.invalid/persona.png) :red[P]"
SUMMARY = "Cares for [her mother](http://example.invalid/m) *every* day"
JOURNEY = "Claim ![j](http://example.invalid/journey.png)"
OTHER_JOURNEY = "Renew a blue badge"
STAGE = "Money ![st](http://example.invalid/stage.png) **now**"
STEP = "- Upload ![sp](http://example.invalid/step.png)"
PROPOSAL = "Fix ![t](http://example.invalid/title.png)"


def hostile_session(path: Path) -> dict:
    """An open session about two journeys (one with a hostile stage and
    step), a hostile persona and a hostile proposal; its ids and code."""
    with Workspace.open(path) as ws:
        journey = maps.create_journey(ws, DEMO_EDITOR, Journey(JOURNEY))
        stage = maps.add_stage(ws, DEMO_EDITOR, journey, Stage(STAGE))
        step = maps.add_step(ws, DEMO_EDITOR, stage, Step(STEP))
        other = maps.create_journey(ws, DEMO_EDITOR, Journey(OTHER_JOURNEY))
        other_stage = maps.add_stage(ws, DEMO_EDITOR, other, Stage("Apply"))
        persona = personas.create_persona(
            ws, DEMO_EDITOR, Persona(PERSONA, summary=SUMMARY)
        )
        item = improvements.create_item(
            ws,
            DEMO_EDITOR,
            improvements.ImprovementItem(
                PROPOSAL, proposed_change="Ask once.", journey_id=journey
            ),
        )
        session_id = sessions.create_session(
            ws,
            DEMO_EDITOR,
            sessions.ConsultationSession(
                "Evening",
                "2025-03-04 18:30",
                place="Central Library",
                journey_ids=[journey, other],
                persona_ids=[persona],
                proposal_item_ids=[item],
            ),
        )
        version = sessions.get_session(ws, session_id)["version"]
        code = sessions.open_session(ws, DEMO_EDITOR, session_id, version)
    return {
        "session": session_id,
        "code": code["join_code"],
        "stage": stage,
        "other_stage": other_stage,
        "step": step,
        "persona": persona,
        "item": item,
    }


@pytest.fixture
def hostile(tmp_path, monkeypatch) -> dict:
    path = tmp_path / "join.db"
    Workspace.open(path).close()
    monkeypatch.setenv("JOINEDUP_DB", str(path))
    return {"path": path, **hostile_session(path)}


def joined(code: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("app_pages/join.py")
    at.query_params["code"] = code
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def test_typed_names_in_the_choices_are_escaped(hostile):
    at = joined(hostile["code"])
    where = at.radio(key="give-0-stage")
    assert where.options == [
        f"1. {md(STAGE)} ({md(JOURNEY)})",
        f"1. Apply ({md(OTHER_JOURNEY)})",
        "Something else, or not sure",
    ]
    assert at.radio(key="give-0-persona").options == [
        "My own, or none of these",
        f"{md(PERSONA)}: {md(SUMMARY)}",
    ]
    assert at.radio(key="give-0-proposal").options == ["No", md(PROPOSAL)]

    where.set_value(hostile["stage"])
    run(at)
    step = at.radio(key=f"give-0-step-{hostile['stage']}")
    assert step.options == ["Not sure, or the whole stage", md(STEP)]
    # No option, label or text of the page holds an unescaped picture.
    radios = [option for radio in at.radio for option in radio.options]
    labels = [widget.label for widget in (*at.radio, *at.text_area, *at.text_input)]
    shown = [e.value for e in (*at.title, *at.markdown, *at.caption)]
    for text in radios + labels + shown:
        assert "![" not in text, text
    assert "](" not in "".join(radios + labels + shown)


def test_a_choice_with_an_escaped_name_is_saved(hostile):
    at = joined(hostile["code"])
    at.radio(key="give-0-stage").set_value(hostile["stage"])
    run(at)
    at.radio(key=f"give-0-step-{hostile['stage']}").set_value(hostile["step"])
    at.radio(key="give-0-persona").set_value(hostile["persona"])
    at.text_area(key="give-0-what").set_value("Asked twice")
    at.button(key="give-0-send").click()
    run(at)
    assert not at.error
    with Workspace.open(hostile["path"]) as ws:
        [given] = feedback.list_feedback(ws, DEMO_EDITOR, hostile["session"])
    assert (given["stage_id"], given["step_id"], given["persona_id"]) == (
        hostile["stage"],
        hostile["step"],
        hostile["persona"],
    )


# --- a text longer than its box allows ---------------------------------------


def test_the_boxes_take_any_length_and_say_the_limit(hostile):
    # Streamlit refuses a paste longer than max_chars whole, leaving the box
    # empty without a word; so the boxes have no max_chars, and say the limit.
    at = joined(hostile["code"])
    assert at.text_area(key="give-0-what").proto.max_chars == 0
    assert at.text_input(key="give-0-contact").proto.max_chars == 0
    captions = [c.value for c in at.caption]
    assert "Up to 2,000 characters." in captions
    assert any(c.startswith("Up to 200 characters.") for c in captions)


def test_an_over_long_text_is_refused_in_words_and_kept(hostile):
    at = joined(hostile["code"])
    typed = "The payslip page timed out. " * 78 + "Again."  # 2,190 characters
    assert len(typed) == 2_190
    at.text_area(key="give-0-what").set_value(typed)
    at.button(key="give-0-send").click()
    run(at)
    problem = (
        "The box “What happened?” is 2,190 characters long; the limit is "
        "2,000. Please shorten it: your text is still there."
    )
    assert [e.value for e in at.error] == [
        md(f"Your feedback was not sent yet. {problem}")
    ]
    html = "\n".join(e.value for e in at.get("html"))
    assert problem in html  # also written right under the box
    assert at.text_area(key="give-0-what").value == typed
    with Workspace.open(hostile["path"]) as ws:
        assert feedback.list_feedback(ws, DEMO_EDITOR, hostile["session"]) == []

    shortened = typed[:2_000]
    at.text_area(key="give-0-what").set_value(shortened)
    at.button(key="give-0-send").click()
    run(at)
    assert not at.error
    with Workspace.open(hostile["path"]) as ws:
        [given] = feedback.list_feedback(ws, DEMO_EDITOR, hostile["session"])
    assert given["what_happened"] == shortened.strip()


def test_an_over_long_contact_is_refused_and_kept(hostile):
    at = joined(hostile["code"])
    contact = "jo@example.org, " + "x" * 240
    at.text_area(key="give-0-what").set_value("Asked twice")
    at.text_input(key="give-0-contact").set_value(contact)
    at.button(key="give-0-send").click()
    run(at)
    [refused] = at.error
    assert refused.value.startswith(
        md("Your feedback was not sent yet. The box “How can we contact you?” is 256")
    )
    assert at.text_input(key="give-0-contact").value == contact
    assert at.text_area(key="give-0-what").value == "Asked twice"
