"""The content catalogue: the titles, channels, lengths and creation dates of an account's
channels and videos, read from IBM's Channel API, so ids can be shown as names.

The Analytics API reports contents by id only. The Channel API lists them:
`users/self/channels.json` (pages by `p` / `pagesize` <= 100, `paging.next.href`) and
`users/self/videos.json` (pages by `page` / `pagesize` <= 50, `paging.next` a plain URL);
`channels/{id}.json` and `videos/{id}.json` describe one. When the user's video list is refused,
or its videos lack `links.channel`, each channel's `channels/{id}/videos.json` is read instead.
Both paging styles are read tolerantly: a `next` link in either shape means "there is another
page" (its URL is never followed: requests are built from the configured base URL, so a token
cannot be sent elsewhere); a page with nothing new ends the list; more than `max_pages` pages is
an error, never a loop.
Items are read tolerantly too: missing or null fields are None, items without a numeric id are
skipped.

`fetch_catalogue` never raises for what the API does: a refusal (401/403, a client without the
scope), a failure or an unreadable answer gives an empty Catalogue whose `unavailable_reason`
says why in one calm line, so callers show ids and that note.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from analytics.contract import (
    CHANNELS_PAGE_PARAM,
    CHANNELS_PAGE_SIZE_MAX,
    PAGE_SIZE_PARAM,
    USER_CHANNELS_PATH,
    USER_VIDEOS_PATH,
    VIDEOS_PAGE_PARAM,
    VIDEOS_PAGE_SIZE_MAX,
    ContentType,
    channel_details_path,
    channel_videos_path,
    video_details_path,
)

from .errors import ApiError, ApiUnavailableError, AuthError, redact

logger = logging.getLogger(__name__)

MAX_PAGES = 400  # per list: 40,000 channels or 20,000 videos, far beyond a real account
CATALOGUE_COLUMNS = [
    "content_type",
    "content_id",
    "title",
    "channel_id",
    "length_seconds",
    "created_at",
]
_CHANNEL_HREF = re.compile(r"/channels/([0-9]+)(?:\.json)?/?$")


class CatalogueError(Exception):
    """The Channel API's answers cannot make a catalogue (too many pages, unreadable)."""


@dataclass(frozen=True)
class Content:
    """One channel (live) or video (recorded) as the Channel API describes it."""

    content_type: ContentType
    content_id: int
    title: str | None = None
    channel_id: int | None = None  # a video's channel; None for channels
    length_seconds: float | None = None  # videos only
    created_at: datetime | None = None  # UTC


@dataclass(frozen=True)
class FetchedJson:
    """One Channel API answer: its body and where it came from."""

    body: bytes
    created_at: datetime
    from_cache: bool = False
    stale: bool = False


# GET (path under the Channel API's base URL, params) -> a 200 answer; raises ApiError.
ChannelApiGet = Callable[[str, dict[str, str]], FetchedJson]


