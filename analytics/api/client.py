"""The Analytics API client: HTTP with cache, retries, timeouts, pagination and error mapping.

One AnalyticsClient per API account, safe to share between threads (the dashboard calls it from
a thread pool). Each query method returns a Result; /views and /viewers also stream page by page.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urljoin, urlsplit

import pandas as pd
import requests
import urllib3
from redis.exceptions import RedisError
from requests.adapters import HTTPAdapter

from . import frames
from .auth import TokenProvider, account_key
from .cache import expiry_seconds, open_cached_session, stale_response
from .errors import (
    ApiUnavailableError,
    AuthError,
    api_error_from_body,
)
from .pages import ParsedPage, parse_page
from .queries import MetricQuery, PeakQuery, Query, ViewersQuery, ViewsQuery
from .settings import ApiSettings

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
RETRY_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
MAX_ATTEMPTS = 10
CACHE_ERRORS = (sqlite3.Error, RedisError)
USER_AGENT = "ibm-video-analytics-dashboard/0.1 (+python-requests)"

OnProgress = Callable[[int, int], None]  # (pages_done, pages_total)
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Result:
    """A query's answer and where it came from."""

    frame: pd.DataFrame
    fetched_at: datetime  # when the upstream produced the (oldest) response
    from_cache: bool  # every page came from the HTTP cache
    stale: bool  # served from an expired cache entry because the API failed
    total_count: int  # the API's pagination count
    segments: pd.DataFrame | None = None  # viewers only


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list endpoint, already converted (T: a frame, or frames for viewers)."""

    number: int
    content: T
    rows: int
    count: int | None  # the pagination count the API reported (None if it did not)
    fetched_at: datetime
    from_cache: bool
    stale: bool


@dataclass(frozen=True)
class Fetched:
    """A 200 answer's body and where it came from."""

    body: bytes
    created_at: datetime
    from_cache: bool
    stale: bool


