"""Content: every live channel and recorded video with viewers in the period, ranked by what
did best, with titles from the content catalogue.

The ranking costs the same few requests on an account with 40 contents or 2,000: it comes from
two per-content series per period, each one paged call whatever the number of contents -
viewer-seconds in month buckets (summed: a content's watch time) and peak concurrent viewers at
the period's peak granularity (the highest bucket: its peak and when). They are the Overview's
own calls, so they are often answered from the dashboard's cache.

Views and unique devices have no per-content series: each costs one summary call per content and
period, so only the rows on screen get them (top 10: 20 calls, 40 with the comparison), never
the hundreds of "show all". For the same reason the ranking is by watch time or by peak, not by
views (ranking by views would need every content's call first).

The exact peak minute is one peak summary per row (current API only). It is asked only when the
series and the rows' calls leave room for it in the render's request budget: without the
comparison they do (3 + 20 + 10 of 50); with it they do not (6 + 40 + 10), so the table then
shows the peak's bucket (its hour, for a month) and names the column after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd
import streamlit as st

from analytics.api import (
    Catalogue,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakSummaryQuery,
)
from analytics.dashboard import charts, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.downloads import Cell, Column, bucket_cell, previous_period, spreadsheet
from analytics.dashboard.filters import url_choice, url_flag, write_params
from analytics.dashboard.panels.common import (
    AVERAGE_VIEW_HELP,
    NO_WATCH_TIME,
    WATCH_TIME_HELP,
    peak_call,
    watch_time_query,
)
from analytics.dashboard.panels.one_content import PARAM as ONE_CONTENT
from analytics.dashboard.panels.one_content import TYPE_LABELS
from analytics.dashboard.peak_granularity import LABELS as GRANULARITY_LABELS
from analytics.dashboard.peak_granularity import default_for
from analytics.dashboard.periods import Period
from analytics.dashboard.render_budget import MAX_REQUESTS_PER_RENDER
from analytics.dashboard.service import Batch, Chunked, Outcome, fetch_all
from analytics.dashboard.text import hover_safe, plain
from analytics.dashboard.ui import chart, download, empty_state, show_error, summary_value

PAGE = "content"
TOP = 10  # rows on screen (and bars in the chart) unless "show all"
WATCH_TIME, PEAK = "watch-time", "peak"
RANK_LABELS = {WATCH_TIME: "Watch time", PEAK: "Peak concurrent viewers"}
KEYS = ["content_type", "content_id"]
# The figures asked per content on screen: one summary call per content, metric and period.
ROW_METRICS = {"views": Metric.TOTAL_VIEWS, "devices": Metric.UNIQUE_DEVICES}
# Every figure of a row; each has a previous_* and a *_change column with the comparison.
FIGURES = ("views", "devices", "watch_time", "average_view", "peak")
RANK_HELP = (
    "Watch time: time spent watching, summed over all viewers. Peak: the most viewers of one "
    "content at the same time. Views need one request per content, so the ranking is by these "
    "two, which the API gives for every content at once."
)
SHOW_ALL_HELP = (
    "Every content with viewers in the period, with its watch time and peak only: views and "
    "unique devices are asked per content, so only the top rows get them."
)
NO_WATCH_TIME_RANKING = (
    f"{NO_WATCH_TIME[:-1]}, so contents are ranked by their peak and have no average view duration."
)
PEAK_HELP = "The most viewers watching at the same time (in one minute)."
DATETIME_FORMATS = {  # how the table writes a peak's time (moment.js), by what it is
    PeakGranularity.MINUTE: "ddd D MMM YYYY, HH:mm",
    PeakGranularity.HOUR: "ddd D MMM YYYY, HH:00",
    PeakGranularity.DAY: "ddd D MMM YYYY",
    PeakGranularity.MONTH: "MMMM YYYY",
}


@dataclass(frozen=True)
class Choice:
    rank_by: str  # WATCH_TIME or PEAK
    show_all: bool


@dataclass(frozen=True)
class Loaded:
    """The page's series (current and previous period) and the catalogue of titles."""

    batch: Batch
    catalogue: Catalogue

    @property
    def watch_time(self) -> bool:
        """Whether the API reports watch time (v1.0.3 answers 404)."""
        return not self.batch["watch-time"].unsupported


