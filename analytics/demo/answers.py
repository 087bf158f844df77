"""SQL answers to the demo API's questions, over one account's Dataset.

Each function takes a DuckDB cursor, the parsed request and `now`, and returns the total row
count plus the requested page: a list of attribute dicts (aggregates) or, for the large
/views and /viewers pages, a ready JSON array built inside DuckDB.
"""

# ruff: noqa: S608 - SQL is assembled from this module's own fragments; every value that
# comes from a request is a bound $parameter.

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import numpy as np

from analytics.contract import ContentType, Dimension, Metric, PeakGranularity
from analytics.demo.params import ContentFilter, PageRequest, Window
from analytics.demo.selections import Selections
from analytics.demo.store import MERGED_INTERVALS_SQL

__all__ = [
    "Answer",
    "metric",
    "peak_summary",
    "peaks",
    "resolve_channels",
    "viewer_seconds",
    "viewer_seconds_summary",
    "viewers",
    "views",
]

METRIC_VALUE_SQL = {
    Metric.TOTAL_VIEWS: "count(*)",
    Metric.UNIQUE_DEVICES: "count(DISTINCT client_id)",
    Metric.AUTHENTICATED_VIEWERS: "count(DISTINCT nullif(viewer_identifier, ''))",
}
CATEGORY_COLUMN = {
    Dimension.LOCATION: "country",
    Dimension.COUNTRY: "country",
    Dimension.REGION: "region",
    Dimension.DEVICE: "device_class",
    Dimension.VIEW_SOURCE: "view_type",
}
MINUTE = timedelta(minutes=1)
QUARTER = timedelta(minutes=15)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Answer:
    count: int
    rows: list[dict[str, Any]] | None = None  # aggregate rows (attributes)
    json_rows: bytes | None = None  # a JSON array of resources, already serialised (UTF-8)


def _run(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]):
    """Execute with just the named parameters the SQL uses (DuckDB rejects extra ones)."""
    used = set(_PARAM.findall(sql))
    return cur.execute(sql, {name: value for name, value in params.items() if name in used})


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


NO_CONTENT_ID = 0  # matches no content (ids are positive): the filter of a channel-less scope


def resolve_channels(cur: duckdb.DuckDBPyConnection, filters: ContentFilter) -> ContentFilter:
    """A channel scope (`channel_id`) as the recorded videos of those channels, by content id
    (every table carries content ids; only segments know channels)."""
    if not filters.channel_ids:
        return filters
    videos = _run(
        cur,
        """SELECT DISTINCT content_id FROM segments
           WHERE content_type = 'recorded' AND list_contains($channel_ids, channel_id)
           ORDER BY content_id""",
        {"channel_ids": list(filters.channel_ids)},
    ).fetchall()
    ids = tuple(row[0] for row in videos) or (NO_CONTENT_ID,)
    return ContentFilter(ContentType.RECORDED, ids)


def _filter_sql(filters: ContentFilter, params: dict[str, Any]) -> str:
    clauses = []
    if filters.content_type is not None:
        clauses.append("content_type = $content_type")
        params["content_type"] = filters.content_type.value
    if filters.content_ids:
        clauses.append("list_contains($content_ids, content_id)")
        params["content_ids"] = list(filters.content_ids)
    return "".join(f" AND {clause}" for clause in clauses)


# --- aggregate metrics -----------------------------------------------------------------------


