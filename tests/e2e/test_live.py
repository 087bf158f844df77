"""The Live now page in the browser: a channel on air by its title with this minute's viewers,
the page refreshing itself (the "Updated" time moves, the page is not reloaded), no error;
photographed for the docs (test-artifacts/screenshots/live.png, copied to docs/screenshots/).

Its own app process, with a live period of 5 s (ANALYTICS_LIVE_TTL), so one refresh comes soon.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from analytics.demo import DemoServer
from tests.e2e.conftest import LOGS, TZ
from tests.support.browser import (
    PageErrors,
    assert_no_error_shown,
    assert_no_id_labels,
    assert_no_traceback,
    metric_tiles,
    new_context,
    open_as,
    save_screenshot,
    wait_until_settled,
)
from tests.support.dashboard import ANALYST, dashboard_env, direct_client, page_url
from tests.support.servers import require_binary, streamlit_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE_PERIOD_SECONDS = 5
UPDATED = re.compile(r"Updated (\d\d:\d\d:\d\d) \(")


@pytest.fixture(scope="module")
def live_dashboard_url(
    demo_server: DemoServer, users_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The dashboard on the shared demo API, refreshing live figures every 5 s."""
    require_binary("chromium", "apt-get install chromium")
    LOGS.mkdir(parents=True, exist_ok=True)
    env = dashboard_env(
        demo_server,
        tmp_path_factory.mktemp("live-http-cache"),
        users_file,
        ANALYTICS_LIVE_TTL=str(LIVE_PERIOD_SECONDS),
    )
    with streamlit_app(env, LOGS / "e2e-live-app.log") as url:
        yield url


def test_live_now_shows_a_channel_on_air_and_refreshes_by_itself(
    browser: Browser, live_dashboard_url: str, demo_server: DemoServer
) -> None:
    context = new_context(browser, timezone=TZ)
    try:
        page = context.new_page()
        errors = PageErrors(page)
        open_as(page, page_url(live_dashboard_url, "live"), ANALYST.username, ANALYST.password)
        expect(page.get_by_role("heading", name="Live now", exact=True)).to_be_visible()
        caption = page.get_by_text(UPDATED)
        expect(caption).to_have_count(1)
        wait_until_settled(page)

        with direct_client(demo_server) as api:
            statuses = api.channel_statuses().frame
            catalogue = api.catalogue()
        on_air = {
            catalogue.title("live", int(content_id))
            for content_id in statuses.loc[statuses["on_air"], "content_id"]
        }
        tiles = metric_tiles(page)
        shown = {label: tile for label, tile in tiles.items() if label in on_air}
        assert shown, f"no tile for a channel on air ({sorted(on_air)}); tiles: {sorted(tiles)}"
        for tile in shown.values():
            assert re.fullmatch(r"[0-9][0-9,]*", tile.value), tile
            assert tile.delta is not None
            assert tile.delta.startswith(("Today's peak", "No viewers today"))

        # One refresh: the data's time moves on, in the same document (no reload).
        page.evaluate("() => { window.liveTestMarker = 'same document'; }")
        first = UPDATED.search(caption.inner_text()).group(1)  # type: ignore[union-attr]
        expect(caption).not_to_contain_text(first, timeout=(LIVE_PERIOD_SECONDS * 6) * 1000)
        assert page.evaluate("() => window.liveTestMarker") == "same document"
        wait_until_settled(page)
        assert_no_error_shown(page)
        assert_no_traceback(page)
        assert_no_id_labels(page)
        assert not errors.messages, errors.messages
        save_screenshot(page, "live")
    finally:
        context.close()
