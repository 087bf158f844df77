"""Filters live in the URL: changing them updates it, and the copied link shows a colleague
(another browser profile, another timezone, signed in on their own) the same view.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import (
    assert_no_error_shown,
    checked_segment,
    choose_option,
    choose_segment,
    metric_tiles,
    new_context,
    open_signed_in,
    open_signed_out,
    selected_option,
    sign_in,
    table_as_csv,
    wait_until_settled,
)
from tests.support.dashboard import ANALYST

from .conftest import TZ

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def params(page: Page) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}


def view_of(page: Page) -> dict[str, object]:
    """What the user sees: the filters, the page's choices and the table's rows."""
    sidebar = page.get_by_test_id("stSidebar")
    return {
        "range": selected_option(page, "Date range", sidebar),
        "tz": selected_option(page, "Timezone", sidebar),
        "content": checked_segment(page, "Content", sidebar),
        "compare": selected_option(page, "Compare with", sidebar),
        "metric": selected_option(page, "Metric"),
        "by": selected_option(page, "By"),
        "caption": sidebar.get_by_text("(Europe/Berlin)").inner_text(),
        "rows": table_as_csv(page, page.get_by_test_id("stDataFrame")).rows,
    }


def test_changing_filters_updates_the_url_and_the_link_reproduces_the_view(
    analyst_page: Page, browser: Browser, dashboard_url: str
) -> None:
    page = analyst_page
    open_signed_in(page, dashboard_url)
    # A first visit takes the browser's timezone and the default range, and says so in the URL.
    assert params(page) == {"range": "last-28-days", "tz": TZ}

    sidebar = page.get_by_test_id("stSidebar")
    choose_option(page, "Date range", "Last 7 days", sidebar)
    choose_segment(page, "Content", "Live", sidebar)
    choose_option(page, "Compare with", "No comparison", sidebar)
    assert params(page) == {"range": "last-7-days", "tz": TZ, "type": "live", "compare": "off"}
    assert metric_tiles(page)["Total views"].delta is None  # no comparison any more

    page.get_by_test_id("stTopNav").get_by_role("link", name="Breakdowns").click()
    wait_until_settled(page)
    expect(page.get_by_role("heading", name="Breakdowns")).to_be_visible()
    choose_option(page, "Metric", "Unique devices")
    choose_option(page, "By", "Country")
    assert urlsplit(page.url).path == "/breakdowns"
    assert params(page) == {
        "range": "last-7-days",
        "tz": TZ,
        "type": "live",
        "compare": "off",
        "metric": "unique-devices",
        "by": "country",
    }
    assert_no_error_shown(page)
    link = page.url
    mine = view_of(page)

    # A colleague elsewhere opens the link: the login comes first, the link survives it.
    colleague = new_context(browser, timezone="America/New_York")
    try:
        other = colleague.new_page()
        open_signed_out(other, link)
        assert other.url == link
        sign_in(other, ANALYST.username, ANALYST.password)
        other.get_by_test_id("stDataFrame").wait_for()
        wait_until_settled(other)
        assert urlsplit(other.url).path == "/breakdowns"
        assert params(other) == params(page)
        content = other.get_by_test_id("stSidebar").get_by_role("radiogroup", name="Content")
        expect(content.get_by_role("radio", name="Live")).to_be_checked()
        assert view_of(other) == mine
        assert_no_error_shown(other)
    finally:
        colleague.close()
