"""The digest as HTML (inline styles, tables: what e-mail clients show) and its charts as PNG.

Charts are the dashboard's own Plotly figures (`analytics.dashboard.charts`), rendered by the
dashboard's renderer (`analytics.dashboard.chart_images`: kaleido, one headless-Chromium session
for all of them). Every text that came from the API is HTML-escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape

import pandas as pd
import plotly.graph_objects as go

from analytics.dashboard import charts
from analytics.dashboard.chart_images import render_pngs
from analytics.dashboard.periods import format_change
from analytics.reports.digest import BREAKDOWN_TITLES, Digest

CHART_WIDTH = 640
CHART_SCALE = 2  # sharp on high-density screens; shown at CHART_WIDTH
TOP_ROWS = 10
UP, DOWN, NEUTRAL = "#198038", "#DA1E28", "#525252"
_CELL = "padding:6px 10px;border-bottom:1px solid #E0E0E0;"
_FONT = "font-family:'IBM Plex Sans',Helvetica,Arial,sans-serif;color:#161616;"


def subject(digest: Digest) -> str:
    return f"IBM Video analytics: {digest.period.label}"


# --- charts ----------------------------------------------------------------------------------


def figures(digest: Digest) -> dict[str, go.Figure]:
    """The digest's charts by name (a table without rows gets none)."""
    found: dict[str, go.Figure] = {}
    top = digest.top_contents
    if len(top):
        found["top-contents"] = charts.category_bars(
            top.assign(label=top["content"], value=top["views"]),
            value_label="Views",
            category_label="Content",
            height=_bars_height(len(top)),
        )
    countries = digest.breakdowns["countries"].head(TOP_ROWS)
    if len(countries):
        found["countries"] = charts.category_bars(
            countries,
            value_label="Views",
            category_label="Country",
            height=_bars_height(len(countries)),
        )
    for name in ("devices", "view_sources"):
        table = digest.breakdowns[name]
        if len(table) and int(table["value"].sum()):
            found[name.replace("_", "-")] = charts.share_donut(table, value_label="views")
    for figure in found.values():
        figure.update_layout(width=CHART_WIDTH)
    return found


def _bars_height(rows: int) -> int:
    return max(200, 30 * rows + 90)


def render_images(figures: Mapping[str, go.Figure]) -> dict[str, bytes]:
    """Every figure as PNG, rendered in one kaleido (headless Chromium) session.

    RuntimeError when Chromium cannot be started or a figure fails (the message says which).
    """
    return render_pngs(figures, width=CHART_WIDTH, scale=CHART_SCALE)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --- HTML ------------------------------------------------------------------------------------


def render_html(digest: Digest, image_src: Mapping[str, str]) -> str:
    """The whole e-mail body; `image_src` maps a chart name to `cid:...` or a data: URI
    (charts without one are left out).
    """
    period = digest.period
    notes = []
    if digest.is_demo:
        notes.append("Figures from the built-in demo API (no IBM Video account is configured).")
    if digest.stale:
        notes.append("The API failed for some figures; they come from an expired cache entry.")
    parts = [
        f'<h1 style="font-size:22px;margin:0 0 4px">{escape(subject(digest))}</h1>',
        f'<p style="margin:0 0 16px;color:{NEUTRAL}">{escape(period.current.describe())}, '
        f"compared with {escape(period.previous_label)} · times in {escape(digest.tz)}</p>",
        *(f'<p style="margin:0 0 12px;color:{DOWN}">{escape(note)}</p>' for note in notes),
        _kpi_table(digest),
        _section("Top contents by views", image_src.get("top-contents"), _top_table(digest)),
        _section(
            "Countries",
            image_src.get("countries"),
            _breakdown_table(digest.breakdowns["countries"], "Country"),
        ),
    ]
    for name in ("devices", "view_sources"):
        parts.append(
            _section(
                BREAKDOWN_TITLES[name],
                image_src.get(name.replace("_", "-")),
                _breakdown_table(digest.breakdowns[name], BREAKDOWN_TITLES[name][:-1]),
            )
        )
    names = ", ".join(f"{name}.csv" for name in digest.frames())
    parts.append(
        f'<p style="margin:24px 0 0;color:{NEUTRAL};font-size:12px">Every table is attached as '
        f"CSV ({escape(names)}).</p>"
    )
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(subject(digest))}</title></head>\n"
        f'<body style="margin:0;padding:16px;{_FONT}">\n'
        f'<div style="max-width:{CHART_WIDTH + 40}px;margin:0 auto">\n{body}\n</div>\n'
        "</body></html>\n"
    )


def _kpi_table(digest: Digest) -> str:
    cells = []
    for kpi in digest.kpis:
        color = UP if kpi.difference > 0 else DOWN if kpi.difference < 0 else NEUTRAL
        cells.append(
            f'<td style="padding:10px;border:1px solid #E0E0E0;vertical-align:top;width:25%">'
            f'<div style="font-size:12px;color:{NEUTRAL}">{escape(kpi.label)}</div>'
            f'<div style="font-size:24px;font-weight:600" class="kpi-value">{kpi.value:,}</div>'
            f'<div style="font-size:13px;color:{color}">{escape(kpi.change)} '
            f'<span style="color:{NEUTRAL}">(previous: {kpi.previous:,})</span></div></td>'
        )
    return (
        '<table role="presentation" style="border-collapse:collapse;width:100%;margin:0 0 8px">'
        f"<tr>{''.join(cells)}</tr></table>"
    )


def _section(title: str, src: str | None, table: str) -> str:
    image = (
        f'<img src="{escape(src)}" width="{CHART_WIDTH}" alt="{escape(title)} chart" '
        'style="display:block;max-width:100%;height:auto;margin:0 0 8px">'
        if src
        else ""
    )
    return f'<h2 style="font-size:17px;margin:24px 0 8px">{escape(title)}</h2>\n{image}\n{table}'


def _table(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """Rows of already-escaped cells; `numeric` columns are right-aligned."""
    if not rows:
        return f'<p style="color:{NEUTRAL}">No data in this period.</p>'

    def cells(values: list[str], tag: str) -> str:
        return "".join(
            f'<{tag} style="{_CELL}text-align:{"right" if i in numeric else "left"}">{v}</{tag}>'
            for i, v in enumerate(values)
        )

    head = cells([escape(h) for h in header], "th")
    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    return (
        f'<table style="border-collapse:collapse;width:100%;font-size:13px">'
        f"<tr>{head}</tr>{body}</table>"
    )


def _top_table(digest: Digest) -> str:
    rows = [
        [str(row.rank), escape(str(row.content)), f"{row.views:,}", _percent(row.share)]
        for row in digest.top_contents.itertuples(index=False)
    ]
    return _table(["#", "Content", "Views", "Share"], rows, {0, 2, 3})


def _breakdown_table(table: pd.DataFrame, label: str) -> str:
    rows = [
        [
            escape(str(row.label)),
            f"{row.value:,}",
            _percent(row.share),
            f"{row.previous_value:,}",
            escape(format_change(row.value, row.previous_value) or ""),
        ]
        for row in table.head(TOP_ROWS).itertuples(index=False)
    ]
    header = [label, "Views", "Share", "Previous", "Change"]
    return _table(header, rows, {1, 2, 3, 4})


def _percent(share: float) -> str:
    return f"{share:.1%}"
