"""Calendar periods and comparisons in a browser: last week (Monday to Sunday) through the URL,
year-over-year naming last year's dates, and KPI tiles with the previous value beside a signed
change, on a wide screen and on a phone.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from analytics.dashboard.periods import Comparison, Preset, resolve_period
from tests.support.browser import (
    assert_no_error_shown,
    choose_option,
    metric_tiles,
    new_context,
    open_signed_in,
    selected_option,
)

from .conftest import TZ

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
SIGNED_CHANGE = re.compile(r"^([+-]\d+\.\d%|new|±0%)$")
# Texts wider than their box (an ellipsis shows only part of them).
CUT_TEXT_JS = """elements => elements.flatMap(e => [e, ...e.querySelectorAll('*')])
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


def params(page: Page) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}


def sidebar_text(page: Page) -> str:
    return page.get_by_test_id("stSidebar").inner_text()


def test_last_week_against_last_year_round_trips_through_the_url(
    analyst_page: Page, browser: Browser, dashboard_url: str, analyst_cookies: list
) -> None:
    page = analyst_page
    open_signed_in(page, dashboard_url)
    sidebar = page.get_by_test_id("stSidebar")
    choose_option(page, "Date range", "Last week", sidebar)
    choose_option(page, "Compare with", "Same period last year", sidebar)
    assert params(page) == {"range": "last-week", "tz": TZ, "compare": "year"}

    period = resolve_period(Preset.LAST_WEEK, TZ, comparison=Comparison.YEAR)
    assert period.start.weekday() == 0  # Monday ...
    assert period.last_day.weekday() == 6  # ... to Sunday
    text = sidebar_text(page)
    assert period.describe() in text
    assert f"Compared with {period.previous().describe()}" in text  # last year's dates
    assert_no_error_shown(page)

    # The link opens the same choice on a phone, for someone else.
    phone = new_context(browser, timezone=TZ, viewport=PHONE)
    try:
        phone.add_cookies(analyst_cookies)
        other = phone.new_page()
        open_signed_in(other, page.url)
        assert params(other) == params(page)
        other_sidebar = other.get_by_test_id("stSidebar")
        assert selected_option(other, "Date range", other_sidebar) == "Last week"
        assert selected_option(other, "Compare with", other_sidebar) == "Same period last year"
        tiles = metric_tiles(other)
        assert tiles["Total views"].delta is not None
        assert SIGNED_CHANGE.match(tiles["Total views"].delta)
        assert_no_error_shown(other)
    finally:
        phone.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 1400, "height": 1000}, PHONE], ids=["wide", "phone"]
)
def test_kpi_tiles_show_the_previous_value_beside_a_signed_change(
    browser: Browser, dashboard_url: str, analyst_cookies: list, viewport: dict
) -> None:
    context = new_context(browser, timezone=TZ, viewport=viewport)
    try:
        context.add_cookies(analyst_cookies)
        page = context.new_page()
        open_signed_in(page, f"{dashboard_url}/?range=last-week&tz={TZ}&compare=year")
        tiles = metric_tiles(page)
        total = tiles["Total views"]
        assert total.delta is not None
        assert SIGNED_CHANGE.match(total.delta)
        descriptions = page.get_by_test_id("stMetricDeltaDescription").all_inner_texts()
        assert descriptions
        # "vs … (12,345)": the comparison named, the previous value beside it, nothing cut.
        for description in descriptions:
            assert re.search(r"^vs .+ \([0-9,hms ]+\)$", description.strip()), description
        cut = page.get_by_test_id("stMetricDeltaDescription").evaluate_all(CUT_TEXT_JS)
        assert cut == [], f"cut off: {cut}"
        assert_no_error_shown(page)
    finally:
        context.close()
