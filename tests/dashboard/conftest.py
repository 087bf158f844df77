"""AppTest fixtures: the dashboard against a real demo API over loopback HTTP.

`dashboard_env` points the app at a demo server as a real deployment would be configured
(client credentials, a users file, a cookie key); `app` builds an AppTest, signed in as one of
the test users by putting into session state what streamlit-authenticator puts there after a
successful login. Caches are process-wide, so every test starts with empty ones.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from analytics.api import ApiSettings
from analytics.dashboard.service import QUERY_LOG, Chunked
from analytics.dashboard.users import UserRecord, hash_password, save_users_file
from analytics.demo import DemoServer
from analytics.wiring import open_client
from tests.support.dashboard import app_test

APP = Path(__file__).resolve().parents[2] / "app.py"
COOKIE_KEY = "test-cookie-key-Zr4Wm8Qx2Vb6Nt0Lk3Hj7Pf1Gd5Sa9Ec"
PASSWORDS = {"alice": "alice-password", "victor": "victor-password", "root": "root-password"}


@pytest.fixture(scope="session")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice (analyst), victor (viewer: aggregates only), root (admin)."""
    path = tmp_path_factory.mktemp("users") / "users.yaml"
    roles = {"alice": ("analyst",), "victor": ("viewer",), "root": ("admin",)}
    save_users_file(
        path,
        {
            name: UserRecord(name, name.title(), hash_password(PASSWORDS[name]), roles[name])
            for name in PASSWORDS
        },
    )
    return path


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def server_env(server: DemoServer, cache_dir: Path) -> dict[str, str]:
    return {
        "IBM_VIDEO_CLIENT_ID": server.client_id,
        "IBM_VIDEO_CLIENT_SECRET": server.client_secret,
        "ANALYTICS_API_URL": server.base_url,
        "IBM_VIDEO_TOKEN_URL": server.token_url,
        "IBM_VIDEO_CHANNEL_API_URL": server.channel_api_url,
        "ANALYTICS_CACHE_DIR": str(cache_dir),
        "ANALYTICS_API_RETRY_SECONDS": "1",
    }


@pytest.fixture
def point_app_at(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, users_file: Path
) -> Callable[[DemoServer], None]:
    """Configure the app for `server` (credentials, users file, cookie key); clears caches."""

    def configure(server: DemoServer) -> None:
        for name, value in server_env(server, tmp_path / "http-cache").items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("DASHBOARD_USERS_FILE", str(users_file))
        monkeypatch.setenv("DASHBOARD_COOKIE_KEY", COOKIE_KEY)
        st.cache_data.clear()
        st.cache_resource.clear()

    return configure


@pytest.fixture
def dashboard_env(point_app_at, demo_server: DemoServer) -> DemoServer:
    """The app configured for the shared demo server; returns the server."""
    point_app_at(demo_server)
    return demo_server


@pytest.fixture
def app() -> Callable[..., AppTest]:
    """app(user="alice", params={...}, tz="Europe/Berlin") -> an AppTest, not yet run."""

    def make(
        user: str | None = "alice", params: dict[str, str] | None = None, tz: str = "Europe/Berlin"
    ) -> AppTest:
        return app_test(user, params, tz, timeout=60)

    return make


@pytest.fixture
def direct_client(demo_server: DemoServer):
    """A client of its own (no cache) to ask the API what the dashboard should show."""
    settings = ApiSettings(
        client_id=demo_server.client_id,
        client_secret=demo_server.client_secret,
        api_url=demo_server.base_url,
        token_url=demo_server.token_url,
        channel_api_url=demo_server.channel_api_url,
        cache_enabled=False,
    )
    with open_client(settings) as client:
        yield client


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every st.download_button's file name -> data, as offered by the latest runs."""
    offered: dict[str, bytes] = {}
    original = st.download_button

    def recording(label: str, data: Any, file_name: str | None = None, **kwargs: Any) -> Any:
        offered[file_name or label] = data
        return original(label, data, file_name=file_name, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return offered


def logged_queries(at: AppTest) -> list[tuple[str, Any, str]]:
    """(panel name, query, source) of the app's calls; a chunked call as its whole query."""
    entries = at.session_state.get(QUERY_LOG, [])
    return [
        (name, query.whole if isinstance(query, Chunked) else query, source)
        for name, query, source in entries
    ]


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def texts(elements) -> list[str]:
    """The elements' text as shown: markdown escapes (outside text is escaped) removed."""
    return [re.sub(r"\\(.)", r"\1", str(element.value)) for element in elements]


@pytest.fixture
def offered_images(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every PNG download button's file name -> its (deferred) data, from any container."""
    offered: dict[str, Any] = {}
    original = DeltaGenerator.download_button

    def recording(self, label: str, data: Any, file_name: str | None = None, **kwargs: Any):
        if file_name and file_name.endswith(".png"):
            offered[file_name] = data
        return original(self, label, data, file_name=file_name, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    return offered