@dataclass(frozen=True)
class Ranking:
    """What the page shows: every content with viewers, ranked; the rows on screen with their
    per-content figures."""

    table: pd.DataFrame  # the rows on screen only
    total: int  # contents with viewers in the period
    choice: Choice
    granularity: PeakGranularity  # of the peak series
    exact_minutes: bool  # peak_time is the exact minute, else its bucket's start
    catalogue: Catalogue
    batch: Batch  # every call of the page, for the data caption
    watch_time: bool
    rank_by: str  # the choice, or PEAK when there is no watch time
    compared: bool
    failed: Outcome | None = None  # the peak series failed: nothing to rank
    notes: tuple[str, ...] = ()


# --- calls -------------------------------------------------------------------------------------


def _periods(context: PageContext) -> list[tuple[str, Period]]:
    periods = [("", context.period)]
    if context.previous is not None:
        periods.append(("previous-", context.previous))
    return periods


def load(context: PageContext) -> Loaded:
    """The two series of both periods in one concurrent batch, and the catalogue (read beside
    them; the client keeps it for hours, so this is usually instant)."""
    granularity = default_for(context.period)  # the current period's, for both (as Overview)
    calls: dict[str, Callable] = {}
    for prefix, period in _periods(context):
        calls[f"{prefix}watch-time"] = partial(watch_time_query, period, context.filters)
        calls[f"{prefix}peak"] = partial(peak_call, period, context.filters, granularity)
    with st.spinner("Loading content…"):
        batch = fetch_all(calls, context.client)
        catalogue = context.catalogue()  # read beside the calls since the run began
    return Loaded(batch, catalogue)


def choose(loaded: Loaded) -> Choice:
    """What ranks the table (mirrored in the URL as `rank`) and whether every content is
    listed (`all`)."""
    options = [WATCH_TIME, PEAK] if loaded.watch_time else [PEAK]
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        rank_by = url_choice(
            st.segmented_control,
            "Rank by",
            options,
            param="rank",
            default=options[0],
            format_func=RANK_LABELS.get,
            key_suffix=f"-{len(options)}",
            help=RANK_HELP,
        )
    with right:
        show_all = url_flag("Show all contents", param="all", default=False, help=SHOW_ALL_HELP)
    return Choice(rank_by, show_all)


def _series_requests(context: PageContext) -> int:
    """The fewest requests the page's series cost (one per call or part of a chunked call)."""
    granularity = default_for(context.period)
    count = 0
    for _, period in _periods(context):
        peaks = peak_call(period, context.filters, granularity)
        count += 1 + (len(peaks.parts) if isinstance(peaks, Chunked) else 1)
    return count


def exact_minutes_fit(rows: int, periods: int, series_requests: int) -> bool:
    """Whether one peak summary per row fits the render's budget beside the series and the
    rows' views and unique devices (counted as if nothing were cached, so the page looks the
    same cold and warm)."""
    per_row = len(ROW_METRICS) * periods + 1
    return series_requests + rows * per_row <= MAX_REQUESTS_PER_RENDER


def _row_calls(context: PageContext, rows: pd.DataFrame, exact: bool) -> dict[str, Callable]:
    calls: dict[str, Callable] = {}
    for kind, ident in zip(rows["content_type"], rows["content_id"], strict=True):
        for prefix, period in _periods(context):
            for name, metric in ROW_METRICS.items():
                calls[f"{prefix}{name}-{kind}-{ident}"] = partial(
                    MetricQuery,
                    metric,
                    period.time_range,
                    content_type=kind,
                    content_ids=(int(ident),),
                    tz=context.tz,
                )
        if exact:
            calls[f"peak-minute-{kind}-{ident}"] = partial(
                PeakSummaryQuery, context.period.time_range, kind, int(ident), tz=context.tz
            )
    return calls


