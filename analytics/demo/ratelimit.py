"""The `rate_limit` knob: N requests per S-second window per account, as IBM's API limits.

Fixed windows aligned to multiples of S seconds on the server's clock. Every /v1 answer carries
`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (the Unix time the window
ends); a request over the budget is answered 429 with those headers only (no Retry-After,
which IBM does not promise).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # Unix time the current window ends

    @property
    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimiter:
    """Counts requests per key (an account) and window; thread-safe."""

    def __init__(self, limit: int, window_seconds: int, clock: Callable[[], datetime]) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def take(self, key: str) -> RateDecision:
        """Count one request of `key` and say whether it is within the budget."""
        window = int(self._clock().timestamp()) // self.window_seconds
        with self._lock:
            if window != self._window:  # a new window: every budget is full again
                self._window = window
                self._counts = {}
            used = self._counts.get(key, 0) + 1
            self._counts[key] = used
        return RateDecision(
            allowed=used <= self.limit,
            limit=self.limit,
            remaining=max(0, self.limit - used),
            reset=(window + 1) * self.window_seconds,
        )
