"""The content catalogue (titles from IBM's Channel API) against the demo over loopback HTTP:
both paging styles, the cache and a refresh, a refusal or failure giving an empty catalogue with
a reason (never an exception), tolerant reading of null fields, and the hard page cap.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import requests

from analytics.api import Catalogue, ContentType, Dimension, Metric, MetricQuery, TimeRange
from analytics.api.catalogue import (
    CATALOGUE_COLUMNS,
    CatalogueError,
    FetchedJson,
    parse_channels_page,
    parse_videos_page,
    read_list,
)
from analytics.contract import USER_VIDEOS_PATH, VIDEOS_PAGE_PARAM, VIDEOS_PAGE_SIZE_MAX

LAST_WEEK = TimeRange.last(timedelta(days=7))


def titled_client(make_client, server, **changes):
    """A client of `server` whose Channel API is the demo's."""
    return make_client(server, channel_api_url=server.channel_api_url, **changes)


def channel_api_get(server):
    """GET on the demo's Channel API with an ordinary Bearer token, as FetchedJson."""
    token = requests.post(
        server.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": server.client_id,
            "client_secret": server.client_secret,
        },
        timeout=30,
    ).json()["access_token"]

    def get(path: str, params: dict[str, str]) -> FetchedJson:
        response = requests.get(
            server.channel_api_url + path,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return FetchedJson(response.content, datetime.now(UTC))

    return get


@pytest.fixture(scope="module")
def big_account(demo_settings_factory):
    """600 contents: 120 channels (two pages of 100) and 480 videos (ten pages of 50)."""
    from analytics.demo import start_demo_server

    with start_demo_server(demo_settings_factory(segments=5_000, days=30, contents=600)) as s:
        yield s


def test_the_catalogue_names_every_content_of_the_analytics_data(demo_server, make_client):
    client = titled_client(make_client, demo_server)
    catalogue = client.catalogue()
    assert catalogue.available
    assert catalogue.unavailable_reason is None
    assert (len(catalogue.channels), len(catalogue.videos)) == (8, 32)
    views = client.metric(MetricQuery(Metric.TOTAL_VIEWS, LAST_WEEK, Dimension.SUMMARY))
    assert views.frame["value"].iloc[0] > 0  # the Analytics API's JWT is untouched
    video = catalogue.videos[0]
    assert video.title
    assert video.length_seconds > 0
    assert video.created_at.tzinfo is not None
    assert catalogue.get("recorded", str(video.content_id)) == video
    assert catalogue.title(ContentType.RECORDED, video.content_id) == video.title
    assert catalogue.get("live", video.content_id) is None
    assert video.channel_id in {c.content_id for c in catalogue.channels}
    assert video in catalogue.videos_of(video.channel_id)
    channel = catalogue.channels[0]
    assert catalogue.label("live", channel.content_id) == channel.title
    assert catalogue.label("live", 1) == "Channel 1"
    assert catalogue.label("recorded", 2) == "Video 2"


def test_its_frame_and_titles_beside_ids(demo_server, make_client):
    catalogue = titled_client(make_client, demo_server).catalogue()
    frame = catalogue.frame()
    assert list(frame.columns) == CATALOGUE_COLUMNS
    assert len(frame) == len(catalogue) == 40
    assert frame["length_seconds"].notna().sum() == 32  # videos only
    video = catalogue.videos[0]
    peaks = pd.DataFrame(
        {"content_type": ["recorded", "live"], "content_id": [video.content_id, 1], "value": [3, 4]}
    )
    titled = catalogue.with_titles(peaks)
    assert list(titled.columns) == ["content_type", "content_id", "title", "value"]
    assert titled["title"].iloc[0] == video.title
    assert pd.isna(titled["title"].iloc[1])


def test_both_paging_styles_over_many_pages(big_account, make_client):
    big_account.reset_request_count()
    client = titled_client(make_client, big_account, concurrency=2)
    catalogue = client.catalogue()
    assert (len(catalogue.channels), len(catalogue.videos)) == (120, 480)
    assert len({c.content_id for c in catalogue.channels}) == 120
    assert catalogue.channels[0].title == "Company News 24/7"
    # Page 1 alone, then four at a time (concurrency 2 x 2) while the last one says "next":
    # channels p=1, p=2..5 (p=2 has no next); videos 1, 2..5, 6..9, 10..13 (10 has no next).
    assert big_account.request_count("/users/self/channels.json") == 5
    assert big_account.request_count("/users/self/videos.json") == 13


def test_kept_for_hours_shared_through_the_cache_and_refreshed_on_demand(
    demo_server, make_client, tmp_path
):
    first = titled_client(make_client, demo_server, cache_dir=tmp_path / "shared")
    catalogue = first.catalogue()
    assert first.catalogue() is catalogue  # kept in the client
    before = demo_server.request_count("/users/self/")
    other = titled_client(make_client, demo_server, cache_dir=tmp_path / "shared")
    again = other.catalogue()
    assert again.from_cache
    assert demo_server.request_count("/users/self/") == before  # from the HTTP cache
    assert [c.title for c in again.videos] == [c.title for c in catalogue.videos]
    refreshed = other.catalogue(refresh=True)
    assert not refreshed.from_cache
    assert demo_server.request_count("/users/self/") == before + 2
    other.clear_cache()
    assert other.catalogue() is not refreshed


def test_tokens_are_never_stored_in_the_cache(demo_server, make_client, tmp_path):
    client = titled_client(make_client, demo_server, cache_dir=tmp_path / "private")
    assert client.catalogue().available
    assert len(client.secrets) >= 3  # the secret, the Basic pair, the Bearer token (and JWTs)
    stored = b"".join(path.read_bytes() for path in (tmp_path / "private").rglob("*"))
    assert b"users/self/videos.json" in stored
    for secret in client.secrets:
        assert secret.encode() not in stored


def test_a_refusal_gives_an_empty_catalogue_with_a_reason(start_demo, make_client):
    server = start_demo(segments=2_000, days=30, channel_api="refuse")
    client = titled_client(make_client, server)
    catalogue = client.catalogue()
    assert not catalogue.available
    assert len(catalogue) == 0
    assert "403" in catalogue.unavailable_reason
    assert "scope" in catalogue.unavailable_reason
    assert catalogue.title("live", 1) is None
    assert catalogue.label("live", 1) == "Channel 1"
    for secret in client.secrets:
        assert secret not in catalogue.unavailable_reason
    views = client.metric(MetricQuery(Metric.TOTAL_VIEWS, LAST_WEEK))
    assert views.frame["value"].iloc[0] >= 0  # everything else works
    assert client.catalogue() is catalogue  # not asked again on every call


def test_an_unreachable_channel_api_gives_a_reason(demo_server, make_client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    client = make_client(demo_server, channel_api_url=f"http://127.0.0.1:{port}/", retry_seconds=0)
    catalogue = client.catalogue()
    assert not catalogue.available
    assert catalogue.unavailable_reason == (
        "Titles are missing: the Channel API is unavailable "
        f"(127.0.0.1:{port}: the connection was refused)"
    )


def test_a_static_analytics_token_alone_cannot_read_titles(demo_server, demo_token, tmp_path):
    from analytics.api import AnalyticsClient, ApiSettings

    settings = ApiSettings(
        token=demo_token,
        api_url=demo_server.base_url,
        channel_api_url=demo_server.channel_api_url,
        cache_dir=tmp_path,
    )
    with AnalyticsClient(settings) as client:
        catalogue = client.catalogue()
    assert not catalogue.available
    assert "IBM_VIDEO_CLIENT_ID" in catalogue.unavailable_reason


def test_details_of_one_content(demo_server, make_client):
    client = titled_client(make_client, demo_server)
    video = client.catalogue().videos[3]
    assert client.content_details("recorded", video.content_id) == video
    channel = client.content_details("live", video.channel_id)
    assert channel.title == client.catalogue().title("live", video.channel_id)
    assert client.content_details("recorded", 1) is None


# --- reading pages: both styles, null fields, the cap ------------------------------------------


def test_missing_and_null_fields_are_tolerated():
    body = json.dumps(
        {
            "videos": [
                {"id": "7", "title": None, "length": None, "created_at": None, "links": None},
                {"id": 8, "title": "  Two\nlines ", "length": "12.5", "created_at": "1400000000",
                 "links": {"channel": {"href": "https://api.video.ibm.com/channels/3.json"}}},
                {"id": "abc", "title": "no numeric id"},
                {"id": "9", "length": "n/a", "created_at": "2024-07-16T10:00:00Z",
                 "links": {"channel": {"id": "4"}}},
                "not an object",
            ],
            "paging": {"next": None},
        }
    ).encode()  # fmt: skip
    videos, has_next = parse_videos_page(body)
    assert not has_next
    assert [v.content_id for v in videos] == [7, 8, 9]
    assert (videos[0].title, videos[0].length_seconds, videos[0].created_at) == (None, None, None)
    assert videos[0].channel_id is None
    assert (videos[1].title, videos[1].length_seconds, videos[1].channel_id) == (
        "Two lines",
        12.5,
        3,
    )
    assert videos[1].created_at == datetime.fromtimestamp(1_400_000_000, UTC)
    assert (videos[2].length_seconds, videos[2].channel_id) == (None, 4)
    assert videos[2].created_at == datetime(2024, 7, 16, 10, tzinfo=UTC)
    assert parse_videos_page(b'{"paging": null}') == ([], False)


@pytest.mark.parametrize(
    "channels",
    [
        {"1": {"id": "1", "title": "One"}, "2": {"id": "2", "title": "Two"}},  # keyed by id
        [{"id": "1", "title": "One"}, {"id": "2", "title": "Two"}],  # an array
    ],
)
@pytest.mark.parametrize("key", ["channels", "channel"])
def test_channels_in_either_shape(channels, key):
    body = json.dumps({key: channels, "paging": {"next": {"href": "https://x/?p=2"}}}).encode()
    found, has_next = parse_channels_page(body)
    assert [(c.content_id, c.title) for c in found] == [(1, "One"), (2, "Two")]
    assert has_next


def test_an_unreadable_answer_is_a_catalogue_error():
    with pytest.raises(CatalogueError):
        parse_videos_page(b"<html>maintenance</html>")
    with pytest.raises(CatalogueError):
        parse_channels_page(b"[]")


def read_videos(get, **options):
    return read_list(
        get, USER_VIDEOS_PATH, VIDEOS_PAGE_PARAM, VIDEOS_PAGE_SIZE_MAX, parse_videos_page, **options
    )


def test_an_api_ignoring_the_page_parameter_does_not_loop(big_account):
    real = channel_api_get(big_account)
    asked: list[str] = []

    def page_one_always(path, params):
        asked.append(params[VIDEOS_PAGE_PARAM])
        return real(path, {**params, VIDEOS_PAGE_PARAM: "1"})  # every answer says "next"

    videos = read_videos(page_one_always, concurrency=3)
    assert len(videos) == 50  # page 1 once; its repetitions add nothing, so the list ends
    assert len(asked) <= 4


def test_the_hard_cap_is_a_clear_error(big_account, make_client):
    with pytest.raises(CatalogueError, match="after 3 pages"):
        read_videos(channel_api_get(big_account), concurrency=2, max_pages=3)
    assert len(read_videos(channel_api_get(big_account), concurrency=4, max_pages=10)) == 480


def test_the_cap_leaves_an_unavailable_catalogue(big_account):
    from analytics.api.catalogue import fetch_catalogue

    catalogue = fetch_catalogue(channel_api_get(big_account), max_pages=2)
    assert isinstance(catalogue, Catalogue)
    assert not catalogue.available
    assert "pages" in catalogue.unavailable_reason


# --- the per-channel fallback -------------------------------------------------------------------


def test_a_refused_user_video_list_is_read_channel_by_channel(demo_server, make_client):
    from analytics.api import ApiError
    from analytics.api.catalogue import fetch_catalogue

    expected = titled_client(make_client, demo_server).catalogue()
    real = channel_api_get(demo_server)
    asked: list[str] = []

    def no_user_videos(path, params):
        asked.append(path)
        if path == USER_VIDEOS_PATH:
            raise ApiError(403, "lack_of_ownership")
        return real(path, params)

    catalogue = fetch_catalogue(no_user_videos)
    assert catalogue.available
    assert sorted(catalogue.videos, key=lambda v: v.content_id) == sorted(
        expected.videos, key=lambda v: v.content_id
    )  # private videos too: the lists ask for filter[protect]=public,private
    assert sum(path.startswith("channels/") for path in asked) == len(expected.channels)


def test_videos_without_channel_links_get_their_channel_from_its_list(demo_server, make_client):
    from analytics.api.catalogue import fetch_catalogue

    expected = titled_client(make_client, demo_server).catalogue()
    real = channel_api_get(demo_server)

    def without_links(path, params):
        fetched = real(path, params)
        if path != USER_VIDEOS_PATH:
            return fetched
        body = json.loads(fetched.body)
        for video in body["videos"]:
            del video["links"]
        return FetchedJson(json.dumps(body).encode(), fetched.created_at)

    catalogue = fetch_catalogue(without_links)
    assert {(v.content_id, v.channel_id) for v in catalogue.videos} == {
        (v.content_id, v.channel_id) for v in expected.videos
    }
    assert all(v.channel_id is not None for v in catalogue.videos)


def test_the_channel_api_settings():
    from analytics.api import ApiSettings

    default = ApiSettings.from_env({})
    assert default.channel_api_url == "https://api.video.ibm.com/"
    assert default.catalogue_ttl == 6 * 3600
    settings = ApiSettings.from_env(
        {"IBM_VIDEO_CHANNEL_API_URL": "http://channels.test/api", "ANALYTICS_CATALOGUE_TTL": "2h"}
    )
    assert settings.channel_api_url == "http://channels.test/api/"
    assert settings.catalogue_ttl == 7200
    with pytest.raises(ValueError, match="IBM_VIDEO_CHANNEL_API_URL"):
        ApiSettings.from_env({"IBM_VIDEO_CHANNEL_API_URL": "ftp://nope"})
    with pytest.raises(ValueError, match="ANALYTICS_CATALOGUE_TTL"):
        ApiSettings.from_env({"ANALYTICS_CATALOGUE_TTL": "soon"})
