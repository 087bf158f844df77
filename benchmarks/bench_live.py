"""Many people watching the same event: upstream requests of 50 open Live pages against one.

The demo API (its live-now layer: a 24/7 channel and scheduled events, answered as of the real
clock) runs in this process and counts every request it answers (Analytics and Channel API).
The Live pages run here with Streamlit's AppTest, each its own session, signed in, in
Europe/Berlin; the HTTP cache is a SQLite file, as in a default deployment.

For each scenario (1 session, then `--sessions`), every session opens /live once (the opening
is not counted: titles and tokens are read once per process), then refreshes once per live
period (ANALYTICS_LIVE_TTL, `--period` seconds) for `--periods` periods, each session at a
random moment of the period, as the browsers' timers of people who opened the page at different
times would. Printed per scenario: upstream requests per period and per minute, the distinct
calls the sessions made in each period (their call logs), and the slowest refresh; the ratio of
the two request rates (the goal: 1.0, 50 pages cost what one costs).

    python benchmarks/bench_live.py [--sessions 50] [--periods 4] [--period 30] [--latency-ms 100]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import streamlit as st  # noqa: E402
from streamlit.runtime import Runtime  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from analytics.dashboard.service import QUERY_LOG, Chunked, answer_cache  # noqa: E402
from analytics.dashboard.users import UserRecord, hash_password, save_users_file  # noqa: E402
from analytics.demo import DemoSettings, start_demo_server  # noqa: E402

LIVE_PAGE = "app_pages/live.py"


def keep_runtime_between_overlapping_runs() -> None:
    """A harness fix, not the dashboard's: AppTest sets a process-wide mock Runtime when a run
    starts and clears it when the run ends, so with sessions running side by side in threads one
    run's end pulls it from under the others ("Runtime hasn't been created!"). Keep the last."""
    kept: dict[str, Runtime] = {}

    def instance(cls: type[Runtime]) -> Runtime:
        if cls._instance is not None:
            kept["runtime"] = cls._instance
        if "runtime" not in kept:
            raise RuntimeError("Runtime hasn't been created!")
        return kept["runtime"]

    def exists(cls: type[Runtime]) -> bool:
        return cls._instance is not None or "runtime" in kept

    Runtime.instance = classmethod(instance)  # type: ignore[method-assign, assignment]
    Runtime.exists = classmethod(exists)  # type: ignore[method-assign, assignment]


def signed_in_live_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.context = {"timezone": "Europe/Berlin"}
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "bench"
    at.session_state["name"] = "Bench"
    return at.switch_page(LIVE_PAGE)


def distinct_calls(pages: list[AppTest], since: dict[int, int]) -> set[str]:
    calls = set()
    for page in pages:
        for _, query, _ in page.session_state[QUERY_LOG][since[id(page)] :]:
            parts = query.parts if isinstance(query, Chunked) else (query,)
            calls.update(repr(part) for part in parts)
    return calls


def wait_for_next_period(period: int) -> float:
    """Sleep until just after the next multiple of `period` on the wall clock; its start."""
    start = (time.time() // period + 1) * period
    time.sleep(max(0.0, start - time.time()) + 0.2)
    return start


def scenario(server, sessions: int, periods: int, period: int) -> dict[str, float]:
    """`sessions` Live pages refreshing for `periods` live periods; what the API was asked.
    Every scenario starts with empty caches: a new HTTP cache file and client, no answers."""
    os.environ["ANALYTICS_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-live-http-cache-")
    st.cache_resource.clear()
    answer_cache().clear()
    pages = [signed_in_live_page() for _ in range(sessions)]
    for page in pages:
        page.run()  # the opening: not counted
        if page.exception:
            raise SystemExit(f"the Live page failed: {page.exception[0].value}")
    server.reset_request_count()
    refresh_seconds: list[float] = []
    failed: list[AppTest] = []  # refreshes without the channels on screen
    per_period: list[tuple[int, int]] = []  # (upstream requests, distinct calls) per period
    late = 0
    for _ in range(periods):
        since = {id(page): len(page.session_state[QUERY_LOG]) for page in pages}
        before = server.request_count("/")
        start = wait_for_next_period(period)

        def refresh(page: AppTest, start: float = start) -> None:
            time.sleep(max(0.0, start + random.uniform(0, period * 0.6) - time.time()))
            began = time.perf_counter()
            page.run()
            refresh_seconds.append(time.perf_counter() - began)
            if page.exception or not any(tile.proto.chart_data for tile in page.metric):
                failed.append(page)

        threads = [threading.Thread(target=refresh, args=(page,)) for page in pages]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        late += time.time() > start + period
        per_period.append((server.request_count("/") - before, len(distinct_calls(pages, since))))
    requests = server.request_count("/")
    return {
        "requests": requests,
        "per_period": requests / periods,
        "per_minute": requests / (periods * period / 60),
        "periods": per_period,
        "slowest": max(refresh_seconds),
        "median": statistics.median(refresh_seconds),
        "late": late,
        "failed": len(failed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--periods", type=int, default=4)
    parser.add_argument("--period", type=int, default=30, help="ANALYTICS_LIVE_TTL, seconds")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--segments", type=int, default=100_000)
    args = parser.parse_args()
    keep_runtime_between_overlapping_runs()

    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    settings = DemoSettings(
        segments=args.segments, days=14, latency_ms=args.latency_ms, data_dir=work / "demo"
    )
    server = start_demo_server(settings)
    users_file = work / "users.yaml"
    save_users_file(
        users_file, {"bench": UserRecord("bench", "Bench", hash_password("bench-pw-1"), ("admin",))}
    )
    os.environ.update(
        IBM_VIDEO_CLIENT_ID=settings.client_id,
        IBM_VIDEO_CLIENT_SECRET=settings.client_secret,
        ANALYTICS_API_URL=server.base_url,
        IBM_VIDEO_TOKEN_URL=server.token_url,
        IBM_VIDEO_CHANNEL_API_URL=server.channel_api_url,
        ANALYTICS_LIVE_TTL=str(args.period),
        DASHBOARD_USERS_FILE=str(users_file),
        DASHBOARD_COOKIE_KEY=secrets.token_urlsafe(48),
    )
    os.environ.pop("ANALYTICS_CACHE_REDIS_URL", None)
    try:
        print(
            f"Live page, {args.periods} live periods of {args.period} s, demo latency "
            f"{args.latency_ms:.0f} ms, {args.segments:,} background segments"
        )
        results = {}
        for sessions in (1, args.sessions):
            result = results[sessions] = scenario(server, sessions, args.periods, args.period)
            periods_text = ", ".join(f"{r}/{d}" for r, d in result["periods"])
            print(
                f"{sessions:>3} session(s): {result['requests']:.0f} upstream requests, "
                f"{result['per_period']:.1f} per period, {result['per_minute']:.1f} per minute; "
                f"requests/distinct calls in each period: {periods_text}; refresh median "
                f"{result['median']:.2f} s, slowest {result['slowest']:.2f} s"
                + (f"; {result['late']:.0f} period(s) overran" if result["late"] else "")
                + (f"; {result['failed']:.0f} refreshes failed" if result["failed"] else "")
            )
        ratio = results[args.sessions]["per_minute"] / results[1]["per_minute"]
        print(f"requests per minute, {args.sessions} sessions / 1 session: {ratio:.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
