"""The client against the demo API over loopback HTTP: every endpoint family, frames, cache."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.api import (
    ApiError,
    ContentType,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    TimeRange,
    ViewersQuery,
    ViewsQuery,
    frames,
)

LAST_30_DAYS = TimeRange.last(timedelta(days=30))
# A range that ended over 24 h ago (cached for a day) inside the demo's 120 days.
HISTORY = TimeRange(
    datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=40),
    datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=10),
)


def test_summary_metrics(demo_server, make_client):
    client = make_client(demo_server)
    for metric in Metric:
        result = client.metric(MetricQuery(metric, LAST_30_DAYS))
        assert list(result.frame.columns) == ["dimension_type", "point", "value"]
        assert result.frame["point"].tolist() == [metric.point_name]
        assert result.frame["value"].dtype == "Int64"  # nullable: a missing value is <NA>, never 0
        assert result.frame["value"].iloc[0] > 0
        assert result.total_count == 1
        assert not result.from_cache
        assert not result.stale


def test_day_buckets_sum_to_the_summary_and_are_in_the_query_zone(demo_server, make_client):
    client = make_client(demo_server)
    budapest = ZoneInfo("Europe/Budapest")
    today = datetime.now(budapest).replace(hour=0, minute=0, second=0, microsecond=0)
    time_range = TimeRange(today - timedelta(days=60), today)
    daily = client.metric(
        MetricQuery(Metric.TOTAL_VIEWS, time_range, Dimension.DAY, tz="Europe/Budapest")
    )
    total = client.metric(MetricQuery(Metric.TOTAL_VIEWS, time_range, tz="Europe/Budapest"))
    points = daily.frame["point"]
    assert str(points.dtype) == "datetime64[us, Europe/Budapest]"
    # The API buckets in the UTC offset of date_time_from (we send the zone's offset at that
    # instant): the first bucket starts at local midnight, and every bucket is 24 h long even
    # across the end of summer time (so later ones start at 23:00 local).
    assert points.iloc[0] == pd.Timestamp(time_range.start)
    assert (points.diff().dropna() == pd.Timedelta(days=1)).all()
    assert points.iloc[-1] < pd.Timestamp(time_range.end)
    assert daily.frame["value"].sum() == total.frame["value"].iloc[0]


def test_content_type_and_ids_filter(demo_server, make_client):
    client = make_client(demo_server)
    views = client.views(ViewsQuery(LAST_30_DAYS, content_type=ContentType.RECORDED)).frame
    assert set(views["content_type"]) == {"recorded"}
    some_ids = tuple(views["content_id"].value_counts().index[:2])
    filtered = client.views(ViewsQuery(LAST_30_DAYS, content_type="recorded", content_ids=some_ids))
    assert set(filtered.frame["content_id"]) == set(some_ids)
    assert len(filtered.frame) == views["content_id"].isin(some_ids).sum()
    counted = client.metric(
        MetricQuery(Metric.TOTAL_VIEWS, LAST_30_DAYS, content_type="recorded", content_ids=some_ids)
    )
    assert 0 < counted.frame["value"].iloc[0] <= len(filtered.frame)


def test_other_dimensions_give_labels(demo_server, make_client):
    client = make_client(demo_server)
    total = client.metric(MetricQuery(Metric.TOTAL_VIEWS, LAST_30_DAYS)).frame["value"].iloc[0]
    for dimension in (Dimension.LOCATION, Dimension.DEVICE, Dimension.VIEW_SOURCE):
        frame = client.metric(MetricQuery(Metric.TOTAL_VIEWS, LAST_30_DAYS, dimension)).frame
        assert frame["point"].dtype == "str"
        assert frame["value"].sum() == total
    device = client.metric(MetricQuery(Metric.TOTAL_VIEWS, LAST_30_DAYS, Dimension.DEVICE)).frame
    assert set(device["point"]) <= {"desktop", "mobile", "tablet", "tv", "other"}


def test_peak_viewers(demo_server, make_client):
    client = make_client(demo_server)
    minute = client.peak_viewers(PeakQuery(LAST_30_DAYS, tz="America/New_York")).frame
    hour = client.peak_viewers(PeakQuery(LAST_30_DAYS, PeakGranularity.HOUR, "live")).frame
    assert list(minute.columns) == ["content_type", "content_id", "time", "value"]
    assert str(minute["time"].dtype) == "datetime64[us, America/New_York]"
    assert minute["content_id"].dtype == "Int64"
    assert set(hour["content_type"]) == {"live"}
    assert (hour["time"].dt.minute == 0).all()
    assert hour["value"].max() == minute.loc[minute["content_type"] == "live", "value"].max()


def test_views_frame_matches_the_documented_columns(demo_server, make_client):
    client = make_client(demo_server, page_limit=2_000)  # several pages
    result = client.views(ViewsQuery(LAST_30_DAYS, tz="Asia/Tokyo"))
    frame = result.frame
    assert list(frame.columns) == list(frames.VIEW_COLUMNS)
    assert len(frame) == result.total_count > 4_000
    assert str(frame["started_at"].dtype) == "datetime64[us, Asia/Tokyo]"
    assert frame["view_id"].is_unique
    assert frame["started_at"].is_monotonic_increasing  # the API's order is kept across pages
    assert frame["is_mobile_view"].dtype == "bool"
    assert frame["browser"].notna().all()


def test_finished_only_and_exclusive_range_shrink_the_export(demo_server, make_client):
    client = make_client(demo_server)
    everything = client.views(ViewsQuery(LAST_30_DAYS)).total_count
    finished = client.views(ViewsQuery(LAST_30_DAYS, list_unfinished_segments=False)).frame
    inside = client.views(ViewsQuery(LAST_30_DAYS, inclusive_range=False)).frame
    assert finished["finished_at"].notna().all()
    assert len(finished) <= everything
    assert len(inside) <= everything
    assert (inside["started_at"] >= LAST_30_DAYS.start).all()


def test_viewers_and_segments(demo_server, make_client):
    client = make_client(demo_server)
    result = client.viewers(ViewersQuery(LAST_30_DAYS))
    viewers, segments = result.frame, result.segments
    assert list(viewers.columns) == ["viewer_identifier", "videos_watched", "last_activity"]
    assert viewers["viewer_identifier"].is_unique
    assert len(viewers) == result.total_count
    assert segments is not None
    assert set(segments["viewer_identifier"]) == set(viewers["viewer_identifier"])
    watched = segments.groupby("viewer_identifier")["content_id"].nunique()
    assert (viewers.set_index("viewer_identifier")["videos_watched"] == watched).all()

    needle = viewers["viewer_identifier"].iloc[0].split("@")[0]
    one = client.viewers(ViewersQuery(LAST_30_DAYS, viewer_identifier=needle))
    assert needle in one.frame["viewer_identifier"].iloc[0]
    assert len(one.frame) < len(viewers)


def test_an_empty_answer_is_an_empty_frame_with_the_same_dtypes(demo_server, make_client):
    client = make_client(demo_server)
    future = TimeRange(
        datetime.now(UTC) + timedelta(days=400), datetime.now(UTC) + timedelta(days=401)
    )
    views = client.views(ViewsQuery(future))
    assert views.total_count == 0
    assert views.frame.empty
    assert views.frame.dtypes.equals(frames.views_frame([], "UTC").dtypes)
    peaks = client.peak_viewers(PeakQuery(future)).frame
    assert peaks.empty
    assert peaks.dtypes.equals(frames.peak_frame([], "UTC").dtypes)


def test_a_warm_cache_answers_without_any_request(demo_server, make_client, tmp_path):
    queries = [
        MetricQuery(Metric.TOTAL_VIEWS, HISTORY, Dimension.DAY),
        MetricQuery(Metric.UNIQUE_DEVICES, HISTORY),
        PeakQuery(HISTORY, PeakGranularity.HOUR),
    ]
    cold = make_client(demo_server)
    before = demo_server.request_count()
    cold_frames = [
        cold.metric(q) if isinstance(q, MetricQuery) else cold.peak_viewers(q) for q in queries
    ]
    assert demo_server.request_count() - before == 3

    # A new client (a new process, say) on the same cache: zero upstream requests, no token.
    warm = make_client(demo_server)
    before = demo_server.request_count()
    warm_results = [
        warm.metric(q) if isinstance(q, MetricQuery) else warm.peak_viewers(q) for q in queries
    ]
    assert demo_server.request_count() == before
    assert warm.token_fetches == 0
    for cold_result, warm_result in zip(cold_frames, warm_results, strict=True):
        assert warm_result.from_cache
        assert not warm_result.stale
        assert (
            warm_result.fetched_at == cold_result.fetched_at
            or warm_result.fetched_at <= datetime.now(UTC)
        )
        pd.testing.assert_frame_equal(warm_result.frame, cold_result.frame)

    warm.clear_cache()
    again = warm.metric(queries[1])
    assert not again.from_cache
    assert demo_server.request_count() == before + 1


def test_no_cache_setting_always_asks_the_api(demo_server, make_client):
    client = make_client(demo_server, cache_enabled=False)
    before = demo_server.request_count()
    client.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY))
    second = client.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY))
    assert demo_server.request_count() - before == 2
    assert not second.from_cache


def test_the_client_is_thread_safe(demo_server, make_client):
    client = make_client(demo_server)
    queries = [
        MetricQuery(metric, LAST_30_DAYS, dimension) for metric in Metric for dimension in Dimension
    ]
    expected = [make_client(demo_server, cache_enabled=False).metric(q).frame for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(client.metric, queries))
    for frame, result in zip(expected, results, strict=True):
        pd.testing.assert_frame_equal(frame, result.frame)
    assert client.token_fetches == 1  # concurrent first requests shared one token fetch
    assert threading.active_count() < 50


def test_api_errors_carry_the_apis_details(demo_server, make_client):
    client = make_client(demo_server, api_url=demo_server.base_url.replace("/v1/", "/v2/"))
    with pytest.raises(ApiError) as caught:
        client.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY))
    assert caught.value.status == 404
    assert "(HTTP 404)" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_wrong_query_type_is_a_value_error(demo_server, make_client):
    client = make_client(demo_server)
    with pytest.raises(ValueError, match="expected a MetricQuery"):
        client.metric(ViewsQuery(HISTORY))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("api_version", "asked", "answered"),
    [("current", "location", "country"), ("1.0.3", "country", "location")],
)
def test_country_and_location_fall_back_to_what_the_api_answers(
    start_demo, make_client, api_version, asked, answered
):
    """`country` (current API) and `location` (v1.0.3) are one question: when the API refuses
    the one asked for, the client asks the other, remembers it, and does not ask twice.
    """
    server = start_demo(api_version=api_version)
    client = make_client(server, cache_enabled=False)
    server.reset_request_count()
    first = client.metric(MetricQuery(Metric.TOTAL_VIEWS, LAST_30_DAYS, asked))
    second = client.metric(MetricQuery(Metric.TOTAL_VIEWS, LAST_30_DAYS, asked))
    assert len(first.frame) > 0
    assert first.frame["point"].tolist() == second.frame["point"].tolist()
    assert first.frame["point"].dropna().str.fullmatch(r"[A-Z]{2}").all()
    assert server.request_count(f"/v1/total-views/{asked}") == 1  # refused once, never again
    assert server.request_count(f"/v1/total-views/{answered}") == 2
