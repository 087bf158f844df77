"""Knobs for testing clients: latency, faults, token lifetime; and the request counter."""

from __future__ import annotations

import time

import requests

OK = {"date_time_from": "2024-07-01T00:00:00Z", "date_time_to": "2024-07-02T00:00:00Z"}


def call(server, token, path="total-views/summary"):
    return requests.get(
        server.base_url + path, params=OK, headers={"Authorization": token}, timeout=30
    )


def test_latency_delays_token_and_api_requests(start_demo):
    server = start_demo(segments=1_000, latency_ms=300)
    began = time.perf_counter()
    token = server.fetch_token()
    after_token = time.perf_counter()
    assert call(server, token).status_code == 200
    after_call = time.perf_counter()
    # Lower bounds only: the knob must add at least its delay to each request.
    assert after_token - began >= 0.3
    assert after_call - after_token >= 0.3


def test_jitter_adds_a_random_part(start_demo):
    server = start_demo(segments=1_000, latency_ms=50, jitter_ms=100)
    token = server.fetch_token()
    began = time.perf_counter()
    for _ in range(3):
        call(server, token)
    assert time.perf_counter() - began >= 0.15


def test_every_api_request_can_fault_but_not_the_token_endpoint(start_demo):
    server = start_demo(segments=1_000, fault_rate=1.0)
    token = server.fetch_token()  # never faults
    statuses = []
    for _ in range(40):
        response = call(server, token)
        statuses.append(response.status_code)
        assert response.headers["Retry-After"] == "1"
        assert response.json()["errors"][0]["status"] == response.status_code
        if response.status_code == 429:
            for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
                assert response.headers[header].isdigit()
    assert set(statuses) == {429, 503}
    stats = requests.get(server.root_url + "/_demo/stats", timeout=30)
    assert stats.status_code == 200  # control endpoints never fault
    assert server.request_count() == 40  # faults are answered requests too


def test_a_partial_fault_rate_lets_retries_through(start_demo):
    server = start_demo(segments=1_000, fault_rate=0.5)
    token = server.fetch_token()
    statuses = {call(server, token).status_code for _ in range(60)}
    assert statuses == {200, 429, 503}


def test_request_count_per_path_and_reset(start_demo):
    server = start_demo(segments=1_000)
    token = server.fetch_token()
    for path in ("views", "views", "total-views/day", "peak-viewer-numbers/live"):
        call(server, token, path)
    requests.get(server.base_url + "viewers", timeout=30)  # a 401 is answered too
    assert server.request_count() == 5
    assert server.request_count("/v1/views") == 2
    assert server.request_count("/v1/peak-viewer-numbers") == 1
    stats = requests.get(server.root_url + "/_demo/stats", timeout=30).json()
    assert stats == {
        "requests": {
            "/v1/views": 2,
            "/v1/total-views/day": 1,
            "/v1/peak-viewer-numbers/live": 1,
            "/v1/viewers": 1,
        },
        "total": 5,
    }
    server.reset_request_count()
    assert server.request_count() == 0
    call(server, token)
    assert requests.post(server.root_url + "/_demo/stats/reset", timeout=30).json()["total"] == 0
    assert server.request_count() == 0


def test_the_token_endpoint_is_not_counted(start_demo):
    server = start_demo(segments=1_000)
    server.fetch_token()
    assert server.request_count() == 0
