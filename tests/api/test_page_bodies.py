"""Page bodies -> frames: the columnar fast path gives exactly what the tolerant record path
gives, and falls back to it for whatever it cannot map exactly."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest
import requests

from analytics.api import ResponseFormatError, TimeRange, ViewersQuery, ViewsQuery, page_bodies

LAST_60_DAYS = TimeRange.last(timedelta(days=60))


def _body(server, token, query) -> bytes:
    response = requests.get(
        server.base_url + query.path,
        params={**query.params(), "_limit": "500"},
        headers={"Authorization": token},
        timeout=60,
    )
    response.raise_for_status()
    return response.content


@pytest.fixture(scope="module")
def view_body(demo_server, demo_token) -> bytes:
    return _body(demo_server, demo_token, ViewsQuery(LAST_60_DAYS))


@pytest.fixture(scope="module")
def viewer_body(demo_server, demo_token) -> bytes:
    return _body(demo_server, demo_token, ViewersQuery(LAST_60_DAYS))


def _both(body: bytes, kind: str, tz: str = "Europe/Budapest"):
    fast = page_bodies._columnar(body, kind, tz)  # raises _NotExact if it cannot
    slow = page_bodies._records(body, kind, tz, None)
    return fast, slow


def _assert_same(fast, slow) -> None:
    assert fast.rows == slow.rows
    assert fast.count == slow.count
    assert (fast.last_page, fast.has_next) == (slow.last_page, slow.has_next)
    if isinstance(slow.content, tuple):
        for f, s in zip(fast.content, slow.content, strict=True):
            pd.testing.assert_frame_equal(f, s)
    else:
        pd.testing.assert_frame_equal(fast.content, slow.content)


def test_views_from_the_demo_api(view_body):
    fast, slow = _both(view_body, "view")
    assert fast.rows == 500
    _assert_same(fast, slow)


def test_viewers_from_the_demo_api(viewer_body):
    fast, slow = _both(viewer_body, "viewer")
    assert len(fast.content[1]) > fast.rows  # segments
    _assert_same(fast, slow)


def _edit(body: bytes, change) -> bytes:
    payload = json.loads(body)
    change(payload["data"])
    return json.dumps(payload).encode()


def _attrs(data):
    return [item["attributes"] for item in data]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda d: [a.update(content_id=str(a["content_id"])) for a in _attrs(d)],
            id="ids-as-text",
        ),
        pytest.param(lambda d: [a.pop("device_info") for a in _attrs(d)[::3]], id="no-device-info"),
        pytest.param(
            lambda d: [a.update(device_info=None) for a in _attrs(d)[::2]], id="null-device-info"
        ),
        pytest.param(lambda d: [a["device_info"].pop("os") for a in _attrs(d)[::2]], id="no-os"),
        pytest.param(
            lambda d: [a.update(extra={"x": [1]}, more=None) for a in _attrs(d)], id="extra-fields"
        ),
        pytest.param(
            lambda d: [a.update(finished_at=None, to=None) for a in _attrs(d)[::4]], id="unfinished"
        ),
        pytest.param(
            lambda d: [a.update(is_mobile_view=None) for a in _attrs(d)[::5]], id="null-flag"
        ),
        pytest.param(
            lambda d: [a.update(client_id=12345) for a in _attrs(d)], id="number-as-text-column"
        ),
        pytest.param(lambda d: d.clear(), id="empty"),
    ],
)
def test_fast_path_variants_match_the_record_path(view_body, change):
    fast, slow = _both(_edit(view_body, change), "view")
    _assert_same(fast, slow)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda d: _attrs(d)[0].update(content_id=str(_attrs(d)[0]["content_id"])),
            id="mixed-id-types",
        ),
        pytest.param(lambda d: _attrs(d)[1].update(is_mobile_view="true"), id="flag-as-text"),
        pytest.param(lambda d: _attrs(d)[2].update(content_id=" 12 "), id="padded-id"),
        pytest.param(
            lambda d: d.__setitem__(0, dict(d[0]["attributes"])), id="record-without-envelope"
        ),
    ],
)
def test_what_the_fast_path_cannot_map_falls_back(view_body, change):
    body = _edit(view_body, change)
    with pytest.raises(page_bodies._NotExact):
        page_bodies._columnar(body, "view", "UTC")
    parsed = page_bodies.parse_page(body, "view", "UTC")
    assert parsed.rows == 500
    pd.testing.assert_frame_equal(
        parsed.content, page_bodies._records(body, "view", "UTC", None).content
    )


TIME_FORMS = [
    "2026-11-01T00:00:00+01:00",
    "2026-11-01T00:00:00Z",
    "2026-11-01T00:00:00.5-03:30",
    "2026-11-01T00:00:00.123456789+01:00",  # nanoseconds: not for Arrow's microseconds
    "2026-11-01T00:00:00",  # no offset: UTC, as the record path reads it
    "2026-11-01",
    "2026-11-01T00:00+01:00",
    "2026-11-01T00:00:00+0100",
    "2026-11-01 00:00:00+01:00",
    "20261101T000000Z",
]


@pytest.mark.parametrize("form", TIME_FORMS)
def test_time_forms_read_alike(view_body, form):
    """Arrow parses the usual forms; whatever it declines is parsed as the record path does."""
    body = _edit(view_body, lambda d: [a.update(started_at=form) for a in _attrs(d)[::7]])
    fast, slow = _both(body, "view")
    _assert_same(fast, slow)
    expected = pd.to_datetime(form, utc=True, format="ISO8601").floor("us")
    assert fast.content["started_at"].iloc[0] == expected


def test_pretty_printed_bodies(view_body, viewer_body):
    for body, kind in ((view_body, "view"), (viewer_body, "viewer")):
        pretty = json.dumps(json.loads(body), indent=2).encode()
        fast, slow = _both(pretty, kind)
        _assert_same(fast, slow)


def test_viewers_with_empty_or_missing_segments(viewer_body):
    def change(data):
        for item in data[::2]:
            item["attributes"]["segments"] = []
        data[1]["attributes"]["segments"] = None

    fast, slow = _both(_edit(viewer_body, change), "viewer")
    _assert_same(fast, slow)


def test_errors_are_worded_by_the_record_path(view_body):
    broken = _edit(view_body, lambda d: _attrs(d)[7].update(started_at="yesterday"))
    with pytest.raises(ResponseFormatError, match="view record 7: started_at is 'yesterday'"):
        page_bodies.parse_page(broken, "view", "UTC")
    missing = _edit(view_body, lambda d: _attrs(d)[3].pop("content_id"))
    with pytest.raises(ResponseFormatError, match="view record 3: content_id is None"):
        page_bodies.parse_page(missing, "view", "UTC")
    with pytest.raises(ResponseFormatError, match="not JSON"):
        page_bodies.parse_page(b"<html>", "view", "UTC")
    with pytest.raises(ResponseFormatError, match="no 'data' list"):
        page_bodies.parse_page(b'{"errors": []}', "view", "UTC")


def test_pagination_count_forms():
    assert page_bodies.pagination_count({"count": 7}) == 7
    assert page_bodies.pagination_count({"count": "7"}) == 7
    assert page_bodies.pagination_count({"count": 7.0}) == 7
    assert page_bodies.pagination_count({"count": -1}) is None
    assert page_bodies.pagination_count({"count": True}) is None
    assert page_bodies.pagination_count({}) is None
    assert page_bodies.pagination_count(None) is None


def _with_pagination(body: bytes, pagination: dict) -> bytes:
    payload = json.loads(body)
    payload["pagination"] = pagination
    return json.dumps(payload).encode()


HREF = "/v1/views?date_time_from=2026-11-01T00%3A00%3A00%2B00%3A00&_page={}&_limit=500"


@pytest.mark.parametrize(
    ("pagination", "last_page", "has_next"),
    [
        ({"count": 9, "last": {"href": HREF.format(7)}, "next": {"href": HREF.format(2)}}, 7, True),
        ({"count": 9, "last": HREF.format(7), "next": HREF.format(2)}, 7, True),
        ({"count": 9, "last": {"href": HREF.format(3)}, "next": None}, 3, False),
        ({"count": 9, "last": {"href": "/v1/views?_limit=5"}}, None, None),
        ({"count": 9, "next": ""}, None, False),
        ({"count": 9}, None, None),
    ],
)
def test_the_links_give_the_last_page_number_and_whether_more_follow(
    view_body, pagination, last_page, has_next
):
    fast, slow = _both(_with_pagination(view_body, pagination), "view")
    _assert_same(fast, slow)
    assert (fast.last_page, fast.has_next) == (last_page, has_next)


def test_the_demo_pages_link_to_the_last_page(view_body):
    page = page_bodies.parse_page(view_body, "view", "UTC")
    assert page.last_page is not None
    assert page.last_page == -(-page.count // 500)
    assert page.has_next is (page.last_page > 1)
