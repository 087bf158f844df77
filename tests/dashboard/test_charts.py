"""Figures: the right traces, the previous period dashed, words on the axes, Plotly's codes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.dashboard import charts, tables
from analytics.dashboard.tables import Peak

BERLIN = ZoneInfo("Europe/Berlin")


def series(with_previous: bool = True) -> pd.DataFrame:
    times = pd.Series([datetime(2026, 11, day, tzinfo=BERLIN) for day in (1, 2, 3)]).astype(
        "datetime64[us, Europe/Berlin]"
    )
    frame = pd.DataFrame({"time": times, "value": pd.array([10, 1200, 5], dtype="Int64")})
    if with_previous:
        frame["previous_value"] = pd.array([8, 9, None], dtype="Int64")
        frame["previous_time"] = times - pd.Timedelta(days=3)
    return frame


def test_time_series_draws_the_previous_period_dashed_on_the_same_axis():
    figure = charts.time_series(series(), value_label="Total views", time_label="Day")
    previous, current = figure.data
    assert previous.name == "Previous period"
    assert previous.line.dash == "dash"
    assert current.name == "This period"
    assert list(previous.x) == list(current.x)
    # Wall-clock times of the chosen zone (Plotly would otherwise shift them to UTC).
    assert pd.Timestamp(current.x[0]) == pd.Timestamp("2026-11-01 00:00")
    assert figure.layout.xaxis.title.text == "Day"
    assert figure.layout.yaxis.title.text == "Total views"
    assert figure.layout.yaxis.tickformat == ",d"
    assert ":," in current.hovertemplate  # thousands separators


def test_time_series_without_comparison_has_one_trace_and_no_legend():
    figure = charts.time_series(
        series(False), value_label="Unique devices", time_label="Hour", chart="bar"
    )
    assert [trace.type for trace in figure.data] == ["bar"]
    assert figure.layout.showlegend is False


def test_choropleth_uses_alpha_3_codes_and_leaves_unknown_countries_out():
    table = tables.with_countries(pd.DataFrame({"point": ["DE", "ZZ"], "value": [3, 1]}))
    figure = charts.choropleth(table, value_label="Total views")
    (trace,) = figure.data
    assert list(trace.locations) == ["DEU"]
    assert trace.locationmode == "ISO-3"
    assert list(trace.customdata) == [3]  # hover and colour bar speak in real numbers
    assert list(trace.z) == pytest.approx([math.log10(3)])  # the shade is log-scaled


def test_the_map_shade_is_logarithmic_with_ticks_in_real_numbers():
    table = tables.with_countries(
        pd.DataFrame({"point": ["US", "DE", "HU"], "value": [25_000, 250, 3]})
    )
    (trace,) = charts.choropleth(table, value_label="Total views").data
    assert list(trace.z) == pytest.approx([math.log10(25_000), math.log10(250), math.log10(3)])
    assert list(trace.colorbar.ticktext) == ["1", "10", "100", "1,000", "10,000", "100,000"]
    assert trace.colorbar.orientation == "h"
    assert charts.log_ticks(1) == [1, 10]


def test_peak_lines_mark_the_overall_peak_with_its_value():
    times = pd.Series([datetime(2026, 11, 1, hour, tzinfo=BERLIN) for hour in (10, 11)]).astype(
        "datetime64[us, Europe/Berlin]"
    )
    lines = pd.DataFrame({"time": times, "value": [3, 1500], "content": ["Channel 7", "Channel 7"]})
    peak = Peak(1500, times[1], "live", 7)
    figure = charts.peak_lines(lines, peak, time_label="Hour")
    assert [trace.name for trace in figure.data] == ["Channel 7", "Overall peak"]
    assert list(figure.data[1].y) == [1500]
    assert "1,500" in figure.layout.annotations[0].text
    assert figure.layout.yaxis.title.text == "Concurrent viewers"


def test_viewer_timeline_has_one_row_per_content_and_visible_short_segments():
    start = pd.Timestamp("2026-11-01T10:00", tz="Europe/Berlin")
    segments = pd.DataFrame(
        {
            "content_type": ["live", "recorded"],
            "content_id": [1, 2],
            "started_at": [start, start + pd.Timedelta(days=5)],
            "finished_at": pd.Series([start + pd.Timedelta(seconds=20), pd.NaT]).astype(
                "datetime64[us, Europe/Berlin]"
            ),
            "country": ["HU", "AT"],
            "device": ["iPhone", "Mac"],
        }
    )
    frame = tables.timeline_frame(
        segments, until=(start + timedelta(days=5, hours=1)).to_pydatetime()
    )
    figure = charts.viewer_timeline(frame)
    assert {trace.name for trace in figure.data} == {"Channel 1", "Video 2"}
    bar = next(trace for trace in figure.data if trace.name == "Channel 1")
    assert bar.x[0] > 20 * 1000  # drawn wider than its 20 s so it can be seen (ms)
    assert figure.layout.xaxis.title.text == "Time"


def test_peak_lines_keep_the_axis_on_the_period_and_the_label_inside():
    times = pd.Series([datetime(2026, 11, 1, hour, tzinfo=BERLIN) for hour in (10, 22)]).astype(
        "datetime64[us, Europe/Berlin]"
    )
    lines = pd.DataFrame({"time": times, "value": [3, 1500], "content": ["Channel 7"] * 2})
    shown = (datetime(2026, 11, 1, tzinfo=BERLIN), datetime(2026, 11, 2, tzinfo=BERLIN))
    late = charts.peak_lines(lines, Peak(1500, times[1], "live", 7), time_label="Hour", shown=shown)
    assert [pd.Timestamp(x) for x in late.layout.xaxis.range] == [
        pd.Timestamp("2026-11-01 00:00"),
        pd.Timestamp("2026-11-02 00:00"),
    ]  # wall-clock times of the period, not widened for the label
    assert late.layout.annotations[0].xanchor == "right"  # a late peak is labelled on its left
    early = charts.peak_lines(lines, Peak(3, times[0], "live", 7), time_label="Hour", shown=shown)
    assert early.layout.annotations[0].xanchor == "left"
