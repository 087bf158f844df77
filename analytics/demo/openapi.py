"""The OpenAPI 3.1 document of the documented contract, as served: the current Analytics API
(IBM's developer docs) by default, or the older v1.0.3 surface.

Written out explicitly rather than derived from the handlers, so it states the contract the
clients rely on (enums, bounds, the 400/401 shapes) and a fuzzer can hold the server to it.
"""

from __future__ import annotations

from typing import Any

from analytics.contract import (
    API_DEFAULT_TIME_ZONE,
    PAGE_LIMIT_DEFAULT,
    PAGE_LIMIT_MAX,
    PEAK_SUMMARY_TYPE,
    VIEWER_SECONDS_SERIES_TYPE,
    VIEWER_SECONDS_SUMMARY_TYPE,
    ApiVersion,
    ContentType,
    DeviceClass,
    Dimension,
    Metric,
    ViewType,
    dimensions_of,
    granularities_of,
)

CONTENT_IDS_PATTERN = r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17})*$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


def _list_schema(item: str) -> dict[str, Any]:
    return _object(
        {"pagination": _ref("Pagination"), "data": {"type": "array", "items": _ref(item)}}
    )


def _summary_list_schema(item: str) -> dict[str, Any]:
    """Zero or one item, and an empty pagination object (as the docs' examples show)."""
    return _object(
        {
            "pagination": {"type": "object", "maxProperties": 0},
            "data": {"type": "array", "maxItems": 1, "items": _ref(item)},
        }
    )


