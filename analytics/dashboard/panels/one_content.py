"""One content (`/content?id=...`): its headline figures against the previous period.

Views, unique devices, watch time, average view duration and peak concurrent viewers of one
channel or video, plus the exact minute of its peak (the peak summary; current API only). Every
call is scoped to that content, so the figures do not depend on the sidebar's content filter:
9 requests with the comparison, none of them about other contents. The id's type (channel or
video) comes from the content catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from analytics.api import (
    ContentType,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    PeakSummaryQuery,
    Result,
    ViewerSecondsQuery,
)
from analytics.dashboard import tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.filters import write_params
from analytics.dashboard.panels.common import NO_WATCH_TIME, average_view
from analytics.dashboard.peak_granularity import TIME_FORMATS, default_for
from analytics.dashboard.periods import Period
from analytics.dashboard.service import Batch, Outcome, fetch_all
from analytics.dashboard.text import plain
from analytics.dashboard.ui import kpi, summary_value

PARAM = "id"
TYPE_LABELS = {ContentType.LIVE.value: "Live channel", ContentType.RECORDED.value: "Video"}


@dataclass(frozen=True)
class Chosen:
    """The content of `?id=`: its type, id and title."""

    content_type: str
    content_id: int
    title: str


def chosen(context: PageContext) -> Chosen | None:
    """The content `?id=` names, or None (then the page shows the ranking). An id the catalogue
    does not know gets a note, and the parameter is dropped."""
    text = st.query_params.get(PARAM)
    if not text:
        return None
    text = text.strip()
    catalogue = context.client.catalogue()
    ident = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None
    known = [catalogue.get(kind, ident) for kind in ContentType] if ident is not None else []
    found = [content for content in known if content is not None]
    if len(found) != 1:
        why = (
            plain(catalogue.unavailable_reason)
            if not catalogue.available
            else "no channel or video of this account has it"
        )
        st.info(f"Content id {plain(text[:24])} cannot be shown: {why}.", icon=":material/info:")
        write_params({}, [PARAM])
        return None
    content = found[0]
    kind = content.content_type.value
    return Chosen(kind, content.content_id, catalogue.label(kind, content.content_id))


def _periods(context: PageContext) -> list[tuple[str, Period]]:
    periods = [("", context.period)]
    if context.previous is not None:
        periods.append(("previous-", context.previous))
    return periods


def load(context: PageContext, content: Chosen) -> Batch:
    """Every figure of the content, both periods, in one concurrent batch."""
    granularity = default_for(context.period)
    scope = {
        "content_type": content.content_type,
        "content_ids": (content.content_id,),
        "tz": context.tz,
    }
    calls: dict[str, Callable] = {}
    for prefix, period in _periods(context):
        for name, metric in (("views", Metric.TOTAL_VIEWS), ("devices", Metric.UNIQUE_DEVICES)):
            calls[f"{prefix}{name}"] = partial(MetricQuery, metric, period.time_range, **scope)
        calls[f"{prefix}watch-time"] = partial(
            ViewerSecondsQuery, period.time_range, PeakGranularity.MONTH, **scope
        )
        calls[f"{prefix}peak"] = partial(PeakQuery, period.time_range, granularity, **scope)
    calls["peak-minute"] = partial(
        PeakSummaryQuery,
        context.period.time_range,
        content.content_type,
        content.content_id,
        tz=context.tz,
    )
    with st.spinner("Loading the content…"):
        return fetch_all(calls, context.client)


def header(content: Chosen) -> None:
    """The content's title (as text), what it is, and the way back to the ranking."""
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    with left:
        st.subheader(plain(content.title))
        st.caption(f"{TYPE_LABELS[content.content_type]} · id {content.content_id}")
    with right:
        if st.button("All contents", icon=":material/arrow_back:", width="stretch"):
            write_params({}, [PARAM])
            st.rerun()


def _previous(batch: Batch, name: str) -> Outcome | None:
    return batch.outcomes.get(f"previous-{name}")


def _peak(result: Result) -> int:
    frame = result.frame.dropna(subset=["value"])
    return int(frame["value"].max()) if len(frame) else 0


def _duration(seconds: float) -> str:
    return tables.format_duration(timedelta(seconds=seconds))


def kpis(context: PageContext, content: Chosen, batch: Batch) -> None:
    """Views, unique devices and peak; watch time, average view duration and the peak's
    exact minute (two rows of three)."""
    first, second = st.columns(3), st.columns(3)
    figures = (
        ("Total views", "views", summary_value),
        ("Unique devices", "devices", summary_value),
        ("Peak concurrent viewers", "peak", _peak),
    )
    for column, (label, name, value_of) in zip(first, figures, strict=True):
        with column:
            kpi(label, batch[name], _previous(batch, name), value_of=value_of)
    with second[0]:
        if batch["watch-time"].unsupported:
            st.metric("Watch time", "–", border=True)
            st.caption(NO_WATCH_TIME)
        else:
            kpi(
                "Watch time",
                batch["watch-time"],
                _previous(batch, "watch-time"),
                value_of=summary_value,
                format_value=_duration,
            )
    with second[1]:
        if not batch["watch-time"].unsupported:
            previous = None
            if context.previous is not None:
                previous = average_view(batch["previous-watch-time"], batch["previous-views"])
            kpi(
                "Average view duration",
                average_view(batch["watch-time"], batch["views"]),
                previous,
                value_of=summary_value,
                format_value=_duration,
            )
    with second[2]:
        moment, granularity = peak_moment(context, batch)
        shown = "–" if moment is None else f"{moment:{SHORT_TIME_FORMATS[granularity]}}"
        st.metric("Peak reached", shown, border=True, help=PEAK_TIME_HELP)
        if moment is not None:
            what = "" if granularity is PeakGranularity.MINUTE else f" ({granularity.value})"
            st.caption(plain(f"{moment:{TIME_FORMATS[granularity]}}{what}, {context.tz}"))


PEAK_TIME_HELP = (
    "The minute of the highest peak, or the hour (day, month) it fell in where the API cannot "
    "tell the minute (v1.0.3)."
)
# A tile has room for about 15 characters; the caption below it gives the whole date.
SHORT_TIME_FORMATS = {
    PeakGranularity.MINUTE: "%d %b, %H:%M",
    PeakGranularity.HOUR: "%d %b, %H:00",
    PeakGranularity.DAY: "%d %b %Y",
    PeakGranularity.MONTH: "%b %Y",
}


def peak_moment(context: PageContext, batch: Batch) -> tuple[datetime | None, PeakGranularity]:
    """When the peak was: its exact minute (peak summary), else the start of the bucket it fell
    in, with that bucket's granularity; None without viewers."""
    summary = batch["peak-minute"]
    if summary.ok and len(summary.result.frame):
        row = summary.result.frame.iloc[0]
        if not pd.isna(row["time"]) and not pd.isna(row["value"]) and int(row["value"]) > 0:
            return row["time"], PeakGranularity.MINUTE
    granularity = default_for(context.period)
    peaks = batch["peak"]
    if not peaks.ok:
        return None, granularity
    peak = tables.overall_peak(peaks.result.frame.dropna(subset=["value", "time"]))
    if peak is None or peak.value == 0:
        return None, granularity
    return peak.time, granularity
