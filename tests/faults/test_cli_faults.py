"""`python -m analytics fetch` gives byte-for-byte the same files when the API stumbles (30 %
of requests answered 429 or 503, 30-second tokens) as when it does not.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from analytics.demo import DemoServer
from tests.support.dashboard import FixedRange, api_env

from .conftest import run_cli

pytestmark = pytest.mark.slow

TZ = "Europe/Berlin"
EXPORTS = {
    "daily-views": ["total-views", "--dimension", "day"],
    "devices-by-country": ["unique-devices", "--dimension", "location"],
    "devices-by-hour": ["unique-devices", "--dimension", "hour"],
    "views-by-source": ["total-views", "--dimension", "view-source", "--content-type", "recorded"],
    "signed-in-viewers": ["authenticated-viewers", "--content-type", "live"],
    "hourly-peaks": ["peak-viewers", "--granularity", "hour"],
    "views": ["views", "--no-list-unfinished-segments"],
    "viewers": ["viewers", "--viewer-identifier", "anna"],
}


def export_all(server: DemoServer, cache_dir: Path, days: FixedRange) -> dict[str, str]:
    """Every export of EXPORTS from `server`, run side by side, uncached; name -> CSV text."""
    env = api_env(server, cache_dir) | {"IBM_VIDEO_ANALYTICS_TOKEN": None}

    def export(args: list[str]):
        return run_cli(["fetch", *args, *days.cli_args, "--no-cache", "--quiet"], env)

    with ThreadPoolExecutor(max_workers=3) as pool:
        done = dict(zip(EXPORTS, pool.map(export, EXPORTS.values()), strict=True))
    for name, completed in done.items():
        assert completed.returncode == 0, f"{name}: {completed.stderr}"
        assert "Traceback" not in completed.stderr
    return {name: completed.stdout for name, completed in done.items()}


def test_cli_exports_are_identical_with_and_without_faults(
    demo_server: DemoServer, faulty_server: DemoServer, tmp_path: Path
) -> None:
    days = FixedRange.ending_yesterday(14, TZ)
    demo_server.reset_request_count()
    faulty_server.reset_request_count()

    reliable = export_all(demo_server, tmp_path / "reliable", days)
    requests_per_round = demo_server.request_count()
    for name in EXPORTS:
        assert reliable[name].count("\n") > 1, f"{name} exported no rows"

    # Repeat until the faulty API has refused at least one request, so the retries were
    # really exercised (each round has ~8 requests; 30 % fail, so one round nearly always does).
    for attempt in range(1, 6):
        stumbling = export_all(faulty_server, tmp_path / f"stumbling-{attempt}", days)
        for name in EXPORTS:
            assert stumbling[name] == reliable[name], name
        if faulty_server.request_count() > attempt * requests_per_round:
            break
    else:
        pytest.fail("the faulty demo API refused no request in five rounds")
