"""Date presets, comparison periods and bucket choice, in zones with daylight saving.

Every expected date is written out by hand (worked out on a calendar), not computed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.api.queries import Dimension, PeakGranularity
from analytics.config import ConfigSource
from analytics.dashboard.periods import (
    Comparison,
    Period,
    Preset,
    compare_label,
    format_change,
    now_in,
    parse_week_start,
    resolve_period,
    time_bucket,
    week_start_from,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 29, 14, 2, tzinfo=BERLIN)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# Sunday 29 Nov 2026, 14:02 in Berlin ("now" is rounded up to 14:05). Expected dates worked
# out with a calendar: 2026-11-29 and 2025-11-30 are Sundays, 2026-11-23 a Monday.
@pytest.mark.parametrize(
    ("preset", "period", "previous", "last_year"),
    [
        (Preset.TODAY,
         (local(2026, 11, 29), local(2026, 11, 29, 14, 5)),
         (local(2026, 11, 22), local(2026, 11, 22, 14, 5)),  # Sunday a week before
         (local(2025, 11, 30), local(2025, 11, 30, 14, 5))),  # Sunday 52 weeks before
        (Preset.YESTERDAY,
         (local(2026, 11, 28), local(2026, 11, 29)),
         (local(2026, 11, 21), local(2026, 11, 22)),
         (local(2025, 11, 29), local(2025, 11, 30))),
        (Preset.THIS_WEEK,
         (local(2026, 11, 23), local(2026, 11, 29, 14, 5)),
         (local(2026, 11, 16), local(2026, 11, 22, 14, 5)),
         (local(2025, 11, 24), local(2025, 11, 30, 14, 5))),
        (Preset.LAST_WEEK,
         (local(2026, 11, 16), local(2026, 11, 23)),
         (local(2026, 11, 9), local(2026, 11, 16)),
         (local(2025, 11, 17), local(2025, 11, 24))),
        (Preset.LAST_7_DAYS,
         (local(2026, 11, 22), local(2026, 11, 29)),
         (local(2026, 11, 15), local(2026, 11, 22)),
         (local(2025, 11, 23), local(2025, 11, 30))),
        (Preset.LAST_28_DAYS,
         (local(2026, 11, 1), local(2026, 11, 29)),
         (local(2026, 10, 4), local(2026, 11, 1)),
         (local(2025, 11, 2), local(2025, 11, 30))),
        # 90 days back crosses the end of summer time: still whole local days. The previous
        # 90 days end on the same weekday (a Saturday, 29 Aug), 13 weeks earlier.
        (Preset.LAST_90_DAYS,
         (local(2026, 8, 31), local(2026, 11, 29)),
         (local(2026, 6, 1), local(2026, 8, 30)),
         (local(2025, 9, 1), local(2025, 11, 30))),
        (Preset.THIS_MONTH,
         (local(2026, 11, 1), local(2026, 11, 29, 14, 5)),
         (local(2026, 10, 1), local(2026, 10, 29, 14, 5)),
         (local(2025, 11, 1), local(2025, 11, 29, 14, 5))),
        # October has 31 days and a 25-hour night; September 30 days: whole months all the same.
        (Preset.LAST_MONTH,
         (local(2026, 10, 1), local(2026, 11, 1)),
         (local(2026, 9, 1), local(2026, 10, 1)),
         (local(2025, 10, 1), local(2025, 11, 1))),
        (Preset.THIS_QUARTER,
         (local(2026, 10, 1), local(2026, 11, 29, 14, 5)),
         (local(2026, 7, 1), local(2026, 8, 29, 14, 5)),
         (local(2025, 10, 1), local(2025, 11, 29, 14, 5))),
        (Preset.LAST_QUARTER,
         (local(2026, 7, 1), local(2026, 10, 1)),
         (local(2026, 4, 1), local(2026, 7, 1)),
         (local(2025, 7, 1), local(2025, 10, 1))),
        (Preset.THIS_YEAR,
         (local(2026, 1, 1), local(2026, 11, 29, 14, 5)),
         (local(2025, 1, 1), local(2025, 11, 29, 14, 5)),
         (local(2025, 1, 1), local(2025, 11, 29, 14, 5))),
        (Preset.LAST_YEAR,
         (local(2025, 1, 1), local(2026, 1, 1)),
         (local(2024, 1, 1), local(2025, 1, 1)),
         (local(2024, 1, 1), local(2025, 1, 1))),
    ],
)  # fmt: skip
def test_presets_and_their_comparison_periods(preset, period, previous, last_year):
    assert span(resolve_period(preset, "Europe/Berlin", now=NOW)) == (period, previous)
    resolved = resolve_period(preset, "Europe/Berlin", now=NOW, comparison=Comparison.YEAR)
    assert span(resolved) == (period, last_year)
    # "Off" still knows its previous period (the digest and the sidebar use it).
    off = resolve_period(preset, "Europe/Berlin", now=NOW, comparison=Comparison.OFF)
    assert span(off) == (period, previous)


def span(period: Period) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    previous = period.previous()
    return (period.start, period.end), (previous.start, previous.end)


def test_every_preset_is_covered_by_the_table_above():
    marks = test_presets_and_their_comparison_periods.pytestmark
    cases = next(mark for mark in marks if mark.name == "parametrize").args[1]
    assert {case[0] for case in cases} | {Preset.CUSTOM} == set(Preset)


def test_last_7_days_across_the_daylight_saving_change_is_seven_local_days():
    period = resolve_period(Preset.LAST_7_DAYS, "Europe/Berlin", now=local(2026, 10, 28, 9))
    assert period.start == local(2026, 10, 21)
    assert period.length == timedelta(days=7, hours=1)  # the night of 25 Oct had 25 hours
    assert period.previous().start == local(2026, 10, 14)


# Tuesday 31 March 2026, 10:00 in Berlin: summer time began on Sunday 29 March (02:00 -> 03:00).
END_OF_MARCH = local(2026, 3, 31, 10)


@pytest.mark.parametrize(
    ("preset", "comparison", "period", "compared"),
    [
        # The month so far against February up to the same date: 31 Feb does not exist, so
        # up to its last day at the same time.
        (Preset.THIS_MONTH, Comparison.PREVIOUS,
         (local(2026, 3, 1), local(2026, 3, 31, 10)),
         (local(2026, 2, 1), local(2026, 2, 28, 10))),
        (Preset.LAST_MONTH, Comparison.PREVIOUS,
         (local(2026, 2, 1), local(2026, 3, 1)),
         (local(2026, 1, 1), local(2026, 2, 1))),
        (Preset.LAST_MONTH, Comparison.YEAR,
         (local(2026, 2, 1), local(2026, 3, 1)),
         (local(2025, 2, 1), local(2025, 3, 1))),
        # Last week holds the 23-hour night; its previous week (16-22 Mar) does not.
        (Preset.LAST_WEEK, Comparison.PREVIOUS,
         (local(2026, 3, 23), local(2026, 3, 30)),
         (local(2026, 3, 16), local(2026, 3, 23))),
        (Preset.THIS_WEEK, Comparison.PREVIOUS,
         (local(2026, 3, 30), local(2026, 3, 31, 10)),
         (local(2026, 3, 23), local(2026, 3, 24, 10))),
        (Preset.LAST_7_DAYS, Comparison.YEAR,
         (local(2026, 3, 24), local(2026, 3, 31)),
         (local(2025, 3, 25), local(2025, 4, 1))),
        (Preset.THIS_QUARTER, Comparison.PREVIOUS,
         (local(2026, 1, 1), local(2026, 3, 31, 10)),
         (local(2025, 10, 1), local(2025, 12, 31, 10))),
    ],
)  # fmt: skip
def test_month_ends_and_the_start_of_summer_time(preset, comparison, period, compared):
    resolved = resolve_period(preset, "Europe/Berlin", now=END_OF_MARCH, comparison=comparison)
    assert span(resolved) == (period, compared)


def test_wall_clock_days_keep_their_real_length_across_the_change():
    last_week = resolve_period(Preset.LAST_WEEK, "Europe/Berlin", now=END_OF_MARCH)
    assert last_week.length == timedelta(days=6, hours=23)
    assert last_week.previous().length == timedelta(days=7)
    assert last_week.start.utcoffset() == timedelta(hours=1)
    assert last_week.end.utcoffset() == timedelta(hours=2)


NEW_YORK = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


# Wednesday 1 March 2028, 09:00 in New York; 2028 is a leap year (Tuesday 29 Feb 2028).
LEAP = ny(2028, 3, 1, 9)


@pytest.mark.parametrize(
    ("preset", "comparison", "period", "compared"),
    [
        # February 2028 has 29 days, January 31, February 2027 28: whole months each.
        (Preset.LAST_MONTH, Comparison.PREVIOUS,
         (ny(2028, 2, 1), ny(2028, 3, 1)), (ny(2028, 1, 1), ny(2028, 2, 1))),
        (Preset.LAST_MONTH, Comparison.YEAR,
         (ny(2028, 2, 1), ny(2028, 3, 1)), (ny(2027, 2, 1), ny(2027, 3, 1))),
        # Yesterday was the leap day, a Tuesday; 52 weeks before is Tuesday 2 March 2027.
        (Preset.YESTERDAY, Comparison.PREVIOUS,
         (ny(2028, 2, 29), ny(2028, 3, 1)), (ny(2028, 2, 22), ny(2028, 2, 23))),
        (Preset.YESTERDAY, Comparison.YEAR,
         (ny(2028, 2, 29), ny(2028, 3, 1)), (ny(2027, 3, 2), ny(2027, 3, 3))),
        # The year so far: the same dates last year (1 Jan to 1 Mar, 09:00).
        (Preset.THIS_YEAR, Comparison.YEAR,
         (ny(2028, 1, 1), ny(2028, 3, 1, 9)), (ny(2027, 1, 1), ny(2027, 3, 1, 9))),
        (Preset.THIS_MONTH, Comparison.PREVIOUS,
         (ny(2028, 3, 1), ny(2028, 3, 1, 9)), (ny(2028, 2, 1), ny(2028, 2, 1, 9))),
        (Preset.LAST_28_DAYS, Comparison.PREVIOUS,
         (ny(2028, 2, 2), ny(2028, 3, 1)), (ny(2028, 1, 5), ny(2028, 2, 2))),
        (Preset.LAST_QUARTER, Comparison.PREVIOUS,
         (ny(2027, 10, 1), ny(2028, 1, 1)), (ny(2027, 7, 1), ny(2027, 10, 1))),
        (Preset.LAST_YEAR, Comparison.PREVIOUS,
         (ny(2027, 1, 1), ny(2028, 1, 1)), (ny(2026, 1, 1), ny(2027, 1, 1))),
    ],
)  # fmt: skip
def test_leap_years(preset, comparison, period, compared):
    resolved = resolve_period(preset, "America/New_York", now=LEAP, comparison=comparison)
    assert span(resolved) == (period, compared)


def test_a_leap_year_is_compared_with_the_whole_year_before():
    resolved = resolve_period(Preset.LAST_YEAR, "UTC", now=datetime(2025, 2, 10, tzinfo=UTC))
    assert (resolved.start.date(), resolved.last_day) == (date(2024, 1, 1), date(2024, 12, 31))
    previous = resolved.previous()
    assert (previous.start.date(), previous.last_day) == (date(2023, 1, 1), date(2023, 12, 31))
    assert resolved.wall_length == timedelta(days=366)
    assert previous.wall_length == timedelta(days=365)


def test_new_york_weeks_across_the_start_of_daylight_saving_time():
    # Wednesday 11 March 2026; clocks went forward on Sunday 8 March 2026 (and 9 March 2025).
    now = ny(2026, 3, 11, 12)
    period = resolve_period(Preset.LAST_WEEK, "America/New_York", now=now)
    assert (period.start, period.end) == (ny(2026, 3, 2), ny(2026, 3, 9))
    assert period.start.utcoffset() == timedelta(hours=-5)
    assert period.end.utcoffset() == timedelta(hours=-4)
    assert span(period)[1] == (ny(2026, 2, 23), ny(2026, 3, 2))
    year = resolve_period(Preset.LAST_WEEK, "America/New_York", now=now, comparison=Comparison.YEAR)
    assert span(year)[1] == (ny(2025, 3, 3), ny(2025, 3, 10))


def test_weeks_can_start_on_sunday():
    # Sunday start: on Wednesday 11 March 2026 this week began on Sunday 8 March.
    now = ny(2026, 3, 11, 12)
    sunday = 6
    this_week = resolve_period(Preset.THIS_WEEK, "America/New_York", now=now, week_start=sunday)
    assert (this_week.start, this_week.end) == (ny(2026, 3, 8), ny(2026, 3, 11, 12))
    last_week = resolve_period(Preset.LAST_WEEK, "America/New_York", now=now, week_start=sunday)
    assert (last_week.start, last_week.end) == (ny(2026, 3, 1), ny(2026, 3, 8))
    # On the first day of the week itself, "this week" is today so far.
    on_sunday = resolve_period(
        Preset.THIS_WEEK, "America/New_York", now=ny(2026, 3, 8, 7), week_start=sunday
    )
    assert on_sunday.start == ny(2026, 3, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("monday", 0), ("Sunday", 6), (" sat ", 5), ("MON", 0)],
)
def test_the_week_start_setting_takes_weekday_names(text, expected):
    assert parse_week_start(text) == expected
    assert week_start_from(ConfigSource(environ={"DASHBOARD_WEEK_START": text})) == expected


def test_an_unusable_week_start_names_the_setting():
    assert week_start_from(ConfigSource(environ={})) == 0
    with pytest.raises(ValueError, match="DASHBOARD_WEEK_START: expected a weekday"):
        week_start_from(ConfigSource(environ={"DASHBOARD_WEEK_START": "someday"}))


@pytest.mark.parametrize(
    ("preset", "comparison", "words"),
    [
        (Preset.THIS_WEEK, Comparison.PREVIOUS, "vs last week"),
        (Preset.LAST_WEEK, Comparison.PREVIOUS, "vs the week before"),
        (Preset.LAST_MONTH, Comparison.PREVIOUS, "vs the month before"),
        (Preset.LAST_28_DAYS, Comparison.PREVIOUS, "vs previous 28 days"),
        (Preset.CUSTOM, Comparison.PREVIOUS, "vs previous period"),
        (Preset.LAST_WEEK, Comparison.YEAR, "vs same period last year"),
        (Preset.LAST_WEEK, Comparison.OFF, ""),
    ],
)
def test_comparisons_are_named_in_short_words(preset, comparison, words):
    assert compare_label(preset, comparison) == words


def test_custom_days_are_compared_with_the_same_weekdays():
    # Thursday 5 to Sunday 15 Nov 2026 (11 days): two weeks earlier, ending on a Sunday too.
    period = resolve_period(
        Preset.CUSTOM,
        "Europe/Berlin",
        now=NOW,
        custom_start=datetime(2026, 11, 5),
        custom_end=datetime(2026, 11, 16),
    )
    assert span(period)[1] == (local(2026, 10, 22), local(2026, 11, 2))
    year = resolve_period(
        Preset.CUSTOM,
        "Europe/Berlin",
        now=NOW,
        custom_start=datetime(2026, 11, 5),
        custom_end=datetime(2026, 11, 16),
        comparison=Comparison.YEAR,
    )
    assert span(year)[1] == (local(2025, 11, 6), local(2025, 11, 17))


def test_a_custom_range_longer_than_a_year_is_compared_without_overlap():
    period = resolve_period(
        Preset.CUSTOM,
        "UTC",
        now=NOW,
        custom_start=datetime(2025, 1, 1),
        custom_end=datetime(2026, 3, 1),  # 424 days: 61 weeks back
        comparison=Comparison.YEAR,
    )
    previous = period.previous()
    assert previous.end <= period.start
    assert (period.start - previous.start) == timedelta(weeks=61)


def test_custom_range_is_read_in_the_chosen_zone():
    period = resolve_period(
        Preset.CUSTOM,
        "Asia/Tokyo",
        now=NOW,
        custom_start=datetime(2026, 11, 3, 8, 30),
        custom_end=datetime(2026, 11, 3, 20, 0),
    )
    assert period.start == datetime(2026, 11, 3, 8, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    # Part of a day: the same hours of the same weekday a week before.
    assert period.previous().start == datetime(2026, 10, 27, 8, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert period.previous().end == datetime(2026, 10, 27, 20, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


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
    ("length", "bucket", "granularity", "allowed"),
    [
        (timedelta(hours=5), Dimension.HOUR, PeakGranularity.MINUTE, "minute hour day month"),
        (timedelta(days=1), Dimension.HOUR, PeakGranularity.MINUTE, "minute hour day month"),
        (timedelta(days=3), Dimension.HOUR, PeakGranularity.HOUR, "minute hour day month"),
        (timedelta(days=3, hours=1), Dimension.DAY, PeakGranularity.HOUR, "hour day month"),
        (timedelta(days=31), Dimension.DAY, PeakGranularity.HOUR, "hour day month"),
        (timedelta(days=120), Dimension.DAY, PeakGranularity.DAY, "hour day month"),
        (timedelta(days=121), Dimension.MONTH, PeakGranularity.DAY, "hour day month"),
        (timedelta(days=183), Dimension.MONTH, PeakGranularity.DAY, "day month"),
        (timedelta(days=732), Dimension.MONTH, PeakGranularity.MONTH, "day month"),
        (timedelta(days=1831), Dimension.MONTH, PeakGranularity.MONTH, "month"),
    ],
)
def test_bucket_and_peak_granularity_follow_the_length(length, bucket, granularity, allowed):
    from analytics.dashboard import peak_granularity

    start = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    period = Period(start, start + length)
    assert time_bucket(period) is bucket
    assert peak_granularity.default_for(period) is granularity
    assert " ".join(peak_granularity.allowed_for(period)) == allowed
    assert granularity in peak_granularity.allowed_for(period)
    note = peak_granularity.limit_note(period)
    assert (note is None) == (allowed == "minute hour day month")
    if allowed == "day month":
        assert note == "Hours are available for ranges of up to 182 days."


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


def test_previous_points_of_a_calendar_comparison_move_by_position_or_by_month():
    # November (30 days) against October (31): 31 October lands after the end of November.
    period = resolve_period(Preset.LAST_MONTH, "Europe/Berlin", now=local(2026, 12, 2, 9))
    assert period.shift_from_previous(local(2026, 10, 1)) == local(2026, 11, 1)
    assert period.shift_from_previous(local(2026, 10, 31)) == local(2026, 12, 1)
    # 2024 (leap) against 2025 by month: December onto December, not 2 December.
    year = resolve_period(Preset.LAST_YEAR, "UTC", now=datetime(2026, 2, 1, tzinfo=UTC))
    december = datetime(2024, 12, 1, tzinfo=ZoneInfo("UTC"))
    assert year.shift_from_previous(december, by_month=True) == datetime(
        2025, 12, 1, tzinfo=ZoneInfo("UTC")
    )
    assert year.shift_from_previous(december) == datetime(2025, 12, 2, tzinfo=ZoneInfo("UTC"))
