"""/views range rules and /viewers on hand-built data, against the documentation's wording.

NOW is 2024-07-16 12:00 UTC; the period is 07-16 10:00-11:00 UTC. Segments (UTC):
  v1 09:00-09:30 before the period            -> never
  v2 09:50-10:10 started before, ends inside  -> inclusive only
  v3 10:10-10:20 inside (recorded 30)         -> always
  v4 10:50-11:10 starts inside, ends after    -> inclusive only
  v5 09:00-11:30 spans the whole period       -> never (none of the documented rules)
  v6 10:30-...   starts inside, running       -> unless list_unfinished_segments=false
  v7 09:30-...   started before, running      -> never
  v8 10:40-12:30 starts inside, finishes after NOW: running at NOW (finished_at/to null)
  v9 11:00-11:05 starts exactly at date_time_to -> never (the period is half-open)
  v10 09:55-10:00 ends exactly at date_time_from -> never
  v11 12:30-12:40 after NOW                    -> invisible
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.demo import segments_frame, start_demo_server
from tests.demo.conftest import fixed_clock

NOW = datetime(2024, 7, 16, 12, 0, tzinfo=UTC)
DAY = "2024-07-16T"


def view(name, start, end, **extra):
    return {
        "id": f"00000000-0000-4000-8000-0000000000{int(name[1:]):02d}",
        "view_session_id": name,
        "started_at": f"{DAY}{start}:00Z",
        "finished_at": None if end is None else f"{DAY}{end}:00Z",
        "content_id": 31,
        **extra,
    }


VIEWS = [
    view("v1", "09:00", "09:30"),
    view("v2", "09:50", "10:10"),
    view("v3", "10:10", "10:20", content_type="recorded", content_id=30, **{"from": 60}),
    view("v4", "10:50", "11:10"),
    view("v5", "09:00", "11:30"),
    view("v6", "10:30", None),
    view("v7", "09:30", None),
    view("v8", "10:40", "12:30", content_type="recorded", content_id=30),
    view("v9", "11:00", "11:05"),
    view("v10", "09:55", "10:00"),
    view("v11", "12:30", "12:40"),
]
PERIOD = {"date_time_from": f"{DAY}10:00:00Z", "date_time_to": f"{DAY}11:00:00Z", "_limit": 100}


def seg(identifier, session, start, end, content_id, content_type="live", day="2024-07-16"):
    return {
        "viewer_identifier": identifier,
        "view_session_id": session,
        "started_at": f"{day}T{start}:00Z",
        "finished_at": None if end is None else f"{day}T{end}:00Z",
        "content_id": content_id,
        "content_type": content_type,
        "client_id": f"device-{identifier or 'anon'}",
    }


VIEWERS = [
    seg("Alice.Smith@Example.com", "a1", "08:00", "08:10", 40),
    seg("Alice.Smith@Example.com", "a1", "08:12", "08:20", 40),
    seg("Alice.Smith@Example.com", "a2", "10:00", "10:30", 41, "recorded"),
    seg("Alice.Smith@Example.com", "a3", "11:00", "11:10", 40),
    seg("bob@example.org", "b1", "09:00", "09:05", 41, "recorded"),
    seg("bob@example.org", "b2", "11:30", None, 40),
    seg("", "n1", "10:00", "10:20", 40),
    seg("carol@example.net", "c1", "10:00", "10:20", 40, day="2024-07-14"),
    seg("ALICE@other.example", "x1", "07:00", "07:05", 40),
]
VIEWER_DAY = {"date_time_from": "2024-07-16T00:00:00Z", "date_time_to": "2024-07-17T00:00:00Z"}


@pytest.fixture(scope="module")
def api(demo_settings_factory, api_for):
    server = start_demo_server(
        demo_settings_factory(),
        datasets={"demo-client": segments_frame(VIEWS)},
        clock=fixed_clock(NOW),
    )
    yield api_for(server)
    server.stop()


@pytest.fixture(scope="module")
def viewers_api(demo_settings_factory, api_for):
    server = start_demo_server(
        demo_settings_factory(),
        datasets={"demo-client": segments_frame(VIEWERS)},
        clock=fixed_clock(NOW),
    )
    yield api_for(server)
    server.stop()


def listed(api, path="views", **params):
    return [row["view_session_id"] for row in api.attributes(path, **PERIOD, **params)]


@pytest.mark.parametrize(
    ("inclusive", "unfinished", "expected"),
    [
        (None, None, ["v2", "v3", "v6", "v8", "v4"]),  # the defaults are true, true
        ("true", "true", ["v2", "v3", "v6", "v8", "v4"]),
        ("true", "false", ["v2", "v3", "v4"]),
        ("false", "true", ["v3", "v6", "v8"]),
        ("false", "false", ["v3"]),
    ],
)
def test_views_follow_the_documented_range_rules(api, inclusive, unfinished, expected):
    params = {}
    if inclusive is not None:
        params["inclusive_range"] = inclusive
    if unfinished is not None:
        params["list_unfinished_segments"] = unfinished
    assert listed(api, **params) == expected


def test_views_count_matches_the_rows(api):
    body = api.ok("views", **PERIOD)
    assert body["pagination"]["count"] == 5


def test_a_view_has_the_documented_attributes_in_the_offset_of_from(api):
    rows = api.attributes(
        "views/recorded",
        date_time_from=f"{DAY}12:00:00+02:00",
        date_time_to=f"{DAY}13:00:00+02:00",
        inclusive_range="false",
    )
    assert rows[0] == {
        "view_id": "00000000-0000-4000-8000-000000000003",
        "content_type": "recorded",
        "content_id": 30,
        "started_at": f"{DAY}12:10:00+02:00",
        "finished_at": f"{DAY}12:20:00+02:00",
        "from": 60,
        "to": 660,
        "viewer_identifier": "",
        "country": "HU",
        "city": "Budapest",
        "is_mobile_view": False,
        "view_type": "onsite",
        "client_id": "device-v3",
        "view_session_id": "v3",
        "device_info": {
            "browser": {"family": "Chrome", "major": "120", "minor": "0", "patch": "6099"},
            "os": {
                "family": "Windows",
                "major": "10",
                "minor": None,
                "patch": None,
                "patch_minor": None,
            },
            "device": {"family": "Other", "brand": None, "model": None},
        },
    }


def test_a_segment_running_at_now_is_unfinished(api):
    rows = {row["view_session_id"]: row for row in api.attributes("views", **PERIOD)}
    assert rows["v8"]["finished_at"] is None
    assert rows["v8"]["to"] is None
    assert rows["v6"]["finished_at"] is None
    assert rows["v3"]["finished_at"] == f"{DAY}10:20:00+00:00"


def test_views_filter_by_content_type_and_id(api):
    assert listed(api, "views/recorded") == ["v3", "v8"]
    assert listed(api, "views/live") == ["v2", "v6", "v4"]
    assert listed(api, "views/live", content_id="31") == ["v2", "v6", "v4"]
    assert listed(api, "views/live", content_id="30") == []
    assert listed(api, "views/recorded", content_id="30,31") == ["v3", "v8"]


def test_segments_after_now_are_invisible(api):
    rows = api.attributes("views", date_time_from=f"{DAY}12:00:00Z", date_time_to=f"{DAY}13:00:00Z")
    assert rows == []


# --- /viewers --------------------------------------------------------------------------------


def test_viewers_lists_each_signed_in_viewer_once(viewers_api):
    rows = viewers_api.attributes("viewers", **VIEWER_DAY)
    assert [row["viewer_identifier"] for row in rows] == [
        "ALICE@other.example",
        "Alice.Smith@Example.com",
        "bob@example.org",
    ]  # carol watched on 07-14; the anonymous viewer has no identifier
    alice = rows[1]
    assert alice["videos_watched"] == 2  # live 40 (twice) and recorded 41
    assert alice["last_activity"] == "2024-07-16T11:10:00+00:00"
    assert [s["started_at"][11:16] for s in alice["segments"]] == [
        "08:00",
        "08:12",
        "10:00",
        "11:00",
    ]
    assert {s["view_session_id"] for s in alice["segments"]} == {"a1", "a2", "a3"}
    bob = rows[2]
    assert bob["videos_watched"] == 2
    assert bob["last_activity"] == "2024-07-16T11:30:00+00:00"  # the running segment's start
    assert bob["segments"][1]["finished_at"] is None


def test_viewer_segments_have_the_segment_attributes(viewers_api):
    segment = viewers_api.attributes("viewers", **VIEWER_DAY, viewer_identifier="bob")[0][
        "segments"
    ][0]
    assert set(segment) == {
        "id", "content_type", "content_id", "started_at", "finished_at", "from", "to",
        "country", "city", "is_mobile_view", "view_type", "client_id", "view_session_id",
        "device_info",
    }  # fmt: skip
    assert segment["content_type"] == "recorded"
    assert segment["content_id"] == 41


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("alice", ["ALICE@other.example", "Alice.Smith@Example.com"]),
        ("ALICE.smith", ["Alice.Smith@Example.com"]),
        ("EXAMPLE.ORG", ["bob@example.org"]),
        ("@", ["ALICE@other.example", "Alice.Smith@Example.com", "bob@example.org"]),
        ("nobody", []),
        ("%", []),  # a literal substring, not a LIKE pattern
    ],
)
def test_viewer_identifier_is_a_case_insensitive_substring(viewers_api, needle, expected):
    rows = viewers_api.attributes("viewers", **VIEWER_DAY, viewer_identifier=needle)
    assert [row["viewer_identifier"] for row in rows] == expected


def test_viewers_by_content_type(viewers_api):
    rows = viewers_api.attributes("viewers/recorded", **VIEWER_DAY)
    assert [(r["viewer_identifier"], r["videos_watched"], r["last_activity"]) for r in rows] == [
        ("Alice.Smith@Example.com", 1, "2024-07-16T10:30:00+00:00"),
        ("bob@example.org", 1, "2024-07-16T09:05:00+00:00"),
    ]
    rows = viewers_api.attributes("viewers/live", **VIEWER_DAY, content_id="41")
    assert rows == []


def test_viewers_without_unfinished_segments(viewers_api):
    rows = viewers_api.attributes(
        "viewers", **VIEWER_DAY, viewer_identifier="bob", list_unfinished_segments="false"
    )
    assert len(rows) == 1
    assert rows[0]["videos_watched"] == 1
    assert rows[0]["last_activity"] == "2024-07-16T09:05:00+00:00"
    assert len(rows[0]["segments"]) == 1


def test_viewers_use_the_views_range_rules(viewers_api):
    # 08:05-08:15: a1's first segment ends inside, its second starts inside.
    rows = viewers_api.attributes(
        "viewers", date_time_from="2024-07-16T08:05:00Z", date_time_to="2024-07-16T08:15:00Z"
    )
    assert [r["viewer_identifier"] for r in rows] == ["Alice.Smith@Example.com"]
    assert len(rows[0]["segments"]) == 2
    assert rows[0]["videos_watched"] == 1
