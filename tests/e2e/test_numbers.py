"""The numbers a user reads and downloads are the API's: KPIs, tables and their CSV files.

The range is chosen explicitly in the URL (fourteen whole days ending yesterday, in the
browser's timezone), so the test asks the API the very same questions with `analytics.api`.
"""

from __future__ import annotations

from datetime import timedelta

import pycountry
import pytest
from playwright.sync_api import Page

from analytics.api import (
    AnalyticsClient,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
)
from tests.support.browser import (
    assert_no_error_shown,
    download,
    metric_tiles,
    open_signed_in,
    selected_option,
    table_as_csv,
)
from tests.support.dashboard import FixedRange, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KPIS = {
    "Total views": Metric.TOTAL_VIEWS,
    "Unique devices": Metric.UNIQUE_DEVICES,
    "Authenticated viewers": Metric.AUTHENTICATED_VIEWERS,
}


def total(api: AnalyticsClient, metric: Metric, days: FixedRange) -> int:
    frame = api.metric(MetricQuery(metric, days.time_range, tz=days.tz)).frame
    return int(frame["value"].sum())


def overall_peak(api: AnalyticsClient, days: FixedRange) -> int:
    # Hour buckets hold the highest minute of the hour, so their maximum is the minute peak.
    query = PeakQuery(days.time_range, PeakGranularity.HOUR, tz=days.tz)
    return int(api.peak_viewers(query).frame["value"].max())


def change(current: int, previous: int) -> str:
    """How the dashboard writes a change against the previous period."""
    return f"{(current - previous) / previous:+.1%}"


def test_overview_kpis_equal_the_api_numbers(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    page = analyst_page
    open_signed_in(page, page_url(dashboard_url, "", **fixed_range.params))
    sidebar = page.get_by_test_id("stSidebar")
    assert selected_option(page, "Date range", sidebar) == "Custom range"
    assert selected_option(page, "Timezone", sidebar) == fixed_range.tz
    assert_no_error_shown(page)

    tiles = metric_tiles(page)
    previous_range = fixed_range.previous()
    for label, metric in KPIS.items():
        current, previous = total(api, metric, fixed_range), total(api, metric, previous_range)
        assert current > 0, f"no {label.lower()} in the test data"
        assert tiles[label].number == current, label
        assert change(current, previous) in tiles[label].delta, label
    peak, previous_peak = overall_peak(api, fixed_range), overall_peak(api, previous_range)
    assert tiles["Peak concurrent viewers"].number == peak
    assert change(peak, previous_peak) in tiles["Peak concurrent viewers"].delta


def test_the_series_csv_holds_the_api_numbers_per_day(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    page = analyst_page
    open_signed_in(page, page_url(dashboard_url, "", **fixed_range.params))
    button = page.get_by_role("button", name="Download CSV").first  # "Total views" over time
    delivered = download(page, button)
    assert delivered.file_name == (
        f"overview_total-views_{fixed_range.first_day:%Y-%m-%d}_{fixed_range.last_day:%Y-%m-%d}.csv"
    )

    daily = api.metric(
        MetricQuery(Metric.TOTAL_VIEWS, fixed_range.time_range, Dimension.DAY, tz=fixed_range.tz)
    ).frame
    days = [fixed_range.first_day + timedelta(days=day) for day in range(fixed_range.days)]
    values = daily.sort_values("point")["value"].astype(int)
    expected = [(f"{day:%Y-%m-%d}", value) for day, value in zip(days, values, strict=True)]
    # Spreadsheet-ready: the day as a date, the headers in words.
    assert list(delivered.rows[0])[:2] == ["Day", "Total views"]
    shown = [(row["Day"], int(row["Total views"])) for row in delivered.rows]
    assert shown == expected


def test_a_downloaded_csv_has_the_rows_of_its_table(
    analyst_page: Page, dashboard_url: str, fixed_range: FixedRange, api: AnalyticsClient
) -> None:
    page = analyst_page
    url = page_url(dashboard_url, "breakdowns", **fixed_range.params, by="country")
    open_signed_in(page, url)
    assert_no_error_shown(page)
    table = page.get_by_test_id("stDataFrame")
    shown = table_as_csv(page, table).rows  # what the table holds, from its own toolbar
    delivered = download(
        page, page.get_by_test_id("stDownloadButton").filter(has_text="Download CSV")
    )
    assert delivered.file_name == (
        f"breakdowns_total-views-by-country_{fixed_range.first_day:%Y-%m-%d}_"
        f"{fixed_range.last_day:%Y-%m-%d}.csv"
    )
    rows = delivered.rows

    *shown, total = shown  # the table ends with its totals row; the file holds data rows only
    assert total["label"] == "Total"
    assert int(total["value"]) == sum(int(row["Total views"]) for row in rows)
    assert len(rows) == len(shown) > 5
    for table_row, csv_row in zip(shown, rows, strict=True):
        assert csv_row["Country code"] == table_row["point"]
        assert csv_row["Country"] == table_row["label"]
        assert int(csv_row["Total views"]) == int(table_row["value"])
        # A share of 0.4853 is written as the percentage 48.5.
        assert float(csv_row["Share (%)"]) == pytest.approx(
            float(table_row["share"]) * 100, abs=0.05
        )
        assert int(csv_row["Total views, previous period"] or 0) == int(
            table_row["previous_value"] or 0
        )

    # The map colours every country of the table (the API's ISO codes turned into Plotly's).
    countries = [row for row in rows if pycountry.countries.get(alpha_2=row["Country code"])]
    assert page.locator(".choroplethlayer path").count() == len(countries) > 0

    # ... and both are the API's answer for the same question.
    by_country = api.metric(
        MetricQuery(
            Metric.TOTAL_VIEWS, fixed_range.time_range, Dimension.COUNTRY, tz=fixed_range.tz
        )
    ).frame
    expected = dict(zip(by_country["point"], by_country["value"].astype(int), strict=True))
    assert {row["Country code"]: int(row["Total views"]) for row in rows} == expected