class PageStream(Iterator[T]):
    """Iterates the converted pages of one query in order, fetching ahead a bounded number.

    After the first page its attributes say how much there is: total_count, pages_total.
    `from_cache`, `stale` and `fetched_at` describe the pages delivered so far.
    """

    def __init__(self, pages: Iterator[Page[T]], on_progress: OnProgress | None = None) -> None:
        self._pages = pages
        self._on_progress = on_progress
        self.total_count: int | None = None
        self.pages_total: int | None = None
        self.pages_done = 0
        self.rows_done = 0
        self.from_cache = True
        self.stale = False
        self.fetched_at: datetime | None = None

    def __next__(self) -> T:
        page = next(self._pages)
        if self.pages_done == 0:
            self.total_count = page.count if page.count is not None else page.rows
        self.pages_done += 1
        self.rows_done += page.rows
        self.from_cache = self.from_cache and page.from_cache
        self.stale = self.stale or page.stale
        if self.fetched_at is None or page.fetched_at < self.fetched_at:
            self.fetched_at = page.fetched_at
        if self._on_progress is not None and self.pages_total is not None:
            self._on_progress(self.pages_done, self.pages_total)
        return page.content

    def close(self) -> None:
        """Stop fetching (pages already requested finish in the background)."""
        close = getattr(self._pages, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> PageStream[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AnalyticsClient:
    """Typed access to the Analytics API v1 for one account. Use `open_client()` to make one."""

    def __init__(self, settings: ApiSettings, *, is_demo: bool = False) -> None:
        if not settings.has_credentials:
            raise ValueError(
                "No API credentials: set IBM_VIDEO_CLIENT_ID and IBM_VIDEO_CLIENT_SECRET "
                "(or IBM_VIDEO_ANALYTICS_TOKEN), or use open_client() for the demo API"
            )
        self.settings = settings
        self.is_demo = is_demo
        self.account_key = account_key(settings)
        self._timeout = (settings.connect_timeout, settings.read_timeout)
        self._http = _session(requests.Session(), settings)  # token endpoint, uncached sends
        self._cache = (
            _session(open_cached_session(settings, self.account_key), settings)
            if settings.cache_enabled
            else None
        )
        self._tokens = TokenProvider(settings, post=self._post_token)
        self._in_flight = threading.BoundedSemaphore(max(8, settings.concurrency * 2))

    def __repr__(self) -> str:
        host = urlsplit(self.settings.api_url).netloc
        return f"AnalyticsClient({host!r}, account_key={self.account_key!r}, demo={self.is_demo})"

    def __enter__(self) -> AnalyticsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        if self._cache is not None:
            self._cache.close()

    @property
    def token_fetches(self) -> int:
        """Access tokens obtained so far by this client (diagnostics, tests)."""
        return self._tokens.fetch_count

    def clear_cache(self) -> None:
        """Forget every cached answer of this account (other accounts keep theirs)."""
        if self._cache is not None:
            self._cache.cache.clear()

    # --- queries ---------------------------------------------------------------------------

    def metric(self, q: MetricQuery) -> Result:
        """total-views, unique-devices or authenticated-viewers, as a summary or by dimension."""
        _check(q, MetricQuery)
        stream = self._stream(q, lambda body: parse_page(body, "metric", q.tz, q.dimension))
        return _result(stream, [*stream], lambda: frames.metric_frame([], q.dimension, q.tz))

    def peak_viewers(self, q: PeakQuery) -> Result:
        _check(q, PeakQuery)
        stream = self._stream(q, lambda body: parse_page(body, "peak", q.tz))
        return _result(stream, [*stream], lambda: frames.peak_frame([], q.tz))

    def views(self, q: ViewsQuery, on_progress: OnProgress | None = None) -> Result:
        """Every view segment of the period in one frame (use iter_views for big exports)."""
        stream = self.iter_views(q, on_progress)
        return _result(stream, [*stream], lambda: frames.views_frame([], q.tz))

    def iter_views(
        self, q: ViewsQuery, on_progress: OnProgress | None = None
    ) -> PageStream[pd.DataFrame]:
        """The view segments page by page (constant memory: a bounded number of pages ahead)."""
        _check(q, ViewsQuery)
        return self._stream(q, lambda body: parse_page(body, "view", q.tz), on_progress)

    def viewers(self, q: ViewersQuery, on_progress: OnProgress | None = None) -> Result:
        """One row per viewer; Result.segments holds their segments."""
        stream = self._viewer_pages(q, on_progress)
        pages = [*stream]
        empty_viewers, empty_segments = frames.viewers_frames([], q.tz)
        result = _result(stream, [v for v, _ in pages], lambda: empty_viewers)
        segments = _concat([s for _, s in pages], lambda: empty_segments)
        return Result(
            result.frame,
            result.fetched_at,
            result.from_cache,
            result.stale,
            result.total_count,
            segments,
        )

    def iter_viewers(
        self, q: ViewersQuery, on_progress: OnProgress | None = None
    ) -> PageStream[pd.DataFrame]:
        """The viewers page by page (one row per viewer; segments are left out)."""
        _check(q, ViewersQuery)
        return self._stream(
            q, lambda body: _viewers_only(parse_page(body, "viewer", q.tz)), on_progress
        )

    def _viewer_pages(
        self, q: ViewersQuery, on_progress: OnProgress | None
    ) -> PageStream[tuple[pd.DataFrame, pd.DataFrame]]:
        _check(q, ViewersQuery)
        return self._stream(q, lambda body: parse_page(body, "viewer", q.tz), on_progress)

    # --- pagination ------------------------------------------------------------------------

    def _stream(
        self,
        q: Query,
        parse: Callable[[bytes], ParsedPage],
        on_progress: OnProgress | None = None,
    ) -> PageStream[T]:
        stream: PageStream[T] = PageStream(iter(()), on_progress)
        stream._pages = self._pages(q, parse, stream)
        return stream

    def _pages(
        self, q: Query, parse: Callable[[bytes], ParsedPage], stream: PageStream[T]
    ) -> Iterator[Page[T]]:
        """Page 1, then the rest: known from `count`, fetched concurrently (bounded), in order.

        Page URLs are built here from the base URL, the query and _page/_limit; the API's
        pagination hrefs are never followed (the documented ones are relative and inconsistent).
        """
        limit = self.settings.page_limit
        expire_after = expiry_seconds(q.time_range, self.settings)
        url = urljoin(self.settings.api_url, q.path)
        params = q.params()

        def fetch(number: int) -> Page[T]:
            return self._fetch_page(url, params, number, limit, expire_after, parse)

        first = fetch(1)
        if first.count is None:  # no count: walk pages one by one until a short one
            stream.pages_total = 1
            yield first
            page = first
            while page.rows >= limit:
                page = fetch(page.number + 1)
                stream.pages_total = page.number
                yield page
            return

        pages_total = max(1, math.ceil(first.count / limit))
        stream.pages_total = pages_total
        yield first
        if pages_total == 1:
            return
        workers = min(self.settings.concurrency, pages_total - 1)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analytics-page")
        pending: deque[Future[Page[T]]] = deque()
        next_number = 2
        try:
            while next_number <= pages_total or pending:
                # Read ahead at most `workers` pages: memory stays bounded while the caller writes.
                while next_number <= pages_total and len(pending) < workers:
                    pending.append(pool.submit(fetch, next_number))
                    next_number += 1
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def _fetch_page(
        self,
        url: str,
        params: dict[str, str],
        number: int,
        limit: int,
        expire_after: int,
        parse: Callable[[bytes], ParsedPage],
    ) -> Page[Any]:
        page_params = {**params, "_page": str(number), "_limit": str(limit)}
        fetched = self._get(url, page_params, expire_after)
        parsed = parse(fetched.body)
        return Page(
            number=number,
            content=parsed.content,
            rows=parsed.rows,
            count=parsed.count,
            fetched_at=fetched.created_at,
            from_cache=fetched.from_cache,
            stale=fetched.stale,
        )

    # --- HTTP ------------------------------------------------------------------------------

    def _get(self, url: str, params: dict[str, str], expire_after: int) -> Fetched:
        """A 200 answer, from the cache when fresh; when the API fails, a stale one.

        A failing cache backend (Redis down, SQLite locked) degrades to uncached requests.
        """
        cache = self._cache
        if cache is not None:
            try:
                cached = cache.get(
                    url,
                    params=params,
                    only_if_cached=True,
                    expire_after=expire_after,
                    timeout=self._timeout,
                )
            except CACHE_ERRORS as exc:
                logger.warning("The API cache failed (%s); asking the API", type(exc).__name__)
                cache = None
            else:
                if cached.status_code == 200:
                    logger.debug(
                        "GET %s page %s: fresh in cache", urlsplit(url).path, params["_page"]
                    )
                    return _fetched(cached, cached.content)
        try:
            try:
                return self._get_upstream(url, params, expire_after, cache)
            except CACHE_ERRORS as exc:
                logger.warning("The API cache failed (%s); asking the API", type(exc).__name__)
                cache = None
                return self._get_upstream(url, params, expire_after, None)
        except ApiUnavailableError as error:
            if cache is None:
                raise
            try:
                stale = stale_response(cache, url, params, self.settings.cache_stale_ttl)
            except CACHE_ERRORS:
                stale = None
            if stale is None:
                raise
            logger.warning(
                "The Analytics API failed (%s); serving the cached answer from %s",
                error,
                stale.created_at.isoformat(timespec="seconds"),
            )
            return _fetched(stale, stale.content, stale=True)

    def _get_upstream(
        self, url: str, params: dict[str, str], expire_after: int, cache: Any | None
    ) -> Fetched:
        session = cache if cache is not None else self._http
        extra = {"expire_after": expire_after} if cache is not None else {"stream": True}
        reauthenticated = False
        while True:
            token = self._tokens.get()
            response = self._send(
                session, "GET", url, params=params, headers={"Authorization": token}, **extra
            )
            if response.status_code == 200:
                return _fetched(response, response.content)
            if response.status_code == 401:
                if not reauthenticated and self._tokens.invalidate(token):
                    logger.info("The API answered 401; fetching a new access token and retrying")
                    reauthenticated = True
                    continue
                raise self._unauthorized(response)
            raise api_error_from_body(response.status_code, response.content, self.settings.secrets)

    def _unauthorized(self, response: requests.Response) -> AuthError:
        error = api_error_from_body(401, response.content, self.settings.secrets)
        if self.settings.uses_static_token:
            return AuthError(
                401,
                "The API rejected IBM_VIDEO_ANALYTICS_TOKEN",
                "it has probably expired and cannot be renewed here; issue a new token, or set "
                "IBM_VIDEO_CLIENT_ID and IBM_VIDEO_CLIENT_SECRET",
            )
        return AuthError(
            401,
            "The API rejected a freshly issued access token",
            error.detail or "check that this client may use the Analytics API",
        )

    def _post_token(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send(self._http, "POST", url, **kwargs)

    def _send(self, session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        """Send with retries: exponential backoff with full jitter on 429/502/503/504 and
        connection errors, honouring Retry-After, within settings.retry_seconds in total.
        Returns the last response (the caller maps non-200 answers to errors).
        """
        deadline = time.monotonic() + self.settings.retry_seconds
        path = urlsplit(url).path
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                with self._in_flight:
                    response = session.request(method, url, timeout=self._timeout, **kwargs)
                    if kwargs.get("stream"):
                        _read_whole_body(response)
            except RETRY_EXCEPTIONS as exc:
                reason = _connection_problem(exc, self.settings.read_timeout)
                delay = _backoff(attempt)
                logger.info("%s %s: %s (attempt %d)", method, path, reason, attempt)
                if attempt >= MAX_ATTEMPTS or time.monotonic() + delay > deadline:
                    host = urlsplit(url).netloc
                    raise ApiUnavailableError(
                        0, "Cannot reach the Analytics API", f"{host}: {reason}"
                    ) from None
                time.sleep(delay)
                continue
            elapsed = time.monotonic() - started
            logger.debug(
                "%s %s -> %d in %.2f s%s",
                method,
                path,
                response.status_code,
                elapsed,
                " (cache)" if getattr(response, "from_cache", False) else "",
            )
            if response.status_code not in RETRY_STATUSES:
                return response
            delay = _retry_after(response)
            delay = _backoff(attempt) if delay is None else delay + random.uniform(0, 0.1)
            if attempt >= MAX_ATTEMPTS or time.monotonic() + delay > deadline:
                logger.warning(
                    "%s %s: HTTP %d, giving up after %d attempts",
                    method,
                    path,
                    response.status_code,
                    attempt,
                )
                return response
            logger.info(
                "%s %s: HTTP %d, retrying in %.2f s", method, path, response.status_code, delay
            )
            response.close()
            time.sleep(delay)


def open_client(settings: ApiSettings | None = None) -> AnalyticsClient:
    """A client for the configured account; without credentials, for the embedded demo API."""
    settings = ApiSettings.from_env() if settings is None else settings
    if settings.has_credentials:
        return AnalyticsClient(settings)
    from analytics.demo import embedded_demo_server  # only when needed: it pulls in FastAPI

    server = embedded_demo_server()
    logger.info(
        "No API credentials configured; using the demo Analytics API at %s", server.base_url
    )
    demo = settings.with_changes(
        api_url=server.base_url,
        token_url=server.token_url,
        client_id=server.client_id,
        client_secret=server.client_secret,
        token=None,
    )
    return AnalyticsClient(demo, is_demo=True)


# --- helpers --------------------------------------------------------------------------------


def _session(session: requests.Session, settings: ApiSettings) -> Any:
    """Connection pools big enough for the concurrent page fetches of several queries."""
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(16, settings.concurrency * 4))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


def _check(q: object, kind: type) -> None:
    if not isinstance(q, kind):
        raise ValueError(f"expected a {kind.__name__}, got {type(q).__name__}")


def _now() -> datetime:
    return datetime.now(UTC)


def _backoff(attempt: int) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)))


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from Retry-After (seconds or an HTTP date), else X-RateLimit-Reset."""
    value = response.headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            pass
    reset = response.headers.get("X-RateLimit-Reset", "").strip()
    if reset.isdigit():
        seconds = float(reset)
        return max(0.0, seconds - time.time()) if seconds > 1e9 else seconds  # epoch or delta
    return None


def _connection_problem(exc: Exception, read_timeout: float) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {read_timeout:.0f} s"
    if isinstance(exc, requests.ConnectionError) and "refused" in str(exc).lower():
        return "the connection was refused"
    return "the connection failed"


def _read_whole_body(response: requests.Response) -> None:
    """Read a streamed body in one call: requests' .content reads 10 KB chunks, which costs
    ~1 s of CPU per million exported segments. A broken transfer is retried like any other.
    """
    try:
        body = response.raw.read(decode_content=True)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        response.close()
        raise requests.exceptions.ChunkedEncodingError(type(exc).__name__) from None
    response._content = body  # what .content returns from now on
    response._content_consumed = True
    response.close()


def _fetched(response: requests.Response, body: bytes, *, stale: bool = False) -> Fetched:
    created = getattr(response, "created_at", None)
    return Fetched(
        body=body,
        created_at=created.astimezone(UTC) if isinstance(created, datetime) else _now(),
        from_cache=bool(getattr(response, "from_cache", False)),
        stale=stale,
    )


def _viewers_only(page: ParsedPage) -> ParsedPage:
    viewers, _segments = page.content
    return ParsedPage(viewers, page.rows, page.count)


def _concat(parts: list[pd.DataFrame], empty: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty()
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts, ignore_index=True)


def _result(
    stream: PageStream[Any], parts: list[pd.DataFrame], empty: Callable[[], pd.DataFrame]
) -> Result:
    return Result(
        frame=_concat(parts, empty),
        fetched_at=stream.fetched_at or _now(),
        from_cache=stream.from_cache and stream.pages_done > 0,
        stale=stream.stale,
        total_count=stream.total_count or 0,
    )
