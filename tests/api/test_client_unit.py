"""The client against a scripted transport, without any server: retries honouring Retry-After,
giving up within the retry budget, one re-authentication on 401, stale answers when the API
fails, and pagination from `count` in order. A fake clock replaces the client's `time`, so
retries never sleep and no test depends on wall-clock time.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pandas as pd
import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter
from requests_cache import SQLiteCache

from analytics.api import (
    AnalyticsClient,
    ApiSettings,
    ApiUnavailableError,
    AuthError,
    Metric,
    MetricQuery,
    TimeRange,
    ViewersQuery,
    ViewsQuery,
)
from analytics.api import client as client_module
from analytics.api import pagination as pagination_module
from analytics.api.cache import SAFE_SERIALIZER
from analytics.api.errors import TooManyPagesError
from analytics.api.rate_limit import forget_rate_limits

API_URL = "https://analytics.test/v1/"
TOKEN_URL = "https://auth.test/oauth2/token"
MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
HISTORY = TimeRange(MIDNIGHT - timedelta(days=30), MIDNIGHT - timedelta(days=2))
TOTAL_VIEWS = MetricQuery(Metric.TOTAL_VIEWS, HISTORY)
TOTAL_VIEWS_PATH = urlsplit(urljoin(API_URL, TOTAL_VIEWS.path)).path
VIEWS_PATH = urlsplit(urljoin(API_URL, ViewsQuery(HISTORY).path)).path
TOKEN_PATH = urlsplit(TOKEN_URL).path


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)  # JSON-encoded unless bytes
    headers: dict[str, str] = field(default_factory=dict)


Script = Callable[[requests.PreparedRequest], Reply]


class ScriptedTransport(BaseAdapter):
    """Answers each path from its script and records every request it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: dict[str, Script] = {}
        self.sent: list[requests.PreparedRequest] = []
        self._lock = threading.Lock()
        self._builder = HTTPAdapter()

    def on(self, path: str, *replies: Reply) -> None:
        """Answer `path` with `replies` in turn; the last one repeats."""
        queue = list(replies)

        def next_reply(_request: requests.PreparedRequest) -> Reply:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        self.scripts[path] = next_reply

    def sent_to(self, path: str) -> list[requests.PreparedRequest]:
        return [r for r in self.sent if urlsplit(r.url).path == path]

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        with self._lock:
            self.sent.append(request)
            script = self.scripts[urlsplit(request.url).path]
        reply = script(request)
        body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Type": "application/json", **reply.headers},
            status=reply.status,
            preload_content=False,
            request_url=request.url,
        )
        return self._builder.build_response(request, raw)

    def close(self) -> None:
        pass


class FakeClock:
    """Stands in for the client module's `time`: sleeping only moves the clock on (both the
    monotonic clock and the Unix time, which starts at the real one)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.epoch = datetime.now(UTC).timestamp() - self.now
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.epoch + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Every test's clients share a fresh rate limit per account (the registry is global)."""
    forget_rate_limits()
    yield
    forget_rate_limits()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(client_module, "time", fake)
    return fake


@pytest.fixture
def transport() -> ScriptedTransport:
    return ScriptedTransport()


@pytest.fixture
def make_client(
    transport: ScriptedTransport, tmp_path: Path
) -> Iterator[Callable[..., AnalyticsClient]]:
    """make_client(**settings) -> a client whose every request goes to `transport`."""
    clients: list[AnalyticsClient] = []

    def make(**changes: Any) -> AnalyticsClient:
        values: dict[str, Any] = {
            "token": "static-token-for-tests",
            "api_url": API_URL,
            "token_url": TOKEN_URL,
            "cache_dir": tmp_path / "cache",
            "cache_enabled": False,
            **changes,
        }
        session = requests.Session()
        session.mount("https://", transport)
        client = AnalyticsClient(ApiSettings(**values), session=session)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def total(value: int) -> dict[str, Any]:
    """A /total-views summary body."""
    record = {"dimension_type": "summary", "point": "total_views", "value": value}
    return {"data": [{"attributes": record}], "pagination": {"count": 1}}


