"""Shape the API's frames into what a chart or table shows: comparisons, shares, names, totals.

Pure pandas, no Streamlit and no I/O, so every rule here is unit-tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import pycountry

from analytics.api.queries import ContentType, Dimension, Metric
from analytics.dashboard.periods import Period

METRIC_LABELS: Mapping[Metric, str] = {
    Metric.TOTAL_VIEWS: "Total views",
    Metric.UNIQUE_DEVICES: "Unique devices",
    Metric.AUTHENTICATED_VIEWERS: "Authenticated viewers",
}
DIMENSION_LABELS: Mapping[Dimension, str] = {
    Dimension.MONTH: "Month",
    Dimension.DAY: "Day",
    Dimension.HOUR: "Hour",
    Dimension.LOCATION: "Country",
    Dimension.COUNTRY: "Country",
    Dimension.REGION: "Region",
    Dimension.DEVICE: "Device",
    Dimension.VIEW_SOURCE: "View source",
}
CONTENT_TYPE_LABELS: Mapping[str, str] = {
    ContentType.LIVE.value: "Live",
    ContentType.RECORDED.value: "Recorded",
}
_DEVICE_LABELS = {"tv": "TV"}
_VIEW_SOURCE_LABELS = {"onsite": "On site", "offsite": "Embedded (off site)"}
# Codes outside ISO 3166 that analytics services still report.
_EXTRA_COUNTRIES = {"XK": ("XKX", "Kosovo")}


def wall_times(times: pd.Series) -> pd.Series:
    """Timezone-aware times as naive wall-clock times of their own zone (what charts show)."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return times.dt.tz_localize(None)
    return times


def local_bucket_starts(times: pd.Series, dimension: Dimension) -> pd.Series:
    """Day and month buckets moved onto local midnights of the times' zone.

    The API buckets in the UTC offset of the range's start, so after a daylight-saving change
    a day's bucket starts at 23:00 or 01:00 local time; it still means that local day.
    """
    if dimension not in (Dimension.DAY, Dimension.MONTH) or times.empty:
        return times
    zone = times.dt.tz
    days = (times + pd.Timedelta(hours=12)).dt.tz_localize(None).dt.normalize()
    if dimension is Dimension.MONTH:
        days = days.dt.to_period("M").dt.start_time
    return days.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward").astype(
        times.dtype
    )


def metric_series(frame: pd.DataFrame, dimension: Dimension = Dimension.HOUR) -> pd.DataFrame:
    """A time-dimension metric frame as `time`, `value`, sorted by time."""
    series = pd.DataFrame(
        {
            "time": local_bucket_starts(frame["point"], dimension),
            "value": frame["value"].astype("int64"),
        }
    )
    return series.sort_values("time", ignore_index=True)


def compare_series(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    period: Period,
    dimension: Dimension = Dimension.HOUR,
) -> pd.DataFrame:
    """Current and previous-period values on the current period's time axis.

    Columns: `time`, `value`, and with a previous period `previous_value` (its point moved forward
    by the period shift) and `previous_time` (when that previous value was measured).
    """
    ours = _within(metric_series(current, dimension), period)
    if previous is None:
        return ours
    theirs = _within(metric_series(previous, dimension), period.previous())
    by_month = dimension is Dimension.MONTH  # months move by months (not by days)
    moved = [period.shift_from_previous(moment, by_month=by_month) for moment in theirs["time"]]
    shifted = pd.DataFrame(
        {
            "time": pd.Series(moved, dtype=ours["time"].dtype),
            "previous_value": theirs["value"].to_numpy(),
            "previous_time": theirs["time"].to_numpy(),
        }
    )
    shifted["previous_time"] = theirs["time"].reset_index(drop=True)
    merged = ours.merge(shifted, on="time", how="outer").sort_values("time", ignore_index=True)
    merged["value"] = merged["value"].astype("Int64")
    merged["previous_value"] = merged["previous_value"].astype("Int64")
    return merged


