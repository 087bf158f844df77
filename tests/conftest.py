"""Shared fixtures: the demo Analytics API over loopback HTTP, small and fault-free.

- `demo_server` (session): 30k generated segments over 120 days, no latency, no faults.
- `demo_token` (session): a JWT for `demo_server`'s demo account.
- `demo_settings_factory`: DemoSettings with test-sized defaults; pass any field to override.
- `start_demo`: start extra servers with knobs or hand-built datasets; stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.demo import DemoServer, DemoSettings, start_demo_server

TEST_SEGMENTS = 30_000
TEST_DAYS = 120


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where test servers cache generated data (shared by the session, never the repo)."""
    return tmp_path_factory.mktemp("demo-data")


@pytest.fixture(scope="session")
def demo_settings_factory(demo_data_dir: Path) -> Callable[..., DemoSettings]:
    """DemoSettings(segments=30k, days=120, no latency or faults, a temp data dir, **overrides)."""

    def make(**overrides: Any) -> DemoSettings:
        values: dict[str, Any] = {
            "segments": TEST_SEGMENTS,
            "days": TEST_DAYS,
            "latency_ms": 0.0,
            "jitter_ms": 0.0,
            "fault_rate": 0.0,
            "data_dir": demo_data_dir,
            "live_now": 1.0,  # the tests' scale: larger than the product's default (0.25)
        }
        values.update(overrides)
        return DemoSettings(**values)

    return make


@pytest.fixture(scope="session")
def demo_server(demo_settings_factory: Callable[..., DemoSettings]) -> Iterator[DemoServer]:
    """The shared demo API: generated data, fault-free, zero latency. Do not stop it."""
    server = start_demo_server(demo_settings_factory())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_token(demo_server: DemoServer) -> str:
    """A JWT for the shared server's demo account (send it raw in Authorization)."""
    return demo_server.fetch_token()


@pytest.fixture
def start_demo(
    demo_settings_factory: Callable[..., DemoSettings],
) -> Iterator[Callable[..., DemoServer]]:
    """start_demo(datasets=..., clock=..., **settings_overrides) -> a running DemoServer.

    Every server started here is stopped when the test ends.
    """
    started: list[DemoServer] = []

    def start(*, datasets=None, clock=None, **overrides: Any) -> DemoServer:
        server = start_demo_server(
            demo_settings_factory(**overrides), datasets=datasets, clock=clock
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
