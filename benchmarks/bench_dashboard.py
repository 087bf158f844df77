"""Dashboard speed against a slow API: cold Overview and Breakdowns pages, and warm reruns.

The demo API runs in its own process, like a remote API, and answers every request (token
included) after `--latency-ms`; it counts the upstream requests (/_demo/stats). The pages run in
this process with Streamlit's AppTest, in Europe/Berlin, for the last `--days` days (compared
with the `--days` before them; the demo's data covers both periods unless `--data-days` says
otherwise).

1. Cold pages: the Overview, and the Breakdowns page as a cold open shows it (its default view,
   unless `--by` picks a dimension), each with fresh caches (the dashboard's answers, the titles
   and the HTTP cache forgotten before every run), the access tokens pre-fetched (the Channel
   API's too, for titles) and the modules imported, so the figure is the page's own calls, as
   for any session after a server's first.
   Per page (median of `--cold-runs` runs; requests and pages from the last run):

   - requests: upstream /v1 requests made (the demo's count), and every request this process
     sent (any path: a token or Channel API request would show there);
   - seconds: wall time of the page's script run (AppTest; an upper bound of the page's time),
     and of the last run how much came before the first request, between the first request
     and the last answer, and after it; the slowest single request;
   - unavoidable round trips: the fewest sequential round trips that the page's questions allow.
     Each page builds all its calls before any answer arrives (one `service.fetch_all`), so
     they can all be in flight at once: 1 round trip. A query whose answer spans several pages
     needs its page 1 first, to learn how many pages there are (`last` / `count`); the others
     can then be asked at once: 2. So the figure is 1 if every query fitted in one page, else 2,
     where "the most pages one query needed" is measured (the `_page` numbers requested). Not
     counted: the tokens (pre-fetched: a server fetches them about once a day) and the client's
     cap on requests in flight (a choice, not a dependency). A page that starts asking in
     two steps, the second needing the first's answers, would add one (none did when written);
   - observed round trips: the longest chain of requests that did not overlap in time (each
     sent after the one before it was answered), from this process's record of its requests;
   - seconds / latency: the round trips the page effectively cost. Above the observed chain is
     time not spent waiting for the network (the demo server's and the page's own CPU on shared
     cores); an observed chain above the unavoidable figure is waiting that could be removed;
   - CPU seconds of this process (the page and its client), of the demo API and of every other
     process meanwhile (/proc): on 2 shared cores, others' CPU is time taken from the page.

   The baseline: the same calls one after another (own client, no cache), in the same run.
2. Warm reruns: each page once to fill the caches, then timed reruns (AppTest wall time per
   run, an upper bound of the script time). Goal: at most 300 ms, with 0 upstream requests.

    python benchmarks/bench_dashboard.py [--latency-ms 1000] [--segments 300000] [--contents N]
        [--days 28] [--data-days N] [--by DIMENSION] [--pages PAGE ...] [--runs 5]
        [--cold-runs 3] [--no-warm]

The figures of issue 10: --segments 1000000 --contents 2000 --latency-ms 300 --days 90.
The Content page of issue 11: --contents 2000 --latency-ms 300 --days 28 --pages Content
(and with --keep-titles: the catalogue already in memory, as for every page after a server's
first one in ANALYTICS_CATALOGUE_TTL).
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
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests
import streamlit as st
from requests.adapters import HTTPAdapter
from streamlit.testing.v1 import AppTest

from analytics.api import ApiSettings, Metric, MetricQuery, TimeRange
from analytics.dashboard import connection, service
from analytics.dashboard.filters import URL_TIME_FORMAT as URL_TIME
from analytics.dashboard.periods import Preset
from analytics.dashboard.users import UserRecord, hash_password, save_users_file
from analytics.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from analytics.wiring import open_client

REPO = Path(__file__).resolve().parents[1]
TZ = "Europe/Berlin"

PAGES = {
    "Overview": "app_pages/overview.py",
    "Breakdowns": "app_pages/breakdowns.py",
    "Peak viewers": "app_pages/peak_viewers.py",
    "Content": "app_pages/content.py",
    "Viewer lookup": "app_pages/viewer_lookup.py",
    "Views export": "app_pages/views_export.py",
}
COLD_PAGES = ("Overview", "Breakdowns")  # the default of --pages
# Page numbers: the Analytics API's `_page`, the Channel API's `page` (videos) and `p` (channels).
PAGE_PARAMS = ("_page", "page", "p")
# A query none of the pages asks: it makes the client fetch its token before the timing.
WARM_UP = MetricQuery(
    Metric.TOTAL_VIEWS,
    TimeRange(datetime(2019, 1, 1, tzinfo=UTC), datetime(2019, 1, 2, tzinfo=UTC)),
)


def range_params(days: int) -> dict[str, str]:
    """URL parameters for "the last `days` days": a preset when there is one, else a custom
    range of whole days ending at today's midnight (what the presets mean)."""
    try:
        return {"range": Preset(f"last-{days}-days").value}
    except ValueError:
        today = datetime.now(ZoneInfo(TZ)).replace(tzinfo=None, hour=0, minute=0, second=0)
        start = today - timedelta(days=days)
        return {"range": "custom", "from": f"{start:{URL_TIME}}", "to": f"{today:{URL_TIME}}"}