@dataclass(frozen=True, eq=False)
class Catalogue:
    """An account's channels and videos, with lookups by (content_type, id).

    Empty with `unavailable_reason` set when the Channel API could not be used: callers then
    show ids, and that reason once.
    """

    channels: tuple[Content, ...] = ()
    videos: tuple[Content, ...] = ()
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    from_cache: bool = False  # every answer came from the HTTP cache
    stale: bool = False  # some answer was an expired cache entry (the Channel API failed)
    unavailable_reason: str | None = None
    _index: dict[tuple[str, int], Content] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index = {(c.content_type.value, c.content_id): c for c in (*self.channels, *self.videos)}
        object.__setattr__(self, "_index", index)

    def __repr__(self) -> str:
        state = f"unavailable={self.unavailable_reason!r}" if not self.available else "available"
        return f"Catalogue({len(self.channels)} channels, {len(self.videos)} videos, {state})"

    def __len__(self) -> int:
        return len(self._index)

    @classmethod
    def unavailable(cls, reason: str) -> Catalogue:
        return cls(unavailable_reason=reason)

    @property
    def available(self) -> bool:
        return self.unavailable_reason is None

    def get(self, content_type: ContentType | str, content_id: int | str) -> Content | None:
        """The content, or None when the catalogue does not know it."""
        key = _key(content_type, content_id)
        return None if key is None else self._index.get(key)

    def title(self, content_type: ContentType | str, content_id: int | str) -> str | None:
        content = self.get(content_type, content_id)
        return None if content is None else content.title

    def label(self, content_type: ContentType | str, content_id: int | str) -> str:
        """The title, else "Channel 123" / "Video 123" (for when titles are missing)."""
        title = self.title(content_type, content_id)
        if title:
            return title
        kind = "Channel" if str(content_type) == ContentType.LIVE.value else "Video"
        return f"{kind} {content_id}"

    def titles(self, content_type: ContentType | str) -> dict[int, str]:
        """id -> title of one type (contents without a title left out)."""
        kind = ContentType(str(content_type))
        contents = self.channels if kind is ContentType.LIVE else self.videos
        return {c.content_id: c.title for c in contents if c.title}

    def videos_of(self, channel_id: int | str) -> tuple[Content, ...]:
        """The videos of one channel (as the Channel API links them)."""
        try:
            wanted = int(channel_id)
        except (TypeError, ValueError):
            return ()
        return tuple(v for v in self.videos if v.channel_id == wanted)

    def frame(self) -> pd.DataFrame:
        """One row per content: CATALOGUE_COLUMNS (channels first, then videos)."""
        rows = [
            (
                c.content_type.value,
                c.content_id,
                c.title,
                c.channel_id,
                c.length_seconds,
                c.created_at,
            )
            for c in (*self.channels, *self.videos)
        ]
        frame = pd.DataFrame(rows, columns=CATALOGUE_COLUMNS)
        return frame.astype(
            {
                "content_type": "string",
                "content_id": "Int64",
                "title": "string",
                "channel_id": "Int64",
                "length_seconds": "Float64",
                "created_at": "datetime64[us, UTC]",
            }
        )

    def with_titles(
        self,
        frame: pd.DataFrame,
        *,
        content_type: ContentType | str | None = None,
        id_column: str = "content_id",
        type_column: str = "content_type",
        title_column: str = "title",
    ) -> pd.DataFrame:
        """`frame` with a `title` column right after `id_column` (empty where unknown).

        The type comes from `type_column`, or `content_type` for frames without one.
        """
        titles = pd.Series(pd.NA, index=frame.index, dtype="string")
        if len(frame):
            types = (
                frame[type_column].astype("string")
                if content_type is None
                else pd.Series(str(content_type), index=frame.index, dtype="string")
            )
            ids = pd.to_numeric(frame[id_column], errors="coerce")
            for kind in ContentType:
                known = self.titles(kind)
                rows = (types == kind.value).fillna(False).to_numpy(dtype=bool)
                if known and rows.any():
                    titles[rows] = ids[rows].map(known).astype("string")
        result = frame.drop(columns=[title_column], errors="ignore").copy()
        at = list(result.columns).index(id_column) + 1 if id_column in result.columns else 0
        result.insert(at, title_column, titles)
        return result


def _key(content_type: ContentType | str, content_id: int | str) -> tuple[str, int] | None:
    try:
        return str(ContentType(str(content_type))), int(content_id)
    except (TypeError, ValueError):
        return None


# --- fetching ---------------------------------------------------------------------------------


def fetch_catalogue(
    get: ChannelApiGet,
    *,
    concurrency: int = 4,
    max_pages: int = MAX_PAGES,
    secrets: Callable[[], Iterable[str]] = tuple,
) -> Catalogue:
    """The account's channels and videos; on any failure an unavailable Catalogue (never raises
    for what the API does). The two lists are read side by side. `secrets()` names what the
    reason must not show (asked at the end: tokens fetched meanwhile included)."""
    answers: list[FetchedJson] = []

    def fetch(path: str, params: dict[str, str]) -> FetchedJson:
        fetched = get(path, params)
        answers.append(fetched)
        return fetched

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalogue") as pool:
            channels_job = pool.submit(
                read_list,
                fetch,
                USER_CHANNELS_PATH,
                CHANNELS_PAGE_PARAM,
                CHANNELS_PAGE_SIZE_MAX,
                parse_channels_page,
                concurrency=concurrency,
                max_pages=max_pages,
            )
            videos: list[Content] | None = None
            try:
                videos = read_list(
                    fetch,
                    USER_VIDEOS_PATH,
                    VIDEOS_PAGE_PARAM,
                    VIDEOS_PAGE_SIZE_MAX,
                    parse_videos_page,
                    concurrency=concurrency,
                    max_pages=max_pages,
                )
            except ApiError as exc:
                if exc.status not in (403, 404):
                    raise
                logger.info("The user's video list was refused (%s); reading each channel's", exc)
            channels = channels_job.result()
        if videos is None or any(video.channel_id is None for video in videos):
            videos = videos_by_channel(
                fetch, channels, videos or [], concurrency=concurrency, max_pages=max_pages
            )
    except Exception as exc:  # the promise: ids and a reason, never a failed page
        reason = unavailable_reason(exc, tuple(secrets()))
        logger.info("%s", reason)  # callers show it (a warning would repeat it)
        return Catalogue.unavailable(reason)
    return Catalogue(
        channels=tuple(channels),
        videos=tuple(videos),
        fetched_at=min((a.created_at for a in answers), default=datetime.now(UTC)),
        from_cache=bool(answers) and all(a.from_cache for a in answers),
        stale=any(a.stale for a in answers),
    )


