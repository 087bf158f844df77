"""The pages' access to the API: one client per process, cached answers, calls run side by side.

`fetch_all` takes the independent calls of a page, answers what it can from the dashboard cache
(st.cache_data, keyed by the API account and the query), runs the rest concurrently in worker
threads (which never touch Streamlit) and returns one Outcome per call, so one failure only
affects its own panel. A call identical to one already under way (another session, or a rerun
overlapping the run it replaced) waits for that one instead of asking the API again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from analytics.api import (
    AnalyticsClient,
    ApiError,
    ApiSettings,
    MetricQuery,
    PeakQuery,
    Result,
    ViewersQuery,
    ViewsQuery,
    open_client,
)

log = logging.getLogger(__name__)

CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 2_000
MAX_WORKERS = 16
# Enough requests in flight for a whole page of calls at once (the client allows 2x this).
DASHBOARD_CONCURRENCY = 8
QUERY_LOG = "service_query_log"  # session-state key: the calls of the latest runs (tests, debug)
GENERIC_ERROR = "Something went wrong while loading this panel. The error has been logged."

Query = MetricQuery | PeakQuery | ViewersQuery | ViewsQuery


@dataclass(frozen=True)
class FirstPage:
    """Only the first page of a list query (views preview, viewer search) plus its total count."""

    query: ViewsQuery | ViewersQuery


@dataclass(frozen=True)
class Chunked:
    """One answer made of several smaller queries run side by side, e.g. a long peak series
    split by time so that each part fits one page (one round trip instead of two).
    """

    whole: PeakQuery
    parts: tuple[PeakQuery, ...]


Call = Query | FirstPage | Chunked


@dataclass(frozen=True)
class Outcome:
    """One call's answer: a result, or a message fit for st.error."""

    result: Result | None = None
    error: str | None = None
    dashboard_cache: bool = False  # answered from this process's dashboard cache

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass
class Batch:
    """The outcomes of one page's calls, by name, and when they were fetched."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Outcome:
        return self.outcomes[name]

    def results(self) -> list[Result]:
        return [o.result for o in self.outcomes.values() if o.result is not None]


# --- the client --------------------------------------------------------------------------------


def secrets_or_none() -> Mapping[str, Any] | None:
    """st.secrets when a secrets.toml exists, else None (reading st.secrets would raise)."""
    try:
        return st.secrets if st.secrets.load_if_toml_exists() else None
    except Exception:  # a malformed secrets.toml: report it where settings are read
        log.warning("Could not read .streamlit/secrets.toml", exc_info=True)
        return None


def api_settings() -> ApiSettings:
    """API settings from the environment and secrets.toml; ValueError naming a bad one."""
    return ApiSettings.from_env(secrets=secrets_or_none())


def settings_or_stop() -> ApiSettings:
    """The API settings, or a clear st.error and a stopped script when one is wrong."""
    try:
        return api_settings()
    except ValueError as error:
        st.error(f"The dashboard cannot start: {error}", icon=":material/block:")
        st.stop()
        raise AssertionError("unreachable") from None


@st.cache_resource(show_spinner=False)
def get_client() -> AnalyticsClient:
    """The process's client (credentials from the environment or secrets.toml, else the demo)."""
    settings = api_settings()
    configured = os.environ.get("ANALYTICS_API_CONCURRENCY") or _secret("ANALYTICS_API_CONCURRENCY")
    if not configured:
        settings = settings.with_changes(
            concurrency=max(settings.concurrency, DASHBOARD_CONCURRENCY)
        )
    return open_client(settings)


def client_or_stop() -> AnalyticsClient:
    """The client, or a clear st.error and a stopped script when it cannot be opened."""
    try:
        return get_client()
    except ValueError as error:  # a setting is wrong; the message names it
        st.error(f"The dashboard cannot start: {error}", icon=":material/block:")
    except Exception:
        log.exception("Could not open the Analytics API client")
        st.error(
            "The dashboard cannot start: the Analytics API client could not be opened. "
            "The error has been logged.",
            icon=":material/block:",
        )
    st.stop()
    raise AssertionError("unreachable")


def refresh_button(client: AnalyticsClient) -> None:
    """Sidebar action: forget cached answers so everything is fetched again."""
    if st.sidebar.button(
        "Refresh data",
        icon=":material/refresh:",
        help="Fetch everything again from the API (clears the dashboard and HTTP caches).",
        width="stretch",
    ):
        refresh_data(client)
        st.toast("Cached data cleared; fetching fresh data.", icon=":material/refresh:")


def now() -> datetime:
    return datetime.now().astimezone()


