"""What the Live page reads from the API's answers (analytics.dashboard.live_now), on hand-made
frames: when a broadcast began, the previous broadcast laid over the current one minute by
minute, the last broadcast when nothing is on air, who is watching now; and the live periods
that keep answers (aligned to the wall clock) and the Channel API's status list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from analytics.api import ApiSettings, TimeRange
from analytics.api.cache import expiry_seconds, is_live, live_expiry_seconds
from analytics.api.channel_status import parse_statuses_page, statuses_frame
from analytics.api.frames import peak_frame
from analytics.dashboard import live_now
from analytics.dashboard.live_now import LiveClock

NOW = datetime(2026, 11, 20, 15, 42, 17, tzinfo=UTC)
CLOCK = LiveClock.at(NOW)
MINUTE = timedelta(minutes=1)


def minutes(content_id: int, start: datetime, values: list[int]) -> list[dict]:
    return [
        {
            "content_type": "live",
            "content_id": content_id,
            "time": (start + i * MINUTE).isoformat(),
            "value": value,
        }
        for i, value in enumerate(values)
        if value > 0  # the API lists only minutes with viewers
    ]


def test_now_is_the_current_minute_and_every_live_query_ends_at_its_end():
    assert CLOCK.end == datetime(2026, 11, 20, 15, 43, tzinfo=UTC)
    assert LiveClock.at(NOW + timedelta(seconds=40)) == CLOCK  # one minute, one set of queries
    query = live_now.minutes_query(CLOCK)
    assert query.time_range.end == CLOCK.end
    assert query.time_range.duration == timedelta(hours=25)  # any local day fits
    assert CLOCK.day_start("Europe/Berlin") == datetime(
        2026, 11, 20, tzinfo=ZoneInfo("Europe/Berlin")
    )
    late = LiveClock.at(datetime(2026, 11, 20, 23, 30, tzinfo=UTC))  # already the 21st in Berlin
    assert late.day_start("Europe/Berlin") == datetime(
        2026, 11, 21, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_a_channel_on_air_has_its_viewers_now_todays_peak_and_since_when():
    start = CLOCK.end - 90 * MINUTE  # on air for 90 minutes, after hours of nothing
    values = [10] * 30 + [50] * 20 + [0] * 5 + [30] * 35  # a 5-minute dip is no new broadcast
    frame = peak_frame(minutes(7, start, values), "UTC")
    channel = live_now.on_air(frame, 7, CLOCK, "UTC")
    assert channel.current == 30
    assert channel.current_minute == CLOCK.now_minute
    assert (channel.peak, channel.peak_minute) == (50, start + 30 * MINUTE)
    assert channel.since == start
    assert len(channel.sparkline) == 60
    assert channel.sparkline[-1] == 30
    assert live_now.chart_start(channel, CLOCK) == start


def test_without_a_status_channels_with_viewers_in_the_last_minutes_are_on_air():
    frame = peak_frame(
        minutes(1, CLOCK.end - 3 * MINUTE, [4, 4, 4]) + minutes(2, CLOCK.end - 60 * MINUTE, [9]),
        "UTC",
    )
    assert live_now.on_air_ids(frame, None, CLOCK) == ([1], "viewers")
    statuses = statuses_frame([])
    assert live_now.on_air_ids(frame, statuses, CLOCK) == ([], "status")


def test_the_previous_broadcast_is_laid_over_the_current_one_from_its_start():
    current_start = CLOCK.end - 10 * MINUTE
    before = datetime(2026, 11, 19, 18, 0, tzinfo=UTC)
    history = peak_frame(minutes(7, before, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]), "UTC")
    found = live_now.previous_broadcast(history, 7, current_start, 10 * MINUTE)
    assert found is not None
    started, series = found
    assert started == before
    assert series.index[0] == current_start  # its first minute under the current first minute
    assert series.tolist() == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    empty = peak_frame([], "UTC")
    assert live_now.previous_broadcast(empty, 7, current_start, 10 * MINUTE) is None


def test_the_last_broadcast_is_the_latest_run_of_hours_with_viewers():
    hour = timedelta(hours=1)
    day = datetime(2026, 11, 18, 0, 0, tzinfo=UTC)
    rows = [
        {
            "content_type": "live",
            "content_id": 1,
            "time": (day + 9 * hour).isoformat(),
            "value": 80,
        },
        {
            "content_type": "live",
            "content_id": 2,
            "time": (day + 20 * hour).isoformat(),
            "value": 5,
        },
        {
            "content_type": "live",
            "content_id": 2,
            "time": (day + 21 * hour).isoformat(),
            "value": 9,
        },
    ]
    broadcast = live_now.last_broadcast(peak_frame(rows, "UTC"))
    assert broadcast == live_now.Broadcast(2, day + 20 * hour, day + 22 * hour, 9, day + 21 * hour)
    assert live_now.last_broadcast(peak_frame([], "UTC")) is None


def test_watching_now_counts_sessions_with_a_running_segment():
    views = pd.DataFrame(
        {
            "finished_at": [pd.NaT, pd.NaT, pd.NaT, NOW],
            "view_session_id": ["a", "a", "b", "c"],
            "client_id": ["d1", "d1", "d2", "d3"],
            "country": ["HU", "HU", "DE", "FR"],
            "device": ["iPhone", "iPhone", None, "Mac"],
        }
    )
    by_country = live_now.watching_now(views, "country")
    assert by_country.to_dict("records") == [
        {"point": "DE", "value": 1},
        {"point": "HU", "value": 1},
    ]
    assert live_now.watching_now(views, "device")["point"].tolist() == ["", "iPhone"]


def test_live_answers_expire_together_at_the_end_of_the_live_period():
    settings = ApiSettings(live_ttl=30, cache_recent_ttl=300)
    at = datetime(2026, 11, 20, 15, 42, 17, tzinfo=UTC)
    assert live_expiry_seconds(30, at) == 13  # until 15:42:30
    assert live_expiry_seconds(30, at + timedelta(seconds=13)) == 30
    live_range = TimeRange(at - timedelta(hours=3), LiveClock.at(at).end)
    assert is_live(live_range, at)
    assert expiry_seconds(live_range, settings, now=at) == 13
    earlier = TimeRange(at - timedelta(hours=3), at - timedelta(hours=1))
    assert not is_live(earlier, at)
    assert expiry_seconds(earlier, settings, now=at) == 300


def test_the_channel_list_says_which_channels_are_on_air():
    body = {
        "channels": {
            "11": {"id": "11", "title": "News", "status": "online", "stats": {"viewer": 7}},
            "12": {"id": "12", "title": "Old", "status": "offline"},
            "13": {"id": 13, "status": "LIVE"},
            "x": {"id": "not a number", "status": "online"},
        },
        "paging": {"actual": {"href": "..."}, "next": {"href": "https://example/next"}},
    }
    items, has_next = parse_statuses_page(json.dumps(body).encode())
    frame = statuses_frame(items)
    assert has_next
    assert frame["content_id"].tolist() == [11, 12, 13]
    assert frame["on_air"].tolist() == [True, False, True]
    assert frame["viewers"].tolist()[0] == 7
    assert pd.isna(frame["viewers"].tolist()[1])
