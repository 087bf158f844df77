"""The live-now layer (analytics.demo.live_now) and the Channel API's on-air fields
(analytics.demo.on_air): whatever the time of day a channel is on air with an audience that
moves, from many countries and devices, with views still running at "now"; `status`,
`stats.viewer` and `last_broadcast_at` agree with the minute peaks at the same moment; the
`live_now` knob sizes the layer or removes it.

One small server (2,000 background segments) with a clock the tests move through one UTC day,
so the data is generated once.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import pytest

from analytics.demo import DemoServer, DemoSettings, segments_frame, start_demo_server
from analytics.demo.cli import register, settings_from_args
from analytics.demo.generator import generate
from analytics.demo.live_now import with_live_now
from analytics.demo.store import generated_dataset
from tests.demo.conftest import Api
from tests.demo.test_channel_api import ChannelApi

DAY = datetime(2024, 7, 16, tzinfo=UTC)
# One moment in each hour of DAY, at varying minutes and seconds.
SAMPLES = [DAY + timedelta(hours=h, minutes=(7 + h * 23) % 60, seconds=h * 2) for h in range(24)]
SMALL = {"segments": 2_000, "days": 10}


class MovableClock:
    """A server clock the test sets; it stays inside DAY, so the data is never rebuilt."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class LiveServer:
    """A demo server, its clock, and callers of both APIs."""

    def __init__(self, server: DemoServer, clock: MovableClock, api: Api) -> None:
        self.server = server
        self.clock = clock
        self.api = api
        self.channels = ChannelApi(server)

    def at(self, moment: datetime) -> LiveServer:
        self.clock.moment = moment
        return self

    def on_air(self) -> dict[int, dict]:
        """Channel id -> the channel's details, for every channel of the list, at the clock."""
        listed = self.channels.all_channels()
        details = {}
        for item in listed:
            detail = self.channels.ok(f"channels/{item['id']}.json")["channel"]
            assert (item["status"] == "online") == (detail["status"] == "live"), item
            details[int(item["id"])] = detail
        return details

    def minute_peaks(self, start: datetime, end: datetime, **params: object) -> list[dict]:
        return self.api.attributes(
            "peak-viewer-numbers/live",
            date_time_from=_text(start),
            date_time_to=_text(end),
            granularity="minute",
            _limit=10_000,
            **params,
        )


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _start(demo_settings_factory, api_for, **settings: object) -> Iterator[LiveServer]:
    clock = MovableClock(SAMPLES[0])
    with start_demo_server(demo_settings_factory(**settings), clock=clock) as server:
        yield LiveServer(server, clock, api_for(server))


@pytest.fixture(scope="module")
def live(demo_settings_factory, api_for) -> Iterator[LiveServer]:
    yield from _start(demo_settings_factory, api_for, **SMALL)


@pytest.fixture(scope="module")
def live_off(demo_settings_factory, api_for) -> Iterator[LiveServer]:
    yield from _start(demo_settings_factory, api_for, **SMALL, live_now=0)


# --- on air at any time of day ---------------------------------------------------------------


def test_a_channel_is_on_air_with_viewers_at_every_hour(live):
    news_viewers = []
    for moment in SAMPLES:
        channels = live.at(moment).on_air()
        on_air = {cid: c for cid, c in channels.items() if c["status"] == "live"}
        assert on_air, f"nothing on air at {moment}"
        for channel in channels.values():
            assert (channel["stats"]["viewer"] > 0) == (channel["status"] == "live"), channel
        news = next(iter(channels.values()))  # the first channel: "Company News 24/7"
        assert news["title"] == "Company News 24/7"
        assert news["status"] == "live", moment
        news_viewers.append(news["stats"]["viewer"])
    # Tens to a few hundred viewers, more in the world's evening than in its morning.
    assert min(news_viewers) >= 20
    assert 100 <= max(news_viewers) <= 500
    assert max(news_viewers) >= 1.8 * min(news_viewers)


