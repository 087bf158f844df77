"""Peak concurrent viewers on hand-built data; expected values worked out by hand.

NOW is 2024-07-16 12:00 UTC.
  live 10: p1 (one view, paused) 07-15 10:00-10:20 and 10:25-10:40; p2 07-15 10:10-10:30
           -> per minute: 10:00-10:09 1, 10:10-10:19 2, 10:20-10:24 1, 10:25-10:29 2,
              10:30-10:39 1 (a playback ending at 10:30:00 is not playing during 10:30)
  live 12: p3 08:00:10-08:00:20 and p4 08:00:30-08:00:40 in the same minute, never together -> 1
  live 13: p5 with two overlapping segments 09:00-09:02 and 09:01-09:03 -> 1 (one playback)
  recorded 20: p6 seeks at 09:10 (segments 09:00-09:10, 09:10-09:15) -> 1 during 09:00-09:14
  live 11: p7 since 07-16 11:58, still running at NOW -> 1 during 11:58, 11:59 and 12:00
  live 10: p8 07-16 13:00-13:30 starts after NOW -> never counted
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.demo import segments_frame, start_demo_server
from tests.demo.conftest import fixed_clock

NOW = datetime(2024, 7, 16, 12, 0, tzinfo=UTC)


def seg(session, start, end, content_id, content_type="live"):
    return {
        "view_session_id": session,
        "started_at": start,
        "finished_at": end,
        "content_id": content_id,
        "content_type": content_type,
    }


ROWS = [
    seg("p1", "2024-07-15T10:00:00Z", "2024-07-15T10:20:00Z", 10),
    seg("p1", "2024-07-15T10:25:00Z", "2024-07-15T10:40:00Z", 10),
    seg("p2", "2024-07-15T10:10:00Z", "2024-07-15T10:30:00Z", 10),
    seg("p3", "2024-07-15T08:00:10Z", "2024-07-15T08:00:20Z", 12),
    seg("p4", "2024-07-15T08:00:30Z", "2024-07-15T08:00:40Z", 12),
    seg("p5", "2024-07-15T09:00:00Z", "2024-07-15T09:02:00Z", 13),
    seg("p5", "2024-07-15T09:01:00Z", "2024-07-15T09:03:00Z", 13),
    seg("p6", "2024-07-15T09:00:00Z", "2024-07-15T09:10:00Z", 20, "recorded"),
    seg("p6", "2024-07-15T09:10:00Z", "2024-07-15T09:15:00Z", 20, "recorded"),
    seg("p7", "2024-07-16T11:58:00Z", None, 11),
    seg("p8", "2024-07-16T13:00:00Z", "2024-07-16T13:30:00Z", 10),
]
LIVE_10 = [1] * 10 + [2] * 10 + [1] * 5 + [2] * 5 + [1] * 10  # minutes 10:00 .. 10:39


@pytest.fixture(scope="module")
def api(demo_settings_factory, api_for):
    server = start_demo_server(
        demo_settings_factory(),
        datasets={"demo-client": segments_frame(ROWS)},
        clock=fixed_clock(NOW),
    )
    yield api_for(server)
    server.stop()


def peaks(api, path="peak-viewer-numbers", **params):
    params.setdefault("_limit", 10_000)
    return [
        (row["content_type"], row["content_id"], row["time"], row["value"])
        for row in api.attributes(path, **params)
    ]


def test_minute_peaks_count_concurrent_playbacks(api):
    rows = peaks(
        api,
        "peak-viewer-numbers/live",
        content_id="10",
        date_time_from="2024-07-15T10:00:00Z",
        date_time_to="2024-07-15T11:00:00Z",
    )
    expected = [
        ("live", 10, f"2024-07-15T10:{minute:02d}:00+00:00", value)
        for minute, value in enumerate(LIVE_10)
    ]
    assert rows == expected


def test_playbacks_in_the_same_minute_that_never_overlap_peak_at_one(api):
    rows = peaks(
        api,
        date_time_from="2024-07-15T08:00:00Z",
        date_time_to="2024-07-15T08:01:00Z",
    )
    assert rows == [("live", 12, "2024-07-15T08:00:00+00:00", 1)]


def test_overlapping_segments_of_one_view_count_once(api):
    rows = peaks(
        api,
        "peak-viewer-numbers/live",
        content_id="13",
        date_time_from="2024-07-15T09:00:00Z",
        date_time_to="2024-07-15T10:00:00Z",
    )
    assert [(time, value) for _, _, time, value in rows] == [
        ("2024-07-15T09:00:00+00:00", 1),
        ("2024-07-15T09:01:00+00:00", 1),
        ("2024-07-15T09:02:00+00:00", 1),
    ]


def test_both_content_types_ordered_by_time_then_type_then_id(api):
    rows = peaks(api, date_time_from="2024-07-15T09:00:00Z", date_time_to="2024-07-15T09:02:00Z")
    assert rows == [
        ("live", 13, "2024-07-15T09:00:00+00:00", 1),
        ("recorded", 20, "2024-07-15T09:00:00+00:00", 1),
        ("live", 13, "2024-07-15T09:01:00+00:00", 1),
        ("recorded", 20, "2024-07-15T09:01:00+00:00", 1),
    ]


def test_recorded_path_and_seek(api):
    rows = peaks(
        api,
        "peak-viewer-numbers/recorded",
        date_time_from="2024-07-15T00:00:00Z",
        date_time_to="2024-07-16T00:00:00Z",
    )
    assert [time[11:16] for _, _, time, _ in rows] == [f"09:{m:02d}" for m in range(15)]
    assert {value for *_, value in rows} == {1}


def test_hour_granularity_is_the_max_over_the_hour(api):
    rows = peaks(
        api,
        "peak-viewer-numbers/live",
        granularity="hour",
        date_time_from="2024-07-15T00:00:00Z",
        date_time_to="2024-07-16T00:00:00Z",
    )
    assert rows == [
        ("live", 12, "2024-07-15T08:00:00+00:00", 1),
        ("live", 13, "2024-07-15T09:00:00+00:00", 1),
        ("live", 10, "2024-07-15T10:00:00+00:00", 2),
    ]


def test_hour_buckets_follow_a_half_hour_offset(api):
    # +05:30: hours run from :30 to :30 in UTC. 09:30-10:30 UTC holds the 2s; 10:30-11:30 only 1s.
    rows = peaks(
        api,
        "peak-viewer-numbers/live",
        content_id="10",
        granularity="hour",
        date_time_from="2024-07-15T15:00:00+05:30",
        date_time_to="2024-07-15T17:00:00+05:30",
    )
    assert rows == [
        ("live", 10, "2024-07-15T15:00:00+05:30", 2),
        ("live", 10, "2024-07-15T16:00:00+05:30", 1),
    ]


@pytest.mark.parametrize("offset", ["+00:07", "-03:20", "+05:45"])
def test_hour_buckets_in_odd_offsets_agree_with_minutes(api, offset):
    params = {
        "date_time_from": f"2024-07-15T00:00:00{offset}",
        "date_time_to": f"2024-07-16T00:00:00{offset}",
    }
    minutes = peaks(api, "peak-viewer-numbers/live", content_id="10", **params)
    hours = peaks(api, "peak-viewer-numbers/live", content_id="10", granularity="hour", **params)
    by_hour: dict[str, int] = {}
    for _, _, time, value in minutes:
        hour = time[:14] + "00:00" + time[19:]
        by_hour[hour] = max(by_hour.get(hour, 0), value)
    assert [(time, value) for _, _, time, value in hours] == sorted(by_hour.items())
    assert max(by_hour.values()) == 2


def test_hours_only_take_minutes_inside_the_period(api):
    # From 10:30 the 10:00 hour only sees minutes 10:30-10:39 (value 1).
    rows = peaks(
        api,
        "peak-viewer-numbers/live",
        content_id="10",
        granularity="hour",
        date_time_from="2024-07-15T10:30:00Z",
        date_time_to="2024-07-15T12:00:00Z",
    )
    assert rows == [("live", 10, "2024-07-15T10:00:00+00:00", 1)]


def test_a_minute_that_overlaps_the_period_edge_counts(api):
    rows = peaks(
        api,
        "peak-viewer-numbers/live",
        content_id="10",
        date_time_from="2024-07-15T10:19:30Z",
        date_time_to="2024-07-15T10:20:30Z",
    )
    assert rows == [
        ("live", 10, "2024-07-15T10:19:00+00:00", 2),
        ("live", 10, "2024-07-15T10:20:00+00:00", 1),
    ]


def test_a_running_playback_counts_up_to_the_current_minute(api):
    rows = peaks(
        api,
        "peak-viewer-numbers/live",
        date_time_from="2024-07-16T11:00:00Z",
        date_time_to="2024-07-16T14:00:00Z",
    )
    # p8 (13:00) has not happened yet; p7 plays 11:58 .. now (12:00).
    assert rows == [
        ("live", 11, "2024-07-16T11:58:00+00:00", 1),
        ("live", 11, "2024-07-16T11:59:00+00:00", 1),
        ("live", 11, "2024-07-16T12:00:00+00:00", 1),
    ]
    hours = peaks(
        api,
        "peak-viewer-numbers/live",
        granularity="hour",
        date_time_from="2024-07-16T11:00:00Z",
        date_time_to="2024-07-16T14:00:00Z",
    )
    assert hours == [
        ("live", 11, "2024-07-16T11:00:00+00:00", 1),
        ("live", 11, "2024-07-16T12:00:00+00:00", 1),
    ]


def test_times_use_the_offset_of_date_time_from(api):
    rows = peaks(
        api,
        date_time_from="2024-07-15T10:00:00+01:00",
        date_time_to="2024-07-15T09:01:00Z",
    )
    # 10:00+01:00 is 09:00 UTC: p5 and p6 are playing.
    assert rows == [
        ("live", 13, "2024-07-15T10:00:00+01:00", 1),
        ("recorded", 20, "2024-07-15T10:00:00+01:00", 1),
    ]


def test_no_peaks_is_an_empty_page(api):
    body = api.ok(
        "peak-viewer-numbers",
        date_time_from="2023-01-01T00:00:00Z",
        date_time_to="2023-01-02T00:00:00Z",
    )
    assert body["data"] == []
    assert body["pagination"]["count"] == 0


def test_the_sweep_without_merging_gives_the_same_minutes(demo_settings_factory, api_for):
    """Without overlapping segments the store skips the per-view merge: same answers."""
    rows = [row for row in ROWS if row["view_session_id"] != "p5"]
    server = start_demo_server(
        demo_settings_factory(),
        datasets={"demo-client": segments_frame(rows)},
        clock=fixed_clock(NOW),
    )
    try:
        api = api_for(server)
        minutes = peaks(
            api,
            "peak-viewer-numbers/live",
            date_time_from="2024-07-15T08:00:00Z",
            date_time_to="2024-07-15T11:00:00Z",
        )
        assert [(content_id, value) for _, content_id, _, value in minutes] == [(12, 1)] + [
            (10, value) for value in LIVE_10
        ]
    finally:
        server.stop()
