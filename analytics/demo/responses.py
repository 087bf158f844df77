"""The bodies the demo API answers with: the documented error shapes and paginated lists.

List bodies are assembled as bytes around a `data` array that may already be serialised
(big /views and /viewers pages are built in DuckDB as UTF-8 JSON and copied once here).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from analytics.demo.params import PageRequest, ParamError


def error_body(status: int, title: str, detail: str) -> dict:
    """`{"errors": [{"status", "title", "detail"}]}`, the API's error shape."""
    return {"errors": [{"status": status, "title": title, "detail": detail}]}


def bad_request_body(errors: list[ParamError]) -> dict:
    """The documented 400 BadRequest: one entry per bad parameter, named in `source.pointer`."""
    return {
        "errors": [
            {"status": 400, "title": e.title, "detail": e.detail, "source": {"pointer": e.pointer}}
            for e in errors
        ]
    }


def pagination(request: Request, count: int, page: PageRequest, *, summary: bool = False) -> dict:
    """The documented pagination object, with relative links (the API's own style).

    `count` is the number of matching items; with DemoSettings.count_means "page" the object
    holds the number on this page instead (the links still reach the last page).
    """
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("_page", "_limit")]

    def link(number: int) -> dict[str, str]:
        query = urlencode([*kept, ("_page", str(number)), ("_limit", str(page.limit))])
        return {"href": f"{request.url.path}?{query}"}

    last = max(1, -(-count // page.limit))
    if not summary and request.app.state.demo.settings.count_means == "page":
        count = max(0, min(page.limit, count - page.offset))  # the items on this page
    links: dict[str, Any] = {"count": count, "self": link(page.number), "first": link(1)}
    if not summary:  # a real summary answer carries only count, self, first and last
        links["prev"] = link(min(page.number - 1, last)) if page.number > 1 else None
        links["next"] = link(page.number + 1) if page.number < last else None
    links["last"] = link(last)
    return links


def json_response(links: dict, data: list[dict]) -> Response:
    return raw_json_response(links, json.dumps(data, separators=(",", ":")).encode())


def raw_json_response(links: dict, data_json: bytes | None) -> Response:
    """The body around `data_json`, a JSON array already serialised (big pages are built
    in DuckDB as UTF-8 bytes and copied once here)."""
    pagination = json.dumps(links, separators=(",", ":")).encode()
    body = b"".join((b'{"pagination":', pagination, b',"data":', data_json or b"[]", b"}"))
    return Response(body, media_type="application/json")
