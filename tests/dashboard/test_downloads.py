"""CSV downloads: formula injection neutralised, numbers and times written faithfully."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.api import Dimension, PeakGranularity
from analytics.dashboard.downloads import (
    Cell,
    Column,
    bucket_cell,
    csv_bytes,
    file_name,
    neutralise,
    previous_period,
    spreadsheet,
)
from analytics.dashboard.periods import Period


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("anna@example.com", "anna@example.com"),
        ("Budapest", "Budapest"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_evaluate_gets_a_quote(text, expected):
    assert neutralise(text) == expected


def test_csv_neutralises_text_cells_but_keeps_numbers_and_booleans():
    frame = pd.DataFrame(
        {
            "city": pd.Series(["=cmd|' /C calc'!A0", "Szeged", "-x"], dtype="str"),
            "value": pd.Series([-3, 1_234_567, 0], dtype="int64"),
            "share": [0.5, -0.25, 0.0],
            "mobile": [True, False, True],
            "mixed": ["@home", 5, None],
        }
    )
    table = rows(csv_bytes(frame))
    assert table[0] == ["city", "value", "share", "mobile", "mixed"]
    assert table[1] == ["'=cmd|' /C calc'!A0", "-3", "0.5", "True", "'@home"]
    assert table[2] == ["Szeged", "1234567", "-0.25", "False", "5"]
    assert table[3] == ["'-x", "0", "0.0", "True", ""]


def test_headers_are_neutralised_too():
    frame = pd.DataFrame({"=evil": [1]})
    assert rows(csv_bytes(frame))[0] == ["'=evil"]


def test_times_are_iso_8601_with_their_offset_and_missing_ones_empty():
    berlin = ZoneInfo("Europe/Berlin")
    frame = pd.DataFrame(
        {
            "started_at": pd.Series(
                [datetime(2026, 7, 1, 12, 0), datetime(2026, 12, 1, 8, 30)]
            ).dt.tz_localize(berlin),
            "finished_at": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[us, Europe/Berlin]"),
        }
    )
    table = rows(csv_bytes(frame))
    assert table[1] == ["2026-07-01T12:00:00+02:00", ""]
    assert table[2] == ["2026-12-01T08:30:00+01:00", ""]


def test_an_empty_frame_still_has_its_header():
    frame = pd.DataFrame({"point": pd.Series(dtype="str"), "value": pd.Series(dtype="int64")})
    assert csv_bytes(frame).decode() == "point,value\n"


def test_file_names_say_page_metric_and_the_first_and_last_day():
    berlin = ZoneInfo("Europe/Berlin")
    period = Period(datetime(2026, 11, 1, tzinfo=berlin), datetime(2026, 11, 29, tzinfo=berlin))
    assert file_name("overview", "total-views", period) == (
        "overview_total-views_2026-11-01_2026-11-28.csv"
    )
    assert file_name("Peak viewers", "Top 5 / hour", (date(2026, 1, 2), date(2026, 1, 2))) == (
        "peak-viewers_top-5-hour_2026-01-02_2026-01-02.csv"
    )


# --- spreadsheet-ready tables ------------------------------------------------------------------

BERLIN = "Europe/Berlin"


def berlin_times(*texts: str | None) -> pd.Series:
    """ISO times with their offsets (None: missing) as a Europe/Berlin column."""
    return pd.Series(pd.to_datetime(list(texts), utc=True)).dt.tz_convert(BERLIN)


def test_day_buckets_are_local_dates_also_after_a_daylight_saving_change():
    # Clocks went back on 25 Oct 2026; the API kept the range start's offset (+02:00), so the
    # later days start at 23:00 local time the day before.
    frame = pd.DataFrame(
        {
            "time": berlin_times(
                "2026-10-24T00:00:00+02:00",
                "2026-10-25T00:00:00+02:00",
                "2026-10-26T00:00:00+02:00",
                "2026-10-27T00:00:00+02:00",
            ),
            "value": pd.array([5, 6, 7, 8], dtype="Int64"),
        }
    )
    columns = [Column("time", "Day", bucket_cell(Dimension.DAY)), Column("value", "Total views")]
    table = rows(csv_bytes(spreadsheet(frame, columns)))
    assert table == [
        ["Day", "Total views"],
        ["2026-10-24", "5"],
        ["2026-10-25", "6"],
        ["2026-10-26", "7"],
        ["2026-10-27", "8"],
    ]  # dates only: no time, no zone column


def test_month_buckets_are_the_first_of_the_month():
    frame = pd.DataFrame(
        {"time": berlin_times("2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+02:00")}
    )
    table = spreadsheet(frame, [Column("time", "Month", bucket_cell(PeakGranularity.MONTH))])
    assert list(table["Month"]) == ["2026-10-01", "2026-11-01"]


def test_hours_are_wall_clock_times_with_one_zone_column():
    # The night clocks went back: 02:00 happens twice, in order; the previous period's times
    # are written in the same zone.
    frame = pd.DataFrame(
        {
            "time": berlin_times(
                "2026-10-25T01:00:00+02:00",
                "2026-10-25T02:00:00+02:00",
                "2026-10-25T02:00:00+01:00",
                "2026-10-25T03:00:00+01:00",
            ),
            "value": [1, 2, 3, 4],
            "previous_time": pd.Series(
                pd.to_datetime(
                    [
                        "2026-10-24T01:00:00+02:00",
                        "2026-10-24T02:00:00+02:00",
                        None,
                        "2026-10-24T03:00:00+02:00",
                    ],
                    utc=True,
                )
            ),  # in UTC: converted to the first time column's zone
        }
    )
    cell = bucket_cell(Dimension.HOUR)
    columns = [
        Column("time", "Hour", cell),
        Column("value", "Total views"),
        Column("previous_time", previous_period("Hour"), cell),
    ]
    table = rows(csv_bytes(spreadsheet(frame, columns)))
    assert table == [
        ["Hour", "Total views", "Hour, previous period", "Time zone"],
        ["2026-10-25 01:00", "1", "2026-10-24 01:00", BERLIN],
        ["2026-10-25 02:00", "2", "2026-10-24 02:00", BERLIN],
        ["2026-10-25 02:00", "3", "", BERLIN],
        ["2026-10-25 03:00", "4", "2026-10-24 03:00", BERLIN],
    ]


def test_moments_keep_their_seconds_and_a_missing_one_stays_empty():
    frame = pd.DataFrame(
        {
            "started_at": berlin_times("2026-07-01T12:03:27+02:00"),
            "finished_at": pd.Series([pd.NaT], dtype="datetime64[us, Europe/Berlin]"),
        }
    )
    columns = [
        Column("started_at", "Started", Cell.SECOND),
        Column("finished_at", "Finished", Cell.SECOND),
    ]
    assert rows(csv_bytes(spreadsheet(frame, columns)))[1] == ["2026-07-01 12:03:27", "", BERLIN]


def test_shares_and_changes_are_percentages_with_one_decimal_and_a_missing_change_is_empty():
    frame = pd.DataFrame(
        {
            "share": [0.5146541617819461, 0.4853458382180539, 0.0],
            "change": pd.array([0.5146541617819461, None, -0.0004], dtype="Float64"),
        }
    )
    columns = [
        Column("share", "Share (%)", Cell.PERCENT),
        Column("change", "Change (%)", Cell.PERCENT),
    ]
    table = rows(csv_bytes(spreadsheet(frame, columns)))
    assert table == [
        ["Share (%)", "Change (%)"],
        ["51.5", "51.5"],
        ["48.5", ""],  # nothing to compare with: empty, not 0
        ["0.0", "0.0"],  # a tiny fall is 0.0, not -0.0
    ]


def test_headers_follow_the_columns_listed_and_absent_ones_are_left_out():
    frame = pd.DataFrame({"point": ["US"], "label": ["United States"], "value": [3], "extra": [1]})
    columns = [
        Column("label", "Country"),
        Column("point", "Country code"),
        Column("value", "Total views"),
        Column("previous_value", previous_period("Total views")),  # no comparison
    ]
    assert rows(csv_bytes(spreadsheet(frame, columns))) == [
        ["Country", "Country code", "Total views"],
        ["United States", "US", "3"],
    ]


def test_formula_looking_names_stay_text_in_the_spreadsheet_form():
    frame = pd.DataFrame(
        {
            "label": pd.Series(['=HYPERLINK("http://evil")', "+Budapest", "Pécs"], dtype="str"),
            "value": [-3, 2, 1],
        }
    )
    columns = [Column("label", "City"), Column("value", "Total views")]
    table = rows(csv_bytes(spreadsheet(frame, columns)))
    assert [row[0] for row in table[1:]] == ['\'=HYPERLINK("http://evil")', "'+Budapest", "Pécs"]
    assert [row[1] for row in table[1:]] == ["-3", "2", "1"]  # numbers are not quoted


def test_an_empty_table_keeps_its_headers():
    frame = pd.DataFrame(
        {
            "time": pd.Series(dtype="datetime64[us, Europe/Berlin]"),
            "value": pd.Series(dtype="int64"),
        }
    )
    columns = [Column("time", "Hour", Cell.MINUTE), Column("value", "Total views")]
    assert csv_bytes(spreadsheet(frame, columns)).decode() == "Hour,Total views,Time zone\n"
