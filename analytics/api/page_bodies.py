"""One page body of any endpoint -> its DataFrame(s) and the pagination count.

Big pages (/views, /viewers: up to 10 000 records) take a columnar fast path: pyarrow's JSON
reader parses the body in C++ straight into columns, ~5x cheaper than json.loads plus building
a frame from 10 000 dicts, and without millions of short-lived Python objects. Anything it
cannot map exactly (an id sent as text in one record and as a number in another, a value of an
unexpected type...) falls back to the tolerant record path in frames.py, which also words the
errors. Both paths give identical frames (tests check this on the same bodies).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from . import frames
from .errors import ResponseFormatError
from .queries import Dimension

Kind = Literal["metric", "peak", "view", "viewer"]


@dataclass(frozen=True)
class ParsedPage:
    """One page body, converted, and what its pagination says about the pages that follow:
    `count` (the API's total, or in one reading the items on this page), the `_page` number of
    the `last` link, and whether `next` is there (None: the body does not say).
    """

    content: Any  # a DataFrame; for viewers (viewers, segments)
    rows: int
    count: int | None
    last_page: int | None = None
    has_next: bool | None = None


def parse_page(body: bytes, kind: Kind, tz: str, dimension: Dimension | None = None) -> ParsedPage:
    """The page's frame(s) and count; the fast path for big list pages, else the record path."""
    if kind in ("view", "viewer"):
        try:
            return _columnar(body, kind, tz)
        except _NotExact:
            pass
    return _records(body, kind, tz, dimension)


# --- the tolerant record path -----------------------------------------------------------------


def _records(body: bytes, kind: Kind, tz: str, dimension: Dimension | None) -> ParsedPage:
    try:
        payload = json.loads(body)
    except ValueError:
        raise ResponseFormatError("the body is not JSON") from None
    if not isinstance(payload, dict) or "data" not in payload:
        raise ResponseFormatError("the body has no 'data' list")
    records = frames.attributes(payload["data"], kind)
    content: Any
    if kind == "metric":
        content = frames.metric_frame(records, dimension or Dimension.SUMMARY, tz)
    elif kind == "peak":
        content = frames.peak_frame(records, tz)
    elif kind == "view":
        content = frames.views_frame(records, tz)
    else:
        content = frames.viewers_frames(records, tz)
    return _parsed(content, len(records), payload.get("pagination"))


def _parsed(content: Any, rows: int, pagination: object) -> ParsedPage:
    last_page, has_next = pagination_links(pagination)
    return ParsedPage(content, rows, pagination_count(pagination), last_page, has_next)


def pagination_count(pagination: object) -> int | None:
    """The pagination `count`, if it is a usable number (strings of digits too)."""
    if not isinstance(pagination, dict):
        return None
    count = pagination.get("count")
    if isinstance(count, bool):
        return None
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count)
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    return count if isinstance(count, int) and count >= 0 else None


def pagination_links(pagination: object) -> tuple[int | None, bool | None]:
    """(the `_page` of the `last` link, whether a `next` link is there).

    A link is an object with `href` or a plain string; only its `_page` number is read (page
    URLs are built from the base URL, never followed). `next` null or "" says there is none;
    a missing `next` says nothing (None).
    """
    if not isinstance(pagination, dict):
        return None, None
    last = _page_number(pagination.get("last"))
    if "next" not in pagination:
        return last, None
    return last, _href(pagination["next"]) is not None


def _href(link: object) -> str | None:
    if isinstance(link, dict):
        link = link.get("href")
    return link.strip() or None if isinstance(link, str) else None


def _page_number(link: object) -> int | None:
    href = _href(link)
    if href is None:
        return None
    values = parse_qs(urlsplit(href).query).get("_page", [])
    number = values[-1].strip() if values else ""
    return int(number) if number.isdigit() and int(number) >= 1 else None


# --- the columnar fast path -------------------------------------------------------------------


class _NotExact(Exception):
    """The fast path cannot map this body exactly; use the record path."""


def _schema(kind: Kind) -> pa.Schema:
    """Times are read as text (parsed below exactly as the record path does); the rest is
    inferred, so extra fields are fine and ids may be numbers or text (consistently)."""
    times = [pa.field(name, pa.string()) for name in ("started_at", "finished_at")]
    if kind == "view":
        attributes = pa.struct(times)
    else:
        segment = pa.struct(times)
        attributes = pa.struct(
            [pa.field("last_activity", pa.string()), pa.field("segments", pa.list_(segment))]
        )
    item = pa.struct([pa.field("attributes", attributes)])
    return pa.schema([pa.field("data", pa.list_(item))])


def _columnar(body: bytes, kind: Kind, tz: str) -> ParsedPage:
    # One block holds the whole body (one JSON object, possibly pretty-printed).
    options = pa_json.ReadOptions(block_size=max(len(body) + 1, 1 << 16), use_threads=False)
    parse = pa_json.ParseOptions(
        explicit_schema=_schema(kind), unexpected_field_behavior="infer", newlines_in_values=True
    )
    try:
        table = pa_json.read_json(io.BytesIO(body), read_options=options, parse_options=parse)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        raise _NotExact from None
    if table.num_rows != 1 or "data" not in table.column_names:
        raise _NotExact
    data = table.column("data").combine_chunks()
    if data.null_count:
        raise _NotExact
    items = pc.list_flatten(data)
    if items.type == pa.null() or len(items) == 0:
        records: pa.StructArray | None = None
    else:
        if items.null_count or "attributes" not in _names(items.type):
            raise _NotExact
        records = items.field("attributes")
        if records.null_count:
            raise _NotExact
    pagination = None
    if "pagination" in table.column_names:
        pagination = table.column("pagination").to_pylist()[0]
    rows = 0 if records is None else len(records)
    if kind == "view":
        return _parsed(_frame(records, frames.VIEW_COLUMNS, kind, tz), rows, pagination)
    viewers = _frame(records, frames.VIEWER_COLUMNS, kind, tz)
    segments = _segments(records, tz)
    return _parsed((viewers, segments), rows, pagination)


