"""The digest's data: the Overview's four KPIs against the previous period, the top contents by
views and the breakdowns (countries, devices, view sources), fetched concurrently.

Every number comes from the typed queries the dashboard sends (MetricQuery, PeakQuery,
ViewsQuery); the shaping reuses `analytics.dashboard.tables`, so the e-mail and the dashboard
agree. Nothing here renders or sends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.api import (
    AnalyticsClient,
    ContentType,
    Dimension,
    Metric,
    MetricQuery,
    PeakQuery,
    Result,
    ViewsQuery,
)
from analytics.dashboard import tables
from analytics.dashboard.peak_granularity import default_for as peak_granularity
from analytics.dashboard.periods import Period, change_ratio, format_change
from analytics.reports.periods import ReportPeriod

KPI_METRICS = (Metric.TOTAL_VIEWS, Metric.UNIQUE_DEVICES, Metric.AUTHENTICATED_VIEWERS)
PEAK_LABEL = "Peak concurrent viewers"
BREAKDOWNS: Mapping[str, Dimension] = {
    "countries": Dimension.COUNTRY,
    "devices": Dimension.DEVICE,
    "view_sources": Dimension.VIEW_SOURCE,
}
BREAKDOWN_TITLES = {"countries": "Countries", "devices": "Devices", "view_sources": "View sources"}
TOP_CONTENTS = 10
# Candidates whose exact views are asked for: the export's count of views that started in the
# period can differ at its edges (a session's earlier segment before the start), so a few more
# than shown are checked against the API's own total-views of each content.
TOP_CANDIDATES = TOP_CONTENTS + 5
WORKERS = 8


@dataclass(frozen=True)
class Kpi:
    label: str
    value: int
    previous: int

    @property
    def change(self) -> str:
        """Signed change against the previous period: "+12.5%", "-3.0%", "±0%" or "new"."""
        return format_change(self.value, self.previous) or ""

    @property
    def difference(self) -> int:
        return self.value - self.previous


@dataclass(frozen=True)
class Digest:
    """What one e-mail shows: figures and ready-shaped frames (see `frames` for the CSVs)."""

    period: ReportPeriod
    tz: str
    kpis: tuple[Kpi, ...]
    top_contents: pd.DataFrame  # rank, content, content_type, content_id, views, share
    breakdowns: Mapping[str, pd.DataFrame]  # name -> point, label, value, share, previous...
    peak: tables.Peak | None
    stale: bool = False
    is_demo: bool = False

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table as a CSV-ready frame, by file stem (kpis, top-contents, countries...);
        `change` and `share` are ratios (0.125 = +12.5%), empty when there was nothing before."""
        kpis = pd.DataFrame(
            {
                "metric": [k.label for k in self.kpis],
                "value": [k.value for k in self.kpis],
                "previous_period_value": [k.previous for k in self.kpis],
                "change": pd.array(
                    [change_ratio(k.value, k.previous) for k in self.kpis], "Float64"
                ),
            }
        )
        frames = {"kpis": kpis, "top-contents": self.top_contents}
        for name, table in self.breakdowns.items():
            frames[name.replace("_", "-")] = table
        return frames


def build_digest(client: AnalyticsClient, period: ReportPeriod, tz: str) -> Digest:
    """Fetch everything for `period` (and its previous period) concurrently and shape it."""
    calls: dict[str, Callable[[], Result]] = {}
    for prefix, part in (("", period.current), ("previous-", period.previous)):
        for metric in KPI_METRICS:
            calls[f"{prefix}{metric.value}"] = _metric_call(client, metric, part, tz)
        peak = PeakQuery(part.time_range, peak_granularity(part), tz=tz)
        calls[f"{prefix}peak"] = _bound(client.peak_viewers, peak)
        for name, dimension in BREAKDOWNS.items():
            calls[f"{prefix}{name}"] = _metric_call(client, Metric.TOTAL_VIEWS, part, tz, dimension)
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="digest") as pool:
        views_future = pool.submit(views_by_content, client, period.current, tz)
        catalogue_future = pool.submit(client.catalogue)  # titles; ids when it is unavailable
        futures = {name: pool.submit(call) for name, call in calls.items()}
        results = {name: future.result() for name, future in futures.items()}
        counted = views_future.result()
        labels = catalogue_future.result().label
        top = top_contents(client, pool, counted, period.current, tz, labels)

    kpis = [
        Kpi(
            tables.METRIC_LABELS[metric],
            summary(results[metric.value]),
            summary(results[f"previous-{metric.value}"]),
        )
        for metric in KPI_METRICS
    ]
    peak = tables.overall_peak(results["peak"].frame, labels)
    previous_peak = tables.overall_peak(results["previous-peak"].frame)
    kpis.append(
        Kpi(PEAK_LABEL, peak.value if peak else 0, previous_peak.value if previous_peak else 0)
    )
    total_views = kpis[0].value
    top["share"] = top["views"] / total_views if total_views else 0.0

    breakdowns = {}
    for name, dimension in BREAKDOWNS.items():
        table = tables.breakdown_table(
            results[name].frame, results[f"previous-{name}"].frame, dimension
        )
        if dimension is Dimension.COUNTRY:
            table = tables.with_countries(table).drop(columns="iso_alpha3")
        breakdowns[name] = table
    return Digest(
        period=period,
        tz=tz,
        kpis=tuple(kpis),
        top_contents=top,
        breakdowns=breakdowns,
        peak=peak,
        stale=any(result.stale for result in results.values()),
        is_demo=client.is_demo,
    )


