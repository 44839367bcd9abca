"""The participant pages (/join) with a screen reader, by keyboard, at 200%
zoom and on a small phone, checked in the real app in headless Chromium.

What "with a screen reader" means here: Chromium's accessibility tree (what a
screen reader is given: roles, names, states, live regions), read through
playwright and the DevTools protocol. No real screen reader (NVDA, JAWS,
VoiceOver, TalkBack) runs in these tests; how one reads the page aloud is
not tested.

Zoom is emulated the way Chromium zooms: a 1280 x 800 window at 200% lays
the page out in a 640 x 400 CSS-pixel viewport and draws each CSS pixel
with 2 x 2 device pixels, so zooming to 200% is the same as a 640 x 400
viewport with ``device_scale_factor=2``. WCAG 2.1's reflow criterion (1.4.10)
asks for no sideways scrolling at 320 CSS pixels wide, which is a 1280-pixel
window at 400%.

Known shortcomings, because Streamlit 1.67 gives a page no way to set them
(each is checked for what does hold):

* ``<html lang="en">`` is fixed in Streamlit's index.html (streamlit/streamlit
  #15726; PR #16024 to make it settable was closed). It is right for this
  English-only app; a page in another language could not say so.
* A refused answer cannot be tied to its box with ``aria-describedby`` or
  ``aria-invalid``: Streamlit sets neither on a text box from the server.
  The problem is an alert (``role="alert"``, read out when it appears) right
  under the Send button or the code box, and is written again right under
  the box it is about.
* After Join or Send, Streamlit draws the new form and focus falls back to
  the start of the page; it cannot be moved to the first question or to the
  thank-you message. The message is an alert, so it is read out.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from journeys import feedback, improvements, maps, personas, sessions
from journeys.access import DEMO_EDITOR
from journeys.models import Journey, Persona, Stage, Step
from journeys.workspace import Workspace
from tests.test_browser import (  # noqa: F401 (browser is a fixture)
    SCREENSHOTS,
    _not_local,
    _wait_for_texts,
    browser,
    serving,
)
from tests.ui_workspace import build_template, copy_workspace

pytestmark = pytest.mark.browser

JOURNEY = "Apply for Carer's Allowance"
STAGE = "Other money"  # the third of the journey's five stages
STEPS = ("Tell us about other income", "Upload payslips")
PROPOSAL = "Ask for payslips once"

# A 1280 x 800 window at 200%: see the module docstring.
ZOOM_200 = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
# WCAG 1.4.10 reflow: 320 CSS pixels wide, a 1280 x 1024 window at 400%.
REFLOW_320 = {"viewport": {"width": 320, "height": 256}, "device_scale_factor": 4}
PHONE_360 = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

FEELINGS = ["Very bad", "Bad", "Neither good nor bad", "Good", "Very good"]
# Control names that say nothing about what the control does.
VAGUE_NAMES = {"open", "close", "clear value", "button", "submit", "more", "menu"}


@dataclass
class Served:
    url: str
    database: Path
    session_id: int
    code: str


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app over the demo workspace with one open session about the Carer's
    Allowance journey: two personas, a proposed change and, in the "Other
    money" stage, two steps to choose from."""
    folder = tmp_path_factory.mktemp("access-browser")
    database = copy_workspace(build_template(folder / "template"), folder)
    with Workspace.open(database) as ws:
        session_id, code = _open_session(ws)
    with serving(database, folder / "streamlit.log") as url:
        yield Served(url, database, session_id, code)


def _open_session(ws) -> tuple[int, str]:
    journey = maps.find_journey(ws, JOURNEY)
    proposal = improvements.create_item(
        ws,
        DEMO_EDITOR,
        improvements.ImprovementItem(
            PROPOSAL, proposed_change="Upload every payslip once.", journey_id=journey
        ),
    )
    session_id = sessions.create_session(
        ws,
        DEMO_EDITOR,
        sessions.ConsultationSession(
            "Carers' evening",
            "2025-03-04 18:30",
            place="Central Library",
            journey_ids=[journey],
            persona_ids=[p["id"] for p in personas.list_personas(ws)[:2]],
            proposal_item_ids=[proposal],
        ),
    )
    stage = _stage(ws, session_id, STAGE)
    for action in STEPS:
        maps.add_step(ws, DEMO_EDITOR, stage["id"], Step(action))
    version = sessions.get_session(ws, session_id)["version"]
    opened = sessions.open_session(ws, DEMO_EDITOR, session_id, version)
    return session_id, opened["join_code"]


