"""AppTest: the Content page ranks channels and videos by title, with the figures the API gives
for each, on IBM's current API and on v1.0.3, with and without the Channel API's titles."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from analytics.api import (
    AnalyticsClient,
    ApiError,
    Catalogue,
    Content,
    ContentType,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakSummaryQuery,
)
from analytics.dashboard.panels.content import (
    exact_minutes_fit,
    ranked_contents,
    unique_labels,
    with_averages_and_changes,
)
from analytics.dashboard.panels.one_content import activity_span
from analytics.dashboard.render_budget import MAX_REQUESTS_PER_RENDER
from analytics.dashboard.retention import biggest_drop, retention
from analytics.dashboard.service import QUERY_LOG
from analytics.dashboard.tables import format_duration
from tests.support.dashboard import direct_client as client_with_titles

from .conftest import csv_rows, logged_queries, texts

CONTENT = "app_pages/content.py"
TZ = "Europe/Berlin"


@pytest.fixture
def titled(monkeypatch, point_app_at):
    """point_app_at, with the app reading titles from the server's Channel API."""

    def configure(server):
        point_app_at(server)
        monkeypatch.setenv("IBM_VIDEO_CHANNEL_API_URL", server.channel_api_url)

    return configure


@pytest.fixture(scope="module")
def old_api(demo_settings_factory):
    from analytics.demo import start_demo_server

    server = start_demo_server(demo_settings_factory(api_version="1.0.3"))
    yield server
    server.stop()


def open_content(app, **params: str):
    at = app(params=params, tz=TZ)
    at.run()
    return at.switch_page(CONTENT).run()


def queries(at) -> dict:
    return {name: query for name, query, _ in logged_queries(at)}


def expected_per_content(client, query_log: dict) -> pd.DataFrame:
    """What the API itself says per content: watch time (seconds) and peak."""
    watched = client.viewer_seconds(query_log["watch-time"]).frame
    peaks = client.peak_viewers(query_log["peak"]).frame
    keys = ["content_type", "content_id"]
    watch = watched.groupby(keys)["value"].sum().rename("watch_time")
    peak = peaks.groupby(keys)["value"].max().rename("peak")
    return pd.concat([watch, peak], axis=1).fillna(0).astype("int64")


def test_the_ranking_lists_titles_and_the_apis_figures(demo_server, titled, app, downloads):
    titled(demo_server)
    at = open_content(app, range="last-28-days")
    assert not at.exception
    assert not at.error
    assert [title.value for title in at.title] == ["Content"]
    table = at.dataframe[0].value
    assert len(table) == 10  # the top 10 by default

    with client_with_titles(demo_server) as client:
        catalogue = client.catalogue()
        assert catalogue.available
        # Titles from the catalogue, never "Video 123"
        for kind, ident, title in zip(
            table["content_type"], table["content_id"], table["title"], strict=True
        ):
            assert title == catalogue.title(kind, int(ident))
        assert not any(t.startswith(("Channel ", "Video ")) for t in table["title"])

        # Ranked by watch time (the default), as the API's own sums say
        log = queries(at)
        expected = expected_per_content(client, log)
        ranked = expected.sort_values(["watch_time", "peak"], ascending=False)
        assert list(table["watch_time"]) == list(ranked["watch_time"].head(10))
        for _, row in table.iterrows():
            key = (row["content_type"], int(row["content_id"]))
            assert row["watch_time"] == expected.loc[key, "watch_time"]
            assert row["peak"] == expected.loc[key, "peak"]
        # ... views and unique devices of the rows on screen, now and before
        current, previous = log["watch-time"].time_range, log["previous-watch-time"].time_range
        for _, row in table.head(3).iterrows():
            for column, metric, period in (
                ("views", Metric.TOTAL_VIEWS, current),
                ("devices", Metric.UNIQUE_DEVICES, current),
                ("previous_views", Metric.TOTAL_VIEWS, previous),
            ):
                answer = client.metric(
                    MetricQuery(
                        metric,
                        period,
                        content_type=row["content_type"],
                        content_ids=(int(row["content_id"]),),
                        tz=TZ,
                    )
                )
                assert row[column] == answer.frame["value"].sum(), column
            assert row["average_view"] == round(row["watch_time"] / row["views"])
        assert {"views_change", "devices_change", "peak_change"} <= set(table)

    # With the comparison, the exact minutes do not fit the budget: the peak's hour is shown
    assert not any(q for name, q in log.items() if name.startswith("peak-minute-"))
    requests = [name for name in log if name.rsplit("-", 2)[0] in ROW_CALL_NAMES]
    assert len(requests) == 40  # 10 rows x views, devices x current, previous

    # The chart of the top 10, by title
    (figure,) = at.get("plotly_chart")
    (bars,) = json.loads(figure.proto.spec)["data"]
    assert bars["y"][::-1] == list(table["title"])  # largest on top

    # The CSV: title, content_id, content_type beside the figures
    (name,) = [n for n in downloads if n.startswith("content_top-10-by-watch-time")]
    rows = csv_rows(downloads[name])
    assert list(rows[0])[:4] == ["rank", "title", "content_id", "content_type"]
    for header in (
        "Total views",
        "Unique devices",
        "Watch time (seconds)",
        "Average view duration (seconds)",
        "Peak concurrent viewers",
        "Peak concurrent viewers, previous period",
        "Total views change (%)",
    ):
        assert header in rows[0]
    assert [row["title"] for row in rows] == list(table["title"])
    assert [int(row["Watch time (seconds)"]) for row in rows] == list(table["watch_time"])
    assert {row["content_type"] for row in rows} <= {"live", "recorded"}


