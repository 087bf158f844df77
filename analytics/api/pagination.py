"""Pages of list endpoints: page 1 says how many there are, the rest are fetched side by side,
a bounded number ahead, and delivered in order.

How many: the `_page` of the `last` link when the API sends one, else `count` read as the
total (IBM's prose) - the larger of the two when both are there, so a `count` that means "items
on this page" (a reading of IBM's examples) drops nothing. Past the known pages, paging goes on
one page at a time while the last page says there is more: a non-null `next`, or, when the
body has no `next` at all, a full page; an empty page always ends it. When `count` and `last`
agree, not one request more is made.

The caller says how to fetch page N; page URLs are never taken from the API's pagination hrefs
(the documented ones are relative and inconsistent: only their `_page` number is read). One
query reads at most MAX_PAGES pages: a wrong `count`/`last` or an API that never ends fails
with TooManyPagesError instead of paging forever.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import TooManyPagesError

T = TypeVar("T")
MAX_PAGES = 1_000  # pages of one query (10 million rows at the API's largest _limit)
OnProgress = Callable[[int, int], None]  # (pages_done, pages_total)


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page of a list endpoint, already converted (T: a frame, or frames for viewers)."""

    number: int
    content: T
    rows: int
    count: int | None  # the pagination count the API reported (None if it did not)
    fetched_at: datetime
    from_cache: bool
    stale: bool
    last_page: int | None = None  # the `_page` of the `last` link
    has_next: bool | None = None  # a `next` link is there (None: the body does not say)

    def says_more(self, limit: int) -> bool:
        """Whether a page after this one may hold more records."""
        if self.rows == 0:
            return False
        if self.has_next is not None:
            return self.has_next
        if self.last_page is not None:
            return self.number < self.last_page
        return self.rows >= limit


class PageStream(Iterator[T]):
    """Iterates the converted pages of one query in order, fetching ahead a bounded number.

    After the first page its attributes say how much there is: total_count, pages_total
    (pages_total grows when more pages follow than were announced; at the end total_count is
    at least the rows delivered, for a `count` that turned out to be one page's).
    `from_cache`, `stale` and `fetched_at` describe the pages delivered so far.
    """

    def __init__(
        self,
        fetch: Callable[[int], ListPage[T]],
        page_limit: int,
        concurrency: int,
        on_progress: OnProgress | None = None,
        max_pages: int | None = None,  # MAX_PAGES
        dedupe: Callable[[T], T] | None = None,
    ) -> None:
        self._max_pages = MAX_PAGES if max_pages is None else max_pages
        self._pages = self._in_order(fetch, page_limit, concurrency)
        self._on_progress = on_progress
        self._dedupe = dedupe
        self.total_count: int | None = None
        self.pages_total: int | None = None
        self.pages_done = 0
        self.rows_done = 0
        self.from_cache = True
        self.stale = False
        self.fetched_at: datetime | None = None

    def __next__(self) -> T:
        try:
            page = next(self._pages)
        except StopIteration:
            if self.total_count is None or self.total_count < self.rows_done:
                self.total_count = self.rows_done  # `count` was not the total after all
            raise
        if self.pages_done == 0:
            self.total_count = page.count if page.count is not None else page.rows
        self.pages_done += 1
        self.rows_done += page.rows
        self.from_cache = self.from_cache and page.from_cache
        self.stale = self.stale or page.stale
        if self.fetched_at is None or page.fetched_at < self.fetched_at:
            self.fetched_at = page.fetched_at
        if self._on_progress is not None and self.pages_total is not None:
            self._on_progress(self.pages_done, self.pages_total)
        if self._dedupe is not None:
            return self._dedupe(page.content)
        return page.content

    def close(self) -> None:
        """Stop fetching (pages already requested finish in the background)."""
        self._pages.close()

    def __enter__(self) -> PageStream[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _in_order(
        self, fetch: Callable[[int], ListPage[T]], limit: int, concurrency: int
    ) -> Iterator[ListPage[T]]:
        """Page 1; the pages it announces, fetched concurrently (bounded), in order; then one
        by one while the last page says there is more.
        """
        first = fetch(1)
        known = first.last_page or 1
        if first.count is not None:
            known = max(known, math.ceil(first.count / limit))
        if known > self._max_pages:
            raise TooManyPagesError(
                f"the API announces {known:,} pages of {limit}"
                + (f" ({first.count:,} records)" if first.count is not None else "")
                + f"; one query reads at most {self._max_pages} pages - narrow the time range "
                "or filter by content"
            )
        self.pages_total = known
        yield first
        page = first
        if known > 1:
            page = yield from self._concurrently(fetch, known, concurrency)
        while page.says_more(limit):
            if page.number >= self._max_pages:
                raise TooManyPagesError(
                    f"the API still announced more after {page.number} pages of {limit}; "
                    f"one query reads at most {self._max_pages} pages"
                )
            page = fetch(page.number + 1)
            self.pages_total = max(self.pages_total or 0, page.number)
            yield page

    def _concurrently(
        self, fetch: Callable[[int], ListPage[T]], known: int, concurrency: int
    ) -> Generator[ListPage[T], None, ListPage[T]]:
        """Pages 2..known, fetched side by side, yielded in order; returns the last one."""
        workers = min(concurrency, known - 1)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analytics-page")
        pending: deque[Future[ListPage[T]]] = deque()
        next_number = 2
        try:
            while next_number <= known or pending:
                # Read ahead at most `workers` pages: memory stays bounded while the caller writes.
                while next_number <= known and len(pending) < workers:
                    pending.append(pool.submit(fetch, next_number))
                    next_number += 1
                page = pending.popleft().result()
                yield page
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        return page


class RepeatedRows:
    """Drops rows already delivered: offset paging over live data can send a row again on the
    next page when rows were added meanwhile. Keeps the `key`s (a documented unique id:
    `view_id` of /views, `viewer_identifier` of /viewers) of the last REMEMBERED_PAGES pages
    only, so memory stays bounded on big exports; Arrow's hash lookup costs ~2 ms per
    10,000-row page.
    """

    REMEMBERED_PAGES = 2

    def __init__(self, key: str) -> None:
        self.key = key
        self._recent: deque[pa.Array] = deque(maxlen=self.REMEMBERED_PAGES)

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        if self.key not in frame.columns or frame.empty:
            return frame
        values = pa.array(frame[self.key], from_pandas=True)
        recent = list(self._recent)
        self._recent.append(values)
        if not recent:
            return frame
        seen = recent[0] if len(recent) == 1 else pa.concat_arrays(recent)
        repeated = pc.is_in(values, value_set=seen, skip_nulls=True)
        if not pc.any(repeated).as_py():
            return frame
        keep = pc.invert(repeated).to_numpy(zero_copy_only=False)
        return frame[keep].reset_index(drop=True)


class RepeatedViews(RepeatedRows):
    """/views rows already delivered (by `view_id`)."""

    def __init__(self) -> None:
        super().__init__("view_id")


class RepeatedViewers:
    """/viewers pages (viewers, their segments): a viewer already delivered is dropped with
    the segments that came with it this time."""

    def __init__(self) -> None:
        self._viewers = RepeatedRows("viewer_identifier")

    def __call__(
        self, page: tuple[pd.DataFrame, pd.DataFrame]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        viewers, segments = page
        kept = self._viewers(viewers)
        if len(kept) == len(viewers):
            return page
        identifier = segments["viewer_identifier"]
        own = identifier.isna() | identifier.isin(kept["viewer_identifier"].dropna())
        return kept, segments[own.to_numpy(dtype=bool)].reset_index(drop=True)