def _stage(ws, session_id: int, name: str) -> dict:
    view = sessions.participant_view(ws, session_id)
    return next(s for s in view.journeys[0]["stages"] if s["name"] == name)


@pytest.fixture
def tabs(browser):  # noqa: F811 (the imported fixture)
    """Opens browser tabs with the given options; each records its requests."""
    contexts = []

    def open_tab(options: dict):
        context = browser.new_context(**options)
        contexts.append(context)
        tab = context.new_page()
        tab.requested_urls = []
        tab.on("request", lambda request: tab.requested_urls.append(request.url))
        tab.on("websocket", lambda socket: tab.requested_urls.append(socket.url))
        return tab

    yield open_tab
    for context in contexts:
        context.close()


# --- 200% zoom, reflow at 320 pixels, a small phone -------------------------


@pytest.mark.parametrize(
    "options",
    [ZOOM_200, REFLOW_320, PHONE_360],
    ids=["zoom-200-percent", "reflow-320-pixels", "phone-360-pixels"],
)
def test_participant_pages_fit_the_width_and_every_control_is_reachable(
    served, tabs, options
):
    tab = tabs(options)
    name = "access_{}x{}".format(*options["viewport"].values())
    tab.goto(f"{served.url}/join")
    _wait_for_texts(tab, ["Join a consultation"])
    _submit_code(tab, "ZZZ 222")
    _wait_for_texts(tab, ["That code does not match any session"])
    assert _layout_problems(tab) == []
    assert _unreachable_controls(tab, at_least=2) == []  # the code box, Join
    _shot(tab, f"{name}_1_wrong_code")

    _submit_code(tab, served.code)
    _wait_for_texts(tab, ["Which part of the journey"])
    tab.get_by_text(f"3. {STAGE}").click()
    _wait_for_texts(tab, [f"You are here: {STAGE}", STEPS[1]])
    tab.get_by_text(PROPOSAL, exact=True).click()
    _wait_for_texts(tab, ["What do you think of this change?"])
    tab.get_by_role("button", name="Send").click()
    _wait_for_texts(tab, ["Your feedback was not sent yet"])
    assert _layout_problems(tab) == []
    assert _unreachable_controls(tab, at_least=25) == []  # 23 choices, 2 boxes
    _shot(tab, f"{name}_2_form_refused")

    _field(tab, "What happened? Use your own words.").fill("Asked twice for payslips.")
    tab.get_by_text("Bad", exact=True).click()
    tab.get_by_role("button", name="Send").click()
    _wait_for_texts(tab, ["Thank you: your feedback was sent"])
    assert _layout_problems(tab) == []
    assert _unreachable_controls(tab, at_least=15) == []  # a fresh, empty form
    _shot(tab, f"{name}_3_thanks")
    assert _not_local(tab.requested_urls) == []


# Every place the page would have to scroll sideways, or cuts text off.
LAYOUT_JS = """() => {
  const problems = [];
  const page = document.documentElement;
  const main = document.querySelector('[data-testid="stMain"]');
  const width = page.clientWidth;
  const named = (el) => `${el.tagName.toLowerCase()} "${
    (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 40)}"`;
  if (page.scrollWidth > width + 1)
    problems.push(`the page is ${page.scrollWidth} wide in ${width}`);
  if (main.scrollWidth > main.clientWidth + 1)
    problems.push(`the main area is ${main.scrollWidth} wide in ${main.clientWidth}`);
  for (const el of main.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility() || box.width < 2 || box.height < 2) continue;
    if (box.left < -1 || box.right > width + 1)
      problems.push(`${named(el)} spans ${Math.round(box.left)} to ${
        Math.round(box.right)} of ${width}`);
  }
  const texts = 'button, label, p, h1, figcaption, [role="alert"], textarea';
  for (const el of main.querySelectorAll(texts)) {
    if (!el.checkVisibility() || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      problems.push(`${named(el)} is cut: ${el.scrollWidth} wide in ${el.clientWidth}`);
  }
  return problems;
}"""

