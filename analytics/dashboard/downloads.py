"""CSV files for download: safe to open in a spreadsheet, named after what they contain.

Formula injection (OWASP "CSV Injection"): a text cell starting with =, +, -, @, tab or carriage
return is prefixed with a single quote so spreadsheets show it as text instead of running it.
Numbers are written as numbers (a negative count stays -3, not '-3); times as ISO 8601 with
their offset.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pandas as pd

from analytics.api.export import iso_strings
from analytics.dashboard.periods import Period

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


def file_name(page: str, what: str, period: Period | tuple[date, date]) -> str:
    """e.g. overview_total-views_2026-11-01_2026-11-28.csv (first and last day of the range)."""
    if isinstance(period, Period):
        first, last = period.start.date(), period.last_day
    else:
        first, last = period
    return f"{_slug(page)}_{_slug(what)}_{first:%Y-%m-%d}_{last:%Y-%m-%d}.csv"
