"""AppTest: calendar presets and comparisons in the sidebar, the URL and the KPI tiles."""

from __future__ import annotations

from datetime import date, timedelta

from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from analytics.dashboard.periods import Comparison, Preset, format_change, resolve_period

from .conftest import logged_queries, texts


def tile(at: AppTest, label: str):
    return next(metric for metric in at.metric if metric.label == label)


def test_last_week_shows_the_previous_value_beside_a_signed_change(
    dashboard_env, app, direct_client
):
    at = app(params={"range": "last-week"}).run()
    assert not at.exception
    queries = {name: query for name, query, _ in logged_queries(at)}
    current, previous = queries["total-views"], queries["previous-total-views"]
    # Monday to Sunday, against the week before.
    assert current.time_range.start.weekday() == 0
    assert previous.time_range.end == current.time_range.start
    now_value = int(direct_client.metric(current).frame["value"].sum())
    before = int(direct_client.metric(previous).frame["value"].sum())
    assert before > 0
    total_views = tile(at, "Total views")
    assert total_views.value == f"{now_value:,}"
    assert total_views.delta == f"{(now_value - before) / before:+.1%}"
    assert total_views.delta[0] in "+-"  # always signed
    # Green up, red down (st.metric's "normal" colours), and the previous value beside it.
    up = now_value >= before
    assert total_views.proto.color == (Metric.MetricColor.GREEN if up else Metric.MetricColor.RED)
    description = total_views.proto.delta_description
    assert description.startswith("vs ")
    assert description.endswith(f"({before:,})")


def test_last_week_against_last_year_asks_for_the_same_weekdays_a_year_before(
    dashboard_env, app, direct_client
):
    at = app(params={"range": "last-week", "compare": "year"}).run()
    assert not at.exception
    assert at.query_params == {"range": "last-week", "tz": "Europe/Berlin", "compare": "year"}
    queries = {name: query for name, query, _ in logged_queries(at)}
    current, previous = queries["total-views"], queries["previous-total-views"]
    start, before_start = current.time_range.start, previous.time_range.start
    assert start.replace(tzinfo=None) - before_start.replace(tzinfo=None) == timedelta(weeks=52)
    assert before_start.weekday() == 0
    now_value = int(direct_client.metric(current).frame["value"].sum())
    before = int(direct_client.metric(previous).frame["value"].sum())
    total_views = tile(at, "Total views")
    assert total_views.delta == format_change(now_value, before)
    assert total_views.proto.delta_description.endswith(f"({before:,})")
    # The sidebar says which dates the comparison uses.
    captions = " ".join(texts(at.sidebar.caption))
    assert f"Compared with {before_start.day} {before_start:%b %Y}" in captions


def test_calendar_presets_round_trip_through_the_url(dashboard_env, app):
    at = app(params={"range": "last-quarter", "compare": "previous"}).run()
    assert not at.exception
    assert at.sidebar.selectbox(key="filter_range").value is Preset.LAST_QUARTER
    assert at.sidebar.selectbox(key="filter_compare").value is Comparison.PREVIOUS
    # "previous" is the default, so the URL leaves it out.
    assert at.query_params == {"range": "last-quarter", "tz": "Europe/Berlin"}
    at.sidebar.selectbox(key="filter_range").set_value(Preset.THIS_YEAR).run()
    at.sidebar.selectbox(key="filter_compare").set_value(Comparison.YEAR).run()
    assert at.query_params == {"range": "this-year", "tz": "Europe/Berlin", "compare": "year"}
    queries = {name: query for name, query, _ in logged_queries(at)}
    year = resolve_period(Preset.THIS_YEAR, "Europe/Berlin", comparison=Comparison.YEAR)
    assert queries["total-views"].time_range.start == year.start
    assert queries["previous-total-views"].time_range.start == year.previous().start


