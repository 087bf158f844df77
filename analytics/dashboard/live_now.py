"""What "live now" means, in numbers: the queries of the Live page and what their answers say
(which channels are on air, their current viewers, today's peak, since when they broadcast, the
previous broadcast, the last one when nothing is on air). No Streamlit here.

"Now" is the current minute: every live query ends at the start of the next minute (UTC), so all
sessions of a minute ask identical questions and share their answers (see service.fetch_all's
`live`). The queries are asked in UTC: minute and hour buckets are the same in every zone with
whole-hour offsets, and each session converts times to its own zone; "today" is the session's
local day, read from a window of the last 25 hours (a local day has at most 25).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from analytics.api import (
    ContentType,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    TimeRange,
    ViewsQuery,
)

LIVE = ContentType.LIVE
DAY_WINDOW = timedelta(hours=25)  # covers the local day in every zone, DST days included
CHART_WINDOW = timedelta(hours=3)  # the selected channel's chart, when on air for longer
RECENT = timedelta(minutes=5)  # viewers within this long mean "on air" (no Channel API status)
SPARKLINE = timedelta(minutes=60)
STARTED_WINDOW = timedelta(minutes=15)  # "views started in the last 15 minutes"
BROADCAST_GAP = timedelta(minutes=15)  # no viewers for this long ends a broadcast (as the demo)
HISTORY = timedelta(days=3)  # where the previous broadcast is looked for (minute peaks: 3 days)
LAST_BROADCAST_WINDOW = timedelta(days=7)  # where the last broadcast is looked for (hours)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class LiveClock:
    """The minute the page is about: `end` is the start of the next minute (exclusive)."""

    end: datetime

    @classmethod
    def at(cls, moment: datetime) -> LiveClock:
        minute = moment.astimezone(UTC).replace(second=0, microsecond=0)
        return cls(minute + MINUTE)

    @property
    def now_minute(self) -> datetime:
        return self.end - MINUTE

    def day_start(self, tz: str) -> datetime:
        """Midnight of the local day holding the current minute, in `tz`."""
        local = self.now_minute.astimezone(ZoneInfo(tz))
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def last(self, span: timedelta) -> TimeRange:
        return TimeRange(self.end - span, self.end)


# --- queries ----------------------------------------------------------------------------------


def minutes_query(clock: LiveClock) -> PeakQuery:
    """Every channel's concurrent viewers per minute over the last 25 hours."""
    return PeakQuery(clock.last(DAY_WINDOW), PeakGranularity.MINUTE, LIVE)


def watching_query(clock: LiveClock, channel_id: int) -> ViewsQuery:
    """The channel's segments that started in the last 3 hours, finished or still running: the
    running ones (no finish) are the viewers watching now."""
    return ViewsQuery(
        clock.last(CHART_WINDOW),
        LIVE,
        (channel_id,),
        list_unfinished_segments=True,
        inclusive_range=False,
    )


def started_query(clock: LiveClock, channel_id: int) -> MetricQuery:
    """Views of the channel that started in the last 15 minutes."""
    return MetricQuery(Metric.TOTAL_VIEWS, clock.last(STARTED_WINDOW), content_type=LIVE,
                       content_ids=(channel_id,))  # fmt: skip


def history_query(channel_id: int, before: datetime) -> PeakQuery:
    """The channel's minutes in the 3 days before its current broadcast began."""
    return PeakQuery(TimeRange(before - HISTORY, before), PeakGranularity.MINUTE, LIVE,
                     (channel_id,))  # fmt: skip


def last_broadcasts_query(clock: LiveClock) -> PeakQuery:
    """Every channel's peak per hour over the last 7 days (to find the last broadcast)."""
    return PeakQuery(clock.last(LAST_BROADCAST_WINDOW), PeakGranularity.HOUR, LIVE)


def broadcast_views_query(broadcast: Broadcast) -> MetricQuery:
    return MetricQuery(Metric.TOTAL_VIEWS, TimeRange(broadcast.start, broadcast.end),
                       content_type=LIVE, content_ids=(broadcast.content_id,))  # fmt: skip


# --- reading the answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class OnAir:
    """One channel on air: its viewers now, today's peak, and its last hour of minutes."""

    content_id: int
    current: int  # concurrent viewers in the latest minute with data (0 without any)
    current_minute: datetime | None
    peak: int  # today's peak (local day), 0 without data
    peak_minute: datetime | None
    since: datetime | None  # the broadcast's first minute; None when before the window
    sparkline: list[int]  # viewers per minute, the last 60 minutes, oldest first


def channel_minutes(minutes: pd.DataFrame, content_id: int) -> pd.Series:
    """One channel's viewers per minute (UTC minute -> value), records without a value left
    out, in time order."""
    rows = minutes[(minutes["content_id"] == content_id) & minutes["value"].notna()]
    rows = rows.dropna(subset=["time"])
    series = pd.Series(
        rows["value"].astype("int64").to_numpy(),
        index=pd.DatetimeIndex(rows["time"]).tz_convert(UTC),
    )
    return series.groupby(level=0).max().sort_index()


def filled(series: pd.Series, start: datetime, end: datetime) -> pd.Series:
    """The minutes [start, end) with 0 where the API listed nothing (it lists values > 0)."""
    index = pd.date_range(start, end - MINUTE, freq="min", tz=UTC)
    return series.reindex(index, fill_value=0).astype("int64")


