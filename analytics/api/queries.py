"""Typed queries for the Analytics API v1 and their validation.

The API's vocabulary (enums, paths, limits) lives in `analytics.contract`; a query object is a
question in that vocabulary that the API accepts, normalised so equal questions compare equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.contract import (
    PAGE_LIMIT_DEFAULT,
    PAGE_LIMIT_MAX,
    PEAK_VIEWER_NUMBERS_PATH,
    SUMMARY_PATH,
    VIEWER_SECONDS_PATH,
    VIEWERS_PATH,
    VIEWS_PATH,
    ContentType,
    DeviceClass,
    Dimension,
    Metric,
    PeakGranularity,
    ViewType,
    channel_path,
    list_path,
    metric_path,
)

__all__ = [
    "PAGE_LIMIT_DEFAULT",
    "PAGE_LIMIT_MAX",
    "ContentType",
    "DeviceClass",
    "Dimension",
    "Metric",
    "MetricQuery",
    "PeakGranularity",
    "PeakQuery",
    "PeakSummaryQuery",
    "Query",
    "TimeRange",
    "ViewType",
    "ViewerSecondsQuery",
    "ViewerSecondsSummaryQuery",
    "ViewersQuery",
    "ViewsQuery",
]


MAX_CONTENT_ID_DIGITS = 18  # every id below 10**18 fits the API's 64-bit ids
MAX_CONTENT_IDS = 200  # ids of one query: ~4 KB of URL, under common request-line limits

# --- Query objects --------------------------------------------------------------------------
# Frozen (hashable) dataclasses, validated and normalised in __post_init__ so that a query that
# exists is a query the API accepts, and equal questions compare (and cache) equal.


def _enum_value(enum_class: type[StrEnum], value: object, parameter: str) -> StrEnum:
    if isinstance(value, enum_class):
        return value
    if isinstance(value, str):
        try:
            return enum_class(value.strip().lower())
        except ValueError:
            pass
    allowed = ", ".join(member.value for member in enum_class)
    raise ValueError(f"{parameter}: unknown value {value!r}; expected one of: {allowed}")


def _optional_content_type(value: object) -> ContentType | None:
    if value is None:
        return None
    return _enum_value(ContentType, value, "content_type")  # type: ignore[return-value]


def _content_ids(
    value: object, content_type: ContentType | None, parameter: str = "content_ids"
) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, int, Mapping)) or not isinstance(value, Iterable):
        raise ValueError(f"{parameter}: expected a sequence of integer ids, got {value!r}")
    items = list(value)
    if len(items) > MAX_CONTENT_IDS:
        raise ValueError(f"{parameter}: at most {MAX_CONTENT_IDS} ids, got {len(items)}")
    ids = {_content_id(item, parameter) for item in items}
    if ids and content_type is None:
        raise ValueError(f"{parameter}: content ids need a content_type (live or recorded)")
    return tuple(sorted(ids))


def _content_id(item: object, parameter: str = "content_ids") -> int:
    if isinstance(item, bool):
        raise ValueError(f"{parameter}: {item!r} is not an integer id")
    if isinstance(item, int):
        number = item
    elif isinstance(item, str) and item.strip().isdigit() and item.strip().isascii():
        if len(item.strip().lstrip("0")) > MAX_CONTENT_ID_DIGITS:  # before int(): it is slow
            raise ValueError(
                f"{parameter}: {item.strip()[:24]}... has more than {MAX_CONTENT_ID_DIGITS} digits"
            )
        number = int(item.strip())
    else:
        raise ValueError(f"{parameter}: {item!r} is not an integer id")
    if number <= 0:
        raise ValueError(f"{parameter}: {item!r} is not a positive integer id")
    if number >= 10**MAX_CONTENT_ID_DIGITS:
        raise ValueError(f"{parameter}: {number} has more than {MAX_CONTENT_ID_DIGITS} digits")
    return number


def _scope(query: object) -> None:
    """Validate content_type, content_ids and channel_ids of `query` (channels imply recorded)."""
    _set = object.__setattr__
    content_type = _optional_content_type(query.content_type)  # type: ignore[attr-defined]
    channels = query.channel_ids  # type: ignore[attr-defined]
    if channels is not None and not isinstance(channels, (str, bytes, int, Mapping)):
        channels = list(channels) if isinstance(channels, Iterable) else channels
    if channels:  # a channel's recorded videos: the channel endpoints know no other type
        if content_type is ContentType.LIVE:
            raise ValueError("channel_ids: channels scope recorded videos, not content_type live")
        content_type = ContentType.RECORDED
    channel_ids = _content_ids(channels, content_type, "channel_ids")
    content_ids = _content_ids(query.content_ids, content_type)  # type: ignore[attr-defined]
    if channel_ids and content_ids:
        raise ValueError("content_ids and channel_ids: give one or the other, not both")
    _set(query, "content_type", content_type)
    _set(query, "content_ids", content_ids)
    _set(query, "channel_ids", channel_ids)


def _single_content(query: object) -> None:
    """content_type (required) and one content_id, for the summary endpoints."""
    _set = object.__setattr__
    if query.content_type is None:  # type: ignore[attr-defined]
        raise ValueError("content_type: a summary needs a content_type (live or recorded)")
    _set(query, "content_type", _optional_content_type(query.content_type))  # type: ignore[attr-defined]
    _set(query, "content_id", _content_id(query.content_id, "content_id"))  # type: ignore[attr-defined]


def _time_zone(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"tz: expected an IANA time zone name such as 'Europe/Budapest', got {value!r}"
        )
    try:
        return ZoneInfo(value.strip()).key
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"tz: unknown time zone {value!r}") from exc


def _flag(value: object, parameter: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"{parameter}: expected true or false, got {value!r}")


def format_api_time(moment: datetime, tz: str) -> str:
    """ISO 8601 with an explicit offset: `tz`'s offset at that instant (the API buckets in it).

    The API takes whole-minute offsets only; local mean time (most zones before ~1883, e.g.
    New York's -04:56:02) is sent at its offset rounded to the minute - the same instant.
    ValueError when the instant cannot be written in `tz` (beyond year 1 or 9999).
    """
    try:
        local = moment.astimezone(ZoneInfo(tz))
        offset = local.utcoffset()
        if offset is not None and offset.seconds % 60:
            minutes = round(offset.total_seconds() / 60)
            local = moment.astimezone(timezone(timedelta(minutes=minutes)))
    except OverflowError:
        raise ValueError(
            f"time_range: {moment.isoformat()} is out of the supported range in {tz}"
        ) from None
    return local.isoformat(timespec="seconds" if local.microsecond == 0 else "microseconds")


@dataclass(frozen=True)
class TimeRange:
    """A half-open period [start, end) between two timezone-aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime):
                raise ValueError(f"time_range.{name}: expected a datetime, got {value!r}")
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(
                    f"time_range.{name}: {value.isoformat()} has no time zone; "
                    "give an offset or a tzinfo (the API would read it as Los Angeles time)"
                )
        if self.end == self.start:
            raise ValueError(
                f"time_range: the range is empty (start = end = {self.start.isoformat()})"
            )
        if self.end < self.start:
            raise ValueError(
                f"time_range: the range is inverted (start {self.start.isoformat()} "
                f"is after end {self.end.isoformat()})"
            )

    @classmethod
    def last(cls, duration: timedelta, *, now: datetime | None = None) -> TimeRange:
        """The `duration` ending now, to the minute (so repeated calls share cache entries)."""
        end = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        return cls(end - duration, end)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def touches_last(self, window: timedelta, *, now: datetime | None = None) -> bool:
        """Whether the range reaches into the `window` before now (its data may still change)."""
        return self.end > (now or datetime.now(UTC)) - window

    def api_params(self, tz: str) -> dict[str, str]:
        return {
            "date_time_from": format_api_time(self.start, tz),
            "date_time_to": format_api_time(self.end, tz),
        }


