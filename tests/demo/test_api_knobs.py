"""Knobs for the readings the docs leave open, and for accounts unlike the default one:
count_means, rate_limit, token_auth, contents, null_rate / unknown_country_rate, api_version;
set as DemoSettings fields, ANALYTICS_DEMO_* variables or `demo-api` flags."""

from __future__ import annotations

import argparse
import base64
from datetime import UTC, datetime

import pytest
import requests

from analytics.contract import ApiVersion, SummaryIdKey, SummaryTimeKey
from analytics.demo import segments_frame
from analytics.demo.cli import register, settings_from_args
from analytics.demo.generator import COUNTRIES, UNKNOWN_COUNTRIES, generate
from analytics.demo.settings import CountMeans, DemoSettings, TokenAuth
from tests.demo.conftest import fixed_clock

NOW = datetime(2024, 7, 16, 12, 0, tzinfo=UTC)
DAY = {"date_time_from": "2024-07-16T00:00:00Z", "date_time_to": "2024-07-17T00:00:00Z"}
EVERYTHING = {"date_time_from": "2000-01-01T00:00:00Z", "date_time_to": "2100-01-01T00:00:00Z"}
THREE_VIEWS = segments_frame(
    [
        {"started_at": f"2024-07-16T0{hour}:00:00Z", "finished_at": f"2024-07-16T0{hour}:05:00Z"}
        for hour in (1, 2, 3)
    ]
)


def get(server, token, path, **params):
    return requests.get(
        server.base_url + path, params=params, headers={"Authorization": token}, timeout=30
    )


def token_response(server, *, basic: bool):
    form = {"grant_type": "client_credentials", "client_id": server.client_id, "token_type": "jwt"}
    headers = {}
    if basic:
        pair = f"{server.client_id}:{server.client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    else:
        form["client_secret"] = server.client_secret
    return requests.post(server.token_url, data=form, headers=headers, timeout=30)


# --- settings, environment, flags ----------------------------------------------------------


def knob_values(settings: DemoSettings) -> tuple:
    return (
        settings.api_version, settings.count_means, settings.rate_budget, settings.token_auth,
        settings.summary_id_key, settings.summary_time_key, settings.contents,
        settings.null_rate, settings.unknown_country_rate,
    )  # fmt: skip


def test_the_knobs_default_to_the_current_api_and_the_documented_readings():
    assert knob_values(DemoSettings()) == (
        ApiVersion.CURRENT, CountMeans.TOTAL, None, TokenAuth.BOTH, SummaryIdKey.CONTENT_ID,
        SummaryTimeKey.TIMESTAMP, 40, 0, 0,
    )  # fmt: skip


def test_every_knob_reads_from_the_environment():
    settings = DemoSettings.from_env(
        {
            "ANALYTICS_DEMO_API_VERSION": "1.0.3",
            "ANALYTICS_DEMO_COUNT_MEANS": "page",
            "ANALYTICS_DEMO_RATE_LIMIT": "100/60",
            "ANALYTICS_DEMO_TOKEN_AUTH": "basic",
            "ANALYTICS_DEMO_SUMMARY_ID_KEY": "media_id",
            "ANALYTICS_DEMO_SUMMARY_TIME_KEY": "time",
            "ANALYTICS_DEMO_CONTENTS": "2000",
            "ANALYTICS_DEMO_NULL_RATE": "0.05",
            "ANALYTICS_DEMO_UNKNOWN_COUNTRY_RATE": "0.1",
        }
    )
    assert knob_values(settings) == (
        ApiVersion.V1_0_3, CountMeans.PAGE, (100, 60), TokenAuth.BASIC, SummaryIdKey.MEDIA_ID,
        SummaryTimeKey.TIME, 2000, 0.05, 0.1,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("API_VERSION", "2.0"),
        ("COUNT_MEANS", "all"),
        ("RATE_LIMIT", "100"),
        ("RATE_LIMIT", "0/60"),
        ("TOKEN_AUTH", "header"),
        ("SUMMARY_ID_KEY", "id"),
        ("CONTENTS", "2"),
        ("NULL_RATE", "1.5"),
        ("UNKNOWN_COUNTRY_RATE", "-0.1"),
    ],
)
def test_a_bad_knob_value_names_its_variable(variable, value):
    with pytest.raises(ValueError, match=f"ANALYTICS_DEMO_{variable}"):
        DemoSettings.from_env({f"ANALYTICS_DEMO_{variable}": value})


