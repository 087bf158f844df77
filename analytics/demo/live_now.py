"""The live-now layer of generated data: channels on air whatever the time of day.

Background traffic (`DemoSettings.segments`) is spread over the whole window, so at any one
minute the always-on channels have a handful of viewers at most and nothing seems to happen.
This layer adds, for the last LIVE_DAYS days of the window (today and yesterday, so the same
hours of the day before and a channel's previous broadcast exist to compare with):

- on the first always-on channel ("Company News 24/7") a continuous audience from every
  country, following the world's evenings (LOCAL_HOUR_CURVE in each country's time): about
  60 viewers in the quietest hour, about 200 at the world's prime time;
- on the second ("Lobby Screens Live") screens in offices: long sessions, busy in local
  working hours;
- on the other live channels a scheduled event every EVENT_EVERY_HOURS hours, 45-90 minutes
  long, whose audience ramps up in the first minutes and then decays.

Viewers join and leave at random (Poisson arrivals, lognormal watch times), so the audience
moves from minute to minute; sessions running at "now" are the unfinished segments the API
shows. The layer has its own random stream and its own devices (appended to the device
table), so the background stays exactly what `generate()` makes. `scale` (DemoSettings.live_now)
multiplies every audience; 0 leaves the data without the layer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from analytics.demo.generator import (
    COUNTRIES,
    LOCAL_HOUR_CURVE,
    N_ALWAYS_ON,
    WEEKDAY_FACTOR,
    GeneratedData,
    device_table,
    session_segments,
    unknown_places,
)

LIVE_DAYS = 2  # today and yesterday
WARM_UP_MINUTES = 6 * 60  # the 24/7 audience starts before the layer's first day, when it can
DAY_MINUTES = 1440

NEWS_PEAK = 200.0  # concurrent viewers of the news channel at the world's prime time
NEWS_WATCH = (30 * 60, 1.0)  # lognormal watch time: median seconds, sigma
LOBBY_PEAK = 40.0  # concurrent lobby screens in working hours
LOBBY_WATCH = (90 * 60, 0.5)
# Lobby screens by local hour: on in working hours, a few left on overnight.
OFFICE_HOUR_CURVE = np.array(
    [0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0,
     1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.5, 0.3, 0.2, 0.2, 0.15, 0.15]
)  # fmt: skip

EVENT_EVERY_HOURS = 3  # one event per slot: 01:00, 04:00, ... UTC, give or take half an hour
EVENT_MINUTES = (45, 90)
EVENT_PEAK = 150.0  # median peak audience of an event; a tenth of them are three times bigger
EVENT_WATCH_MEAN = 25 * 60  # seconds; nobody stays much past the end
MEAN_SEGMENTS = 1.25  # live viewers pause and seek less than video viewers
STREAM = 2  # the layer's random stream (0: generate(), 1: its extras)


@dataclass(frozen=True)
class Sessions:
    """Playback sessions of the layer: content index, start (epoch s), duration (s), country."""

    content: np.ndarray
    start: np.ndarray
    duration: np.ndarray
    country: np.ndarray

    @staticmethod
    def join(parts: list[Sessions]) -> Sessions:
        return Sessions(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Sessions))
        )


def layer_rng(seed: int, client_id: str) -> np.random.Generator:
    digest = hashlib.sha256(client_id.encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little"), STREAM])


def with_live_now(
    data: GeneratedData,
    seed: int,
    client_id: str,
    scale: float,
    *,
    null_rate: float = 0.0,
    unknown_country_rate: float = 0.0,
) -> GeneratedData:
    """`data` plus the live-now layer, its audiences multiplied by `scale` (0: `data` as is)."""
    if scale <= 0:
        return data
    rng = layer_rng(seed, client_id)
    n_live = int((data.contents["content_type"] == "live").sum())
    window_start = int(data.window_start.timestamp())
    window_end = int(data.window_end.timestamp())
    days = min(LIVE_DAYS, (window_end - window_start) // 86_400)
    first_day = window_end - days * 86_400
    warm_up = min(WARM_UP_MINUTES, (first_day - window_start) // 60)

    sessions = Sessions.join(
        [
            _always_on(rng, 0, first_day, days, warm_up, scale * NEWS_PEAK, LOCAL_HOUR_CURVE,
                       NEWS_WATCH),
            _always_on(rng, 1, first_day, days, warm_up, scale * LOBBY_PEAK, OFFICE_HOUR_CURVE,
                       LOBBY_WATCH),
            _events(rng, n_live, first_day, days, scale),
        ]
    )  # fmt: skip
    # Numbered after the background's devices (and people: never more than its devices).
    devices, device = _devices_for(rng, sessions.country, first=len(data.devices))
    unknown_places(rng, devices, null_rate, unknown_country_rate)

    seg_count = np.minimum(rng.geometric(1 / MEAN_SEGMENTS, len(sessions.start)), 6)
    seg_count = np.minimum(seg_count, np.maximum(1, sessions.duration // 20))
    no_videos = np.zeros(1, np.int64)  # live contents have no positions
    frame = session_segments(
        rng, seg_count, sessions.content, sessions.start, sessions.duration, device, n_live,
        no_videos,
    )  # fmt: skip
    return replace(
        data,
        segments=pd.concat([data.segments, frame], ignore_index=True),
        devices=pd.concat([data.devices, devices], ignore_index=True),
    )


def _country_weights() -> tuple[np.ndarray, np.ndarray]:
    weight = np.array([c[2] for c in COUNTRIES])
    return weight / weight.sum(), np.array([c[1] for c in COUNTRIES])


def _by_local_hour(curve: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """(minutes x countries): `curve` (24 hourly values) in each country's local time, at each
    UTC minute, interpolated so the audience rises and falls smoothly."""
    _, offset = _country_weights()
    local_hour = (minutes[:, None] / 60.0 + offset[None, :]) % 24
    return np.interp(local_hour, np.arange(24) + 0.5, curve, period=24)


def _day_factor(rng: np.random.Generator, day_start: np.ndarray) -> np.ndarray:
    """Weekends are busier; each day a little different."""
    weekday = ((day_start // 86_400) + 3) % 7  # 1970-01-01 was a Thursday
    factor = WEEKDAY_FACTOR[weekday] / WEEKDAY_FACTOR.mean()
    return factor * rng.lognormal(0, 0.08, len(day_start))


def _always_on(
    rng: np.random.Generator,
    content: int,
    first_day: int,
    days: int,
    warm_up: int,
    peak: float,
    curve: np.ndarray,
    watch: tuple[float, float],
) -> Sessions:
    """A continuous audience of about `peak` x `curve` (its busiest minute of a day = `peak`),
    made of Poisson arrivals per minute and country with lognormal watch times."""
    weight, _ = _country_weights()
    minute = np.arange(-warm_up, days * DAY_MINUTES)
    epoch_minute = first_day // 60 + minute
    shape = _by_local_hour(curve, epoch_minute % DAY_MINUTES) * weight[None, :]
    shape /= shape.sum(axis=1).max()
    day_start = (epoch_minute * 60) // 86_400 * 86_400
    unique_days, day_index = np.unique(day_start, return_inverse=True)
    audience = peak * shape * _day_factor(rng, unique_days)[day_index][:, None]
    median, sigma = watch
    mean_minutes = median * np.exp(sigma**2 / 2) / 60
    arrivals = rng.poisson(audience / mean_minutes)
    cell = np.repeat(np.arange(arrivals.size), arrivals.ravel())
    row, country = np.divmod(cell, len(weight))
    start = epoch_minute[row] * 60 + rng.integers(0, 60, len(row))
    duration = np.maximum(30, rng.lognormal(np.log(median), sigma, len(row))).astype(np.int64)
    return Sessions(np.full(len(row), content, np.int64), start, duration, country)


def _events(rng: np.random.Generator, n_live: int, first_day: int, days: int, scale: float):
    """Scheduled events on the channels that are not always on: one per slot of
    EVENT_EVERY_HOURS hours, channels taking turns; most viewers join in the first minutes."""
    scheduled = np.arange(N_ALWAYS_ON, n_live)
    slots_per_day = 24 // EVENT_EVERY_HOURS
    n_events = days * slots_per_day
    if not len(scheduled) or not n_events:
        return Sessions(*(np.zeros(0, np.int64) for _ in range(4)))
    slot = np.arange(n_events)
    channel = scheduled[(rng.integers(0, len(scheduled)) + slot) % len(scheduled)]
    start = (
        first_day
        + slot * EVENT_EVERY_HOURS * 3600
        + 3600
        + rng.integers(-6, 7, n_events) * 300  # give or take half an hour, in 5-minute steps
    )
    length = rng.integers(EVENT_MINUTES[0] // 5, EVENT_MINUTES[1] // 5 + 1, n_events) * 300
    peak = scale * EVENT_PEAK * rng.lognormal(0, 0.5, n_events)
    peak = np.where(rng.random(n_events) < 0.1, peak * 3, peak)
    viewers = rng.poisson(peak * 1.9)
    event = np.repeat(slot, viewers)
    n = len(event)

    # 70% join in the first minutes, the rest at any time; each leaves by the end, give or
    # take a minute and a half.
    early = rng.random(n) < 0.7
    join = np.where(
        early,
        np.minimum(rng.exponential(150, n), length[event] * 0.5),
        rng.uniform(0, 1, n) * length[event],
    ).astype(np.int64)
    left = length[event] - join + rng.integers(0, 90, n)
    duration = np.maximum(30, np.minimum(rng.exponential(EVENT_WATCH_MEAN, n), left))

    # Viewers come from where it is a good time: the country mix at the event's start.
    weight, _ = _country_weights()
    by_hour = _by_local_hour(LOCAL_HOUR_CURVE, (start // 60) % DAY_MINUTES) * weight[None, :]
    cumulative = np.cumsum(by_hour / by_hour.sum(axis=1, keepdims=True), axis=1)
    pick = rng.random(n)
    country = np.minimum((pick[:, None] > cumulative[event]).sum(axis=1), len(weight) - 1)
    return Sessions(
        channel[event].astype(np.int64),
        (start[event] + join).astype(np.int64),
        duration.astype(np.int64),
        country,
    )


def _devices_for(rng: np.random.Generator, country: np.ndarray, *, first: int):
    """Devices for the sessions, from each session's country: about 2.5 sessions per device,
    a few devices coming back often. Returns (device table, device index per session)."""
    n_countries = len(COUNTRIES)
    sessions_per_country = np.bincount(country, minlength=n_countries)
    pool = np.maximum(1, np.ceil(sessions_per_country / 2.5)).astype(np.int64)
    pool_start = np.cumsum(pool) - pool
    devices, _weight, _offset = device_table(
        rng, np.repeat(np.arange(n_countries), pool), first_person=first
    )
    devices["device"] += first
    pick = (rng.random(len(country)) ** 1.5 * pool[country]).astype(np.int64)
    return devices, first + pool_start[country] + np.minimum(pick, pool[country] - 1)
