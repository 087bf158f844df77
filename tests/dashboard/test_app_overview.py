"""AppTest: the shell (filters, URL, refresh, errors) and the overview page on demo data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.api import ContentType, Metric, MetricQuery, PeakQuery
from analytics.dashboard.periods import Comparison, Preset, resolve_period
from analytics.dashboard.tables import overall_peak

from .conftest import csv_rows, logged_queries, texts


def refresh_button(at, label: str = "Refresh data"):
    return next(button for button in at.sidebar.button if button.label == label)


def metric_values(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_overview_kpis_equal_the_api_numbers(dashboard_env, app, direct_client):
    at = app(params={"range": "last-7-days"}).run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Overview"]
    queries = {name: query for name, query, _ in logged_queries(at)}

    expected_period = resolve_period(Preset.LAST_7_DAYS, "Europe/Berlin")
    summary = queries["total-views"]
    assert summary.time_range.start == expected_period.start
    assert summary.time_range.end == expected_period.end
    assert summary.tz == "Europe/Berlin"

    shown = metric_values(at)
    for metric, label in [
        (Metric.TOTAL_VIEWS, "Total views"),
        (Metric.UNIQUE_DEVICES, "Unique devices"),
        (Metric.AUTHENTICATED_VIEWERS, "Authenticated viewers"),
    ]:
        query = queries[metric.value]
        assert isinstance(query, MetricQuery)
        value = int(direct_client.metric(query).frame["value"].sum())
        assert value > 0
        assert shown[label] == f"{value:,}"
    peak = overall_peak(direct_client.peak_viewers(queries["peak"]).frame)
    assert shown["Peak concurrent viewers"] == f"{peak.value:,}"
    assert isinstance(queries["peak"], PeakQuery)


def test_kpi_deltas_compare_with_the_previous_period(dashboard_env, app, direct_client):
    at = app(params={"range": "last-28-days"}).run()
    queries = {name: query for name, query, _ in logged_queries(at)}
    current = queries["total-views"]
    previous = queries["previous-total-views"]
    assert previous.time_range.end == current.time_range.start
    now_value = int(direct_client.metric(current).frame["value"].sum())
    before = int(direct_client.metric(previous).frame["value"].sum())
    total_views = next(metric for metric in at.metric if metric.label == "Total views")
    assert total_views.delta == f"{(now_value - before) / before:+.1%}"


def test_without_comparison_no_previous_period_is_asked_for(dashboard_env, app):
    at = app(params={"range": "last-7-days", "compare": "off"}).run()
    names = [name for name, _, _ in logged_queries(at)]
    assert names
    assert not any(name.startswith("previous-") for name in names)
    assert all(metric.delta in (None, "") for metric in at.metric)


def test_filters_turn_into_the_api_queries(dashboard_env, app):
    params = {"range": "yesterday", "tz": "Asia/Tokyo", "type": "live", "ids": "5,3"}
    at = app(params=params).run()
    assert not at.exception
    calls = logged_queries(at)
    assert calls
    period = resolve_period(Preset.YESTERDAY, "Asia/Tokyo")
    for name, query, _ in calls:
        assert query.tz == "Asia/Tokyo", name
        assert query.content_type is ContentType.LIVE, name
        assert query.content_ids == (3, 5), name
        if not name.startswith("previous-"):
            assert (query.time_range.start, query.time_range.end) == (period.start, period.end)
    # One content type: no live/recorded split is asked for, and the page says why.
    assert not any(name.startswith("split-") for name, _, _ in calls)
    assert any("Filtered to live content only" in text for text in texts(at.caption))
    # Hour buckets for a single day, minute peaks.
    by_name = {name: query for name, query, _ in calls}
    assert by_name["total-views-series"].dimension.value == "hour"
    assert by_name["peak"].granularity.value == "minute"


def test_query_parameters_round_trip_and_follow_the_widgets(dashboard_env, app):
    params = {
        "range": "custom",
        "from": "2026-01-05T06:00",
        "to": "2026-01-09T00:00",
        "tz": "America/New_York",
        "type": "recorded",
        "compare": "off",
    }
    at = app(params=params).run()
    assert not at.exception
    assert at.query_params == params
    assert at.sidebar.selectbox(key="filter_range").value is Preset.CUSTOM
    assert at.sidebar.selectbox(key="filter_tz").value == "America/New_York"
    assert at.sidebar.selectbox(key="filter_compare").value is Comparison.OFF

    at.sidebar.selectbox(key="filter_range").set_value(Preset.LAST_90_DAYS).run()
    at.sidebar.selectbox(key="filter_compare").set_value(Comparison.PREVIOUS).run()
    assert at.query_params == {
        "range": "last-90-days",
        "tz": "America/New_York",
        "type": "recorded",
    }
    calls = logged_queries(at)
    assert (
        calls[-1][1].time_range.start
        == resolve_period(Preset.LAST_90_DAYS, "America/New_York").previous().start
    )


def test_the_browser_timezone_is_the_default_and_written_to_the_url(dashboard_env, app):
    at = app(params={}, tz="Australia/Adelaide").run()
    assert at.query_params == {"range": "last-28-days", "tz": "Australia/Adelaide"}
    assert all(query.tz == "Australia/Adelaide" for _, query, _ in logged_queries(at))


def test_bad_url_parameters_are_ignored_with_a_note(dashboard_env, app):
    at = app(params={"range": "forever", "tz": "Mars/Base", "ids": "1"}).run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Overview"]
    notes = " ".join(texts(at.toast))
    assert "forever" in notes
    assert "Mars/Base" in notes
    assert "content type" in notes
    assert at.query_params == {"range": "last-28-days", "tz": "Europe/Berlin"}


def test_a_warm_rerun_asks_the_api_nothing_and_refresh_asks_again(dashboard_env, app):
    at = app(user="root", params={"range": "last-7-days"}).run()
    dashboard_env.reset_request_count()
    at.run()
    assert dashboard_env.request_count() == 0
    assert any("from cache" in text for text in texts(at.caption))
    refresh_button(at, "Refresh all data").click().run()
    assert dashboard_env.request_count() > 0
    assert any("fresh from the API" in text for text in texts(at.caption))


def test_overview_csv_downloads_hold_the_chart_data(dashboard_env, app, downloads, direct_client):
    at = app(params={"range": "last-7-days"}).run()
    period = resolve_period(Preset.LAST_7_DAYS, "Europe/Berlin")
    first, last = period.start.date(), period.last_day
    name = f"overview_total-views_{first:%Y-%m-%d}_{last:%Y-%m-%d}.csv"
    assert name in downloads
    rows = csv_rows(downloads[name])
    assert list(rows[0]) == [
        "Day",
        "Total views",
        "Day, previous period",
        "Total views, previous period",
    ]
    assert len(rows) == 7
    assert [row["Day"] for row in rows] == [
        f"{first + timedelta(days=day):%Y-%m-%d}" for day in range(7)
    ]  # dates, no time or offset
    assert rows[0]["Day, previous period"] == f"{period.previous().start:%Y-%m-%d}"
    queries = {name: query for name, query, _ in logged_queries(at)}
    total = int(direct_client.metric(queries["total-views"]).frame["value"].sum())
    assert sum(int(row["Total views"]) for row in rows) == total
    split = csv_rows(downloads[f"overview_live-vs-recorded_{first:%Y-%m-%d}_{last:%Y-%m-%d}.csv"])
    assert list(split[0]) == ["Content", "Total views", "Share (%)"]
    assert {row["Content"] for row in split} == {"Live", "Recorded"}
    assert sum(int(row["Total views"]) for row in split) == total
    assert sum(float(row["Share (%)"]) for row in split) == pytest.approx(100, abs=0.1)


def test_a_period_without_data_shows_empty_states(dashboard_env, app):
    params = {"range": "custom", "from": "2019-01-01T00:00", "to": "2019-01-08T00:00"}
    at = app(params=params).run()
    assert not at.exception
    assert not at.error
    infos = " ".join(texts(at.info))
    assert "No total views in this period" in infos
    assert "No views in this period" in infos
    assert metric_values(at)["Total views"] == "0"


def test_api_failure_is_shown_calmly_per_panel(point_app_at, start_demo, app):
    server = start_demo(segments=2_000)
    point_app_at(server)
    at = app(user="root", params={"range": "last-7-days"}).run()
    assert not at.error
    server.stop()
    refresh_button(at, "Refresh all data").click().run()  # nothing cached, the API is gone
    assert not at.exception
    errors = texts(at.error)
    assert len(errors) >= 4
    assert all("Cannot reach the Analytics API" in error for error in errors)
    assert "Traceback" not in " ".join(errors)


def test_an_id_the_api_rejects_shows_the_api_detail(dashboard_env, app):
    at = app(params={"range": "last-7-days", "type": "live", "ids": str(2**63)}).run()
    assert not at.exception
    errors = texts(at.error)
    assert len(errors) >= 4
    # The API's own detail, or the client's check before the request (both name the field).
    assert all("content_id" in error for error in errors)
