"""Signing in again keeps the link's filters: a deep link with filters, then the login ends
(logged out in the same tab, or the cookie expired and the page is reloaded), then the user
signs in again: the same page, with the same filters, as the link said (issue 14).

A dashboard process of this module's own, so that logging out (which revokes the user's
logins on the server) touches no other test's login cookie.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from analytics.demo import DemoServer
from tests.support.browser import (
    assert_no_error_shown,
    new_context,
    open_as,
    open_signed_out,
    sign_in,
    wait_until_settled,
)
from tests.support.dashboard import Account, served_dashboard

from .conftest import TZ

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACCOUNT = Account("rel", "rel-relogin-pw", "analyst")
LINK_FILTERS = {"range": "last-7-days", "type": "live", "tz": TZ, "compare": "off"}


@pytest.fixture(scope="module")
def app_url(demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_dashboard(
        demo_server, tmp_path_factory.mktemp("relogin"), [ACCOUNT], "e2e-relogin"
    ) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser, timezone=TZ)
    yield context.new_page()
    context.close()


def link(app_url: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in LINK_FILTERS.items())
    return f"{app_url}/breakdowns?{query}"


def params(page: Page) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}


def assert_the_links_view(page: Page) -> None:
    """The breakdowns page with the link's filters, in the URL and in the sidebar."""
    expect(page.get_by_role("heading", name="Breakdowns")).to_be_visible()
    wait_until_settled(page)
    assert urlsplit(page.url).path == "/breakdowns"
    assert LINK_FILTERS.items() <= params(page).items(), page.url
    sidebar = page.get_by_test_id("stSidebar")
    date_range = sidebar.get_by_role("combobox", name="Date range", exact=True)
    expect(date_range).to_have_value("Last 7 days")
    live = sidebar.get_by_role("radiogroup", name="Content").get_by_role("radio", name="Live")
    expect(live).to_be_checked()
    assert_no_error_shown(page)


@pytest.mark.xfail(
    strict=False,
    reason="known race, open: after a logout and a new sign-in the sidebar sometimes shows its "
    "first options while the URL and the figures follow the link (docs/testing.md)",
)
def test_logging_out_and_in_again_keeps_the_links_filters(page: Page, app_url: str) -> None:
    open_as(page, link(app_url), ACCOUNT.username, ACCOUNT.password)
    assert_the_links_view(page)

    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    page.get_by_label("Username", exact=True).wait_for()
    wait_until_settled(page)
    sign_in(page, ACCOUNT.username, ACCOUNT.password)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").wait_for()
    assert_the_links_view(page)


def test_an_expired_login_keeps_the_links_filters(page: Page, app_url: str) -> None:
    open_as(page, link(app_url), ACCOUNT.username, ACCOUNT.password)
    assert_the_links_view(page)

    page.context.clear_cookies()  # the login cookie expired; the tab is reloaded
    open_signed_out(page, page.url)
    sign_in(page, ACCOUNT.username, ACCOUNT.password)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").wait_for()
    assert_the_links_view(page)
