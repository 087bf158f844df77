"""The demo Analytics API as a FastAPI application: token endpoint, the /v1 paths, knobs.

`create_app` only assembles: the server's state (settings, data registry, clock, counter,
token authority) goes on `app.state.demo` for the dependencies in `dependencies.py`, the
knobs middleware wraps every request, `errors.py` makes every error JSON, and the routers
under `routes/` answer. Handlers are plain `def`s (FastAPI runs them in a thread pool), each
with its own DuckDB cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from analytics.contract import ApiVersion
from analytics.demo.auth import TokenAuthority
from analytics.demo.counter import RequestCounter
from analytics.demo.dependencies import DemoState
from analytics.demo.errors import install_error_handlers
from analytics.demo.knobs import apply_knobs
from analytics.demo.ratelimit import RateLimiter
from analytics.demo.routes import channels, control, lists, metrics, peaks, token, viewer_seconds
from analytics.demo.settings import DemoSettings
from analytics.demo.store import DataRegistry


def create_app(
    settings: DemoSettings,
    registry: DataRegistry,
    *,
    clock: Callable[[], datetime] | None = None,
    counter: RequestCounter | None = None,
) -> FastAPI:
    """The ASGI app for one server instance (its own token key, knobs and counters)."""
    app = FastAPI(
        title="Demo IBM Video Analytics API",
        version=settings.api_version.value,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    clock = clock or (lambda: datetime.now(UTC))
    budget = settings.rate_budget
    app.state.demo = DemoState(
        settings=settings,
        registry=registry,
        clock=clock,
        counter=counter or RequestCounter(),
        authority=TokenAuthority(settings.accounts, settings.token_ttl, settings.token_auth),
        rate_limiter=RateLimiter(*budget, clock) if budget else None,
    )
    app.middleware("http")(apply_knobs)
    install_error_handlers(app)
    app.add_exception_handler(channels.ChannelApiError, channels.on_channel_api_error)  # type: ignore[arg-type]
    for router in (token.router, control.router, metrics.router, peaks.router, lists.router):
        app.include_router(router)
    app.include_router(channels.router)  # the Channel API (titles), beside the Analytics API
    if settings.api_version is ApiVersion.CURRENT:  # what IBM's current docs add to v1.0.3
        for router in (peaks.current_router, viewer_seconds.router, lists.current_router):
            app.include_router(router)
    return app
