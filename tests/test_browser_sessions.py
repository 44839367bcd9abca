"""A consultation run end to end in the real app, with two browser contexts.

The facilitator (a desktop-sized context) plans a session on the demo
workspace and opens it; a participant (a separate, phone-sized context with
no account) joins with the code, after first mistyping it, and gives
feedback holding hostile markup and personal data. The facilitator removes
the personal data, approves the feedback, turns it into an improvement
item, ships it, evaluates it against the Carer's Allowance "users reaching
a stage" measurements, and shares the "you said, we did" report, which the
participant then opens without an account.

Screenshots of each step go to test-output/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    TEXT_WAIT_MS,
    _not_local,
    _serving,
    _wait_for_texts,
)

pytestmark = pytest.mark.browser

JOURNEY = "Apply for Carer's Allowance"
# Hostile markup and personal data, as a participant might type them.
SAID = (
    '<img src="http://203.0.113.9/x.png" onerror="alert(1)"> The "other money" '
    "question asked for the same payslips twice. I'm Jo Bloggs, 07700 900123."
)
PERSONAL = "Jo Bloggs, 07700 900123"
CONTACT = "jo.bloggs@example.org"
PHONE = {"width": 360, "height": 740}  # a small phone, or 720 px at 200% zoom


@pytest.fixture
def server_url(tmp_path):
    # One server per attempt, not per module: this module has one test, and
    # when a loaded machine makes it run again, it starts on a fresh server
    # and workspace rather than on one a failed attempt left behind.
    with _serving(tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "chromium path"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _tab(browser, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, **options)
    tab = context.new_page()
    tab.requested_urls = []
    tab.on("request", lambda request: tab.requested_urls.append(request.url))
    tab.on("websocket", lambda socket: tab.requested_urls.append(socket.url))
    return context, tab


def _shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _main_text(tab) -> str:
    return tab.locator("[data-testid='stMain']").inner_text()


def _field(tab, label: str):
    """The form control with exactly this label (not its help button)."""
    return tab.get_by_label(label, exact=True)


def _choose(tab, label: str, option: str, typed: str | None = None) -> None:
    """Pick an option by typing to narrow a long list, then clicking it."""
    tab.get_by_role("combobox", name=label, exact=True).click()
    tab.keyboard.type(typed or option)
    exact = typed is None
    tab.get_by_role("option", name=option, exact=exact).first.click()
    if tab.get_by_role("listbox").count():  # a multiselect stays open
        tab.keyboard.press("Escape")


def test_a_session_runs_from_code_to_you_said_we_did(server_url, browser):
    desk_context, desk = _tab(browser, {"width": 1400, "height": 1000})
    phone_context, phone = _tab(browser, PHONE, is_mobile=True, has_touch=True)
    try:
        code = _plan_and_open(desk, server_url)
        _join_and_give_feedback(phone, server_url, code)
        _moderate(desk, server_url)
        _improve_ship_and_evaluate(desk, server_url)
        link = _report_and_share(desk, server_url)
        _read_shared_report(phone, link)
        assert _not_local(desk.requested_urls + phone.requested_urls) == []
    finally:
        desk_context.close()
        phone_context.close()


def _plan_and_open(desk, url: str) -> str:
    desk.goto(f"{url}/consultations")
    _wait_for_texts(desk, ["No consultation session yet"])
    desk.get_by_text("Plan a new session").click()
    _field(desk, "Title").fill("Carers' evening at the library")
    _field(desk, "Place (for in person and hybrid)").fill("Central Library")
    _choose(desk, "Journeys it is about", JOURNEY)
    _choose(desk, "Access arrangements offered", "Step-free access")
    desk.get_by_role("button", name="Plan session").click()
    _wait_for_texts(desk, ["Planned the session Carers' evening at the library"])
    desk.get_by_role("button", name="Open for feedback").click()
    _wait_for_texts(desk, ["Join code:"])
    found = re.search(r"Join code: ([A-Z0-9]{3}) ([A-Z0-9]{3})", _main_text(desk))
    assert found, _main_text(desk)
    code = found.group(1) + found.group(2)
    assert not set(code) & set("01OIL")
    _shot(desk, "sessions_1_opened")
    desk.get_by_role("link", name="Open the facilitator screen to project").click()
    _wait_for_texts(desk, ["Facilitator controls", "0 joined"])
    assert found.group(0).split(": ")[1] in _main_text(desk)  # the code, large
    _shot(desk, "sessions_2_facilitator_screen")
    return code


def _join_and_give_feedback(phone, url: str, code: str) -> None:
    phone.goto(f"{url}/join")
    _wait_for_texts(phone, ["Join a consultation"])
    assert not phone.locator("[data-testid='stSidebar']").is_visible()
    field = _field(phone, "Code")
    field.fill("ZZZ 222")
    field.press("Enter")  # a keyboard user submits the form
    _wait_for_texts(phone, ["That code does not match any session", "4 more tries"])
    field = _field(phone, "Code")
    field.fill(f"{code[:3].lower()} {code[3:].lower()}")  # as read aloud
    field.press("Enter")
    _wait_for_texts(phone, ["Carers' evening at the library", "Which part"])

    phone.get_by_text("3. Other money").click()
    _wait_for_texts(phone, ["You are here: Other money"])
    _field(phone, "What happened? Use your own words.").fill(SAID)
    phone.get_by_text("Bad", exact=True).click()
    _field(phone, "If you would like a reply, how can we contact you? (optional)").fill(
        CONTACT
    )
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "no sideways scrolling on a small phone"
    _shot(phone, "sessions_3_participant_form")
    phone.get_by_role("button", name="Send").click()
    _wait_for_texts(phone, ["Thank you: your feedback was sent"])
    assert _field(phone, "What happened? Use your own words.").input_value() == ""
    assert phone.locator("img[src*='203.0.113.9']").count() == 0
    _shot(phone, "sessions_4_participant_sent")


def _open_tab(tab, name: str) -> None:
    # Right after a rerun the tab bar of the run before can linger for a
    # moment beside the new one: wait until one is left, then click it.
    found = tab.get_by_role("tab", name=name)
    expect(found).to_have_count(1, timeout=TEXT_WAIT_MS)
    found.click()


def _moderate(desk, url: str) -> None:
    desk.goto(f"{url}/consultations")
    _wait_for_texts(desk, ["Open: taking feedback", "Join code:"])
    _open_tab(desk, "Feedback")
    _wait_for_texts(desk, [PERSONAL, CONTACT, "New: not yet moderated"])
    # Hostile markup is shown as the text typed, never run or loaded.
    assert '<img src="http://203.0.113.9/x.png"' in _main_text(desk)
    assert desk.locator("img[src*='203.0.113.9']").count() == 0
    desk.get_by_text("Merge, remove personal data, or say why not").click()
    _field(desk, "Words to remove (personal data), copied exactly").fill(PERSONAL)
    desk.get_by_role("button", name="Remove these words").click()
    _wait_for_texts(desk, ["Saved feedback #1"])
    _open_tab(desk, "Feedback")
    desk.get_by_text("Merge, remove personal data, or say why not").click()
    desk.get_by_role("button", name="Remove the contact details").click()
    _wait_for_texts(desk, ["Saved feedback #1"])
    _open_tab(desk, "Feedback")
    desk.get_by_role("button", name="Approve").click()
    _wait_for_texts(desk, ["Saved feedback #1"])
    _open_tab(desk, "Feedback")
    _wait_for_texts(desk, ["[personal details removed]", "Personal data removed from"])
    shown = _main_text(desk)
    assert PERSONAL not in shown and CONTACT not in shown
    _shot(desk, "sessions_5_moderated")


def _improve_ship_and_evaluate(desk, url: str) -> None:
    desk.get_by_role("link", name="Improvements").click()
    _wait_for_texts(desk, ["Value and effort", "No improvement item yet"])
    desk.get_by_text("Add an improvement item").click()
    _choose(desk, "Journey it improves", JOURNEY)
    _field(desk, "Title").fill("Ask for payslips once")
    _field(desk, "Problem").fill("The other money stage asks twice.")
    _choose(desk, "Owning agency", "Department for Work and Pensions")
    _choose(desk, "KPIs that should move", "Users reaching a stage")
    _choose(desk, "Value", "4 - high")
    _choose(desk, "Effort", "2 - low")
    _choose(
        desk,
        "Feedback it answers (approved feedback not yet acted on)",
        "#1 (Other money)",
        typed="#1",
    )
    desk.get_by_role("button", name="Add", exact=True).click()
    _wait_for_texts(desk, ["Added the improvement item Ask for payslips once"])
    assert "Ask for payslips once (value 4, effort 2, idea)" in _main_text(desk)
    _shot(desk, "sessions_6_backlog")
    # The Carer's Allowance measurements are weekly, December 2013 to January
    # 2014, so the change is recorded as shipped on 30 December 2013.
    for status, day in (
        ("prioritised", "2013-12-09"),
        ("in progress", "2013-12-16"),
        ("shipped", "2013-12-30"),
    ):
        _choose(desk, "New status", status)
        _field(desk, "On (YYYY-MM-DD)").fill(day)
        desk.get_by_role("button", name="Change status").click()
        _wait_for_texts(desk, [f"Ask for payslips once is now {status}"])
    _wait_for_texts(desk, ["Evaluate against a KPI"])
    _choose(
        desk,
        "Where it is measured",
        f"{JOURNEY} / Consent and declaration",
    )
    _wait_for_texts(desk, ["4 periods, 2013-12-02 to 2013-12-29"])
    _field(desk, "Target (people)").fill("1800")
    desk.get_by_text("keep", exact=True).click()
    desk.get_by_role("button", name="Record the evaluation").click()
    _wait_for_texts(desk, ["Evaluated Ask for payslips once: keep"])
    assert "went from 1,182 people to 2,247.5 people" in _main_text(desk)
    _shot(desk, "sessions_7_evaluated")


def _report_and_share(desk, url: str) -> str:
    desk.get_by_role("link", name="You said, we did").click()
    _wait_for_texts(desk, ["Report on"])
    _choose(desk, "Report on", "A consultation session")
    _wait_for_texts(desk, ["You said, we did: Carers' evening at the library"])
    shown = _main_text(desk)
    assert "[personal details removed]" in shown
    assert "Ask for payslips once" in shown and "Decision: keep" in shown
    assert PERSONAL not in shown and CONTACT not in shown
    desk.get_by_role("button", name="Create a link").click()
    _wait_for_texts(desk, ["Created a read-only link", "/report?share="])
    link = re.search(r"http://\S+/report\?share=\S+", _main_text(desk)).group(0)
    _shot(desk, "sessions_8_report")
    return link


def _read_shared_report(phone, link: str) -> None:
    phone.goto(link)
    _wait_for_texts(phone, ["You said", "We did", "Ask for payslips once"])
    shown = _main_text(phone)
    assert "[personal details removed]" in shown
    assert "target met" in shown and "Decision: keep" in shown
    assert PERSONAL not in shown and CONTACT not in shown
    assert not phone.locator("[data-testid='stSidebar']").is_visible()
    phone.emulate_media(media="print")
    _shot(phone, "sessions_9_shared_report_print")