def views_page(numbers: list[int], count: int) -> dict[str, Any]:
    """A /views body holding the views numbered `numbers`."""
    records = [
        {
            "view_id": f"view-{n}",
            "content_type": "live",
            "content_id": 7,
            "started_at": (HISTORY.start + timedelta(minutes=n)).isoformat(),
        }
        for n in numbers
    ]
    return {"data": [{"attributes": r} for r in records], "pagination": {"count": count}}


def unavailable(retry_after: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(503, {"errors": [{"status": "503", "title": "Service Unavailable"}]}, headers)


# --- retries ----------------------------------------------------------------------------------


def test_429_and_503_are_retried_after_the_time_retry_after_asks(make_client, transport, clock):
    transport.on(
        TOTAL_VIEWS_PATH,
        Reply(429, {}, {"Retry-After": "3"}),
        unavailable(retry_after="1"),
        Reply(200, total(42)),
    )
    result = make_client().metric(TOTAL_VIEWS)
    assert result.frame["value"].tolist() == [42]
    assert len(transport.sent_to(TOTAL_VIEWS_PATH)) == 3
    assert len(clock.sleeps) == 2
    assert 3 <= clock.sleeps[0] <= 3.1  # Retry-After plus a little jitter
    assert 1 <= clock.sleeps[1] <= 1.1


def test_giving_up_when_the_next_wait_would_pass_the_retry_budget(make_client, transport, clock):
    transport.on(TOTAL_VIEWS_PATH, unavailable(retry_after="2"))
    with pytest.raises(ApiUnavailableError) as caught:
        make_client(retry_seconds=5).metric(TOTAL_VIEWS)
    assert caught.value.status == 503
    # Waits of ~2 s at 0 and ~2 s; a third would end past the 5 s budget: no pointless wait.
    assert len(transport.sent_to(TOTAL_VIEWS_PATH)) == 3
    assert len(clock.sleeps) == 2
    assert clock.now - 1_000.0 <= 5


def test_giving_up_after_the_most_attempts(make_client, transport, clock):
    transport.on(TOTAL_VIEWS_PATH, Reply(429, {}, {"Retry-After": "0"}))
    with pytest.raises(ApiUnavailableError) as caught:
        make_client(retry_seconds=3_600).metric(TOTAL_VIEWS)
    assert caught.value.status == 429
    assert len(transport.sent_to(TOTAL_VIEWS_PATH)) == client_module.MAX_ATTEMPTS


def test_connection_errors_are_retried(make_client, transport, clock):
    replies = iter([requests.ConnectionError("refused"), Reply(200, total(5))])

    def flaky(_request: requests.PreparedRequest) -> Reply:
        reply = next(replies)
        if isinstance(reply, Exception):
            raise reply
        return reply

    transport.scripts[TOTAL_VIEWS_PATH] = flaky
    assert make_client().metric(TOTAL_VIEWS).frame["value"].tolist() == [5]
    assert len(clock.sleeps) == 1


# --- authentication ---------------------------------------------------------------------------


def issue_tokens(transport: ScriptedTransport) -> None:
    """The token endpoint hands out token-1, token-2, ... (valid for an hour)."""
    issued = iter(range(1, 100))
    transport.scripts[TOKEN_PATH] = lambda _request: Reply(
        200, {"access_token": f"token-{next(issued)}", "expires_in": 3600}
    )


def client_credentials() -> dict[str, Any]:
    return {"token": None, "client_id": "client-1", "client_secret": "secret-1"}


def test_a_401_fetches_one_new_token_and_retries(make_client, transport, clock):
    issue_tokens(transport)

    def accept_token_2(request: requests.PreparedRequest) -> Reply:
        if request.headers["Authorization"] == "token-2":
            return Reply(200, total(9))
        return Reply(401, {"errors": [{"status": "401", "title": "Unauthorized"}]})

    transport.scripts[TOTAL_VIEWS_PATH] = accept_token_2
    client = make_client(**client_credentials())
    assert client.metric(TOTAL_VIEWS).frame["value"].tolist() == [9]
    assert client.token_fetches == 2
    used = [r.headers["Authorization"] for r in transport.sent_to(TOTAL_VIEWS_PATH)]
    assert used == ["token-1", "token-2"]
    assert clock.sleeps == []


def test_a_second_401_is_an_auth_error_without_more_tokens(make_client, transport, clock):
    issue_tokens(transport)
    transport.on(TOTAL_VIEWS_PATH, Reply(401, {"errors": [{"status": "401"}]}))
    client = make_client(**client_credentials())
    with pytest.raises(AuthError, match="freshly issued access token"):
        client.metric(TOTAL_VIEWS)
    assert client.token_fetches == 2
    assert len(transport.sent_to(TOTAL_VIEWS_PATH)) == 2


def test_a_static_token_rejected_is_not_retried(make_client, transport, clock):
    transport.on(TOTAL_VIEWS_PATH, Reply(401, {"errors": [{"status": "401"}]}))
    with pytest.raises(AuthError, match="IBM_VIDEO_ANALYTICS_TOKEN"):
        make_client().metric(TOTAL_VIEWS)
    assert len(transport.sent_to(TOTAL_VIEWS_PATH)) == 1
    assert transport.sent_to(TOKEN_PATH) == []


# --- the cache --------------------------------------------------------------------------------


def expire_everything(client: AnalyticsClient) -> None:
    """Make every cached answer of the client's account expired (it is kept, as when stale)."""
    path = client.settings.cache_dir / f"api-{client.account_key}.sqlite"
    SQLiteCache(path, serializer=SAFE_SERIALIZER).reset_expiration(0)


def test_an_expired_answer_is_served_stale_when_the_api_fails(make_client, transport, clock):
    transport.on(TOTAL_VIEWS_PATH, Reply(200, total(11)), unavailable())
    client = make_client(cache_enabled=True, retry_seconds=2)
    fresh = client.metric(TOTAL_VIEWS)
    assert not fresh.stale
    assert not fresh.from_cache
    expire_everything(client)

    stale = client.metric(TOTAL_VIEWS)
    assert stale.stale
    assert stale.frame["value"].tolist() == [11]
    assert stale.fetched_at <= fresh.fetched_at  # when the old answer was made, not now
    assert len(transport.sent_to(TOTAL_VIEWS_PATH)) > 2  # the API was asked again, and retried


def test_without_a_cached_answer_the_failure_is_raised(make_client, transport, clock):
    transport.on(TOTAL_VIEWS_PATH, unavailable())
    client = make_client(cache_enabled=True, retry_seconds=2)
    with pytest.raises(ApiUnavailableError):
        client.metric(TOTAL_VIEWS)


def test_a_fresh_answer_comes_from_the_cache_through_the_given_transport(
    make_client, transport, clock
):
    transport.on(TOTAL_VIEWS_PATH, Reply(200, total(3)))
    client = make_client(cache_enabled=True)
    client.metric(TOTAL_VIEWS)
    again = client.metric(TOTAL_VIEWS)
    assert again.from_cache
    assert not again.stale
    assert len(transport.sent_to(TOTAL_VIEWS_PATH)) == 1


# --- pagination -------------------------------------------------------------------------------


def test_pages_follow_from_count_and_keep_their_order(make_client, transport, clock):
    """Page 2 answers only after page 3 was asked for: concurrent, yet delivered in order."""
    count, limit = 5, 2
    page_3_asked = threading.Event()

    def by_page(request: requests.PreparedRequest) -> Reply:
        params = parse_qs(urlsplit(request.url).query)
        assert params["_limit"] == [str(limit)]
        number = int(params["_page"][0])
        if number == 3:
            page_3_asked.set()
        if number == 2:
            page_3_asked.wait(timeout=10)
        first = (number - 1) * limit + 1
        return Reply(200, views_page(list(range(first, min(first + limit, count + 1))), count))

    transport.scripts[VIEWS_PATH] = by_page
    progress: list[tuple[int, int]] = []
    client = make_client(page_limit=limit, concurrency=2)
    result = client.views(ViewsQuery(HISTORY), on_progress=lambda *p: progress.append(p))

    assert result.frame["view_id"].tolist() == [f"view-{n}" for n in range(1, count + 1)]
    assert result.total_count == count
    asked = sorted(int(parse_qs(urlsplit(r.url).query)["_page"][0]) for r in transport.sent)
    assert asked == [1, 2, 3]
    assert progress == [(1, 3), (2, 3), (3, 3)]


def test_without_a_count_pages_are_walked_until_a_short_one(make_client, transport, clock):
    def by_page(request: requests.PreparedRequest) -> Reply:
        number = int(parse_qs(urlsplit(request.url).query)["_page"][0])
        page = views_page([2 * number - 1, 2 * number] if number < 3 else [5], count=0)
        del page["pagination"]
        return Reply(200, page)

    transport.scripts[VIEWS_PATH] = by_page
    result = make_client(page_limit=2).views(ViewsQuery(HISTORY))
    assert result.frame["view_id"].tolist() == [f"view-{n}" for n in range(1, 6)]
    assert len(transport.sent_to(VIEWS_PATH)) == 3


def linked_views_page(
    numbers: list[int], count: int | None, number: int, last: int | None, next_style: str
) -> dict[str, Any]:
    """A /views body with IBM's pagination links: `last` (unless None) and `next` as an
    object (`{"href": ...}`), a plain string, null on the last page, or left out ("none")."""
    page = views_page(numbers, count or 0)
    pagination: dict[str, Any] = {} if count is None else {"count": count}

    def href(n: int) -> str:
        return f"/v1/views?date_time_from=x&_page={n}&_limit=2"

    if last is not None:
        pagination["last"] = {"href": href(last)}
    more = last is None or number < last
    if next_style == "object":
        pagination["next"] = {"href": href(number + 1)} if more else None
    elif next_style == "string":
        pagination["next"] = href(number + 1) if more else None
    page["pagination"] = pagination
    return page


def pages_of(rows: list[int], limit: int) -> list[list[int]]:
    return [rows[i : i + limit] for i in range(0, len(rows), limit)]


def serve_pages(
    transport: ScriptedTransport,
    pages: list[list[int]],
    *,
    count: Callable[[int], int | None],
    last: int | None,
    next_style: str,
) -> None:
    """Page N (1-based) holds pages[N-1]; past the end, an empty page."""

    def by_page(request: requests.PreparedRequest) -> Reply:
        number = int(parse_qs(urlsplit(request.url).query)["_page"][0])
        numbers = pages[number - 1] if number <= len(pages) else []
        page_last = last if last is not None else None
        return Reply(200, linked_views_page(numbers, count(number), number, page_last, next_style))

    transport.scripts[VIEWS_PATH] = by_page


def asked_pages(transport: ScriptedTransport) -> list[int]:
    return sorted(
        int(parse_qs(urlsplit(r.url).query)["_page"][0]) for r in transport.sent_to(VIEWS_PATH)
    )


@pytest.mark.parametrize("next_style", ["object", "string"])
def test_a_count_of_the_page_only_still_reads_every_page_known_from_last(
    make_client, transport, clock, next_style
):
    """count = the items on this page (one reading of IBM's examples): `last` says 3 pages."""
    pages = pages_of(list(range(1, 6)), 2)
    serve_pages(transport, pages, count=lambda n: len(pages[n - 1]), last=3, next_style=next_style)
    result = make_client(page_limit=2, concurrency=2).views(ViewsQuery(HISTORY))
    assert result.frame["view_id"].tolist() == [f"view-{n}" for n in range(1, 6)]
    assert result.total_count == 5
    assert asked_pages(transport) == [1, 2, 3]


@pytest.mark.parametrize("next_style", ["object", "string"])
def test_without_last_paging_follows_next(make_client, transport, clock, next_style):
    """No `last`, and a count of the page: pages follow one by one while `next` is there."""
    pages = pages_of(list(range(1, 8)), 2)

    def by_page(request: requests.PreparedRequest) -> Reply:
        number = int(parse_qs(urlsplit(request.url).query)["_page"][0])
        body = linked_views_page(pages[number - 1], 2, number, None, next_style)
        if number == len(pages):
            body["pagination"]["next"] = None
        return Reply(200, body)

    transport.scripts[VIEWS_PATH] = by_page
    result = make_client(page_limit=2).views(ViewsQuery(HISTORY))
    assert result.frame["view_id"].tolist() == [f"view-{n}" for n in range(1, 8)]
    assert asked_pages(transport) == [1, 2, 3, 4]


def test_without_last_or_next_full_pages_go_on_until_an_empty_one(make_client, transport, clock):
    pages = pages_of(list(range(1, 5)), 2)  # two full pages, then an empty one
    serve_pages(transport, pages, count=lambda n: 2, last=None, next_style="none")
    result = make_client(page_limit=2).views(ViewsQuery(HISTORY))
    assert result.frame["view_id"].tolist() == [f"view-{n}" for n in range(1, 5)]
    assert asked_pages(transport) == [1, 2, 3]


def test_count_and_last_agreeing_cost_no_extra_request(make_client, transport, clock):
    pages = pages_of(list(range(1, 5)), 2)  # exactly two full pages
    serve_pages(transport, pages, count=lambda n: 4, last=2, next_style="object")
    result = make_client(page_limit=2, concurrency=2).views(ViewsQuery(HISTORY))
    assert len(result.frame) == 4
    assert asked_pages(transport) == [1, 2]


def test_a_next_that_never_ends_stops_at_the_page_cap(make_client, transport, clock, monkeypatch):
    monkeypatch.setattr(pagination_module, "MAX_PAGES", 5)

    def forever(request: requests.PreparedRequest) -> Reply:
        number = int(parse_qs(urlsplit(request.url).query)["_page"][0])
        return Reply(
            200, linked_views_page([2 * number - 1, 2 * number], 2, number, None, "string")
        )

    transport.scripts[VIEWS_PATH] = forever
    with pytest.raises(TooManyPagesError, match="at most 5 pages"):
        make_client(page_limit=2).views(ViewsQuery(HISTORY))
    assert asked_pages(transport) == [1, 2, 3, 4, 5]


def test_a_row_repeated_on_the_next_page_is_kept_once(make_client, transport, clock):
    """Offset paging over live data: a row added meanwhile pushes view-2 onto page 2 as well."""
    pages = [[1, 2], [2, 3], [4]]
    serve_pages(transport, pages, count=lambda n: 5, last=3, next_style="object")
    result = make_client(page_limit=2, concurrency=2).views(ViewsQuery(HISTORY))
    assert result.frame["view_id"].tolist() == [f"view-{n}" for n in range(1, 5)]
    assert result.frame.index.tolist() == [0, 1, 2, 3]


def test_a_viewer_repeated_on_the_next_page_is_kept_once_with_its_segments(
    make_client, transport, clock
):
    """/viewers pages over live data: bob is pushed onto page 2 as well; his segments come
    once, and a viewer without an identifier is never taken for a repeat."""

    def viewer(name: str | None, views: list[int]) -> dict[str, Any]:
        segments = [
            {
                "id": f"seg-{n}",
                "content_type": "live",
                "content_id": 7,
                "started_at": (HISTORY.start + timedelta(minutes=n)).isoformat(),
            }
            for n in views
        ]
        record = {"viewer_identifier": name, "videos_watched": len(views), "segments": segments}
        return {"attributes": record}

    pages = [
        [viewer("ann", [1]), viewer("bob", [2, 3])],
        [viewer("bob", [2, 3]), viewer(None, [4])],
        [viewer("cy", [5])],
    ]
    query = ViewersQuery(HISTORY)
    path = urlsplit(urljoin(API_URL, query.path)).path

    def by_page(request: requests.PreparedRequest) -> Reply:
        number = int(parse_qs(urlsplit(request.url).query)["_page"][0])
        href = "/v1/viewers?_page={}&_limit=2"
        pagination = {"count": 5, "last": {"href": href.format(3)}}
        return Reply(200, {"data": pages[number - 1], "pagination": pagination})

    transport.scripts[path] = by_page
    client = make_client(page_limit=2, concurrency=2)
    result = client.viewers(query)
    names = ["ann", "bob", "?", "cy"]
    assert result.frame["viewer_identifier"].fillna("?").tolist() == names
    assert result.segments["id"].tolist() == [f"seg-{n}" for n in range(1, 6)]
    streamed = pd.concat(list(client.iter_viewers(query)), ignore_index=True)
    assert streamed["viewer_identifier"].fillna("?").tolist() == names


# --- the rate limit ---------------------------------------------------------------------------


def test_a_429_without_retry_after_waits_until_the_reset(make_client, transport, clock):
    reset = int(clock.time()) + 4
    limited = {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0"}
    transport.on(
        TOTAL_VIEWS_PATH,
        Reply(429, {}, {**limited, "X-RateLimit-Reset": str(reset)}),
        Reply(
            200,
            total(8),
            {**limited, "X-RateLimit-Remaining": "19", "X-RateLimit-Reset": str(reset + 60)},
        ),
    )
    client = make_client(retry_seconds=1)  # the rate limit's wait is not the retry budget
    assert client.metric(TOTAL_VIEWS).frame["value"].tolist() == [8]
    assert len(clock.sleeps) == 1
    assert reset - 1 <= clock.time() - 0.1 <= reset + 0.1
    assert client.rate_limit.remaining == 19


def test_a_429_resetting_later_than_allowed_is_an_error_at_once(make_client, transport, clock):
    reset = int(clock.time()) + 900
    headers = {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0"}
    transport.on(TOTAL_VIEWS_PATH, Reply(429, {}, {**headers, "X-RateLimit-Reset": str(reset)}))
    client = make_client(rate_limit_wait=300)
    with pytest.raises(ApiUnavailableError) as caught:
        client.metric(TOTAL_VIEWS)
    assert caught.value.status == 429
    assert clock.sleeps == []
    # The next request does not even go: the window is known to be used up.
    with pytest.raises(ApiUnavailableError, match="ANALYTICS_API_RATE_LIMIT_WAIT"):
        client.metric(TOTAL_VIEWS)
    assert len(transport.sent_to(TOTAL_VIEWS_PATH)) == 1


# --- how the token request carries the secret -------------------------------------------------


def token_endpoint_taking(transport: ScriptedTransport, style: str | None) -> None:
    """The token endpoint takes the secret by `style` ("basic", "form"; None: neither)."""
    refused = {"error": "invalid_client", "error_description": "no client credentials found"}

    def answer(request: requests.PreparedRequest) -> Reply:
        by_basic = request.headers.get("Authorization", "").startswith("Basic ")
        in_form = "client_secret=" in (request.body or "")
        if (style == "basic" and by_basic) or (style == "form" and in_form):
            return Reply(200, {"access_token": "token-1", "expires_in": 3600})
        return Reply(400 if style else 401, refused)

    transport.scripts[TOKEN_PATH] = answer


def token_styles(transport: ScriptedTransport) -> list[str]:
    return [
        "basic" if r.headers.get("Authorization", "").startswith("Basic ") else "form"
        for r in transport.sent_to(TOKEN_PATH)
    ]


def test_auto_tries_basic_then_the_form_once_and_remembers(make_client, transport, clock):
    token_endpoint_taking(transport, "form")
    transport.on(TOTAL_VIEWS_PATH, Reply(200, total(4)))
    client = make_client(**client_credentials())
    assert client.metric(TOTAL_VIEWS).frame["value"].tolist() == [4]
    assert token_styles(transport) == ["basic", "form"]
    client._tokens.invalidate("token-1")
    client.metric(replace(TOTAL_VIEWS, tz="Europe/Berlin"))
    assert token_styles(transport) == ["basic", "form", "form"]  # no second try of Basic


def test_auto_with_basic_taken_sends_one_request(make_client, transport, clock):
    token_endpoint_taking(transport, "basic")
    transport.on(TOTAL_VIEWS_PATH, Reply(200, total(4)))
    make_client(**client_credentials()).metric(TOTAL_VIEWS)
    assert token_styles(transport) == ["basic"]
    assert "client_secret" not in (transport.sent_to(TOKEN_PATH)[0].body or "")


@pytest.mark.parametrize("method", ["auto", "basic", "form"])
def test_refused_secrets_name_the_setting_and_never_the_secret(
    make_client, transport, clock, method
):
    token_endpoint_taking(transport, None)
    client = make_client(**client_credentials(), client_auth_method=method)
    with pytest.raises(AuthError) as caught:
        client.metric(TOTAL_VIEWS)
    message = str(caught.value)
    assert "IBM_VIDEO_TOKEN_AUTH" in message
    assert ("basic and form" if method == "auto" else f"sent by {method}") in message
    assert "secret-1" not in message
    assert "secret-1" not in repr(caught.value)
    assert token_styles(transport) == (["basic", "form"] if method == "auto" else [method])
