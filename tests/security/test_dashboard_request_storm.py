"""Request storm: one signed-in user's link must not make the dashboard flood the API.

The attack: `/peak-viewers?range=custom&from=1900-01-01&to=2026-12-01&tz=UTC` made 6,624
upstream requests (14-day peak chunks over 126 years, twice for the comparison) that went on
after the tab closed, in the request slots every session shares. Counted here with the demo
server's own request counter.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st

from analytics.api import Metric, MetricQuery, TimeRange
from analytics.dashboard import service
from analytics.dashboard.request_slots import FairSlots, Superseded
from analytics.dashboard.service import MAX_REQUESTS_PER_RENDER
from analytics.dashboard.users import UserRecord, hash_password, save_users_file
from tests.support.dashboard import app_test, configure_app, direct_client

PEAKS = "app_pages/peak_viewers.py"
OVERVIEW = "app_pages/overview.py"
BREAKDOWNS = "app_pages/breakdowns.py"
CENTURY = {"range": "custom", "from": "1900-01-01", "to": "2026-12-01", "tz": "UTC"}


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.yaml"
    save_users_file(path, {"vic": UserRecord("vic", "Vic", hash_password("x" * 12), ("viewer",))})
    return path


@pytest.fixture
def server(start_demo, monkeypatch, tmp_path, users_file):
    """A demo server of this test's own (its request count is this test's alone)."""
    demo = start_demo()
    configure_app(monkeypatch, demo, tmp_path / "http-cache", users_file)
    demo.reset_request_count()
    return demo


def render(server, page: str, params: dict[str, str], fresh_cache: Path):
    """Open the link to `page` and count only that page's upstream requests.

    AppTest's first run is the default page (the overview); the caches it filled are emptied
    (a new HTTP cache directory, new process caches) before `page` runs with the link's
    filters, so `page` asks for everything itself.
    """
    at = app_test("vic", params).run()
    if page != OVERVIEW:
        os.environ["ANALYTICS_CACHE_DIR"] = str(fresh_cache)
        st.cache_resource.clear()
        server.reset_request_count()
        at = at.switch_page(page).run()
    assert [title.value for title in at.title][:1] == [TITLES[page]]
    return at


TITLES = {PEAKS: "Peak viewers", OVERVIEW: "Overview", BREAKDOWNS: "Breakdowns"}


def infos(at) -> str:
    return " ".join(str(element.value) for element in [*at.info, *at.caption])


def test_a_126_year_peak_link_makes_at_most_50_requests(server, tmp_path):
    at = render(server, PEAKS, CENTURY, tmp_path / "fresh")
    assert not at.exception
    assert server.request_count() <= MAX_REQUESTS_PER_RENDER
    assert "cover only the last 182 days" in infos(at)  # the page says what it limited
    assert not at.error, [e.value for e in at.error]


def test_a_126_year_overview_and_hourly_breakdown_stay_within_the_budget(server, tmp_path):
    at = render(server, OVERVIEW, CENTURY, tmp_path / "fresh")
    assert not at.exception
    assert server.request_count() <= MAX_REQUESTS_PER_RENDER
    assert "cover only the last 182 days" in infos(at)

    server.reset_request_count()
    at = render(server, BREAKDOWNS, {**CENTURY, "by": "hour"}, tmp_path / "fresh2")
    assert not at.exception
    assert server.request_count() <= MAX_REQUESTS_PER_RENDER
    assert "Shown by month instead of by hour" in infos(at)


def test_a_year_one_link_does_not_break_the_app(server):
    at = app_test("vic", {"range": "custom", "from": "0001-01-01", "to": "0001-02-01"}).run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]
    assert "Ignored the custom range in the link" in " ".join(t.value for t in at.toast)
    at = at.switch_page(PEAKS).run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]


def test_calls_beyond_the_budget_are_never_started(server):
    client = direct_client(server)
    base = datetime(2026, 11, 1, tzinfo=UTC)
    calls = {
        f"call-{n}": (
            lambda n=n: MetricQuery(
                Metric.TOTAL_VIEWS,
                TimeRange(base + timedelta(hours=n), base + timedelta(hours=n + 1)),
            )
        )
        for n in range(MAX_REQUESTS_PER_RENDER + 10)
    }
    server.reset_request_count()
    batch = service.fetch_all(calls, client)
    assert server.request_count() <= MAX_REQUESTS_PER_RENDER
    skipped = [o for o in batch.outcomes.values() if not o.ok]
    assert len(skipped) == 10
    assert all("more than 50 API requests" in (o.error or "") for o in skipped)


class _Requests:
    """Stands in for Streamlit's ScriptRequests: the run is asked to stop when `_state` says."""

    class _State:
        def __init__(self, name: str) -> None:
            self.name = name

    def __init__(self) -> None:
        self._state = self._State("CONTINUE")


