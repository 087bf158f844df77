"""Date range presets, the period to compare with, and the time bucket that suits a range.

Periods are computed in the viewer's timezone and on the wall clock, so "yesterday" is a local
calendar day and "last week" is seven local days from a local midnight, even when a
daylight-saving change falls in between.

Comparisons (what a marketer expects):

- previous period: week- and day-based ranges (today, yesterday, this/last week, last N days,
  custom) are compared with the same number of days ending on the same weekday, i.e. shifted back
  by whole weeks; calendar months, quarters and years with the one before (a whole month with the
  whole month before, even when their lengths differ).
- same period last year: week- and day-based ranges 52 weeks (364 days) earlier, so weekdays
  match; calendar months, quarters and years the same dates one year earlier.

"So far" periods (this week, this month...) are compared up to the same point: the same time
of the same weekday, or the same date and time (the month's last day when it is shorter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from analytics.api.queries import Dimension, TimeRange
from analytics.config import ConfigSource

# "Now" is rounded up to this step so that queries (and with them cache keys) stay the same for a
# few minutes instead of changing on every rerun.
NOW_STEP = timedelta(minutes=5)

HOUR_BUCKETS_UP_TO = timedelta(days=3)
DAY_BUCKETS_UP_TO = timedelta(days=120)

# Hard limits on what one page render asks the API for (see docs/dashboard.md, "Limits"): the
# longest range each time bucket is fetched for; a longer range gets a coarser bucket, and the
# page says so. Peaks have their own (analytics/dashboard/peak_granularity.py).
METRIC_RANGE_LIMITS = {Dimension.HOUR: timedelta(days=92), Dimension.DAY: timedelta(days=1830)}
COARSER = {Dimension.HOUR: Dimension.DAY, Dimension.DAY: Dimension.MONTH}
# Dates a range may use: earlier or later ones are refused (the previous period of a range
# starting in year 1 does not exist, and no analytics data is that old).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 1, 1)

WEEK = timedelta(days=7)
YEAR_IN_WEEKS = 52
# The weekday weeks start on (0 = Monday ... 6 = Sunday), a setting of the deployment.
WEEK_START_SETTING = "DASHBOARD_WEEK_START"
MONDAY = 0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Preset(StrEnum):
    """The date range choices of the sidebar; the value is what the URL carries."""

    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this-week"
    LAST_WEEK = "last-week"
    LAST_7_DAYS = "last-7-days"
    LAST_28_DAYS = "last-28-days"
    LAST_90_DAYS = "last-90-days"
    THIS_MONTH = "this-month"
    LAST_MONTH = "last-month"
    THIS_QUARTER = "this-quarter"
    LAST_QUARTER = "last-quarter"
    THIS_YEAR = "this-year"
    LAST_YEAR = "last-year"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return _PRESET_LABELS[self]


_PRESET_LABELS = {
    Preset.TODAY: "Today",
    Preset.YESTERDAY: "Yesterday",
    Preset.THIS_WEEK: "This week",
    Preset.LAST_WEEK: "Last week",
    Preset.LAST_7_DAYS: "Last 7 days",
    Preset.LAST_28_DAYS: "Last 28 days",
    Preset.LAST_90_DAYS: "Last 90 days",
    Preset.THIS_MONTH: "This month",
    Preset.LAST_MONTH: "Last month",
    Preset.THIS_QUARTER: "This quarter",
    Preset.LAST_QUARTER: "Last quarter",
    Preset.THIS_YEAR: "This year",
    Preset.LAST_YEAR: "Last year",
    Preset.CUSTOM: "Custom range",
}

_LAST_N_DAYS = {Preset.LAST_7_DAYS: 7, Preset.LAST_28_DAYS: 28, Preset.LAST_90_DAYS: 90}
# Calendar presets: how many months one unit (month, quarter, year) has.
_CALENDAR_MONTHS = {
    Preset.THIS_MONTH: 1,
    Preset.LAST_MONTH: 1,
    Preset.THIS_QUARTER: 3,
    Preset.LAST_QUARTER: 3,
    Preset.THIS_YEAR: 12,
    Preset.LAST_YEAR: 12,
}
# Presets that run up to now (the unit so far) rather than over whole past days.
_SO_FAR = {Preset.TODAY, Preset.THIS_WEEK, Preset.THIS_MONTH, Preset.THIS_QUARTER, Preset.THIS_YEAR}


class Comparison(StrEnum):
    """What a period is compared with; the value is what the URL carries (`compare=`)."""

    PREVIOUS = "previous"
    YEAR = "year"
    OFF = "off"

    @property
    def label(self) -> str:
        return _COMPARISON_LABELS[self]


_COMPARISON_LABELS = {
    Comparison.PREVIOUS: "Previous period",
    Comparison.YEAR: "Same period last year",
    Comparison.OFF: "No comparison",
}
# Short words for "vs ..." on KPI tiles (kept short so a narrow tile does not cut them).
_PREVIOUS_WORDS = {
    Preset.TODAY: "same day last week",
    Preset.YESTERDAY: "same day a week before",
    Preset.THIS_WEEK: "last week",
    Preset.LAST_WEEK: "the week before",
    Preset.LAST_7_DAYS: "previous 7 days",
    Preset.LAST_28_DAYS: "previous 28 days",
    Preset.LAST_90_DAYS: "previous 90 days",
    Preset.THIS_MONTH: "last month",
    Preset.LAST_MONTH: "the month before",
    Preset.THIS_QUARTER: "last quarter",
    Preset.LAST_QUARTER: "the quarter before",
    Preset.THIS_YEAR: "last year",
    Preset.LAST_YEAR: "the year before",
    Preset.CUSTOM: "previous period",
}


def compare_label(preset: Preset, comparison: Comparison) -> str:
    """ "vs last week", "vs same period last year"; empty without a comparison."""
    if comparison is Comparison.OFF:
        return ""
    if comparison is Comparison.YEAR:
        return "vs same period last year"
    return f"vs {_PREVIOUS_WORDS[preset]}"


def parse_week_start(raw: Any, name: str = WEEK_START_SETTING) -> int:
    """monday ... sunday (or mon ... sun, any case) -> 0 ... 6; ValueError naming `name`."""
    text = str(raw).strip().lower()
    for number, day in enumerate(WEEKDAYS):
        if text in (day, day[:3]):
            return number
    raise ValueError(f"{name}: expected a weekday such as monday or sunday, got {str(raw)!r}")


def week_start_from(source: ConfigSource) -> int:
    """The configured first day of the week (DASHBOARD_WEEK_START), Monday when unset."""
    raw = source.text(WEEK_START_SETTING)
    return MONDAY if raw is None else parse_week_start(raw)


def zone(tz: str) -> ZoneInfo:
    """The IANA zone named `tz`; ValueError naming the parameter when it is unknown."""
    if not tz or tz not in _known_zones():
        raise ValueError(f"timezone: {tz!r} is not a known IANA timezone (e.g. Europe/Berlin)")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"timezone: {tz!r} is not a known IANA timezone") from error


def timezone_names() -> list[str]:
    """All selectable timezones, sorted, UTC first."""
    names = sorted(_known_zones() - {"UTC"})
    return ["UTC", *names]


def _known_zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = set(available_timezones()) | {"UTC"}
    return _ZONES


_ZONES: set[str] | None = None


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` (the earlier one when the clock is ambiguous)."""
    return naive.replace(tzinfo=tz, fold=0)


