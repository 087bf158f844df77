"""The Analytics API's vocabulary, written from IBM's documentation: paths, enums and limits.

Both sides of the wire use it: the client (`analytics.api`) to build requests, the demo server
(`analytics.demo`) to decide what it accepts. It imports nothing of the project, so the demo
stays an independent stand-in that depends on the documented contract only.

Sources: `analytics-api-v1.0.3` and IBM's current developer docs (`analytics-api/*.mdx`).
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


class ApiVersion(StrEnum):
    """Which surface of the API: today's developer docs, or the older v1.0.3 document."""

    CURRENT = "current"
    V1_0_3 = "1.0.3"


class Dimension(StrEnum):
    """How an aggregate metric is bucketed; SUMMARY is the path `/summary` (one total).

    LOCATION is v1.0.3 only; COUNTRY and REGION replaced it (see `dimensions_of`).
    """

    SUMMARY = "summary"
    MONTH = "month"
    DAY = "day"
    HOUR = "hour"
    LOCATION = "location"
    DEVICE = "device"
    VIEW_SOURCE = "view-source"
    COUNTRY = "country"
    REGION = "region"

    @property
    def is_time(self) -> bool:
        return self in (Dimension.MONTH, Dimension.DAY, Dimension.HOUR)


class PeakGranularity(StrEnum):
    """Buckets of the peak concurrent viewers (and viewer-seconds) endpoints; minute is the
    API's default. v1.0.3 knows minute and hour only (see `granularities_of`)."""

    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


ViewerSecondsGranularity = PeakGranularity  # the same four buckets, documented alike


def dimensions_of(version: ApiVersion) -> tuple[Dimension, ...]:
    """The breakdown dimensions (summary excluded) a version of the API accepts."""
    common = (Dimension.MONTH, Dimension.DAY, Dimension.HOUR, Dimension.DEVICE)
    if version is ApiVersion.V1_0_3:
        return (*common, Dimension.LOCATION, Dimension.VIEW_SOURCE)
    return (*common, Dimension.VIEW_SOURCE, Dimension.COUNTRY, Dimension.REGION)


def granularities_of(version: ApiVersion) -> tuple[PeakGranularity, ...]:
    """The peak granularities a version of the API accepts."""
    if version is ApiVersion.V1_0_3:
        return (PeakGranularity.MINUTE, PeakGranularity.HOUR)
    return tuple(PeakGranularity)


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


# --- Paths (relative to the API's base URL, e.g. https://analytics-api.video.ibm.com/v1/) --------

PEAK_VIEWER_NUMBERS_PATH = "peak-viewer-numbers"
VIEWER_SECONDS_PATH = "viewer-seconds"  # current API only
CHANNEL_PATH = "channel"  # `views/recorded/channel`, `viewer-seconds/recorded/channel`
VIEWS_PATH = "views"
VIEWERS_PATH = "viewers"
SUMMARY_PATH = "summary"


def metric_path(metric: Metric, content_type: ContentType | None, dimension: Dimension) -> str:
    """`total-views[/live][/summary|/month|...]`: a metric's path for a type and a dimension."""
    parts = [metric.value]
    if content_type is not None:
        parts.append(content_type.value)
    parts.append(dimension.value)
    return "/".join(parts)


def channel_path(base: str) -> str:
    """`views/recorded/channel`: a list endpoint over the recorded videos of channels."""
    return f"{base}/{ContentType.RECORDED.value}/{CHANNEL_PATH}"


def list_path(base: str, content_type: ContentType | None) -> str:
    """`views`, `views/live`, `peak-viewer-numbers/recorded`: a list endpoint for a type."""
    return base if content_type is None else f"{base}/{content_type.value}"


# --- Limits and parameters --------------------------------------------------------------------

PAGE_LIMIT_MAX = 10_000  # the largest `_limit` a list endpoint accepts
PAGE_LIMIT_DEFAULT = 10  # what a list endpoint answers without `_limit`
API_DEFAULT_TIME_ZONE = "America/Los_Angeles"  # how the API reads a time sent without an offset

# --- Resource types and attribute names (the `type` of each item under `data`) -------------

PEAK_SERIES_TYPE = "PeakSeries"
PEAK_SUMMARY_TYPE = "PeakSummary"
VIEWER_SECONDS_SERIES_TYPE = "ViewerSecondSeries"
VIEWER_SECONDS_SUMMARY_TYPE = "ViewerSecondSummary"


class SummaryIdKey(StrEnum):
    """The id attribute of a summary item: the examples say `content_id`, one table `media_id`."""

    CONTENT_ID = "content_id"
    MEDIA_ID = "media_id"


class SummaryTimeKey(StrEnum):
    """The time attribute of a PeakSummary: the table says `timestamp`, the example `time`."""

    TIMESTAMP = "timestamp"
    TIME = "time"


# --- Rate limiting ------------------------------------------------------------------------

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


# --- The Channel API (a second API of IBM Video Streaming, base https://api.video.ibm.com/) ----
# Titles, channels and lengths of the contents the Analytics API reports by id. It takes an
# ordinary access token (requested without token_type=jwt) as `Authorization: Bearer ...`.
# Sources: channel-api-basic-channel-management.mdx, basic-video-management.mdx.

USER_CHANNELS_PATH = "users/self/channels.json"  # paged by `p` / `pagesize`, next: {"href": ...}
USER_VIDEOS_PATH = "users/self/videos.json"  # paged by `page` / `pagesize`, next: a string
CHANNELS_PAGE_PARAM = "p"
VIDEOS_PAGE_PARAM = "page"
PAGE_SIZE_PARAM = "pagesize"
CHANNELS_PAGE_SIZE_MAX = 100  # also the default
VIDEOS_PAGE_SIZE_MAX = 50  # also the default


def channel_details_path(channel_id: int | str) -> str:
    """`channels/{id}.json`: one channel (its `channel` element)."""
    return f"channels/{channel_id}.json"


def channel_videos_path(channel_id: int | str) -> str:
    """`channels/{id}/videos.json`: the videos of one channel, paged like the user's videos."""
    return f"channels/{channel_id}/videos.json"


def video_details_path(video_id: int | str) -> str:
    """`videos/{id}.json`: one video (its `video` element)."""
    return f"videos/{video_id}.json"
