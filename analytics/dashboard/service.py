"""The pages' calls to the API: answers shared by every session, calls run side by side.

`fetch_all` takes the independent calls of a page, answers what it can from the answer cache
(shared by every session, keyed by the API account and the query), runs the rest concurrently in
worker threads (which never touch Streamlit) and returns one Outcome per call, so one failure only
affects its own panel. A call identical to one already under way (another session, or a rerun
overlapping the run it replaced) waits for that one instead of asking the API again.

Every function that reaches the API takes the client as an argument: a page passes the client of
its context (see context.PageContext), which app.py opens with `connection.client_or_stop`.
"""

from __future__ import annotations

import inspect
import logging
import math
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from requests import RequestException
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics.api import (
    AnalyticsClient,
    ApiError,
    Catalogue,
    MetricQuery,
    PeakQuery,
    PeakSummaryQuery,
    Result,
    ViewerSecondsQuery,
    ViewersQuery,
    ViewsQuery,
)
from analytics.api.client import watching_requests
from analytics.api.errors import redact
from analytics.dashboard.answer_cache import AnswerCache
from analytics.dashboard.render_budget import MAX_REQUESTS_PER_RENDER as MAX_REQUESTS_PER_RENDER
from analytics.dashboard.render_budget import BudgetExceeded, RenderRun
from analytics.dashboard.request_slots import FairSlots, Superseded

log = logging.getLogger(__name__)

CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 2_000
MAX_WORKERS = 16  # request slots of the process, shared fairly among the sessions
QUERY_LOG = "service_query_log"  # session-state key: the calls of the latest runs (tests, debug)
GENERIC_ERROR = "Something went wrong while loading this panel. The error has been logged."
# How long a page waits for the catalogue of titles before it shows ids (and says why).
TITLES_WAIT_SECONDS = 20.0
SLOW_TITLES = (
    "Titles are missing: the Channel API has not answered within "
    f"{TITLES_WAIT_SECONDS:.0f} s; they show once it has (ids meanwhile)"
)


@dataclass(frozen=True)
class ChannelStatusCall:
    """The Channel API's on-air state of every channel (the Live page): a call like the
    queries, so sessions share it (AnalyticsClient.channel_statuses)."""


Query = MetricQuery | PeakQuery | ViewersQuery | ViewsQuery | ChannelStatusCall


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
    status: int | None = None  # the API's HTTP status when it refused the call

    @property
    def unsupported(self) -> bool:
        """The API does not know the endpoint (v1.0.3 and viewer-seconds, say)."""
        return self.status == 404

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass
class Batch:
    """The outcomes of one page's calls, by name, and when they were fetched."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    rate_limit_wait: float = 0.0  # the longest wait for the API's rate limit, in seconds

    def __getitem__(self, name: str) -> Outcome:
        return self.outcomes[name]

    def results(self) -> list[Result]:
        return [o.result for o in self.outcomes.values() if o.result is not None]


# --- answers ----------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def answer_cache() -> AnswerCache:
    """The process's answer cache, shared by every session."""
    return AnswerCache(CACHE_TTL_SECONDS, CACHE_MAX_ENTRIES)


def _query_key(call: Query | FirstPage) -> str:
    return repr(call)


def refresh_data(client: AnalyticsClient) -> None:
    """Forget the account's answers: the dashboard's answer cache and the client's HTTP cache
    (stale answers kept for outages included). Admins only: it affects every user."""
    answer_cache().clear(client.account_key)
    client.clear_cache()


def refresh_view(client: AnalyticsClient) -> int:
    """Forget the dashboard's answers to this session's recent calls only, so they are asked
    again; other users' answers and the HTTP cache (with its stale answers) are kept."""
    keys: set[str] = set()
    for _, query, _ in st.session_state.get(QUERY_LOG, []):
        pieces = query.parts if isinstance(query, Chunked) else (query,)
        keys.update(_query_key(piece) for piece in pieces)
    return answer_cache().forget(client.account_key, keys)


