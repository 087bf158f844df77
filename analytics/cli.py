"""The command line, `python -m analytics COMMAND` (or `ibm-video-analytics COMMAND`).

`fetch ENDPOINT` lives here: it exports Analytics API data as CSV or JSON, from the configured
account or, without credentials, the embedded demo API (chosen by `analytics.wiring`). Views
and viewers stream page by page to the output (constant memory). Exit status: 0 done, 1 the API
or the output failed, 2 bad input or configuration; always one line on stderr.

The other commands live in their own modules, which offer `register(subparsers)` and are
imported lazily by name, so `fetch` never pays for FastAPI and `demo-api` never pays for the
dashboard.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from analytics.api import AnalyticsClient, ApiError, ApiSettings, Catalogue, PageStream, Result
from analytics.api.catalogue import CATALOGUE_COLUMNS
from analytics.api.errors import redact
from analytics.api.export import FORMATS, FrameWriter, check_output, open_output
from analytics.api.queries import (
    ContentType,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    PeakSummaryQuery,
    Query,
    TimeRange,
    ViewerSecondsQuery,
    ViewerSecondsSummaryQuery,
    ViewersQuery,
    ViewsQuery,
)
from analytics.wiring import open_client

# Command -> the module that registers it (imported only when that command runs).
COMMAND_MODULES = {
    "demo-api": "analytics.demo.cli",
    "fetch": "analytics.cli",
    "add-user": "analytics.dashboard.users_cli",
    "report": "analytics.reports.cli",
}
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_DAYS = 7
PEAK_ENDPOINT = "peak-viewers"
VIEWER_SECONDS_ENDPOINT = "viewer-seconds"  # current API only
SERIES_ENDPOINTS = {PEAK_ENDPOINT, VIEWER_SECONDS_ENDPOINT}
CONTENTS_ENDPOINT = "contents"  # the catalogue of titles (Channel API), not the Analytics API
ENDPOINTS = [
    *(m.value for m in Metric),
    PEAK_ENDPOINT,
    VIEWER_SECONDS_ENDPOINT,
    "viewers",
    "views",
    CONTENTS_ENDPOINT,
]
METRIC_COLUMNS = ["point", "value"]
PEAK_COLUMNS = ["content_type", "content_id", "time", "value"]
VIEWER_SECONDS_SUMMARY_COLUMNS = ["content_type", "content_id", "value"]
VIEWER_COLUMNS = ["viewer_identifier", "videos_watched", "last_activity"]
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Endpoint-specific options: dest -> (flag, endpoints it applies to).
SPECIFIC_OPTIONS = {
    "dimension": ("--dimension", {m.value for m in Metric}),
    "granularity": ("--granularity", SERIES_ENDPOINTS),
    "summary": ("--summary", SERIES_ENDPOINTS),
    "channel_id": ("--channel-id", {*SERIES_ENDPOINTS, "views"}),
    "viewer_identifier": ("--viewer-identifier", {"viewers"}),
    "list_unfinished_segments": ("--list-unfinished-segments", {"viewers", "views"}),
    "inclusive_range": ("--inclusive-range", {"views"}),
    "with_titles": ("--with-titles", {*SERIES_ENDPOINTS, "views"}),
}

EPILOG = f"""\
time range:
  --from/--to take ISO 8601 dates or date-times. Without an offset they are read in --tz;
  a date alone in --to means the end of that day. Without --from/--to the last {DEFAULT_DAYS} days
  up to now (to the minute) are fetched. Timestamps in the output are in --tz (default UTC).

output:
  --output FILE is written as FILE.part and renamed when complete (an existing FILE is replaced
  only then); a device or FIFO (e.g. /dev/null, a named pipe) is written to directly, and a
  symbolic link is refused (give its target). SIGINT, SIGTERM or SIGHUP stop the export, remove
  FILE.part and exit non-zero. CSV files (--output *.csv) get spreadsheet formula escaping: text
  cells starting with = + - @ tab CR LF get a leading ' (--no-csv-escape turns it off;
  --csv-escape turns it on for standard output).