ROW_CALL_NAMES = {"views", "devices", "previous-views", "previous-devices"}


def test_ranking_by_peak_mirrored_in_the_url_with_exact_minutes(
    demo_server, titled, app, downloads
):
    titled(demo_server)
    at = open_content(app, range="last-28-days", rank="peak", compare="off")
    assert not at.exception
    assert at.segmented_control(key="url_rank-2").value == "peak"
    assert at.query_params["rank"] == "peak"
    table = at.dataframe[0].value
    peaks = list(table["peak"])
    assert peaks == sorted(peaks, reverse=True)
    assert "views_change" not in table  # no comparison
    log = queries(at)
    with client_with_titles(demo_server) as client:
        expected = expected_per_content(client, log)
        assert peaks == sorted(expected["peak"], reverse=True)[:10]
        # Without the comparison the exact minutes fit: one peak summary per row
        minutes = {name: q for name, q in log.items() if name.startswith("peak-minute-")}
        assert len(minutes) == 10
        first = table.iloc[0]
        exact = client.peak_summary(
            PeakSummaryQuery(
                log["peak"].time_range, first["content_type"], int(first["content_id"]), tz=TZ
            )
        ).frame
        assert first["peak_time"] == exact["time"].iloc[0]
    (name,) = [n for n in downloads if n.startswith("content_top-10-by-peak")]
    assert "Peak minute" in csv_rows(downloads[name])[0]

    # Switching back to watch time clears the parameter
    at.segmented_control(key="url_rank-2").set_value("watch-time").run()
    assert "rank" not in at.query_params


def test_show_all_lists_every_content_with_series_figures_only(demo_server, titled, app):
    titled(demo_server)
    at = open_content(app, range="last-28-days", all="on")
    assert not at.exception
    table = at.dataframe[0].value
    log = queries(at)
    with client_with_titles(demo_server) as client:
        expected = expected_per_content(client, log)
    assert len(table) == len(expected) > 10
    assert "views" not in table  # no per-content calls for every row
    assert not [name for name in log if name.startswith(("views-", "devices-", "peak-minute"))]
    assert at.checkbox(key="url_all").value


def test_the_sidebars_content_type_narrows_the_ranking(demo_server, titled, app):
    titled(demo_server)
    at = open_content(app, range="last-28-days", type="recorded")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 10
    assert set(table["content_type"]) == {"recorded"}
    assert set(table["type"]) == {"Video"}
    assert queries(at)["watch-time"].content_type == ContentType.RECORDED


