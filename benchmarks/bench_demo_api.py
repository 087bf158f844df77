"""Benchmark of the demo Analytics API over loopback HTTP.

Prints the cold generation time (generate + derive + cache) and the warm start (from the cache
file), then p50/p95 latency of every aggregate endpoint and of /views pages, each measured
against the baseline of the same run: the cheapest request (a one-day total-views summary).

    python benchmarks/bench_demo_api.py [--segments 1000000] [--days 120] [--repeat 30]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from analytics.demo import DemoSettings, start_demo_server


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    try:
        settings = DemoSettings(segments=args.segments, days=args.days, data_dir=data_dir)
        began = time.perf_counter()
        server = start_demo_server(settings)
        cold = time.perf_counter() - began
        server.stop()
        began = time.perf_counter()
        server = start_demo_server(settings)
        warm = time.perf_counter() - began
        try:
            run(server, args, cold, warm)
        finally:
            server.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


def run(server, args, cold: float, warm: float) -> None:
    session = requests.Session()
    session.headers["Authorization"] = server.fetch_token()
    now = datetime.now(UTC)

    def period(days: float, tz: str = "+00:00") -> dict[str, str]:
        offset = timedelta(hours=int(tz[:3]), minutes=int(tz[0] + tz[4:]))
        zone = __import__("datetime").timezone(offset)
        return {
            "date_time_from": (now - timedelta(days=days)).astimezone(zone).isoformat(),
            "date_time_to": now.astimezone(zone).isoformat(),
        }

    def timed(path: str, params: dict) -> list[float]:
        samples = []
        session.get(server.base_url + path, params=params, timeout=120).raise_for_status()
        for _ in range(args.repeat):
            began = time.perf_counter()
            response = session.get(server.base_url + path, params=params, timeout=120)
            samples.append(time.perf_counter() - began)
            response.raise_for_status()
        return samples

    window = args.days
    cases: list[tuple[str, str, dict]] = []
    for metric in ("total-views", "unique-devices", "authenticated-viewers"):
        cases += [
            (f"{metric} summary, {window} d", f"{metric}/summary", period(window)),
            (f"{metric} live summary, 1 id", f"{metric}/live/summary", period(window)),
            (f"{metric} by day, {window} d, +02:00", f"{metric}/day", period(window, "+02:00")),
            (f"{metric} by hour, 30 d, 10k/page", f"{metric}/hour",
             {**period(30), "_limit": 10_000}),
            (f"{metric} by month, {window} d", f"{metric}/month", period(window)),
            (f"{metric} by country, {window} d", f"{metric}/country",
             {**period(window), "_limit": 100}),
            (f"{metric} by region, {window} d", f"{metric}/region",
             {**period(window), "_limit": 1000}),
            (f"{metric} recorded by device, {window} d", f"{metric}/recorded/device",
             period(window)),
            (f"{metric} by view-source, {window} d", f"{metric}/view-source", period(window)),
        ]  # fmt: skip
    cases += [
        ("peaks by minute, 1 d, 10k/page", "peak-viewer-numbers", {**period(1), "_limit": 10_000}),
        ("peaks by minute, 7 d, live", "peak-viewer-numbers/live", {**period(7), "_limit": 1000}),
        (f"peaks by hour, {window} d, 10k/page", "peak-viewer-numbers",
         {**period(window), "granularity": "hour", "_limit": 10_000}),
        (f"peaks by hour, {window} d, -05:30", "peak-viewer-numbers/live",
         {**period(window, "-05:30"), "granularity": "hour", "_limit": 10_000}),
        (f"peaks by day, {window} d", "peak-viewer-numbers",
         {**period(window), "granularity": "day", "_limit": 10_000}),
        ("viewer-seconds by minute, 1 d, 10k/page", "viewer-seconds",
         {**period(1), "_limit": 10_000}),
        ("viewer-seconds by hour, 7 d, 10k/page", "viewer-seconds",
         {**period(7), "granularity": "hour", "_limit": 10_000}),
        (f"viewer-seconds by day, {window} d", "viewer-seconds/recorded",
         {**period(window), "granularity": "day", "_limit": 10_000}),
        (f"peaks by minute, {window} d, last page", "peak-viewer-numbers",
         {**period(window), "_limit": 10_000, "_page": 1}),
        (f"/views, {window} d, 10k rows, page 1", "views", {**period(window), "_limit": 10_000}),
        (f"/views, {window} d, 10k rows, page 50", "views",
         {**period(window), "_limit": 10_000, "_page": 50}),
        ("/views/live, 7 d, 10k rows", "views/live", {**period(7), "_limit": 10_000}),
        (f"/viewers, {window} d, 1k viewers", "viewers", {**period(window), "_limit": 1000}),
        (f"/viewers 'anna', {window} d", "viewers",
         {**period(window), "viewer_identifier": "anna", "_limit": 100}),
    ]  # fmt: skip

    # The last peaks page needs the count first.
    for index, (label, path, params) in enumerate(cases):
        if label.endswith("last page"):
            body = session.get(server.base_url + path, params=params, timeout=120).json()
            last = -(-body["pagination"]["count"] // 10_000)
            cases[index] = (label, path, {**params, "_page": max(1, last)})

    baseline = statistics.median(timed("total-views/summary", period(1)))
    print(f"Demo API benchmark: {args.segments:,} segments, {args.days} days, "
          f"{args.repeat} requests per case over loopback HTTP")  # fmt: skip
    print(f"  cold start (generate + derive + cache): {cold:6.2f} s")
    print(f"  warm start (from the cache file):       {warm:6.2f} s")
    print(f"  baseline (1-day total-views summary) p50: {baseline * 1000:6.1f} ms")
    print(f"  {'case':<46} {'p50 ms':>8} {'p95 ms':>8} {'x base':>7} {'rows':>6}")
    for label, path, params in cases:
        samples = timed(path, params)
        rows = len(session.get(server.base_url + path, params=params, timeout=120).json()["data"])
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        print(f"  {label:<46} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / baseline:7.1f} {rows:6}")


if __name__ == "__main__":
    sys.exit(main())
