"""/v1/views and /v1/viewers[/{content_type}]: the raw lists, whose pages can be large.

Their `data` arrives from DuckDB as serialised JSON bytes and goes into the body as is.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from analytics.contract import VIEWERS_PATH, VIEWS_PATH, ContentType, channel_path
from analytics.demo import answers
from analytics.demo.dependencies import Call
from analytics.demo.params import ContentFilter
from analytics.demo.responses import pagination, raw_json_response
from analytics.demo.routes import add_route_with_content_type

router = APIRouter(prefix="/v1", include_in_schema=False)
current_router = APIRouter(prefix="/v1", include_in_schema=False)  # the current API only


def views(call: Call) -> Response:
    return _views(call, scope_of_channels=False)


def views_of_channels(call: Call) -> Response:
    """/v1/views/recorded/channel?channel_id=: the recorded videos of channels (current API)."""
    return _views(call, scope_of_channels=True)


def _views(call: Call, scope_of_channels: bool) -> Response:
    params = call.params
    kind = ContentType.RECORDED if scope_of_channels else params.content_type(call.content_type)
    window = params.window()
    channels = params.channel_ids() if scope_of_channels else ()
    ids = () if scope_of_channels else params.content_ids(allowed=call.content_type is not None)
    unfinished = params.boolean("list_unfinished_segments", True)
    inclusive = params.boolean("inclusive_range", True)
    page = params.page()
    params.raise_if_any()
    assert window is not None
    with call.cursor() as cursor:
        result = answers.views(
            cursor,
            window,
            answers.resolve_channels(cursor, ContentFilter(kind, ids, channels)),
            page,
            call.now,
            inclusive_range=inclusive,
            list_unfinished_segments=unfinished,
            selections=call.dataset.selections,
        )
    return raw_json_response(pagination(call.request, result.count, page), result.json_rows)


def viewers(call: Call) -> Response:
    params = call.params
    kind = params.content_type(call.content_type)
    window = params.window()
    ids = params.content_ids(allowed=call.content_type is not None)
    unfinished = params.boolean("list_unfinished_segments", True)
    page = params.page()
    needle = params.text("viewer_identifier")
    params.raise_if_any()
    assert window is not None
    with call.cursor() as cursor:
        result = answers.viewers(
            cursor,
            window,
            ContentFilter(kind, ids),
            page,
            call.now,
            viewer_identifier=needle,
            list_unfinished_segments=unfinished,
        )
    return raw_json_response(pagination(call.request, result.count, page), result.json_rows)


current_router.add_api_route(f"/{channel_path(VIEWS_PATH)}", views_of_channels, methods=["GET"])
add_route_with_content_type(router, f"/{VIEWS_PATH}", views)
add_route_with_content_type(router, f"/{VIEWERS_PATH}", viewers)
