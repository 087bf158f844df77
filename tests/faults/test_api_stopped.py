"""With the API stopped, what was seen before is shown again marked stale, anything else is a
clear error, and no traceback reaches the browser or the terminal.

The dashboard is restarted after the API stops (as after a deploy during an outage), so its
in-process cache is empty and only the HTTP cache, whose entries have expired, can answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from analytics.demo import DemoServer
from tests.support.browser import (
    assert_no_traceback,
    metric_tiles,
    new_context,
    open_as,
    save_screenshot,
)
from tests.support.dashboard import ANALYST, FixedRange, api_env, dashboard_env, page_url
from tests.support.servers import require_binary, streamlit_app

from .conftest import LOGS, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TZ = "Europe/Berlin"
# Answers expire after a second, and a failing request is given up after two.
IMPATIENT = {
    "ANALYTICS_CACHE_TTL": "1",
    "ANALYTICS_CACHE_RECENT_TTL": "1",
    "ANALYTICS_API_RETRY_SECONDS": "2",
}


def test_a_stopped_api_gives_stale_data_or_a_clear_error(
    browser: Browser,
    start_demo: Callable[..., DemoServer],
    analyst_users_file: Path,
    tmp_path: Path,
) -> None:
    require_binary("chromium", "apt-get install chromium")
    server = start_demo()
    cache_dir = tmp_path / "http-cache"
    env = dashboard_env(server, cache_dir, analyst_users_file, **IMPATIENT)
    days = FixedRange.ending_yesterday(14, TZ)
    overview = page_url("{base}", "", **days.params)
    LOGS.mkdir(parents=True, exist_ok=True)

    # 1. The API works: the overview is seen once (and so cached).
    with streamlit_app(env, LOGS / "api-stopped-before.log") as base:
        context = new_context(browser, timezone=TZ)
        page = context.new_page()
        open_as(page, overview.format(base=base), ANALYST.username, ANALYST.password)
        seen = {label: tile.value for label, tile in metric_tiles(page).items()}
        context.close()
    assert seen["Total views"] != "–"

    # 2. The API stops; the dashboard restarts.
    server.stop()
    with streamlit_app(env, LOGS / "api-stopped-after.log") as base:
        context = new_context(browser, timezone=TZ)
        page = context.new_page()
        open_as(page, overview.format(base=base), ANALYST.username, ANALYST.password)
        shown = {label: tile.value for label, tile in metric_tiles(page).items()}
        assert shown == seen
        expect(page.get_by_text(re.compile(r"stale"))).to_be_visible()
        banner = page.get_by_test_id("stAlertContentWarning")
        expect(banner).to_contain_text("not answering")
        assert_no_traceback(page)
        save_screenshot(page, "overview-stale")

        # Never seen before: a clear error in place of the data, the page still standing.
        page.goto(page_url(base, "breakdowns", **days.params, by="device"))
        page.get_by_test_id("stAlertContentError").first.wait_for(timeout=60_000)
        errors = " ".join(page.get_by_test_id("stAlertContentError").all_inner_texts())
        assert "Cannot reach the Analytics API" in errors
        expect(page.get_by_role("heading", name="Breakdowns")).to_be_visible()
        assert_no_traceback(page)
        context.close()

    # The command line says the same: a note for the stale answer, one error line otherwise.
    cli_env = api_env(server, cache_dir) | IMPATIENT
    cached = run_cli(["fetch", "total-views", *days.cli_args], cli_env)
    assert cached.returncode == 0, cached.stderr
    assert "note:" in cached.stderr
    assert "stale" in cached.stderr
    total_views = int(seen["Total views"].replace(",", ""))
    assert cached.stdout.splitlines()[1].endswith(f",{total_views}")

    unseen = run_cli(["fetch", "total-views", "--dimension", "device", *days.cli_args], cli_env)
    assert unseen.returncode == 1
    assert unseen.stderr.startswith("error:")
    assert len(unseen.stderr.strip().splitlines()) == 1
    assert "Traceback" not in unseen.stderr