def test_flags_override_the_environment(monkeypatch):
    monkeypatch.setenv("ANALYTICS_DEMO_COUNT_MEANS", "page")
    monkeypatch.setenv("ANALYTICS_DEMO_RATE_LIMIT", "5/1")
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(
        ["demo-api", "--api-version", "1.0.3", "--rate-limit", "10/60", "--token-auth", "form",
         "--summary-id-key", "media_id", "--summary-time-key", "time", "--contents", "2000",
         "--null-rate", "0.1", "--unknown-country-rate", "0.2"]
    )  # fmt: skip
    settings = settings_from_args(args)
    assert knob_values(settings) == (
        ApiVersion.V1_0_3,
        CountMeans.PAGE,
        (10, 60),
        TokenAuth.FORM,
        SummaryIdKey.MEDIA_ID,
        SummaryTimeKey.TIME,
        2000,
        0.1,
        0.2,
    )  # fmt: skip  (count_means from the environment, the rest from flags)
    with pytest.raises(ValueError, match="rate_limit"):
        settings_from_args(parser.parse_args(["demo-api", "--rate-limit", "fast"]))


# --- count_means -----------------------------------------------------------------------------


@pytest.mark.parametrize(("count_means", "counts"), [("total", [3, 3]), ("page", [2, 1])])
def test_count_means_total_or_the_items_on_the_page(start_demo, count_means, counts):
    server = start_demo(
        datasets={"demo-client": THREE_VIEWS}, clock=fixed_clock(NOW), count_means=count_means
    )
    token = server.fetch_token()
    pages = [get(server, token, "views", _limit=2, _page=n, **DAY).json() for n in (1, 2)]
    assert [page["pagination"]["count"] for page in pages] == counts
    assert [len(page["data"]) for page in pages] == [2, 1]
    assert pages[0]["pagination"]["last"] == pages[1]["pagination"]["self"]  # still 2 pages
    assert pages[1]["pagination"]["next"] is None
    summary = get(server, token, "total-views/summary", **DAY).json()
    assert summary["pagination"]["count"] == 1


# --- rate_limit ------------------------------------------------------------------------------


def test_rate_limit_spends_a_budget_per_account_and_window(start_demo):
    server = start_demo(
        datasets={"demo-client": THREE_VIEWS},
        clock=fixed_clock(NOW),
        rate_limit="3/60",
        accounts={"demo-client": "demo-secret", "other": "other-secret"},
    )
    token = server.fetch_token()
    reset = str(int(NOW.timestamp()) // 60 * 60 + 60)
    answers = [get(server, token, "total-views/summary", **DAY) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"3"}
    assert {a.headers["X-RateLimit-Reset"] for a in answers} == {reset}
    over = answers[-1]
    assert "Retry-After" not in over.headers
    assert over.json()["errors"][0]["status"] == 429
    assert server.fetch_token()  # the token endpoint is not limited
    other = requests.post(
        server.token_url,
        data={"grant_type": "client_credentials", "client_id": "other",
              "client_secret": "other-secret", "token_type": "jwt"},
        timeout=30,
    ).json()["access_token"]  # fmt: skip
    assert get(server, other, "total-views/summary", **DAY).headers["X-RateLimit-Remaining"] == "2"


def test_rate_limit_budget_is_full_again_in_the_next_window(start_demo):
    moments = [NOW]
    server = start_demo(
        datasets={"demo-client": THREE_VIEWS}, clock=lambda: moments[-1], rate_limit="1/10"
    )
    token = server.fetch_token()
    assert get(server, token, "views", **DAY).status_code == 200
    assert get(server, token, "views", **DAY).status_code == 429
    moments.append(NOW.replace(second=10))
    answer = get(server, token, "views", **DAY)
    assert answer.status_code == 200
    assert answer.headers["X-RateLimit-Reset"] == str(int(NOW.timestamp()) + 20)


def test_without_rate_limit_no_headers_are_sent(start_demo):
    server = start_demo(datasets={"demo-client": THREE_VIEWS}, clock=fixed_clock(NOW))
    answer = get(server, server.fetch_token(), "views", **DAY)
    assert "X-RateLimit-Limit" not in answer.headers


# --- token_auth ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token_auth", "basic_ok", "form_ok"),
    [("basic", True, False), ("form", False, True), ("both", True, True)],
)
def test_token_auth_accepts_the_secret_the_configured_way(
    start_demo, token_auth, basic_ok, form_ok
):
    server = start_demo(
        datasets={"demo-client": THREE_VIEWS}, clock=fixed_clock(NOW), token_auth=token_auth
    )
    for basic, ok in ((True, basic_ok), (False, form_ok)):
        response = token_response(server, basic=basic)
        if ok:
            assert response.status_code == 200
            assert get(server, response.json()["access_token"], "views", **DAY).ok
        else:
            assert response.status_code == 400
            assert response.json()["error"] == "invalid_client"
    assert server.fetch_token()  # the server's own helper uses an accepted style


