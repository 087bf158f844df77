"""Query builders shared by the panels: the filters and a period turned into API queries."""

from __future__ import annotations

from datetime import timedelta

from analytics.api import (
    ContentType,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
)
from analytics.dashboard.filters import ReportFilters
from analytics.dashboard.periods import Period, localize
from analytics.dashboard.service import Chunked


def metric_query(
    metric: Metric,
    period: Period,
    filters: ReportFilters,
    dimension: Dimension = Dimension.SUMMARY,
    content_type: ContentType | None = None,
) -> MetricQuery:
    """A metric query for the filters; `content_type` narrows "all content" to one type."""
    kind = content_type or filters.content_type
    return MetricQuery(
        metric,
        period.time_range,
        dimension,
        content_type=kind,
        content_ids=filters.content_ids if kind == filters.content_type else (),
        tz=filters.tz,
    )


def peak_query(period: Period, filters: ReportFilters, granularity: PeakGranularity) -> PeakQuery:
    return PeakQuery(
        period.time_range,
        granularity,
        content_type=filters.content_type,
        content_ids=filters.content_ids,
        tz=filters.tz,
    )


# Longest span of one peak request: a busy account lists every content's every bucket, and
# these spans keep that within one page (10,000 rows), so a long range costs parallel requests
# instead of a page-after-page chain.
PEAK_CHUNK = {PeakGranularity.HOUR: timedelta(days=14), PeakGranularity.MINUTE: timedelta(days=1)}


def peak_call(
    period: Period, filters: ReportFilters, granularity: PeakGranularity
) -> PeakQuery | Chunked:
    """The peak query for the period, split by time into parts run side by side if long."""
    whole = peak_query(period, filters, granularity)
    pieces = split_period(period, PEAK_CHUNK[granularity])
    if len(pieces) == 1:
        return whole
    return Chunked(whole, tuple(peak_query(piece, filters, granularity) for piece in pieces))


def split_period(period: Period, span: timedelta) -> list[Period]:
    """Consecutive pieces of at most `span` (on the wall clock), covering the period exactly."""
    pieces: list[Period] = []
    start = period.start
    while start < period.end:
        end = min(localize(start.replace(tzinfo=None) + span, period.tz), period.end)
        pieces.append(Period(start, end))
        start = end
    return pieces


def column_name(metric: Metric) -> str:
    """The metric as a CSV column name: total_views, unique_devices, authenticated_viewers."""
    return metric.point_name
