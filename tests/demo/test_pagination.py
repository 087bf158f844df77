"""The documented pagination object: count, self, first, prev, next, last."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

DAY = {"date_time_from": "2024-07-15T00:00:00Z", "date_time_to": "2024-07-16T00:00:00Z"}


def page_of(link):
    assert link is not None
    parts = urlsplit(link["href"])
    query = parse_qs(parts.query)
    return parts.path, int(query["_page"][0]), int(query["_limit"][0]), query


def test_first_middle_last_and_beyond(shared_api):
    # 24 hour buckets, 10 per page -> 3 pages.
    first = shared_api.ok("total-views/hour", **DAY, _limit=10)
    p = first["pagination"]
    assert p["count"] == 24
    assert len(first["data"]) == 10
    assert p["prev"] is None
    assert page_of(p["self"])[1] == 1
    assert page_of(p["first"])[1] == 1
    assert page_of(p["next"])[1] == 2
    assert page_of(p["last"])[1] == 3

    middle = shared_api.ok("total-views/hour", **DAY, _limit=10, _page=2)["pagination"]
    assert page_of(middle["prev"])[1] == 1
    assert page_of(middle["next"])[1] == 3

    last = shared_api.ok("total-views/hour", **DAY, _limit=10, _page=3)
    assert len(last["data"]) == 4
    assert last["pagination"]["next"] is None
    assert page_of(last["pagination"]["prev"])[1] == 2

    beyond = shared_api.ok("total-views/hour", **DAY, _limit=10, _page=7)
    assert beyond["data"] == []
    assert beyond["pagination"]["count"] == 24
    assert beyond["pagination"]["next"] is None
    assert page_of(beyond["pagination"]["prev"])[1] == 3  # back to the last real page


def test_pages_are_disjoint_and_cover_everything(shared_api):
    whole = shared_api.attributes("total-views/hour", **DAY, _limit=100)
    paged = []
    for page in (1, 2, 3, 4, 5):
        paged += shared_api.attributes("total-views/hour", **DAY, _limit=5, _page=page)
    assert paged == whole
    assert len(whole) == 24


def test_views_pages_follow_the_next_links(shared_api):
    params = {"date_time_from": "2024-01-01T00:00:00Z", "date_time_to": "2030-01-01T00:00:00Z"}
    whole = shared_api.ok("views/live", **params, _limit=300)
    count = whole["pagination"]["count"]
    assert count > 300
    ids = []
    link = {"href": f"/v1/views/live?date_time_from={params['date_time_from']}"}
    page = 1
    while link is not None and page <= 3:
        body = shared_api.ok("views/live", **params, _limit=100, _page=page)
        ids += [row["attributes"]["view_id"] for row in body["data"]]
        link = body["pagination"]["next"]
        page += 1
    assert ids == [row["attributes"]["view_id"] for row in whole["data"]]
    assert len(set(ids)) == 300


def test_links_keep_the_other_parameters_and_are_relative(shared_api):
    body = shared_api.ok("unique-devices/live/hour", **DAY, content_id="1,2", _limit=5, _page=2)
    path, page, limit, query = page_of(body["pagination"]["next"])
    assert path == "/v1/unique-devices/live/hour"
    assert (page, limit) == (3, 5)
    assert query["content_id"] == ["1,2"]
    assert query["date_time_from"] == [DAY["date_time_from"]]
    assert body["pagination"]["next"]["href"].startswith("/v1/")


def test_default_limit_is_10(shared_api):
    body = shared_api.ok("total-views/hour", **DAY)
    assert len(body["data"]) == 10
    assert page_of(body["pagination"]["self"])[2] == 10


def test_an_empty_result(shared_api):
    body = shared_api.ok(
        "views", date_time_from="2001-01-01T00:00:00Z", date_time_to="2001-01-02T00:00:00Z"
    )
    p = body["pagination"]
    assert body["data"] == []
    assert p["count"] == 0
    assert p["prev"] is None
    assert p["next"] is None
    assert p["last"] == p["first"]
    assert page_of(p["last"])[1] == 1


def test_a_full_10000_row_page(shared_api):
    params = {"date_time_from": "2000-01-01T00:00:00Z", "date_time_to": "2100-01-01T00:00:00Z"}
    body = shared_api.ok("views", **params, _limit=10_000)
    assert len(body["data"]) == 10_000
    # The dataset runs to the end of today; segments starting after now are not visible yet.
    # 30k background segments plus the live-now layer's (~17k, today and yesterday).
    assert 10_000 < body["pagination"]["count"] <= 60_000
    starts = [row["attributes"]["started_at"] for row in body["data"]]
    assert starts == sorted(starts)
