"""`python -m analytics fetch`, run as a subprocess against the demo API: outputs, exit codes,
one-line errors and never a traceback."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from analytics.api import (
    AnalyticsClient,
    Metric,
    MetricQuery,
    TimeRange,
    ViewerSecondsQuery,
    ViewsQuery,
    frames,
)
from analytics.cli import main
from analytics.demo import DemoServer
from tests.support.servers import REPO_ROOT, free_port

from .conftest import cli_env, settings_for

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
FROM = (MIDNIGHT - timedelta(days=40)).date().isoformat()
TO = (MIDNIGHT - timedelta(days=2)).date().isoformat()  # a date: the end of that day
RANGE = TimeRange(MIDNIGHT - timedelta(days=40), MIDNIGHT - timedelta(days=1))


def _env(server: DemoServer | None, tmp_path: Path, **extra: str) -> dict[str, str]:
    return cli_env(server, tmp_path / "cache", **extra)


def fetch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "fetch", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_line_error(done: subprocess.CompletedProcess[str], status: int) -> str:
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert done.stdout == ""
    return lines[0]


@pytest.fixture
def env(demo_server, tmp_path):
    return _env(demo_server, tmp_path)


def test_summary_csv_on_stdout(demo_server, env, tmp_path):
    done = fetch(env, "total-views", "--from", FROM, "--to", TO)
    assert done.returncode == 0, done.stderr
    with AnalyticsClient(settings_for(demo_server, tmp_path, cache_enabled=False)) as client:
        expected = client.metric(MetricQuery(Metric.TOTAL_VIEWS, RANGE)).frame["value"].iloc[0]
    assert done.stdout == f'point,value\n"total_views",{expected}\n'
    assert done.stderr == ""


def test_day_buckets_as_json_in_a_time_zone(env):
    done = fetch(
        env, "unique-devices", "--dimension", "day", "--from", FROM, "--to", TO,
        "--tz", "Europe/Budapest", "--format", "json", "--content-type", "live",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    budapest = ZoneInfo("Europe/Budapest")
    start = datetime.fromisoformat(FROM).replace(tzinfo=budapest)
    end = (datetime.fromisoformat(TO) + timedelta(days=1)).replace(tzinfo=budapest)
    # Day buckets in the UTC offset of the start (the API's rule): 24 h each, the last partial.
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)  # not wall-clock: DST counts
    assert len(rows) == math.ceil(elapsed / timedelta(days=1))
    assert set(rows[0]) == {"point", "value"}
    assert rows[0]["point"].startswith(f"{FROM}T00:00:00+0")  # local midnight, with its offset
    assert all(isinstance(row["value"], int) for row in rows)


def test_peak_viewers_csv_columns(env):
    done = fetch(env, "peak-viewers", "--granularity", "hour", "--from", FROM, "--to", TO)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["content_type", "content_id", "time", "value"]
    assert rows[0]["time"].endswith("+00:00")
    assert rows[0]["time"][14:19] == "00:00"  # whole hours


def test_views_stream_to_a_file_with_progress(demo_server, env, tmp_path):
    output = tmp_path / "views.csv"
    start = (MIDNIGHT - timedelta(days=119)).date().isoformat()
    done = fetch(env, "views", "--from", start, "--to", TO, "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 10_000  # several pages
    assert list(rows[0]) == list(frames.VIEW_COLUMNS)
    assert rows[0]["started_at"][10] == "T"
    assert len({row["view_id"] for row in rows}) == len(rows)
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("views: page 1/")
    pages = int(lines[0].split("/")[1].split(",")[0])
    assert pages > 1
    assert lines[-1] == f"views: {len(rows):,} rows from {pages} pages -> {output}"
    assert not list(tmp_path.glob("*.part"))


def test_views_filters_match_the_client(demo_server, env, tmp_path):
    done = fetch(
        env, "views", "--from", FROM, "--to", TO, "--content-type", "recorded",
        "--no-list-unfinished-segments", "--no-inclusive-range", "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    query = ViewsQuery(RANGE, "recorded", list_unfinished_segments=False, inclusive_range=False)
    with AnalyticsClient(settings_for(demo_server, tmp_path, cache_enabled=False)) as client:
        expected = client.views(query).frame
    assert [row["view_id"] for row in rows] == expected["view_id"].tolist()
    assert {row["content_type"] for row in rows} == {"recorded"}


def test_viewers_one_row_per_viewer(env):
    done = fetch(env, "viewers", "--from", FROM, "--to", TO, "--viewer-identifier", "example")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["viewer_identifier", "videos_watched", "last_activity"]
    identifiers = [row["viewer_identifier"] for row in rows]
    assert len(identifiers) == len(set(identifiers))
    assert all("example" in identifier for identifier in identifiers)


def test_content_ids_repeatable_and_comma_separated(env):
    one = fetch(
        env, "total-views", "--content-type", "live", "--content-id", "1", "--content-id", "2"
    )
    two = fetch(env, "total-views", "--content-type", "live", "--content-id", "2,1")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["total-views", "--content-type", "vod"], "invalid choice: 'vod'"),
        (["views", "--dimension", "day"], "--dimension does not apply to views"),
        (["total-views", "--granularity", "hour"], "--granularity does not apply to total-views"),
        (["total-views", "--content-id", "5"], "--content-id: content ids need a content_type"),
        (
            ["views", "--content-type", "live", "--content-id", "abc"],
            "--content-id: 'abc' is not an integer id",
        ),
        (["total-views", "--from", "yesterday"], "--from: 'yesterday' is not an ISO 8601"),
        (["total-views", "--from", TO, "--to", FROM], "--from/--to: the range is inverted"),
        (["total-views", "--tz", "Mars/Base"], "--tz: unknown time zone 'Mars/Base'"),
        (["watch-time"], "invalid choice: 'watch-time'"),
        (["total-views", "--format", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_bad_input_exits_2_with_one_line(env, args, expected):
    line = _one_line_error(fetch(env, *args), 2)
    assert expected in line


def test_bad_configuration_exits_2(env):
    line = _one_line_error(fetch(env | {"IBM_VIDEO_CLIENT_SECRET": ""}, "total-views"), 2)
    assert line == (
        "error: IBM_VIDEO_CLIENT_SECRET is missing: client credentials need both an id and a secret"
    )


def test_refused_credentials_exit_1_without_the_secret(env):
    secret = "not-the-right-secret-9x"
    line = _one_line_error(fetch(env | {"IBM_VIDEO_CLIENT_SECRET": secret}, "total-views"), 1)
    assert line.startswith("error: Authentication failed (invalid_client)")
    assert secret not in line


def test_an_unreachable_api_exits_1(env):
    url = f"http://127.0.0.1:{free_port()}/"
    broken = env | {
        "ANALYTICS_API_URL": url + "v1/",
        "IBM_VIDEO_TOKEN_URL": url + "oauth2/token",
        "ANALYTICS_API_RETRY_SECONDS": "0.5",
    }
    line = _one_line_error(fetch(broken, "views"), 1)
    assert line.startswith("error: Cannot reach the Analytics API: 127.0.0.1:")


def test_an_api_error_detail_reaches_the_user(demo_server, env):
    wrong_version = env | {"ANALYTICS_API_URL": demo_server.base_url.replace("/v1/", "/v9/")}
    line = _one_line_error(fetch(wrong_version, "total-views"), 1)
    assert line.startswith("error: ")
    assert line.endswith("(HTTP 404)")


def test_an_unwritable_output_exits_1_and_leaves_nothing(env, tmp_path):
    target = tmp_path / "missing-dir" / "out.csv"
    line = _one_line_error(fetch(env, "total-views", "--output", str(target)), 1)
    assert line.startswith("error: cannot write")
    assert not target.parent.exists()


def test_without_credentials_the_demo_api_is_used(tmp_path, demo_data_dir):
    env = _env(None, tmp_path) | {
        "ANALYTICS_DEMO_SEGMENTS": "2000",
        "ANALYTICS_DEMO_DAYS": "30",
        "ANALYTICS_DEMO_DATA_DIR": str(demo_data_dir),
    }
    done = fetch(env, "total-views", "--dimension", "view-source")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == (
        "note: using the built-in demo API (no IBM Video credentials are configured)"
    )
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows
    assert {row["point"] for row in rows} <= {"onsite", "offsite"}


def test_help_documents_the_default_range(env):
    done = fetch(env, "--help")
    assert done.returncode == 0
    assert "last 7 days" in done.stdout
    assert "--no-list-unfinished-segments" in done.stdout


def test_aggregates_are_cached_and_raw_exports_stream_past_the_cache(demo_server, env, tmp_path):
    def requests_made(*args: str) -> int:
        before = demo_server.request_count()
        done = fetch(env, *args, "--from", FROM, "--to", TO)
        assert done.returncode == 0, done.stderr
        return demo_server.request_count() - before

    assert requests_made("authenticated-viewers", "--dimension", "hour") == 1
    assert requests_made("authenticated-viewers", "--dimension", "hour") == 0  # a new process
    assert requests_made("authenticated-viewers", "--dimension", "hour", "--no-cache") == 1
    assert requests_made("views", "--content-type", "live") >= 1
    assert requests_made("views", "--content-type", "live") >= 1
    assert requests_made("views", "--content-type", "live", "--cache") >= 1
    assert requests_made("views", "--content-type", "live", "--cache") == 0


def test_the_installed_script_runs_the_same_main_in_process(monkeypatch, env, tmp_path):
    """`ibm-video-analytics` (pyproject: analytics.cli:main) is what `python -m analytics` runs."""
    script = entry_points(group="console_scripts", name="ibm-video-analytics")
    assert [entry.value for entry in script] == ["analytics.cli:main"]
    for name in list(os.environ):
        if name.startswith(("IBM_VIDEO_", "ANALYTICS_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    output = tmp_path / "total.csv"
    args = ["fetch", "total-views", "--from", FROM, "--to", TO, "--output", str(output), "-q"]
    assert main(args) == 0
    assert output.read_text() == fetch(env, "total-views", "--from", FROM, "--to", TO).stdout


# --- the current API: viewer-seconds, summaries, channels, country and region ---------------


def _busiest_live(server: DemoServer, tmp_path: Path) -> int:
    with AnalyticsClient(settings_for(server, cache_dir=tmp_path / "lookup")) as client:
        q = ViewerSecondsQuery(RANGE, "month", "live")
        frame = client.viewer_seconds(q).frame
    return int(frame.groupby("content_id")["value"].sum().idxmax())


def _rows(done: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def test_viewer_seconds_csv_columns(env):
    done = fetch(env, "viewer-seconds", "--granularity", "day", "--from", FROM, "--to", TO)
    assert done.stdout.splitlines()[0] == "content_type,content_id,time,value"
    rows = _rows(done)
    assert rows
    assert all(row["time"].endswith("T00:00:00+00:00") for row in rows)
    assert all(int(row["value"]) > 0 for row in rows)


def test_summaries_of_one_content(demo_server, env, tmp_path):
    live = str(_busiest_live(demo_server, tmp_path))
    window = ("--from", FROM, "--to", TO, "--content-type", "live", "--content-id", live)
    seconds = fetch(env, "viewer-seconds", "--summary", *window)
    assert seconds.stdout.splitlines()[0] == "content_type,content_id,value"
    [total] = _rows(seconds)
    series = _rows(fetch(env, "viewer-seconds", "--granularity", "month", *window))
    assert int(total["value"]) == sum(int(row["value"]) for row in series)
    peak = fetch(env, "peak-viewers", "--summary", *window)
    assert peak.stdout.splitlines()[0] == "content_type,content_id,time,value"
    [top] = _rows(peak)
    assert top["content_id"] == live
    days = _rows(fetch(env, "peak-viewers", "--granularity", "day", *window))
    assert int(top["value"]) == max(int(row["value"]) for row in days)


def test_channel_scope_on_views_peaks_and_viewer_seconds(demo_server, env, tmp_path):
    channel = str(_busiest_live(demo_server, tmp_path))
    window = ("--from", FROM, "--to", TO)
    seconds = _rows(fetch(env, "viewer-seconds", "--channel-id", channel, "-q", *window))
    assert seconds
    assert {row["content_type"] for row in seconds} == {"recorded"}
    peaks = _rows(fetch(env, "peak-viewers", "--channel-id", f"{channel},1", *window))
    assert {row["content_id"] for row in peaks} == {row["content_id"] for row in seconds}
    views = _rows(fetch(env, "views", "--channel-id", channel, "--channel-id", "1", *window))
    assert {row["content_id"] for row in views} >= {row["content_id"] for row in seconds}


@pytest.mark.parametrize("dimension", ["country", "region"])
def test_country_and_region_breakdowns(env, dimension):
    rows = _rows(fetch(env, "total-views", "--dimension", dimension, "--from", FROM, "--to", TO))
    assert len(rows) > 1
    assert all(row["point"] for row in rows)


def test_a_null_country_is_an_empty_cell_with_a_note(start_demo, tmp_path):
    env = _env(start_demo(segments=5_000, null_rate=0.2), tmp_path)
    done = fetch(env, "unique-devices", "--dimension", "country", "--from", FROM, "--to", TO)
    rows = _rows(done)
    [nowhere] = [row for row in rows if row["point"] == ""]
    assert int(nowhere["value"]) > 0
    assert done.stderr.strip() == (
        "note: 1 record(s) had a missing or unreadable value (left empty, not 0)"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["viewer-seconds"],
        ["peak-viewers", "--summary", "--content-type", "live", "--content-id", "1"],
        ["viewer-seconds", "--summary", "--content-type", "recorded", "--content-id", "1"],
        ["views", "--channel-id", "1"],
    ],
)
def test_current_api_commands_on_the_older_api_exit_1(start_demo, tmp_path, args):
    env = _env(start_demo(segments=2_000, api_version="1.0.3"), tmp_path)
    line = _one_line_error(fetch(env, *args), 1)
    assert line.startswith("error: ")
    assert line.endswith("(HTTP 404)")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["viewer-seconds", "--summary"], "--summary needs --content-type and exactly one"),
        (
            ["peak-viewers", "--summary", "--content-type", "live", "--content-id", "1,2"],
            "--summary needs --content-type and exactly one --content-id",
        ),
        (
            ["peak-viewers", "--summary", "--granularity", "day"],
            "--granularity does not apply to peak-viewers --summary",
        ),
        (["total-views", "--summary"], "--summary does not apply to total-views"),
        (["viewers", "--channel-id", "1"], "--channel-id does not apply to viewers"),
        (["views", "--channel-id", "x"], "--channel-id: 'x' is not an integer id"),
        (
            ["views", "--content-type", "live", "--channel-id", "1"],
            "--channel-id: channels scope recorded videos",
        ),
        (
            [
                "viewer-seconds",
                "--content-type",
                "recorded",
                "--content-id",
                "1",
                "--channel-id",
                "2",
            ],
            "--content-id and --channel-id: give one or the other",
        ),
        (["viewer-seconds", "--granularity", "week"], "invalid choice: 'week'"),
    ],
)
def test_bad_current_api_input_exits_2_with_one_line(env, args, expected):
    line = _one_line_error(fetch(env, *args), 2)
    assert expected in line
