"""Live now (`/live`): the channels on air, their viewers this minute, and one channel up close;
when nothing is on air, the last broadcast. The page's live part reruns by itself every live
period (a Streamlit fragment with `run_every` = ANALYTICS_LIVE_TTL), and asks only questions
every session of that minute asks too (live_now.py), so many open pages cost the API what one
does. When the API fails, the last figures stay on screen, marked stale with their age, and the
next refresh tries again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from analytics.api import Result
from analytics.dashboard import charts, live_now, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.live_now import Broadcast, LiveClock, OnAir
from analytics.dashboard.periods import Period
from analytics.dashboard.service import Batch, ChannelStatusCall, Outcome, fetch_all
from analytics.dashboard.text import plain
from analytics.dashboard.ui import chart, empty_state, summary_value

LAST_FIGURES = "live_last_figures"  # session state: the last figures the API gave
LAST_DETAILS = "live_last_details"  # session state: channel id -> its last detail outcomes
CHOSEN = "live_channel"  # the selected channel (a widget key)


@dataclass(frozen=True)
class LiveFigures:
    """One refresh's figures: the channels on air, or the last broadcast; and how fresh."""

    clock: LiveClock
    fetched_at: datetime  # when the API produced the oldest answer shown
    minutes: pd.DataFrame  # every channel's viewers per minute, the last 25 hours
    channels: tuple[OnAir, ...] = ()
    decided_by: str = "status"  # "status" (Channel API) or "viewers" (recent minutes)
    status_note: str | None = None  # why the Channel API's status was not used
    last: Broadcast | None = None  # when nothing is on air
    last_views: int | None = None
    stale: bool = False  # the API failed: these are the last figures it gave
    failure: str | None = None  # the API's words when it failed
    titles: dict[int, str] = field(default_factory=dict)


def refresh_seconds(context: PageContext) -> int:
    """How often the live part reruns: the live period, so each rerun finds new answers."""
    return context.client.settings.live_ttl


def every_refresh(context: PageContext) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Decorator: run the function as the page's self-refreshing part."""
    return st.fragment(run_every=refresh_seconds(context))


# --- loading ---------------------------------------------------------------------------------


def current_clock() -> LiveClock:
    """The minute this refresh is about (tests fix it to match a demo API's fixed clock)."""
    return LiveClock.at(datetime.now(UTC))


def load(context: PageContext) -> LiveFigures | None:
    """This minute's figures; the last ones (marked stale) when the API fails; None, with the
    API's message shown, when it fails before the page ever had figures."""
    clock = current_clock()
    client = context.client
    batch = fetch_all(
        {"statuses": ChannelStatusCall, "minutes": lambda: live_now.minutes_query(clock)},
        client,
        live=True,
    )
    minutes = batch["minutes"]
    if not minutes.ok:
        return _last_figures(minutes.error or "the API did not answer")
    statuses = batch["statuses"]
    status_frame = statuses.result.frame if statuses.ok else None
    ids, decided_by = live_now.on_air_ids(minutes.result.frame, status_frame, clock)
    channels = tuple(
        live_now.on_air(minutes.result.frame, content_id, clock, context.tz) for content_id in ids
    )
    figures = LiveFigures(
        clock=clock,
        fetched_at=_oldest(batch),
        minutes=minutes.result.frame,
        channels=channels,
        decided_by=decided_by,
        status_note=None if statuses.ok else statuses.error,
        stale=any(result.stale for result in batch.results()),
        titles=_titles(context, ids),
    )
    if not channels:
        figures = _with_last_broadcast(context, figures)
    st.session_state[LAST_FIGURES] = figures
    return figures


def _last_figures(error: str) -> LiveFigures | None:
    kept: LiveFigures | None = st.session_state.get(LAST_FIGURES)
    if kept is None:
        st.error(f"Could not load the live figures: {plain(error)}", icon=":material/error:")
        return None
    return replace(kept, stale=True, failure=error)


def _oldest(batch: Batch) -> datetime:
    results = batch.results()
    return min((r.fetched_at for r in results), default=datetime.now(UTC))


def _titles(context: PageContext, ids: list[int] | tuple[int, ...]) -> dict[int, str]:
    catalogue = context.catalogue()
    return {content_id: catalogue.label("live", content_id) for content_id in ids}


def _with_last_broadcast(context: PageContext, figures: LiveFigures) -> LiveFigures:
    hourly = fetch_all(
        {"hours": lambda: live_now.last_broadcasts_query(figures.clock)},
        context.client,
        live=True,
    )["hours"]
    if not hourly.ok:
        return replace(figures, failure=hourly.error)
    broadcast = live_now.last_broadcast(hourly.result.frame)
    if broadcast is None:
        return figures
    calls = {"views": lambda: live_now.broadcast_views_query(broadcast)}
    views = fetch_all(calls, context.client)["views"]
    return replace(
        figures,
        last=broadcast,
        last_views=summary_value(views.result) if views.ok else None,
        titles=_titles(context, [broadcast.content_id]),
    )