def _time_range(value: object) -> TimeRange:
    if not isinstance(value, TimeRange):
        raise ValueError(f"time_range: expected a TimeRange, got {value!r}")
    return value


def _content_params(
    content_ids: tuple[int, ...], channel_ids: tuple[int, ...] = ()
) -> dict[str, str]:
    params = {"content_id": ",".join(map(str, content_ids))} if content_ids else {}
    if channel_ids:
        params["channel_id"] = ",".join(map(str, channel_ids))
    return params


@dataclass(frozen=True)
class MetricQuery:
    """An aggregate metric, as one total (SUMMARY) or bucketed by a dimension."""

    metric: Metric
    time_range: TimeRange
    dimension: Dimension = Dimension.SUMMARY
    content_type: ContentType | None = None
    content_ids: tuple[int, ...] = ()
    tz: str = "UTC"

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "metric", _enum_value(Metric, self.metric, "metric"))
        _set(self, "time_range", _time_range(self.time_range))
        _set(self, "dimension", _enum_value(Dimension, self.dimension, "dimension"))
        _set(self, "content_type", _optional_content_type(self.content_type))
        _set(self, "content_ids", _content_ids(self.content_ids, self.content_type))
        _set(self, "tz", _time_zone(self.tz))
        self.time_range.api_params(self.tz)  # ValueError if an end cannot be written in tz

    @property
    def path(self) -> str:
        return metric_path(self.metric, self.content_type, self.dimension)

    def params(self) -> dict[str, str]:
        return {**self.time_range.api_params(self.tz), **_content_params(self.content_ids)}


@dataclass(frozen=True)
class _SeriesQuery:
    """A per-content series in minute, hour, day or month buckets (peaks, viewer-seconds).

    `channel_ids` (current API): the recorded videos of those channels (content_type recorded).
    """

    time_range: TimeRange
    granularity: PeakGranularity = PeakGranularity.MINUTE
    content_type: ContentType | None = None
    content_ids: tuple[int, ...] = ()
    tz: str = "UTC"
    channel_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "time_range", _time_range(self.time_range))
        _set(self, "granularity", _enum_value(PeakGranularity, self.granularity, "granularity"))
        _scope(self)
        _set(self, "tz", _time_zone(self.tz))
        self.time_range.api_params(self.tz)  # ValueError if an end cannot be written in tz

    def params(self) -> dict[str, str]:
        return {
            "granularity": self.granularity.value,
            **self.time_range.api_params(self.tz),
            **_content_params(self.content_ids, self.channel_ids),
        }


