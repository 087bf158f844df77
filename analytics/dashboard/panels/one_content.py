"""One content (`/content?id=...`): how one channel or video did, panel by panel.

Its headline figures against the previous period (views, unique devices, watch time, average
view duration, peak and its exact minute), views and watch time over time, the minutes around
its peak, for a video the audience retention curve (retention.py), for a live channel one card
of the event, and its countries and devices. Every call is scoped to that content, so nothing
depends on the sidebar's content filter; the id's type (channel or video) comes from the content
catalogue. All calls run in one concurrent batch (16 requests cold for a video with the
comparison, 9 without it, one less for a channel: well within the render budget), except the
minutes around the peak, which need the peak's minute first: one more request.
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
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    PeakSummaryQuery,
    Result,
    TimeRange,
    ViewerSecondsQuery,
    ViewsQuery,
)
from analytics.dashboard import charts, retention, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.downloads import (
    Cell,
    Column,
    previous_period,
    series_with_previous,
    spreadsheet,
)
from analytics.dashboard.filters import write_params
from analytics.dashboard.panels.common import NO_WATCH_TIME, average_view
from analytics.dashboard.peak_granularity import TIME_FORMATS, default_for
from analytics.dashboard.periods import Period, time_bucket
from analytics.dashboard.service import Batch, FirstPage, Outcome, fetch_all
from analytics.dashboard.tables import DIMENSION_LABELS
from analytics.dashboard.text import plain
from analytics.dashboard.ui import chart, download, empty_state, kpi, show_error, summary_value

PAGE = "content"
PARAM = "id"
WATCH_TIME_BUCKETS = {
    Dimension.HOUR: PeakGranularity.HOUR,
    Dimension.DAY: PeakGranularity.DAY,
    Dimension.MONTH: PeakGranularity.MONTH,
}
AUDIENCE = (Dimension.COUNTRY, Dimension.DEVICE)
PEAK_WINDOW = timedelta(minutes=60)  # each side of the peak minute
TYPE_LABELS = {ContentType.LIVE.value: "Live channel", ContentType.RECORDED.value: "Video"}


@dataclass(frozen=True)
class Chosen:
    """The content of `?id=`: its type, id and title."""

    content_type: str
    content_id: int
    title: str
    length_seconds: float | None = None  # videos: from the Channel API, when it says

    @property
    def is_live(self) -> bool:
        return self.content_type == ContentType.LIVE.value


def chosen(context: PageContext) -> Chosen | None:
    """The content `?id=` names, or None (then the page shows the ranking). An id the catalogue
    does not know gets a note, and the parameter is dropped."""
    text = st.query_params.get(PARAM)
    if not text:
        return None
    text = text.strip()
    catalogue = context.catalogue()
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
    return Chosen(
        kind,
        content.content_id,
        catalogue.label(kind, content.content_id),
        content.length_seconds,
    )


def _periods(context: PageContext) -> list[tuple[str, Period]]:
    periods = [("", context.period)]
    if context.previous is not None:
        periods.append(("previous-", context.previous))
    return periods


def _scope(context: PageContext, content: Chosen) -> dict:
    return {
        "content_type": content.content_type,
        "content_ids": (content.content_id,),
        "tz": context.tz,
    }


def load(context: PageContext, content: Chosen) -> Batch:
    """Every figure of the content, both periods, in one concurrent batch.

    Watch time is asked for in the over-time chart's buckets (hours, days or months, like the
    Overview's), and its tile is their sum: one call serves both. A video's segments are read
    for the retention curve: the first page only (up to the client's page size, 10,000).
    """
    granularity = default_for(context.period)
    bucket = time_bucket(context.period)  # the current period's, for both periods
    scope = _scope(context, content)
    calls: dict[str, Callable] = {}
    for prefix, period in _periods(context):
        for name, metric in (("views", Metric.TOTAL_VIEWS), ("devices", Metric.UNIQUE_DEVICES)):
            calls[f"{prefix}{name}"] = partial(MetricQuery, metric, period.time_range, **scope)
        calls[f"{prefix}watch-time"] = partial(
            ViewerSecondsQuery, period.time_range, WATCH_TIME_BUCKETS[bucket], **scope
        )
        calls[f"{prefix}peak"] = partial(PeakQuery, period.time_range, granularity, **scope)
        calls[f"{prefix}views-series"] = partial(
            MetricQuery, Metric.TOTAL_VIEWS, period.time_range, bucket, **scope
        )
        for dimension in AUDIENCE:
            calls[f"{prefix}by-{dimension.value}"] = partial(
                MetricQuery, Metric.TOTAL_VIEWS, period.time_range, dimension, **scope
            )
    if not content.is_live:
        calls["segments"] = partial(_first_segments, context.period, scope)
    calls["peak-minute"] = partial(
        PeakSummaryQuery,
        context.period.time_range,
        content.content_type,
        content.content_id,
        tz=context.tz,
    )
    with st.spinner("Loading the content…"):
        return fetch_all(calls, context.client)


def _first_segments(period: Period, scope: dict) -> FirstPage:
    return FirstPage(ViewsQuery(period.time_range, **scope))


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


# --- the minutes around the peak ----------------------------------------------------------------


def peak_window(context: PageContext, batch: Batch) -> tuple[datetime, datetime] | None:
    """The minutes to fetch around the peak: its exact minute, PEAK_WINDOW either side; where
    the API cannot tell the minute (v1.0.3), the hour it fell in with the same margins, or its
    day. None without viewers, or when only the month is known (minutes of a month are more
    than a page should ask for)."""
    moment, granularity = peak_moment(context, batch)
    if moment is None:
        return None
    moment = pd.Timestamp(moment).to_pydatetime()
    if granularity is PeakGranularity.MINUTE:
        start, end = moment - PEAK_WINDOW, moment + timedelta(minutes=1) + PEAK_WINDOW
    elif granularity is PeakGranularity.HOUR:
        start, end = moment - PEAK_WINDOW, moment + timedelta(hours=1) + PEAK_WINDOW
    elif granularity is PeakGranularity.DAY:
        start, end = moment, moment + timedelta(days=1)
    else:
        return None
    start, end = max(start, context.period.start), min(end, context.period.end)
    return (start, end) if start < end else None


def load_around_peak(context: PageContext, content: Chosen, batch: Batch) -> Batch:
    """The batch with the concurrent viewers per minute around the peak ("peak-minutes"):
    one request, made once the peak's minute is known."""
    window = peak_window(context, batch)
    if window is None:
        return batch
    calls = {
        "peak-minutes": partial(
            PeakQuery, TimeRange(*window), PeakGranularity.MINUTE, **_scope(context, content)
        )
    }
    with st.spinner("Loading the minutes around the peak…"):
        around = fetch_all(calls, context.client)
    return Batch(
        {**batch.outcomes, **around.outcomes},
        max(batch.rate_limit_wait, around.rate_limit_wait),
    )


def exact_peak(content: Chosen, batch: Batch) -> tables.Peak | None:
    """The peak and its minute: the peak summary's, else the highest minute around the peak
    bucket (v1.0.3); None when neither is known."""
    summary = batch["peak-minute"]
    if summary.ok and len(summary.result.frame):
        row = summary.result.frame.iloc[0]
        if not pd.isna(row["time"]) and not pd.isna(row["value"]) and int(row["value"]) > 0:
            kind, ident = content.content_type, content.content_id
            return tables.Peak(int(row["value"]), row["time"], kind, ident, content.title)
    minutes = batch.outcomes.get("peak-minutes")
    if minutes is None or not minutes.ok:
        return None
    peak = tables.overall_peak(minutes.result.frame, lambda *_: content.title)
    return peak if peak is not None and peak.value > 0 else None


def peak_minutes(context: PageContext, content: Chosen, batch: Batch) -> None:
    """Concurrent viewers per minute in the two hours around the peak, the peak marked."""
    st.subheader("Around the peak, by minute")
    window = peak_window(context, batch)
    outcome = batch.outcomes.get("peak-minutes")
    if window is None or outcome is None:
        if peak_moment(context, batch)[0] is None:
            empty_state("Nobody watched in this period, so there is no peak to show.")
        else:
            st.caption("The exact minute is not known for a range this long on this API.")
        return
    if show_error(outcome, "the minutes around the peak"):
        return
    frame = outcome.result.frame.dropna(subset=["time", "value"])
    peak = exact_peak(content, batch)
    if frame.empty or peak is None:
        empty_state("Nobody watched in the minutes around the peak.")
        return
    series = frame.assign(content=content.title)
    drawn = tables.with_zero_gaps(series, timedelta(minutes=1), Period(*window))
    chart(
        charts.peak_lines(drawn, peak, time_label="Minute", shown=window),
        "one-content-peak-minutes",
    )
    st.caption(
        plain(
            f"Peak minute: {peak.time:%a %d %b %Y, %H:%M} ({context.tz}), {peak.value:,} "
            f"concurrent viewers; {PEAK_WINDOW.seconds // 60} minutes either side."
        )
    )
    download(
        spreadsheet(
            frame,
            [Column("time", "Minute", Cell.MINUTE), Column("value", "Concurrent viewers")],
        ),
        page=PAGE,
        what=f"{content.content_id}-peak-minutes",
        period=context.period,
    )


# --- over time ----------------------------------------------------------------------------------


def _watch_minutes(frame: pd.DataFrame) -> pd.DataFrame:
    """A viewer-seconds series as a metric series (`point`, `value`) in whole minutes."""
    rows = frame.dropna(subset=["time", "value"])
    minutes = rows.groupby("time", as_index=False)["value"].sum()
    return pd.DataFrame(
        {"point": minutes["time"], "value": (minutes["value"] / 60).round().astype("int64")}
    )


def over_time(context: PageContext, content: Chosen, batch: Batch) -> None:
    """Views and watch time per hour, day or month (as the Overview buckets the period), the
    previous period dashed."""
    bucket = time_bucket(context.period)
    bucket_label = DIMENSION_LABELS[bucket]
    st.subheader(f"Over time, by {bucket_label.lower()}")
    left, right = st.columns(2)
    with left:
        _series_panel(context, content, batch, "views-series", "Total views", lambda f: f)
    with right:
        if batch["watch-time"].unsupported:
            st.markdown("**Watch time (minutes)**")
            st.caption(NO_WATCH_TIME)
        else:
            _series_panel(
                context, content, batch, "watch-time", "Watch time (minutes)", _watch_minutes
            )


def _series_panel(
    context: PageContext,
    content: Chosen,
    batch: Batch,
    name: str,
    label: str,
    shape: Callable[[pd.DataFrame], pd.DataFrame],
) -> None:
    bucket = time_bucket(context.period)
    st.markdown(f"**{label}**")
    current = batch[name]
    if show_error(current, label.lower()):
        return
    previous = _previous(batch, name)
    if previous is not None and not previous.ok:
        st.warning(f"The previous period is missing: {plain(previous.error)}")
    previous_frame = shape(previous.result.frame) if previous and previous.ok else None
    series = tables.compare_series(
        shape(current.result.frame), previous_frame, context.period, bucket
    )
    has_current = bool(series["value"].fillna(0).any())
    has_previous = "previous_value" in series and bool(series["previous_value"].fillna(0).any())
    if not has_current and not has_previous:
        empty_state(f"No {label.lower()} in this period.")
        return
    chart(
        charts.time_series(series, value_label=label, time_label=DIMENSION_LABELS[bucket]),
        f"one-content-{name}",
    )
    download(
        series_with_previous(series, label, bucket),
        page=PAGE,
        what=f"{content.content_id}-{name}",
        period=context.period,
    )


# --- countries and devices ----------------------------------------------------------------------


def audience(context: PageContext, content: Chosen, batch: Batch) -> None:
    """The content's views by country and by device, with share and change, top 10 as bars."""
    st.subheader("Countries and devices")
    for column, dimension in zip(st.columns(2), AUDIENCE, strict=True):
        with column:
            _breakdown(context, content, batch, dimension)


def _breakdown(context: PageContext, content: Chosen, batch: Batch, dimension: Dimension) -> None:
    category = DIMENSION_LABELS[dimension]
    what = f"views by {category.lower()}"
    st.markdown(f"**Views by {category.lower()}**")
    current = batch[f"by-{dimension.value}"]
    if show_error(current, what):
        return
    previous = _previous(batch, f"by-{dimension.value}")
    if previous is not None and not previous.ok:
        st.warning(f"The previous period is missing: {plain(previous.error)}")
    previous_frame = previous.result.frame if previous and previous.ok else None
    table = tables.breakdown_table(current.result.frame, previous_frame, dimension)
    if dimension is Dimension.COUNTRY:
        table = tables.with_countries(table)
    if not table["value"].any():
        empty_state(f"No views by {category.lower()} in this period.")
        return
    top = table[table["value"] > 0].head(TOP_CATEGORIES)
    chart(
        charts.category_bars(top, value_label="Total views", category_label=category),
        f"one-content-by-{dimension.value}",
    )
    config = {
        "label": st.column_config.TextColumn(category),
        "value": st.column_config.NumberColumn("Total views", format="localized"),
        "share": st.column_config.ProgressColumn(
            "Share", format="percent", min_value=0.0, max_value=1.0
        ),
        "change": st.column_config.NumberColumn("Change", format="percent"),
    }
    st.dataframe(
        table,
        hide_index=True,
        column_config=config,
        column_order=[c for c in config if c in table],
        width="stretch",
        height=min(320, 38 + 35 * len(table)),
    )
    download(
        spreadsheet(
            table,
            [
                Column("label", category),
                Column("value", "Total views"),
                Column("share", "Share (%)", Cell.PERCENT),
                Column("previous_value", previous_period("Total views")),
                Column("change", "Change (%)", Cell.PERCENT),
            ],
        ),
        page=PAGE,
        what=f"{content.content_id}-views-by-{dimension.value}",
        period=context.period,
    )


TOP_CATEGORIES = 10


# --- a video: audience retention ----------------------------------------------------------------


def retention_panel(context: PageContext, content: Chosen, batch: Batch) -> None:
    """The share of views still watching at each 1 % of the video, the biggest drop marked
    (method: retention.py), from the segments of the period's first page of views."""
    st.subheader("Audience retention")
    outcome = batch.outcomes.get("segments")
    if outcome is None or show_error(outcome, "the views' segments"):
        return
    segments = outcome.result.frame
    length, notes = content.length_seconds, []
    if not length:
        length = retention.furthest_position(segments)
        if length is not None:
            notes.append(
                "The Channel API gave no length for this video: the furthest position watched "
                f"({retention.position_label(length)}) is taken as its end."
            )
    if not length or segments.empty:
        empty_state("No views of this video with positions in this period.")
        return
    curve = retention.retention(segments, length)
    if curve.views == 0:
        empty_state("No views of this video with positions in this period.")
        return
    drop = retention.biggest_drop(curve.curve)
    drawn = None if drop is None else (drop.start, drop.end, drop.share_before, drop.share_after)
    chart(
        charts.retention_curve(curve.curve, drawn, length_seconds=length),
        "one-content-retention",
    )
    read, total = len(segments), outcome.result.total_count
    based = f"Based on {curve.views:,} views ({read:,} segments"
    based += f", the first {read:,} of {total:,}: a sample)." if total > read else ")."
    if drop is not None:
        notes.insert(
            0,
            f"Biggest drop: {drop.share_before:.0%} → {drop.share_after:.0%} of viewers "
            f"between {drop.start} % and {drop.end} % of the video "
            f"({retention.position_label(length * drop.start / 100)}–"
            f"{retention.position_label(length * drop.end / 100)}).",
        )
    if curve.left_out_segments:
        notes.append(
            f"{curve.left_out_segments:,} segment(s) without a usable position (unfinished, or "
            f"no start or end) are left out, never counted as position 0"
            + (f"; {curve.left_out_views:,} view(s) had no other." if curve.left_out_views else ".")
        )
    st.caption(plain(" ".join([based, *notes])), help=RETENTION_HELP)
    download(
        spreadsheet(
            curve.curve,
            [
                Column("percent", "Position (%)"),
                Column("position", "Position (seconds)"),
                Column("views", "Views still watching"),
                Column("share", "Still watching (%)", Cell.PERCENT),
            ],
        ),
        page=PAGE,
        what=f"{content.content_id}-retention",
        period=context.period,
    )


RETENTION_HELP = (
    "At each 1 % of the video, the share of views (playback sessions) whose segments covered "
    "that position; a view counts once per position, however often it rewatched it. The base "
    "is every view with at least one segment with a position. The biggest drop is the largest "
    "fall over 5 % of the video."
)


# --- a live channel: the event ------------------------------------------------------------------


def activity_span(
    peaks: pd.DataFrame, granularity: PeakGranularity
) -> tuple[datetime, datetime] | None:
    """From the start of the first bucket with viewers to the end of the last one."""
    watched = peaks.dropna(subset=["time", "value"])
    watched = watched[watched["value"] > 0]
    if watched.empty:
        return None
    first, last = watched["time"].min(), watched["time"].max()
    step = BUCKET_STEPS.get(granularity)
    end = last + step if step is not None else last + pd.DateOffset(months=1)
    return first.to_pydatetime(), pd.Timestamp(end).to_pydatetime()


BUCKET_STEPS = {
    PeakGranularity.MINUTE: pd.Timedelta(minutes=1),
    PeakGranularity.HOUR: pd.Timedelta(hours=1),
    PeakGranularity.DAY: pd.DateOffset(days=1),
}


def live_event(context: PageContext, content: Chosen, batch: Batch) -> None:
    """One card: when the channel had viewers (first and last minute, hour... with viewers),
    its peak minute, views, watch time and average view duration."""
    granularity = default_for(context.period)
    with st.container(border=True, key="live-event"):
        st.markdown("**The live event in this period**")
        first, second = st.columns(3), st.columns(3)
        peaks = batch["peak"]
        span = activity_span(peaks.result.frame, granularity) if peaks.ok else None
        if span is not None:  # the last bucket's end, but not beyond the period or now
            span = (span[0], min(span[1], context.period.end, context.now))
        short = SHORT_TIME_FORMATS[granularity]
        with first[0]:
            st.metric("Started", "–" if span is None else f"{span[0]:{short}}")
        with first[1]:
            st.metric("Ended", "–" if span is None else f"{span[1]:{short}}")
        peak = exact_peak(content, batch)
        with first[2]:
            shown = "–" if peak is None else f"{peak.time:%d %b, %H:%M}"
            st.metric("Peak minute", shown, help="The minute with the most concurrent viewers.")
            if peak is not None:
                st.caption(f"{peak.value:,} concurrent viewers")
        views, watched = batch["views"], batch["watch-time"]
        with second[0]:
            st.metric("Views", f"{summary_value(views.result):,}" if views.ok else "–")
        with second[1]:
            seconds = summary_value(watched.result) if watched.ok else None
            st.metric("Watch time", "–" if seconds is None else _duration(seconds))
        with second[2]:
            average = average_view(watched, views)
            seconds = summary_value(average.result) if average.ok else None
            st.metric("Average view duration", "–" if seconds is None else _duration(seconds))
        if not peaks.ok:
            show_error(peaks, "when the channel had viewers")
        else:
            st.caption(
                plain(
                    f"Started and ended: the first and last {granularity.value} with viewers in "
                    f"the period ({context.tz})."
                )
            )
