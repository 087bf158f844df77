"""Building blocks the pages share: KPIs, panel states, charts, downloads, the data caption.

A page gets its context from `context.page_context()` and renders panels with these helpers, so
page scripts stay short.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.api import Catalogue
from analytics.dashboard import chart_export, chart_images, downloads
from analytics.dashboard.context import PageContext, current_compare_label, current_context
from analytics.dashboard.periods import Comparison, Period, format_change
from analytics.dashboard.service import Batch, Outcome, provenance
from analytics.dashboard.tables import ContentLabels
from analytics.dashboard.text import plain

# The login cookie is read/written by invisible components (keys init/set/delete); keep them
# from taking space, and bring the page closer to the top navigation.
_STYLE = """
<style>
.st-key-init, .st-key-set, .st-key-delete,
div[data-testid="stElementContainer"]:has(iframe[height="0"]) { display: none; }
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
[data-testid="stMetricValue"] { font-size: 2rem; }
/* KPI tiles: the comparison ("vs last week (10,987)") wraps instead of being cut. */
div:has(> [data-testid="stMetricDeltaDescription"]) { flex-wrap: wrap; }
[data-testid="stMetricDeltaDescription"], [data-testid="stMetricDeltaDescription"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
/* A chart's PNG download sits right under it, small. */
[class*="st-key-png_"] button { min-height: 1.75rem; padding: 0 .25rem; font-size: .8rem; }
/* Printing (Ctrl+P, or the page's Print button): the page's content only, full width, every
   part of it (Streamlit's main area scrolls inside a fixed-height box on screen). */
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stElementToolbar"], .modebar-container,
  [data-testid="stDownloadButton"], [data-testid="stButton"], [data-testid="stPopover"],
  [data-testid="stBottom"], .share-bar, .stDeployButton { display: none !important; }
  html, body, .stApp, [data-testid="stApp"], [data-testid="stAppViewContainer"],
  [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
    height: auto !important; min-height: 0 !important; overflow: visible !important;
    position: static !important;
  }
  [data-testid="stMainBlockContainer"] {
    max-width: 100% !important; width: 100% !important; padding: 0 !important; margin: 0 !important;
  }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stDataFrame"],
  [data-testid="stTable"] { break-inside: avoid; }
}
</style>
"""
NO_TITLES_HELP = (
    "Titles come from IBM's Channel API with the same credentials; everything else works "
    "without them."
)
# No camera button: it saved "plot-image.png" without a title or dates; every chart has a
# titled PNG download instead (see `chart`).
CHART_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "toImage"],
}
# Relative, so it also works under a server.baseUrlPath; pages are one level below the root.
MAP_DATA_URL = "app/static/topojson/"


def apply_style() -> None:
    st.html(_STYLE)


def not_available(title: str) -> None:
    """The body of a page this user's role does not include (reached by typing its URL)."""
    st.title(title)
    st.warning(
        f"{title} shows viewer identifiers (personal data), so it is available to users with "
        "the analyst or admin role only. Ask an admin if you need it.",
        icon=":material/lock:",
    )


# --- numbers -----------------------------------------------------------------------------------


def kpi(
    label: str,
    current: Outcome,
    previous: Outcome | None,
    *,
    value_of: Any,
    help: str | None = None,
    compare_label: str | None = None,
    format_value: Callable[[Any], str] | None = None,
) -> None:
    """A metric tile: the value and, when compared, the signed change and the previous value.

    The change is green when up and red when down ("+12.3%", "-4.0%"), followed by the
    comparison's name and the previous value: "vs last week (10,987)". `compare_label` defaults
    to this page's comparison; `format_value` writes a value (default: "12,345").
    """
    show = format_value or _thousands
    if not current.ok:
        st.metric(label, "–", help=help, border=True)
        st.error(plain(current.error))
        return
    value = value_of(current.result)
    delta, description = None, None
    color: Any = "normal"
    arrow: Any = "auto"
    if previous is not None:
        words = compare_label or current_compare_label() or "vs previous period"
        description = words
        if previous.ok:
            before = value_of(previous.result)
            delta = format_change(value, before)
            description = f"{words} ({show(before)})"
            if delta == "±0%":
                color, arrow = "off", "off"
        else:
            delta, color, arrow = "unavailable", "off", "off"
    st.metric(
        label,
        show(value),
        delta=delta,
        delta_color=color,
        delta_arrow=arrow,
        delta_description=description,
        help=help,
        border=True,
    )


def _thousands(value: Any) -> str:
    return f"{value:,}"


def summary_value(result: Any) -> int:
    """The number of a summary call (0 when the API answered with no row)."""
    frame = result.frame
    return int(frame["value"].sum()) if len(frame) else 0


# --- panels ------------------------------------------------------------------------------------


def show_error(outcome: Outcome, what: str) -> bool:
    """st.error for a failed call; True when the panel should stop there. An answer with
    records the API sent incomplete gets a note saying so (the panel shows the rest)."""
    if outcome.ok:
        incomplete = outcome.result.incomplete_records  # type: ignore[union-attr]
        if incomplete:
            st.caption(
                f"{incomplete:,} record(s) of {plain(what)} came from the API without a "
                "country, time or id: they are shown as “Unknown” or left out of charts, "
                "never counted as 0.",
            )
        return False
    st.error(f"Could not load {plain(what)}: {plain(outcome.error)}", icon=":material/error:")
    return True