def metric(
    cur: duckdb.DuckDBPyConnection,
    metric: Metric,
    dimension: Dimension,
    window: Window,
    filters: ContentFilter,
    page: PageRequest,
    now: datetime,
) -> Answer:
    """Views started in [from, min(to, now)), bucketed by `dimension` (see the package doc)."""
    start = naive_utc(window.start)
    end = min(naive_utc(window.end), naive_utc(now))
    value_sql = METRIC_VALUE_SQL[metric]
    if dimension is Dimension.SUMMARY:
        value = 0
        if end > start:
            params: dict[str, Any] = {"start": start, "end": end}
            where = _filter_sql(filters, params)
            value = _run(
                cur,
                f"SELECT {value_sql} FROM views "
                f"WHERE started_at >= $start AND started_at < $end{where}",
                params,
            ).fetchone()[0]
        rows = [{"dimension_type": "summary", "point": metric.point_name, "value": int(value)}]
        return Answer(1, rows[page.offset : page.offset + page.limit])
    if dimension.is_time:
        return _time_series(cur, value_sql, dimension, window, start, end, filters, page)
    if end <= start:
        return Answer(0, [])
    params = {"start": start, "end": end}
    where = _filter_sql(filters, params)
    column = CATEGORY_COLUMN[dimension]
    grouped = _run(
        cur,
        f"""
        SELECT {column} AS point, {value_sql} AS value FROM views
        WHERE started_at >= $start AND started_at < $end{where}
        GROUP BY 1 HAVING value > 0 ORDER BY value DESC, point
        """,
        params,
    ).fetchall()
    rows = [
        {"dimension_type": dimension.value, "point": point, "value": int(value)}
        for point, value in grouped[page.offset : page.offset + page.limit]
    ]
    return Answer(len(grouped), rows)


def _floor_bucket(local: datetime, dimension: Dimension) -> datetime:
    local = local.replace(minute=0, second=0, microsecond=0)
    if dimension is Dimension.HOUR:
        return local
    local = local.replace(hour=0)
    return local if dimension is Dimension.DAY else local.replace(day=1)


def _shift_bucket(bucket: datetime, dimension: Dimension, steps: int) -> datetime:
    if dimension is Dimension.HOUR:
        return bucket + timedelta(hours=steps)
    if dimension is Dimension.DAY:
        return bucket + timedelta(days=steps)
    months = bucket.year * 12 + bucket.month - 1 + steps
    return bucket.replace(year=months // 12, month=months % 12 + 1)


def _bucket_index(first: datetime, bucket: datetime, dimension: Dimension) -> int:
    if dimension is Dimension.HOUR:
        return int((bucket - first) / timedelta(hours=1))
    if dimension is Dimension.DAY:
        return (bucket - first).days
    return (bucket.year - first.year) * 12 + bucket.month - first.month


def _minus(local: datetime, offset: timedelta) -> datetime:
    """local - offset, saturating at the ends of the datetime range."""
    try:
        return local - offset
    except OverflowError:
        return datetime.min if offset > timedelta(0) else datetime.max


def _time_series(cur, value_sql, dimension, window, start, end, filters, page) -> Answer:
    """Every calendar bucket from the one holding `from` to the one holding min(to, now),
    zeros included; bucket bounds are computed, so only the requested page is queried."""
    if end <= start:
        return Answer(0, [])
    offset = window.offset
    first = _floor_bucket(start + offset, dimension)
    last = _floor_bucket(end + offset - timedelta(microseconds=1), dimension)
    count = _bucket_index(first, last, dimension) + 1
    if page.offset >= count:
        return Answer(count, [])
    page_count = min(page.limit, count - page.offset)
    try:
        buckets = [_shift_bucket(first, dimension, page.offset + i) for i in range(page_count + 1)]
    except (OverflowError, ValueError):  # the bucket after year 9999's last one
        buckets = [_shift_bucket(first, dimension, page.offset + i) for i in range(page_count)]
        buckets.append(datetime.max)
    lo = max(start, _minus(buckets[0], offset))
    hi = min(end, _minus(buckets[-1], offset))
    params: dict[str, Any] = {"lo": lo, "hi": hi, "offset": offset.total_seconds()}
    where = _filter_sql(filters, params)
    unit = {Dimension.HOUR: "hour", Dimension.DAY: "day", Dimension.MONTH: "month"}[dimension]
    values = dict(
        _run(
            cur,
            f"""
            SELECT date_trunc('{unit}', started_at + to_seconds($offset)) AS bucket,
                   {value_sql} AS value
            FROM views WHERE started_at >= $lo AND started_at < $hi{where}
            GROUP BY 1
            """,
            params,
        ).fetchall()
    )
    rows = [
        {
            "dimension_type": dimension.value,
            "point": window.format_local(bucket),
            "value": int(values.get(bucket, 0)),
        }
        for bucket in buckets[:page_count]
    ]
    return Answer(count, rows)


# --- peak concurrent viewers -----------------------------------------------------------------


def _floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1)
    remainder = (moment - epoch) % step
    return moment if not remainder else moment + (step - remainder)


