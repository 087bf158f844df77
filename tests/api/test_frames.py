"""JSON records -> DataFrames: documented columns, explicit dtypes, tolerant but not credulous."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.api import Dimension, ResponseFormatError, frames

VIEW = {
    "city": "Budapest",
    "client_id": "13602851710424434669",
    "content_id": "112342345",  # the documentation sends ids as strings here...
    "content_type": "live",
    "country": "HU",
    "finished_at": "2018-07-16T19:20:42+01:00",
    "from": 0,
    "is_mobile_view": True,
    "started_at": "2018-07-16T19:20:30+01:00",
    "to": 0,
    "view_id": "4bfc69b5-1320-4a44-a8d6-1fe1f397fb94",
    "view_session_id": "7f66d911:8b7aa82c",
    "view_type": "offsite",
    "viewer_identifier": "some.viewer@example.com",
    "device_info": {
        "browser": {"family": "Chrome", "major": "70"},
        "device": {"brand": None, "family": "Other", "model": None},
        "os": {"family": "Mac OS X"},
    },
}
SEGMENT = {k: v for k, v in VIEW.items() if k not in ("view_id", "viewer_identifier")} | {
    "id": "seg-1",
    "content_id": 77569623,  # ...and as integers there
}

VIEW_DTYPES = {
    "view_id": "str",
    "content_type": "str",
    "content_id": "int64",
    "started_at": "datetime64[us, Europe/Budapest]",
    "finished_at": "datetime64[us, Europe/Budapest]",
    "from": "Int64",
    "to": "Int64",
    "viewer_identifier": "str",
    "country": "str",
    "city": "str",
    "is_mobile_view": "bool",
    "view_type": "str",
    "client_id": "str",
    "view_session_id": "str",
    "browser": "str",
    "os": "str",
    "device": "str",
}


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in frame.dtypes.items()}


def test_views_frame_columns_dtypes_and_values():
    frame = frames.views_frame([VIEW], "Europe/Budapest")
    assert _dtypes(frame) == VIEW_DTYPES
    row = frame.iloc[0]
    assert row["content_id"] == 112342345
    assert row["started_at"] == pd.Timestamp("2018-07-16T18:20:30Z")
    assert str(row["started_at"].tz) == "Europe/Budapest"
    assert (row["browser"], row["os"], row["device"]) == ("Chrome", "Mac OS X", "Other")
    assert row["is_mobile_view"]


def test_empty_frames_have_the_same_columns_and_dtypes():
    assert _dtypes(frames.views_frame([], "Europe/Budapest")) == VIEW_DTYPES
    full, empty = (
        frames.peak_frame(
            [{"content_type": "live", "content_id": 1, "time": "2026-01-01T00:00:00Z", "value": 3}],
            "UTC",
        ),
        frames.peak_frame([], "UTC"),
    )
    assert _dtypes(full) == _dtypes(empty)
    assert list(empty.columns) == ["content_type", "content_id", "time", "value"]
    viewers, segments = frames.viewers_frames([], "UTC")
    assert list(viewers.columns) == ["viewer_identifier", "videos_watched", "last_activity"]
    assert _dtypes(viewers)["videos_watched"] == "int64"
    assert list(segments.columns)[:2] == ["viewer_identifier", "id"]
    for dimension in Dimension:
        assert list(frames.metric_frame([], dimension, "UTC").columns) == [
            "dimension_type",
            "point",
            "value",
        ]


def test_tolerant_parsing_of_what_the_docs_leave_open():
    view = {k: v for k, v in VIEW.items() if k not in ("device_info", "finished_at", "from", "to")}
    view |= {"is_mobile_view": None, "extra_field": {"nested": 1}, "content_id": 5}
    frame = frames.views_frame([view], "UTC")
    row = frame.iloc[0]
    assert pd.isna(row["finished_at"])  # an unfinished segment
    assert pd.isna(row["from"])
    assert pd.isna(row["browser"])
    assert not row["is_mobile_view"]
    assert "extra_field" not in frame.columns


def test_attributes_unwraps_the_documented_envelope():
    data = [
        {
            "attributes": {"point": "total_views", "value": 7, "dimension_type": "summary"},
            "type": "Series",
        }
    ]
    frame = frames.metric_frame(frames.attributes(data, "metric"), Dimension.SUMMARY, "UTC")
    assert frame.to_dict("records") == [
        {"dimension_type": "summary", "point": "total_views", "value": 7}
    ]
    assert _dtypes(frame) == {"dimension_type": "str", "point": "str", "value": "Int64"}
    assert frame.attrs[frames.INCOMPLETE] == 0


def test_time_dimensions_give_tz_aware_points_in_the_query_zone():
    records = [{"dimension_type": "day", "point": "2026-11-01T00:00:00+01:00", "value": "11"}]
    frame = frames.metric_frame(records, Dimension.DAY, "Europe/Budapest")
    assert str(frame["point"].dtype) == "datetime64[us, Europe/Budapest]"
    assert frame["point"].iloc[0] == pd.Timestamp("2026-11-01T00:00:00+01:00")
    assert frame["value"].iloc[0] == 11


@pytest.mark.parametrize(
    "bad",
    [
        {"point": "total_views", "value": "many"},
        {"point": "total_views"},
        {"value": 3},
        {"point": "x", "value": True},
        {"point": {"nested": 1}, "value": 3},
    ],
)
def test_one_unreadable_record_is_missing_not_a_failed_page(bad):
    good = {"point": "HU", "value": 5}
    frame = frames.metric_frame([good, bad, good], Dimension.COUNTRY, "UTC")
    assert len(frame) == 3
    assert frame.attrs[frames.INCOMPLETE] == 1
    assert frame["value"].tolist()[0] == 5
    row = frame.iloc[1]
    assert pd.isna(row["point"]) or pd.isna(row["value"])
    assert str(frame["value"].dtype) == "Int64"


def test_a_null_country_stays_missing_and_is_never_zero():
    records = [{"point": None, "value": 4}, {"point": "ZZ", "value": 2}]
    frame = frames.metric_frame(records, Dimension.COUNTRY, "UTC")
    assert pd.isna(frame["point"].iloc[0])
    assert frame["value"].tolist() == [4, 2]  # the views of nowhere are counted, not invented
    assert frame["point"].iloc[1] == "ZZ"  # an unknown code passes as sent
    assert frame.attrs[frames.INCOMPLETE] == 1


def test_an_unreadable_time_point_is_missing():
    records = [
        {"point": "2026-11-01T00:00:00+00:00", "value": 1},
        {"point": "someday", "value": 2},
    ]
    frame = frames.metric_frame(records, Dimension.DAY, "UTC")
    assert pd.isna(frame["point"].iloc[1])
    assert frame.attrs[frames.INCOMPLETE] == 1


def test_a_date_only_point_is_midnight_in_the_query_zone():
    records = [{"point": "2024-03-31", "value": 1}, {"point": "2024-03-30", "value": 2}]
    frame = frames.metric_frame(records, Dimension.DAY, "Europe/Budapest")
    assert frame["point"].tolist() == [
        pd.Timestamp("2024-03-31T00:00:00+01:00"),  # the DST change is later that night
        pd.Timestamp("2024-03-30T00:00:00+01:00"),
    ]
    peaks = frames.peak_frame(
        [{"content_type": "live", "content_id": 1, "time": "2024-07-01", "value": 3}],
        "America/New_York",
    )
    assert peaks["time"].iloc[0] == pd.Timestamp("2024-07-01T00:00:00-04:00")


def test_peak_and_viewer_seconds_records_tolerate_missing_ids_and_values():
    records = [
        {"content_type": "live", "content_id": "7", "time": "2026-11-01T10:00:00Z", "value": 9},
        {"content_type": "live", "content_id": None, "time": "2026-11-01T10:01:00Z", "value": 4},
        {"content_type": "live", "content_id": 7, "time": "2026-11-01T10:02:00Z", "value": "x"},
    ]
    frame = frames.peak_frame(records, "UTC")
    assert frame["content_id"].tolist()[0] == 7
    assert pd.isna(frame["content_id"].iloc[1])
    assert pd.isna(frame["value"].iloc[2])
    assert frame.attrs[frames.INCOMPLETE] == 2
    with pytest.raises(ResponseFormatError, match=r"peak record 0: time is None"):
        frames.peak_frame([records[0] | {"time": None}], "UTC")


def test_summaries_read_media_id_and_timestamp_as_content_id_and_time():
    for id_key, time_key in (("content_id", "timestamp"), ("media_id", "time")):
        record = {"content_type": "live", id_key: 5, time_key: "2026-11-01T10:00:00Z", "value": 8}
        frame = frames.summary_frame([record], "UTC", timed=True)
        assert frame.to_dict("records") == [
            {
                "content_type": "live",
                "content_id": 5,
                "time": pd.Timestamp("2026-11-01T10:00:00Z"),
                "value": 8,
            }
        ]
    body = b'{"data": [{"type": "ViewerSecondSummary", "attributes": {"content_type": "recorded",'
    body += b' "media_id": "12", "value": 3600}}], "pagination": {}}'
    frame = frames.summary_body_frame(body, "UTC", timed=False)
    assert frame.to_dict("records") == [
        {"content_type": "recorded", "content_id": 12, "value": 3600}
    ]
    empty = frames.summary_body_frame(b'{"data": [], "pagination": {}}', "UTC", timed=False)
    assert list(empty.columns) == ["content_type", "content_id", "value"]
    with pytest.raises(ResponseFormatError, match="not JSON"):
        frames.summary_body_frame(b"<html>", "UTC", timed=True)


def test_a_viewer_without_identifier_is_kept_and_counted():
    records = [
        {"viewer_identifier": None, "videos_watched": 1, "segments": []},
        {"viewer_identifier": "b@example.com", "videos_watched": 2, "segments": []},
    ]
    viewers, _segments = frames.viewers_frames(records, "UTC")
    assert pd.isna(viewers["viewer_identifier"].iloc[0])
    assert viewers.attrs[frames.INCOMPLETE] == 1


def test_unreadable_timestamps_are_errors_not_silent_gaps():
    with pytest.raises(ResponseFormatError, match=r"view record 1: started_at is 'yesterday'"):
        frames.views_frame([VIEW, VIEW | {"started_at": "yesterday"}], "UTC")
    with pytest.raises(ResponseFormatError, match=r"finished_at is 'soon'"):
        frames.views_frame([VIEW | {"finished_at": "soon"}], "UTC")
    with pytest.raises(ResponseFormatError, match=r"started_at is None"):
        frames.views_frame([VIEW | {"started_at": None}], "UTC")


def test_bad_shapes_are_reported():
    with pytest.raises(ResponseFormatError, match="'data' is dict"):
        frames.attributes({"a": 1}, "view")
    with pytest.raises(ResponseFormatError, match="view record 0 is not an object"):
        frames.attributes(["x"], "view")
    with pytest.raises(ResponseFormatError, match="segments is not a list"):
        frames.viewers_frames(
            [{"viewer_identifier": "a", "videos_watched": 1, "segments": "x"}], "UTC"
        )


def test_viewers_and_their_segments():
    records = [
        {
            "viewer_identifier": "a@example.com",
            "videos_watched": 2,
            "last_activity": "2026-11-01T10:00:00+00:00",
            "segments": [SEGMENT, SEGMENT | {"id": "seg-2"}],
        },
        {
            "viewer_identifier": "b@example.com",
            "videos_watched": "1",
            "last_activity": None,
            "segments": [],
        },
    ]
    viewers, segments = frames.viewers_frames(records, "America/New_York")
    assert viewers["viewer_identifier"].tolist() == ["a@example.com", "b@example.com"]
    assert viewers["videos_watched"].tolist() == [2, 1]
    assert str(viewers["last_activity"].dtype) == "datetime64[us, America/New_York]"
    assert segments["viewer_identifier"].tolist() == ["a@example.com", "a@example.com"]
    assert segments["id"].tolist() == ["seg-1", "seg-2"]
    assert segments["content_id"].dtype == "int64"