def refresh_button(client: AnalyticsClient, *, everything: bool = False) -> None:
    """Sidebar action: fetch this view again; `everything` (admins) empties the account's
    caches for every user."""
    if everything:
        label, help_text = (
            "Refresh all data",
            "Empty the dashboard and HTTP caches of this API account for every user "
            "(also the answers kept for API outages).",
        )
    else:
        label, help_text = "Refresh data", "Fetch the data of this view again from the API."
    if st.sidebar.button(label, icon=":material/refresh:", help=help_text, width="stretch"):
        if everything:
            refresh_data(client)
            st.toast("Cached data cleared; fetching fresh data.", icon=":material/refresh:")
        else:
            refresh_view(client)
            st.toast("Fetching this view again.", icon=":material/refresh:")


def now() -> datetime:
    """This run's moment, in the server's timezone (pages convert it to the chosen one)."""
    return datetime.now().astimezone()


# --- calls -------------------------------------------------------------------------------------


def _run(client: AnalyticsClient, call: Query | FirstPage) -> Result:
    """One API call (in a worker thread: no Streamlit here)."""
    if isinstance(call, FirstPage):
        return _first_page(client, call.query)
    if isinstance(call, ChannelStatusCall):
        return client.channel_statuses()
    if isinstance(call, MetricQuery):
        return client.metric(call)
    if isinstance(call, PeakQuery):
        return client.peak_viewers(call)
    if isinstance(call, ViewerSecondsQuery):
        return client.viewer_seconds(call)
    if isinstance(call, PeakSummaryQuery):  # one content's exact peak minute
        return client.peak_summary(call)
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
    if isinstance(error, ValueError) and not isinstance(error, RequestException):
        return f"Invalid query: {error}"
    if isinstance(error, (BudgetExceeded, Superseded)):
        text = str(error)
        return text[:1].upper() + text[1:] + "."
    return GENERIC_ERROR


def fetch_all(
    calls: Mapping[str, Callable[[], Call]], client: AnalyticsClient, *, live: bool = False
) -> Batch:
    """Answer every call: kept answers at once, the others concurrently; never raises.

    `calls` maps a panel name to a function building its query, so a query that fails
    validation (ValueError naming the parameter) becomes that panel's error only. A Chunked
    call's parts run side by side like separate calls and are answered as one. `live`
    answers (the Live page) are kept until the end of the current live period only
    (`live_ttl`), so every session asks at most once per period and query.
    """
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

    cache = answer_cache()
    account = client.account_key
    answers: dict[tuple[str, int], Result | BaseException] = {}
    cached: set[tuple[str, int]] = set()
    for key, piece in parts.items():
        kept = cache.get(account, _query_key(piece))
        if kept is not None:
            answers[key] = kept
            cached.add(key)

    missing = {key: piece for key, piece in parts.items() if key not in answers}
    run = _current_run()
    over_budget = list(missing)[run.remaining() :]
    for key in over_budget:  # never started: each call costs at least one request
        answers[key] = run.exceeded()
        del missing[key]
    if missing:
        started = time.perf_counter()
        answers.update(_fetch_missing(missing, client, run, live=live))
        log.debug(
            "%d API calls, %d requests of this render in %.2f s",
            len(missing),
            run.spent,
            time.perf_counter() - started,
        )
    batch.rate_limit_wait = run.longest_wait

    for name in queries:
        keys = [key for key in parts if key[0] == name]
        failure = next((answers[k] for k in keys if isinstance(answers[k], BaseException)), None)
        if failure is not None:
            if error_message(failure) == GENERIC_ERROR:
                log.error("Call %r failed", name, exc_info=failure)
            elif isinstance(failure, Superseded):  # nobody sees this run's page any more
                log.debug("Call %r dropped: %s", name, failure)
            else:
                log.info("Call %r failed: %s", name, failure)
            status = failure.status if isinstance(failure, ApiError) else None
            shown = redact(error_message(failure), client.secrets)  # as the API layer does
            batch.outcomes[name] = Outcome(error=shown, status=status)
            continue
        results = [answers[key] for key in keys]
        batch.outcomes[name] = Outcome(
            result=results[0] if len(results) == 1 else _merged(results),
            dashboard_cache=all(key in cached for key in keys),
        )

    _record(queries, batch)
    return batch