# Every control that cannot be scrolled to and seen whole across.
REACH_JS = """() => {
  const unreachable = [];
  const main = document.querySelector('[data-testid="stMain"]');
  const controls = main.querySelectorAll(
    'label[data-testid="stRadioOption"], textarea, input[type="text"], button');
  for (const control of controls) {
    if (!control.checkVisibility()) continue;
    control.scrollIntoView({block: 'center', inline: 'nearest'});
    const box = control.getBoundingClientRect();
    const hit = document.elementFromPoint(
      box.left + box.width / 2, box.top + Math.min(box.height, innerHeight) / 2);
    const whole = box.left >= -1 && box.right <= innerWidth + 1;
    // A text box's own "Press Enter to submit form" hint may lie over it.
    const widget = control.closest(
      '[data-testid="stTextInput"], [data-testid="stTextArea"]') || control;
    if (!whole || !hit || !(widget.contains(hit) || hit.contains(control)))
      unreachable.push((control.innerText || control.getAttribute('aria-label')
        || control.tagName).trim().slice(0, 40));
  }
  main.scrollTo(0, 0);
  return {checked: controls.length, unreachable};
}"""


def _layout_problems(tab) -> list[str]:
    return tab.evaluate(LAYOUT_JS)


def _unreachable_controls(tab, at_least: int) -> list[str]:
    found = tab.evaluate(REACH_JS)
    assert found["checked"] >= at_least, "the page lost its controls"
    return found["unreachable"]


# --- keyboard only --------------------------------------------------------------


def test_a_whole_submission_by_keyboard_alone_with_focus_always_seen(served, tabs):
    tab = tabs(ZOOM_200)
    tab.goto(f"{served.url}/join")
    _wait_for_texts(tab, ["Join a consultation"])
    keys = Keys(tab)

    keys.tab_to("Code")
    tab.keyboard.type(served.code)
    tab.keyboard.press("Enter")
    _wait_for_texts(tab, ["Which part of the journey"])
    keys.new_page()

    keys.tab_to("1. About you")
    tab.keyboard.press("ArrowDown")  # 2. About the care you provide
    tab.keyboard.press("ArrowDown")  # 3. Other money
    _wait_for_texts(tab, [f"You are here: {STAGE}", STEPS[1]])
    keys.tab_to("Not sure, or the whole stage")
    tab.keyboard.press("ArrowDown")
    assert tab.get_by_role("radio", name=STEPS[0], exact=True).is_checked()
    keys.tab_to("What happened? Use your own words.")
    tab.keyboard.type("The other money page asked for my payslips twice.")
    keys.tab_to("Very bad")
    tab.keyboard.press("ArrowDown")
    assert tab.get_by_role("radio", name="Bad", exact=True).is_checked()
    keys.tab_to("If you would like a reply, how can we contact you? (optional)")
    tab.keyboard.press("Shift+Tab")  # back one stop, then on again
    assert keys.focused()["name"] == "No"
    keys.tab_to("Send")
    tab.keyboard.press("Space")
    _wait_for_texts(tab, ["Thank you: your feedback was sent"])

    assert keys.unseen == [], "focus was not visible on these stops"
    assert keys.out_of_order == [], "focus went against the reading order"
    assert len(keys.stops) >= 10
    with Workspace.open(served.database) as ws:
        given = feedback.list_feedback(ws, DEMO_EDITOR, served.session_id)
        stage = _stage(ws, served.session_id, STAGE)
    mine = [g for g in given if g["what_happened"].startswith("The other money")]
    assert len(mine) == 1
    assert (mine[0]["stage_id"], mine[0]["feeling"]) == (stage["id"], -1)
    assert mine[0]["step_id"] == stage["steps"][0]["id"]
    assert _not_local(tab.requested_urls) == []