def signed_in_app(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.context = {"timezone": TZ}
    at.query_params.update(params)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "bench"
    at.session_state["name"] = "Bench"
    at.session_state["viewer_lookup_search"] = "anna"  # the lookup page shows one viewer
    return at


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def failure_of(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] or [e.value for e in at.error]


# --- what was sent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One request to the API as this process sent it."""

    query: str  # path and parameters without the page number: one query's pages share it
    page: int
    started: float
    answered: float  # when the response (its headers) came back


class RequestLog:
    """Every request of this process to the API (any path but the demo's /_demo/ controls:
    token and Channel API requests too), recorded where requests hands it to the network
    (HTTPAdapter.send), so it sees the dashboard client's requests whatever session sends them
    (answers from the HTTP cache never get there)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[Sent] = []
        original = HTTPAdapter.send
        log = self

        def send(adapter, request, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(adapter, request, *args, **kwargs)
            finally:
                log._add(request.url, started, time.perf_counter())

        HTTPAdapter.send = send  # type: ignore[method-assign]

    def _add(self, url: str, started: float, answered: float) -> None:
        parts = urlsplit(url)
        if parts.path.startswith("/_demo/"):
            return
        params = dict(parse_qsl(parts.query))
        numbers = [params.pop(name) for name in PAGE_PARAMS if name in params]
        page = int(numbers[0]) if numbers and numbers[0].isdigit() else 1
        query = f"{parts.path}?{urlencode(sorted(params.items()))}"
        with self._lock:
            self._sent.append(Sent(query, page, started, answered))

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()

    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (user, nice, system, irq and
    softirq of /proc/stat: not idle, I/O wait or time stolen by the hypervisor)."""
    user, nice, system, _idle, _iowait, irq, softirq = Path("/proc/stat").read_text().split()[1:8]
    return sum(int(v) for v in (user, nice, system, irq, softirq)) / os.sysconf("SC_CLK_TCK")


def longest_chain(sent: list[Sent]) -> int:
    """Observed round trips: the longest sequence of requests each sent after the one before it
    was answered."""
    ordered = sorted(sent, key=lambda s: s.answered)
    depth: list[int] = []  # depth[i]: the longest chain that ends with ordered[i]
    for request in ordered:
        earlier = zip(ordered, depth, strict=False)  # the requests answered before this one
        depth.append(1 + max((d for r, d in earlier if r.answered <= request.started), default=0))
    return max(depth, default=0)


def most_in_flight(sent: list[Sent]) -> int:
    events = sorted([(s.started, 1) for s in sent] + [(s.answered, -1) for s in sent])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


@dataclass
class ColdPage:
    """A page's cold runs: seconds and requests per run, what the last run sent and called."""

    title: str
    seconds: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, object]] = field(default_factory=list)  # (name, query) of the page
    sequential: float = 0.0
    cpu: list[tuple[float, float, float]] = field(default_factory=list)  # page, demo, others
    started: float = 0.0  # the last run's start and end (perf_counter, like Sent)
    ended: float = 0.0

    def split(self) -> str:
        """The last run's seconds: before the first request / waiting for answers / after the
        last answer (the page's own work, and the requests' span in between)."""
        if not self.sent:
            return f"{self.ended - self.started:.2f} / 0 / 0"
        first = min(s.started for s in self.sent)
        last = max(s.answered for s in self.sent)
        spans = (first - self.started, last - first, self.ended - last)
        return " / ".join(f"{span:.2f}" for span in spans)

    def cpu_split(self) -> str:
        """Median CPU seconds per run: this process (page and client), the demo API, and every
        other process of the machine (2 shared cores: the others' CPU is time taken from us)."""
        medians = (statistics.median(run[i] for run in self.cpu) for i in range(3))
        return " / ".join(f"{m:.2f}" for m in medians)

    def slowest(self) -> float:
        return max((s.answered - s.started for s in self.sent), default=0.0)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def pages_per_query(self) -> dict[str, int]:
        pages: dict[str, set[int]] = defaultdict(set)
        for s in self.sent:
            pages[s.query].add(s.page)
        return {query: len(numbers) for query, numbers in pages.items()}

    @property
    def most_pages(self) -> int:
        return max(self.pages_per_query().values(), default=0)

    @property
    def unavoidable(self) -> int:
        """1 round trip for calls asked together, 1 more if a query needed several pages."""
        return min(self.most_pages, 2)

    def by_endpoint(self) -> list[str]:
        """Per endpoint, e.g. "/total-views/day: 2 queries x 1 page = 2 requests"."""
        pages: dict[str, list[int]] = defaultdict(list)
        for query, count in self.pages_per_query().items():
            pages[query.split("?")[0].removeprefix("/v1")].append(count)
        lines = []
        for path, counts in sorted(pages.items()):
            low, high = min(counts), max(counts)
            queries = f"{len(counts)} quer{'y' if len(counts) == 1 else 'ies'}"
            span = f"{low}-{high}" if low != high else f"{low}"
            span += " page" if high == 1 else " pages"
            total = f"{sum(counts)} request{'' if sum(counts) == 1 else 's'}"
            lines.append(f"{path}: {queries} x {span} = {total}")
        return lines