# --- contents, null and unknown places ---------------------------------------------------------


def test_contents_sets_the_number_of_channels_and_videos():
    today = datetime(2024, 7, 16, tzinfo=UTC)
    data = generate(20_000, 30, 7, "demo-client", today, contents=2_000)
    kinds = data.contents["content_type"].value_counts()
    assert (kinds["live"], kinds["recorded"]) == (400, 1_600)
    assert data.contents["content_id"].is_unique
    live_ids = set(data.contents.loc[data.contents["content_type"] == "live", "content_id"])
    videos = data.contents[data.contents["content_type"] == "recorded"]
    assert set(videos["channel_id"]) <= live_ids  # every video belongs to a live channel
    assert data.contents.loc[data.contents["content_type"] == "live", "channel_id"].isna().all()
    assert data.segments["content"].nunique() > 1_000  # the traffic spreads over them
    again = generate(20_000, 30, 7, "demo-client", today, contents=2_000)
    assert again.contents.equals(data.contents)  # deterministic


def test_every_generated_recorded_view_belongs_to_a_channel(start_demo):
    server = start_demo(segments=2_000, contents=60)
    token = server.fetch_token()
    live = get(server, token, "views/live", _limit=10_000, **EVERYTHING).json()
    channels = sorted({item["attributes"]["content_id"] for item in live["data"]})
    recorded = get(server, token, "views/recorded", _limit=1, **EVERYTHING).json()
    by_channel = get(
        server, token, "views/recorded/channel", channel_id=",".join(map(str, channels)),
        _limit=1, **EVERYTHING,
    ).json()  # fmt: skip
    assert recorded["pagination"]["count"] > 0
    assert by_channel["pagination"]["count"] == recorded["pagination"]["count"]


def test_null_and_unknown_places_show_as_null_and_unknown_points(start_demo):
    server = start_demo(segments=3_000, null_rate=0.3, unknown_country_rate=0.3)
    token = server.fetch_token()
    countries = [
        item["attributes"]["point"]
        for item in get(server, token, "total-views/country", _limit=100, **EVERYTHING).json()[
            "data"
        ]
    ]
    assert None in countries
    assert set(countries) & set(UNKNOWN_COUNTRIES)
    regions = get(server, token, "unique-devices/region", _limit=1000, **EVERYTHING).json()
    assert None in [item["attributes"]["point"] for item in regions["data"]]


def test_by_default_every_place_is_known(shared_api):
    known = {country[0] for country in COUNTRIES}
    countries = {
        row[0] for row in shared_api.series("total-views/country", _limit=100, **EVERYTHING)
    }
    assert countries
    assert countries <= known
    regions = shared_api.series("total-views/region", _limit=1000, **EVERYTHING)
    assert all(point and point[:2] in known for point, _ in regions)