RUN_KEY = "service_render_run"  # session-state key: this session's current RenderRun


def _current_run() -> RenderRun:
    """The requests of this script run: one budget for every call of the render.

    A script run is told apart by its stop check (Streamlit's `yield_check`, a new bound method
    for every run, which raises when the run should stop: a rerun, another page, the session
    closing; the check Streamlit's own cache waits use). When a new run of the session starts,
    the previous one ends, so its calls still under way stop before their next request: with
    Streamlit's fast reruns the new run starts in a new script thread while the old one is
    still going. Outside a script run (tests, threads), each fetch_all is a render of its own.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    stop_check = getattr(ctx, "yield_check", None)
    if ctx is None or not inspect.ismethod(stop_check):
        return RenderRun(getattr(ctx, "session_id", "no-session"))
    kept = st.session_state.get(RUN_KEY)
    if kept is not None:
        marker, run = kept
        if marker() is stop_check:
            return run
        run.end()  # an earlier run of this session: whatever it still does is not wanted
    run = RenderRun(ctx.session_id, stop_check=stop_check)
    st.session_state[RUN_KEY] = (weakref.ref(stop_check), run)
    return run


@st.cache_resource(show_spinner=False)
def request_slots() -> FairSlots:
    """The process's request slots, shared fairly among the sessions."""
    return FairSlots(MAX_WORKERS)


def _fetch_missing(
    missing: Mapping[tuple[str, int], Query | FirstPage],
    client: AnalyticsClient,
    run: RenderRun,
    *,
    live: bool = False,
) -> dict[tuple[str, int], Result | BaseException]:
    """Ask the API (or join identical calls under way) for every missing piece.

    Calls wait for a slot of this session's fair share and count every upstream request against
    the render's budget (`run`); while they run, this (script) thread asks Streamlit whether the
    run should stop, and says when requests wait for the API's rate limit. When the run ends,
    queued calls never start, running ones send no further request, and the stop goes on. A
    joined call that another session's run dropped (its page changed, its budget ran out) is
    asked again here, once, the same way.
    """
    cache = answer_cache()
    slots = request_slots()
    account = client.account_key
    answers: dict[tuple[str, int], Result | BaseException] = {}

    def call(piece: Query | FirstPage) -> Result:
        with slots.slot(run.session, run.wanted), watching_requests(run):
            return _run(client, piece)

    futures: dict[tuple[str, int], Future[Result]] = {}
    led: dict[tuple[str, int], tuple[str, Future[Result]]] = {}  # started here: release them
    note = RateLimitNote()
    pool = ThreadPoolExecutor(
        max_workers=min(MAX_WORKERS, len(missing)), thread_name_prefix="dashboard-call"
    )
    try:
        for key, piece in missing.items():
            query_key = _query_key(piece)
            future, is_new = cache.join_or_start(
                account, query_key, lambda piece=piece: pool.submit(call, piece)
            )
            futures[key] = future
            if is_new:
                led[key] = (query_key, future)
        _wait_for(futures.values(), run, note)
        dropped = [key for key, future in futures.items() if key not in led and _dropped(future)]
        if dropped and run.wanted():
            for key in dropped:
                futures[key] = pool.submit(call, missing[key])
            _wait_for([futures[key] for key in dropped], run, note)
        for key, future in futures.items():
            if not future.done() or future.cancelled():
                answers[key] = Superseded("the page changed before this call was made")
                continue
            error = future.exception()
            if error is not None:
                answers[key] = error
                continue
            answers[key] = future.result()
            ttl = live_seconds_left(client) if live else None
            cache.put(account, _query_key(missing[key]), answers[key], ttl)
    except BaseException:
        run.end()  # the script stops here: nothing more is sent for this render
        raise
    finally:
        note.clear()
        pool.shutdown(wait=False, cancel_futures=True)
        for query_key, future in led.values():
            cache.release(account, query_key, future)
    return answers


