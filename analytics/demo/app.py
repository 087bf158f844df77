"""The demo Analytics API as a FastAPI application: token endpoint, the 18 /v1 paths, knobs.

Handlers are plain `def`s (FastAPI runs them in a thread pool), each with its own DuckDB
cursor. Every error is JSON: 400 in the documented BadRequest shape, 401 for tokens, 404/405
for unknown paths and methods; a catch-all answers a generic 500 rather than a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from analytics.api.queries import Dimension, Metric
from analytics.demo import answers
from analytics.demo.auth import TokenAuthority, TokenRequestError, Unauthorized
from analytics.demo.openapi import openapi_document
from analytics.demo.params import BadRequest, Collector, Filters, Page, ParamError
from analytics.demo.settings import DemoSettings
from analytics.demo.store import DataRegistry

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
RATE_LIMIT = 100


class RequestCounter:
    """/v1 requests answered so far, per path (thread-safe)."""

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


def error_body(status: int, title: str, detail: str, pointer: str | None = None) -> dict:
    error: dict[str, Any] = {"status": status, "title": title, "detail": detail}
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    return {"errors": [error]}


def bad_request_body(errors: list[ParamError]) -> dict:
    return {
        "errors": [
            {"status": 400, "title": e.title, "detail": e.detail, "source": {"pointer": e.pointer}}
            for e in errors
        ]
    }


def query_dict(request: Request) -> dict[str, str]:
    """Last value wins, except content_id: repeated ones join into one comma-separated list."""
    query: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key == "content_id" and key in query:
            query[key] = f"{query[key]},{value}"
        else:
            query[key] = value
    return query


def pagination(request: Request, count: int, page: Page, *, summary: bool = False) -> dict:
    """The documented pagination object, with relative links (the API's own style)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("_page", "_limit")]

    def link(number: int) -> dict[str, str]:
        query = urlencode([*kept, ("_page", str(number)), ("_limit", str(page.limit))])
        return {"href": f"{request.url.path}?{query}"}

    last = max(1, -(-count // page.limit))
    links: dict[str, Any] = {"count": count, "self": link(page.number), "first": link(1)}
    if not summary:  # a real summary answer carries only count, self, first and last
        links["prev"] = link(min(page.number - 1, last)) if page.number > 1 else None
        links["next"] = link(page.number + 1) if page.number < last else None
    links["last"] = link(last)
    return links


def create_app(
    settings: DemoSettings,
    registry: DataRegistry,
    *,
    clock: Callable[[], datetime] | None = None,
    counter: RequestCounter | None = None,
) -> FastAPI:
    """The ASGI app for one server instance (its own token key, knobs and counters)."""
    clock = clock or (lambda: datetime.now(UTC))
    counter = counter or RequestCounter()
    authority = TokenAuthority(settings.accounts, settings.token_ttl)
    knob_random = random.Random()

    app = FastAPI(
        title="Demo IBM Video Analytics API",
        version="1.0.3",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.counter = counter
    app.state.registry = registry

    # --- knobs: latency, faults, counting -------------------------------------------------

    @app.middleware("http")
    async def knobs(request: Request, call_next):
        path = request.url.path
        is_api = path.startswith("/v1/") or path == "/v1"
        try:
            if is_api or path == "/oauth2/token":
                delay = settings.latency_ms + knob_random.uniform(0, settings.jitter_ms)
                if delay > 0:
                    await asyncio.sleep(delay / 1000)
            if is_api and settings.fault_rate and knob_random.random() < settings.fault_rate:
                return simulated_fault(knob_random.random() < 0.5)
            return await call_next(request)
        except Exception:
            log.exception("demo API failed on %s %s", request.method, path)
            return JSONResponse(
                error_body(500, "Internal Server Error", "the demo API failed; see its log"),
                status_code=500,
            )
        finally:
            if is_api:
                counter.add(path)

    # --- errors ---------------------------------------------------------------------------

    @app.exception_handler(BadRequest)
    async def on_bad_request(_: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse(bad_request_body(exc.errors), status_code=400)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            ParamError(str(err.get("loc", ["", "request"])[-1]), str(err.get("msg", "invalid")))
            for err in exc.errors()
        ]
        return JSONResponse(bad_request_body(errors), status_code=400)

    @app.exception_handler(Unauthorized)
    async def on_unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse(
            error_body(401, "Unauthorized", str(exc)),
            status_code=401,
            headers={"WWW-Authenticate": 'JWT realm="analytics-api"'},
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not Found", 405: "Method Not Allowed"}
        detail = (
            f"no such endpoint: {request.url.path}"
            if exc.status_code == 404
            else f"{request.method} is not allowed on {request.url.path}"
            if exc.status_code == 405
            else str(exc.detail)
        )
        return JSONResponse(
            error_body(exc.status_code, titles.get(exc.status_code, "Error"), detail),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("demo API failed on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(500, "Internal Server Error", "the demo API failed; see its log"),
            status_code=500,
        )

    # --- token endpoint -------------------------------------------------------------------

    @app.post("/oauth2/token", include_in_schema=False)
    async def token(request: Request) -> JSONResponse:
        body = (await request.body()).decode("utf-8", errors="replace")
        form = dict(parse_qsl(body, keep_blank_values=True))
        try:
            issued = authority.issue(form, request.headers.get("authorization"))
        except TokenRequestError as exc:
            return JSONResponse(
                {"error": exc.code, "error_description": exc.description},
                status_code=400,
                headers={"Cache-Control": "no-store"},
            )
        return JSONResponse(
            {
                "access_token": issued.access_token,
                "token_type": "bearer",
                "expires_in": issued.expires_in,
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    # --- demo control (no auth) -----------------------------------------------------------

    @app.get("/_demo/stats", include_in_schema=False)
    def stats() -> dict:
        return {"requests": counter.snapshot(), "total": counter.total()}

    @app.post("/_demo/stats/reset", include_in_schema=False)
    def stats_reset() -> dict:
        counter.reset()
        return {"requests": {}, "total": 0}

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(openapi_document(str(request.base_url).rstrip("/") + "/v1"))

    # --- the API --------------------------------------------------------------------------

    def account(request: Request):
        client_id = authority.verify(request.headers.get("authorization"))
        return registry.get(client_id)

    def metric_answer(
        request: Request,
        metric: Metric,
        content_type: str | None,
        dimension: str,
    ) -> Response:
        dataset = account(request)
        now = clock()
        params = Collector(query_dict(request))
        kind = params.content_type(content_type)
        dim = Dimension.SUMMARY if dimension == "summary" else params.dimension(dimension)
        window = params.window()
        ids = params.content_ids(allowed=content_type is not None)
        page = params.page()
        params.raise_if_any()
        assert window is not None
        assert dim is not None
        with dataset.cursor(now) as cursor:
            answer = answers.metric(cursor, metric, dim, window, Filters(kind, ids), page, now)
        summary = dim is Dimension.SUMMARY
        return json_response(
            pagination(request, answer.count, page, summary=summary),
            [{"attributes": row, "type": "Series"} for row in answer.rows or []],
        )

    for metric in Metric:
        register_metric_routes(app, metric, metric_answer)

    @app.get("/v1/peak-viewer-numbers", include_in_schema=False)
    def peak_all(request: Request) -> Response:
        return peak_answer(request, None)

    @app.get("/v1/peak-viewer-numbers/{content_type}", include_in_schema=False)
    def peak_by_type(request: Request, content_type: str) -> Response:
        return peak_answer(request, content_type)

    def peak_answer(request: Request, content_type: str | None) -> Response:
        dataset = account(request)
        now = clock()
        params = Collector(query_dict(request))
        kind = params.content_type(content_type)
        granularity = params.granularity()
        window = params.window()
        ids = params.content_ids(allowed=content_type is not None)
        page = params.page()
        params.raise_if_any()
        assert window is not None
        with dataset.cursor(now) as cursor:
            answer = answers.peaks(cursor, granularity, window, Filters(kind, ids), page, now)
        return json_response(
            pagination(request, answer.count, page),
            [{"attributes": row, "type": "PeakSeries"} for row in answer.rows or []],
        )

    @app.get("/v1/views", include_in_schema=False)
    def views_all(request: Request) -> Response:
        return views_answer(request, None)

    @app.get("/v1/views/{content_type}", include_in_schema=False)
    def views_by_type(request: Request, content_type: str) -> Response:
        return views_answer(request, content_type)

    def views_answer(request: Request, content_type: str | None) -> Response:
        dataset = account(request)
        now = clock()
        params = Collector(query_dict(request))
        kind = params.content_type(content_type)
        window = params.window()
        ids = params.content_ids(allowed=content_type is not None)
        unfinished = params.boolean("list_unfinished_segments", True)
        inclusive = params.boolean("inclusive_range", True)
        page = params.page()
        params.raise_if_any()
        assert window is not None
        with dataset.cursor(now) as cursor:
            answer = answers.views(
                cursor,
                window,
                Filters(kind, ids),
                page,
                now,
                inclusive_range=inclusive,
                list_unfinished_segments=unfinished,
                selections=dataset.selections,
            )
        return raw_json_response(pagination(request, answer.count, page), answer.json_rows)

    @app.get("/v1/viewers", include_in_schema=False)
    def viewers_all(request: Request) -> Response:
        return viewers_answer(request, None)

    @app.get("/v1/viewers/{content_type}", include_in_schema=False)
    def viewers_by_type(request: Request, content_type: str) -> Response:
        return viewers_answer(request, content_type)

    def viewers_answer(request: Request, content_type: str | None) -> Response:
        dataset = account(request)
        now = clock()
        params = Collector(query_dict(request))
        kind = params.content_type(content_type)
        window = params.window()
        ids = params.content_ids(allowed=content_type is not None)
        unfinished = params.boolean("list_unfinished_segments", True)
        page = params.page()
        needle = params.text("viewer_identifier")
        params.raise_if_any()
        assert window is not None
        with dataset.cursor(now) as cursor:
            answer = answers.viewers(
                cursor,
                window,
                Filters(kind, ids),
                page,
                now,
                viewer_identifier=needle,
                list_unfinished_segments=unfinished,
            )
        return raw_json_response(pagination(request, answer.count, page), answer.json_rows)

    return app


def register_metric_routes(app: FastAPI, metric: Metric, handler: Callable[..., Response]) -> None:
    """The four paths of one metric; `summary` routes come first so they win the match."""
    base = f"/v1/{metric.value}"

    def summary(request: Request) -> Response:
        return handler(request, metric, None, "summary")

    def by_dimension(request: Request, dimension: str) -> Response:
        return handler(request, metric, None, dimension)

    def typed_summary(request: Request, content_type: str) -> Response:
        return handler(request, metric, content_type, "summary")

    def typed_dimension(request: Request, content_type: str, dimension: str) -> Response:
        return handler(request, metric, content_type, dimension)

    app.get(f"{base}/summary", include_in_schema=False)(summary)
    app.get(f"{base}/{{dimension}}", include_in_schema=False)(by_dimension)
    app.get(f"{base}/{{content_type}}/summary", include_in_schema=False)(typed_summary)
    app.get(f"{base}/{{content_type}}/{{dimension}}", include_in_schema=False)(typed_dimension)


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


def json_response(links: dict, data: list[dict]) -> Response:
    return raw_json_response(links, json.dumps(data, separators=(",", ":")).encode())


def raw_json_response(links: dict, data_json: bytes | None) -> Response:
    """The body around `data_json`, a JSON array already serialised (big pages are built
    in DuckDB as UTF-8 bytes and copied once here)."""
    pagination = json.dumps(links, separators=(",", ":")).encode()
    body = b"".join((b'{"pagination":', pagination, b',"data":', data_json or b"[]", b"}"))
    return Response(body, media_type="application/json")
