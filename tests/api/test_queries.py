"""Query objects: validation before any request, and the paths/params they send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from analytics.api import (
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
    ViewersQuery,
    ViewsQuery,
)
from analytics.api.queries import format_api_time

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 8, tzinfo=UTC)
RANGE = TimeRange(START, END)


# --- validation -------------------------------------------------------------------------------


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match=r"time_range\.start: .* has no time zone"):
        TimeRange(datetime(2026, 11, 1), END)
    with pytest.raises(ValueError, match=r"time_range\.end: .* has no time zone"):
        TimeRange(START, datetime(2026, 11, 8))


def test_empty_and_inverted_ranges_are_refused():
    with pytest.raises(ValueError, match="range is empty"):
        TimeRange(START, START)
    with pytest.raises(ValueError, match="range is inverted"):
        TimeRange(END, START)


def test_time_range_needs_datetimes():
    with pytest.raises(ValueError, match="expected a datetime"):
        TimeRange("2026-11-01", END)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "content_type",
            "vod",
            r"content_type: unknown value 'vod'; expected one of: live, recorded",
        ),
        ("dimension", "week", r"dimension: unknown value 'week'"),
        ("metric", "total-watch-time", r"metric: unknown value 'total-watch-time'"),
        ("tz", "Mars/Olympus", r"tz: unknown time zone 'Mars/Olympus'"),
        ("tz", "", r"tz: expected an IANA time zone"),
        ("time_range", (START, END), r"time_range: expected a TimeRange"),
    ],
)
def test_metric_query_rejects_unknown_values(field, value, message):
    fields = {"metric": Metric.TOTAL_VIEWS, "time_range": RANGE, field: value}
    with pytest.raises(ValueError, match=message):
        MetricQuery(**fields)


@pytest.mark.parametrize("bad_id", ["abc", "12a", 1.5, True, 0, -3, None, "", "١٢"])
def test_non_integer_content_ids_are_refused(bad_id):
    with pytest.raises(ValueError, match=r"content_ids: .* (integer|positive)"):
        MetricQuery(Metric.TOTAL_VIEWS, RANGE, content_type="live", content_ids=(bad_id,))


def test_content_ids_must_be_a_sequence():
    with pytest.raises(ValueError, match="content_ids: expected a sequence"):
        ViewsQuery(RANGE, content_type="live", content_ids="123")  # type: ignore[arg-type]


def test_content_ids_without_a_content_type_are_refused():
    for make in (
        lambda: MetricQuery(Metric.UNIQUE_DEVICES, RANGE, content_ids=(1,)),
        lambda: PeakQuery(RANGE, content_ids=(1,)),
        lambda: ViewersQuery(RANGE, content_ids=(1,)),
        lambda: ViewsQuery(RANGE, content_ids=(1,)),
    ):
        with pytest.raises(ValueError, match="content ids need a content_type"):
            make()


def test_unknown_granularity_is_refused():
    with pytest.raises(
        ValueError,
        match=r"granularity: unknown value 'week'; expected one of: minute, hour, day, month",
    ):
        PeakQuery(RANGE, granularity="week")


def test_flags_must_be_booleans():
    with pytest.raises(ValueError, match="list_unfinished_segments: expected true or false"):
        ViewsQuery(RANGE, list_unfinished_segments="no")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="inclusive_range: expected true or false"):
        ViewsQuery(RANGE, inclusive_range=None)  # type: ignore[arg-type]


def test_viewer_identifier_must_be_text():
    with pytest.raises(ValueError, match="viewer_identifier: expected text"):
        ViewersQuery(RANGE, viewer_identifier=42)  # type: ignore[arg-type]


def test_values_are_normalised_so_equal_questions_are_equal():
    a = MetricQuery("total-views", RANGE, "DAY", "Live", ("7", 3, 7), tz="Europe/Budapest")
    b = MetricQuery(
        Metric.TOTAL_VIEWS, RANGE, Dimension.DAY, ContentType.LIVE, (3, 7), "Europe/Budapest"
    )
    assert a == b
    assert hash(a) == hash(b)
    assert a.content_ids == (3, 7)
    assert a.metric is Metric.TOTAL_VIEWS
    assert ViewersQuery(RANGE, viewer_identifier="  ").viewer_identifier is None


# --- paths and params -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "path"),
    [
        (MetricQuery(Metric.TOTAL_VIEWS, RANGE), "total-views/summary"),
        (
            MetricQuery(Metric.UNIQUE_DEVICES, RANGE, Dimension.VIEW_SOURCE),
            "unique-devices/view-source",
        ),
        (
            MetricQuery(Metric.AUTHENTICATED_VIEWERS, RANGE, Dimension.HOUR, ContentType.RECORDED),
            "authenticated-viewers/recorded/hour",
        ),
        (MetricQuery(Metric.TOTAL_VIEWS, RANGE, content_type="live"), "total-views/live/summary"),
        (PeakQuery(RANGE), "peak-viewer-numbers"),
        (PeakQuery(RANGE, content_type="live"), "peak-viewer-numbers/live"),
        (ViewersQuery(RANGE), "viewers"),
        (ViewersQuery(RANGE, content_type="recorded"), "viewers/recorded"),
        (ViewsQuery(RANGE), "views"),
        (ViewsQuery(RANGE, content_type="live"), "views/live"),
    ],
)
def test_paths(query, path):
    assert query.path == path


def test_metric_params_carry_explicit_offsets_and_one_content_id_parameter():
    q = MetricQuery(Metric.TOTAL_VIEWS, RANGE, Dimension.DAY, "live", (456, 123))
    assert q.params() == {
        "date_time_from": "2026-11-01T00:00:00+00:00",
        "date_time_to": "2026-11-08T00:00:00+00:00",
        "content_id": "123,456",
    }


def test_times_are_sent_in_the_query_zone_with_that_instants_offset():
    # 2026-10-25 is the end of summer time in Budapest: the two ends have different offsets.
    budapest = ZoneInfo("Europe/Budapest")
    time_range = TimeRange(
        datetime(2026, 10, 20, tzinfo=budapest), datetime(2026, 10, 30, tzinfo=budapest)
    )
    params = MetricQuery(
        Metric.TOTAL_VIEWS, time_range, Dimension.DAY, tz="Europe/Budapest"
    ).params()
    assert params["date_time_from"] == "2026-10-20T00:00:00+02:00"
    assert params["date_time_to"] == "2026-10-30T00:00:00+01:00"
    # The same instants asked in UTC are sent in UTC.
    utc = MetricQuery(Metric.TOTAL_VIEWS, time_range, Dimension.DAY).params()
    assert utc["date_time_from"] == "2026-10-19T22:00:00+00:00"


def test_offsets_of_the_given_datetimes_do_not_leak_into_the_request():
    plus5 = timezone(timedelta(hours=5))
    q = ViewsQuery(
        TimeRange(datetime(2026, 11, 1, 5, tzinfo=plus5), datetime(2026, 11, 2, 5, tzinfo=plus5))
    )
    assert q.params()["date_time_from"] == "2026-11-01T00:00:00+00:00"


def test_fractional_seconds_are_kept():
    assert format_api_time(datetime(2026, 1, 1, 0, 0, 0, 500, tzinfo=UTC), "UTC") == (
        "2026-01-01T00:00:00.000500+00:00"
    )


def test_peak_viewers_and_views_params():
    peak = PeakQuery(RANGE, PeakGranularity.HOUR, "recorded", (9,))
    assert peak.params() == {
        "granularity": "hour",
        "date_time_from": "2026-11-01T00:00:00+00:00",
        "date_time_to": "2026-11-08T00:00:00+00:00",
        "content_id": "9",
    }
    views = ViewsQuery(RANGE, list_unfinished_segments=False, inclusive_range=False)
    assert views.params()["list_unfinished_segments"] == "false"
    assert views.params()["inclusive_range"] == "false"
    assert "content_id" not in views.params()
    viewers = ViewersQuery(RANGE, viewer_identifier="@example.com")
    assert viewers.params()["viewer_identifier"] == "@example.com"
    assert viewers.params()["list_unfinished_segments"] == "true"


def test_time_range_last_ends_on_a_whole_minute():
    now = datetime(2026, 11, 8, 10, 30, 45, 123, tzinfo=UTC)
    time_range = TimeRange.last(timedelta(days=7), now=now)
    assert time_range.end == datetime(2026, 11, 8, 10, 30, tzinfo=UTC)
    assert time_range.duration == timedelta(days=7)
    assert time_range.touches_last(timedelta(hours=24), now=now)
    assert not TimeRange(START, END).touches_last(timedelta(hours=24), now=now + timedelta(days=2))


# --- the current API: viewer-seconds, summaries, channel scope ------------------------------


def test_viewer_seconds_paths_and_params():
    q = ViewerSecondsQuery(RANGE, "DAY", "live", ["5", 3, "5"], tz="Europe/Budapest")
    assert q.path == "viewer-seconds/live"
    assert q.params() == {
        "granularity": "day",
        "date_time_from": "2026-11-01T01:00:00+01:00",
        "date_time_to": "2026-11-08T01:00:00+01:00",
        "content_id": "3,5",
    }
    assert ViewerSecondsQuery(RANGE).path == "viewer-seconds"
    assert ViewerSecondsQuery(RANGE).granularity is PeakGranularity.MINUTE
    assert q == ViewerSecondsQuery(RANGE, PeakGranularity.DAY, "live", [3, 5], "Europe/Budapest")
    with pytest.raises(ValueError, match="granularity: unknown value 'week'"):
        ViewerSecondsQuery(RANGE, "week")


def test_summary_queries_take_one_content_of_one_type():
    peak = PeakSummaryQuery(RANGE, "live", "42")
    assert peak.path == "peak-viewer-numbers/live/summary"
    assert peak.params() == {
        "date_time_from": "2026-11-01T00:00:00+00:00",
        "date_time_to": "2026-11-08T00:00:00+00:00",
        "content_id": "42",
    }
    seconds = ViewerSecondsSummaryQuery(RANGE, ContentType.RECORDED, 42)
    assert seconds.path == "viewer-seconds/recorded/summary"
    assert seconds != PeakSummaryQuery(RANGE, "recorded", 42)  # another question
    assert len({peak, PeakSummaryQuery(RANGE, "LIVE", 42)}) == 1
    with pytest.raises(ValueError, match="content_type: a summary needs a content_type"):
        PeakSummaryQuery(RANGE, None, 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="content_id: 'x' is not an integer id"):
        ViewerSecondsSummaryQuery(RANGE, "live", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="content_id: 0 is not a positive"):
        PeakSummaryQuery(RANGE, "live", 0)


@pytest.mark.parametrize(
    ("query", "path"),
    [
        (ViewsQuery(RANGE, channel_ids=[7, "3"]), "views/recorded/channel"),
        (PeakQuery(RANGE, "day", channel_ids=[7, 3]), "peak-viewer-numbers/recorded"),
        (ViewerSecondsQuery(RANGE, channel_ids=[3, 7]), "viewer-seconds/recorded/channel"),
        (ViewerSecondsQuery(RANGE, "hour", "recorded", channel_ids=[3, 7]), None),
    ],
)
def test_channel_scope_is_recorded_and_sends_comma_separated_channel_ids(query, path):
    assert query.content_type is ContentType.RECORDED
    assert query.channel_ids == (3, 7)
    assert query.params()["channel_id"] == "3,7"
    assert "content_id" not in query.params()
    if path:
        assert query.path == path


@pytest.mark.parametrize("kind", [ViewsQuery, PeakQuery, ViewerSecondsQuery])
def test_channel_ids_are_validated_like_content_ids(kind):
    with pytest.raises(ValueError, match="content_ids and channel_ids: give one or the other"):
        kind(RANGE, content_type="recorded", content_ids=[1], channel_ids=[2])
    with pytest.raises(ValueError, match="channel_ids: channels scope recorded videos"):
        kind(RANGE, content_type="live", channel_ids=[2])
    with pytest.raises(ValueError, match="channel_ids: 'x' is not an integer id"):
        kind(RANGE, channel_ids=["x"])
    with pytest.raises(ValueError, match=r"channel_ids: .* more than 18 digits"):
        kind(RANGE, channel_ids=[10**18])
    with pytest.raises(ValueError, match="channel_ids: at most 200 ids, got 201"):
        kind(RANGE, channel_ids=range(1, 202))
    with pytest.raises(ValueError, match="channel_ids: expected a sequence"):
        kind(RANGE, channel_ids="12")
    assert kind(RANGE, channel_ids=[]).content_type is None  # no channels: no scope
