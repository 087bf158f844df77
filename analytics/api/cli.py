"""`python -m analytics fetch ENDPOINT`: export Analytics API data as CSV or JSON.

Views and viewers stream page by page to the output (constant memory). Exit status: 0 done,
1 the API or the output failed, 2 bad input or configuration; always one line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from .client import AnalyticsClient, PageStream, Result, open_client
from .errors import ApiError, redact
from .export import FORMATS, FrameWriter
from .queries import (
    ContentType,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    TimeRange,
    ViewersQuery,
    ViewsQuery,
)
from .settings import ApiSettings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_DAYS = 7
PEAK_ENDPOINT = "peak-viewers"
ENDPOINTS = [*(m.value for m in Metric), PEAK_ENDPOINT, "viewers", "views"]
METRIC_COLUMNS = ["point", "value"]
PEAK_COLUMNS = ["content_type", "content_id", "time", "value"]
VIEWER_COLUMNS = ["viewer_identifier", "videos_watched", "last_activity"]
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Endpoint-specific options: dest -> (flag, endpoints it applies to).
SPECIFIC_OPTIONS = {
    "dimension": ("--dimension", {m.value for m in Metric}),
    "granularity": ("--granularity", {PEAK_ENDPOINT}),
    "viewer_identifier": ("--viewer-identifier", {"viewers"}),
    "list_unfinished_segments": ("--list-unfinished-segments", {"viewers", "views"}),
    "inclusive_range": ("--inclusive-range", {"views"}),
}

EPILOG = f"""\
time range:
  --from/--to take ISO 8601 dates or date-times. Without an offset they are read in --tz;
  a date alone in --to means the end of that day. Without --from/--to the last {DEFAULT_DAYS} days
  up to now (to the minute) are fetched. Timestamps in the output are in --tz (default UTC).

credentials (environment, see README):
  IBM_VIDEO_CLIENT_ID + IBM_VIDEO_CLIENT_SECRET, or IBM_VIDEO_ANALYTICS_TOKEN;
  with none of them the built-in demo API is used.

examples:
  python -m analytics fetch total-views --dimension day --from 2026-11-01 --to 2026-11-30 \\
      --tz Europe/Budapest
  python -m analytics fetch unique-devices --content-type live --content-id 123 --content-id 456
  python -m analytics fetch peak-viewers --granularity hour --format json --output peaks.json
  python -m analytics fetch views --content-type recorded --no-list-unfinished-segments \\
      --output views.csv
  python -m analytics fetch viewers --viewer-identifier @example.com

exit status: 0 done, 1 the API or writing the output failed, 2 bad input or configuration.
"""


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
        help="metrics only: summary (default) or the breakdown",
    )
    which.add_argument(
        "--granularity",
        choices=[g.value for g in PeakGranularity],
        help="peak-viewers only (default minute)",
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
    if end_of_day and DATE_ONLY.match(value):
        moment = (moment + timedelta(days=1)).replace(tzinfo=ZoneInfo(tz))
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


def build_query(args: argparse.Namespace) -> MetricQuery | PeakQuery | ViewersQuery | ViewsQuery:
    """The typed query for the arguments; ValueError names what is wrong."""
    for dest, (flag, endpoints) in SPECIFIC_OPTIONS.items():
        if getattr(args, dest) is not None and args.endpoint not in endpoints:
            raise ValueError(f"{flag} does not apply to {args.endpoint}")
    time_range = time_range_from(args.start, args.end, args.tz)
    ids = [part for value in args.content_id for part in value.split(",") if part.strip()]
    common: dict[str, Any] = {
        "time_range": time_range,
        "content_type": args.content_type,
        "content_ids": ids,
        "tz": args.tz,
    }
    try:
        if args.endpoint in {m.value for m in Metric}:
            return MetricQuery(
                metric=args.endpoint, dimension=args.dimension or Dimension.SUMMARY, **common
            )
        if args.endpoint == PEAK_ENDPOINT:
            return PeakQuery(granularity=args.granularity or PeakGranularity.MINUTE, **common)
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
        )
    except ValueError as exc:
        raise ValueError(_as_flags(str(exc))) from None


def _as_flags(message: str) -> str:
    """Query errors name query fields; say the CLI flag instead."""
    for name, flag in (
        ("content_ids", "--content-id"),
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


@contextmanager
def _output(path: str | None) -> Iterator[BinaryIO]:
    """Standard output, or FILE written as FILE.part and renamed only when complete."""
    if path in (None, "-"):
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("wb", buffering=1 << 20) as handle:
            yield handle
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _export(client: AnalyticsClient, query: Any, args: argparse.Namespace) -> tuple[int, bool]:
    """Write the query's rows; returns (rows, stale)."""
    target = args.output if args.output not in (None, "-") else "stdout"
    if isinstance(query, (ViewsQuery, ViewersQuery)):
        progress = Progress(args.endpoint, sys.stderr, enabled=not args.quiet)
        stream: PageStream[pd.DataFrame]
        if isinstance(query, ViewsQuery):
            stream = client.iter_views(query)
            columns = None
        else:
            stream = client.iter_viewers(query)
            columns = VIEWER_COLUMNS
        with _output(args.output) as out:
            writer = FrameWriter(out, args.format, columns)
            try:
                for frame in stream:
                    writer.write(frame)
                    progress(stream.pages_done, stream.pages_total or 1, writer.rows)
            finally:
                stream.close()
            writer.finish()
        progress.done(writer.rows, stream.pages_done, target)
        return writer.rows, stream.stale

    result: Result
    if isinstance(query, MetricQuery):
        result, columns = client.metric(query), METRIC_COLUMNS
    else:
        result, columns = client.peak_viewers(query), PEAK_COLUMNS
    with _output(args.output) as out:
        writer = FrameWriter(out, args.format, columns)
        writer.write(result.frame)
        writer.finish()
    return writer.rows, result.stale


def run(args: argparse.Namespace) -> int:
    _configure_logging(args.verbose)
    log = logging.getLogger("analytics.api.cli")
    secrets: tuple[str, ...] = ()
    try:
        query = build_query(args)
        settings = ApiSettings.from_env()
        secrets = settings.secrets
        if not _use_cache(args):
            settings = settings.with_changes(cache_enabled=False)
    except ValueError as exc:
        return _fail(f"error: {exc}", EXIT_USAGE)

    try:
        with open_client(settings) as client:
            if client.is_demo and not args.quiet:
                _note("using the built-in demo API (no IBM Video credentials are configured)")
            _rows, stale = _export(client, query, args)
    except ApiError as exc:
        return _fail(f"error: {exc}", EXIT_FAILED)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(f"error: cannot write{where}: {exc.strerror or exc}", EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except ValueError as exc:  # e.g. a query the client refuses
        return _fail(f"error: {redact(str(exc), secrets)}", EXIT_USAGE)
    except Exception as exc:  # the promise: one line, never a traceback (details with -v)
        log.debug("Unexpected failure", exc_info=True)
        message = redact(f"{type(exc).__name__}: {exc}", secrets)
        return _fail(f"error: unexpected failure: {message} (run with -vv for details)", 1)
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


def _configure_logging(verbosity: int) -> None:
    if verbosity <= 0:
        return
    logging.basicConfig(
        level=logging.DEBUG if verbosity > 1 else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
