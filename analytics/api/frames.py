"""The API's JSON records -> pandas DataFrames with fixed columns and explicit dtypes.

Parsing is tolerant where the documentation is inconsistent (ids as strings or integers, a
missing device_info, extra fields) and strict where a wrong value would mislead (a missing or
unreadable timestamp, count or id raises ResponseFormatError naming the record).
Every frame builder returns the same columns and dtypes for an empty list of records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ResponseFormatError
from .queries import Dimension

STR = "str"
INT = "int64"
NULLABLE_INT = "Int64"
BOOL = "bool"
TIME = "time"  # tz-aware datetime64[us, tz]; the zone is the query's

METRIC_COLUMNS: dict[str, str] = {"dimension_type": STR, "point": STR, "value": INT}
PEAK_COLUMNS: dict[str, str] = {"content_type": STR, "content_id": INT, "time": TIME, "value": INT}
VIEWER_COLUMNS: dict[str, str] = {
    "viewer_identifier": STR,
    "videos_watched": INT,
    "last_activity": TIME,
}
DEVICE_COLUMNS: dict[str, str] = {"browser": STR, "os": STR, "device": STR}
VIEW_COLUMNS: dict[str, str] = {
    "view_id": STR,
    "content_type": STR,
    "content_id": INT,
    "started_at": TIME,
    "finished_at": TIME,
    "from": NULLABLE_INT,
    "to": NULLABLE_INT,
    "viewer_identifier": STR,
    "country": STR,
    "city": STR,
    "is_mobile_view": BOOL,
    "view_type": STR,
    "client_id": STR,
    "view_session_id": STR,
    **DEVICE_COLUMNS,
}
SEGMENT_COLUMNS: dict[str, str] = {
    "viewer_identifier": STR,
    "id": STR,
    "content_type": STR,
    "content_id": INT,
    "started_at": TIME,
    "finished_at": TIME,
    "from": NULLABLE_INT,
    "to": NULLABLE_INT,
    "client_id": STR,
    "view_session_id": STR,
    "country": STR,
    "city": STR,
    "is_mobile_view": BOOL,
    "view_type": STR,
    **DEVICE_COLUMNS,
}
# Columns that must be present and readable in every record (None: may be missing / null).
REQUIRED = {
    "metric": ("point", "value"),
    "peak": ("content_id", "time", "value"),
    "view": ("content_type", "content_id", "started_at"),
    "viewer": ("viewer_identifier", "videos_watched"),
    "segment": ("content_type", "content_id", "started_at"),
}


def time_dtype(tz: str) -> pd.DatetimeTZDtype:
    return pd.DatetimeTZDtype(unit="us", tz=tz)


def attributes(data: object, kind: str) -> list[dict[str, Any]]:
    """The `attributes` objects of a response's `data` list (records without the wrapper pass)."""
    if not isinstance(data, list):
        raise ResponseFormatError(f"'data' is {type(data).__name__}, expected a list of {kind}s")
    records = []
    for index, item in enumerate(data):
        record = item.get("attributes", item) if isinstance(item, dict) else None
        if not isinstance(record, dict):
            raise ResponseFormatError(f"{kind} record {index} is not an object")
        records.append(record)
    return records


# --- column converters ------------------------------------------------------------------------


def _fail(kind: str, name: str, index: int, value: object, expected: str) -> ResponseFormatError:
    return ResponseFormatError(f"{kind} record {index}: {name} is {value!r}, expected {expected}")


def _strings(values: list[Any]) -> pd.Series:
    return pd.Series(values, dtype=object).astype(STR)


def _ints(values: list[Any], kind: str, name: str, nullable: bool) -> pd.Series:
    if all(type(v) is int for v in values):  # the common case, fast
        return pd.Series(
            np.asarray(values, dtype=np.int64), dtype=NULLABLE_INT if nullable else INT
        )
    converted: list[int | None] = []
    for index, value in enumerate(values):
        if value is None or value == "":
            if not nullable:
                raise _fail(kind, name, index, value, "an integer")
            converted.append(None)
        elif isinstance(value, bool):
            raise _fail(kind, name, index, value, "an integer")
        elif isinstance(value, int):
            converted.append(value)
        elif isinstance(value, float) and value.is_integer():
            converted.append(int(value))
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            converted.append(int(value.strip()))
        else:
            raise _fail(kind, name, index, value, "an integer")
    if nullable:
        return pd.Series(pd.array(converted, dtype=NULLABLE_INT))
    return pd.Series(np.asarray(converted, dtype=np.int64), dtype=INT)


_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False}


