"""Dashboard speed against a slow API: the cold overview, and warm reruns of every page.

The demo API runs in its own process, like a remote API, and answers every request (token
included) after `--latency-ms` (default 1000 ms); upstream requests are counted by its
/_demo/stats endpoint (the server's request_count()).

1. Cold overview: fresh caches, the access token pre-fetched and the modules imported (so the
   figure is the page's own calls, as for any session after a server's first one). Its calls
   run side by side; the baseline is the same requests one after another, measured in the same
   run. Goal: at most 2 s.
2. Warm reruns: each page once to fill the caches, then timed reruns (AppTest wall time per
   run, an upper bound of the script time). Goal: at most 300 ms, with 0 upstream requests.

    python benchmarks/bench_dashboard.py [--latency-ms 1000] [--segments 300000] [--runs 5]
                                         [--cold-runs 3]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics.api import ApiSettings, Metric, MetricQuery, TimeRange
from analytics.dashboard import connection, service
from analytics.dashboard.users import UserRecord, hash_password, save_users_file
from analytics.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from analytics.wiring import open_client

REPO = Path(__file__).resolve().parents[1]

PAGES = {
    "Overview": None,
    "Breakdowns": "app_pages/breakdowns.py",
    "Peak viewers": "app_pages/peak_viewers.py",
    "Viewer lookup": "app_pages/viewer_lookup.py",
    "Views export": "app_pages/views_export.py",
}
# A query none of the pages asks: it makes the client fetch its token before the timing.
WARM_UP = MetricQuery(
    Metric.TOTAL_VIEWS,
    TimeRange(datetime(2019, 1, 1, tzinfo=UTC), datetime(2019, 1, 2, tzinfo=UTC)),
)


def signed_in_app() -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.context = {"timezone": "Europe/Berlin"}
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "bench"
    at.session_state["name"] = "Bench"
    at.session_state["viewer_lookup_search"] = "anna"  # the lookup page shows one viewer
    return at


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


class DemoApi:
    """`python -m analytics demo-api` in a subprocess, and its request counter."""

    def __init__(self, latency_ms: float, segments: int) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.root = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.root}/v1/"
        self.token_url = f"{self.root}/oauth2/token"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "analytics", "demo-api", "--port", str(port),
             "--latency-ms", str(latency_ms), "--segments", str(segments),
             "--data-dir", str(REPO / ".cache" / "demo")],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the demo API did not start")
            try:
                requests.get(f"{self.root}/_demo/stats", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("the demo API did not start in time")

    def request_count(self) -> int:
        return int(requests.get(f"{self.root}/_demo/stats", timeout=10).json()["total"])

    def reset_request_count(self) -> None:
        requests.post(f"{self.root}/_demo/stats/reset", timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=1000.0)
    parser.add_argument("--segments", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5, help="timed warm reruns per page")
    parser.add_argument("--cold-runs", type=int, default=3, help="timed cold overviews")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    users_file = workdir / "users.yaml"
    bench_user = UserRecord("bench", "Bench", hash_password(secrets.token_urlsafe()), ("analyst",))
    save_users_file(users_file, {"bench": bench_user})
    print(
        f"Starting the demo API ({args.segments:,} segments, {args.latency_ms:.0f} ms per "
        "request, own process)…"
    )
    server = DemoApi(args.latency_ms, args.segments)
    os.environ.update(
        IBM_VIDEO_CLIENT_ID=DEMO_CLIENT_ID,
        IBM_VIDEO_CLIENT_SECRET=DEMO_CLIENT_SECRET,
        ANALYTICS_API_URL=server.base_url,
        IBM_VIDEO_TOKEN_URL=server.token_url,
        ANALYTICS_CACHE_DIR=str(workdir / "http-cache"),
        DASHBOARD_USERS_FILE=str(users_file),
        DASHBOARD_COOKIE_KEY=secrets.token_urlsafe(48),
    )
    try:
        return run(server, args)
    finally:
        server.stop()


def run(server: DemoApi, args: argparse.Namespace) -> int:
    st.cache_data.clear()
    st.cache_resource.clear()
    client = connection.get_client()  # the app's own client (st.cache_resource is per process)
    client.metric(WARM_UP)  # pre-fetch the access token
    # A server process has imported its modules after its first session: do that untimed. The
    # same AppTest is reused: a new one scans installed components first (~0.4 s of test
    # harness, which a real server does once at start).
    at = signed_in_app()
    at.run()

    # 1. Cold overview, calls side by side (repeated, each time after forgetting everything).
    colds: list[float] = []
    for _ in range(args.cold_runs):
        service.refresh_data(client)
        at.session_state[service.QUERY_LOG] = []  # keep this run's calls only
        server.reset_request_count()
        colds.append(timed(at.run))
        if at.exception or at.error:
            failure = [e.value for e in at.exception] or [e.value for e in at.error]
            print("The overview failed:", failure)
            return 1
        cold_requests = server.request_count()
    cold = statistics.median(colds)
    calls = [query for _, query, _ in at.session_state[service.QUERY_LOG]]
    parts = [
        p for call in calls for p in (call.parts if isinstance(call, service.Chunked) else (call,))
    ]

    # Baseline: the same requests one after another (own client, no cache, token pre-fetched).
    base_settings = ApiSettings.from_env().with_changes(cache_enabled=False)
    with open_client(base_settings) as baseline_client:
        baseline_client.metric(WARM_UP)
        sequential = timed(lambda: [service._run(baseline_client, part) for part in parts])

    # 2. Warm reruns of every page.
    warm: dict[str, tuple[float, int]] = {}
    for title, script in PAGES.items():
        if script is not None:
            at.switch_page(script)
        at.run()  # fills the caches of this page
        if at.exception:
            print(f"{title} failed:", [e.value for e in at.exception])
            return 1
        server.reset_request_count()
        times = [timed(at.run) for _ in range(args.runs)]
        warm[title] = (statistics.median(times), server.request_count())

    print()
    print(
        f"Cold overview (median of {len(colds)}: {', '.join(f'{c:.2f}' for c in colds)} s; "
        f"{len(calls)} calls, {len(parts)} requests; token pre-fetched)"
    )
    verdict = "met" if cold <= 2 else "MISSED"
    print(f"  side by side (dashboard)   {cold:6.2f} s   goal <= 2 s: {verdict}")
    print(f"  one after another          {sequential:6.2f} s   (baseline, same requests)")
    print(f"  speed-up                   {sequential / cold:6.1f} x")
    print(f"  upstream requests          {cold_requests:6d}")
    print()
    print(f"Warm reruns (median of {args.runs}; goal <= 300 ms and no upstream request)")
    for title, (median, count) in warm.items():
        verdict = "met" if median <= 0.3 and count == 0 else "MISSED"
        print(f"  {title:<16} {median * 1000:7.0f} ms   upstream requests {count}   {verdict}")
    missed = cold > 2 or any(m > 0.3 or r for m, r in warm.values())
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
