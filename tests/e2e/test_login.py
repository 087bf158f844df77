"""Signing in and out in a real browser: wrong passwords are refused, links survive the login."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    assert_no_traceback,
    nav_links,
    open_as,
    open_signed_out,
    save_screenshot,
    selected_option,
    sign_in,
    wait_until_settled,
)
from tests.support.dashboard import ANALYST, LEAVER, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ALL_PAGES = [
    "Overview",
    "Breakdowns",
    "Peak viewers",
    "Content",
    "Live now",
    "Viewer lookup",
    "Views export",
]


def sidebar_logout(page: Page):
    return page.get_by_test_id("stSidebar").get_by_role("button", name="Log out")


def test_a_wrong_password_is_refused(page: Page, dashboard_url: str) -> None:
    open_signed_out(page, dashboard_url)
    save_screenshot(page, "login")
    sign_in(page, ANALYST.username, "not-the-password")
    expect(page.get_by_text("Username or password is incorrect.")).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    expect(sidebar_logout(page)).to_have_count(0)
    assert page.get_by_test_id("stMetric").count() == 0, "data shown without signing in"
    assert_no_traceback(page)


def test_the_right_password_lets_you_in_and_logout_signs_you_out(
    page: Page, dashboard_url: str
) -> None:
    # LEAVER: logging out ends every login of the user, the cookies other tests share too.
    open_as(page, dashboard_url, LEAVER.username, LEAVER.password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Signed in as")
    assert nav_links(page) == ALL_PAGES

    sidebar_logout(page).click()
    wait_until_settled(page)
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    assert page.get_by_test_id("stMetric").count() == 0

    # The login cookie is gone too: opening the app again asks for the password.
    page.goto(dashboard_url)
    page.get_by_label("Username", exact=True).wait_for()
    wait_until_settled(page)
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    expect(sidebar_logout(page)).to_have_count(0)


def test_signing_in_keeps_you_signed_in_across_a_reload(page: Page, dashboard_url: str) -> None:
    open_as(page, dashboard_url, ANALYST.username, ANALYST.password)
    page.reload()
    sidebar_logout(page).wait_for()
    wait_until_settled(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_a_link_to_a_page_survives_the_login(page: Page, dashboard_url: str) -> None:
    link = page_url(dashboard_url, "breakdowns", range="last-7-days", tz="UTC", by="device")
    open_signed_out(page, link)
    assert page.url == link

    sign_in(page, ANALYST.username, ANALYST.password)
    sidebar_logout(page).wait_for()
    wait_until_settled(page)
    expect(page.get_by_role("heading", name="Breakdowns")).to_be_visible()
    assert selected_option(page, "By") == "Device"
    sidebar = page.get_by_test_id("stSidebar")
    assert selected_option(page, "Date range", sidebar) == "Last 7 days"
    assert selected_option(page, "Timezone", sidebar) == "UTC"


def test_a_typed_overview_url_finds_the_overview(page: Page, dashboard_url: str) -> None:
    """The overview is served at /; /overview (as one would guess from /breakdowns) leads
    there too, signed out through the login, with its parameters kept."""
    open_signed_out(page, page_url(dashboard_url, "overview", range="last-7-days"))
    sign_in(page, ANALYST.username, ANALYST.password)
    sidebar_logout(page).wait_for()
    wait_until_settled(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    assert urlsplit(page.url).path == "/"
    assert parse_qs(urlsplit(page.url).query)["range"] == ["last-7-days"]
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert_no_traceback(page)
