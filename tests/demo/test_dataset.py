"""The generated dataset (realistic shape, deterministic, per account), its cache, the
hand-built dataset helpers and DemoSettings."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.demo import DemoSettings, segments_frame
from analytics.demo.dataset import SEGMENT_COLUMNS, load_segments_file
from analytics.demo.generator import generate, window_for
from analytics.demo.store import cache_key, generated_dataset

TODAY = datetime(2024, 7, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A 40k-segment generated dataset as a DuckDB cursor (clock fixed at TODAY): the
    background only (the live-now layer on top of it: test_live_now.py)."""
    settings = DemoSettings(
        segments=40_000, days=60, live_now=0, data_dir=tmp_path_factory.mktemp("gen")
    )
    dataset = generated_dataset(settings, "demo-client", lambda: TODAY, cache_in_background=False)
    cursor = dataset.cursor()
    yield cursor
    dataset.close()


def one(cursor, sql):
    return cursor.execute(sql).fetchone()[0]


def test_exact_size_and_window(generated):
    assert one(generated, "SELECT count(*) FROM segments") == 40_000
    start, end = window_for(60, TODAY)
    assert end == datetime(2024, 7, 17, tzinfo=UTC)
    assert end - start == timedelta(days=60)
    # Views start inside the window; a few late ones run past its end.
    first = one(generated, "SELECT min(started_at) FROM views")
    assert first >= (start - timedelta(hours=12)).replace(tzinfo=None)


