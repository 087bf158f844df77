"""The current API's additions on a hand-built dataset: viewer-seconds, peak summaries, the
day/month peak granularities and the channel scope of recorded videos; and that the v1.0.3
surface does not have them. Every expected number is worked out by hand.

NOW is 2024-07-16 12:00 UTC. Channels are live contents 10 and 11; videos 20 and 21 belong to
channel 10, video 22 to channel 11. Segments (UTC, 07-16 unless said):
  a  live 10            09:50-10:10               1200 s
  b  recorded 20 (s-b)  10:00-10:30 and 10:40-10:50   1800 s + 600 s
  h  recorded 20 (s-h)  10:20-10:25               300 s (with b: 2 concurrent 10:20-10:25)
  c  recorded 21        10:15-10:20               300 s
  d  recorded 22        07-15 23:00 - 07-16 01:00  3600 s + 3600 s
  e  live 11            11:30, still running      1800 s until NOW
  f  recorded 20        13:00-13:10               after NOW: invisible
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from analytics.demo import segments_frame, start_demo_server
from tests.demo.conftest import fixed_clock

NOW = datetime(2024, 7, 16, 12, 0, tzinfo=UTC)


def seg(session, start, end, content_type="recorded", content_id=20, **extra):
    channel = {20: 10, 21: 10, 22: 11}.get(content_id) if content_type == "recorded" else None
    return {
        "view_session_id": session,
        "started_at": f"2024-{start}Z",
        "finished_at": None if end is None else f"2024-{end}Z",
        "content_type": content_type,
        "content_id": content_id,
        "channel_id": channel,
        **extra,
    }


ROWS = [
    seg("s-a", "07-16T09:50:00", "07-16T10:10:00", "live", 10),
    seg("s-b", "07-16T10:00:00", "07-16T10:30:00"),
    seg("s-b", "07-16T10:40:00", "07-16T10:50:00"),
    seg("s-h", "07-16T10:20:00", "07-16T10:25:00"),
    seg("s-c", "07-16T10:15:00", "07-16T10:20:00", content_id=21),
    seg("s-d", "07-15T23:00:00", "07-16T01:00:00", content_id=22),
    seg("s-e", "07-16T11:30:00", None, "live", 11),
    seg("s-f", "07-16T13:00:00", "07-16T13:10:00"),
]
DAY = {"date_time_from": "2024-07-16T00:00:00Z", "date_time_to": "2024-07-17T00:00:00Z"}
TWO_DAYS = {"date_time_from": "2024-07-15T00:00:00Z", "date_time_to": "2024-07-17T00:00:00Z"}
LOCAL_DAY = {
    "date_time_from": "2024-07-16T00:00:00+02:00",
    "date_time_to": "2024-07-17T00:00:00+02:00",
}
JULY = {"date_time_from": "2024-07-01T00:00:00Z", "date_time_to": "2024-08-01T00:00:00Z"}


def rows(api, path, **params):
    return [
        (a["time"], a["content_type"], a["content_id"], a["value"])
        for a in api.attributes(path, **params)
    ]


def _start(demo_settings_factory, **settings):
    return start_demo_server(
        demo_settings_factory(**settings),
        datasets={"demo-client": segments_frame(ROWS)},
        clock=fixed_clock(NOW),
    )


@pytest.fixture(scope="module")
def api(demo_settings_factory, api_for):
    server = _start(demo_settings_factory)
    yield api_for(server)
    server.stop()


@pytest.fixture(scope="module")
def api_103(demo_settings_factory, api_for):
    server = _start(demo_settings_factory, api_version="1.0.3")
    yield api_for(server)
    server.stop()


# --- viewer-seconds ------------------------------------------------------------------------


def test_viewer_seconds_per_hour_and_content_ordered_by_time_type_id(api):
    body = api.ok("viewer-seconds", granularity="hour", **DAY)
    assert {item["type"] for item in body["data"]} == {"ViewerSecondSeries"}
    assert rows(api, "viewer-seconds", granularity="hour", **DAY) == [
        ("2024-07-16T00:00:00+00:00", "recorded", 22, 3600),
        ("2024-07-16T09:00:00+00:00", "live", 10, 600),
        ("2024-07-16T10:00:00+00:00", "live", 10, 600),
        ("2024-07-16T10:00:00+00:00", "recorded", 20, 2700),  # b 1800 + 600, h 300
        ("2024-07-16T10:00:00+00:00", "recorded", 21, 300),
        ("2024-07-16T11:00:00+00:00", "live", 11, 1800),  # running: watched until now
    ]
    assert body["pagination"]["count"] == 6


def test_viewer_seconds_clip_segments_to_the_range(api):
    window = {"date_time_from": "2024-07-16T10:05:00Z", "date_time_to": "2024-07-16T10:25:00Z"}
    assert rows(api, "viewer-seconds", granularity="hour", **window) == [
        ("2024-07-16T10:00:00+00:00", "live", 10, 300),  # 10:05-10:10
        ("2024-07-16T10:00:00+00:00", "recorded", 20, 1500),  # b 10:05-10:25, h 10:20-10:25
        ("2024-07-16T10:00:00+00:00", "recorded", 21, 300),
    ]


def test_viewer_seconds_default_to_minutes_split_at_minute_bounds(api):
    window = {"date_time_from": "2024-07-16T10:14:30Z", "date_time_to": "2024-07-16T10:16:00Z"}
    assert rows(api, "viewer-seconds/recorded", **window) == [
        ("2024-07-16T10:14:00+00:00", "recorded", 20, 30),
        ("2024-07-16T10:15:00+00:00", "recorded", 20, 60),
        ("2024-07-16T10:15:00+00:00", "recorded", 21, 60),
    ]


def test_viewer_seconds_by_day_and_month_in_the_offset_of_from(api):
    assert rows(api, "viewer-seconds/recorded", granularity="day", **TWO_DAYS) == [
        ("2024-07-15T00:00:00+00:00", "recorded", 22, 3600),
        ("2024-07-16T00:00:00+00:00", "recorded", 20, 2700),
        ("2024-07-16T00:00:00+00:00", "recorded", 21, 300),
        ("2024-07-16T00:00:00+00:00", "recorded", 22, 3600),
    ]
    # In +02:00, d (23:00-01:00 UTC) falls wholly on local 07-16.
    assert rows(
        api, "viewer-seconds/recorded", granularity="day", content_id="22", **LOCAL_DAY
    ) == [("2024-07-16T00:00:00+02:00", "recorded", 22, 7200)]
    assert rows(api, "viewer-seconds/live", granularity="month", **JULY) == [
        ("2024-07-01T00:00:00+00:00", "live", 10, 1200),
        ("2024-07-01T00:00:00+00:00", "live", 11, 1800),
    ]


def test_viewer_seconds_take_content_ids_on_every_path(api):
    assert rows(api, "viewer-seconds", granularity="month", content_id="21,10", **JULY) == [
        ("2024-07-01T00:00:00+00:00", "live", 10, 1200),
        ("2024-07-01T00:00:00+00:00", "recorded", 21, 300),
    ]


def test_viewer_seconds_of_the_recorded_videos_of_channels(api):
    path = "viewer-seconds/recorded/channel"
    assert rows(api, path, channel_id="10", granularity="day", **DAY) == [
        ("2024-07-16T00:00:00+00:00", "recorded", 20, 2700),
        ("2024-07-16T00:00:00+00:00", "recorded", 21, 300),
    ]
    assert [r[2] for r in rows(api, path, channel_id="11,10", granularity="day", **DAY)] == [
        20,
        21,
        22,
    ]
    assert api.ok(path, channel_id="999", **DAY)["data"] == []
    response = api.get(path, **DAY)
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"pointer": "channel_id"}


def test_viewer_seconds_summary_is_one_contents_total(api):
    body = api.ok("viewer-seconds/recorded/summary", content_id="20", **DAY)
    assert body == {
        "pagination": {},
        "data": [
            {
                "attributes": {"content_type": "recorded", "content_id": 20, "value": 2700},
                "type": "ViewerSecondSummary",
            }
        ],
    }
    assert (
        api.ok("viewer-seconds/live/summary", content_id="11", **DAY)["data"][0]["attributes"][
            "value"
        ]
        == 1800
    )
    assert api.ok("viewer-seconds/live/summary", content_id="20", **DAY)["data"] == []


@pytest.mark.parametrize("content_id", [None, "20,21", "x"])
def test_summaries_need_one_content_id(api, content_id):
    params = {**DAY} if content_id is None else {**DAY, "content_id": content_id}
    for path in ("viewer-seconds/recorded/summary", "peak-viewer-numbers/recorded/summary"):
        response = api.get(path, **params)
        assert response.status_code == 400
        assert [e["source"]["pointer"] for e in response.json()["errors"]] == ["content_id"]


@pytest.mark.parametrize(
    "path",
    [
        "viewer-seconds",
        "viewer-seconds/live",
        "viewer-seconds/recorded/summary",
        "viewer-seconds/recorded/channel",
        "peak-viewer-numbers/recorded/summary",
        "views/recorded/channel",
    ],
)
def test_v1_0_3_has_no_current_only_paths(api_103, path):
    response = api_103.get(path, content_id="20", channel_id="10", **DAY)
    assert response.status_code == 404
    assert response.json()["errors"][0]["status"] == 404
    # Unknown paths, not refused ones: no token needed to learn that.
    anonymous = requests.get(api_103.server.base_url + path, params=DAY, timeout=30)
    assert anonymous.status_code == 404


# --- peak viewers --------------------------------------------------------------------------


def test_peak_summary_is_the_top_peak_and_when_it_happened(api):
    body = api.ok("peak-viewer-numbers/recorded/summary", content_id="20", **DAY)
    assert body == {
        "pagination": {},
        "data": [
            {
                "attributes": {
                    "content_type": "recorded",
                    "content_id": 20,
                    "timestamp": "2024-07-16T10:20:00+00:00",  # the first minute with 2
                    "value": 2,
                },
                "type": "PeakSummary",
            }
        ],
    }
    (item,) = api.attributes("peak-viewer-numbers/live/summary", content_id="11", **LOCAL_DAY)
    assert (item["timestamp"], item["value"]) == ("2024-07-16T13:30:00+02:00", 1)
    assert api.ok("peak-viewer-numbers/live/summary", content_id="20", **DAY)["data"] == []


def test_peak_summary_keys_follow_the_knobs(demo_settings_factory, api_for):
    with _start(demo_settings_factory, summary_id_key="media_id", summary_time_key="time") as s:
        api = api_for(s)
        (item,) = api.attributes("peak-viewer-numbers/recorded/summary", content_id="20", **DAY)
        assert item == {
            "content_type": "recorded",
            "media_id": 20,
            "time": "2024-07-16T10:20:00+00:00",
            "value": 2,
        }
        (total,) = api.attributes("viewer-seconds/recorded/summary", content_id="21", **DAY)
        assert total == {"content_type": "recorded", "media_id": 21, "value": 300}


def test_peaks_by_day_and_month_are_the_maximum_of_their_minutes(api):
    assert rows(api, "peak-viewer-numbers/recorded", granularity="day", **TWO_DAYS) == [
        ("2024-07-15T00:00:00+00:00", "recorded", 22, 1),
        ("2024-07-16T00:00:00+00:00", "recorded", 20, 2),
        ("2024-07-16T00:00:00+00:00", "recorded", 21, 1),
        ("2024-07-16T00:00:00+00:00", "recorded", 22, 1),
    ]
    assert rows(api, "peak-viewer-numbers", granularity="month", **JULY) == [
        ("2024-07-01T00:00:00+00:00", "live", 10, 1),
        ("2024-07-01T00:00:00+00:00", "live", 11, 1),
        ("2024-07-01T00:00:00+00:00", "recorded", 20, 2),
        ("2024-07-01T00:00:00+00:00", "recorded", 21, 1),
        ("2024-07-01T00:00:00+00:00", "recorded", 22, 1),
    ]


@pytest.mark.parametrize("granularity", ["day", "month"])
def test_v1_0_3_peaks_know_minute_and_hour_only(api_103, granularity):
    response = api_103.get("peak-viewer-numbers", granularity=granularity, **DAY)
    assert response.status_code == 400
    assert "minute, hour" in response.json()["errors"][0]["detail"]
    assert api_103.ok("peak-viewer-numbers", granularity="hour", **DAY)["data"]


def test_peaks_of_the_recorded_videos_of_channels(api, api_103):
    path = "peak-viewer-numbers/recorded"
    assert rows(api, path, channel_id="11", granularity="day", **DAY) == [
        ("2024-07-16T00:00:00+00:00", "recorded", 22, 1)
    ]
    assert {r[2] for r in rows(api, path, channel_id="10", granularity="hour", **DAY)} == {20, 21}
    response = api.get("peak-viewer-numbers/live", channel_id="10", **DAY)
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"pointer": "channel_id"}
    # v1.0.3 does not know channel_id: ignored like any unknown parameter.
    assert {r[2] for r in rows(api_103, path, channel_id="11", granularity="hour", **DAY)} == {
        20,
        21,
        22,
    }


# --- views ---------------------------------------------------------------------------------


def test_views_of_the_recorded_videos_of_channels(api):
    views = api.attributes("views/recorded/channel", channel_id="10", _limit=100, **DAY)
    assert [(v["content_id"], v["started_at"]) for v in views] == [
        (20, "2024-07-16T10:00:00+00:00"),
        (21, "2024-07-16T10:15:00+00:00"),
        (20, "2024-07-16T10:20:00+00:00"),
        (20, "2024-07-16T10:40:00+00:00"),
    ]
    assert api.ok("views/recorded/channel", channel_id="404", **DAY)["pagination"]["count"] == 0


# --- the columns behind region and channels ---------------------------------------------------


def test_region_defaults_from_the_city_and_older_frames_still_load():
    from analytics.demo.dataset import SEGMENT_COLUMNS, normalize_segments

    frame = segments_frame(
        [
            {"started_at": "2024-07-16T10:00:00Z"},  # Budapest by default
            {"started_at": "2024-07-16T10:00:00Z", "city": "Atlantis", "country": "ZZ"},
            {"started_at": "2024-07-16T10:00:00Z", "region": "US-CA", "channel_id": 10},
        ]
    )
    assert frame["region"].tolist() == ["HU-BU", None, "US-CA"]
    assert frame["channel_id"].tolist()[2] == 10
    assert frame["channel_id"].isna().tolist() == [True, True, False]
    older = frame.drop(columns=["region", "channel_id"])  # a frame from before these columns
    loaded = normalize_segments(older)
    assert list(loaded.columns) == list(SEGMENT_COLUMNS)
    assert loaded["region"].isna().all()
    assert loaded["channel_id"].isna().all()
