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

from analytics.api import ApiSettings, Metric, MetricQuery, TimeRange, ViewsQuery
from analytics.dashboard import service
from analytics.dashboard.render_budget import RenderRun
from analytics.dashboard.request_slots import FairSlots, Superseded
from analytics.dashboard.service import MAX_REQUESTS_PER_RENDER
from analytics.dashboard.users import UserRecord, hash_password, save_users_file
from analytics.wiring import open_client
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
    assert service.RUN_KEY in at.session_state  # one budget for the whole render
    # The page says what it limited: peaks by month, finer buckets only for shorter ranges.
    assert "are available for ranges of up to" in infos(at)
    assert not at.error, [e.value for e in at.error]


def test_a_126_year_overview_and_hourly_breakdown_stay_within_the_budget(server, tmp_path):
    at = render(server, OVERVIEW, CENTURY, tmp_path / "fresh")
    assert not at.exception
    assert server.request_count() <= MAX_REQUESTS_PER_RENDER
    assert not at.error, [e.value for e in at.error]  # by month: nothing had to be left out

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
    run = RenderRun("tab")
    slow.reset_request_count()
    watcher = threading.Thread(target=end_after_first_request, args=(slow, run))
    watcher.start()
    answers = service._fetch_missing(pieces, client, run)
    watcher.join()
    dropped = [a for a in answers.values() if isinstance(a, Superseded)]
    assert dropped, "every call was made although the run was superseded"
    assert slow.request_count() <= service.MAX_WORKERS < len(pieces)


def end_after_first_request(server, run: RenderRun) -> None:
    """The user moves on (another page, a closed tab) once the first request reached the API."""
    while server.request_count() == 0:
        threading.Event().wait(0.01)
    run.end()


def paging_client(server, page_limit: int = 10):
    """A client without an HTTP cache whose list queries need many small pages."""
    settings = ApiSettings(
        client_id=server.client_id,
        client_secret=server.settings.accounts[server.client_id],
        api_url=server.base_url,
        token_url=server.token_url,
        cache_enabled=False,
        page_limit=page_limit,
        concurrency=4,
    )
    return open_client(settings)


def ten_days_of_views() -> ViewsQuery:
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return ViewsQuery(TimeRange(end - timedelta(days=10), end))


def test_the_pages_of_one_paged_query_count_against_the_budget(start_demo):
    server = start_demo(live_now=0)  # the background only: ~1,200 records a day
    client = paging_client(server)
    pages = -(-client.views(ten_days_of_views()).total_count // 10)
    assert pages > 2 * MAX_REQUESTS_PER_RENDER  # one call, far more pages than the budget
    server.reset_request_count()
    batch = service.fetch_all({"views": ten_days_of_views}, client)
    assert 0 < server.request_count() <= MAX_REQUESTS_PER_RENDER
    assert "more than 50 API requests" in (batch["views"].error or "")


def test_a_superseded_run_stops_paging(start_demo):
    slow = start_demo(latency_ms=200, live_now=0)
    client = paging_client(slow)
    run = RenderRun("tab", budget=10_000)
    slow.reset_request_count()
    watcher = threading.Thread(target=end_after_first_request, args=(slow, run))
    watcher.start()
    answers = service._fetch_missing({("views", 0): ten_days_of_views()}, client, run)
    watcher.join()
    assert isinstance(answers[("views", 0)], Superseded)
    # Pages already asked for finish; no page is asked for after the run ended.
    assert slow.request_count() <= 1 + client.settings.concurrency


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


def test_each_render_has_its_budget_and_ends_the_one_before(server):
    at = app_test("vic", {"range": "last-7-days"}).run()
    assert not at.exception
    _, first = at.session_state[service.RUN_KEY]
    assert 0 < first.spent <= MAX_REQUESTS_PER_RENDER  # the overview's requests, counted
    at.run()  # the next run of the session (a click, a rerun)
    _, second = at.session_state[service.RUN_KEY]
    assert second is not first
    assert not first.wanted()  # whatever the first run still did would send nothing more
    assert second.wanted()


def test_a_run_streamlit_stops_ends_its_calls():
    class Rerun(BaseException):
        pass

    def stop_check() -> None:
        raise Rerun

    run = RenderRun("tab", stop_check=stop_check)
    with pytest.raises(Rerun):
        run.check()
    assert not run.wanted()
    with pytest.raises(Superseded):
        run.before_request()


def test_a_call_joined_from_a_run_that_ended_is_asked_again(start_demo):
    """Fast reruns: the new run joins the old run's calls under way, then the old run ends
    (and its paged query stops paging): the new run asks for it again and gets its answer."""
    slow = start_demo(latency_ms=100)
    client = paging_client(slow, page_limit=200)
    views = {("views", 0): ten_days_of_views()}
    old, new = RenderRun("tab", budget=10_000), RenderRun("tab", budget=10_000)
    answers: dict[str, object] = {}
    slow.reset_request_count()

    def render(name: str, run: RenderRun) -> None:
        answers[name] = service._fetch_missing(views, client, run)[("views", 0)]

    first = threading.Thread(target=render, args=("old", old))
    first.start()
    while slow.request_count() == 0:
        threading.Event().wait(0.01)
    second = threading.Thread(target=render, args=("new", new))
    second.start()
    old.end()  # the old run is over (fast rerun: the new one already started)
    first.join()
    second.join()
    assert isinstance(answers["old"], Superseded)
    assert not isinstance(answers["new"], BaseException), answers["new"]
    assert len(answers["new"].frame) == answers["new"].total_count > 200
