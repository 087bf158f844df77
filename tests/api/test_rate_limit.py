"""The account's rate limit with an injected clock: going at once while plenty is left, spreading
the last requests until the reset, waiting out a used-up window or a 429, refusing waits past
the allowed one, reporting who waits; and the client waiting out a 429 without Retry-After.
"""

from __future__ import annotations

import pytest

from analytics.api.rate_limit import (
    RateLimit,
    RateLimitExceeded,
    forget_rate_limits,
    rate_limit_for,
)

NOW = 1_800_000_000.0  # a Unix time


class Clock:
    def __init__(self) -> None:
        self.now = NOW
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(reset)),
    }


def turns(limit: RateLimit, clock: Clock, n: int, max_wait: float = 300) -> list[float]:
    return [limit.wait_turn(clock, clock.sleep, max_wait) for _ in range(n)]


def test_without_headers_nothing_waits():
    clock, limit = Clock(), RateLimit()
    assert turns(limit, clock, 50) == [0.0] * 50
    limit.observe(200, {}, clock())
    assert turns(limit, clock, 5) == [0.0] * 5


def test_plenty_left_goes_at_once():
    clock, limit = Clock(), RateLimit()
    limit.observe(200, headers(100, 90, NOW + 60), clock())
    assert turns(limit, clock, 70) == [0.0] * 70
    assert limit.remaining == 20


def test_little_left_is_spread_until_the_reset():
    clock, limit = Clock(), RateLimit()
    limit.observe(200, headers(100, 10, NOW + 50), clock())
    waits = turns(limit, clock, 10)
    assert waits[0] == 0.0
    assert all(w > 0 for w in waits[1:])
    assert clock.now <= NOW + 50  # the ten requests fit before the reset
    assert clock.now - NOW >= 40  # ...spread over most of the window


def test_a_used_up_window_waits_for_the_reset():
    clock, limit = Clock(), RateLimit()
    limit.observe(200, headers(20, 0, NOW + 7), clock())
    assert turns(limit, clock, 1) == [7.0]
    assert clock.now == NOW + 7


def test_after_two_windows_the_next_one_is_paced_at_the_steady_rate():
    clock, limit = Clock(), RateLimit()
    limit.observe(200, headers(10, 5, NOW + 2), clock())
    limit.observe(200, headers(10, 0, NOW + 4), NOW + 2.5)  # the next window, used up
    assert limit.window == 2
    # Three threads asking at NOW + 3 (before anyone's wait ended) get slots at the reset and
    # then one per 0.2 s (10 per 2 s); the window they are in counts them as spent.
    slots = [limit._reserve(NOW + 3) for _ in range(3)]
    assert slots == [NOW + 4, pytest.approx(NOW + 4.2), pytest.approx(NOW + 4.4)]
    clock.now = NOW + 4.5
    assert turns(limit, clock, 1) == [0.0]
    assert limit.remaining == 10 - 3 - 1  # the three booked slots were spent in this window


def test_a_429_blocks_everyone_until_the_reset():
    clock, limit = Clock(), RateLimit()
    limit.observe(429, headers(20, 0, NOW + 3), clock())
    limit.block(NOW + 3)
    assert limit.blocked_for(clock()) == 3
    assert turns(limit, clock, 1) == [3.0]


def test_a_wait_past_the_allowed_one_is_refused_without_waiting():
    clock, limit = Clock(), RateLimit()
    limit.observe(429, headers(20, 0, NOW + 600), clock())
    with pytest.raises(RateLimitExceeded) as caught:
        limit.wait_turn(clock, clock.sleep, max_wait=300)
    assert caught.value.seconds == 600
    assert clock.sleeps == []


def test_waiting_is_reported_while_it_lasts():
    clock, limit = Clock(), RateLimit()
    heard: list[float] = []
    seen_during: list[float] = []
    limit.add_listener(heard.append)
    limit.observe(200, headers(20, 0, NOW + 5), clock())

    def sleep(seconds: float) -> None:
        seen_during.append(limit.wait_seconds(clock()))
        clock.sleep(seconds)

    limit.wait_turn(clock, sleep, 300)
    assert heard == [5.0]
    assert seen_during == [5.0]
    assert limit.wait_seconds(clock()) == 0


def test_an_older_answer_does_not_raise_what_is_left():
    clock, limit = Clock(), RateLimit()
    limit.observe(200, headers(100, 30, NOW + 60), clock())
    limit.observe(200, headers(100, 50, NOW + 60), clock())  # sent earlier, answered later
    assert limit.remaining == 30


def test_one_rate_limit_per_account():
    forget_rate_limits()
    assert rate_limit_for("a") is rate_limit_for("a")
    assert rate_limit_for("a") is not rate_limit_for("b")
    forget_rate_limits()
