"""Breakdowns: one metric by one dimension, against the previous period.

Time dimensions draw a line or bar chart; location a world map and a ranked table; device and
view source bars or a donut. Every table has share and change against the previous period.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import pandas as pd
import streamlit as st

from analytics.api import Dimension, Metric
from analytics.dashboard import charts, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.filters import url_choice
from analytics.dashboard.panels.common import column_name, metric_query
from analytics.dashboard.periods import metric_bucket
from analytics.dashboard.service import Batch, fetch_all
from analytics.dashboard.tables import DIMENSION_LABELS, METRIC_LABELS
from analytics.dashboard.text import plain
from analytics.dashboard.ui import (
    chart,
    download,
    empty_state,
    map_chart,
    show_error,
    time_column,
)

PAGE = "breakdowns"
DIMENSIONS = (
    Dimension.DAY,
    Dimension.HOUR,
    Dimension.MONTH,
    Dimension.LOCATION,
    Dimension.DEVICE,
    Dimension.VIEW_SOURCE,
)
CHART_TYPES = {
    "time": ("line", "bar"),
    "category": ("bar", "donut"),
    "location": ("map",),
}
CHART_LABELS = {"line": "Line", "bar": "Bars", "donut": "Donut", "map": "Map"}
MANY_POINTS = 2_000


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
    return "location" if dimension is Dimension.LOCATION else "category"


def choose() -> Choice:
    """The metric, dimension and chart pickers (mirrored in the URL)."""
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
        _time_breakdown(context, choice, current.result.frame, previous_frame)
    else:
        _category_breakdown(context, choice, current.result.frame, previous_frame)


def _time_breakdown(
    context: PageContext,
    choice: Choice,
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
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
            series, value_label=label, time_label=bucket_label, chart=choice.chart, height=380
        ),
        key="breakdown-time",
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
    name = column_name(choice.metric)
    download(
        table.rename(
            columns={
                choice.dimension.value: "time",
                "value": name,
                "previous_time": "previous_period_time",
                "previous_value": f"previous_period_{name}",
            }
        ),
        page=PAGE,
        what=choice.what,
        period=context.period,
    )


def _category_breakdown(
    context: PageContext,
    choice: Choice,
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
) -> None:
    label = METRIC_LABELS[choice.metric]
    category = DIMENSION_LABELS[choice.dimension]
    table = tables.breakdown_table(current, previous, choice.dimension)
    if not table["value"].any():
        empty_state(f"No {label.lower()} in this period.")
        if table.empty:
            return
    if choice.dimension is Dimension.LOCATION:
        table = tables.with_countries(table)
        unknown = int(table["iso_alpha3"].isna().sum())
        map_chart(charts.choropleth(table, value_label=label), key="breakdown-map")
        if unknown:
            st.caption(f"{unknown} location(s) without a known country are in the table only.")
    elif choice.chart == "donut":
        left, _ = st.columns([3, 2])
        with left:
            chart(charts.share_donut(table, value_label=label), key="breakdown-donut")
    else:
        chart(
            charts.category_bars(table, value_label=label, category_label=category),
            key="breakdown-bars",
        )
    config = {
        "label": st.column_config.TextColumn(category),
        "point": st.column_config.TextColumn(
            "Code" if choice.dimension is Dimension.LOCATION else "API value"
        ),
        "value": st.column_config.NumberColumn(label, format="localized"),
        "share": st.column_config.ProgressColumn(
            "Share", format="percent", min_value=0.0, max_value=1.0
        ),
        "previous_value": st.column_config.NumberColumn(f"{label} (previous)", format="localized"),
        "change": st.column_config.NumberColumn("Change", format="percent"),
    }
    st.dataframe(
        table,
        hide_index=True,
        column_config=config,
        column_order=[c for c in config if c in table],
        width="stretch",
    )
    name = column_name(choice.metric)
    export = table.rename(
        columns={
            "point": choice.dimension.value,
            "label": "name",
            "value": name,
            "previous_value": f"previous_period_{name}",
        }
    ).drop(columns=["iso_alpha3"], errors="ignore")
    download(export, page=PAGE, what=choice.what, period=context.period)
