"""Every error the demo API answers is JSON in the documented shape, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from analytics.demo.auth import Unauthorized
from analytics.demo.knobs import internal_error
from analytics.demo.params import BadRequest, ParamError
from analytics.demo.responses import bad_request_body, error_body

log = logging.getLogger(__name__)

HTTP_TITLES = {404: "Not Found", 405: "Method Not Allowed"}


async def on_bad_request(_: Request, exc: BadRequest) -> JSONResponse:
    return JSONResponse(bad_request_body(exc.errors), status_code=400)


async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        ParamError(str(err.get("loc", ["", "request"])[-1]), str(err.get("msg", "invalid")))
        for err in exc.errors()
    ]
    return JSONResponse(bad_request_body(errors), status_code=400)


async def on_unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
    return JSONResponse(
        error_body(401, "Unauthorized", str(exc)),
        status_code=401,
        headers={"WWW-Authenticate": 'JWT realm="analytics-api"'},
    )


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Unknown paths (404) and methods (405), said in words that name them."""
    if exc.status_code == 404:
        detail = f"no such endpoint: {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    else:
        detail = str(exc.detail)
    return JSONResponse(
        error_body(exc.status_code, HTTP_TITLES.get(exc.status_code, "Error"), detail),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("demo API failed on %s %s", request.method, request.url.path)
    return internal_error()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BadRequest, on_bad_request)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(Unauthorized, on_unauthorized)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)
