"""The Channel API's read endpoints the dashboard uses for titles, as IBM's docs describe them.

- `GET /users/self/channels.json`: `p` and `pagesize` (default and maximum 100); the channels
  under `channels`, keyed by id; `paging` with `actual`, and `previous` / `next` when there are
  such pages, each `{"href": ...}`.
- `GET /users/self/videos.json` and `GET /channels/{id}/videos.json`: `page` and `pagesize`
  (default and maximum 50), `sort` recent (default: newest `created_at` first) or popular,
  `filter[protect]` (the user's list: every video by default; a channel's list: public ones);
  the videos under `videos` as an array; `paging` with `previous` / `next` as plain URLs.
- `GET /channels/{id}.json` (`channel`) and `GET /videos/{id}.json` (`video`): one item, 404
  `not_found` for an unknown id.

A channel's `status` (`online` / `offline` in the list, `live` / `offair` alone), `stats.viewer`
and `last_broadcast_at` are computed from the analytics data at the request's "now"
(analytics.demo.on_air), so they agree with the Analytics API's answers at the same moment.

Every path takes an ordinary access token as `Authorization: Bearer TOKEN` (401 `invalid_token`
otherwise). With DemoSettings.channel_api "refuse" every request is answered 403, as for a
client whose credentials lack the scope. Errors are `{"error": code, "message": text}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from analytics.contract import (
    CHANNELS_PAGE_PARAM,
    CHANNELS_PAGE_SIZE_MAX,
    PAGE_SIZE_PARAM,
    USER_CHANNELS_PATH,
    USER_VIDEOS_PATH,
    VIDEOS_PAGE_PARAM,
    VIDEOS_PAGE_SIZE_MAX,
    channel_details_path,
    channel_videos_path,
    video_details_path,
)
from analytics.demo.auth import BearerUnauthorized
from analytics.demo.catalogue import DemoCatalogue, DemoChannel, DemoVideo, catalogue_of
from analytics.demo.dependencies import Authority, Now, Registry, State
from analytics.demo.on_air import last_broadcast_start, viewers_now
from analytics.demo.settings import ChannelApiMode
from analytics.demo.store import Dataset

router = APIRouter(include_in_schema=False)

WEB_URL = "https://video.ibm.com"
PROTECT_VALUES = ("public", "private")


class ChannelApiError(Exception):
    """An error answer of the Channel API: status, `error` code and `message`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def on_channel_api_error(_: Request, exc: ChannelApiError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if exc.status == 401 else None
    return JSONResponse(
        {"error": exc.code, "message": exc.message}, status_code=exc.status, headers=headers
    )


@dataclass(frozen=True)
class AccountChannels:
    """What a Channel API request reads: the account's catalogue, its analytics data (for
    what is on air) and the moment it is answered as of."""

    catalogue: DemoCatalogue
    dataset: Dataset
    now: datetime

    def viewers_now(self) -> dict[int, int]:
        with self.dataset.cursor() as cursor:
            return viewers_now(cursor, self.now)

    def last_broadcast_at(self, channel_id: int) -> int | None:
        with self.dataset.cursor() as cursor:
            started = last_broadcast_start(cursor, channel_id, self.now)
        return None if started is None else int(started.timestamp())


def account_channels(
    request: Request, state: State, authority: Authority, registry: Registry, now: Now
) -> AccountChannels:
    """The catalogue and data of the account whose Bearer token came with the request (a
    plain `def`: the first request of an account may build its data)."""
    try:
        client_id = authority.verify_bearer(request.headers.get("authorization"))
    except BearerUnauthorized as exc:
        raise ChannelApiError(401, "invalid_token", str(exc)) from None
    if state.settings.channel_api is ChannelApiMode.REFUSE:
        raise ChannelApiError(
            403,
            "insufficient_scope",
            "this client may not use the Channel API (demo knob channel_api=refuse)",
        )
    dataset = registry.get(client_id)
    return AccountChannels(catalogue_of(dataset), dataset, now)


Channels = Annotated[AccountChannels, Depends(account_channels)]


# --- lists ------------------------------------------------------------------------------------


@router.get("/" + USER_CHANNELS_PATH)
def user_channels(request: Request, account: Channels) -> JSONResponse:
    number, size = _page(request, CHANNELS_PAGE_PARAM, CHANNELS_PAGE_SIZE_MAX)
    channels = list(account.catalogue.channels)
    shown = channels[(number - 1) * size : number * size]
    base = _absolute(request, USER_CHANNELS_PATH)

    def link(page: int) -> dict[str, str]:
        return {"href": f"{base}?{urlencode({PAGE_SIZE_PARAM: size, CHANNELS_PAGE_PARAM: page})}"}

    paging: dict[str, Any] = {"actual": link(number)}
    if number > 1:
        paging["previous"] = link(min(number - 1, _last_page(len(channels), size)))
    if number * size < len(channels):
        paging["next"] = link(number + 1)
    viewers = account.viewers_now() if shown else {}
    body = {
        "channels": {str(c.id): _channel_item(request, c, c.id in viewers) for c in shown},
        "paging": paging,
    }
    return JSONResponse(body)


@router.get("/" + USER_VIDEOS_PATH)
def user_videos(request: Request, account: Channels) -> JSONResponse:
    protect = _protect(request, default=PROTECT_VALUES)
    videos = list(account.catalogue.videos)
    return _videos_page(request, account.catalogue, videos, protect, USER_VIDEOS_PATH)


@router.get("/" + channel_videos_path("{channel_id}"))
def channel_videos(request: Request, channel_id: str, account: Channels) -> JSONResponse:
    catalogue = account.catalogue
    channel = _channel(catalogue, channel_id)
    protect = _protect(request, default=("public",))
    videos = catalogue.videos_of(channel.id)
    return _videos_page(request, catalogue, videos, protect, channel_videos_path(channel.id))


def _videos_page(
    request: Request,
    catalogue: DemoCatalogue,
    videos: list[DemoVideo],
    protect: tuple[str, ...],
    path: str,
) -> JSONResponse:
    number, size = _page(request, VIDEOS_PAGE_PARAM, VIDEOS_PAGE_SIZE_MAX)
    sort = request.query_params.get("sort", "recent")
    if sort not in ("recent", "popular"):
        raise ChannelApiError(400, "invalid_value", "sort: expected recent or popular")
    videos = [video for video in videos if video.protect in protect]
    if sort == "popular":
        videos.sort(key=lambda video: (-video.views, video.id))
    shown = videos[(number - 1) * size : number * size]
    base = _absolute(request, path)
    kept = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key not in (VIDEOS_PAGE_PARAM, PAGE_SIZE_PARAM)
    ]

    def link(page: int) -> str:
        return f"{base}?{urlencode([*kept, (PAGE_SIZE_PARAM, size), (VIDEOS_PAGE_PARAM, page)])}"

    paging: dict[str, str] = {}
    if number > 1:
        paging["previous"] = link(min(number - 1, _last_page(len(videos), size)))
    if number * size < len(videos):
        paging["next"] = link(number + 1)
    body = {"videos": [_video_item(request, v) for v in shown], "paging": paging}
    return JSONResponse(body)


