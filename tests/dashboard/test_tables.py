"""Shaping the API's frames: comparisons, shares, countries, peaks and viewer totals."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.api.queries import Dimension
from analytics.dashboard import tables
from analytics.dashboard.periods import Period, Preset, resolve_period

BERLIN = ZoneInfo("Europe/Berlin")


def metric_frame(points: list[datetime], values: list[int], tz: str = "Europe/Berlin"):
    return pd.DataFrame(
        {
            "dimension_type": "day",
            "point": pd.Series(points).dt.tz_convert(tz)
            if points
            else pd.Series([], dtype=f"datetime64[us, {tz}]"),
            "value": pd.Series(values, dtype="int64"),
        }
    )


def utc_days(first: datetime, count: int, offset_hours: int) -> list[datetime]:
    """Day buckets as the API sends them: midnights in the fixed offset of the range start."""
    return [
        (first + timedelta(days=i) - timedelta(hours=offset_hours)).replace(tzinfo=ZoneInfo("UTC"))
        for i in range(count)
    ]


def test_previous_period_lands_on_the_current_days():
    period = resolve_period(
        Preset.LAST_7_DAYS, "Europe/Berlin", now=datetime(2026, 11, 29, 9, tzinfo=BERLIN)
    )
    current = metric_frame(utc_days(datetime(2026, 11, 22), 7, 1), [1, 2, 3, 4, 5, 6, 7])
    previous = metric_frame(utc_days(datetime(2026, 11, 15), 7, 1), [10, 20, 30, 40, 50, 60, 70])
    series = tables.compare_series(current, previous, period, Dimension.DAY)
    assert len(series) == 7
    assert series["time"].iloc[0] == pd.Timestamp(datetime(2026, 11, 22, tzinfo=BERLIN))
    assert series["value"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert series["previous_value"].tolist() == [10, 20, 30, 40, 50, 60, 70]
    assert series["previous_time"].iloc[0] == pd.Timestamp(datetime(2026, 11, 15, tzinfo=BERLIN))


def test_days_bucketed_in_summer_offset_are_moved_onto_local_midnights_after_the_change():
    # Period 21-28 Oct 2026 in Berlin: summer time ends on 25 Oct. The API buckets in +02:00,
    # so its 26 Oct bucket starts at 25 Oct 23:00 local time, and an 8th bucket holds the last
    # hour (27 Oct 23:00-24:00 local) only.
    period = Period(datetime(2026, 10, 21, tzinfo=BERLIN), datetime(2026, 10, 28, tzinfo=BERLIN))
    current = metric_frame(utc_days(datetime(2026, 10, 21), 8, 2), [1, 1, 1, 1, 1, 1, 1, 9])
    series = tables.compare_series(current, None, period, Dimension.DAY)
    assert [t.day for t in series["time"]] == [21, 22, 23, 24, 25, 26, 27]
    assert all(t.hour == 0 for t in series["time"])
    assert 9 not in series["value"].tolist()


def test_breakdown_has_shares_and_a_change_that_is_missing_when_previous_was_zero():
    current = pd.DataFrame({"point": ["desktop", "mobile", "tv"], "value": [60, 30, 10]})
    previous = pd.DataFrame({"point": ["desktop", "mobile", "tablet"], "value": [50, 0, 5]})
    table = tables.breakdown_table(current, previous, Dimension.DEVICE)
    by_point = table.set_index("point")
    assert by_point.loc["desktop", "share"] == pytest.approx(0.6)
    assert by_point.loc["desktop", "change"] == pytest.approx(0.2)
    assert pd.isna(by_point.loc["mobile", "change"])  # previous 0: no percentage
    assert pd.isna(by_point.loc["tv", "change"])  # not there before
    assert by_point.loc["tablet", "value"] == 0
    assert by_point.loc["tablet", "change"] == pytest.approx(-1.0)
    assert table["label"].tolist()[0] == "Desktop"
    assert table["value"].tolist() == sorted(table["value"].tolist(), reverse=True)


def test_countries_get_alpha_3_codes_and_names_and_unknown_codes_stay_in_the_table():
    table = tables.with_countries(
        pd.DataFrame({"point": ["HU", "US", "XK", "ZZ", ""], "value": [5, 4, 3, 2, 1]})
    )
    assert table["iso_alpha3"].tolist()[:3] == ["HUN", "USA", "XKX"]
    assert table["iso_alpha3"].isna().tolist() == [False, False, False, True, True]
    assert table["label"].tolist() == [
        "Hungary",
        "United States",
        "Kosovo",
        "Unknown (ZZ)",
        "Unknown",
    ]


def peaks() -> pd.DataFrame:
    times = pd.to_datetime(
        ["2026-11-01T10:00Z", "2026-11-01T11:00Z", "2026-11-01T10:00Z", "2026-11-01T14:00Z"]
    ).tz_convert("Europe/Berlin")
    return pd.DataFrame(
        {
            "content_type": ["live", "live", "recorded", "live"],
            "content_id": pd.Series([7, 7, 9, 8], dtype="int64"),
            "time": times,
            "value": pd.Series([5, 12, 12, 3], dtype="int64"),
        }
    )


def test_the_overall_peak_is_the_highest_per_content_peak_earliest_on_a_tie():
    peak = tables.overall_peak(peaks())
    assert (peak.value, peak.content_type, peak.content_id) == (12, "recorded", 9)
    assert peak.content == "Video 9"
    assert tables.overall_peak(peaks().iloc[:0]) is None


def test_peaks_by_content_ranks_contents_by_their_highest_peak():
    ranking = tables.peaks_by_content(peaks())
    assert ranking["content"].tolist() == ["Video 9", "Channel 7", "Channel 8"]
    assert ranking["peak"].tolist() == [12, 12, 3]
    top = tables.top_peak_series(peaks(), 2)
    assert set(top["content"]) == {"Video 9", "Channel 7"}


def test_gaps_in_peak_series_drop_to_zero():
    period = Period(
        datetime(2026, 11, 1, 9, tzinfo=BERLIN), datetime(2026, 11, 1, 18, tzinfo=BERLIN)
    )
    series = tables.top_peak_series(peaks(), 3)
    filled = tables.with_zero_gaps(series, timedelta(hours=1), period)
    channel_8 = filled[filled["content"] == "Channel 8"]
    assert channel_8["value"].tolist() == [0, 3, 0]
    assert [t.hour for t in channel_8["time"]] == [14, 15, 16]
    channel_7 = filled[filled["content"] == "Channel 7"]
    # 11:00 and 12:00 Berlin are consecutive: no zero between them; zeros at 10:00 and 13:00.
    assert channel_7["value"].tolist() == [0, 5, 12, 0]
    assert filled["content"].drop_duplicates().tolist() == ["Video 9", "Channel 7", "Channel 8"]


def test_viewer_totals_count_sessions_and_finished_watch_time():
    start = pd.Timestamp("2026-11-01T10:00", tz="UTC")
    segments = pd.DataFrame(
        {
            "view_session_id": ["a", "a", "b", "c"],
            "content_type": ["live", "live", "recorded", "recorded"],
            "content_id": [1, 1, 2, 2],
            "started_at": [start, start + pd.Timedelta(minutes=10), start, start],
            "finished_at": pd.Series(
                [
                    start + pd.Timedelta(minutes=5),
                    start + pd.Timedelta(minutes=20),
                    start + pd.Timedelta(minutes=30),
                    pd.NaT,
                ]
            ),
            "country": ["HU", "HU", "AT", ""],
            "device": ["iPhone", "iPhone", "Mac", "Mac"],
        }
    )
    totals = tables.viewer_totals(segments)
    assert totals.views == 3
    assert totals.watch_time == timedelta(minutes=45)
    assert (totals.contents, totals.countries, totals.devices) == (2, 2, 2)
    assert totals.unfinished_segments == 1


@pytest.mark.parametrize(
    ("seconds", "text"), [(45, "45s"), (750, "12m 30s"), (38_220, "10h 37m"), (0, "0s")]
)
def test_durations_read_naturally(seconds, text):
    assert tables.format_duration(timedelta(seconds=seconds)) == text


def test_months_of_a_leap_year_land_on_the_same_months_of_the_next():
    # 2025 by month against 2024 (a leap year): each month onto the same month.
    utc = ZoneInfo("UTC")
    period = resolve_period(Preset.LAST_YEAR, "UTC", now=datetime(2026, 2, 1, tzinfo=utc))
    current = metric_frame(
        [datetime(2025, month, 1, tzinfo=utc) for month in range(1, 13)], list(range(1, 13)), "UTC"
    )
    previous = metric_frame(
        [datetime(2024, month, 1, tzinfo=utc) for month in range(1, 13)],
        [10 * month for month in range(1, 13)],
        "UTC",
    )
    series = tables.compare_series(current, previous, period, Dimension.MONTH)
    assert len(series) == 12
    assert series["previous_value"].tolist() == [10 * month for month in range(1, 13)]
    assert series["previous_time"].iloc[11] == pd.Timestamp(datetime(2024, 12, 1, tzinfo=utc))


def test_a_breakdown_gets_a_total_row_of_sums_and_the_change_of_the_totals():
    current = pd.DataFrame({"point": ["desktop", "mobile"], "value": [60, 40]})
    previous = pd.DataFrame({"point": ["desktop", "mobile"], "value": [50, 30]})
    table = tables.with_total_row(tables.breakdown_table(current, previous, Dimension.DEVICE))
    total = table.iloc[-1]
    assert len(table) == 3
    assert total["label"] == "Total"
    assert pd.isna(total["point"])
    assert (total["value"], total["previous_value"]) == (100, 80)
    assert total["share"] == pytest.approx(1.0)
    assert total["change"] == pytest.approx(0.25)
    assert table["value"].dtype == "int64"


def test_unique_counts_take_their_totals_from_the_summary_not_the_sum():
    # One device seen in two countries counts in both rows: the total is the summary's figure.
    current = pd.DataFrame({"point": ["DE", "FR"], "value": [6, 5]})
    previous = pd.DataFrame({"point": ["DE", "FR"], "value": [4, 4]})
    table = tables.breakdown_table(current, previous, Dimension.COUNTRY)
    total = tables.with_total_row(table, total=10, previous_total=0).iloc[-1]
    assert (total["value"], total["previous_value"]) == (10, 0)
    assert pd.isna(total["change"])  # nothing before: no percentage
    assert tables.Metric.UNIQUE_DEVICES not in tables.ADDITIVE_METRICS
    assert tables.Metric.TOTAL_VIEWS in tables.ADDITIVE_METRICS


def test_a_total_row_without_a_comparison_or_rows():
    empty = tables.breakdown_table(
        pd.DataFrame({"point": pd.Series([], dtype="str"), "value": pd.Series([], dtype="int64")}),
        None,
        Dimension.DEVICE,
    )
    table = tables.with_total_row(empty)
    assert table["label"].tolist() == ["Total"]
    assert table["value"].tolist() == [0]
    assert "change" not in table


def test_countries_and_regions_have_labels():
    assert tables.DIMENSION_LABELS[Dimension.COUNTRY] == "Country"
    assert tables.DIMENSION_LABELS[Dimension.REGION] == "Region"
