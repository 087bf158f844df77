"""A fair share of the API request slots for every browser session.

The dashboard runs a page's calls in worker threads; all sessions of the server process share
`capacity` slots. A session gets at most its share of them (capacity divided by the sessions
that want slots right now, at least one), so one user opening a huge page cannot starve the
others: a slot that frees up goes to a session below its share. No Streamlit here.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Superseded(Exception):
    """The session's run that wanted this call is over (rerun, other page, tab closed)."""


class FairSlots:
    """`capacity` request slots shared fairly among sessions (thread-safe)."""

    def __init__(self, capacity: int = 16) -> None:
        if capacity < 1:
            raise ValueError("capacity: must be at least 1")
        self.capacity = capacity
        self._in_use: Counter[str] = Counter()
        self._waiting: Counter[str] = Counter()
        self._changed = threading.Condition()

    def share(self) -> int:
        """Slots one session may hold now (with the lock held)."""
        wanting = set(self._in_use) | set(self._waiting)
        return max(1, self.capacity // max(1, len(wanting)))

    def in_use(self, session: str) -> int:
        with self._changed:
            return self._in_use[session]

    @contextmanager
    def slot(self, session: str, still_wanted: Callable[[], bool] = lambda: True) -> Iterator[None]:
        """Hold one slot for `session`; Superseded when `still_wanted()` turns False first."""
        with self._changed:
            self._waiting[session] += 1
            try:
                while True:
                    if not still_wanted():
                        raise Superseded("the run that asked for this call is over")
                    total = sum(self._in_use.values())
                    if total < self.capacity and self._in_use[session] < self.share():
                        break
                    self._changed.wait(timeout=0.25)
            finally:
                self._waiting[session] -= 1
                if not self._waiting[session]:
                    del self._waiting[session]
            self._in_use[session] += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_use[session] -= 1
                if not self._in_use[session]:
                    del self._in_use[session]
                self._changed.notify_all()