# --- one item ---------------------------------------------------------------------------------


@router.get("/" + channel_details_path("{channel_id}"))
def channel_details(request: Request, channel_id: str, account: Channels) -> JSONResponse:
    channel = _channel(account.catalogue, channel_id)
    videos = account.catalogue.videos_of(channel.id)
    viewers = account.viewers_now().get(channel.id, 0)
    item: dict[str, Any] = {
        "id": str(channel.id),
        "title": channel.title,
        "description": channel.description,
        "tags": ["demo"],
        "url": f"{WEB_URL}/channel/{channel.id}",
        "status": "live" if viewers else "offair",
    }
    last_broadcast = account.last_broadcast_at(channel.id)
    if last_broadcast is not None:
        item["last_broadcast_at"] = last_broadcast
    item.update(
        {
            "tinyurl": f"https://ustre.am/{channel.id}",
            "stats": {"viewer_total": sum(v.views for v in videos), "viewer": viewers},
            "owner": _OWNER,
            "locks": [],
        }
    )
    return JSONResponse({"channel": item})


@router.get("/" + video_details_path("{video_id}"))
def video_details(request: Request, video_id: str, account: Channels) -> JSONResponse:
    video = account.catalogue.video_by_id.get(_id(video_id)) if video_id.isdigit() else None
    if video is None:
        raise ChannelApiError(404, "not_found", f"video {video_id} not found")
    item = _video_item(request, video)
    if video.channel_id is not None:
        item["links"]["channel"]["id"] = str(video.channel_id)
    item["owner"] = _OWNER
    return JSONResponse({"video": item})