@dataclass(frozen=True)
class Period:
    """A half-open time range [start, end) in one timezone.

    `baseline` is the period it is compared with (see `resolve_period`); without one, the period
    of the same wall-clock length just before.
    """

    start: datetime
    end: datetime
    baseline: Period | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("period: start and end need a timezone")
        if not self.start < self.end:
            raise ValueError("period: the start must be before the end")

    @property
    def tz(self) -> ZoneInfo:
        return self.start.tzinfo  # type: ignore[return-value]

    @property
    def time_range(self) -> TimeRange:
        """The period as the API module's TimeRange (what every query takes)."""
        return TimeRange(self.start, self.end)

    @property
    def length(self) -> timedelta:
        """Elapsed time (Python subtracts datetimes of one zone on the wall clock; not here)."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @property
    def wall_length(self) -> timedelta:
        """Length on the local wall clock: 7 days stay 7 days across a daylight-saving change."""
        return self.end.replace(tzinfo=None) - self.start.replace(tzinfo=None)

    def previous(self) -> Period:
        """The period to compare with: the baseline, else the same wall-clock length before."""
        if self.baseline is not None:
            return self.baseline
        start = self.start.replace(tzinfo=None) - self.wall_length
        return Period(localize(start, self.tz), self.start)

    def shift_from_previous(self, moment: datetime, *, by_month: bool = False) -> datetime:
        """Move a moment of the compared period onto the same place in this one.

        The same wall-clock distance from the start (7 Oct 00:00 of the week before lands on
        14 Oct 00:00); `by_month` moves month buckets by whole months instead (December of a
        leap year onto December, not 2 December).
        """
        local = moment.astimezone(self.tz).replace(tzinfo=None)
        base = self.previous().start.replace(tzinfo=None)
        here = self.start.replace(tzinfo=None)
        if by_month:
            months = (here.year - base.year) * 12 + here.month - base.month
            return localize(add_months(local, months), self.tz)
        return localize(here + (local - base), self.tz)

    @property
    def last_day(self) -> date:
        """The last calendar day the period touches (its end is exclusive)."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()

    def describe(self) -> str:
        """Human label, e.g. "1 Nov 2026 – 28 Nov 2026" or with times for partial days."""
        whole_days = self.start.time() == time(0) and self.end.time() == time(0)
        if whole_days:
            first, last = self.start.date(), self.last_day
            if first == last:
                return f"{first:%a} {_day(first)}"
            return f"{_day(first)} – {_day(last)}"
        return f"{_day(self.start)} {self.start:%H:%M} – {_day(self.end)} {self.end:%H:%M}"