def _within(series: pd.DataFrame, period: Period) -> pd.DataFrame:
    """In the period's zone, without buckets that start at or after its end.

    Those come from buckets in a fixed UTC offset across a daylight-saving change: the last
    one then holds only the period's final hour and, moved onto its local day, lies outside.
    """
    if series.empty:
        return series
    series = series.assign(time=series["time"].dt.tz_convert(period.tz))
    return series[series["time"] < period.end].reset_index(drop=True)


def change_column(current: pd.Series, previous: pd.Series) -> pd.Series:
    """Relative change per row; missing where the previous value is zero or unknown."""
    current = current.astype("Float64")
    previous = previous.astype("Float64")
    change = (current - previous) / previous.where(previous != 0)
    return change.astype("Float64")


def point_labels(points: pd.Series, dimension: Dimension) -> pd.Series:
    """Readable names for the API's category points (device classes, view sources)."""
    if dimension is Dimension.DEVICE:
        return points.map(lambda point: _DEVICE_LABELS.get(str(point), str(point).capitalize()))
    if dimension is Dimension.VIEW_SOURCE:
        return points.map(lambda point: _VIEW_SOURCE_LABELS.get(str(point), str(point)))
    if dimension is Dimension.REGION:
        return points.map(region)
    return points.map(lambda point: "Unknown" if pd.isna(point) else str(point))


def region(code: object) -> str:
    """ "California (US)" for the API's ISO 3166-2 code "US-CA"; the code itself if unknown."""
    if pd.isna(code) or not str(code).strip():
        return "Unknown"
    text = str(code).strip().upper()
    found = pycountry.subdivisions.get(code=text)
    return f"{found.name} ({found.country_code})" if found else f"Unknown ({text})"


def breakdown_table(
    current: pd.DataFrame, previous: pd.DataFrame | None, dimension: Dimension
) -> pd.DataFrame:
    """A category breakdown ranked by value, with share of total and change vs previous.

    Columns: `point` (API value), `label`, `value`, `share` (0..1), and with a previous period
    `previous_value` and `change` (ratio; missing when the previous value was zero).
    """
    table = current[["point", "value"]].copy()
    table["value"] = table["value"].astype("int64")
    if previous is not None:
        before = previous[["point", "value"]].rename(columns={"value": "previous_value"})
        table = table.merge(before, on="point", how="outer")
        table["value"] = table["value"].fillna(0).astype("int64")
        table["previous_value"] = table["previous_value"].fillna(0).astype("int64")
        table["change"] = change_column(table["value"], table["previous_value"])
    total = int(table["value"].sum())
    table["share"] = table["value"] / total if total else 0.0
    table.insert(1, "label", point_labels(table["point"], dimension))
    table = table.sort_values(["value", "label"], ascending=[False, True], ignore_index=True)
    columns = ["point", "label", "value", "share"]
    if previous is not None:
        columns += ["previous_value", "change"]
    return table[columns]


TOTAL_LABEL = "Total"
# Metrics whose values add up across the rows of a breakdown. Unique devices and authenticated
# viewers do not: one device seen on two days or in two countries counts in each row.
ADDITIVE_METRICS = frozenset({Metric.TOTAL_VIEWS})


def with_total_row(
    table: pd.DataFrame, *, total: float | None = None, previous_total: float | None = None
) -> pd.DataFrame:
    """The breakdown table with a last row "Total" (`label`), for display.

    `value` and `previous_value` are the columns' sums, or `total` / `previous_total` where
    summing makes no sense (unique counts: pass the summary call's figure); `share` is 100 %,
    `change` the change of the totals; other columns stay empty.
    """
    row: dict[str, object] = {column: pd.NA for column in table.columns}
    row["label"] = TOTAL_LABEL
    row["value"] = table["value"].sum() if total is None else total
    if "share" in table:
        row["share"] = 1.0 if len(table) else 0.0
    if "previous_value" in table:
        before = table["previous_value"].sum() if previous_total is None else previous_total
        row["previous_value"] = before
        if "change" in table:
            row["change"] = (row["value"] - before) / before if before else pd.NA
    totals = pd.DataFrame([row], columns=table.columns)
    combined = pd.concat([table, totals], ignore_index=True) if len(table) else totals
    for column in ("value", "previous_value"):
        if column in combined and column in table:
            combined[column] = combined[column].astype(table[column].dtype)
    if "change" in combined:
        combined["change"] = combined["change"].astype("Float64")
    return combined


