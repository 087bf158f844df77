"""Errors the API service module raises, with one-line human messages and nothing secret in them."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "***"
MIN_SECRET_LENGTH = 4  # shorter values are not worth hiding (and would mangle every message)


def secret_forms(secret: str) -> set[str]:
    """The forms a secret travels in and an upstream may echo: raw, URL-encoded (path and form
    style), JSON-escaped.
    """
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
    }


def basic_credentials(user: str, password: str) -> str:
    """The base64 part of an HTTP Basic Authorization header, as requests builds it."""
    raw = f"{user}:{password}"
    try:
        encoded = raw.encode("latin1")
    except UnicodeEncodeError:
        encoded = raw.encode("utf-8")
    return base64.b64encode(encoded).decode("ascii")


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of a secret, in any of its `secret_forms`, in text (defence in
    depth for upstream messages); longer forms first, so no tail of one is left behind.
    """
    forms = {form for secret in secrets if secret for form in secret_forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        if len(form) >= MIN_SECRET_LENGTH:
            text = text.replace(form, REDACTED)
    return text


class ApiError(Exception):
    """The Analytics API (or the token endpoint) refused or failed a request.

    `status` is the HTTP status (0 when no HTTP response arrived at all), `title` and `detail`
    are the API's own words, `pointer` names the offending parameter when the API says which.
    `str(error)` is one line fit to show a user verbatim.
    """

    def __init__(
        self, status: int, title: str, detail: str = "", pointer: str | None = None
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.pointer = pointer
        super().__init__(self.message)

    @property
    def parameter(self) -> str | None:
        """The parameter named by `pointer` ("/date_time_from" -> "date_time_from")."""
        if not self.pointer:
            return None
        return self.pointer.rstrip("/").rsplit("/", 1)[-1] or None

    @property
    def message(self) -> str:
        parts = [self.title or "API error"]
        detail = self.detail.strip()
        if detail:
            parameter = self.parameter
            if parameter and parameter not in detail:
                detail = f"{parameter}: {detail}"
            parts.append(detail)
        line = ": ".join(parts)
        if self.status:
            line += f" (HTTP {self.status})"
        return " ".join(line.split())  # one line, whatever the API sent

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, title={self.title!r}, "
            f"detail={self.detail!r}, pointer={self.pointer!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.status, self.title, self.detail, self.pointer))


class AuthError(ApiError):
    """The credentials or the token were refused; retrying will not help until they change."""


class ApiUnavailableError(ApiError):
    """The API could not be reached or kept failing (timeouts, 429/5xx) after every retry."""


class ResponseFormatError(ApiError):
    """The API answered 200 with a body this module cannot read as documented."""

    def __init__(self, detail: str, status: int = 200) -> None:
        super().__init__(status, "Unexpected response from the Analytics API", detail)


class TooManyPagesError(ApiError):
    """A list query would need more pages than the client reads for one query (a wrong count,
    an API that never sends a short page, or simply too much data for one export).
    """

    def __init__(self, detail: str) -> None:
        super().__init__(0, "Too many pages", detail)


def status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"


def api_error_from_body(
    status: int, body: bytes | str, secrets: Iterable[str | None] = ()
) -> ApiError:
    """An ApiError from a documented error body: {"errors": [{status, title, detail, source}]}.

    Tolerant: a body that is not JSON, or not in that shape, still gives a clear error.
    """
    secrets = tuple(secrets)
    payload: Any = None
    try:
        payload = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        payload = None

    title, detail, pointer = status_title(status), "", None
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors):
        first = errors[0]
        title = str(first.get("title") or title)
        details = []
        for error in errors:
            text = str(error.get("detail") or "").strip()
            source = error.get("source") if isinstance(error.get("source"), dict) else {}
            if pointer is None and source.get("pointer"):
                pointer = str(source["pointer"])
            if text and text not in details:
                details.append(text)
        detail = "; ".join(details)
    elif isinstance(payload, dict):
        # OAuth2 style ({"error": "invalid_client", "error_description": "..."}) or FastAPI style.
        title = str(payload.get("error") or payload.get("title") or title)
        raw_detail = payload.get("error_description") or payload.get("detail") or ""
        detail = raw_detail if isinstance(raw_detail, str) else json.dumps(raw_detail)[:300]

    error_class = ApiError
    if status == 401:
        error_class = AuthError
    elif status == 429 or status >= 500:
        error_class = ApiUnavailableError
    return error_class(status, redact(title, secrets), redact(detail, secrets), pointer)
