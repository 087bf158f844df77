"""CSV/JSON writing of frames: ISO 8601 timestamps with offsets, streaming page by page."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pytest

from analytics.api import frames
from analytics.api.export import FrameWriter, escape_formulas, iso_strings


def test_iso_strings_keep_each_instants_offset_and_missing_values():
    times = pd.Series(
        pd.to_datetime(["2026-10-24T22:30:00Z", "2026-10-25T22:30:00Z", None], utc=True)
    ).dt.tz_convert("Europe/Budapest")
    assert iso_strings(times).tolist()[:2] == [
        "2026-10-25T00:30:00+02:00",
        "2026-10-25T23:30:00+01:00",
    ]
    assert pd.isna(iso_strings(times).iloc[2])
    india = pd.Series(pd.to_datetime(["2026-01-01T00:00:00Z"], utc=True)).dt.tz_convert(
        "Asia/Kolkata"
    )
    assert iso_strings(india).tolist() == ["2026-01-01T05:30:00+05:30"]
    west = pd.Series(pd.to_datetime(["2026-01-01T00:00:00Z"], utc=True)).dt.tz_convert(
        "America/St_Johns"
    )
    assert iso_strings(west).tolist() == ["2025-12-31T20:30:00-03:30"]


def _peaks(values):
    return frames.peak_frame(
        [
            {"content_type": "live", "content_id": i, "time": "2026-01-01T00:00:00Z", "value": v}
            for i, v in values
        ],
        "UTC",
    )


def test_csv_writes_one_header_for_several_pages():
    out = io.BytesIO()
    writer = FrameWriter(out, "csv", ["content_id", "time", "value"])
    writer.write(_peaks([(1, 5)]))
    writer.write(_peaks([]))
    writer.write(_peaks([(2, 7)]))
    writer.finish()
    assert out.getvalue().decode() == (
        'content_id,time,value\n1,"2026-01-01T00:00:00+00:00",5\n2,"2026-01-01T00:00:00+00:00",7\n'
    )
    assert writer.rows == 2


def test_csv_of_an_empty_result_is_just_the_header():
    out = io.BytesIO()
    writer = FrameWriter(out, "csv")
    writer.write(frames.views_frame([], "UTC"))
    writer.finish()
    assert out.getvalue().decode() == ",".join(frames.VIEW_COLUMNS) + "\n"


def test_csv_quotes_text_and_leaves_missing_values_empty():
    out = io.BytesIO()
    writer = FrameWriter(out, "csv", ["view_id", "city", "from", "finished_at", "is_mobile_view"])
    view = {
        "content_type": "live",
        "content_id": 1,
        "started_at": "2026-01-01T00:00:00Z",
        "view_id": 'a,"b"',
        "city": "",
        "is_mobile_view": True,
    }
    writer.write(frames.views_frame([view], "UTC"))
    writer.finish()
    assert out.getvalue().decode() == (
        'view_id,city,from,finished_at,is_mobile_view\n"a,""b""","",,,true\n'
    )


def test_json_is_one_array_across_pages_with_nulls():
    out = io.BytesIO()
    writer = FrameWriter(out, "json")
    writer.write(_peaks([(1, 5)]))
    writer.write(_peaks([(2, 7), (3, 9)]))
    writer.finish()
    rows = json.loads(out.getvalue())
    assert [r["content_id"] for r in rows] == [1, 2, 3]
    assert rows[0]["time"] == "2026-01-01T00:00:00+00:00"

    out = io.BytesIO()
    writer = FrameWriter(out, "json")
    view = {
        "content_type": "live",
        "content_id": 1,
        "started_at": "2026-01-01T00:00:00Z",
        "view_id": "a,{b}",
    }
    writer.write(frames.views_frame([view], "UTC"))
    writer.finish()
    (row,) = json.loads(out.getvalue())
    assert row["finished_at"] is None
    assert row["from"] is None
    assert row["browser"] is None
    assert row["view_id"] == "a,{b}"

    out = io.BytesIO()
    writer = FrameWriter(out, "json")
    writer.write(_peaks([]))
    writer.finish()
    assert json.loads(out.getvalue()) == []


@pytest.mark.parametrize("text_type", [pa.string(), pa.large_string()])
def test_escape_formulas_prefixes_only_risky_text(text_type):
    cells = ["=1+1", "+A1", "-A1", "@A1", "\tx", "\rx", "\nx", "＝x", "＋x", "－x", "＠x",
             "-5", "+1.5e3", ".5", "ok", " =x", "", None]  # fmt: skip
    table = pa.table({"text": pa.array(cells, text_type), "number": list(range(len(cells)))})
    escaped = escape_formulas(table).to_pydict()
    assert escaped["text"][:11] == ["'" + cell for cell in cells[:11]]
    assert escaped["text"][11:] == cells[11:]  # plain numbers, safe text and nulls as they were
    assert escaped["number"] == list(range(len(cells)))
    assert escape_formulas(table, skip={"text"}).equals(table)


def test_formula_escaping_is_for_csv_only():
    with pytest.raises(ValueError, match="CSV only"):
        FrameWriter(io.BytesIO(), "json", escape_formulas=True)
