"""Nothing the dashboard logs holds a secret, in any form: the client secret (raw, URL-encoded,
HTTP Basic), the access tokens the client fetched, the login cookie key.

The attack: an upstream that echoes what it was sent, or answers in a way that makes the
client fail unexpectedly, so that the dashboard logs a traceback. The API layer redacts the
errors it raises, but an unexpected exception (here requests refusing a token with a line break
as a header value, quoting it) went to the log as it was. The dashboard is the real app in
AppTest, configured for a small echoing upstream on loopback; its log is captured whole.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import jwt
import pytest
import streamlit as st

from analytics.dashboard.users import UserRecord, hash_password, save_users_file
from tests.support.dashboard import COOKIE_KEY, app_test

CLIENT_ID = "echo-client"
SECRET = "Zq8/1+xK= s&ecret!é"  # every URL encoding of it differs from the raw text


def forms(secret: str) -> set[str]:
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
    }


def basic() -> str:
    return base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode("latin1")).decode()


class Upstream(BaseHTTPRequestHandler):
    """A token endpoint and an API that misbehave as `server.mode` says:

    - `echo-credentials`: the token request is refused with its form body and Basic header;
    - `broken-token`: the token issued ends in a line break (requests refuses to send it);
    - `echo-token`: every API request is refused with its Authorization header echoed.
    """

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
        mode: str = self.server.mode  # type: ignore[attr-defined]
        if mode == "echo-credentials":
            description = f"rejected {self.headers.get('Authorization')} with body {body}"
            self._send(400, {"error": "invalid_client", "error_description": description})
            return
        issued: list[str] = self.server.issued  # type: ignore[attr-defined]
        claims = {"sub": CLIENT_ID, "exp": int(time.time()) + 3600, "n": len(issued)}
        token = jwt.encode(claims, "echo-signing-key-0123456789abcdef", algorithm="HS256")
        if mode == "broken-token":
            token += "\n"
        issued.append(token)
        self._send(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600})

    def do_GET(self) -> None:
        header = self.headers.get("Authorization") or ""
        detail = f"token {header} ({quote(header, safe='')}) is not allowed on {self.path}"
        self._send(400, {"errors": [{"status": "400", "title": "Bad Request", "detail": detail}]})


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.issued = []  # type: ignore[attr-defined]
    server.mode = "echo-token"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def dashboard(upstream, monkeypatch, tmp_path: Path) -> ThreadingHTTPServer:
    """The app configured as a real deployment for `upstream` (one viewer, a cookie key)."""
    users_file = tmp_path / "users.yaml"
    save_users_file(
        users_file, {"vic": UserRecord("vic", "Vic", hash_password("v" * 12), ("viewer",))}
    )
    root = f"http://127.0.0.1:{upstream.server_address[1]}"
    for name, value in {
        "IBM_VIDEO_CLIENT_ID": CLIENT_ID,
        "IBM_VIDEO_CLIENT_SECRET": SECRET,
        "ANALYTICS_API_URL": f"{root}/v1/",
        "IBM_VIDEO_TOKEN_URL": f"{root}/oauth2/token",
        "ANALYTICS_CACHE_DIR": str(tmp_path / "http-cache"),
        "ANALYTICS_API_RETRY_SECONDS": "1",
        "DASHBOARD_USERS_FILE": str(users_file),
        "DASHBOARD_COOKIE_KEY": COOKIE_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("ANALYTICS_CACHE_REDIS_URL", "IBM_VIDEO_ANALYTICS_TOKEN", "IBM_VIDEO_TOKEN_AUTH"):
        monkeypatch.delenv(name, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    return upstream


@pytest.mark.parametrize("mode", ["echo-credentials", "broken-token", "echo-token"])
def test_the_dashboard_log_holds_no_secret(dashboard, caplog, mode):
    dashboard.mode = mode  # type: ignore[attr-defined]
    caplog.set_level(logging.DEBUG)
    at = app_test("vic").run()
    assert not at.exception
    assert at.error, "the upstream's failures did not reach the page"

    log = caplog.text
    assert "failed" in log  # the failing calls were logged...
    assert "***" in log  # ...and what they echoed was there, hidden
    if mode == "broken-token":
        assert "Traceback" in log  # an unexpected error: its traceback was logged
    tokens = {form for token in dashboard.issued for form in forms(token)}  # type: ignore[attr-defined]
    secrets = forms(SECRET) | {basic()} | forms(COOKIE_KEY) | tokens
    leaked = [secret[:6] for secret in secrets if secret in log]
    assert not leaked, f"leaked into the log: {leaked}"
    page = " ".join(str(element.value) for element in at.error)
    assert not [secret for secret in secrets if secret in page]


def test_any_line_logged_in_the_dashboard_process_is_redacted(dashboard, caplog):
    at = app_test("vic").run()  # the app registers what it must hide
    assert not at.exception
    caplog.set_level(logging.DEBUG)
    for name in ("analytics.dashboard.service", "streamlit_authenticator", "some.library"):
        logging.getLogger(name).warning("saw %s, %s and %s", SECRET, basic(), COOKIE_KEY)
    try:
        raise RuntimeError(f"secret {quote_plus(SECRET)} in an exception")
    except RuntimeError:
        logging.getLogger("analytics.dashboard").exception("failed")
    assert caplog.text.count("***") >= 10
    assert not [secret for secret in forms(SECRET) | {basic(), COOKIE_KEY} if secret in caplog.text]
