"""Faults suite: a demo API that stumbles (30 % of requests answered 429 or 503, tokens that
expire after 30 s) or is stopped, against the fault-free shared demo API with the same data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from analytics.demo import DemoServer, start_demo_server
from tests.support.browser import chromium_browser  # noqa: F401 (the browser fixture)
from tests.support.dashboard import ADMIN, ANALYST, add_users
from tests.support.servers import REPO_ROOT

FAULT_RATE = 0.3
TOKEN_TTL = 30
LOGS = REPO_ROOT / "test-artifacts" / "logs"


@pytest.fixture(scope="session")
def faulty_server(demo_settings_factory: Callable[..., object]) -> Iterator[DemoServer]:
    """The shared demo server's data (same size, seed and days), served unreliably."""
    server = start_demo_server(demo_settings_factory(fault_rate=FAULT_RATE, token_ttl=TOKEN_TTL))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def analyst_users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults-users") / "users.yaml"
    add_users(path, [ANALYST, ADMIN])
    return path


def run_cli(args: Sequence[str], env: Mapping[str, str | None]) -> subprocess.CompletedProcess:
    """`python -m analytics ARGS` with `env` added (None removes a variable)."""
    environ = {**os.environ, **env}
    environ = {name: value for name, value in environ.items() if value is not None}
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        capture_output=True, text=True, cwd=REPO_ROOT, env=environ, timeout=240, check=False,
    )  # fmt: skip
