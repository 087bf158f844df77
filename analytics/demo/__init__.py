"""The demo Analytics API: a local, faithful stand-in for IBM Video's Analytics API v1.

It serves the current API (IBM's developer docs: 24 /v1 paths) or, with
api_version="1.0.3", the older v1.0.3 surface (18 paths), and POST /oauth2/token over real
HTTP (FastAPI + uvicorn), answering every request with SQL over an in-process DuckDB store
of generated (or hand-built) view segments. The app uses it when no IBM credentials are
configured; tests and benchmarks talk to it over loopback HTTP.

Semantics (what each endpoint answers; tested on hand-built data in tests/demo):

- Time. A dataset covers `days` whole UTC days up to the end of today; "now" splits it:
  segments that start after now are invisible, segments running at now are unfinished
  (`finished_at` and `to` null). Ranges are half-open [date_time_from, date_time_to).
  A time without an offset is read as America/Los_Angeles. Answers write times with the
  UTC offset of date_time_from, e.g. "2024-07-16T00:00:00+01:00".
- A view is a playback session (view_session_id), made of one or more segments (play,
  pause, seek); its time is its first segment's start, its country/device/view type are
  its first segment's. Aggregates count views that started in [from, min(to, now)).
  - total-views counts views; unique-devices counts distinct client_id;
    authenticated-viewers counts distinct non-empty viewer_identifier.
  - summary: one Series {"dimension_type": "summary", "point": "total_views" |
    "unique_devices" | "authenticated_viewers", "value": n} (0 when nothing matched); its
    pagination holds only count, self, first and last, as the real API's does.
  - month / day / hour: calendar buckets in the UTC offset of date_time_from, every bucket
    from the one holding `from` to the one holding min(to, now), zeros included, oldest
    first; `point` is the bucket start.
  - country (location on v1.0.3): `point` is the ISO 3166-1 alpha-2 country; region: the
    ISO 3166-2 subdivision code (null: unknown place); device: desktop, mobile, tablet, tv or
    other (from the DeviceInfo families); view-source: onsite or offsite. Only categories
    with a value > 0, largest first (ties by point). An unknown dimension (location on the
    current API, country/region on v1.0.3) is a 400.
- Peak concurrent viewers: per content, the maximum number of playbacks running at the
  same instant during a minute (a session's segments are merged, so pauses do not count
  and a session never counts twice); granularity=hour/day/month (day and month: current API
  only) is the maximum over the bucket's minutes, in the offset of date_time_from. Minutes
  that overlap [from, to) count, up to the current minute. Only buckets with a value > 0
  are listed, ordered by time, then content_type, then content_id. The summary path answers
  the content's top minute peak and its first minute (PeakSummary), or no item.
- Viewer-seconds (current API only): seconds watched inside [from, min(to, now)), segments
  clipped to the range and split at bucket bounds, per content and bucket (values > 0, same
  order as peaks); the summary is one content's total (no item when 0).
- Channel scope: recorded videos belong to a live channel (channel id = live content id);
  channel_id selects the recorded videos of those channels.
- content_type paths (live / recorded) filter by the content's type; content_id (a
  comma-separated list, or the parameter repeated) filters by id and is only accepted on
  paths with a content type (elsewhere: 400). Unknown parameters are ignored.
- /views lists segments (view_id = segment id) ordered by start time. With
  inclusive_range=true (default) a segment is listed if it starts in the range or
  finishes in it (exactly the documentation's three rules: a segment that spans the whole
  range, or started before it and is still running, is not listed); with
  inclusive_range=false only segments that start in the range and finish in it or are
  still running. list_unfinished_segments=false drops running segments.
- /viewers lists signed-in viewers (non-empty viewer_identifier) whose identifier contains
  viewer_identifier (case-insensitive), each once, ordered by identifier, with their
  segments in the range (the /views inclusive rules), videos_watched = distinct contents
  among them and last_activity = the latest finish (or start, if running) among them.
- Pagination: _page >= 1 and _limit 1..10000 (default 10); the pagination object has count,
  self, first, prev (null on page 1), next (null on the last page) and last, as relative
  links that keep the other parameters. No rows: count 0, data [] and last = first.
- Errors: 400 {"errors": [{"status", "title", "detail", "source": {"pointer"}}]} with one
  entry per bad parameter; 401 JSON for a missing, malformed, "Bearer "-prefixed, expired
  or foreign token; 404/405 JSON for unknown paths or methods.
- The Channel API (titles; at the root, not under /v1; `routes/channels.py`): the channels
  (live contents) and videos (recorded contents) of the analytics data, same ids, a video's
  `links.channel` being the channel its channel scope uses; deterministic made-up titles,
  lengths and creation times (`catalogue.py`). It takes an ordinary token (the grant without
  token_type=jwt) as `Authorization: Bearer`; channel_api="refuse" answers 403 to all of it.
  A channel's `status` is live (online) while one of its views plays at now, `stats.viewer`
  counts those views and `last_broadcast_at` is the start of its latest broadcast
  (`on_air.py`), so they agree with the analytics answers at the same now.
- Generated data: `segments` background segments over the window, plus the live-now layer
  (`live_now.py`, scaled by `live_now`, 0: none): channels on air all day today and
  yesterday, with moving audiences.
"""

from analytics.demo.dataset import SEGMENT_COLUMNS, segments_frame
from analytics.demo.server import DemoServer, embedded_demo_server, start_demo_server
from analytics.demo.settings import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DemoSettings

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "SEGMENT_COLUMNS",
    "DemoServer",
    "DemoSettings",
    "embedded_demo_server",
    "segments_frame",
    "start_demo_server",
]