def _floor(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1)
    return moment - (moment - epoch) % step


def _live_minute_sql(filters_sql: str) -> str:
    """Peak during the current, unfinished minute [cm, now], swept from the raw segments."""
    return f"""
    intervals AS (
      SELECT content_type, content_id, view_session_id, greatest(started_at, $cm) AS s,
             CASE WHEN finished_at IS NULL OR finished_at > $now THEN $now_after
                  ELSE finished_at END AS e
      FROM segments
      WHERE started_at <= $now AND (finished_at IS NULL OR finished_at > $cm)
            AND $cm >= $m_lo AND $cm < $m_hi {filters_sql}
    ),
    {MERGED_INTERVALS_SQL},
    live AS (
      SELECT content_type, content_id, $cm AS minute, max(level)::BIGINT AS value
      FROM levels GROUP BY ALL HAVING max(level) > 0
    )
    """


def _peak_params(window: Window, filters: ContentFilter, now: datetime):
    """The bound parameters, the live current minute's SQL and the filter of a peak query."""
    now_utc = naive_utc(now)
    current = _floor_minute(now_utc)
    m_lo = _floor_minute(naive_utc(window.start))
    # Minutes < m_hi overlap the window; nothing exists after the current minute.
    m_hi = _ceil(min(naive_utc(window.end), current + MINUTE), MINUTE)
    table_hi = min(m_hi, current)
    params: dict[str, Any] = {
        "m_lo": m_lo,
        "m_hi": m_hi,
        "table_hi": table_hi,
        "cm": current,
        "now": now_utc,
        "now_after": now_utc + timedelta(microseconds=1),
        "offset": window.offset.total_seconds(),
    }
    filters_sql = _filter_sql(filters, params)
    return params, _live_minute_sql(filters_sql), filters_sql


def _minute_source(filters_sql: str) -> str:
    return f"""
      SELECT content_type, content_id, minute, value FROM peak_minute
      WHERE minute >= $m_lo AND minute < $table_hi {filters_sql}
      UNION ALL SELECT * FROM live
    """


def peaks(
    cur: duckdb.DuckDBPyConnection,
    granularity: PeakGranularity,
    window: Window,
    filters: ContentFilter,
    page: PageRequest,
    now: datetime,
) -> Answer:
    """Per content and minute (hour, day, month), the peak concurrent playbacks; only > 0.

    Minutes that overlap [from, to) count; complete minutes come from peak_minute, the
    current minute is swept live so that nothing after `now` leaks in. Larger buckets (in
    the offset of `from`) hold the maximum over their minutes.
    """
    filters = resolve_channels(cur, filters)
    params, live_sql, filters_sql = _peak_params(window, filters, now)
    if granularity is PeakGranularity.MINUTE and not filters.content_ids:
        total, rows = _minute_peaks_by_row_number(cur, live_sql, filters, params, page)
    else:
        if granularity is PeakGranularity.MINUTE:
            source = _minute_source(filters_sql)
        else:
            source = f"""
              SELECT content_type, content_id,
                     date_trunc('{granularity.value}', minute + to_seconds($offset))
                       - to_seconds($offset) AS minute,
                     max(value) AS value
              FROM ({_minutes_for_hours(window, params, filters_sql)}
                    UNION ALL SELECT * FROM live)
              GROUP BY ALL
            """
        total, rows = _sorted_page(cur, live_sql, source, params, page)
    return _bucket_answer(total, [(*row[:2], window.format(row[2]), row[3]) for row in rows])


