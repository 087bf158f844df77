"""Typed queries for the Analytics API v1 and their validation: the only place the API's enums live.

Newer IBM docs add dimensions (country, region) and metrics (viewer seconds); add them here.
"""

from __future__ import annotations

from enum import StrEnum


class ContentType(StrEnum):
    """The two kinds of media the API knows: live channels and recorded videos."""

    LIVE = "live"
    RECORDED = "recorded"


class Metric(StrEnum):
    """The aggregate metrics, named as the API's path segments."""

    TOTAL_VIEWS = "total-views"
    UNIQUE_DEVICES = "unique-devices"
    AUTHENTICATED_VIEWERS = "authenticated-viewers"

    @property
    def point_name(self) -> str:
        """The label a summary answers in `point` (the real API sends e.g. "total_views")."""
        return self.value.replace("-", "_")


class Dimension(StrEnum):
    """How an aggregate metric is bucketed; SUMMARY is the path `/summary` (one total)."""

    SUMMARY = "summary"
    MONTH = "month"
    DAY = "day"
    HOUR = "hour"
    LOCATION = "location"
    DEVICE = "device"
    VIEW_SOURCE = "view-source"

    @property
    def is_time(self) -> bool:
        return self in (Dimension.MONTH, Dimension.DAY, Dimension.HOUR)


class PeakGranularity(StrEnum):
    """Buckets of the peak concurrent viewers endpoints (minute is the API's default)."""

    MINUTE = "minute"
    HOUR = "hour"


class DeviceClass(StrEnum):
    """What the `device` dimension answers in `point`."""

    DESKTOP = "desktop"
    MOBILE = "mobile"
    TABLET = "tablet"
    TV = "tv"
    OTHER = "other"


class ViewType(StrEnum):
    """Where a view happened, and what the `view-source` dimension answers in `point`."""

    ONSITE = "onsite"
    OFFSITE = "offsite"


PAGE_LIMIT_MAX = 10_000
PAGE_LIMIT_DEFAULT = 10
