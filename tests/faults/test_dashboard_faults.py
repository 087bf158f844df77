"""The dashboard on a stumbling API (30 % of requests answered 429 or 503, tokens that expire
after 30 s) shows the same numbers as the fault-free API, on every page, across token renewals.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from analytics.api import (
    AnalyticsClient,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
)
from analytics.demo import DemoServer
from tests.support.browser import (
    assert_no_error_shown,
    metric_tiles,
    new_context,
    open_as,
    open_signed_in,
    table_as_csv,
    wait_until_settled,
)
from tests.support.dashboard import ADMIN, FixedRange, dashboard_env, direct_client, page_url
from tests.support.servers import require_binary, streamlit_app

from .conftest import LOGS, TOKEN_TTL

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TZ = "Europe/Berlin"
TOKEN_LOG = "Obtained an access token"
RETRY_LOG = re.compile(r"HTTP (429|503), retrying")


@pytest.fixture(scope="module")
def stumbling_dashboard(
    faulty_server: DemoServer, analyst_users_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The app reading the faulty demo API; yields its URL and its log file."""
    require_binary("chromium", "apt-get install chromium")
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / "faults-app.log"
    env = dashboard_env(faulty_server, tmp_path_factory.mktemp("faults-cache"), analyst_users_file)
    with streamlit_app(env, log) as url:
        yield url, log


@pytest.fixture(scope="module")
def reliable_api(demo_server: DemoServer) -> Iterator[AnalyticsClient]:
    with direct_client(demo_server) as client:
        yield client


def check_every_page(page: Page, base: str, days: FixedRange, api: AnalyticsClient) -> None:
    """Overview KPIs, the country table and the overall peak equal the fault-free API's."""
    open_signed_in(page, page_url(base, "", **days.params))
    assert_no_error_shown(page)
    tiles = metric_tiles(page)
    for label, metric in [
        ("Total views", Metric.TOTAL_VIEWS),
        ("Unique devices", Metric.UNIQUE_DEVICES),
        ("Authenticated viewers", Metric.AUTHENTICATED_VIEWERS),
    ]:
        frame = api.metric(MetricQuery(metric, days.time_range, tz=TZ)).frame
        assert tiles[label].number == int(frame["value"].sum()), label
    peaks = api.peak_viewers(PeakQuery(days.time_range, PeakGranularity.HOUR, tz=TZ)).frame
    assert tiles["Peak concurrent viewers"].number == int(peaks["value"].max())

    open_signed_in(page, page_url(base, "breakdowns", **days.params, by="country"))
    assert_no_error_shown(page)
    rows = table_as_csv(page, page.get_by_test_id("stDataFrame")).rows[:-1]  # less the totals
    by_country = api.metric(
        MetricQuery(Metric.TOTAL_VIEWS, days.time_range, Dimension.LOCATION, tz=TZ)
    ).frame
    assert {row["point"]: int(row["value"]) for row in rows} == dict(
        zip(by_country["point"], by_country["value"].astype(int), strict=True)
    )

    open_signed_in(page, page_url(base, "peak-viewers", **days.params))
    assert_no_error_shown(page)
    assert metric_tiles(page)["Overall peak concurrent viewers"].number == int(peaks["value"].max())


def test_pages_show_the_fault_free_numbers_across_token_renewals(
    browser: Browser, stumbling_dashboard: tuple[str, Path], reliable_api: AnalyticsClient
) -> None:
    base, log = stumbling_dashboard
    days = FixedRange.ending_yesterday(14, TZ)
    context = new_context(browser, timezone=TZ)
    try:
        page = context.new_page()
        open_as(page, page_url(base, "viewer-lookup"), ADMIN.username, ADMIN.password)
        started = time.monotonic()
        check_every_page(page, base, days, reliable_api)

        # Outlive the first access token, forget every cached answer (an admin's refresh also
        # empties the HTTP cache) and ask again.
        page.wait_for_timeout(max(0.0, TOKEN_TTL + 2 - (time.monotonic() - started)) * 1000)
        page.get_by_test_id("stSidebar").get_by_role("button", name="Refresh all data").click()
        wait_until_settled(page)
        check_every_page(page, base, days, reliable_api)
    finally:
        context.close()

    app_log = log.read_text()
    assert app_log.count(TOKEN_LOG) >= 2, "the access token was never renewed"
    assert RETRY_LOG.search(app_log), "the faulty API refused nothing, so nothing was retried"
    assert "Traceback" not in app_log
