"""The in-process server helpers: start/stop, the embedded singleton, concurrency, edge data."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from analytics.demo import DemoSettings, start_demo_server

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = {"date_time_from": "2000-01-01T00:00:00Z", "date_time_to": "2100-01-01T00:00:00Z"}


def test_urls_and_credentials(demo_server):
    assert demo_server.base_url == f"http://127.0.0.1:{demo_server.port}/v1/"
    assert demo_server.token_url == f"http://127.0.0.1:{demo_server.port}/oauth2/token"
    assert (demo_server.client_id, demo_server.client_secret) == ("demo-client", "demo-secret")


def test_stop_frees_the_port_and_is_idempotent(demo_settings_factory):
    with start_demo_server(demo_settings_factory(segments=500)) as server:
        assert requests.get(server.root_url + "/_demo/stats", timeout=10).status_code == 200
    server.stop()
    assert not server.running
    with pytest.raises(requests.ConnectionError):
        requests.get(server.root_url + "/_demo/stats", timeout=10)


def test_a_fixed_port(demo_settings_factory):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with start_demo_server(demo_settings_factory(segments=500), port=port) as server:
        assert server.port == port


def test_datasets_must_belong_to_an_account(demo_settings_factory):
    with pytest.raises(ValueError, match="unknown client ids"):
        start_demo_server(demo_settings_factory(segments=10), datasets={"nobody": None})


def test_embedded_server_is_a_process_wide_singleton_from_the_environment(tmp_path):
    script = (
        "from analytics.demo import embedded_demo_server as e\n"
        "a = e(); b = e()\n"
        "assert a is b\n"
        "print(a.settings.segments, a.settings.latency_ms, a.base_url)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYTICS_DEMO_")}
    env.update(
        ANALYTICS_DEMO_SEGMENTS="1500",
        ANALYTICS_DEMO_LATENCY_MS="5",
        ANALYTICS_DEMO_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    segments, latency, url = result.stdout.split()
    assert (segments, latency) == ("1500", "5.0")
    assert url.startswith("http://127.0.0.1:")


def test_concurrent_requests_all_succeed(shared_api):
    paths = [
        "total-views/day",
        "unique-devices/country",
        "authenticated-viewers/live/summary",
        "peak-viewer-numbers",
        "views",
        "viewers",
        "views/recorded",
        "peak-viewer-numbers/live",
    ]
    headers = {"Authorization": shared_api.token}

    def call(index: int) -> int:
        path = paths[index % len(paths)]
        params = {**EVERYTHING, "_limit": 200, "granularity": "hour"} if "peak" in path else {
            **EVERYTHING, "_limit": 200}  # fmt: skip
        return requests.get(
            shared_api.server.base_url + path, params=params, headers=headers, timeout=60
        ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(call, range(96)))
    assert statuses == [200] * 96


def test_an_empty_dataset_answers_everywhere(tmp_path):
    with start_demo_server(DemoSettings(segments=0, data_dir=tmp_path)) as server:
        token = server.fetch_token()
        for path in ("total-views/summary", "total-views/day", "unique-devices/country",
                     "peak-viewer-numbers", "views", "viewers/live"):  # fmt: skip
            response = requests.get(
                server.base_url + path,
                params={
                    "date_time_from": "2024-07-01T00:00:00Z",
                    "date_time_to": "2024-07-02T00:00:00Z",
                },
                headers={"Authorization": token},
                timeout=30,
            )
            assert response.status_code == 200, (path, response.text)