def _bucket_answer(total: int, rows: list[tuple]) -> Answer:
    """Rows of (content_type, content_id, formatted time, value) as PeakSeries /
    ViewerSecondSeries attributes."""
    return Answer(
        int(total),
        [
            {
                "content_type": content_type,
                "content_id": int(content_id),
                "time": time,
                "value": int(value),
            }
            for content_type, content_id, time, value in rows
        ],
    )


def peak_summary(
    cur: duckdb.DuckDBPyConnection, window: Window, filters: ContentFilter, now: datetime
) -> tuple[str, int, datetime, int] | None:
    """The content's highest minute peak in the window and the (first) minute it happened:
    (content_type, content_id, minute in naive UTC, value), or None when nobody watched."""
    params, live_sql, filters_sql = _peak_params(window, filters, now)
    return _run(
        cur,
        f"""WITH {live_sql}, answer AS ({_minute_source(filters_sql)})
            SELECT content_type, content_id, minute, value FROM answer
            ORDER BY value DESC, minute LIMIT 1""",
        params,
    ).fetchone()


def _sorted_page(cur, live_sql: str, source: str, params: dict, page: PageRequest):
    """The page of `source` ordered by time, type, id, and the total count."""
    if page.offset > 2**62:
        rows = []
    else:
        rows = _run(
            cur,
            f"""
            WITH {live_sql}, answer AS ({source})
            SELECT content_type, content_id, minute, value, count(*) OVER () AS total
            FROM answer ORDER BY minute, content_type, content_id
            LIMIT $limit OFFSET $skip
            """,
            {**params, "limit": page.limit, "skip": page.offset},
        ).fetchall()
    if rows:
        return rows[0][4], [row[:4] for row in rows]
    count = _run(cur, f"WITH {live_sql}, answer AS ({source}) SELECT count(*) FROM answer", params)
    return count.fetchone()[0], []


def _minute_peaks_by_row_number(
    cur, live_sql: str, filters: ContentFilter, params: dict, page: PageRequest
):
    """Minute peaks without id filters: peak_minute is stored in answer order with a row number
    (overall, and per content type), so the window is a row-number range and any page is read
    directly, however deep. The live current minute follows the stored minutes."""
    column = "rn" if filters.content_type is None else "rn_type"
    type_sql = "" if filters.content_type is None else " AND content_type = $content_type"
    first, stored = _run(
        cur,
        f"""SELECT min({column}), count(*) FROM peak_minute
            WHERE minute >= $m_lo AND minute < $table_hi{type_sql}""",
        params,
    ).fetchone()
    live = _run(
        cur,
        f"WITH {live_sql} SELECT * FROM live ORDER BY content_type, content_id",
        params,
    ).fetchall()
    total = stored + len(live)
    if page.offset >= total:
        return total, []
    rows = []
    if page.offset < stored:
        rows = _run(
            cur,
            f"""SELECT content_type, content_id, minute, value FROM peak_minute
                WHERE {column} >= $lo AND {column} < $hi{type_sql} ORDER BY {column}""",
            {
                **params,
                "lo": first + page.offset,
                "hi": first + min(page.offset + page.limit, stored),
            },
        ).fetchall()
    live_from = max(0, page.offset - stored)
    rows += live[live_from : live_from + page.limit - len(rows)]
    return total, rows