def rank(context: PageContext, loaded: Loaded, choice: Choice) -> Ranking:
    """Rank every content from the series, then ask the per-content figures of the rows on
    screen (all at once)."""
    batch = loaded.batch
    granularity = default_for(context.period)
    notes: list[str] = []
    ranking = partial(
        Ranking,
        choice=choice,
        granularity=granularity,
        catalogue=loaded.catalogue,
        compared=context.previous is not None,
    )
    if not batch["peak"].ok:
        return ranking(
            table=pd.DataFrame(),
            total=0,
            exact_minutes=False,
            batch=batch,
            watch_time=False,
            rank_by=PEAK,
            failed=batch["peak"],
        )
    watched = _frame(batch, "watch-time")
    if watched is None and loaded.watch_time:  # failed, not unsupported
        notes.append(f"Watch time could not be loaded: {batch['watch-time'].error}")
    watch_time = watched is not None
    rank_by = choice.rank_by if watch_time else PEAK
    contents = ranked_contents(watched, batch["peak"].result.frame, rank_by)
    if context.previous is not None:
        failed = [
            batch[name]
            for name in ("previous-peak", "previous-watch-time")
            if not batch[name].ok and not batch[name].unsupported
        ]
        if failed:
            notes.append(f"The previous period could not be loaded: {failed[0].error}")
        contents = with_previous(
            contents, _frame(batch, "previous-watch-time"), _frame(batch, "previous-peak")
        )
    shown = contents if choice.show_all else contents.head(TOP)
    exact = (
        not choice.show_all
        and loaded.watch_time  # the current API: it has peak summaries too
        and exact_minutes_fit(len(shown), len(_periods(context)), _series_requests(context))
    )
    rows_batch = Batch()
    if not choice.show_all and len(shown):
        with st.spinner("Loading views and devices of the top contents…"):
            rows_batch = fetch_all(_row_calls(context, shown, exact), context.client)
        shown, row_notes, exact = with_row_figures(shown, rows_batch, context.previous, exact)
        notes.extend(row_notes)
    shown = with_averages_and_changes(shown, context.previous is not None)
    shown.insert(2, "title", _titles(loaded.catalogue, shown))
    merged = Batch(
        {**batch.outcomes, **rows_batch.outcomes},
        max(batch.rate_limit_wait, rows_batch.rate_limit_wait),
    )
    return ranking(
        table=shown.reset_index(drop=True),
        total=len(contents),
        exact_minutes=exact,
        batch=merged,
        watch_time=watch_time,
        rank_by=rank_by,
        notes=tuple(notes),
    )


def _frame(batch: Batch, name: str) -> pd.DataFrame | None:
    outcome = batch.outcomes.get(name)
    return outcome.result.frame if outcome is not None and outcome.ok else None


def _titles(catalogue: Catalogue, rows: pd.DataFrame) -> pd.Series:
    """Each row's title; "Channel 123" for an id the catalogue lacks; empty without one."""
    if not catalogue.available:
        return pd.Series(pd.NA, index=rows.index, dtype="string")
    labels = [
        catalogue.label(kind, int(ident))
        for kind, ident in zip(rows["content_type"], rows["content_id"], strict=True)
    ]
    return pd.Series(labels, index=rows.index, dtype="string")


# --- shaping (pure pandas) ---------------------------------------------------------------------