def fetch_content(
    get: ChannelApiGet, content_type: ContentType | str, content_id: int | str
) -> Content | None:
    """One channel or video from its details endpoint; None when the API does not know it
    (404). Other failures raise ApiError."""
    kind = ContentType(str(content_type))
    ident = int(content_id)
    path = channel_details_path(ident) if kind is ContentType.LIVE else video_details_path(ident)
    try:
        fetched = get(path, {})
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
    payload = _json_object(fetched.body)
    keys = ("channel", "channels") if kind is ContentType.LIVE else ("video", "videos")
    parse = _channel if kind is ContentType.LIVE else _video
    items = [c for c in (parse(item) for item in _items(payload, keys)) if c is not None]
    return next((c for c in items if c.content_id == ident), items[0] if items else None)


def videos_by_channel(
    get: ChannelApiGet,
    channels: Sequence[Content],
    known: Sequence[Content],
    *,
    concurrency: int = 4,
    max_pages: int = MAX_PAGES,
) -> list[Content]:
    """`known` videos with their channels filled in, plus any video only a channel lists, from
    each channel's `channels/{id}/videos.json` (public and private ones): for a user-level list
    without channel links, or an account whose user-level list is refused. A channel that is
    gone (404) is skipped."""

    def of_channel(channel: Content) -> list[Content]:
        try:
            return read_list(
                get,
                channel_videos_path(channel.content_id),
                VIDEOS_PAGE_PARAM,
                VIDEOS_PAGE_SIZE_MAX,
                parse_videos_page,
                concurrency=1,
                max_pages=max_pages,
                params={"filter[protect]": "public,private"},
            )
        except ApiError as exc:
            if exc.status == 404:
                return []
            raise

    found = {video.content_id: video for video in known}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for channel, videos in zip(channels, pool.map(of_channel, channels), strict=True):
            for video in videos:
                seen = found.get(video.content_id, video)
                found[video.content_id] = replace(
                    seen, channel_id=seen.channel_id or video.channel_id or channel.content_id
                )
    return list(found.values())


def read_list(
    get: ChannelApiGet,
    path: str,
    page_param: str,
    page_size: int,
    parse: Callable[[bytes], tuple[list[Content], bool]],
    *,
    concurrency: int = 4,
    max_pages: int = MAX_PAGES,
    params: dict[str, str] | None = None,
) -> list[Content]:
    """Every item of a paged list. Page 1 first; while the last page read says there is a next
    one, the following pages `concurrency` at a time (the lists have no count, so a few pages
    past the end may be asked for). A page without items or without any new id ends the list
    (an API ignoring the page parameter would otherwise repeat page 1 for ever); more than
    `max_pages` pages raise CatalogueError."""
    found: dict[int, Content] = {}
    number, width = 1, 1
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        while True:
            if number > max_pages:
                raise CatalogueError(
                    f"{path} kept announcing more pages after {max_pages} pages of "
                    f"{page_size}; stopped there"
                )
            numbers = range(number, min(number + width, max_pages + 1))
            pages = pool.map(
                lambda n: get(
                    path, {**(params or {}), page_param: str(n), PAGE_SIZE_PARAM: str(page_size)}
                ),
                numbers,
            )
            for fetched in pages:
                items, has_next = parse(fetched.body)
                new = [item for item in items if item.content_id not in found]
                found.update((item.content_id, item) for item in new)
                if not has_next or not new:
                    return list(found.values())
            number += len(numbers)
            width = max(1, concurrency)


# --- reading answers --------------------------------------------------------------------------


def parse_channels_page(body: bytes) -> tuple[list[Content], bool]:
    """The channels of one `users/self/channels.json` page, and whether a next page exists.

    The channels may come as an array or as an object keyed by id, under `channels` (or
    `channel`, as one sentence of the docs says)."""
    payload = _json_object(body)
    items = _items(payload, ("channels", "channel"))
    channels = [c for c in (_channel(item) for item in items) if c is not None]
    return channels, _has_next(payload)