credentials (environment, see docs/configuration.md):
  IBM_VIDEO_CLIENT_ID + IBM_VIDEO_CLIENT_SECRET, or IBM_VIDEO_ANALYTICS_TOKEN;
  with none of them the built-in demo API is used.

examples:
  python -m analytics fetch total-views --dimension day --from 2026-11-01 --to 2026-11-30 \\
      --tz Europe/Budapest
  python -m analytics fetch unique-devices --content-type live --content-id 123 --content-id 456
  python -m analytics fetch peak-viewers --granularity hour --format json --output peaks.json
  python -m analytics fetch peak-viewers --summary --content-type live --content-id 123
  python -m analytics fetch viewer-seconds --granularity day --channel-id 123,456
  python -m analytics fetch total-views --dimension country
  python -m analytics fetch views --content-type recorded --no-list-unfinished-segments \\
      --output views.csv
  python -m analytics fetch viewers --viewer-identifier @example.com
  python -m analytics fetch views --content-type recorded --with-titles --output views.csv
  python -m analytics fetch contents --content-type recorded

exit status: 0 done, 1 the API or writing the output failed, 2 bad input or configuration.
"""


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((arg for arg in argv if arg in COMMAND_MODULES), None)
    args = build_parser(command).parse_args(argv)
    return int(args.func(args) or 0)


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """Every command's name; the full options only of `command` (all of them when None)."""
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="IBM Video Analytics: demo API server, data exports, dashboard users.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMAND_MODULES.items():
        if command in (None, name):
            importlib.import_module(module_name).register(subparsers)
        else:
            subparsers.add_parser(name)
    return parser


# --- fetch ------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="export Analytics API data as CSV or JSON",
        description="Fetch one Analytics API endpoint family and write it as CSV or JSON.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.error = _one_line_error(parser)  # type: ignore[method-assign]
    parser.add_argument(
        "endpoint", metavar="ENDPOINT", choices=ENDPOINTS, help=" | ".join(ENDPOINTS)
    )

    which = parser.add_argument_group("endpoint options")
    which.add_argument(
        "--dimension",
        choices=[d.value for d in Dimension],
        help="metrics only: summary (default) or the breakdown (country and region: current "
        "API; location: v1.0.3)",
    )
    which.add_argument(
        "--granularity",
        choices=[g.value for g in PeakGranularity],
        help="peak-viewers and viewer-seconds (default minute; day and month: current API)",
    )
    which.add_argument(
        "--summary",
        action="store_true",
        default=None,
        help="peak-viewers and viewer-seconds: one content's total (viewer-seconds) or highest "
        "peak and when (peak-viewers); needs --content-type and one --content-id",
    )
    which.add_argument(
        "--channel-id",
        metavar="ID",
        action="append",
        default=None,
        help="views, peak-viewers, viewer-seconds: the recorded videos of these channels "
        "(repeatable or comma-separated; current API)",
    )
    which.add_argument(
        "--viewer-identifier", metavar="TEXT", help="viewers only: identifiers containing TEXT"
    )
    which.add_argument(
        "--list-unfinished-segments",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="viewers and views: include segments still running (default: yes)",
    )
    which.add_argument(
        "--with-titles",
        action="store_true",
        default=None,
        help="views, peak-viewers, viewer-seconds: a title column beside content_id (from the "
        "Channel API; left empty, with a note, when titles are unavailable)",
    )
    which.add_argument(
        "--inclusive-range",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="views only: include segments that overlap the range's edges (default: yes)",
    )

    common = parser.add_argument_group("common options")
    common.add_argument("--content-type", choices=[c.value for c in ContentType])
    common.add_argument(
        "--content-id",
        metavar="ID",
        action="append",
        default=[],
        help="a content id (repeatable; needs --content-type)",
    )
    common.add_argument("--from", dest="start", metavar="WHEN", help="start (ISO 8601)")
    common.add_argument("--to", dest="end", metavar="WHEN", help="end (ISO 8601)")
    common.add_argument("--tz", default="UTC", metavar="ZONE", help="IANA time zone (default UTC)")
    common.add_argument("--format", choices=FORMATS, default="csv", help="default csv")
    common.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    common.add_argument(
        "--csv-escape",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="prefix text cells a spreadsheet would run as formulas with ' (default: yes for "
        "--output *.csv, no for standard output)",
    )
    common.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read and write the API cache (default: yes, except for views and viewers, "
        "whose raw exports stream past it)",
    )
    common.add_argument("--quiet", "-q", action="store_true", help="no progress or notices")
    common.add_argument(
        "--verbose", "-v", action="count", default=0, help="log requests to stderr (-vv: debug)"
    )
    parser.set_defaults(func=run)


