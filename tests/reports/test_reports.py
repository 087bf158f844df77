"""`python -m analytics report`: the digest from the demo API over loopback, e-mailed to a real
local SMTP server (aiosmtpd) or written with --output, and its refusals.

Chart rendering (kaleido, headless Chromium) is the slow part, so the two runs that render
(one e-mail, one --output file) are module-scoped and every check reads their results.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from analytics.api import (
    AnalyticsClient,
    ContentType,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    TimeRange,
)
from analytics.dashboard.periods import Period
from analytics.demo import DemoServer, segments_frame
from analytics.reports import cli, digest, mail
from analytics.reports.periods import report_period
from tests.api.conftest import cli_env, settings_for
from tests.support.servers import free_port, require_binary

TZ = "Europe/Berlin"
SMTP_USER = "reports"
SMTP_PASSWORD = "smtp-Pa55-Xq93vK"  # distinctive, so a scan of the output cannot miss it
SENDER = "Analytics <analytics@example.com>"
RECIPIENTS = ["marketing@example.com", "boss@example.org"]
PREFIXES = ("IBM_VIDEO_", "ANALYTICS_")


# --- a real SMTP server ----------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticate,
        auth_require_tls=False,  # no certificate here; the URL's password is still checked
    )
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def smtp_url(controller: Controller, password: str = SMTP_PASSWORD) -> str:
    return f"smtp://{SMTP_USER}:{password}@127.0.0.1:{controller.port}"


# --- running the command in-process ----------------------------------------------------------


@dataclass
class Run:
    status: int
    stderr: str
    stdout: str


def environment(server: DemoServer | None, cache_dir: Path, **extra: str) -> dict[str, str]:
    """`fetch`'s test environment, without the developer's SMTP and report settings."""
    blank = {
        name: "" for name in ("ANALYTICS_SMTP_URL", "ANALYTICS_REPORT_FROM", "ANALYTICS_REPORT_TO")
    }
    return cli_env(server, cache_dir, **(blank | extra))


def run_report(mp: pytest.MonkeyPatch, env: dict[str, str], *argv: str) -> Run:
    for name in list(os.environ):
        if name.startswith(PREFIXES):
            mp.delenv(name)
    for name, value in env.items():
        if name.startswith(PREFIXES):
            mp.setenv(name, value)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(list(argv))
        except SystemExit as exit_:  # argparse refusals
            status = int(exit_.code or 0)
    return Run(status, err.getvalue(), out.getvalue())


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Chromium for kaleido (skipped outside CI when missing, failed in CI)."""
    path = require_binary("chromium", "apt-get install chromium")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BROWSER_PATH", path)  # what kaleido starts, for the whole module
        yield path


@pytest.fixture(scope="module")
def sent(
    demo_server: DemoServer, chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Run, list[tuple[str, list[str], EmailMessage]]]]:
    """One `report --period last-week --tz Europe/Berlin` e-mailed with charts."""
    cache = tmp_path_factory.mktemp("report-cache")
    with smtp_server() as (controller, inbox), pytest.MonkeyPatch.context() as mp:
        env = environment(
            demo_server,
            cache,
            ANALYTICS_SMTP_URL=smtp_url(controller),
            ANALYTICS_REPORT_FROM=SENDER,
            ANALYTICS_REPORT_TO="someone-else@example.com",
        )
        args = ["--period", "last-week", "--tz", TZ]
        result = run_report(mp, env, *args, "--to", RECIPIENTS[0], "--to", RECIPIENTS[1])
        yield result, inbox.messages


@pytest.fixture(scope="module")
def previewed(
    demo_server: DemoServer, chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Run, Path]:
    """One `report --period last-month --output FILE` (no SMTP settings needed)."""
    folder = tmp_path_factory.mktemp("report-output")
    target = folder / "digest.html"
    with pytest.MonkeyPatch.context() as mp:
        env = environment(demo_server, folder / "cache")
        result = run_report(mp, env, "--period", "last-month", "--output", str(target))
    return result, target