def wait_for_titles(titles: Future[Catalogue]) -> Catalogue:
    """The catalogue read beside the page's calls, waited for the way the calls are: asking
    Streamlit every quarter of a second whether the run should stop (a rerun or another page
    must not wait for the Channel API), and for at most TITLES_WAIT_SECONDS, after which the
    page shows ids and says why (the read goes on; a later run gets the titles)."""
    run = _current_run()
    deadline = time.monotonic() + TITLES_WAIT_SECONDS
    while True:
        try:
            return titles.result(timeout=0.25)
        except FutureTimeout:
            run.check()
            if time.monotonic() >= deadline:
                log.warning("The catalogue of titles took more than %.0f s", TITLES_WAIT_SECONDS)
                return Catalogue.unavailable(SLOW_TITLES)


def live_seconds_left(client: AnalyticsClient) -> float:
    """Seconds until the current live period ends: periods of `live_ttl` seconds aligned to
    the wall clock, the same in every session and replica."""
    period = client.settings.live_ttl
    return period - time.time() % period


def _wait_for(futures: Iterable[Future[Result]], run: RenderRun, note: RateLimitNote) -> None:
    """Wait until the calls are done or the run is over, asking Streamlit every quarter of a
    second whether the run should stop (it raises then) and showing rate-limit waits."""
    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=0.25)
        if pending:
            run.check()
            note.show(run.waiting_for())
            if not run.wanted():
                return


def _dropped(future: Future[Result]) -> bool:
    """A joined call that its session's run gave up: cancelled, superseded or over budget."""
    return future.done() and (
        future.cancelled() or isinstance(future.exception(), (Superseded, BudgetExceeded))
    )


class RateLimitNote:
    """The note "Waiting for the API's rate limit (N s)…" where the page's calls are waiting,
    shown only while they wait (script thread only)."""

    def __init__(self) -> None:
        self._slot: DeltaGenerator | None = None
        self._text: str | None = None

    def show(self, seconds: float) -> None:
        if seconds < 0.5:  # a moment's pacing is not worth a note
            self.clear()
            return
        text = f"Waiting for the API's rate limit ({math.ceil(seconds)} s)…"
        if text == self._text:
            return
        if self._slot is None:
            self._slot = st.empty()
        self._slot.info(text, icon=":material/hourglass_top:")
        self._text = text

    def clear(self) -> None:
        if self._slot is not None and self._text is not None:
            self._slot.empty()
        self._text = None


def _merged(results: list[Result]) -> Result:
    """The parts of a chunked call as one answer (oldest fetch time, cached only if all were)."""
    frames = [result.frame for result in results]
    return Result(
        frame=pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else frames[0],
        fetched_at=min(result.fetched_at for result in results),
        from_cache=all(result.from_cache for result in results),
        stale=any(result.stale for result in results),
        total_count=sum(result.total_count for result in results),
        incomplete_records=sum(result.incomplete_records for result in results),
    )


def _record(queries: Mapping[str, Call], batch: Batch) -> None:
    """Keep this session's recent calls (name, query, where the answer came from)."""
    entries = st.session_state.setdefault(QUERY_LOG, [])
    for name, query in queries.items():
        outcome = batch.outcomes[name]
        source = "error" if not outcome.ok else "cache" if outcome.dashboard_cache else "api"
        entries.append((name, query, source))
    del entries[:-200]


def fetch_one(name: str, build: Callable[[], Call], client: AnalyticsClient) -> Outcome:
    return fetch_all({name: build}, client)[name]


def fetch_views_with_progress(
    query: ViewsQuery, on_progress: Callable[[int, int], None], client: AnalyticsClient
) -> Result:
    """The whole /views export in this thread (the progress callback may update Streamlit).

    Not kept by the dashboard: an export can be large; the client's HTTP cache still helps.
    """
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
    if batch.rate_limit_wait >= 1:
        text += f" · waited {math.ceil(batch.rate_limit_wait)} s for the API's rate limit"
    return text