def _secret(name: str) -> Any:
    secrets = secrets_or_none()
    try:
        return secrets.get(name) if secrets is not None else None
    except Exception:
        return None


# --- cache -------------------------------------------------------------------------------------


class _NotCached(Exception):
    """Raised inside the cached function to look an entry up without computing it."""


def _not_cached() -> Result:
    raise _NotCached


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _cached_result(account_key: str, query_key: str, _produce: Callable[[], Result]) -> Result:
    # The key is the account and the query; `_produce` is not part of it (leading underscore).
    return _produce()


def _query_key(call: Query | FirstPage) -> str:
    return repr(call)


def refresh_data(client: AnalyticsClient) -> None:
    """Forget every cached answer: the dashboard's cache and the client's HTTP cache."""
    _cached_result.clear()
    client.clear_cache()


# --- calls -------------------------------------------------------------------------------------


def _run(client: AnalyticsClient, call: Query | FirstPage) -> Result:
    """One API call (in a worker thread: no Streamlit here)."""
    if isinstance(call, FirstPage):
        return _first_page(client, call.query)
    if isinstance(call, MetricQuery):
        return client.metric(call)
    if isinstance(call, PeakQuery):
        return client.peak_viewers(call)
    if isinstance(call, ViewersQuery):
        return client.viewers(call)
    if isinstance(call, ViewsQuery):
        return client.views(call)
    raise TypeError(f"not a query: {type(call).__name__}")


def _first_page(client: AnalyticsClient, query: ViewsQuery | ViewersQuery) -> Result:
    stream = (
        client.iter_views(query) if isinstance(query, ViewsQuery) else client.iter_viewers(query)
    )
    try:
        first = next(stream, None)
    finally:
        stream.close()
    if first is None:
        raise ApiError(0, "Empty answer", "the API returned no page")
    return Result(
        frame=first,
        fetched_at=stream.fetched_at or datetime.now().astimezone(),
        from_cache=stream.from_cache,
        stale=stream.stale,
        total_count=stream.total_count or len(first),
    )


def error_message(error: BaseException) -> str:
    """What a user sees for a failed call: the API's words, the bad parameter, or a generic note."""
    if isinstance(error, ApiError):
        return str(error)
    if isinstance(error, ValueError):
        return f"Invalid query: {error}"
    return GENERIC_ERROR


# Calls under way in this process, shared by every session: identical concurrent calls (twenty
# people opening the same page, or a rerun overlapping the run it replaced) ask the API once.
_IN_FLIGHT: dict[tuple[str, str], Future[Result]] = {}
_IN_FLIGHT_LOCK = threading.Lock()


def _start_or_join(
    pool: ThreadPoolExecutor,
    client: AnalyticsClient,
    missing: Mapping[tuple[str, int], Query | FirstPage],
    answers: dict[tuple[str, int], Result | BaseException],
    cached: set[tuple[str, int]],
    led: list[tuple[tuple[str, str], Future[Result]]],
) -> dict[tuple[str, int], Future[Result]]:
    """Start each missing call, or join the identical one already under way.

    A call that finished (and was cached) since the caller looked is answered from the cache.
    The calls started here are appended to `led`; `_release` them once their results are cached.
    """
    futures: dict[tuple[str, int], Future[Result]] = {}
    with _IN_FLIGHT_LOCK:
        for part, piece in missing.items():
            key = (client.account_key, _query_key(piece))
            running = _IN_FLIGHT.get(key)
            if running is None:
                try:
                    answers[part] = _cached_result(*key, _not_cached)
                    cached.add(part)
                    continue
                except _NotCached:
                    running = _IN_FLIGHT[key] = pool.submit(_run, client, piece)
                    led.append((key, running))
            futures[part] = running
    return futures


def _release(led: list[tuple[tuple[str, str], Future[Result]]]) -> None:
    with _IN_FLIGHT_LOCK:
        for key, future in led:
            if _IN_FLIGHT.get(key) is future:
                del _IN_FLIGHT[key]