def country(code: str) -> tuple[str | None, str]:
    """(ISO alpha-3 for Plotly or None, country name) for an ISO alpha-2 code from the API."""
    code = "" if pd.isna(code) else str(code).strip().upper()
    if code in _EXTRA_COUNTRIES:
        return _EXTRA_COUNTRIES[code]
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if found is None:
        return None, f"Unknown ({code})" if code else "Unknown"
    return found.alpha_3, getattr(found, "common_name", None) or found.name


def with_countries(table: pd.DataFrame) -> pd.DataFrame:
    """Add `iso_alpha3` (missing for unknown codes) and `label` = the country's name."""
    names = table["point"].map(country)
    located = table.copy()
    located["iso_alpha3"] = names.map(lambda pair: pair[0]).astype("str")
    located.loc[names.map(lambda pair: pair[0] is None), "iso_alpha3"] = pd.NA
    located["label"] = names.map(lambda pair: pair[1]).astype("str")
    return located


def content_label(content_type: str, content_id: int) -> str:
    """ "Channel 123" / "Video 123": a content's name when its title is not known."""
    kind = "Channel" if content_type == ContentType.LIVE.value else "Video"
    return f"{kind} {content_id}"


# (content_type, content_id) -> what people read: the catalogue's `label` (titles) in pages.
ContentLabels = Callable[[str, int], str]


@dataclass(frozen=True)
class Peak:
    """The highest per-content peak of a period."""

    value: int
    time: datetime
    content_type: str
    content_id: int
    title: str | None = None

    @property
    def content(self) -> str:
        return self.title or content_label(self.content_type, self.content_id)


def overall_peak(peaks: pd.DataFrame, labels: ContentLabels = content_label) -> Peak | None:
    """The row with the highest value (the earliest one on a tie); None without data. Records
    the API sent without a value, time or content are left out (a peak must be someone's)."""
    peaks = peaks.dropna(subset=["value", "time", "content_type", "content_id"])
    if peaks.empty:
        return None
    ordered = peaks.sort_values(["value", "time"], ascending=[False, True])
    row = ordered.iloc[0]
    kind, number = str(row["content_type"]), int(row["content_id"])
    return Peak(int(row["value"]), row["time"], kind, number, labels(kind, number))


UNKNOWN_CONTENT = "Unknown content"  # a record the API sent without its content's id


def _labels_of(frame: pd.DataFrame, labels: ContentLabels) -> list[str]:
    return [
        labels(str(kind), int(number)) if pd.notna(kind) and pd.notna(number) else UNKNOWN_CONTENT
        for kind, number in zip(frame["content_type"], frame["content_id"], strict=True)
    ]


def peaks_by_content(peaks: pd.DataFrame, labels: ContentLabels = content_label) -> pd.DataFrame:
    """One row per content: its highest peak and when it happened, highest first."""
    columns = ["content", "content_type", "content_id", "peak", "peak_time"]
    if peaks.empty:
        return pd.DataFrame(
            {
                "content": pd.Series(dtype="str"),
                "content_type": pd.Series(dtype="str"),
                "content_id": pd.Series(dtype="int64"),
                "peak": pd.Series(dtype="int64"),
                "peak_time": peaks["time"].iloc[:0],
            }
        )[columns]
    ordered = peaks.sort_values(["value", "time"], ascending=[False, True])
    best = ordered.drop_duplicates(["content_type", "content_id"]).rename(
        columns={"value": "peak", "time": "peak_time"}
    )
    best["content"] = _labels_of(best, labels)
    best["peak"] = best["peak"].astype("int64")
    return best[columns].reset_index(drop=True)


