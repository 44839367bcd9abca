"""The real app in headless Chromium: each page loads, shows demo content,
and asks nothing of any host but the local server.

Starts `streamlit run app.py` on a free local port against a copy of the demo
workspace, drives Debian's chromium through playwright (no browser download),
and saves a full-page screenshot of each page under test-output/screenshots/.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from journeys import goals, metrics
from journeys.access import Actor, Role
from journeys.models import Goal
from journeys.workspace import Workspace
from tests.ui_workspace import build_template, copy_workspace

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Root on a closed network: no sandbox, no GPU, and no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SERVER_START_SECONDS = 60
TEXT_WAIT_MS = 60_000

# (url path, screenshot name, texts that must be shown, waited for in turn)
PAGES = (
    ("", "home", ["Joinedup", "Personas", "17", "Recent changes", "Added"]),
    ("personas", "personas", ["Ashleigh", "Access needs", "screen reader", "Wayne"]),
    ("journeys", "journeys", ["Learn to drive a car", "Stage 7:", "Owning agency"]),
    (
        "agency_graph",
        "agency_graph",
        ["Hand-offs per journey", "samaritans.org", "agencies a citizen meets"],
    ),
    (
        "goals_kpis",
        "goals_kpis",
        ["Shared goals at a glance", "Worst-moving KPIs first", "Off track"],
    ),
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"streamlit exited with {server.returncode}:\n{log.read_text()}"
            )
        with contextlib.suppress(urllib.error.URLError, ConnectionError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        time.sleep(0.3)
    pytest.fail(
        f"streamlit not healthy after {SERVER_START_SECONDS}s:\n{log.read_text()}"
    )


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


@contextlib.contextmanager
def _serving(folder: Path):
    """The app served on 127.0.0.1 at a free port, over a demo workspace copy."""
    template = build_template(folder / "template")
    database = copy_workspace(template, folder)
    with serving(database, folder / "streamlit.log") as url:
        yield url


@contextlib.contextmanager
def serving(database: Path, log: Path):
    """The app on 127.0.0.1 at a free port, over ``database``; stopped after."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, "JOINEDUP_DB": str(database)}
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(url, server, log)
        yield url
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    with _serving(tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless chromium, driven by playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install it with "
            "'apt-get install chromium' (or run 'sh scripts/ensure-chromium.sh'). "
            "The browser tests need it; playwright must not download a browser."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab that records every request it makes."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.requested_urls = []
    tab.on("request", lambda request: tab.requested_urls.append(request.url))
    tab.on("websocket", lambda socket: tab.requested_urls.append(socket.url))
    try:
        yield tab
    finally:
        context.close()


def _not_local(urls: list[str]) -> list[str]:
    outside = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.hostname not in LOCAL_HOSTS:
            outside.append(url)
    return outside


def _full_page_screenshot(page, name: str) -> Path:
    # Streamlit scrolls inside its main container, not the document: grow
    # the viewport to the content's height so the screenshot holds it all.
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('*')]"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": 1400, "height": min(max(height, 1000), 16000)})
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _wait_for_texts(page, texts: list[str]) -> str:
    """Wait until the main area shows each text and the script run has ended.

    Pages arrive in pieces while their script runs; Streamlit marks the app
    ``data-test-script-state="notRunning"`` once the run is over, and no
    element is left marked ``data-stale`` once the page is whole.
    """
    main = page.locator("[data-testid='stMain']")
    finished = page.locator(".stApp[data-test-script-state='notRunning']")
    try:
        for text in texts:
            shown = main.get_by_text(text).filter(visible=True)
            shown.first.wait_for(timeout=TEXT_WAIT_MS)
        finished.wait_for(timeout=TEXT_WAIT_MS)
        # Elements of the run before linger, marked stale, until the new run
        # has drawn its own; clicking one of them acts on nothing.
        page.wait_for_function(
            "() => !document.querySelector('[data-stale=\"true\"]')",
            timeout=TEXT_WAIT_MS,
        )
    except PlaywrightTimeout:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "failed.png"), full_page=True)
        raise
    page.wait_for_timeout(300)  # the last elements are drawn just after
    return main.inner_text()


@pytest.mark.parametrize(("url_path", "name", "texts"), PAGES)
def test_page_shows_demo_content_and_stays_local(
    server_url, page, url_path, name, texts
):
    page.goto(f"{server_url}/{url_path}")
    shown = _wait_for_texts(page, texts)

    assert "Traceback" not in shown
    assert page.locator("[data-testid='stException']").count() == 0
    assert _full_page_screenshot(page, name).stat().st_size > 10_000
    assert page.requested_urls, "no request was recorded"
    assert _not_local(page.requested_urls) == []