@pytest.fixture(scope="module")
def api(demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A client of its own (cache off) to ask the API for the numbers directly."""
    cache = tmp_path_factory.mktemp("direct-cache")
    with AnalyticsClient(settings_for(demo_server, cache, cache_enabled=False)) as client:
        yield client


def api_kpis(client: AnalyticsClient, period: Period, tz: str) -> list[int]:
    """The four Overview numbers straight from the API."""
    span = TimeRange(period.start, period.end)
    numbers = [
        int(client.metric(MetricQuery(metric, span, tz=tz)).frame["value"].sum())
        for metric in (Metric.TOTAL_VIEWS, Metric.UNIQUE_DEVICES, Metric.AUTHENTICATED_VIEWERS)
    ]
    peaks = client.peak_viewers(PeakQuery(span, PeakGranularity.HOUR, tz=tz)).frame
    return [*numbers, int(peaks["value"].max()) if len(peaks) else 0]


def csv_attachments(message: EmailMessage) -> dict[str, pd.DataFrame]:
    found = {}
    for part in message.iter_attachments():
        if part.get_content_type() == "text/csv":
            stem = part.get_filename().split("_", 1)[0]
            found[stem] = pd.read_csv(io.BytesIO(part.get_payload(decode=True)))
    return found


# --- the e-mail ------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_digest_is_sent_to_every_recipient_with_the_period_in_the_subject(sent) -> None:
    run, messages = sent
    assert run.status == 0, run.stderr
    assert len(messages) == 1
    mail_from, rcpt_tos, message = messages[0]
    assert mail_from == "analytics@example.com"
    assert rcpt_tos == RECIPIENTS  # --to replaces ANALYTICS_REPORT_TO
    expected = report_period("last-week", TZ).label
    assert message["Subject"] == f"IBM Video analytics: {expected}"
    assert re.fullmatch(r"week of \d{1,2}(–| \w{3} – )\d{1,2} \w{3} \d{4}", expected)
    assert "sent" in run.stderr


@pytest.mark.browser
def test_the_kpis_equal_the_apis_own_numbers_for_both_periods(sent, api) -> None:
    _, messages = sent
    message = messages[0][2]
    period = report_period("last-week", TZ)
    current = api_kpis(api, period.current, TZ)
    previous = api_kpis(api, period.previous, TZ)
    kpis = csv_attachments(message)["kpis"]
    assert kpis["metric"].tolist() == [
        "Total views",
        "Unique devices",
        "Authenticated viewers",
        "Peak concurrent viewers",
    ]
    assert kpis["value"].tolist() == current
    assert kpis["previous_period_value"].tolist() == previous
    assert current[0] > 0
    assert previous[0] > 0
    html = message.get_body(("html",)).get_content()
    shown = re.findall(r'class="kpi-value">([\d,]+)<', html)
    assert [int(value.replace(",", "")) for value in shown] == current
    # Signed changes, as the dashboard writes them.
    for change, now, before in zip(kpis["change"], current, previous, strict=True):
        assert change == pytest.approx((now - before) / before)
        assert f">{change:+.1%} <" in html or (now == before and ">±0% <" in html)


@pytest.mark.browser
def test_every_chart_is_attached_inline_and_referenced_by_cid(sent) -> None:
    message = sent[1][0][2]
    html_part = message.get_body(("html",))
    html = html_part.get_content()
    related = message.get_body(("related",))
    assert related is not None
    images = [part for part in related.iter_parts() if part.get_content_type() == "image/png"]
    assert {part.get_filename() for part in images} == {
        "top-contents.png",
        "countries.png",
        "devices.png",
        "view-sources.png",
    }
    for part in images:
        cid = part["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert part.get_payload(decode=True).startswith(b"\x89PNG\r\n\x1a\n")
    assert message.get_body(("plain",)) is not None
    assert "data:image" not in html


@pytest.mark.browser
def test_every_table_is_a_csv_attachment_that_pandas_reads(sent, api) -> None:
    message = sent[1][0][2]
    tables = csv_attachments(message)
    assert set(tables) == {"kpis", "top-contents", "countries", "devices", "view-sources"}
    top = tables["top-contents"]
    assert list(top.columns) == [
        "rank",
        "content",
        "content_type",
        "content_id",
        "views",
        "share",
    ]
    assert 0 < len(top) <= digest.TOP_CONTENTS
    assert top["views"].is_monotonic_decreasing
    # The top content's views are the API's own total-views of that content.
    period = report_period("last-week", TZ).current
    first = top.iloc[0]
    query = MetricQuery(
        Metric.TOTAL_VIEWS,
        TimeRange(period.start, period.end),
        content_type=ContentType(first["content_type"]),
        content_ids=(int(first["content_id"]),),
        tz=TZ,
    )
    assert int(api.metric(query).frame["value"].sum()) == first["views"]
    # ... named by their titles from the Channel API, not "Channel 123".
    catalogue = api.catalogue()
    assert catalogue.available
    assert list(top["content"]) == [
        catalogue.label(kind, int(number))
        for kind, number in zip(top["content_type"], top["content_id"], strict=True)
    ]
    assert not top["content"].str.match(r"^(Channel|Video) \d+$").any()
    for name in ("countries", "devices", "view-sources"):
        table = tables[name]
        assert {"point", "label", "value", "share", "previous_value", "change"} <= set(table)
        assert table["value"].sum() == tables["kpis"]["value"].iloc[0]  # every view, once
    assert "US" in set(tables["countries"]["point"])


@pytest.mark.browser
def test_the_smtp_password_never_shows(sent) -> None:
    run, messages = sent
    assert SMTP_PASSWORD not in run.stderr + run.stdout
    assert SMTP_PASSWORD.encode() not in messages[0][2].as_bytes()


def test_a_wrong_smtp_password_is_one_line_exit_1_without_it(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server() as (controller, inbox):
        env = environment(
            demo_server,
            tmp_path,
            ANALYTICS_SMTP_URL=smtp_url(controller, password="wrong-Pa55-Zz71"),
            ANALYTICS_REPORT_FROM=SENDER,
            ANALYTICS_REPORT_TO=",".join(RECIPIENTS),
        )
        run = run_report(monkeypatch, env, "--period", "last-week", "--no-charts", "-q")
    assert run.status == 1
    assert run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr
    assert "535" in run.stderr  # the server's "authentication failed"
    assert "wrong-Pa55-Zz71" not in run.stderr
    assert inbox.messages == []


def test_an_unreachable_api_is_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there
    env = environment(
        None,
        tmp_path,
        IBM_VIDEO_ANALYTICS_TOKEN="token-Ab12Cd34",
        ANALYTICS_API_URL=f"http://127.0.0.1:{port}/v1/",
        ANALYTICS_API_RETRY_SECONDS="0",
    )
    out = tmp_path / "digest.html"
    run = run_report(monkeypatch, env, "--period", "last-week", "-o", str(out), "-q")
    assert run.status == 1, run.stderr
    assert run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr
    assert "token-Ab12Cd34" not in run.stderr
    assert not out.exists()


# --- --output --------------------------------------------------------------------------------


@pytest.mark.browser
def test_output_writes_one_self_contained_html_file(previewed, api) -> None:
    run, target = previewed
    assert run.status == 0, run.stderr
    html = target.read_text(encoding="utf-8")
    period = report_period("last-month", TZ.replace(TZ, "UTC"))
    assert f"IBM Video analytics: {period.label}" in html
    assert re.fullmatch(r"[A-Z][a-z]+ \d{4}", period.label)
    for number in api_kpis(api, period.current, "UTC"):
        assert f'class="kpi-value">{number:,}<' in html
    assert html.count('src="data:image/png;base64,') == 4
    assert "cid:" not in html
    assert not target.with_name(target.name + ".part").exists()
    assert f"wrote {target}" in run.stderr


# --- what the API says is escaped ------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","x")'
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def odd_digest(start_demo: Callable[..., DemoServer], tmp_path: Path) -> digest.Digest:
    """A digest of hand-built data whose countries a spreadsheet or a browser would run."""
    now = datetime.now(UTC)
    period = report_period("last-week", "UTC", now=now)
    start = period.current.start + timedelta(days=1, hours=10)
    rows = [
        {"started_at": start, "finished_at": start + timedelta(minutes=5), "country": country}
        for country in (FORMULA, FORMULA, SCRIPT, "@SUM(A1)", "US")
    ]
    rows.append(
        {
            "started_at": period.previous.start + timedelta(hours=3),
            "finished_at": period.previous.start + timedelta(hours=4),
            "content_id": 7,
            "content_type": "recorded",
        }
    )
    server = start_demo(datasets={"demo-client": segments_frame(rows)})
    with AnalyticsClient(settings_for(server, tmp_path)) as client:
        return digest.build_digest(client, period, "UTC")


def test_formula_cells_are_escaped_in_the_csv_and_api_text_in_the_html(odd_digest) -> None:
    message = mail.build_message(odd_digest, {}, SENDER, RECIPIENTS)
    countries = csv_attachments(message)["countries"]
    points = set(countries["point"])
    assert "'" + FORMULA in points
    assert "'@SUM(A1)" in points
    assert "US" in points
    assert FORMULA not in points
    html = message.get_body(("html",)).get_content()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html.lower()  # shown as "Unknown (<SCRIPT>...)", as text
    assert "hyperlink(&quot;http://evil.example&quot;" in html.lower()
    kpis = {k.label: k for k in odd_digest.kpis}
    assert kpis["Total views"].value == 5
    assert kpis["Total views"].previous == 1
    assert kpis["Total views"].change == "+400.0%"
    assert odd_digest.top_contents["views"].tolist() == [5]


def test_csv_escaping_leaves_numbers_alone() -> None:
    frame = pd.DataFrame({"text": ["=1+2", "-5", "+cmd", "\tx", "plain"], "n": [-1, 2, 3, 4, 5]})
    parsed = pd.read_csv(io.BytesIO(mail.csv_bytes(frame)), keep_default_na=False)
    assert parsed["text"].tolist() == ["'=1+2", "-5", "'+cmd", "'\tx", "plain"]
    assert parsed["n"].tolist() == [-1, 2, 3, 4, 5]


# --- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "kind", "label", "start", "previous_start"),
    [
        (
            "2026-12-02T06:00:00+00:00",
            "last-week",
            "week of 23–29 Nov 2026",
            "2026-11-23",
            "2026-11-16",
        ),
        (
            "2026-11-30T00:30:00+01:00",
            "last-week",
            "week of 23–29 Nov 2026",
            "2026-11-23",
            "2026-11-16",
        ),
        (
            "2026-12-09T12:00:00+00:00",
            "last-week",
            "week of 30 Nov – 6 Dec 2026",
            "2026-11-30",
            "2026-11-23",
        ),
        (
            "2026-01-05T08:00:00+00:00",
            "last-week",
            "week of 29 Dec 2025 – 4 Jan 2026",
            "2025-12-29",
            "2025-12-22",
        ),
        ("2026-12-02T06:00:00+00:00", "last-month", "November 2026", "2026-11-01", "2026-10-01"),
        ("2026-03-31T12:00:00+00:00", "last-month", "February 2026", "2026-02-01", "2026-01-01"),
        ("2026-01-15T12:00:00+00:00", "last-month", "December 2025", "2025-12-01", "2025-11-01"),
    ],
)
def test_periods_are_whole_local_weeks_and_months(now, kind, label, start, previous_start) -> None:
    period = report_period(kind, TZ, now=datetime.fromisoformat(now))
    assert period.label == label
    assert period.current.start.date().isoformat() == start
    assert period.previous.start.date().isoformat() == previous_start
    assert period.previous.end == period.current.start
    assert period.current.start.time() == period.current.end.time() == datetime.min.time()
    if kind == "last-week":
        assert period.current.start.weekday() == 0
        assert period.current.wall_length == timedelta(days=7)


def test_a_week_across_a_daylight_saving_change_is_seven_local_days() -> None:
    period = report_period("last-week", TZ, now=datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert period.current.start.isoformat() == "2026-10-26T00:00:00+01:00"
    assert period.previous.start.isoformat() == "2026-10-19T00:00:00+02:00"
    assert period.previous.length == timedelta(days=7, hours=1)


# --- bad input: one line, exit 2 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "settings", "message"),
    [
        (["--period", "last-year", "-o", "x.html"], {}, "--period: unknown period 'last-year'"),
        (["--period", "last-week", "--tz", "Mars/Olympus", "-o", "x.html"], {}, "--tz: unknown"),
        (["--period", "last-week", "--to", "not-an-address"], {}, "--to: 'not-an-address'"),
        (["--period", "last-week"], {}, "ANALYTICS_SMTP_URL is not set"),
        (
            ["--period", "last-week", "--to", "a@example.com"],
            {"ANALYTICS_SMTP_URL": "smtp://u:bad-Pa55-Yy12@mail.example.com:nope"},
            "ANALYTICS_SMTP_URL: not a valid URL",
        ),
        (
            ["--period", "last-week", "--to", "a@example.com"],
            {"ANALYTICS_SMTP_URL": "https://u:bad-Pa55-Yy12@mail.example.com"},
            "ANALYTICS_SMTP_URL: expected smtp://",
        ),
        (
            ["--period", "last-week", "--to", "a@example.com"],
            {"ANALYTICS_SMTP_URL": "smtp://mail.example.com"},
            "ANALYTICS_REPORT_FROM is not set",
        ),
        (
            ["--period", "last-week"],
            {"ANALYTICS_SMTP_URL": "smtp://mail.example.com", "ANALYTICS_REPORT_FROM": "a@x.io"},
            "no recipients",
        ),
        (
            ["--period", "last-week", "-o", "x.html"],
            {"ANALYTICS_REPORT_TO": "ok@example.com, a@b.example\nBcc: x@evil.example"},
            "ANALYTICS_REPORT_TO: ",
        ),
        ([], {}, "the following arguments are required: --period"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv, settings, message, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = run_report(monkeypatch, environment(None, tmp_path, **settings), *argv)
    assert run.status == 2
    assert run.stderr.count("\n") == 1, run.stderr
    assert message in run.stderr
    assert "bad-Pa55-Yy12" not in run.stderr
    assert not (tmp_path / "x.html").exists()


def test_output_refuses_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_report(
        monkeypatch, environment(None, tmp_path), "--period", "last-week", "-o", str(tmp_path)
    )
    assert run.status == 2
    assert "is a directory" in run.stderr
