"""Every bad input gets a 400 in the documented BadRequest shape, naming the parameter."""

from __future__ import annotations

import pytest

OK = {"date_time_from": "2024-07-01T00:00:00Z", "date_time_to": "2024-07-02T00:00:00Z"}


def errors_of(response):
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    errors = response.json()["errors"]
    for error in errors:
        assert error["status"] == 400
        assert error["title"]
        assert error["detail"]
    return errors


def pointers(response):
    return [error["source"]["pointer"] for error in errors_of(response)]


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2024-13-01T00:00:00Z",
        "2024-07-01T25:00:00Z",
        "2024/07/01",
        "1720000000",
        "2024-07-01T00:00:00+99:00",
        "2024-07-01T00:00:00+01:00:30",  # offsets must be whole minutes
        "0001-01-01T00:00:00+05:00",  # before the start of time in UTC
    ],
)
def test_a_date_that_does_not_parse(shared_api, value):
    response = shared_api.get("total-views/summary", **{**OK, "date_time_from": value})
    assert pointers(response) == ["date_time_from"]
    assert repr(value) in errors_of(response)[0]["detail"]


def test_an_unencoded_plus_gets_a_hint(shared_api):
    response = shared_api.get(
        "total-views/summary", **{**OK, "date_time_to": "2024-07-02T00:00:00 02:00"}
    )
    [error] = errors_of(response)
    assert error["source"]["pointer"] == "date_time_to"
    assert "%2B" in error["detail"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-07-02T00:00:00Z", "2024-07-01T00:00:00Z"),
        ("2024-07-01T00:00:00Z", "2024-07-01T00:00:00Z"),
        ("2024-07-01T02:00:00+02:00", "2024-07-01T00:00:00Z"),  # the same instant
    ],
)
@pytest.mark.parametrize("path", ["total-views/day", "views", "viewers", "peak-viewer-numbers"])
def test_from_not_before_to(shared_api, path, start, end):
    response = shared_api.get(path, date_time_from=start, date_time_to=end)
    assert pointers(response) == ["date_time_to"]


@pytest.mark.parametrize("missing", ["date_time_from", "date_time_to"])
@pytest.mark.parametrize(
    "path",
    [
        "total-views/summary",
        "unique-devices/live/day",
        "authenticated-viewers/region",
        "views",
        "views/live",
        "viewers",
        "viewers/recorded",
        "peak-viewer-numbers",
        "peak-viewer-numbers/live",
    ],
)
def test_a_missing_required_parameter(shared_api, path, missing):
    params = {k: v for k, v in OK.items() if k != missing}
    response = shared_api.get(path, **params)
    assert pointers(response) == [missing]
    assert "required" in errors_of(response)[0]["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "total-views/vod/summary",
        "unique-devices/vod/day",
        "authenticated-viewers/LIVE/summary",
        "views/vod",
        "viewers/video",
        "peak-viewer-numbers/vod",
    ],
)
def test_an_unknown_content_type(shared_api, path):
    response = shared_api.get(path, **OK)
    assert pointers(response) == ["content_type"]
    assert "live, recorded" in errors_of(response)[0]["detail"]


@pytest.mark.parametrize(
    "path", ["total-views/week", "unique-devices/live/week", "authenticated-viewers/minute"]
)
def test_an_unknown_dimension(shared_api, path):
    response = shared_api.get(path, **OK)
    assert pointers(response) == ["dimension"]


def test_an_unknown_content_type_and_dimension_are_both_reported(shared_api):
    response = shared_api.get("total-views/vod/week", **OK)
    assert pointers(response) == ["content_type", "dimension"]


@pytest.mark.parametrize("value", ["week", "second", "MINUTE", "1"])
@pytest.mark.parametrize(
    "path",
    ["peak-viewer-numbers", "peak-viewer-numbers/live", "viewer-seconds", "viewer-seconds/live"],
)
def test_an_unknown_granularity(shared_api, path, value):
    response = shared_api.get(path, **OK, granularity=value)
    assert pointers(response) == ["granularity"]


@pytest.mark.parametrize(
    "value", ["abc", "1,x", "1.5", "-3", "", "1,,2", "0", "99999999999999999999"]
)
@pytest.mark.parametrize(
    "path",
    ["total-views/live/summary", "views/recorded", "viewers/live", "peak-viewer-numbers/live"],
)
def test_a_non_integer_content_id(shared_api, path, value):
    response = shared_api.get(path, **OK, content_id=value)
    assert pointers(response) == ["content_id"]


@pytest.mark.parametrize("path", ["total-views/summary", "views", "viewers", "peak-viewer-numbers"])
def test_content_id_needs_a_content_type_path(shared_api, path):
    response = shared_api.get(path, **OK, content_id="1")
    assert pointers(response) == ["content_id"]


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5", "", " "])
def test_a_bad_page(shared_api, value):
    response = shared_api.get("total-views/day", **OK, _page=value)
    assert pointers(response) == ["_page"]


@pytest.mark.parametrize("value", ["0", "-5", "10001", "ten", "2.0", ""])
@pytest.mark.parametrize(
    "path", ["total-views/day", "views", "viewers/live", "peak-viewer-numbers"]
)
def test_a_limit_outside_1_to_10000(shared_api, path, value):
    response = shared_api.get(path, **OK, _limit=value)
    assert pointers(response) == ["_limit"]


@pytest.mark.parametrize("name", ["list_unfinished_segments", "inclusive_range"])
def test_a_bad_boolean(shared_api, name):
    response = shared_api.get("views", **OK, **{name: "maybe"})
    assert pointers(response) == [name]


def test_every_bad_parameter_is_reported_at_once(shared_api):
    response = shared_api.get(
        "views/live", date_time_from="x", content_id="y", _page="0", _limit="0"
    )
    assert pointers(response) == ["date_time_from", "date_time_to", "content_id", "_page", "_limit"]


@pytest.mark.parametrize("limit", ["1", "10000"])
def test_limit_bounds_are_accepted(shared_api, limit):
    assert shared_api.get("total-views/day", **OK, _limit=limit).status_code == 200


def test_a_page_far_beyond_the_last_is_empty_not_an_error(shared_api):
    body = shared_api.ok("views", **OK, _page="99999999999999999999999")
    assert body["data"] == []
    assert body["pagination"]["next"] is None


@pytest.mark.parametrize("path", ["total-views/day", "peak-viewer-numbers", "viewers"])
def test_huge_pages_everywhere(shared_api, path):
    assert shared_api.get(path, **OK, _page=str(2**70)).status_code == 200


def test_extreme_but_valid_dates(shared_api):
    for path in ("total-views/hour", "total-views/month", "peak-viewer-numbers", "views"):
        response = shared_api.get(
            path, date_time_from="0001-01-01T00:00:00Z", date_time_to="9999-12-31T23:59:59Z"
        )
        assert response.status_code == 200, (path, response.text)


def test_unknown_parameters_are_ignored(shared_api):
    assert shared_api.get("total-views/summary", **OK, colour="blue").status_code == 200


def test_unknown_paths_and_methods_answer_json(shared_api):
    response = shared_api.get("no-such-thing", **OK)
    assert response.status_code == 404
    assert response.json()["errors"][0]["status"] == 404
    response = shared_api.session.post(
        shared_api.server.base_url + "views", headers={"Authorization": shared_api.token}
    )
    assert response.status_code == 405
    assert response.json()["errors"][0]["status"] == 405
    response = shared_api.get("total-views/live/day/extra", **OK)
    assert response.status_code == 404