def test_status_and_current_viewers_agree_with_the_minute_peaks(live):
    for moment in SAMPLES[::3]:
        channels = live.at(moment).on_air()
        minute = moment.replace(second=0)
        peaks = {
            row["content_id"]: row["value"]
            for row in live.minute_peaks(minute, minute + timedelta(minutes=1))
        }
        for channel_id, channel in channels.items():
            viewers = channel["stats"]["viewer"]
            if channel["status"] == "live":
                # Playing at `now` -> counted in the current minute's peak.
                assert 0 < viewers <= peaks[channel_id], (moment, channel)
            else:
                assert viewers == 0


def test_the_audience_moves_from_minute_to_minute(live):
    now = DAY + timedelta(hours=20, minutes=30)
    news_id = next(iter(live.at(now).on_air()))
    values = [
        row["value"] for row in live.minute_peaks(now - timedelta(hours=1), now, content_id=news_id)
    ]
    assert len(values) == 60
    assert len(set(values)) >= 8
    assert sum(a != b for a, b in pairwise(values)) >= 20


def test_events_ramp_up_then_decay_and_start_their_broadcast(live):
    live.at(DAY + timedelta(hours=23, minutes=59))
    channels = live.on_air()
    always_on = list(channels)[:2]
    starts = {
        cid: datetime.fromtimestamp(c["last_broadcast_at"], UTC)
        for cid, c in channels.items()
        if cid not in always_on and "last_broadcast_at" in c
    }
    # Event channels broadcast today (one event every three hours, the channels in turn).
    today = {cid: start for cid, start in starts.items() if start >= DAY}
    assert len(today) >= 4
    for channel_id, start in today.items():
        first = start.replace(second=0)
        before = live.minute_peaks(first - timedelta(minutes=20), first, content_id=channel_id)
        assert before == []  # a broadcast starts after a quiet spell
        during = [
            row["value"]
            for row in live.minute_peaks(
                first, first + timedelta(minutes=45), content_id=channel_id
            )
        ]
        assert during[0] > 0
        peak = max(during)
        if peak >= 40:  # big enough to have a shape
            assert during.index(peak) <= 20  # up in the first minutes ...
            assert during[-1] < peak  # ... then down


def test_viewers_from_many_countries_and_devices_and_views_running_now(live):
    now = DAY + timedelta(hours=15, minutes=42, seconds=11)
    live.at(now)
    hour = {"date_time_from": _text(now - timedelta(hours=1)), "date_time_to": _text(now)}
    countries = live.api.series("total-views/live/country", **hour, _limit=100)
    devices = dict(live.api.series("total-views/live/device", **hour))
    assert len(countries) >= 15
    assert {"desktop", "mobile", "tv"} <= set(devices)
    body = live.api.ok(
        "views/live",
        date_time_from=_text(now - timedelta(minutes=10)),
        date_time_to=_text(now + timedelta(minutes=10)),
        _limit=10_000,
    )
    running = [
        item["attributes"] for item in body["data"] if item["attributes"]["finished_at"] is None
    ]
    assert len(running) >= 10
    assert all(r["to"] is None and r["started_at"] <= now.isoformat() for r in running)


def test_the_previous_day_has_the_same_hours(live):
    now = DAY + timedelta(hours=9, minutes=5)
    news_id = next(iter(live.at(now).on_air()))
    yesterday = now - timedelta(days=1)
    values = [
        row["value"]
        for row in live.minute_peaks(
            yesterday - timedelta(minutes=30), yesterday + timedelta(minutes=30), content_id=news_id
        )
    ]
    assert len(values) == 60
    assert min(values) >= 20


# --- the knob --------------------------------------------------------------------------------


def test_with_the_knob_off_the_layer_is_gone(live_off):
    on_air_hours = 0
    for moment in SAMPLES:
        channels = live_off.at(moment).on_air()
        viewers = [c["stats"]["viewer"] for c in channels.values()]
        on_air_hours += any(viewers)
        assert max(viewers) <= 5  # the background's few viewers only
    assert on_air_hours < 12


