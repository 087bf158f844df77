"""The client bounds what a query can cost, and refuses with a clear one-line error what the API
would refuse (or what would crash the CLI).

Attacks: an API whose `count` is absurd, or that never sends a short page (the old client paged
forever); a 19-digit or 5000-digit content id, or 201 of them (sent as they were); `--to
9999-12-31` or year-1 dates east of UTC (a traceback: OverflowError); dates before ~1883, whose
local mean time offset has seconds (-04:56:02 in New York) that the API refuses.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from analytics.api import AnalyticsClient, ApiError, ApiSettings, TimeRange, ViewsQuery
from analytics.api.pagination import MAX_PAGES
from analytics.api.queries import format_api_time

from .conftest import cli_env, one_line_error, run_fetch

END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
RANGE = TimeRange(END - timedelta(days=30), END)
GIVE_UP_AFTER = MAX_PAGES + 100  # the fake API fails from then on (an old client never stops)


# --- pages of one query -------------------------------------------------------------------------


class Pages(BaseHTTPRequestHandler):
    """Answers every /v1 request with the same full page (real records from the demo API) and
    the configured pagination; 500 once GIVE_UP_AFTER pages have been asked for.
    """

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        with server.lock:  # type: ignore[attr-defined]
            server.requests += 1  # type: ignore[attr-defined]
            status = 200 if server.requests <= GIVE_UP_AFTER else 500  # type: ignore[attr-defined]
        body = server.body if status == 200 else b'{"errors": [{"status": "500"}]}'  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def real_page(demo_server) -> dict:
    """A page of two view records, as the demo API sends them."""
    answer = requests.get(
        f"{demo_server.base_url}views",
        params={**RANGE.api_params("UTC"), "_limit": "2"},
        headers={"Authorization": demo_server.fetch_token()},
        timeout=30,
    )
    answer.raise_for_status()
    page = answer.json()
    assert len(page["data"]) == 2
    return page


@pytest.fixture
def fake_api() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    server.requests = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _export(fake_api, tmp_path, page: dict) -> ApiError:
    fake_api.body = json.dumps(page).encode()
    root = f"http://127.0.0.1:{fake_api.server_address[1]}"
    settings = ApiSettings(
        token="static-token-for-the-fake-api",
        api_url=f"{root}/v1/",
        token_url=f"{root}/oauth2/token",
        cache_dir=tmp_path / "cache",
        cache_enabled=False,
        page_limit=2,
        retry_seconds=0,
    )
    with AnalyticsClient(settings) as client, pytest.raises(ApiError) as raised:
        for _frame in client.iter_views(ViewsQuery(RANGE)):
            pass
    return raised.value


def test_pages_without_a_count_that_never_end_stop_at_the_cap(fake_api, real_page, tmp_path):
    page = {key: value for key, value in real_page.items() if key != "pagination"}
    error = _export(fake_api, tmp_path, page)
    assert "Too many pages" in str(error), error
    assert f"at most {MAX_PAGES} pages" in str(error)
    assert fake_api.requests == MAX_PAGES


def test_an_absurd_count_is_refused_before_paging(fake_api, real_page, tmp_path):
    page = {**real_page, "pagination": {**real_page.get("pagination", {}), "count": 10**12}}
    error = _export(fake_api, tmp_path, page)
    assert "Too many pages" in str(error), error
    assert "1,000,000,000,000 records" in str(error)
    assert f"at most {MAX_PAGES} pages" in str(error)
    assert fake_api.requests == 1


# --- content ids ------------------------------------------------------------------------------


@pytest.fixture
def env(demo_server, tmp_path):
    return cli_env(demo_server, tmp_path / "cache")


DAYS = ["--from", RANGE.start.isoformat(), "--to", RANGE.end.isoformat()]


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["1234567890123456789"], "more than 18 digits"),
        (["9" * 5000], "more than 18 digits"),
        ([",".join(str(n) for n in range(1, 202))], "at most 200 ids, got 201"),
    ],
    ids=["19-digits", "5000-digits", "201-ids"],
)
def test_content_ids_are_capped(env, ids, expected):
    flags = [part for value in ids for part in ("--content-id", value)]
    done = run_fetch(env, "total-views", *DAYS, "--content-type", "live", *flags)
    line = one_line_error(done, 2)
    assert expected in line
    assert len(line) < 300


def test_eighteen_digits_are_fine(env):
    done = run_fetch(env, "total-views", *DAYS, "--content-type", "live",
                     "--content-id", "999999999999999999")  # fmt: skip
    assert done.returncode == 0, done.stderr


# --- dates at the edges -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        ["--from", "9999-12-01", "--to", "9999-12-31"],
        ["--from", "9999-12-01", "--to", "9999-12-31T23:59:59-05:00"],
        ["--from", "0001-01-01", "--to", "0001-01-02", "--tz", "Asia/Tokyo"],
        ["--from", "0001-01-01T00:00:00+09:00", "--to", "0001-01-02"],
    ],
    ids=["date-9999", "offset-past-9999", "year-1-in-tokyo", "year-1-with-offset"],
)
def test_dates_out_of_range_are_a_clear_error(env, when):
    line = one_line_error(run_fetch(env, "total-views", *when), 2)
    assert line.startswith("error: --"), line
    assert "range" in line


def test_dates_before_standard_time_are_sent_with_whole_minute_offsets(env):
    done = run_fetch(env, "total-views", "--from", "1850-01-01", "--to", "1850-01-02",
                     "--tz", "America/New_York")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("point,value\n")


def test_local_mean_time_is_rounded_to_the_minute_and_keeps_the_instant():
    moment = datetime(1850, 1, 1, 12, 0, tzinfo=UTC)
    sent = format_api_time(moment, "America/New_York")
    assert sent == "1850-01-01T07:04:00-04:56"  # LMT -04:56:02, rounded
    assert datetime.fromisoformat(sent) == moment
