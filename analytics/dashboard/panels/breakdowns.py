"""Breakdowns: one metric by one dimension, against the previous period.

Time dimensions draw a line or bar chart; country a world map and a ranked table; region,
device and view source bars or a donut. Every table has share and change against the previous
period. Countries are asked for as `country` (the current API); the client falls back to
`location` on v1.0.3, and links that say `by=location` still open the country breakdown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import pandas as pd
import streamlit as st

from analytics.api import Dimension, Metric
from analytics.dashboard import charts, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.downloads import (
    Cell,
    Column,
    bucket_cell,
    previous_period,
    spreadsheet,
)
from analytics.dashboard.filters import url_choice
from analytics.dashboard.panels.common import metric_query
from analytics.dashboard.periods import metric_bucket
from analytics.dashboard.service import Batch, fetch_all
from analytics.dashboard.tables import DIMENSION_LABELS, METRIC_LABELS
from analytics.dashboard.text import plain
from analytics.dashboard.ui import (
    chart,
    download,
    empty_state,
    fetched_at,
    period_names,
    show_error,
    time_column,
)

PAGE = "breakdowns"
DIMENSIONS = (
    Dimension.DAY,
    Dimension.HOUR,
    Dimension.MONTH,
    Dimension.COUNTRY,
    Dimension.REGION,
    Dimension.DEVICE,
    Dimension.VIEW_SOURCE,
)
CHART_TYPES = {
    "time": ("line", "bar"),
    "category": ("bar", "donut"),
    "location": ("map",),
}
CHART_LABELS = {"line": "Line", "bar": "Bars", "donut": "Donut", "map": "Map"}
MAPPED = (Dimension.COUNTRY, Dimension.LOCATION)
# Older links name the country breakdown by v1.0.3's dimension.
URL_ALIASES = {"by": {Dimension.LOCATION.value: Dimension.COUNTRY.value}}
MANY_POINTS = 2_000
# The code beside a place's name (header, help) in the table and the CSV; devices and view
# sources are shown by name only (their API values are in the help text).
_COUNTRY_CODE = (
    "Country code",
    "The two-letter ISO 3166 code the Analytics API gives the country.",
)
CODE_COLUMNS = {
    Dimension.COUNTRY: _COUNTRY_CODE,
    Dimension.LOCATION: _COUNTRY_CODE,
    Dimension.REGION: (
        "Region code",
        "The ISO 3166-2 code (country-region) the Analytics API gives the region.",
    ),
}
NAME_HELP = {
    Dimension.DEVICE: "The Analytics API's `device` breakdown: desktop, mobile, tablet, tv...",
    Dimension.VIEW_SOURCE: (
        "Where the player was: on your own site or embedded on another one (the Analytics "
        "API's `view-source` breakdown: onsite, offsite)."
    ),
}


@dataclass(frozen=True)
class Choice:
    metric: Metric
    dimension: Dimension
    chart: str

    @property
    def what(self) -> str:
        """For file names: total-views-by-day."""
        return f"{self.metric.value}-by-{self.dimension.value}"


def _family(dimension: Dimension) -> str:
    if dimension.is_time:
        return "time"
    return "location" if dimension in MAPPED else "category"


def choose() -> Choice:
    """The metric, dimension and chart pickers (mirrored in the URL; no chart picker where
    there is one chart only)."""
    for param, aliases in URL_ALIASES.items():
        if st.query_params.get(param) in aliases:
            st.query_params[param] = aliases[st.query_params[param]]
    left, middle, right = st.columns([2, 2, 2])
    with left:
        metric = url_choice(
            st.selectbox,
            "Metric",
            list(Metric),
            param="metric",
            default=Metric.TOTAL_VIEWS,
            to_text=lambda m: m.value,
            format_func=lambda m: METRIC_LABELS[m],
        )
    with middle:
        dimension = url_choice(
            st.selectbox,
            "By",
            list(DIMENSIONS),
            param="by",
            default=Dimension.DAY,
            to_text=lambda d: d.value,
            format_func=lambda d: DIMENSION_LABELS[d],
        )
    options = CHART_TYPES[_family(dimension)]
    if len(options) == 1:
        return Choice(metric, dimension, options[0])
    with right:
        chart_type = url_choice(
            st.segmented_control,
            "Chart",
            list(options),
            param="chart",
            default=options[0],
            format_func=lambda c: CHART_LABELS[c],
            key_suffix=_family(dimension),
        )
    return Choice(metric, dimension, chart_type)


def limited(context: PageContext, choice: Choice) -> Choice:
    """The choice with a coarser time bucket when the range is too long for the chosen one."""
    dimension, note = metric_bucket(context.period, choice.dimension)
    if note is None:
        return choice
    st.info(note, icon=":material/timelapse:")
    return replace(choice, dimension=dimension)


def load(context: PageContext, choice: Choice) -> Batch:
    calls = {
        "current": partial(
            metric_query, choice.metric, context.period, context.filters, choice.dimension
        )
    }
    if context.previous is not None:
        calls["previous"] = partial(
            metric_query, choice.metric, context.previous, context.filters, choice.dimension
        )
    if not choice.dimension.is_time and choice.metric not in tables.ADDITIVE_METRICS:
        # Unique counts do not add up across countries or devices: the total is asked for.
        calls["total"] = partial(metric_query, choice.metric, context.period, context.filters)
        if context.previous is not None:
            calls["previous-total"] = partial(
                metric_query, choice.metric, context.previous, context.filters
            )
    with st.spinner("Loading the breakdown…"):
        return fetch_all(calls, context.client)


def show(context: PageContext, choice: Choice, batch: Batch) -> None:
    label = METRIC_LABELS[choice.metric]
    current = batch["current"]
    if show_error(current, label.lower()):
        return
    previous = batch.outcomes.get("previous")
    if previous is not None and not previous.ok:
        st.warning(f"The previous period could not be loaded: {plain(previous.error)}")
    previous_frame = previous.result.frame if previous is not None and previous.ok else None
    if choice.dimension.is_time:
        _time_breakdown(context, choice, current.result.frame, previous_frame, batch)
    else:
        _category_breakdown(context, choice, current.result.frame, previous_frame, batch)


def _time_breakdown(
    context: PageContext,
    choice: Choice,
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    batch: Batch,
) -> None:
    label = METRIC_LABELS[choice.metric]
    bucket_label = DIMENSION_LABELS[choice.dimension]
    series = tables.compare_series(current, previous, context.period, choice.dimension)
    if not series["value"].fillna(0).any() and not (
        "previous_value" in series and series["previous_value"].fillna(0).any()
    ):
        empty_state(f"No {label.lower()} in this period.")
        return
    if len(series) > MANY_POINTS:
        st.caption(f"{len(series):,} points: a coarser bucket may read better.")
    chart(
        charts.time_series(
            series,
            value_label=label,
            time_label=bucket_label,
            chart=choice.chart,
            height=380,
            **period_names(context),
        ),
        key="breakdown-time",
        title=f"{label} by {bucket_label.lower()}",
        what=choice.what,
        fetched=fetched_at(batch),
    )
    table = series.copy()
    if "previous_value" in table:
        table["change"] = tables.change_column(table["value"], table["previous_value"])
    config = {
        "time": time_column(bucket_label, with_time=choice.dimension is Dimension.HOUR),
        "value": st.column_config.NumberColumn(label, format="localized"),
        "previous_time": time_column(
            "Previous period", with_time=choice.dimension is Dimension.HOUR
        ),
        "previous_value": st.column_config.NumberColumn(f"{label} (previous)", format="localized"),
        "change": st.column_config.NumberColumn("Change", format="percent"),
    }
    st.dataframe(
        table.sort_values("time", ascending=False),
        hide_index=True,
        column_config=config,
        column_order=[c for c in config if c in table],
        width="stretch",
        height=320,
    )
    cell = bucket_cell(choice.dimension)
    columns = [
        Column("time", bucket_label, cell),
        Column("value", label),
        Column("previous_time", previous_period(bucket_label), cell),
        Column("previous_value", previous_period(label)),
        Column("change", "Change (%)", Cell.PERCENT),
    ]
    download(spreadsheet(table, columns), page=PAGE, what=choice.what, period=context.period)


def _category_breakdown(
    context: PageContext,
    choice: Choice,
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    batch: Batch,
) -> None:
    label = METRIC_LABELS[choice.metric]
    category = DIMENSION_LABELS[choice.dimension]
    table = tables.breakdown_table(current, previous, choice.dimension)
    if not table["value"].any():
        empty_state(f"No {label.lower()} in this period.")
        if table.empty:
            return
    if choice.dimension in MAPPED:
        table = tables.with_countries(table)
        unknown = int(table["iso_alpha3"].isna().sum())
        chart(
            charts.choropleth(table, value_label=label),
            key="breakdown-map",
            title=f"{label} by {category.lower()}",
            what=choice.what,
            fetched=fetched_at(batch),
            world_map=True,
        )
        if unknown:
            st.caption(f"{unknown} location(s) without a known country are in the table only.")
    elif choice.chart == "donut":
        left, _ = st.columns([3, 2])
        with left:
            chart(
                charts.share_donut(table, value_label=label),
                key="breakdown-donut",
                title=f"{label} by {category.lower()}",
                what=choice.what,
                fetched=fetched_at(batch),
            )
    else:
        chart(
            charts.category_bars(table, value_label=label, category_label=category),
            key="breakdown-bars",
            title=f"{label} by {category.lower()}",
            what=choice.what,
            fetched=fetched_at(batch),
        )
    code = CODE_COLUMNS.get(choice.dimension)
    # The key columns first and narrow, so a phone shows them without scrolling sideways: the
    # name (pinned), the figure, its share and change; the previous figure and the code after.
    config = {
        "label": st.column_config.TextColumn(
            category, help=NAME_HELP.get(choice.dimension), pinned=True
        ),
        "value": st.column_config.NumberColumn(label, format="localized", width="small"),
        "share": st.column_config.ProgressColumn(
            "Share", format="percent", min_value=0.0, max_value=1.0, width="small"
        ),
        "change": st.column_config.NumberColumn("Change", format="percent", width="small"),
        "previous_value": st.column_config.NumberColumn(f"{label} (previous)", format="localized"),
        **({"point": st.column_config.TextColumn(code[0], help=code[1])} if code else {}),
    }
    st.dataframe(
        _with_totals(table, choice, batch),
        hide_index=True,
        column_config=config,
        column_order=[c for c in config if c in table],
        width="stretch",
    )
    columns = [
        Column("label", category),
        *([Column("point", code[0])] if code else []),
        Column("value", label),
        Column("share", "Share (%)", Cell.PERCENT),
        Column("previous_value", previous_period(label)),
        Column("change", "Change (%)", Cell.PERCENT),
    ]
    download(spreadsheet(table, columns), page=PAGE, what=choice.what, period=context.period)


def _with_totals(table: pd.DataFrame, choice: Choice, batch: Batch) -> pd.DataFrame:
    """The table with its "Total" row: views add up; unique counts take the summary calls'
    figures, and without them (a failed call) the table has no totals row rather than a
    wrong one."""
    if choice.metric in tables.ADDITIVE_METRICS:
        return tables.with_total_row(table)
    totals = {}
    for name in ("total", "previous-total"):
        outcome = batch.outcomes.get(name)
        if outcome is not None:
            if outcome.result is None:
                return table
            totals[name] = int(outcome.result.frame["value"].sum())
    return tables.with_total_row(
        table, total=totals.get("total"), previous_total=totals.get("previous-total")
    )
