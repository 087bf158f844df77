"""The demo's per-request knobs: added latency (plus jitter), the rate limit, simulated
faults, counting.

A middleware, so that it wraps every answer alike (errors included); only /v1 requests are
faulted and rate-limited; they and the Channel API's are counted, and both (and the token
endpoint) are delayed.
"""

from __future__ import annotations

import asyncio
import logging
import time

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.middleware.base import RequestResponseEndpoint

from analytics.demo.auth import Unauthorized
from analytics.demo.dependencies import state_of
from analytics.demo.ratelimit import RateDecision
from analytics.demo.responses import error_body

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
RATE_LIMIT = 100
# The Channel API's paths (delayed and counted like /v1; not faulted or rate-limited).
CHANNEL_API_PREFIXES = ("/users/self/", "/channels/", "/videos/")


async def apply_knobs(request: Request, call_next: RequestResponseEndpoint) -> Response:
    """Delay, maybe fault, then answer; count every /v1 request, whatever its answer."""
    state = state_of(request)
    settings, knob_random = state.settings, state.knob_random
    path = request.url.path
    is_api = path.startswith("/v1/") or path == "/v1"
    is_channel_api = path.startswith(CHANNEL_API_PREFIXES)
    try:
        if is_api or is_channel_api or path == "/oauth2/token":
            delay = settings.latency_ms + knob_random.uniform(0, settings.jitter_ms)
            if delay > 0:
                await asyncio.sleep(delay / 1000)
        limits: dict[str, str] = {}
        if is_api and state.rate_limiter is not None:
            decision = state.rate_limiter.take(rate_key(request))
            limits = decision.headers
            if not decision.allowed:
                return over_rate_limit(decision)
        if is_api and settings.fault_rate and knob_random.random() < settings.fault_rate:
            return simulated_fault(knob_random.random() < 0.5)
        response = await call_next(request)
        response.headers.update(limits)
        return response
    except Exception:
        log.exception("demo API failed on %s %s", request.method, path)
        return internal_error()
    finally:
        if is_api or is_channel_api:
            state.counter.add(path)


def rate_key(request: Request) -> str:
    """Whose budget a request spends: its token's account, else its address."""
    try:
        return "account:" + state_of(request).authority.verify(request.headers.get("authorization"))
    except Unauthorized:
        host = request.client.host if request.client else "unknown"
        return "address:" + host


def over_rate_limit(decision: RateDecision) -> JSONResponse:
    """429 with the three X-RateLimit headers and nothing else (no Retry-After)."""
    return JSONResponse(
        error_body(429, "Too Many Requests", "rate limit exceeded; see X-RateLimit-Reset"),
        status_code=429,
        headers=decision.headers,
    )


def internal_error() -> JSONResponse:
    """A generic 500: the details go to the log, never to the client."""
    return JSONResponse(
        error_body(500, "Internal Server Error", "the demo API failed; see its log"),
        status_code=500,
    )


def simulated_fault(rate_limited: bool) -> JSONResponse:
    """A 429 with the rate-limit headers, or a 503; both say when to retry."""
    retry = str(RETRY_AFTER_SECONDS)
    if rate_limited:
        return JSONResponse(
            error_body(429, "Too Many Requests", f"rate limit exceeded; retry after {retry} s"),
            status_code=429,
            headers={
                "Retry-After": retry,
                "X-RateLimit-Limit": str(RATE_LIMIT),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(time.time()) + RETRY_AFTER_SECONDS),
            },
        )
    return JSONResponse(
        error_body(503, "Service Unavailable", "temporarily unavailable (simulated); retry later"),
        status_code=503,
        headers={"Retry-After": retry},
    )
