"""One account's segments in an in-process DuckDB database, plus the tables derived from them.

Tables (times are naive UTC TIMESTAMPs):
- `segments`: one row per segment, sorted by start; `seq` is that order (the /views order),
  `device_class` is derived once from the DeviceInfo families.
- `views`: one row per view (playback session, view_session_id) with the attributes of its
  first segment; the aggregate metrics count these.
- `peak_minute`: per content and UTC minute, the maximum number of concurrent playbacks during
  that minute (only minutes with a value > 0); `peak_quarter`: the same maximum per 15 minutes,
  so hour buckets in any quarter-hour UTC offset are cheap.

Generated datasets are cached as DuckDB files under DemoSettings.data_dir, keyed by a hash of
the generator version, the settings that shape the data, the client id and the UTC date.
"""

# ruff: noqa: S608 - SQL is assembled from this module's own fragments; every value that
# comes from a request is a bound $parameter.

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from analytics.demo.dataset import normalize_segments
from analytics.demo.generator import GENERATOR_VERSION, GeneratedData, generate
from analytics.demo.live_now import with_live_now
from analytics.demo.selections import Selections
from analytics.demo.settings import DemoSettings

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
STORE_VERSION = 2  # bump when the derived tables change: it is part of the cache key

DEVICE_CLASS_SQL = r"""
CASE
  WHEN regexp_matches(device_family || ' ' || os_family || ' ' || browser_family,
       '(?i)(smart ?tv|\btv\b|roku|chromecast|fire ?tv|apple ?tv|playstation|xbox|tizen|webos)')
    THEN 'tv'
  WHEN regexp_matches(device_family, '(?i)(ipad|tablet|kindle|galaxy tab|\bsm-[tx][0-9])')
    THEN 'tablet'
  WHEN is_mobile_view OR os_family IN ('iOS', 'Android') THEN 'mobile'
  WHEN os_family IN ('Windows', 'Mac OS X', 'Linux', 'Ubuntu', 'Chrome OS', 'Fedora', 'Debian')
    THEN 'desktop'
  ELSE 'other'
END
"""

# Per session, the union of its segments (a session never plays twice at once), as
# [s, e) intervals, then the running level of concurrent playbacks per content.
MERGED_INTERVALS_SQL = """
merged_src AS (
  SELECT content_type, content_id, view_session_id, s, e,
         max(e) OVER (PARTITION BY view_session_id, content_type, content_id ORDER BY s, e
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
  FROM intervals
),
islands AS (
  SELECT *, sum(CASE WHEN prev_end IS NULL OR s > prev_end THEN 1 ELSE 0 END)
            OVER (PARTITION BY view_session_id, content_type, content_id ORDER BY s, e) AS island
  FROM merged_src
),
merged AS (
  SELECT content_type, content_id, min(s) AS s, max(e) AS e
  FROM islands GROUP BY view_session_id, content_type, content_id, island
  HAVING max(e) > min(s)
),
deltas AS (
  SELECT content_type, content_id, t, sum(d) AS d FROM (
    SELECT content_type, content_id, s AS t, 1 AS d FROM merged
    UNION ALL
    SELECT content_type, content_id, e AS t, -1 AS d FROM merged
  ) GROUP BY ALL
),
levels AS (
  SELECT content_type, content_id, t,
         sum(d) OVER (PARTITION BY content_type, content_id ORDER BY t) AS level
  FROM deltas
)
"""


# The same sweep when no session has overlapping segments (the generator guarantees it), so
# the merge is skipped.
LEVELS_SQL = """
deltas AS (
  SELECT content_type, content_id, t, sum(d) AS d FROM (
    SELECT content_type, content_id, s AS t, 1 AS d FROM intervals WHERE e > s
    UNION ALL
    SELECT content_type, content_id, e AS t, -1 AS d FROM intervals WHERE e > s
  ) GROUP BY ALL
),
levels AS (
  SELECT content_type, content_id, t,
         sum(d) OVER (PARTITION BY content_type, content_id ORDER BY t) AS level
  FROM deltas
)
"""


