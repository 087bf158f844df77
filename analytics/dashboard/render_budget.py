"""One page render's upstream requests: a budget, and work that stops when the render is over.

A RenderRun is the `RequestWatch` (see analytics.api.client.watching_requests) of one script
run: the client asks it before every upstream HTTP request (each page of a paged query, each
retry), so the budget counts real requests, not calls; once the budget is spent, or the run is
over (a rerun, another page, a closed tab), the next request raises instead of being sent, and
a wait for the API's rate limit ends early. It also says how long its requests are waiting for
the rate limit, for the page's "Waiting for the API's rate limit (N s)" note. No Streamlit here:
the service hands it the run's stop check.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from analytics.dashboard.request_slots import Superseded

# Upstream requests one page render may start (answers kept in a cache cost nothing).
MAX_REQUESTS_PER_RENDER = 50


class BudgetExceeded(Exception):
    """A request left out because the page render already made its budget of requests."""


class RenderRun:
    """The requests of one page render (thread-safe): counted, stopped when the run is over."""

    def __init__(
        self,
        session: str,
        budget: int = MAX_REQUESTS_PER_RENDER,
        stop_check: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.budget = budget
        self._stop_check = stop_check
        self._clock = clock
        self._lock = threading.Lock()
        self._spent = 0
        self._over = threading.Event()
        self._waiting_until = 0.0
        self.longest_wait = 0.0  # the longest rate-limit wait of this render, in seconds

    def __repr__(self) -> str:
        return f"RenderRun({self.session!r}, spent={self._spent}/{self.budget})"

    # --- budget --------------------------------------------------------------------------------

    @property
    def spent(self) -> int:
        with self._lock:
            return self._spent

    def remaining(self) -> int:
        with self._lock:
            return max(0, self.budget - self._spent)

    def exceeded(self) -> BudgetExceeded:
        return BudgetExceeded(
            f"not loaded: this page would need more than {self.budget} API requests; "
            "choose a shorter range"
        )

    def before_request(self) -> None:
        """Count one upstream request, or raise: Superseded when the run is over,
        BudgetExceeded when its budget is spent."""
        if self._over.is_set():
            raise Superseded("the page changed before this call was made")
        with self._lock:
            if self._spent >= self.budget:
                raise self.exceeded()
            self._spent += 1

    # --- the run's life ------------------------------------------------------------------------

    def wanted(self) -> bool:
        """False once the run is over: its requests are no longer needed."""
        return not self._over.is_set()

    def end(self) -> None:
        """The run is over: requests not sent yet are not sent, waits end."""
        self._over.set()

    def check(self) -> None:
        """Ask Streamlit whether the run should stop (script thread only); when it raises
        (a rerun, another page, the session closing), the run ends and the exception goes on."""
        if self._stop_check is None:
            return
        try:
            self._stop_check()
        except BaseException:
            self.end()
            raise

    # --- the API's rate limit ------------------------------------------------------------------

    def wait(self, seconds: float) -> None:
        """Wait for the API's rate limit (in a worker thread), unless the run ends first."""
        with self._lock:
            self._waiting_until = max(self._waiting_until, self._clock() + seconds)
            self.longest_wait = max(self.longest_wait, seconds)
        if self._over.wait(seconds):
            raise Superseded("the page changed while waiting for the API's rate limit")

    def waiting_for(self) -> float:
        """Seconds the render's requests still wait for the rate limit (0: not waiting)."""
        with self._lock:
            return max(0.0, self._waiting_until - self._clock())
