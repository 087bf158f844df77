"""Every page renders in the browser without an error, shows the API's numbers, and is
photographed for the README (test-artifacts/screenshots/, copied to docs/screenshots/).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from analytics.api import AnalyticsClient, PeakGranularity, PeakQuery, ViewersQuery, ViewsQuery
from tests.support.browser import (
    assert_no_error_shown,
    assert_no_id_labels,
    download,
    metric_tiles,
    open_signed_in,
    save_screenshot,
    wait_until_settled,
)
from tests.support.dashboard import FixedRange, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_overview(analyst_page: Page, dashboard_url: str, fixed_range: FixedRange) -> None:
    page = analyst_page
    open_signed_in(page, page_url(dashboard_url, "", **fixed_range.params))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    assert set(metric_tiles(page)) >= {
        "Total views",
        "Unique devices",
        "Authenticated viewers",
        "Peak concurrent viewers",
    }
    expect(page.get_by_role("heading", name="Live vs recorded")).to_be_visible()
    assert page.get_by_test_id("stPlotlyChart").count() >= 3  # two series and the split
    expect(page.get_by_text(re.compile(r"^Data fetched"))).to_be_visible()
    assert_no_error_shown(page)
    assert_no_id_labels(page)
    save_screenshot(page, "overview")


def test_breakdowns(analyst_page: Page, dashboard_url: str, fixed_range: FixedRange) -> None:
    page = analyst_page
    open_signed_in(page, page_url(dashboard_url, "breakdowns", **fixed_range.params, by="location"))
    expect(page.get_by_role("heading", name="Breakdowns")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(1)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1)
    csv_buttons = page.get_by_test_id("stDownloadButton").filter(has_text="Download CSV")
    expect(csv_buttons).to_have_count(1)
    # The world map is drawn from the app's own outline (no CDN: this browser is offline).
    expect(page.locator(".choroplethlayer path").first).to_be_attached()
    assert_no_error_shown(page)
    assert_no_id_labels(page)
    page.mouse.move(1390, 990)  # away from the chart (its toolbar) and the sidebar
    save_screenshot(page, "breakdowns")


def test_peak_viewers(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    page = analyst_page
    open_signed_in(page, page_url(dashboard_url, "peak-viewers", **fixed_range.params))
    expect(page.get_by_role("heading", name="Peak viewers")).to_be_visible()
    assert_no_error_shown(page)

    peaks = api.peak_viewers(
        PeakQuery(fixed_range.time_range, PeakGranularity.HOUR, tz=fixed_range.tz)
    ).frame
    tiles = metric_tiles(page)
    assert tiles["Overall peak concurrent viewers"].number == int(peaks["value"].max())
    contents = peaks[["content_type", "content_id"]].drop_duplicates()
    assert tiles["Contents with viewers"].number == len(contents)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(1)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1)
    assert_no_id_labels(page, page.get_by_test_id("stDataFrame"))
    save_screenshot(page, "peak-viewers")


def test_viewer_lookup(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    page = analyst_page
    open_signed_in(page, page_url(dashboard_url, "viewer-lookup", **fixed_range.params))
    expect(page.get_by_role("heading", name="Viewer lookup")).to_be_visible()
    page.get_by_role("textbox", name="Viewer identifier contains").fill("anna")
    page.get_by_role("button", name="Search").click()
    wait_until_settled(page)
    assert_no_error_shown(page)

    matches = api.viewers(
        ViewersQuery(fixed_range.time_range, viewer_identifier="anna", tz=fixed_range.tz)
    )
    assert matches.total_count > 0
    expect(page.get_by_text(f"{matches.total_count:,} matching viewers")).to_be_visible()

    # The first choice is the most recently active match; its history is drawn below.
    chosen = page.get_by_role("combobox", name="Viewer").input_value()
    assert chosen in set(matches.frame["viewer_identifier"])
    segments = matches.segments[matches.segments["viewer_identifier"] == chosen]
    tiles = metric_tiles(page)
    assert tiles["Views"].number == segments["view_session_id"].nunique()
    assert tiles["Contents"].number == len(
        segments[["content_type", "content_id"]].drop_duplicates()
    )
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)  # matches, segments
    assert_no_id_labels(page, page.get_by_test_id("stDataFrame").nth(1))
    save_screenshot(page, "viewer-lookup")


def test_views_export_downloads_every_segment(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    page = analyst_page
    url = page_url(dashboard_url, "views-export", **fixed_range.params, type="live")
    open_signed_in(page, url)
    expect(page.get_by_role("heading", name="Views export")).to_be_visible()
    assert_no_error_shown(page)

    expected = api.views(
        ViewsQuery(fixed_range.time_range, content_type="live", tz=fixed_range.tz)
    ).frame
    total = len(expected)
    assert total > 0
    expect(page.get_by_text(f"{total:,} plays (the API's view segments) match")).to_be_visible()

    page.get_by_role("button", name=f"Prepare the CSV of all {total:,} plays").click()
    wait_until_settled(page)
    button = page.get_by_role("button", name=f"Download CSV ({total:,} plays)")
    expect(button).to_be_visible()
    save_screenshot(page, "views-export")

    delivered = download(page, button)
    assert delivered.file_name == (
        f"views-export_segments_{fixed_range.first_day:%Y-%m-%d}_{fixed_range.last_day:%Y-%m-%d}.csv"
    )
    rows = delivered.rows
    assert len(rows) == total
    assert [row["view_id"] for row in rows] == [str(view_id) for view_id in expected["view_id"]]
    assert {row["content_type"] for row in rows} == {"live"}
    assert_no_error_shown(page)