def _minutes_for_hours(window: Window, params: dict[str, Any], filters_sql: str) -> str:
    """Per-minute peaks in the window, read from peak_quarter where whole quarter hours fit
    (offsets that are multiples of 15 minutes), from peak_minute at the edges."""
    m_lo, table_hi = params["m_lo"], params["table_hi"]
    if window.offset_seconds % 900:
        return f"""SELECT content_type, content_id, minute, value FROM peak_minute
                   WHERE minute >= $m_lo AND minute < $table_hi {filters_sql}"""
    q_lo = _ceil(m_lo, QUARTER)
    q_hi = _floor(table_hi, QUARTER)
    if q_lo >= q_hi:
        q_lo = q_hi = table_hi
    params.update(q_lo=q_lo, q_hi=q_hi)
    return f"""
      SELECT content_type, content_id, quarter AS minute, value FROM peak_quarter
      WHERE quarter >= $q_lo AND quarter < $q_hi {filters_sql}
      UNION ALL
      SELECT content_type, content_id, minute, value FROM peak_minute
      WHERE ((minute >= $m_lo AND minute < least($q_lo, $table_hi))
             OR (minute >= greatest($q_hi, $m_lo) AND minute < $table_hi)) {filters_sql}
    """


# --- viewer-seconds (watch time) ------------------------------------------------------------


def _watched_sql(filters_sql: str) -> str:
    """Each segment's watched stretch inside [start, end) (end <= now; a running segment has
    played until now), shifted into the window's offset."""
    return f"""
    watched AS (
      SELECT content_type, content_id,
             greatest(started_at, $start) + to_seconds($offset) AS s,
             least(coalesce(finished_at, $end), $end) + to_seconds($offset) AS e
      FROM segments
      WHERE started_at < $end AND (finished_at IS NULL OR finished_at > $start) {filters_sql}
    )
    """


def _watch_params(window: Window, filters: ContentFilter, now: datetime):
    start = naive_utc(window.start)
    end = min(naive_utc(window.end), naive_utc(now))
    params: dict[str, Any] = {"start": start, "end": end, "offset": window.offset.total_seconds()}
    return params, _filter_sql(filters, params), end > start


def viewer_seconds(
    cur: duckdb.DuckDBPyConnection,
    granularity: PeakGranularity,
    window: Window,
    filters: ContentFilter,
    page: PageRequest,
    now: datetime,
) -> Answer:
    """Per content and minute (hour, day, month; in the offset of `from`), the seconds watched
    inside [from, min(to, now)): segments are clipped to the range and split at bucket bounds.
    Only buckets with a value > 0, ordered by time, then content_type, then content_id."""
    filters = resolve_channels(cur, filters)
    params, filters_sql, nonempty = _watch_params(window, filters, now)
    if not nonempty or page.offset > 2**62:
        return Answer(0, [])
    unit = granularity.value
    rows = _run(
        cur,
        f"""
        WITH {_watched_sql(filters_sql)},
        pieces AS (
          SELECT content_type, content_id, s, e,
                 unnest(range(date_trunc('{unit}', s), e, INTERVAL 1 {unit})) AS bucket
          FROM watched WHERE e > s
        ),
        answer AS (
          SELECT content_type, content_id, bucket,
                 round(sum(epoch(least(e, bucket + INTERVAL 1 {unit}))
                           - epoch(greatest(s, bucket))))::BIGINT AS value
          FROM pieces GROUP BY ALL HAVING value > 0
        )
        SELECT content_type, content_id, bucket, value, count(*) OVER () AS total
        FROM answer ORDER BY bucket, content_type, content_id
        LIMIT $limit OFFSET $skip
        """,
        {**params, "limit": page.limit, "skip": page.offset},
    ).fetchall()
    if rows:
        total = rows[0][4]
    elif page.offset == 0:
        total = 0
    else:  # past the last page: count on the first one
        total = viewer_seconds(cur, granularity, window, filters, PageRequest(1, 1), now).count
    return _bucket_answer(total, [(*row[:2], window.format_local(row[2]), row[3]) for row in rows])