# --- showing ---------------------------------------------------------------------------------


def freshness(context: PageContext, figures: LiveFigures) -> None:
    """ "Updated 14:02:05 (12 s ago)", the age of the data; when the API fails, a warning with
    the figures' age, saying the page keeps trying."""
    zone = ZoneInfo(context.tz)
    fetched = figures.fetched_at.astimezone(zone)
    age = _age(datetime.now(UTC) - figures.fetched_at)
    every = refresh_seconds(context)
    if figures.stale:
        why = f" ({plain(figures.failure)})" if figures.failure else ""
        st.warning(
            f"Stale: the Analytics API is not answering{why}, so these are its last figures, "
            f"from {fetched:%H:%M:%S} ({age} ago). The page tries again every {every} s.",
            icon=":material/cloud_off:",
        )
    st.caption(
        f"Updated {fetched:%H:%M:%S} ({age} ago) · {plain(context.tz)} · refreshes every "
        f"{every} s" + (" · stale" if figures.stale else "")
    )


def _age(delta: object) -> str:
    seconds = max(0, math.floor(delta.total_seconds()))  # type: ignore[attr-defined]
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def channels_on_air(context: PageContext, figures: LiveFigures) -> None:
    """One tile per channel on air: viewers this minute, today's peak and its minute, and the
    last 60 minutes as a line."""
    zone = ZoneInfo(context.tz)
    how = (
        "the Channel API's status"
        if figures.decided_by == "status"
        else f"viewers in the last {int(live_now.RECENT.total_seconds() // 60)} minutes"
    )
    st.subheader(f"On air now: {len(figures.channels)}")
    if figures.status_note:
        st.caption(
            f"On-air status from the Channel API is unavailable ({plain(figures.status_note)}); "
            f"channels with {how} are shown."
        )
    columns = st.columns(min(4, max(1, len(figures.channels))))
    for index, channel in enumerate(figures.channels):
        title = figures.titles.get(channel.content_id, f"Channel {channel.content_id}")
        peak = (
            f"Today's peak {channel.peak:,} at {channel.peak_minute.astimezone(zone):%H:%M}"
            if channel.peak_minute is not None
            else "No viewers today yet"
        )
        minute = (
            f"in the minute {channel.current_minute.astimezone(zone):%H:%M}"
            if channel.current_minute is not None
            else f"none in the last {int(live_now.RECENT.total_seconds() // 60)} minutes"
        )
        with columns[index % len(columns)]:
            st.metric(
                plain(title),
                f"{channel.current:,}",
                delta=peak,
                delta_color="off",
                delta_arrow="off",
                help=f"Concurrent viewers {minute}; the line: each of the last 60 minutes. "
                f"On air by {how}.",
                border=True,
                chart_data=channel.sparkline,
                chart_type="area",
            )


def choose(figures: LiveFigures) -> OnAir:
    """The channel to look at closely (the one with most viewers first)."""
    ordered = sorted(figures.channels, key=lambda c: (-c.current, c.content_id))
    names = [figures.titles.get(c.content_id, f"Channel {c.content_id}") for c in ordered]
    by_name = {
        name if names.count(name) == 1 else f"{name} ({channel.content_id})": channel
        for name, channel in zip(names, ordered, strict=True)
    }  # titles as the options (text), told apart by id when two channels share one
    if st.session_state.get(CHOSEN) not in by_name:
        st.session_state.pop(CHOSEN, None)
    return by_name[st.selectbox("Channel", list(by_name), key=CHOSEN)]