# --- the demo API ------------------------------------------------------------------------------


class DemoApi:
    """`python -m analytics demo-api` in a subprocess, and its request counter."""

    def __init__(self, latency_ms: float, segments: int, days: int, contents: int | None) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.root = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.root}/v1/"
        self.token_url = f"{self.root}/oauth2/token"
        self.channel_api_url = f"{self.root}/"  # the demo's Channel API (titles), if it has one
        knobs = ["--contents", str(contents)] if contents is not None else []
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "analytics", "demo-api", "--port", str(port),
             "--latency-ms", str(latency_ms), "--segments", str(segments), "--days", str(days),
             *knobs, "--data-dir", str(REPO / ".cache" / "demo")],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = started + 900
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the demo API did not start")
            try:
                requests.get(f"{self.root}/_demo/stats", timeout=1)
                self.start_seconds = time.monotonic() - started
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("the demo API did not start in time")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

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
    parser.add_argument(
        "--contents", type=int, help="live channels + recorded videos (default: the demo's)"
    )
    parser.add_argument("--days", type=int, default=28, help="the pages' range: last N days")
    parser.add_argument(
        "--data-days", type=int, help="days of demo data (default: both periods, at least 120)"
    )
    parser.add_argument("--by", help="Breakdowns dimension (default: the page's own default)")
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=list(PAGES),
        default=list(COLD_PAGES),
        help="the pages timed cold (default: Overview Breakdowns)",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed warm reruns per page")
    parser.add_argument("--cold-runs", type=int, default=3, help="timed cold runs per page")
    parser.add_argument("--cold-goal-s", type=float, default=2.0, help="goal for a cold page")
    parser.add_argument("--no-warm", action="store_true", help="cold pages only")
    parser.add_argument(
        "--keep-titles",
        action="store_true",
        help="cold pages with the titles catalogue already read (as on a server after its first "
        "page: the client keeps it for ANALYTICS_CATALOGUE_TTL)",
    )
    args = parser.parse_args()
    args.data_days = args.data_days or max(120, 2 * args.days + 1)
    args.load_before = os.getloadavg()[0]

    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    users_file = workdir / "users.yaml"
    bench_user = UserRecord("bench", "Bench", hash_password(secrets.token_urlsafe()), ("analyst",))
    save_users_file(users_file, {"bench": bench_user})
    contents = f"{args.contents:,}" if args.contents else "default"
    print(
        f"Starting the demo API ({args.segments:,} segments over {args.data_days} days, "
        f"{contents} contents, {args.latency_ms:g} ms per request, own process)…"
    )
    server = DemoApi(args.latency_ms, args.segments, args.data_days, args.contents)
    print(f"  ready after {server.start_seconds:.1f} s")
    os.environ.update(
        IBM_VIDEO_CLIENT_ID=DEMO_CLIENT_ID,
        IBM_VIDEO_CLIENT_SECRET=DEMO_CLIENT_SECRET,
        ANALYTICS_API_URL=server.base_url,
        IBM_VIDEO_TOKEN_URL=server.token_url,
        IBM_VIDEO_CHANNEL_API_URL=server.channel_api_url,  # titles: never the real IBM host
        ANALYTICS_CACHE_DIR=str(workdir / "http-cache"),
        DASHBOARD_USERS_FILE=str(users_file),
        DASHBOARD_COOKIE_KEY=secrets.token_urlsafe(48),
    )
    try:
        return run(server, args)
    finally:
        server.stop()


