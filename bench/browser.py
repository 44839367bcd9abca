"""Timing a vis-network page in headless Chromium: when is the picture still?

Debian's ``chromium`` is driven through the ``playwright`` package (no browser
is downloaded). Every page is opened from a local ``file://`` path in an
offline browser context that also aborts any request to another host, so a
page that tries to load something from a CDN is measured as it would behave
on a closed network, and nothing leaves this machine.

How "still" is detected: a script injected before the page's own scripts
catches the moment pyvis's template assigns the global ``network``, and
listens for its first ``afterDrawing`` event. From then on it reads every
node's position each 200 ms; the picture is still once no node has moved by
more than half a pixel for one second. The time reported is when the last
movement was seen (or the first drawing, if nothing ever moved), measured
from the start of navigation (``performance.now()``), so it includes reading
and parsing the HTML.
"""

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

PROBE = """
(() => {
  const state = {firstDrawAt: null, lastMoveAt: null, stillAt: null, samples: 0};
  window.__still = state;
  let current = undefined;
  const positions = () => current.getPositions();
  const watch = () => {
    let previous = positions();
    let quietSince = performance.now();
    state.lastMoveAt = state.firstDrawAt;
    const tick = () => {
      const now = performance.now();
      const seen = positions();
      let moved = false;
      for (const id in seen) {
        const a = seen[id], b = previous[id];
        if (!b || Math.abs(a.x - b.x) > 0.5 || Math.abs(a.y - b.y) > 0.5) {
          moved = true;
          break;
        }
      }
      state.samples += 1;
      if (moved) {
        state.lastMoveAt = now;
        quietSince = now;
        previous = seen;
      } else if (now - quietSince >= 1000) {
        state.stillAt = state.lastMoveAt;
        return;
      }
      setTimeout(tick, 200);
    };
    setTimeout(tick, 200);
  };
  Object.defineProperty(window, "network", {
    configurable: true,
    get() { return current; },
    set(value) {
      current = value;
      if (value && typeof value.on === "function") {
        value.on("afterDrawing", () => {
          if (state.firstDrawAt === null) {
            state.firstDrawAt = performance.now();
            watch();
          }
        });
      }
    },
  });
})();
"""


@dataclass
class Stillness:
    """When a page's picture stopped moving, or that it did not within the cap."""

    seconds: float  # the cap when it never settled
    settled: bool
    first_draw: float | None  # seconds, None if never drawn
    blocked: list[str] = field(default_factory=list)  # requests to other hosts
    errors: list[str] = field(default_factory=list)  # script errors on the page


@contextlib.contextmanager
def chromium() -> Iterator:
    """Headless Debian Chromium (playwright ``Browser``), closed afterwards."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"Chromium is missing at {CHROMIUM}: install Debian's chromium package "
            "(sh scripts/ensure-chromium.sh); no browser is downloaded."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def time_until_still(browser, html_file: Path, cap_seconds: float) -> Stillness:
    """Open ``html_file`` and wait, at most ``cap_seconds``, until it is still."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
    blocked: list[str] = []
    errors: list[str] = []

    def keep_local(route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", keep_local)
    context.add_init_script(PROBE)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    started = time.monotonic()
    state = None
    try:
        page.goto(
            Path(html_file).resolve().as_uri(),
            wait_until="commit",
            timeout=cap_seconds * 1000,
        )
        left = cap_seconds - (time.monotonic() - started)
        page.wait_for_function(
            "() => window.__still && window.__still.stillAt !== null",
            timeout=max(left, 0.001) * 1000,
            polling=250,
        )
        state = page.evaluate("() => window.__still")
    except PlaywrightTimeout:
        logger.info("%s: not still after %.0f s", html_file, cap_seconds)
        with contextlib.suppress(Exception):
            state = page.evaluate("() => window.__still", timeout=2000)
    finally:
        with contextlib.suppress(Exception):
            context.close()
    first = state.get("firstDrawAt") if state else None
    still = state.get("stillAt") if state else None
    first_draw = None if first is None else first / 1000
    if still is None or still / 1000 > cap_seconds:
        return Stillness(cap_seconds, False, first_draw, blocked, errors)
    return Stillness(still / 1000, True, first_draw, blocked, errors)
