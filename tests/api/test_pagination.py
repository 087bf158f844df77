"""Pagination on a hand-built dataset with exact counts: 10000 (one full page), 10001 (one row
on a second page) and 0; concurrent pages keep their order; streams read ahead boundedly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from analytics.api import TimeRange, ViewersQuery, ViewsQuery, frames
from analytics.demo import DemoServer, segments_frame, start_demo_server

DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
WHOLE_DAY = TimeRange(DAY, DAY + timedelta(days=1))
NOTHING = TimeRange(DAY - timedelta(days=2), DAY - timedelta(days=1))
LIVE_ROWS = 10_000


def _rows() -> Iterator[dict]:
    """10 000 live segments and 1 recorded one, each by its own signed-in viewer."""
    for i in range(LIVE_ROWS + 1):
        start = DAY + timedelta(seconds=3 * i)
        yield {
            "started_at": start,
            "finished_at": start + timedelta(seconds=2),
            "content_type": "recorded" if i == LIVE_ROWS else "live",
            "content_id": 100 + i % 7,
            "view_session_id": f"session-{i}",
            "viewer_identifier": f"viewer{i:05d}@example.com",
        }


@pytest.fixture(scope="module")
def exact_server(demo_settings_factory) -> Iterator[DemoServer]:
    settings = demo_settings_factory(segments=0, days=10)
    dataset = segments_frame(_rows())
    with start_demo_server(settings, datasets={settings.client_id: dataset}) as server:
        yield server


def _pulled(server: DemoServer, pull) -> tuple[object, int]:
    before = server.request_count()
    result = pull()
    return result, server.request_count() - before


def test_exactly_one_full_page(exact_server, make_client):
    client = make_client(exact_server, cache_enabled=False)
    result, requests = _pulled(exact_server, lambda: client.views(ViewsQuery(WHOLE_DAY, "live")))
    assert result.total_count == LIVE_ROWS
    assert len(result.frame) == LIVE_ROWS
    assert requests == 1
    viewers, requests = _pulled(
        exact_server, lambda: client.viewers(ViewersQuery(WHOLE_DAY, "live"))
    )
    assert len(viewers.frame) == LIVE_ROWS
    assert len(viewers.segments) == LIVE_ROWS
    assert requests == 1


def test_one_row_on_a_second_page(exact_server, make_client):
    client = make_client(exact_server, cache_enabled=False)
    result, requests = _pulled(exact_server, lambda: client.views(ViewsQuery(WHOLE_DAY)))
    frame = result.frame
    assert result.total_count == LIVE_ROWS + 1
    assert len(frame) == LIVE_ROWS + 1
    assert requests == 2
    assert frame["view_id"].is_unique
    assert frame["started_at"].is_monotonic_increasing
    assert frame["content_type"].iloc[-1] == "recorded"  # the last row came from page 2
    viewers, requests = _pulled(exact_server, lambda: client.viewers(ViewersQuery(WHOLE_DAY)))
    assert len(viewers.frame) == LIVE_ROWS + 1
    assert viewers.frame["viewer_identifier"].is_unique
    assert requests == 2


def test_zero_rows(exact_server, make_client):
    client = make_client(exact_server, cache_enabled=False)
    result, requests = _pulled(exact_server, lambda: client.views(ViewsQuery(NOTHING)))
    assert result.total_count == 0
    assert requests == 1
    assert result.frame.empty
    assert result.frame.dtypes.equals(frames.views_frame([], "UTC").dtypes)
    viewers = client.viewers(ViewersQuery(NOTHING))
    assert viewers.frame.empty
    assert viewers.segments is not None
    assert viewers.segments.empty


def test_concurrent_small_pages_keep_the_order(exact_server, make_client):
    whole = make_client(exact_server, cache_enabled=False).views(ViewsQuery(WHOLE_DAY)).frame
    progress: list[tuple[int, int]] = []
    client = make_client(exact_server, cache_enabled=False, page_limit=1_000, concurrency=4)
    result, requests = _pulled(
        exact_server,
        lambda: client.views(ViewsQuery(WHOLE_DAY), lambda d, t: progress.append((d, t))),
    )
    assert requests == 11
    assert progress == [(page, 11) for page in range(1, 12)]
    pd.testing.assert_frame_equal(result.frame, whole)


def test_streams_read_ahead_only_a_few_pages(exact_server, make_client):
    client = make_client(exact_server, cache_enabled=False, page_limit=1_000, concurrency=2)
    before = exact_server.request_count()
    stream = client.iter_views(ViewsQuery(WHOLE_DAY))
    first = next(stream)
    time.sleep(0.5)  # give unbounded prefetching (a bug) the time to show itself
    assert exact_server.request_count() - before <= 1 + 2
    assert stream.total_count == LIVE_ROWS + 1
    assert stream.pages_total == 11
    sizes = [len(first), *(len(page) for page in stream)]
    assert sizes == [1_000] * 10 + [1]
    assert stream.pages_done == 11
    assert exact_server.request_count() - before == 11


def test_abandoning_a_stream_stops_fetching(exact_server, make_client):
    client = make_client(exact_server, cache_enabled=False, page_limit=1_000, concurrency=2)
    before = exact_server.request_count()
    stream = client.iter_viewers(ViewersQuery(WHOLE_DAY))
    next(stream)
    stream.close()
    time.sleep(0.5)
    assert exact_server.request_count() - before <= 1 + 2


@pytest.fixture(scope="module")
def count_servers(demo_settings_factory) -> Iterator[dict[str, DemoServer]]:
    """The same generated data behind both readings of `pagination.count`."""
    servers = {
        means: start_demo_server(demo_settings_factory(segments=3_000, days=10, count_means=means))
        for means in ("total", "page")
    }
    yield servers
    for server in servers.values():
        server.stop()


@pytest.mark.parametrize("means", ["total", "page"])
def test_every_page_is_read_whatever_count_means(count_servers, make_client, means):
    server = count_servers[means]
    week = TimeRange(DAY - timedelta(days=6), DAY + timedelta(days=1))
    client = make_client(server, cache_enabled=False, page_limit=200, concurrency=4)
    result, requests = _pulled(server, lambda: client.views(ViewsQuery(week)))
    rows = len(result.frame)
    assert rows > 1_000
    assert result.total_count == rows
    assert requests == -(-rows // 200)  # every page once, none more
    assert result.frame["view_id"].is_unique
    reference = make_client(count_servers["total"], cache_enabled=False, page_limit=10_000)
    pd.testing.assert_frame_equal(result.frame, reference.views(ViewsQuery(week)).frame)
    viewers = client.viewers(ViewersQuery(week))
    assert len(viewers.frame) == len(reference.viewers(ViewersQuery(week)).frame)