def test_on_v1_0_3_contents_are_ranked_by_peak_without_watch_time(old_api, titled, app, downloads):
    titled(old_api)
    at = open_content(app, range="last-7-days")
    assert not at.exception
    assert not at.error  # a calm note, not a failed panel
    assert any("does not report watch time" in text for text in texts(at.caption))
    table = at.dataframe[0].value
    assert not {"watch_time", "average_view"} & set(table)
    peaks = list(table["peak"])
    assert peaks == sorted(peaks, reverse=True)
    assert table["views"].notna().all()
    assert [c.value for c in at.get("segmented_control") if c.key.startswith("url_rank")] == [
        "peak"
    ]
    log = queries(at)
    assert not [name for name in log if name.startswith("peak-minute-")]  # 404 there
    (name,) = [n for n in downloads if n.startswith("content_top-10-by-peak")]
    assert "Watch time (seconds)" not in csv_rows(downloads[name])[0]


def test_without_titles_ids_and_one_note(start_demo, titled, app, downloads):
    server = start_demo(channel_api="refuse")
    titled(server)
    at = open_content(app, range="last-28-days")
    assert not at.exception
    assert not at.error
    notes = [text for text in texts(at.info) if "Titles are missing" in text]
    assert len(notes) == 1
    assert "refused" in notes[0]
    table = at.dataframe[0].value
    assert table["title"].isna().all()
    assert table["content_id"].str.isdigit().all()  # ids shown
    (name,) = [n for n in downloads if n.startswith("content_top-10")]
    rows = csv_rows(downloads[name])
    assert all(row["title"] == "" for row in rows)
    assert all(row["content_id"].isdigit() for row in rows)


def test_a_cold_render_stays_within_the_request_budget(start_demo, titled, app, monkeypatch):
    server = start_demo()
    titled(server)
    monkeypatch.setenv("ANALYTICS_CACHE_ENABLED", "false")  # no HTTP cache: every call asks
    at = app(params={"range": "last-28-days"}, tz=TZ)
    at.run()  # the overview, whose answers the content page would share
    st.cache_resource.clear()  # ... forgotten: the content page starts cold
    server.reset_request_count()
    at = at.switch_page(CONTENT).run()
    assert not at.exception
    # viewer-seconds x 2 periods, peaks in two 14-day parts x 2 periods, 10 rows x 4 summaries
    assert server.request_count() == 2 + 4 + 40 <= MAX_REQUESTS_PER_RENDER
    server.reset_request_count()
    at.run()  # a rerun: every answer is kept
    assert server.request_count() == 0


# --- one content ----------------------------------------------------------------------------------


