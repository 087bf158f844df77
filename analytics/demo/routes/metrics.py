"""The aggregate metrics: /v1/{metric}[/{content_type}]/{dimension}, `summary` included."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import Response

from analytics.contract import Dimension, Metric
from analytics.demo import answers
from analytics.demo.dependencies import Call
from analytics.demo.params import ContentFilter
from analytics.demo.responses import json_response, pagination
from analytics.demo.routes import add_route_with_content_type

router = APIRouter(prefix="/v1", include_in_schema=False)


def metric_endpoint(metric: Metric) -> Callable[..., Response]:
    """The handler of one metric's paths, for every dimension and content type."""

    def answer(call: Call, dimension: str) -> Response:
        params = call.params
        kind = params.content_type(call.content_type)
        dim = (
            Dimension.SUMMARY
            if dimension == "summary"
            else params.dimension(dimension, call.version)
        )
        window = params.window()
        ids = params.content_ids(allowed=call.content_type is not None)
        page = params.page()
        params.raise_if_any()
        assert window is not None
        assert dim is not None
        scope = ContentFilter(kind, ids)
        with call.cursor() as cursor:
            result = answers.metric(cursor, metric, dim, window, scope, page, call.now)
        return json_response(
            pagination(call.request, result.count, page, summary=dim is Dimension.SUMMARY),
            [{"attributes": row, "type": "Series"} for row in result.rows or []],
        )

    return answer


for _metric in Metric:
    add_route_with_content_type(
        router, f"/{_metric.value}", metric_endpoint(_metric), tail="/{dimension}"
    )