def run(server: DemoApi, args: argparse.Namespace) -> int:
    log = RequestLog()
    st.cache_data.clear()
    st.cache_resource.clear()
    client = connection.get_client()  # the app's own client (st.cache_resource is per process)
    client.metric(WARM_UP)  # pre-fetch the access token
    if hasattr(client, "catalogue"):  # and the Channel API's (titles), once it is used
        client.catalogue()
    params = range_params(args.days)
    if args.by:
        params["by"] = args.by
    # One AppTest for every run: a new one scans installed components first (~0.4 s of test
    # harness, which a real server does once at start).
    at = signed_in_app(params)

    # 1. Cold pages (each run after forgetting everything).
    colds: list[ColdPage] = []
    for title in args.pages:
        at.switch_page(PAGES[title])
        at.run()  # untimed: imports the page's modules, as a server has after its first session
        if failure_of(at):
            print(f"{title} failed:", failure_of(at))
            return 1
        cold = ColdPage(title)
        for _ in range(args.cold_runs):
            service.refresh_data(client)
            if args.keep_titles:
                client.catalogue(refresh=True)  # read again now, untimed: in memory for the run
            at.session_state[service.QUERY_LOG] = []  # keep this run's calls only
            server.reset_request_count()
            log.clear()
            cpu = (time.process_time(), server.cpu_seconds(), busy_cpu_seconds())
            cold.started = time.perf_counter()
            at.run()
            cold.ended = time.perf_counter()
            cold.seconds.append(cold.ended - cold.started)
            page_cpu = time.process_time() - cpu[0]
            server_cpu = server.cpu_seconds() - cpu[1]
            other_cpu = busy_cpu_seconds() - cpu[2] - page_cpu - server_cpu
            cold.cpu.append((page_cpu, server_cpu, max(other_cpu, 0.0)))
            if failure_of(at):
                print(f"{title} failed:", failure_of(at))
                return 1
            cold.requests.append(server.request_count())
        cold.sent = log.sent()
        cold.calls = [(name, query) for name, query, _ in at.session_state[service.QUERY_LOG]]
        colds.append(cold)

    # Baseline: the same requests one after another (own client, no cache, token pre-fetched).
    base_settings = ApiSettings.from_env().with_changes(cache_enabled=False)
    with open_client(base_settings) as baseline_client:
        baseline_client.metric(WARM_UP)
        for cold in colds:
            started = time.perf_counter()
            for _, call in cold.calls:
                for part in call.parts if isinstance(call, service.Chunked) else (call,):
                    service._run(baseline_client, part)
            cold.sequential = time.perf_counter() - started

    # 2. Warm reruns of every page.
    warm: dict[str, tuple[float, int]] = {}
    for title, script in PAGES.items() if not args.no_warm else ():
        at.switch_page(script)
        at.run()  # fills the caches of this page
        if at.exception:
            print(f"{title} failed:", [e.value for e in at.exception])
            return 1
        server.reset_request_count()
        times = [timed(at.run) for _ in range(args.runs)]
        warm[title] = (statistics.median(times), server.request_count())

    report_cold(colds, args)
    if warm:
        print()
        print(f"Warm reruns (median of {args.runs}; goal <= 300 ms and no upstream request)")
        for title, (median, count) in warm.items():
            verdict = "met" if median <= 0.3 and count == 0 else "MISSED"
            print(f"  {title:<16} {median * 1000:7.0f} ms   upstream requests {count}   {verdict}")
    missed = any(c.median > args.cold_goal_s for c in colds) or any(
        m > 0.3 or r for m, r in warm.values()
    )
    return 1 if missed else 0


