"""The demo's Channel API (titles): its ids are the analytics data's, a video's channel is the
one the channel-scoped analytics endpoints use, both documented paging styles, Bearer tokens,
the refusal knob, and determinism.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from analytics.demo import DemoServer, segments_frame
from tests.demo.conftest import fixed_clock

WINDOW = {
    "date_time_from": (datetime.now(UTC) - timedelta(days=130)).strftime("%Y-%m-%dT00:00:00Z"),
    "date_time_to": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z"),
    "granularity": "month",
    "_limit": "10000",
}


def bearer_token(server: DemoServer) -> str:
    """An ordinary access token: the client-credentials grant without token_type=jwt."""
    response = requests.post(
        server.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": server.client_id,
            "client_secret": server.client_secret,
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class ChannelApi:
    def __init__(self, server: DemoServer) -> None:
        self.server = server
        self.headers = {"Authorization": f"Bearer {bearer_token(server)}"}

    def get(self, path: str, **params: object) -> requests.Response:
        return requests.get(
            self.server.channel_api_url + path, params=params, headers=self.headers, timeout=30
        )

    def ok(self, path: str, **params: object) -> dict:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def all_channels(self, pagesize: int = 100) -> list[dict]:
        found, number = [], 1
        while True:
            body = self.ok("users/self/channels.json", p=number, pagesize=pagesize)
            found.extend(body["channels"].values())
            if "next" not in body["paging"]:
                return found
            number += 1

    def all_videos(self, path: str = "users/self/videos.json", **params: object) -> list[dict]:
        found, number = [], 1
        while True:
            body = self.ok(path, page=number, pagesize=50, **params)
            found.extend(body["videos"])
            if "next" not in body["paging"]:
                return found
            number += 1


@pytest.fixture(scope="module")
def channel_api(demo_server: DemoServer) -> ChannelApi:
    return ChannelApi(demo_server)


def analytics_ids(api, path: str, **params: str) -> set[tuple[str, int]]:
    rows = api.attributes(path, **{**WINDOW, **params})
    return {(row["content_type"], int(row["content_id"])) for row in rows}


def test_the_contents_are_the_ones_the_analytics_data_reports(demo_server, api_for, channel_api):
    api = api_for(demo_server)
    reported = analytics_ids(api, "viewer-seconds")
    channels = {int(c["id"]) for c in channel_api.all_channels()}
    videos = {int(v["id"]) for v in channel_api.all_videos()}
    assert {i for kind, i in reported if kind == "live"} <= channels
    assert {i for kind, i in reported if kind == "recorded"} <= videos
    assert len(channels) == 8
    assert len(videos) == 32


def test_a_videos_channel_is_the_one_the_channel_scope_uses(demo_server, api_for, channel_api):
    api = api_for(demo_server)
    videos = channel_api.all_videos()
    channel_of = {
        int(v["id"]): int(re.search(r"/channels/(\d+)\.json$", v["links"]["channel"]["href"])[1])
        for v in videos
    }
    watched = {i for kind, i in analytics_ids(api, "viewer-seconds") if kind == "recorded"}
    scoped: set[int] = set()
    for channel in channel_api.all_channels():
        ids = analytics_ids(api, "viewer-seconds/recorded/channel", channel_id=channel["id"])
        in_scope = {i for _, i in ids}
        assert all(channel_of[i] == int(channel["id"]) for i in in_scope)
        listed = channel_api.all_videos(
            f"channels/{channel['id']}/videos.json", **{"filter[protect]": "public,private"}
        )
        assert in_scope <= {int(v["id"]) for v in listed}
        scoped |= in_scope
    assert scoped == watched


def test_channels_page_by_p_with_next_href(channel_api):
    everything = channel_api.all_channels()
    first = channel_api.ok("users/self/channels.json", p=1, pagesize=3)
    assert list(first["channels"]) == [c["id"] for c in everything[:3]]
    assert first["channels"][everything[0]["id"]]["title"] == everything[0]["title"]
    assert "previous" not in first["paging"]
    assert first["paging"]["next"]["href"].endswith("/users/self/channels.json?pagesize=3&p=2")
    assert first["paging"]["actual"]["href"].endswith("p=1")
    last = channel_api.ok("users/self/channels.json", p=3, pagesize=3)
    assert len(last["channels"]) == 2
    assert "next" not in last["paging"]
    assert last["paging"]["previous"]["href"].endswith("p=2")
    assert [c["id"] for c in channel_api.all_channels(pagesize=3)] == [c["id"] for c in everything]
    beyond = channel_api.ok("users/self/channels.json", p=9, pagesize=3)
    assert beyond["channels"] == {}
    assert "next" not in beyond["paging"]


def test_videos_page_by_page_with_next_as_a_string(channel_api):
    everything = channel_api.all_videos()
    body = channel_api.ok("users/self/videos.json", page=2, pagesize=7)
    assert [v["id"] for v in body["videos"]] == [v["id"] for v in everything[7:14]]
    assert isinstance(body["paging"]["next"], str)
    assert body["paging"]["next"].endswith("/users/self/videos.json?pagesize=7&page=3")
    assert body["paging"]["previous"].endswith("page=1")
    created = [v["created_at"] for v in everything]
    assert created == sorted(created, reverse=True)  # sort=recent, the default
    video = everything[0]
    assert float(video["length"]) > 0
    assert isinstance(video["length"], str)
    assert video["title"]
    assert video["protect"] in ("public", "private")
    assert video["created_at"] <= datetime.now(UTC).timestamp()


def test_a_channels_list_shows_public_videos_unless_asked(channel_api):
    everything = channel_api.all_videos()
    private = [v for v in everything if v["protect"] == "private"]
    assert private, "the demo has some private videos"
    channel = private[0]["links"]["channel"]["href"].rsplit("/", 1)[1].removesuffix(".json")
    public_only = channel_api.all_videos(f"channels/{channel}/videos.json")
    both = channel_api.all_videos(
        f"channels/{channel}/videos.json", **{"filter[protect]": "public,private"}
    )
    assert private[0]["id"] not in {v["id"] for v in public_only}
    assert private[0]["id"] in {v["id"] for v in both}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("users/self/channels.json", {"pagesize": 101}),
        ("users/self/channels.json", {"p": 0}),
        ("users/self/videos.json", {"pagesize": 51}),
        ("users/self/videos.json", {"page": "x"}),
        ("users/self/videos.json", {"sort": "oldest"}),
    ],
)
def test_bad_paging_is_a_400(channel_api, path, params):
    response = channel_api.get(path, **params)
    assert response.status_code == 400
    assert response.json()["error"] in ("input_validation_error", "invalid_value")


def test_one_channel_and_one_video(channel_api):
    video = channel_api.all_videos()[0]
    detail = channel_api.ok(f"videos/{video['id']}.json")["video"]
    assert detail["title"] == video["title"]
    assert detail["length"] == video["length"]
    channel_id = detail["links"]["channel"]["id"]
    assert detail["links"]["channel"]["href"].endswith(f"/channels/{channel_id}.json")
    channel = channel_api.ok(f"channels/{channel_id}.json")["channel"]
    assert channel["id"] == channel_id
    assert channel["title"]
    for path in ("videos/1.json", "channels/1.json", "channels/1/videos.json", "videos/x.json"):
        response = channel_api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"


def test_only_an_ordinary_bearer_token_is_accepted(demo_server, demo_token, channel_api):
    assert re.fullmatch(r"[0-9a-f]{40}", channel_api.headers["Authorization"][7:])
    url = demo_server.channel_api_url + "users/self/channels.json"
    for headers in ({}, {"Authorization": demo_token}, {"Authorization": f"Bearer {demo_token}"}):
        response = requests.get(url, headers=headers, timeout=30)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
    # ...and the Analytics API does not take it.
    response = requests.get(
        demo_server.base_url + "total-views/summary",
        params={k: WINDOW[k] for k in ("date_time_from", "date_time_to")},
        headers={"Authorization": channel_api.headers["Authorization"][7:]},
        timeout=30,
    )
    assert response.status_code == 401


def test_requests_are_counted(demo_server, channel_api):
    before = demo_server.request_count("/users/self/channels.json")
    channel_api.ok("users/self/channels.json")
    assert demo_server.request_count("/users/self/channels.json") == before + 1


def test_the_refuse_knob_answers_403_and_analytics_still_work(start_demo, api_for):
    server = start_demo(segments=2_000, days=30, channel_api="refuse")
    channel_api = ChannelApi(server)
    for path in ("users/self/channels.json", "users/self/videos.json", "videos/1.json"):
        response = channel_api.get(path)
        assert response.status_code == 403
        assert response.json()["error"] == "insufficient_scope"
    totals = api_for(server).series("total-views/summary", **{
        k: WINDOW[k] for k in ("date_time_from", "date_time_to")
    })  # fmt: skip
    assert totals[0][1] > 0


def test_titles_are_deterministic_and_differ_by_seed(demo_server, start_demo, channel_api):
    def described(api: ChannelApi) -> list[tuple]:
        return [(v["id"], v["title"], v["length"], v["protect"]) for v in api.all_videos()]

    again = ChannelApi(start_demo())  # the shared server's settings
    assert described(again) == described(channel_api)
    other = ChannelApi(start_demo(seed=8))
    assert [c["title"] for c in other.all_channels()] != [
        c["title"] for c in channel_api.all_channels()
    ]


def test_hand_built_data_names_the_contents_its_segments_name(start_demo):
    now = datetime(2024, 7, 16, 12, 0, tzinfo=UTC)
    rows = [
        {"started_at": "2024-07-16T09:00:00Z", "finished_at": "2024-07-16T09:10:00Z",
         "content_type": "live", "content_id": 10},
        {"started_at": "2024-07-16T10:00:00Z", "finished_at": "2024-07-16T10:05:00Z",
         "content_type": "recorded", "content_id": 20, "channel_id": 10, "from": 30, "to": 330},
        {"started_at": "2024-07-16T10:00:00Z", "finished_at": "2024-07-16T10:01:00Z",
         "content_type": "recorded", "content_id": 21, "channel_id": 11, "from": 0, "to": 60},
    ]  # fmt: skip
    server = start_demo(datasets={"demo-client": segments_frame(rows)}, clock=fixed_clock(now))
    api = ChannelApi(server)
    assert sorted(int(c["id"]) for c in api.all_channels()) == [10, 11]
    videos = {int(v["id"]): v for v in api.all_videos()}
    assert sorted(videos) == [20, 21]
    assert float(videos[20]["length"]) >= 330
    assert float(videos[21]["length"]) >= 60
    assert videos[20]["links"]["channel"]["href"].endswith("/channels/10.json")
    assert videos[20]["created_at"] < datetime(2024, 7, 16, 10, tzinfo=UTC).timestamp()
