"""The Content page in the browser: at least ten contents by title with their figures, the chart
and the CSV, photographed for the README."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from analytics.api import AnalyticsClient, PeakGranularity, PeakSummaryQuery, ViewerSecondsQuery
from tests.support.browser import (
    assert_no_error_shown,
    assert_no_id_labels,
    download,
    metric_tiles,
    open_signed_in,
    save_screenshot,
    table_as_csv,
    wait_until_settled,
)
from tests.support.dashboard import FixedRange, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ID_LABEL = re.compile(r"^(Channel|Video) [0-9]+$")


def test_content_ranks_contents_by_title(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    page = analyst_page
    open_signed_in(page, page_url(dashboard_url, "content", **fixed_range.params))
    expect(page.get_by_role("heading", name="Content", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(1)
    assert_no_error_shown(page)

    watched = api.viewer_seconds(
        ViewerSecondsQuery(fixed_range.time_range, PeakGranularity.MONTH, tz=fixed_range.tz)
    ).frame
    by_content = watched.groupby(["content_type", "content_id"])["value"].sum()
    top = by_content.sort_values(ascending=False).head(10)
    catalogue = api.catalogue()

    csv_button = page.get_by_test_id("stDownloadButton").get_by_role("button", name="Download CSV")
    csv = download(page, csv_button)
    rows = csv.rows
    assert len(rows) == 10
    assert list(rows[0])[:4] == ["rank", "title", "content_id", "content_type"]
    for row, ((kind, ident), seconds) in zip(rows, top.items(), strict=True):
        assert (row["content_type"], int(row["content_id"])) == (kind, ident)
        assert row["title"] == catalogue.title(kind, ident)
        assert not ID_LABEL.match(row["title"])
        assert int(row["Watch time (seconds)"]) == seconds
        for figure in ("Total views", "Unique devices", "Peak concurrent viewers"):
            assert int(row[figure]) > 0

    shown = table_as_csv(page, page.get_by_test_id("stDataFrame")).text
    for row in rows:
        assert row["title"] in shown
    assert not re.search(r"\b(Channel|Video) [0-9]{5,}\b", shown)
    assert_no_id_labels(page)
    save_screenshot(page, "content")


def test_selecting_a_row_opens_that_content(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    page = analyst_page
    open_signed_in(page, page_url(dashboard_url, "content", **fixed_range.params))
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_have_count(1)
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the first row's selection box
    expect(page.get_by_role("button", name="All contents")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]id=[0-9]+"))
    wait_until_settled(page)
    tiles = metric_tiles(page)
    assert {"Total views", "Watch time", "Peak concurrent viewers", "Peak reached"} <= set(tiles)
    for heading in ("Over time, by day", "Around the peak, by minute", "Countries and devices"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert_no_error_shown(page)
    save_screenshot(page, "content-one")


def top_by_watch_time(api: AnalyticsClient, fixed_range: FixedRange, kind: str) -> int:
    watched = api.viewer_seconds(
        ViewerSecondsQuery(
            fixed_range.time_range, PeakGranularity.MONTH, content_type=kind, tz=fixed_range.tz
        )
    ).frame
    return int(watched.groupby("content_id")["value"].sum().idxmax())


def test_a_videos_retention_curve_and_a_channels_peak_minute(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    """One browser session, two content pages: a recorded video, then a live channel."""
    page = analyst_page
    video = top_by_watch_time(api, fixed_range, "recorded")
    open_signed_in(page, page_url(dashboard_url, "content", id=str(video), **fixed_range.params))
    expect(page.get_by_role("heading", name="Audience retention")).to_be_visible()
    retention = page.get_by_test_id("stPlotlyChart").filter(has_text="Biggest drop")
    expect(retention).to_have_count(1)
    expect(retention).to_contain_text("Position in the video")
    expect(page.get_by_text(re.compile(r"^Based on [0-9,]+ views"))).to_be_visible()
    assert "Peak minute" not in metric_tiles(page)  # no live card for a video
    assert_no_error_shown(page)
    assert_no_id_labels(page)
    save_screenshot(page, "content-retention")

    channel = top_by_watch_time(api, fixed_range, "live")
    summary = api.peak_summary(
        PeakSummaryQuery(fixed_range.time_range, "live", channel, tz=fixed_range.tz)
    ).frame
    minute = summary["time"].iloc[0]
    open_signed_in(page, page_url(dashboard_url, "content", id=str(channel), **fixed_range.params))
    expect(page.get_by_role("heading", name="Audience retention")).to_have_count(0)
    card = page.locator(".st-key-live-event")
    expect(card).to_contain_text("Peak minute")
    tiles = metric_tiles(page)
    assert tiles["Peak minute"].value == f"{minute:%d %b, %H:%M}"
    assert {"Started", "Ended", "Views"} <= set(tiles)
    minutes = page.get_by_test_id("stPlotlyChart").filter(has_text="Peak ")
    expect(minutes.first).to_contain_text(f"{minute:%H:%M}")
    assert_no_error_shown(page)
    assert_no_id_labels(page)
    save_screenshot(page, "content-live")