def test_about_40_contents_live_and_recorded(generated):
    rows = generated.execute(
        "SELECT content_type, count(DISTINCT content_id) FROM segments GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows == [("live", 8), ("recorded", 32)]


def test_many_countries_with_cities(generated):
    assert one(generated, "SELECT count(DISTINCT country) FROM segments") >= 30
    assert one(generated, "SELECT count(*) FROM segments WHERE city = ''") == 0
    assert one(generated, "SELECT count(DISTINCT city) FROM segments") > 60
    assert one(generated, "SELECT bool_and(length(country) = 2) FROM segments")


def test_about_30_percent_of_devices_are_signed_in(generated):
    share = one(
        generated,
        "SELECT avg((viewer_identifier <> '')::INT) FROM "
        "(SELECT client_id, max(viewer_identifier) AS viewer_identifier FROM views GROUP BY 1)",
    )
    assert 0.22 < share < 0.38
    assert one(generated, "SELECT bool_and(viewer_identifier LIKE '%@%.%') FROM views "
               "WHERE viewer_identifier <> ''")  # fmt: skip


def test_a_realistic_device_mix(generated):
    shares = dict(
        generated.execute(
            "SELECT device_class, count(*) / (SELECT count(*) FROM views) FROM views GROUP BY 1"
        ).fetchall()
    )
    assert set(shares) == {"desktop", "mobile", "tablet", "tv", "other"}
    assert 0.3 < shares["mobile"] < 0.55
    assert 0.3 < shares["desktop"] < 0.6
    mobile_share = one(generated, "SELECT avg(is_mobile_view::INT) FROM segments")
    assert 0.35 < mobile_share < 0.6
    assert one(generated, "SELECT count(DISTINCT view_type) FROM segments") == 2


def test_sessions_have_several_segments_that_do_not_overlap(generated):
    per_view = one(generated, "SELECT count(*) / count(DISTINCT view_session_id) FROM segments")
    assert 2.0 < per_view < 3.2
    overlaps = one(
        generated,
        """SELECT count(*) FROM (
             SELECT started_at, lag(finished_at) OVER (
               PARTITION BY view_session_id ORDER BY started_at) AS previous_end
             FROM segments) WHERE started_at < previous_end""",
    )
    assert overlaps == 0


def test_recorded_positions_and_live_zeros(generated):
    assert one(generated, "SELECT bool_and(pos_from = 0 AND pos_to = 0) FROM segments "
               "WHERE content_type = 'live'")  # fmt: skip
    bad = one(
        generated,
        "SELECT count(*) FROM segments WHERE content_type = 'recorded' "
        "AND (pos_from < 0 OR pos_to < pos_from)",
    )
    assert bad == 0
    assert one(generated, "SELECT max(pos_to) FROM segments WHERE content_type = 'recorded'") > 600


def test_live_events_have_sharp_peaks(generated):
    live, recorded = (
        generated.execute(
            "SELECT max(value) FROM peak_minute WHERE content_type = $kind", {"kind": kind}
        ).fetchone()[0]
        for kind in ("live", "recorded")
    )
    assert live >= 4 * recorded


def test_evenings_and_weekends_are_busier(generated):
    by_weekday = dict(
        generated.execute("SELECT isodow(started_at), count(*) FROM views GROUP BY 1").fetchall()
    )
    weekend = (by_weekday[6] + by_weekday[7]) / 2
    weekdays = sum(by_weekday[d] for d in range(1, 6)) / 5
    assert weekend > weekdays
    by_hour = dict(
        generated.execute(
            "SELECT hour(started_at), count(*) FROM views WHERE content_type = 'recorded' "
            "GROUP BY 1"
        ).fetchall()
    )
    assert max(by_hour.values()) > 2.5 * min(by_hour.values())


def test_ids_look_like_the_documentation(generated):
    sample = generated.execute(
        "SELECT id, view_session_id, client_id FROM segments LIMIT 50"
    ).fetchall()
    for segment_id, session_id, client_id in sample:
        assert len(segment_id) == 36
        assert segment_id[14] == "4"
        assert len(session_id) == 17
        assert session_id[8] == ":"
        assert client_id.isdigit()
    assert one(generated, "SELECT count(DISTINCT id) = count(*) FROM segments")


def test_generation_is_deterministic_and_per_account():
    first = generate(5_000, 30, 7, "demo-client", TODAY).segments
    again = generate(5_000, 30, 7, "demo-client", TODAY).segments
    other = generate(5_000, 30, 7, "other-client", TODAY).segments
    reseeded = generate(5_000, 30, 8, "demo-client", TODAY).segments
    pd.testing.assert_frame_equal(first, again)
    assert not np.array_equal(first["started"], other["started"])
    assert not np.array_equal(first["started"], reseeded["started"])


@pytest.mark.parametrize("size", [0, 1, 7, 1_234])
def test_any_size(size):
    assert len(generate(size, 3, 7, "demo-client", TODAY).segments) == size


def test_the_cache_file_is_reused_and_keyed(tmp_path):
    settings = DemoSettings(segments=2_000, days=10, live_now=0, data_dir=tmp_path)
    generated_dataset(settings, "demo-client", lambda: TODAY, cache_in_background=False).close()
    files = list(tmp_path.glob("demo-*.duckdb"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    dataset = generated_dataset(settings, "demo-client", lambda: TODAY)
    assert dataset.segment_count == 2_000
    dataset.close()
    assert files[0].stat().st_mtime_ns == stamp  # read, not rewritten
    keys = {
        cache_key(settings, "demo-client", "2024-07-16"),
        cache_key(settings, "demo-client", "2024-07-17"),
        cache_key(settings, "other", "2024-07-16"),
        cache_key(DemoSettings(segments=2_001, days=10), "demo-client", "2024-07-16"),
        cache_key(DemoSettings(segments=2_000, days=10, seed=1), "demo-client", "2024-07-16"),
        cache_key(DemoSettings(segments=2_000, days=10), "demo-client", "2024-07-16"),  # live now
    }
    assert len(keys) == 6
    # Knobs that do not shape data keep the key.
    assert cache_key(settings, "demo-client", "2024-07-16") == cache_key(
        DemoSettings(segments=2_000, days=10, live_now=0, latency_ms=50, fault_rate=0.5),
        "demo-client", "2024-07-16",
    )  # fmt: skip


def test_the_cache_is_written_in_the_background_by_default(tmp_path):
    settings = DemoSettings(segments=1_500, days=5, live_now=0, data_dir=tmp_path)
    dataset = generated_dataset(settings, "demo-client", lambda: TODAY)
    assert dataset.segment_count == 1_500  # usable at once
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("demo-*.duckdb")) and time.monotonic() < deadline:
        time.sleep(0.05)
    dataset.close()
    [path] = tmp_path.glob("demo-*.duckdb")
    with duckdb.connect(str(path), read_only=True) as cached:
        assert cached.execute("SELECT count(*) FROM segments").fetchone()[0] == 1_500


def test_a_corrupt_cache_file_is_regenerated(tmp_path):
    settings = DemoSettings(segments=1_000, days=5, live_now=0, data_dir=tmp_path)
    key = cache_key(settings, "demo-client", TODAY.date().isoformat())
    (tmp_path / f"demo-{key}.duckdb").write_bytes(b"not a database")
    dataset = generated_dataset(settings, "demo-client", lambda: TODAY, cache_in_background=False)
    assert dataset.segment_count == 1_000
    dataset.close()
    duckdb.connect(str(tmp_path / f"demo-{key}.duckdb"), read_only=True).close()


# --- hand-built datasets ---------------------------------------------------------------------


def test_segments_frame_fills_defaults():
    frame = segments_frame(
        [
            {"started_at": "2024-07-16T10:00:00+02:00", "finished_at": "2024-07-16T08:30:00Z",
             "content_type": "recorded"},
            {"started_at": datetime(2024, 7, 16, 9, tzinfo=UTC), "view_session_id": "s"},
        ]
    )  # fmt: skip
    assert list(frame.columns) == list(SEGMENT_COLUMNS)
    first, second = frame.to_dict("records")
    assert first["started_at"] == pd.Timestamp("2024-07-16T08:00:00Z")
    assert (first["from"], first["to"]) == (0, 1800)
    assert second["finished_at"] is pd.NaT
    assert second["client_id"] == "device-s"
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"finished_at": "2024-07-16T10:00:00Z"}, "started_at is required"),
        ({"started_at": "2024-07-16T10:00:00"}, "timezone-aware"),
        ({"started_at": "2024-07-16T10:00:00Z", "colour": "red"}, "unknown columns"),
        ({"started_at": "2024-07-16T10:00:00Z", "finished_at": "2024-07-16T09:00:00Z"},
         "before started_at"),
        ({"started_at": "2024-07-16T10:00:00Z", "content_type": "vod"}, "vod"),
    ],
)  # fmt: skip
def test_segments_frame_rejects_bad_rows(row, message):
    with pytest.raises(ValueError, match=message):
        segments_frame([row])


