"""Export every view of a 1M-segment demo API (20 ms latency per request) two ways, in one run:

- the CLI: `python -m analytics fetch views --output FILE` (concurrent pages, streamed CSV);
- a naive client: requests + json, one page after another, every row kept in a list, then one
  DataFrame written to CSV.

The demo API runs in its own process too (`python -m analytics demo-api`), so this script stays
small and each client's peak RSS (os.wait4's ru_maxrss, which Linux carries across fork+exec)
is its own. Wall time, peak RSS and CPU seconds are measured per client, the demo server's CPU
seconds per export from /proc, and the row counts of both CSVs are checked to be equal. The CPU
seconds that other processes used meanwhile (/proc/stat) are shown too: the two clients share
2 cores with the server, so anything else running makes the ratio unreliable.
Goals: the CLI at least 5x faster and at most half the peak memory.

It also counts the upstream requests of the dashboard overview's queries (current and previous
28 days), cold and then warm from a new client on the same cache (warm must be zero).

    python benchmarks/bench_export.py                       # 1M segments, 20 ms latency
    python benchmarks/bench_export.py --segments 200000     # a quicker run
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    label: str
    wall_s: float
    peak_rss_mb: float
    cpu_s: float
    rows: int
    server_cpu_s: float = 0.0
    other_cpu_s: float = 0.0  # CPU used meanwhile by every other process of the machine


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (user, nice, system, irq and
    softirq of /proc/stat: not idle, I/O wait or time stolen by the hypervisor)."""
    user, nice, system, _idle, _iowait, irq, softirq = Path("/proc/stat").read_text().split()[1:8]
    return sum(int(v) for v in (user, nice, system, irq, softirq)) / os.sysconf("SC_CLK_TCK")


