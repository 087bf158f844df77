"""The API's JSON records -> pandas DataFrames with fixed columns and explicit dtypes.

Parsing is tolerant where the documentation is inconsistent (ids as strings or integers, a
missing device_info, extra fields, `media_id` for `content_id`, `timestamp` for `time`) and
strict where a wrong value would mislead (a missing or unreadable timestamp of a view raises
ResponseFormatError naming the record). One record with a null or unreadable `point`, `value`,
`content_id` or `viewer_identifier` (TOLERANT) does not fail its page: the value is missing
(<NA>, never an invented 0) and the frame's `attrs["incomplete_records"]` counts such records.
A date-only time (`2024-03-31`) is that calendar day's midnight in the query's zone.
Every frame builder returns the same columns and dtypes for an empty list of records.
"""

from __future__ import annotations

import json
import re
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

METRIC_COLUMNS: dict[str, str] = {"dimension_type": STR, "point": STR, "value": NULLABLE_INT}
# ViewerSecondSummary; PeakSeries, ViewerSecondSeries and PeakSummary add `time`.
VIEWER_SECONDS_SUMMARY_COLUMNS: dict[str, str] = {
    "content_type": STR,
    "content_id": NULLABLE_INT,
    "value": NULLABLE_INT,
}
PEAK_COLUMNS: dict[str, str] = {"content_type": STR, "content_id": NULLABLE_INT, "time": TIME}
PEAK_COLUMNS["value"] = NULLABLE_INT
VIEWER_SECONDS_COLUMNS = PEAK_COLUMNS  # ViewerSecondSeries: the same attributes
INCOMPLETE = "incomplete_records"  # frame.attrs key: records with a missing TOLERANT value
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
    "metric": (),
    "peak": ("time",),
    "summary": (),
    "view": ("content_type", "content_id", "started_at"),
    "viewer": ("videos_watched",),
    "segment": ("content_type", "content_id", "started_at"),
}
# Columns whose null or unreadable value makes the record incomplete (<NA>), not the page fail.
TOLERANT = {
    "metric": ("point", "value"),
    "peak": ("content_id", "value"),
    "summary": ("content_id", "time", "value"),
    "view": (),
    "viewer": ("viewer_identifier",),
    "segment": (),
}
# Other names the documentation gives an attribute (PeakSummary: `media_id`, `timestamp`).
ALIASES = {"content_id": "media_id", "time": "timestamp"}
LOCAL_DATES = ("metric", "peak", "summary")  # kinds whose date-only times are local dates
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


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


def _ints(
    values: list[Any], kind: str, name: str, nullable: bool, lenient: bool = False
) -> pd.Series:
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
        elif lenient and not _is_int(value):
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


def _is_int(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) or (
        isinstance(value, str) and value.strip().lstrip("-").isdigit()
    )


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