# --- helpers ----------------------------------------------------------------------------------

_OWNER = {"id": "1234", "username": "demo-account", "picture": f"{WEB_URL}/images/owner.png"}


def _channel_item(request: Request, channel: DemoChannel, online: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(channel.id),
        "title": channel.title,
        "url": f"{WEB_URL}/channel/{channel.id}",
        "status": "online" if online else "offline",
        "description": channel.description,
        "owner": _OWNER,
        "authority": {"reason": "own"},
        "picture": {"90x90": f"{WEB_URL}/images/channel-{channel.id}.png"},
    }
    if channel.is_default:
        item["default"] = True
    if online:  # "Listed when the channel is online"
        item["live_thumbnail"] = f"{WEB_URL}/images/channel-{channel.id}-live.jpg"
    return item


def _video_item(request: Request, video: DemoVideo) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(video.id),
        "title": video.title,
        "description": video.description,
        "url": f"{WEB_URL}/recorded/{video.id}",
        "length": f"{video.length:.6f}",
        "created_at": video.created_at,
        "added_at": video.created_at,
        "file_size": str(int(video.length * 250_000)),
        "views": video.views,
        "protect": video.protect,
        "thumbnail": {"default": f"{WEB_URL}/images/video-{video.id}.jpg"},
        "links": {},
    }
    if video.channel_id is not None:
        href = _absolute(request, channel_details_path(video.channel_id))
        item["links"]["channel"] = {"href": href}
    return item


def _channel(catalogue: DemoCatalogue, channel_id: str) -> DemoChannel:
    channel = catalogue.channel_by_id.get(_id(channel_id)) if channel_id.isdigit() else None
    if channel is None:
        raise ChannelApiError(404, "not_found", f"channel {channel_id} not found")
    return channel


def _id(text: str) -> int:
    return int(text) if len(text) <= 18 else -1


def _page(request: Request, page_name: str, size_max: int) -> tuple[int, int]:
    """(page number, page size); 400 input_validation_error when either is not a whole number
    in range."""
    params = request.query_params
    values = []
    for name, default, high in ((page_name, 1, 1_000_000), (PAGE_SIZE_PARAM, size_max, size_max)):
        raw = params.get(name, str(default)).strip()
        if not raw.isdigit() or not 1 <= int(raw) <= high:
            raise ChannelApiError(
                400, "input_validation_error", f"{name}: expected a whole number 1..{high}"
            )
        values.append(int(raw))
    return values[0], values[1]


def _protect(request: Request, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = request.query_params.get("filter[protect]")
    if raw is None or not raw.strip():
        return default
    values = tuple(raw.split(","))
    if any(value not in PROTECT_VALUES for value in values):
        raise ChannelApiError(400, "invalid_value", "filter[protect]: public and/or private")
    return values


def _last_page(count: int, size: int) -> int:
    return max(1, -(-count // size))


def _absolute(request: Request, path: str) -> str:
    """The absolute URL of `path` on this server, as IBM's paging links are."""
    return f"{str(request.base_url).rstrip('/')}/{path}"
