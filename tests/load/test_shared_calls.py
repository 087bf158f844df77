"""The mechanism behind the load test, without a browser: pages asking the same questions at the
same time (from many sessions' threads) share one API call per distinct question.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from analytics.api import Dimension, Metric, MetricQuery, PeakGranularity, PeakQuery, TimeRange
from analytics.dashboard.service import Batch, answer_cache, fetch_all
from analytics.demo import DemoServer
from tests.support.dashboard import direct_client

SESSIONS = 12
END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
WEEK = TimeRange(END - timedelta(days=7), END)
PAGE_CALLS = {
    "total-views": lambda: MetricQuery(Metric.TOTAL_VIEWS, WEEK),
    "devices-by-day": lambda: MetricQuery(Metric.UNIQUE_DEVICES, WEEK, Dimension.DAY),
    "peak": lambda: PeakQuery(WEEK, PeakGranularity.HOUR),  # one page: one request
}


@pytest.fixture
def empty_dashboard_cache() -> Iterator[None]:
    answer_cache().clear()
    yield
    answer_cache().clear()


@pytest.mark.usefixtures("empty_dashboard_cache")
def test_identical_concurrent_calls_share_one_request(
    start_demo: Callable[..., DemoServer],
) -> None:
    server = start_demo(latency_ms=400)  # long enough for every session to arrive meanwhile
    batches: list[Batch] = []
    start = threading.Barrier(SESSIONS, timeout=30)

    with direct_client(server) as client:  # no HTTP cache: only sharing can save requests

        def session() -> None:
            start.wait()
            batches.append(fetch_all(PAGE_CALLS, client))

        threads = [threading.Thread(target=session) for _ in range(SESSIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert len(batches) == SESSIONS
    for batch in batches:
        assert all(outcome.ok for outcome in batch.outcomes.values()), batch.outcomes
        for name in PAGE_CALLS:
            assert batch[name].result.frame.equals(batches[0][name].result.frame)
    assert server.request_count() == len(PAGE_CALLS)
