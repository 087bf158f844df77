"""Viewer lookup and views export show viewer identifiers: a user without the analyst (or admin)
role gets neither in the navigation, nor by typing their URL, signed in or not.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    assert_no_traceback,
    nav_links,
    open_as,
    open_signed_in,
    open_signed_out,
    save_screenshot,
    sign_in,
    wait_until_settled,
)
from tests.support.dashboard import VIEWER, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PERSONAL_PAGES = {"viewer-lookup": "Viewer lookup", "views-export": "Views export"}
NOT_AVAILABLE = "available to users with the analyst or admin role only"


def assert_locked(page: Page, title: str) -> None:
    expect(page.get_by_text(NOT_AVAILABLE)).to_be_visible()
    # Nothing of the page itself: no search, no table, no export, no identifiers.
    assert page.get_by_role("textbox", name="Viewer identifier contains").count() == 0
    assert page.get_by_test_id("stDataFrame").count() == 0
    assert page.get_by_test_id("stDownloadButton").count() == 0
    assert page.get_by_role("button", name="Search").count() == 0
    assert "@example" not in page.locator("body").inner_text()
    assert page.get_by_role("heading", name=title).count() <= 1
    assert_no_traceback(page)


def test_a_viewer_sees_only_the_aggregate_pages(page: Page, dashboard_url: str) -> None:
    open_as(page, dashboard_url, VIEWER.username, VIEWER.password)
    assert nav_links(page) == ["Overview", "Breakdowns", "Peak viewers", "Content", "Live now"]
    expect(page.get_by_test_id("stSidebar")).to_contain_text("(viewer)")


@pytest.mark.parametrize("path", list(PERSONAL_PAGES))
def test_a_viewer_cannot_open_personal_pages_by_url(
    page: Page, dashboard_url: str, path: str
) -> None:
    open_as(page, dashboard_url, VIEWER.username, VIEWER.password)
    open_signed_in(page, page_url(dashboard_url, path, range="last-7-days"))
    assert_locked(page, PERSONAL_PAGES[path])
    assert PERSONAL_PAGES[path] not in nav_links(page)
    if path == "viewer-lookup":
        save_screenshot(page, "not-available-for-viewers")


def test_a_link_to_a_personal_page_stays_locked_after_a_viewer_signs_in(
    page: Page, dashboard_url: str
) -> None:
    open_signed_out(page, page_url(dashboard_url, "views-export", range="last-7-days"))
    sign_in(page, VIEWER.username, VIEWER.password)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").wait_for()
    wait_until_settled(page)
    assert_locked(page, PERSONAL_PAGES["views-export"])