def _times(
    values: list[Any], tz: str, kind: str, name: str, required: bool, lenient: bool = False
) -> pd.Series:
    if kind in LOCAL_DATES:
        values = [_local_date(v, tz) for v in values]
    raw = pd.Series(values, dtype=object)
    parsed = pd.to_datetime(raw, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna() if required else parsed.isna() & raw.notna()
    if lenient:
        bad[:] = False
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(kind, name, index, values[index], "an ISO 8601 date-time")
    return parsed.dt.tz_convert(tz).astype(time_dtype(tz))


def _local_date(value: object, tz: str) -> object:
    """A date-only time is that calendar day's midnight in `tz` (not UTC midnight)."""
    if isinstance(value, str) and DATE_ONLY.fullmatch(value.strip()):
        try:
            day = pd.Timestamp(value.strip())
        except ValueError:
            return value
        local = day.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
        return local.isoformat()
    return value


def _frame(
    records: Sequence[dict[str, Any]],
    columns: dict[str, str],
    kind: str,
    tz: str,
) -> pd.DataFrame:
    required = REQUIRED[kind]
    tolerant = TOLERANT[kind]
    plain = [name for name in columns if name not in DEVICE_COLUMNS]
    # One pass over the records with C-level lookups (map(dict.get)) is ~3x faster than a
    # comprehension per column; pages hold up to 10 000 records.
    values_by_column = dict(zip(plain, _columns(records, plain), strict=True))
    if DEVICE_COLUMNS.keys() <= columns.keys():
        values_by_column.update(_device_families(records))
    for name, alias in ALIASES.items():
        if name in values_by_column and None in values_by_column[name]:
            values_by_column[name] = [
                record.get(alias) if value is None else value
                for record, value in zip(records, values_by_column[name], strict=True)
            ]
    data: dict[str, pd.Series] = {}
    incomplete = np.zeros(len(records), dtype=bool)
    for name, dtype in columns.items():
        values = values_by_column[name]
        is_required = name in required
        lenient = name in tolerant
        if dtype == STR:
            if is_required and any(v is None for v in values):
                index = values.index(None)
                raise _fail(kind, name, index, None, "a value")
            if lenient:
                values = [v if isinstance(v, (str, int, float)) else None for v in values]
            data[name] = _strings(values)
        elif dtype in (INT, NULLABLE_INT):
            nullable = dtype == NULLABLE_INT
            data[name] = _ints(values, kind, name, nullable=nullable, lenient=lenient)
        elif dtype == BOOL:
            data[name] = _bools(values, kind, name)
        elif dtype == TIME:
            data[name] = _times(values, tz, kind, name, required=is_required, lenient=lenient)
        if lenient and len(records):
            incomplete |= data[name].isna().to_numpy(dtype=bool)
    frame = pd.DataFrame(data, copy=False)
    frame.attrs[INCOMPLETE] = int(incomplete.sum())
    return frame


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
    """content_type, content_id, time, value (PeakSeries and ViewerSecondSeries alike)."""
    return _frame(records, PEAK_COLUMNS, "peak", tz)


def peaks_rolled_up(hourly: pd.DataFrame, unit: str, tz: str) -> pd.DataFrame:
    """Peak series per content and calendar day ("D") or month ("M") in `tz`, from hourly
    peaks: each bucket's highest hour, stamped at the bucket's local midnight."""
    if hourly.empty:
        return hourly
    wall = hourly["time"].dt.tz_convert(tz).dt.tz_localize(None)
    start = wall.dt.normalize() if unit == "D" else wall.dt.to_period("M").dt.to_timestamp()
    # A zone whose clocks change at midnight has no (or two) midnights that day: take the
    # first instant of the day that exists.
    bucket = start.dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    rolled = (
        hourly.assign(time=bucket.astype(time_dtype(tz)))
        .groupby(["content_type", "content_id", "time"], dropna=False, sort=False)["value"]
        .max()
        .reset_index()
        .sort_values(["time", "content_type", "content_id"], kind="stable", ignore_index=True)
    )
    rolled.attrs = dict(hourly.attrs)
    return rolled[list(hourly.columns)]


def summary_frame(records: Sequence[dict[str, Any]], tz: str, *, timed: bool) -> pd.DataFrame:
    """content_type, content_id, [time,] value of PeakSummary (timed) / ViewerSecondSummary;
    `media_id` and `timestamp` are read as `content_id` and `time`."""
    columns = PEAK_COLUMNS if timed else VIEWER_SECONDS_SUMMARY_COLUMNS
    return _frame(records, columns, "summary", tz)


def summary_body_frame(body: bytes, tz: str, *, timed: bool) -> pd.DataFrame:
    """A summary endpoint's body (zero or one item, `"pagination": {}`) as summary_frame."""
    try:
        data = json.loads(body)["data"]
    except (ValueError, TypeError, KeyError, IndexError):
        raise ResponseFormatError("the body is not JSON with a 'data' list") from None
    return summary_frame(attributes(data, "summary"), tz, timed=timed)


def incomplete_records(parts: Sequence[pd.DataFrame]) -> int:
    """Records with a missing TOLERANT value in these pages' frames."""
    return sum(int(part.attrs.get(INCOMPLETE, 0)) for part in parts)


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