def viewer_seconds_summary(
    cur: duckdb.DuckDBPyConnection, window: Window, filters: ContentFilter, now: datetime
) -> int:
    """Seconds watched of the filtered contents inside [from, min(to, now))."""
    params, filters_sql, nonempty = _watch_params(window, filters, now)
    if not nonempty:
        return 0
    value = _run(
        cur,
        f"WITH {_watched_sql(filters_sql)} "
        "SELECT round(coalesce(sum(epoch(e) - epoch(s)), 0))::BIGINT FROM watched WHERE e > s",
        params,
    ).fetchone()[0]
    return int(value)


# --- raw views and viewers -------------------------------------------------------------------


def _time_sql(column: str) -> str:
    return f"strftime({column} + to_seconds($offset), '%Y-%m-%dT%H:%M:%S') || $offset_text"


FINISHED_SQL = "CASE WHEN finished_at IS NOT NULL AND finished_at <= $now THEN finished_at END"

DEVICE_INFO_SQL = """{
  'browser': {'family': browser_family, 'major': browser_major, 'minor': browser_minor,
              'patch': browser_patch},
  'os': {'family': os_family, 'major': os_major, 'minor': os_minor, 'patch': os_patch,
         'patch_minor': os_patch_minor},
  'device': {'family': device_family, 'brand': device_brand, 'model': device_model}
}"""


def _segment_struct_sql(id_key: str, with_viewer: bool) -> str:
    """A segment's attributes as a STRUCT, in the documented key order. to_json() of a struct
    writes it in one pass (nested json_object() calls re-parse each level: ~1.6x slower)."""
    viewer = "'viewer_identifier': viewer_identifier," if with_viewer else ""
    return f"""{{
      '{id_key}': id, 'content_type': content_type, 'content_id': content_id,
      'started_at': {_time_sql("started_at")},
      'finished_at': CASE WHEN fin IS NULL THEN NULL ELSE {_time_sql("fin")} END,
      'from': pos_from, 'to': CASE WHEN fin IS NULL THEN NULL ELSE pos_to END,
      {viewer}
      'country': country, 'city': city, 'is_mobile_view': is_mobile_view,
      'view_type': view_type, 'client_id': client_id, 'view_session_id': view_session_id,
      'device_info': {DEVICE_INFO_SQL}}}"""


def _range_sql(inclusive: bool, unfinished: bool) -> str:
    """The documented /views rules over [from, to), with `fin` null for unfinished segments."""
    started_in = "(started_at >= $start AND started_at < $end)"
    if inclusive:
        condition = f"({started_in} OR (fin > $start AND fin <= $end))"
    else:
        condition = f"({started_in} AND (fin IS NULL OR fin <= $end))"
    if not unfinished:
        condition += " AND fin IS NOT NULL"
    return condition


def _segment_params(window: Window, now: datetime) -> dict[str, Any]:
    return {
        "start": naive_utc(window.start),
        "end": naive_utc(window.end),
        "now": naive_utc(now),
        "offset": window.offset.total_seconds(),
        "offset_text": window.offset_text,
    }


