"""Fixtures for the API service module's tests: clients bound to demo servers, extra servers.

Every client gets its own cache directory under tmp_path; servers with knobs are started here
(module scope where several tests share one) and stopped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.api import AnalyticsClient, ApiSettings
from analytics.demo import DemoServer, DemoSettings, start_demo_server

# Distinctive secrets, so a scan of logs and cache files cannot miss (or falsely find) them.
ACCOUNTS = {"acme-client": "acme-secret-Zq81xK", "globex-client": "globex-secret-Wm42pT"}


def settings_for(
    server: DemoServer, cache_dir: Path, *, account: str | None = None, **changes: Any
) -> ApiSettings:
    """ApiSettings for one of the server's accounts (default: its first); `changes` override."""
    client_id = account or server.client_id
    values: dict[str, Any] = {
        "client_id": client_id,
        "client_secret": server.settings.accounts[client_id],
        "api_url": server.base_url,
        "token_url": server.token_url,
        "channel_api_url": server.channel_api_url,  # titles: never the real IBM host in tests
        "cache_dir": cache_dir,
    }
    values.update(changes)
    return ApiSettings(**values)


def cli_env(server: DemoServer | None, cache_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for `python -m analytics` against `server` (none of the developer's
    IBM_VIDEO_ / ANALYTICS_ variables), with its cache in `cache_dir`.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("IBM_VIDEO_", "ANALYTICS_")) and name != "PYTHONPATH"
    }
    env["ANALYTICS_CACHE_DIR"] = str(cache_dir)
    if server is not None:
        env |= {
            "IBM_VIDEO_CLIENT_ID": server.client_id,
            "IBM_VIDEO_CLIENT_SECRET": server.client_secret,
            "ANALYTICS_API_URL": server.base_url,
            "IBM_VIDEO_TOKEN_URL": server.token_url,
            "IBM_VIDEO_CHANNEL_API_URL": server.channel_api_url,
        }
    return env | extra


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., AnalyticsClient]]:
    """make_client(server, **settings_changes) -> a client (closed after the test).

    The cache lives in tmp_path/"cache" unless cache_dir is given.
    """
    clients: list[AnalyticsClient] = []

    def make(server: DemoServer, **changes: Any) -> AnalyticsClient:
        changes.setdefault("cache_dir", tmp_path / "cache")
        client = AnalyticsClient(settings_for(server, **changes))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def two_account_server(
    demo_settings_factory: Callable[..., DemoSettings],
) -> Iterator[DemoServer]:
    """Two API accounts with different generated data on one server."""
    with start_demo_server(demo_settings_factory(segments=5_000, days=30, accounts=ACCOUNTS)) as s:
        yield s


@pytest.fixture(scope="module")
def faulty_server(demo_settings_factory: Callable[..., DemoSettings]) -> Iterator[DemoServer]:
    """The shared server's data, but 30% of /v1 requests answer 429 or 503 (Retry-After: 1)."""
    settings = demo_settings_factory(fault_rate=0.3, latency_ms=5, jitter_ms=10)
    with start_demo_server(settings) as server:
        yield server
