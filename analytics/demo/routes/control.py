"""The demo's own endpoints, without auth: request counts and the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from analytics.demo.dependencies import RequestCounts, State
from analytics.demo.openapi import openapi_document

router = APIRouter(include_in_schema=False)


@router.get("/_demo/stats")
def stats(counter: RequestCounts) -> dict:
    return {"requests": counter.snapshot(), "total": counter.total()}


@router.post("/_demo/stats/reset")
def stats_reset(counter: RequestCounts) -> dict:
    counter.reset()
    return {"requests": {}, "total": 0}


@router.get("/openapi.json")
def openapi(request: Request, state: State) -> JSONResponse:
    server_url = str(request.base_url).rstrip("/") + "/v1"
    return JSONResponse(openapi_document(server_url, state.settings.api_version))
