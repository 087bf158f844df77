"""Which peak-viewer buckets a period is fetched in.

A bucket's peak is the highest minute in it, so the overall peak is the same at every
granularity: a coarser one only loses the exact minute. The API lists every content's every
bucket, so the granularity decides how many rows (and pages, and requests) a range costs.
Minutes suit a day, hours a month, days two years; months anything longer. No range is cut
short any more: the current API answers day and month itself, and the client rolls hours up
for v1.0.3.
"""

from __future__ import annotations

from datetime import timedelta

from analytics.api import PeakGranularity
from analytics.dashboard.periods import Period

# The longest range fetched at each granularity (docs/dashboard.md, "Limits"); month has none.
RANGE_LIMITS: dict[PeakGranularity, timedelta] = {
    PeakGranularity.MINUTE: timedelta(days=3),
    PeakGranularity.HOUR: timedelta(days=182),
    PeakGranularity.DAY: timedelta(days=1830),
}
# The granularity a page starts with: the finest whose range reaches this far.
DEFAULT_UP_TO: dict[PeakGranularity, timedelta] = {
    PeakGranularity.MINUTE: timedelta(days=1),
    PeakGranularity.HOUR: timedelta(days=31),
    PeakGranularity.DAY: timedelta(days=731),
}
LABELS = {
    PeakGranularity.MINUTE: "Minute",
    PeakGranularity.HOUR: "Hour",
    PeakGranularity.DAY: "Day",
    PeakGranularity.MONTH: "Month",
}
# How a peak's time is written at each granularity (strftime).
TIME_FORMATS = {
    PeakGranularity.MINUTE: "%a %d %b %Y, %H:%M",
    PeakGranularity.HOUR: "%a %d %b %Y, %H:00",
    PeakGranularity.DAY: "%a %d %b %Y",
    PeakGranularity.MONTH: "%B %Y",
}


def default_for(period: Period) -> PeakGranularity:
    """Minutes up to a day, hours up to a month, days up to two years, months beyond."""
    for granularity, up_to in DEFAULT_UP_TO.items():
        if period.length <= up_to:
            return granularity
    return PeakGranularity.MONTH


def allowed_for(period: Period) -> list[PeakGranularity]:
    """The granularities whose range limit the period fits, finest first (month always)."""
    return [g for g in PeakGranularity if period.length <= RANGE_LIMITS.get(g, period.length)]


def limit_note(period: Period) -> str | None:
    """Why finer buckets are not offered for this period (None when all are)."""
    refused = [g for g in PeakGranularity if g not in allowed_for(period)]
    if not refused:
        return None
    coarsest = refused[-1]
    return (
        f"{LABELS[coarsest]}s are available for ranges of up to {RANGE_LIMITS[coarsest].days} days."
    )
