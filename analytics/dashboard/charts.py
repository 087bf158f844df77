"""Plotly figures for the dashboard: a DataFrame in, a Figure out, no I/O and no Streamlit.

Times arrive timezone-aware and are drawn as wall-clock times of the chosen zone (Plotly has no
notion of zones); axis titles are words; numbers carry thousands separators.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from analytics.dashboard.tables import Peak, wall_times
from analytics.dashboard.text import hover_safe

PRIMARY = "#0F62FE"
PREVIOUS = "#8D8D8D"
PALETTE = [
    "#0F62FE",
    "#FF7EB6",
    "#24A148",
    "#8A3FFC",
    "#F1C21B",
    "#33B1FF",
    "#FA4D56",
    "#6FDC8C",
    "#D2A106",
    "#BA4E00",
]
CONTENT_TYPE_COLORS = {"Live": "#FA4D56", "Recorded": "#0F62FE"}
_FONT = dict(family="IBM Plex Sans, Source Sans Pro, sans-serif", size=13)


def _style(figure: go.Figure, *, x_title: str | None, y_title: str | None, height: int) -> None:
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin=dict(l=8, r=8, t=36, b=8),
        font=_FONT,
        separators=".,",
        hovermode="x unified",
        # Under the plot (the figure's bottom edge), never at the top where Plotly's toolbar
        # appears: on a phone a legend above the plot ran under the toolbar's buttons.
        legend=dict(
            orientation="h",
            yref="container",
            y=0,
            yanchor="bottom",
            xanchor="left",
            x=0,
            title=None,
        ),
    )
    figure.update_xaxes(title_text=x_title, showgrid=False)
    figure.update_yaxes(title_text=y_title, tickformat=",d", rangemode="tozero")


HOVER_TIME_FORMATS = {
    "Hour": "%a %-d %b %Y, %H:%M",
    "Day": "%a %-d %b %Y",
    "Month": "%B %Y",
    "Minute": "%a %-d %b %Y, %H:%M",
}


def time_series(
    series: pd.DataFrame,
    *,
    value_label: str,
    time_label: str,
    chart: str = "line",
    height: int = 340,
    current_name: str = "This period",
    previous_name: str = "Previous period",
) -> go.Figure:
    """Values over time; with `previous_value` a dashed previous-period line on the same axis.

    `series` has `time`, `value` and optionally `previous_value`, `previous_time` (see
    tables.compare_series). `time_label` is the bucket in words ("Hour", "Day", "Month");
    `current_name` and `previous_name` are what the legend calls the periods ("1–30 Nov",
    `chart_export.legend_names`).
    """
    current_tag = f"<extra>{_template_safe(current_name)}</extra>"
    previous_tag = f"<extra>{_template_safe(previous_name)}</extra>"
    figure = go.Figure()
    times = wall_times(series["time"])
    hover_format = HOVER_TIME_FORMATS.get(time_label, "%Y-%m-%d %H:%M")
    if "previous_value" in series:
        previous_times = wall_times(series["previous_time"])
        figure.add_trace(
            go.Scatter(
                x=times,
                y=series["previous_value"].astype("Float64"),
                customdata=previous_times.dt.strftime(hover_format.replace("%-d", "%d")),
                name=hover_safe(previous_name),
                mode="lines",
                line=dict(color=PREVIOUS, dash="dash", width=2),
                hovertemplate="%{y:,} (%{customdata})" + previous_tag,
                connectgaps=False,
            )
        )
    current_values = series["value"].astype("Float64")
    if chart == "bar":
        figure.add_trace(
            go.Bar(
                x=times,
                y=current_values,
                name=hover_safe(current_name),
                marker_color=PRIMARY,
                hovertemplate="%{y:,}" + current_tag,
            )
        )
    else:
        figure.add_trace(
            go.Scatter(
                x=times,
                y=current_values,
                name=hover_safe(current_name),
                mode="lines+markers" if len(series) <= 40 else "lines",
                line=dict(color=PRIMARY, width=2.5),
                marker=dict(size=5),
                hovertemplate="%{y:,}" + current_tag,
            )
        )
    _style(figure, x_title=time_label, y_title=value_label, height=height)
    figure.update_xaxes(hoverformat=hover_format)
    figure.update_layout(showlegend="previous_value" in series, legend_traceorder="reversed")
    return figure


def share_donut(table: pd.DataFrame, *, value_label: str, height: int = 300) -> go.Figure:
    """Shares of a whole as a donut; `table` has `label` and `value`."""
    colors = [CONTENT_TYPE_COLORS.get(label) for label in table["label"]]
    figure = go.Figure(
        go.Pie(
            labels=table["label"],
            values=table["value"],
            hole=0.55,
            sort=False,
            marker=dict(colors=colors if all(colors) else PALETTE[: len(table)]),
            texttemplate="%{label}<br>%{percent:.1%}",
            insidetextorientation="horizontal",
            hovertemplate=f"%{{label}}: %{{value:,}} {value_label.lower()}"
            "<br>%{percent:.1%}<extra></extra>",
        )
    )
    _style(figure, x_title=None, y_title=None, height=height)
    figure.update_layout(showlegend=False, hovermode="closest")
    return figure


def category_bars(
    table: pd.DataFrame, *, value_label: str, category_label: str, height: int | None = None
) -> go.Figure:
    """Horizontal bars, largest on top; `table` has `label` and `value`."""
    ordered = table.sort_values("value", ascending=True)
    figure = go.Figure(
        go.Bar(
            x=ordered["value"],
            y=ordered["label"],
            orientation="h",
            marker_color=PRIMARY,
            text=[f"{value:,}" for value in ordered["value"]],
            textposition="auto",
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    _style(
        figure,
        x_title=value_label,
        y_title=category_label,
        height=height or max(220, 48 * len(ordered) + 90),
    )
    figure.update_xaxes(tickformat=",d", rangemode="tozero")
    figure.update_yaxes(tickformat=None, rangemode="normal")
    figure.update_layout(hovermode="closest")
    return figure


def choropleth(table: pd.DataFrame, *, value_label: str, height: int = 420) -> go.Figure:
    """A world map shaded by value; `table` has `iso_alpha3`, `label` and `value`.

    Audiences are skewed (one country often has more views than the rest together), so the
    shade follows log10 of the value: a linear scale paints one country dark and the rest
    white. The colour bar is a thin strip under the map, labelled in real numbers.
    """
    located = table.dropna(subset=["iso_alpha3"])
    values = located["value"].astype("float64")
    shade = np.log10(values.clip(lower=1))
    ticks = log_ticks(float(values.max()) if len(values) else 1.0)
    figure = go.Figure(
        go.Choropleth(
            locations=located["iso_alpha3"],
            locationmode="ISO-3",
            z=shade,
            zmin=0,
            zmax=max(float(shade.max()) if len(shade) else 0.0, 1.0),
            customdata=values,
            text=located["label"].map(hover_safe),
            colorscale="Blues",
            marker_line_color="white",
            marker_line_width=0.5,
            colorbar=dict(
                title=dict(text=f"{value_label} (log scale)", side="top"),
                orientation="h",
                thickness=10,
                len=0.5,
                x=0.5,
                xanchor="center",
                y=-0.02,
                yanchor="top",
                tickvals=[np.log10(tick) for tick in ticks],
                ticktext=[f"{tick:,}" for tick in ticks],
            ),
            hovertemplate="%{text}: %{customdata:,}<extra></extra>",
        )
    )
    _style(figure, x_title=None, y_title=None, height=height)
    figure.update_layout(
        hovermode="closest",
        margin=dict(l=0, r=0, t=8, b=48),
        geo=dict(
            showframe=False,
            showcoastlines=False,
            projection_type="natural earth",
            showcountries=True,
            countrycolor="#E0E0E0",
            landcolor="#F4F4F4",
            showland=True,
        ),
    )
    return figure


def log_ticks(largest: float) -> list[int]:
    """1, 10, 100, ... up to the largest value (at least 1 and 10)."""
    ticks = [1]
    while ticks[-1] < largest or len(ticks) < 2:
        ticks.append(ticks[-1] * 10)
    return ticks


def peak_lines(
    series: pd.DataFrame,
    peak: Peak | None,
    *,
    time_label: str,
    shown: tuple[datetime, datetime] | None = None,
    height: int = 400,
) -> go.Figure:
    """One line per content (`time`, `value`, `content`), the overall peak marked and labelled.

    `shown` fixes the time axis to the period (Plotly would widen it to fit the peak's label);
    the label then sits on whichever side of the peak has room.
    """
    figure = go.Figure()
    hover_format = HOVER_TIME_FORMATS.get(time_label, "%Y-%m-%d %H:%M")
    for index, (content, rows) in enumerate(series.groupby("content", sort=False)):
        figure.add_trace(
            go.Scatter(
                x=wall_times(rows["time"]),
                y=rows["value"],
                name=hover_safe(content),
                mode="lines",
                line=dict(color=PALETTE[index % len(PALETTE)], width=1.8),
                hovertemplate=f"%{{y:,}}<extra>{_template_safe(content)}</extra>",
            )
        )
    if peak is not None:
        when = _wall_time(peak.time)
        label_left = (
            shown is not None
            and when > _wall_time(shown[0]) + (_wall_time(shown[1]) - _wall_time(shown[0])) * 0.6
        )
        figure.add_trace(
            go.Scatter(
                x=[when],
                y=[peak.value],
                name="Overall peak",
                mode="markers",
                marker=dict(color="#DA1E28", size=12, symbol="star"),
                hovertemplate="Overall peak: %{y:,}<extra>"
                + _template_safe(peak.content)
                + "</extra>",
            )
        )
        figure.add_annotation(
            x=when,
            y=peak.value,
            text=f"Peak {peak.value:,} · {hover_safe(peak.content)}<br>{when:%a %d %b %Y, %H:%M}",
            showarrow=True,
            arrowhead=2,
            ax=-60 if label_left else 60,
            ay=-25,
            xanchor="right" if label_left else "left",
            bgcolor="rgba(255,255,255,0.85)",
            bordercolor="#DA1E28",
        )
    _style(figure, x_title=time_label, y_title="Concurrent viewers", height=height)
    figure.update_xaxes(hoverformat=hover_format)
    if shown is not None:
        figure.update_xaxes(range=[_wall_time(shown[0]), _wall_time(shown[1])])
    figure.update_yaxes(range=[0, (peak.value * 1.3) if peak else None])
    figure.update_layout(hovermode="closest")
    return figure


def _template_safe(text: object) -> str:
    """Text inside a Plotly hovertemplate: tags shown as text, no %{...} placeholders."""
    return hover_safe(text).replace("%{", "%​{")


def _wall_time(moment: datetime | pd.Timestamp) -> pd.Timestamp:
    when = pd.Timestamp(moment)
    return when.tz_localize(None) if when.tzinfo else when


def viewer_timeline(frame: pd.DataFrame, *, height: int | None = None) -> go.Figure:
    """Segments as bars on a time axis, a row and colour per content (tables.timeline_frame).

    Segments last minutes in a range of days, so each bar is drawn at least 1/250 of the
    shown span wide; the hover tells the real start and finish.
    """
    start = wall_times(frame["started_at"])
    end = wall_times(frame["drawn_until"])
    span = max(end.max() - start.min(), pd.Timedelta(minutes=10))
    drawn = frame.assign(
        content=frame["content"].map(hover_safe),
        start=start,
        end=end.where(end - start >= span / 250, start + span / 250),
        started=frame["started_at"].dt.strftime("%a %d %b %Y, %H:%M:%S"),
        finished=frame["finished_at"].dt.strftime("%a %d %b %Y, %H:%M:%S").fillna("still running"),
    )
    figure = px.timeline(
        drawn,
        x_start="start",
        x_end="end",
        y="content",
        color="content",
        color_discrete_sequence=PALETTE,
        hover_name="content",
        hover_data={
            "started": True,
            "finished": True,
            "country": True,
            "device": True,
            "start": False,
            "end": False,
            "content": False,
        },
    )
    rows = max(1, drawn["content"].nunique())
    _style(figure, x_title="Time", y_title="Content", height=height or 140 + 36 * rows)
    margin = span * 0.02
    figure.update_xaxes(range=[start.min() - margin, end.max() + margin])
    # The first content watched on top, the order of the segments table.
    figure.update_yaxes(
        tickformat=None,
        rangemode="normal",
        categoryorder="array",
        categoryarray=list(dict.fromkeys(drawn["content"])),
        autorange="reversed",
    )
    figure.update_layout(hovermode="closest", showlegend=False)
    return figure


def retention_curve(
    curve: pd.DataFrame,
    drop: tuple[int, int, float, float] | None,
    *,
    length_seconds: float,
    height: int = 360,
) -> go.Figure:
    """Share of views still watching at each 1 % of a video (`percent`, `position`, `share`,
    `views`; see retention.py), the biggest drop (start %, end %, share before, after) shaded
    and labelled. The x axis reads both ways: "40 %" over "2:13" into the video."""
    from analytics.dashboard.retention import position_label  # pure pandas, like this module

    positions = [position_label(seconds) for seconds in curve["position"]]
    figure = go.Figure(
        go.Scatter(
            x=curve["percent"],
            y=curve["share"],
            customdata=list(zip(positions, curve["views"], strict=True)),
            mode="lines",
            line=dict(color=PRIMARY, width=2.5),
            fill="tozeroy",
            fillcolor="rgba(15,98,254,0.08)",
            name="Still watching",
            hovertemplate="%{x} % (%{customdata[0]}): %{y:.1%} still watching"
            " (%{customdata[1]:,} views)<extra></extra>",
        )
    )
    ticks = list(range(0, 101, 10))
    figure.update_xaxes(
        tickvals=ticks,
        ticktext=[f"{tick} %<br>{position_label(length_seconds * tick / 100)}" for tick in ticks],
        range=[0, 100],
    )
    if drop is not None:
        start, end, before, after = drop
        figure.add_vrect(x0=start, x1=end, fillcolor="#DA1E28", opacity=0.12, line_width=0)
        figure.add_annotation(
            x=end,
            y=after,
            text=(
                f"Biggest drop: {before:.0%} → {after:.0%}<br>{start}–{end} % "
                f"({position_label(length_seconds * start / 100)}–"
                f"{position_label(length_seconds * end / 100)})"
            ),
            showarrow=True,
            arrowhead=2,
            ax=-70 if end > 60 else 70,
            ay=-40,
            xanchor="right" if end > 60 else "left",
            bgcolor="rgba(255,255,255,0.85)",
            bordercolor="#DA1E28",
        )
    _style(
        figure,
        x_title="Position in the video (% and m:ss)",
        y_title="Still watching",
        height=height,
    )
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05], rangemode="normal")
    figure.update_layout(hovermode="closest", showlegend=False)
    return figure


def live_minutes(
    series: pd.Series,
    peak: tuple[int, datetime] | None,
    previous: tuple[datetime, pd.Series] | None,
    *,
    tz: str,
    height: int = 340,
) -> go.Figure:
    """One channel's concurrent viewers per minute (`series`: UTC minute -> value) in `tz`'s
    wall-clock time; today's peak as a dotted level (and a star when in view); `previous`
    (its start, its minutes shifted onto these) dashed."""
    figure = go.Figure()
    if previous is not None:
        started, minutes = previous
        figure.add_trace(
            go.Scatter(
                x=minutes.index.tz_convert(tz).tz_localize(None),
                y=minutes.to_numpy(),
                name=f"Previous broadcast ({pd.Timestamp(started).tz_convert(tz):%a %d %b})",
                mode="lines",
                line=dict(color=PREVIOUS, dash="dash", width=2),
                hovertemplate="%{y:,}<extra>Previous broadcast</extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=series.index.tz_convert(tz).tz_localize(None),
            y=series.to_numpy(),
            name="Now",
            mode="lines",
            line=dict(color=PRIMARY, width=2),
            hovertemplate="%{y:,}<extra>Concurrent viewers</extra>",
        )
    )
    if peak is not None:
        value, minute = peak
        local = pd.Timestamp(minute).tz_convert(tz).tz_localize(None)
        figure.add_hline(
            y=value,
            line=dict(color="#DA1E28", dash="dot", width=1),
            annotation_text=f"Today's peak {value:,} at {local:%H:%M}",
            annotation_position="top left",
        )
        if len(series) and series.index[0] <= pd.Timestamp(minute) <= series.index[-1]:
            figure.add_trace(
                go.Scatter(
                    x=[local],
                    y=[value],
                    name="Today's peak",
                    mode="markers",
                    marker=dict(color="#DA1E28", size=12, symbol="star"),
                    hovertemplate="Today's peak: %{y:,}<extra></extra>",
                )
            )
    _style(figure, x_title="Minute", y_title="Concurrent viewers", height=height)
    figure.update_xaxes(hoverformat="%H:%M")
    figure.update_yaxes(range=[0, max([1, *([peak[0]] if peak else []), *series.tolist()]) * 1.2])
    return figure
