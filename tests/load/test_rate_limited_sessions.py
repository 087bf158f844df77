"""Twenty sessions at once against an API that allows 20 requests per 2 s: every session gets
its answers, none fails, and every 429 the API sends is waited out and answered (the account's
one rate limit paces all twenty clients, so few 429s are sent at all).

Each session is a thread with its own client of the same account (as twenty dashboard sessions
of one process), without an HTTP cache, asking the overview's kinds of questions for its own
period, so every question is a request. 429s are counted on the wire, by a response hook.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from analytics.api import (
    AnalyticsClient,
    Dimension,
    Metric,
    MetricQuery,
    PeakQuery,
    TimeRange,
)
from analytics.demo import DemoServer
from tests.api.conftest import settings_for

pytestmark = pytest.mark.slow

SESSIONS = 20
RATE_LIMIT = "20/2"
END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def overview_questions(session: int) -> list[Callable[[AnalyticsClient], Any]]:
    period = TimeRange(END - timedelta(days=7 + session), END - timedelta(days=session))
    return [
        lambda c: c.metric(MetricQuery(Metric.TOTAL_VIEWS, period)),
        lambda c: c.metric(MetricQuery(Metric.UNIQUE_DEVICES, period)),
        lambda c: c.metric(MetricQuery(Metric.TOTAL_VIEWS, period, Dimension.DAY)),
        lambda c: c.peak_viewers(PeakQuery(period)),
    ]


class WireCount:
    """Answers seen on the wire, by status (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_status: dict[int, int] = {}

    def hook(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        if "/v1/" in response.url:
            with self._lock:
                self.by_status[response.status_code] = (
                    self.by_status.get(response.status_code, 0) + 1
                )


def session_client(server: DemoServer, wire: WireCount, cache_dir: Path) -> AnalyticsClient:
    transport = requests.Session()
    transport.hooks["response"].append(wire.hook)
    settings = settings_for(server, cache_dir, cache_enabled=False)
    return AnalyticsClient(settings, session=transport)


def test_twenty_sessions_within_the_rate_limit(
    start_demo: Callable[..., DemoServer], tmp_path: Path
) -> None:
    server = start_demo(segments=5_000, days=40, rate_limit=RATE_LIMIT, latency_ms=20)
    wire = WireCount()
    clients = [session_client(server, wire, tmp_path) for _ in range(SESSIONS)]
    assert len({c.rate_limit for c in clients}) == 1  # one rate limit for the account
    waits: list[float] = []
    clients[0].rate_limit.add_listener(waits.append)
    errors: list[BaseException] = []
    answers: list[int] = []
    start = threading.Barrier(SESSIONS, timeout=30)

    def session(number: int) -> None:
        try:
            start.wait()
            for ask in overview_questions(number):
                result = ask(clients[number])
                answers.append(len(result.frame))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(SESSIONS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        for client in clients:
            client.close()

    assert errors == []
    questions = SESSIONS * len(overview_questions(0))
    assert len(answers) == questions
    ok, limited = wire.by_status.get(200, 0), wire.by_status.get(429, 0)
    assert ok == questions  # every question answered once...
    assert set(wire.by_status) <= {200, 429}
    assert server.request_count() == ok + limited  # ...and every 429 was asked again
    # Paced: far fewer 429s than questions (4 runs on an idle machine: 0; under load up to ~24).
    assert limited < questions // 2
    assert waits  # the sessions did wait for the rate limit, and it was reported
    print(f"{questions} questions, {limited} 429s, {len(waits)} waits")