def _one_line_error(parser: argparse.ArgumentParser) -> Callable[[str], NoReturn]:
    def error(message: str) -> NoReturn:
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {message} (see --help)\n")

    return error


# --- building the query -----------------------------------------------------------------------


def parse_when(text: str, tz: str, *, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is read in `tz`."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    try:
        if end_of_day and DATE_ONLY.match(value):
            moment = (moment + timedelta(days=1)).replace(tzinfo=ZoneInfo(tz))
        moment.astimezone(UTC)  # every instant the API is sent must exist in UTC too
    except OverflowError:
        raise ValueError(f"{text!r} is out of the supported range (years 1 to 9999)") from None
    return moment


def time_range_from(start: str | None, end: str | None, tz: str) -> TimeRange:
    """--from/--to; --to defaults to now (to the minute), --from to DEFAULT_DAYS before --to."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"--tz: unknown time zone {tz!r}") from None
    try:
        end_at = parse_when(end, tz, end_of_day=True) if end else TimeRange.last(timedelta(1)).end
    except ValueError as exc:
        raise ValueError(f"--to: {exc}") from None
    try:
        start_at = parse_when(start, tz) if start else end_at - timedelta(days=DEFAULT_DAYS)
    except ValueError as exc:
        raise ValueError(f"--from: {exc}") from None
    try:
        return TimeRange(start_at, end_at)
    except ValueError as exc:
        raise ValueError(f"--from/--to: {str(exc).removeprefix('time_range: ')}") from None


@dataclass(frozen=True)
class ContentsListing:
    """`fetch contents`: the catalogue, of one type and some ids (empty: all)."""

    content_type: str | None
    content_ids: tuple[int, ...]


def build_query(args: argparse.Namespace) -> Query | ContentsListing:
    """The typed query for the arguments; ValueError names what is wrong."""
    for dest, (flag, endpoints) in SPECIFIC_OPTIONS.items():
        if getattr(args, dest) is not None and args.endpoint not in endpoints:
            raise ValueError(f"{flag} does not apply to {args.endpoint}")
    if args.endpoint == CONTENTS_ENDPOINT:
        return _contents_listing(args)
    time_range = time_range_from(args.start, args.end, args.tz)
    ids = _ids(args.content_id)
    common: dict[str, Any] = {
        "time_range": time_range,
        "content_type": args.content_type,
        "content_ids": ids,
        "tz": args.tz,
    }
    channels = {"channel_ids": _ids(args.channel_id or [])}
    try:
        if args.endpoint in {m.value for m in Metric}:
            return MetricQuery(
                metric=args.endpoint, dimension=args.dimension or Dimension.SUMMARY, **common
            )
        if args.summary:
            return _summary_query(args, ids, time_range)
        granularity = args.granularity or PeakGranularity.MINUTE
        if args.endpoint == PEAK_ENDPOINT:
            return PeakQuery(granularity=granularity, **common, **channels)
        if args.endpoint == VIEWER_SECONDS_ENDPOINT:
            return ViewerSecondsQuery(granularity=granularity, **common, **channels)
        unfinished = args.list_unfinished_segments is not False
        if args.endpoint == "viewers":
            return ViewersQuery(
                viewer_identifier=args.viewer_identifier,
                list_unfinished_segments=unfinished,
                **common,
            )
        return ViewsQuery(
            list_unfinished_segments=unfinished,
            inclusive_range=args.inclusive_range is not False,
            **common,
            **channels,
        )
    except ValueError as exc:
        raise ValueError(_as_flags(str(exc))) from None


def _contents_listing(args: argparse.Namespace) -> ContentsListing:
    for flag, given in (("--from", args.start), ("--to", args.end)):
        if given is not None:
            raise ValueError(f"{flag} does not apply to {CONTENTS_ENDPOINT}")
    try:
        ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"--tz: unknown time zone {args.tz!r}") from None
    ids = _ids(args.content_id)
    if ids and args.content_type is None:
        raise ValueError("--content-id needs --content-type")
    try:
        numbers = tuple(int(i) for i in ids)
    except ValueError:
        raise ValueError("--content-id: expected whole numbers") from None
    return ContentsListing(args.content_type, numbers)


def _ids(values: list[str]) -> list[str]:
    """Repeated and comma-separated ids, in one list."""
    return [part for value in values for part in value.split(",") if part.strip()]


def _summary_query(
    args: argparse.Namespace, ids: list[str], time_range: TimeRange
) -> PeakSummaryQuery:
    """--summary: one content of one type (the summary endpoints take one id)."""
    for flag, given in (("--granularity", args.granularity), ("--channel-id", args.channel_id)):
        if given is not None:
            raise ValueError(f"{flag} does not apply to {args.endpoint} --summary")
    if args.content_type is None or len(ids) != 1:
        raise ValueError("--summary needs --content-type and exactly one --content-id")
    kind = PeakSummaryQuery if args.endpoint == PEAK_ENDPOINT else ViewerSecondsSummaryQuery
    return kind(time_range, args.content_type, ids[0], args.tz)


def _as_flags(message: str) -> str:
    """Query errors name query fields; say the CLI flag instead."""
    for name, flag in (
        ("content_ids and channel_ids", "--content-id and --channel-id"),
        ("content_ids", "--content-id"),
        ("content_id", "--content-id"),
        ("channel_ids", "--channel-id"),
        ("content_type", "--content-type"),
        ("tz", "--tz"),
        ("time_range", "--from/--to"),
    ):
        if message.startswith(f"{name}:"):
            return flag + message[len(name) :]
    return message


# --- running ---------------------------------------------------------------------------------


class Progress:
    """One progress line on stderr for multi-page pulls (rewritten in place on a terminal)."""

    def __init__(self, label: str, stream: TextIO, enabled: bool) -> None:
        self._label = label
        self._stream = stream
        self._enabled = enabled
        self._tty = stream.isatty()
        self._last = 0.0
        self._shown = False

    def __call__(self, pages_done: int, pages_total: int, rows: int) -> None:
        if not self._enabled or pages_total <= 1:
            return
        now = time.monotonic()
        if pages_done < pages_total and now - self._last < (0.2 if self._tty else 2.0):
            return
        self._last = now
        line = f"{self._label}: page {pages_done}/{pages_total}, {rows:,} rows"
        if self._tty:
            self._stream.write(f"\r{line}\x1b[K")
        else:
            self._stream.write(line + "\n")
        self._stream.flush()
        self._shown = True

    def done(self, rows: int, pages: int, target: str) -> None:
        if not self._enabled or not self._shown:
            return
        end = "\r" if self._tty else ""
        self._stream.write(f"{end}{self._label}: {rows:,} rows from {pages} pages -> {target}")
        self._stream.write("\x1b[K\n" if self._tty else "\n")
        self._stream.flush()


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived: stop the export (the output's .part file is removed)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise Stopped in the main thread, so cleanups run (then restored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> NoReturn:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _csv_escape(args: argparse.Namespace) -> bool:
    """Formula escaping: as asked, else for CSV files (not standard output, not JSON)."""
    if args.csv_escape is not None:
        return bool(args.csv_escape) and args.format == "csv"
    to_file = args.output not in (None, "-") and args.output.lower().endswith(".csv")
    return args.format == "csv" and to_file


def _catalogue_for(client: AnalyticsClient, args: argparse.Namespace) -> Catalogue | None:
    """--with-titles: the catalogue (a note when titles are unavailable); else None."""
    if not args.with_titles:
        return None
    catalogue = client.catalogue()
    if catalogue.unavailable_reason and not args.quiet:
        _note(f"{catalogue.unavailable_reason} (the title column is left empty)")
    return catalogue


def _titled(columns: list[str] | None) -> list[str] | None:
    """The columns with `title` right after `content_id`."""
    if columns is None:
        return None
    at = columns.index("content_id") + 1
    return [*columns[:at], "title", *columns[at:]]


def _export_contents(
    client: AnalyticsClient, listing: ContentsListing, args: argparse.Namespace
) -> tuple[int, bool]:
    """`fetch contents`: the catalogue as rows; ApiError when it is unavailable."""
    catalogue = client.catalogue(refresh=args.cache is False)
    if catalogue.unavailable_reason:
        raise ApiError(0, catalogue.unavailable_reason)
    frame = catalogue.frame()
    if listing.content_type is not None:
        frame = frame[frame["content_type"] == listing.content_type]
    if listing.content_ids:
        frame = frame[frame["content_id"].isin(listing.content_ids)]
    frame = frame.assign(created_at=frame["created_at"].dt.tz_convert(args.tz))
    with open_output(args.output) as out:
        writer = FrameWriter(out, args.format, CATALOGUE_COLUMNS, escape_formulas=_csv_escape(args))
        writer.write(frame.reset_index(drop=True))
        writer.finish()
    return writer.rows, catalogue.stale


def _export(client: AnalyticsClient, query: Any, args: argparse.Namespace) -> tuple[int, bool]:
    """Write the query's rows; returns (rows, stale)."""
    if isinstance(query, ContentsListing):
        return _export_contents(client, query, args)
    target = args.output if args.output not in (None, "-") else "stdout"
    catalogue = _catalogue_for(client, args)
    if isinstance(query, (ViewsQuery, ViewersQuery)):
        progress = Progress(args.endpoint, sys.stderr, enabled=not args.quiet)
        stream: PageStream[pd.DataFrame]
        if isinstance(query, ViewsQuery):
            stream = client.iter_views(query)
            columns = None
        else:
            stream = client.iter_viewers(query)
            columns = VIEWER_COLUMNS
        if catalogue is not None:
            columns = _titled(columns)
        with open_output(args.output) as out:
            writer = FrameWriter(out, args.format, columns, escape_formulas=_csv_escape(args))
            try:
                for frame in stream:
                    writer.write(frame if catalogue is None else catalogue.with_titles(frame))
                    progress(stream.pages_done, stream.pages_total or 1, writer.rows)
            finally:
                stream.close()
            writer.finish()
        progress.done(writer.rows, stream.pages_done, target)
        return writer.rows, stream.stale

    result: Result
    if isinstance(query, MetricQuery):
        result, columns = client.metric(query), METRIC_COLUMNS
    elif isinstance(query, ViewerSecondsSummaryQuery):  # before its base class
        result = client.viewer_seconds_summary(query)
        columns = VIEWER_SECONDS_SUMMARY_COLUMNS
    elif isinstance(query, PeakSummaryQuery):
        result, columns = client.peak_summary(query), PEAK_COLUMNS
    elif isinstance(query, ViewerSecondsQuery):
        result, columns = client.viewer_seconds(query), PEAK_COLUMNS
    else:
        result, columns = client.peak_viewers(query), PEAK_COLUMNS
    frame = result.frame
    if catalogue is not None:
        frame, columns = catalogue.with_titles(frame), _titled(columns)
    with open_output(args.output) as out:
        writer = FrameWriter(out, args.format, columns, escape_formulas=_csv_escape(args))
        writer.write(frame)
        writer.finish()
    if result.incomplete_records and not args.quiet:
        _note(
            f"{result.incomplete_records} record(s) had a missing or unreadable value "
            "(left empty, not 0)"
        )
    return writer.rows, result.stale


def run(args: argparse.Namespace) -> int:
    _configure_logging(args.verbose)
    log = logging.getLogger(__name__)
    secrets: tuple[str, ...] = ()
    try:
        query = build_query(args)
        if args.csv_escape and args.format != "csv":
            raise ValueError("--csv-escape applies to --format csv only")
        check_output(args.output)
        settings = ApiSettings.from_env()
        secrets = settings.secrets
        if not _use_cache(args):
            settings = settings.with_changes(cache_enabled=False)
    except ValueError as exc:
        return _fail(f"error: {exc}", EXIT_USAGE)

    opened: list[AnalyticsClient] = []  # for the tokens it fetched, which must not be shown

    def hidden(text: str) -> str:
        return redact(text, opened[0].secrets if opened else secrets)

    redacting = _RedactingFilter(hidden)
    handlers = [*logging.getLogger().handlers, logging.lastResort]
    for handler in handlers:
        if handler is not None:
            handler.addFilter(redacting)
    try:
        with _stop_on_signals(), open_client(settings) as client:
            opened.append(client)
            if client.is_demo and not args.quiet:
                _note("using the built-in demo API (no IBM Video credentials are configured)")
            _rows, stale = _export(client, query, args)
    except Stopped as exc:
        written = "" if args.output in (None, "-") else f"; {args.output} was not written"
        return _fail(f"error: stopped by {exc}{written}", 128 + exc.signum)
    except ApiError as exc:
        return _fail(f"error: {hidden(str(exc))}", EXIT_FAILED)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(f"error: cannot write{where}: {exc.strerror or exc}", EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except ValueError as exc:  # e.g. a query the client refuses
        return _fail(f"error: {hidden(str(exc))}", EXIT_USAGE)
    except Exception as exc:  # the promise: one line, never a traceback (details with -v)
        log.debug("Unexpected failure", exc_info=True)
        message = hidden(f"{type(exc).__name__}: {exc}")
        return _fail(f"error: unexpected failure: {message} (run with -vv for details)", 1)
    finally:
        for handler in handlers:
            if handler is not None:
                handler.removeFilter(redacting)
    if stale and not args.quiet:
        _note("the API failed; some data came from an expired cache entry (stale)")
    return EXIT_OK


def _use_cache(args: argparse.Namespace) -> bool:
    """Raw exports are big and one-off: caching 1M segments would store ~650 MB per export."""
    if args.cache is not None:
        return bool(args.cache)
    return args.endpoint not in ("views", "viewers")


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


def _fail(message: str, status: int) -> int:
    print(" ".join(message.split()), file=sys.stderr)
    return status


def _silence_stdout() -> None:
    """After a closed pipe (e.g. `| head`), stop Python complaining at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


class _RedactingFilter(logging.Filter):
    """Hides secrets (in every form, fetched tokens too) in log lines and their tracebacks."""

    def __init__(self, hide: Callable[[str], str]) -> None:
        super().__init__()
        self._hide = hide

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        hidden = self._hide(message)
        exc_text = self._hide(record.exc_text) if record.exc_text else record.exc_text
        if hidden != message or exc_text != record.exc_text:
            record.msg, record.args = hidden, None
            record.exc_text = exc_text
        return True


def _configure_logging(verbosity: int) -> None:
    if verbosity <= 0:
        return
    logging.basicConfig(
        level=logging.DEBUG if verbosity > 1 else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
