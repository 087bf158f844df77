"""The demo API's routes, one router per group of endpoints, and the one way to register a
path together with its `{content_type}` twin (`/views` and `/views/{content_type}`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from analytics.contract import ContentType
from analytics.demo.dependencies import ApiCall
from analytics.demo.params import ContentFilter, Window
from analytics.demo.responses import json_response, pagination


def add_route_with_content_type(
    router: APIRouter, base: str, endpoint: Callable[..., Any], *, tail: str = ""
) -> None:
    """GET `base + tail` and `base/{content_type} + tail`, both answered by `endpoint`.

    The endpoint reads the segment through the `ContentTypeSegment` dependency (None on the
    path without it) rather than as a parameter, which on that path would be a query one.
    """
    for path in (base + tail, f"{base}/{{content_type}}{tail}"):
        router.add_api_route(path, endpoint, methods=["GET"])


def bucketed_response(
    call: ApiCall, answer: Callable[..., Any], item_type: str, scope: Callable[[], ContentFilter]
) -> Response:
    """A list per content and time bucket (peaks, viewer-seconds): `granularity`, the range,
    the scope (`scope()` parses its parameters) and the page, answered as `item_type` items."""
    params = call.params
    granularity = params.granularity(call.version)
    window = params.window()
    content_filter = scope()
    page = params.page()
    params.raise_if_any()
    assert window is not None
    with call.cursor() as cursor:
        result = answer(cursor, granularity, window, content_filter, page, call.now)
    return json_response(
        pagination(call.request, result.count, page),
        [{"attributes": row, "type": item_type} for row in result.rows or []],
    )


def summary_request(call: ApiCall) -> tuple[ContentType, int, Window]:
    """The parameters of a `/{content_type}/summary` path of the current API: one content id
    and the range."""
    params = call.params
    kind = params.content_type(call.content_type)
    content_id = params.single_id("content_id")
    window = params.window()
    params.raise_if_any()
    assert kind is not None
    assert content_id is not None
    assert window is not None
    return kind, content_id, window
