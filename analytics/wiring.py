"""Where the app is wired: the configured IBM account, or the embedded demo API without one.

The dashboard's service and the CLI open their client here, so the API module never knows the
demo exists and the demo server never sees the client's code.
"""

from __future__ import annotations

import logging

from analytics.api import AnalyticsClient, ApiSettings

log = logging.getLogger(__name__)

DEMO_CACHE_NAMESPACE = "embedded-demo"  # the demo gets a new port per process; keep one cache


def uses_demo(settings: ApiSettings) -> bool:
    """Whether `open_client` will use the embedded demo API: no credentials are configured."""
    return not settings.has_credentials


def open_client(settings: ApiSettings | None = None) -> AnalyticsClient:
    """A client for the configured account; without credentials, for the embedded demo API.

    The demo server (FastAPI, DuckDB) is imported and started only when it is needed.
    """
    settings = ApiSettings.from_env() if settings is None else settings
    if not uses_demo(settings):
        return AnalyticsClient(settings)
    from analytics.demo import embedded_demo_server

    server = embedded_demo_server()
    log.info("No API credentials configured; using the demo Analytics API at %s", server.base_url)
    demo = settings.with_changes(
        api_url=server.base_url,
        token_url=server.token_url,
        channel_api_url=server.channel_api_url,
        client_id=server.client_id,
        client_secret=server.client_secret,
        token=None,
        cache_namespace=DEMO_CACHE_NAMESPACE,
    )
    return AnalyticsClient(demo, is_demo=True)
