"""Twenty people open the overview at the same moment: nobody sees an error, everybody sees the
API's numbers, and the API is asked each distinct question once (identical concurrent calls are
shared, not repeated).

The sessions are twenty tabs of one signed-in headless Chromium profile (each tab is its own
Streamlit session); all twenty navigations start before any is waited for. The demo API answers
after a delay, as the real one does, so the sessions' calls really overlap. Distinct questions
are counted as the entries the dashboard's HTTP cache holds afterwards: one per distinct request.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from analytics.api import Metric, MetricQuery, PeakGranularity, PeakQuery
from analytics.demo import DemoServer
from tests.support.browser import (
    PageErrors,
    assert_no_error_shown,
    metric_tiles,
    new_context,
    open_as,
    open_signed_in,
    wait_until_settled,
)
from tests.support.dashboard import (
    ADMIN,
    FixedRange,
    add_users,
    dashboard_env,
    direct_client,
    page_url,
)
from tests.support.servers import REPO_ROOT, require_binary, streamlit_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SESSIONS = 20
TZ = "Europe/Berlin"
LATENCY_MS = 300


def cached_requests(cache_dir: Path) -> int:
    """Distinct Analytics API requests answered into the HTTP cache (requests-cache's SQLite
    `responses`, stored as JSON). The Channel API's (titles, read in the background and
    possibly landing just after a refresh) are not the sessions' questions: left out."""
    total = 0
    for path in cache_dir.glob("*.sqlite"):
        with sqlite3.connect(path) as connection:
            for (value,) in connection.execute("SELECT value FROM responses"):
                text = value.decode() if isinstance(value, bytes) else value
                total += "/v1/" in urlsplit(json.loads(text)["url"]).path
    return total


def expected_kpis(server: DemoServer, days: FixedRange) -> dict[str, int]:
    with direct_client(server) as api:
        numbers = {
            label: int(api.metric(MetricQuery(metric, days.time_range, tz=TZ)).frame["value"].sum())
            for label, metric in [
                ("Total views", Metric.TOTAL_VIEWS),
                ("Unique devices", Metric.UNIQUE_DEVICES),
                ("Authenticated viewers", Metric.AUTHENTICATED_VIEWERS),
            ]
        }
        peaks = api.peak_viewers(PeakQuery(days.time_range, PeakGranularity.HOUR, tz=TZ))
        numbers["Peak concurrent viewers"] = int(peaks.frame["value"].max())
    return numbers


def shown_kpis(page: Page, labels: Iterable[str]) -> dict[str, int]:
    """The counted tiles (watch time and average duration are durations, not counts)."""
    tiles = metric_tiles(page)
    return {label: tiles[label].number for label in labels}


@pytest.mark.timeout(600)
def test_twenty_sessions_open_the_overview_at_once(
    browser: Browser, start_demo: Callable[..., DemoServer], tmp_path: Path
) -> None:
    require_binary("chromium", "apt-get install chromium")
    server = start_demo(segments=20_000, days=60, latency_ms=LATENCY_MS)
    users_file = tmp_path / "users.yaml"
    add_users(users_file, [ADMIN])
    cache_dir = tmp_path / "http-cache"
    logs = REPO_ROOT / "test-artifacts" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    days = FixedRange.ending_yesterday(28, TZ)
    expected = expected_kpis(server, days)

    with streamlit_app(dashboard_env(server, cache_dir, users_file), logs / "load-app.log") as base:
        context = new_context(browser, timezone=TZ, viewport={"width": 1000, "height": 700})
        try:
            # Sign in, then start from empty caches (an admin's "Refresh all data", on a page
            # asking nothing).
            first = context.new_page()
            lookup = page_url(base, "viewer-lookup")
            open_as(first, lookup, ADMIN.username, ADMIN.password)
            open_signed_in(first, lookup)
            first.get_by_test_id("stSidebar").get_by_role("button", name="Refresh all data").click()
            wait_until_settled(first)
            first.close()
            assert cached_requests(cache_dir) == 0
            server.reset_request_count()

            url = page_url(base, "", **days.params)
            pages = [context.new_page() for _ in range(SESSIONS)]
            errors = [PageErrors(page) for page in pages]
            for page in pages:  # start all twenty navigations before waiting for any
                page.evaluate("url => { window.location.href = url; }", url)
            for page, page_errors in zip(pages, errors, strict=True):
                page.get_by_test_id("stMetric").nth(3).wait_for(timeout=240_000)
                wait_until_settled(page)
                assert_no_error_shown(page)
                assert not page_errors.messages, page_errors.messages
                assert shown_kpis(page, expected) == expected
                page.close()  # leave the CPU to the sessions still loading
        finally:
            context.close()
        upstream = server.request_count()
        distinct = cached_requests(cache_dir)

    print(f"\n{SESSIONS} concurrent sessions: {upstream} upstream requests, {distinct} distinct")
    assert distinct > 0
    assert upstream <= distinct
