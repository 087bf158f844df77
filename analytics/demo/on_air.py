"""Which channels are on air at a moment, and for how many viewers: the Channel API's `status`,
`stats.viewer` and `last_broadcast_at`, computed from the same segments the Analytics API
answers from, so both agree at the same "now".

- A channel (a live content) is on air ("live" / "online") when at least one of its views is
  playing at `now`: a segment started at or before `now` and not finished by then (the
  segments /views shows unfinished). `stats.viewer` counts those views, so it is at most the
  current minute's peak concurrent viewers of the channel, and 0 exactly when it is off air.
- `last_broadcast_at`: the start of the channel's latest broadcast that began by `now` (the
  current one when on air), a broadcast being a stretch of time with viewers and no gap of
  BROADCAST_GAP or more; absent when nobody has watched the channel yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

BROADCAST_GAP = timedelta(minutes=15)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def viewers_now(cur: duckdb.DuckDBPyConnection, now: datetime) -> dict[int, int]:
    """Channel id -> views playing at `now`, for the channels that have any."""
    rows = cur.execute(
        """SELECT content_id, count(DISTINCT view_session_id) FROM segments
           WHERE content_type = 'live' AND started_at <= $now
                 AND (finished_at IS NULL OR finished_at > $now)
           GROUP BY content_id""",
        {"now": _naive_utc(now)},
    ).fetchall()
    return {int(content_id): int(count) for content_id, count in rows}


def last_broadcast_start(
    cur: duckdb.DuckDBPyConnection, channel_id: int, now: datetime
) -> datetime | None:
    """The start (UTC) of the channel's latest broadcast begun by `now`, None if none was."""
    started = cur.execute(
        """WITH watched AS (
             SELECT started_at AS s, least(coalesce(finished_at, $now), $now) AS e
             FROM segments
             WHERE content_type = 'live' AND content_id = $channel AND started_at <= $now
           ),
           ordered AS (
             SELECT s, max(e) OVER (ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING
                                    AND 1 PRECEDING) AS before_end
             FROM watched
           )
           SELECT max(s) FROM ordered
           WHERE before_end IS NULL OR s >= before_end + to_seconds($gap)""",
        {"now": _naive_utc(now), "channel": channel_id, "gap": BROADCAST_GAP.total_seconds()},
    ).fetchone()[0]
    return None if started is None else started.replace(tzinfo=UTC)
