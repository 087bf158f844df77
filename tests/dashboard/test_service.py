"""The service: calls side by side, per-call errors, account-aware cache keys."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pandas as pd

from analytics.api import (
    ApiSettings,
    ContentType,
    Metric,
    MetricQuery,
    PeakQuery,
    Result,
    TimeRange,
)
from analytics.dashboard.service import GENERIC_ERROR, fetch_all, provenance, refresh_data
from analytics.wiring import open_client

END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
WEEK = TimeRange(END - timedelta(days=7), END)


def client_for(server, client_id: str | None = None, secret: str | None = None):
    return open_client(
        ApiSettings(
            client_id=client_id or server.client_id,
            client_secret=secret or server.client_secret,
            api_url=server.base_url,
            token_url=server.token_url,
            cache_enabled=False,
        )
    )


class Gate:
    """Lets calls through only once `parties` of them wait at the same time."""

    def __init__(self, client, parties: int) -> None:
        self._client = client
        self._barrier = threading.Barrier(parties, timeout=10)
        self.account_key = client.account_key
        self.threads: set[str] = set()

    def metric(self, query):
        self.threads.add(threading.current_thread().name)
        self._barrier.wait()  # BrokenBarrierError if the calls came one after another
        return self._client.metric(query)


def test_independent_calls_run_side_by_side(demo_server):
    with client_for(demo_server) as client:
        gate = Gate(client, parties=5)
        calls = {
            f"call-{n}": (lambda n=n: MetricQuery(Metric.TOTAL_VIEWS, WEEK, tz=f"Etc/GMT-{n}"))
            for n in range(5)
        }
        batch = fetch_all(calls, gate)
    assert all(outcome.ok for outcome in batch.outcomes.values()), batch.outcomes
    assert len(gate.threads) == 5
    assert all(name.startswith("dashboard-call") for name in gate.threads)


def test_one_failed_call_does_not_take_down_the_others(demo_server):
    with client_for(demo_server) as client:
        batch = fetch_all(
            {
                "good": lambda: MetricQuery(Metric.TOTAL_VIEWS, WEEK),
                "rejected": lambda: MetricQuery(
                    Metric.TOTAL_VIEWS, WEEK, content_type=ContentType.LIVE, content_ids=(2**63,)
                ),
                "invalid": lambda: MetricQuery(Metric.TOTAL_VIEWS, WEEK, content_ids=(7,)),
                "peaks": lambda: PeakQuery(WEEK),
            },
            client,
        )
    assert batch["good"].ok
    assert batch["peaks"].ok
    assert batch["good"].result.frame["value"].sum() > 0
    # Refused by the API (HTTP 400) or, since the client checks ids itself, before sending.
    assert "content_id" in batch["rejected"].error
    assert batch["invalid"].error.startswith("Invalid query: content_ids")


def test_unexpected_errors_become_a_generic_message(demo_server, caplog):
    class Broken:
        account_key = "broken"
        secrets = ()

        def metric(self, query):
            raise RuntimeError("secret internals")

    batch = fetch_all({"x": lambda: MetricQuery(Metric.TOTAL_VIEWS, WEEK)}, Broken())
    assert batch["x"].error == GENERIC_ERROR
    assert "secret internals" not in batch["x"].error
    assert "secret internals" in caplog.text  # logged on the server side


def test_answers_are_cached_per_account(start_demo):
    server = start_demo(segments=3_000, accounts={"first": "s1", "second": "s2"})
    query = {"views": lambda: MetricQuery(Metric.TOTAL_VIEWS, WEEK)}
    with client_for(server, "first", "s1") as first, client_for(server, "second", "s2") as second:
        assert first.account_key != second.account_key
        server.reset_request_count()
        one = fetch_all(query, first)["views"]
        again = fetch_all(query, first)["views"]
        other = fetch_all(query, second)["views"]
    assert not one.dashboard_cache
    assert again.dashboard_cache
    assert not other.dashboard_cache  # the other account is asked, not served account one's data
    assert server.request_count() == 2


def test_provenance_says_when_and_from_where(demo_server):
    with client_for(demo_server) as client:
        calls = {"views": lambda: MetricQuery(Metric.TOTAL_VIEWS, WEEK)}
        fresh = provenance(fetch_all(calls, client), "Europe/Berlin")
        cached = provenance(fetch_all(calls, client), "Europe/Berlin")
    assert fresh.startswith("Data fetched ")
    assert "(Europe/Berlin)" in fresh
    assert fresh.endswith("fresh from the API")
    assert cached.endswith("from cache")


def test_refresh_data_forgets_the_answers(demo_server):
    with client_for(demo_server) as client:
        calls = {"views": lambda: MetricQuery(Metric.TOTAL_VIEWS, WEEK)}
        fetch_all(calls, client)
        assert fetch_all(calls, client)["views"].dashboard_cache
        refresh_data(client)
        assert not fetch_all(calls, client)["views"].dashboard_cache


def test_a_stale_answer_is_shown_once_then_asked_again():
    class Failing:
        """An API that fails, so the client serves its last answer, marked stale."""

        account_key = "failing"
        calls = 0

        def metric(self, query):
            self.calls += 1
            frame = pd.DataFrame({"point": ["summary"], "value": [7]})
            return Result(frame, datetime.now(UTC), from_cache=True, stale=True, total_count=1)

    api = Failing()
    calls = {"views": lambda: MetricQuery(Metric.TOTAL_VIEWS, WEEK)}
    first = fetch_all(calls, api)["views"]
    second = fetch_all(calls, api)["views"]
    assert first.result.stale
    assert not second.dashboard_cache
    assert api.calls == 2