def test_queued_calls_of_a_superseded_run_are_dropped(start_demo):
    slow = start_demo(latency_ms=300)
    client = direct_client(slow)
    base = datetime(2026, 11, 1, tzinfo=UTC)
    pieces = {
        ("call", n): MetricQuery(
            Metric.TOTAL_VIEWS, TimeRange(base + timedelta(hours=n), base + timedelta(hours=n + 1))
        )
        for n in range(40)
    }
    requests = _Requests()
    slow.reset_request_count()

    def stop_after_first_request() -> None:
        while slow.request_count() == 0:
            threading.Event().wait(0.01)
        requests._state = _Requests._State("RERUN")  # the user moved on

    watcher = threading.Thread(target=stop_after_first_request)
    watcher.start()
    answers = service._fetch_missing(pieces, client, service._Run("tab", requests))
    watcher.join()
    dropped = [a for a in answers.values() if isinstance(a, Superseded)]
    assert dropped, "every call was made although the run was superseded"
    assert slow.request_count() <= service.MAX_WORKERS < len(pieces)


def test_a_session_over_its_share_waits_while_another_is_served():
    slots = FairSlots(capacity=4)
    order: list[str] = []
    gates = [threading.Event() for _ in range(4)]
    held = threading.Semaphore(0)

    def hog(gate: threading.Event) -> None:
        with slots.slot("hog"):
            held.release()
            gate.wait()

    hogs = [threading.Thread(target=hog, args=(gate,)) for gate in gates]
    for thread in hogs:
        thread.start()
    for _ in range(4):
        held.acquire()  # the hog holds every slot (nobody else wanted one)

    def waiter(session: str) -> None:
        with slots.slot(session):
            order.append(session)

    queued_hog = threading.Thread(target=waiter, args=("hog",))
    queued_hog.start()
    wait_for(lambda: slots._waiting["hog"] == 1)
    other = threading.Thread(target=waiter, args=("other",))
    other.start()
    wait_for(lambda: slots._waiting["other"] == 1)
    gates[0].set()  # one slot frees: two sessions want slots, the hog holds 3 of its share of 2
    wait_for(lambda: len(order) >= 1)
    assert order[0] == "other"
    for gate in gates:
        gate.set()
    for thread in [*hogs, queued_hog, other]:
        thread.join()
    assert order == ["other", "hog"]


def wait_for(condition) -> None:
    """Poll until `condition()` holds (no deadline: pytest's own timeout catches a hang)."""
    while True:
        with slots_lock:
            if condition():
                return
        threading.Event().wait(0.01)


slots_lock = threading.Lock()


def test_a_slot_wait_ends_when_the_run_is_superseded():
    slots = FairSlots(capacity=1)
    gate = threading.Event()
    held = threading.Event()

    def holder() -> None:
        with slots.slot("a"):
            held.set()
            gate.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait()
    with pytest.raises(Superseded), slots.slot("b", still_wanted=lambda: False):
        pass
    gate.set()
    thread.join()