def test_segments_is_the_background_and_the_layer_comes_on_top(tmp_path):
    def count(**settings: object) -> int:
        dataset = generated_dataset(
            DemoSettings(**SMALL, data_dir=tmp_path, **settings),  # type: ignore[arg-type]
            "demo-client",
            lambda: SAMPLES[12],
            cache_in_background=False,
        )
        try:
            return dataset.segment_count
        finally:
            dataset.close()

    assert count(live_now=0) == SMALL["segments"]
    with_layer = count(live_now=1)
    assert with_layer > SMALL["segments"] + 10_000
    half = count(live_now=0.5)
    layer, half_layer = with_layer - SMALL["segments"], half - SMALL["segments"]
    assert 0.35 < half_layer / layer < 0.65


def test_the_layer_does_not_depend_on_the_background_size():
    def layer_starts(segments: int) -> np.ndarray:
        background = generate(segments, 10, 7, "demo-client", DAY)
        data = with_live_now(background, 7, "demo-client", 1.0)
        return data.segments["started"].to_numpy()[segments:]

    assert np.array_equal(layer_starts(0), layer_starts(3_000))


def test_the_knob_reads_from_the_environment_and_the_command_line(monkeypatch):
    assert DemoSettings().live_now == 0.25
    assert DemoSettings.from_env({"ANALYTICS_DEMO_LIVE_NOW": "0.5"}).live_now == 0.5
    for bad in ("-1", "21", "lots"):
        with pytest.raises(ValueError, match="ANALYTICS_DEMO_LIVE_NOW"):
            DemoSettings.from_env({"ANALYTICS_DEMO_LIVE_NOW": bad})
    monkeypatch.setenv("ANALYTICS_DEMO_LIVE_NOW", "2")
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    assert settings_from_args(parser.parse_args(["demo-api"])).live_now == 2.0
    assert settings_from_args(parser.parse_args(["demo-api", "--live-now", "0"])).live_now == 0.0


# --- hand-built data -------------------------------------------------------------------------


def test_hand_built_data_is_on_air_while_its_views_play(start_demo):
    rows = [
        {"view_session_id": "a", "content_id": 10, "started_at": "2024-07-16T09:00:00Z",
         "finished_at": "2024-07-16T09:30:00Z"},
        {"view_session_id": "b", "content_id": 10, "started_at": "2024-07-16T10:00:00Z",
         "finished_at": None},
        {"view_session_id": "c", "content_id": 10, "started_at": "2024-07-16T10:05:00Z",
         "finished_at": "2024-07-16T12:00:00Z"},
        {"view_session_id": "d", "content_id": 20, "started_at": "2024-07-16T08:00:00Z",
         "finished_at": "2024-07-16T08:10:00Z"},
        {"view_session_id": "e", "content_id": 30, "started_at": "2024-07-16T13:00:00Z",
         "finished_at": "2024-07-16T14:00:00Z"},
    ]  # fmt: skip
    now = datetime(2024, 7, 16, 10, 30, tzinfo=UTC)
    server = start_demo(datasets={"demo-client": segments_frame(rows)}, clock=lambda: now)
    api = ChannelApi(server)
    listed = {int(c["id"]): c["status"] for c in api.all_channels()}
    assert listed == {10: "online", 20: "offline", 30: "offline"}
    ten, twenty, thirty = (api.ok(f"channels/{cid}.json")["channel"] for cid in (10, 20, 30))
    assert (ten["status"], ten["stats"]["viewer"]) == ("live", 2)
    # Its broadcast began at 10:00: 09:30-10:00 was a quiet half hour.
    assert ten["last_broadcast_at"] == int(datetime(2024, 7, 16, 10, tzinfo=UTC).timestamp())
    assert (twenty["status"], twenty["stats"]["viewer"]) == ("offair", 0)
    assert twenty["last_broadcast_at"] == int(datetime(2024, 7, 16, 8, tzinfo=UTC).timestamp())
    assert thirty["status"] == "offair"
    assert "last_broadcast_at" not in thirty  # its only view starts after now
