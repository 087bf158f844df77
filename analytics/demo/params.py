"""Parsing and validation of the demo API's request parameters.

Every problem becomes a `BadRequest` listing one error per bad parameter, each naming the
parameter in `source.pointer`, so a client can show exactly what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from analytics.contract import (
    API_DEFAULT_TIME_ZONE,
    PAGE_LIMIT_DEFAULT,
    PAGE_LIMIT_MAX,
    ApiVersion,
    ContentType,
    Dimension,
    PeakGranularity,
    dimensions_of,
    granularities_of,
)

DEFAULT_ZONE = ZoneInfo(API_DEFAULT_TIME_ZONE)  # the API reads times without an offset here
_DIGITS = re.compile(r"[0-9]+")
_MAX_CONTENT_ID = 2**63 - 1


@dataclass(frozen=True)
class ParamError:
    pointer: str
    detail: str
    title: str = "Invalid parameter"


class BadRequest(Exception):
    """One or more invalid parameters (answered as a documented 400 BadRequest body)."""

    def __init__(self, errors: list[ParamError]) -> None:
        super().__init__("; ".join(f"{e.pointer}: {e.detail}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Window:
    """The requested [start, end) in UTC, and the UTC offset of date_time_from for buckets."""

    start: datetime
    end: datetime
    offset: timedelta

    @property
    def offset_seconds(self) -> int:
        return int(self.offset.total_seconds())

    @property
    def offset_text(self) -> str:
        """ "+01:00" style (never "Z"), like the documentation's examples."""
        minutes = self.offset_seconds // 60
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    def format(self, utc_naive: datetime) -> str:
        """An ISO 8601 timestamp in the window's offset."""
        return self.format_local(utc_naive + self.offset)

    def format_local(self, local_naive: datetime) -> str:
        """An ISO 8601 timestamp for a wall-clock time already in the window's offset."""
        return local_naive.isoformat(timespec="seconds") + self.offset_text


@dataclass(frozen=True)
class PageRequest:
    """The page a list asked for (`_page`, `_limit`)."""

    number: int = 1
    limit: int = PAGE_LIMIT_DEFAULT

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.limit


@dataclass(frozen=True)
class ContentFilter:
    """Which contents an answer counts: a content type from the path, content ids from
    `content_id` (empty: all), and the channels whose recorded videos count (`channel_id`)."""

    content_type: ContentType | None = None
    content_ids: tuple[int, ...] = ()
    channel_ids: tuple[int, ...] = ()


