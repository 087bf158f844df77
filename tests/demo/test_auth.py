"""The token endpoint and the Authorization header of /v1 requests."""

from __future__ import annotations

import base64
import time

import jwt
import pytest
import requests

OK = {"date_time_from": "2024-07-01T00:00:00Z", "date_time_to": "2024-07-02T00:00:00Z"}
GRANT = {"grant_type": "client_credentials", "token_type": "jwt"}


def token_request(server, data=None, auth=None):
    return requests.post(server.token_url, data=data, auth=auth, timeout=30)


def creds(server, **overrides):
    return {
        **GRANT,
        "client_id": server.client_id,
        "client_secret": server.client_secret,
        **overrides,
    }


def test_client_credentials_in_the_form(demo_server):
    response = token_request(demo_server, creds(demo_server))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == demo_server.settings.token_ttl
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "HS256"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "demo-client"
    assert claims["exp"] - claims["iat"] == demo_server.settings.token_ttl
    assert response.headers["cache-control"] == "no-store"


def test_client_credentials_by_http_basic(demo_server):
    response = token_request(
        demo_server, GRANT, auth=(demo_server.client_id, demo_server.client_secret)
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    api = requests.get(
        demo_server.base_url + "total-views/summary",
        params=OK,
        headers={"Authorization": token},
        timeout=30,
    )
    assert api.status_code == 200


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "nobody"}, "invalid_client"),
        ({"client_secret": ""}, "invalid_request"),
        ({"client_id": ""}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "invalid_request"),
        ({"token_type": ""}, "invalid_request"),
        ({"token_type": "opaque"}, "invalid_request"),
    ],
)
def test_bad_token_requests_get_400_with_an_oauth_error(demo_server, data, error):
    response = token_request(demo_server, creds(demo_server, **data))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error
    assert demo_server.client_secret not in response.text


def test_wrong_basic_credentials(demo_server):
    response = token_request(demo_server, GRANT, auth=(demo_server.client_id, "nope"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_malformed_basic_header(demo_server):
    response = requests.post(
        demo_server.token_url,
        data=GRANT,
        headers={"Authorization": "Basic !!!not-base64"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_secret_in_both_form_and_basic_is_refused(demo_server):
    response = token_request(
        demo_server,
        creds(demo_server),
        auth=(demo_server.client_id, demo_server.client_secret),
    )
    assert response.json()["error"] == "invalid_request"


def unauthorized(response):
    assert response.status_code == 401
    body = response.json()
    assert body["errors"][0]["status"] == 401
    return body["errors"][0]["detail"]


def get(server, token=None, path="total-views/summary"):
    headers = {} if token is None else {"Authorization": token}
    return requests.get(server.base_url + path, params=OK, headers=headers, timeout=30)


def test_a_missing_token(demo_server):
    assert "required" in unauthorized(get(demo_server))


def test_a_bearer_prefix_is_refused_with_a_hint(demo_server, demo_token):
    assert "Bearer" in unauthorized(get(demo_server, f"Bearer {demo_token}"))


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_a_malformed_token(demo_server, token):
    unauthorized(get(demo_server, token))


def test_a_token_signed_by_someone_else(demo_server):
    forged = jwt.encode(
        {"sub": "demo-client", "iss": "analytics-demo", "exp": int(time.time()) + 600},
        "another-key-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    assert "not issued by this server" in unauthorized(get(demo_server, forged))


def test_a_token_from_another_server_instance(demo_server, start_demo):
    other = start_demo(segments=1_000)
    assert "not issued by this server" in unauthorized(get(demo_server, other.fetch_token()))


def test_an_expired_token(start_demo):
    server = start_demo(segments=1_000, token_ttl=1)
    token = server.fetch_token()
    assert get(server, token).status_code == 200
    time.sleep(2.1)  # let the one-second token expire (exp has one-second resolution)
    assert "expired" in unauthorized(get(server, token))


def test_auth_is_checked_before_parameters(demo_server):
    response = requests.get(demo_server.base_url + "views", params={"_limit": "0"}, timeout=30)
    assert response.status_code == 401


def test_every_api_path_needs_a_token(demo_server):
    for path in ("views", "viewers/live", "unique-devices/day", "peak-viewer-numbers/recorded"):
        unauthorized(get(demo_server, path=path))


def test_each_account_sees_its_own_data(start_demo):
    server = start_demo(
        segments=2_000, live_now=0, accounts={"team-a": "secret-a", "team-b": "secret-b"}
    )  # live_now=0: the counts are the background segments only
    totals = {}
    for client_id, secret in (("team-a", "secret-a"), ("team-b", "secret-b")):
        response = token_request(server, {**GRANT, "client_id": client_id, "client_secret": secret})
        token = response.json()["access_token"]
        body = requests.get(
            server.base_url + "views",
            params={
                "date_time_from": "2000-01-01T00:00:00Z",
                "date_time_to": "2100-01-01T00:00:00Z",
            },
            headers={"Authorization": token},
            timeout=30,
        ).json()
        totals[client_id] = (body["pagination"]["count"], body["data"][0]["attributes"]["view_id"])
    assert 0 < totals["team-a"][0] <= 2_000
    assert 0 < totals["team-b"][0] <= 2_000
    assert totals["team-a"][1] != totals["team-b"][1]  # different data per account


def test_basic_credentials_are_url_decoded(start_demo):
    server = start_demo(segments=1_000, accounts={"a b": "p:w d"})
    raw = base64.b64encode(b"a+b:p%3Aw+d").decode()
    response = requests.post(
        server.token_url, data=GRANT, headers={"Authorization": f"Basic {raw}"}, timeout=30
    )
    assert response.status_code == 200
