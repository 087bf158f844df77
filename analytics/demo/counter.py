"""How many API requests (/v1 and the Channel API) one demo server has answered, per path
(`/_demo/stats`, tests)."""

from __future__ import annotations

import threading
from collections import Counter


class RequestCounter:
    """API requests answered so far, per path (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, path: str) -> None:
        with self._lock:
            self._counts[path] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def total(self, prefix: str = "/v1/") -> int:
        with self._lock:
            return sum(n for path, n in self._counts.items() if path.startswith(prefix))

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
