"""README's first command: `streamlit run app.py` with nothing configured runs on the built-in demo
API, and the login page tells you the demo account.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    assert_no_error_shown,
    metric_tiles,
    nav_links,
    open_signed_out,
    save_screenshot,
    sign_in,
    wait_until_settled,
)
from tests.support.dashboard import CREDENTIAL_VARIABLES
from tests.support.servers import require_binary, streamlit_app

from .conftest import LOGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def unconfigured_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with no credentials, no users and no cookie key (a small embedded demo API)."""
    require_binary("chromium", "apt-get install chromium")
    tmp = tmp_path_factory.mktemp("demo-mode")
    env: dict[str, str | None] = dict.fromkeys(CREDENTIAL_VARIABLES)
    env |= {
        "DASHBOARD_USERS_FILE": str(tmp / "no-users.yaml"),
        "DASHBOARD_COOKIE_KEY": None,
        "ANALYTICS_CACHE_DIR": str(tmp / "http-cache"),
        "ANALYTICS_DEMO_SEGMENTS": "20000",
        "ANALYTICS_DEMO_DAYS": "60",
        "ANALYTICS_DEMO_DATA_DIR": str(tmp / "demo-data"),
    }
    LOGS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(env, LOGS / "e2e-demo-mode-app.log") as url:
        yield url


def test_without_configuration_the_demo_account_opens_the_demo_data(
    page: Page, unconfigured_url: str
) -> None:
    open_signed_out(page, unconfigured_url)
    expect(page.get_by_text("Demo mode: no users are configured")).to_be_visible()
    save_screenshot(page, "login-demo-mode")

    sign_in(page, "demo", "demo")
    page.get_by_test_id("stMetric").first.wait_for()
    wait_until_settled(page)
    expect(
        page.get_by_text("Demo data: this dashboard is reading the built-in demo")
    ).to_be_visible()
    assert nav_links(page) == [
        "Overview",
        "Breakdowns",
        "Peak viewers",
        "Content",
        "Live now",
        "Viewer lookup",
        "Views export",
    ]
    tiles = metric_tiles(page)
    assert tiles["Total views"].number > 0
    assert tiles["Peak concurrent viewers"].number > 0
    assert_no_error_shown(page)
