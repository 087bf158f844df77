"""The page says "Waiting for the API's rate limit (N s)…" while its calls wait for the account's
rate limit, instead of failing or hanging silently (issue 10, item 4).

A demo API that allows 2 requests per 3 s, a page's worth of different calls: the account's
one rate limiter makes them wait, the service's fetch loop shows the note while they do (recorded
here by the element it is written to), every call is answered, and the data caption says how
long the page waited.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from analytics.api import Metric, MetricQuery, TimeRange
from analytics.api.rate_limit import forget_rate_limits
from analytics.dashboard import service
from analytics.dashboard.render_budget import RenderRun
from analytics.dashboard.request_slots import Superseded
from tests.support.dashboard import direct_client

pytestmark = pytest.mark.slow

END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class RecordedSlot:
    """Stands in for the st.empty() the note is written to: keeps every text it shows."""

    def __init__(self, shown: list[str | None]) -> None:
        self._shown = shown

    def info(self, text: str, **_kwargs: object) -> None:
        self._shown.append(text)

    def empty(self) -> None:
        self._shown.append(None)


@pytest.fixture
def fresh_rate_limits() -> Iterator[None]:
    """The process's rate limiters start empty (other tests used the same demo account)."""
    forget_rate_limits()
    yield
    forget_rate_limits()


def day_calls(days: int) -> dict[str, Callable[[], MetricQuery]]:
    return {
        f"day-{n}": (
            lambda n=n: MetricQuery(
                Metric.TOTAL_VIEWS,
                TimeRange(END - timedelta(days=n + 1), END - timedelta(days=n)),
            )
        )
        for n in range(days)
    }


def test_the_page_says_it_waits_for_the_rate_limit(start_demo, monkeypatch, fresh_rate_limits):
    server = start_demo(segments=2_000, days=20, rate_limit="2/3")
    client = direct_client(server)
    shown: list[str | None] = []
    monkeypatch.setattr(service.st, "empty", lambda: RecordedSlot(shown))

    batch = service.fetch_all(day_calls(8), client)

    assert all(outcome.ok for outcome in batch.outcomes.values()), batch.outcomes
    waits = [text for text in shown if text]
    assert waits, "the calls waited without saying so"
    assert all(
        text.startswith("Waiting for the API's rate limit (") and text.endswith(" s)…")
        for text in waits
    )
    assert shown[-1] is None  # the note goes once the answers are there
    assert batch.rate_limit_wait >= 1
    caption = service.provenance(batch, "UTC") or ""
    assert "s for the API's rate limit" in caption


def test_a_page_that_is_gone_stops_waiting_for_the_rate_limit(start_demo, fresh_rate_limits):
    server = start_demo(segments=2_000, days=20, rate_limit="1/60")
    client = direct_client(server)
    client.metric(day_calls(3)["day-2"]())  # the window's one request: the next ones wait
    run = RenderRun("tab")
    server.reset_request_count()
    waiting = threading.Event()
    client.rate_limit.add_listener(lambda _seconds: waiting.set())

    def leave_while_waiting() -> None:
        waiting.wait()
        run.end()  # the user moved on while the calls waited for the next window

    leaver = threading.Thread(target=leave_while_waiting)
    leaver.start()
    calls = {(name, 0): build() for name, build in day_calls(2).items()}
    answers = service._fetch_missing(calls, client, run)
    leaver.join()

    assert all(isinstance(answer, Superseded) for answer in answers.values()), answers
    assert server.request_count() == 0  # the waiting calls were never sent
