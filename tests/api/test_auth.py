"""Access tokens against the demo API: reuse, refresh before expiry, one re-auth on 401,
static tokens, refused credentials."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest

from analytics.api import AnalyticsClient, AuthError, Metric, MetricQuery, TimeRange

from .conftest import settings_for

LAST_WEEK = TimeRange.last(timedelta(days=7))


def _queries(n: int) -> list[MetricQuery]:
    """n distinct queries (so none is answered from the cache)."""
    return [
        MetricQuery(Metric.TOTAL_VIEWS, TimeRange.last(timedelta(days=1 + i))) for i in range(n)
    ]


def _foreign_token(**claims: object) -> str:
    payload = {"sub": "someone", "exp": int(time.time()) + 3600, **claims}
    return jwt.encode(payload, "not-the-servers-key-0123456789abcdef", algorithm="HS256")


def test_one_token_serves_many_requests(demo_server, make_client):
    client = make_client(demo_server, cache_enabled=False)
    before = demo_server.request_count()
    for query in _queries(5):
        client.metric(query)
    assert client.token_fetches == 1
    assert demo_server.request_count() - before == 5  # and no 401 along the way


def test_a_short_lived_token_is_renewed_before_it_expires(start_demo, make_client):
    server = start_demo(segments=2_000, days=10, token_ttl=2)
    client = make_client(server, cache_enabled=False)
    first, second = _queries(2)
    client.metric(first)
    time.sleep(2.2)  # the token has expired by now; no test asserts on durations
    before = server.request_count()
    client.metric(second)
    assert client.token_fetches == 2
    assert server.request_count() - before == 1  # renewed up front: no 401 and retry


def test_a_rejected_token_is_renewed_once_and_the_request_retried(demo_server, make_client):
    # A token from elsewhere (not signed by this server) plus credentials to renew it.
    client = make_client(demo_server, cache_enabled=False, token=_foreign_token())
    before = demo_server.request_count()
    result = client.metric(_queries(1)[0])
    assert result.frame["value"].iloc[0] > 0
    assert client.token_fetches == 1
    assert demo_server.request_count() - before == 2  # the 401, then the retry


def test_a_static_token_is_used_as_it_is(demo_server, make_client, demo_token):
    client = make_client(demo_server, client_id=None, client_secret=None, token=demo_token)
    assert client.metric(_queries(1)[0]).frame["value"].iloc[0] > 0
    assert client.token_fetches == 0


def test_a_rejected_static_token_is_a_clear_error(demo_server, make_client):
    token = _foreign_token()
    client = make_client(
        demo_server, client_id=None, client_secret=None, token=token, cache_enabled=False
    )
    before = demo_server.request_count()
    with pytest.raises(AuthError) as caught:
        client.metric(_queries(1)[0])
    assert caught.value.status == 401
    assert "IBM_VIDEO_ANALYTICS_TOKEN" in str(caught.value)
    assert token not in str(caught.value)
    assert demo_server.request_count() - before == 1  # nothing to renew it with: no retry


def test_an_expired_static_token_fails_before_any_request(demo_server, make_client):
    token = _foreign_token(exp=int(time.time()) - 10)
    client = make_client(demo_server, client_id=None, client_secret=None, token=token)
    before = demo_server.request_count()
    with pytest.raises(AuthError, match="IBM_VIDEO_ANALYTICS_TOKEN has expired"):
        client.metric(_queries(1)[0])
    assert demo_server.request_count() == before


def test_a_wrong_secret_is_a_clear_auth_error(demo_server, tmp_path):
    wrong = "wrong-secret-Hh77"
    settings = settings_for(demo_server, tmp_path, client_secret=wrong, retry_seconds=1)
    with AnalyticsClient(settings) as client, pytest.raises(AuthError) as caught:
        client.metric(_queries(1)[0])
    message = str(caught.value)
    assert caught.value.status in (400, 401)
    assert "invalid_client" in message
    assert "IBM_VIDEO_CLIENT_SECRET" in message
    assert wrong not in message
    assert wrong not in repr(caught.value)


def test_http_basic_client_authentication(demo_server, make_client):
    client = make_client(demo_server, client_auth_method="basic", cache_enabled=False)
    assert client.metric(_queries(1)[0]).frame["value"].iloc[0] > 0
    assert client.token_fetches == 1


@pytest.mark.parametrize("server_takes", ["basic", "form"])
def test_default_settings_get_a_token_whichever_style_the_server_takes(
    start_demo, make_client, server_takes
):
    server = start_demo(segments=2_000, days=10, token_auth=server_takes)
    client = make_client(server, cache_enabled=False)
    assert client.settings.client_auth_method == "auto"
    for query in _queries(2):
        assert client.metric(query).frame["value"].iloc[0] > 0
    assert client.token_fetches == 1
    client._tokens.invalidate(client._tokens.get())  # a renewal uses the style that worked
    client.metric(_queries(3)[2])
    assert client._tokens.client_auth_method == server_takes
    assert client.token_fetches == 2


@pytest.mark.parametrize(("forced", "server_takes"), [("basic", "form"), ("form", "basic")])
def test_a_forced_style_the_server_refuses_names_the_setting(
    start_demo, make_client, forced, server_takes
):
    server = start_demo(segments=2_000, days=10, token_auth=server_takes)
    client = make_client(server, cache_enabled=False, client_auth_method=forced)
    with pytest.raises(AuthError) as caught:
        client.metric(_queries(1)[0])
    message = str(caught.value)
    assert "invalid_client" in message
    assert "IBM_VIDEO_TOKEN_AUTH" in message
    assert f"sent by {forced}" in message
    secret = server.settings.accounts[server.client_id]
    assert secret not in message
    assert secret not in repr(caught.value)