def test_load_segments_file_reads_csv_and_json_lines(tmp_path: Path):
    csv = tmp_path / "s.csv"
    csv.write_text(
        "view_session_id,started_at,finished_at,content_id,viewer_identifier\n"
        "a,2024-07-16T10:00:00Z,2024-07-16T10:05:00Z,5,x@example.com\n"
        "b,2024-07-16T10:01:00Z,,6,\n"
    )
    frame = load_segments_file(csv)
    assert frame["content_id"].tolist() == [5, 6]
    assert frame["finished_at"].isna().tolist() == [False, True]
    assert frame["viewer_identifier"].tolist() == ["x@example.com", ""]
    jsonl = tmp_path / "s.jsonl"
    jsonl.write_text('{"started_at": "2024-07-16T10:00:00Z", "content_type": "recorded"}\n')
    assert load_segments_file(jsonl)["content_type"].tolist() == ["recorded"]
    with pytest.raises(ValueError, match="cannot read dataset"):
        load_segments_file(tmp_path / "missing.parquet")


# --- settings --------------------------------------------------------------------------------


def test_settings_from_env():
    settings = DemoSettings.from_env(
        {
            "ANALYTICS_DEMO_LATENCY_MS": "25",
            "ANALYTICS_DEMO_JITTER_MS": "5",
            "ANALYTICS_DEMO_FAULT_RATE": "0.1",
            "ANALYTICS_DEMO_SEGMENTS": "1_000",
            "ANALYTICS_DEMO_DAYS": "7",
            "ANALYTICS_DEMO_TOKEN_TTL": "60",
            "ANALYTICS_DEMO_DATA_DIR": "/tmp/x",
            "ANALYTICS_DEMO_ACCOUNTS": "a:1,b:2",
        }
    )
    assert (settings.latency_ms, settings.jitter_ms, settings.fault_rate) == (25, 5, 0.1)
    assert (settings.segments, settings.days, settings.token_ttl) == (1_000, 7, 60)
    assert settings.data_dir == Path("/tmp/x")
    assert dict(settings.accounts) == {"a": "1", "b": "2"}
    assert settings.client_id == "a"
    assert DemoSettings.from_env({}) == DemoSettings()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ANALYTICS_DEMO_LATENCY_MS": "fast"}, "ANALYTICS_DEMO_LATENCY_MS"),
        ({"ANALYTICS_DEMO_FAULT_RATE": "1.5"}, "ANALYTICS_DEMO_FAULT_RATE: must be between 0"),
        ({"ANALYTICS_DEMO_SEGMENTS": "-1"}, "ANALYTICS_DEMO_SEGMENTS: must be >= 0"),
        ({"ANALYTICS_DEMO_ACCOUNTS": "nosecret"}, "ANALYTICS_DEMO_ACCOUNTS"),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(ValueError, match=message):
        DemoSettings.from_env(env)


def test_settings_are_hashable_and_never_show_secrets():
    settings = DemoSettings(accounts={"team": "hunter2"})
    hash(settings)
    assert "hunter2" not in repr(settings)
    assert settings == DemoSettings(accounts={"team": "hunter2"})