# What has keyboard focus, and the ring drawn for it: an outline of 2 pixels or
# more, or a box shadow, on the focused element or one of its 3 nearest
# ancestors (a radio button's own input is hidden; its label is drawn).
FOCUS_JS = """() => {
  // Is part of the ring cut off by an ancestor that hides what overflows it?
  // (The main area scrolls up and down, so only its sides count.)
  const clipped = (ring, box, main) => {
    const style = getComputedStyle(ring);
    const outline = style.outlineStyle === 'none' ? 0
      : parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
    const shadow = style.boxShadow === 'none' ? 0
      : Math.max(...[...style.boxShadow.matchAll(/(-?[\\d.]+)px/g)]
          .map((m) => Math.abs(parseFloat(m[1]))));
    const grow = Math.max(outline, shadow, 0);
    for (let up = ring.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflow === 'visible') continue;
      const edge = up.getBoundingClientRect();
      const sides = box.left - grow < edge.left - 0.5
        || box.right + grow > edge.right + 0.5;
      const ends = box.top - grow < edge.top - 0.5
        || box.bottom + grow > edge.bottom + 0.5;
      if (sides || (ends && up !== main && main.contains(up))) return true;
      if (up === main) return false;
    }
    return false;
  };
  const focused = document.activeElement;
  if (!focused || focused === document.body) return null;
  const main = document.querySelector('[data-testid="stMain"]');
  const name = (focused.getAttribute('aria-label')
    || (focused.labels && focused.labels.length ? focused.labels[0].innerText : '')
    || focused.innerText || '').trim().slice(0, 80);
  let ring = null;
  for (let el = focused, hops = 0; el && hops < 4; el = el.parentElement, hops++) {
    const style = getComputedStyle(el);
    const width = parseFloat(style.outlineWidth);
    const outline = style.outlineStyle !== 'none' && width >= 2;
    if (outline || style.boxShadow !== 'none') { ring = el; break; }
  }
  const inMain = focused !== main && main.contains(focused);
  if (!ring) return {name, inMain, seen: false, top: 0};
  const box = ring.getBoundingClientRect();
  const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, innerHeight);
  const hit = bottom > top && document.elementFromPoint(
    Math.max(box.left, 0) + Math.min(box.width, innerWidth) / 2, (top + bottom) / 2);
  const seen = !!hit && box.width >= 10 && box.height >= 10
    && (ring.contains(hit) || hit.contains(ring)) && !clipped(ring, box, main);
  return {name, inMain, seen, top: box.top + main.scrollTop + scrollY};
}"""


class Keys:
    """Moves focus with Tab, noting each stop: was its ring seen, and did
    focus move down the page, as the questions are read?"""

    MOST_TABS = 12  # between two questions; more means focus is lost

    def __init__(self, tab):
        self.tab = tab
        self.stops: list[dict] = []
        self.unseen: list[str] = []
        self.out_of_order: list[str] = []
        self._last_top: float | None = None

    def focused(self) -> dict | None:
        return self.tab.evaluate(FOCUS_JS)

    def new_page(self) -> None:
        """The page was redrawn: order is compared on the new page only."""
        self._last_top = None

    def tab_to(self, name: str) -> None:
        for _ in range(self.MOST_TABS):
            self.tab.keyboard.press("Tab")
            stop = self.focused()
            if stop is None:  # focus left the page's content, back to its start
                self._last_top = None
                continue
            self._note(stop)
            if stop["name"] == name:
                return
        pytest.fail(f"{self.MOST_TABS} presses of Tab did not reach {name!r}")

    def _note(self, stop: dict) -> None:
        self.stops.append(stop)
        if not stop["seen"]:
            self.unseen.append(stop["name"])
        if not stop["inMain"]:  # the skip link or the main area: a new round
            self._last_top = None
            return
        if self._last_top is not None and stop["top"] < self._last_top - 2:
            self.out_of_order.append(stop["name"])
        self._last_top = stop["top"]


# --- what a screen reader is given -------------------------------------------


