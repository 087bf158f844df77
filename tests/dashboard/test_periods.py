"""Date presets, previous periods and bucket choice, in a zone with daylight saving."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.api.queries import Dimension, PeakGranularity
from analytics.dashboard.periods import (
    Period,
    Preset,
    format_change,
    now_in,
    peak_granularity,
    resolve_period,
    time_bucket,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 29, 14, 2, tzinfo=BERLIN)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("preset", "start", "end", "previous_start", "previous_end"),
    [
        (Preset.TODAY, local(2026, 11, 29), local(2026, 11, 29, 14, 5),
         local(2026, 11, 28), local(2026, 11, 28, 14, 5)),
        (Preset.YESTERDAY, local(2026, 11, 28), local(2026, 11, 29),
         local(2026, 11, 27), local(2026, 11, 28)),
        (Preset.LAST_7_DAYS, local(2026, 11, 22), local(2026, 11, 29),
         local(2026, 11, 15), local(2026, 11, 22)),
        (Preset.LAST_28_DAYS, local(2026, 11, 1), local(2026, 11, 29),
         local(2026, 10, 4), local(2026, 11, 1)),
        # 90 days back crosses the end of summer time: still whole local days.
        (Preset.LAST_90_DAYS, local(2026, 8, 31), local(2026, 11, 29),
         local(2026, 6, 2), local(2026, 8, 31)),
        (Preset.THIS_MONTH, local(2026, 11, 1), local(2026, 11, 29, 14, 5),
         local(2026, 10, 1), local(2026, 10, 29, 14, 5)),
        (Preset.LAST_MONTH, local(2026, 10, 1), local(2026, 11, 1),
         local(2026, 8, 31), local(2026, 10, 1)),
    ],
)  # fmt: skip
def test_presets_and_their_previous_periods(preset, start, end, previous_start, previous_end):
    period = resolve_period(preset, "Europe/Berlin", now=NOW)
    assert (period.start, period.end) == (start, end)
    previous = period.previous()
    assert (previous.start, previous.end) == (previous_start, previous_end)
    assert previous.wall_length == period.wall_length


def test_last_7_days_across_the_daylight_saving_change_is_seven_local_days():
    period = resolve_period(Preset.LAST_7_DAYS, "Europe/Berlin", now=local(2026, 10, 28, 9))
    assert period.start == local(2026, 10, 21)
    assert period.length == timedelta(days=7, hours=1)  # the night of 25 Oct had 25 hours
    assert period.previous().start == local(2026, 10, 14)


def test_custom_range_is_read_in_the_chosen_zone():
    period = resolve_period(
        Preset.CUSTOM,
        "Asia/Tokyo",
        now=NOW,
        custom_start=datetime(2026, 11, 3, 8, 30),
        custom_end=datetime(2026, 11, 3, 20, 0),
    )
    assert period.start == datetime(2026, 11, 3, 8, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert period.previous().end == period.start


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (None, datetime(2026, 11, 3), "choose both"),
        (datetime(2026, 11, 3), datetime(2026, 11, 3), "before the end"),
        (datetime(2026, 11, 4), datetime(2026, 11, 3), "before the end"),
    ],
)
def test_unusable_custom_ranges_name_the_problem(start, end, message):
    with pytest.raises(ValueError, match=message):
        resolve_period(Preset.CUSTOM, "UTC", now=NOW, custom_start=start, custom_end=end)


def test_unknown_timezone_names_the_parameter():
    with pytest.raises(ValueError, match="timezone"):
        zone("Mars/Olympus_Mons")


def test_now_is_rounded_up_to_five_minutes_so_queries_stay_stable():
    assert now_in(BERLIN, local(2026, 11, 29, 14, 0, 1)) == local(2026, 11, 29, 14, 5)
    assert now_in(BERLIN, local(2026, 11, 29, 14, 5)) == local(2026, 11, 29, 14, 5)


def test_previous_points_move_onto_the_same_wall_clock_place():
    period = resolve_period(Preset.LAST_7_DAYS, "Europe/Berlin", now=local(2026, 10, 28, 9))
    # 14 Oct (summer time) lands on 21 Oct, and 20 Oct on 27 Oct (winter time) at midnight.
    assert period.shift_from_previous(local(2026, 10, 14)) == local(2026, 10, 21)
    assert period.shift_from_previous(local(2026, 10, 20)) == local(2026, 10, 27)


@pytest.mark.parametrize(
    ("length", "bucket", "granularity"),
    [
        (timedelta(hours=5), Dimension.HOUR, PeakGranularity.MINUTE),
        (timedelta(days=1), Dimension.HOUR, PeakGranularity.MINUTE),
        (timedelta(days=3), Dimension.HOUR, PeakGranularity.HOUR),
        (timedelta(days=3, hours=1), Dimension.DAY, PeakGranularity.HOUR),
        (timedelta(days=120), Dimension.DAY, PeakGranularity.HOUR),
        (timedelta(days=121), Dimension.MONTH, PeakGranularity.HOUR),
    ],
)
def test_bucket_and_peak_granularity_follow_the_length(length, bucket, granularity):
    start = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    period = Period(start, start + length)
    assert time_bucket(period) is bucket
    assert peak_granularity(period) is granularity


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (120, 100, "+20.0%"),
        (90, 100, "-10.0%"),
        (100, 100, "±0%"),
        (5, 0, "new"),
        (0, 0, "±0%"),
        (7, None, None),
    ],
)
def test_change_is_sensible_when_the_previous_value_is_zero(current, previous, expected):
    assert format_change(current, previous) == expected


def test_split_period_covers_the_period_in_wall_clock_pieces():
    from analytics.dashboard.panels.common import split_period

    period = Period(local(2026, 10, 1), local(2026, 11, 1))
    pieces = split_period(period, timedelta(days=14))
    assert [(p.start, p.end) for p in pieces] == [
        (local(2026, 10, 1), local(2026, 10, 15)),
        (local(2026, 10, 15), local(2026, 10, 29)),  # across the change, still midnight
        (local(2026, 10, 29), local(2026, 11, 1)),
    ]
    assert split_period(period, timedelta(days=40)) == [period]
