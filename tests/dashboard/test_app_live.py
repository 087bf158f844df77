"""The Live now page (`/live`) against the demo API: the channels on air with their titles and
this minute's viewers as the API itself answers them; the last broadcast when nothing is on
air; the last figures kept, marked stale, while the API is down, and fresh ones once it is back;
and fifty sessions on the page asking the API what one session asks.

The demo server's clock and the page's minute are fixed to the same moment, so the API's
answers do not move while a test compares them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.api import PeakGranularity, PeakQuery, TimeRange
from analytics.dashboard import live_now, service
from analytics.dashboard.live_now import LiveClock
from analytics.dashboard.panels import live
from analytics.dashboard.service import QUERY_LOG, Chunked, answer_cache
from analytics.demo import DemoServer, segments_frame, start_demo_server
from tests.dashboard.conftest import texts
from tests.support.dashboard import direct_client

LIVE_PAGE = "app_pages/live.py"
NOW = datetime.now(UTC).replace(microsecond=0)
SESSIONS = 50


@pytest.fixture
def fixed_minute(monkeypatch: pytest.MonkeyPatch) -> LiveClock:
    """The page's "now" fixed to NOW (the demo servers' clock in these tests)."""
    clock = LiveClock.at(NOW)
    monkeypatch.setattr(live, "current_clock", lambda: clock)
    return clock


@pytest.fixture
def on_air_server(start_demo: Callable[..., DemoServer]) -> DemoServer:
    """Generated data with the demo's live-now layer, answered as of NOW."""
    return start_demo(segments=20_000, days=10, clock=lambda: NOW)


def open_live(at):
    at.run()
    return at.switch_page(LIVE_PAGE).run()


def channel_tiles(at) -> dict[str, str]:
    """Channel title -> the viewer count its tile shows (the tiles with a sparkline)."""
    return {
        re.sub(r"\\(.)", r"\1", tile.label): tile.value
        for tile in at.metric
        if tile.proto.chart_data
    }


def expected_on_air(server: DemoServer, clock: LiveClock) -> dict[str, str]:
    """What the API says: the channels on air (Channel API status) and, for each, the viewers
    of the latest minute with viewers in the last five minutes (0 without one)."""
    with direct_client(server) as api:
        statuses = api.channel_statuses().frame
        ids = [int(i) for i in statuses.loc[statuses["on_air"], "content_id"]]
        recent = api.peak_viewers(
            PeakQuery(TimeRange(clock.end - timedelta(minutes=5), clock.end), content_type="live")
        ).frame
        catalogue = api.catalogue()
    shown = {}
    for content_id in ids:
        rows = recent[recent["content_id"] == content_id].sort_values("time")
        viewers = int(rows["value"].iloc[-1]) if len(rows) else 0
        shown[catalogue.label("live", content_id)] = f"{viewers:,}"
    return shown


def test_the_channels_on_air_with_their_titles_and_viewers_now(
    point_app_at, on_air_server, fixed_minute, app, offered_images
):
    point_app_at(on_air_server)
    at = open_live(app())
    assert not at.exception
    expected = expected_on_air(on_air_server, fixed_minute)
    assert expected, "the demo's live-now layer has a channel on air at any time"
    assert channel_tiles(at) == expected
    assert any(text.startswith("Updated ") for text in texts(at.caption))
    assert not at.warning
    # The chosen channel (most viewers first): the views that started in the last 15 minutes.
    chosen = at.selectbox(key=live.CHOSEN).value
    with direct_client(on_air_server) as api:
        catalogue = api.catalogue()
        (content_id,) = [
            i for i in catalogue.titles("live") if catalogue.label("live", i) == chosen
        ]
        views = api.metric(live_now.started_query(fixed_minute, content_id)).frame
    started = next(tile for tile in at.metric if tile.label == "New views (15 min)")
    assert started.value == f"{int(views['value'].sum()):,}"
    # Its chart's image names the channel and the minutes drawn, not the sidebar's period.
    (name,) = [name for name in offered_images if "viewers-per-minute" in name]
    caption = offered_images[name].args[1]
    assert caption.title == f"{chosen}: concurrent viewers per minute"
    assert caption.comparison == ""
    end = fixed_minute.end.astimezone(ZoneInfo("Europe/Berlin"))  # the app's zone
    assert caption.period.endswith(f"{end:%H:%M}")


