"""/v1/viewer-seconds[/{content_type}[/summary]] and /v1/viewer-seconds/recorded/channel:
seconds watched per content and bucket. The current API only: on v1.0.3 the app leaves this
router out, so the paths are unknown (404)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from analytics.contract import (
    SUMMARY_PATH,
    VIEWER_SECONDS_PATH,
    VIEWER_SECONDS_SERIES_TYPE,
    VIEWER_SECONDS_SUMMARY_TYPE,
    ContentType,
    channel_path,
)
from analytics.demo import answers
from analytics.demo.dependencies import Call
from analytics.demo.params import ContentFilter
from analytics.demo.responses import json_response
from analytics.demo.routes import add_route_with_content_type, bucketed_response, summary_request

router = APIRouter(prefix="/v1", include_in_schema=False)


def _series(call: Call, scope_of_channels: bool) -> Response:
    params = call.params
    kind = ContentType.RECORDED if scope_of_channels else params.content_type(call.content_type)

    def scope() -> ContentFilter:
        if scope_of_channels:
            return ContentFilter(kind, (), params.channel_ids())
        return ContentFilter(kind, params.content_ids(allowed=True))

    return bucketed_response(call, answers.viewer_seconds, VIEWER_SECONDS_SERIES_TYPE, scope)


def viewer_seconds(call: Call) -> Response:
    """All contents (content_id allowed on both paths, as documented), per bucket."""
    return _series(call, scope_of_channels=False)


def viewer_seconds_of_channels(call: Call) -> Response:
    """The recorded videos of the channels in `channel_id`, per video and bucket."""
    return _series(call, scope_of_channels=True)


def viewer_seconds_summary(call: Call) -> Response:
    """One content's seconds watched in the range: zero or one ViewerSecondSummary."""
    kind, content_id, window = summary_request(call)
    with call.cursor() as cursor:
        value = answers.viewer_seconds_summary(
            cursor, window, ContentFilter(kind, (content_id,)), call.now
        )
    data = []
    if value > 0:
        attributes = {
            "content_type": kind.value,
            call.settings.summary_id_key.value: content_id,
            "value": value,
        }
        data.append({"attributes": attributes, "type": VIEWER_SECONDS_SUMMARY_TYPE})
    return json_response({}, data)


# The literal channel path first, so `recorded` + `channel` never reads as a content type.
router.add_api_route(
    f"/{channel_path(VIEWER_SECONDS_PATH)}", viewer_seconds_of_channels, methods=["GET"]
)
router.add_api_route(
    f"/{VIEWER_SECONDS_PATH}/{{content_type}}/{SUMMARY_PATH}",
    viewer_seconds_summary,
    methods=["GET"],
)
add_route_with_content_type(router, f"/{VIEWER_SECONDS_PATH}", viewer_seconds)