def broadcast_start(series: pd.Series, until: datetime, since: datetime) -> datetime | None:
    """The first minute of the broadcast running at `until`, from minutes known since `since`:
    going back from the last minute with viewers, the first minute after a gap of
    BROADCAST_GAP or more. None when it may have begun before `since`, or without viewers."""
    active = series[(series > 0) & (series.index < until) & (series.index >= since)]
    if active.empty:
        return None
    times = list(active.index)
    for earlier, later in zip(reversed(times[:-1]), reversed(times[1:]), strict=True):
        if later - earlier >= BROADCAST_GAP:
            return later.to_pydatetime()
    first = times[0].to_pydatetime()
    return first if first - since >= BROADCAST_GAP else None


def on_air_ids(
    minutes: pd.DataFrame, statuses: pd.DataFrame | None, clock: LiveClock
) -> tuple[list[int], str]:
    """The channels on air, and how that was decided: the Channel API's status when it
    answered, else viewers within the last RECENT minutes."""
    if statuses is not None:
        return [int(i) for i in statuses.loc[statuses["on_air"], "content_id"]], "status"
    recent = minutes[
        (minutes["time"] >= clock.end - RECENT) & (minutes["value"].fillna(0) > 0)
    ].dropna(subset=["content_id"])
    return sorted({int(i) for i in recent["content_id"]}), "viewers"


def on_air(minutes: pd.DataFrame, content_id: int, clock: LiveClock, tz: str) -> OnAir:
    """One channel's figures from the last 25 hours of minutes."""
    series = channel_minutes(minutes, content_id)
    series = series[series.index < clock.end]
    recent = series[series.index >= clock.end - RECENT]
    current, current_minute = 0, None
    if not recent.empty:
        current, current_minute = int(recent.iloc[-1]), recent.index[-1].to_pydatetime()
    today = series[series.index >= clock.day_start(tz)]
    peak, peak_minute = 0, None
    if not today.empty and int(today.max()) > 0:
        peak, peak_minute = int(today.max()), today.idxmax().to_pydatetime()
    hour = filled(series, clock.end - SPARKLINE, clock.end)
    since = broadcast_start(series, clock.end, clock.end - DAY_WINDOW)
    return OnAir(content_id, current, current_minute, peak, peak_minute, since, hour.tolist())


def chart_start(channel: OnAir, clock: LiveClock) -> datetime:
    """Since the channel went on air, or the last 3 hours when it has been on longer."""
    earliest = clock.end - CHART_WINDOW
    return max(channel.since, earliest) if channel.since is not None else earliest


def previous_broadcast(
    history: pd.DataFrame, content_id: int, current_start: datetime, length: timedelta
) -> tuple[datetime, pd.Series] | None:
    """The channel's broadcast before the one that began at `current_start` (the last run of
    minutes with viewers in `history`), as (its start, its first `length` of minutes shifted
    onto the current broadcast's minutes); None when there was none."""
    series = channel_minutes(history, content_id)
    series = series[series.index < current_start - BROADCAST_GAP + MINUTE]
    active = series[series > 0]
    if active.empty:
        return None
    last = active.index[-1] + MINUTE
    start = (
        broadcast_start(series, last, current_start - HISTORY) or active.index[0].to_pydatetime()
    )
    shift = current_start - start
    minutes = filled(series, start, start + length)
    minutes = minutes[minutes.index <= active.index[-1]]
    minutes.index = minutes.index + shift
    return start, minutes


@dataclass(frozen=True)
class Broadcast:
    """A channel's last broadcast: its hours with viewers, and its peak."""

    content_id: int
    start: datetime  # first hour with viewers
    end: datetime  # end of its last hour with viewers
    peak: int
    peak_hour: datetime


def last_broadcast(hourly: pd.DataFrame) -> Broadcast | None:
    """The broadcast with the latest hour of viewers (a run of hours with viewers, a gap of an
    hour ending it); None when no channel had viewers in the window."""
    rows = hourly.dropna(subset=["time", "value", "content_id"])
    rows = rows[rows["value"] > 0]
    if rows.empty:
        return None
    latest = rows.sort_values(["time", "value"]).iloc[-1]
    content_id = int(latest["content_id"])
    series = channel_minutes(rows, content_id)
    hours = list(series.index)
    first = len(hours) - 1
    while first > 0 and hours[first] - hours[first - 1] <= timedelta(hours=1):
        first -= 1
    run = series.iloc[first:]
    return Broadcast(
        content_id,
        run.index[0].to_pydatetime(),
        (run.index[-1] + timedelta(hours=1)).to_pydatetime(),
        int(run.max()),
        run.idxmax().to_pydatetime(),
    )


def watching_now(views: pd.DataFrame, by: str) -> pd.DataFrame:
    """Viewers watching now (playback sessions with a running segment) by `by` (country or
    device): `point`, `value`, largest first."""
    running = views[views["finished_at"].isna()]
    sessions = running["view_session_id"].fillna(running["client_id"])
    table = (
        running.assign(session=sessions, point=running[by].fillna(""))
        .groupby("point", dropna=False)["session"]
        .nunique()
        .rename("value")
        .reset_index()
    )
    return table.sort_values(["value", "point"], ascending=[False, True]).reset_index(drop=True)
