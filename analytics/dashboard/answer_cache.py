"""The dashboard's memory of API answers, shared by every session of the server process.

Two jobs, one lock: answers kept for a while (TTL, and at most so many, the least recently used
going first), and calls under way, so identical concurrent calls (twenty people opening the same
page, or a rerun overlapping the run it replaced) ask the API once. Entries are keyed by the API
account and the query, so one account is never served another's data. No Streamlit here: the
service shares one instance through st.cache_resource.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future

from analytics.api import Result

Key = tuple[str, str]  # (account key, query key)


class AnswerCache:
    """Answers by account and query for `ttl_seconds`, at most `max_entries` of them (LRU)."""

    def __init__(
        self,
        ttl_seconds: float = 600,
        max_entries: int = 2_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._answers: OrderedDict[Key, tuple[float, Result]] = OrderedDict()
        self._in_flight: dict[Key, Future[Result]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired()
            return len(self._answers)

    def get(self, account_key: str, query_key: str) -> Result | None:
        """The kept answer, or None when there is none or it expired."""
        with self._lock:
            return self._get((account_key, query_key))

    def put(
        self, account_key: str, query_key: str, result: Result, ttl_seconds: float | None = None
    ) -> None:
        """Keep `result` for `ttl_seconds` (default: the cache's TTL), unless an answer is kept
        already (its time is not extended).

        A stale result is not kept: it is shown once, then the API is asked again.
        """
        if result.stale:
            return
        key = (account_key, query_key)
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        with self._lock:
            if self._get(key) is not None:
                return
            self._answers[key] = (self._clock() + ttl, result)
            self._answers.move_to_end(key)
            self._drop_expired()
            while len(self._answers) > self.max_entries:
                self._answers.popitem(last=False)

    def join_or_start(
        self, account_key: str, query_key: str, start: Callable[[], Future[Result]]
    ) -> tuple[Future[Result], bool]:
        """The identical call under way, else a new one from `start()`; True when started here.

        An answer kept since the caller last looked comes back as a finished future. The caller
        who started a call must `release` it once its answer is kept (or it failed).
        """
        key = (account_key, query_key)
        with self._lock:
            running = self._in_flight.get(key)
            if running is not None:
                return running, False
            kept = self._get(key)
            if kept is not None:
                done: Future[Result] = Future()
                done.set_result(kept)
                return done, False
            running = self._in_flight[key] = start()
            return running, True

    def release(self, account_key: str, query_key: str, future: Future[Result]) -> None:
        """Forget the call `future` as under way (a later identical call starts anew)."""
        key = (account_key, query_key)
        with self._lock:
            if self._in_flight.get(key) is future:
                del self._in_flight[key]

    def clear(self, account_key: str | None = None) -> None:
        """Forget every kept answer, or only those of one account (calls under way continue)."""
        with self._lock:
            if account_key is None:
                self._answers.clear()
                return
            for key in [key for key in self._answers if key[0] == account_key]:
                del self._answers[key]

    def forget(self, account_key: str, query_keys: Iterable[str]) -> int:
        """Forget the kept answers of these queries of one account; how many there were."""
        with self._lock:
            keys = [(account_key, query_key) for query_key in query_keys]
            return sum(self._answers.pop(key, None) is not None for key in keys)

    def _get(self, key: Key) -> Result | None:
        entry = self._answers.get(key)
        if entry is None:
            return None
        expires, result = entry
        if expires <= self._clock():
            del self._answers[key]
            return None
        self._answers.move_to_end(key)
        return result

    def _drop_expired(self) -> None:
        now = self._clock()
        for key in [key for key, (expires, _) in self._answers.items() if expires <= now]:
            del self._answers[key]
