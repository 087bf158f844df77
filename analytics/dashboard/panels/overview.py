"""Overview: headline numbers against the previous period, views and devices over time, and the
live/recorded split. Every call of the page is independent, so all of them run at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pandas as pd
import streamlit as st

from analytics.api import ContentType, Metric, Result
from analytics.dashboard import charts, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.downloads import (
    Cell,
    Column,
    series_with_previous,
    spreadsheet,
)
from analytics.dashboard.panels.common import (
    AVERAGE_VIEW_HELP,
    NO_WATCH_TIME,
    WATCH_TIME_HELP,
    average_view,
    metric_query,
    peak_call,
    watch_time_query,
)
from analytics.dashboard.peak_granularity import TIME_FORMATS, default_for
from analytics.dashboard.periods import Period, time_bucket
from analytics.dashboard.service import Batch, Outcome, fetch_all
from analytics.dashboard.tables import DIMENSION_LABELS, METRIC_LABELS
from analytics.dashboard.text import plain
from analytics.dashboard.ui import (
    chart,
    download,
    empty_state,
    fetched_at,
    kpi,
    period_names,
    show_error,
    summary_value,
    titles_or_ids,
)

PAGE = "overview"
KPI_METRICS = (Metric.TOTAL_VIEWS, Metric.UNIQUE_DEVICES, Metric.AUTHENTICATED_VIEWERS)
SERIES_METRICS = (Metric.TOTAL_VIEWS, Metric.UNIQUE_DEVICES)
PEAK_HELP = (
    "The highest per-content peak: the most people watching one live channel or video at "
    "the same time (in one minute), among all content in the period. Longer periods are "
    "fetched by hour, day or month, so the time shown is that bucket's."
)
SPLIT_COLUMNS = (
    Column("label", "Content"),
    Column("value", "Total views"),
    Column("share", "Share (%)", Cell.PERCENT),
)
KPI_HELP = {
    Metric.TOTAL_VIEWS: "Playback sessions started in the period.",
    Metric.UNIQUE_DEVICES: "Distinct devices (players) that started a view.",
    Metric.AUTHENTICATED_VIEWERS: "Distinct signed-in viewers (with a viewer identifier).",
}


def _calls_for(period: Period, context: PageContext, prefix: str) -> dict[str, Callable]:
    filters = context.filters
    bucket = time_bucket(context.period)  # the current period's bucket for both periods
    calls: dict[str, Callable] = {}
    for metric in KPI_METRICS:
        calls[f"{prefix}{metric.value}"] = partial(metric_query, metric, period, filters)
    granularity = default_for(context.period)  # the current period's, for both periods
    calls[f"{prefix}peak"] = partial(peak_call, period, filters, granularity)
    calls[f"{prefix}watch-time"] = partial(watch_time_query, period, filters)
    for metric in SERIES_METRICS:
        calls[f"{prefix}{metric.value}-series"] = partial(
            metric_query, metric, period, filters, bucket
        )
    return calls


def load(context: PageContext) -> Batch:
    """Every call of the page (current and previous period) in one concurrent batch."""
    calls = _calls_for(context.period, context, "")
    if context.filters.content_type is None:
        for content_type in ContentType:
            calls[f"split-{content_type.value}"] = partial(
                metric_query,
                Metric.TOTAL_VIEWS,
                context.period,
                context.filters,
                content_type=content_type,
            )
    if context.previous is not None:
        calls.update(_calls_for(context.previous, context, "previous-"))
    with st.spinner("Loading the overview…"):
        return fetch_all(calls, context.client)


def _previous(batch: Batch, name: str, context: PageContext) -> Outcome | None:
    return batch[f"previous-{name}"] if context.previous is not None else None


def peak_value(result: Result) -> int:
    peak = tables.overall_peak(result.frame)
    return peak.value if peak else 0


def kpi_row(context: PageContext, batch: Batch) -> None:
    """Views, devices and signed-in viewers; peak concurrent viewers, watch time and average
    view duration (two rows of three, so each tile keeps room for its comparison)."""
    first, second = st.columns(3), st.columns(3)
    for column, metric in zip(first, KPI_METRICS, strict=True):
        with column:
            kpi(
                METRIC_LABELS[metric],
                batch[metric.value],
                _previous(batch, metric.value, context),
                value_of=summary_value,
                help=KPI_HELP[metric],
            )
    with second[0]:
        kpi(
            "Peak concurrent viewers",
            batch["peak"],
            _previous(batch, "peak", context),
            value_of=peak_value,
            help=PEAK_HELP,
        )
        if batch["peak"].ok:
            peak = tables.overall_peak(
                batch["peak"].result.frame, titles_or_ids(context.catalogue())
            )
            if peak is not None:
                when = f"{peak.time:{TIME_FORMATS[default_for(context.period)]}}"
                st.caption(f"Top content: {plain(peak.content)}, {when}")
    if batch["watch-time"].unsupported:
        with second[1]:
            st.metric("Watch time", "–", help=WATCH_TIME_HELP, border=True)
            st.caption(NO_WATCH_TIME)
        return
    with second[1]:
        kpi(
            "Watch time",
            batch["watch-time"],
            _previous(batch, "watch-time", context),
            value_of=summary_value,
            format_value=_duration,
            help=WATCH_TIME_HELP,
        )
    with second[2]:
        kpi(
            "Average view duration",
            average_view(batch["watch-time"], batch[Metric.TOTAL_VIEWS.value]),
            _previous_average_view(batch, context),
            value_of=summary_value,
            format_value=_duration,
            help=AVERAGE_VIEW_HELP,
        )


def _previous_average_view(batch: Batch, context: PageContext) -> Outcome | None:
    if context.previous is None:
        return None
    return average_view(batch["previous-watch-time"], batch[f"previous-{Metric.TOTAL_VIEWS.value}"])


def _duration(seconds: float) -> str:
    return tables.format_duration(timedelta(seconds=seconds))


def over_time(context: PageContext, batch: Batch) -> None:
    """Views and unique devices per hour/day/month, the previous period dashed."""
    bucket = time_bucket(context.period)
    bucket_label = DIMENSION_LABELS[bucket]
    st.subheader(f"Over time, by {bucket_label.lower()}")
    columns = st.columns(2)
    for column, metric in zip(columns, SERIES_METRICS, strict=True):
        with column:
            label = METRIC_LABELS[metric]
            st.markdown(f"**{label}**")
            current = batch[f"{metric.value}-series"]
            if show_error(current, label.lower()):
                continue
            previous = _previous(batch, f"{metric.value}-series", context)
            previous_frame = previous.result.frame if previous and previous.ok else None
            if previous is not None and not previous.ok:
                st.warning(f"The previous period is missing: {plain(previous.error)}")
            series = tables.compare_series(
                current.result.frame, previous_frame, context.period, bucket
            )
            has_current = bool(series["value"].fillna(0).any())
            has_previous = "previous_value" in series and bool(
                series["previous_value"].fillna(0).any()
            )
            if not has_current and not has_previous:
                empty_state(f"No {label.lower()} in this period.")
                continue
            if not has_current:
                st.caption(f"No {label.lower()} in this period; the previous period is shown.")
            chart(
                charts.time_series(
                    series,
                    value_label=label,
                    time_label=bucket_label,
                    **period_names(context),
                ),
                key=f"overview-{metric.value}",
                title=f"{label} by {bucket_label.lower()}",
                what=metric.value,
                fetched=fetched_at(current, previous),
            )
            download(
                series_with_previous(series, METRIC_LABELS[metric], bucket),
                page=PAGE,
                what=metric.value,
                period=context.period,
            )


def live_vs_recorded(context: PageContext, batch: Batch) -> None:
    """How total views split between live channels and recorded videos."""
    st.subheader("Live vs recorded")
    if context.filters.content_type is not None:
        kind = tables.CONTENT_TYPE_LABELS[context.filters.content_type.value]
        st.caption(f"Filtered to {kind.lower()} content only; choose “All” for the split.")
        return
    rows = []
    for content_type in ContentType:
        outcome = batch[f"split-{content_type.value}"]
        if show_error(outcome, f"{content_type.value} views"):
            return
        rows.append(
            {
                "content_type": content_type.value,
                "label": tables.CONTENT_TYPE_LABELS[content_type.value],
                "value": summary_value(outcome.result),
            }
        )
    split = pd.DataFrame(rows)
    total = int(split["value"].sum())
    if total == 0:
        empty_state("No views in this period.")
        return
    split["share"] = split["value"] / total
    left, right = st.columns([2, 3])
    with left:
        chart(
            charts.share_donut(split, value_label="views"),
            key="overview-split",
            title="Live vs recorded views",
            what="live-vs-recorded",
            fetched=fetched_at(*(batch[f"split-{kind.value}"] for kind in ContentType)),
        )
    with right:
        st.dataframe(
            split[["label", "value", "share"]],
            hide_index=True,
            column_config={
                "label": st.column_config.TextColumn("Content"),
                "value": st.column_config.NumberColumn("Total views", format="localized"),
                "share": st.column_config.ProgressColumn(
                    "Share", format="percent", min_value=0.0, max_value=1.0
                ),
            },
            width="stretch",
        )
        download(
            spreadsheet(split, SPLIT_COLUMNS),
            page=PAGE,
            what="live-vs-recorded",
            period=context.period,
        )