def test_viewer_role_survives_a_page_switch_and_is_refused(server_url, page):
    page.goto(f"{server_url}/personas")
    _wait_for_texts(page, ["Ashleigh"])
    role = page.get_by_role("combobox", name="Act as (demo)")
    role.click()
    page.get_by_role("option", name="Viewer (read only)").click()
    page.get_by_role("link", name="Home").click()
    _wait_for_texts(page, ["Recent changes"])
    page.get_by_role("link", name="Personas").click()
    _wait_for_texts(page, ["Ashleigh"])

    assert role.input_value() == "Viewer (read only)"
    page.get_by_text("Add persona", exact=True).first.click()
    name = page.get_by_label("Name", exact=True)
    name.fill("Nadia")
    name.press("Enter")  # submits the form, as a keyboard user would
    _wait_for_texts(page, ["demo viewer is a viewer and cannot add a persona"])
    _full_page_screenshot(page, "personas_viewer_refused")
    assert _not_local(page.requested_urls) == []


def test_a_deep_link_first_on_a_fresh_server_gets_the_app_navigation(tmp_path, page):
    # Streamlit runs a script from a folder named pages/ directly, without
    # app.py, when the first visitor asks for it by URL: wrong navigation,
    # no wide layout, and the helper module listed as a page.
    with _serving(tmp_path) as url:
        page.goto(f"{url}/goals_kpis")
        _wait_for_texts(page, ["KPI library"])
        navigation = page.locator("[data-testid='stSidebarNav']").inner_text()

    assert [line for line in navigation.splitlines() if line.strip()] == [
        "Home",
        "Personas",
        "Journeys",
        "Agency graph",
        "Goals & KPIs",
        "Consultations",
        "Improvements",
        "You said, we did",
    ]


def test_typed_markdown_images_are_shown_as_text_and_never_fetched(tmp_path, page):
    # A goal's title and description are typed by people; Markdown in them
    # must reach the screen as written, with nothing fetched from elsewhere.
    image = "![t](http://example.invalid/t.png)"
    database = copy_workspace(build_template(tmp_path / "template"), tmp_path)
    with Workspace.open(database) as ws:
        editor = Actor("demo editor", Role.EDITOR)
        kpi = metrics.kpi_id(ws, "user_satisfaction")
        goals.create_goal(
            ws,
            editor,
            Goal(f"Goal {image}", f"About {image} :red[RED]"),
            [goals.GoalKpi(kpi, 0.9)],
        )
    with serving(database, tmp_path / "streamlit.log") as url:
        page.goto(f"{url}/goals_kpis")
        shown = _wait_for_texts(page, ["Shared goals at a glance", f"Goal {image}"])
        pictures = page.locator("[data-testid='stMain'] img[src*='example.invalid']")
        assert pictures.count() == 0

    assert f"About {image} :red[RED]" in shown
    assert _not_local(page.requested_urls) == []


def test_agency_graph_picture_draws_offline(server_url, page):
    page.goto(f"{server_url}/agency_graph")
    _wait_for_texts(page, ["Hand-offs per journey"])
    picture = page.frame_locator("iframe").first.locator("canvas")
    picture.first.wait_for(timeout=TEXT_WAIT_MS)
    box = picture.first.bounding_box()
    assert box["width"] > 300 and box["height"] > 300
    assert _not_local(page.requested_urls) == []


def test_goals_journeys_section_shows_the_funnel_and_saves_charts_as_png(
    server_url, page
):
    page.goto(f"{server_url}/goals_kpis")
    _wait_for_texts(page, ["Shared goals at a glance"])
    main = page.locator("[data-testid='stMain']")
    # The section picker's radio, not the navigation link or a table heading.
    main.get_by_role("radiogroup").get_by_text("Journeys", exact=True).click()
    shown = _wait_for_texts(page, ["File an online tax return", "Stage to fix first"])
    # 250 of the 950 who reach document upload do not reach the next stage.
    assert "Stage to fix first: Document upload, where 26.3%" in shown
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for(timeout=TEXT_WAIT_MS)
    chart.hover()
    # The chart's toolbar appears on hover, a moment later on a loaded machine.
    download = page.get_by_role("button", name="Download as PNG").first
    download.wait_for(timeout=TEXT_WAIT_MS)
    assert download.is_visible()
    assert _not_local(page.requested_urls) == []
    assert _full_page_screenshot(page, "goals_kpis_journeys").stat().st_size > 10_000
