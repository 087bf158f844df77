"""Dashboard replicas share one Redis: what one fetched, the other serves without asking the API;
and two accounts (two teams with their own API credentials) never see each other's data.

A real redis-server and three `streamlit run app.py` processes (two for team A, one for team B)
against one demo API that has both accounts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
import redis
from playwright.sync_api import Browser

from analytics.api import Metric, MetricQuery
from analytics.demo import DemoServer, start_demo_server
from tests.support.browser import (
    assert_no_error_shown,
    metric_tiles,
    new_context,
    open_as,
    open_signed_in,
)
from tests.support.dashboard import (
    ANALYST,
    FixedRange,
    add_users,
    dashboard_env,
    direct_client,
    page_url,
)
from tests.support.servers import REPO_ROOT, redis_server, require_binary, streamlit_app

pytestmark = [pytest.mark.redis, pytest.mark.browser, pytest.mark.slow]

TZ = "Europe/Berlin"
TEAMS = {"team-a": "team-a-secret-1234", "team-b": "team-b-secret-5678"}
LOGS = REPO_ROOT / "test-artifacts" / "logs"
KPIS = ("Total views", "Unique devices", "Authenticated viewers", "Peak concurrent viewers")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def two_team_api(demo_settings_factory: Callable[..., object]) -> Iterator[DemoServer]:
    """One demo API, two accounts, each with its own generated data."""
    server = start_demo_server(demo_settings_factory(accounts=TEAMS))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dashboards(
    two_team_api: DemoServer, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], str]]:
    """dashboards(name) -> URL of a dashboard process; "a1", "a2" read as team A, "b" as team B.

    Each has its own SQLite cache directory (unused while Redis answers) and shares Redis.
    """
    require_binary("chromium", "apt-get install chromium")
    tmp = tmp_path_factory.mktemp("shared-cache")
    users_file = tmp / "users.yaml"
    add_users(users_file, [ANALYST])
    LOGS.mkdir(parents=True, exist_ok=True)
    urls: dict[str, str] = {}
    with ExitStack() as stack:

        def start(name: str) -> str:
            if name not in urls:
                team = "team-a" if name.startswith("a") else "team-b"
                env = dashboard_env(
                    two_team_api, tmp / f"sqlite-{name}", users_file, client_id=team,
                    ANALYTICS_CACHE_REDIS_URL=redis_url,
                )  # fmt: skip
                log = LOGS / f"shared-cache-{name}.log"
                urls[name] = stack.enter_context(streamlit_app(env, log))
            return urls[name]

        yield start


def overview_kpis(browser: Browser, base: str, days: FixedRange) -> dict[str, str]:
    context = new_context(browser, timezone=TZ)
    try:
        page = context.new_page()
        open_as(page, page_url(base, "viewer-lookup"), ANALYST.username, ANALYST.password)
        open_signed_in(page, page_url(base, "", **days.params))
        assert_no_error_shown(page)
        tiles = metric_tiles(page)
        return {label: tiles[label].value for label in KPIS}
    finally:
        context.close()


def api_total_views(server: DemoServer, team: str, days: FixedRange) -> str:
    with direct_client(server, team) as api:
        frame = api.metric(MetricQuery(Metric.TOTAL_VIEWS, days.time_range, tz=TZ)).frame
    return f"{int(frame['value'].sum()):,}"


def test_a_second_replica_serves_the_first_ones_answers_from_redis(
    browser: Browser, two_team_api: DemoServer, dashboards: Callable[[str], str]
) -> None:
    days = FixedRange.ending_yesterday(14, TZ)
    first, second = dashboards("a1"), dashboards("a2")

    two_team_api.reset_request_count()
    seen_first = overview_kpis(browser, first, days)
    assert two_team_api.request_count() > 0
    assert seen_first["Total views"] == api_total_views(two_team_api, "team-a", days)

    two_team_api.reset_request_count()
    seen_second = overview_kpis(browser, second, days)
    assert two_team_api.request_count() == 0, "the second replica asked the API again"
    assert seen_second == seen_first


def test_two_accounts_sharing_redis_never_see_each_others_data(
    browser: Browser, two_team_api: DemoServer, dashboards: Callable[[str], str], redis_url: str
) -> None:
    days = FixedRange.ending_yesterday(14, TZ)
    team_a = overview_kpis(browser, dashboards("a1"), days)  # cached in Redis by now

    two_team_api.reset_request_count()
    team_b = overview_kpis(browser, dashboards("b"), days)
    assert two_team_api.request_count() > 0, "team B was answered from team A's entries"
    assert team_b["Total views"] == api_total_views(two_team_api, "team-b", days)
    assert team_b["Total views"] != team_a["Total views"]

    # In Redis: each account in its own namespace, and no secret or token anywhere.
    account = {team: direct_client(two_team_api, team).account_key for team in TEAMS}
    connection = redis.Redis.from_url(redis_url)
    keys = list(connection.scan_iter())
    assert keys
    for team, key in account.items():
        assert any(name.startswith(f"analytics-api:{key}".encode()) for name in keys), team
    for name in keys:
        assert name.startswith(tuple(f"analytics-api:{k}".encode() for k in account.values()))
        blob = name + b"".join(dump_values(connection, name))
        for secret in TEAMS.values():
            assert secret.encode() not in blob
        assert b"eyJ" not in blob, "a JWT is stored in Redis"


def dump_values(connection: redis.Redis, name: bytes) -> list[bytes]:
    """Every stored value under a Redis key, whatever its type."""
    kind = connection.type(name)
    if kind == b"string":
        return [connection.get(name) or b""]
    if kind == b"hash":
        return [field + value for field, value in connection.hgetall(name).items()]
    if kind in (b"set", b"list", b"zset"):
        if kind == b"set":
            return list(connection.smembers(name))
        if kind == b"list":
            return list(connection.lrange(name, 0, -1))
        return [member for member, _ in connection.zrange(name, 0, -1, withscores=True)]
    return []
