"""Which channels are on air now, as IBM's Channel API says: `users/self/channels.json` lists
every channel of the account with its `status` (`online`: the stream can be watched on IBM's
site, `offline` otherwise; a channel's own `channels/{id}.json` says `live` or `offair`) and,
where the API sends them, its current viewers (`stats.viewer`).

Read page by page like the catalogue (catalogue.read_list), but kept for one live period only
(settings.live_ttl), since the Live page asks again at every refresh. Unlike the catalogue this
raises ApiError when the Channel API refuses or fails, so the caller can say so and infer "on
air" from the Analytics API's minutes instead.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.contract import CHANNELS_PAGE_PARAM, CHANNELS_PAGE_SIZE_MAX, USER_CHANNELS_PATH

from .catalogue import (
    CatalogueError,
    ChannelApiGet,
    FetchedJson,
    _has_next,
    _int,
    _items,
    _json_object,
    read_list,
)
from .errors import ApiError

ON_AIR_STATUSES = frozenset({"online", "live"})
# A page size of its own (the catalogue reads CHANNELS_PAGE_SIZE_MAX): the HTTP cache keys
# requests by URL, and these answers expire within a live period, the catalogue's in hours.
STATUS_PAGE_SIZE = CHANNELS_PAGE_SIZE_MAX // 2
STATUS_COLUMNS = {"content_id": "int64", "status": "string", "on_air": "bool", "viewers": "Int64"}


class _Status:
    """One channel of a list page (read_list keeps items by `content_id`)."""

    __slots__ = ("content_id", "status", "viewers")

    def __init__(self, content_id: int, status: str | None, viewers: int | None) -> None:
        self.content_id = content_id
        self.status = status
        self.viewers = viewers


def fetch_channel_statuses(get: ChannelApiGet) -> tuple[pd.DataFrame, list[FetchedJson]]:
    """Every channel's status (frame: content_id, status, on_air, viewers) and the answers it
    was read from (for their time and staleness). Raises ApiError when the Channel API refuses,
    fails or answers something unreadable."""
    answers: list[FetchedJson] = []

    def fetch(path: str, params: dict[str, str]) -> FetchedJson:
        answer = get(path, params)
        answers.append(answer)
        return answer

    try:
        items = read_list(
            fetch,
            USER_CHANNELS_PATH,
            CHANNELS_PAGE_PARAM,
            STATUS_PAGE_SIZE,
            parse_statuses_page,  # type: ignore[arg-type]  # its items have a content_id
            concurrency=1,
        )
    except CatalogueError as exc:
        raise ApiError(200, "Unexpected response from the Channel API", str(exc)) from None
    return statuses_frame(items), answers  # type: ignore[arg-type]


def statuses_frame(items: list[_Status]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "content_id": [item.content_id for item in items],
            "status": [item.status for item in items],
            "on_air": [item.status in ON_AIR_STATUSES for item in items],
            "viewers": [item.viewers for item in items],
        }
    )
    return frame.astype(STATUS_COLUMNS)


def parse_statuses_page(body: bytes) -> tuple[list[_Status], bool]:
    """The channels of one list page with their status, and whether a next page exists."""
    payload = _json_object(body)
    statuses = [s for s in map(_status, _items(payload, ("channels", "channel"))) if s]
    return statuses, _has_next(payload)


def _status(item: dict[str, Any]) -> _Status | None:
    ident = _int(item.get("id"))
    if ident is None:
        return None
    status = item.get("status")
    stats = item.get("stats")
    viewers = stats.get("viewer") if isinstance(stats, dict) else None
    return _Status(
        ident,
        status.strip().lower() if isinstance(status, str) else None,
        viewers if isinstance(viewers, int) and not isinstance(viewers, bool) else None,
    )