def _resource(kind: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return _object({"attributes": attributes, "type": {"type": "string", "enum": [kind]}})


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
INTEGER = {"type": "integer"}
DATE_TIME = {"type": "string", "format": "date-time"}
CONTENT_TYPE = {"type": "string", "enum": [c.value for c in ContentType]}
VIEW_TYPE = {"type": "string", "enum": [v.value for v in ViewType]}

DEVICE_INFO = _object(
    {
        "browser": _object(
            {"family": STRING, "major": NULLABLE_STRING, "minor": NULLABLE_STRING,
             "patch": NULLABLE_STRING}
        ),
        "os": _object(
            {"family": STRING, "major": NULLABLE_STRING, "minor": NULLABLE_STRING,
             "patch": NULLABLE_STRING, "patch_minor": NULLABLE_STRING}
        ),
        "device": _object({"family": STRING, "brand": NULLABLE_STRING, "model": NULLABLE_STRING}),
    }
)  # fmt: skip


def _segment_properties(id_key: str) -> dict[str, Any]:
    return {
        id_key: {"type": "string", "format": "uuid"},
        "content_type": CONTENT_TYPE,
        "content_id": INTEGER,
        "started_at": DATE_TIME,
        "finished_at": _nullable(DATE_TIME),
        "from": INTEGER,
        "to": {"type": ["integer", "null"]},
        "country": NULLABLE_STRING,
        "city": NULLABLE_STRING,
        "is_mobile_view": {"type": "boolean"},
        "view_type": VIEW_TYPE,
        "client_id": STRING,
        "view_session_id": STRING,
        "device_info": _ref("DeviceInfo"),
    }


LINK = _object({"href": STRING})
SCHEMAS: dict[str, Any] = {
    "Link": LINK,
    "Pagination": _object(
        {
            "count": {"type": "integer", "minimum": 0},
            "self": _ref("Link"),
            "first": _ref("Link"),
            "prev": {"oneOf": [_ref("Link"), {"type": "null"}]},
            "next": {"oneOf": [_ref("Link"), {"type": "null"}]},
            "last": _ref("Link"),
        },
        required=["count", "self", "first", "last"],
    ),
    "Series": _resource(
        "Series",
        _object(
            {
                "dimension_type": {"type": "string", "enum": [d.value for d in Dimension]},
                "point": {
                    "type": ["string", "null"],
                    "description": "bucket start (ISO 8601, offset of date_time_from) for "
                    "month/day/hour; ISO 3166-1 alpha-2 country code for country (location "
                    "on v1.0.3); ISO 3166-2 subdivision code for region (null: unknown place); "
                    "one of "
                    f"{[d.value for d in DeviceClass]} for device; onsite/offsite for "
                    f"view-source; the metric's name for summary "
                    f"({[m.point_name for m in Metric]})",
                },
                "value": {"type": "integer", "minimum": 0},
            }
        ),
    ),
    "PeakSeries": _resource(
        "PeakSeries",
        _object(
            {
                "content_type": CONTENT_TYPE,
                "content_id": INTEGER,
                "time": DATE_TIME,
                "value": {"type": "integer", "minimum": 1},
            }
        ),
    ),
    "PeakSummary": _resource(
        PEAK_SUMMARY_TYPE,
        _object(
            {
                "content_type": CONTENT_TYPE,
                "content_id": INTEGER,
                "media_id": INTEGER,
                "timestamp": DATE_TIME,
                "time": DATE_TIME,
                "value": {"type": "integer", "minimum": 1},
            },
            required=["content_type", "value"],
        ),
    ),
    "ViewerSecondSeries": _resource(
        VIEWER_SECONDS_SERIES_TYPE,
        _object(
            {
                "content_type": CONTENT_TYPE,
                "content_id": INTEGER,
                "time": DATE_TIME,
                "value": {"type": "integer", "minimum": 1, "description": "seconds watched"},
            }
        ),
    ),
    "ViewerSecondSummary": _resource(
        VIEWER_SECONDS_SUMMARY_TYPE,
        _object(
            {
                "content_type": CONTENT_TYPE,
                "content_id": INTEGER,
                "media_id": INTEGER,
                "value": {"type": "integer", "minimum": 1, "description": "seconds watched"},
            },
            required=["content_type", "value"],
        ),
    ),
    "DeviceInfo": DEVICE_INFO,
    "View": _resource(
        "View", _object({**_segment_properties("view_id"), "viewer_identifier": STRING})
    ),
    "Segment": _object(_segment_properties("id")),
    "Viewer": _resource(
        "Viewer",
        _object(
            {
                "viewer_identifier": STRING,
                "videos_watched": {"type": "integer", "minimum": 1},
                "last_activity": DATE_TIME,
                "segments": {"type": "array", "items": _ref("Segment")},
            }
        ),
    ),
    "SeriesList": _list_schema("Series"),
    "PeakSeriesList": _list_schema("PeakSeries"),
    "ViewerSecondSeriesList": _list_schema("ViewerSecondSeries"),
    "PeakSummaryList": _summary_list_schema("PeakSummary"),
    "ViewerSecondSummaryList": _summary_list_schema("ViewerSecondSummary"),
    "ViewList": _list_schema("View"),
    "ViewerList": _list_schema("Viewer"),
    "BadRequest": _object(
        {
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": _object(
                    {
                        "status": {"type": "integer", "enum": [400]},
                        "title": STRING,
                        "detail": STRING,
                        "source": _object({"pointer": STRING}),
                    }
                ),
            }
        }
    ),
    "Error": _object(
        {
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": _object(
                    {"status": INTEGER, "title": STRING, "detail": STRING},
                ),
            }
        }
    ),
}


def _param(name: str, where: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": schema,
    }


