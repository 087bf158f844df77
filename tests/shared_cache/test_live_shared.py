"""Live answers across replicas: what one dashboard process asked about the live minutes (the
Channel API's on-air status, every channel's minutes), a second one sharing Redis serves without
asking the API again, within the same live period.

Two API clients stand for two replicas (each with its own process-level caches, as
`analytics.wiring.open_client` makes them), a real redis-server and the demo API.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from analytics.api import ApiSettings
from analytics.dashboard import live_now
from analytics.dashboard.live_now import LiveClock
from analytics.demo import DemoServer
from analytics.wiring import open_client
from tests.support.servers import redis_server

pytestmark = [pytest.mark.redis, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

PERIOD = 3600  # one live period spans the test (it waits past an hour's end if one is close)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis-live")) as url:
        yield url


def replica(server: DemoServer, redis_url: str, tmp_path):
    settings = ApiSettings(
        client_id=server.client_id,
        client_secret=server.client_secret,
        api_url=server.base_url,
        token_url=server.token_url,
        channel_api_url=server.channel_api_url,
        cache_redis_url=redis_url,
        cache_dir=tmp_path,
        cache_namespace="live-shared",
        live_ttl=PERIOD,
    )
    return open_client(settings)


def test_a_second_replica_serves_the_live_answers_of_the_first(
    demo_server: DemoServer, redis_url: str, tmp_path
) -> None:
    if PERIOD - time.time() % PERIOD < 60:  # the period ends within a minute: take the next
        time.sleep(PERIOD - time.time() % PERIOD + 1)
    clock = LiveClock.at(datetime.now(UTC))
    query = live_now.minutes_query(clock)
    with (
        replica(demo_server, redis_url, tmp_path / "a") as first,
        replica(demo_server, redis_url, tmp_path / "b") as second,
    ):
        demo_server.reset_request_count()
        statuses = first.channel_statuses()
        minutes = first.peak_viewers(query)
        asked = demo_server.request_count("/")
        assert asked >= 2
        assert not statuses.from_cache

        demo_server.reset_request_count()
        shared_statuses = second.channel_statuses()
        shared_minutes = second.peak_viewers(query)
        assert demo_server.request_count("/v1/") == 0, "the second replica asked the API again"
        assert demo_server.request_count("/users/") == 0
        assert shared_statuses.from_cache
        assert shared_minutes.from_cache
        assert shared_statuses.frame.equals(statuses.frame)
        assert shared_minutes.frame.equals(minutes.frame)
