"""Query builders shared by the panels: the filters and a period turned into API queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd

from analytics.api import (
    ContentType,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    ViewerSecondsQuery,
)
from analytics.dashboard.filters import ReportFilters
from analytics.dashboard.periods import Period, localize
from analytics.dashboard.service import Chunked, Outcome

WATCH_TIME_HELP = (
    "Time spent watching, summed over all viewers (the API's viewer-seconds): a stretch of a "
    "view counts in the period it was watched in."
)
AVERAGE_VIEW_HELP = "Watch time divided by total views: how long a view lasted on average."
NO_WATCH_TIME = (
    "The API of this account does not report watch time (viewer-seconds came with IBM's "
    "current Analytics API)."
)


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
        content_ids=filters.scope_ids if kind == filters.content_type else (),
        tz=filters.tz,
    )


def peak_query(period: Period, filters: ReportFilters, granularity: PeakGranularity) -> PeakQuery:
    return PeakQuery(
        period.time_range,
        granularity,
        content_type=filters.content_type,
        content_ids=filters.scope_ids,
        tz=filters.tz,
    )


def watch_time_query(period: Period, filters: ReportFilters) -> ViewerSecondsQuery:
    """Seconds watched per content in month buckets: the fewest rows (and pages) whose sum is
    the period's watch time (the API clips every bucket to the range)."""
    return ViewerSecondsQuery(
        period.time_range,
        PeakGranularity.MONTH,
        content_type=filters.content_type,
        content_ids=filters.scope_ids,
        tz=filters.tz,
    )


# Longest span of one peak request: a busy account lists every content's every bucket, and
# these spans keep that within one page (10,000 rows), so a long range costs parallel requests
# instead of a page-after-page chain.
PEAK_CHUNK = {
    PeakGranularity.MINUTE: timedelta(days=1),
    PeakGranularity.HOUR: timedelta(days=14),
    PeakGranularity.DAY: timedelta(days=366),
}


def peak_call(
    period: Period, filters: ReportFilters, granularity: PeakGranularity
) -> PeakQuery | Chunked:
    """The peak query for the period, split by time into parts run side by side if long."""
    whole = peak_query(period, filters, granularity)
    if granularity not in PEAK_CHUNK:  # months: a few rows per content, whatever the range
        return whole
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


def average_view(watched: Outcome, views: Outcome) -> Outcome:
    """Seconds watched per view, as a one-row answer like a summary call's (the first failed
    call's error if either failed; 0 without views)."""
    for outcome in (watched, views):
        if outcome.result is None:
            return outcome
    count = int(views.result.frame["value"].sum())  # type: ignore[union-attr]
    seconds = int(watched.result.frame["value"].sum()) / count if count else 0  # type: ignore[union-attr]
    frame = pd.DataFrame({"value": [round(seconds)]})
    return Outcome(replace(watched.result, frame=frame))  # type: ignore[arg-type]
