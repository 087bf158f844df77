"""The Analytics API client: HTTP with cache, retries, timeouts, pagination and error mapping.

One AnalyticsClient per API account, safe to share between threads (the dashboard calls it from
a thread pool). Each query method returns a Result; /views and /viewers also stream page by page.
"""

from __future__ import annotations

import email.utils
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

import pandas as pd
import requests
import urllib3
from redis.exceptions import RedisError
from requests.adapters import HTTPAdapter

from . import frames
from .auth import TokenProvider, account_key
from .cache import (
    cache_problem,
    expiry_seconds,
    live_expiry_seconds,
    open_cached_session,
    stale_response,
)
from .catalogue import Catalogue, Content, FetchedJson, fetch_catalogue, fetch_content
from .channel_status import fetch_channel_statuses
from .errors import (
    ApiError,
    ApiUnavailableError,
    AuthError,
    api_error_from_body,
)
from .page_bodies import ParsedPage, parse_page
from .pagination import (
    ListPage,
    OnProgress,
    PageStream,
    RepeatedRows,
    RepeatedViewers,
    RepeatedViews,
)
from .queries import (
    Dimension,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    PeakSummaryQuery,
    Query,
    ViewerSecondsQuery,
    ViewerSecondsSummaryQuery,
    ViewersQuery,
    ViewsQuery,
)
from .rate_limit import RateLimit, RateLimitExceeded, rate_limit_for
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

T = TypeVar("T")


class RequestWatch(Protocol):
    """Watches the upstream requests made on behalf of one caller (the dashboard: one page
    render), in whichever thread sends them: the caller's own, or the threads fetching pages.
    """

    def before_request(self) -> None:
        """Called before each upstream API request: each page, each retry after a failure (a
        request asked again after a 429 counts once; token requests and answers from the HTTP
        cache not at all). Raise to stop the query there."""

    def wait(self, seconds: float) -> None:
        """Sleep `seconds` for the API's rate limit (say so, or raise to give up instead)."""


_WATCH: ContextVar[RequestWatch | None] = ContextVar("analytics_request_watch", default=None)


@contextmanager
def watching_requests(watch: RequestWatch) -> Iterator[None]:
    """Have `watch` see every upstream request of the queries made in this block (in this
    thread; the pages a query fetches side by side are seen too)."""
    token = _WATCH.set(watch)
    try:
        yield
    finally:
        _WATCH.reset(token)


@dataclass(frozen=True, eq=False)
class Result:
    """A query's answer and where it came from."""

    frame: pd.DataFrame
    fetched_at: datetime  # when the upstream produced the (oldest) response
    from_cache: bool  # every page came from the HTTP cache
    stale: bool  # served from an expired cache entry because the API failed
    total_count: int  # the API's pagination count
    segments: pd.DataFrame | None = None  # viewers only
    incomplete_records: int = 0  # records with a missing point/value/id (<NA> in the frame)


@dataclass(frozen=True)
class Fetched:
    """A 200 answer's body and where it came from."""

    body: bytes
    created_at: datetime
    from_cache: bool
    stale: bool