def fetch_all(
    calls: Mapping[str, Callable[[], Call]],
    client: AnalyticsClient | None = None,
) -> Batch:
    """Answer every call: cached ones at once, the others concurrently; never raises.

    `calls` maps a panel name to a function building its query, so a query that fails
    validation (ValueError naming the parameter) becomes that panel's error only. A Chunked
    call's parts run side by side like separate calls and are answered as one.
    """
    client = client or get_client()
    batch = Batch()
    queries: dict[str, Call] = {}
    for name, build in calls.items():
        try:
            queries[name] = build()
        except ValueError as error:
            batch.outcomes[name] = Outcome(error=error_message(error))

    # Every single request to make, keyed by (panel name, part number).
    parts: dict[tuple[str, int], Query | FirstPage] = {}
    for name, query in queries.items():
        pieces = query.parts if isinstance(query, Chunked) else (query,)
        for number, piece in enumerate(pieces):
            parts[(name, number)] = piece

    answers: dict[tuple[str, int], Result | BaseException] = {}
    cached: set[tuple[str, int]] = set()
    for key, piece in parts.items():
        try:
            answers[key] = _cached_result(client.account_key, _query_key(piece), _not_cached)
            cached.add(key)
        except _NotCached:
            pass

    missing = {key: piece for key, piece in parts.items() if key not in answers}
    if missing:
        started = time.perf_counter()
        led: list[tuple[tuple[str, str], Future[Result]]] = []
        try:
            with ThreadPoolExecutor(
                max_workers=min(MAX_WORKERS, len(missing)), thread_name_prefix="dashboard-call"
            ) as pool:
                futures = _start_or_join(pool, client, missing, answers, cached, led)
            for key, future in futures.items():
                error = future.exception()  # also waits for calls other sessions started
                if error is not None:
                    answers[key] = error
                    continue
                result = future.result()
                answers[key] = result
                if not result.stale:  # a stale answer is shown once, then the API is asked again
                    _cached_result(client.account_key, _query_key(missing[key]), lambda r=result: r)
        finally:
            _release(led)
        log.debug("%d API calls in %.2f s", len(missing), time.perf_counter() - started)

    for name in queries:
        keys = [key for key in parts if key[0] == name]
        failure = next((answers[k] for k in keys if isinstance(answers[k], BaseException)), None)
        if failure is not None:
            if isinstance(failure, (ApiError, ValueError)):
                log.info("Call %r failed: %s", name, failure)
            else:
                log.error("Call %r failed", name, exc_info=failure)
            batch.outcomes[name] = Outcome(error=error_message(failure))
            continue
        results = [answers[key] for key in keys]
        batch.outcomes[name] = Outcome(
            result=results[0] if len(results) == 1 else _merged(results),
            dashboard_cache=all(key in cached for key in keys),
        )

    _record(queries, batch)
    return batch


def _merged(results: list[Result]) -> Result:
    """The parts of a chunked call as one answer (oldest fetch time, cached only if all were)."""
    frames = [result.frame for result in results]
    return Result(
        frame=pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else frames[0],
        fetched_at=min(result.fetched_at for result in results),
        from_cache=all(result.from_cache for result in results),
        stale=any(result.stale for result in results),
        total_count=sum(result.total_count for result in results),
    )


def _record(queries: Mapping[str, Call], batch: Batch) -> None:
    """Keep this session's recent calls (name, query, where the answer came from)."""
    entries = st.session_state.setdefault(QUERY_LOG, [])
    for name, query in queries.items():
        outcome = batch.outcomes[name]
        source = "error" if not outcome.ok else "cache" if outcome.dashboard_cache else "api"
        entries.append((name, query, source))
    del entries[:-200]


def fetch_one(name: str, build: Callable[[], Call]) -> Outcome:
    return fetch_all({name: build})[name]


def fetch_views_with_progress(
    query: ViewsQuery,
    on_progress: Callable[[int, int], None],
    client: AnalyticsClient | None = None,
) -> Result:
    """The whole /views export in this thread (the progress callback may update Streamlit).

    Not cached by the dashboard: an export can be large; the client's HTTP cache still helps.
    """
    client = client or get_client()
    return client.views(query, on_progress=on_progress)


# --- provenance caption ------------------------------------------------------------------------


def provenance(batch: Batch, tz: str) -> str | None:
    """ "Data fetched 14:02:11 (Europe/Berlin) · from cache" and a stale warning when it applies."""
    results = batch.results()
    if not results:
        return None
    oldest = min(result.fetched_at for result in results).astimezone(ZoneInfo(tz))
    cached = [
        outcome.dashboard_cache or (outcome.result is not None and outcome.result.from_cache)
        for outcome in batch.outcomes.values()
        if outcome.ok
    ]
    today = datetime.now(oldest.tzinfo).date()
    when = f"{oldest:%H:%M:%S}" if oldest.date() == today else f"{oldest:%d %b %Y %H:%M}"
    text = f"Data fetched {when} ({tz})"
    if all(cached):
        text += " · from cache"
    elif any(cached):
        text += " · partly from cache"
    else:
        text += " · fresh from the API"
    if any(result.stale for result in results):
        text += " · stale: the API is failing, so this is the last answer it gave"
    return text
