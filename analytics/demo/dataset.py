"""The segment table every demo endpoint answers from, and hand-built datasets for tests.

A dataset is a pandas DataFrame with one row per view segment and the columns of
SEGMENT_COLUMNS. Times are UTC; `finished_at` NaT means the segment is still running.
`segments_frame()` turns a few hand-written rows into such a frame, filling in defaults,
so semantics tests can state their data compactly.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.contract import ContentType, ViewType
from analytics.demo.generator import CITY_REGIONS

# Column -> pandas dtype. Times are tz-aware UTC with one-second precision.
SEGMENT_COLUMNS: dict[str, str] = {
    "id": "str",
    "content_type": "str",
    "content_id": "int64",
    "started_at": "datetime64[s, UTC]",
    "finished_at": "datetime64[s, UTC]",
    "from": "Int64",
    "to": "Int64",
    "viewer_identifier": "str",
    "country": "str",
    "city": "str",
    "is_mobile_view": "bool",
    "view_type": "str",
    "client_id": "str",
    "view_session_id": "str",
    "browser_family": "str",
    "browser_major": "str",
    "browser_minor": "str",
    "browser_patch": "str",
    "os_family": "str",
    "os_major": "str",
    "os_minor": "str",
    "os_patch": "str",
    "os_patch_minor": "str",
    "device_family": "str",
    "device_brand": "str",
    "device_model": "str",
    "region": "str",
    "channel_id": "Int64",
}

# Columns added after the first release: a frame without them still loads (defaults below).
OPTIONAL_COLUMNS = ("region", "channel_id")

# What a hand-built row gets when it leaves a column out (a desktop Chrome viewer in Budapest).
SEGMENT_DEFAULTS: dict[str, Any] = {
    "content_type": ContentType.LIVE.value,
    "content_id": 1,
    "finished_at": None,
    "viewer_identifier": "",
    "country": "HU",
    "city": "Budapest",
    "is_mobile_view": False,
    "view_type": ViewType.ONSITE.value,
    "browser_family": "Chrome",
    "browser_major": "120",
    "browser_minor": "0",
    "browser_patch": "6099",
    "os_family": "Windows",
    "os_major": "10",
    "os_minor": None,
    "os_patch": None,
    "os_patch_minor": None,
    "device_family": "Other",
    "device_brand": None,
    "device_model": None,
    "channel_id": None,
}

NULLABLE_TEXT = {
    "browser_major",
    "browser_minor",
    "browser_patch",
    "os_major",
    "os_minor",
    "os_patch",
    "os_patch_minor",
    "device_brand",
    "device_model",
    "country",
    "city",
    "region",
}


def _stable_uuid(*parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _utc(value: object, column: str, row: int) -> pd.Timestamp | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise ValueError(f"segment row {row}: {column} must be timezone-aware, got {value!r}")
    return stamp.tz_convert("UTC").floor("s")


def segments_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build a dataset from hand-written segment rows.

    Each row needs `started_at` (tz-aware datetime or ISO string with offset) and usually
    `view_session_id` (defaults to one session per row); everything else has a default
    (SEGMENT_DEFAULTS). `finished_at` None means still running. `client_id` defaults to
    "device-<view_session_id>", `id` to a stable UUID, and for recorded segments `from`/`to`
    default to 0 and the length in seconds (live segments: 0 and 0). `region` defaults to
    the city's ISO 3166-2 code when the generator knows the city (Budapest: "HU-BU"), else
    null; `channel_id` (the channel a recorded video belongs to) to null.
    """
    records: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        unknown = set(row) - set(SEGMENT_COLUMNS)
        if unknown:
            raise ValueError(f"segment row {index}: unknown columns {sorted(unknown)}")
        if "started_at" not in row:
            raise ValueError(f"segment row {index}: started_at is required")
        record = {**SEGMENT_DEFAULTS, **row}
        record["started_at"] = _utc(record["started_at"], "started_at", index)
        record["finished_at"] = _utc(record["finished_at"], "finished_at", index)
        if record["finished_at"] is not None and record["finished_at"] < record["started_at"]:
            raise ValueError(f"segment row {index}: finished_at is before started_at")
        record["content_type"] = ContentType(record["content_type"]).value
        record["view_type"] = ViewType(record["view_type"]).value
        record.setdefault("region", CITY_REGIONS.get(record["city"] or ""))
        record.setdefault("view_session_id", f"session-{index}")
        record.setdefault("client_id", f"device-{record['view_session_id']}")
        record.setdefault("id", _stable_uuid(index, record["view_session_id"]))
        if record["content_type"] == ContentType.LIVE.value:
            record.setdefault("from", 0)
            record.setdefault("to", 0)
        else:
            record.setdefault("from", 0)
            if "to" not in record:
                length = (
                    (record["finished_at"] - record["started_at"]).total_seconds()
                    if record["finished_at"] is not None
                    else None
                )
                record["to"] = None if length is None else record["from"] + int(length)
        records.append(record)
    return normalize_segments(pd.DataFrame.from_records(records, columns=list(SEGMENT_COLUMNS)))


def normalize_segments(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce a frame to SEGMENT_COLUMNS and their dtypes; raises ValueError if one is missing."""
    missing = [
        column
        for column in SEGMENT_COLUMNS
        if column not in frame.columns and column not in OPTIONAL_COLUMNS
    ]
    if missing:
        raise ValueError(f"dataset is missing columns {missing}")
    out = pd.DataFrame(index=range(len(frame)))
    for column, dtype in SEGMENT_COLUMNS.items():
        if column not in frame.columns:
            values = pd.Series([None] * len(frame), dtype=object)
        else:
            values = frame[column].reset_index(drop=True)
        if dtype.startswith("datetime64"):
            out[column] = pd.to_datetime(values, utc=True).dt.floor("s").astype(dtype)
        elif column in NULLABLE_TEXT:
            out[column] = values.astype("object").where(values.notna(), None)
        elif dtype == "str":
            out[column] = values.fillna("").astype("str")
        else:
            out[column] = values.astype(dtype)
    if out["started_at"].isna().any():
        raise ValueError("dataset: every segment needs started_at")
    return out


def load_segments_file(path: Path) -> pd.DataFrame:
    """A hand-built dataset from CSV, Parquet or JSON lines with SEGMENT_COLUMNS (or a subset:
    missing ones get SEGMENT_DEFAULTS). Raises ValueError naming the file on bad content."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame = pd.read_json(path, lines=suffix != ".json", dtype=False)
        else:
            frame = pd.read_csv(path, dtype={"content_id": "Int64"}, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read dataset {path}: {exc}") from None
    rows = []
    for record in frame.to_dict("records"):
        rows.append({k: (None if _is_blank(v) else v) for k, v in record.items()})
    try:
        return segments_frame(rows)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"dataset {path}: {exc}") from None


def _is_blank(value: Any) -> bool:
    if isinstance(value, str):
        return value == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
