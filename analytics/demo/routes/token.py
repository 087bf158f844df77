"""POST /oauth2/token: the client-credentials grant, answered as OAuth2 (RFC 6749) does."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from analytics.demo.auth import TokenRequestError
from analytics.demo.dependencies import Authority

router = APIRouter(include_in_schema=False)


@router.post("/oauth2/token")
async def token(request: Request, authority: Authority) -> JSONResponse:
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