def _day(moment: date) -> str:
    return f"{moment.day} {moment:%b %Y}"


def now_in(tz: ZoneInfo, clock: datetime | None = None) -> datetime:
    """The current time in `tz`, rounded up to NOW_STEP so queries stay stable for a while."""
    current = (clock or datetime.now(tz)).astimezone(tz)
    step = NOW_STEP.total_seconds()
    rounded = math.ceil(current.timestamp() / step) * step
    return datetime.fromtimestamp(rounded, tz)


def resolve_period(
    preset: Preset,
    tz: str,
    *,
    now: datetime | None = None,
    custom_start: datetime | None = None,
    custom_end: datetime | None = None,
    comparison: Comparison = Comparison.PREVIOUS,
    week_start: int = MONDAY,
) -> Period:
    """The concrete period a preset means at `now` in timezone `tz`, with its baseline.

    "Last N days" are N whole days ending at today's midnight (today is not complete yet);
    "today", "this week/month/quarter/year" run up to now. Weeks start on `week_start`
    (0 = Monday). Custom bounds are wall-clock times in `tz`. The baseline follows `comparison`
    (see the module's docstring); OFF gets the previous period's, so `previous()` still works.
    """
    zone_info = zone(tz)
    current = now_in(zone_info, now)
    if preset is Preset.CUSTOM:
        start, end = _custom_bounds(custom_start, custom_end)
    else:
        start, end = _preset_bounds(preset, current.replace(tzinfo=None), week_start)
    local_start = localize(start, zone_info)
    local_end = max(current, local_start + NOW_STEP) if end is None else localize(end, zone_info)
    if not local_start < local_end:
        raise ValueError("custom range: the start must be before the end")
    wall_end = local_end.replace(tzinfo=None)
    base_start, base_end = _baseline(preset, comparison, start, wall_end)
    baseline = Period(localize(base_start, zone_info), localize(base_end, zone_info))
    return Period(local_start, local_end, baseline)


def _custom_bounds(
    custom_start: datetime | None, custom_end: datetime | None
) -> tuple[datetime, datetime]:
    if custom_start is None or custom_end is None:
        raise ValueError("custom range: choose both a start and an end")
    check_date_bounds(custom_start, custom_end)
    start, end = custom_start.replace(tzinfo=None), custom_end.replace(tzinfo=None)
    if not start < end:
        raise ValueError("custom range: the start must be before the end")
    return start, end