def test_nothing_on_air_shows_the_last_broadcast_and_a_link(point_app_at, start_demo, app):
    # Channel 7001 broadcast two days ago, 10:00 to about 11:30 UTC; nothing runs now.
    start = (NOW - timedelta(days=2)).replace(hour=10, minute=0, second=0)
    rows = [
        {
            "content_type": "live",
            "content_id": 7001,
            "started_at": start + timedelta(minutes=3 * i),
            "finished_at": start + timedelta(minutes=3 * i + 20),
            "view_session_id": f"s{i}",
        }
        for i in range(30)
    ]
    server = start_demo(datasets={"demo-client": segments_frame(rows)}, clock=lambda: NOW)
    point_app_at(server)
    at = open_live(app(tz="UTC"))
    assert not at.exception
    assert "Nothing is on air right now." in texts(at.info)
    with direct_client(server) as api:
        hours = api.peak_viewers(
            PeakQuery(TimeRange(NOW - timedelta(days=7), NOW), PeakGranularity.HOUR)
        ).frame
        title = api.catalogue().label("live", 7001)
    peak = next(tile for tile in at.metric if tile.label == "Peak concurrent viewers")
    assert peak.value == f"{int(hours['value'].max()):,}"
    views = next(tile for tile in at.metric if tile.label == "Views")
    assert views.value == "30"
    assert any(title in text for text in texts(at.markdown))
    (link,) = at.page_link
    assert link.proto.query_string == "id=7001"


def test_while_the_api_is_down_the_last_figures_stay_marked_stale_then_recover(
    point_app_at, monkeypatch, start_demo, fixed_minute, app, demo_settings_factory
):
    settings = demo_settings_factory(segments=20_000, days=10)
    server = start_demo(segments=20_000, days=10, clock=lambda: NOW)
    point_app_at(server)
    monkeypatch.setenv("ANALYTICS_CACHE_ENABLED", "false")  # no HTTP cache: the API or nothing
    at = open_live(app())
    before = channel_tiles(at)
    assert before
    assert not at.warning

    server.stop()  # the API goes away during the event
    answer_cache().clear()  # the next refresh period: the dashboard asks again
    at.run()
    assert not at.exception
    (warning,) = at.warning
    assert warning.value.startswith("Stale: the Analytics API is not answering")
    assert " ago)" in warning.value
    assert channel_tiles(at) == before  # the last figures, not an empty page
    assert any(text.startswith("Stale: the API did not answer") for text in texts(at.caption))

    restarted = start_demo_server(settings, port=server.port, clock=lambda: NOW)
    try:
        answer_cache().clear()  # the refresh after it is back
        at.run()
        assert not at.exception
        assert not at.warning
        assert channel_tiles(at) == before
    finally:
        restarted.stop()


@pytest.fixture
def one_long_period(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Live answers kept for a period longer than the test, so it runs inside one period."""
    monkeypatch.setattr(service, "live_seconds_left", lambda client: 600.0)
    answer_cache().clear()
    yield
    answer_cache().clear()


def distinct_queries(at, since: int = 0) -> set[str]:
    """The distinct API calls of the session's runs (from entry `since` of its call log)."""
    pieces = set()
    for _, query, _ in at.session_state[QUERY_LOG][since:]:
        parts = query.parts if isinstance(query, Chunked) else (query,)
        pieces.update(repr(part) for part in parts)
    return pieces


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.usefixtures("one_long_period")
def test_fifty_sessions_ask_the_api_what_one_session_asks(
    point_app_at, monkeypatch, start_demo, fixed_minute, app
):
    server = start_demo(segments=20_000, days=10, clock=lambda: NOW, latency_ms=200)
    point_app_at(server)
    monkeypatch.setenv("ANALYTICS_CACHE_ENABLED", "false")  # only the dashboard's sharing
    first = open_live(app())  # also reads the titles, which the client keeps for hours
    assert channel_tiles(first)

    # One session in a fresh period: the requests of one Live page.
    answer_cache().clear()
    server.reset_request_count()
    logged = len(first.session_state[QUERY_LOG])
    single = first.run()
    one_session = server.request_count("/")
    queries = distinct_queries(single, since=logged)
    assert one_session >= len(queries) > 0

    # Fifty sessions in the next period, at the same moment.
    answer_cache().clear()
    server.reset_request_count()
    pages = [app() for _ in range(SESSIONS)]
    barrier = threading.Barrier(SESSIONS, timeout=120)
    failures: list[BaseException] = []

    def session(page) -> None:
        try:
            barrier.wait()
            page.switch_page(LIVE_PAGE).run()  # a new tab opening /live
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    before = server.request_count("/")
    threads = [threading.Thread(target=session, args=(page,)) for page in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=500)
    assert not failures, failures
    fifty_sessions = server.request_count("/") - before
    for page in pages:
        assert not page.exception
        assert channel_tiles(page) == channel_tiles(single)
        assert distinct_queries(page) == queries
    print(f"\n1 session: {one_session} requests; {SESSIONS} sessions: {fifty_sessions}")
    assert fifty_sessions == one_session