@dataclass(frozen=True)
class PeakQuery(_SeriesQuery):
    """Peak concurrent viewers per content and bucket (`channel_id` on the recorded path)."""

    @property
    def path(self) -> str:
        return list_path(PEAK_VIEWER_NUMBERS_PATH, self.content_type)


@dataclass(frozen=True)
class ViewerSecondsQuery(_SeriesQuery):
    """Seconds watched per content and bucket (current API only); channel scope has its own
    path, `viewer-seconds/recorded/channel`."""

    @property
    def path(self) -> str:
        if self.channel_ids:
            return channel_path(VIEWER_SECONDS_PATH)
        return list_path(VIEWER_SECONDS_PATH, self.content_type)


@dataclass(frozen=True)
class PeakSummaryQuery:
    """One content's highest minute peak in the period and when (current API only)."""

    time_range: TimeRange
    content_type: ContentType
    content_id: int
    tz: str = "UTC"

    base_path = PEAK_VIEWER_NUMBERS_PATH

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "time_range", _time_range(self.time_range))
        _single_content(self)
        _set(self, "tz", _time_zone(self.tz))
        self.time_range.api_params(self.tz)  # ValueError if an end cannot be written in tz

    @property
    def path(self) -> str:
        return f"{list_path(self.base_path, self.content_type)}/{SUMMARY_PATH}"

    def params(self) -> dict[str, str]:
        return {**self.time_range.api_params(self.tz), "content_id": str(self.content_id)}


@dataclass(frozen=True)
class ViewerSecondsSummaryQuery(PeakSummaryQuery):
    """One content's seconds watched in the period (current API only)."""

    base_path = VIEWER_SECONDS_PATH


@dataclass(frozen=True)
class ViewersQuery:
    """The unique viewers of a period, optionally those whose identifier contains a string."""

    time_range: TimeRange
    content_type: ContentType | None = None
    content_ids: tuple[int, ...] = ()
    viewer_identifier: str | None = None
    list_unfinished_segments: bool = True
    tz: str = "UTC"

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "time_range", _time_range(self.time_range))
        _set(self, "content_type", _optional_content_type(self.content_type))
        _set(self, "content_ids", _content_ids(self.content_ids, self.content_type))
        identifier = self.viewer_identifier
        if identifier is not None:
            if not isinstance(identifier, str):
                raise ValueError(f"viewer_identifier: expected text, got {identifier!r}")
            identifier = identifier.strip() or None
        _set(self, "viewer_identifier", identifier)
        _set(
            self,
            "list_unfinished_segments",
            _flag(self.list_unfinished_segments, "list_unfinished_segments"),
        )
        _set(self, "tz", _time_zone(self.tz))
        self.time_range.api_params(self.tz)  # ValueError if an end cannot be written in tz

    @property
    def path(self) -> str:
        return list_path(VIEWERS_PATH, self.content_type)

    def params(self) -> dict[str, str]:
        params = {
            **self.time_range.api_params(self.tz),
            **_content_params(self.content_ids),
            "list_unfinished_segments": _bool_param(self.list_unfinished_segments),
        }
        if self.viewer_identifier:
            params["viewer_identifier"] = self.viewer_identifier
        return params


@dataclass(frozen=True)
class ViewsQuery:
    """The raw view segments of a period (the export endpoint)."""

    time_range: TimeRange
    content_type: ContentType | None = None
    content_ids: tuple[int, ...] = ()
    list_unfinished_segments: bool = True
    inclusive_range: bool = True
    tz: str = "UTC"
    channel_ids: tuple[int, ...] = ()  # current API: the recorded videos of these channels

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "time_range", _time_range(self.time_range))
        _scope(self)
        _set(
            self,
            "list_unfinished_segments",
            _flag(self.list_unfinished_segments, "list_unfinished_segments"),
        )
        _set(self, "inclusive_range", _flag(self.inclusive_range, "inclusive_range"))
        _set(self, "tz", _time_zone(self.tz))
        self.time_range.api_params(self.tz)  # ValueError if an end cannot be written in tz

    @property
    def path(self) -> str:
        if self.channel_ids:
            return channel_path(VIEWS_PATH)
        return list_path(VIEWS_PATH, self.content_type)

    def params(self) -> dict[str, str]:
        return {
            **self.time_range.api_params(self.tz),
            **_content_params(self.content_ids, self.channel_ids),
            "list_unfinished_segments": _bool_param(self.list_unfinished_segments),
            "inclusive_range": _bool_param(self.inclusive_range),
        }


def _bool_param(value: bool) -> str:
    return "true" if value else "false"


Query = (
    MetricQuery
    | PeakQuery
    | ViewerSecondsQuery
    | PeakSummaryQuery
    | ViewerSecondsSummaryQuery
    | ViewersQuery
    | ViewsQuery
)
