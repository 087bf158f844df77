"""The API's rate limit, one budget per account shared by every thread and client of a process.

IBM's rate-limited endpoints send `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (the Unix time the window ends) on every answer, and over the budget a 429
with those headers (a Retry-After is not promised). Every answer updates the account's
RateLimit; before each request a thread takes its turn:

- plenty left: go at once (the estimate of what is left counts the requests sent since);
- little left (LOW_SHARE of the limit or less): the remaining requests are spread evenly until
  the reset, so the budget lasts the window instead of running out at its start;
- nothing left: wait for the reset, then go one by one at the steady rate (limit per window)
  when the window's length is known from two resets;
- after a 429: everyone waits until the reset (or Retry-After when present).

Waits longer than the client's `rate_limit_wait` (ANALYTICS_API_RATE_LIMIT_WAIT) are not made:
the caller fails instead. `wait_seconds` and the listeners say who is waiting and how long, so
a page can show "waiting for the API's rate limit (N s)". Times are Unix seconds from the
caller's clock (tests inject one), never read here.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Mapping

LOW_SHARE = 0.2  # "little left": at most this share of the limit
OnWait = Callable[[float], None]  # seconds a request is about to wait for the rate limit


class RateLimitExceeded(Exception):
    """Taking a turn would mean waiting longer than allowed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the rate limit frees a request in {seconds:.0f} s")
        self.seconds = seconds