ZONE_NOTE = f" Without an offset the time is read as {API_DEFAULT_TIME_ZONE}."
PARAMETERS: dict[str, dict[str, Any]] = {
    "date_time_from": _param(
        "date_time_from", "query", DATE_TIME, "Start of the period (ISO 8601)." + ZONE_NOTE, True
    ),
    "date_time_to": _param(
        "date_time_to", "query", DATE_TIME, "End of the period (ISO 8601)." + ZONE_NOTE, True
    ),
    "_page": _param(
        "_page", "query", {"type": "integer", "minimum": 1, "default": 1}, "The page to get."
    ),
    "_limit": _param(
        "_limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": PAGE_LIMIT_MAX, "default": PAGE_LIMIT_DEFAULT},
        "How many resources per page.",
    ),
    "content_type": _param("content_type", "path", CONTENT_TYPE, "Type of the content."),
    "channel_id": _param(
        "channel_id",
        "query",
        {"type": "string", "pattern": CONTENT_IDS_PATTERN},
        "A list of comma separated channel ids: the recorded videos of these channels.",
        True,
    ),
    "single_content_id": _param(
        "content_id",
        "query",
        {"type": "string", "pattern": r"^[1-9][0-9]{0,17}$"},
        "A single content id.",
        True,
    ),
    "content_id": _param(
        "content_id",
        "query",
        {"type": "string", "pattern": CONTENT_IDS_PATTERN},
        "A list of comma separated content ids.",
    ),
    "viewer_identifier": _param(
        "viewer_identifier",
        "query",
        STRING,
        "Viewers whose identifier contains this string (case-insensitive).",
    ),
    "list_unfinished_segments": _param(
        "list_unfinished_segments",
        "query",
        {"type": "boolean", "default": True},
        "Include segments that are still running.",
    ),
    "inclusive_range": _param(
        "inclusive_range",
        "query",
        {"type": "boolean", "default": True},
        "Also list segments that only start or only finish inside the period.",
    ),
}


def _version_parameters(version: ApiVersion) -> dict[str, dict[str, Any]]:
    """The parameters whose values differ between the API versions."""
    return {
        "dimension": _param(
            "dimension",
            "path",
            {"type": "string", "enum": [d.value for d in dimensions_of(version)]},
            "The dimension of the breakdown.",
        ),
        "granularity": _param(
            "granularity",
            "query",
            {
                "type": "string",
                "enum": [g.value for g in granularities_of(version)],
                "default": "minute",
            },
            "The granularity of the breakdown.",
        ),
    }


RESPONSES: dict[str, Any] = {
    "BadRequest": {
        "description": "Bad request: one error per invalid parameter, named in source.pointer",
        "content": {"application/json": {"schema": _ref("BadRequest")}},
    },
    "Unauthorized": {
        "description": "Missing, malformed, expired or foreign JWT",
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "TooManyRequests": {
        "description": "Rate limited: the rate_limit knob sends the X-RateLimit headers only "
        "(Reset is a Unix time); a simulated fault (fault_rate) also sends Retry-After",
        "headers": {
            name: {"schema": {"type": "integer"}}
            for name in (
                "Retry-After",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            )
        },
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "NotFound": {
        "description": "No such resource",
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "ServiceUnavailable": {
        "description": "Temporarily unavailable; retry after Retry-After seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": _ref("Error")}},
    },
}


def _operation(
    summary: str, list_schema: str, params: list[str], operation_id: str, *, not_found=False
) -> dict:
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": _ref(list_schema)}},
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "429": {"$ref": "#/components/responses/TooManyRequests"},
        "503": {"$ref": "#/components/responses/ServiceUnavailable"},
    }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in params],
            "responses": responses,
        }
    }


RANGE_PAGE = ["date_time_from", "date_time_to", "_page", "_limit"]


def _current_paths() -> dict[str, Any]:
    """What IBM's current docs add to v1.0.3: channel scopes, summaries, viewer-seconds."""
    return {
        "/views/recorded/channel": _operation(
            "Raw view export of the recorded videos of given channels",
            "ViewList",
            ["channel_id", "list_unfinished_segments", "inclusive_range", *RANGE_PAGE],
            "views_of_channels",
        ),
        "/peak-viewer-numbers/{content_type}/summary": _operation(
            "The highest peak of one content in the period, and when it happened",
            "PeakSummaryList",
            ["content_type", "single_content_id", "date_time_from", "date_time_to"],
            "peak_viewer_numbers_summary",
        ),
        "/viewer-seconds": _operation(
            "Seconds watched of all content, per content and bucket",
            "ViewerSecondSeriesList",
            ["granularity", "content_id", *RANGE_PAGE],
            "viewer_seconds",
        ),
        "/viewer-seconds/{content_type}": _operation(
            "Seconds watched of one content type (or given content ids)",
            "ViewerSecondSeriesList",
            ["content_type", "granularity", "content_id", *RANGE_PAGE],
            "viewer_seconds_by_content_type",
        ),
        "/viewer-seconds/recorded/channel": _operation(
            "Seconds watched of the recorded videos of given channels",
            "ViewerSecondSeriesList",
            ["channel_id", "granularity", *RANGE_PAGE],
            "viewer_seconds_of_channels",
        ),
        "/viewer-seconds/{content_type}/summary": _operation(
            "Seconds watched of one content in the period",
            "ViewerSecondSummaryList",
            ["content_type", "single_content_id", "date_time_from", "date_time_to"],
            "viewer_seconds_summary",
        ),
    }


