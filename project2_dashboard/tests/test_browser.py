"""The page in headless Chromium against the real server: readings, chart, reconnecting."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import REPO_ROOT, StartProgram, StartUvicorn, find_free_port

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(90)]

APP = "project2_dashboard.main:app"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
FAST_ENV = {"DASHBOARD_INTERVAL": "0.1"}
WAIT_MS = 15_000

COUNT_ADDED_MESSAGES = """() => {
  window.addedMessages = 0;
  new MutationObserver((changes) => {
    for (const change of changes) window.addedMessages += change.addedNodes.length;
  }).observe(document.getElementById("messages"), { childList: true });
}"""

# Pixels of the chart's line colour (#2563eb): clearly blue, not grey grid or labels.
BLUE_PIXELS = """() => {
  const canvas = document.getElementById("chart");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let blue = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 200 && data[i + 2] > 180 && data[i] < 110) blue += 1;
  }
  return blue;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium; missing, it skips on a developer machine but fails in CI."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the browser tests, not skip them")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"the page raised JavaScript errors: {errors}"


def test_page_lists_readings_newest_first_and_draws_the_chart(
    start_uvicorn: StartUvicorn, page: Page
) -> None:
    server = start_uvicorn(APP, env=FAST_ENV)
    page.goto(server.http_url + "/")
    page.evaluate(COUNT_ADDED_MESSAGES)
    page.wait_for_function("window.addedMessages >= 25", timeout=WAIT_MS)

    assert page.get_attribute("#status", "data-state") == "live"
    assert page.locator("#messages li").count() == 20, "the list keeps the last 20 messages"
    newest = page.locator("#messages li").first.text_content() or ""
    shown = page.text_content("#value") or ""
    assert newest.count('"cpu_usage"') == 1, newest
    assert shown.removesuffix(" %") in newest, "the list is newest first, like the big value"
    assert page.evaluate(BLUE_PIXELS) > 200, "the chart's line should be drawn on the canvas"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


def test_page_reconnects_after_the_server_restarts(start_program: StartProgram, page: Page) -> None:
    port = find_free_port()
    command = [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", str(port)]
    first = start_program(*command, env=FAST_ENV, port=port)
    page.goto(f"http://127.0.0.1:{port}/")
    page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)

    first.stop()
    page.wait_for_selector("#status[data-state=reconnecting]", timeout=WAIT_MS)

    start_program(*command, env=FAST_ENV, port=port)
    page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)
    page.evaluate(COUNT_ADDED_MESSAGES)
    page.wait_for_function("window.addedMessages >= 3", timeout=WAIT_MS)


def test_loading_the_page_asks_the_server_for_no_favicon(
    start_uvicorn: StartUvicorn, page: Page
) -> None:
    # Without an icon of its own the browser fetches /favicon.ico, a 404 in the log every load.
    server = start_uvicorn(APP, env=FAST_ENV)
    page.goto(server.http_url + "/")
    page.evaluate(COUNT_ADDED_MESSAGES)
    page.wait_for_function("window.addedMessages >= 3", timeout=WAIT_MS)
    output = server.program.output()
    assert '"GET / HTTP/1.1" 200' in output, output
    assert "favicon.ico" not in output, f"the page must carry its own (empty) icon:\n{output}"
