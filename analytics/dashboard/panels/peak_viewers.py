"""Peak viewers: concurrent viewers per minute or hour, one line per content (the top N by peak),
the overall peak marked, and the per-content table.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial

import streamlit as st

from analytics.api import PeakGranularity
from analytics.dashboard import charts, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.filters import url_choice, url_number
from analytics.dashboard.panels.common import peak_call
from analytics.dashboard.periods import (
    MINUTE_PEAKS_UP_TO,
    Period,
    format_change,
    peak_granularity,
    peak_window,
)
from analytics.dashboard.service import Batch, fetch_all
from analytics.dashboard.text import plain
from analytics.dashboard.ui import (
    chart,
    download,
    empty_state,
    show_error,
    time_column,
)

PAGE = "peak-viewers"
# Minute peaks list every content's every minute: keep them to short ranges.
MINUTE_GRANULARITY_UP_TO = MINUTE_PEAKS_UP_TO * 3
GRANULARITY_LABELS = {PeakGranularity.MINUTE: "Minute", PeakGranularity.HOUR: "Hour"}


def choose(period: Period) -> tuple[PeakGranularity, int]:
    """Granularity (minute only for short ranges) and how many contents get a line."""
    left, right = st.columns([2, 3])
    minute_allowed = period.length <= MINUTE_GRANULARITY_UP_TO
    # Minute and hour: the granularities every API version knows (v1.0.3 has no day/month).
    options = list(GRANULARITY_LABELS) if minute_allowed else [PeakGranularity.HOUR]
    with left:
        granularity = url_choice(
            st.segmented_control,
            "Granularity",
            options,
            param="granularity",
            default=peak_granularity(period) if minute_allowed else PeakGranularity.HOUR,
            to_text=lambda g: g.value,
            format_func=lambda g: GRANULARITY_LABELS[g],
            key_suffix="" if minute_allowed else "-hour-only",
        )
        if not minute_allowed:
            st.caption("Minutes are available for ranges of up to 3 days.")
    with right:
        top = url_number(
            "Contents to draw (highest peaks first)",
            param="top",
            default=5,
            min_value=1,
            max_value=20,
        )
    return granularity, top


def limited(context: PageContext, granularity: PeakGranularity) -> PageContext:
    """The context with the part of the range this granularity may fetch (a note if shorter)."""
    window = peak_window(context.period, granularity)
    if window.note is None:
        return context
    st.info(window.note, icon=":material/timelapse:")
    return replace(context, period=window.period)


def load(context: PageContext, granularity: PeakGranularity) -> Batch:
    calls = {"current": partial(peak_call, context.period, context.filters, granularity)}
    if context.previous is not None:
        calls["previous"] = partial(peak_call, context.previous, context.filters, granularity)
    with st.spinner("Loading peak viewers…"):
        return fetch_all(calls, context.client)


def headline(context: PageContext, batch: Batch) -> None:
    """The overall peak (when and which content) and the number of contents watched."""
    current = batch["current"]
    if not current.ok:
        return
    peak = tables.overall_peak(current.result.frame)
    previous = batch.outcomes.get("previous")
    previous_peak = (
        tables.overall_peak(previous.result.frame) if previous is not None and previous.ok else None
    )
    contents = tables.peaks_by_content(current.result.frame)
    first, second, third = st.columns(3)
    with first:
        value = peak.value if peak else 0
        delta = None
        if previous is not None and previous.ok:
            before = previous_peak.value if previous_peak else 0
            change = format_change(value, before)
            delta = 0 if change == "±0%" else change
        st.metric(
            "Overall peak concurrent viewers",
            f"{value:,}",
            delta=delta,
            delta_description=f"vs {context.previous.describe()}" if delta is not None else None,
            border=True,
            help="The highest number of viewers of one content at the same time.",
        )
    with second:
        st.metric(
            "Peak reached",
            f"{peak.time:%a %d %b, %H:%M}" if peak else "–",
            border=True,
            help=f"In {context.tz}.",
        )
        if peak:
            st.caption(plain(peak.content))
    with third:
        st.metric("Contents with viewers", f"{len(contents):,}", border=True)


def show(context: PageContext, granularity: PeakGranularity, top: int, batch: Batch) -> None:
    current = batch["current"]
    if show_error(current, "peak viewers"):
        return
    frame = current.result.frame
    if frame.empty:
        empty_state("Nobody watched in this period, so there are no peaks to show.")
        return
    step = timedelta(minutes=1) if granularity is PeakGranularity.MINUTE else timedelta(hours=1)
    series = tables.top_peak_series(frame, top)
    drawn = tables.with_zero_gaps(series, step, context.period)
    peak = tables.overall_peak(frame)
    time_label = GRANULARITY_LABELS[granularity]
    period = context.period
    shown = (period.start, min(period.end, context.now).astimezone(period.tz))
    chart(charts.peak_lines(drawn, peak, time_label=time_label, shown=shown), key="peak-lines")
    download(
        series[["time", "content_type", "content_id", "value"]].rename(
            columns={"value": "peak_concurrent_viewers"}
        ),
        page=PAGE,
        what=f"top-{top}-by-{granularity.value}",
        period=context.period,
        label="Download the chart's data",
        key="download-peak-series",
    )

    st.subheader("Peak per content")
    per_content = tables.peaks_by_content(frame)
    st.dataframe(
        per_content.assign(content_id=per_content["content_id"].astype("str")),
        hide_index=True,
        column_config={
            "content": st.column_config.TextColumn("Content"),
            "content_type": st.column_config.TextColumn("Type"),
            "content_id": st.column_config.TextColumn("Id"),
            "peak": st.column_config.NumberColumn("Peak concurrent viewers", format="localized"),
            "peak_time": time_column("Peak at"),
        },
        width="stretch",
        height=min(420, 38 + 35 * len(per_content)),
    )
    download(
        per_content.drop(columns=["content"]).rename(
            columns={"peak": "peak_concurrent_viewers", "peak_time": "peak_at"}
        ),
        page=PAGE,
        what=f"peak-per-content-by-{granularity.value}",
        period=context.period,
        key="download-peak-per-content",
    )