def _paths(version: ApiVersion) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/viewers": _operation(
            "List of the unique viewers for all contents",
            "ViewerList",
            ["viewer_identifier", "list_unfinished_segments", *RANGE_PAGE],
            "viewers",
        ),
        "/viewers/{content_type}": _operation(
            "List of the unique viewers for a specific content type",
            "ViewerList",
            [
                "content_type",
                "content_id",
                "viewer_identifier",
                "list_unfinished_segments",
                *RANGE_PAGE,
            ],
            "viewers_by_content_type",
        ),
        "/views": _operation(
            "Raw view export for a given time period",
            "ViewList",
            ["list_unfinished_segments", "inclusive_range", *RANGE_PAGE],
            "views",
        ),
        "/views/{content_type}": _operation(
            "Raw view export of a specific content type for a given time period",
            "ViewList",
            [
                "content_type",
                "content_id",
                "list_unfinished_segments",
                "inclusive_range",
                *RANGE_PAGE,
            ],
            "views_by_content_type",
        ),
    }
    for metric in Metric:
        name = metric.point_name
        paths[f"/{metric.value}/summary"] = _operation(
            f"{metric.value}: total for a period", "SeriesList", RANGE_PAGE, f"{name}_summary"
        )
        paths[f"/{metric.value}/{{dimension}}"] = _operation(
            f"{metric.value} bucketed by a dimension",
            "SeriesList",
            ["dimension", *RANGE_PAGE],
            f"{name}_by_dimension",
        )
        paths[f"/{metric.value}/{{content_type}}/summary"] = _operation(
            f"{metric.value}: total for a period and content type",
            "SeriesList",
            ["content_type", "content_id", *RANGE_PAGE],
            f"{name}_by_content_type_summary",
        )
        paths[f"/{metric.value}/{{content_type}}/{{dimension}}"] = _operation(
            f"{metric.value} for a content type bucketed by a dimension",
            "SeriesList",
            ["content_type", "dimension", "content_id", *RANGE_PAGE],
            f"{name}_by_content_type_and_dimension",
        )
    paths["/peak-viewer-numbers"] = _operation(
        "Live and recorded peak concurrent viewers of all content",
        "PeakSeriesList",
        ["granularity", *RANGE_PAGE],
        "peak_viewer_numbers",
    )
    paths["/peak-viewer-numbers/{content_type}"] = _operation(
        "Peak concurrent viewers of one content type (or given content ids)",
        "PeakSeriesList",
        ["content_type", "granularity", "content_id", *RANGE_PAGE],
        "peak_viewer_numbers_by_content_type",
    )
    if version is ApiVersion.CURRENT:
        paths.update(_current_paths())
    return paths


def openapi_document(server_url: str, version: ApiVersion = ApiVersion.CURRENT) -> dict[str, Any]:
    """The document of one API `version`, with `server_url` (".../v1") as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Demo IBM Video Analytics API",
            "version": version.value,
            "description": "A local stand-in for IBM Video Streaming's Analytics API v1 on "
            "generated data. Get a JWT from POST /oauth2/token (client credentials, "
            "token_type=jwt) and send it raw in the Authorization header.",
        },
        "servers": [{"url": server_url}],
        "security": [{"JWTHeader": []}],
        "paths": _paths(version),
        "components": {
            "securitySchemes": {
                "JWTHeader": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
            "parameters": {**PARAMETERS, **_version_parameters(version)},
            "responses": RESPONSES,
            "schemas": SCHEMAS,
        },
    }