def tiles(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_one_content_shows_its_figures_and_exact_peak_minute(demo_server, titled, app):
    titled(demo_server)
    at = open_content(app, range="last-28-days")
    first = at.dataframe[0].value.iloc[0]
    kind, ident = first["content_type"], int(first["content_id"])
    at.query_params["id"] = str(ident)
    at.session_state[QUERY_LOG] = []  # this run's calls only
    at.run()
    assert not at.exception
    assert not at.error
    assert texts(at.subheader)[0] == first["title"]
    assert "Around the peak, by minute" in texts(at.subheader)
    log = queries(at)
    # views, devices, watch time, peak, views over time, by country, by device x 2 periods;
    # the peak minute; a video's segments; then the minutes around the peak
    assert len(log) == 7 * 2 + 1 + (kind == "recorded") + 1
    shown = tiles(at)
    with client_with_titles(demo_server) as client:
        current = log["views"].time_range
        scope = {"content_type": kind, "content_ids": (ident,), "tz": TZ}
        views = client.metric(MetricQuery(Metric.TOTAL_VIEWS, current, **scope)).frame
        devices = client.metric(MetricQuery(Metric.UNIQUE_DEVICES, current, **scope)).frame
        peak = client.peak_summary(PeakSummaryQuery(current, kind, ident, tz=TZ)).frame
    assert shown["Total views"] == f"{int(views['value'].sum()):,}"
    assert shown["Unique devices"] == f"{int(devices['value'].sum()):,}"
    assert shown["Peak concurrent viewers"] == f"{int(peak['value'][0]):,}"
    assert shown["Peak reached"] == f"{peak['time'][0]:%d %b, %H:%M}"
    assert f"{peak['time'][0]:%a %d %b %Y, %H:%M}, {TZ}" in texts(at.caption)
    assert shown["Watch time"] == format_duration(timedelta(seconds=int(first["watch_time"])))
    assert shown["Average view duration"] == format_duration(
        timedelta(seconds=round(first["watch_time"] / first["views"]))
    )
    assert {metric.label for metric in at.metric if metric.delta} >= {"Total views", "Watch time"}

    at.button[0].click().run()  # "All contents"
    assert "id" not in at.query_params
    assert at.dataframe


def test_one_content_on_v1_0_3_has_no_watch_time_and_the_peaks_hour(old_api, titled, app):
    titled(old_api)
    at = open_content(app, range="last-28-days")
    first = at.dataframe[0].value.iloc[0]
    at.query_params["id"] = str(first["content_id"])
    at.run()
    assert not at.exception
    assert not at.error  # 404s for viewer-seconds and the peak summary are not failures
    shown = tiles(at)
    assert shown["Watch time"] == "–"
    assert shown.get("Average view duration", "–") == "–"  # no tile; "–" on a live card
    assert shown["Peak concurrent viewers"] == f"{int(first['peak']):,}"
    assert shown["Peak reached"] == f"{first['peak_time']:%d %b, %H:00}"
    assert f"{first['peak_time']:%a %d %b %Y, %H:00} (hour), {TZ}" in texts(at.caption)


def test_an_unknown_id_gets_a_note_and_the_ranking(demo_server, titled, app):
    titled(demo_server)
    at = open_content(app, range="last-7-days", id="999")
    assert not at.exception
    assert any("cannot be shown" in text for text in texts(at.info))
    assert at.dataframe
    assert "id" not in at.query_params


def open_one(app, kind: str, **params: str):
    """The page of the top content of one type (the ranking narrowed by the sidebar's type)."""
    at = open_content(app, range="last-28-days", type=kind, **params)
    first = at.dataframe[0].value.iloc[0]
    at.query_params["id"] = str(first["content_id"])
    at.session_state[QUERY_LOG] = []  # this run's calls only
    at.run()
    return at, int(first["content_id"])


def figure_titled(at, x_title: str) -> dict:
    """The spec of the one chart whose x axis has this title."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    (spec,) = [
        s for s in specs if s["layout"].get("xaxis", {}).get("title", {}).get("text") == x_title
    ]
    return spec


def plotted(values) -> list:
    """A trace's values from a chart's JSON: a list, or Plotly's typed array (base64 bytes)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def test_a_video_shows_its_retention_curve_from_its_segments(demo_server, titled, app, downloads):
    titled(demo_server)
    at, ident = open_one(app, "recorded")
    assert not at.exception
    assert not at.error
    assert "Audience retention" in texts(at.subheader)
    assert not [m for m in at.metric if m.label == "Started"]  # no live card for a video
    log = queries(at)
    with client_with_titles(demo_server) as client:
        length = client.catalogue().get("recorded", ident).length_seconds
        stream = client.iter_views(log["segments"].query)
        segments = next(stream)
        total = stream.total_count
        stream.close()
    expected = retention(segments, length)
    assert expected.views > 0
    spec = figure_titled(at, "Position in the video (% and m:ss)")
    (line,) = spec["data"]
    assert plotted(line["y"]) == pytest.approx(list(expected.curve["share"]))
    drop = biggest_drop(expected.curve)
    assert drop is not None
    (note,) = spec["layout"]["annotations"]
    assert note["text"].startswith(f"Biggest drop: {drop.share_before:.0%} → ")
    assert f"{drop.start}–{drop.end} %" in note["text"]
    caption = next(text for text in texts(at.caption) if text.startswith("Based on"))
    assert caption.startswith(f"Based on {expected.views:,} views ({len(segments):,} segments")
    assert ("a sample" in caption) == (total > len(segments))
    (name,) = [n for n in downloads if n.startswith(f"content_{ident}-retention")]
    rows = csv_rows(downloads[name])
    assert len(rows) == 101
    assert float(rows[0]["Still watching (%)"]) == round(expected.curve["share"][0] * 100, 1)
    # Over time and the audience: views and watch time against the previous period, countries
    # and devices
    labels = {text.strip("*") for text in texts(at.markdown)}
    assert {"Total views", "Watch time (minutes)", "Views by country", "Views by device"} <= labels
    assert len(at.dataframe) == 2


def test_a_live_channel_shows_its_event_card_with_the_peak_minute(demo_server, titled, app):
    titled(demo_server)
    at, ident = open_one(app, "live")
    assert not at.exception
    assert not at.error
    assert "Audience retention" not in texts(at.subheader)
    shown = tiles(at)
    log = queries(at)
    with client_with_titles(demo_server) as client:
        peak = client.peak_summary(
            PeakSummaryQuery(log["views"].time_range, "live", ident, tz=TZ)
        ).frame
        hours = client.peak_viewers(log["peak"]).frame
        views = client.metric(log["views"]).frame
        minutes = client.peak_viewers(log["peak-minutes"]).frame
    minute, value = peak["time"][0], int(peak["value"][0])
    assert shown["Peak minute"] == f"{minute:%d %b, %H:%M}"
    assert f"{value:,} concurrent viewers" in texts(at.caption)
    watched = hours[hours["value"] > 0]["time"]
    assert shown["Started"] == f"{watched.min():%d %b, %H:00}"
    assert shown["Ended"] == f"{watched.max() + pd.Timedelta(hours=1):%d %b, %H:00}"
    assert shown["Views"] == f"{int(views['value'].sum()):,}"
    # The minutes around the exact peak minute, an hour either side, the peak marked there
    window = log["peak-minutes"].time_range
    assert window.start == minute - timedelta(hours=1)
    assert window.end == minute + timedelta(minutes=61)
    assert int(minutes["value"].max()) == value
    spec = figure_titled(at, "Minute")
    (star,) = [trace for trace in spec["data"] if trace["name"] == "Overall peak"]
    assert plotted(star["y"]) == [value]


def test_a_failing_call_shows_its_error_in_its_panel_only(demo_server, titled, app, monkeypatch):
    titled(demo_server)

    def refuse(self, query, on_progress=None):
        raise ApiError(503, "Service Unavailable", "the views are resting")

    monkeypatch.setattr(AnalyticsClient, "iter_views", refuse)
    at, _ = open_one(app, "recorded")
    assert not at.exception
    (error,) = texts(at.error)
    assert "Could not load the views' segments" in error
    assert "the views are resting" in error
    assert "Traceback" not in error
    assert "Audience retention" in texts(at.subheader)
    # Everything else is there
    assert len(at.dataframe) == 2
    assert tiles(at)["Total views"] != "–"
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert len(specs) == 5  # views, watch time, minutes around the peak, countries, devices


def test_one_content_stays_within_the_request_budget(start_demo, titled, app, monkeypatch):
    server = start_demo()
    titled(server)
    monkeypatch.setenv("ANALYTICS_CACHE_ENABLED", "false")  # no HTTP cache: every call asks
    at = open_content(app, range="last-28-days", type="recorded")
    first = at.dataframe[0].value.iloc[0]
    st.cache_resource.clear()  # the ranking's answers forgotten: the content's page is cold
    server.reset_request_count()
    at.query_params["id"] = str(first["content_id"])
    at.run()
    assert not at.exception
    # 7 calls x 2 periods, the peak summary, the segments' first page; the minutes around the
    # peak: one request each (one content's series fit one page)
    assert server.request_count() == 7 * 2 + 1 + 1 + 1 <= MAX_REQUESTS_PER_RENDER
    server.reset_request_count()
    at.run()  # a rerun: every answer is kept
    assert server.request_count() == 0

    # 127 years: month buckets, the exact minute from the peak summary, the same calls
    tomorrow = f"{date.today() + timedelta(days=1):%Y-%m-%d}"  # the demo's data is recent
    long_range = {"range": "custom", "from": "1900-01-01", "to": tomorrow}
    at = app(params={**long_range, "id": str(first["content_id"])}, tz=TZ)
    at.run()  # the overview first (the app's start page)
    server.reset_request_count()
    at = at.switch_page(CONTENT).run()
    assert not at.exception
    assert not at.error
    assert "Over time, by month" in texts(at.subheader)
    assert server.request_count() == 7 * 2 + 1 + 1 + 1


# --- shaping, on hand-built frames --------------------------------------------------------------


def _frame(rows: list[tuple[str, int, str, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["content_type", "content_id", "time", "value"])
    frame["time"] = pd.to_datetime(frame["time"]).dt.tz_localize(TZ)
    return frame.astype({"content_id": "Int64", "value": "Int64"})


def test_ranked_contents_sums_watch_time_and_takes_the_highest_peak():
    watched = _frame(
        [
            ("live", 1, "2026-11-01", 100),
            ("live", 1, "2026-12-01", 50),  # 150 in all
            ("recorded", 2, "2026-11-01", 300),
            ("recorded", 3, "2026-11-01", 150),  # ties with 1: the peak decides
        ]
    )
    peaks = _frame(
        [
            ("live", 1, "2026-11-02 19:00", 4),
            ("live", 1, "2026-11-03 20:00", 9),
            ("recorded", 2, "2026-11-02 10:00", 2),
            ("recorded", 3, "2026-11-05 10:00", 5),
        ]
    )
    by_watch = ranked_contents(watched, peaks, "watch-time")
    assert list(by_watch["content_id"]) == [2, 1, 3]
    assert list(by_watch["watch_time"]) == [300, 150, 150]
    assert list(by_watch["rank"]) == [1, 2, 3]
    assert by_watch.loc[1, "peak_time"] == pd.Timestamp("2026-11-03 20:00", tz=TZ)
    by_peak = ranked_contents(watched, peaks, "peak")
    assert list(by_peak["content_id"]) == [1, 3, 2]
    assert list(ranked_contents(None, peaks, "peak")["peak"]) == [9, 5, 2]


def test_average_view_duration_and_changes():
    rows = pd.DataFrame(
        {
            "watch_time": [600, 90, 0],
            "views": pd.array([4, 0, 3], dtype="Int64"),
            "previous_watch_time": [300, 0, 0],
            "previous_views": pd.array([3, 0, 0], dtype="Int64"),
        }
    )
    shaped = with_averages_and_changes(rows, compared=True)
    assert list(shaped["average_view"][[0, 2]]) == [150, 0]  # 600 s / 4 views
    assert pd.isna(shaped["average_view"][1])  # no views: no average
    assert shaped["previous_average_view"][0] == 100
    assert shaped["watch_time_change"][0] == pytest.approx(1.0)  # 300 -> 600: +100 %
    assert shaped["average_view_change"][0] == pytest.approx(0.5)  # 100 -> 150: +50 %
    assert pd.isna(shaped["views_change"][2])  # nothing before: no change


def test_the_exact_minute_fits_the_budget_only_without_the_comparison():
    assert exact_minutes_fit(10, periods=1, series_requests=3)  # 3 + 10 x 3 = 33
    assert not exact_minutes_fit(10, periods=2, series_requests=6)  # 6 + 10 x 5 = 56


def test_chart_labels_stay_apart_when_titles_repeat():
    catalogue = Catalogue(
        videos=(
            Content(ContentType.RECORDED, 5, "Town Hall"),
            Content(ContentType.RECORDED, 6, "Town Hall"),
        )
    )
    rows = pd.DataFrame({"content_type": ["recorded"] * 3, "content_id": [5, 6, 7]})
    titles = pd.Series(["Town Hall", "Town Hall", pd.NA], dtype="string")
    assert unique_labels(titles, rows, catalogue) == [
        "Town Hall (5)",
        "Town Hall (6)",
        "Video 7",
    ]


def test_a_live_events_span_runs_from_the_first_to_the_end_of_the_last_bucket_with_viewers():
    peaks = _frame(
        [
            ("live", 1, "2026-11-02 18:00", 0),  # nobody: not the start
            ("live", 1, "2026-11-02 19:00", 4),
            ("live", 1, "2026-11-03 20:00", 9),
            ("live", 1, "2026-11-03 21:00", pd.NA),  # no value: left out
        ]
    )
    start, end = activity_span(peaks, PeakGranularity.HOUR)
    assert start == pd.Timestamp("2026-11-02 19:00", tz=TZ)
    assert end == pd.Timestamp("2026-11-03 21:00", tz=TZ)  # the 20:00 hour's end
    assert activity_span(peaks, PeakGranularity.DAY)[1] == pd.Timestamp("2026-11-04 20:00", tz=TZ)
    assert activity_span(peaks.iloc[:1], PeakGranularity.HOUR) is None
