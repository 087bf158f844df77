"""`python -m analytics fetch ... --with-titles` and `fetch contents` against the demo API (its
Channel API for the titles), as subprocesses."""

from __future__ import annotations

import csv
import io
import json

from .conftest import cli_env
from .test_cli import FROM, TO, fetch


def titled_env(server, tmp_path, **extra):
    return cli_env(
        server, tmp_path / "cache", IBM_VIDEO_CHANNEL_API_URL=server.channel_api_url, **extra
    )


def rows_of(done) -> list[dict[str, str]]:
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def catalogue_rows(env) -> dict[tuple[str, str], dict[str, str]]:
    done = fetch(env, "contents")
    return {(row["content_type"], row["content_id"]): row for row in rows_of(done)}


def test_contents_lists_the_catalogue(demo_server, tmp_path):
    env = titled_env(demo_server, tmp_path)
    done = fetch(env, "contents")
    assert done.stdout.splitlines()[0] == (
        "content_type,content_id,title,channel_id,length_seconds,created_at"
    )
    rows = rows_of(done)
    assert len(rows) == 40
    videos = [row for row in rows if row["content_type"] == "recorded"]
    assert all(
        row["title"] and row["channel_id"] and float(row["length_seconds"]) > 0 for row in videos
    )
    assert all(row["created_at"].endswith("+00:00") for row in videos)
    live = json.loads(fetch(env, "contents", "--content-type", "live", "--format", "json").stdout)
    assert len(live) == 8
    assert {row["channel_id"] for row in live} == {None}


def test_with_titles_puts_a_title_beside_each_id(demo_server, tmp_path):
    env = titled_env(demo_server, tmp_path)
    known = catalogue_rows(env)
    done = fetch(
        env, "peak-viewers", "--granularity", "day", "--from", FROM, "--to", TO, "--with-titles"
    )
    rows = rows_of(done)
    assert list(rows[0]) == ["content_type", "content_id", "title", "time", "value"]
    for row in rows:
        assert row["title"] == known[(row["content_type"], row["content_id"])]["title"]
    assert done.stderr == ""
    views = rows_of(
        fetch(env, "views", "--content-type", "recorded", "--from", TO, "--to", TO, "--with-titles")
    )
    assert views
    header = list(views[0])
    assert header[header.index("content_id") + 1] == "title"
    assert all(row["title"] == known[("recorded", row["content_id"])]["title"] for row in views)


def test_with_titles_when_the_channel_api_refuses(start_demo, tmp_path):
    server = start_demo(segments=2_000, days=30, channel_api="refuse")
    env = titled_env(server, tmp_path)
    done = fetch(env, "viewer-seconds", "--granularity", "day", "--with-titles")
    rows = rows_of(done)
    assert rows
    assert list(rows[0])[2] == "title"
    assert {row["title"] for row in rows} == {""}
    note = done.stderr.strip()
    assert note.startswith("note: Titles are missing")
    assert "403" in note
    assert server.client_secret not in note
    listing = fetch(env, "contents")
    assert listing.returncode == 1
    assert listing.stderr.startswith("error: Titles are missing")
    assert listing.stdout == ""


def test_bad_input_exits_2_before_any_request(demo_server, tmp_path):
    env = titled_env(demo_server, tmp_path)
    for args, expected in (
        (["total-views", "--with-titles"], "--with-titles does not apply to total-views"),
        (["contents", "--from", FROM], "--from does not apply to contents"),
        (["contents", "--content-id", "5"], "--content-id needs --content-type"),
        (["contents", "--tz", "Mars/Base"], "--tz: unknown time zone"),
    ):
        done = fetch(env, *args)
        assert done.returncode == 2
        assert expected in done.stderr
