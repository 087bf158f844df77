"""The dashboard on a phone (390×844): the filters start tucked away after sign-in, the page
fits the screen, and the map and tiles are readable (photographed for docs/dashboard.md)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import (
    PageErrors,
    assert_no_error_shown,
    new_context,
    open_signed_out,
    save_screenshot,
    sign_in,
    wait_until_settled,
)
from tests.support.dashboard import ANALYST, FixedRange, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_sidebar_starts_collapsed_and_the_page_fits(
    browser: Browser, dashboard_url: str, fixed_range: FixedRange
) -> None:
    context = new_context(browser, timezone=fixed_range.tz, viewport=PHONE)
    try:
        page = context.new_page()
        errors = PageErrors(page)
        url = page_url(dashboard_url, "breakdowns", **fixed_range.params, by="country")
        open_signed_out(page, url)
        sign_in(page, ANALYST.username, ANALYST.password)
        expect(page.get_by_role("heading", name="Breakdowns")).to_be_visible()
        page.get_by_test_id("stDataFrame").wait_for()
        wait_until_settled(page)
        assert_no_error_shown(page)

        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        # Nothing is wider than the screen (no sideways scrolling of the page).
        widest = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
        )
        assert widest <= PHONE["width"]
        chart = page.get_by_test_id("stPlotlyChart").first.bounding_box()
        assert chart is not None
        assert chart["width"] <= PHONE["width"]
        save_screenshot(page, "phone-breakdowns")

        # The table's key columns come first and fit the screen: the grid draws (and lists in
        # its accessible header) only the columns in view; the country code is scrolled to.
        table = page.get_by_test_id("stDataFrame")
        table.scroll_into_view_if_needed()
        table_box = table.bounding_box()
        assert table_box is not None
        assert table_box["width"] <= PHONE["width"]
        headers = table.locator("th").all_inner_texts()
        assert headers[:4] == ["Country", "Total views", "Share", "Change"]
        assert "Country code" not in headers  # off screen, after the key columns

        page.goto(page_url(dashboard_url, "", **fixed_range.params))
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        wait_until_settled(page)
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        assert_no_error_shown(page)
        save_screenshot(page, "phone-overview")
        assert not errors.messages
    finally:
        context.close()