def channel_now(context: PageContext, figures: LiveFigures, channel: OnAir) -> None:
    """The chosen channel: viewers per minute since it went on air (or the last 3 hours),
    today's peak marked, the previous broadcast dashed; who watches now; views just started."""
    clock = figures.clock
    calls: dict[str, Callable[[], object]] = {
        "watching": lambda: live_now.watching_query(clock, channel.content_id),
        "started": lambda: live_now.started_query(clock, channel.content_id),
    }
    if channel.since is not None:
        since = channel.since
        calls["previous"] = lambda: live_now.history_query(channel.content_id, since)
    batch = _details(context, channel.content_id, calls)
    zone = ZoneInfo(context.tz)
    title = figures.titles.get(channel.content_id, f"Channel {channel.content_id}")
    start = live_now.chart_start(channel, clock)
    series = live_now.filled(
        live_now.channel_minutes(figures.minutes, channel.content_id), start, clock.end
    )
    previous = None
    if "previous" in batch.outcomes and batch["previous"].ok and channel.since is not None:
        previous = live_now.previous_broadcast(
            batch["previous"].result.frame,  # type: ignore[union-attr]
            channel.content_id,
            channel.since,
            clock.end - channel.since,
        )
    on_air = (
        f"on air since {channel.since.astimezone(zone):%H:%M}"
        if channel.since is not None
        else "the last 3 hours"
    )
    st.markdown(f"**{plain(title)}**: concurrent viewers per minute, {on_air}")
    peak = (channel.peak, channel.peak_minute) if channel.peak_minute is not None else None
    shown = Period(start.astimezone(zone), clock.end.astimezone(zone))
    chart(
        charts.live_minutes(series, peak, previous, tz=context.tz),
        key="live_minutes",
        title=f"{title}: concurrent viewers per minute",
        what="viewers-per-minute",
        period=shown,
    )
    if previous is not None:
        st.caption(
            f"Dashed: the previous broadcast, from {previous[0].astimezone(zone):%a %d %b %H:%M}, "
            "minute by minute from its start."
        )
    started, countries, devices = st.columns([1, 2, 2])
    with started:
        outcome = batch["started"]
        value = f"{summary_value(outcome.result):,}" if outcome.ok else "–"
        st.metric(
            "New views (15 min)",
            value,
            help="Views (playback sessions) of this channel that started in the last 15 minutes.",
            border=True,
        )
    watching = batch["watching"]
    for column, by, label in ((countries, "country", "Country"), (devices, "device", "Device")):
        with column:
            st.markdown(f"**Watching now by {label.lower()}**")
            if not watching.ok:
                st.error(f"Could not load the viewers: {plain(watching.error)}")
                continue
            table = live_now.watching_now(watching.result.frame, by)  # type: ignore[union-attr]
            if table.empty:
                empty_state("Nobody is watching this channel right now.")
                continue
            if by == "country":
                table = tables.with_countries(table)
            else:
                table = table.assign(label=table["point"].replace("", "Unknown"))
            chart(
                charts.category_bars(
                    table.head(10), value_label="Viewers now", category_label=label
                ),
                key=f"live_{by}",
                title=f"{title}: watching now by {label.lower()}",
                what=f"watching-now-by-{by}",
                period=shown,
            )
    if watching.ok:
        frame = watching.result.frame  # type: ignore[union-attr]
        running = frame.loc[frame["finished_at"].isna(), "view_session_id"].nunique()
        st.caption(
            f"Watching now: {running:,} playback sessions with a segment still running that "
            f"started in the last 3 hours ({channel.current:,} concurrent viewers this minute; "
            "IBM's /views lists a running segment only by its start, so longer sessions are "
            "not in these bars)."
        )


def _details(
    context: PageContext, content_id: int, calls: dict[str, Callable[[], object]]
) -> Batch:
    """The chosen channel's calls; a failed one is answered by its last good outcome, and a
    note says how old those figures are."""
    kept: dict[int, dict[str, Outcome]] = st.session_state.setdefault(LAST_DETAILS, {})
    last = kept.get(content_id, {})
    batch = fetch_all(calls, context.client, live=True)  # type: ignore[arg-type]
    for name, outcome in batch.outcomes.items():
        if outcome.ok:
            last[name] = outcome
        elif name in last:
            batch.outcomes[name] = _marked_stale(last[name])
    kept.clear()  # only the channel in view is worth keeping
    kept[content_id] = last
    stale = [result for result in batch.results() if result.stale]
    if stale:
        oldest = min(result.fetched_at for result in stale).astimezone(ZoneInfo(context.tz))
        st.caption(
            f"Stale: the API did not answer this refresh; some figures below are from "
            f"{oldest:%H:%M:%S} ({_age(datetime.now(UTC) - oldest)} ago)."
        )
    return batch


def _marked_stale(outcome: Outcome) -> Outcome:
    result = outcome.result
    assert result is not None
    return replace(outcome, result=_stale(result))


def _stale(result: Result) -> Result:
    return replace(result, stale=True)


def nothing_on_air(context: PageContext, figures: LiveFigures) -> None:
    """No channel on air: said plainly, with the last broadcast, its figures and a link."""
    zone = ZoneInfo(context.tz)
    st.info("Nothing is on air right now.", icon=":material/tv_off:")
    broadcast = figures.last
    if broadcast is None:
        window = live_now.LAST_BROADCAST_WINDOW.days
        empty_state(f"No channel had viewers in the last {window} days either.")
        return
    title = figures.titles.get(broadcast.content_id, f"Channel {broadcast.content_id}")
    start, end = broadcast.start.astimezone(zone), broadcast.end.astimezone(zone)
    st.subheader("The last broadcast")
    st.markdown(
        f"**{plain(title)}**, {start:%a %d %b %H:%M} to {end:%H:%M} "
        f"({plain(context.tz)}; by the hour)"
    )
    peak, views = st.columns(2)
    with peak:
        st.metric(
            "Peak concurrent viewers",
            f"{broadcast.peak:,}",
            delta=f"in the hour from {broadcast.peak_hour.astimezone(zone):%H:%M}",
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
    with views:
        st.metric(
            "Views",
            "–" if figures.last_views is None else f"{figures.last_views:,}",
            help="Playback sessions that started during the broadcast.",
            border=True,
        )
    st.page_link(
        "app_pages/content.py",
        label=f"{plain(title)} on the Content page",
        icon=":material/video_library:",
        query_params={"id": str(broadcast.content_id)},
    )