def test_custom_dates_apply_together_and_the_end_date_is_included(dashboard_env, app):
    at = app(params={"range": "last-7-days"}).run()
    shown = resolve_period(Preset.LAST_7_DAYS, "Europe/Berlin")
    at.sidebar.selectbox(key="filter_range").set_value(Preset.CUSTOM).run()
    assert not at.exception
    # The custom range starts from the days shown before.
    start_box, end_box = (
        at.sidebar.date_input(key="filter_from"),
        at.sidebar.date_input(key="filter_to"),
    )
    assert (start_box.value, end_box.value) == (shown.start.date(), shown.last_day)
    assert end_box.label == "To (inclusive)"
    assert (at.query_params["from"], at.query_params["to"]) == (
        f"{shown.start:%Y-%m-%dT00:00}",
        f"{shown.end:%Y-%m-%dT00:00}",
    )

    # A date edited without Apply is not used (a browser does not even rerun for it).
    at.sidebar.date_input(key="filter_from").set_value(date(2026, 11, 2)).run()
    assert at.query_params["from"] == f"{shown.start:%Y-%m-%dT00:00}"
    starts = {query.time_range.start.date() for _, query, _ in logged_queries(at)}
    assert date(2026, 11, 2) not in starts
    # Both dates, then Apply: one change.
    at.sidebar.date_input(key="filter_from").set_value(date(2026, 11, 2))
    at.sidebar.date_input(key="filter_to").set_value(date(2026, 11, 8))
    next(b for b in at.sidebar.button if b.label == "Apply").click().run()
    assert not at.exception
    assert (at.query_params["from"], at.query_params["to"]) == (
        "2026-11-02T00:00",
        "2026-11-09T00:00",  # exclusive in the URL: the whole of 8 Nov is included
    )
    queries = {name: query for name, query, _ in logged_queries(at)}
    assert queries["total-views"].time_range.end.date() == date(2026, 11, 9)
    assert "2 Nov 2026 – 8 Nov 2026" in " ".join(texts(at.sidebar.caption))


def test_a_start_after_the_end_is_refused_and_the_range_kept(dashboard_env, app):
    params = {"range": "custom", "from": "2026-11-02", "to": "2026-11-08"}
    at = app(params=params).run()
    assert at.sidebar.date_input(key="filter_to").value == date(2026, 11, 8)
    at.sidebar.date_input(key="filter_from").set_value(date(2026, 11, 20))
    next(b for b in at.sidebar.button if b.label == "Apply").click().run()
    assert not at.exception
    assert any("must not be after" in text for text in texts(at.sidebar.error))
    assert at.query_params["from"] == "2026-11-02T00:00"


def test_the_week_start_setting_moves_this_week(dashboard_env, app, monkeypatch):
    monkeypatch.setenv("DASHBOARD_WEEK_START", "sunday")
    at = app(params={"range": "this-week"}).run()
    assert not at.exception
    queries = {name: query for name, query, _ in logged_queries(at)}
    assert queries["total-views"].time_range.start.weekday() == 6  # Sunday
    assert at.query_params == {"range": "this-week", "tz": "Europe/Berlin"}  # not in the link


def test_an_unusable_week_start_is_named_and_monday_used(dashboard_env, app, monkeypatch):
    monkeypatch.setenv("DASHBOARD_WEEK_START", "someday")
    at = app(params={"range": "last-week"}).run()
    assert not at.exception
    assert any("DASHBOARD_WEEK_START" in text for text in texts(at.sidebar.warning))
    queries = {name: query for name, query, _ in logged_queries(at)}
    assert queries["total-views"].time_range.start.weekday() == 0


def test_compare_with_is_offered_only_on_pages_that_compare_and_is_kept(dashboard_env, app):
    at = app(params={"range": "last-week", "compare": "year"}).run()
    assert not at.exception
    assert at.sidebar.selectbox(key="filter_compare").value is Comparison.YEAR

    at.switch_page("app_pages/views_export.py").run()  # compares nothing
    assert not at.exception
    assert "Compare with" not in [box.label for box in at.sidebar.selectbox]
    assert not [text for text in texts(at.sidebar.caption) if text.startswith("Compared with")]
    assert at.query_params["compare"] == "year"  # still in the link

    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="filter_compare").value is Comparison.YEAR
    assert tile(at, "Total views").proto.delta_description.startswith("vs same period last year")
