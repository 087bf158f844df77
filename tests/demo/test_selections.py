"""Deep /views pages slice a kept selection; it is reused only while the clock changes
nothing, so paging stays exact as segments start and finish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from analytics.demo import segments_frame, start_demo_server
from analytics.demo.selections import Selections
from tests.demo.test_views_viewers import NOW, PERIOD, VIEWS


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock_and_api(demo_settings_factory, api_for):
    clock = Clock(NOW)
    server = start_demo_server(
        demo_settings_factory(), datasets={"demo-client": segments_frame(VIEWS)}, clock=clock
    )
    yield clock, api_for(server)
    server.stop()


def _page(api, number: int) -> tuple[int, list[str]]:
    params = {**PERIOD, "_limit": 2, "_page": number, "list_unfinished_segments": "false"}
    body = api.ok("views", **params)
    return body["pagination"]["count"], [
        row["attributes"]["view_session_id"] for row in body["data"]
    ]


def test_a_segment_finishing_between_pages_is_seen_by_the_next_page(clock_and_api):
    clock, api = clock_and_api
    assert _page(api, 1) == (3, ["v2", "v3"])  # v8 (10:40-12:30) is still running at 12:00
    clock.moment = NOW + timedelta(minutes=5)  # nothing starts or finishes: same selection
    assert _page(api, 2) == (3, ["v4"])
    clock.moment = NOW + timedelta(minutes=31)  # v8 has finished
    assert _page(api, 2) == (4, ["v8", "v4"])
    clock.moment = NOW  # and back
    assert _page(api, 2) == (3, ["v4"])


def test_deep_pages_equal_one_big_page(shared_api):
    # Before the live-now layer (today and yesterday), so that one page holds every segment.
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    period = {
        "date_time_from": (end - timedelta(days=3)).isoformat(),
        "date_time_to": end.isoformat(),
    }
    whole = shared_api.ok("views", **period, _limit=10_000)
    assert 300 < whole["pagination"]["count"] <= 10_000
    ids = [row["attributes"]["view_id"] for row in whole["data"]]
    paged = []
    for number in range(1, len(ids) // 97 + 2):
        paged += [
            row["view_id"]
            for row in shared_api.attributes("views", **period, _limit=97, _page=number)
        ]
    assert paged == ids


def test_a_selection_is_reused_only_while_unchanged():
    selections = Selections(size=2)
    made: list[str] = []

    def select(name: str):
        def run():
            made.append(name)
            return np.arange(3)

        return run

    t0 = NOW
    selections.seqs("a", t0, select("a"), unchanged=lambda *_: True)
    selections.seqs("a", t0 + timedelta(minutes=1), select("a"), unchanged=lambda *_: True)
    assert made == ["a"]
    seen = []
    selections.seqs("a", t0 - timedelta(minutes=1), select("a"), lambda *span: seen.append(span))
    assert made == ["a", "a"]  # changed (the callable said no): made again
    assert seen == [(t0 - timedelta(minutes=1), t0)]  # asked for the span in time order
    selections.seqs("b", t0, select("b"), unchanged=lambda *_: True)
    selections.seqs("c", t0, select("c"), unchanged=lambda *_: True)  # evicts "a" (least recent)
    selections.seqs("a", t0, select("a"), unchanged=lambda *_: True)
    assert made == ["a", "a", "b", "c", "a"]
    with pytest.raises(ValueError, match="read-only"):
        selections.seqs("a", t0, select("a"), unchanged=lambda *_: True)[0] = 7