def top_peak_series(
    peaks: pd.DataFrame, top: int, labels: ContentLabels = content_label
) -> pd.DataFrame:
    """The peak series of the `top` contents with the highest peaks, with a `content` label."""
    ranking = peaks_by_content(peaks, labels).head(top)
    keep = set(zip(ranking["content_type"], ranking["content_id"], strict=True))
    rows = [
        (kind, int(number)) in keep
        for kind, number in zip(peaks["content_type"], peaks["content_id"], strict=True)
    ]
    series = peaks.loc[rows].copy()
    series["content"] = _labels_of(series, labels)
    order = {
        key: rank
        for rank, key in enumerate(zip(ranking["content_type"], ranking["content_id"], strict=True))
    }
    series["rank"] = [
        order.get((kind, number), len(order))
        for kind, number in zip(series["content_type"], series["content_id"], strict=True)
    ]
    return series.sort_values(["rank", "time"], ignore_index=True).drop(columns="rank")


def with_zero_gaps(series: pd.DataFrame, step: timedelta, period: Period) -> pd.DataFrame:
    """Peak series list only buckets with viewers; add the zeros around each gap, so a line
    drops to zero while nobody watched instead of bridging the gap.
    """
    if series.empty:
        return series
    step = pd.Timedelta(step)
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    parts = [series]
    for _, rows in series.groupby(["content_type", "content_id"], sort=False):
        times = rows["time"].sort_values()
        after = times[~((times.shift(-1) - times) <= step)] + step
        before = times[~((times - times.shift(1)) <= step)] - step
        zeros = pd.concat([after[after < end], before[before >= start]]).drop_duplicates()
        zeros = zeros[~zeros.isin(times)]
        if len(zeros):
            first = rows.iloc[0]
            parts.append(
                pd.DataFrame(
                    {
                        column: [first[column]] * len(zeros)
                        for column in rows.columns
                        if column not in ("time", "value")
                    }
                ).assign(time=zeros.to_numpy(), value=0)
            )
    filled = pd.concat(parts, ignore_index=True)
    filled["time"] = filled["time"].astype(series["time"].dtype)
    filled["value"] = filled["value"].astype("int64")
    # Keep the contents in the order they came (highest peak first), each in time order.
    keys = list(zip(series["content_type"], series["content_id"], strict=True))
    order = {key: rank for rank, key in enumerate(dict.fromkeys(keys))}
    filled["rank"] = [
        order[key] for key in zip(filled["content_type"], filled["content_id"], strict=True)
    ]
    return filled.sort_values(["rank", "time"], ignore_index=True).drop(columns="rank")


@dataclass(frozen=True)
class ViewerTotals:
    """What one viewer did in the period, from their segments."""

    views: int  # distinct playback sessions
    watch_time: timedelta  # sum of finished segment durations
    contents: int
    countries: int
    devices: int
    unfinished_segments: int


def viewer_totals(segments: pd.DataFrame) -> ViewerTotals:
    finished = segments.dropna(subset=["finished_at"])
    durations = (finished["finished_at"] - finished["started_at"]).clip(lower=pd.Timedelta(0))
    watch_time = durations.sum() if len(durations) else pd.Timedelta(0)
    return ViewerTotals(
        views=int(segments["view_session_id"].dropna().nunique()),
        watch_time=pd.Timedelta(watch_time).to_pytimedelta(),
        contents=int(segments[["content_type", "content_id"]].drop_duplicates().shape[0]),
        countries=int(segments["country"].replace("", pd.NA).dropna().nunique()),
        devices=int(segments["device"].replace("", pd.NA).dropna().nunique()),
        unfinished_segments=int(segments["finished_at"].isna().sum()),
    )


def timeline_frame(
    segments: pd.DataFrame, until: datetime, labels: ContentLabels = content_label
) -> pd.DataFrame:
    """Segments ready for a timeline: `content` label, unfinished ones drawn up to `until`."""
    frame = segments.copy()
    frame["content"] = _labels_of(frame, labels)
    frame["unfinished"] = frame["finished_at"].isna()
    end = frame["finished_at"].copy()
    if len(frame):
        until_ts = pd.Timestamp(until).tz_convert(frame["started_at"].dt.tz)
        end = end.where(~frame["unfinished"], until_ts)
        end = end.where(end > frame["started_at"], frame["started_at"] + pd.Timedelta(seconds=1))
    frame["drawn_until"] = end
    return frame.sort_values("started_at", ignore_index=True)


def format_duration(duration: timedelta) -> str:
    """ "2h 05m", "12m 30s", "45s"."""
    seconds = round(duration.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours:,}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
