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
    assert _dtypes(frame) == {"dimension_type": "str", "point": "str", "value": "int64"}


def test_time_dimensions_give_tz_aware_points_in_the_query_zone():
    records = [{"dimension_type": "day", "point": "2026-11-01T00:00:00+01:00", "value": "11"}]
    frame = frames.metric_frame(records, Dimension.DAY, "Europe/Budapest")
    assert str(frame["point"].dtype) == "datetime64[us, Europe/Budapest]"
    assert frame["point"].iloc[0] == pd.Timestamp("2026-11-01T00:00:00+01:00")
    assert frame["value"].iloc[0] == 11


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (
            [{"point": "total_views", "value": "many"}],
            r"metric record 0: value is 'many', expected an integer",
        ),
        ([{"point": "total_views"}], r"metric record 0: value is None"),
        ([{"value": 3}], r"metric record 0: point is None"),
        ([{"point": "x", "value": True}], r"value is True, expected an integer"),
    ],
)
def test_values_that_matter_are_validated(records, message):
    with pytest.raises(ResponseFormatError, match=message):
        frames.metric_frame(records, Dimension.SUMMARY, "UTC")


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
