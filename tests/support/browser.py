"""Drive the dashboard in headless Chromium (Debian's /usr/bin/chromium) through Playwright.

`browser` is a package-scoped fixture (import `chromium_browser` into a suite's conftest): only
one sync Playwright may run per process, and packages run one after another, so each suite
starts and stops its own. The helpers read a Streamlit page the way a user sees it (labels,
roles and Streamlit's data-testid attributes) and wait for the app to finish its script runs.
"""

from __future__ import annotations

import csv
import io
import re
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, sync_playwright
from playwright.sync_api import Download as PlaywrightDownload
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.diagnostics import FAILURES, hang_report
from tests.support.servers import REPO_ROOT, require_binary

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm; twenty tabs need more
]
VIEWPORT = {"width": 1400, "height": 1000}
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
# Streamlit's dataframe toolbar saves "Download as CSV" through the File System Access API; a
# refusing picker makes it fall back to an ordinary download that Playwright can catch.
NO_SAVE_PICKER = (
    "window.showSaveFilePicker = () => Promise.reject(new Error('no file picker in tests'));"
)
SETTLE_TIMEOUT_MS = 90_000
# After signing in, an app's first page may be its first page at all (cold modules and caches).
FIRST_PAGE_TIMEOUT_MS = 120_000
ELSEWHERE = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")


@pytest.fixture(scope="package", name="browser")
def chromium_browser() -> Iterator[Browser]:
    """The `browser` fixture: headless Debian Chromium; skipped outside CI when not installed."""
    executable = require_binary("chromium", "apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


def new_context(
    browser: Browser, timezone: str = "Europe/Berlin", viewport: dict | None = None
) -> BrowserContext:
    """A fresh browser profile (no cookies) in `timezone`, downloads allowed, offline."""
    context = browser.new_context(
        timezone_id=timezone,
        locale="en-US",
        viewport=viewport or VIEWPORT,
        accept_downloads=True,
    )
    context.add_init_script(NO_SAVE_PICKER)
    # Offline like CI: anything beyond this machine (a CDN, fonts, telemetry) must not be needed.
    context.route(ELSEWHERE, lambda route: route.abort("internetdisconnected"))
    context.set_default_timeout(30_000)
    return context


class PageErrors:
    """Uncaught JavaScript errors of a page (a broken frontend shows up here)."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("pageerror", lambda error: self.messages.append(str(error)))


# --- waiting -----------------------------------------------------------------------------------

_BUSY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return true;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return true;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return true;
  const pending = '[data-stale="true"], [data-testid="stSpinner"], [data-testid="stSkeleton"]';
  return document.querySelector(pending) !== null;
}"""


def wait_until_settled(page: Page, timeout_ms: int = SETTLE_TIMEOUT_MS) -> None:
    """Wait until no script run is going on and nothing on screen is stale, spinning or a
    placeholder (Streamlit draws skeletons until an element's content has arrived).

    A run can trigger another (login cookie, query parameters), so the quiet state must last
    a moment before it counts.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        busy = page.evaluate(_BUSY_JS)
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= 0.6:
            return
        page.wait_for_timeout(100)
    state = page.evaluate(_BUSY_STATE_JS)
    FAILURES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FAILURES / f"still-busy-{int(time.time())}.png"), full_page=True)
    raise TimeoutError(
        f"the app was still busy after {timeout_ms / 1000:.0f} s at {page.url}: {state}\n"
        f"{hang_report(page.url)}"
    )


# What kept a page busy (for the message of a timeout): the run, the connection, and what is
# still stale, spinning or a placeholder.
_BUSY_STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const texts = (selector) => Array.from(document.querySelectorAll(selector))
    .map((e) => (e.innerText || e.getAttribute('data-testid') || '').slice(0, 80));
  return JSON.stringify({
    script: app && app.getAttribute('data-test-script-state'),
    connection: app && app.getAttribute('data-test-connection-state'),
    stale: texts('[data-stale="true"]').slice(0, 5),
    spinners: texts('[data-testid="stSpinner"]'),
    skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
  });
}"""


# --- signing in --------------------------------------------------------------------------------


def open_signed_out(page: Page, url: str) -> None:
    """Open `url` in a profile that is not signed in and wait for the login form."""
    page.goto(url)
    page.get_by_label("Username", exact=True).wait_for()
    wait_until_settled(page)


def sign_in(page: Page, username: str, password: str) -> None:
    """Fill in and submit the login form that is on screen, and wait for the first page.

    A first page that never settles is reported (a PageHangWarning with what the app's threads
    were doing, in the run's warnings), then reloaded once, as a user would.
    """
    _submit_login(page, username, password)
    try:
        wait_until_settled(page, FIRST_PAGE_TIMEOUT_MS)
    except TimeoutError as hang:
        warnings.warn(PageHangWarning(str(hang)), stacklevel=2)
        page.reload()
        login_form = page.get_by_label("Username", exact=True)
        login_form.or_(page.get_by_role("button", name="Log out")).first.wait_for()
        if login_form.count():
            _submit_login(page, username, password)
        wait_until_settled(page, FIRST_PAGE_TIMEOUT_MS)


class PageHangWarning(UserWarning):
    """A page stayed busy past its timeout (the message says what the app was doing)."""


def _submit_login(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_as(page: Page, url: str, username: str, password: str) -> None:
    """Open `url`, sign in on the login page it shows, and wait for the page to render."""
    open_signed_out(page, url)
    sign_in(page, username, password)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").wait_for()
    wait_until_settled(page)


def open_signed_in(page: Page, url: str) -> None:
    """Open `url` in a profile holding a login cookie and wait for the page to render."""
    page.goto(url)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").wait_for()
    wait_until_settled(page)


# --- reading the page --------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricTile:
    label: str
    value: str
    delta: str | None

    @property
    def number(self) -> int:
        """The value as a whole number ("12,345" -> 12345)."""
        return int(self.value.replace(",", ""))


def metric_tiles(page: Page) -> dict[str, MetricTile]:
    """The st.metric tiles of the page, by label."""
    tiles = {}
    for tile in page.get_by_test_id("stMetric").all():
        label = tile.get_by_test_id("stMetricLabel").inner_text().strip()
        value = tile.get_by_test_id("stMetricValue").inner_text().strip()
        delta_box = tile.get_by_test_id("stMetricDelta")
        delta = delta_box.inner_text().strip() if delta_box.count() else None
        tiles[label] = MetricTile(label, value, delta)
    return tiles


def main_text(page: Page) -> str:
    return page.locator("body").inner_text()


def assert_no_error_shown(page: Page) -> None:
    """No exception box, no traceback text and no error alert anywhere on the page."""
    assert page.get_by_test_id("stException").count() == 0, "an exception is shown"
    text = main_text(page)
    assert "Traceback" not in text, "a traceback is shown"
    errors = page.get_by_test_id("stAlertContentError")
    assert errors.count() == 0, f"error alerts: {errors.all_inner_texts()}"


ID_LABEL = re.compile(r"\b(Channel|Video) [0-9]+\b")
_SVG_TEXT = "Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join('\\n')"


def assert_no_id_labels(page: Page, *tables: Locator) -> None:
    """Contents are named by their titles: no "Channel 123" / "Video 123" in the page's text,
    its charts (legends, axes, annotations) or the given tables (read through their CSV)."""
    shown = [main_text(page), page.evaluate(_SVG_TEXT)]
    shown += [table_as_csv(page, table).text for table in tables]
    found = sorted({match.group(0) for text in shown for match in ID_LABEL.finditer(text)})
    assert not found, f"contents shown by id instead of title: {found[:5]}"


def assert_no_traceback(page: Page) -> None:
    """No exception box and no traceback text (errors shown as messages are allowed)."""
    assert page.get_by_test_id("stException").count() == 0, "an exception is shown"
    assert "Traceback" not in main_text(page), "a traceback is shown"
    assert 'File "' not in main_text(page), "a stack frame is shown"


def nav_links(page: Page) -> list[str]:
    """The page names in the top navigation (the last line: icons render as text first)."""
    texts = page.get_by_test_id("stTopNavLink").all_inner_texts()
    return [text.strip().splitlines()[-1] for text in texts if text.strip()]


# --- widgets -----------------------------------------------------------------------------------


def choose_option(page: Page, label: str, option: str, scope: Locator | None = None) -> None:
    """Pick `option` in the selectbox labelled `label` and wait for the rerun."""
    root = scope or page
    root.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_settled(page)


def selected_option(page: Page, label: str, scope: Locator | None = None) -> str:
    root = scope or page
    return root.get_by_role("combobox", name=label, exact=True).input_value()


def choose_segment(page: Page, group: str, option: str, scope: Locator | None = None) -> None:
    """Press `option` in the segmented control labelled `group` and wait for the rerun."""
    root = scope or page
    root.get_by_role("radiogroup", name=group).get_by_role("radio", name=option).click()
    wait_until_settled(page)


def checked_segment(page: Page, group: str, scope: Locator | None = None) -> str | None:
    root = scope or page
    radios = root.get_by_role("radiogroup", name=group).get_by_role("radio", checked=True)
    return radios.inner_text().strip() if radios.count() else None


# --- downloads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    file_name: str
    text: str

    @property
    def rows(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.text)))