def _bools(values: list[Any], kind: str, name: str) -> pd.Series:
    if all(type(v) is bool for v in values):
        return pd.Series(np.asarray(values, dtype=bool), dtype=BOOL)
    converted = []
    for index, value in enumerate(values):
        if value is None:
            converted.append(False)  # not said to be mobile
        elif isinstance(value, bool):
            converted.append(value)
        elif isinstance(value, (int, str)) and str(value).strip().lower() in _BOOL_WORDS:
            converted.append(_BOOL_WORDS[str(value).strip().lower()])
        else:
            raise _fail(kind, name, index, value, "true or false")
    return pd.Series(np.asarray(converted, dtype=bool), dtype=BOOL)


def _times(values: list[Any], tz: str, kind: str, name: str, required: bool) -> pd.Series:
    raw = pd.Series(values, dtype=object)
    parsed = pd.to_datetime(raw, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna() if required else parsed.isna() & raw.notna()
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(kind, name, index, values[index], "an ISO 8601 date-time")
    return parsed.dt.tz_convert(tz).astype(time_dtype(tz))


def _frame(
    records: Sequence[dict[str, Any]],
    columns: dict[str, str],
    kind: str,
    tz: str,
) -> pd.DataFrame:
    required = REQUIRED[kind]
    plain = [name for name in columns if name not in DEVICE_COLUMNS]
    # One pass over the records with C-level lookups (map(dict.get)) is ~3x faster than a
    # comprehension per column; pages hold up to 10 000 records.
    values_by_column = dict(zip(plain, _columns(records, plain), strict=True))
    if DEVICE_COLUMNS.keys() <= columns.keys():
        values_by_column.update(_device_families(records))
    data: dict[str, pd.Series] = {}
    for name, dtype in columns.items():
        values = values_by_column[name]
        is_required = name in required
        if dtype == STR:
            if is_required and any(v is None for v in values):
                index = values.index(None)
                raise _fail(kind, name, index, None, "a value")
            data[name] = _strings(values)
        elif dtype in (INT, NULLABLE_INT):
            data[name] = _ints(values, kind, name, nullable=dtype == NULLABLE_INT)
        elif dtype == BOOL:
            data[name] = _bools(values, kind, name)
        elif dtype == TIME:
            data[name] = _times(values, tz, kind, name, required=is_required)
    return pd.DataFrame(data, copy=False)


def _columns(records: Sequence[dict[str, Any]], names: list[str]) -> list[list[Any]]:
    if not records:
        return [[] for _ in names]
    rows = [tuple(map(record.get, names)) for record in records]
    return [list(column) for column in zip(*rows, strict=True)]


_NO_INFO: dict[str, Any] = {}


def _device_families(records: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """browser / os / device: the `family` of each DeviceInfo part (None when missing)."""
    infos = [record.get("device_info") or _NO_INFO for record in records]
    if not all(isinstance(info, dict) for info in infos):
        index = next(i for i, info in enumerate(infos) if not isinstance(info, dict))
        raise ResponseFormatError(f"record {index}: device_info is not an object")
    families = {}
    for part in DEVICE_COLUMNS:
        sections = [info.get(part) or _NO_INFO for info in infos]
        families[part] = [
            section.get("family") if isinstance(section, dict) else None for section in sections
        ]
    return families


# --- frames per endpoint family ---------------------------------------------------------------


def metric_frame(records: Sequence[dict[str, Any]], dimension: Dimension, tz: str) -> pd.DataFrame:
    """dimension_type, point (tz-aware for month/day/hour, else the label), value."""
    columns = dict(METRIC_COLUMNS)
    if dimension.is_time:
        columns["point"] = TIME
    return _frame(records, columns, "metric", tz)


def peak_frame(records: Sequence[dict[str, Any]], tz: str) -> pd.DataFrame:
    return _frame(records, PEAK_COLUMNS, "peak", tz)


def views_frame(records: Sequence[dict[str, Any]], tz: str) -> pd.DataFrame:
    return _frame(records, VIEW_COLUMNS, "view", tz)


def viewers_frames(records: Sequence[dict[str, Any]], tz: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per viewer, their segments with the viewer's identifier in front)."""
    viewers = _frame(records, VIEWER_COLUMNS, "viewer", tz)
    segments: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        own = record.get("segments") or []
        if not isinstance(own, list) or not all(isinstance(s, dict) for s in own):
            raise ResponseFormatError(f"viewer record {index}: segments is not a list of objects")
        identifier = record.get("viewer_identifier")
        segments.extend({**segment, "viewer_identifier": identifier} for segment in own)
    return viewers, _frame(segments, SEGMENT_COLUMNS, "segment", tz)
