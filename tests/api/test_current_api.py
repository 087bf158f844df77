"""The client on IBM's current API (the demo's default) and on v1.0.3: viewer-seconds, peak
summaries, channel scope, country/region, and records with missing values."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter

from analytics.api import (
    AnalyticsClient,
    ApiError,
    ApiSettings,
    ContentType,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    PeakSummaryQuery,
    TimeRange,
    ViewerSecondsQuery,
    ViewerSecondsSummaryQuery,
    ViewsQuery,
)

_MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
PERIOD = TimeRange(_MIDNIGHT - timedelta(days=20), _MIDNIGHT - timedelta(days=10))
SERIES_COLUMNS = ["content_type", "content_id", "time", "value"]


@pytest.fixture(scope="module")
def old_server(demo_settings_factory):
    from analytics.demo import start_demo_server

    with start_demo_server(demo_settings_factory(api_version="1.0.3", segments=5_000)) as s:
        yield s


def _busiest(client, content_type: ContentType) -> int:
    q = ViewerSecondsQuery(PERIOD, PeakGranularity.MONTH, content_type)
    frame = client.viewer_seconds(q).frame
    return int(frame.groupby("content_id")["value"].sum().idxmax())


def test_viewer_seconds_series_by_day(demo_server, make_client):
    client = make_client(demo_server)
    q = ViewerSecondsQuery(PERIOD, "day", tz="Europe/Budapest")
    result = client.viewer_seconds(q)
    frame = result.frame
    assert list(frame.columns) == SERIES_COLUMNS
    assert len(frame) > 0
    assert str(frame["time"].dtype) == "datetime64[us, Europe/Budapest]"
    assert (frame["time"].dt.hour == 0).all()
    assert (frame["value"] > 0).all()
    assert set(frame["content_type"]) <= {"live", "recorded"}
    assert result.incomplete_records == 0
    # one content's summary is the sum of its series
    content_id = _busiest(client, ContentType.RECORDED)
    series = client.viewer_seconds(ViewerSecondsQuery(PERIOD, "hour", "recorded", [content_id]))
    summary = client.viewer_seconds_summary(
        ViewerSecondsSummaryQuery(PERIOD, "recorded", content_id)
    )
    assert list(summary.frame.columns) == ["content_type", "content_id", "value"]
    assert summary.frame.to_dict("records") == [
        {
            "content_type": "recorded",
            "content_id": content_id,
            "value": int(series.frame["value"].sum()),
        }
    ]


@pytest.mark.parametrize("granularity", ["day", "month"])
def test_peak_viewers_by_day_and_month(demo_server, make_client, granularity):
    client = make_client(demo_server)
    q = PeakQuery(PERIOD, granularity, "live")
    frame = client.peak_viewers(q).frame
    assert list(frame.columns) == SERIES_COLUMNS
    assert len(frame) > 0
    assert (frame["time"].dt.hour == 0).all()


@pytest.mark.parametrize(
    ("id_key", "time_key"), [("content_id", "timestamp"), ("media_id", "time")]
)
def test_peak_summary_reads_both_documented_shapes(start_demo, make_client, id_key, time_key):
    server = start_demo(segments=5_000, summary_id_key=id_key, summary_time_key=time_key)
    client = make_client(server)
    content_id = _busiest(client, ContentType.LIVE)
    minutes = client.peak_viewers(PeakQuery(PERIOD, "minute", "live", [content_id])).frame
    result = client.peak_summary(PeakSummaryQuery(PERIOD, "live", content_id))
    assert list(result.frame.columns) == SERIES_COLUMNS
    [row] = result.frame.to_dict("records")
    assert row["content_id"] == content_id
    assert row["value"] == minutes["value"].max()
    assert row["time"] == minutes.loc[minutes["value"].idxmax(), "time"]
    assert result.incomplete_records == 0
    seconds = client.viewer_seconds_summary(ViewerSecondsSummaryQuery(PERIOD, "live", content_id))
    assert seconds.frame["content_id"].tolist() == [content_id]


def test_a_summary_of_nothing_is_an_empty_frame(demo_server, make_client):
    client = make_client(demo_server)
    result = client.peak_summary(PeakSummaryQuery(PERIOD, "live", 999_999_999))
    assert list(result.frame.columns) == SERIES_COLUMNS
    assert result.frame.empty


def test_channel_scope_is_the_channels_recorded_videos(demo_server, make_client):
    client = make_client(demo_server)
    channel = _busiest(client, ContentType.LIVE)  # a channel id is a live content id
    views = client.views(ViewsQuery(PERIOD, channel_ids=[channel])).frame
    assert len(views) > 0
    assert set(views["content_type"]) == {"recorded"}
    videos = sorted(set(views["content_id"]))
    by_ids = client.views(ViewsQuery(PERIOD, "recorded", videos)).frame
    assert len(by_ids) == len(views)  # the channel's videos: the same segments
    peaks = client.peak_viewers(PeakQuery(PERIOD, "day", channel_ids=[channel])).frame
    assert set(peaks["content_id"]) == set(videos)
    seconds = client.viewer_seconds(ViewerSecondsQuery(PERIOD, "day", channel_ids=[channel]))
    assert set(seconds.frame["content_type"]) == {"recorded"}
    assert set(seconds.frame["content_id"]) == set(peaks["content_id"])
    nothing = client.viewer_seconds(ViewerSecondsQuery(PERIOD, channel_ids=[987_654_321]))
    assert nothing.frame.empty


@pytest.mark.parametrize("dimension", [Dimension.COUNTRY, Dimension.REGION])
def test_country_and_region_breakdowns(demo_server, make_client, dimension):
    client = make_client(demo_server)
    frame = client.metric(MetricQuery(Metric.TOTAL_VIEWS, PERIOD, dimension)).frame
    assert len(frame) > 1
    assert frame["point"].notna().all()
    total = client.metric(MetricQuery(Metric.TOTAL_VIEWS, PERIOD)).frame["value"].sum()
    assert frame["value"].sum() == total


def test_null_and_unknown_countries_stay_missing_and_are_counted(start_demo, make_client):
    server = start_demo(segments=5_000, null_rate=0.2, unknown_country_rate=0.1)
    client = make_client(server)
    result = client.metric(MetricQuery(Metric.TOTAL_VIEWS, PERIOD, Dimension.COUNTRY))
    frame = result.frame
    missing = frame[frame["point"].isna()]
    assert len(missing) == 1  # the views of no known place: one row, their count, not 0
    assert missing["value"].iloc[0] > 0
    assert result.incomplete_records == 1
    assert {"ZZ", "XK", "A1", "EU"} & set(frame["point"].dropna())  # unknown codes pass as sent
    total = client.metric(MetricQuery(Metric.TOTAL_VIEWS, PERIOD)).frame["value"].sum()
    assert frame["value"].sum() == total


def test_the_older_api_has_no_viewer_seconds_or_summaries(old_server, make_client):
    client = make_client(old_server)
    for call in (
        lambda: client.viewer_seconds(ViewerSecondsQuery(PERIOD)),
        lambda: client.peak_summary(PeakSummaryQuery(PERIOD, "live", 1)),
        lambda: client.viewer_seconds_summary(ViewerSecondsSummaryQuery(PERIOD, "live", 1)),
        lambda: client.views(ViewsQuery(PERIOD, channel_ids=[1])),
    ):
        with pytest.raises(ApiError) as caught:
            call()
        assert caught.value.status == 404
    # the country breakdown falls back to `location` there
    frame = client.metric(MetricQuery(Metric.TOTAL_VIEWS, PERIOD, Dimension.COUNTRY)).frame
    assert len(frame) > 1


@pytest.mark.parametrize("granularity", ["day", "month"])
def test_day_and_month_peaks_on_the_older_api_are_rolled_up_from_hours(
    old_server, make_client, granularity
):
    client = make_client(old_server)
    tz = "America/New_York"
    before = old_server.request_count()
    rolled = client.peak_viewers(PeakQuery(PERIOD, granularity, tz=tz)).frame
    refused_then_hours = old_server.request_count() - before
    hourly = client.peak_viewers(PeakQuery(PERIOD, "hour", tz=tz)).frame
    assert len(rolled) > 0
    assert list(rolled.columns) == SERIES_COLUMNS
    wall = hourly["time"].dt.tz_localize(None)
    unit = wall.dt.normalize() if granularity == "day" else wall.dt.to_period("M").dt.to_timestamp()
    expected = hourly.assign(bucket=unit).groupby(["content_type", "content_id", "bucket"])["value"]
    got = rolled.assign(bucket=rolled["time"].dt.tz_localize(None))
    assert got.set_index(["content_type", "content_id", "bucket"])["value"].to_dict() == (
        expected.max().to_dict()
    )
    # remembered: the next day/month query goes straight to hours (one request, no 400)
    before = old_server.request_count()
    client.peak_viewers(PeakQuery(PERIOD, granularity, tz=tz))
    assert old_server.request_count() - before <= refused_then_hours - 1


def test_the_current_api_answers_day_peaks_itself(demo_server, make_client):
    client = make_client(demo_server)
    daily = client.peak_viewers(PeakQuery(PERIOD, "day", tz="UTC")).frame
    hourly = client.peak_viewers(PeakQuery(PERIOD, "hour", tz="UTC")).frame
    assert not client._rolled_up_peaks
    assert daily["value"].max() == hourly["value"].max()


def test_rolling_hourly_peaks_up_across_a_daylight_saving_change():
    from analytics.api.frames import peak_frame, peaks_rolled_up

    tz = "Europe/Berlin"  # clocks went forward at 02:00 on Sun 30 Mar 2025
    records = [
        {"content_type": "live", "content_id": 7, "point": "2025-03-29T23:00:00+01:00", "value": 5},
        {"content_type": "live", "content_id": 7, "point": "2025-03-30T00:00:00+01:00", "value": 9},
        {"content_type": "live", "content_id": 7, "point": "2025-03-30T03:00:00+02:00", "value": 4},
        {"content_type": "live", "content_id": 7, "point": "2025-03-30T23:00:00+02:00", "value": 2},
        {"content_type": "live", "content_id": 8, "point": "2025-03-31T00:00:00+02:00", "value": 1},
        {
            "content_type": "live",
            "content_id": None,
            "point": "2025-03-30T05:00:00+02:00",
            "value": 3,
        },
    ]
    records = [{**r, "time": r.pop("point")} for r in records]
    daily = peaks_rolled_up(peak_frame(records, tz), "D", tz)
    got = [
        (row.content_id if pd.notna(row.content_id) else None, row.time.isoformat(), row.value)
        for row in daily.itertuples()
    ]
    assert got == [
        (7, "2025-03-29T00:00:00+01:00", 5),
        (7, "2025-03-30T00:00:00+01:00", 9),
        (None, "2025-03-30T00:00:00+01:00", 3),
        (8, "2025-03-31T00:00:00+02:00", 1),
    ]
    monthly = peaks_rolled_up(peak_frame(records, tz), "M", tz)
    assert monthly.loc[monthly["content_id"] == 7, "value"].tolist() == [9]
    assert monthly["time"].dt.strftime("%Y-%m-%d %H:%M%z").unique().tolist() == [
        "2025-03-01 00:00+0100"
    ]


def test_summary_methods_refuse_the_other_summary():
    client = AnalyticsClient.__new__(AnalyticsClient)
    with pytest.raises(ValueError, match="expected a PeakSummaryQuery"):
        client.peak_summary(ViewerSecondsSummaryQuery(PERIOD, "live", 1))


# --- hand-built bodies through the whole client ---------------------------------------------


class _Bodies(BaseAdapter):
    """Answers GET `path` with bodies[path][_page - 1] (JSON); records the query strings."""

    def __init__(self, bodies: dict[str, list[dict]]) -> None:
        super().__init__()
        self.bodies = bodies
        self.queries: list[dict[str, list[str]]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        url = urlsplit(request.url)
        query = parse_qs(url.query)
        self.queries.append(query)
        response = requests.Response()
        response.status_code = 200
        response.url = request.url
        page = int(query.get("_page", ["1"])[0])
        body = json.dumps(self.bodies[url.path][page - 1]).encode()
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(body), preload_content=False)
        return response

    def close(self) -> None:
        pass


def _client(bodies: dict[str, list[dict]], tmp_path, **changes) -> tuple[AnalyticsClient, _Bodies]:
    adapter = _Bodies(bodies)
    session = requests.Session()
    session.mount("https://", adapter)
    settings = ApiSettings(
        token="hand-built-token",
        api_url="https://api.test/v1/",
        token_url="https://auth.test/oauth2/token",
        cache_dir=tmp_path / "cache",
        cache_enabled=False,
        **changes,
    )
    return AnalyticsClient(settings, session=session), adapter


def _series(*items: dict, count: int) -> dict:
    data = [{"type": "ViewerSecondSeries", "attributes": item} for item in items]
    return {"data": data, "pagination": {"count": count}}


def test_incomplete_records_are_counted_over_every_page(tmp_path):
    good = {"content_type": "recorded", "content_id": 9, "time": "2026-11-01", "value": 60}
    pages = [
        _series(good, good | {"content_id": None}, count=3),
        _series(good | {"value": "n/a"}, count=3),
    ]
    client, adapter = _client(
        {"/v1/viewer-seconds/recorded/channel": pages}, tmp_path, page_limit=2
    )
    with client:
        q = ViewerSecondsQuery(PERIOD, "day", channel_ids=["12", 11], tz="Asia/Tokyo")
        result = client.viewer_seconds(q)
    assert adapter.queries[0]["channel_id"] == ["11,12"]
    assert len(result.frame) == 3
    assert result.incomplete_records == 2
    assert result.frame["value"].isna().tolist() == [False, False, True]
    assert result.frame["time"].iloc[0] == pd.Timestamp("2026-11-01T00:00:00+09:00")


def test_a_null_country_point_through_the_client(tmp_path):
    items = [
        {"dimension_type": "country", "point": "HU", "value": 10},
        {"dimension_type": "country", "point": None, "value": 4},
        {"dimension_type": "country", "point": "ZZ", "value": 1},
    ]
    body = {"data": [{"type": "Series", "attributes": item} for item in items]}
    client, _adapter = _client({"/v1/total-views/country": [body | {"pagination": {}}]}, tmp_path)
    with client:
        result = client.metric(MetricQuery(Metric.TOTAL_VIEWS, PERIOD, Dimension.COUNTRY))
    assert result.frame["value"].tolist() == [10, 4, 1]
    assert pd.isna(result.frame["point"].iloc[1])
    assert result.incomplete_records == 1