def views(
    cur: duckdb.DuckDBPyConnection,
    window: Window,
    filters: ContentFilter,
    page: PageRequest,
    now: datetime,
    *,
    inclusive_range: bool,
    list_unfinished_segments: bool,
    selections: Selections | None = None,
) -> Answer:
    """Segments matching the documented range rules, ordered by start time (`seq`).

    The sorted seqs of all matches are kept in `selections` (see selections.py), so a page is
    a slice of them; its JSON is then built from the one seq range the slice spans.
    """
    params = _segment_params(window, now)
    where = _filter_sql(filters, params)
    selected = f"""
      SELECT *, {FINISHED_SQL} AS fin FROM segments WHERE started_at <= $now {where}
    """
    condition = _range_sql(inclusive_range, list_unfinished_segments)

    def select() -> np.ndarray:
        sql = f"SELECT seq FROM ({selected}) WHERE {condition} ORDER BY seq"
        return _run(cur, sql, params).fetchnumpy()["seq"].astype(np.int64)

    def unchanged(earlier: datetime, later: datetime) -> bool:
        """No segment that could match started or finished in (earlier, later]."""
        sql = f"""SELECT NOT EXISTS (SELECT 1 FROM segments WHERE started_at < $end {where}
                  AND (started_at > $earlier AND started_at <= $later
                       OR finished_at > $earlier AND finished_at <= $later))"""
        changes = {**params, "earlier": naive_utc(earlier), "later": naive_utc(later)}
        return bool(_run(cur, sql, changes).fetchone()[0])

    key = (window, filters, inclusive_range, list_unfinished_segments)
    seqs = (selections or Selections(size=0)).seqs(key, now, select, unchanged)
    if page.offset >= len(seqs):
        return Answer(len(seqs), json_rows=b"[]")
    first, last = seqs[page.offset], seqs[min(page.offset + page.limit, len(seqs)) - 1]
    body = _run(
        cur,
        f"""
        SELECT encode('[' || string_agg(
                 to_json({{'attributes': {_segment_struct_sql("view_id", True)}, 'type': 'View'}}),
                 ',' ORDER BY seq) || ']')
        FROM ({selected} AND seq BETWEEN $first AND $last) WHERE {condition}
        """,
        {**params, "first": int(first), "last": int(last)},
    ).fetchone()[0]
    return Answer(len(seqs), json_rows=body)


def viewers(
    cur: duckdb.DuckDBPyConnection,
    window: Window,
    filters: ContentFilter,
    page: PageRequest,
    now: datetime,
    *,
    viewer_identifier: str,
    list_unfinished_segments: bool,
) -> Answer:
    """Signed-in viewers whose identifier contains `viewer_identifier` (any case), each once,
    ordered by identifier, with their segments in the range (the /views inclusive rules)."""
    params = _segment_params(window, now)
    params["needle"] = viewer_identifier.lower()
    where = _filter_sql(filters, params)
    condition = _range_sql(True, list_unfinished_segments)
    ctes = f"""
      selected AS (
        SELECT *, {FINISHED_SQL} AS fin FROM segments
        WHERE started_at <= $now AND viewer_identifier <> ''
              AND contains(lower(viewer_identifier), $needle) {where}
      ),
      seg AS (SELECT * FROM selected WHERE {condition}),
      per_viewer AS (
        SELECT viewer_identifier,
               count(DISTINCT (content_type, content_id)) AS videos_watched,
               max(coalesce(fin, started_at)) AS last_activity
        FROM seg GROUP BY viewer_identifier
      )
    """
    count = _run(cur, f"WITH {ctes} SELECT count(*) FROM per_viewer", params).fetchone()[0]
    if page.offset >= count:
        return Answer(int(count), json_rows=b"[]")
    body = _run(
        cur,
        f"""
        WITH {ctes},
        page AS (
          SELECT * FROM per_viewer ORDER BY viewer_identifier LIMIT $limit OFFSET $skip
        ),
        page_segments AS (
          SELECT viewer_identifier,
                 string_agg(to_json({_segment_struct_sql("id", False)}), ',' ORDER BY seq)
                   AS segments
          FROM seg WHERE viewer_identifier IN (SELECT viewer_identifier FROM page)
          GROUP BY viewer_identifier
        )
        -- Assembled as text: the segments are JSON already and need no re-parsing.
        SELECT encode('[' || string_agg(
                 '{{"attributes":{{"viewer_identifier":' || to_json(viewer_identifier)
                 || ',"videos_watched":' || videos_watched
                 || ',"last_activity":' || to_json({_time_sql("last_activity")})
                 || ',"segments":[' || segments || ']}},"type":"Viewer"}}',
                 ',' ORDER BY viewer_identifier) || ']')
        FROM page JOIN page_segments USING (viewer_identifier)
        """,
        {**params, "limit": page.limit, "skip": page.offset},
    ).fetchone()[0]
    return Answer(int(count), json_rows=body)