def sessions_overlap(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether any view has two segments playing at the same time (hand-built data may)."""
    return bool(
        conn.execute(
            """SELECT count(*) FROM (
                 SELECT started_at, lag(coalesce(finished_at, 'infinity'::TIMESTAMP)) OVER (
                   PARTITION BY view_session_id ORDER BY started_at, finished_at) AS previous_end
                 FROM segments) WHERE started_at < previous_end"""
        ).fetchone()[0]
    )


def build_peak_minutes(
    conn: duckdb.DuckDBPyConnection, horizon: datetime, *, merge_sessions: bool = True
) -> None:
    """(Re)build peak_minute and peak_quarter by an event sweep over all segments.

    Max during a minute = max(level carried into the minute, unless an event happens exactly at
    its first instant; every level reached after an event inside the minute). Minutes without
    events keep the carried level, so they are filled in from the run between events. Open
    segments play until `horizon`.
    """
    sweep = MERGED_INTERVALS_SQL if merge_sessions else LEVELS_SQL
    conn.execute(
        f"""
        CREATE OR REPLACE TABLE peak_minute AS
        WITH intervals AS (
          SELECT content_type, content_id, view_session_id, started_at AS s,
                 coalesce(finished_at, $horizon::TIMESTAMP) AS e
          FROM segments
        ),
        {sweep},
        by_minute AS (
          SELECT content_type, content_id, date_trunc('minute', t) AS m, min(t) AS first_t,
                 max(level) AS max_after, arg_max(level, t) AS last_level
          FROM levels GROUP BY ALL
        ),
        runs AS (
          SELECT *,
                 coalesce(lag(last_level) OVER w, 0) AS level_in,
                 lead(m) OVER w AS next_m
          FROM by_minute
          WINDOW w AS (PARTITION BY content_type, content_id ORDER BY m)
        ),
        event_minutes AS (
          SELECT content_type, content_id, m AS minute,
                 greatest(max_after, CASE WHEN first_t > m THEN level_in ELSE 0 END) AS value
          FROM runs
        ),
        quiet_minutes AS (
          SELECT content_type, content_id,
                 unnest(range(m + INTERVAL 1 MINUTE, next_m, INTERVAL 1 MINUTE)) AS minute,
                 last_level AS value
          FROM runs WHERE last_level > 0 AND next_m > m + INTERVAL 1 MINUTE
        )
        SELECT content_type, content_id, minute, value::BIGINT AS value,
               row_number() OVER (ORDER BY minute, content_type, content_id) AS rn,
               row_number() OVER (PARTITION BY content_type ORDER BY minute, content_id) AS rn_type
        FROM (
          SELECT * FROM event_minutes WHERE value > 0
          UNION ALL
          SELECT * FROM quiet_minutes
        ) ORDER BY minute, content_type, content_id
        """,
        {"horizon": horizon.astimezone(UTC).replace(tzinfo=None)},
    )
    conn.execute(
        """
        CREATE OR REPLACE TABLE peak_quarter AS
        SELECT content_type, content_id, time_bucket(INTERVAL 15 MINUTE, minute) AS quarter,
               max(value) AS value
        FROM peak_minute GROUP BY ALL ORDER BY quarter, content_type, content_id
        """
    )


DERIVED_TABLES = ("segments", "views", "peak_minute", "peak_quarter")


def derive_tables(conn: duckdb.DuckDBPyConnection, horizon: datetime) -> None:
    """From `segments_src` (raw segment rows) build every table the answers read."""
    conn.execute(
        f"""
        CREATE OR REPLACE TABLE device_classes AS
        SELECT DISTINCT device_family, os_family, browser_family, is_mobile_view,
               {DEVICE_CLASS_SQL} AS device_class
        FROM segments_src
        """
    )
    conn.execute(
        """
        CREATE OR REPLACE TABLE segments AS
        SELECT s.*, row_number() OVER (ORDER BY s.started_at, s.id) AS seq, c.device_class
        FROM segments_src s
        JOIN device_classes c USING (device_family, os_family, browser_family, is_mobile_view)
        ORDER BY s.started_at, s.id
        """
    )
    conn.execute("DROP TABLE segments_src")
    conn.execute("DROP TABLE device_classes")
    conn.execute(
        """
        CREATE OR REPLACE TABLE views AS
        SELECT view_session_id,
               arg_min(content_type, seq) AS content_type,
               arg_min(content_id, seq) AS content_id,
               min(started_at) AS started_at,
               arg_min(client_id, seq) AS client_id,
               max(viewer_identifier) AS viewer_identifier,
               arg_min_null(country, seq) AS country,
               arg_min_null(region, seq) AS region,
               arg_min(channel_id, seq) AS channel_id,
               arg_min(device_class, seq) AS device_class,
               arg_min(view_type, seq) AS view_type
        FROM segments GROUP BY view_session_id ORDER BY started_at
        """
    )
    build_peak_minutes(conn, horizon, merge_sessions=sessions_overlap(conn))


def _peak_horizon(
    conn: duckdb.DuckDBPyConnection, now: datetime, table: str = "segments"
) -> datetime:
    """Open segments count as playing until the horizon: a day past now (and past the data)."""
    last = conn.execute(
        f"SELECT greatest(max(started_at), max(finished_at)) FROM {table}"
    ).fetchone()[0]
    horizon = max(now, last.replace(tzinfo=UTC) if last is not None else now)
    return (horizon + timedelta(days=1)).replace(second=0, microsecond=0)


class Dataset:
    """One account's data: a DuckDB connection holding the tables above, and its clock.

    Use `cursor()` per request: a DuckDB connection must not be shared across threads.
    """

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        clock: Clock,
        *,
        key: str = "",
        horizon: datetime | None = None,
    ) -> None:
        self._conn = conn
        self.clock = clock
        self.key = key
        self._lock = threading.Lock()
        self.has_open_segments = bool(
            conn.execute("SELECT count(*) FROM segments WHERE finished_at IS NULL").fetchone()[0]
        )
        self._horizon = horizon
        self.cache_writer: threading.Thread | None = None
        self.selections = Selections()  # recent /views selections, for deep pages
        # (settings, client id, day) of generated data, so its contents can be described
        # (analytics.demo.catalogue); None for hand-built data.
        self.generated_from: tuple[DemoSettings, str, datetime] | None = None
        self.catalogue: object | None = None  # built on first use by analytics.demo.catalogue

    @property
    def segment_count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM segments").fetchone()[0]

    def _ensure_peaks(self, now: datetime) -> None:
        """With open segments, rebuild the peak tables before `now` reaches their horizon."""
        if not self.has_open_segments or (self._horizon is not None and now < self._horizon):
            return
        with self._lock:
            if self._horizon is not None and now < self._horizon:
                return
            cursor = self._conn.cursor()
            self._horizon = _peak_horizon(cursor, now)
            build_peak_minutes(cursor, self._horizon, merge_sessions=sessions_overlap(cursor))

    def cursor(self, now: datetime | None = None) -> duckdb.DuckDBPyConnection:
        """A cursor for one request (and, for open segments, peaks valid at `now`)."""
        if now is not None:
            self._ensure_peaks(now)
        return self._conn.cursor()

    def close(self) -> None:
        """Close the database, after the background cache write (if any) has finished."""
        if self.cache_writer is not None:
            self.cache_writer.join(timeout=300)
        try:
            self._conn.close()
        except duckdb.Error as exc:  # still busy: the process is going away anyway
            log.warning("demo data store did not close cleanly: %s", exc)


def _connect() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:")
    conn.execute("SET TimeZone = 'UTC'")
    return conn


def dataset_from_frame(frame: pd.DataFrame, clock: Clock, *, key: str = "") -> Dataset:
    """A dataset from segment rows (see analytics.demo.dataset.SEGMENT_COLUMNS)."""
    frame = normalize_segments(frame)
    conn = _connect()
    conn.register("frame_src", frame)
    conn.execute(
        """
        CREATE TABLE segments_src AS
        SELECT id, content_type, content_id,
               started_at::TIMESTAMP AS started_at, finished_at::TIMESTAMP AS finished_at,
               "from"::BIGINT AS pos_from, "to"::BIGINT AS pos_to, viewer_identifier,
               country, city, is_mobile_view, view_type, client_id, view_session_id,
               browser_family, browser_major, browser_minor, browser_patch,
               os_family, os_major, os_minor, os_patch, os_patch_minor,
               device_family, device_brand, device_model, region, channel_id::BIGINT AS channel_id
        FROM frame_src
        """
    )
    conn.unregister("frame_src")
    return _derived_dataset(conn, clock, key)


def _derived_dataset(conn: duckdb.DuckDBPyConnection, clock: Clock, key: str) -> Dataset:
    horizon = _peak_horizon(conn, clock(), "segments_src")
    derive_tables(conn, horizon)
    return Dataset(conn, clock, key=key, horizon=horizon)


def _segments_from_generated(conn: duckdb.DuckDBPyConnection, data: GeneratedData) -> None:
    for name in ("segments", "devices", "contents", "profiles"):
        conn.register(f"gen_{name}", getattr(data, name))
    conn.execute(
        """
        CREATE TABLE segments_src AS
        SELECT
          format('{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}',
                 (s.uuid_hi >> 31) & 4294967295, (s.uuid_hi >> 15) & 65535, s.uuid_hi & 4095,
                 ((s.uuid_lo >> 48) & 16383) | 32768, s.uuid_lo & 281474976710655) AS id,
          c.content_type, c.content_id,
          make_timestamp(s.started * 1000000) AS started_at,
          make_timestamp(s.finished * 1000000) AS finished_at,
          s.pos_from, s.pos_to, d.viewer_identifier, d.country, d.city, p.is_mobile_view,
          CASE WHEN s.offsite THEN 'offsite' ELSE 'onsite' END AS view_type,
          d.client_id,
          format('{:08x}:{:08x}', (s.session_bits >> 31) & 4294967295,
                 s.session_bits & 4294967295) AS view_session_id,
          p.browser_family, p.browser_major, p.browser_minor, p.browser_patch,
          p.os_family, p.os_major, p.os_minor, p.os_patch, p.os_patch_minor,
          p.device_family, p.device_brand, p.device_model, d.region, c.channel_id
        FROM gen_segments s
        JOIN gen_contents c USING (content)
        JOIN gen_devices d USING (device)
        JOIN gen_profiles p USING (profile)
        """
    )
    for name in ("segments", "devices", "contents", "profiles"):
        conn.unregister(f"gen_{name}")


def cache_key(settings: DemoSettings, client_id: str, day: str) -> str:
    """Changes with the generator, the table layout, the settings that shape data, the account
    and the UTC day."""
    parts = (
        f"v{GENERATOR_VERSION}.{STORE_VERSION}",
        settings.segments,
        settings.days,
        settings.seed,
        settings.contents,
        settings.null_rate,
        settings.unknown_country_rate,
        settings.live_now,
        client_id,
        day,
    )
    text = "|".join(map(str, parts))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def generated_dataset(
    settings: DemoSettings, client_id: str, clock: Clock, *, cache_in_background: bool = True
) -> Dataset:
    """The account's generated dataset for today (UTC): from the cache file, else generated.

    The cache is a DuckDB file holding the derived tables too, so a warm start only copies
    them into memory. After generating, the file is written by a background thread, so the
    server can answer meanwhile.
    """
    today = clock().astimezone(UTC)
    key = cache_key(settings, client_id, today.date().isoformat())
    path = Path(settings.data_dir) / f"demo-{key}.duckdb"
    conn = _connect()
    if path.is_file():
        try:
            _copy_tables(conn, source=path)
            cached = Dataset(conn, clock, key=key)
            cached.generated_from = (settings, client_id, today)
            return cached
        except duckdb.Error as exc:
            log.warning("demo data cache %s is unreadable (%s); regenerating it", path.name, exc)
            conn.close()
            conn = _connect()
    began = time.perf_counter()
    data = generate(
        settings.segments,
        settings.days,
        settings.seed,
        client_id,
        today,
        contents=settings.contents,
        null_rate=settings.null_rate,
        unknown_country_rate=settings.unknown_country_rate,
    )
    data = with_live_now(
        data,
        settings.seed,
        client_id,
        settings.live_now,
        null_rate=settings.null_rate,
        unknown_country_rate=settings.unknown_country_rate,
    )
    _segments_from_generated(conn, data)
    derived = _derived_dataset(conn, clock, key)
    derived.generated_from = (settings, client_id, today)
    log.info(
        "generated %d demo segments (%d background, the rest live now) for one account in %.1f s",
        len(data.segments),
        settings.segments,
        time.perf_counter() - began,
    )
    if cache_in_background:
        derived.cache_writer = threading.Thread(
            target=_write_cache, args=(conn.cursor(), path), name="demo-cache", daemon=True
        )
        derived.cache_writer.start()
    else:
        _write_cache(conn, path)
    return derived


def _copy_tables(conn: duckdb.DuckDBPyConnection, *, source: Path) -> None:
    conn.execute(f"ATTACH '{_sql_text(source)}' AS cache (READ_ONLY)")
    try:
        for table in DERIVED_TABLES:
            conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM cache.{table}")
    finally:
        conn.execute("DETACH cache")


def _write_cache(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Write to a temp file and rename, so concurrent processes never read half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".demo-", suffix=".duckdb", dir=path.parent)
        os.close(fd)
        os.unlink(tmp)  # DuckDB wants to create the file itself
        conn.execute(f"ATTACH '{_sql_text(tmp)}' AS cache_out")
        try:
            for table in DERIVED_TABLES:
                conn.execute(f"CREATE TABLE cache_out.{table} AS SELECT * FROM {table}")
        finally:
            conn.execute("DETACH cache_out")
        os.replace(tmp, path)
        _prune_cache(path.parent, keep=path)
    except (OSError, duckdb.Error) as exc:
        log.warning("could not cache demo data under %s: %s", path.parent, exc)


def _prune_cache(directory: Path, keep: Path, max_age_days: float = 3.0) -> None:
    """Drop cache files from earlier days and temp files a killed process left behind."""
    now = time.time()
    for pattern, max_age in (("demo-*.duckdb", max_age_days * 86_400), (".demo-*", 3600.0)):
        for old in directory.glob(pattern):
            try:
                if old != keep and old.stat().st_mtime < now - max_age:
                    old.unlink(missing_ok=True)
            except OSError:
                continue


class DataRegistry:
    """Every account's dataset, built on first use and rebuilt when the UTC day changes.

    Hand-built datasets (`fixed`) are served as given and never rebuilt.
    """

    def __init__(
        self,
        settings: DemoSettings,
        clock: Clock,
        fixed: Mapping[str, pd.DataFrame] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._fixed = dict(fixed or {})
        self._datasets: dict[str, Dataset] = {}
        self._locks = {client_id: threading.Lock() for client_id in settings.accounts}

    def get(self, client_id: str) -> Dataset:
        current = self._datasets.get(client_id)
        if current is not None and (
            client_id in self._fixed or current.key == self._key(client_id)
        ):
            return current
        with self._locks[client_id]:
            current = self._datasets.get(client_id)
            if client_id in self._fixed:
                if current is None:
                    current = dataset_from_frame(self._fixed[client_id], self.clock, key="fixed")
                    self._datasets[client_id] = current
                return current
            if current is None or current.key != self._key(client_id):
                current = generated_dataset(self.settings, client_id, self.clock)
                self._datasets[client_id] = current
            return current

    def _key(self, client_id: str) -> str:
        day = self.clock().astimezone(UTC).date().isoformat()
        return cache_key(self.settings, client_id, day)

    def close(self) -> None:
        for dataset in self._datasets.values():
            dataset.close()
        self._datasets.clear()


def _sql_text(path: Path | str) -> str:
    """A path inside a single-quoted SQL literal."""
    return str(path).replace("'", "''")
