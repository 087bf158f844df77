"""Security suite: attacks on the API client and the `fetch` CLI, run against the real thing (the
demo API over loopback, real SQLite files, a real redis-server, the CLI as a subprocess).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping

from tests.api.conftest import cli_env
from tests.support.browser import chromium_browser  # noqa: F401 (the package's browser fixture)
from tests.support.servers import REPO_ROOT

__all__ = ["cli_env", "fetch_command", "one_line_error", "run_fetch"]


def fetch_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "analytics", "fetch", *args]


def run_fetch(
    env: Mapping[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m analytics fetch ARGS` to completion; stdout and stderr captured as UTF-8 text
    (stdout byte for byte: a CR in a CSV cell stays a CR).
    """
    done = subprocess.run(
        fetch_command(*args),
        cwd=REPO_ROOT,
        env=dict(env),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def one_line_error(done: subprocess.CompletedProcess[str], status: int) -> str:
    """The single stderr line of a failed run (never a traceback)."""
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]
