"""Recently listed /views selections, so that page N of an export costs what page 1 costs.

An export asks for the same /views query page after page (100 pages for 1M segments). Each
page needs the positions of its rows among all matching segments; finding them with ORDER BY
... OFFSET re-scans and re-sorts everything before the page, so deep pages cost the most. The
first page therefore keeps the sorted `seq` of every matching segment, and later pages slice
it.

Reuse is exact, not a time-to-live: which segments match a query depends on "now" only
through segments that start or finish as the clock moves (a running segment's `finished_at`
is hidden until then). A kept selection is reused only when no segment that could match
started or finished between the two moments (`unchanged`); otherwise it is rebuilt.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime

import numpy as np

Selector = Callable[[], np.ndarray]
Unchanged = Callable[[datetime, datetime], bool]


class Selections:
    """A small LRU of sorted seq arrays, keyed by query, each with the moment it was made at."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[datetime, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def seqs(self, key: Hashable, now: datetime, select: Selector, unchanged: Unchanged):
        """The selection for `key` at `now`: a kept one if nothing changed since, else new."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                self._entries.move_to_end(key)
        if kept is not None:
            made_at, seqs = kept
            if made_at == now or unchanged(min(made_at, now), max(made_at, now)):
                return seqs
        seqs = select()
        seqs.flags.writeable = False  # shared by concurrent requests
        with self._lock:
            self._entries[key] = (now, seqs)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return seqs
