"""Date range presets, the previous period to compare with, and the time bucket that suits a range.

Periods are computed in the viewer's timezone and on the wall clock, so "yesterday" is a local
calendar day and the previous period of "last 7 days" is the 7 local days before it, even when a
daylight-saving change falls in between.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from analytics.api.queries import Dimension, PeakGranularity, TimeRange

# "Now" is rounded up to this step so that queries (and with them cache keys) stay the same for a
# few minutes instead of changing on every rerun.
NOW_STEP = timedelta(minutes=5)

HOUR_BUCKETS_UP_TO = timedelta(days=3)
DAY_BUCKETS_UP_TO = timedelta(days=120)
MINUTE_PEAKS_UP_TO = timedelta(days=1)

# Hard limits on what one page render asks the API for (see docs/dashboard.md, "Limits"): the
# longest range each granularity is fetched for. A longer range gets a coarser granularity where
# the API offers one, else only its last part is fetched, and the page says so.
PEAK_RANGE_LIMITS = {
    PeakGranularity.MINUTE: timedelta(days=3),
    PeakGranularity.HOUR: timedelta(days=182),
}
METRIC_RANGE_LIMITS = {Dimension.HOUR: timedelta(days=92), Dimension.DAY: timedelta(days=1830)}
COARSER = {Dimension.HOUR: Dimension.DAY, Dimension.DAY: Dimension.MONTH}
# Dates a range may use: earlier or later ones are refused (the previous period of a range
# starting in year 1 does not exist, and no analytics data is that old).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 1, 1)


class Preset(StrEnum):
    """The date range choices of the sidebar; the value is what the URL carries."""

    TODAY = "today"
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last-7-days"
    LAST_28_DAYS = "last-28-days"
    LAST_90_DAYS = "last-90-days"
    THIS_MONTH = "this-month"
    LAST_MONTH = "last-month"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return _PRESET_LABELS[self]


_PRESET_LABELS = {
    Preset.TODAY: "Today",
    Preset.YESTERDAY: "Yesterday",
    Preset.LAST_7_DAYS: "Last 7 days",
    Preset.LAST_28_DAYS: "Last 28 days",
    Preset.LAST_90_DAYS: "Last 90 days",
    Preset.THIS_MONTH: "This month",
    Preset.LAST_MONTH: "Last month",
    Preset.CUSTOM: "Custom range",
}

_LAST_N_DAYS = {Preset.LAST_7_DAYS: 7, Preset.LAST_28_DAYS: 28, Preset.LAST_90_DAYS: 90}


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

    `compare_shift` is how far back (on the wall clock) the comparison period starts: by default
    the period's own length, so the previous period ends where this one starts. "Today" sets one
    day, so it is compared with yesterday up to the same time of day.
    """

    start: datetime
    end: datetime
    compare_shift: timedelta | None = None

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

    @property
    def shift(self) -> timedelta:
        """Wall-clock distance between the previous period and this one (at least the length)."""
        return max(self.compare_shift or self.wall_length, self.wall_length)

    def previous(self) -> Period:
        """The period of the same (wall-clock) length, `shift` earlier."""
        start = self.start.replace(tzinfo=None) - self.shift
        return Period(localize(start, self.tz), localize(start + self.wall_length, self.tz))

    def shift_from_previous(self, moment: datetime) -> datetime:
        """Move a moment of the previous period onto the same place in this one."""
        local = moment.astimezone(self.tz).replace(tzinfo=None)
        return localize(local + self.shift, self.tz)

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
) -> Period:
    """The concrete period a preset means at `now` in timezone `tz`.

    "Last N days" are N whole days ending at today's midnight (today is not complete yet);
    "today" and "this month" run up to now and compare with the same span of yesterday and last
    month. Custom bounds are wall-clock times in `tz`.
    """
    zone_info = zone(tz)
    current = now_in(zone_info, now)
    today = localize(datetime.combine(current.date(), time(0)), zone_info)
    if preset is Preset.TODAY:
        return Period(today, max(current, today + NOW_STEP), compare_shift=timedelta(days=1))
    if preset is Preset.YESTERDAY:
        return Period(_days_before(today, 1), today)
    if preset in _LAST_N_DAYS:
        return Period(_days_before(today, _LAST_N_DAYS[preset]), today)
    first_of_month = today.replace(day=1)
    previous_month_day = first_of_month.replace(tzinfo=None) - timedelta(days=1)
    first_of_previous_month = localize(previous_month_day.replace(day=1), zone_info)
    if preset is Preset.THIS_MONTH:
        # Compared with the same days of last month.
        month_shift = first_of_month.replace(tzinfo=None) - first_of_previous_month.replace(
            tzinfo=None
        )
        end = max(current, first_of_month + NOW_STEP)
        return Period(first_of_month, end, compare_shift=month_shift)
    if preset is Preset.LAST_MONTH:
        return Period(first_of_previous_month, first_of_month)
    if custom_start is None or custom_end is None:
        raise ValueError("custom range: choose both a start and an end")
    check_date_bounds(custom_start, custom_end)
    start = localize(custom_start.replace(tzinfo=None), zone_info)
    end = localize(custom_end.replace(tzinfo=None), zone_info)
    if not start < end:
        raise ValueError("custom range: the start must be before the end")
    return Period(start, end)


def check_date_bounds(*moments: datetime) -> None:
    """ValueError when a moment lies before EARLIEST_DATE or after LATEST_DATE."""
    for moment in moments:
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            raise ValueError(
                f"custom range: dates must lie between {EARLIEST_DATE:%Y-%m-%d} and "
                f"{LATEST_DATE:%Y-%m-%d}, got {moment:%Y-%m-%d}"
            )


def last_part(period: Period, span: timedelta) -> Period:
    """The last `span` (wall clock) of the period, or the period itself when it is shorter."""
    if period.wall_length <= span:
        return period
    start = localize(period.end.replace(tzinfo=None) - span, period.tz)
    return Period(start, period.end)


@dataclass(frozen=True)
class Limited:
    """What a page fetches for a range: the period and granularity used, and why they differ
    from what was asked (None when they do not)."""

    period: Period
    note: str | None = None


def peak_window(period: Period, granularity: PeakGranularity) -> Limited:
    """The part of `period` whose peaks are fetched at `granularity` (its last days if long)."""
    span = PEAK_RANGE_LIMITS[granularity]
    window = last_part(period, span)
    if window == period:
        return Limited(period)
    unit = "minute" if granularity is PeakGranularity.MINUTE else "hour"
    return Limited(
        window,
        f"Peaks by {unit} cover only the last {span.days} days of the range "
        f"({window.describe()}): a longer range would take too many API requests.",
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


def _days_before(midnight: datetime, days: int) -> datetime:
    return localize(midnight.replace(tzinfo=None) - timedelta(days=days), midnight.tzinfo)  # type: ignore[arg-type]


def time_bucket(period: Period) -> Dimension:
    """Hours up to 3 days, days up to 120 days, months beyond: enough points, never too many."""
    if period.length <= HOUR_BUCKETS_UP_TO:
        return Dimension.HOUR
    if period.length <= DAY_BUCKETS_UP_TO:
        return Dimension.DAY
    return Dimension.MONTH


def peak_granularity(period: Period) -> PeakGranularity:
    """Minutes for a day or less, hours beyond, so the peak call stays small."""
    return PeakGranularity.MINUTE if period.length <= MINUTE_PEAKS_UP_TO else PeakGranularity.HOUR


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
