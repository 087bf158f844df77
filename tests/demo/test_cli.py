"""`python -m analytics demo-api`: starts, prints where it listens and the demo credentials,
serves, and stops cleanly on Ctrl-C (SIGINT) or SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def launch(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("ANALYTICS_DEMO_")}
    return subprocess.Popen(
        [sys.executable, "-m", "analytics", "demo-api", "--port", "0",
         "--data-dir", str(tmp_path), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def read_banner(process: subprocess.Popen) -> str:
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            return "".join(lines)
    process.kill()
    raise AssertionError("no banner: " + "".join(lines) + process.stderr.read())


def token(base: str, client_id: str, secret: str) -> str:
    response = requests.post(
        base + "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "token_type": "jwt",
        },
        timeout=30,
    )
    return response.json()["access_token"]


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_starts_serves_and_stops_cleanly(tmp_path, stop_signal):
    process = launch(
        tmp_path, "--segments", "3000", "--days", "10", "--token-ttl", "600", "--live-now", "0"
    )
    try:
        banner = read_banner(process)
        root = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner).group(1)
        assert f"{root}/v1/" in banner
        assert "demo-client" in banner
        assert "demo-secret" in banner
        jwt = token(root, "demo-client", "demo-secret")
        response = requests.get(
            root + "/v1/views",
            params={
                "date_time_from": "2000-01-01T00:00:00Z",
                "date_time_to": "2100-01-01T00:00:00Z",
            },
            headers={"Authorization": jwt},
            timeout=30,
        )
        assert response.status_code == 200
        assert 0 < response.json()["pagination"]["count"] <= 3000
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "stopped" in out
    assert "Traceback" not in err


def test_bad_options_are_reported_without_a_traceback(tmp_path):
    process = launch(tmp_path, "--fault-rate", "2")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "fault_rate" in err
    assert "Traceback" not in err


def test_a_port_in_use_is_reported(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = subprocess.run(
            [sys.executable, "-m", "analytics", "demo-api", "--port", str(port),
             "--segments", "500", "--data-dir", str(tmp_path)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in process.stderr
    assert "Traceback" not in process.stderr


def test_serves_a_hand_built_csv_for_a_custom_account(tmp_path):
    csv = tmp_path / "segments.csv"
    csv.write_text(
        "view_session_id,started_at,finished_at,content_type,content_id,client_id,country\n"
        "s1,2024-07-15T10:00:00Z,2024-07-15T10:20:00Z,live,10,c1,HU\n"
        "s2,2024-07-15T10:10:00Z,,live,10,c2,US\n"
        "s3,2024-07-15T11:00:00Z,2024-07-15T11:05:00Z,recorded,20,c1,DE\n"
    )
    process = launch(tmp_path, "--dataset", str(csv), "--account", "team:s3cret")
    try:
        banner = read_banner(process)
        assert "s3cret" not in banner  # a real secret is never printed
        root = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner).group(1)
        response = requests.get(
            root + "/v1/total-views/country",
            params={
                "date_time_from": "2024-07-15T00:00:00Z",
                "date_time_to": "2024-07-16T00:00:00Z",
            },
            headers={"Authorization": token(root, "team", "s3cret")},
            timeout=30,
        )
        points = [
            (r["attributes"]["point"], r["attributes"]["value"]) for r in response.json()["data"]
        ]
        assert points == [("DE", 1), ("HU", 1), ("US", 1)]
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0


def test_a_bad_dataset_file_is_reported(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("view_session_id,started_at\ns1,not-a-date\n")
    process = launch(tmp_path, "--dataset", str(csv))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "bad.csv" in err
    assert "Traceback" not in err
