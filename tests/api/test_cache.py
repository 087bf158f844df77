"""The HTTP cache: expiry by range, accounts never mixing (SQLite and Redis), and no secret in
cache files, Redis or log lines."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from analytics.api import AnalyticsClient, ApiSettings, Metric, MetricQuery, TimeRange, ViewsQuery
from analytics.api.cache import expiry_seconds
from tests.support.servers import redis_server

from .conftest import ACCOUNTS, settings_for

NOW = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
HISTORY = TimeRange(MIDNIGHT - timedelta(days=25), MIDNIGHT - timedelta(days=3))
JWT_PREFIX = b"eyJ"  # every JWT starts with base64('{"')

# requests-cache 1.3 calls redis-py's deprecated setex; harmless, and not ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


def test_expiry_depends_on_whether_the_range_touches_the_last_24_hours():
    settings = ApiSettings(cache_recent_ttl=300, cache_ttl=86_400)
    old = TimeRange(NOW - timedelta(days=9), NOW - timedelta(hours=25))
    recent = TimeRange(NOW - timedelta(days=9), NOW - timedelta(hours=23))
    future = TimeRange(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert expiry_seconds(old, settings, now=NOW) == 86_400
    assert expiry_seconds(recent, settings, now=NOW) == 300
    assert expiry_seconds(future, settings, now=NOW) == 300


def _total_views(client: AnalyticsClient) -> int:
    return int(client.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY)).frame["value"].iloc[0])


def _check_isolation(server, cache_dir: Path, **changes) -> None:
    acme_id, globex_id = ACCOUNTS
    # Each account's own numbers, straight from the API.
    truth = {}
    for account in ACCOUNTS:
        plain = settings_for(server, cache_dir, account=account, cache_enabled=False)
        with AnalyticsClient(plain) as client:
            truth[account] = _total_views(client)
    assert truth[acme_id] != truth[globex_id], "the test needs accounts with different data"

    acme = AnalyticsClient(settings_for(server, cache_dir, account=acme_id, **changes))
    globex = AnalyticsClient(settings_for(server, cache_dir, account=globex_id, **changes))
    with acme, globex:
        assert acme.account_key != globex.account_key
        assert _total_views(acme) == truth[acme_id]
        before = server.request_count()
        # Same URL, same parameters, shared cache storage: still asks the API for its own data.
        result = globex.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY))
        assert not result.from_cache
        assert server.request_count() == before + 1
        assert result.frame["value"].iloc[0] == truth[globex_id]
        # Both are cached now, each under its own account.
        assert acme.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY)).from_cache
        assert globex.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY)).from_cache
        # Clearing one account's cache leaves the other's alone.
        globex.clear_cache()
        assert acme.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY)).from_cache
        assert not globex.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY)).from_cache


def test_accounts_never_mix_in_the_sqlite_cache(two_account_server, tmp_path):
    _check_isolation(two_account_server, tmp_path / "cache")


@pytest.fixture
def redis_url(tmp_path: Path):
    with redis_server(tmp_path) as url:
        yield url


@pytest.mark.redis
def test_accounts_never_mix_in_the_redis_cache(two_account_server, tmp_path, redis_url):
    _check_isolation(two_account_server, tmp_path / "unused", cache_redis_url=redis_url)
    assert not (tmp_path / "unused").exists()  # really Redis, not the SQLite fallback
    connection = redis.Redis.from_url(redis_url)
    namespaces = {key.split(b":")[1] for key in connection.scan_iter()}
    assert len(namespaces) == 2


@pytest.mark.redis
def test_replicas_share_one_redis_cache(demo_server, tmp_path, redis_url):
    query = MetricQuery(Metric.UNIQUE_DEVICES, HISTORY)
    first = AnalyticsClient(settings_for(demo_server, tmp_path / "a", cache_redis_url=redis_url))
    second = AnalyticsClient(settings_for(demo_server, tmp_path / "b", cache_redis_url=redis_url))
    with first, second:
        first.metric(query)
        before = demo_server.request_count()
        assert second.metric(query).from_cache
        assert demo_server.request_count() == before


def test_an_unreachable_redis_falls_back_to_sqlite(demo_server, tmp_path, caplog):
    settings = settings_for(
        demo_server, tmp_path / "cache", cache_redis_url="redis://:hunter2@127.0.0.1:9/0"
    )
    with caplog.at_level(logging.WARNING), AnalyticsClient(settings) as client:
        assert _total_views(client) > 0
    assert "using the local SQLite cache" in caplog.text
    assert "hunter2" not in caplog.text
    assert list((tmp_path / "cache").glob("api-*.sqlite"))


def _secrets_and_token(server, tmp_path: Path) -> tuple[list[bytes], AnalyticsClient]:
    """A static-token client and a client-credentials client have both used the cache."""
    token = server.fetch_token()
    secret = server.settings.accounts[server.client_id]
    static = AnalyticsClient(
        settings_for(server, tmp_path / "cache", client_id=None, client_secret=None, token=token)
    )
    with static:
        static.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY))
        static.views(ViewsQuery(TimeRange(HISTORY.end - timedelta(days=1), HISTORY.end)))
    creds = AnalyticsClient(settings_for(server, tmp_path / "cache"))
    creds.metric(MetricQuery(Metric.AUTHENTICATED_VIEWERS, HISTORY))
    return [token.encode(), secret.encode(), JWT_PREFIX], creds


def test_no_secret_or_token_in_cache_files(demo_server, tmp_path):
    secrets, client = _secrets_and_token(demo_server, tmp_path)
    client.close()
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert files
    assert sum(p.stat().st_size for p in files) > 10_000  # answers really were stored
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert content.find(secret) == -1, f"{secret[:3]!r}... found in {path.name}"


@pytest.mark.redis
def test_no_secret_or_token_in_redis(two_account_server, tmp_path, redis_url):
    token = two_account_server.fetch_token()
    settings = settings_for(two_account_server, tmp_path, cache_redis_url=redis_url)
    with AnalyticsClient(settings) as client:
        client.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY))
    static_settings = settings.with_changes(client_id=None, client_secret=None, token=token)
    with AnalyticsClient(static_settings) as client:
        client.metric(MetricQuery(Metric.UNIQUE_DEVICES, HISTORY))
    connection = redis.Redis.from_url(redis_url)
    dumped = b""
    for key in connection.scan_iter():
        kind = connection.type(key)
        dumped += key
        if kind == b"string":
            dumped += connection.get(key) or b""
        elif kind == b"hash":
            dumped += b"".join(k + v for k, v in connection.hgetall(key).items())
    assert len(dumped) > 1_000
    for secret in (token.encode(), settings.client_secret.encode(), JWT_PREFIX):
        assert dumped.find(secret) == -1


def test_no_secret_or_token_in_log_lines(demo_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    secrets, client = _secrets_and_token(demo_server, tmp_path)
    # A 401 and renewal, and an auth failure, also get logged.
    foreign = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJlLXh5eg"
    with AnalyticsClient(settings_for(demo_server, tmp_path / "c2", token=foreign)) as renewing:
        renewing.metric(MetricQuery(Metric.TOTAL_VIEWS, HISTORY))
    client.close()
    text = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert "Obtained an access token" in text  # debug logging really was on
    for secret in [*secrets, foreign.encode()]:
        assert text.find(secret.decode()) == -1
