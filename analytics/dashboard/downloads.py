"""CSV files for download: safe to open in a spreadsheet, named after what they contain.

Formula injection (OWASP "CSV Injection"): a text cell starting with =, +, -, @, tab or carriage
return is prefixed with a single quote so spreadsheets show it as text instead of running it.
Numbers are written as numbers (a negative count stays -3, not '-3); times as ISO 8601 with
their offset.

The dashboard's tables are written for people (`spreadsheet`): headers in words, dates and
local wall-clock times a spreadsheet reads as such, ratios as percentages. Scripts get the
API's attribute names from the command line and the raw Views export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from enum import Enum

import pandas as pd

from analytics.api import Dimension, PeakGranularity
from analytics.api.export import iso_strings
from analytics.dashboard.periods import Period
from analytics.dashboard.tables import DIMENSION_LABELS, wall_times

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", " ")


def is_risky(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula: it starts with a trigger, also
    after Unicode normalisation (fullwidth ＝ is =) or after leading blanks and line breaks."""
    if text.startswith(FORMULA_TRIGGERS):
        return True
    normal = unicodedata.normalize("NFKC", text[:64])
    return normal.startswith(FORMULA_TRIGGERS) or normal.lstrip().startswith(FORMULA_TRIGGERS)


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not evaluate."""
    return "'" + text if is_risky(text) else text


def _safe_column(column: pd.Series) -> pd.Series:
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return iso_strings(column)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return column.map(lambda moment: "" if pd.isna(moment) else moment.isoformat())
    if pd.api.types.is_timedelta64_dtype(dtype):
        return column.dt.total_seconds()
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return column
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        risky = column.map(lambda cell: isinstance(cell, str) and is_risky(cell)).astype(bool)
        return column.where(~risky, "'" + column)
    # Mixed columns: only the strings need care; numbers inside keep their type.
    return column.map(lambda cell: neutralise(cell) if isinstance(cell, str) else cell)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with formula-looking text neutralised (headers included)."""
    safe = pd.DataFrame({neutralise(str(name)): _safe_column(frame[name]) for name in frame})
    if frame.columns.empty:
        safe = pd.DataFrame()
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "data"


def file_name(
    page: str, what: str, period: Period | tuple[date, date], *, suffix: str = "csv"
) -> str:
    """e.g. overview_total-views_2026-11-01_2026-11-28.csv (first and last day of the range);
    a chart's image is the same name with `suffix="png"`."""
    if isinstance(period, Period):
        first, last = period.start.date(), period.last_day
    else:
        first, last = period
    return f"{_slug(page)}_{_slug(what)}_{first:%Y-%m-%d}_{last:%Y-%m-%d}.{suffix}"


# --- spreadsheet-ready tables ------------------------------------------------------------------

TIME_ZONE = "Time zone"


class Cell(Enum):
    """How one column's values are written for a spreadsheet."""

    AS_IS = "as is"  # numbers stay numbers, text stays text
    PERCENT = "percent"  # a ratio 0.5147 as 51.5 (one decimal); missing stays empty
    DATE = "date"  # a day or month bucket as its local date: 2026-11-01
    MINUTE = "minute"  # local wall-clock time: 2026-11-01 14:00
    SECOND = "second"  # local wall-clock time: 2026-11-01 14:03:27


@dataclass(frozen=True)
class Column:
    """One column of a download: the frame's column, its header for people, how it is written."""

    source: str
    header: str
    cell: Cell = Cell.AS_IS


def bucket_cell(bucket: Dimension | PeakGranularity) -> Cell:
    """Day and month buckets are dates; hour and minute buckets wall-clock times."""
    return Cell.DATE if bucket in ("day", "month") else Cell.MINUTE


def previous_period(header: str) -> str:
    """The header of the previous period's column: "Total views, previous period"."""
    return f"{header}, previous period"


def spreadsheet(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """The frame as people read it in a spreadsheet: the listed columns it has, in that order,
    under their headers and written as their `Cell` says.

    Columns the frame lacks are left out (the previous period's without a comparison). Wall-clock
    times are all in one zone, named (IANA) in a last column "Time zone"; dates need none.
    """
    present = [column for column in columns if column.source in frame]
    zone = _zone(frame, present)
    cells = {
        column.header: _cells(frame[column.source], column.cell, zone).reset_index(drop=True)
        for column in present
    }
    table = pd.DataFrame(cells, index=pd.RangeIndex(len(frame)))
    if zone is not None:
        table[TIME_ZONE] = pd.Series([zone_name(zone)] * len(frame), dtype="str")
    return table


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone ("Europe/Berlin"), whichever library made it."""
    return str(getattr(zone, "key", None) or getattr(zone, "zone", None) or zone)


def _zone(frame: pd.DataFrame, columns: Sequence[Column]) -> tzinfo | None:
    """The zone of the first wall-clock column (the others are written in it)."""
    for column in columns:
        dtype = frame[column.source].dtype
        if column.cell in (Cell.MINUTE, Cell.SECOND) and isinstance(dtype, pd.DatetimeTZDtype):
            return dtype.tz
    return None


_TIME_FORMATS = {Cell.MINUTE: "%Y-%m-%d %H:%M", Cell.SECOND: "%Y-%m-%d %H:%M:%S"}


def _cells(values: pd.Series, cell: Cell, zone: tzinfo | None) -> pd.Series:
    if cell is Cell.PERCENT:
        percent = (pd.to_numeric(values, errors="coerce").astype("Float64") * 100).round(1)
        return percent + 0.0  # -0.0 (a tiny fall) reads as 0.0
    if cell is Cell.AS_IS:
        return values
    times = values if pd.api.types.is_datetime64_any_dtype(values.dtype) else pd.to_datetime(values)
    if cell is Cell.DATE:
        # A bucket's start rounded to the nearest local midnight: the API buckets in the range
        # start's UTC offset, so after a daylight-saving change a day starts at 23:00 or 01:00.
        dates = (wall_times(times) + pd.Timedelta(hours=12)).dt.strftime("%Y-%m-%d")
        return dates.astype("str")
    if zone is not None and isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert(zone)
    return wall_times(times).dt.strftime(_TIME_FORMATS[cell]).astype("str")


def series_with_previous(series: pd.DataFrame, label: str, bucket: Dimension) -> pd.DataFrame:
    """A series chart's data (time, value, previous_time, previous_value) for a spreadsheet:
    "Day", the figure's `label` and the previous period's of both."""
    when, cell = DIMENSION_LABELS[bucket], bucket_cell(bucket)
    columns = [
        Column("time", when, cell),
        Column("value", label),
        Column("previous_time", previous_period(when), cell),
        Column("previous_value", previous_period(label)),
    ]
    return spreadsheet(series, columns)