def measure(label: str, command: list[str], env: dict[str, str], output: Path) -> Run:
    """Run a subprocess; its wall time, peak RSS and CPU time come from os.wait4."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{label} failed ({process.returncode}): {stderr.strip()}")
    with output.open("rb") as handle:
        rows = sum(1 for _ in handle) - 1
    return Run(label, wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, rows)


# --- the naive client (runs in its own process: `bench_export.py --naive ...`) ----------------


def naive_export(api_url: str, token_url: str, start: str, end: str, output: str) -> None:
    import pandas as pd
    import requests

    token = requests.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["IBM_VIDEO_CLIENT_ID"],
            "client_secret": os.environ["IBM_VIDEO_CLIENT_SECRET"],
            "token_type": "jwt",
        },
        timeout=60,
    ).json()["access_token"]
    rows: list[dict] = []
    page = 1
    while True:
        response = requests.get(
            api_url + "views",
            params={"date_time_from": start, "date_time_to": end, "_page": page, "_limit": 10_000},
            headers={"Authorization": token},
            timeout=300,
        )
        response.raise_for_status()
        body = json.loads(response.content)
        rows.extend(item["attributes"] for item in body["data"])
        if not body["pagination"].get("next"):
            break
        page += 1
    pd.DataFrame(rows).to_csv(output, index=False)


# --- the dashboard overview's queries, cold and warm ------------------------------------------


def overview_queries(now: datetime) -> list:
    """What the overview page asks for one period and the one before it (see
    analytics/dashboard/panels/overview.py): three headline totals, the peak, two daily series
    and the live/recorded split for the current period; the same minus the split before it.
    """
    from analytics.api import (
        ContentType,
        Dimension,
        Metric,
        MetricQuery,
        PeakGranularity,
        PeakQuery,
        TimeRange,
    )

    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    current = TimeRange(end - timedelta(days=28), end)
    previous = TimeRange(end - timedelta(days=56), end - timedelta(days=28))
    queries: list = []
    for period in (current, previous):
        queries += [MetricQuery(metric, period) for metric in Metric]
        queries.append(PeakQuery(period, PeakGranularity.HOUR))
        queries += [
            MetricQuery(metric, period, Dimension.DAY)
            for metric in (Metric.TOTAL_VIEWS, Metric.UNIQUE_DEVICES)
        ]
    queries += [MetricQuery(Metric.TOTAL_VIEWS, current, content_type=t) for t in ContentType]
    return queries


def overview_requests(server: DemoProcess, cache_dir: Path) -> tuple[int, float, int, float]:
    from analytics.api import AnalyticsClient, ApiSettings, MetricQuery

    settings = ApiSettings(
        client_id="demo-client",
        client_secret="demo-secret",
        api_url=server.base_url,
        token_url=server.token_url,
        cache_dir=cache_dir,
    )
    queries = overview_queries(datetime.now(UTC))
    figures: list[Any] = []
    for _ in ("cold", "warm"):  # the warm client is a new one (a new process, say)
        with AnalyticsClient(settings) as client, ThreadPoolExecutor(max_workers=8) as pool:
            before, started = server.requests(), time.perf_counter()

            def call(q, client=client):
                return client.metric(q) if isinstance(q, MetricQuery) else client.peak_viewers(q)

            list(pool.map(call, queries))
            figures += [server.requests() - before, time.perf_counter() - started]
    return tuple(figures)  # type: ignore[return-value]


class DemoProcess:
    """`python -m analytics demo-api` on a free port, with its CPU time and request count."""

    def __init__(self, segments: int, latency_ms: float, days: int) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.root = f"http://127.0.0.1:{port}"
        self.base_url, self.token_url = f"{self.root}/v1/", f"{self.root}/oauth2/token"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "analytics", "demo-api", "--port", str(port),
             "--segments", str(segments), "--days", str(days), "--latency-ms", str(latency_ms),
             "--data-dir", str(REPO_ROOT / ".cache" / "demo")],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if "listening on" in line:
                break
        else:
            raise SystemExit(f"the demo API did not start (exit {self.process.wait()})")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def requests(self) -> int:
        with urllib.request.urlopen(f"{self.root}/_demo/stats", timeout=30) as answer:  # noqa: S310
            return int(json.load(answer)["total"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--naive", nargs=5, metavar=("API", "TOKEN", "FROM", "TO", "OUT"))
    args = parser.parse_args()
    if args.naive:
        naive_export(*args.naive)
        return 0

    days = 120
    print(f"demo API: {args.segments:,} segments over {days} days, {args.latency_ms:g} ms latency")
    server = DemoProcess(args.segments, args.latency_ms, days)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # Every segment up to an hour ago: a range in the past gives both clients the same
            # rows (the demo's data grows as its clock moves on).
            end_at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
            start = (end_at - timedelta(days=days + 1)).isoformat()
            end = end_at.isoformat()
            env = {
                **{
                    k: v
                    for k, v in os.environ.items()
                    if not k.startswith(("IBM_VIDEO_", "ANALYTICS_"))
                },
                "IBM_VIDEO_CLIENT_ID": "demo-client",
                "IBM_VIDEO_CLIENT_SECRET": "demo-secret",
                "ANALYTICS_API_URL": server.base_url,
                "IBM_VIDEO_TOKEN_URL": server.token_url,
                "IBM_VIDEO_CHANNEL_API_URL": f"{server.root}/",  # never the real IBM host
                "ANALYTICS_CACHE_DIR": str(Path(tmp) / "cli-cache"),
            }
            # ~630 MB of CSV between them: written to the temporary directory, gone afterwards.
            cli_out, naive_out = Path(tmp) / "views-cli.csv", Path(tmp) / "views-naive.csv"
            cli_command = [sys.executable, "-m", "analytics", "fetch", "views", "--from", start,
                           "--to", end, "--output", str(cli_out), "--quiet"]  # fmt: skip
            naive_command = [sys.executable, __file__, "--naive", server.base_url,
                             server.token_url, start, end, str(naive_out)]  # fmt: skip
            runs = []
            for label, command, output in (
                ("CLI (fetch views)", cli_command, cli_out),
                ("naive client", naive_command, naive_out),
            ):
                server_cpu, busy = server.cpu_seconds(), busy_cpu_seconds()
                run = measure(label, command, env, output)
                run.server_cpu_s = server.cpu_seconds() - server_cpu
                run.other_cpu_s = busy_cpu_seconds() - busy - run.cpu_s - run.server_cpu_s
                runs.append(run)
                print(f"  {label}: {run.rows:,} rows")
            cli, naive = runs
            if cli.rows != naive.rows:
                raise SystemExit(f"row counts differ: CLI {cli.rows:,}, naive {naive.rows:,}")
            cold, cold_s, warm, warm_s = overview_requests(server, Path(tmp) / "overview-cache")
    finally:
        server.stop()

    print()
    print(
        f"{'':20}{'wall s':>8}{'peak RSS MB':>13}{'CPU s':>7}{'server CPU s':>14}"
        f"{'other CPU s':>13}{'rows':>10}"
    )
    for run in (cli, naive):
        print(
            f"{run.label:20}{run.wall_s:8.1f}{run.peak_rss_mb:13.0f}{run.cpu_s:7.1f}"
            f"{run.server_cpu_s:14.1f}{max(run.other_cpu_s, 0):13.1f}{run.rows:10,}"
        )
    speedup = naive.wall_s / cli.wall_s
    memory = cli.peak_rss_mb / naive.peak_rss_mb
    print()
    print(f"speed-up (naive wall / CLI wall): {speedup:.1f}x  (goal >= 5x)")
    print(f"memory (CLI peak / naive peak):   {memory:.2f}x  (goal <= 0.5x)")
    print(f"client CPU (naive / CLI):         {naive.cpu_s / cli.cpu_s:.1f}x")
    print()
    print(f"overview queries ({len(overview_queries(datetime.now(UTC)))}): cold {cold} upstream "
          f"requests in {cold_s:.2f} s, warm {warm} in {warm_s:.2f} s (goal: warm 0)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