def test_screen_reader_gets_names_one_heading_language_and_picture_text(served, tabs):
    tab = tabs(ZOOM_200)
    tab.goto(f"{served.url}/join")
    _wait_for_texts(tab, ["Join a consultation"])
    assert tab.evaluate("document.documentElement.lang") == "en"  # see docstring
    join = _accessibility_tree(tab)
    assert _headings(join) == [(1, "Join a consultation")]
    assert _controls(join) == [
        ("link", "Skip to main content"),
        ("textbox", "Code"),
        ("button", "Join"),
    ]

    _submit_code(tab, served.code)
    _wait_for_texts(tab, ["Which part of the journey"])
    tab.get_by_text(f"3. {STAGE}").click()
    _wait_for_texts(tab, [f"You are here: {STAGE}", STEPS[1]])
    tab.get_by_text(PROPOSAL, exact=True).click()
    _wait_for_texts(tab, ["What do you think of this change?"])
    form = _accessibility_tree(tab)

    assert _headings(form) == [(1, "Carers' evening")]
    assert [name for role, name in _controls(form) if role != "radio"] == [
        "Skip to main content",
        "Which part of the journey is this about?",
        "Which step? (optional)",
        "Whose experience is it closest to? (optional)",
        "What happened? Use your own words.",
        "How did it feel?",
        "Is it about one of the changes we propose? (optional)",
        "What do you think of this change?",
        "If you would like a reply, how can we contact you? (optional)",
        "Send",
    ]
    for role, name in _controls(form):
        assert re.search(r"[A-Za-z]{2,}", name), f"{role} named {name!r}"
        assert name.lower() not in VAGUE_NAMES, f"{role} named {name!r}"
    # How it felt is said in words, not by an emoji or a colour alone.
    assert _radios_of(tab, "How did it feel?") == FEELINGS
    assert _radios_of(tab, "Which step? (optional)") == [
        "Not sure, or the whole stage",
        *STEPS,
    ]
    # The journey picture has a text alternative; nothing else is a picture.
    assert _pictures(form) == ["The journey as a line of 5 stages, with stage 3 marked"]
    assert tab.locator("[data-testid='stMain'] img:not([alt])").count() == 0
    unnamed_svg = "[data-testid='stMain'] svg:not([aria-hidden='true']):not([role])"
    assert tab.locator(unnamed_svg).count() == 0

    _field(tab, "What happened? Use your own words.").fill("Asked twice.")
    tab.get_by_role("button", name="Send").click()
    _wait_for_texts(tab, ["Thank you: your feedback was sent"])
    thanks = _accessibility_tree(tab)
    assert _headings(thanks) == [(1, "Carers' evening")]
    assert _announced(thanks) == [
        "Thank you: your feedback was sent. You can tell us more below."
    ]
    assert _not_local(tab.requested_urls) == []


def _accessibility_tree(tab) -> list[dict]:
    """Chromium's accessibility tree, in page order, without ignored nodes."""
    cdp = tab.context.new_cdp_session(tab)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    by_id = {node["nodeId"]: node for node in nodes}
    ordered = []

    def walk(node_id: str) -> None:
        node = by_id.get(node_id)
        if node is None:
            return
        if not node.get("ignored"):
            ordered.append(
                {
                    "id": node_id,
                    "role": node.get("role", {}).get("value", ""),
                    "name": node.get("name", {}).get("value", "").strip(),
                    "properties": {
                        p["name"]: p["value"].get("value")
                        for p in node.get("properties", [])
                    },
                    "children": node.get("childIds", []),
                }
            )
        for child in node.get("childIds", []):
            walk(child)

    walk(nodes[0]["nodeId"])
    for node in ordered:  # the text inside, for live regions
        node["text"] = _text_under(node["id"], by_id)
    return ordered


def _text_under(node_id: str, by_id: dict) -> str:
    node = by_id.get(node_id, {})
    if node.get("role", {}).get("value") == "StaticText":
        return node.get("name", {}).get("value", "")
    return "".join(_text_under(child, by_id) for child in node.get("childIds", []))


CONTROL_ROLES = {"textbox", "combobox", "radiogroup", "radio", "button", "link"}
CONTROL_ROLES |= {"checkbox", "listbox", "spinbutton", "slider", "searchbox"}


def _controls(tree: list[dict]) -> list[tuple[str, str]]:
    return [(n["role"], n["name"]) for n in tree if n["role"] in CONTROL_ROLES]


