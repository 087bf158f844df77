"""The process's API client: settings from the environment and secrets.toml, opened once.

app.py opens it with `client_or_stop` and hands it to the pages through their context; a setting
that is wrong stops the app with a message naming it. Whether the client reaches the configured
account or the embedded demo API is decided in `analytics.wiring`, not here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import streamlit as st

from analytics.api import AnalyticsClient, ApiSettings, Catalogue
from analytics.config import ConfigSource
from analytics.dashboard.log_redaction import hide_secrets_of, hide_values, url_password
from analytics.wiring import open_client

log = logging.getLogger(__name__)

# Enough requests in flight for a whole page of calls at once (the client allows 2x this).
DASHBOARD_CONCURRENCY = 8


def secrets_or_none() -> Mapping[str, Any] | None:
    """st.secrets when a secrets.toml exists, else None (reading st.secrets would raise)."""
    try:
        return st.secrets if st.secrets.load_if_toml_exists() else None
    except Exception:  # a malformed secrets.toml: report it where settings are read
        log.warning("Could not read .streamlit/secrets.toml", exc_info=True)
        return None


def api_settings() -> ApiSettings:
    """API settings from the environment and secrets.toml; ValueError naming a bad one.
    Their secrets are never logged from then on."""
    settings = ApiSettings.from_env(secrets=secrets_or_none())
    hide_values([*settings.secrets, url_password(settings.cache_redis_url)])
    return settings


def settings_or_stop() -> ApiSettings:
    """The API settings, or a clear st.error and a stopped script when one is wrong."""
    try:
        return api_settings()
    except ValueError as error:
        st.error(f"The dashboard cannot start: {error}", icon=":material/block:")
        st.stop()
        raise AssertionError("unreachable") from None


@st.cache_resource(show_spinner=False)
def get_client() -> AnalyticsClient:
    """The process's client (credentials from the environment or secrets.toml, else the demo)."""
    settings = api_settings()
    if not ConfigSource(secrets=secrets_or_none()).is_set("ANALYTICS_API_CONCURRENCY"):
        settings = settings.with_changes(
            concurrency=max(settings.concurrency, DASHBOARD_CONCURRENCY)
        )
    client = open_client(settings)
    hide_secrets_of(client)  # the access tokens it fetches too
    return client


def client_or_stop() -> AnalyticsClient:
    """The client, or a clear st.error and a stopped script when it cannot be opened."""
    try:
        return get_client()
    except ValueError as error:  # a setting is wrong; the message names it
        st.error(f"The dashboard cannot start: {error}", icon=":material/block:")
    except Exception:
        log.exception("Could not open the Analytics API client")
        st.error(
            "The dashboard cannot start: the Analytics API client could not be opened. "
            "The error has been logged.",
            icon=":material/block:",
        )
    st.stop()
    raise AssertionError("unreachable")


# Reads the catalogue of titles beside a run's API calls (the client keeps it for hours and
# shares one fetch among concurrent callers, so a warm lookup costs nothing).
_CATALOGUE_READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="catalogue")


def catalogue_in_background(client: AnalyticsClient) -> Future[Catalogue]:
    """The account's catalogue of titles, fetched while the page asks for its numbers: a cold
    catalogue (dozens of Channel API pages on a big account) then adds no time of its own."""
    return _CATALOGUE_READER.submit(client.catalogue)