def parse_videos_page(body: bytes) -> tuple[list[Content], bool]:
    """The videos of one `users/self/videos.json` (or `channels/{id}/videos.json`) page, and
    whether a next page exists."""
    payload = _json_object(body)
    items = _items(payload, ("videos", "video"))
    videos = [v for v in (_video(item) for item in items) if v is not None]
    return videos, _has_next(payload)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CatalogueError("the Channel API answered something that is not JSON") from None
    if not isinstance(payload, dict):
        raise CatalogueError("the Channel API answered JSON that is not an object")
    return payload


def _items(payload: dict[str, Any], keys: Sequence[str]) -> list[dict[str, Any]]:
    """The item objects under the first of `keys` present: an array, an object keyed by id, or
    one item."""
    value = next((payload[k] for k in keys if payload.get(k) is not None), None)
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    if isinstance(value, dict):
        if "id" in value and not isinstance(value.get("id"), dict):
            return [value]
        return [item for item in value.values() if isinstance(item, dict)]
    return []


def _has_next(payload: dict[str, Any]) -> bool:
    """Whether `paging.next` names a page: `{"href": URL}` (channels) or a URL (videos)."""
    paging = payload.get("paging")
    following = paging.get("next") if isinstance(paging, dict) else None
    if isinstance(following, dict):
        following = following.get("href")
    return isinstance(following, str) and bool(following.strip())


def _channel(item: dict[str, Any]) -> Content | None:
    ident = _int(item.get("id"))
    if ident is None:
        return None
    return Content(
        ContentType.LIVE,
        ident,
        title=_text(item.get("title")),
        created_at=_time(item.get("created_at")),
    )


def _video(item: dict[str, Any]) -> Content | None:
    ident = _int(item.get("id"))
    if ident is None:
        return None
    return Content(
        ContentType.RECORDED,
        ident,
        title=_text(item.get("title")),
        channel_id=_video_channel(item),
        length_seconds=_seconds(item.get("length")),
        created_at=_time(item.get("created_at")),
    )


def _video_channel(item: dict[str, Any]) -> int | None:
    """`links.channel.id`, else the id in `links.channel.href` (…/channels/1.json), else a
    `channel_id` or `channel.id` some answers carry."""
    links = item.get("links") if isinstance(item.get("links"), dict) else {}
    channel = links.get("channel") if isinstance(links.get("channel"), dict) else {}
    ident = _int(channel.get("id"))
    href = channel.get("href")
    if ident is None and isinstance(href, str):
        match = _CHANNEL_HREF.search(urlsplit(href.strip()).path)
        ident = int(match.group(1)) if match else None
    if ident is None:
        ident = _int(item.get("channel_id"))
    if ident is None and isinstance(item.get("channel"), dict):
        ident = _int(item["channel"].get("id"))
    return ident


def _int(value: Any) -> int | None:
    """A positive integer id from a number or a string of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        number = int(value.strip())
        return number if number > 0 else None
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())  # one line, whatever the API sent
    return None


def _seconds(value: Any) -> float | None:
    """`length`: seconds as a string ("12345.123456"), or a number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None


def _time(value: Any) -> datetime | None:
    """A Unix timestamp (number or digits), or an ISO 8601 text, as UTC."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str):
            moment = datetime.fromisoformat(value.strip())
            return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


# --- why titles are missing -------------------------------------------------------------------


def unavailable_reason(exc: Exception, secrets: Iterable[str] = ()) -> str:
    """One calm line saying why the catalogue could not be read (nothing secret in it)."""
    if isinstance(exc, CatalogueError):
        text = f"the Channel API's answers could not be read ({exc})"
    elif isinstance(exc, ApiError) and exc.status in (401, 403):
        said = exc.title if exc.title not in ("Unauthorized", "Forbidden") else ""
        text = (
            f"the Channel API refused these credentials (HTTP {exc.status}"
            + (f": {said}" if said else "")
            + "); they may lack the scope to read channels and videos"
        )
    elif isinstance(exc, ApiUnavailableError):  # its title names the Analytics API: not said
        status = f", HTTP {exc.status}" if exc.status else ""
        text = f"the Channel API is unavailable ({exc.detail or exc.title}{status})"
    elif isinstance(exc, AuthError):
        text = f"no access token for the Channel API ({exc})"
    elif isinstance(exc, ApiError):
        text = f"the Channel API failed ({exc})"
    else:
        text = f"reading the Channel API failed ({type(exc).__name__}: {exc})"
    return "Titles are missing: " + " ".join(redact(text, secrets).split())[:300]