def _headings(tree: list[dict]) -> list[tuple[int, str]]:
    return [
        (n["properties"].get("level"), n["name"])
        for n in tree
        if n["role"] == "heading"
    ]


def _pictures(tree: list[dict]) -> list[str]:
    return [n["name"] for n in tree if n["role"] in ("image", "img")]


def _announced(tree: list[dict]) -> list[str]:
    """The text of live regions a screen reader reads out when they change."""
    return [
        n["text"].strip()
        for n in tree
        if n["properties"].get("live") in ("assertive", "polite")
        and n["role"] in ("alert", "status", "log")
    ]


def _radios_of(tab, group: str) -> list[str]:
    options = tab.get_by_role("radiogroup", name=group).get_by_role("radio")
    return [
        options.nth(i).evaluate("el => el.labels[0].innerText.trim()")
        for i in range(options.count())
    ]


# --- names typed as Markdown -------------------------------------------------

# Names that Markdown would turn into pictures fetched from another host,
# coloured text and links, were they not escaped.
HOSTILE_SESSION = "Evening ![s](http://example.invalid/session.png)"
HOSTILE_JOURNEY = "Claim ![j](http://example.invalid/journey.png)"
HOSTILE_STAGE = "Money ![st](http://example.invalid/stage.png) **now**"
HOSTILE_STEP = "- Upload ![sp](http://example.invalid/step.png)"
HOSTILE_PERSONA = "Evil ![pn](http://example.invalid/persona.png) :red[P]"
HOSTILE_SUMMARY = "Cares for [her mother](http://example.invalid/m)"
HOSTILE_PROPOSAL = "Fix ![t](http://example.invalid/title.png)"


def _hostile_session(ws) -> str:
    """An open session whose journey, stage, step, persona and proposal have
    names holding Markdown pictures; its join code."""
    journey = maps.create_journey(ws, DEMO_EDITOR, Journey(HOSTILE_JOURNEY))
    stage = maps.add_stage(ws, DEMO_EDITOR, journey, Stage(HOSTILE_STAGE))
    maps.add_step(ws, DEMO_EDITOR, stage, Step(HOSTILE_STEP))
    persona = personas.create_persona(
        ws, DEMO_EDITOR, Persona(HOSTILE_PERSONA, summary=HOSTILE_SUMMARY)
    )
    proposal = improvements.create_item(
        ws,
        DEMO_EDITOR,
        improvements.ImprovementItem(HOSTILE_PROPOSAL, journey_id=journey),
    )
    session_id = sessions.create_session(
        ws,
        DEMO_EDITOR,
        sessions.ConsultationSession(
            HOSTILE_SESSION,
            "2025-03-04 18:30",
            place="Central Library",
            journey_ids=[journey, maps.find_journey(ws, JOURNEY)],
            persona_ids=[persona],
            proposal_item_ids=[proposal],
        ),
    )
    version = sessions.get_session(ws, session_id)["version"]
    return sessions.open_session(ws, DEMO_EDITOR, session_id, version)["join_code"]


def test_names_typed_as_markdown_show_as_typed_and_fetch_nothing(served, tabs):
    with Workspace.open(served.database) as ws:
        code = _hostile_session(ws)
    tab = tabs(ZOOM_200)
    tab.goto(f"{served.url}/join?code={code}")
    _wait_for_texts(tab, ["Which part of the journey"])
    where = "Which part of the journey is this about?"
    chosen = f"1. {HOSTILE_STAGE} ({HOSTILE_JOURNEY})"
    tab.get_by_role("radiogroup", name=where).get_by_text(chosen, exact=True).click()
    _wait_for_texts(tab, [f"You are here: {HOSTILE_STAGE}"])
    changes = "Is it about one of the changes we propose? (optional)"
    tab.get_by_role("radiogroup", name=changes).get_by_text(
        HOSTILE_PROPOSAL, exact=True
    ).click()
    _wait_for_texts(tab, ["What do you think of this change?"])

    form = _accessibility_tree(tab)
    assert _headings(form) == [(1, HOSTILE_SESSION)]
    assert chosen in _radios_of(tab, where)
    assert _radios_of(tab, "Which step? (optional)") == [
        "Not sure, or the whole stage",
        HOSTILE_STEP,
    ]
    assert _radios_of(tab, "Whose experience is it closest to? (optional)") == [
        "My own, or none of these",
        f"{HOSTILE_PERSONA}: {HOSTILE_SUMMARY}",
    ]
    assert _radios_of(tab, changes) == ["No", HOSTILE_PROPOSAL]
    # The journey picture (a data: address) is the only picture.
    main = tab.locator("[data-testid='stMain']")
    assert main.locator("img").count() == 1
    assert _not_local(tab.requested_urls) == []


