"""`python -m analytics report`: e-mail the digest of last week or last month, or write it as
one HTML file with --output. Exit status: 0 done, 1 the API, the charts or SMTP failed, 2 bad
input or configuration; a failure is always one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from analytics.api import ApiError, ApiSettings
from analytics.api.errors import redact
from analytics.api.export import check_output, open_output
from analytics.config import ConfigSource
from analytics.dashboard.periods import week_start_from
from analytics.reports.digest import Digest, build_digest
from analytics.reports.mail import (
    REPORT_FROM,
    REPORT_TO,
    SMTP_URL,
    MailSettings,
    SendError,
    addresses,
    build_message,
    send,
)
from analytics.reports.periods import ReportKind, report_period
from analytics.reports.render import data_uri, figures, render_html, render_images, subject
from analytics.wiring import open_client

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
log = logging.getLogger(__name__)

EPILOG = f"""\
periods (in --tz, default UTC):
  last-week   the previous Monday-Sunday week, compared with the week before
  last-month  the previous calendar month, compared with the month before it

settings (environment or secrets.toml):
  {SMTP_URL}   smtp://user:pass@host:587 (STARTTLS when offered) or smtps://...:465
  {REPORT_FROM}  the From address
  {REPORT_TO}    comma-separated default recipients (--to replaces them)
  and the API credentials of `fetch` (without them the built-in demo API is used).

examples:
  python -m analytics report --period last-week --tz Europe/Berlin
  python -m analytics report --period last-month --to marketing@example.com
  python -m analytics report --period last-week --output digest.html   # preview, no e-mail

exit status: 0 done, 1 the API, the charts or SMTP failed, 2 bad input or configuration.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="e-mail a digest of last week or last month (or write it as HTML)",
        description="Build the digest (KPIs against the previous period, top contents, "
        "countries, devices, view sources) as an HTML e-mail with charts and CSV attachments.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.error = _one_line_error(parser)  # type: ignore[method-assign]
    parser.add_argument(
        "--period", required=True, metavar="PERIOD", help=" | ".join(k.value for k in ReportKind)
    )
    parser.add_argument("--tz", default="UTC", metavar="ZONE", help="IANA time zone (default UTC)")
    parser.add_argument(
        "--to",
        dest="recipients",
        metavar="ADDR",
        action="append",
        default=[],
        help=f"a recipient (repeatable; default {REPORT_TO})",
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write the HTML (images inlined) instead of sending"
    )
    parser.add_argument(
        "--no-charts", dest="charts", action="store_false", help="leave the chart images out"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no notes on stderr")
    parser.add_argument(
        "--verbose", "-v", action="count", default=0, help="log timings and requests to stderr"
    )
    parser.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser (`python -m analytics.reports.cli`), the same options."""
    parser = argparse.ArgumentParser(prog="python -m analytics report", epilog=EPILOG)
    add_arguments(parser)
    return parser


def _one_line_error(parser: argparse.ArgumentParser) -> Callable[[str], NoReturn]:
    def error(message: str) -> NoReturn:
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {message} (see --help)\n")

    return error


# --- running ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    if args.verbose:
        logging.basicConfig(
            level=logging.DEBUG if args.verbose > 1 else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    secrets: list[str] = []
    try:
        period = report_period(args.period, args.tz, week_start=week_start_from(ConfigSource()))
        mail = MailSettings.read()
        recipients = addresses(args.recipients, "--to") or list(mail.recipients)
        if mail.server:
            secrets += mail.server.secrets
        if args.output is None:
            _check_sendable(mail, recipients)
        else:
            check_output(args.output)
        settings = ApiSettings.from_env()
        secrets += settings.secrets
    except ValueError as exc:
        return _fail(f"error: {redact(str(exc), secrets)}", EXIT_USAGE)

    try:
        started = time.perf_counter()
        with open_client(settings) as client:
            secrets += client.secrets
            if client.is_demo and not args.quiet:
                _note("using the built-in demo API (no IBM Video credentials are configured)")
            digest = build_digest(client, period, args.tz)
        fetched = time.perf_counter()
        images = render_images(figures(digest)) if args.charts else {}
        log.info(
            "digest fetched in %.1f s, %d charts rendered in %.1f s",
            fetched - started,
            len(images),
            time.perf_counter() - fetched,
        )
        if args.output is not None:
            write_html(args.output, digest, images)
            done = f"wrote {args.output} ({subject(digest)})"
        else:
            assert mail.server is not None
            assert mail.sender is not None
            send(build_message(digest, images, mail.sender, recipients), mail.server)
            done = (
                f"sent {subject(digest)!r} to {len(recipients)} recipient(s) "
                f"via {mail.server.describe()}"
            )
    except ApiError as exc:
        return _fail(f"error: {redact(str(exc), secrets)}", EXIT_FAILED)
    except (SendError, RuntimeError) as exc:
        return _fail(f"error: {redact(str(exc), secrets)}", EXIT_FAILED)
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(f"error: cannot write{where}: {exc.strerror or exc}", EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # the promise: one line, never a traceback
        log.debug("Unexpected failure", exc_info=True)
        return _fail(
            f"error: unexpected failure: {redact(f'{type(exc).__name__}: {exc}', secrets)}",
            EXIT_FAILED,
        )
    if digest.stale and not args.quiet:
        _note("the API failed; some figures came from an expired cache entry (stale)")
    if not args.quiet:
        _note(done)
    return EXIT_OK


def _check_sendable(mail: MailSettings, recipients: Sequence[str]) -> None:
    if mail.server is None:
        raise ValueError(
            f"{SMTP_URL} is not set: give the SMTP server (smtp://user:pass@host:587) "
            "or write the digest to a file with --output FILE"
        )
    if mail.sender is None:
        raise ValueError(f"{REPORT_FROM} is not set: give the From address")
    if not recipients:
        raise ValueError(f"no recipients: give --to ADDR or set {REPORT_TO}")


def write_html(path: str, digest: Digest, images: dict[str, bytes]) -> None:
    """The digest as one self-contained HTML file (FILE.part renamed when complete; `-` is
    standard output)."""
    html = render_html(digest, {name: data_uri(png) for name, png in images.items()})
    with open_output(path) as out:
        out.write(html.encode("utf-8"))


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


def _fail(message: str, status: int) -> int:
    print(" ".join(message.split()), file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