def _identified(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a type, an id and a value (the API may send incomplete records)."""
    known = frame.dropna(subset=[*KEYS, "value"])
    return known.astype({"content_type": "str", "content_id": "int64", "value": "int64"})


def watch_time_by_content(watched: pd.DataFrame) -> pd.DataFrame:
    """content_type, content_id, watch_time: seconds watched in the period per content."""
    rows = _identified(watched)
    summed = rows.groupby(KEYS, as_index=False, sort=False)["value"].sum()
    return summed.rename(columns={"value": "watch_time"})


def peak_by_content(peaks: pd.DataFrame) -> pd.DataFrame:
    """content_type, content_id, peak, peak_time: each content's highest bucket (the earliest
    on a tie)."""
    rows = _identified(peaks.dropna(subset=["time"]))
    return tables.peaks_by_content(rows).drop(columns="content")


def ranked_contents(
    watched: pd.DataFrame | None, peaks: pd.DataFrame, rank_by: str
) -> pd.DataFrame:
    """One row per content with viewers: content_type, content_id, watch_time (without
    `watched`: no such column), peak, peak_time; highest first by `rank_by`, the other figure
    and then the id breaking ties, and numbered in `rank`."""
    best = peak_by_content(peaks)
    if watched is None:
        contents = best
        order = ["peak"]
    else:
        contents = watch_time_by_content(watched).merge(best, on=KEYS, how="outer")
        contents["watch_time"] = contents["watch_time"].fillna(0).astype("int64")
        contents["peak"] = contents["peak"].fillna(0).astype("int64")
        order = ["watch_time", "peak"] if rank_by == WATCH_TIME else ["peak", "watch_time"]
    contents = contents.sort_values(
        [*order, "content_type", "content_id"],
        ascending=[False] * len(order) + [True, True],
        kind="stable",
        ignore_index=True,
    )
    contents.insert(0, "rank", range(1, len(contents) + 1))
    return contents


def with_previous(
    contents: pd.DataFrame, watched: pd.DataFrame | None, peaks: pd.DataFrame | None
) -> pd.DataFrame:
    """previous_watch_time and previous_peak beside each content (0 when it had no viewers
    then; absent when the previous period's call failed)."""
    result = contents
    if watched is not None and "watch_time" in contents:
        before = watch_time_by_content(watched).rename(
            columns={"watch_time": "previous_watch_time"}
        )
        result = result.merge(before, on=KEYS, how="left")
        result["previous_watch_time"] = result["previous_watch_time"].fillna(0).astype("int64")
    if peaks is not None:
        before = peak_by_content(peaks)[[*KEYS, "peak"]].rename(columns={"peak": "previous_peak"})
        result = result.merge(before, on=KEYS, how="left")
        result["previous_peak"] = result["previous_peak"].fillna(0).astype("int64")
    return result


def with_row_figures(
    rows: pd.DataFrame, batch: Batch, previous: Period | None, exact: bool
) -> tuple[pd.DataFrame, list[str], bool]:
    """The rows with views and devices (and the previous period's) from their summary calls,
    and the exact peak minutes when asked and all answered; notes for calls that failed."""
    rows = rows.copy()
    notes: list[str] = []
    prefixes = [""] + (["previous-"] if previous is not None else [])
    for prefix in prefixes:
        for name in ROW_METRICS:
            column = f"{'previous_' if prefix else ''}{name}"
            outcomes = [
                batch[f"{prefix}{name}-{kind}-{ident}"]
                for kind, ident in zip(rows["content_type"], rows["content_id"], strict=True)
            ]
            values = [summary_value(o.result) if o.ok else pd.NA for o in outcomes]
            rows[column] = pd.array(values, dtype="Int64")
            failed = [o for o in outcomes if not o.ok]
            if failed:
                notes.append(
                    f"{column.replace('_', ' ').capitalize()} of {len(failed)} content(s) could "
                    f"not be loaded: {failed[0].error}"
                )
    if exact:
        minutes = [
            batch[f"peak-minute-{kind}-{ident}"]
            for kind, ident in zip(rows["content_type"], rows["content_id"], strict=True)
        ]
        found = [o.result.frame["time"].iloc[0] if _has_time(o) else None for o in minutes]
        exact = all(moment is not None for moment in found)
        if exact:
            rows["peak_time"] = pd.Series(found, index=rows.index).astype(rows["peak_time"].dtype)
    return rows, notes, exact


def _has_time(outcome: Outcome) -> bool:
    if not outcome.ok or outcome.result.frame.empty:
        return False
    return not pd.isna(outcome.result.frame["time"].iloc[0])


def with_averages_and_changes(rows: pd.DataFrame, compared: bool) -> pd.DataFrame:
    """average_view (watch time per view, seconds) where both are known, and with the
    comparison each figure's relative change (missing where the previous value is 0)."""
    rows = rows.copy()
    for prefix in ("", "previous_") if compared else ("",):
        watched, views = f"{prefix}watch_time", f"{prefix}views"
        if watched in rows and views in rows:
            count = rows[views].astype("Float64")
            rows[f"{prefix}average_view"] = (
                rows[watched].astype("Float64") / count.where(count > 0)
            ).round(0)
    if compared:
        for figure in FIGURES:
            if figure in rows and f"previous_{figure}" in rows:
                rows[f"{figure}_change"] = tables.change_column(
                    rows[figure], rows[f"previous_{figure}"]
                )
    return rows


def unique_labels(titles: pd.Series, rows: pd.DataFrame, catalogue: Catalogue) -> list[str]:
    """A label per row for a chart axis: the title (else "Video 123"), with the id added where
    two rows would read the same (an axis merges equal labels)."""
    labels = [
        title if isinstance(title, str) and title else catalogue.label(kind, int(ident))
        for title, kind, ident in zip(titles, rows["content_type"], rows["content_id"], strict=True)
    ]
    seen = pd.Series(labels).duplicated(keep=False)
    return [
        f"{label} ({ident})" if twice else label
        for label, ident, twice in zip(labels, rows["content_id"], seen, strict=True)
    ]


# --- drawing -----------------------------------------------------------------------------------


def show(context: PageContext, ranking: Ranking) -> None:
    """The notes, the ranked table with its download, and the chart of the top contents."""
    if ranking.failed is not None:
        show_error(ranking.failed, "peak viewers")
        return
    if not ranking.catalogue.available:
        st.info(plain(ranking.catalogue.unavailable_reason), icon=":material/label_off:")
    if not ranking.watch_time and ranking.batch["watch-time"].unsupported:
        st.caption(NO_WATCH_TIME_RANKING)
    for note in ranking.notes:
        st.warning(plain(note), icon=":material/warning:")
    if ranking.table.empty:
        empty_state("Nobody watched a channel or video in this period.")
        return
    table(context, ranking)
    top_chart(ranking)


def _peak_time_label(ranking: Ranking) -> str:
    if ranking.exact_minutes:
        return "Peak minute"
    return f"Peak {GRANULARITY_LABELS[ranking.granularity].lower()}"


def table(context: PageContext, ranking: Ranking) -> None:
    """The ranked table: the figures, each with its change when compared."""
    rows = ranking.table
    choice = ranking.choice
    st.caption(describe(ranking))
    shown = display_frame(rows)
    config = _column_config(ranking)
    # A row opens that content (by id, which needs the catalogue to tell channels from videos).
    clickable = ranking.catalogue.available
    event = st.dataframe(
        shown,
        hide_index=True,
        column_config=config,
        column_order=[c for c in config if c in shown],
        width="stretch",
        height=min(640, 38 + 35 * len(shown)),
        key="content-ranking",
        on_select="rerun" if clickable else "ignore",
        selection_mode="single-row",
    )
    picked = event.selection.rows if clickable else []
    if picked:
        write_params({ONE_CONTENT: str(rows["content_id"].iloc[picked[0]])}, [ONE_CONTENT])
        st.rerun()
    download(
        spreadsheet(rows, csv_columns(ranking)),
        page=PAGE,
        what=f"{'all' if choice.show_all else f'top-{TOP}'}-by-{ranking.rank_by}",
        period=context.period,
    )


def describe(ranking: Ranking) -> str:
    """What the table lists, by what it is ranked, and what its peak times are."""
    what = "every content" if ranking.choice.show_all else f"the top {len(ranking.table)}"
    text = (
        f"{ranking.total:,} contents had viewers: {what} by {RANK_LABELS[ranking.rank_by].lower()}."
    )
    if ranking.catalogue.available:
        text += " Select a row to open that content."
    if ranking.exact_minutes or ranking.granularity is PeakGranularity.MINUTE:
        return text
    bucket = GRANULARITY_LABELS[ranking.granularity].lower()
    text += f" {_peak_time_label(ranking)}: the {bucket} each peak fell in"
    if ranking.watch_time and ranking.compared and not ranking.choice.show_all:
        text += " (without the comparison, the exact minute)"
    return text + "."


def display_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The table as shown: types in words, ids as text, hours and minutes for durations."""
    shown = rows.assign(
        type=rows["content_type"].map(TYPE_LABELS).astype("string"),
        content_id=rows["content_id"].astype("str"),
    )
    for prefix in ("", "previous_"):
        if f"{prefix}watch_time" in shown:
            shown[f"{prefix}watch_hours"] = (shown[f"{prefix}watch_time"] / 3600).round(1)
        if f"{prefix}average_view" in shown:
            shown[f"{prefix}average_minutes"] = (
                shown[f"{prefix}average_view"].astype("Float64") / 60
            ).round(1)
    return shown


def _column_config(ranking: Ranking) -> dict[str, object]:
    """Title first, then the figures (the series' two first, so the ranking's figure shows
    without scrolling), each beside its change; the id last."""
    number = st.column_config.NumberColumn
    config: dict[str, object] = {"rank": number("#", format="%d", width=40)}
    if ranking.catalogue.available:
        config["title"] = st.column_config.TextColumn("Title", pinned=True)  # kept on phones
    config["type"] = st.column_config.TextColumn("Type", width="small")
    figures = [
        ("watch_hours", "Watch time (h)", "watch_time", WATCH_TIME_HELP),
        ("peak", "Peak viewers", "peak", PEAK_HELP),
    ]
    for column, label, figure, help_text in figures:
        config[column] = number(label, format="localized", help=help_text)
        config[f"{figure}_change"] = number(f"{label.split(' (')[0]} ±", format="percent")
        if figure == "peak":
            config["peak_time"] = st.column_config.DatetimeColumn(
                _peak_time_label(ranking),
                format=DATETIME_FORMATS[
                    PeakGranularity.MINUTE if ranking.exact_minutes else ranking.granularity
                ],
            )
    figures = [
        ("views", "Views", "views", "Playback sessions started in the period."),
        ("devices", "Unique devices", "devices", "Distinct devices that started a view."),
        ("average_minutes", "Avg view (min)", "average_view", AVERAGE_VIEW_HELP),
    ]
    for column, label, figure, help_text in figures:
        config[column] = number(label, format="localized", help=help_text)
        config[f"{figure}_change"] = number(f"{label.split(' (')[0]} ±", format="percent")
    config["content_id"] = st.column_config.TextColumn("Id")
    return config


def csv_columns(ranking: Ranking) -> list[Column]:
    """The download: rank, title, content_id, content_type, then every figure (seconds for
    durations), its previous value and change."""
    columns = [
        Column("rank", "rank"),
        Column("title", "title"),
        Column("content_id", "content_id"),
        Column("content_type", "content_type"),
    ]
    headers = {
        "views": "Total views",
        "devices": "Unique devices",
        "watch_time": "Watch time (seconds)",
        "average_view": "Average view duration (seconds)",
        "peak": "Peak concurrent viewers",
    }
    for figure, header in headers.items():
        columns += [
            Column(figure, header),
            Column(f"previous_{figure}", previous_period(header)),
            Column(f"{figure}_change", f"{header.split(' (')[0]} change (%)", Cell.PERCENT),
        ]
    cell = Cell.MINUTE if ranking.exact_minutes else bucket_cell(ranking.granularity)
    columns.append(Column("peak_time", _peak_time_label(ranking), cell))
    return columns


def top_chart(ranking: Ranking) -> None:
    """Bars of the top contents by the ranking's figure, titled."""
    top = ranking.table.head(TOP)
    by = ranking.rank_by
    label = RANK_LABELS[by]
    st.subheader(f"Top {len(top)} by {label.lower()}")
    values = (top["watch_time"] / 3600).round(1) if by == WATCH_TIME else top["peak"]
    bars = pd.DataFrame(
        {
            "label": [hover_safe(t) for t in unique_labels(top["title"], top, ranking.catalogue)],
            "value": values.to_numpy(),
        }
    )
    value_label = "Watch time (hours)" if by == WATCH_TIME else label
    chart(
        charts.category_bars(bars, value_label=value_label, category_label="Content"),
        key="content-top",
        title=f"Top {len(top)} contents by {label.lower()}",
        what=f"top-{len(top)}-by-{label}",
    )
