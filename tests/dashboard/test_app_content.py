"""AppTest: the Content page ranks channels and videos by title, with the figures the API gives
for each, on IBM's current API and on v1.0.3, with and without the Channel API's titles."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest
import streamlit as st

from analytics.api import Catalogue, Content, ContentType, Metric, MetricQuery, PeakSummaryQuery
from analytics.dashboard.panels.content import (
    exact_minutes_fit,
    ranked_contents,
    unique_labels,
    with_averages_and_changes,
)
from analytics.dashboard.render_budget import MAX_REQUESTS_PER_RENDER
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
    assert not at.dataframe  # one content: no ranking
    assert texts(at.subheader) == [first["title"]]
    log = queries(at)
    assert len(log) == 9  # views, devices, watch time, peak x 2 periods; the peak minute
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
    assert "Average view duration" not in shown
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
