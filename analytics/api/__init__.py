"""The API service module: typed queries -> HTTP (JWT, cache, retries, pages) -> DataFrames.

Never imports streamlit, so the CLI and notebooks use it as the dashboard does:

    from analytics.api import open_client, MetricQuery, Metric, Dimension, TimeRange
    client = open_client()          # credentials from the environment, else the demo API
    result = client.metric(MetricQuery(Metric.TOTAL_VIEWS, TimeRange(start, end), Dimension.DAY))
    result.frame                    # dimension_type, point, value
"""

from .client import AnalyticsClient, PageStream, Result, open_client
from .errors import ApiError, ApiUnavailableError, AuthError, ResponseFormatError
from .queries import (
    ContentType,
    DeviceClass,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    TimeRange,
    ViewersQuery,
    ViewsQuery,
    ViewType,
)
from .settings import ApiSettings

__all__ = [
    "AnalyticsClient",
    "ApiError",
    "ApiSettings",
    "ApiUnavailableError",
    "AuthError",
    "ContentType",
    "DeviceClass",
    "Dimension",
    "Metric",
    "MetricQuery",
    "PageStream",
    "PeakGranularity",
    "PeakQuery",
    "ResponseFormatError",
    "Result",
    "TimeRange",
    "ViewType",
    "ViewersQuery",
    "ViewsQuery",
    "open_client",
]
