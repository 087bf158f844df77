"""Peak viewers: concurrent viewers per minute, hour, day or month, one line per content (the
top N by peak), the overall peak marked, and the per-content table.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import streamlit as st

from analytics.api import PeakGranularity
from analytics.dashboard import charts, peak_granularity, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.downloads import Column, bucket_cell, spreadsheet
from analytics.dashboard.filters import url_choice, url_number
from analytics.dashboard.panels.common import peak_call
from analytics.dashboard.periods import Period, format_change
from analytics.dashboard.service import Batch, fetch_all
from analytics.dashboard.text import plain
from analytics.dashboard.ui import (
    chart,
    download,
    empty_state,
    fetched_at,
    show_error,
    time_column,
    titles_or_ids,
)

PAGE = "peak-viewers"
# Buckets whose gaps are drawn as zeros (a day or month has no fixed length to step by).
GAP_STEPS = {PeakGranularity.MINUTE: timedelta(minutes=1), PeakGranularity.HOUR: timedelta(hours=1)}
PEAK_HEADER = "Peak concurrent viewers"
# The title from the catalogue (empty where unknown) beside the id, as in every CSV.
CONTENT_COLUMNS = (
    Column("title", "Title"),
    Column("content_type", "Content type"),
    Column("content_id", "Content ID"),
)


def choose(period: Period) -> tuple[PeakGranularity, int]:
    """Granularity (the ones the range allows) and how many contents get a line."""
    left, right = st.columns([2, 3])
    options = peak_granularity.allowed_for(period)
    with left:
        granularity = url_choice(
            st.segmented_control,
            "Granularity",
            options,
            param="granularity",
            default=peak_granularity.default_for(period),
            to_text=lambda g: g.value,
            format_func=lambda g: peak_granularity.LABELS[g],
            key_suffix=f"-{len(options)}",
        )
        note = peak_granularity.limit_note(period)
        if note:
            st.caption(note)
    with right:
        top = url_number(
            "Contents to draw (highest peaks first)",
            param="top",
            default=5,
            min_value=1,
            max_value=20,
        )
    return granularity, top


def load(context: PageContext, granularity: PeakGranularity) -> Batch:
    calls = {"current": partial(peak_call, context.period, context.filters, granularity)}
    if context.previous is not None:
        calls["previous"] = partial(peak_call, context.previous, context.filters, granularity)
    with st.spinner("Loading peak viewers…"):
        return fetch_all(calls, context.client)


def headline(context: PageContext, granularity: PeakGranularity, batch: Batch) -> None:
    """The overall peak (when and which content) and the number of contents watched."""
    current = batch["current"]
    if not current.ok:
        return
    labels = titles_or_ids(context.catalogue())
    peak = tables.overall_peak(current.result.frame, labels)
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
            delta_description=context.compare_label if delta is not None else None,
            border=True,
            help="The highest number of viewers of one content at the same time.",
        )
    with second:
        st.metric(
            "Peak reached",
            f"{peak.time:{peak_granularity.TIME_FORMATS[granularity]}}" if peak else "–",
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
    labels = context.catalogue().label
    series = tables.top_peak_series(frame, top, labels)
    step = GAP_STEPS.get(granularity)
    drawn = tables.with_zero_gaps(series, step, context.period) if step else series
    peak = tables.overall_peak(frame, labels)
    time_label = peak_granularity.LABELS[granularity]
    period = context.period
    shown = (period.start, min(period.end, context.now).astimezone(period.tz))
    chart(
        charts.peak_lines(drawn, peak, time_label=time_label, shown=shown),
        key="peak-lines",
        title=f"Concurrent viewers of the top {top} contents, by {time_label.lower()}",
        what=f"top-{top}-by-{granularity.value}",
        fetched=fetched_at(current),
    )
    download(
        spreadsheet(
            context.catalogue().with_titles(series),
            [
                Column("time", time_label, bucket_cell(granularity)),
                *CONTENT_COLUMNS,
                Column("value", PEAK_HEADER),
            ],
        ),
        page=PAGE,
        what=f"top-{top}-by-{granularity.value}",
        period=context.period,
        label="Download the chart's data",
        key="download-peak-series",
    )

    st.subheader("Peak per content")
    per_content = tables.peaks_by_content(frame, labels)
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
        spreadsheet(
            context.catalogue().with_titles(per_content),
            [
                *CONTENT_COLUMNS,
                Column("peak", PEAK_HEADER),
                Column("peak_time", "Peak at", bucket_cell(granularity)),
            ],
        ),
        page=PAGE,
        what=f"peak-per-content-by-{granularity.value}",
        period=context.period,
        key="download-peak-per-content",
    )