class RateLimit:
    """One account's budget as the API reports it (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.limit: int | None = None
        self.remaining: int | None = None  # reported, minus the turns taken since
        self.reset: float | None = None  # Unix time the current window ends
        self.window: float | None = None  # the window's length, once two resets were seen
        self._last_reset: float | None = None  # the latest reset the API announced
        self._window_guess = 0.0  # before two resets were seen
        self._booked: deque[float] = deque()  # slots booked in windows to come
        self._in_flight = 0  # turns taken whose answer was not observed yet
        self._blocked_until = 0.0  # after a 429
        self._next_slot = 0.0  # when the next paced request may go
        self._waits: dict[int, float] = {}  # turn -> until when it waits
        self._turns = itertools.count()
        self._listeners: list[OnWait] = []

    def __repr__(self) -> str:
        return (
            f"RateLimit(limit={self.limit}, remaining={self.remaining}, reset={self.reset}, "
            f"window={self.window})"
        )

    # --- what the API says ---------------------------------------------------------------------

    def observe(self, status: int, headers: Mapping[str, str], now: float) -> None:
        """Read the X-RateLimit headers of an answer (a 429 uses up the window). Call it once
        per turn taken, also without an answer (status 0, no headers)."""
        limit = _whole(headers.get("X-RateLimit-Limit"))
        remaining = _whole(headers.get("X-RateLimit-Remaining"))
        reset = _whole(headers.get("X-RateLimit-Reset"))
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if remaining is not None:
                # The answers of requests still in flight may not be counted in it yet.
                remaining = max(0, remaining - self._in_flight)
            if limit is not None and limit > 0:
                self.limit = limit
            if reset is not None:
                when = float(reset) if reset > 1e9 else now + reset  # a Unix time, or seconds
                if self.reset is None or when > self.reset + 0.5:  # a new window
                    if self._last_reset is None:
                        self._window_guess = max(1.0, when - now)
                    self._learn_window(when)
                    self.reset = when
                    self.remaining = remaining
                    pending = 0  # slots booked in this window not yet used
                    while self._booked and self._booked[0] < when:
                        pending += self._booked.popleft() > now
                    if remaining is not None:
                        self.remaining = max(0, remaining - pending)
                elif remaining is not None and when >= self.reset - 0.5:
                    self.remaining = (
                        remaining if self.remaining is None else min(self.remaining, remaining)
                    )
            elif remaining is not None and self.remaining is not None:
                self.remaining = min(self.remaining, remaining)
            if status == 429:
                self.remaining = 0

    def _learn_window(self, reset: float) -> None:
        """The window's length: the shortest step between two resets seen. Holds the lock."""
        last, self._last_reset = self._last_reset, reset
        if last is not None and 0.5 < reset - last <= 86_400:
            step = reset - last
            self.window = step if self.window is None else min(self.window, step)

    def block(self, until: float) -> None:
        """A 429: nobody sends before `until`."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, until)

    def blocked_for(self, now: float) -> float:
        """Seconds until the window resets after a 429 (0 when not blocked)."""
        with self._lock:
            return max(0.0, self._blocked_until - now)

    # --- taking turns --------------------------------------------------------------------------

    def wait_turn(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        max_wait: float,
    ) -> float:
        """Wait until this request may go; returns the seconds waited.

        Raises RateLimitExceeded (without waiting) when the wait would pass `max_wait`.
        `sleep` may raise to give up waiting (a page that is gone): no request is counted then.
        """
        now = clock()
        with self._lock:
            until = self._reserve(now)
            wait = until - now
            if wait > max_wait:
                self._in_flight -= 1
                raise RateLimitExceeded(wait)
            if wait <= 0:
                return 0.0
            turn = next(self._turns)
            self._waits[turn] = until
            listeners = list(self._listeners)
        try:
            for listener in listeners:
                listener(wait)
            sleep(wait)
        except BaseException:  # the caller gave up waiting (its page is gone): no request
            with self._lock:
                self._in_flight = max(0, self._in_flight - 1)
            raise
        finally:
            with self._lock:
                del self._waits[turn]
        return wait

    def _reserve(self, now: float) -> float:
        """When a request asked for `now` may go (and count it). Holds the lock."""
        self._in_flight += 1
        self._roll(now)
        until = max(now, self._blocked_until)
        if self.remaining is None or self.reset is None:
            return until
        if self.remaining <= 0:
            # Nothing left: book a slot in the next windows, at the steady rate (limit per
            # window); the window that starts counts its bookings as spent.
            window = self._window_length()
            gap = window / self.limit if self.limit else 0.0
            slot = max(self._next_slot, self.reset, until)
            self._next_slot = slot + gap
            self._booked.append(slot)
            return slot
        low = max(1, int((self.limit or 0) * LOW_SHARE))
        if self.remaining <= low and self.reset > now:
            gap = (self.reset - now) / self.remaining
            slot = max(self._next_slot, until)
            self._next_slot = slot + gap
            until = slot
        self.remaining -= 1
        return until

    def _roll(self, now: float) -> None:
        """Start the windows that began since the last turn (their budget full, less the slots
        booked in them). Holds the lock."""
        if self.reset is None or now < self.reset:
            return
        window = self._window_length()
        if not self.limit or window <= 0:
            self.reset = self.remaining = None  # unknown until the next answer
            self._booked.clear()
            return
        if now - self.reset > 16 * window:  # long idle: skip to the current window
            self.reset += window * ((now - self.reset) // window)
            self._booked.clear()
        while now >= self.reset:
            start, self.reset = self.reset, self.reset + window
            booked = 0
            while self._booked and self._booked[0] < self.reset:
                booked += self._booked.popleft() >= start
            self.remaining = max(0, self.limit - booked)

    def _window_length(self) -> float:
        """The window's length: learned from two resets, else a guess (from the first reset
        seen to the time it was seen: at most the true length). Holds the lock."""
        return self.window or self._window_guess

    # --- who is waiting ------------------------------------------------------------------------

    def wait_seconds(self, now: float) -> float:
        """The longest wait for the rate limit under way (0: nobody waits)."""
        with self._lock:
            longest = max(self._waits.values(), default=now)
        return max(0.0, longest - now)

    def add_listener(self, listener: OnWait) -> None:
        """Call `listener(seconds)` whenever a request starts waiting for the rate limit."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: OnWait) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


def _whole(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() else None


_REGISTRY: dict[str, RateLimit] = {}
_REGISTRY_LOCK = threading.Lock()


def rate_limit_for(account_key: str) -> RateLimit:
    """The process's one RateLimit of this account (created on first use)."""
    with _REGISTRY_LOCK:
        limit = _REGISTRY.get(account_key)
        if limit is None:
            limit = _REGISTRY[account_key] = RateLimit()
        return limit


def forget_rate_limits() -> None:
    """Drop every account's state (tests)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