def download(page: Page, button: Locator) -> Download:
    """Click a download button and return the file it delivers."""
    with page.expect_download() as event:
        button.click()
    return _delivered(event.value)


def _delivered(delivered: PlaywrightDownload) -> Download:
    text = Path(delivered.path()).read_text(encoding="utf-8")
    return Download(delivered.suggested_filename, text)


def table_as_csv(page: Page, table: Locator) -> Download:
    """What a dataframe holds, through its own toolbar's "Download as CSV" (raw cell values).

    The toolbar floats over the grid's top edge and appears on hover. While the page above is
    still laying out (a map drawing, say), the grid's scroller or the map can sit where the
    pointer clicks, so a pointer click is tried a few times and the button's own click event is
    the last resort: what is checked here is the table, not the pointer.
    """
    button = table.get_by_role("button", name="Download as CSV")
    for _ in range(3):
        table.scroll_into_view_if_needed()
        table.hover()
        try:
            with page.expect_download(timeout=10_000) as event:
                button.click(timeout=5_000)
            return _delivered(event.value)
        except PlaywrightTimeoutError:
            page.wait_for_timeout(500)
    with page.expect_download() as event:
        button.dispatch_event("click")
    return _delivered(event.value)


# --- screenshots -------------------------------------------------------------------------------


def save_screenshot(page: Page, name: str, directory: Path = SCREENSHOTS) -> Path:
    """A screenshot of the whole page (Streamlit scrolls inside its main area, so the viewport
    is stretched to the content first) as DIRECTORY/NAME.png (test-artifacts/screenshots/)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower()).strip('-')}.png"
    height = page.evaluate(
        """() => {
          const main = document.querySelector('[data-testid="stMain"]');
          const sidebar = document.querySelector('[data-testid="stSidebarContent"]');
          return Math.max(main ? main.scrollHeight : 0, sidebar ? sidebar.scrollHeight : 0);
        }"""
    )
    original = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": original["width"], "height": max(original["height"], height)})
    try:
        page.wait_for_timeout(500)  # let charts re-lay out to the new size
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(original)
    return path
