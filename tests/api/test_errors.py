"""ApiError: the API's error details, one human line, nothing secret."""

from __future__ import annotations

import json
import pickle

from analytics.api import ApiError, ApiUnavailableError, AuthError
from analytics.api.errors import api_error_from_body


def _body(*errors):
    return json.dumps({"errors": list(errors)}).encode()


def test_documented_error_body_gives_status_title_detail_pointer():
    error = api_error_from_body(
        400,
        _body(
            {
                "status": 400,
                "title": "Bad request",
                "detail": "Invalid date format",
                "source": {"pointer": "/date_time_from"},
            }
        ),
    )
    assert type(error) is ApiError
    assert (error.status, error.title, error.detail, error.pointer) == (
        400,
        "Bad request",
        "Invalid date format",
        "/date_time_from",
    )
    assert error.parameter == "date_time_from"
    assert str(error) == "Bad request: date_time_from: Invalid date format (HTTP 400)"


def test_several_errors_become_one_line():
    error = api_error_from_body(
        400,
        _body(
            {"title": "Bad request", "detail": "first\nproblem"},
            {"title": "Bad request", "detail": "second problem"},
        ),
    )
    assert "\n" not in str(error)
    assert str(error) == "Bad request: first problem; second problem (HTTP 400)"


def test_undocumented_bodies_still_give_a_clear_error():
    assert str(api_error_from_body(502, b"<html>Bad Gateway</html>")) == "Bad Gateway (HTTP 502)"
    assert isinstance(api_error_from_body(503, b""), ApiUnavailableError)
    assert isinstance(api_error_from_body(429, b"{}"), ApiUnavailableError)
    assert isinstance(api_error_from_body(401, b"{}"), AuthError)
    oauth = api_error_from_body(
        400, b'{"error": "invalid_client", "error_description": "Bad client"}'
    )
    assert str(oauth) == "invalid_client: Bad client (HTTP 400)"


def test_secrets_echoed_by_the_server_are_redacted():
    secret = "very-secret-value"
    error = api_error_from_body(
        400, _body({"title": "Bad request", "detail": f"client_secret={secret} is wrong"}), [secret]
    )
    assert secret not in str(error)
    assert secret not in repr(error)
    assert "client_secret=*** is wrong" in str(error)


def test_errors_survive_pickling():
    # The dashboard may pass errors between threads/processes.
    error = ApiError(404, "Not found", "no such path", None)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (copy.status, str(copy)) == (404, str(error))


def test_no_response_errors_have_status_zero_and_no_http_suffix():
    error = ApiUnavailableError(0, "Cannot reach the Analytics API", "127.0.0.1:1: refused")
    assert str(error) == "Cannot reach the Analytics API: 127.0.0.1:1: refused"