def query_dict(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Last value wins, except the id lists (content_id, channel_id): repeated ones join into
    one comma-separated list."""
    query: dict[str, str] = {}
    for key, value in items:
        if key in ("content_id", "channel_id") and key in query:
            query[key] = f"{query[key]},{value}"
        else:
            query[key] = value
    return query


@dataclass
class Collector:
    """Gathers errors while parsing, so one answer reports every bad parameter."""

    query: Mapping[str, str]
    errors: list[ParamError] = field(default_factory=list)

    def fail(self, pointer: str, detail: str) -> None:
        self.errors.append(ParamError(pointer, detail))

    def raise_if_any(self) -> None:
        if self.errors:
            raise BadRequest(self.errors)

    # --- individual parameters -------------------------------------------------------------

    def datetime(self, name: str) -> datetime | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            self.fail(name, f"{name} is required (an ISO 8601 date and time, e.g. "
                      "2024-07-16T19:20:30+01:00)")  # fmt: skip
            return None
        return self._parse_datetime(name, raw)

    def _parse_datetime(self, name: str, raw: str) -> datetime | None:
        hint = ""
        if " " in raw.strip():
            hint = " (a '+' in a query string must be percent-encoded as %2B)"
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError:
            self.fail(name, f"{name}={raw!r} is not an ISO 8601 date and time{hint}")
            return None
        try:
            if value.tzinfo is None:
                value = value.replace(tzinfo=DEFAULT_ZONE)
            offset = value.utcoffset()
            assert offset is not None
            if offset.total_seconds() % 60:
                self.fail(name, f"{name}={raw!r}: the UTC offset must be whole minutes")
                return None
            # Normalise to a fixed offset, so later arithmetic never meets DST rules.
            return value.astimezone(UTC).astimezone(timezone(offset))
        except (OverflowError, ValueError):
            self.fail(name, f"{name}={raw!r} is out of the supported range")
            return None

    def window(self) -> Window | None:
        start = self.datetime("date_time_from")
        end = self.datetime("date_time_to")
        if start is None or end is None:
            return None
        if start >= end:
            self.fail("date_time_to", "date_time_to must be later than date_time_from")
            return None
        offset = start.utcoffset()
        assert offset is not None
        return Window(start.astimezone(UTC), end.astimezone(UTC), offset)

    def page(self) -> PageRequest:
        number = self._positive_int("_page", 1, None)
        limit = self._positive_int("_limit", PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX)
        return PageRequest(number or 1, limit or PAGE_LIMIT_DEFAULT)

    def _positive_int(self, name: str, default: int, maximum: int | None) -> int | None:
        raw = self.query.get(name)
        if raw is None:
            return default
        rule = "an integer >= 1" if maximum is None else f"an integer from 1 to {maximum}"
        text = raw.strip()
        if not _DIGITS.fullmatch(text) or int(text) < 1 or (maximum and int(text) > maximum):
            self.fail(name, f"{name}={raw!r} must be {rule}")
            return None
        return int(text)

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.query.get(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        self.fail(name, f"{name}={raw!r} must be true or false")
        return default

    def content_ids(self, allowed: bool) -> tuple[int, ...]:
        raws = self.query.get("content_id")
        if raws is None:
            return ()
        if not allowed:
            self.fail(
                "content_id",
                "content_id filters only the paths with a content type, "
                "e.g. /v1/total-views/live/summary?content_id=...",
            )
            return ()
        return self._id_list("content_id", raws)

    def channel_ids(self) -> tuple[int, ...]:
        """`channel_id`, required: the channels whose recorded videos an answer counts."""
        raws = self.query.get("channel_id")
        if raws is None or not raws.strip():
            self.fail("channel_id", "channel_id is required (a comma-separated list of ids)")
            return ()
        return self._id_list("channel_id", raws)

    def _id_list(self, name: str, raws: str) -> tuple[int, ...]:
        ids: list[int] = []
        for item in raws.split(","):
            text = item.strip()
            if not _DIGITS.fullmatch(text) or not 0 < int(text) <= _MAX_CONTENT_ID:
                self.fail(
                    name, f"{name}={raws!r} must be a comma-separated list of positive integers"
                )
                return ()
            ids.append(int(text))
        return tuple(dict.fromkeys(ids))

    def single_id(self, name: str) -> int | None:
        """A required single positive id (`content_id` of the summary endpoints)."""
        raw = (self.query.get(name) or "").strip()
        if not raw:
            self.fail(name, f"{name} is required (a single content id)")
            return None
        if not _DIGITS.fullmatch(raw) or not 0 < int(raw) <= _MAX_CONTENT_ID:
            self.fail(name, f"{name}={raw!r} must be a single positive integer id")
            return None
        return int(raw)

    def text(self, name: str) -> str:
        return self.query.get(name, "") or ""

    # --- path parameters ---------------------------------------------------------------------

    def content_type(self, raw: str | None) -> ContentType | None:
        if raw is None:
            return None
        try:
            return ContentType(raw)
        except ValueError:
            allowed = ", ".join(c.value for c in ContentType)
            self.fail("content_type", f"content_type {raw!r} is not one of: {allowed}")
            return None

    def dimension(self, raw: str, version: ApiVersion = ApiVersion.CURRENT) -> Dimension | None:
        """A breakdown dimension the API `version` knows (an unknown one is a 400)."""
        known = dimensions_of(version)
        dimension = next((d for d in known if d.value == raw), None)
        if dimension is None:
            allowed = ", ".join(d.value for d in known)
            self.fail("dimension", f"dimension {raw!r} is not one of: {allowed} (or summary)")
        return dimension

    def granularity(self, version: ApiVersion = ApiVersion.CURRENT) -> PeakGranularity:
        raw = self.query.get("granularity")
        if raw is None or raw == "":
            return PeakGranularity.MINUTE
        known = granularities_of(version)
        granularity = next((g for g in known if g.value == raw), None)
        if granularity is None:
            allowed = ", ".join(g.value for g in known)
            self.fail("granularity", f"granularity {raw!r} is not one of: {allowed}")
            return PeakGranularity.MINUTE
        return granularity
