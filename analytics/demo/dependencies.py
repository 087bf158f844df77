"""What a request handler needs, as FastAPI dependencies: the server's state, the caller's
account, the moment of the request and its parameters.

One server instance keeps its `DemoState` on `app.state.demo`; handlers never reach for it
directly but declare what they need: `call: Call` (the account's data, "now", the query and
the content type of a /v1 request), `authority: Authority`, `counter: RequestCounts`. The cheap
dependencies are `async def`, so FastAPI runs them on the event loop rather than in a thread.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

import duckdb
from fastapi import Depends, Request

from analytics.contract import ApiVersion
from analytics.demo.auth import TokenAuthority
from analytics.demo.counter import RequestCounter
from analytics.demo.params import Collector, query_dict
from analytics.demo.ratelimit import RateLimiter
from analytics.demo.settings import DemoSettings
from analytics.demo.store import Clock, DataRegistry, Dataset


@dataclass(frozen=True)
class DemoState:
    """Everything one server instance shares between requests."""

    settings: DemoSettings
    registry: DataRegistry
    clock: Clock
    counter: RequestCounter
    authority: TokenAuthority
    knob_random: random.Random = field(default_factory=random.Random)  # latency jitter, faults
    rate_limiter: RateLimiter | None = None  # the rate_limit knob; None: unlimited


def state_of(request: Request) -> DemoState:
    """The state of the server answering `request` (middleware reads it this way too)."""
    return request.app.state.demo


async def demo_state(request: Request) -> DemoState:
    """`state_of` as a dependency (`async`: no worker thread for a lookup)."""
    return state_of(request)


State = Annotated[DemoState, Depends(demo_state)]


async def token_authority(state: State) -> TokenAuthority:
    return state.authority


async def data_registry(state: State) -> DataRegistry:
    return state.registry


async def request_counter(state: State) -> RequestCounter:
    return state.counter


Authority = Annotated[TokenAuthority, Depends(token_authority)]
Registry = Annotated[DataRegistry, Depends(data_registry)]
RequestCounts = Annotated[RequestCounter, Depends(request_counter)]


def account_dataset(request: Request, authority: Authority, registry: Registry) -> Dataset:
    """The data of the account whose JWT is in the Authorization header (401 otherwise).

    A plain `def`, run in a worker thread: an account's first request, and its first one on a
    new UTC day, builds its dataset.
    """
    client_id = authority.verify(request.headers.get("authorization"))
    return registry.get(client_id)


async def request_time(state: State) -> datetime:
    """The moment this request is answered as of, from the server's clock (fixed in tests)."""
    return state.clock()


async def query_parameters(request: Request) -> Collector:
    return Collector(query_dict(request.query_params.multi_items()))


async def content_type_segment(request: Request) -> str | None:
    """The `{content_type}` path segment, or None on a path without one."""
    return request.path_params.get("content_type")


Account = Annotated[Dataset, Depends(account_dataset)]
Now = Annotated[datetime, Depends(request_time)]
Query = Annotated[Collector, Depends(query_parameters)]
ContentTypeSegment = Annotated[str | None, Depends(content_type_segment)]


@dataclass(frozen=True)
class ApiCall:
    """A /v1 request as its handler sees it: who asks, when, with which parameters."""

    request: Request
    dataset: Dataset
    now: datetime
    params: Collector
    content_type: str | None  # the path segment, None on a path without one

    @property
    def settings(self) -> DemoSettings:
        return state_of(self.request).settings

    @property
    def version(self) -> ApiVersion:
        """The API surface this server speaks (DemoSettings.api_version)."""
        return self.settings.api_version

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB cursor of its own on the caller's data (peak tables valid at `now`)."""
        return self.dataset.cursor(self.now)


async def api_call(
    request: Request,
    dataset: Account,  # first: a bad token is a 401 before any 400
    now: Now,
    params: Query,
    content_type: ContentTypeSegment,
) -> ApiCall:
    return ApiCall(request, dataset, now, params, content_type)


Call = Annotated[ApiCall, Depends(api_call)]
