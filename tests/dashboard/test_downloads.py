"""CSV downloads: formula injection neutralised, numbers and times written faithfully."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.dashboard.downloads import csv_bytes, file_name, neutralise
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
