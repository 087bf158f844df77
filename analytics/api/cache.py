"""The HTTP cache of API answers (requests-cache): a SQLite file, or Redis shared by replicas.

Accounts never mix: every cache key includes the account's non-secret key, and each account has
its own SQLite file / Redis namespace (so clearing one account's cache leaves the others alone).
requests-cache already leaves the Authorization header out of keys and strips it from the
requests it stores (it is in its default `ignored_parameters`); tests check the files anyway.

Stored answers are JSON (`SAFE_SERIALIZER`), never pickle: a shared Redis or a cache file anyone
else can write to must not be able to run code in this process. An entry that is not valid JSON
(e.g. a pickle planted there, or one from an older version) reads as a miss.

A cache that cannot be opened (a damaged file, a directory that cannot be written, a full disk)
never stops the client: it is reported once as a warning and the API is asked directly.
Files are created 0600 and directories 0700 (cached answers are account data).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import requests
from requests_cache import CachedResponse, CachedSession, SQLiteCache
from requests_cache.cache_keys import create_key
from requests_cache.policy.settings import DEFAULT_IGNORED_PARAMS
from requests_cache.serializers import SerializerPipeline, Stage
from requests_cache.serializers.preconf import make_stage

from .queries import TimeRange
from .settings import ApiSettings, redact_url_password

logger = logging.getLogger(__name__)

CACHE_FORMAT = "v2"  # bump when the shape of requests or frames changes (v2: JSON entries)
RECENT_WINDOW = timedelta(hours=24)
LIVE_WINDOW = timedelta(minutes=5)  # a range ending this close to now is about the live minutes
FILE_MODE, DIR_MODE = 0o600, 0o700


def _json_serializer() -> SerializerPipeline:
    """requests-cache's JSON pipeline, compact, with bodies kept as (escaped) text rather than
    base64: loading an entry can only ever build plain data, never run code.
    """
    stage = make_stage("cattr.preconf.json")
    stage.converter.register_unstructure_hook(bytes, _bytes_to_text)
    stage.converter.register_structure_hook(bytes, _text_to_bytes)
    dumps = partial(json.dumps, separators=(",", ":"))
    return SerializerPipeline([stage, Stage(dumps=dumps, loads=json.loads)], "json", False)


def _bytes_to_text(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")  # lossless for any bytes


def _text_to_bytes(value: str, _cls: object) -> bytes:
    if not isinstance(value, str):
        raise TypeError("a cached body must be text")
    return value.encode("utf-8", "surrogateescape")


SAFE_SERIALIZER = _json_serializer()


def expiry_seconds(
    time_range: TimeRange, settings: ApiSettings, now: datetime | None = None
) -> int:
    """How long an answer about `time_range` stays fresh: data of the last 24 h still changes,
    and a range ending around now (the live minutes) changes every minute."""
    if is_live(time_range, now):
        return min(live_expiry_seconds(settings.live_ttl, now), settings.cache_recent_ttl)
    if time_range.touches_last(RECENT_WINDOW, now=now):
        return settings.cache_recent_ttl
    return settings.cache_ttl


def is_live(time_range: TimeRange, now: datetime | None = None) -> bool:
    """Whether the range ends within LIVE_WINDOW of now (either side): its last minutes are
    still being counted, so its answer is kept for one live period only."""
    moment = now or datetime.now(UTC)
    return abs(time_range.end - moment) <= LIVE_WINDOW


def live_expiry_seconds(period: int, now: datetime | None = None) -> int:
    """Whole seconds until the next multiple of `period` on the wall clock, rounded down:
    answers fetched anywhere in one period expire together (never after its end, so no
    answer of a period is served in the next), and every session and replica asks again once
    per period."""
    moment = (now or datetime.now(UTC)).timestamp()
    return math.floor(period - moment % period)


def account_cache_key(account: str, request: Any, **kwargs: Any) -> str:
    """requests-cache's normalised key, bound to one API account (and our cache format)."""
    base = create_key(request, **kwargs)
    return hashlib.blake2b(f"{CACHE_FORMAT}:{account}:{base}".encode(), digest_size=16).hexdigest()


def open_cached_session(settings: ApiSettings, account: str) -> CachedSession | None:
    """A CachedSession for one account: Redis when configured and reachable, else SQLite;
    None (with one warning) when neither can be opened.
    """
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
    path = settings.cache_dir / f"api-{account}.sqlite"
    try:
        _private_file(path)
        # fast_save (synchronous=OFF): a cache may lose its last writes on power loss; no fsyncs.
        backend = SQLiteCache(
            path, wal=True, busy_timeout=30_000, fast_save=True, serializer=SAFE_SERIALIZER
        )  # creates its tables: a damaged file or a full disk fails here
        _prune_sqlite(backend, settings.cache_stale_ttl)
        return CachedSession(backend=backend, **common)
    except (sqlite3.Error, OSError) as exc:
        logger.warning(
            "The API cache %s cannot be used (%s); asking the API without it%s",
            path,
            cache_problem(exc),
            " (delete the file to rebuild it)" if isinstance(exc, sqlite3.DatabaseError) else "",
        )
        return None


def cache_problem(exc: BaseException) -> str:
    """A short reason for a cache failure: the exception's class and its first words."""
    detail = str(exc).splitlines()[0][:80] if str(exc) else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _private_file(path: Path) -> None:
    """Create the cache directory (0700) and the SQLite file (0600) before SQLite does (its
    journal files copy the file's mode); an existing file keeps its mode.
    """
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    os.close(os.open(path, flags, FILE_MODE))


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
        serializer=SAFE_SERIALIZER,
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
