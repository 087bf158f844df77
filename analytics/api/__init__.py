"""The API service module: typed queries -> HTTP (JWT, cache, retries, pages) -> DataFrames.

Never imports Streamlit or the demo server, so the CLI and notebooks use it as the dashboard
does (`analytics.wiring.open_client` adds the demo API when no credentials are configured):

    from analytics.api import AnalyticsClient, ApiSettings, Dimension, Metric, MetricQuery
    from analytics.api import TimeRange
    client = AnalyticsClient(ApiSettings.from_env())  # credentials from the environment
    result = client.metric(MetricQuery(Metric.TOTAL_VIEWS, TimeRange(start, end), Dimension.DAY))
    result.frame                                      # dimension_type, point, value
    client.catalogue().label("recorded", 201457949)   # the video's title (Channel API)
"""

from .catalogue import Catalogue, Content
from .client import AnalyticsClient, Result
from .errors import ApiError, ApiUnavailableError, AuthError, ResponseFormatError
from .pagination import PageStream
from .queries import (
    ContentType,
    DeviceClass,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    PeakSummaryQuery,
    TimeRange,
    ViewerSecondsQuery,
    ViewerSecondsSummaryQuery,
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
    "Catalogue",
    "Content",
    "ContentType",
    "DeviceClass",
    "Dimension",
    "Metric",
    "MetricQuery",
    "PageStream",
    "PeakGranularity",
    "PeakQuery",
    "PeakSummaryQuery",
    "ResponseFormatError",
    "Result",
    "TimeRange",
    "ViewType",
    "ViewerSecondsQuery",
    "ViewerSecondsSummaryQuery",
    "ViewersQuery",
    "ViewsQuery",
]