def summary(result: Result) -> int:
    """The number of a summary call (0 when the API answered with no row)."""
    frame = result.frame
    return int(frame["value"].sum()) if len(frame) else 0


def views_by_content(client: AnalyticsClient, period: Period, tz: str) -> pd.DataFrame:
    """Views that started in the period per content, counted from the raw export page by page
    (a view is a playback session; its start is its first segment's). Columns: content_type,
    content_id, views; most views first.
    """
    first_seen: dict[str, tuple[str, int, pd.Timestamp]] = {}
    stream = client.iter_views(ViewsQuery(period.time_range, tz=tz))
    try:
        for frame in stream:
            if frame.empty:
                continue
            firsts = frame.sort_values("started_at").drop_duplicates("view_session_id")
            for session, kind, number, started in zip(
                firsts["view_session_id"],
                firsts["content_type"],
                firsts["content_id"],
                firsts["started_at"],
                strict=True,
            ):
                known = first_seen.get(session)
                if known is None or started < known[2]:
                    first_seen[session] = (kind, int(number), started)
    finally:
        stream.close()
    start = pd.Timestamp(period.start)
    rows = [(kind, number) for kind, number, started in first_seen.values() if started >= start]
    counted = pd.DataFrame(rows, columns=["content_type", "content_id"])
    counted = counted.groupby(["content_type", "content_id"]).size().rename("views")
    return counted.reset_index().sort_values(
        ["views", "content_type", "content_id"], ascending=[False, True, True], ignore_index=True
    )


def top_contents(
    client: AnalyticsClient,
    pool: ThreadPoolExecutor,
    counted: pd.DataFrame,
    period: Period,
    tz: str,
    labels: tables.ContentLabels = tables.content_label,
) -> pd.DataFrame:
    """The TOP_CONTENTS contents with the most views, each with the API's own total-views,
    named by `labels` (titles from the catalogue)."""
    candidates = counted.head(TOP_CANDIDATES)
    futures = [
        pool.submit(
            _metric_call(
                client,
                Metric.TOTAL_VIEWS,
                period,
                tz,
                content_type=ContentType(kind),
                content_ids=(int(number),),
            )
        )
        for kind, number in zip(candidates["content_type"], candidates["content_id"], strict=True)
    ]
    table = pd.DataFrame(
        {
            "content_type": candidates["content_type"].astype("str").to_numpy(),
            "content_id": candidates["content_id"].astype("int64").to_numpy(),
            "views": [summary(future.result()) for future in futures],
        }
    )
    table = table.sort_values(
        ["views", "content_type", "content_id"], ascending=[False, True, True], ignore_index=True
    ).head(TOP_CONTENTS)
    table.insert(0, "rank", range(1, len(table) + 1))
    table.insert(
        1,
        "content",
        [
            labels(kind, int(number))
            for kind, number in zip(table["content_type"], table["content_id"], strict=True)
        ],
    )
    return table


def _metric_call(
    client: AnalyticsClient,
    metric: Metric,
    period: Period,
    tz: str,
    dimension: Dimension = Dimension.SUMMARY,
    **filters: Any,
) -> Callable[[], Result]:
    return _bound(
        client.metric, MetricQuery(metric, period.time_range, dimension, tz=tz, **filters)
    )


def _bound(method: Callable[[Any], Result], query: Any) -> Callable[[], Result]:
    return lambda: method(query)
