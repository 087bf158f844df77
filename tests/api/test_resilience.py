"""Retries, Retry-After, giving up within the time budget, and serving stale answers."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import requests

from analytics.api import (
    ApiUnavailableError,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    TimeRange,
    ViewsQuery,
)
from analytics.api.client import _backoff, _retry_after
from analytics.demo import start_demo_server

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
HISTORY = TimeRange(MIDNIGHT - timedelta(days=45), MIDNIGHT - timedelta(days=5))


def _fetch_all(client) -> list[pd.DataFrame]:
    return [
        client.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY, Dimension.DAY)).frame,
        client.metric(MetricQuery(Metric.UNIQUE_DEVICES, HISTORY, Dimension.LOCATION)).frame,
        client.metric(MetricQuery(Metric.AUTHENTICATED_VIEWERS, HISTORY)).frame,
        client.peak_viewers(PeakQuery(HISTORY, PeakGranularity.HOUR)).frame,
        client.views(ViewsQuery(HISTORY)).frame,
    ]


def test_thirty_percent_faults_give_the_same_numbers(demo_server, faulty_server, make_client):
    expected = _fetch_all(make_client(demo_server, cache_enabled=False, page_limit=2_000))
    faulty_server.reset_request_count()
    client = make_client(faulty_server, cache_enabled=False, page_limit=2_000)
    got = _fetch_all(client)
    for want, have in zip(expected, got, strict=True):
        pd.testing.assert_frame_equal(want, have)
    views_pages = -(-len(got[-1]) // 2_000)
    # More requests than answers: some were 429/503 and were retried.
    assert faulty_server.request_count() > 4 + views_pages


def test_giving_up_after_the_retry_budget(start_demo, make_client):
    server = start_demo(segments=1_000, days=10, fault_rate=1.0)
    # A 429 waits for the rate limit (ANALYTICS_API_RATE_LIMIT_WAIT), other faults for the
    # retry budget: both shorter than the server's Retry-After (1 s).
    client = make_client(server, retry_seconds=0.5, rate_limit_wait=0.5, cache_enabled=False)
    with pytest.raises(ApiUnavailableError) as caught:
        client.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY))
    assert caught.value.status in (429, 503)
    assert f"(HTTP {caught.value.status})" in str(caught.value)
    # Retry-After (1 s) is longer than the budget: no pointless wait, one request.
    assert server.request_count() == 1


def test_stale_answers_when_the_api_is_down(start_demo, make_client):
    server = start_demo(segments=1_000, days=60)
    client = make_client(server, cache_ttl=1, retry_seconds=0.5)
    query = MetricQuery(Metric.TOTAL_VIEWS, HISTORY, Dimension.DAY)
    fresh = client.metric(query)
    assert not fresh.stale
    time.sleep(1.2)  # let the entry expire (tests assert behaviour, not durations)
    server.stop()  # connection refused from now on

    # A new client (no token yet: the token endpoint is down too) on the same cache.
    for stale_client in (client, make_client(server, cache_ttl=1, retry_seconds=0.5)):
        result = stale_client.metric(query)
        assert result.stale
        assert result.from_cache
        pd.testing.assert_frame_equal(result.frame, fresh.frame)
        assert result.fetched_at <= datetime.now(UTC) - timedelta(seconds=1)

    # Something never cached cannot be served: a clear error, without an HTTP status.
    with pytest.raises(ApiUnavailableError) as caught:
        client.metric(MetricQuery(Metric.UNIQUE_DEVICES, HISTORY))
    assert caught.value.status == 0
    assert str(caught.value).startswith("Cannot reach the Analytics API: 127.0.0.1:")


def test_stale_answers_after_5xx_retries(demo_settings_factory, make_client):
    settings = demo_settings_factory(segments=1_000, days=60)
    query = PeakQuery(HISTORY, PeakGranularity.HOUR)
    with start_demo_server(settings) as server:
        client = make_client(server, cache_ttl=1, retry_seconds=0.5)
        fresh = client.peak_viewers(query)
        port = server.port
    time.sleep(1.2)
    # The same address now answers every request with 429 or 503.
    failing = replace(settings, fault_rate=1.0)
    with start_demo_server(failing, port=port) as server:
        result = client.peak_viewers(query)
        assert server.request_count() >= 1
    assert result.stale
    pd.testing.assert_frame_equal(result.frame, fresh.frame)


def _response(headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    response.headers.update(headers)
    return response


def test_retry_after_forms():
    assert _retry_after(_response({"Retry-After": "7"})) == 7
    soon = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= _retry_after(_response({"Retry-After": soon})) <= 30
    assert _retry_after(_response({"X-RateLimit-Reset": "12"})) == 12
    epoch = str(int(time.time()) + 20)
    assert 15 <= _retry_after(_response({"X-RateLimit-Reset": epoch})) <= 20
    assert _retry_after(_response({})) is None
    assert _retry_after(_response({"Retry-After": "soon"})) is None


def test_backoff_is_exponential_with_full_jitter_and_capped():
    for attempt in range(1, 12):
        ceiling = min(30.0, 0.5 * 2 ** (attempt - 1))
        delays = [_backoff(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter spreads over the whole range