def report_cold(colds: list[ColdPage], args: argparse.Namespace) -> None:
    latency = args.latency_ms / 1000
    contents = f"{args.contents:,}" if args.contents else "the demo's default"
    print()
    print(
        f"Cold pages, last {args.days} days vs the {args.days} before ({TZ}): "
        f"{args.segments:,} segments over {args.data_days} days, {contents} contents, "
        f"{args.latency_ms:g} ms per request; fresh caches, tokens pre-fetched; load average "
        f"{args.load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)"
    )
    rows = [
        ("calls of the page", lambda c: len(c.calls)),
        ("upstream queries (parts of split calls counted)", lambda c: len(c.pages_per_query())),
        ("upstream requests (the demo's count of /v1)", lambda c: _span(c.requests)),
        ("requests this process sent (any path)", lambda c: len(c.sent)),
        ("most pages one query needed", lambda c: c.most_pages),
        ("requests in flight at most", lambda c: most_in_flight(c.sent)),
        ("round trips that cannot be avoided", lambda c: c.unavoidable),
        ("round trips observed (longest chain)", lambda c: longest_chain(c.sent)),
        (f"seconds (median of {args.cold_runs})", lambda c: f"{c.median:.2f}"),
        ("seconds / latency (effective round trips)", lambda c: f"{c.median / latency:.1f}"),
        ("last run: before 1st request / requests / after", ColdPage.split),
        ("slowest request, seconds (latency included)", lambda c: f"{c.slowest():.2f}"),
        ("CPU seconds: this process / demo / others", ColdPage.cpu_split),
        ("the same calls one after another, seconds", lambda c: f"{c.sequential:.2f}"),
        (f"goal <= {args.cold_goal_s:g} s", lambda c: "met" if c.median <= args.cold_goal_s
         else "MISSED"),
    ]  # fmt: skip
    print(f"  {'':<50}" + "".join(f"{c.title:>20}" for c in colds))
    for label, value in rows:
        print(f"  {label:<50}" + "".join(f"{value(c)!s:>20}" for c in colds))
    for c in colds:
        print(f"  {c.title}: runs {', '.join(f'{s:.2f}' for s in c.seconds)} s; calls:")
        print(f"    {', '.join(name for name, _ in c.calls)}")
        for line in c.by_endpoint():
            print(f"    {line}")


def _span(numbers: list[int]) -> str:
    low, high = min(numbers), max(numbers)
    return f"{low}" if low == high else f"{low}-{high}"


if __name__ == "__main__":
    sys.exit(main())
