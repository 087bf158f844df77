"""The HTTP cache of API answers (requests-cache): a SQLite file, or Redis shared by replicas.

Accounts never mix: every cache key includes the account's non-secret key, and each account has
its own SQLite file / Redis namespace (so clearing one account's cache leaves the others alone).
requests-cache already leaves the Authorization header out of keys and strips it from the
requests it stores (it is in its default `ignored_parameters`); tests check the files anyway.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import requests
from requests_cache import CachedResponse, CachedSession, SQLiteCache
from requests_cache.cache_keys import create_key
from requests_cache.policy.settings import DEFAULT_IGNORED_PARAMS

from .queries import TimeRange
from .settings import ApiSettings, redact_url_password

logger = logging.getLogger(__name__)

CACHE_FORMAT = "v1"  # bump when the shape of requests or frames changes
RECENT_WINDOW = timedelta(hours=24)


def expiry_seconds(
    time_range: TimeRange, settings: ApiSettings, now: datetime | None = None
) -> int:
    """How long an answer about `time_range` stays fresh: data of the last 24 h still changes."""
    if time_range.touches_last(RECENT_WINDOW, now=now):
        return settings.cache_recent_ttl
    return settings.cache_ttl


def account_cache_key(account: str, request: Any, **kwargs: Any) -> str:
    """requests-cache's normalised key, bound to one API account (and our cache format)."""
    base = create_key(request, **kwargs)
    return hashlib.blake2b(f"{CACHE_FORMAT}:{account}:{base}".encode(), digest_size=16).hexdigest()


def open_cached_session(settings: ApiSettings, account: str) -> CachedSession:
    """A CachedSession for one account: Redis when configured and reachable, else SQLite."""
    common: dict[str, Any] = {
        "key_fn": partial(account_cache_key, account),
        "ignored_parameters": DEFAULT_IGNORED_PARAMS,  # Authorization: not in keys, not stored
        "allowable_codes": (200,),
        "allowable_methods": ("GET",),
        "cache_control": False,  # our expiry policy, not the server's headers
        "stale_if_error": False,  # we retry first, then serve stale ourselves (and say so)
        "expire_after": settings.cache_recent_ttl,
    }
    if settings.cache_redis_url:
        backend = _redis_backend(settings, account)
        if backend is not None:
            return CachedSession(backend=backend, **common)
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    path = settings.cache_dir / f"api-{account}.sqlite"
    # fast_save (synchronous=OFF): a cache may lose its last writes on power loss; no fsyncs.
    backend = SQLiteCache(path, wal=True, busy_timeout=30_000, fast_save=True)
    _prune_sqlite(backend, settings.cache_stale_ttl)
    return CachedSession(backend=backend, **common)


def _redis_backend(settings: ApiSettings, account: str) -> Any | None:
    from redis import Redis
    from redis.exceptions import RedisError
    from requests_cache import RedisCache

    assert settings.cache_redis_url
    shown = redact_url_password(settings.cache_redis_url)
    try:
        connection = Redis.from_url(settings.cache_redis_url, socket_timeout=5)
        connection.ping()
    except (RedisError, ValueError) as exc:
        logger.warning(
            "Redis cache at %s is unavailable (%s); using the local SQLite cache instead",
            shown,
            type(exc).__name__,
        )
        return None
    logger.info("Caching API answers in Redis at %s", shown)
    return RedisCache(
        namespace=f"analytics-api:{account}",
        connection=connection,
        ttl_offset=settings.cache_stale_ttl,  # keep expired answers to serve when the API fails
    )


def _prune_sqlite(backend: SQLiteCache, stale_ttl: int) -> None:
    """Drop answers that expired longer ago than we would ever serve them stale (bounds disk)."""
    responses = backend.responses
    try:
        with responses.connection(commit=True) as connection:
            connection.execute(
                f"DELETE FROM {responses.table_name} WHERE expires <= ?",  # noqa: S608
                (round(time.time()) - stale_ttl,),
            )
    except Exception as exc:  # a locked or damaged file must not stop the client
        logger.warning("Could not prune the API cache (%s)", type(exc).__name__)


def stale_response(
    session: CachedSession, url: str, params: dict[str, str], max_stale: int
) -> CachedResponse | None:
    """The cached answer for this request even if expired, unless it expired over max_stale ago."""
    prepared = session.prepare_request(requests.Request("GET", url, params=params))
    key = session.cache.create_key(prepared)
    cached = session.cache.get_response(key)
    if cached is None:
        return None
    expires = cached.expires
    if expires is not None and expires + timedelta(seconds=max_stale) < datetime.now(UTC):
        return None
    return cached
