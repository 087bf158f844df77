"""The HTTP cache can neither stop the client nor run code in it.

Attacks: random bytes in the SQLite cache file, a cache directory that cannot be created, a
full disk (RLIMIT_FSIZE: every write past the limit fails, as on a full disk) - the old code
exited with `unexpected failure: DatabaseError`; cache files readable by every local user;
a pickle planted in the shared Redis namespace or in the SQLite file (requests-cache's default
serializer is pickle: reading the entry ran the planted code).
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import sqlite3
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from analytics.api import AnalyticsClient, ApiSettings, Metric, MetricQuery, TimeRange
from tests.support.servers import REPO_ROOT, redis_server

from .conftest import cli_env, fetch_command, run_fetch

END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
RANGE = TimeRange(END - timedelta(days=20), END)
DAILY = ["total-views", "--dimension", "day", "--from", RANGE.start.isoformat(),
         "--to", RANGE.end.isoformat(), "--quiet"]  # fmt: skip


def _cache_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if "cache" in line.lower()]


@pytest.fixture
def expected(demo_server, tmp_path) -> str:
    """The daily CSV, fetched without a cache."""
    done = run_fetch(cli_env(demo_server, tmp_path / "reference"), *DAILY, "--no-cache")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") > 10
    return done.stdout


# --- a cache that cannot be used degrades to the API ------------------------------------------


def test_a_damaged_cache_file_is_bypassed_with_one_warning(demo_server, tmp_path, expected):
    env = cli_env(demo_server, tmp_path / "cache")
    assert run_fetch(env, *DAILY).returncode == 0
    files = list((tmp_path / "cache").glob("api-*.sqlite"))
    assert files
    for path in files:
        for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            extra.unlink(missing_ok=True)
        path.write_bytes(os.urandom(64 * 1024))

    done = run_fetch(env, *DAILY)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
    assert len(_cache_lines(done.stderr)) == 1, done.stderr


def test_a_cache_directory_that_cannot_be_created_is_bypassed(demo_server, tmp_path, expected):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be\n")
    done = run_fetch(cli_env(demo_server, blocker / "cache"), *DAILY)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
    assert len(_cache_lines(done.stderr)) == 1, done.stderr


def _disk_full() -> None:
    """In the child: no file may grow past 0 bytes (a write fails with EFBIG, not a signal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_a_full_disk_is_bypassed(demo_server, tmp_path, expected):

    done = subprocess.run(
        fetch_command(*DAILY),
        cwd=REPO_ROOT,
        env=cli_env(demo_server, tmp_path / "cache"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=_disk_full,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
    assert len(_cache_lines(done.stderr)) == 1, done.stderr


def test_cache_files_are_private(demo_server, tmp_path):
    cache_dir = tmp_path / "new" / "cache"
    assert run_fetch(cli_env(demo_server, cache_dir), *DAILY).returncode == 0
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    files = list(cache_dir.glob("api-*.sqlite*"))
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


# --- planted pickles are never loaded -----------------------------------------------------------


class Planted:
    """Unpickling this creates `path`: proof that loading a cache entry ran foreign code."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def _settings(server, tmp_path: Path, **changes) -> ApiSettings:
    return ApiSettings(
        client_id=server.client_id,
        client_secret=server.client_secret,
        api_url=server.base_url,
        token_url=server.token_url,
        cache_dir=tmp_path / "cache",
        **changes,
    )


QUERY = MetricQuery(Metric.TOTAL_VIEWS, RANGE, "day")


def _fetch(settings: ApiSettings):
    with AnalyticsClient(settings) as client:
        return client.metric(QUERY)


def _check_planted_entries_are_misses(server, settings, plant) -> None:
    first = _fetch(settings)
    assert not first.from_cache
    assert _fetch(settings).from_cache  # the entry is really there and read
    marker = plant()
    server.reset_request_count()
    again = _fetch(settings)
    assert not marker.exists(), "loading a cache entry ran the planted code"
    assert not again.from_cache
    assert server.request_count() >= 1  # a miss: asked the API
    assert again.frame.equals(first.frame)
    assert _fetch(settings).from_cache  # and the entry was written again, readable


def test_a_pickle_in_the_sqlite_file_is_not_loaded(start_demo, tmp_path):
    server = start_demo()
    settings = _settings(server, tmp_path)

    def plant() -> Path:
        marker = tmp_path / "ran-sqlite"
        payload = pickle.dumps(Planted(marker))
        for path in (tmp_path / "cache").glob("api-*.sqlite"):
            with sqlite3.connect(path) as connection:
                assert connection.execute("UPDATE responses SET value = ?", (payload,)).rowcount
        return marker

    _check_planted_entries_are_misses(server, settings, plant)


@pytest.mark.redis
def test_a_pickle_in_the_shared_redis_is_not_loaded(start_demo, tmp_path):
    server = start_demo()
    (tmp_path / "redis-data").mkdir()
    with redis_server(tmp_path / "redis-data") as url:
        settings = _settings(server, tmp_path, cache_redis_url=url)
        connection = redis.Redis.from_url(url)

        def plant() -> Path:
            marker = tmp_path / "ran-redis"
            payload = pickle.dumps(Planted(marker))
            planted = 0
            for key in connection.scan_iter(match="analytics-api:*"):
                if connection.type(key) == b"string":
                    connection.set(key, payload, keepttl=True)
                    planted += 1
            assert planted
            return marker

        _check_planted_entries_are_misses(server, settings, plant)
        assert not list((tmp_path / "cache").glob("api-*.sqlite"))  # Redis really was used