def titles_or_ids(catalogue: Catalogue) -> ContentLabels:
    """Contents named by their titles; when the Channel API could not be used, by their ids,
    with one calm note saying why."""
    if not catalogue.available:
        st.caption(plain(catalogue.unavailable_reason), help=NO_TITLES_HELP)
    return catalogue.label


def empty_state(message: str) -> None:
    st.info(plain(message), icon=":material/inbox:")


def chart(
    figure: go.Figure,
    key: str,
    *,
    title: str | None = None,
    what: str | None = None,
    fetched: datetime | None = None,
    period: Period | None = None,
    world_map: bool = False,
) -> None:
    """A chart, and under it a "PNG" download of it for a slide (see `png_download`). A
    `world_map` draws its outline from this app (static/topojson), not from Plotly's CDN."""
    config = {**CHART_CONFIG, "topojsonURL": MAP_DATA_URL} if world_map else CHART_CONFIG
    st.plotly_chart(figure, key=key, config=config, width="stretch")
    png_download(figure, key, title=title, what=what, fetched=fetched, period=period)


def png_download(
    figure: go.Figure,
    key: str,
    *,
    title: str | None = None,
    what: str | None = None,
    fetched: datetime | None = None,
    period: Period | None = None,
) -> None:
    """A small "PNG" button at the chart's bottom right: the chart with its title (default: the
    page's), period, comparison and data source written on it, named like the page's CSVs
    (page_what_first_last.png; `what` defaults to the title). `fetched` (see `fetched_at`)
    adds when the numbers left the API; `period` is for a chart of its own time span (the
    Live page's minutes), not compared with anything.

    The image is made when the button is clicked (kaleido takes a second or more), not on every
    run; nothing is shown outside a page with a period.
    """
    context = current_context()
    if context is None or context.period is None:
        return
    page = context.page_title or "dashboard"
    caption = chart_caption(context, title or page, fetched=fetched, period=period)
    tools = st.container(horizontal=True, horizontal_alignment="right", key=f"chart-tools-{key}")
    tools.download_button(
        "PNG",
        data=partial(chart_images.slide_png, figure, caption),
        file_name=downloads.file_name(
            page, what or title or key, period or context.period, suffix="png"
        ),
        mime="image/png",
        icon=":material/image:",
        key=f"png_{key}",
        help="This chart as an image for a slide, with its title, period, comparison and source.",
        on_click="ignore",
        type="tertiary",
    )


def chart_caption(
    context: PageContext,
    title: str,
    *,
    fetched: datetime | None = None,
    period: Period | None = None,
) -> chart_export.ChartCaption:
    """What a chart image of this page says: its title, the page's period and comparison (or
    the chart's own `period`, uncompared), and where (and when) the numbers came from."""
    assert context.period is not None  # page_context() stops a page without one
    return chart_export.caption_for(
        title,
        period or context.period,
        comparison=context.filters.comparison if period is None else Comparison.OFF,
        previous=context.previous if period is None else None,
        tz=context.tz,
        is_demo=bool(getattr(context.client, "is_demo", False)),
        fetched=fetched.astimezone(context.period.tz) if fetched is not None else None,
    )


def fetched_at(*sources: Outcome | Batch | None) -> datetime | None:
    """When the oldest answer of these calls (or batches) left the API; None without one."""
    results = []
    for source in sources:
        if isinstance(source, Batch):
            results.extend(source.results())
        elif source is not None and source.result is not None:
            results.append(source.result)
    return min((result.fetched_at for result in results), default=None)


def period_names(context: PageContext) -> dict[str, str]:
    """`charts.time_series` keyword arguments naming the periods by their dates."""
    current, previous = chart_export.legend_names(context.period, context.previous)
    return {"current_name": current, "previous_name": previous}


def download(
    frame: pd.DataFrame,
    *,
    page: str,
    what: str,
    period: Period,
    label: str = "Download CSV",
    key: str | None = None,
) -> None:
    """A CSV download of exactly what the panel shows, named page_what_first_last.csv."""
    st.download_button(
        label,
        data=downloads.csv_bytes(frame),
        file_name=downloads.file_name(page, what, period),
        mime="text/csv",
        icon=":material/download:",
        key=key or f"download_{page}_{what}",
        on_click="ignore",
    )


def data_caption(batch: Batch, tz: str) -> None:
    """Where the page's numbers came from; a banner too when the API failed and they are old."""
    if any(result.stale for result in batch.results()):
        st.warning(
            "The Analytics API is not answering right now, so this page shows the last figures "
            "it gave (see the time below). Refresh data later to get current ones.",
            icon=":material/cloud_off:",
        )
    text = provenance(batch, tz)
    if text:
        st.caption(text)


def time_column(label: str, with_time: bool = True) -> Any:
    return st.column_config.DatetimeColumn(
        label, format="ddd D MMM YYYY, HH:mm" if with_time else "ddd D MMM YYYY"
    )
