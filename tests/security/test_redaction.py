"""Secrets never reach a message or a log line, whatever form an upstream echoes them in.

Attack: an upstream (a token endpoint or an API behind a misconfigured proxy) that echoes the
request in its error body - the form body (client_secret URL-encoded), the HTTP Basic header
(base64 of `id:secret`), the Bearer token the client fetched. The old redaction replaced only
the raw secret, so the URL-encoded and Basic forms and every fetched token went to stderr.

The echoing upstream is a small HTTP server on loopback (the demo API never echoes); the client
is the real CLI in a subprocess, with -vv so that its logs are checked too.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import jwt
import pytest

from analytics.api.errors import redact

from .conftest import cli_env, run_fetch

CLIENT_ID = "echo-client"
SECRET = "Zq8/1+xK= s&ecret!é"  # every URL encoding of it differs from the raw text
END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
SUMMARY = ["total-views", "--from", (END - timedelta(days=3)).isoformat(),
           "--to", END.isoformat(), "--no-cache", "-vv"]  # fmt: skip


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}


def _basic() -> str:
    return base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode("latin1")).decode()


class Echo(BaseHTTPRequestHandler):
    """Issues a JWT when the token request is well formed, refuses otherwise; every /v1 request
    is refused with its Authorization header echoed (raw and URL-encoded) in the detail.
    """

    issued: list[str]
    refuse_tokens: bool

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        header = self.headers.get("Authorization") or ""
        if self.server.refuse_tokens:  # type: ignore[attr-defined]
            description = f"rejected {header} with body {body}"
            self._send(400, {"error": "invalid_client", "error_description": description})
            return
        issued: list[str] = self.server.issued  # type: ignore[attr-defined]
        claims = {"sub": CLIENT_ID, "exp": int(time.time()) + 3600, "n": len(issued)}
        token = jwt.encode(claims, "echo-signing-key-0123456789abcdef", algorithm="HS256")
        issued.append(token)
        self._send(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600})

    def do_GET(self) -> None:
        header = self.headers.get("Authorization") or ""
        detail = f"token {header} ({quote(header, safe='')}) is not allowed on {self.path}"
        self._send(400, {"errors": [{"status": "400", "title": "Bad Request", "detail": detail}]})


@pytest.fixture
def echo() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.issued = []  # type: ignore[attr-defined]
    server.refuse_tokens = False  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _env(echo: ThreadingHTTPServer, tmp_path, **extra: str) -> dict[str, str]:
    root = f"http://127.0.0.1:{echo.server_address[1]}"
    return cli_env(None, tmp_path / "cache") | {
        "IBM_VIDEO_CLIENT_ID": CLIENT_ID,
        "IBM_VIDEO_CLIENT_SECRET": SECRET,
        "ANALYTICS_API_URL": f"{root}/v1/",
        "IBM_VIDEO_TOKEN_URL": f"{root}/oauth2/token",
        **extra,
    }


def _assert_hidden(text: str, values: set[str]) -> None:
    for value in values:
        assert value not in text, f"{value[:6]}... leaked: {text}"


@pytest.mark.parametrize("method", ["form", "basic"])
def test_a_token_endpoint_echoing_the_credentials(echo, tmp_path, method):
    echo.refuse_tokens = True  # type: ignore[attr-defined]
    done = run_fetch(_env(echo, tmp_path, IBM_VIDEO_TOKEN_AUTH=method), *SUMMARY)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "***" in done.stderr  # the echo was there, and hidden
    _assert_hidden(done.stderr + done.stdout, _forms(SECRET) | {_basic()})


def test_an_api_echoing_the_fetched_token(echo, tmp_path):
    done = run_fetch(_env(echo, tmp_path), *SUMMARY)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert echo.issued  # type: ignore[attr-defined]
    assert "***" in done.stderr
    tokens = {form for token in echo.issued for form in _forms(token)}  # type: ignore[attr-defined]
    _assert_hidden(done.stderr + done.stdout, tokens | _forms(SECRET) | {_basic()})


def test_redact_hides_every_form():
    text = " ".join([*_forms(SECRET), json.dumps(SECRET), _basic(), "keep"])
    hidden = redact(text, [SECRET, _basic()])
    _assert_hidden(hidden, _forms(SECRET) | {_basic(), json.dumps(SECRET)[1:-1]})
    assert hidden.endswith("keep")