class AnalyticsClient:
    """Typed access to the Analytics API v1 for one account.

    `analytics.wiring.open_client` decides which account (or the demo API) to use; build one
    directly when the account is known. `session`, if given, is the transport for every request
    (its adapters are mounted on the cached session too), so tests need no server; the client
    closes it with itself.
    """

    def __init__(
        self,
        settings: ApiSettings,
        *,
        is_demo: bool = False,
        session: requests.Session | None = None,
    ) -> None:
        if not settings.has_credentials:
            raise ValueError(
                "No API credentials: set IBM_VIDEO_CLIENT_ID and IBM_VIDEO_CLIENT_SECRET "
                "(or IBM_VIDEO_ANALYTICS_TOKEN)"
            )
        self.settings = settings
        self.is_demo = is_demo
        self.account_key = account_key(settings)
        self._timeout = (settings.connect_timeout, settings.read_timeout)
        # The token endpoint and uncached sends; the cache's session shares its transport.
        self._http = _session(session or requests.Session(), settings, transport=session)
        cached = open_cached_session(settings, self.account_key) if settings.cache_enabled else None
        self._cache = None if cached is None else _session(cached, settings, transport=session)
        self._cache_warned = False
        self._tokens = TokenProvider(settings, post=self._post_token)
        # The Channel API (titles) takes ordinary Bearer tokens; its catalogue is kept here.
        self._channel_tokens: TokenProvider | None = None
        self._catalogue: tuple[Catalogue, float] | None = None  # and when (time.monotonic())
        self._catalogue_lock = threading.Lock()
        self._in_flight = threading.BoundedSemaphore(max(8, settings.concurrency * 2))
        self._rate_limit = rate_limit_for(self.account_key)
        # Which of `country` / `location` this account's API answers, once one was refused.
        self._place_dimension: dict[Dimension, Dimension] = {}
        # Peak granularities this account's API refused (v1.0.3: day, month): from hours.
        self._rolled_up_peaks: set[PeakGranularity] = set()

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
    def secrets(self) -> tuple[str, ...]:
        """What must never show in a message or a log: the configured secrets and every access
        token this client fetched (for `errors.redact`).
        """
        channel = self._channel_tokens
        return (*self._tokens.secrets, *(channel.secrets if channel is not None else ()))

    @property
    def token_fetches(self) -> int:
        """Access tokens obtained so far by this client (diagnostics, tests)."""
        return self._tokens.fetch_count

    def clear_cache(self) -> None:
        """Forget every cached answer of this account (other accounts keep theirs), the
        catalogue of titles included."""
        self._catalogue = None
        if self._cache is not None:
            self._cache.cache.clear()

    # --- queries ---------------------------------------------------------------------------

    def metric(self, q: MetricQuery) -> Result:
        """total-views, unique-devices or authenticated-viewers, as a summary or by dimension.

        `country` (current API) and `location` (v1.0.3) both answer countries: when the API
        refuses the one asked for, the other is asked instead, and remembered for this account.
        """
        _check(q, MetricQuery)
        asked = replace(q, dimension=self._place_dimension.get(q.dimension, q.dimension))
        try:
            return self._metric(asked)
        except ApiError as error:
            other = PLACE_DIMENSIONS.get(asked.dimension)
            if other is None or error.status != 400 or error.parameter != "dimension":
                raise
        logger.info("The API refused dimension %s; asking for %s", asked.dimension, other)
        result = self._metric(replace(q, dimension=other))
        self._place_dimension[q.dimension] = other
        return result

    def _metric(self, q: MetricQuery) -> Result:
        stream = self._stream(q, lambda body: parse_page(body, "metric", q.tz, q.dimension))
        return _result(stream, [*stream], lambda: frames.metric_frame([], q.dimension, q.tz))

    def peak_viewers(self, q: PeakQuery) -> Result:
        """Peak concurrent viewers per content and minute, hour, day or month.

        v1.0.3 knows minutes and hours only: when the API refuses `day` or `month`, the hourly
        peaks of the same range are rolled up (a day's peak is its highest hour, in the query's
        zone), and that is remembered for this account.
        """
        _check(q, PeakQuery)
        if q.granularity in self._rolled_up_peaks:
            return self._peaks_from_hours(q)
        try:
            return self._peak_viewers(q)
        except ApiError as error:
            if (
                q.granularity not in ROLLED_UP_PEAKS
                or error.status != 400
                or error.parameter != "granularity"
            ):
                raise
        logger.info("The API refused granularity %s; rolling up hourly peaks", q.granularity)
        self._rolled_up_peaks.add(q.granularity)
        return self._peaks_from_hours(q)

    def _peak_viewers(self, q: PeakQuery) -> Result:
        stream = self._stream(q, lambda body: parse_page(body, "peak", q.tz))
        return _result(stream, [*stream], lambda: frames.peak_frame([], q.tz))

    def _peaks_from_hours(self, q: PeakQuery) -> Result:
        hourly = self._peak_viewers(replace(q, granularity=PeakGranularity.HOUR))
        unit = ROLLED_UP_PEAKS[q.granularity]
        return replace(hourly, frame=frames.peaks_rolled_up(hourly.frame, unit, q.tz))

    def viewer_seconds(self, q: ViewerSecondsQuery) -> Result:
        """Seconds watched per content and bucket (current API only; v1.0.3 answers 404)."""
        _check(q, ViewerSecondsQuery)
        stream = self._stream(q, lambda body: parse_page(body, "peak", q.tz))
        return _result(stream, [*stream], lambda: frames.peak_frame([], q.tz))

    def peak_summary(self, q: PeakSummaryQuery) -> Result:
        """One content's highest peak and when: content_type, content_id, time, value."""
        return self._summary(q, PeakSummaryQuery, timed=True)

    def viewer_seconds_summary(self, q: ViewerSecondsSummaryQuery) -> Result:
        """One content's seconds watched in the period: content_type, content_id, value."""
        return self._summary(q, ViewerSecondsSummaryQuery, timed=False)

    def _summary(self, q: PeakSummaryQuery, kind: type, *, timed: bool) -> Result:
        if type(q) is not kind:  # a ViewerSecondsSummaryQuery is a PeakSummaryQuery too
            raise ValueError(f"expected a {kind.__name__}, got {type(q).__name__}")

        def parse(body: bytes) -> ParsedPage:
            frame = frames.summary_body_frame(body, q.tz, timed=timed)
            return ParsedPage(frame, len(frame), None)

        stream = self._stream(q, parse)
        return _result(stream, [*stream], lambda: frames.summary_frame([], q.tz, timed=timed))

    def views(self, q: ViewsQuery, on_progress: OnProgress | None = None) -> Result:
        """Every view segment of the period in one frame (use iter_views for big exports)."""
        stream = self.iter_views(q, on_progress)
        return _result(stream, [*stream], lambda: frames.views_frame([], q.tz))

    def iter_views(
        self, q: ViewsQuery, on_progress: OnProgress | None = None
    ) -> PageStream[pd.DataFrame]:
        """The view segments page by page (constant memory: a bounded number of pages ahead)."""
        _check(q, ViewsQuery)
        return self._stream(
            q, lambda body: parse_page(body, "view", q.tz), on_progress, dedupe=RepeatedViews()
        )

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
            result.incomplete_records,
        )

    def iter_viewers(
        self, q: ViewersQuery, on_progress: OnProgress | None = None
    ) -> PageStream[pd.DataFrame]:
        """The viewers page by page (one row per viewer; segments are left out)."""
        _check(q, ViewersQuery)
        return self._stream(
            q,
            lambda body: _viewers_only(parse_page(body, "viewer", q.tz)),
            on_progress,
            dedupe=RepeatedRows("viewer_identifier"),
        )

    def _viewer_pages(
        self, q: ViewersQuery, on_progress: OnProgress | None
    ) -> PageStream[tuple[pd.DataFrame, pd.DataFrame]]:
        _check(q, ViewersQuery)
        return self._stream(
            q, lambda body: parse_page(body, "viewer", q.tz), on_progress, dedupe=RepeatedViewers()
        )

    # --- the Channel API: titles -----------------------------------------------------------

    def catalogue(self, *, refresh: bool = False) -> Catalogue:
        """The account's channels and videos with their titles, lengths and creation dates,
        from IBM's Channel API (see catalogue.py).

        Kept for settings.catalogue_ttl (in this client and in the HTTP cache, so other
        processes and restarts share it); an unavailable one for settings.cache_recent_ttl, so
        a passing failure is retried soon. `refresh=True` asks the Channel API again, past both
        caches. Concurrent callers share one fetch. Never raises for what the API does: when
        the Channel API refuses the credentials or fails, the Catalogue is empty and its
        `unavailable_reason` says why.
        """
        with self._catalogue_lock:
            kept = self._catalogue
            if kept is not None and not refresh:
                catalogue, at = kept
                ttl = self.settings.catalogue_ttl
                if not catalogue.available:
                    ttl = min(ttl, self.settings.cache_recent_ttl)
                if time.monotonic() - at < ttl:
                    return catalogue
            catalogue = self._fetch_catalogue(refresh)
            self._catalogue = (catalogue, time.monotonic())
            return catalogue

    def channel_statuses(self) -> Result:
        """Every channel's on-air state from the Channel API's channel list (frame:
        content_id, status, on_air, viewers; see channel_status.py), fresh for one live period
        (settings.live_ttl, aligned to the wall clock, in the HTTP cache shared by replicas);
        when the Channel API fails, the last answer kept, marked stale. Raises ApiError when
        it refuses (or there is no client id: the Channel API needs client credentials)."""
        if not self.settings.client_id:
            raise ApiError(
                0,
                "The Channel API cannot be used",
                "it needs IBM_VIDEO_CLIENT_ID and IBM_VIDEO_CLIENT_SECRET",
            )
        expire_after = live_expiry_seconds(self.settings.live_ttl)

        def get(path: str, params: dict[str, str]) -> FetchedJson:
            return self._channel_api_get(path, params, expire_after=expire_after)

        frame, answers = fetch_channel_statuses(get)
        return Result(
            frame=frame,
            fetched_at=min((a.created_at for a in answers), default=_now()),
            from_cache=bool(answers) and all(a.from_cache for a in answers),
            stale=any(a.stale for a in answers),
            total_count=len(frame),
        )

    def content_details(self, content_type: str, content_id: int | str) -> Content | None:
        """One channel (`live`) or video (`recorded`) from the Channel API's details endpoint,
        for an id the catalogue does not list; None when the API does not know it. Raises
        ApiError when the Channel API refuses or fails."""
        if not self.settings.client_id:
            return None
        return fetch_content(self._channel_api_get, content_type, content_id)

    def _fetch_catalogue(self, refresh: bool) -> Catalogue:
        if not self.settings.client_id:
            return Catalogue.unavailable(
                "Titles are missing: the Channel API needs IBM_VIDEO_CLIENT_ID and "
                "IBM_VIDEO_CLIENT_SECRET (IBM_VIDEO_ANALYTICS_TOKEN is for the Analytics API only)"
            )

        def get(path: str, params: dict[str, str]) -> FetchedJson:
            return self._channel_api_get(path, params, refresh=refresh)

        width = min(8, self.settings.concurrency * 2)
        return fetch_catalogue(get, concurrency=width, secrets=lambda: self.secrets)

    def _channel_token_provider(self) -> TokenProvider:
        """Ordinary access tokens (no token_type=jwt), sent the way that worked for the JWTs."""
        with _CHANNEL_TOKENS_LOCK:
            if self._channel_tokens is None:
                method = self._tokens.client_auth_method
                settings = self.settings
                if method != settings.client_auth_method:
                    settings = settings.with_changes(client_auth_method=method)
                self._channel_tokens = TokenProvider(settings, post=self._post_token, jwt=False)
            return self._channel_tokens

    def _channel_api_get(
        self,
        path: str,
        params: dict[str, str],
        *,
        refresh: bool = False,
        expire_after: int | None = None,
    ) -> FetchedJson:
        """A 200 answer of the Channel API (a Bearer token), fresh from the HTTP cache for
        `expire_after` seconds (default catalogue_ttl) unless `refresh`; when the API fails, a
        stale one if kept."""
        url = urljoin(self.settings.channel_api_url, path)
        if expire_after is None:
            expire_after = int(self.settings.catalogue_ttl)
        cached, cache = (None, self._cache) if refresh else self._fresh(url, params, expire_after)
        if cached is not None:
            return _json_answer(_fetched(cached, cached.content))
        try:
            try:
                fetched = self._channel_api_upstream(url, params, expire_after, cache, refresh)
            except CACHE_ERRORS as exc:
                self._cache_failed(exc)
                cache = None
                fetched = self._channel_api_upstream(url, params, expire_after, None, refresh)
        except ApiUnavailableError:
            stale = self._stale(cache, url, params)
            if stale is None:
                raise
            logger.warning("The Channel API failed; serving its cached answer")
            fetched = _fetched(stale, stale.content, stale=True)
        return _json_answer(fetched)

    def _channel_api_upstream(
        self,
        url: str,
        params: dict[str, str],
        expire_after: int,
        cache: Any | None,
        refresh: bool,
    ) -> Fetched:
        session = cache if cache is not None else self._http
        extra: dict[str, Any] = {"stream": True}
        if cache is not None:
            extra = {"expire_after": expire_after, "force_refresh": refresh}
        tokens = self._channel_token_provider()
        reauthenticated = False
        while True:
            token = tokens.get()
            headers = {"Authorization": f"Bearer {token}"}
            response = self._send(session, "GET", url, params=params, headers=headers, **extra)
            if response.status_code == 200:
                return _fetched(response, response.content)
            if response.status_code == 401 and not reauthenticated and tokens.invalidate(token):
                logger.info("The Channel API answered 401; fetching a new access token")
                reauthenticated = True
                continue
            raise api_error_from_body(response.status_code, response.content, self.secrets)

    # --- pagination ------------------------------------------------------------------------

    def _stream(
        self,
        q: Query,
        parse: Callable[[bytes], ParsedPage],
        on_progress: OnProgress | None = None,
        dedupe: Callable[[T], T] | None = None,
    ) -> PageStream[T]:
        """The query's pages; their URLs are the base URL, the query and _page/_limit."""
        limit = self.settings.page_limit
        expire_after = expiry_seconds(q.time_range, self.settings)
        url = urljoin(self.settings.api_url, q.path)
        params = q.params()
        watch = _WATCH.get()  # the caller's, also in the threads that fetch pages ahead

        def fetch(number: int) -> ListPage[T]:
            token = _WATCH.set(watch)
            try:
                return self._fetch_page(url, params, number, limit, expire_after, parse)
            finally:
                _WATCH.reset(token)

        return PageStream(fetch, limit, self.settings.concurrency, on_progress, dedupe=dedupe)

    def _fetch_page(
        self,
        url: str,
        params: dict[str, str],
        number: int,
        limit: int,
        expire_after: int,
        parse: Callable[[bytes], ParsedPage],
    ) -> ListPage[Any]:
        page_params = {**params, "_page": str(number), "_limit": str(limit)}
        fetched = self._get(url, page_params, expire_after)
        parsed = parse(fetched.body)
        return ListPage(
            number=number,
            content=parsed.content,
            rows=parsed.rows,
            count=parsed.count,
            fetched_at=fetched.created_at,
            from_cache=fetched.from_cache,
            stale=fetched.stale,
            last_page=parsed.last_page,
            has_next=parsed.has_next,
        )

    # --- HTTP ------------------------------------------------------------------------------

    def _fresh(
        self, url: str, params: dict[str, str], expire_after: int
    ) -> tuple[requests.Response | None, Any]:
        """The HTTP cache's fresh 200 answer to the request (None without one), and the cache
        to go on with (None when it failed: it is bypassed, reported once)."""
        cache = self._cache
        if cache is None:
            return None, None
        try:
            cached = cache.get(
                url,
                params=params,
                only_if_cached=True,
                expire_after=expire_after,
                timeout=self._timeout,
            )
        except CACHE_ERRORS as exc:
            self._cache_failed(exc)
            return None, None
        return (cached if cached.status_code == 200 else None), cache

    def _stale(self, cache: Any, url: str, params: dict[str, str]) -> requests.Response | None:
        """The expired cached answer to serve while the API fails (None without one, or when
        the cache itself fails)."""
        if cache is None:
            return None
        try:
            return stale_response(cache, url, params, self.settings.cache_stale_ttl)
        except CACHE_ERRORS:
            return None

    def _get(self, url: str, params: dict[str, str], expire_after: int) -> Fetched:
        """A 200 answer, from the cache when fresh; when the API fails, a stale one.

        A failing cache backend (Redis down, SQLite locked) degrades to uncached requests.
        """
        cached, cache = self._fresh(url, params, expire_after)
        if cached is not None:
            logger.debug("GET %s page %s: fresh in cache", urlsplit(url).path, params["_page"])
            return _fetched(cached, cached.content)
        try:
            try:
                return self._get_upstream(url, params, expire_after, cache)
            except CACHE_ERRORS as exc:
                self._cache_failed(exc)
                cache = None
                return self._get_upstream(url, params, expire_after, None)
        except ApiUnavailableError as error:
            stale = self._stale(cache, url, params)
            if stale is None:
                raise
            logger.warning(
                "The Analytics API failed (%s); serving the cached answer from %s",
                error,
                stale.created_at.isoformat(timespec="seconds"),
            )
            return _fetched(stale, stale.content, stale=True)

    def _cache_failed(self, exc: BaseException) -> None:
        """Report a failing cache once per client (then quietly); the request goes to the API."""
        level = logging.DEBUG if self._cache_warned else logging.WARNING
        self._cache_warned = True
        logger.log(level, "The API cache failed (%s); asking the API", cache_problem(exc))

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
            raise api_error_from_body(response.status_code, response.content, self.secrets)

    def _unauthorized(self, response: requests.Response) -> AuthError:
        error = api_error_from_body(401, response.content, self.secrets)
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

    def _wait_for_rate_limit(self) -> None:
        """Take this request's turn in the account's rate limit (see rate_limit.py); a watch
        set with `watching_requests` does the waiting."""
        watch = _WATCH.get()
        sleep = time.sleep if watch is None else watch.wait
        try:
            self._rate_limit.wait_turn(time.time, sleep, self.settings.rate_limit_wait)
        except RateLimitExceeded as exc:
            raise ApiUnavailableError(
                429,
                "The Analytics API's rate limit is used up",
                f"it frees requests in {exc.seconds:.0f} s, more than "
                f"ANALYTICS_API_RATE_LIMIT_WAIT ({self.settings.rate_limit_wait:.0f} s)",
            ) from None

    def rate_limit_wait_seconds(self) -> float:
        """How long requests of this account are waiting for the API's rate limit now (0: not
        waiting), for a "waiting for the API's rate limit (N s)" message.
        """
        return self._rate_limit.wait_seconds(time.time())

    @property
    def rate_limit(self) -> RateLimit:
        """The account's rate limit, shared by every client of it in this process (its
        `add_listener(callback)` reports each wait as it starts).
        """
        return self._rate_limit

    def _post_token(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send(self._http, "POST", url, **kwargs)

    def _send(self, session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        """Send with retries: exponential backoff with full jitter on 502/503/504 and
        connection errors, honouring Retry-After, within settings.retry_seconds in total; a 429
        waits (with every thread of the account) until the rate limit resets, up to
        settings.rate_limit_wait. Every request first takes its turn in the account's rate limit.
        Returns the last response (the caller maps non-200 answers to errors).
        """
        deadline = time.monotonic() + self.settings.retry_seconds
        path = urlsplit(url).path
        watch = _WATCH.get() if method == "GET" else None  # token requests serve everyone
        attempt = 0
        after_429 = False  # the same request, sent again when the rate limit allows
        while True:
            attempt += 1
            if watch is not None and not after_429:
                watch.before_request()
            after_429 = False
            self._wait_for_rate_limit()
            started = time.monotonic()
            try:
                with self._in_flight:
                    response = session.request(method, url, timeout=self._timeout, **kwargs)
                    if kwargs.get("stream"):
                        _read_whole_body(response)
            except RETRY_EXCEPTIONS as exc:
                self._rate_limit.observe(0, {}, time.time())
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
            fresh = not getattr(response, "from_cache", False)
            self._rate_limit.observe(
                response.status_code, response.headers if fresh else {}, time.time()
            )
            if response.status_code not in RETRY_STATUSES:
                return response
            delay = _retry_after(response)
            delay = _backoff(attempt) if delay is None else delay + random.uniform(0, 0.1)
            if response.status_code == 429:
                if attempt >= MAX_ATTEMPTS or delay > self.settings.rate_limit_wait:
                    logger.warning(
                        "%s %s: HTTP 429, giving up after %d attempts (the rate limit frees "
                        "requests in %.0f s; ANALYTICS_API_RATE_LIMIT_WAIT is %.0f s)",
                        method,
                        path,
                        attempt,
                        delay,
                        self.settings.rate_limit_wait,
                    )
                    return response
                logger.info(
                    "%s %s: HTTP 429, waiting %.2f s for the rate limit", method, path, delay
                )
                response.close()
                self._rate_limit.block(time.time() + delay)  # the wait: at the next turn
                after_429 = True
                continue
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


_CHANNEL_TOKENS_LOCK = threading.Lock()  # creates a client's Channel API token provider once

# The two names of "by country": `country` in the current API, `location` in v1.0.3.
PLACE_DIMENSIONS = {Dimension.COUNTRY: Dimension.LOCATION, Dimension.LOCATION: Dimension.COUNTRY}
# Peak buckets v1.0.3 lacks, and the calendar unit that rolls hourly peaks up into them.
ROLLED_UP_PEAKS = {PeakGranularity.DAY: "D", PeakGranularity.MONTH: "M"}


# --- helpers --------------------------------------------------------------------------------


def _session(
    session: requests.Session, settings: ApiSettings, *, transport: requests.Session | None
) -> Any:
    """Our headers, and the given transport's adapters; without one, connection pools big
    enough for the concurrent page fetches of several queries.
    """
    if transport is None:
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(16, settings.concurrency * 4))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    elif transport is not session:
        for prefix, transport_adapter in transport.adapters.items():
            session.mount(prefix, transport_adapter)
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


def _json_answer(fetched: Fetched) -> FetchedJson:
    return FetchedJson(fetched.body, fetched.created_at, fetched.from_cache, fetched.stale)


def _viewers_only(page: ParsedPage) -> ParsedPage:
    viewers, _segments = page.content
    return replace(page, content=viewers)


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
        incomplete_records=frames.incomplete_records(parts),
    )