def _preset_bounds(
    preset: Preset, now: datetime, week_start: int
) -> tuple[datetime, datetime | None]:
    """Wall-clock start and end of a preset (end None: up to now)."""
    today = datetime.combine(now.date(), time(0))
    if preset in (Preset.TODAY, Preset.YESTERDAY):
        return (today, None) if preset is Preset.TODAY else (today - timedelta(days=1), today)
    if preset in _LAST_N_DAYS:
        return today - timedelta(days=_LAST_N_DAYS[preset]), today
    if preset in (Preset.THIS_WEEK, Preset.LAST_WEEK):
        monday = today - timedelta(days=(today.weekday() - week_start) % 7)
        return (monday, None) if preset is Preset.THIS_WEEK else (monday - WEEK, monday)
    months = _CALENDAR_MONTHS[preset]
    unit_start = today.replace(month=(today.month - 1) // months * months + 1, day=1)
    if preset in _SO_FAR:
        return unit_start, None
    return add_months(unit_start, -months), unit_start


def _baseline(
    preset: Preset, comparison: Comparison, start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """Wall-clock bounds of the period compared with [start, end) of `preset`."""
    months = _CALENDAR_MONTHS.get(preset)
    if months is not None:
        back = 12 if comparison is Comparison.YEAR else months
        base_start = add_months(start, -back)
        unit_end = add_months(base_start, months)
        if preset in _SO_FAR:  # up to the same date and time (within that unit)
            return base_start, min(add_months(end, -back), unit_end)
        return base_start, unit_end
    # Week- and day-based: whole weeks back, so weekdays match and the periods do not overlap.
    weeks = math.ceil((end - start) / WEEK)
    if comparison is Comparison.YEAR:
        weeks = max(weeks, YEAR_IN_WEEKS)
    return start - weeks * WEEK, end - weeks * WEEK


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` later (or earlier); the day clamped to the month's end."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_first - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def check_date_bounds(*moments: datetime) -> None:
    """ValueError when a moment lies before EARLIEST_DATE or after LATEST_DATE."""
    for moment in moments:
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            raise ValueError(
                f"custom range: dates must lie between {EARLIEST_DATE:%Y-%m-%d} and "
                f"{LATEST_DATE:%Y-%m-%d}, got {moment:%Y-%m-%d}"
            )


def metric_bucket(period: Period, dimension: Dimension) -> tuple[Dimension, str | None]:
    """`dimension`, or a coarser time bucket when the range is too long for it (with a note)."""
    chosen = dimension
    while chosen in METRIC_RANGE_LIMITS and period.length > METRIC_RANGE_LIMITS[chosen]:
        chosen = COARSER[chosen]
    if chosen is dimension:
        return dimension, None
    limit = METRIC_RANGE_LIMITS[dimension].days
    return chosen, (
        f"Shown by {chosen.value} instead of by {dimension.value}: {dimension.value}s are "
        f"available for ranges of up to {limit} days (more would take too many API requests)."
    )


def time_bucket(period: Period) -> Dimension:
    """Hours up to 3 days, days up to 120 days, months beyond: enough points, never too many."""
    if period.length <= HOUR_BUCKETS_UP_TO:
        return Dimension.HOUR
    if period.length <= DAY_BUCKETS_UP_TO:
        return Dimension.DAY
    return Dimension.MONTH


def change_ratio(current: float, previous: float) -> float | None:
    """Relative change against the previous period; None when there is nothing to compare with."""
    if previous == 0:
        return None
    return (current - previous) / previous


def format_change(current: float, previous: float | None) -> str | None:
    """ "+12.5%", "-3.0%", "new" (previous was zero, now isn't), "±0%"; None without previous."""
    if previous is None:
        return None
    ratio = change_ratio(current, previous)
    if ratio is None:
        return "new" if current else "±0%"
    if ratio == 0:
        return "±0%"
    return f"{ratio:+.1%}"
