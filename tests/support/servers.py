"""Start and stop real servers (redis-server, `streamlit run`) on free loopback ports for tests.

In CI (CI=true) a missing binary fails the test; elsewhere it skips with the reason, so a developer
without Chromium or Redis still gets a green run of everything else.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RunningApp:
    """A `streamlit run` the tests started, and where its output goes."""

    process: subprocess.Popen
    log_path: Path


# `streamlit` whose threads' stacks go to its output on SIGUSR1 (tests/support/diagnostics.py).
STREAMLIT_WITH_STACK_DUMPS = (
    "import faulthandler, signal, sys; faulthandler.register(signal.SIGUSR1, all_threads=True); "
    "from streamlit.web.cli import main; sys.argv[0] = 'streamlit'; main()"
)

# The apps running now, by origin (http://127.0.0.1:PORT), for tests/support/diagnostics.py.
RUNNING_APPS: dict[str, RunningApp] = {}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_binary(name: str, install_hint: str) -> str:
    """Path of `name`; skip the test outside CI when it is missing, fail inside CI."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed ({install_hint})"
    if in_ci():
        pytest.fail(f"{message}; CI must run this test")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Block until something accepts connections on 127.0.0.1:port; fail early if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


@contextmanager
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A throwaway redis-server on a free port, without persistence; yields its URL."""
    binary = require_binary("redis-server", "apt-get install redis-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process)


@contextmanager
def streamlit_app(
    env: Mapping[str, str | None], log_path: Path, *, cwd: Path = REPO_ROOT
) -> Iterator[str]:
    """`streamlit run app.py` on a free port, `env` added, output in `log_path`; yields its URL.

    A None value in `env` removes that variable (e.g. credentials a developer has set).
    """
    port = free_port()
    environ = {**os.environ, **env}
    environ = {name: value for name, value in environ.items() if value is not None}
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", STREAMLIT_WITH_STACK_DUMPS, "run", "app.py",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=cwd, env=environ,
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    RUNNING_APPS[url] = RunningApp(process, log_path)
    try:
        wait_for_port(port, process, timeout=90)
        yield url
    finally:
        del RUNNING_APPS[url]
        stop_process(process)
        log.close()
