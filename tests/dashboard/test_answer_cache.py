"""The answer cache on its own: expiry, the size bound, per-account forgetting, shared calls."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC, datetime

import pandas as pd

from analytics.api import Result
from analytics.dashboard.answer_cache import AnswerCache


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def result(value: int = 1, *, stale: bool = False) -> Result:
    return Result(
        frame=pd.DataFrame({"value": [value]}),
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        from_cache=False,
        stale=stale,
        total_count=1,
    )


def test_an_answer_is_kept_until_its_time_is_up():
    clock = Clock()
    cache = AnswerCache(ttl_seconds=600, clock=clock)
    answer = result()
    cache.put("account", "query", answer)
    clock.now += 599
    assert cache.get("account", "query") is answer
    clock.now += 1
    assert cache.get("account", "query") is None
    assert len(cache) == 0


def test_keeping_an_answer_again_neither_replaces_it_nor_extends_its_time():
    clock = Clock()
    cache = AnswerCache(ttl_seconds=600, clock=clock)
    first = result(1)
    cache.put("account", "query", first)
    clock.now += 300
    cache.put("account", "query", result(2))  # e.g. a session that joined the same call
    assert cache.get("account", "query") is first
    clock.now += 300
    assert cache.get("account", "query") is None


def test_a_stale_answer_is_not_kept():
    cache = AnswerCache()
    cache.put("account", "query", result(stale=True))
    assert cache.get("account", "query") is None


def test_the_least_recently_used_answer_goes_first_when_full():
    cache = AnswerCache(max_entries=2)
    cache.put("account", "a", result(1))
    cache.put("account", "b", result(2))
    assert cache.get("account", "a") is not None  # "a" is now the most recently used
    cache.put("account", "c", result(3))
    assert len(cache) == 2
    assert cache.get("account", "b") is None
    assert cache.get("account", "a") is not None
    assert cache.get("account", "c") is not None


def test_answers_are_kept_per_account_and_forgotten_per_account():
    cache = AnswerCache()
    cache.put("first", "query", result(1))
    cache.put("second", "query", result(2))
    assert cache.get("first", "query").frame["value"].iloc[0] == 1
    assert cache.get("second", "query").frame["value"].iloc[0] == 2
    cache.clear("first")
    assert cache.get("first", "query") is None
    assert cache.get("second", "query") is not None
    cache.clear()
    assert len(cache) == 0


def test_an_identical_call_joins_the_one_under_way():
    cache = AnswerCache()
    started: list[Future[Result]] = []

    def start() -> Future[Result]:
        started.append(Future())
        return started[-1]

    first, first_started = cache.join_or_start("account", "query", start)
    second, second_started = cache.join_or_start("account", "query", start)
    other, other_started = cache.join_or_start("other account", "query", start)
    assert (first_started, second_started, other_started) == (True, False, True)
    assert second is first
    assert other is not first
    assert len(started) == 2

    answer = result()
    first.set_result(answer)
    cache.put("account", "query", answer)
    cache.release("account", "query", first)
    kept, kept_started = cache.join_or_start("account", "query", start)
    assert not kept_started
    assert kept.result() is answer  # answered from the cache, nothing started
    assert len(started) == 2


def test_a_released_call_that_left_no_answer_is_started_again():
    cache = AnswerCache()
    failed: Future[Result] = Future()
    failed.set_exception(RuntimeError("the API failed"))
    cache.join_or_start("account", "query", lambda: failed)
    cache.release("account", "query", failed)
    again, started = cache.join_or_start("account", "query", Future)
    assert started
    assert again is not failed


def test_releasing_someone_elses_call_keeps_theirs():
    cache = AnswerCache()
    theirs, _ = cache.join_or_start("account", "query", Future)
    cache.release("account", "query", Future())
    joined, started = cache.join_or_start("account", "query", Future)
    assert joined is theirs
    assert not started
