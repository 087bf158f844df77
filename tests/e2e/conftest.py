"""Browser end-to-end fixtures: `streamlit run app.py` against the shared demo API, and Chromium.

- `dashboard_url` (session): one app process for the whole suite, configured as a deployment
  (client credentials of the demo server, a users file made with `add-user`, a cookie key).
- `browser` (package): headless Chromium; `context`/`page`: a fresh profile per test, in the
  suite's timezone, so every test signs in on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from analytics.api import AnalyticsClient
from analytics.demo import DemoServer, DemoSettings, start_demo_server
from tests.support.browser import (  # noqa: F401 (chromium_browser: the browser fixture)
    FAILURES,
    PageErrors,
    chromium_browser,
    new_context,
    open_as,
    save_screenshot,
)
from tests.support.dashboard import (
    ANALYST,
    LEAVER,
    VIEWER,
    FixedRange,
    add_users,
    dashboard_env,
    direct_client,
)
from tests.support.servers import REPO_ROOT, require_binary, streamlit_app

TZ = "Europe/Berlin"
LOGS = REPO_ROOT / "test-artifacts" / "logs"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="session")
def demo_server(demo_settings_factory: Callable[..., DemoSettings]) -> Iterator[DemoServer]:
    """The browser suite's own demo API (test-sized like the shared one, which the other suites
    have used for minutes before this one starts): the browser tests start from a fresh one."""
    server = start_demo_server(demo_settings_factory())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Analysts (one who signs out) and a plain viewer, added with `python -m analytics
    add-user`."""
    path = tmp_path_factory.mktemp("e2e-users") / "users.yaml"
    add_users(path, [ANALYST, LEAVER, VIEWER])
    return path


@pytest.fixture(scope="session")
def dashboard_url(
    demo_server: DemoServer, users_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The dashboard on a free loopback port, reading the shared demo API."""
    require_binary("chromium", "apt-get install chromium")  # no app without a browser to test it
    LOGS.mkdir(parents=True, exist_ok=True)
    env = dashboard_env(
        demo_server,
        tmp_path_factory.mktemp("e2e-http-cache"),
        users_file,
        DASHBOARD_MAX_FAILED_LOGINS="20",
    )
    with streamlit_app(env, LOGS / "e2e-app.log") as url:
        yield url


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser, timezone=TZ)
    yield context
    context.close()


@pytest.fixture(scope="package")
def analyst_cookies(browser: Browser, dashboard_url: str) -> list:
    """The login cookie of the analyst, signed in once through the form."""
    context = new_context(browser, timezone=TZ)
    open_as(context.new_page(), dashboard_url, ANALYST.username, ANALYST.password)
    cookies = context.cookies()
    context.close()
    return cookies


@pytest.fixture
def analyst_page(
    browser: Browser, analyst_cookies: list, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh profile holding the analyst's login cookie (as after "remember me")."""
    context = new_context(browser, timezone=TZ)
    context.add_cookies(analyst_cookies)
    page = context.new_page()
    errors = PageErrors(page)
    yield page
    screenshot_if_failed(request, page)
    context.close()
    assert not errors.messages, f"JavaScript errors in the page: {errors.messages}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test item, so fixtures can tell that a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def screenshot_if_failed(request: pytest.FixtureRequest, page: Page) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        save_screenshot(page, request.node.name, FAILURES)


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page whose uncaught JavaScript errors fail the test (photographed if the test fails)."""
    page = context.new_page()
    errors = PageErrors(page)
    yield page
    screenshot_if_failed(request, page)
    assert not errors.messages, f"JavaScript errors in the page: {errors.messages}"


@pytest.fixture(scope="session")
def api(demo_server: DemoServer) -> Iterator[AnalyticsClient]:
    """The API module talking to the same demo server, uncached: the numbers to expect."""
    with direct_client(demo_server) as client:
        yield client


@pytest.fixture(scope="session")
def fixed_range() -> FixedRange:
    """Fourteen whole days ending yesterday in the suite's timezone (the data is settled)."""
    return FixedRange.ending_yesterday(14, TZ)