# --- messages that are read out, next to what they are about ------------------


def test_refusals_are_announced_in_words_next_to_their_box(served, tabs):
    tab = tabs(ZOOM_200)
    tab.goto(f"{served.url}/join")
    _wait_for_texts(tab, ["Join a consultation"])
    form = tab.locator("[data-testid='stForm']")

    _submit_code(tab, "")
    _wait_for_texts(tab, ["The code box is empty"])
    assert _alerts_in(form) == [
        "The code box is empty: type the code shown on the screen."
    ]
    for told in (
        "4 more tries before a short wait",
        "3 more tries before a short wait",
        "2 more tries before a short wait",
        "You can try once more: if that code is wrong too, this device will "
        "have to wait",
        "That was the last try for now: please wait",
    ):
        _submit_code(tab, "ZZZ 222")
        _wait_for_texts(tab, [told])
        [wrong] = _alerts_in(form)  # in the form, right under the code box
        assert wrong.startswith("That code does not match any session.")
        assert form.get_by_role("textbox", name="Code").count() == 1
    _submit_code(tab, served.code)  # right, but too late
    _wait_for_texts(tab, ["Too many wrong codes have been tried on this device"])
    [waiting] = _alerts_in(form)
    assert re.search(r"Please wait \d+ minutes?, then try again", waiting)
    assert _announced(_accessibility_tree(tab)) == [waiting]

    sender = tabs(ZOOM_200)  # another phone: this one must wait
    sender.goto(f"{served.url}/join?code={served.code}")
    _wait_for_texts(sender, ["Which part of the journey"])
    sender.get_by_role("button", name="Send").click()
    _wait_for_texts(sender, ["Your feedback was not sent yet"])
    problem = (
        "The box “What happened?” is empty: please write what happened, "
        "in your own words."
    )
    assert _alerts_in(sender.locator("[data-testid='stMain']")) == [
        f"Your feedback was not sent yet. {problem}"
    ]
    assert _announced(_accessibility_tree(sender)) == [
        f"Your feedback was not sent yet. {problem}"
    ]
    # The alert comes right after Send; the problem, right under its box.
    assert _next_block_text(sender, "button", "Send") == (
        f"Your feedback was not sent yet. {problem}"
    )
    assert _next_block_text(sender, "textarea", "What happened?") == problem
    assert _not_local(tab.requested_urls + sender.requested_urls) == []


def _alerts_in(area) -> list[str]:
    alerts = area.get_by_role("alert")
    return [alerts.nth(i).inner_text().strip() for i in range(alerts.count())]


# The text of the page block right after the one holding a control.
NEXT_BLOCK_JS = """([tag, starts]) => {
  const control = [...document.querySelectorAll(`[data-testid="stMain"] ${tag}`)]
    .find((el) => (el.getAttribute('aria-label') || el.innerText).trim()
      .startsWith(starts));
  const block = control.closest('[data-testid="stElementContainer"]');
  let next = block.nextElementSibling;
  while (next && !next.innerText.trim()) next = next.nextElementSibling;
  return next ? next.innerText.trim() : null;
}"""


def _next_block_text(tab, tag: str, starts: str) -> str | None:
    return tab.evaluate(NEXT_BLOCK_JS, [tag, starts])


# --- shared steps -------------------------------------------------------------------


def _submit_code(tab, code: str) -> None:
    field = _field(tab, "Code")
    field.fill(code)
    field.press("Enter")


def _field(tab, label: str):
    return tab.get_by_label(label, exact=True)


def _shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
