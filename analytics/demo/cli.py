"""`python -m analytics demo-api`: run the demo Analytics API in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

from analytics.contract import ApiVersion, SummaryIdKey, SummaryTimeKey
from analytics.demo.dataset import load_segments_file
from analytics.demo.settings import (
    DEMO_CLIENT_SECRET,
    ChannelApiMode,
    CountMeans,
    DemoSettings,
    TokenAuth,
    parse_accounts,
)

DEFAULT_PORT = 8765

# Knobs with a fixed set of values: flag, its values, help.
CHOICE_FLAGS: list[tuple[str, type[StrEnum], str]] = [
    ("--api-version", ApiVersion, "API surface: current (IBM's docs today, default) or 1.0.3"),
    ("--count-means", CountMeans, "what pagination.count holds: total (default) or page"),
    ("--token-auth", TokenAuth, "how the token endpoint takes the secret (default both)"),
    ("--summary-id-key", SummaryIdKey, "id attribute of summary items (default content_id)"),
    ("--summary-time-key", SummaryTimeKey, "time attribute of a PeakSummary (default timestamp)"),
    ("--channel-api", ChannelApiMode, "the Channel API (titles): on (default) or refuse (403)"),
]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-api",
        help="run the demo Analytics API (generated data, no IBM account needed)",
        description="Serve the demo Analytics API on generated data until Ctrl-C. Unset "
        "options fall back to ANALYTICS_DEMO_* environment variables, then to defaults.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 = any free one)")
    parser.add_argument(
        "--segments", type=int, help="background segments per account (default 300000)"
    )
    parser.add_argument("--days", type=int, help="days of data ending now (default 120)")
    parser.add_argument("--seed", type=int, help="random seed of the generator (default 7)")
    parser.add_argument("--latency-ms", type=float, help="fixed delay per request")
    parser.add_argument("--jitter-ms", type=float, help="extra random delay, 0..N ms")
    parser.add_argument("--fault-rate", type=float, help="share of /v1 answers that are 429/503")
    parser.add_argument("--token-ttl", type=int, help="access token lifetime in seconds")
    parser.add_argument("--data-dir", type=Path, help="where generated data is cached")
    for flag, kind, text in CHOICE_FLAGS:
        parser.add_argument(flag, choices=[member.value for member in kind], help=text)
    parser.add_argument(
        "--rate-limit", metavar="N/S", help="N requests per S-second window per account"
    )
    parser.add_argument(
        "--contents", type=int, help="live channels + recorded videos per account (default 40)"
    )
    parser.add_argument("--null-rate", type=float, help="share of devices with no known place")
    parser.add_argument(
        "--unknown-country-rate", type=float, help="share of devices with an unknown country code"
    )
    parser.add_argument(
        "--live-now",
        type=float,
        metavar="SCALE",
        help="audience scale of the channels on air today, on top of the background "
        "(default 0.25: 15-50 viewers on the 24/7 channel; 1: four times that; 0: off)",
    )
    parser.add_argument(
        "--account",
        action="append",
        metavar="ID:SECRET",
        help="an API account (repeatable; the first one is printed); default demo-client",
    )
    parser.add_argument(
        "--dataset",
        type=Path,
        metavar="FILE",
        help="serve these segments (CSV, Parquet or JSON lines) to the first account "
        "instead of generated data",
    )
    parser.set_defaults(func=run)


def settings_from_args(args: argparse.Namespace) -> DemoSettings:
    """Environment first, then the flags that were given."""
    settings = DemoSettings.from_env()
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in (
            "segments", "days", "seed", "latency_ms", "jitter_ms", "fault_rate", "token_ttl",
            "data_dir", "api_version", "count_means", "rate_limit", "token_auth",
            "summary_id_key", "summary_time_key", "contents", "null_rate", "unknown_country_rate",
            "channel_api", "live_now",
        )
        if getattr(args, name) is not None
    }  # fmt: skip
    if args.account:
        accounts: dict[str, str] = {}
        for item in args.account:
            accounts.update(parse_accounts(item, "--account"))
        overrides["accounts"] = accounts
    return dataclasses.replace(settings, **overrides)


def run(args: argparse.Namespace) -> int:
    from analytics.demo.server import start_demo_server  # FastAPI only when serving

    try:
        settings = settings_from_args(args)
        datasets = None
        if args.dataset is not None:
            datasets = {settings.client_id: load_segments_file(args.dataset)}
    except (ValueError, OSError) as exc:
        print(f"demo-api: {exc}", file=sys.stderr)
        return 2
    what = (
        f"{args.dataset}"
        if datasets
        else f"{settings.segments:,} generated background segments per account"
    )
    print(f"demo-api: loading {what} ...", flush=True)
    try:
        server = start_demo_server(settings, host=args.host, port=args.port, datasets=datasets)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"demo-api: {exc}", file=sys.stderr)
        return 1

    # The published demo secret is shown; a secret given with --account never is.
    shown_secret = (
        server.client_secret
        if server.client_secret == DEMO_CLIENT_SECRET
        else "(the one given with --account / ANALYTICS_DEMO_ACCOUNTS)"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(
        f"Demo Analytics API listening on {server.root_url}\n"
        f"  base URL   {server.base_url}\n"
        f"  token URL  {server.token_url}\n"
        f"  client id  {server.client_id}\n"
        f"  secret     {shown_secret}\n"
        f"  OpenAPI    {server.root_url}/openapi.json\n"
        f"  knobs      latency {settings.latency_ms:g} ms + jitter {settings.jitter_ms:g} ms, "
        f"fault rate {settings.fault_rate:g}, token ttl {settings.token_ttl} s, "
        f"rate limit {settings.rate_limit or 'none'}\n"
        f"  API        {settings.api_version.value}, count means {settings.count_means.value}, "
        f"token auth {settings.token_auth.value}, Channel API {settings.channel_api.value}\n"
        f"  live now   audience x{settings.live_now:g} (channels on air today, on top of the "
        "background segments)\n"
        f"  channels   {server.channel_api_url} (Channel API: titles; a token without "
        "token_type=jwt)\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("demo-api: stopped", flush=True)
    return 0
