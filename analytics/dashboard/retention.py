"""Audience retention of one recorded video: the share of its views still watching at each 1 %
of the video, from the `from`/`to` positions (seconds) of the views' segments.

The method (docs/dashboard.md, "One content's page"):

- **A view** is one playback session (`view_session_id`); its segments are its plays between
  pauses and seeks. The **100 % base** is every view with at least one usable segment: a view
  that starts in the middle (a shared link with a time) still counts, so the curve may begin
  below 100 %.
- **A point** p = 0, 1, ..., 100 stands for the position p % of the length. A view counts at p
  once if any of its segments covers it, `from <= position < to`, so rewatching or seeking back
  over a part counts that part once, and a part skipped by a seek forward is not counted. At
  100 % (the very end, which no half-open segment covers) a view counts if a segment reaches
  the end (`to >= length`).
- **Positions** are clipped to [0, length]. A segment without `from` or `to` (the API sends
  unfinished segments without an end), with `to` before `from`, or without a session is left
  out and counted, never read as position 0; a view with no other segment is left out of the
  base and counted too.
- **The biggest drop** is the largest fall of the share over `window` points (5 % of the
  video by default): where the most viewers left within one twentieth of the video. The
  earliest wins a tie; a curve that never falls has none.

Pure pandas/numpy, no Streamlit and no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

POINTS = np.arange(101)  # 0 %, 1 %, ..., 100 % of the video
DROP_WINDOW = 5  # points (percent of the video) the biggest drop is measured over


@dataclass(frozen=True)
class Retention:
    """The curve and what it was built from."""

    curve: pd.DataFrame  # percent (0..100), position (seconds), views, share (0..1)
    views: int  # the 100 % base: views with at least one usable segment
    length_seconds: float
    left_out_segments: int  # no from/to, to before from, or no session
    left_out_views: int  # views with no usable segment at all


@dataclass(frozen=True)
class Drop:
    """A fall of the share between two points of the curve."""

    start: int  # percent of the video
    end: int
    share_before: float
    share_after: float

    @property
    def fall(self) -> float:
        """Share points lost, e.g. 0.25 for 80 % -> 55 %."""
        return self.share_before - self.share_after


def retention(segments: pd.DataFrame, length_seconds: float) -> Retention:
    """The retention curve of one video from its segments (`view_session_id`, `from`, `to`).

    `length_seconds` must be positive (ValueError otherwise): the video's length from the
    catalogue, or, when unknown, `furthest_position(segments)`.
    """
    if not length_seconds or length_seconds <= 0 or pd.isna(length_seconds):
        raise ValueError(f"length_seconds: a video length must be positive, got {length_seconds!r}")
    length = float(length_seconds)
    sessions = segments["view_session_id"].astype("string")
    starts = pd.to_numeric(segments["from"], errors="coerce").astype("Float64")
    ends = pd.to_numeric(segments["to"], errors="coerce").astype("Float64")
    usable = (starts.notna() & ends.notna() & sessions.notna() & (ends >= starts)).to_numpy(
        dtype=bool, na_value=False
    )
    all_views = sessions.dropna().unique()
    starts = starts[usable].to_numpy(dtype="float64").clip(0, length)
    ends = ends[usable].to_numpy(dtype="float64").clip(0, length)
    positions = POINTS * length / 100
    # segments x points: does the segment cover the point? (half-open; the end: reached it)
    covered = (starts[:, None] <= positions[None, :]) & (positions[None, :] < ends[:, None])
    covered[:, -1] = (ends >= length) & (starts < length)
    by_view = pd.DataFrame(covered).groupby(sessions[usable].to_numpy()).any()
    base = len(by_view)
    counts = by_view.sum(axis=0).to_numpy(dtype="int64") if base else np.zeros(101, dtype="int64")
    curve = pd.DataFrame(
        {
            "percent": POINTS,
            "position": positions,
            "views": counts,
            "share": counts / base if base else np.zeros(101),
        }
    )
    return Retention(
        curve=curve,
        views=base,
        length_seconds=length,
        left_out_segments=int((~usable).sum()),
        left_out_views=len(all_views) - base,
    )


def furthest_position(segments: pd.DataFrame) -> float | None:
    """The furthest `to` watched: the length to use when the catalogue does not know it."""
    ends = pd.to_numeric(segments["to"], errors="coerce").dropna()
    furthest = float(ends.max()) if len(ends) else 0.0
    return furthest if furthest > 0 else None


def biggest_drop(curve: pd.DataFrame, window: int = DROP_WINDOW) -> Drop | None:
    """The largest fall of `share` from point p to point p + window (earliest on a tie), or None
    when the share never falls."""
    shares = curve["share"].to_numpy(dtype="float64")
    if len(shares) <= window:
        return None
    falls = shares[:-window] - shares[window:]
    start = int(np.argmax(falls))  # the first of the largest
    if falls[start] <= 0:
        return None
    percents = curve["percent"].to_numpy()
    return Drop(
        int(percents[start]),
        int(percents[start + window]),
        float(shares[start]),
        float(shares[start + window]),
    )


def position_label(seconds: float) -> str:
    """ "m:ss", or "h:mm:ss" from an hour on: a position in the video."""
    whole = round(float(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
