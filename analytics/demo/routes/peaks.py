"""/v1/peak-viewer-numbers[/{content_type}]: peak concurrent viewers per content and bucket;
the current API adds `/{content_type}/summary` (a content's top peak) and, on `/recorded`, the
channel scope `channel_id`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from analytics.contract import (
    PEAK_SERIES_TYPE,
    PEAK_SUMMARY_TYPE,
    PEAK_VIEWER_NUMBERS_PATH,
    SUMMARY_PATH,
    ApiVersion,
    ContentType,
)
from analytics.demo import answers
from analytics.demo.dependencies import Call
from analytics.demo.params import ContentFilter
from analytics.demo.responses import json_response
from analytics.demo.routes import add_route_with_content_type, bucketed_response, summary_request

router = APIRouter(prefix="/v1", include_in_schema=False)
current_router = APIRouter(prefix="/v1", include_in_schema=False)  # the current API only


def peak_viewer_numbers(call: Call) -> Response:
    params = call.params
    kind = params.content_type(call.content_type)

    def scope() -> ContentFilter:
        channels: tuple[int, ...] = ()
        if call.version is ApiVersion.CURRENT and "channel_id" in params.query:
            if kind is ContentType.RECORDED:
                channels = params.channel_ids()
            else:
                params.fail("channel_id", "channel_id scopes only /peak-viewer-numbers/recorded")
        ids = params.content_ids(allowed=call.content_type is not None)
        return ContentFilter(kind, ids, channels)

    return bucketed_response(call, answers.peaks, PEAK_SERIES_TYPE, scope)


def peak_summary(call: Call) -> Response:
    """The content's highest peak in the range and when it happened (current API only)."""
    kind, content_id, window = summary_request(call)
    with call.cursor() as cursor:
        top = answers.peak_summary(cursor, window, ContentFilter(kind, (content_id,)), call.now)
    data = []
    if top is not None:
        content_type, found_id, minute, value = top
        settings = call.settings
        attributes = {
            "content_type": content_type,
            settings.summary_id_key.value: int(found_id),
            settings.summary_time_key.value: window.format(minute),
            "value": int(value),
        }
        data.append({"attributes": attributes, "type": PEAK_SUMMARY_TYPE})
    return json_response({}, data)


add_route_with_content_type(router, f"/{PEAK_VIEWER_NUMBERS_PATH}", peak_viewer_numbers)
current_router.add_api_route(
    f"/{PEAK_VIEWER_NUMBERS_PATH}/{{content_type}}/{SUMMARY_PATH}", peak_summary, methods=["GET"]
)