def _segments(viewers: pa.StructArray | None, tz: str) -> pd.DataFrame:
    if viewers is None or "segments" not in _names(viewers.type):
        if viewers is not None and len(viewers):
            raise _NotExact  # the record path words the problem
        return _frame(None, frames.SEGMENT_COLUMNS, "segment", tz)
    lists = viewers.field("segments")
    if lists.type == pa.null():
        lists = pa.array([[]] * len(viewers), pa.list_(pa.struct([])))
    lists = lists.fill_null(pa.scalar([], lists.type))
    segments = pc.list_flatten(lists)
    if len(segments) == 0 or segments.type == pa.null():
        return _frame(None, frames.SEGMENT_COLUMNS, "segment", tz)
    if segments.null_count:
        raise _NotExact
    owners = pc.list_parent_indices(lists)
    identifier = _field(viewers, "viewer_identifier", len(viewers)).take(owners)
    return _frame(
        segments, frames.SEGMENT_COLUMNS, "segment", tz, {"viewer_identifier": identifier}
    )


def _names(struct_type: pa.DataType) -> set[str]:
    return {struct_type.field(i).name for i in range(struct_type.num_fields)}


def _field(records: pa.StructArray, name: str, length: int) -> pa.Array:
    if name in _names(records.type):
        return records.field(name)
    return pa.nulls(length)


def _family(records: pa.StructArray, part: str, length: int) -> pa.Array:
    """device_info.<part>.family; null where any level is missing or null."""
    missing = pa.nulls(length, pa.string())
    info = _field(records, "device_info", length)
    if info.type == pa.null():
        return missing
    if not pa.types.is_struct(info.type):
        raise _NotExact
    if part not in _names(info.type) or info.field(part).type == pa.null():
        return missing
    section = info.field(part)
    if not pa.types.is_struct(section.type):
        raise _NotExact
    if "family" not in _names(section.type):
        return missing
    family = section.field("family")
    if family.type == pa.null():
        return missing
    # .field() does not apply the parents' nulls to the child: apply them.
    valid = pc.and_(pc.is_valid(info), pc.is_valid(section))
    return pc.if_else(valid, family, missing)


def _frame(
    records: pa.StructArray | None,
    columns: dict[str, str],
    kind: str,
    tz: str,
    given: dict[str, pa.Array] | None = None,
) -> pd.DataFrame:
    length = 0 if records is None else len(records)
    required = frames.REQUIRED[kind]
    data: dict[str, Any] = {}
    for name, dtype in columns.items():
        if given and name in given:
            values = given[name]
        elif records is None:
            values = pa.nulls(0)
        elif name in frames.DEVICE_COLUMNS:
            values = _family(records, name, length)
        else:
            values = _field(records, name, length)
        if name in required and values.null_count:
            raise _NotExact
        data[name] = _convert(values, dtype, tz)
    return pd.DataFrame(data, copy=False)


def _convert(values: pa.Array, dtype: str, tz: str) -> Any:
    kind = values.type
    if kind == pa.null():  # no value at all in this page's records for the column
        if len(values) and dtype == frames.INT:
            raise _NotExact
        target = {frames.INT: pa.int64(), frames.NULLABLE_INT: pa.int64(), frames.BOOL: pa.bool_()}
        values = values.cast(target.get(dtype, pa.string()))
        kind = values.type
    if dtype == frames.STR:
        if pa.types.is_integer(kind):
            values = values.cast(pa.string())
        elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise _NotExact
        return pd.Series(pd.array(values, dtype=frames.STR))
    if dtype in (frames.INT, frames.NULLABLE_INT):
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            try:
                values = values.cast(pa.int64())  # ids sent as text, like the docs' examples
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise _NotExact from None
        elif kind != pa.int64():
            raise _NotExact
        if dtype == frames.INT:
            return pd.Series(values.to_numpy(), dtype=frames.INT)
        return pd.Series(pd.array(values, dtype=frames.NULLABLE_INT))
    if dtype == frames.BOOL:
        if kind != pa.bool_():
            raise _NotExact
        return pd.Series(values.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    # A time. Arrow parses the API's form (an offset, up to microseconds) in C++, ~8x faster
    # than pandas and without holding the GIL, and agrees with pandas on every form it
    # accepts; the rest (no offset, nanoseconds...) is parsed as the record path does.
    if not pa.types.is_string(kind):
        raise _NotExact
    try:
        parsed = pd.Series(values.cast(pa.timestamp("us", tz="UTC")).to_pandas())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = pd.Series(pd.array(values, dtype=frames.STR))
        parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        if (parsed.isna() & text.notna()).any():
            raise _NotExact from None
    return parsed.dt.tz_convert(tz).astype(frames.time_dtype(tz))
