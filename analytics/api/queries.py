"""Typed queries for the Analytics API v1 and their validation.

The API's vocabulary (enums, paths, limits) lives in `analytics.contract`; a query object is a
question in that vocabulary that the API accepts, normalised so equal questions compare equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.contract import (
    PAGE_LIMIT_DEFAULT,
    PAGE_LIMIT_MAX,
    PEAK_VIEWER_NUMBERS_PATH,
    VIEWERS_PATH,
    VIEWS_PATH,
    ContentType,
    DeviceClass,
    Dimension,
    Metric,
    PeakGranularity,
    ViewType,
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
    "Query",
    "TimeRange",
    "ViewType",
    "ViewersQuery",
    "ViewsQuery",
]


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


def _content_ids(value: object, content_type: ContentType | None) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, int, Mapping)) or not isinstance(value, Iterable):
        raise ValueError(f"content_ids: expected a sequence of integer ids, got {value!r}")
    ids = {_content_id(item) for item in value}
    if ids and content_type is None:
        raise ValueError("content_ids: content ids need a content_type (live or recorded)")
    return tuple(sorted(ids))


def _content_id(item: object) -> int:
    if isinstance(item, bool):
        raise ValueError(f"content_ids: {item!r} is not an integer id")
    if isinstance(item, int):
        number = item
    elif isinstance(item, str) and item.strip().isdigit() and item.strip().isascii():
        number = int(item.strip())
    else:
        raise ValueError(f"content_ids: {item!r} is not an integer id")
    if number <= 0:
        raise ValueError(f"content_ids: {item!r} is not a positive integer id")
    return number


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
    """ISO 8601 with an explicit offset: `tz`'s offset at that instant (the API buckets in it)."""
    local = moment.astimezone(ZoneInfo(tz))
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


def _content_params(content_ids: tuple[int, ...]) -> dict[str, str]:
    return {"content_id": ",".join(map(str, content_ids))} if content_ids else {}


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

    @property
    def path(self) -> str:
        return metric_path(self.metric, self.content_type, self.dimension)

    def params(self) -> dict[str, str]:
        return {**self.time_range.api_params(self.tz), **_content_params(self.content_ids)}


@dataclass(frozen=True)
class PeakQuery:
    """Peak concurrent viewers per minute or hour, per content."""

    time_range: TimeRange
    granularity: PeakGranularity = PeakGranularity.MINUTE
    content_type: ContentType | None = None
    content_ids: tuple[int, ...] = ()
    tz: str = "UTC"

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "time_range", _time_range(self.time_range))
        _set(self, "granularity", _enum_value(PeakGranularity, self.granularity, "granularity"))
        _set(self, "content_type", _optional_content_type(self.content_type))
        _set(self, "content_ids", _content_ids(self.content_ids, self.content_type))
        _set(self, "tz", _time_zone(self.tz))

    @property
    def path(self) -> str:
        return list_path(PEAK_VIEWER_NUMBERS_PATH, self.content_type)

    def params(self) -> dict[str, str]:
        return {
            "granularity": self.granularity.value,
            **self.time_range.api_params(self.tz),
            **_content_params(self.content_ids),
        }


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

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "time_range", _time_range(self.time_range))
        _set(self, "content_type", _optional_content_type(self.content_type))
        _set(self, "content_ids", _content_ids(self.content_ids, self.content_type))
        _set(
            self,
            "list_unfinished_segments",
            _flag(self.list_unfinished_segments, "list_unfinished_segments"),
        )
        _set(self, "inclusive_range", _flag(self.inclusive_range, "inclusive_range"))
        _set(self, "tz", _time_zone(self.tz))

    @property
    def path(self) -> str:
        return list_path(VIEWS_PATH, self.content_type)

    def params(self) -> dict[str, str]:
        return {
            **self.time_range.api_params(self.tz),
            **_content_params(self.content_ids),
            "list_unfinished_segments": _bool_param(self.list_unfinished_segments),
            "inclusive_range": _bool_param(self.inclusive_range),
        }


def _bool_param(value: bool) -> str:
    return "true" if value else "false"


Query = MetricQuery | PeakQuery | ViewersQuery | ViewsQuery
