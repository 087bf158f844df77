"""Aggregate metrics on a hand-built dataset; every expected number is worked out by hand.

NOW is 2024-07-16 12:00 UTC. Sessions (view_session_id -> segments, UTC):
  s1 live 10, device c1, alice, HU, desktop, onsite:  07-15 10:00-10:20 and 10:25-10:40
  s2 live 10, device c2, anonymous, US, mobile, offsite:  07-15 10:10-10:30
  s3 live 10, device c1, alice, HU, desktop, onsite:  07-15 23:30 - 07-16 00:30
  s4 recorded 20, device c3, Bob@Example.com, DE, tablet, onsite:  07-16 09:00-09:10, 09:10-09:15
  s5 recorded 21, device c4, anonymous, DE, tv, onsite:  06-30 23:00-23:30
  s6 live 10, device c6, dave, FR: 07-16 13:00-13:30 (after NOW: invisible)
  s7 live 11, device c5, carol, GB, desktop, offsite: 07-16 11:50, still running
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.contract import Metric
from analytics.demo import segments_frame, start_demo_server
from tests.demo.conftest import fixed_clock

NOW = datetime(2024, 7, 16, 12, 0, tzinfo=UTC)
MOBILE = {"os_family": "iOS", "device_family": "iPhone", "is_mobile_view": True}
TABLET = {"os_family": "iOS", "device_family": "iPad", "is_mobile_view": True}
TV = {"os_family": "Tizen", "device_family": "Samsung SmartTV", "browser_family": "Samsung"}


def seg(session, start, end, **extra):
    return {"view_session_id": session, "started_at": start, "finished_at": end, **extra}


S1 = {"client_id": "c1", "viewer_identifier": "alice@example.com", "content_id": 10}
S2 = {"client_id": "c2", "country": "US", "city": "New York", "view_type": "offsite", **MOBILE}
ROWS = [
    seg("s1", "2024-07-15T10:00:00Z", "2024-07-15T10:20:00Z", **S1),
    seg("s1", "2024-07-15T10:25:00Z", "2024-07-15T10:40:00Z", **S1),
    seg("s2", "2024-07-15T10:10:00Z", "2024-07-15T10:30:00Z", content_id=10, **S2),
    seg("s3", "2024-07-15T23:30:00Z", "2024-07-16T00:30:00Z", **S1),
    *[
        seg("s4", start, end, content_type="recorded", content_id=20, client_id="c3",
            viewer_identifier="Bob@Example.com", country="DE", city="Berlin", **TABLET)
        for start, end in [("2024-07-16T09:00:00Z", "2024-07-16T09:10:00Z"),
                           ("2024-07-16T09:10:00Z", "2024-07-16T09:15:00Z")]
    ],
    seg("s5", "2024-06-30T23:00:00Z", "2024-06-30T23:30:00Z", content_type="recorded",
        content_id=21, client_id="c4", country="DE", city="Munich", **TV),
    seg("s6", "2024-07-16T13:00:00Z", "2024-07-16T13:30:00Z", content_id=10, client_id="c6",
        viewer_identifier="dave@example.com", country="FR", city="Paris"),
    seg("s7", "2024-07-16T11:50:00Z", None, content_id=11, client_id="c5",
        viewer_identifier="carol@example.com", country="GB", city="London", view_type="offsite"),
]  # fmt: skip
ALL = {"date_time_from": "2024-06-01T00:00:00Z", "date_time_to": "2024-08-01T00:00:00Z"}


def _server(demo_settings_factory, api_for, **settings):
    server = start_demo_server(
        demo_settings_factory(**settings),
        datasets={"demo-client": segments_frame(ROWS)},
        clock=fixed_clock(NOW),
    )
    return server, api_for(server)


@pytest.fixture(scope="module")
def api(demo_settings_factory, api_for):
    server, api = _server(demo_settings_factory, api_for)
    yield api
    server.stop()


@pytest.fixture(scope="module")
def api_103(demo_settings_factory, api_for):
    """The same data served as the older v1.0.3 surface."""
    server, api = _server(demo_settings_factory, api_for, api_version="1.0.3")
    yield api
    server.stop()


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (Metric.TOTAL_VIEWS, 6),  # s1 s2 s3 s4 s5 s7; s6 starts after now
        (Metric.UNIQUE_DEVICES, 5),  # c1 c2 c3 c4 c5
        (Metric.AUTHENTICATED_VIEWERS, 3),  # alice, Bob@Example.com, carol
    ],
)
def test_summary_counts_views_devices_and_signed_in_viewers(api, metric, expected):
    body = api.ok(f"{metric.value}/summary", **ALL)
    assert body["data"] == [
        {
            "attributes": {
                "dimension_type": "summary",
                "point": metric.point_name,
                "value": expected,
            },
            "type": "Series",
        }
    ]


def test_summary_pagination_has_only_count_self_first_last(api):
    pagination = api.ok("total-views/summary", **ALL)["pagination"]
    assert set(pagination) == {"count", "self", "first", "last"}
    assert pagination["count"] == 1


def test_summary_of_an_empty_period_is_zero(api):
    rows = api.attributes(
        "unique-devices/summary",
        date_time_from="2023-01-01T00:00:00Z",
        date_time_to="2023-02-01T00:00:00Z",
    )
    assert rows == [{"dimension_type": "summary", "point": "unique_devices", "value": 0}]


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("total-views/live/summary", {}, 4),  # s1 s2 s3 s7
        ("unique-devices/live/summary", {}, 3),  # c1 c2 c5
        ("authenticated-viewers/live/summary", {}, 2),  # alice, carol
        ("total-views/recorded/summary", {}, 2),  # s4 s5
        ("total-views/recorded/summary", {"content_id": "20"}, 1),
        ("total-views/live/summary", {"content_id": "10,11"}, 4),
        ("total-views/live/summary", {"content_id": "11"}, 1),
        ("total-views/live/summary", {"content_id": "20"}, 0),  # 20 is recorded
        ("total-views/recorded/summary", {"content_id": "21,20,21"}, 2),
    ],
)
def test_content_type_and_content_id_filter(api, path, params, expected):
    assert api.series(path, **ALL, **params)[0][1] == expected


def test_repeated_content_id_parameters_are_one_list(api):
    response = api.get("total-views/live/summary", **ALL, content_id=["10", "11"])
    assert response.json()["data"][0]["attributes"]["value"] == 4


def test_day_buckets_in_utc_stop_at_now(api):
    params = {"date_time_from": "2024-07-15T00:00:00Z", "date_time_to": "2024-07-17T00:00:00Z"}
    assert api.series("total-views/day", **params) == [
        ("2024-07-15T00:00:00+00:00", 3),  # s1 s2 s3 (23:30)
        ("2024-07-16T00:00:00+00:00", 2),  # s4 s7 (s6 is after now, 07-17 is in the future)
    ]


def test_day_buckets_follow_the_offset_of_date_time_from(api):
    params = {
        "date_time_from": "2024-07-15T00:00:00+02:00",
        "date_time_to": "2024-07-17T00:00:00+02:00",
    }
    # s3 starts 07-16 01:30 in +02:00, so it moves to the second day.
    assert api.series("total-views/day", **params) == [
        ("2024-07-15T00:00:00+02:00", 2),
        ("2024-07-16T00:00:00+02:00", 3),
    ]


def test_time_buckets_include_zeros(api):
    params = {"date_time_from": "2024-07-13T00:00:00Z", "date_time_to": "2024-07-16T00:00:00Z"}
    assert api.series("total-views/day", **params) == [
        ("2024-07-13T00:00:00+00:00", 0),
        ("2024-07-14T00:00:00+00:00", 0),
        ("2024-07-15T00:00:00+00:00", 3),
    ]


def test_hour_buckets_count_views_by_their_start(api):
    params = {"date_time_from": "2024-07-15T10:00:00Z", "date_time_to": "2024-07-15T12:00:00Z"}
    assert api.series("total-views/hour", **params) == [
        ("2024-07-15T10:00:00+00:00", 2),  # s1 and s2 (s1's second segment is the same view)
        ("2024-07-15T11:00:00+00:00", 0),
    ]
    assert api.series("unique-devices/hour", **params)[0] == ("2024-07-15T10:00:00+00:00", 2)


def test_the_first_bucket_starts_before_a_mid_bucket_from_but_counts_from_it(api):
    params = {"date_time_from": "2024-07-15T10:05:00Z", "date_time_to": "2024-07-15T11:00:00Z"}
    # s1 started 10:00, before the period; only s2 counts.
    assert api.series("total-views/hour", **params) == [("2024-07-15T10:00:00+00:00", 1)]


def test_month_buckets_in_an_offset(api):
    params = {
        "date_time_from": "2024-06-01T00:00:00+02:00",
        "date_time_to": "2024-08-01T00:00:00+02:00",
    }
    # s5 (06-30 23:00 UTC) is 07-01 01:00 in +02:00.
    assert api.series("total-views/month", **params) == [
        ("2024-06-01T00:00:00+02:00", 0),
        ("2024-07-01T00:00:00+02:00", 6),
    ]
    assert api.series("total-views/month", **ALL) == [
        ("2024-06-01T00:00:00+00:00", 1),
        ("2024-07-01T00:00:00+00:00", 5),
    ]


def test_authenticated_viewers_by_day_are_distinct_per_bucket(api):
    params = {"date_time_from": "2024-07-15T00:00:00Z", "date_time_to": "2024-07-17T00:00:00Z"}
    assert api.series("authenticated-viewers/day", **params) == [
        ("2024-07-15T00:00:00+00:00", 1),  # alice twice
        ("2024-07-16T00:00:00+00:00", 2),  # Bob@Example.com, carol
    ]


def test_location_is_the_country_code_largest_first_on_v1_0_3(api_103):
    assert api_103.series("total-views/location", **ALL) == [
        ("DE", 2),
        ("HU", 2),
        ("GB", 1),
        ("US", 1),
    ]
    assert api_103.series("unique-devices/location", **ALL) == [
        ("DE", 2),
        ("GB", 1),
        ("HU", 1),  # c1 twice
        ("US", 1),
    ]


def test_country_answers_what_location_did(api, api_103):
    assert api.series("unique-devices/country", **ALL) == [
        ("DE", 2),
        ("GB", 1),
        ("HU", 1),
        ("US", 1),
    ]
    assert api.series("total-views/live/country", **ALL) == api_103.series(
        "total-views/live/location", **ALL
    )
    assert {row["dimension_type"] for row in api.attributes("total-views/country", **ALL)} == {
        "country"
    }


def test_region_is_the_iso_3166_2_subdivision_largest_first(api):
    assert api.series("total-views/region", **ALL) == [
        ("HU-BU", 2),  # s1, s3 in Budapest
        ("DE-BE", 1),  # s4 Berlin
        ("DE-BY", 1),  # s5 Munich
        ("GB-ENG", 1),  # s7 London
        ("US-NY", 1),  # s2 New York
    ]
    assert api.series("total-views/recorded/region", **ALL) == [("DE-BE", 1), ("DE-BY", 1)]


@pytest.mark.parametrize("dimension", ["location", "nowhere"])
def test_current_api_answers_location_as_an_unknown_dimension(api, dimension):
    response = api.get(f"total-views/{dimension}", **ALL)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["source"] == {"pointer": "dimension"}
    assert "country, region" in error["detail"]


@pytest.mark.parametrize("dimension", ["country", "region"])
def test_v1_0_3_answers_country_and_region_as_unknown_dimensions(api_103, dimension):
    response = api_103.get(f"unique-devices/live/{dimension}", **ALL)
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"pointer": "dimension"}
    assert "location" in response.json()["errors"][0]["detail"]


def test_device_is_a_device_class(api):
    assert api.series("total-views/device", **ALL) == [
        ("desktop", 3),
        ("mobile", 1),
        ("tablet", 1),
        ("tv", 1),
    ]


def test_view_source_is_onsite_or_offsite(api):
    assert api.series("total-views/view-source", **ALL) == [("onsite", 4), ("offsite", 2)]
    assert api.series("authenticated-viewers/live/view-source", **ALL) == [
        ("offsite", 1),
        ("onsite", 1),
    ]


def test_dimension_rows_carry_their_dimension_type(api, api_103):
    for dimension in ("month", "day", "hour", "device", "view-source", "country", "region"):
        rows = api.attributes(f"total-views/{dimension}", **ALL)
        assert rows
        assert {row["dimension_type"] for row in rows} == {dimension}
    for dimension in ("month", "day", "hour", "location", "device", "view-source"):
        rows = api_103.attributes(f"total-views/{dimension}", **ALL)
        assert rows
        assert {row["dimension_type"] for row in rows} == {dimension}


def test_a_time_without_offset_is_read_as_los_angeles(api):
    # July: Los Angeles is UTC-07:00.
    naive = {"date_time_from": "2024-07-15T00:00:00", "date_time_to": "2024-07-16T00:00:00"}
    explicit = {
        "date_time_from": "2024-07-15T00:00:00-07:00",
        "date_time_to": "2024-07-16T00:00:00-07:00",
    }
    assert api.series("total-views/day", **naive) == api.series("total-views/day", **explicit)
    assert api.series("total-views/day", **naive) == [("2024-07-15T00:00:00-07:00", 3)]
